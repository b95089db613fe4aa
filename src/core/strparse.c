/* Strict number and code parsing. */
#include "strparse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

/* Integers of up to 15 digits are exact in a double; parsing them by hand
 * avoids strtod's cost on the common case (counts, years, 0/1 flags). */
static bool parse_small_int(const char *s, size_t len, double *out)
{
    size_t i = 0;
    bool neg = false;
    int64_t v = 0;

    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len || len - i > 15) {
        return false;
    }
    for (; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9) {
            return false;
        }
        v = v * 10 + (int64_t)d;
    }
    *out = neg ? -(double)v : (double)v;
    if (neg && v == 0) {
        *out = -0.0;
    }
    return true;
}

/* Check the grammar strtod would accept, minus hex, inf and nan:
 * [+-]? digits [. digits] [eE [+-]? digits], with at least one digit. */
static bool decimal_syntax(const char *s, size_t len)
{
    size_t i = 0;
    size_t digits = 0;

    if (i < len && (s[i] == '+' || s[i] == '-')) {
        i++;
    }
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0) {
        return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0) {
            return false;
        }
    }
    return i == len;
}

bool parse_double_fast(const char *s, size_t len, double *out)
{
    char tmp[128];
    double v;

    if (parse_small_int(s, len, out)) {
        return true;
    }
    if (len == 0 || len >= sizeof(tmp) || !decimal_syntax(s, len)) {
        return false;
    }
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    v = strtod(tmp, NULL);
    if (!isfinite(v)) {
        return false;
    }
    *out = v;
    return true;
}

int parse_double(const char *s, size_t len, double *out, struct err *err)
{
    if (len == 0) {
        return err_set(err, ERR_INVALID, "empty value, want a number");
    }
    if (!parse_double_fast(s, len, out)) {
        return err_set(err, ERR_INVALID, "'%.*s' is not a finite number",
                       (int)(len > 40 ? 40 : len), s);
    }
    return 0;
}

int parse_int64(const char *s, size_t len, int64_t min, int64_t max,
                int64_t *out, struct err *err)
{
    size_t i = 0;
    bool neg = false;
    int64_t v = 0;

    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len || len - i > 18) {
        goto bad;
    }
    for (; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9) {
            goto bad;
        }
        v = v * 10 + (int64_t)d;
    }
    if (neg) {
        v = -v;
    }
    if (v < min || v > max) {
        return err_set(err, ERR_INVALID, "%lld is out of range %lld..%lld",
                       (long long)v, (long long)min, (long long)max);
    }
    *out = v;
    return 0;
bad:
    return err_set(err, ERR_INVALID, "'%.*s' is not an integer",
                   (int)(len > 40 ? 40 : len), s);
}

int parse_year_range(const char *s, int *out_from, int *out_to, struct err *err)
{
    const char *colon = strchr(s, ':');
    size_t len = strlen(s);
    int64_t a;
    int64_t b;

    if (colon == NULL) {
        if (parse_int64(s, len, YEAR_MIN, YEAR_MAX, &a, err)) {
            return err_prefix(err, "years '%s'", s);
        }
        *out_from = (int)a;
        *out_to = (int)a;
        return 0;
    }
    if (parse_int64(s, (size_t)(colon - s), YEAR_MIN, YEAR_MAX, &a, err) ||
        parse_int64(colon + 1, strlen(colon + 1), YEAR_MIN, YEAR_MAX, &b,
                    err)) {
        return err_prefix(err, "years '%s' (want YYYY or YYYY:YYYY)", s);
    }
    if (a > b) {
        return err_set(err, ERR_INVALID, "years '%s': start after end", s);
    }
    *out_from = (int)a;
    *out_to = (int)b;
    return 0;
}

bool utf8_valid(const char *s, size_t len, size_t *out_bad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned c;
        size_t n;
        unsigned cp;
        uint64_t w;
        /* ASCII eight bytes at a time (notes of millions of values). */
        while (i + 8 <= len) {
            memcpy(&w, p + i, sizeof(w));
            if (w & 0x8080808080808080ull) {
                break;
            }
            i += 8;
        }
        if (i >= len) {
            break;
        }
        c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            goto bad;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (p[i + k] & 0xC0) != 0x80) {
                goto bad;
            }
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            goto bad;
        }
        i += n + 1;
    }
    return true;
bad:
    if (out_bad != NULL) {
        *out_bad = i;
    }
    return false;
}

bool code_valid(const char *s, size_t len)
{
    if (len == 0 || len > MAX_CODE_LEN) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') ||
                  (i > 0 && (c == '_' || c == '.' || c == '-' || c == '$'));
        if (!ok) {
            return false;
        }
    }
    return true;
}

void str_trim(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) {
        (*len)--;
    }
}
