/* The computed-results endpoints: /api/v1/aggregates (the group aggregates
 * stored by `ictdev compute`, with coverage and method from their notes),
 * /api/v1/idi (the IDI computed on request through compute_idi, read-only)
 * and /api/v1/affordability (compute_afford). JSON or CSV. Nothing here
 * writes to the store: every GET reads. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../compute/compute.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "app_int.h"
#include "out.h"

#define AGG_MAX_ROWS (1u << 20)
#define AGG_MAX_LIST 300

/* ---- cache of the profile pages' computations ---- */

#define RC_YEARS 6

/* Results of one revision. Replaced sets are retired, not freed, so that a
 * pointer handed out stays valid until app_free (few revisions happen
 * while a server runs). */
struct rc_set {
    int64_t rev;
    bool idi_done;
    int idi_rc;
    int idi_year;
    struct compute_idi_result idi;
    bool aff_done[2][RC_YEARS];
    int aff_rc[2][RC_YEARS];
    struct compute_afford_result aff[2][RC_YEARS];
    int aff_top;
    struct rc_set *older;
};

struct results_cache {
    pthread_mutex_t mu;
    struct rc_set *cur;
};

static void rc_set_free(struct rc_set *s)
{
    while (s) {
        struct rc_set *o = s->older;
        compute_idi_result_free(&s->idi);
        for (int k = 0; k < 2; k++) {
            for (int y = 0; y < RC_YEARS; y++) {
                compute_afford_result_free(&s->aff[k][y]);
            }
        }
        xfree(s);
        s = o;
    }
}

void results_free(struct app *a)
{
    if (a->rc) {
        rc_set_free(a->rc->cur);
        pthread_mutex_destroy(&a->rc->mu);
        xfree(a->rc);
        a->rc = NULL;
    }
}

/* The set of rev; called with the lock held. */
static struct rc_set *rc_current(struct results_cache *rc, int64_t rev)
{
    if (rc->cur == NULL || rc->cur->rev != rev) {
        struct rc_set *s = xcalloc(1, sizeof(*s));
        s->rev = rev;
        s->older = rc->cur;
        rc->cur = s;
    }
    return rc->cur;
}

const struct compute_idi_result *
results_idi_latest(struct ctx *c, struct store *st, int *out_year)
{
    const struct idi_params *p = results_idi_params(c->app);
    struct results_cache *rc = c->app->rc;
    struct rc_set *s;
    struct err err;
    const struct compute_idi_result *out = NULL;
    if (p == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&rc->mu);
    s = rc_current(rc, c->req->revision);
    if (!s->idi_done) {
        s->idi_rc = results_idi(st, p, 0, &s->idi, &s->idi_year, &err);
        s->idi_done = true;
    }
    if (s->idi_rc == 0) {
        out = &s->idi;
        *out_year = s->idi_year;
    }
    pthread_mutex_unlock(&rc->mu);
    return out;
}

const struct compute_afford_result *results_afford_recent(struct ctx *c,
                                                          struct store *st,
                                                          int basket, int back,
                                                          int *out_year)
{
    struct results_cache *rc = c->app->rc;
    struct rc_set *s;
    struct err err;
    const struct compute_afford_result *out = NULL;
    if (basket < 0 || basket > 1 || back < 0 || back >= RC_YEARS) {
        return NULL;
    }
    pthread_mutex_lock(&rc->mu);
    s = rc_current(rc, c->req->revision);
    if (s->aff_top == 0) {
        struct store_counts sc;
        s->aff_top = store_counts(st, &sc, &err) == 0 && sc.year_max
                         ? sc.year_max
                         : 2023;
    }
    if (!s->aff_done[basket][back]) {
        struct compute_afford_request q;
        memset(&q, 0, sizeof(q));
        (void)results_basket(basket ? "mobile" : "fixed", &q);
        q.year = s->aff_top - back;
        s->aff_rc[basket][back] =
            compute_afford(st, &q, &s->aff[basket][back], &err);
        s->aff_done[basket][back] = true;
    }
    if (s->aff_rc[basket][back] == 0) {
        out = &s->aff[basket][back];
        *out_year = s->aff_top - back;
    }
    pthread_mutex_unlock(&rc->mu);
    return out;
}

/* ---- IDI parameters ---- */

void results_init(struct app *a, const char *geo_path)
{
    char path[4096];
    const char *env = getenv("ICTDEV_DATA");
    struct err err;
    a->idi_ok = false;
    a->rc = xcalloc(1, sizeof(*a->rc));
    pthread_mutex_init(&a->rc->mu, NULL);
    path[0] = '\0';
    if (env && env[0]) {
        snprintf(path, sizeof(path), "%s/idi_params.csv", env);
    } else {
        /* data/geo/countries-110m.json -> data/idi_params.csv */
        const char *s1 = strrchr(geo_path, '/');
        size_t n = s1 ? (size_t)(s1 - geo_path) : 0;
        const char *s2 = NULL;
        for (size_t i = 0; i < n; i++) {
            if (geo_path[i] == '/') {
                s2 = geo_path + i;
            }
        }
        if (s1 && s2) {
            snprintf(path, sizeof(path), "%.*s/idi_params.csv",
                     (int)(s2 - geo_path), geo_path);
        } else if (s1) {
            snprintf(path, sizeof(path), "idi_params.csv");
        }
        if (path[0] == '\0' || access(path, R_OK) != 0) {
            snprintf(path, sizeof(path), "data/idi_params.csv");
        }
    }
    if (idi_params_load(&a->idi, path, &err) != 0) {
        snprintf(a->idi_err, sizeof(a->idi_err), "%.200s", err.msg);
        fprintf(stderr, "ictdev serve: IDI unavailable: %s\n", err.msg);
        return;
    }
    a->idi_ok = true;
}

const struct idi_params *results_idi_params(const struct app *a)
{
    return a->idi_ok ? &a->idi : NULL;
}

static bool has_score(const struct compute_idi_result *r)
{
    for (size_t i = 0; i < r->count; i++) {
        if (!isnan(r->economies[i].score.idi)) {
            return true;
        }
    }
    return false;
}

int results_idi(struct store *st, const struct idi_params *p, int year,
                struct compute_idi_result *out, int *out_year, struct err *err)
{
    struct store_counts sc;
    int top;
    memset(out, 0, sizeof(*out));
    if (year != 0) {
        *out_year = year;
        return compute_idi(st, p, year, NULL, 0, out, err);
    }
    if (store_counts(st, &sc, err) != 0) {
        return err->code;
    }
    top = sc.year_max ? sc.year_max : 2023;
    for (int y = top; y > top - 6; y--) {
        if (compute_idi(st, p, y, NULL, 0, out, err) != 0) {
            return err->code;
        }
        *out_year = y;
        if (has_score(out)) {
            return 0;
        }
        compute_idi_result_free(out);
        memset(out, 0, sizeof(*out));
    }
    *out_year = top;
    return 0;
}

/* ---- common parameters ---- */

static bool want_csv(struct ctx *c, bool *csv)
{
    const char *f = query_get(&c->req->query, "format");
    *csv = false;
    if (f != NULL) {
        if (strcmp(f, "csv") == 0) {
            *csv = true;
        } else if (strcmp(f, "json") != 0) {
            ctx_bad_param(c, "format", "want json or csv");
            return false;
        }
        return true;
    }
    *csv = strstr(c->req->accept, "text/csv") != NULL &&
           strstr(c->req->accept, "application/json") == NULL;
    return true;
}

static bool get_year(struct ctx *c, bool required, int *out)
{
    const char *y = query_get(&c->req->query, "year");
    int64_t v;
    struct err err;
    *out = 0;
    if (y == NULL) {
        if (required) {
            ctx_bad_param(c, "year", "required (a year 1900..2100)");
            return false;
        }
        return true;
    }
    if (parse_int64(y, strlen(y), 1900, 2100, &v, &err) != 0) {
        ctx_bad_param(c, "year", "want a year 1900..2100");
        return false;
    }
    *out = (int)v;
    return true;
}

static void csv_num(struct buf *b, double v, int decimals)
{
    if (!isnan(v)) {
        double scale = pow(10, decimals);
        buf_put_double(b, round(v * scale) / scale);
    }
}

/* ---- aggregates ---- */

bool results_agg_note(const char *note, double *coverage, char *method,
                      size_t cap)
{
    static const char cov[] = "coverage ";
    static const char meth[] = "; method ";
    const char *pct;
    const char *m;
    size_t n;
    struct err err;
    *coverage = NAN;
    method[0] = '\0';
    if (note == NULL || strncmp(note, cov, sizeof(cov) - 1) != 0) {
        return false;
    }
    pct = strchr(note, '%');
    if (pct == NULL || parse_double(note + sizeof(cov) - 1,
                                    (size_t)(pct - note) - (sizeof(cov) - 1),
                                    coverage, &err) != 0) {
        *coverage = NAN;
        return false;
    }
    m = strstr(pct, meth);
    if (m == NULL) {
        return true;
    }
    m += sizeof(meth) - 1;
    n = strcspn(m, ";");
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(method, m, n);
    method[n] = '\0';
    return true;
}

struct codes {
    char *copy;
    const char *v[AGG_MAX_LIST];
    size_t n;
};

static bool split_list(struct ctx *c, const char *param, const char *s,
                       struct codes *out)
{
    char *p;
    out->copy = xstrdup(s);
    out->n = 0;
    p = out->copy;
    while (p && *p) {
        char *e = strchr(p, ',');
        if (e) {
            *e = '\0';
        }
        if (*p) {
            if (!code_valid(p, strlen(p))) {
                ctx_bad_param(c, param,
                              "not a code ([A-Za-z0-9_.$-], 1-64 "
                              "bytes, comma-separated)");
                return false;
            }
            if (out->n == AGG_MAX_LIST) {
                ctx_bad_param(c, param, "more than 300 codes");
                return false;
            }
            out->v[out->n++] = p;
        }
        p = e ? e + 1 : NULL;
    }
    if (out->n == 0) {
        ctx_bad_param(c, param, "empty");
        return false;
    }
    return true;
}

struct grpcodes {
    char **v;
    size_t n;
};

static int grpcodes_cb(void *ctx, const struct group *g, struct err *err)
{
    struct grpcodes *gc = ctx;
    (void)err;
    gc->v = xreallocarray(gc->v, gc->n + 1, sizeof(*gc->v));
    gc->v[gc->n++] = xstrdup(g->code);
    return 0;
}

static bool is_group(const struct grpcodes *gc, const char *code)
{
    for (size_t i = 0; i < gc->n; i++) {
        if (strcmp(gc->v[i], code) == 0) {
            return true;
        }
    }
    return false;
}

static void agg_json_row(struct buf *b, const struct row *r, bool comma)
{
    double cov;
    char method[32];
    bool computed = results_agg_note(r->note, &cov, method, sizeof(method));
    if (comma) {
        buf_putc(b, ',');
    }
    buf_puts(b, "{\"group\":");
    out_json_str(b, r->economy);
    buf_puts(b, ",\"indicator\":");
    out_json_str(b, r->indicator);
    buf_printf(b, ",\"year\":%d,\"value\":", r->year);
    out_json_num(b, r->value);
    buf_puts(b, ",\"coverage\":");
    out_json_num(b, cov);
    buf_puts(b, ",\"method\":");
    if (method[0]) {
        out_json_str(b, method);
    } else {
        buf_puts(b, "null");
    }
    buf_puts(b, ",\"dims\":");
    out_json_str(b, r->dims);
    buf_puts(b, ",\"status\":");
    out_json_str(b, obs_status_name((enum obs_status)r->status));
    buf_printf(b, ",\"computed\":%s,\"source\":", computed ? "true" : "false");
    out_json_str(b, r->source);
    buf_puts(b, ",\"note\":");
    out_json_str(b, r->note);
    buf_printf(b, ",\"batch\":%lld}", (long long)r->batch);
}

static void agg_csv_row(struct buf *b, const struct row *r)
{
    double cov;
    char method[32];
    char num[40];
    (void)results_agg_note(r->note, &cov, method, sizeof(method));
    out_csv(b, r->economy);
    buf_putc(b, ',');
    out_csv(b, r->indicator);
    buf_printf(b, ",%d,", r->year);
    fmt_double(num, sizeof(num), r->value);
    buf_puts(b, num);
    buf_putc(b, ',');
    if (!isnan(cov)) {
        buf_put_double(b, cov);
    }
    buf_putc(b, ',');
    out_csv(b, method);
    buf_putc(b, ',');
    out_csv(b, r->dims);
    buf_putc(b, ',');
    out_csv(b, obs_status_name((enum obs_status)r->status));
    buf_putc(b, ',');
    out_csv(b, r->source);
    buf_putc(b, ',');
    out_csv(b, r->note);
    buf_puts(b, "\r\n");
}

void api_aggregates(struct ctx *c)
{
    static const char *const allowed[] = {"indicator", "group", "years",
                                          "format", NULL};
    struct store *st;
    struct codes inds = {NULL, {NULL}, 0};
    struct codes grps = {NULL, {NULL}, 0};
    struct grpcodes all = {NULL, 0};
    struct store_obs_query q;
    struct rows rs;
    struct err err;
    struct buf *b = &c->resp->body;
    const char *ind = query_get(&c->req->query, "indicator");
    const char *grp = query_get(&c->req->query, "group");
    const char *years = query_get(&c->req->query, "years");
    bool csv;

    memset(&rs, 0, sizeof(rs));
    memset(&q, 0, sizeof(q));
    if (!ctx_known_params_or_respond(c, allowed) || !want_csv(c, &csv)) {
        return;
    }
    if (ind && !split_list(c, "indicator", ind, &inds)) {
        goto out;
    }
    if (grp && !split_list(c, "group", grp, &grps)) {
        goto out;
    }
    if (years && parse_year_range(years, &q.year_from, &q.year_to, &err) != 0) {
        ctx_bad_param(c, "years", "want YEAR or FROM:TO");
        goto out;
    }
    if ((st = ctx_store_or_respond(c)) == NULL) {
        goto out;
    }
    if (store_group_list(st, grpcodes_cb, &all, &err) != 0) {
        ctx_fail(c, &err);
        goto out;
    }
    for (size_t i = 0; i < grps.n; i++) {
        if (!is_group(&all, grps.v[i])) {
            char msg[160];
            snprintf(msg, sizeof(msg), "unknown group '%s'", grps.v[i]);
            http_problem(c->resp, 404, c->req->path, msg);
            goto out;
        }
    }
    if (all.n == 0) {
        goto empty;
    }
    q.indicators = inds.n ? inds.v : NULL;
    q.indicator_count = inds.n;
    q.economies = grps.n ? grps.v : (const char *const *)all.v;
    q.economy_count = grps.n ? grps.n : all.n;
    rs.limit = AGG_MAX_ROWS;
    if (store_obs_query(st, &q, rows_collect, &rs, &err) != 0) {
        ctx_fail(c, &err);
        goto out;
    }
empty:
    if (csv) {
        buf_puts(b, "group,indicator,year,value,coverage,method,dims,status,"
                    "source,note\r\n");
        for (size_t i = 0; i < rs.n; i++) {
            agg_csv_row(b, &rs.r[i]);
        }
        c->resp->ctype = "text/csv; charset=utf-8";
    } else {
        buf_puts(b, "{\"items\":[");
        for (size_t i = 0; i < rs.n; i++) {
            agg_json_row(b, &rs.r[i], i > 0);
        }
        buf_printf(b, "],\"total\":%zu}\n", rs.n);
        c->resp->ctype = "application/json";
    }
out:
    rows_cleanup(&rs);
    xfree(inds.copy);
    xfree(grps.copy);
    for (size_t i = 0; i < all.n; i++) {
        xfree(all.v[i]);
    }
    xfree(all.v);
}

/* ---- IDI ---- */

static const struct compute_idi_economy *
find_econ(const struct compute_idi_result *r, const char *code)
{
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(r->economies[i].code, code) == 0) {
            return &r->economies[i];
        }
    }
    return NULL;
}

static void idi_label(struct buf *b, const struct idi_params *p)
{
    buf_printf(b,
               "\"reproduction\":%s,\"unverified_parameters\":%zu,"
               "\"methodology\":\"ITU ICT Development Index, 2023 "
               "methodology\",\"label\":",
               p->n_unverified > 0 ? "true" : "false", p->n_unverified);
    out_json_str(b, p->n_unverified > 0
                        ? "A reproduction of the IDI 2023 methodology: some "
                          "parameters in data/idi_params.csv are unverified, "
                          "so scores and ranks may differ from ITU's."
                        : "IDI 2023 methodology; every parameter verified.");
}

static void idi_scores_json(struct buf *b, const struct idi_score *s)
{
    buf_puts(b, ",\"idi\":");
    out_json_num(b, s->idi);
    buf_puts(b, ",\"universal\":");
    out_json_num(b, s->pillar[IDI_PILLAR_U]);
    buf_puts(b, ",\"meaningful\":");
    out_json_num(b, s->pillar[IDI_PILLAR_M]);
}

static void idi_explain_json(struct buf *b, const struct idi_params *p,
                             const struct compute_idi_economy *e)
{
    buf_puts(b, ",\"explain\":[");
    for (size_t i = 0; i < p->count; i++) {
        if (i > 0) {
            buf_putc(b, ',');
        }
        buf_puts(b, "{\"indicator\":");
        out_json_str(b, p->ind[i].code);
        buf_printf(b, ",\"pillar\":\"%s\",\"component\":",
                   idi_pillar_name(p->ind[i].pillar));
        out_json_str(b, p->ind[i].component);
        buf_puts(b, ",\"raw\":");
        out_json_num(b, e->raw[i]);
        buf_puts(b, ",\"year\":");
        if (e->raw_year[i]) {
            buf_printf(b, "%d", e->raw_year[i]);
        } else {
            buf_puts(b, "null");
        }
        buf_puts(b, ",\"source\":");
        out_json_str(b, isnan(e->raw[i])
                            ? "missing"
                            : (e->proxy[i] ? p->ind[i].proxy : "store"));
        buf_puts(b, ",\"normalised\":");
        out_json_num(b, e->score.norm[i]);
        buf_puts(b, ",\"contribution\":");
        out_json_num(b, e->score.contrib[i]);
        buf_printf(b, ",\"verified\":%s}",
                   p->ind[i].verified ? "true" : "false");
    }
    buf_putc(b, ']');
}

static void idi_explain_csv(struct buf *b, const struct idi_params *p,
                            const struct compute_idi_economy *e)
{
    buf_puts(b, "indicator,pillar,component,raw,year,source,normalised,"
                "contribution\r\n");
    for (size_t i = 0; i < p->count; i++) {
        out_csv(b, p->ind[i].code);
        buf_printf(b, ",%s,", idi_pillar_name(p->ind[i].pillar));
        out_csv(b, p->ind[i].component);
        buf_putc(b, ',');
        if (!isnan(e->raw[i])) {
            buf_put_double(b, e->raw[i]);
        }
        buf_putc(b, ',');
        if (e->raw_year[i]) {
            buf_printf(b, "%d", e->raw_year[i]);
        }
        buf_putc(b, ',');
        out_csv(b, isnan(e->raw[i])
                       ? "missing"
                       : (e->proxy[i] ? p->ind[i].proxy : "store"));
        buf_putc(b, ',');
        csv_num(b, e->score.norm[i], 2);
        buf_putc(b, ',');
        csv_num(b, e->score.contrib[i], 2);
        buf_puts(b, "\r\n");
    }
}

static void idi_csv_line(struct buf *b, const char *code, double idi, double u,
                         double m, int rank)
{
    out_csv(b, code);
    buf_putc(b, ',');
    csv_num(b, idi, 2);
    buf_putc(b, ',');
    csv_num(b, u, 2);
    buf_putc(b, ',');
    csv_num(b, m, 2);
    buf_putc(b, ',');
    if (rank) {
        buf_printf(b, "%d", rank);
    }
    buf_puts(b, "\r\n");
}

void api_idi(struct ctx *c)
{
    static const char *const allowed[] = {"year", "economy", "format", NULL};
    const struct idi_params *p = results_idi_params(c->app);
    const char *eco = query_get(&c->req->query, "economy");
    struct compute_idi_result r;
    struct store *st;
    struct err err;
    struct buf *b = &c->resp->body;
    int year;
    bool csv;

    memset(&r, 0, sizeof(r));
    if (!ctx_known_params_or_respond(c, allowed) || !want_csv(c, &csv) ||
        !get_year(c, true, &year)) {
        return;
    }
    if (eco && !code_valid(eco, strlen(eco))) {
        ctx_bad_param(c, "economy", "not a code");
        return;
    }
    if (p == NULL) {
        http_problem(c->resp, 503, c->req->path,
                     "IDI parameters (data/idi_params.csv) unavailable");
        c->resp->no_cache = true;
        return;
    }
    if ((st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (compute_idi(st, p, year, NULL, 0, &r, &err) != 0) {
        ctx_fail(c, &err);
        return;
    }
    if (eco) {
        const struct compute_idi_economy *e = find_econ(&r, eco);
        if (e == NULL) {
            char msg[160];
            snprintf(msg, sizeof(msg), "no IDI inputs for '%s' in %d", eco,
                     year);
            http_problem(c->resp, 404, c->req->path, msg);
            goto out;
        }
        if (csv) {
            idi_explain_csv(b, p, e);
        } else {
            buf_printf(b, "{\"year\":%d,\"economy\":", year);
            out_json_str(b, e->code);
            idi_scores_json(b, &e->score);
            buf_puts(b, ",\"rank\":");
            if (e->rank) {
                buf_printf(b, "%d", e->rank);
            } else {
                buf_puts(b, "null");
            }
            buf_putc(b, ',');
            idi_label(b, p);
            idi_explain_json(b, p, e);
            buf_puts(b, "}\n");
        }
    } else if (csv) {
        buf_puts(b, "economy,idi,universal,meaningful,rank\r\n");
        for (size_t i = 0; i < r.count; i++) {
            const struct idi_score *s = &r.economies[i].score;
            if (!isnan(s->idi)) {
                idi_csv_line(b, r.economies[i].code, s->idi,
                             s->pillar[IDI_PILLAR_U], s->pillar[IDI_PILLAR_M],
                             r.economies[i].rank);
            }
        }
        for (size_t k = 0; k < r.ngroups; k++) {
            const struct compute_idi_group *g = &r.groups[k];
            if (g->scored > 0) {
                idi_csv_line(b, g->code, g->idi, g->pillar[IDI_PILLAR_U],
                             g->pillar[IDI_PILLAR_M], 0);
            }
        }
    } else {
        size_t n = 0;
        buf_printf(b, "{\"year\":%d,", year);
        idi_label(b, p);
        buf_puts(b, ",\"economies\":[");
        for (size_t i = 0; i < r.count; i++) {
            const struct compute_idi_economy *e = &r.economies[i];
            if (isnan(e->score.idi)) {
                continue;
            }
            buf_puts(b, n++ ? ",{\"economy\":" : "{\"economy\":");
            out_json_str(b, e->code);
            idi_scores_json(b, &e->score);
            buf_printf(b, ",\"rank\":%d,\"inputs\":%zu}", e->rank,
                       e->score.n_available);
        }
        buf_puts(b, "],\"groups\":[");
        n = 0;
        for (size_t k = 0; k < r.ngroups; k++) {
            const struct compute_idi_group *g = &r.groups[k];
            if (g->scored == 0) {
                continue;
            }
            buf_puts(b, n++ ? ",{\"group\":" : "{\"group\":");
            out_json_str(b, g->code);
            buf_puts(b, ",\"idi\":");
            out_json_num(b, g->idi);
            buf_puts(b, ",\"universal\":");
            out_json_num(b, g->pillar[IDI_PILLAR_U]);
            buf_puts(b, ",\"meaningful\":");
            out_json_num(b, g->pillar[IDI_PILLAR_M]);
            buf_printf(b, ",\"members\":%zu,\"scored\":%zu}", g->members,
                       g->scored);
        }
        buf_puts(b, "]}\n");
    }
    c->resp->ctype = csv ? "text/csv; charset=utf-8" : "application/json";
out:
    compute_idi_result_free(&r);
}

/* ---- affordability ---- */

bool results_basket(const char *name, struct compute_afford_request *q)
{
    if (strcmp(name, "fixed") == 0) {
        q->price = "i154_FBB5_USD";
        q->published = "i154_FBB5_GNI";
    } else if (strcmp(name, "mobile") == 0) {
        q->price = "i271mb_5GB_USD";
        q->published = "i271mb_5GB_GNI";
    } else {
        return false;
    }
    q->xr = NULL;
    return true;
}

void api_affordability(struct ctx *c)
{
    static const char *const allowed[] = {"year", "basket", "format", NULL};
    const char *basket = query_get(&c->req->query, "basket");
    struct compute_afford_request q;
    struct compute_afford_result r;
    struct store *st;
    struct err err;
    struct buf *b = &c->resp->body;
    int year;
    bool csv;

    memset(&r, 0, sizeof(r));
    memset(&q, 0, sizeof(q));
    if (!ctx_known_params_or_respond(c, allowed) || !want_csv(c, &csv) ||
        !get_year(c, true, &year)) {
        return;
    }
    if (basket == NULL) {
        basket = "fixed";
    }
    if (!results_basket(basket, &q)) {
        ctx_bad_param(c, "basket", "want fixed or mobile");
        return;
    }
    q.year = year;
    if ((st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (compute_afford(st, &q, &r, &err) != 0) {
        ctx_fail(c, &err);
        return;
    }
    if (csv) {
        buf_puts(b, "code,kind,basket,year,price_usd,gni_pc,gni_year,pct_gni,"
                    "published_pct,meets_2pct,economies,median_pct,"
                    "meeting_2pct,share_meeting\r\n");
        for (size_t i = 0; i < r.count; i++) {
            const struct compute_afford_row *w = &r.rows[i];
            out_csv(b, w->code);
            buf_printf(b, ",economy,%s,%d,", basket, year);
            csv_num(b, w->price_usd, 2);
            buf_putc(b, ',');
            csv_num(b, w->gni_pc, 0);
            buf_putc(b, ',');
            if (w->gni_year) {
                buf_printf(b, "%d", w->gni_year);
            }
            buf_putc(b, ',');
            csv_num(b, w->pct, 2);
            buf_putc(b, ',');
            csv_num(b, w->published, 2);
            buf_putc(b, ',');
            buf_puts(b, isnan(w->pct) ? "" : (w->meets ? "1" : "0"));
            buf_puts(b, ",,,,\r\n");
        }
        for (size_t k = 0; k < r.ngroups; k++) {
            const struct compute_afford_group *g = &r.groups[k];
            out_csv(b, g->code);
            buf_printf(b, ",group,%s,%d,,,,,,,%zu,", basket, year, g->s.count);
            csv_num(b, g->s.median, 2);
            buf_printf(b, ",%zu,", g->s.n_meeting);
            csv_num(b, g->s.share, 1);
            buf_puts(b, "\r\n");
        }
        c->resp->ctype = "text/csv; charset=utf-8";
    } else {
        buf_printf(b,
                   "{\"year\":%d,\"basket\":\"%s\",\"price_indicator\":\"%s\","
                   "\"published_indicator\":\"%s\",\"target_pct\":",
                   year, basket, q.price, q.published);
        out_json_num(b, AFFORD_TARGET_PCT);
        buf_puts(b, ",\"economies\":[");
        for (size_t i = 0; i < r.count; i++) {
            const struct compute_afford_row *w = &r.rows[i];
            buf_puts(b, i ? ",{\"economy\":" : "{\"economy\":");
            out_json_str(b, w->code);
            buf_puts(b, ",\"price_usd\":");
            out_json_num(b, w->price_usd);
            buf_puts(b, ",\"gni_pc\":");
            out_json_num(b, w->gni_pc);
            buf_puts(b, ",\"gni_year\":");
            if (w->gni_year) {
                buf_printf(b, "%d", w->gni_year);
            } else {
                buf_puts(b, "null");
            }
            buf_puts(b, ",\"pct_gni\":");
            out_json_num(b, w->pct);
            buf_puts(b, ",\"published_pct\":");
            out_json_num(b, w->published);
            buf_puts(b, ",\"meets_target\":");
            buf_puts(b, isnan(w->pct) ? "null" : (w->meets ? "true" : "false"));
            buf_putc(b, '}');
        }
        buf_puts(b, "],\"groups\":[");
        for (size_t k = 0; k < r.ngroups; k++) {
            const struct compute_afford_group *g = &r.groups[k];
            buf_puts(b, k ? ",{\"group\":" : "{\"group\":");
            out_json_str(b, g->code);
            buf_printf(b, ",\"economies\":%zu,\"median_pct\":", g->s.count);
            out_json_num(b, g->s.median);
            buf_printf(b, ",\"meeting_target\":%zu,\"share_meeting\":",
                       g->s.n_meeting);
            out_json_num(b, g->s.share);
            buf_putc(b, '}');
        }
        buf_puts(b, "]}\n");
        c->resp->ctype = "application/json";
    }
    compute_afford_result_free(&r);
}
