/* All allocation goes through here. These functions never return NULL:
 * on exhaustion they print a message and abort, so callers write no
 * out-of-memory paths. xfree(NULL) does nothing. */
#ifndef ICTDEV_CORE_MEM_H
#define ICTDEV_CORE_MEM_H

#include <stddef.h>

/* Return owned memory of size bytes (uninitialised); free with xfree. */
void *xmalloc(size_t size);
/* Return owned zeroed memory for count elements of size bytes; aborts on
 * overflow of count * size. */
void *xcalloc(size_t count, size_t size);
/* Resize p (taken) to size bytes; returns owned memory. Old pointers into p
 * are invalid afterwards. */
void *xrealloc(void *p, size_t size);
/* xrealloc for count elements of size bytes, aborting on overflow. */
void *xreallocarray(void *p, size_t count, size_t size);
/* Free p (taken). */
void xfree(void *p);
/* Return an owned copy of the NUL-terminated s. */
char *xstrdup(const char *s);
/* Return an owned NUL-terminated copy of the first len bytes of s. */
char *xstrndup(const char *s, size_t len);

#endif
