/* Growable buffer. Doubling growth keeps appends amortised O(1). */
#include "buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void buf_init(struct buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_cleanup(struct buf *b)
{
    xfree(b->data);
    buf_init(b);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data != NULL) {
        b->data[0] = '\0';
    }
}

void buf_reserve(struct buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    size_t cap = b->cap ? b->cap : 64;

    if (need <= b->cap) {
        return;
    }
    while (cap < need) {
        cap *= 2;
    }
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_append(struct buf *b, const void *p, size_t len)
{
    buf_reserve(b, len);
    if (len > 0) {
        memcpy(b->data + b->len, p, len);
    }
    b->len += len;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) {
        return;
    }
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

size_t fmt_i64(char *out, int64_t v)
{
    char tmp[20];
    size_t n = 0;
    size_t len = 0;
    /* The magnitude as unsigned: -INT64_MIN does not fit an int64_t. */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        out[len++] = '-';
    }
    while (n > 0) {
        out[len++] = tmp[--n];
    }
    out[len] = '\0';
    return len;
}

size_t fmt_double(char *out, size_t cap, double v)
{
    int n;

    if (isnan(v)) {
        return (size_t)snprintf(out, cap, "NaN");
    }
    if (isinf(v)) {
        return (size_t)snprintf(out, cap, v < 0 ? "-Inf" : "Inf");
    }
    /* Try 15 significant digits first: most data were typed with fewer, and
     * 15 always reads back exactly for them. Fall back to 17, which always
     * round-trips an IEEE double. */
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(out, cap, "%.*g", prec, v);
        if (strtod(out, NULL) == v) {
            break;
        }
    }
    return (size_t)n;
}

void buf_put_double(struct buf *b, double v)
{
    char tmp[40];
    size_t n = fmt_double(tmp, sizeof(tmp), v);
    buf_append(b, tmp, n);
}

void buf_put_int(struct buf *b, long long v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    /* Negate as unsigned: LLONG_MIN has no positive counterpart. */
    unsigned long long u =
        v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0) {
        tmp[--i] = '-';
    }
    buf_append(b, tmp + i, sizeof(tmp) - i);
}

void buf_put_hex16(struct buf *b, unsigned long long v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];

    for (int i = 15; i >= 0; i--) {
        tmp[i] = digits[v & 0xf];
        v >>= 4;
    }
    buf_append(b, tmp, sizeof(tmp));
}

void buf_put_fixed1(struct buf *b, double v)
{
    double t = v * 10;
    double whole = floor(t);
    double frac = t - whole;
    long long n;

    /* printf rounds the exact binary value; v * 10 may be off by an ulp,
     * which matters only next to a tie (x.x5) or for huge values: those
     * go through printf. */
    if (signbit(v) || !(t < 1e15) || fabs(frac - 0.5) < 1e-6) {
        buf_printf(b, "%.1f", v);
        return;
    }
    n = (long long)whole + (frac > 0.5);
    buf_put_int(b, n / 10);
    buf_putc(b, '.');
    buf_putc(b, (char)('0' + n % 10));
}

void buf_put_xml(struct buf *b, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        case '\'':
            buf_puts(b, "&#39;");
            break;
        default:
            buf_putc(b, *s);
        }
    }
}

const char *buf_cstr(const struct buf *b)
{
    return b->data ? b->data : "";
}

char *buf_detach(struct buf *b)
{
    char *p = b->data ? b->data : xstrdup("");
    buf_init(b);
    return p;
}
