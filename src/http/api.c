/* The reference part of the JSON API: indicators, economies, groups. */
#include <stdio.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "app_int.h"
#include "out.h"

/* ---- paging ---- */

struct page {
    struct buf *b;
    size_t offset, limit, seen, emitted;
};

/* Read ?limit= and ?offset=; answer 400 and return false when bad. */
static bool page_params(struct ctx *c, struct page *pg, size_t def)
{
    const char *l = query_get(&c->req->query, "limit");
    const char *o = query_get(&c->req->query, "offset");
    int64_t v;
    struct err err;
    memset(pg, 0, sizeof(*pg));
    pg->limit = def;
    if (l && parse_int64(l, strlen(l), 1, 10000, &v, &err) != 0) {
        ctx_bad_param(c, "limit", "want an integer 1..10000");
        return false;
    }
    if (l) {
        pg->limit = (size_t)v;
    }
    if (o && parse_int64(o, strlen(o), 0, INT32_MAX, &v, &err) != 0) {
        ctx_bad_param(c, "offset", "want an integer >= 0");
        return false;
    }
    if (o) {
        pg->offset = (size_t)v;
    }
    return true;
}

/* True if the next item is on the page (and counts it). */
static bool page_take(struct page *pg)
{
    size_t i = pg->seen++;
    if (i < pg->offset || i >= pg->offset + pg->limit) {
        return false;
    }
    if (pg->emitted++ > 0) {
        buf_putc(pg->b, ',');
    }
    return true;
}

static void page_open(struct page *pg, struct buf *b)
{
    pg->b = b;
    buf_puts(b, "{\"items\":[");
}

static void page_close(struct ctx *c, struct page *pg, const char *base,
                       const char *extra)
{
    buf_printf(pg->b, "],\"total\":%zu,\"offset\":%zu,\"limit\":%zu,\"next\":",
               pg->seen, pg->offset, pg->limit);
    if (pg->offset + pg->limit < pg->seen) {
        struct buf u;
        buf_init(&u);
        buf_printf(&u, "%s?offset=%zu&limit=%zu%s", base,
                   pg->offset + pg->limit, pg->limit, extra ? extra : "");
        out_json_str(pg->b, buf_cstr(&u));
        buf_cleanup(&u);
    } else {
        buf_puts(pg->b, "null");
    }
    buf_puts(pg->b, "}\n");
    c->resp->ctype = "application/json";
}

/* ---- JSON objects ---- */

static void kv(struct buf *b, const char *k, const char *v, bool comma)
{
    if (comma) {
        buf_putc(b, ',');
    }
    out_json_str(b, k);
    buf_putc(b, ':');
    out_json_str(b, v ? v : "");
}

static void json_indicator(struct buf *b, const struct indicator *ind)
{
    const char *p = ind->dims;
    buf_putc(b, '{');
    kv(b, "code", ind->code, false);
    kv(b, "name", ind->name, true);
    kv(b, "definition", ind->definition, true);
    kv(b, "unit", ind->unit, true);
    kv(b, "kind", ind->kind, true);
    kv(b, "collection", ind->collection, true);
    buf_puts(b, ",\"dimensions\":[");
    while (p && *p) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *d = xstrndup(p, n);
        if (p != ind->dims) {
            buf_putc(b, ',');
        }
        out_json_str(b, d);
        xfree(d);
        p = e ? e + 1 : p + n;
    }
    buf_putc(b, ']');
    kv(b, "sdg", ind->sdg, true);
    kv(b, "source_instrument", ind->source_instrument, true);
    kv(b, "formula", ind->formula, true);
    kv(b, "aggregation", ind->agg, true);
    kv(b, "weight", ind->weight, true);
    buf_printf(b, ",\"verified\":%s", ind->verified ? "true" : "false");
    buf_puts(b, ",\"links\":{\"self\":\"/api/v1/indicators/");
    out_url(b, ind->code);
    buf_puts(b, "\",\"data\":\"/api/v1/data?indicator=");
    out_url(b, ind->code);
    buf_puts(b, "\",\"page\":\"/indicators/");
    out_url(b, ind->code);
    buf_puts(b, "\"}}");
}

static void json_economy(struct buf *b, const struct economy *e)
{
    buf_putc(b, '{');
    kv(b, "code", e->code, false);
    kv(b, "name", e->name, true);
    kv(b, "iso2", e->iso2, true);
    kv(b, "m49", e->m49, true);
    kv(b, "itu_region", e->itu_region, true);
    buf_printf(b, ",\"itu_region_verified\":%s",
               e->itu_region_verified ? "true" : "false");
    kv(b, "un_region", e->un_region, true);
    kv(b, "un_subregion", e->un_subregion, true);
    kv(b, "un_intermediate", e->un_intermediate, true);
    kv(b, "wb_region", e->wb_region, true);
    buf_printf(b, ",\"is_independent\":%s",
               e->is_independent ? "true" : "false");
    kv(b, "note", e->note, true);
    buf_puts(b, ",\"links\":{\"self\":\"/api/v1/economies/");
    out_url(b, e->code);
    buf_puts(b, "\",\"page\":\"/economies/");
    out_url(b, e->code);
    buf_puts(b, "\"}}");
}

static void json_group(struct buf *b, const struct group *g)
{
    buf_putc(b, '{');
    kv(b, "code", g->code, false);
    kv(b, "name", g->name, true);
    kv(b, "kind", g->kind, true);
    kv(b, "source", g->source, true);
    buf_printf(b, ",\"verified\":%s", g->verified ? "true" : "false");
    kv(b, "note", g->note, true);
    buf_puts(b, ",\"links\":{\"self\":\"/api/v1/groups/");
    out_url(b, g->code);
    buf_puts(b, "\",\"page\":\"/groups/");
    out_url(b, g->code);
    buf_puts(b, "\"}}");
}

static void json_membership(struct buf *b, const struct membership *m)
{
    buf_putc(b, '{');
    kv(b, "group", m->group, false);
    kv(b, "economy", m->economy, true);
    buf_puts(b, ",\"from_year\":");
    if (m->from_year) {
        buf_printf(b, "%d", m->from_year);
    } else {
        buf_puts(b, "null");
    }
    buf_puts(b, ",\"to_year\":");
    if (m->to_year) {
        buf_printf(b, "%d", m->to_year);
    } else {
        buf_puts(b, "null");
    }
    kv(b, "source", m->source, true);
    buf_printf(b, ",\"verified\":%s}", m->verified ? "true" : "false");
}

/* ---- handlers ---- */

static int ind_cb(void *ctx, const struct indicator *ind, struct err *err)
{
    struct page *pg = ctx;
    (void)err;
    if (page_take(pg)) {
        json_indicator(pg->b, ind);
    }
    return 0;
}

void api_indicators(struct ctx *c)
{
    static const char *const allowed[] = {"q", "limit", "offset", NULL};
    struct store *st;
    struct page pg;
    struct err err;
    const char *q = query_get(&c->req->query, "q");
    struct buf extra;

    if (!ctx_known_params_or_respond(c, allowed) ||
        !page_params(c, &pg, 1000) || (st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (q && strlen(q) > 200) {
        ctx_bad_param(c, "q", "longer than 200 bytes");
        return;
    }
    page_open(&pg, &c->resp->body);
    if (store_indicator_list(st, q, ind_cb, &pg, &err) != 0) {
        ctx_fail(c, &err);
        return;
    }
    buf_init(&extra);
    if (q) {
        buf_puts(&extra, "&q=");
        out_url(&extra, q);
    }
    page_close(c, &pg, "/api/v1/indicators", buf_cstr(&extra));
    buf_cleanup(&extra);
}

struct one_ind {
    struct indicator *ind;
};

static int ind_dup_cb(void *ctx, const struct indicator *ind, struct err *err)
{
    struct one_ind *o = ctx;
    (void)err;
    o->ind = indicator_dup(ind);
    return 0;
}

struct dimvals {
    struct buf *b;
    const struct indicator *ind;
    const char *cur;
    bool first_dim, first_val;
};

static int dimval_cb(void *ctx, const struct dimension_value *d,
                     struct err *err)
{
    struct dimvals *dv = ctx;
    (void)err;
    if (!indicator_declares(dv->ind, d->dimension, strlen(d->dimension))) {
        return 0;
    }
    if (dv->cur == NULL || strcmp(dv->cur, d->dimension) != 0) {
        if (dv->cur != NULL) {
            buf_puts(dv->b, "]");
        }
        if (!dv->first_dim) {
            buf_putc(dv->b, ',');
        }
        dv->first_dim = false;
        out_json_str(dv->b, d->dimension);
        buf_puts(dv->b, ":[");
        dv->first_val = true;
        xfree((char *)dv->cur);
        dv->cur = xstrdup(d->dimension);
    }
    if (!dv->first_val) {
        buf_putc(dv->b, ',');
    }
    dv->first_val = false;
    buf_putc(dv->b, '{');
    kv(dv->b, "value", d->value, false);
    kv(dv->b, "label", d->label, true);
    buf_putc(dv->b, '}');
    return 0;
}

void api_indicator(struct ctx *c)
{
    static const char *const allowed[] = {NULL};
    struct store *st;
    struct one_ind o = {NULL};
    struct err err;
    struct buf *b = &c->resp->body;
    struct dimvals dv;

    if (!ctx_known_params_or_respond(c, allowed) ||
        (st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (!code_valid(c->params[0], strlen(c->params[0]))) {
        http_problem(c->resp, 404, c->req->path, "no such indicator");
        return;
    }
    if (store_indicator_get(st, c->params[0], ind_dup_cb, &o, &err) != 0) {
        ctx_fail(c, &err);
        return;
    }
    json_indicator(b, o.ind);
    b->len--; /* reopen the object */
    buf_puts(b, ",\"dimension_values\":{");
    memset(&dv, 0, sizeof(dv));
    dv.b = b;
    dv.ind = o.ind;
    dv.first_dim = true;
    if (store_dimension_list(st, dimval_cb, &dv, &err) != 0) {
        xfree((char *)dv.cur);
        indicator_free(o.ind);
        buf_reset(b);
        ctx_fail(c, &err);
        return;
    }
    if (dv.cur != NULL) {
        buf_putc(b, ']');
    }
    xfree((char *)dv.cur);
    buf_puts(b, "}");
    if (o.ind->sdg[0]) {
        buf_puts(b, ",\"sdg_link\":\"https://unstats.un.org/sdgs/metadata/"
                    "?Text=&Goal=&Target=");
        out_url(b, o.ind->sdg);
        buf_puts(b, "\"");
    }
    buf_puts(b, "}\n");
    c->resp->ctype = "application/json";
    indicator_free(o.ind);
}

static int eco_cb(void *ctx, const struct economy *e, struct err *err)
{
    struct page *pg = ctx;
    (void)err;
    if (page_take(pg)) {
        json_economy(pg->b, e);
    }
    return 0;
}

void api_economies(struct ctx *c)
{
    static const char *const allowed[] = {"limit", "offset", NULL};
    struct store *st;
    struct page pg;
    struct err err;
    if (!ctx_known_params_or_respond(c, allowed) ||
        !page_params(c, &pg, 1000) || (st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    page_open(&pg, &c->resp->body);
    if (store_economy_list(st, eco_cb, &pg, &err) != 0) {
        ctx_fail(c, &err);
        return;
    }
    page_close(c, &pg, "/api/v1/economies", NULL);
}

static int eco_one_cb(void *ctx, const struct economy *e, struct err *err)
{
    (void)err;
    json_economy(ctx, e);
    return 0;
}

struct mem_list {
    struct buf *b;
    size_t n;
};

static int mem_cb(void *ctx, const struct membership *m, struct err *err)
{
    struct mem_list *ml = ctx;
    (void)err;
    if (ml->n++ > 0) {
        buf_putc(ml->b, ',');
    }
    json_membership(ml->b, m);
    return 0;
}

void api_economy(struct ctx *c)
{
    static const char *const allowed[] = {NULL};
    struct store *st;
    struct err err;
    struct buf *b = &c->resp->body;
    struct mem_list ml = {b, 0};
    if (!ctx_known_params_or_respond(c, allowed) ||
        (st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (!code_valid(c->params[0], strlen(c->params[0]))) {
        http_problem(c->resp, 404, c->req->path, "no such economy");
        return;
    }
    if (store_economy_get(st, c->params[0], eco_one_cb, b, &err) != 0) {
        buf_reset(b);
        ctx_fail(c, &err);
        return;
    }
    b->len--;
    buf_puts(b, ",\"groups\":[");
    if (store_economy_groups(st, c->params[0], 0, mem_cb, &ml, &err) != 0) {
        buf_reset(b);
        ctx_fail(c, &err);
        return;
    }
    buf_puts(b, "]}\n");
    c->resp->ctype = "application/json";
}

static int grp_cb(void *ctx, const struct group *g, struct err *err)
{
    struct page *pg = ctx;
    (void)err;
    if (page_take(pg)) {
        json_group(pg->b, g);
    }
    return 0;
}

void api_groups(struct ctx *c)
{
    static const char *const allowed[] = {"limit", "offset", NULL};
    struct store *st;
    struct page pg;
    struct err err;
    if (!ctx_known_params_or_respond(c, allowed) ||
        !page_params(c, &pg, 1000) || (st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    page_open(&pg, &c->resp->body);
    if (store_group_list(st, grp_cb, &pg, &err) != 0) {
        ctx_fail(c, &err);
        return;
    }
    page_close(c, &pg, "/api/v1/groups", NULL);
}

static int grp_one_cb(void *ctx, const struct group *g, struct err *err)
{
    (void)err;
    json_group(ctx, g);
    return 0;
}

void api_group(struct ctx *c)
{
    static const char *const allowed[] = {"year", NULL};
    struct store *st;
    struct err err;
    struct buf *b = &c->resp->body;
    struct mem_list ml = {b, 0};
    const char *y = query_get(&c->req->query, "year");
    int64_t year = 0;
    if (!ctx_known_params_or_respond(c, allowed)) {
        return;
    }
    if (y && parse_int64(y, strlen(y), YEAR_MIN, YEAR_MAX, &year, &err) != 0) {
        ctx_bad_param(c, "year", "want a year 1900..2100");
        return;
    }
    if ((st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (!code_valid(c->params[0], strlen(c->params[0]))) {
        http_problem(c->resp, 404, c->req->path, "no such group");
        return;
    }
    if (store_group_get(st, c->params[0], grp_one_cb, b, &err) != 0) {
        buf_reset(b);
        ctx_fail(c, &err);
        return;
    }
    b->len--;
    if (year) {
        buf_printf(b, ",\"year\":%d", (int)year);
    } else {
        buf_puts(b, ",\"year\":null");
    }
    buf_puts(b, ",\"members\":[");
    if (store_group_members(st, c->params[0], (int)year, mem_cb, &ml, &err) !=
        0) {
        buf_reset(b);
        ctx_fail(c, &err);
        return;
    }
    buf_printf(b, "],\"member_count\":%zu}\n", ml.n);
    c->resp->ctype = "application/json";
}
