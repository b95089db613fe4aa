/* Dimension keys: canonical form and validation. */
#include "dims.h"

#include <string.h>

#include "../core/limits.h"
#include "../core/strparse.h"

bool dims_value_valid(const char *s, size_t len)
{
    if (len == 0 || len > MAX_CODE_LEN) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '+' ||
                  c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

static int pair_cmp(const struct dim_pair *a, const struct dim_pair *b)
{
    size_t n = a->dim_len < b->dim_len ? a->dim_len : b->dim_len;
    int c = memcmp(a->dim, b->dim, n);

    if (c != 0) {
        return c;
    }
    return (a->dim_len > b->dim_len) - (a->dim_len < b->dim_len);
}

int dims_canon(struct dim_pair *pairs, size_t count, struct buf *out,
               struct err *err)
{
    buf_reset(out);
    if (count > MAX_DIMS) {
        return err_set(err, ERR_INVALID, "more than %d dimensions", MAX_DIMS);
    }
    for (size_t i = 0; i < count; i++) {
        if (!code_valid(pairs[i].dim, pairs[i].dim_len)) {
            return err_set(err, ERR_INVALID, "bad dimension name '%.*s'",
                           (int)(pairs[i].dim_len > 64 ? 64 : pairs[i].dim_len),
                           pairs[i].dim);
        }
        if (!dims_value_valid(pairs[i].value, pairs[i].value_len)) {
            return err_set(
                err, ERR_INVALID, "bad value '%.*s' of dimension '%.*s'",
                (int)(pairs[i].value_len > 64 ? 64 : pairs[i].value_len),
                pairs[i].value, (int)pairs[i].dim_len, pairs[i].dim);
        }
    }
    /* Insertion sort: count <= MAX_DIMS. */
    for (size_t i = 1; i < count; i++) {
        struct dim_pair p = pairs[i];
        size_t j = i;
        while (j > 0 && pair_cmp(&pairs[j - 1], &p) > 0) {
            pairs[j] = pairs[j - 1];
            j--;
        }
        pairs[j] = p;
    }
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && pair_cmp(&pairs[i - 1], &pairs[i]) == 0) {
            return err_set(err, ERR_INVALID, "dimension '%.*s' given twice",
                           (int)pairs[i].dim_len, pairs[i].dim);
        }
        if (i > 0) {
            buf_putc(out, ';');
        }
        buf_append(out, pairs[i].dim, pairs[i].dim_len);
        buf_putc(out, '=');
        buf_append(out, pairs[i].value, pairs[i].value_len);
    }
    return 0;
}

int dims_parse(const char *key, struct dim_pair *pairs, size_t cap,
               size_t *out_count, struct err *err)
{
    const char *p = key;
    size_t n = 0;

    *out_count = 0;
    while (*p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (!eq || eq == p || eq + 1 == p + len) {
            return err_set(err, ERR_INVALID,
                           "dimension key '%s': want dim=value;dim=value", key);
        }
        if (n == cap) {
            return err_set(err, ERR_INVALID, "more than %zu dimensions", cap);
        }
        pairs[n].dim = p;
        pairs[n].dim_len = (size_t)(eq - p);
        pairs[n].value = eq + 1;
        pairs[n].value_len = (size_t)(p + len - eq - 1);
        n++;
        if (!end) {
            break;
        }
        p = end + 1;
    }
    *out_count = n;
    return 0;
}

void dimset_init(struct dimset *s)
{
    strmap_init(&s->values);
    strmap_init(&s->names);
}

void dimset_cleanup(struct dimset *s)
{
    strmap_cleanup(&s->values);
    strmap_cleanup(&s->names);
}

void dimset_add(struct dimset *s, const char *dim, const char *value)
{
    struct buf b;

    buf_init(&b);
    buf_puts(&b, dim);
    buf_putc(&b, '=');
    buf_puts(&b, value);
    strmap_put(&s->values, b.data, b.len, 1);
    strmap_put(&s->names, dim, strlen(dim), 1);
    buf_cleanup(&b);
}

bool dimset_has(const struct dimset *s, const char *dim, size_t dim_len,
                const char *value, size_t value_len)
{
    char key[2 * MAX_CODE_LEN + 2];
    size_t v;

    if (dim_len > MAX_CODE_LEN || value_len > MAX_CODE_LEN) {
        return false;
    }
    memcpy(key, dim, dim_len);
    key[dim_len] = '=';
    memcpy(key + dim_len + 1, value, value_len);
    return strmap_get(&s->values, key, dim_len + 1 + value_len, &v);
}

bool dimset_has_dim(const struct dimset *s, const char *dim, size_t dim_len)
{
    size_t v;

    return strmap_get(&s->names, dim, dim_len, &v);
}

int dims_check(const struct indicator *ind, const struct dimset *allowed,
               const struct dim_pair *pairs, size_t count, struct err *err)
{
    for (size_t i = 0; i < count; i++) {
        const struct dim_pair *p = &pairs[i];
        if (!indicator_declares(ind, p->dim, p->dim_len)) {
            return err_set(err, ERR_INVALID,
                           "dimension '%.*s' is not declared for indicator "
                           "'%s'",
                           (int)p->dim_len, p->dim, ind->code);
        }
        if (!dimset_has(allowed, p->dim, p->dim_len, p->value, p->value_len)) {
            return err_set(err, ERR_INVALID,
                           "value '%.*s' is not a value of dimension '%.*s'",
                           (int)(p->value_len > 64 ? 64 : p->value_len),
                           p->value, (int)p->dim_len, p->dim);
        }
    }
    return 0;
}
