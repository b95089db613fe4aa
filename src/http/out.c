/* Escaping and gzip; see out.h. */
#include "out.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "../core/mem.h"

void out_json_str(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c == '\n') {
            buf_puts(b, "\\n");
        } else if (c == '\r') {
            buf_puts(b, "\\r");
        } else if (c == '\t') {
            buf_puts(b, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
            buf_puts(b, u);
        } else if (c == '<') {
            buf_puts(b, "\\u003c"); /* safe inside <script> too */
        } else {
            buf_putc(b, (char)c);
        }
    }
    buf_putc(b, '"');
}

void out_json_num(struct buf *b, double v)
{
    if (!isfinite(v)) {
        buf_puts(b, "null");
        return;
    }
    buf_put_double(b, v);
}

void out_html(struct buf *b, const char *s)
{
    buf_put_xml(b, s);
}

void out_htmlf(struct buf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    out_html(b, tmp);
}

void out_csv(struct buf *b, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        buf_puts(b, s);
        return;
    }
    buf_putc(b, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"') {
            buf_putc(b, '"');
        }
        buf_putc(b, *p);
    }
    buf_putc(b, '"');
}

void out_url(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~') {
            buf_putc(b, (char)c);
        } else {
            buf_putc(b, '%');
            buf_putc(b, hex[c >> 4]);
            buf_putc(b, hex[c & 15]);
        }
    }
}

int out_gzip(const void *in, size_t len, struct buf *out, struct err *err)
{
    z_stream z;
    int rc;
    uLong bound;

    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        return err_set(err, ERR_INTERNAL, "zlib: deflateInit2 failed");
    }
    bound = deflateBound(&z, (uLong)len);
    buf_reserve(out, (size_t)bound + 1);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out->data + out->len;
    z.avail_out = (uInt)bound;
    rc = deflate(&z, Z_FINISH);
    if (rc != Z_STREAM_END) {
        deflateEnd(&z);
        return err_set(err, ERR_INTERNAL, "zlib: deflate failed (%d)", rc);
    }
    out->len += z.total_out;
    out->data[out->len] = '\0';
    deflateEnd(&z);
    return 0;
}

bool out_accepts_gzip(const char *ae)
{
    const char *p = ae;
    while (p != NULL && *p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *tok = p;
        size_t tl;
        const char *semi;
        while (n > 0 && (*tok == ' ' || *tok == '\t')) {
            tok++;
            n--;
        }
        semi = memchr(tok, ';', n);
        tl = semi ? (size_t)(semi - tok) : n;
        while (tl > 0 && (tok[tl - 1] == ' ' || tok[tl - 1] == '\t')) {
            tl--;
        }
        if ((tl == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
            (tl == 1 && tok[0] == '*')) {
            bool zero = false;
            if (semi) {
                const char *q = semi + 1;
                while (*q == ' ') {
                    q++;
                }
                if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=' &&
                    q[2] == '0' &&
                    (q[3] == '\0' || q[3] == ',' || q[3] == ' ' ||
                     (q[3] == '.' && strspn(q + 4, "0") > 0 &&
                      (q[4 + strspn(q + 4, "0")] == '\0' ||
                       q[4 + strspn(q + 4, "0")] == ',')))) {
                    zero = true;
                }
            }
            return !zero;
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}
