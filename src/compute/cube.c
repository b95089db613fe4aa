/* The computation cube: dense per-series arrays, so that a formula reads
 * its inputs by index and a benchmark-sized store (a few million cells)
 * costs a few bytes per cell. */
#include "cube.h"

#include <math.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/mem.h"

void cube_init(struct cube *c, const char *const *economies, size_t neconomies,
               int year0, int nyears)
{
    memset(c, 0, sizeof(*c));
    c->year0 = year0;
    c->nyears = nyears > 0 ? nyears : 0;
    c->neconomies = neconomies;
    c->economies = xcalloc(neconomies ? neconomies : 1, sizeof(char *));
    strmap_init(&c->econ_index);
    strmap_init(&c->series_index);
    for (size_t i = 0; i < neconomies; i++) {
        c->economies[i] = xstrdup(economies[i]);
        strmap_put(&c->econ_index, economies[i], strlen(economies[i]), i);
    }
}

static void series_cleanup(struct cube_series *s)
{
    xfree(s->indicator);
    xfree(s->dims);
    xfree(s->value);
    xfree(s->status);
    xfree(s->origin);
    xfree(s->batch);
    xfree(s->sig);
}

void cube_cleanup(struct cube *c)
{
    for (size_t i = 0; i < c->neconomies; i++) {
        xfree(c->economies[i]);
    }
    xfree(c->economies);
    for (size_t i = 0; i < c->nseries; i++) {
        series_cleanup(&c->series[i]);
    }
    xfree(c->series);
    strmap_cleanup(&c->econ_index);
    strmap_cleanup(&c->series_index);
    memset(c, 0, sizeof(*c));
}

bool cube_economy(const struct cube *c, const char *code, size_t *out_row)
{
    return strmap_get(&c->econ_index, code, strlen(code), out_row);
}

static void series_key(struct buf *b, const char *indicator, const char *dims)
{
    buf_reset(b);
    buf_puts(b, indicator);
    buf_putc(b, '\x1f');
    buf_puts(b, dims);
}

static void series_alloc(const struct cube *c, struct cube_series *s)
{
    size_t n = c->neconomies * (size_t)c->nyears;

    n = n ? n : 1;
    s->value = xmalloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        s->value[i] = NAN;
    }
    s->status = xcalloc(n, 1);
    s->origin = xcalloc(n, 1);
    s->batch = xcalloc(n, sizeof(int64_t));
    s->sig = NULL;
}

bool cube_series_find(struct cube *c, const char *indicator, const char *dims,
                      bool create, size_t *out_index)
{
    struct buf key;
    bool found;

    buf_init(&key);
    series_key(&key, indicator, dims);
    found = strmap_get(&c->series_index, key.data, key.len, out_index);
    if (!found && create) {
        struct cube_series *s;
        if (c->nseries == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 16;
            c->series = xreallocarray(c->series, c->cap, sizeof(*c->series));
        }
        s = &c->series[c->nseries];
        s->indicator = xstrdup(indicator);
        s->dims = xstrdup(dims);
        series_alloc(c, s);
        strmap_put(&c->series_index, key.data, key.len, c->nseries);
        *out_index = c->nseries++;
        found = true;
    }
    buf_cleanup(&key);
    return found;
}

bool cube_cell(const struct cube *c, size_t row, int year, size_t *out_cell)
{
    if (row >= c->neconomies || year < c->year0 ||
        year >= c->year0 + c->nyears) {
        return false;
    }
    *out_cell = row * (size_t)c->nyears + (size_t)(year - c->year0);
    return true;
}

void cube_set(struct cube *c, size_t s, size_t row, int year, double value,
              int status, int origin, int64_t batch)
{
    size_t cell;
    struct cube_series *se;

    if (s >= c->nseries || !cube_cell(c, row, year, &cell)) {
        return;
    }
    se = &c->series[s];
    se->value[cell] = value;
    se->status[cell] = (unsigned char)status;
    se->origin[cell] = (unsigned char)origin;
    se->batch[cell] = batch;
}

void cube_set_sig(struct cube *c, size_t s, size_t row, int year, uint64_t sig)
{
    size_t cell;
    struct cube_series *se;

    if (s >= c->nseries || !cube_cell(c, row, year, &cell)) {
        return;
    }
    se = &c->series[s];
    if (se->sig == NULL) {
        size_t n = c->neconomies * (size_t)c->nyears;
        se->sig = xcalloc(n ? n : 1, sizeof(uint64_t));
    }
    se->sig[cell] = sig;
}

static void *regrid(void *old, size_t width, const struct cube *c, int year0,
                    int nyears, const void *fill)
{
    size_t n = c->neconomies * (size_t)nyears;
    unsigned char *to = xmalloc((n ? n : 1) * width);
    const unsigned char *from = old;
    size_t shift = (size_t)(c->year0 - year0);

    for (size_t i = 0; i < n; i++) {
        memcpy(to + i * width, fill, width);
    }
    for (size_t r = 0; r < c->neconomies && from; r++) {
        memcpy(to + (r * (size_t)nyears + shift) * width,
               from + r * (size_t)c->nyears * width, (size_t)c->nyears * width);
    }
    xfree(old);
    return to;
}

void cube_include_year(struct cube *c, int year)
{
    int y0;
    int y1;
    static const double nan_fill = NAN;
    static const int64_t zero = 0;

    if (c->nyears > 0 && year >= c->year0 && year < c->year0 + c->nyears) {
        return;
    }
    y0 = c->nyears > 0 && c->year0 < year ? c->year0 : year;
    y1 = c->nyears > 0 && c->year0 + c->nyears - 1 > year
             ? c->year0 + c->nyears - 1
             : year;
    for (size_t i = 0; i < c->nseries; i++) {
        struct cube_series *s = &c->series[i];
        int n = y1 - y0 + 1;
        if (c->nyears == 0) {
            /* Placeholders of a cube without years: nothing to keep. */
            xfree(s->value);
            xfree(s->status);
            xfree(s->origin);
            xfree(s->batch);
            xfree(s->sig);
            s->value = NULL;
            s->status = NULL;
            s->origin = NULL;
            s->batch = NULL;
            s->sig = NULL;
        }
        s->value = regrid(s->value, sizeof(double), c, y0, n, &nan_fill);
        s->status = regrid(s->status, 1, c, y0, n, &zero);
        s->origin = regrid(s->origin, 1, c, y0, n, &zero);
        s->batch = regrid(s->batch, sizeof(int64_t), c, y0, n, &zero);
        if (s->sig) {
            s->sig = regrid(s->sig, sizeof(uint64_t), c, y0, n, &zero);
        }
    }
    c->year0 = y0;
    c->nyears = y1 - y0 + 1;
}

bool cube_take_series(struct cube *dst, struct cube *src)
{
    struct buf key;

    if (dst->neconomies != src->neconomies) {
        return false;
    }
    for (size_t i = 0; i < dst->neconomies; i++) {
        if (strcmp(dst->economies[i], src->economies[i]) != 0) {
            return false;
        }
    }
    if (src->nyears > 0) {
        cube_include_year(dst, src->year0);
        cube_include_year(dst, src->year0 + src->nyears - 1);
    }
    if (dst->nyears > 0) {
        cube_include_year(src, dst->year0);
        cube_include_year(src, dst->year0 + dst->nyears - 1);
    }
    buf_init(&key);
    for (size_t i = 0; i < src->nseries; i++) {
        if (dst->nseries == dst->cap) {
            dst->cap = dst->cap ? dst->cap * 2 : 16;
            dst->series =
                xreallocarray(dst->series, dst->cap, sizeof(*dst->series));
        }
        dst->series[dst->nseries] = src->series[i];
        series_key(&key, src->series[i].indicator, src->series[i].dims);
        strmap_put(&dst->series_index, key.data, key.len, dst->nseries);
        dst->nseries++;
    }
    buf_cleanup(&key);
    /* The arrays now belong to dst. */
    src->nseries = 0;
    cube_cleanup(src);
    return true;
}
