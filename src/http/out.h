/* Output helpers for http/: escaping for JSON, HTML and CSV, and gzip.
 * All append to a caller-owned buf (which may move its data). */
#ifndef ICTDEV_HTTP_OUT_H
#define ICTDEV_HTTP_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"

/* Append s as a JSON string literal with quotes. Cannot fail. */
void out_json_str(struct buf *b, const char *s);

/* Append a JSON number, or null for a non-finite value. */
void out_json_num(struct buf *b, double v);

/* Append s with & < > " ' escaped for HTML text and attributes. */
void out_html(struct buf *b, const char *s);

/* Append printf-formatted text, HTML-escaped. */
void out_htmlf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Append s as one RFC 4180 CSV field (quoted when it holds , " CR LF). */
void out_csv(struct buf *b, const char *s);

/* Append s percent-encoded for a URL query value or path segment. */
void out_url(struct buf *b, const char *s);

/* gzip-compress in[0..len) into out (appended). ERR_INTERNAL if zlib
 * fails. */
int out_gzip(const void *in, size_t len, struct buf *out,
             struct err *err) WARN_UNUSED_RESULT;

/* True if an Accept-Encoding header value allows gzip. */
bool out_accepts_gzip(const char *accept_encoding);

#endif
