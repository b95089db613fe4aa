/* Query strings and request paths from outside input: percent-decoding,
 * splitting into parameters, and the strict checks the API relies on
 * (valid UTF-8, no NUL, bounded counts). Part of http/, but libc + core only
 * so the fuzz target and unit tests need no server. */
#ifndef ICTDEV_HTTP_QUERY_H
#define ICTDEV_HTTP_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/compiler.h"
#include "../core/err.h"

#define QUERY_MAX_PARAMS 64

struct query_param {
    char *key;   /* owned, decoded, NUL-terminated */
    char *value; /* owned, decoded, NUL-terminated ("" when no '=') */
};

struct query {
    struct query_param *params; /* owned; count entries */
    size_t count;
};

/* Percent-decode s[0..len) into a new owned string (*out, free with xfree).
 * plus_is_space turns '+' into ' ' (query strings, not paths). ERR_INVALID
 * for a bad %XX escape, an encoded NUL or text that is not UTF-8;
 * *out is NULL then. */
int query_decode(const char *s, size_t len, bool plus_is_space, char **out,
                 struct err *err) WARN_UNUSED_RESULT;

/* Parse "a=1&b=x%20y" (without the '?') into q (zeroed by the call first).
 * Empty pieces ("a=1&&b=2") are skipped. ERR_INVALID names the parameter
 * that failed to decode or was given twice; ERR_LIMIT past QUERY_MAX_PARAMS
 * parameters. On failure q is empty. */
int query_parse(const char *s, size_t len, struct query *q,
                struct err *err) WARN_UNUSED_RESULT;

/* Free q's memory and zero it. Safe on a zeroed query. */
void query_cleanup(struct query *q);

/* The decoded value of key, or NULL. Borrowed until query_cleanup. */
const char *query_get(const struct query *q, const char *key);

/* Return ERR_INVALID naming the first parameter of q not in the
 * NULL-terminated list allowed; 0 if all are known. */
int query_check_known(const struct query *q, const char *const *allowed,
                      struct err *err) WARN_UNUSED_RESULT;

/* Split a decoded path into at most max segments (borrowed pointers into
 * path, which the call modifies by writing NULs at each '/'). Empty
 * segments are dropped. ERR_INVALID for "." or ".." segments or a
 * backslash; ERR_LIMIT past max. */
int path_split(char *path, char **segs, size_t max, size_t *out_count,
               struct err *err) WARN_UNUSED_RESULT;

#endif
