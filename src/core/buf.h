/* A growable byte buffer, always NUL-terminated. The caller owns the struct;
 * buf_init/buf_cleanup pair. Growing calls invalidate pointers into data. */
#ifndef ICTDEV_CORE_BUF_H
#define ICTDEV_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

struct buf {
    char *data; /* owned; NULL until the first append; NUL at data[len] */
    size_t len; /* bytes used, excluding the NUL */
    size_t cap; /* bytes allocated, > len once data != NULL */
};

/* Zero b. Cannot fail. */
void buf_init(struct buf *b);
/* Free b's memory and zero it. Safe on a zeroed buf. */
void buf_cleanup(struct buf *b);
/* Empty b, keeping its memory. */
void buf_reset(struct buf *b);
/* Make room for extra more bytes. May move data. */
void buf_reserve(struct buf *b, size_t extra);
/* Append len bytes of p. May move data. Cannot fail (aborts on OOM). */
void buf_append(struct buf *b, const void *p, size_t len);
/* Append the NUL-terminated s. */
void buf_puts(struct buf *b, const char *s);
/* Append one byte. */
void buf_putc(struct buf *b, char c);
/* Append printf-formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Append a double in the shortest form that reads back to the same value
 * ("%.17g" at most; never rounded). Non-finite values append "NaN", "Inf"
 * or "-Inf". */
void buf_put_double(struct buf *b, double v);
/* Append v in decimal, as "%lld" would (without printf: hot loops). */
void buf_put_int(struct buf *b, long long v);
/* Append v as 16 lowercase hex digits, as "%016llx" would. */
void buf_put_hex16(struct buf *b, unsigned long long v);
/* Append v with one decimal, as "%.1f" would. */
void buf_put_fixed1(struct buf *b, double v);
/* Append the NUL-terminated s (NULL: nothing) escaped for HTML and XML
 * text and attribute values: & < > " ' become entities. */
void buf_put_xml(struct buf *b, const char *s);
/* Return b's text: borrowed, valid until the next growing call; "" when
 * empty. */
const char *buf_cstr(const struct buf *b);
/* Take b's memory as an owned string (free with xfree); b is emptied. */
char *buf_detach(struct buf *b);

/* Write the shortest round-trip form of v into out (at least 32 bytes) and
 * return its length. */
size_t fmt_double(char *out, size_t cap, double v);
/* Write v in decimal (as "%lld" would, without printf's cost) into out (at
 * least 21 bytes), NUL-terminated; return its length. */
size_t fmt_i64(char *out, int64_t v);

#endif
