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
    c->nyears = nyears > 0 ? nyears : 1;
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
