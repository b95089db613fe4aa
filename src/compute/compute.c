/* Store-facing computations: load a cube, run the pure modules, write one
 * batch per kind. Everything read is copied out of store callbacks (rows
 * are borrowed only for the callback). */
#include "compute.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/mem.h"
#include "../core/strmap.h"
#include "cube.h"
#include "formula.h"
#include "writer.h"

/* ---- Catalogue, dimensions, economies, groups --------------------------- */

struct catalogue {
    struct indicator **owned; /* indicator_dup copies */
    struct indicator *flat;   /* shallow copies of *owned, for formula_set */
    size_t count, cap;
    struct strmap index; /* code -> position */
};

static int cat_add(void *ctx, const struct indicator *ind, struct err *err)
{
    struct catalogue *c = ctx;
    (void)err;
    if (c->count == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->owned = xreallocarray(c->owned, c->cap, sizeof(*c->owned));
    }
    c->owned[c->count] = indicator_dup(ind);
    strmap_put(&c->index, ind->code, strlen(ind->code), c->count);
    c->count++;
    return 0;
}

static void cat_cleanup(struct catalogue *c)
{
    for (size_t i = 0; i < c->count; i++) {
        indicator_free(c->owned[i]);
    }
    xfree(c->owned);
    xfree(c->flat);
    strmap_cleanup(&c->index);
    memset(c, 0, sizeof(*c));
}

static int cat_load(struct store *s, struct catalogue *c, struct err *err)
{
    memset(c, 0, sizeof(*c));
    strmap_init(&c->index);
    if (store_indicator_list(s, NULL, cat_add, c, err) != 0) {
        return err->code;
    }
    c->flat = xcalloc(c->count ? c->count : 1, sizeof(*c->flat));
    for (size_t i = 0; i < c->count; i++) {
        c->flat[i] = *c->owned[i];
    }
    return 0;
}

static const struct indicator *cat_get(const struct catalogue *c,
                                       const char *code)
{
    size_t i;
    return strmap_get(&c->index, code, strlen(code), &i) ? c->owned[i] : NULL;
}

static int dim_add(void *ctx, const struct dimension_value *d, struct err *err)
{
    (void)err;
    dimset_add(ctx, d->dimension, d->value);
    return 0;
}

struct names {
    char **items;
    size_t count, cap;
};

static void names_push(struct names *n, const char *s)
{
    if (n->count == n->cap) {
        n->cap = n->cap ? n->cap * 2 : 64;
        n->items = xreallocarray(n->items, n->cap, sizeof(char *));
    }
    n->items[n->count++] = xstrdup(s);
}

static void names_cleanup(struct names *n)
{
    for (size_t i = 0; i < n->count; i++) {
        xfree(n->items[i]);
    }
    xfree(n->items);
    memset(n, 0, sizeof(*n));
}

static int econ_add(void *ctx, const struct economy *e, struct err *err)
{
    (void)err;
    names_push(ctx, e->code);
    return 0;
}

static int group_add(void *ctx, const struct group *g, struct err *err)
{
    (void)err;
    names_push(ctx, g->code);
    return 0;
}

struct groups {
    struct agg_group *items; /* codes point into names */
    struct agg_member **members;
    size_t count;
    struct names names;
};

struct member_ctx {
    const struct cube *c;
    struct agg_member *m;
    size_t count, cap;
};

static int member_add(void *ctx, const struct membership *ms, struct err *err)
{
    struct member_ctx *mc = ctx;
    size_t row;
    (void)err;
    if (!cube_economy(mc->c, ms->economy, &row)) {
        return 0;
    }
    if (mc->count == mc->cap) {
        mc->cap = mc->cap ? mc->cap * 2 : 32;
        mc->m = xreallocarray(mc->m, mc->cap, sizeof(*mc->m));
    }
    mc->m[mc->count].economy = row;
    mc->m[mc->count].from_year = ms->from_year;
    mc->m[mc->count].to_year = ms->to_year;
    mc->count++;
    return 0;
}

/* Every group and membership of the store, read once per run (for the
 * fingerprint, and for struct groups without a read per group). */
struct mships {
    struct names groups;  /* every group code, in code order */
    struct membership *m; /* by group code, economy code, from_year; the
                             codes are owned (xstrdup), source is "" */
    size_t count, cap;
};

static int mships_add(void *ctx, const struct membership *ms, struct err *err)
{
    struct mships *a = ctx;
    (void)err;

    if (a->count == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 256;
        a->m = xreallocarray(a->m, a->cap, sizeof(*a->m));
    }
    a->m[a->count] = *ms;
    a->m[a->count].group = xstrdup(ms->group);
    a->m[a->count].economy = xstrdup(ms->economy);
    a->m[a->count].source = "";
    a->count++;
    return 0;
}

static void mships_cleanup(struct mships *a)
{
    for (size_t i = 0; i < a->count; i++) {
        xfree((char *)a->m[i].group);
        xfree((char *)a->m[i].economy);
    }
    xfree(a->m);
    names_cleanup(&a->groups);
    memset(a, 0, sizeof(*a));
}

static int mships_load(struct store *s, struct mships *a, struct err *err)
{
    memset(a, 0, sizeof(*a));
    if (store_group_list(s, group_add, &a->groups, err) != 0 ||
        store_group_members(s, NULL, 0, mships_add, a, err) != 0) {
        mships_cleanup(a);
        return err->code;
    }
    return 0;
}

/* The memberships of group (ms->m is by group code) from *at on: their
 * range is [*at, returned); *at moves past memberships of groups before
 * group. */
static size_t mships_of(const struct mships *ms, const char *group, size_t *at)
{
    size_t end;

    while (*at < ms->count && strcmp(ms->m[*at].group, group) < 0) {
        (*at)++;
    }
    end = *at;
    while (end < ms->count && strcmp(ms->m[end].group, group) == 0) {
        end++;
    }
    return end;
}

static void groups_cleanup(struct groups *g)
{
    for (size_t i = 0; i < g->count; i++) {
        xfree(g->members[i]);
    }
    xfree(g->members);
    xfree(g->items);
    names_cleanup(&g->names);
    memset(g, 0, sizeof(*g));
}

/* Load groups (all, or only the one named) with members as cube rows;
 * all of them from ms, or when ms is NULL from one read of the store. */
static int groups_load(struct store *s, const struct cube *c, const char *only,
                       const struct mships *ms, struct groups *g,
                       struct err *err)
{
    struct mships own;
    size_t at = 0;

    memset(g, 0, sizeof(*g));
    if (only) {
        struct member_ctx mc = {c, NULL, 0, 0};
        int rc;
        if (store_group_get(s, only, group_add, &g->names, err) != 0) {
            return err->code;
        }
        rc = store_group_members(s, only, 0, member_add, &mc, err);
        g->count = 1;
        g->items = xcalloc(1, sizeof(*g->items));
        g->members = xcalloc(1, sizeof(*g->members));
        g->items[0] = (struct agg_group){g->names.items[0], mc.m, mc.count};
        g->members[0] = mc.m;
        return rc;
    }
    if (ms == NULL) {
        if (mships_load(s, &own, err) != 0) {
            return err->code;
        }
        ms = &own;
    }
    for (size_t i = 0; i < ms->groups.count; i++) {
        names_push(&g->names, ms->groups.items[i]);
    }
    g->count = g->names.count;
    g->items = xcalloc(g->count ? g->count : 1, sizeof(*g->items));
    g->members = xcalloc(g->count ? g->count : 1, sizeof(*g->members));
    for (size_t k = 0; k < g->count; k++) {
        struct member_ctx mc = {c, NULL, 0, 0};
        size_t end = mships_of(ms, g->names.items[k], &at);
        for (; at < end; at++) {
            (void)member_add(&mc, &ms->m[at], err);
        }
        g->items[k] = (struct agg_group){g->names.items[k], mc.m, mc.count};
        g->members[k] = mc.m;
    }
    if (ms == &own) {
        mships_cleanup(&own);
    }
    return 0;
}

/* ---- Loading observations into a cube ----------------------------------- */

/* Rows arrive by indicator, economy, year: the economy row and the
 * indicator's series (one per dims key) are looked up once per run of
 * rows, not per row. */
#define LOAD_DIMS_CACHE 16

/* The series of one indicator in one cube, by dims key: looked up once
 * per key, not per row. */
struct series_cache {
    char ind[MAX_CODE_LEN + 1];
    char *dims[LOAD_DIMS_CACHE]; /* owned copies */
    size_t series[LOAD_DIMS_CACHE];
    size_t n;
    size_t next; /* where to look first: keys come round in order */
};

struct load_ctx {
    struct cube *c;
    struct cube *gc; /* groups' stored aggregates, or NULL */
    bool grow;       /* widen the cubes' years to what arrives */
    char last_econ[MAX_CODE_LEN + 1];
    bool econ_known;  /* last_econ is a row of c */
    bool group_known; /* else, a row of gc */
    size_t econ_row;
    struct series_cache sc, gsc; /* of c, of gc */
    struct buf note;             /* the last stored aggregate's note */
    uint64_t note_hash;          /* and its hash */
    size_t rows;
};

static void series_cache_clear(struct series_cache *k)
{
    for (size_t i = 0; i < k->n; i++) {
        xfree(k->dims[i]);
    }
    k->n = 0;
    k->next = 0;
}

static void load_ctx_cleanup(struct load_ctx *l)
{
    series_cache_clear(&l->sc);
    series_cache_clear(&l->gsc);
    buf_cleanup(&l->note);
}

/* Series of (o->indicator, o->dims) in c, created if new. */
static size_t load_series(struct series_cache *k, struct cube *c,
                          const struct obs *o)
{
    size_t s;

    if (strcmp(k->ind, o->indicator) != 0) {
        series_cache_clear(k);
        snprintf(k->ind, sizeof(k->ind), "%s", o->indicator);
    }
    for (size_t j = 0; j < k->n; j++) {
        size_t i = (k->next + j) % k->n;
        if (strcmp(k->dims[i], o->dims) == 0) {
            k->next = i + 1;
            return k->series[i];
        }
    }
    cube_series_find(c, o->indicator, o->dims, true, &s);
    if (k->n < LOAD_DIMS_CACHE) {
        k->dims[k->n] = xstrdup(o->dims);
        k->series[k->n++] = s;
        k->next = k->n;
    }
    return s;
}

/* Hash of a stored aggregate's note; a group's notes repeat, so the last
 * one's hash is kept. */
static uint64_t load_note_hash(struct load_ctx *l, const char *note)
{
    size_t len = strlen(note);

    if (len != l->note.len || memcmp(note, buf_cstr(&l->note), len) != 0) {
        buf_reset(&l->note);
        buf_append(&l->note, note, len);
        l->note_hash = strmap_hash(note, len);
    }
    return l->note_hash;
}

static int load_obs(void *ctx, const struct obs *o, struct err *err)
{
    struct load_ctx *l = ctx;
    size_t series;
    int origin;
    (void)err;

    if (strcmp(l->last_econ, o->economy) != 0) {
        snprintf(l->last_econ, sizeof(l->last_econ), "%s", o->economy);
        l->econ_known = cube_economy(l->c, o->economy, &l->econ_row);
        l->group_known = !l->econ_known && l->gc &&
                         cube_economy(l->gc, o->economy, &l->econ_row);
    }
    if (l->group_known) {
        /* A group: aggregates are recomputed, not inputs; what is stored
         * is kept to skip writing values that did not change, and to know
         * which keys have no current value or a stored aggregate (written
         * without a lookup) and which a value of another kind (looked up,
         * see put_agg). */
        bool is_agg = o->batch_kind == BATCH_AGGREGATE;
        if (l->grow) {
            cube_include_year(l->gc, o->year);
        }
        series = load_series(&l->gsc, l->gc, o);
        cube_set(l->gc, series, l->econ_row, o->year, o->value, (int)o->status,
                 is_agg ? CUBE_COMPUTED : CUBE_LOADED, o->batch);
        if (is_agg) {
            cube_set_sig(l->gc, series, l->econ_row, o->year,
                         load_note_hash(l, o->note));
        }
        return 0;
    }
    if (!l->econ_known) {
        return 0;
    }
    if (l->grow) {
        cube_include_year(l->c, o->year);
    }
    series = load_series(&l->sc, l->c, o);
    origin = o->batch_kind == BATCH_COMPUTED ? CUBE_COMPUTED : CUBE_LOADED;
    cube_set(l->c, series, l->econ_row, o->year, o->value, (int)o->status,
             origin, o->batch);
    if (origin == CUBE_COMPUTED) {
        cube_set_sig(l->c, series, l->econ_row, o->year,
                     derive_note_sig(o->note));
    }
    l->rows++;
    return 0;
}

/* Make a cube of every economy (or, when q names economies, of those)
 * over years year0..year1 (or, when year1 < year0, over the years that
 * arrive) and load the observations matching q; with gc, also a cube of
 * the groups' stored values (of every group, or of those q names). */
static int cube_load2(struct store *s, const struct store_obs_query *q,
                      int year0, int year1, struct cube *c, struct cube *gc,
                      struct err *err)
{
    struct names econ = {0};
    struct names grp = {0};
    struct load_ctx l;
    struct store_obs_query lq = *q;
    int ny = year1 >= year0 ? year1 - year0 + 1 : 0;
    int rc;

    memset(c, 0, sizeof(*c));
    if (gc) {
        memset(gc, 0, sizeof(*gc));
    }
    if ((q->economy_count == 0 &&
         store_economy_list(s, econ_add, &econ, err) != 0) ||
        (gc && store_group_list(s, group_add, &grp, err) != 0)) {
        names_cleanup(&econ);
        names_cleanup(&grp);
        return err->code;
    }
    if (q->economy_count > 0) {
        /* The codes named: groups (with gc) into gc, the rest into c. */
        struct strmap is_group;
        size_t ignored;
        strmap_init(&is_group);
        for (size_t i = 0; i < grp.count; i++) {
            strmap_put(&is_group, grp.items[i], strlen(grp.items[i]), 1);
        }
        names_cleanup(&grp);
        for (size_t i = 0; i < q->economy_count; i++) {
            const char *code = q->economies[i];
            bool g = gc && strmap_get(&is_group, code, strlen(code), &ignored);
            names_push(g ? &grp : &econ, code);
        }
        strmap_cleanup(&is_group);
    }
    cube_init(c, (const char *const *)econ.items, econ.count, year0, ny);
    if (gc) {
        cube_init(gc, (const char *const *)grp.items, grp.count, year0, ny);
    }
    names_cleanup(&econ);
    names_cleanup(&grp);
    memset(&l, 0, sizeof(l));
    l.c = c;
    l.gc = gc;
    l.grow = ny == 0;
    lq.any_order = true; /* load_obs places each value by economy */
    rc = store_obs_query(s, &lq, load_obs, &l, err);
    load_ctx_cleanup(&l);
    return rc;
}

/* ---- Loading a whole store on two threads --------------------------------
 *
 * Reading five million rows is a third of a full run, and SQLite reads
 * one row at a time per connection: a second connection on a thread of
 * its own reads every other indicator into cubes of its own, which are
 * then merged (cube_take_series). Series end up in another order than a
 * single read's; nothing depends on that order (the store writes each
 * economy's values in key order). */

struct half_load {
    struct store *s; /* the thread's own connection */
    struct names codes;
    struct store_obs_query q;
    struct cube c, gc;
    int rc;
    struct err err;
};

static void *half_main(void *arg)
{
    struct half_load *h = arg;

    h->q.indicators = (const char *const *)h->codes.items;
    h->q.indicator_count = h->codes.count;
    h->rc = cube_load2(h->s, &h->q, 1, 0, &h->c, &h->gc, &h->err);
    return NULL;
}

/* The two halves of cat's indicators: even and odd positions (neighbours
 * in code order tend to have as many rows). */
static void halves(const struct catalogue *cat, struct half_load *h)
{
    for (size_t i = 0; i < cat->count; i++) {
        names_push(&h[i % 2].codes, cat->owned[i]->code);
    }
}

/* Every observation of s into c and gc (as cube_load2 with an empty query
 * and no years), on two connections when a second one opens and the
 * catalogue has two indicators or more. */
static int cube_load_all(struct store *s, const struct catalogue *cat,
                         struct cube *c, struct cube *gc, struct err *err)
{
    struct store_obs_query q;
    struct half_load h[2];
    pthread_t t;
    bool ok;
    int rc;

    memset(&q, 0, sizeof(q));
    memset(h, 0, sizeof(h));
    h[1].s = cat->count >= 2
                 ? store_open(store_path(s), STORE_OPEN_READONLY, &h[1].err)
                 : NULL;
    halves(cat, h);
    if (h[1].s == NULL || pthread_create(&t, NULL, half_main, &h[1]) != 0) {
        store_close(h[1].s);
        for (int k = 0; k < 2; k++) {
            names_cleanup(&h[k].codes);
        }
        return cube_load2(s, &q, 1, 0, c, gc, err);
    }
    h[0].s = s;
    half_main(&h[0]);
    pthread_join(t, NULL);
    store_close(h[1].s);
    rc = h[0].rc != 0 ? h[0].rc : h[1].rc;
    if (rc != 0) {
        *err = h[0].rc != 0 ? h[0].err : h[1].err;
    }
    ok = rc == 0 && cube_take_series(&h[0].c, &h[1].c) &&
         cube_take_series(&h[0].gc, &h[1].gc);
    *c = h[0].c;
    *gc = h[0].gc;
    cube_cleanup(&h[1].c);
    cube_cleanup(&h[1].gc);
    for (int k = 0; k < 2; k++) {
        names_cleanup(&h[k].codes);
    }
    if (rc == 0 && !ok) {
        /* The economies changed between the two reads: read again. */
        cube_cleanup(c);
        cube_cleanup(gc);
        return cube_load2(s, &q, 1, 0, c, gc, err);
    }
    return rc;
}

static int cube_load(struct store *s, const struct store_obs_query *q,
                     int year0, int year1, struct cube *c, struct err *err)
{
    return cube_load2(s, q, year0, year1, c, NULL, err);
}

static int year_span(struct store *s, int *y0, int *y1, struct err *err)
{
    struct store_counts n;

    if (store_counts(s, &n, err) != 0) {
        return err->code;
    }
    *y0 = n.year_min;
    *y1 = n.year_max;
    return 0;
}

/* ---- Derived indicators ------------------------------------------------- */

struct changes;
static void changes_add(struct changes *ch, const char *economy,
                        const char *indicator, int year);

struct derived_ctx {
    struct obs_writer *w;
    const struct compute_opts *o;
    struct changes *ch; /* or NULL: where written values are recorded */
};

/* The newest batch before a run read anything: the batch info's read_at
 * (store_obs_append), so the store can skip its lookups as long as nobody
 * wrote since. */
static int read_point(struct store *s, int64_t *out, struct err *err)
{
    int64_t t;

    return store_last_revision(s, out, &t, err);
}

static int put_derived(void *ctx, const struct derive_value *v, struct err *err)
{
    struct derived_ctx *dc = ctx;
    struct obs o;

    memset(&o, 0, sizeof(o));
    o.indicator = v->indicator;
    o.economy = v->economy;
    o.year = v->year;
    o.dims = v->dims;
    o.value = v->value;
    o.status = (enum obs_status)v->status;
    o.source = "ictdev compute";
    o.note = v->note;
    /* derive_run hands over only cells whose input signature (part of
     * the note) differs from the stored one: each is a new revision. */
    if (dc->ch) {
        changes_add(dc->ch, v->economy, v->indicator, v->year);
    }
    return obs_writer_put(dc->w, &o, true, err);
}

static void problem_derived(void *ctx, const char *indicator,
                            const char *economy, int year, const char *inputs)
{
    struct derived_ctx *dc = ctx;

    if (dc->o->problem) {
        dc->o->problem(dc->o->ctx, indicator, economy, year, inputs);
    }
}

static int run_derived(struct store *s, struct cube *c,
                       const struct formula_set *fs,
                       const struct compute_opts *o, int64_t read_at,
                       struct changes *ch, struct compute_report *r,
                       struct err *err)
{
    struct store_batch_info bi = {
        .kind = BATCH_COMPUTED,
        .origin = o->origin,
        .note = "ictdev compute: derived indicators",
        .read_at = read_at,
    };
    struct derived_ctx dc = {NULL, o, ch};
    struct derive_opts d = {put_derived, problem_derived, &dc};
    int rc;

    if (store_batch_begin(s, &bi, err) != 0) {
        return err->code;
    }
    /* The store writes on a thread of its own while derive_run formats
     * the next values. */
    dc.w = obs_writer_start(s);
    rc = derive_run(c, fs, &d, &r->derive, err);
    if (obs_writer_finish(dc.w, rc == 0 ? err : &(struct err){0}) != 0 &&
        rc == 0) {
        rc = err->code;
    }

    if (rc != 0) {
        store_batch_rollback(s);
        return rc;
    }
    return store_batch_commit(s, &r->derive_batch, &r->derive_changed, err);
}

/* ---- Aggregates --------------------------------------------------------- */

static bool rule_of(const struct indicator *ind, enum agg_rule *out)
{
    struct err e;
    return ind && ind->agg && ind->agg[0] &&
           agg_rule_parse(ind->agg, out, &e) == 0;
}

/* Copy a cube series into a panel (sources from statuses). */
static void panel_from(const struct cube *c, size_t s, struct agg_panel *p)
{
    const struct cube_series *se = &c->series[s];
    size_t n = c->neconomies * (size_t)c->nyears;

    agg_panel_init(p, c->year0, c->nyears, c->neconomies);
    for (size_t i = 0; i < n; i++) {
        if (!isnan(se->value[i])) {
            p->values[i] = se->value[i];
            p->src[i] = se->status[i] == OBS_REPORTED ? AGG_SRC_REPORTED
                                                      : AGG_SRC_ESTIMATED;
        }
    }
}

/* One aggregate as stored: what its value and note need. */
struct agg_cell {
    double value;
    double coverage;
    unsigned n_members, n_reported, n_estimated, n_imputed, n_excluded;
    bool ok; /* AGG_OK: to be stored */
};

static void agg_cell_from(const struct agg_result *r, struct agg_cell *out)
{
    out->value = r->value;
    out->coverage = r->coverage;
    out->n_members = (unsigned)r->n_members;
    out->n_reported = (unsigned)r->n_reported;
    out->n_estimated = (unsigned)r->n_estimated;
    out->n_imputed = (unsigned)r->n_imputed;
    out->n_excluded = (unsigned)r->n_excluded;
    out->ok = r->status == AGG_OK;
}

/* "coverage %.1f%%; method %s; members %zu: reported %zu, estimated %zu,
 * imputed %zu, left out %zu", without printf (millions of them). */
static void agg_note(const struct agg_cell *r, enum agg_method m, struct buf *b)
{
    buf_reset(b);
    buf_puts(b, "coverage ");
    buf_put_fixed1(b, r->coverage);
    buf_puts(b, "%; method ");
    buf_puts(b, agg_method_name(m));
    buf_puts(b, "; members ");
    buf_put_int(b, r->n_members);
    buf_puts(b, ": reported ");
    buf_put_int(b, r->n_reported);
    buf_puts(b, ", estimated ");
    buf_put_int(b, r->n_estimated);
    buf_puts(b, ", imputed ");
    buf_put_int(b, r->n_imputed);
    buf_puts(b, ", left out ");
    buf_put_int(b, r->n_excluded);
}

/* Where gc holds the aggregates of one series (indicator, dims, group):
 * looked up once per series, not once per value. */
struct agg_at {
    const struct cube *gc;
    const struct cube_series *se; /* NULL: gc has nothing of it */
    size_t row;
};

static void agg_at_find(struct cube *gc, const char *indicator,
                        const char *dims, const char *group, struct agg_at *at)
{
    size_t s;

    at->gc = gc;
    at->se = NULL;
    if (gc && cube_economy(gc, group, &at->row) &&
        cube_series_find(gc, indicator, dims, false, &s)) {
        at->se = &gc->series[s];
    }
}

/* What the store holds for the key of o in at's series: 0 nothing,
 * CUBE_COMPUTED an aggregate (*out_same: with the same value, status and
 * note), CUBE_LOADED a value of another kind. */
static int agg_stored(const struct agg_at *at, const struct obs *o,
                      bool *out_same)
{
    size_t cell;
    const struct cube_series *se = at->se;

    *out_same = false;
    if (!se || !cube_cell(at->gc, at->row, o->year, &cell)) {
        return 0;
    }
    if (se->origin[cell] == CUBE_COMPUTED) {
        *out_same = se->sig && se->value[cell] == o->value &&
                    se->status[cell] == (unsigned char)o->status &&
                    se->sig[cell] == strmap_hash(o->note, strlen(o->note));
    }
    return se->origin[cell];
}

/* The note of r in *note, unless *last (may be NULL) shows the note there
 * is r's already (the same counts and coverage as the previous value:
 * the years of a group often share them). */
static void agg_note_once(const struct agg_cell *r, enum agg_method m,
                          struct agg_cell *last, bool *has_last,
                          struct buf *note)
{
    if (last && *has_last && last->coverage == r->coverage &&
        last->n_members == r->n_members && last->n_reported == r->n_reported &&
        last->n_estimated == r->n_estimated &&
        last->n_imputed == r->n_imputed && last->n_excluded == r->n_excluded) {
        return;
    }
    agg_note(r, m, note);
    if (last) {
        *last = *r;
        *has_last = true;
    }
}

/* Store one aggregate unless at says it is stored already. at NULL: no
 * knowledge of the store (looked up). Through w, or into s when w is
 * NULL. */
static int put_agg(struct store *s, struct obs_writer *w,
                   const struct agg_at *at, const char *indicator,
                   const char *dims, const char *group, int year,
                   const struct agg_cell *r, const struct buf *note,
                   struct err *err)
{
    struct obs o;
    bool same = false;
    int stored = 0;

    memset(&o, 0, sizeof(o));
    o.indicator = indicator;
    o.economy = group;
    o.year = year;
    o.dims = dims;
    o.value = r->value;
    o.status = r->n_estimated + r->n_imputed > 0 ? OBS_ESTIMATED : OBS_REPORTED;
    o.source = "ictdev aggregate";
    o.note = buf_cstr(note);
    if (at) {
        stored = agg_stored(at, &o, &same);
    }
    if (same) {
        return 0;
    }
    if (w) {
        return obs_writer_put(
            w, &o, at != NULL && at->gc != NULL && stored != CUBE_LOADED, err);
    }
    if (at == NULL || at->gc == NULL || stored == CUBE_LOADED) {
        return store_obs_put(s, &o, NULL, err);
    }
    return store_obs_append(s, &o, err);
}

/* Weight panels by weight code, built once per run. */
#define WEIGHT_CACHE 8

struct weight_cache {
    const char *code[WEIGHT_CACHE]; /* borrowed from the catalogue */
    struct agg_panel panel[WEIGHT_CACHE];
    bool has[WEIGHT_CACHE];
    size_t count;
};

/* Series with an aggregation rule, and their weights. */
struct agg_item {
    size_t series;
    enum agg_rule rule;
    const struct agg_panel *w; /* NULL: members count equally */
};

struct agg_job {
    struct obs_writer *w; /* the batch's writer */
    struct cube *gc;      /* stored aggregates, or NULL */
    const struct cube *c;
    const struct groups *g;
    struct agg_spec spec;
    struct agg_result *res; /* nyears */
    struct buf note;
    struct compute_report *r;
    const bool *group_on; /* NULL, or which groups to store */
    int put_y0, put_y1;   /* years to store */
    struct agg_item *items;
    size_t nitems;
    struct agg_cell *cells; /* block groups x nitems x nyears */
};

/* Aggregate item i for groups [k0, k1) into j->cells. */
static int agg_item_block(struct agg_job *j, size_t i, size_t k0, size_t k1,
                          struct err *err)
{
    const struct agg_item *it = &j->items[i];
    size_t ny = (size_t)j->c->nyears;
    int y1 = j->c->year0 + j->c->nyears - 1;
    struct agg_panel v;
    int rc = 0;

    panel_from(j->c, it->series, &v);
    if (j->spec.method == AGG_METHOD_ITU) {
        agg_fill(&v, j->spec.window);
    }
    j->spec.rule = it->rule;
    for (size_t k = k0; k < k1 && rc == 0; k++) {
        struct agg_cell *out = &j->cells[((k - k0) * j->nitems + i) * ny];
        if (j->group_on && !j->group_on[k]) {
            continue;
        }
        rc = agg_group_years(&j->spec, &v, it->w, &j->g->items[k], j->c->year0,
                             y1, j->res, err);
        for (size_t y = 0; rc == 0 && y < ny; y++) {
            int year = j->c->year0 + (int)y;
            agg_cell_from(&j->res[y], &out[y]);
            if (year < j->put_y0 || year > j->put_y1) {
                out[y].ok = false;
                continue;
            }
            j->r->agg_withheld += j->res[y].status == AGG_WITHHELD;
        }
    }
    agg_panel_cleanup(&v);
    return rc;
}

/* Store the aggregates of groups [k0, k1), group by group: the store
 * keeps one group's values together. */
static int agg_store_block(struct agg_job *j, size_t k0, size_t k1,
                           struct err *err)
{
    size_t ny = (size_t)j->c->nyears;
    int rc = 0;

    for (size_t k = k0; k < k1 && rc == 0; k++) {
        if (j->group_on && !j->group_on[k]) {
            continue;
        }
        for (size_t i = 0; i < j->nitems && rc == 0; i++) {
            const struct cube_series *se = &j->c->series[j->items[i].series];
            const struct agg_cell *cells =
                &j->cells[((k - k0) * j->nitems + i) * ny];
            struct agg_at at;
            struct agg_cell last;
            bool has_last = false;
            agg_at_find(j->gc, se->indicator, se->dims, j->g->items[k].code,
                        &at);
            for (size_t y = 0; y < ny && rc == 0; y++) {
                if (!cells[y].ok) {
                    continue;
                }
                j->r->agg_values++;
                agg_note_once(&cells[y], j->spec.method, &last, &has_last,
                              &j->note);
                rc = put_agg(NULL, j->w, &at, se->indicator, se->dims,
                             j->g->items[k].code, j->c->year0 + (int)y,
                             &cells[y], &j->note, err);
            }
        }
    }
    return rc;
}

/* The weight panel of an indicator: its catalogue weight, else population
 * (coverage of counts and prices); NULL = members count equally. */
static const struct agg_panel *weight_panel(struct weight_cache *wc,
                                            const struct cube *c,
                                            const struct indicator *ind,
                                            int window)
{
    const char *w = ind->weight && ind->weight[0] ? ind->weight : "pop";
    size_t i = 0;
    size_t s;

    while (i < wc->count && strcmp(wc->code[i], w) != 0) {
        i++;
    }
    if (i == wc->count) {
        if (i == WEIGHT_CACHE) {
            /* More weights than slots: rebuild the last one. */
            i = WEIGHT_CACHE - 1;
            if (wc->has[i]) {
                agg_panel_cleanup(&wc->panel[i]);
            }
        } else {
            wc->count++;
        }
        wc->code[i] = w;
        wc->has[i] = cube_series_find((struct cube *)c, w, "", false, &s);
        if (wc->has[i]) {
            panel_from(c, s, &wc->panel[i]);
            /* Weights are filled over gaps (population is missing in a few
             * economy-years) with the same window, whatever the method. */
            agg_fill(&wc->panel[i], window > 0 ? window : 3);
        }
    }
    return wc->has[i] ? &wc->panel[i] : NULL;
}

static void weight_cache_cleanup(struct weight_cache *wc)
{
    for (size_t i = 0; i < wc->count; i++) {
        if (wc->has[i]) {
            agg_panel_cleanup(&wc->panel[i]);
        }
    }
}

/* Which aggregates a run stores: groups (NULL = every group, else
 * economies: a group with any of these rows as member), years, and the
 * state recorded in the batch note. */
struct agg_scope {
    const size_t *rows; /* cube rows of changed economies, or NULL */
    size_t nrows;
    int put_y0, put_y1;
    const char *note;
    int64_t read_at; /* the batch info's */
};

/* Which groups have a changed economy as member (NULL: all). */
static bool *groups_on(const struct groups *g, const struct agg_scope *sc)
{
    bool *on;

    if (!sc->rows) {
        return NULL;
    }
    on = xcalloc(g->count ? g->count : 1, sizeof(bool));
    for (size_t k = 0; k < g->count; k++) {
        for (size_t m = 0; m < g->items[k].count && !on[k]; m++) {
            for (size_t e = 0; e < sc->nrows && !on[k]; e++) {
                on[k] = g->items[k].members[m].economy == sc->rows[e];
            }
        }
    }
    return on;
}

/* Cells kept per block of groups: results are computed series by series
 * but stored group by group, a block of groups at a time. */
#define AGG_BLOCK_CELLS ((size_t)1 << 18)

/* Compute every group aggregate (series by series), then store them
 * group by group, in blocks of groups that bound the memory held. */
static int agg_blocks(struct agg_job *j, struct err *err)
{
    size_t per_group = j->nitems * (size_t)j->c->nyears;
    size_t block = per_group ? AGG_BLOCK_CELLS / per_group : 1;
    int rc = 0;

    block = block ? block : 1;
    block = block < j->g->count ? block : j->g->count;
    j->cells = xcalloc(block * per_group + 1, sizeof(*j->cells));
    for (size_t k0 = 0; k0 < j->g->count && rc == 0; k0 += block) {
        size_t k1 = k0 + block < j->g->count ? k0 + block : j->g->count;
        for (size_t i = 0; i < j->nitems && rc == 0; i++) {
            rc = agg_item_block(j, i, k0, k1, err);
        }
        if (rc == 0) {
            rc = agg_store_block(j, k0, k1, err);
        }
    }
    xfree(j->cells);
    j->cells = NULL;
    return rc;
}

static int run_aggregates(struct store *s, struct cube *c, struct cube *gc,
                          const struct catalogue *cat, const struct mships *ms,
                          const struct compute_opts *o,
                          const struct agg_scope *sc, struct compute_report *r,
                          struct err *err)
{
    struct store_batch_info bi = {.kind = BATCH_AGGREGATE,
                                  .origin = o->origin,
                                  .note = sc->note,
                                  .read_at = sc->read_at};
    struct weight_cache wc;
    bool *group_on = NULL;
    struct agg_job j;
    struct groups g;
    int rc;

    if (groups_load(s, c, NULL, ms, &g, err) != 0) {
        groups_cleanup(&g);
        return err->code;
    }
    memset(&wc, 0, sizeof(wc));
    memset(&j, 0, sizeof(j));
    j.gc = gc;
    j.c = c;
    j.g = &g;
    j.spec.method = o->method;
    j.spec.window = o->window;
    j.spec.min_coverage = o->min_coverage;
    j.res = xcalloc((size_t)c->nyears, sizeof(*j.res));
    j.r = r;
    j.put_y0 = sc->put_y0;
    j.put_y1 = sc->put_y1;
    group_on = groups_on(&g, sc);
    j.group_on = group_on;
    j.items = xcalloc(c->nseries ? c->nseries : 1, sizeof(*j.items));
    for (size_t i = 0; i < c->nseries; i++) {
        const struct indicator *ind = cat_get(cat, c->series[i].indicator);
        struct agg_item *it = &j.items[j.nitems];
        if (!rule_of(ind, &it->rule)) {
            continue;
        }
        it->series = i;
        it->w = weight_panel(&wc, c, ind, o->window);
        j.nitems++;
    }
    r->agg_series += j.nitems;
    buf_init(&j.note);
    rc = store_batch_begin(s, &bi, err);
    if (rc == 0) {
        j.w = obs_writer_start(s);
        rc = agg_blocks(&j, err);
        if (obs_writer_finish(j.w, rc == 0 ? err : &(struct err){0}) != 0 &&
            rc == 0) {
            rc = err->code;
        }
    }
    if (rc == 0) {
        rc = store_batch_commit(s, &r->agg_batch, &r->agg_changed, err);
    } else {
        store_batch_rollback(s);
    }
    buf_cleanup(&j.note);
    xfree(j.res);
    xfree(j.items);
    xfree(group_on);
    weight_cache_cleanup(&wc);
    groups_cleanup(&g);
    return rc;
}

/* ---- Entry points ------------------------------------------------------- */

static int check_formulas(struct store *s, struct catalogue *cat,
                          struct formula_set *fs, struct err *err)
{
    struct dimset ds;
    int rc;

    dimset_init(&ds);
    rc = store_dimension_list(s, dim_add, &ds, err);
    if (rc == 0) {
        rc = formula_set_build(fs, cat->flat, cat->count, &ds, err);
    }
    dimset_cleanup(&ds);
    if (rc != 0) {
        err_prefix(err, "catalogue");
    }
    return rc;
}

int compute_check_store(struct store *s, struct err *err)
{
    struct catalogue cat;
    struct formula_set fs;
    int rc = cat_load(s, &cat, err);

    if (rc == 0) {
        rc = check_formulas(s, &cat, &fs, err);
    }
    if (rc == 0) {
        formula_set_cleanup(&fs);
    }
    cat_cleanup(&cat);
    return rc;
}

/* ---- Incremental runs ---------------------------------------------------
 *
 * A run that stores aggregates records its state in the note of its
 * aggregate batch: "...; state HEX years Y0-Y1", HEX a fingerprint of what
 * the results depend on besides observations (catalogue formulas, rules
 * and weights, groups and memberships, the options) and Y0-Y1 the years
 * of the observations. The next run with the same fingerprint reads only
 * what changed since that batch (store_obs_query's since_batch):
 *   - derived indicators: every formula for the changed economies (the
 *     signatures of derive.h skip the cells whose inputs did not change);
 *   - aggregates: the indicators that changed (inputs or derived values
 *     written), those weighted by a changed indicator, for the groups with
 *     a changed economy as member (reading those groups' members only),
 *     in the changed years, widened by the filling window W (max(window,
 *     3)) under ITU's method or when a weight changed, reading W years
 *     more either side.
 * Nothing changed: nothing is read beyond that, nothing written. */

#define STATE_PREFIX "ictdev compute: group aggregates; state "

static uint64_t fp_mix(uint64_t h, const char *str)
{
    uint64_t x = strmap_hash(str ? str : "", str ? strlen(str) : 0);
    return (h ^ x) * 0x100000001B3u + 0x9E3779B97F4A7C15u;
}

/* What the results depend on besides observations: the catalogue's
 * formulas, rules, weights and dims, the options, and each group's code
 * followed by its memberships. */
static uint64_t fingerprint(const struct catalogue *cat,
                            const struct compute_opts *o,
                            const struct mships *ms)
{
    uint64_t h = 0xcbf29ce484222325u;
    char opt[96];
    size_t at = 0;

    for (size_t i = 0; i < cat->count; i++) {
        const struct indicator *ind = cat->owned[i];
        h = fp_mix(
            fp_mix(fp_mix(fp_mix(fp_mix(h, ind->code), ind->formula), ind->agg),
                   ind->weight),
            ind->dims);
    }
    snprintf(opt, sizeof(opt), "%d %d %.17g", (int)o->method, o->window,
             o->min_coverage);
    h = fp_mix(h, opt);
    for (size_t k = 0; k < ms->groups.count; k++) {
        const char *group = ms->groups.items[k];
        size_t end = mships_of(ms, group, &at);
        h = fp_mix(h, group);
        for (; at < end; at++) {
            const struct membership *m = &ms->m[at];
            char years[48];
            size_t n = fmt_i64(years, m->from_year);
            years[n++] = '-';
            fmt_i64(years + n, m->to_year);
            h = fp_mix(fp_mix(fp_mix(h, m->group), m->economy), years);
        }
    }
    return h;
}

struct state {
    uint64_t fp;
    int64_t batch; /* 0 = none */
    int y0, y1;
};

static int state_find(void *ctx, const struct batch *b, struct err *err)
{
    struct state *st = ctx;
    unsigned long long fp = 0;
    int y0 = 0;
    int y1 = 0;

    if (b->kind != BATCH_AGGREGATE ||
        strncmp(b->note, STATE_PREFIX, strlen(STATE_PREFIX)) != 0) {
        return 0;
    }
    if (sscanf(b->note + strlen(STATE_PREFIX), "%16llx years %d-%d", &fp, &y0,
               &y1) == 3 &&
        fp == st->fp) {
        st->batch = b->id;
        st->y0 = y0;
        st->y1 = y1;
    }
    return err_set(err, ERR_LIMIT, "found");
}

/* What changed: economies (as codes and, once a cube exists, rows),
 * indicators, years. */
struct changes {
    struct strmap econ_index;
    struct names econs;
    struct strmap ind_index;
    struct names inds;
    int y0, y1;                     /* 0 when nothing changed */
    const struct strmap *economies; /* codes of economies (not groups) */
};

static void changes_add(struct changes *ch, const char *economy,
                        const char *indicator, int year)
{
    size_t ignored;

    if (!strmap_get(&ch->econ_index, economy, strlen(economy), &ignored)) {
        strmap_put(&ch->econ_index, economy, strlen(economy), ch->econs.count);
        names_push(&ch->econs, economy);
    }
    if (!strmap_get(&ch->ind_index, indicator, strlen(indicator), &ignored)) {
        strmap_put(&ch->ind_index, indicator, strlen(indicator),
                   ch->inds.count);
        names_push(&ch->inds, indicator);
    }
    ch->y0 = ch->y0 == 0 || year < ch->y0 ? year : ch->y0;
    ch->y1 = year > ch->y1 ? year : ch->y1;
}

static void changes_cleanup(struct changes *ch)
{
    strmap_cleanup(&ch->econ_index);
    strmap_cleanup(&ch->ind_index);
    names_cleanup(&ch->econs);
    names_cleanup(&ch->inds);
}

static int change_seen(void *ctx, const struct obs *o, struct err *err)
{
    struct changes *ch = ctx;
    size_t ignored;
    (void)err;

    if (o->batch_kind == BATCH_COMPUTED || o->batch_kind == BATCH_AGGREGATE ||
        !strmap_get(ch->economies, o->economy, strlen(o->economy), &ignored)) {
        return 0;
    }
    changes_add(ch, o->economy, o->indicator, o->year);
    return 0;
}

static int econ_index_add(void *ctx, const struct economy *e, struct err *err)
{
    struct strmap *m = ctx;
    (void)err;
    strmap_put(m, e->code, strlen(e->code), 1);
    return 0;
}

static void state_note(struct buf *b, uint64_t fp, int y0, int y1)
{
    buf_reset(b);
    buf_printf(b, STATE_PREFIX "%016llx years %d-%d", (unsigned long long)fp,
               y0, y1);
}

/* Add code to names/index unless it is there. */
static void name_add(struct names *n, struct strmap *index, const char *code)
{
    size_t ignored;

    if (!strmap_get(index, code, strlen(code), &ignored)) {
        strmap_put(index, code, strlen(code), 1);
        names_push(n, code);
    }
}

/* The formulas of fs that depend, directly or through other formulas, on
 * a changed indicator, in fs's order, into out (items are shallow copies:
 * free only out->items); their inputs and outputs into names/index. The
 * other formulas' inputs did not change, so a full run would find their
 * signatures unchanged and write nothing for them either. */
static void affected_formulas(const struct formula_set *fs,
                              const struct changes *ch, struct formula_set *out,
                              struct names *names, struct strmap *index)
{
    struct strmap hot;
    size_t ignored;

    strmap_init(&hot);
    for (size_t i = 0; i < ch->inds.count; i++) {
        const char *code = ch->inds.items[i];
        strmap_put(&hot, code, strlen(code), 1);
    }
    out->items = xcalloc(fs->count ? fs->count : 1, sizeof(*out->items));
    out->count = 0;
    for (size_t i = 0; i < fs->count; i++) {
        const struct formula *f = &fs->items[i];
        bool on = false;
        for (size_t r = 0; r < f->nrefs && !on; r++) {
            const char *name = f->refs[r].name;
            on = strmap_get(&hot, name, strlen(name), &ignored);
        }
        if (!on) {
            continue;
        }
        out->items[out->count++] = *f;
        strmap_put(&hot, f->code, strlen(f->code), 1);
        name_add(names, index, f->code);
        for (size_t r = 0; r < f->nrefs; r++) {
            name_add(names, index, f->refs[r].name);
        }
    }
    strmap_cleanup(&hot);
}

/* The changed economies, the groups with one of them among their members
 * (in any year) and those groups' members: the areas whose values the
 * aggregates to recompute read or replace. Into areas, as codes. */
static void affected_areas(const struct mships *ms, const struct changes *ch,
                           struct names *areas)
{
    struct strmap seen;
    struct strmap hot;
    size_t ignored;

    strmap_init(&seen);
    strmap_init(&hot);
    for (size_t i = 0; i < ms->count; i++) {
        const struct membership *m = &ms->m[i];
        if (strmap_get(&ch->econ_index, m->economy, strlen(m->economy),
                       &ignored)) {
            strmap_put(&hot, m->group, strlen(m->group), 1);
        }
    }
    for (size_t i = 0; i < ch->econs.count; i++) {
        name_add(areas, &seen, ch->econs.items[i]);
    }
    for (size_t i = 0; i < ms->count; i++) {
        const struct membership *m = &ms->m[i];
        if (strmap_get(&hot, m->group, strlen(m->group), &ignored)) {
            name_add(areas, &seen, m->group);
            name_add(areas, &seen, m->economy);
        }
    }
    strmap_cleanup(&hot);
    strmap_cleanup(&seen);
}

/* The incremental run from st (see above). */
static int run_incremental(struct store *s, const struct catalogue *cat,
                           const struct formula_set *fs,
                           const struct mships *ms, const struct state *st,
                           int64_t read_at, const struct compute_opts *opts,
                           struct compute_report *out, struct err *err)
{
    struct strmap economies;
    struct changes ch;
    struct store_obs_query q;
    struct cube c;
    struct cube gc;
    struct names load = {0};
    struct strmap load_index;
    struct formula_set sub = {NULL, 0};
    size_t *rows = NULL;
    size_t nrows = 0;
    struct buf note;
    int w = opts->window > 3 ? opts->window : 3;
    bool weight_changed = false;
    int rc;

    memset(&ch, 0, sizeof(ch));
    memset(&c, 0, sizeof(c));
    memset(&gc, 0, sizeof(gc));
    strmap_init(&economies);
    strmap_init(&ch.econ_index);
    strmap_init(&ch.ind_index);
    strmap_init(&load_index);
    buf_init(&note);
    ch.economies = &economies;
    rc = store_economy_list(s, econ_index_add, &economies, err);
    memset(&q, 0, sizeof(q));
    q.since_batch = st->batch;
    if (rc == 0) {
        rc = store_obs_query(s, &q, change_seen, &ch, err);
    }
    if (rc != 0 || ch.econs.count == 0) {
        goto out;
    }

    /* Derived indicators of the changed economies: the formulas that
     * depend on a changed indicator, over the years of a full run. */
    affected_formulas(fs, &ch, &sub, &load, &load_index);
    memset(&q, 0, sizeof(q));
    q.economies = (const char *const *)ch.econs.items;
    q.economy_count = ch.econs.count;
    q.indicators = (const char *const *)load.items;
    q.indicator_count = load.count;
    rc = sub.count == 0
             ? 0
             : cube_load2(s, &q, st->y0 < ch.y0 ? st->y0 : ch.y0,
                          st->y1 > ch.y1 ? st->y1 : ch.y1, &c, NULL, err);

    if (rc == 0 && sub.count > 0) {
        rc = run_derived(s, &c, &sub, opts, read_at, &ch, out, err);
    }
    cube_cleanup(&c);
    names_cleanup(&load);
    strmap_cleanup(&load_index);
    strmap_init(&load_index);
    if (rc != 0) {
        goto out;
    }
    /* Aggregates: changed indicators, those weighted by one, weights. */
    for (size_t i = 0; i < ch.inds.count; i++) {
        strmap_put(&load_index, ch.inds.items[i], strlen(ch.inds.items[i]), 1);
        names_push(&load, ch.inds.items[i]);
    }
    for (size_t i = 0; i < cat->count; i++) {
        const struct indicator *ind = cat->owned[i];
        const char *wc = ind->weight && ind->weight[0] ? ind->weight : "pop";
        enum agg_rule rule;
        size_t ignored;
        if (!rule_of(ind, &rule) ||
            !strmap_get(&ch.ind_index, wc, strlen(wc), &ignored)) {
            continue;
        }
        weight_changed = true;
        if (!strmap_get(&load_index, ind->code, strlen(ind->code), &ignored)) {
            strmap_put(&load_index, ind->code, strlen(ind->code), 1);
            names_push(&load, ind->code);
        }
    }
    for (size_t i = 0, n = load.count; i < n; i++) {
        const struct indicator *ind = cat_get(cat, load.items[i]);
        const char *wc =
            ind && ind->weight && ind->weight[0] ? ind->weight : "pop";
        size_t ignored;
        if (cat_get(cat, wc) &&
            !strmap_get(&load_index, wc, strlen(wc), &ignored)) {
            strmap_put(&load_index, wc, strlen(wc), 1);
            names_push(&load, wc);
        }
    }
    {
        /* Values are filled over gaps under ITU's method, so a change
         * moves the aggregates of up to w years either side; so does a
         * change of a weight (weights are always filled). Otherwise only
         * the changed years' aggregates move. Filling a year reads w years
         * either side of it. */
        int wp = opts->method == AGG_METHOD_ITU || weight_changed ? w : 0;
        int y0 = st->y0 < ch.y0 ? st->y0 : ch.y0;
        int y1 = st->y1 > ch.y1 ? st->y1 : ch.y1;
        int ly0 = ch.y0 - wp - w < y0 ? y0 : ch.y0 - wp - w;
        int ly1 = ch.y1 + wp + w > y1 ? y1 : ch.y1 + wp + w;
        struct agg_scope sc;
        struct names areas = {0};

        affected_areas(ms, &ch, &areas);
        memset(&q, 0, sizeof(q));
        q.indicators = (const char *const *)load.items;
        q.indicator_count = load.count;
        q.economies = (const char *const *)areas.items;
        q.economy_count = areas.count;
        q.year_from = ly0;
        q.year_to = ly1;
        rc = cube_load2(s, &q, ly0, ly1, &c, &gc, err);
        names_cleanup(&areas);
        rows = xcalloc(ch.econs.count, sizeof(size_t));
        for (size_t i = 0; rc == 0 && i < ch.econs.count; i++) {
            if (cube_economy(&c, ch.econs.items[i], &rows[nrows])) {
                nrows++;
            }
        }
        state_note(&note, st->fp, y0, y1);
        sc.rows = rows;
        sc.nrows = nrows;
        sc.put_y0 = ch.y0 - wp;
        sc.put_y1 = ch.y1 + wp;
        sc.note = buf_cstr(&note);
        sc.read_at = out->derive_batch > 0 ? out->derive_batch : read_at;
        if (rc == 0) {
            rc = run_aggregates(s, &c, &gc, cat, ms, opts, &sc, out, err);
        }
    }
out:
    cube_cleanup(&gc);
    cube_cleanup(&c);
    xfree(sub.items);
    xfree(rows);
    names_cleanup(&load);
    strmap_cleanup(&load_index);
    strmap_cleanup(&economies);
    changes_cleanup(&ch);
    buf_cleanup(&note);
    return rc;
}

int compute_run(struct store *s, const struct compute_opts *opts,
                struct compute_report *out, struct err *err)
{
    struct catalogue cat;
    struct formula_set fs;
    struct cube c;
    struct cube gc;
    struct state st;
    struct mships ms;
    struct buf note;
    int64_t read_at = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&ms, 0, sizeof(ms));
    memset(&c, 0, sizeof(c));
    memset(&gc, 0, sizeof(gc));
    memset(&fs, 0, sizeof(fs));
    memset(&st, 0, sizeof(st));
    buf_init(&note);
    rc = read_point(s, &read_at, err);
    if (rc == 0) {
        rc = cat_load(s, &cat, err);
    } else {
        memset(&cat, 0, sizeof(cat));
    }
    if (rc == 0) {
        rc = check_formulas(s, &cat, &fs, err);
    }
    if (rc == 0) {
        rc = mships_load(s, &ms, err);
    }
    if (rc == 0) {
        st.fp = fingerprint(&cat, opts, &ms);
    }
    if (rc == 0 && opts->derived && opts->aggregates && !opts->full) {
        rc = store_batch_list(s, 0, state_find, &st, err);
        if (rc == ERR_LIMIT) {
            err_clear(err);
            rc = 0;
        }
        if (rc == 0 && st.batch > 0) {
            out->incremental = true;
            rc = run_incremental(s, &cat, &fs, &ms, &st, read_at, opts, out,
                                 err);
            goto out;
        }
    }
    if (rc != 0) {
        goto out;
    }
    /* The years are those of the observations (store_counts would cost a
     * scan of the store of its own). */
    rc = cube_load_all(s, &cat, &c, &gc, err);
    if (rc != 0 || c.nyears == 0) {
        goto out;
    }
    if (gc.nyears != c.nyears || gc.year0 != c.year0) {
        /* Same years in both cubes (aggregates are looked up by year). */
        cube_include_year(&gc, c.year0);
        cube_include_year(&gc, c.year0 + c.nyears - 1);
    }
    if (rc == 0 && opts->derived) {
        rc = run_derived(s, &c, &fs, opts, read_at, NULL, out, err);
    }
    if (rc == 0 && opts->aggregates) {
        struct agg_scope sc = {NULL, 0, INT_MIN, INT_MAX, NULL, 0};
        if (opts->derived) {
            state_note(&note, st.fp, c.year0, c.year0 + c.nyears - 1);
        } else {
            buf_puts(&note, "ictdev compute: group aggregates");
        }
        sc.note = buf_cstr(&note);
        sc.read_at = out->derive_batch > 0 ? out->derive_batch : read_at;
        rc = run_aggregates(s, &c, &gc, &cat, &ms, opts, &sc, out, err);
    }
out:
    cube_cleanup(&gc);
    cube_cleanup(&c);
    mships_cleanup(&ms);
    formula_set_cleanup(&fs);
    cat_cleanup(&cat);
    buf_cleanup(&note);
    return rc;
}

/* ---- One aggregate ------------------------------------------------------ */

static int ind_copy(void *ctx, const struct indicator *ind, struct err *err)
{
    (void)err;
    *(struct indicator **)ctx = indicator_dup(ind);
    return 0;
}

/* First and last year in which series s has any value; false if none. */
static bool series_years(const struct cube *c, size_t s, int *y0, int *y1)
{
    const struct cube_series *se = &c->series[s];
    bool any = false;

    for (int y = 0; y < c->nyears; y++) {
        for (size_t e = 0; e < c->neconomies; e++) {
            if (!isnan(se->value[e * (size_t)c->nyears + (size_t)y])) {
                *y1 = c->year0 + y;
                *y0 = any ? *y0 : c->year0 + y;
                any = true;
                break;
            }
        }
    }
    return any;
}

struct agg_one {
    struct indicator *ind;
    struct cube c;
    struct groups g;
    struct weight_cache wc;
    const struct agg_panel *w; /* in wc, or NULL */
};

static int agg_one_load(struct store *s, const struct compute_agg_request *q,
                        struct agg_one *a, enum agg_rule *rule, struct err *err)
{
    const char *codes[2];
    struct store_obs_query oq;
    int y0 = 0;
    int y1 = 0;

    if (store_indicator_get(s, q->indicator, ind_copy, &a->ind, err) != 0) {
        return err->code;
    }
    if (!rule_of(a->ind, rule)) {
        return err_set(err, ERR_INVALID,
                       "indicator %s has no aggregation rule (agg '%s')",
                       q->indicator, a->ind->agg);
    }
    if (year_span(s, &y0, &y1, err) != 0) {
        return err->code;
    }
    codes[0] = a->ind->code;
    codes[1] = a->ind->weight[0] ? a->ind->weight : "pop";
    memset(&oq, 0, sizeof(oq));
    oq.indicators = codes;
    oq.indicator_count = 2;
    oq.totals_only = true;
    if (cube_load(s, &oq, y0 ? y0 : 2000, y1 ? y1 : 2000, &a->c, err) != 0) {
        return err->code;
    }
    if (groups_load(s, &a->c, q->group, NULL, &a->g, err) != 0) {
        return err->code;
    }
    a->w = weight_panel(&a->wc, &a->c, a->ind, q->window);
    return 0;
}

static int agg_one_store(struct store *s, const struct compute_agg_request *q,
                         const struct compute_agg_row *rows, size_t n,
                         int64_t *out_batch, struct err *err)
{
    struct store_batch_info bi = {.kind = BATCH_AGGREGATE,
                                  .origin = q->origin,
                                  .note = "ictdev aggregate"};
    struct buf note;
    int rc = store_batch_begin(s, &bi, err);

    buf_init(&note);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct agg_cell cell;
        agg_cell_from(&rows[i].r, &cell);
        if (cell.ok) {
            agg_note(&cell, q->method, &note);
            rc = put_agg(s, NULL, NULL, rows[i].indicator, "", rows[i].group,
                         rows[i].r.year, &cell, &note, err);
        }
    }
    buf_cleanup(&note);
    if (rc != 0) {
        store_batch_rollback(s);
        return rc;
    }
    return store_batch_commit(s, out_batch, NULL, err);
}

static int agg_one_run(struct agg_one *a, const struct compute_agg_request *q,
                       struct agg_spec *spec, struct compute_agg_row **out,
                       size_t *out_count, struct err *err)
{
    struct agg_panel v;
    size_t s;
    int y0 = q->year_from;
    int y1 = q->year_to;
    int rc;

    if (!cube_series_find(&a->c, a->ind->code, "", false, &s) ||
        !series_years(&a->c, s, &y0, &y1)) {
        *out = NULL;
        *out_count = 0;
        return 0;
    }
    y0 = q->year_from ? q->year_from : y0;
    y1 = q->year_to ? q->year_to : y1;
    if (y0 > y1) {
        return err_set(err, ERR_INVALID, "years %d:%d are reversed", y0, y1);
    }
    panel_from(&a->c, s, &v);
    if (spec->method == AGG_METHOD_ITU) {
        agg_fill(&v, spec->window);
    }
    *out_count = (size_t)(y1 - y0 + 1);
    *out = xcalloc(*out_count, sizeof(**out));
    {
        struct agg_result *res = xcalloc(*out_count, sizeof(*res));
        rc = agg_group_years(spec, &v, a->w, &a->g.items[0], y0, y1, res, err);
        for (size_t i = 0; rc == 0 && i < *out_count; i++) {
            snprintf((*out)[i].group, sizeof((*out)[i].group), "%s",
                     a->g.items[0].code);
            snprintf((*out)[i].indicator, sizeof((*out)[i].indicator), "%s",
                     a->ind->code);
            (*out)[i].r = res[i];
        }
        xfree(res);
    }
    agg_panel_cleanup(&v);
    return rc;
}

int compute_aggregate(struct store *s, const struct compute_agg_request *q,
                      struct compute_agg_row **out, size_t *out_count,
                      int64_t *out_batch, struct err *err)
{
    struct agg_one a;
    struct agg_spec spec;
    int rc;

    memset(&a, 0, sizeof(a));
    *out = NULL;
    *out_count = 0;
    *out_batch = 0;
    spec.method = q->method;
    spec.window = q->window;
    spec.min_coverage = q->min_coverage;
    rc = agg_one_load(s, q, &a, &spec.rule, err);
    if (rc == 0) {
        rc = agg_one_run(&a, q, &spec, out, out_count, err);
    }
    if (rc == 0 && q->store) {
        rc = agg_one_store(s, q, *out, *out_count, out_batch, err);
    }
    if (rc != 0) {
        xfree(*out);
        *out = NULL;
        *out_count = 0;
    }
    weight_cache_cleanup(&a.wc);
    groups_cleanup(&a.g);
    cube_cleanup(&a.c);
    indicator_free(a.ind);
    return rc;
}

/* ---- IDI ---------------------------------------------------------------- */

/* Latest value of (code, total) for row within [y0, y1]; NaN if none. */
static double latest(struct cube *c, const char *code, size_t row, int y0,
                     int y1, int *out_year)
{
    size_t s;
    size_t cell;

    if (code[0] == '\0' || !cube_series_find(c, code, "", false, &s)) {
        return NAN;
    }
    for (int y = y1; y >= y0; y--) {
        if (cube_cell(c, row, y, &cell) && !isnan(c->series[s].value[cell])) {
            *out_year = y;
            return c->series[s].value[cell];
        }
    }
    return NAN;
}

static void idi_inputs(struct cube *c, const struct idi_params *p, size_t row,
                       int year, struct compute_idi_economy *e)
{
    int y0 = year - p->max_age;

    for (size_t i = 0; i < p->count; i++) {
        e->raw_year[i] = 0;
        e->proxy[i] = false;
        e->raw[i] = latest(c, p->ind[i].code, row, y0, year, &e->raw_year[i]);
        if (isnan(e->raw[i])) {
            e->raw[i] =
                latest(c, p->ind[i].proxy, row, y0, year, &e->raw_year[i]);
            e->proxy[i] = !isnan(e->raw[i]);
        }
    }
}

static int idi_apply_sets(struct compute_idi_result *r,
                          const struct idi_params *p,
                          const struct compute_idi_set *sets, size_t nsets,
                          struct err *err)
{
    for (size_t k = 0; k < nsets; k++) {
        int i = idi_params_find(p, sets[k].indicator);
        size_t e = 0;
        while (e < r->count &&
               strcmp(r->economies[e].code, sets[k].economy) != 0) {
            e++;
        }
        if (i < 0) {
            return err_set(err, ERR_NOT_FOUND, "--set: %s is not an IDI input",
                           sets[k].indicator);
        }
        if (e == r->count) {
            return err_set(err, ERR_NOT_FOUND,
                           "--set: no IDI inputs for economy %s",
                           sets[k].economy);
        }
        r->economies[e].raw[i] = sets[k].value;
        r->economies[e].raw_year[i] = 0;
        r->economies[e].proxy[i] = false;
        r->economies[e].changed = true;
    }
    for (size_t e = 0; e < r->count; e++) {
        if (r->economies[e].changed) {
            idi_score(p, r->economies[e].raw, &r->economies[e].score);
        }
    }
    return 0;
}

/* Per cube row: the score and pillars (NaN = none) and the group weight
 * (1, or the latest population with IDI_GROUP_POP; NaN = unknown). */
struct idi_rows {
    double *v[3]; /* idi, U, M */
    double *w;
};

static void idi_rows_fill(struct idi_rows *t,
                          const struct compute_idi_result *r, struct cube *c,
                          const struct idi_params *p, int year)
{
    size_t n = c->neconomies ? c->neconomies : 1;

    for (int k = 0; k < 3; k++) {
        t->v[k] = xcalloc(n, sizeof(double));
    }
    t->w = xcalloc(n, sizeof(double));
    for (size_t i = 0; i < c->neconomies; i++) {
        int y = 0;
        t->v[0][i] = t->v[1][i] = t->v[2][i] = NAN;
        t->w[i] = p->group_mean == IDI_GROUP_POP
                      ? latest(c, "pop", i, year - p->max_age, year, &y)
                      : 1.0;
    }
    for (size_t e = 0; e < r->count; e++) {
        size_t row;
        if (cube_economy(c, r->economies[e].code, &row)) {
            t->v[0][row] = r->economies[e].score.idi;
            t->v[1][row] = r->economies[e].score.pillar[0];
            t->v[2][row] = r->economies[e].score.pillar[1];
        }
    }
}

static void idi_group_one(const struct idi_rows *t, const struct agg_group *g,
                          int year, struct compute_idi_group *out)
{
    double sum[3] = {0, 0, 0};
    double wsum = 0;

    snprintf(out->code, sizeof(out->code), "%s", g->code);
    for (size_t m = 0; m < g->count; m++) {
        const struct agg_member *mb = &g->members[m];
        size_t e = mb->economy;
        if ((mb->from_year && year < mb->from_year) ||
            (mb->to_year && year > mb->to_year)) {
            continue;
        }
        out->members++;
        if (isnan(t->v[0][e]) || !(t->w[e] > 0)) {
            continue;
        }
        out->scored++;
        wsum += t->w[e];
        for (int k = 0; k < 3; k++) {
            sum[k] += t->w[e] * t->v[k][e];
        }
    }
    out->idi = wsum > 0 ? sum[0] / wsum : NAN;
    out->pillar[0] = wsum > 0 ? sum[1] / wsum : NAN;
    out->pillar[1] = wsum > 0 ? sum[2] / wsum : NAN;
}

/* Group scores: the simple (or, with group_mean = pop, the population-
 * weighted) mean of the members' scores. */
static void idi_groups(struct compute_idi_result *r, struct cube *c,
                       const struct groups *g, const struct idi_params *p,
                       int year)
{
    struct idi_rows t;

    idi_rows_fill(&t, r, c, p, year);
    r->groups = xcalloc(g->count ? g->count : 1, sizeof(*r->groups));
    r->ngroups = g->count;
    for (size_t k = 0; k < g->count; k++) {
        idi_group_one(&t, &g->items[k], year, &r->groups[k]);
    }
    for (int k = 0; k < 3; k++) {
        xfree(t.v[k]);
    }
    xfree(t.w);
}

static int idi_load(struct store *s, const struct idi_params *p, int year,
                    struct cube *c, struct err *err)
{
    struct catalogue cat;
    const char *codes[2 * IDI_MAX_INDICATORS + 1];
    struct store_obs_query q;
    size_t n = 0;
    int rc = cat_load(s, &cat, err);

    for (size_t i = 0; rc == 0 && i < p->count; i++) {
        if (cat_get(&cat, p->ind[i].code)) {
            codes[n++] = p->ind[i].code;
        }
        if (p->ind[i].proxy[0] && cat_get(&cat, p->ind[i].proxy)) {
            codes[n++] = p->ind[i].proxy;
        }
    }
    if (rc == 0 && p->group_mean == IDI_GROUP_POP && cat_get(&cat, "pop")) {
        codes[n++] = "pop";
    }
    memset(&q, 0, sizeof(q));
    q.indicators = codes;
    q.indicator_count = n;
    q.year_from = year - p->max_age;
    q.year_to = year;
    q.totals_only = true;
    if (rc == 0) {
        rc = cube_load(s, &q, year - p->max_age, year, c, err);
    }
    cat_cleanup(&cat);
    return rc;
}

/* Ranks with and without the what-ifs. */
static void idi_ranks(struct compute_idi_result *r)
{
    double *sc = xcalloc(r->count ? r->count : 1, sizeof(double));
    int *rank = xcalloc(r->count ? r->count : 1, sizeof(int));

    for (int pass = 0; pass < 2; pass++) {
        for (size_t e = 0; e < r->count; e++) {
            sc[e] =
                pass ? r->economies[e].before.idi : r->economies[e].score.idi;
        }
        idi_rank(sc, r->count, rank);
        for (size_t e = 0; e < r->count; e++) {
            if (pass) {
                r->economies[e].rank_before = rank[e];
            } else {
                r->economies[e].rank = rank[e];
            }
        }
    }
    xfree(sc);
    xfree(rank);
}

int compute_idi(struct store *s, const struct idi_params *p, int year,
                const struct compute_idi_set *sets, size_t nsets,
                struct compute_idi_result *out, struct err *err)
{
    struct cube c;
    struct groups g;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&g, 0, sizeof(g));
    memset(&c, 0, sizeof(c));
    rc = idi_load(s, p, year, &c, err);
    out->economies =
        xcalloc(c.neconomies ? c.neconomies : 1, sizeof(*out->economies));
    for (size_t row = 0; rc == 0 && row < c.neconomies; row++) {
        struct compute_idi_economy *e = &out->economies[out->count];
        idi_inputs(&c, p, row, year, e);
        idi_score(p, e->raw, &e->score);
        if (e->score.n_available > 0) {
            snprintf(e->code, sizeof(e->code), "%s", c.economies[row]);
            e->before = e->score;
            out->count++;
        }
    }
    if (rc == 0) {
        rc = idi_apply_sets(out, p, sets, nsets, err);
    }
    if (rc == 0) {
        idi_ranks(out);
        rc = groups_load(s, &c, NULL, NULL, &g, err);
    }
    if (rc == 0) {
        idi_groups(out, &c, &g, p, year);
    }
    groups_cleanup(&g);
    cube_cleanup(&c);
    if (rc != 0) {
        compute_idi_result_free(out);
    }
    return rc;
}

void compute_idi_result_free(struct compute_idi_result *r)
{
    xfree(r->economies);
    xfree(r->groups);
    memset(r, 0, sizeof(*r));
}

/* ---- Comparing with a published IDI table ---------------------------------
 */

static int cmp_rows(const void *a, const void *b)
{
    return strcmp(((const struct compute_idi_compare_row *)a)->code,
                  ((const struct compute_idi_compare_row *)b)->code);
}

/* Append "; " (unless first) and text to the reason. */
static void why_add(struct buf *b, const char *text)
{
    if (b->len > 0) {
        buf_puts(b, "; ");
    }
    buf_puts(b, text);
}

/* What explains the gap of economy e: inputs missing, proxies, old values,
 * else the unverified parameters. */
static void why_differs(const struct idi_params *p, int year,
                        const struct compute_idi_economy *e, struct buf *b)
{
    struct buf part;
    bool any = false;

    buf_init(&part);
    for (int pass = 0; pass < 3; pass++) {
        buf_reset(&part);
        for (size_t i = 0; i < p->count; i++) {
            bool hit = pass == 0   ? isnan(e->raw[i])
                       : pass == 1 ? !isnan(e->raw[i]) && e->proxy[i]
                                   : !isnan(e->raw[i]) && e->raw_year[i] > 0 &&
                                         e->raw_year[i] < year;
            if (!hit) {
                continue;
            }
            buf_puts(&part, part.len ? ", " : "");
            buf_puts(&part, p->ind[i].code);
            if (pass == 1) {
                buf_printf(&part, " (%s)", p->ind[i].proxy);
            } else if (pass == 2) {
                buf_printf(&part, " (%d)", e->raw_year[i]);
            }
        }
        if (part.len > 0) {
            static const char *const label[] = {"no value for ", "a proxy for ",
                                                "a value older than the year "
                                                "for "};
            struct buf t;
            buf_init(&t);
            buf_puts(&t, label[pass]);
            buf_append(&t, part.data, part.len);
            why_add(b, buf_cstr(&t));
            buf_cleanup(&t);
            any = true;
        }
    }
    if (!any) {
        buf_reset(&part);
        buf_printf(&part,
                   "every input of %d present: %zu parameters unverified "
                   "(idi_params.csv)",
                   year, p->n_unverified);
        why_add(b, buf_cstr(&part));
    }
    buf_cleanup(&part);
}

void compute_idi_compare(const struct idi_params *p, int year,
                         const struct compute_idi_result *r,
                         const struct idi_published *pub, size_t n, double tol,
                         struct compute_idi_compare *out)
{
    size_t cap = r->count + n;
    double sum = 0;
    struct buf why;

    memset(out, 0, sizeof(*out));
    out->rows = xcalloc(cap ? cap : 1, sizeof(*out->rows));
    out->mean_abs = out->max_abs = NAN;
    buf_init(&why);
    for (size_t i = 0; i < r->count; i++) {
        const struct compute_idi_economy *e = &r->economies[i];
        struct compute_idi_compare_row *row = &out->rows[out->count++];
        snprintf(row->code, sizeof(row->code), "%s", e->code);
        row->ours = e->score.idi;
        row->published = NAN;
        for (size_t k = 0; k < n; k++) {
            if (strcmp(pub[k].code, e->code) == 0) {
                row->published = pub[k].idi;
            }
        }
        if (isnan(row->ours) && isnan(row->published)) {
            out->count--;
            continue;
        }
        row->diff = row->ours - row->published;
        buf_reset(&why);
        if (isnan(row->published)) {
            why_add(&why, "not in the published table");
        } else if (isnan(row->ours)) {
            why_add(&why, "no score here");
            why_differs(p, year, e, &why);
        } else {
            double a = fabs(row->diff);
            out->both++;
            sum += a;
            if (isnan(out->max_abs) || a > out->max_abs) {
                out->max_abs = a;
                snprintf(out->max_code, sizeof(out->max_code), "%s", e->code);
            }
            /* 1e-9: 84.75 - 84.7 is 0.0500000000000114 in doubles. */
            row->within = a <= tol + 1e-9;
            if (!row->within) {
                why_differs(p, year, e, &why);
            }
        }
        snprintf(row->why, sizeof(row->why), "%s", buf_cstr(&why));
    }
    for (size_t k = 0; k < n; k++) {
        bool seen = false;
        for (size_t i = 0; i < r->count && !seen; i++) {
            seen = strcmp(r->economies[i].code, pub[k].code) == 0;
        }
        if (!seen) {
            struct compute_idi_compare_row *row = &out->rows[out->count++];
            snprintf(row->code, sizeof(row->code), "%s", pub[k].code);
            row->published = pub[k].idi;
            row->ours = row->diff = NAN;
            snprintf(row->why, sizeof(row->why),
                     "not an economy of this store");
        }
    }
    for (size_t i = 0; i < out->count; i++) {
        out->within += out->rows[i].within;
    }
    if (out->both > 0) {
        out->mean_abs = sum / (double)out->both;
    }
    if (out->count > 1) {
        qsort(out->rows, out->count, sizeof(*out->rows), cmp_rows);
    }
    buf_cleanup(&why);
}

void compute_idi_compare_free(struct compute_idi_compare *c)
{
    xfree(c->rows);
    memset(c, 0, sizeof(*c));
}

/* ---- Affordability ------------------------------------------------------ */

static void afford_groups(struct compute_afford_result *r, const struct cube *c,
                          const double *pct_by_row, const struct groups *g,
                          int year)
{
    double *vals = xcalloc(c->neconomies ? c->neconomies : 1, sizeof(double));

    r->groups = xcalloc(g->count ? g->count : 1, sizeof(*r->groups));
    for (size_t k = 0; k < g->count; k++) {
        size_t n = 0;
        struct compute_afford_group *out = &r->groups[r->ngroups];
        for (size_t m = 0; m < g->items[k].count; m++) {
            const struct agg_member *mb = &g->items[k].members[m];
            if ((mb->from_year && year < mb->from_year) ||
                (mb->to_year && year > mb->to_year)) {
                continue;
            }
            vals[n++] = pct_by_row[mb->economy];
        }
        afford_summarise(vals, n, AFFORD_TARGET_PCT, &out->s);
        if (out->s.count > 0) {
            snprintf(out->code, sizeof(out->code), "%s", g->items[k].code);
            r->ngroups++;
        }
    }
    xfree(vals);
}

static void afford_row(struct cube *c, size_t row,
                       const struct compute_afford_request *q,
                       struct compute_afford_row *out)
{
    int y = 0;

    snprintf(out->code, sizeof(out->code), "%s", c->economies[row]);
    out->price = latest(c, q->price, row, q->year, q->year, &y);
    out->xr = q->xr ? latest(c, q->xr, row, q->year, q->year, &y) : NAN;
    out->price_usd =
        q->xr ? afford_lcu_to_usd(out->price, out->xr) : out->price;
    out->gni_year = 0;
    out->gni_pc =
        latest(c, "gni_pc", row, q->year - 1, q->year, &out->gni_year);
    out->published =
        q->published ? latest(c, q->published, row, q->year, q->year, &y) : NAN;
    out->pct = afford_pct_gni(out->price_usd, out->gni_pc);
    out->meets = afford_meets_target(out->pct, AFFORD_TARGET_PCT);
}

int compute_afford(struct store *s, const struct compute_afford_request *q,
                   struct compute_afford_result *out, struct err *err)
{
    const char *codes[4];
    struct store_obs_query oq;
    struct cube c;
    struct groups g;
    double *pct;
    size_t n = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&g, 0, sizeof(g));
    memset(&oq, 0, sizeof(oq));
    codes[n++] = q->price;
    codes[n++] = "gni_pc";
    if (q->published) {
        codes[n++] = q->published;
    }
    if (q->xr) {
        codes[n++] = q->xr;
    }
    oq.indicators = codes;
    oq.indicator_count = n;
    oq.year_from = q->year - 1;
    oq.year_to = q->year;
    oq.totals_only = true;
    rc = cube_load(s, &oq, q->year - 1, q->year, &c, err);
    pct = xcalloc(c.neconomies ? c.neconomies : 1, sizeof(double));
    out->rows = xcalloc(c.neconomies ? c.neconomies : 1, sizeof(*out->rows));
    for (size_t row = 0; rc == 0 && row < c.neconomies; row++) {
        struct compute_afford_row *r = &out->rows[out->count];
        afford_row(&c, row, q, r);
        pct[row] = r->pct;
        out->count += !isnan(r->price) || !isnan(r->published);
    }
    if (rc == 0) {
        rc = groups_load(s, &c, NULL, NULL, &g, err);
    }
    if (rc == 0) {
        afford_groups(out, &c, pct, &g, q->year);
    }
    xfree(pct);
    groups_cleanup(&g);
    cube_cleanup(&c);
    if (rc != 0) {
        compute_afford_result_free(out);
    }
    return rc;
}

void compute_afford_result_free(struct compute_afford_result *r)
{
    xfree(r->rows);
    xfree(r->groups);
    memset(r, 0, sizeof(*r));
}
