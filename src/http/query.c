/* Query-string and path decoding; see query.h. */
#include "query.h"

#include <string.h>

#include "../core/buf.h"
#include "../core/mem.h"
#include "../core/strparse.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int query_decode(const char *s, size_t len, bool plus_is_space, char **out,
                 struct err *err)
{
    char *d = xmalloc(len + 1);
    size_t n = 0;
    size_t bad;

    *out = NULL;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 1 < len ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                xfree(d);
                return err_set(err, ERR_INVALID,
                               "bad percent-escape at byte %zu", i);
            }
            c = (char)(hi * 16 + lo);
            if (c == '\0') {
                xfree(d);
                return err_set(err, ERR_INVALID, "encoded NUL at byte %zu", i);
            }
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        } else if (c == '\0') {
            xfree(d);
            return err_set(err, ERR_INVALID, "NUL at byte %zu", i);
        }
        d[n++] = c;
    }
    d[n] = '\0';
    if (!utf8_valid(d, n, &bad)) {
        xfree(d);
        return err_set(err, ERR_INVALID, "not UTF-8 at byte %zu", bad);
    }
    *out = d;
    return 0;
}

void query_cleanup(struct query *q)
{
    for (size_t i = 0; i < q->count; i++) {
        xfree(q->params[i].key);
        xfree(q->params[i].value);
    }
    xfree(q->params);
    q->params = NULL;
    q->count = 0;
}

const char *query_get(const struct query *q, const char *key)
{
    for (size_t i = 0; i < q->count; i++) {
        if (strcmp(q->params[i].key, key) == 0) {
            return q->params[i].value;
        }
    }
    return NULL;
}

/* Copy at most 40 bytes of a raw name for a message, replacing control
 * bytes. */
static void safe_name(char *out, size_t cap, const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap && i < 40; i++) {
        unsigned char c = (unsigned char)s[i];
        out[n++] = (c < 0x20 || c == 0x7f || c == '"') ? '?' : (char)c;
    }
    out[n] = '\0';
}

int query_parse(const char *s, size_t len, struct query *q, struct err *err)
{
    size_t i = 0;

    q->params = NULL;
    q->count = 0;
    while (i < len) {
        size_t end = i;
        size_t eq;
        char *key = NULL;
        char *value = NULL;
        char name[48];

        while (end < len && s[end] != '&') {
            end++;
        }
        if (end == i) {
            i = end + 1;
            continue;
        }
        eq = i;
        while (eq < end && s[eq] != '=') {
            eq++;
        }
        safe_name(name, sizeof(name), s + i, eq - i);
        if (eq == i) {
            query_cleanup(q);
            return err_set(err, ERR_INVALID, "parameter with empty name");
        }
        if (q->count >= QUERY_MAX_PARAMS) {
            query_cleanup(q);
            return err_set(err, ERR_LIMIT, "more than %d query parameters",
                           QUERY_MAX_PARAMS);
        }
        if (query_decode(s + i, eq - i, true, &key, err) != 0) {
            query_cleanup(q);
            return err_prefix(err, "parameter '%s'", name);
        }
        if (eq < end) {
            if (query_decode(s + eq + 1, end - eq - 1, true, &value, err) !=
                0) {
                xfree(key);
                query_cleanup(q);
                return err_prefix(err, "parameter '%s'", name);
            }
        } else {
            value = xstrdup("");
        }
        if (query_get(q, key) != NULL) {
            xfree(key);
            xfree(value);
            query_cleanup(q);
            return err_set(err, ERR_INVALID, "parameter '%s' given twice",
                           name);
        }
        q->params = xreallocarray(q->params, q->count + 1, sizeof(*q->params));
        q->params[q->count].key = key;
        q->params[q->count].value = value;
        q->count++;
        i = end + 1;
    }
    return 0;
}

int query_check_known(const struct query *q, const char *const *allowed,
                      struct err *err)
{
    for (size_t i = 0; i < q->count; i++) {
        bool ok = false;
        for (size_t j = 0; allowed[j] != NULL; j++) {
            if (strcmp(q->params[i].key, allowed[j]) == 0) {
                ok = true;
                break;
            }
        }
        if (!ok) {
            char name[48];
            safe_name(name, sizeof(name), q->params[i].key,
                      strlen(q->params[i].key));
            return err_set(err, ERR_INVALID, "unknown parameter '%s'", name);
        }
    }
    return 0;
}

int path_split(char *path, char **segs, size_t max, size_t *out_count,
               struct err *err)
{
    size_t n = 0;
    char *p = path;

    *out_count = 0;
    while (*p != '\0') {
        char *start;
        while (*p == '/') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        start = p;
        while (*p != '\0' && *p != '/') {
            if (*p == '\\') {
                return err_set(err, ERR_INVALID, "backslash in path");
            }
            p++;
        }
        if (*p == '/') {
            *p++ = '\0';
        }
        if (strcmp(start, ".") == 0 || strcmp(start, "..") == 0) {
            return err_set(err, ERR_INVALID, "dot segment in path");
        }
        if (n >= max) {
            return err_set(err, ERR_LIMIT, "more than %zu path segments", max);
        }
        segs[n++] = start;
    }
    *out_count = n;
    return 0;
}
