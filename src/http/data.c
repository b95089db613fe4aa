/* The data endpoints (/api/v1/data, /api/v1/data/{indicator}/{economy},
 * /sdmx/data/{flow}/{key}) and their formats: JSON, CSV (the long load
 * format), SDMX-CSV 2.0 and JSON-stat 2.0. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../model/dims.h"
#include "app_int.h"
#include "out.h"

#define MAX_LIST           300        /* codes in one list parameter */
#define MAX_ROWS           (2u << 20) /* values in one answer */
#define MAX_CELLS          (8u << 20) /* cells of a JSON-stat cube */
#define JSON_LIMIT_DEFAULT 10000
#define JSON_LIMIT_MAX     100000

enum fmt { FMT_JSON, FMT_CSV, FMT_SDMX, FMT_JSONSTAT };

struct dreq {
    char *lists[2]; /* owned copies split in place */
    const char *inds[MAX_LIST];
    size_t ni;
    const char *ecos[MAX_LIST];
    size_t ne;
    const char *group;
    int from, to;
    struct dim_pair dims[MAX_DIMS * 8];
    size_t nd;
    char *dimcopies[MAX_DIMS * 8];
    size_t ndc;
    int64_t as_of;
    enum fmt fmt;
    size_t limit, offset;
};

static void dreq_cleanup(struct dreq *d)
{
    xfree(d->lists[0]);
    xfree(d->lists[1]);
    for (size_t i = 0; i < d->ndc; i++) {
        xfree(d->dimcopies[i]);
    }
}

/* Split a comma list of codes into out; false (400 sent) when bad. */
static bool split_codes(struct ctx *c, const char *param, const char *v,
                        char **copy, const char **out, size_t *n)
{
    char *p;
    *copy = xstrdup(v);
    p = *copy;
    *n = 0;
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
            if (*n >= MAX_LIST) {
                ctx_bad_param(c, param, "more than 300 codes");
                return false;
            }
            out[(*n)++] = p;
        }
        p = e ? e + 1 : NULL;
    }
    if (*n == 0) {
        ctx_bad_param(c, param, "empty");
        return false;
    }
    return true;
}

static bool parse_as_of(const char *s, int64_t *out)
{
    int64_t v;
    struct err err;
    struct tm tm;
    size_t n = strlen(s);
    memset(&tm, 0, sizeof(tm));
    if (parse_int64(s, n, 1, INT64_MAX / 2, &v, &err) == 0 && n > 4) {
        *out = v; /* Unix seconds */
        return true;
    }
    if (n == 10 || n == 20) {
        int64_t y, mo, d, h = 23, mi = 59, se = 59;
        if (s[4] != '-' || s[7] != '-' ||
            parse_int64(s, 4, 1970, 9999, &y, &err) != 0 ||
            parse_int64(s + 5, 2, 1, 12, &mo, &err) != 0 ||
            parse_int64(s + 8, 2, 1, 31, &d, &err) != 0) {
            return false;
        }
        if (n == 20) {
            if (s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
                parse_int64(s + 11, 2, 0, 23, &h, &err) != 0 ||
                parse_int64(s + 14, 2, 0, 59, &mi, &err) != 0 ||
                parse_int64(s + 17, 2, 0, 60, &se, &err) != 0) {
                return false;
            }
        }
        tm.tm_year = (int)y - 1900;
        tm.tm_mon = (int)mo - 1;
        tm.tm_mday = (int)d;
        tm.tm_hour = (int)h;
        tm.tm_min = (int)mi;
        tm.tm_sec = (int)se;
        *out = (int64_t)timegm(&tm);
        return true;
    }
    return false;
}

static bool accept_has(const char *accept, const char *type)
{
    size_t n = strlen(type);
    for (const char *p = accept; *p; p++) {
        if (strncasecmp(p, type, n) == 0) {
            return true;
        }
    }
    return false;
}

static bool parse_format(struct ctx *c, struct dreq *d, enum fmt dflt)
{
    const char *f = query_get(&c->req->query, "format");
    const char *a = c->req->accept;
    d->fmt = dflt;
    if (f != NULL) {
        if (strcmp(f, "json") == 0) {
            d->fmt = FMT_JSON;
        } else if (strcmp(f, "csv") == 0) {
            d->fmt = FMT_CSV;
        } else if (strcmp(f, "sdmx-csv") == 0) {
            d->fmt = FMT_SDMX;
        } else if (strcmp(f, "jsonstat") == 0 || strcmp(f, "json-stat") == 0) {
            d->fmt = FMT_JSONSTAT;
        } else {
            ctx_bad_param(c, "format", "want json, csv, sdmx-csv or jsonstat");
            return false;
        }
        return true;
    }
    if (accept_has(a, "application/vnd.sdmx.data+csv")) {
        d->fmt = FMT_SDMX;
    } else if (accept_has(a, "json-stat")) {
        d->fmt = FMT_JSONSTAT;
    } else if (accept_has(a, "text/csv")) {
        d->fmt = FMT_CSV;
    } else if (accept_has(a, "application/json")) {
        d->fmt = FMT_JSON;
    }
    return true;
}

/* Dimension names known to the store. */
struct dimnames {
    struct strmap m;
};

static int dimname_cb(void *ctx, const struct dimension_value *v,
                      struct err *err)
{
    struct dimnames *dn = ctx;
    (void)err;
    strmap_put(&dn->m, v->dimension, strlen(v->dimension), 1);
    return 0;
}

static const char *const common_params[] = {"indicator", "economy", "group",
                                            "years",     "as_of",   "format",
                                            "limit",     "offset",  NULL};

/* Read everything but indicator/economy (already set). */
static bool parse_rest(struct ctx *c, struct store *st, struct dreq *d)
{
    const struct query *q = &c->req->query;
    const char *v;
    struct err err;
    struct dimnames dn;

    strmap_init(&dn.m);
    if (store_dimension_list(st, dimname_cb, &dn, &err) != 0) {
        strmap_cleanup(&dn.m);
        ctx_fail(c, &err);
        return false;
    }
    for (size_t i = 0; i < q->count; i++) {
        const char *k = q->params[i].key;
        bool common = false;
        size_t dummy;
        for (size_t j = 0; common_params[j]; j++) {
            common = common || strcmp(k, common_params[j]) == 0;
        }
        if (common) {
            continue;
        }
        if (!strmap_get(&dn.m, k, strlen(k), &dummy)) {
            char msg[160];
            strmap_cleanup(&dn.m);
            snprintf(msg, sizeof(msg), "unknown parameter '%.60s'", k);
            for (char *p = msg; *p; p++) {
                if ((unsigned char)*p < 0x20) {
                    *p = '?';
                }
            }
            http_problem(c->resp, 400, c->req->path, msg);
            return false;
        }
        /* dim=a,b: alternatives */
        {
            char *copy = xstrdup(q->params[i].value);
            char *p = copy;
            d->dimcopies[d->ndc++] = copy;
            while (p) {
                char *e = strchr(p, ',');
                if (e) {
                    *e = '\0';
                }
                if (!dims_value_valid(p, strlen(p)) ||
                    d->nd >= ARRAY_COUNT(d->dims)) {
                    strmap_cleanup(&dn.m);
                    ctx_bad_param(c, k, "not a dimension value list");
                    return false;
                }
                d->dims[d->nd].dim = k;
                d->dims[d->nd].dim_len = strlen(k);
                d->dims[d->nd].value = p;
                d->dims[d->nd].value_len = strlen(p);
                d->nd++;
                p = e ? e + 1 : NULL;
            }
        }
        if (d->ndc >= ARRAY_COUNT(d->dimcopies)) {
            break;
        }
    }
    strmap_cleanup(&dn.m);
    if ((v = query_get(q, "years")) != NULL &&
        parse_year_range(v, &d->from, &d->to, &err) != 0) {
        ctx_bad_param(c, "years", "want YEAR or FROM:TO within 1900..2100");
        return false;
    }
    if ((v = query_get(q, "as_of")) != NULL && !parse_as_of(v, &d->as_of)) {
        ctx_bad_param(c, "as_of",
                      "want YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or Unix seconds");
        return false;
    }
    if ((v = query_get(q, "group")) != NULL) {
        if (!code_valid(v, strlen(v))) {
            ctx_bad_param(c, "group", "not a code");
            return false;
        }
        if (d->ne > 0) {
            ctx_bad_param(c, "group", "give economy or group, not both");
            return false;
        }
        d->group = v;
    }
    d->limit = JSON_LIMIT_DEFAULT;
    if ((v = query_get(q, "limit")) != NULL) {
        int64_t n;
        if (parse_int64(v, strlen(v), 1, JSON_LIMIT_MAX, &n, &err) != 0) {
            ctx_bad_param(c, "limit", "want an integer 1..100000");
            return false;
        }
        d->limit = (size_t)n;
    }
    if ((v = query_get(q, "offset")) != NULL) {
        int64_t n;
        if (parse_int64(v, strlen(v), 0, INT32_MAX, &n, &err) != 0) {
            ctx_bad_param(c, "offset", "want an integer >= 0");
            return false;
        }
        d->offset = (size_t)n;
    }
    return true;
}

/* ---- indicator metadata for labels ---- */

struct indmeta {
    struct strmap m;
    struct indicator **v;
    size_t n;
};

static int indmeta_cb(void *ctx, const struct indicator *ind, struct err *err)
{
    struct indmeta *im = ctx;
    (void)err;
    im->v = xreallocarray(im->v, im->n + 1, sizeof(*im->v));
    im->v[im->n] = indicator_dup(ind);
    strmap_put(&im->m, ind->code, strlen(ind->code), im->n);
    im->n++;
    return 0;
}

static const struct indicator *indmeta_get(const struct indmeta *im,
                                           const char *code)
{
    size_t i;
    return strmap_get(&im->m, code, strlen(code), &i) ? im->v[i] : NULL;
}

static void indmeta_cleanup(struct indmeta *im)
{
    for (size_t i = 0; i < im->n; i++) {
        indicator_free(im->v[i]);
    }
    xfree(im->v);
    strmap_cleanup(&im->m);
}

/* ---- writers ---- */

static void iso_time(struct buf *b, int64_t t)
{
    char s[32];
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_puts(b, s);
}

static void json_dims(struct buf *b, const char *dims)
{
    const char *p = dims;
    bool first = true;
    buf_putc(b, '{');
    while (p && *p) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (eq) {
            char *k = xstrndup(p, (size_t)(eq - p));
            char *v = xstrndup(eq + 1, n - (size_t)(eq - p) - 1);
            if (!first) {
                buf_putc(b, ',');
            }
            first = false;
            out_json_str(b, k);
            buf_putc(b, ':');
            out_json_str(b, v);
            xfree(k);
            xfree(v);
        }
        p = e ? e + 1 : NULL;
    }
    buf_putc(b, '}');
}

static void write_json(struct ctx *c, const struct dreq *d,
                       const struct rows *rs)
{
    struct buf *b = &c->resp->body;
    size_t end = d->offset + d->limit;
    buf_puts(b, "{\"data\":[");
    for (size_t i = d->offset; i < rs->n && i < end; i++) {
        const struct row *r = &rs->r[i];
        if (i > d->offset) {
            buf_putc(b, ',');
        }
        buf_puts(b, "{\"indicator\":");
        out_json_str(b, r->indicator);
        buf_puts(b, ",\"economy\":");
        out_json_str(b, r->economy);
        buf_printf(b, ",\"year\":%d,\"dims\":", r->year);
        json_dims(b, r->dims);
        buf_puts(b, ",\"value\":");
        out_json_num(b, r->value);
        buf_printf(b, ",\"status\":\"%s\",\"source\":",
                   obs_status_name((enum obs_status)r->status));
        out_json_str(b, r->source);
        buf_puts(b, ",\"note\":");
        out_json_str(b, r->note);
        buf_printf(b, ",\"revision\":{\"batch\":%lld,\"time\":\"",
                   (long long)r->batch);
        iso_time(b, r->batch_time);
        buf_puts(b, "\"}}");
    }
    buf_printf(b,
               "],\"total\":%zu,\"offset\":%zu,\"limit\":%zu,\"next\":", rs->n,
               d->offset, d->limit);
    if (end < rs->n) {
        /* the same query with the next offset */
        struct buf u;
        const char *raw = c->req->raw_uri;
        const char *qm = strchr(raw, '?');
        buf_init(&u);
        buf_append(&u, raw, qm ? (size_t)(qm - raw) : strlen(raw));
        buf_putc(&u, '?');
        for (size_t i = 0; i < c->req->query.count; i++) {
            const struct query_param *p = &c->req->query.params[i];
            if (strcmp(p->key, "offset") == 0 || strcmp(p->key, "limit") == 0) {
                continue;
            }
            out_url(&u, p->key);
            buf_putc(&u, '=');
            out_url(&u, p->value);
            buf_putc(&u, '&');
        }
        buf_printf(&u, "offset=%zu&limit=%zu", end, d->limit);
        out_json_str(b, buf_cstr(&u));
        buf_cleanup(&u);
    } else {
        buf_puts(b, "null");
    }
    buf_puts(b, "}\n");
    c->resp->ctype = "application/json";
}

static void row_obs(const struct row *r, struct obs *o)
{
    memset(o, 0, sizeof(*o));
    o->indicator = r->indicator;
    o->economy = r->economy;
    o->year = r->year;
    o->dims = r->dims;
    o->value = r->value;
    o->status = (enum obs_status)r->status;
    o->source = r->source;
    o->note = r->note;
}

/* The long load format (what `ictdev load` reads and `ictdev export`
 * writes): one column per dimension declared by the indicators asked for. */
static void csv_header(struct buf *b, char *const *dn, size_t nd)
{
    buf_puts(b, "economy,indicator,year,value");
    for (size_t j = 0; j < nd; j++) {
        buf_putc(b, ',');
        out_csv(b, dn[j]);
    }
    buf_puts(b, ",status,source,note\r\n");
}

static void dim_value(const char *dims, const char *name, struct buf *out);

/* One line of the long load format; tmp is scratch space. */
static void csv_line(struct buf *b, const struct obs *o, char *const *dn,
                     size_t nd, struct buf *tmp)
{
    out_csv(b, o->economy);
    buf_putc(b, ',');
    out_csv(b, o->indicator);
    buf_printf(b, ",%d,", o->year);
    buf_put_double(b, o->value);
    for (size_t j = 0; j < nd; j++) {
        buf_reset(tmp);
        dim_value(o->dims, dn[j], tmp);
        buf_putc(b, ',');
        if (strcmp(buf_cstr(tmp), "_T") != 0) {
            out_csv(b, buf_cstr(tmp));
        }
    }
    buf_printf(b, ",%s,", obs_status_name(o->status));
    out_csv(b, o->source ? o->source : "");
    buf_putc(b, ',');
    out_csv(b, o->note ? o->note : "");
    buf_puts(b, "\r\n");
}

static void csv_type(struct ctx *c)
{
    c->resp->ctype = "text/csv; charset=utf-8; header=present";
    snprintf(c->resp->disposition, sizeof(c->resp->disposition),
             "inline; filename=\"ictdev-data.csv\"");
}

/* The value of dimension name in a canonical key, or "_T" (total). */
static void dim_value(const char *dims, const char *name, struct buf *out)
{
    size_t nl = strlen(name);
    const char *p = dims;
    while (p && *p) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            buf_append(out, p + nl + 1, n - nl - 1);
            return;
        }
        p = e ? e + 1 : NULL;
    }
    buf_puts(out, "_T");
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Distinct dimension names declared by the indicators of im ("sex;age")
 * or used by rs (may be NULL), sorted; returns owned array. */
static char **dim_names(const struct indmeta *im, const struct rows *rs,
                        size_t *out_n)
{
    struct strmap seen;
    char **v = NULL;
    size_t n = 0;
    strmap_init(&seen);
    for (size_t i = 0; i < im->n; i++) {
        /* declared lists are "dim;dim": no '=' */
        const char *p = im->v[i]->dims;
        while (p && *p) {
            const char *e = strchr(p, ';');
            size_t dl = e ? (size_t)(e - p) : strlen(p);
            if (dl && strmap_put(&seen, p, dl, 1)) {
                v = xreallocarray(v, n + 1, sizeof(*v));
                v[n++] = xstrndup(p, dl);
            }
            p = e ? e + 1 : NULL;
        }
    }
    for (size_t i = 0; rs != NULL && i < rs->n; i++) {
        const char *p = rs->r[i].dims;
        while (p && *p) {
            const char *e = strchr(p, ';');
            const char *eq = strchr(p, '=');
            size_t dl = eq && (!e || eq < e) ? (size_t)(eq - p) : 0;
            if (dl && strmap_put(&seen, p, dl, 1)) {
                v = xreallocarray(v, n + 1, sizeof(*v));
                v[n++] = xstrndup(p, dl);
            }
            p = e ? e + 1 : NULL;
        }
    }
    strmap_cleanup(&seen);
    if (n > 1) {
        qsort(v, n, sizeof(*v), cmp_str);
    }
    *out_n = n;
    return v;
}

static void free_strv(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        xfree(v[i]);
    }
    xfree(v);
}

static const char *sdmx_status(int st)
{
    switch (st) {
    case OBS_ESTIMATED:
        return "E";
    case OBS_IMPUTED:
        return "I";
    case OBS_PROVISIONAL:
        return "P";
    default:
        return "A";
    }
}

static void sdmx_header(struct buf *b, char *const *dn, size_t nd)
{
    buf_puts(b, "STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,REF_AREA");
    for (size_t j = 0; j < nd; j++) {
        buf_putc(b, ',');
        for (const char *p = dn[j]; *p; p++) {
            char ch = *p;
            buf_putc(b, (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch);
        }
    }
    buf_puts(b, ",TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,SOURCE,"
                "COMMENT\r\n");
}

/* One SDMX-CSV 2.0 line; tmp is scratch space. */
static void sdmx_line(struct buf *b, const struct obs *o, char *const *dn,
                      size_t nd, const char *unit, struct buf *tmp)
{
    buf_puts(b, "dataflow,ITU:ICT(1.0),I,");
    out_csv(b, o->indicator);
    buf_putc(b, ',');
    out_csv(b, o->economy);
    for (size_t j = 0; j < nd; j++) {
        buf_reset(tmp);
        dim_value(o->dims, dn[j], tmp);
        buf_putc(b, ',');
        out_csv(b, buf_cstr(tmp));
    }
    buf_printf(b, ",%d,", o->year);
    buf_put_double(b, o->value);
    buf_putc(b, ',');
    out_csv(b, unit ? unit : "");
    buf_printf(b, ",%s,", sdmx_status((int)o->status));
    out_csv(b, o->source ? o->source : "");
    buf_putc(b, ',');
    out_csv(b, o->note ? o->note : "");
    buf_puts(b, "\r\n");
}

static void sdmx_type(struct ctx *c)
{
    c->resp->ctype = "application/vnd.sdmx.data+csv; version=2.0.0; "
                     "charset=utf-8";
    snprintf(c->resp->disposition, sizeof(c->resp->disposition),
             "inline; filename=\"ictdev-data-sdmx.csv\"");
}

static void write_sdmx(struct ctx *c, const struct rows *rs,
                       const struct indmeta *im)
{
    struct buf *b = &c->resp->body;
    size_t nd;
    char **dn = dim_names(im, rs, &nd);
    struct buf tmp;
    struct obs o;
    buf_init(&tmp);
    sdmx_header(b, dn, nd);
    for (size_t i = 0; i < rs->n; i++) {
        const struct indicator *ind = indmeta_get(im, rs->r[i].indicator);
        row_obs(&rs->r[i], &o);
        sdmx_line(b, &o, dn, nd, ind ? ind->unit : "", &tmp);
    }
    buf_cleanup(&tmp);
    free_strv(dn, nd);
    sdmx_type(c);
}

static void write_csv(struct ctx *c, const struct rows *rs,
                      const struct indmeta *im)
{
    struct buf *b = &c->resp->body;
    size_t nd;
    char **dn = dim_names(im, rs, &nd);
    struct buf tmp;
    struct obs o;
    buf_init(&tmp);
    csv_header(b, dn, nd);
    for (size_t i = 0; i < rs->n; i++) {
        row_obs(&rs->r[i], &o);
        csv_line(b, &o, dn, nd, &tmp);
    }
    buf_cleanup(&tmp);
    free_strv(dn, nd);
    csv_type(c);
}

/* Category list of one JSON-stat dimension: distinct values in order of
 * first appearance (sorted for years). */
struct cats {
    struct strmap m;
    char **v;
    size_t n;
};

static size_t cats_add(struct cats *k, const char *s)
{
    size_t i;
    if (strmap_get(&k->m, s, strlen(s), &i)) {
        return i;
    }
    k->v = xreallocarray(k->v, k->n + 1, sizeof(*k->v));
    k->v[k->n] = xstrdup(s);
    strmap_put(&k->m, s, strlen(s), k->n);
    return k->n++;
}

static void cats_cleanup(struct cats *k)
{
    free_strv(k->v, k->n);
    strmap_cleanup(&k->m);
}

static int cmp_year_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void cats_sort(struct cats *k)
{
    qsort(k->v, k->n, sizeof(*k->v), cmp_year_str);
    strmap_cleanup(&k->m);
    strmap_init(&k->m);
    for (size_t i = 0; i < k->n; i++) {
        strmap_put(&k->m, k->v[i], strlen(k->v[i]), i);
    }
}

static void cats_json(struct buf *b, const char *id, const char *label,
                      const struct cats *k, const struct names *nm,
                      const struct indmeta *im)
{
    out_json_str(b, id);
    buf_puts(b, ":{\"label\":");
    out_json_str(b, label);
    buf_puts(b, ",\"category\":{\"index\":{");
    for (size_t i = 0; i < k->n; i++) {
        if (i) {
            buf_putc(b, ',');
        }
        out_json_str(b, k->v[i]);
        buf_printf(b, ":%zu", i);
    }
    buf_puts(b, "}");
    if (nm || im) {
        buf_puts(b, ",\"label\":{");
        for (size_t i = 0; i < k->n; i++) {
            const struct indicator *ind = im ? indmeta_get(im, k->v[i]) : NULL;
            if (i) {
                buf_putc(b, ',');
            }
            out_json_str(b, k->v[i]);
            buf_putc(b, ':');
            out_json_str(b, im ? (ind ? ind->name : k->v[i])
                               : names_get(nm, k->v[i]));
        }
        buf_puts(b, "}");
    }
    if (im) {
        buf_puts(b, ",\"unit\":{");
        for (size_t i = 0; i < k->n; i++) {
            const struct indicator *ind = indmeta_get(im, k->v[i]);
            if (i) {
                buf_putc(b, ',');
            }
            out_json_str(b, k->v[i]);
            buf_puts(b, ":{\"label\":");
            out_json_str(b, ind ? ind->unit : "");
            buf_puts(b, "}");
        }
        buf_puts(b, "}");
    }
    buf_puts(b, "}}");
}

static void write_jsonstat(struct ctx *c, const struct rows *rs,
                           const struct indmeta *im, const struct names *nm)
{
    struct buf *b = &c->resp->body;
    struct cats ki, ke, kd, ky;
    size_t *ix;
    double *cells;
    int *status;
    size_t ncell, i;
    bool any_dims = false;

    memset(&ki, 0, sizeof(ki));
    memset(&ke, 0, sizeof(ke));
    memset(&kd, 0, sizeof(kd));
    memset(&ky, 0, sizeof(ky));
    strmap_init(&ki.m);
    strmap_init(&ke.m);
    strmap_init(&kd.m);
    strmap_init(&ky.m);
    for (i = 0; i < rs->n; i++) {
        char y[8];
        snprintf(y, sizeof(y), "%d", rs->r[i].year);
        cats_add(&ki, rs->r[i].indicator);
        cats_add(&ke, rs->r[i].economy);
        cats_add(&kd, rs->r[i].dims[0] ? rs->r[i].dims : "_T");
        cats_add(&ky, y);
        any_dims = any_dims || rs->r[i].dims[0];
    }
    cats_sort(&ky);
    if (ki.n == 0) {
        cats_add(&kd, "_T");
    }
    ncell = ki.n * ke.n * kd.n * ky.n;
    if (ki.n && (ncell / ki.n / (ke.n ? ke.n : 1) / kd.n != (ky.n ? ky.n : 1) ||
                 ncell > MAX_CELLS)) {
        http_problem(c->resp, 413, c->req->path,
                     "the JSON-stat cube would be too large: narrow the query "
                     "or use format=csv");
        goto out;
    }
    cells = xcalloc(ncell ? ncell : 1, sizeof(double));
    status = xcalloc(ncell ? ncell : 1, sizeof(int));
    for (i = 0; i < ncell; i++) {
        cells[i] = NAN;
        status[i] = -1;
    }
    for (i = 0; i < rs->n; i++) {
        char y[8];
        size_t a, e, d, t, k;
        snprintf(y, sizeof(y), "%d", rs->r[i].year);
        a = cats_add(&ki, rs->r[i].indicator);
        e = cats_add(&ke, rs->r[i].economy);
        d = cats_add(&kd, rs->r[i].dims[0] ? rs->r[i].dims : "_T");
        t = cats_add(&ky, y);
        k = ((a * ke.n + e) * kd.n + d) * ky.n + t;
        cells[k] = rs->r[i].value;
        status[k] = rs->r[i].status;
    }
    ix = NULL;
    (void)ix;
    buf_puts(b, "{\"version\":\"2.0\",\"class\":\"dataset\",\"label\":");
    out_json_str(b, ki.n == 1 ? (indmeta_get(im, ki.v[0])
                                     ? indmeta_get(im, ki.v[0])->name
                                     : ki.v[0])
                              : "ictdev data");
    buf_puts(b, ",\"source\":\"ITU-D ictdev\",\"updated\":\"");
    iso_time(b, c->req->revision > 0 ? (int64_t)time(NULL) : 0);
    buf_puts(b, "\",\"id\":[\"indicator\",\"economy\",\"breakdown\","
                "\"time\"],\"size\":[");
    buf_printf(b,
               "%zu,%zu,%zu,%zu],\"role\":{\"metric\":[\"indicator\"],"
               "\"geo\":[\"economy\"],\"time\":[\"time\"]},\"dimension\":{",
               ki.n, ke.n, kd.n, ky.n);
    cats_json(b, "indicator", "Indicator", &ki, NULL, im);
    buf_putc(b, ',');
    cats_json(b, "economy", "Economy or group", &ke, nm, NULL);
    buf_putc(b, ',');
    cats_json(b, "breakdown", any_dims ? "Breakdown" : "Breakdown (total)", &kd,
              NULL, NULL);
    buf_putc(b, ',');
    cats_json(b, "time", "Year", &ky, NULL, NULL);
    buf_puts(b, "},\"value\":[");
    for (i = 0; i < ncell; i++) {
        if (i) {
            buf_putc(b, ',');
        }
        out_json_num(b, cells[i]);
    }
    buf_puts(b, "],\"status\":{");
    {
        bool first = true;
        for (i = 0; i < ncell; i++) {
            if (status[i] > 0) {
                buf_printf(b, "%s\"%zu\":\"%s\"", first ? "" : ",", i,
                           sdmx_status(status[i]));
                first = false;
            }
        }
    }
    buf_puts(b, "}}\n");
    c->resp->ctype = "application/json; charset=utf-8";
    xfree(cells);
    xfree(status);
out:
    cats_cleanup(&ki);
    cats_cleanup(&ke);
    cats_cleanup(&kd);
    cats_cleanup(&ky);
}

static int noop_group(void *ctx, const struct group *g, struct err *err)
{
    (void)ctx;
    (void)g;
    (void)err;
    return 0;
}

/* ---- streaming ----
 * Answers over every economy in CSV or SDMX-CSV are streamed: a producer
 * thread runs the query on its own read-only connection and formats rows
 * into a bounded buffer; libmicrohttpd's reader callback drains it as the
 * socket accepts bytes. Memory stays at about STREAM_HIGH bytes whatever
 * the answer's size. */

#define STREAM_CHUNK (32u << 10)  /* producer hands over this much at once */
#define STREAM_HIGH  (256u << 10) /* producer waits above this backlog */

struct dstream {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct buf pending; /* produced, not yet sent: [pos, len) */
    size_t pos;
    bool done, failed, cancel;
    /* the query, owned */
    char *db_path;
    char **inds, **ecos;
    size_t ni, ne;
    char *group;
    struct dim_pair *dims;
    char **dimstr; /* 2 * nd owned strings behind dims */
    size_t nd;
    int from, to;
    int64_t as_of;
    enum fmt fmt;
    char **dn; /* SDMX dimension columns */
    size_t ndn;
    struct indmeta im;    /* units for SDMX */
    struct buf line, tmp; /* producer's scratch */
};

static int stream_push(struct dstream *ds)
{
    int rc = 0;
    pthread_mutex_lock(&ds->mu);
    while (!ds->cancel && ds->pending.len - ds->pos > STREAM_HIGH) {
        pthread_cond_wait(&ds->cv, &ds->mu);
    }
    if (ds->cancel) {
        rc = ERR_INTERNAL;
    } else {
        if (ds->pos > 0) {
            memmove(ds->pending.data, ds->pending.data + ds->pos,
                    ds->pending.len - ds->pos);
            ds->pending.len -= ds->pos;
            ds->pos = 0;
        }
        buf_append(&ds->pending, ds->line.data, ds->line.len);
        pthread_cond_broadcast(&ds->cv);
    }
    pthread_mutex_unlock(&ds->mu);
    buf_reset(&ds->line);
    return rc;
}

static int stream_row(void *ctx, const struct obs *o, struct err *err)
{
    struct dstream *ds = ctx;
    if (ds->fmt == FMT_CSV) {
        csv_line(&ds->line, o, ds->dn, ds->ndn, &ds->tmp);
    } else {
        const struct indicator *ind = indmeta_get(&ds->im, o->indicator);
        sdmx_line(&ds->line, o, ds->dn, ds->ndn, ind ? ind->unit : "",
                  &ds->tmp);
    }
    if (ds->line.len >= STREAM_CHUNK && stream_push(ds) != 0) {
        return err_set(err, ERR_INTERNAL, "client went away");
    }
    return 0;
}

static void *stream_main(void *arg)
{
    struct dstream *ds = arg;
    struct err err;
    struct store_obs_query q;
    struct store *st = store_open(ds->db_path, STORE_OPEN_READONLY, &err);
    bool ok = st != NULL;

    if (ok) {
        memset(&q, 0, sizeof(q));
        q.indicators = (const char *const *)ds->inds;
        q.indicator_count = ds->ni;
        q.economies = ds->ne ? (const char *const *)ds->ecos : NULL;
        q.economy_count = ds->ne;
        q.group = ds->group;
        q.year_from = ds->from;
        q.year_to = ds->to;
        q.dims = ds->nd ? ds->dims : NULL;
        q.dim_count = ds->nd;
        q.as_of = ds->as_of;
        ok = store_obs_query(st, &q, stream_row, ds, &err) == 0;
        if (ok && ds->line.len > 0) {
            ok = stream_push(ds) == 0;
        }
    }
    if (!ok && err.code != ERR_INTERNAL) {
        fprintf(stderr, "ictdev serve: stream: %s\n", err.msg);
    }
    store_close(st);
    pthread_mutex_lock(&ds->mu);
    ds->done = true;
    ds->failed = !ok;
    pthread_cond_broadcast(&ds->cv);
    pthread_mutex_unlock(&ds->mu);
    return NULL;
}

static ssize_t stream_read(void *cls, char *out, size_t max)
{
    struct dstream *ds = cls;
    ssize_t n = 0;
    pthread_mutex_lock(&ds->mu);
    while (ds->pending.len == ds->pos && !ds->done) {
        pthread_cond_wait(&ds->cv, &ds->mu);
    }
    if (ds->pending.len > ds->pos) {
        size_t k = ds->pending.len - ds->pos;
        if (k > max) {
            k = max;
        }
        memcpy(out, ds->pending.data + ds->pos, k);
        ds->pos += k;
        n = (ssize_t)k;
        pthread_cond_broadcast(&ds->cv);
    } else {
        n = ds->failed ? -1 : 0;
    }
    pthread_mutex_unlock(&ds->mu);
    return n;
}

static void stream_free(void *cls)
{
    struct dstream *ds = cls;
    pthread_mutex_lock(&ds->mu);
    ds->cancel = true;
    pthread_cond_broadcast(&ds->cv);
    pthread_mutex_unlock(&ds->mu);
    pthread_join(ds->th, NULL);
    pthread_mutex_destroy(&ds->mu);
    pthread_cond_destroy(&ds->cv);
    buf_cleanup(&ds->pending);
    buf_cleanup(&ds->line);
    buf_cleanup(&ds->tmp);
    free_strv(ds->inds, ds->ni);
    free_strv(ds->ecos, ds->ne);
    free_strv(ds->dimstr, 2 * ds->nd);
    free_strv(ds->dn, ds->ndn);
    xfree(ds->dims);
    xfree(ds->group);
    xfree(ds->db_path);
    indmeta_cleanup(&ds->im);
    xfree(ds);
}

/* Start streaming d's answer; takes im. Fills c->resp. */
static void stream_start(struct ctx *c, const struct dreq *d,
                         struct indmeta *im)
{
    struct dstream *ds = xcalloc(1, sizeof(*ds));
    ds->db_path = xstrdup(c->app->db_path);
    ds->inds = xcalloc(d->ni + 1, sizeof(char *));
    for (size_t i = 0; i < d->ni; i++) {
        ds->inds[ds->ni++] = xstrdup(d->inds[i]);
    }
    ds->ecos = xcalloc(d->ne + 1, sizeof(char *));
    for (size_t i = 0; i < d->ne; i++) {
        ds->ecos[ds->ne++] = xstrdup(d->ecos[i]);
    }
    ds->group = d->group ? xstrdup(d->group) : NULL;
    ds->dims = xcalloc(d->nd + 1, sizeof(*ds->dims));
    ds->dimstr = xcalloc(2 * d->nd + 1, sizeof(char *));
    for (size_t i = 0; i < d->nd; i++) {
        ds->dimstr[2 * i] = xstrndup(d->dims[i].dim, d->dims[i].dim_len);
        ds->dimstr[2 * i + 1] =
            xstrndup(d->dims[i].value, d->dims[i].value_len);
        ds->dims[i].dim = ds->dimstr[2 * i];
        ds->dims[i].dim_len = d->dims[i].dim_len;
        ds->dims[i].value = ds->dimstr[2 * i + 1];
        ds->dims[i].value_len = d->dims[i].value_len;
    }
    ds->nd = d->nd;
    ds->from = d->from;
    ds->to = d->to;
    ds->as_of = d->as_of;
    ds->fmt = d->fmt;
    ds->im = *im;
    memset(im, 0, sizeof(*im));
    strmap_init(&im->m);
    pthread_mutex_init(&ds->mu, NULL);
    pthread_cond_init(&ds->cv, NULL);
    ds->dn = dim_names(&ds->im, NULL, &ds->ndn);
    if (ds->fmt == FMT_CSV) {
        csv_header(&ds->pending, ds->dn, ds->ndn);
        csv_type(c);
    } else {
        sdmx_header(&ds->pending, ds->dn, ds->ndn);
        sdmx_type(c);
    }
    if (pthread_create(&ds->th, NULL, stream_main, ds) != 0) {
        ds->done = true;
        ds->failed = true;
        /* no thread to join: make stream_free's join a no-op */
        ds->th = pthread_self();
        buf_cleanup(&ds->pending);
        http_problem(c->resp, 503, c->req->path, "cannot start a stream");
        c->resp->stream.read = NULL;
        ds->cancel = true;
        pthread_mutex_destroy(&ds->mu);
        pthread_cond_destroy(&ds->cv);
        free_strv(ds->inds, ds->ni);
        free_strv(ds->ecos, ds->ne);
        free_strv(ds->dimstr, 2 * ds->nd);
        free_strv(ds->dn, ds->ndn);
        xfree(ds->dims);
        xfree(ds->group);
        xfree(ds->db_path);
        indmeta_cleanup(&ds->im);
        xfree(ds);
        return;
    }
    c->resp->stream.read = stream_read;
    c->resp->stream.free = stream_free;
    c->resp->stream.cls = ds;
    c->resp->no_cache = true;
}

/* Run the query in d and answer in d->fmt. */
static void run(struct ctx *c, struct store *st, struct dreq *d)
{
    struct store_obs_query q;
    struct rows rs;
    struct err err;
    struct indmeta im;
    struct names nm;

    memset(&q, 0, sizeof(q));
    memset(&rs, 0, sizeof(rs));
    memset(&im, 0, sizeof(im));
    strmap_init(&im.m);
    rs.limit = MAX_ROWS;
    q.indicators = d->inds;
    q.indicator_count = d->ni;
    q.economies = d->ne ? d->ecos : NULL;
    q.economy_count = d->ne;
    q.group = d->group;
    q.year_from = d->from;
    q.year_to = d->to;
    q.dims = d->nd ? d->dims : NULL;
    q.dim_count = d->nd;
    q.as_of = d->as_of;
    if (d->group) {
        /* unknown group → 404, not an empty answer */
        if (store_group_get(st, d->group, noop_group, NULL, &err) != 0) {
            ctx_fail(c, &err);
            goto out;
        }
    }
    if ((d->fmt == FMT_CSV || d->fmt == FMT_SDMX) && d->ne == 0 &&
        d->group == NULL) {
        /* unknown indicator codes answer 404 before any byte is sent */
        for (size_t i = 0; i < d->ni; i++) {
            if (store_indicator_get(st, d->inds[i], indmeta_cb, &im, &err) !=
                0) {
                ctx_fail(c, &err);
                goto out;
            }
        }
        stream_start(c, d, &im);
        goto out;
    }
    if (store_obs_query(st, &q, rows_collect, &rs, &err) != 0) {
        ctx_fail(c, &err);
        goto out;
    }
    switch (d->fmt) {
    case FMT_JSON:
        write_json(c, d, &rs);
        break;
    case FMT_CSV:
    case FMT_SDMX:
    case FMT_JSONSTAT:
        for (size_t i = 0; i < d->ni; i++) {
            if (store_indicator_get(st, d->inds[i], indmeta_cb, &im, &err) !=
                0) {
                ctx_fail(c, &err);
                goto out;
            }
        }
        if (d->fmt == FMT_SDMX) {
            write_sdmx(c, &rs, &im);
            break;
        }
        if (d->fmt == FMT_CSV) {
            write_csv(c, &rs, &im);
            break;
        }
        if (names_load(st, &nm, &err) != 0) {
            ctx_fail(c, &err);
            goto out;
        }
        write_jsonstat(c, &rs, &im, &nm);
        names_cleanup(&nm);
        break;
    }
out:
    indmeta_cleanup(&im);
    rows_cleanup(&rs);
}

void api_data(struct ctx *c)
{
    struct dreq d;
    struct store *st;
    const char *ind = query_get(&c->req->query, "indicator");
    const char *eco = query_get(&c->req->query, "economy");

    memset(&d, 0, sizeof(d));
    if (ind == NULL) {
        ctx_bad_param(c, "indicator", "required (one or more codes)");
        return;
    }
    if (!split_codes(c, "indicator", ind, &d.lists[0], d.inds, &d.ni) ||
        (eco && !split_codes(c, "economy", eco, &d.lists[1], d.ecos, &d.ne)) ||
        !parse_format(c, &d, FMT_JSON) ||
        (st = ctx_store_or_respond(c)) == NULL || !parse_rest(c, st, &d)) {
        dreq_cleanup(&d);
        return;
    }
    run(c, st, &d);
    dreq_cleanup(&d);
}

void api_data_short(struct ctx *c)
{
    struct dreq d;
    struct store *st;
    memset(&d, 0, sizeof(d));
    if (query_get(&c->req->query, "indicator") ||
        query_get(&c->req->query, "economy") ||
        query_get(&c->req->query, "group")) {
        http_problem(c->resp, 400, c->req->path,
                     "indicator and economy are in the path here");
        return;
    }
    if (!split_codes(c, "indicator", c->params[0], &d.lists[0], d.inds,
                     &d.ni) ||
        !split_codes(c, "economy", c->params[1], &d.lists[1], d.ecos, &d.ne) ||
        !parse_format(c, &d, FMT_JSON) ||
        (st = ctx_store_or_respond(c)) == NULL || !parse_rest(c, st, &d)) {
        dreq_cleanup(&d);
        return;
    }
    run(c, st, &d);
    dreq_cleanup(&d);
}

/* SDMX REST: /sdmx/data/{flow}[/{key}] with key INDICATOR.ECONOMY, each
 * part '+'-separated alternatives or empty for all. */
void api_sdmx(struct ctx *c)
{
    static const char *const allowed[] = {"startPeriod", "endPeriod", "format",
                                          "dimensionAtObservation", NULL};
    struct dreq d;
    struct store *st;
    const char *flow = c->params[0];
    const char *key = c->params[1] ? c->params[1] : "all";
    const char *sp = query_get(&c->req->query, "startPeriod");
    const char *ep = query_get(&c->req->query, "endPeriod");
    const char *dot;
    struct err err;

    memset(&d, 0, sizeof(d));
    if (!ctx_known_params_or_respond(c, allowed)) {
        return;
    }
    if (strcmp(flow, "ICT") != 0 && strcmp(flow, "ITU,ICT,1.0") != 0 &&
        strcmp(flow, "ITU,ICT") != 0 && strcmp(flow, "all") != 0) {
        http_problem(c->resp, 404, c->req->path,
                     "unknown dataflow: the only one is ITU,ICT,1.0");
        return;
    }
    if (!parse_format(c, &d, FMT_SDMX)) {
        return;
    }
    if (query_get(&c->req->query, "format") == NULL && d.fmt == FMT_JSON) {
        d.fmt = FMT_SDMX;
    }
    if (strcmp(key, "all") != 0) {
        char *k = xstrdup(key);
        dot = strchr(k, '.');
        if (dot) {
            k[dot - k] = '\0';
        }
        for (char *p = k; *p; p++) {
            if (*p == '+') {
                *p = ',';
            }
        }
        if (dot) {
            for (char *p = k + (dot - k) + 1; *p; p++) {
                if (*p == '+') {
                    *p = ',';
                }
            }
        }
        if (k[0] && !split_codes(c, "key", k, &d.lists[0], d.inds, &d.ni)) {
            xfree(k);
            dreq_cleanup(&d);
            return;
        }
        if (dot && k[dot - k + 1] &&
            !split_codes(c, "key", k + (dot - k) + 1, &d.lists[1], d.ecos,
                         &d.ne)) {
            xfree(k);
            dreq_cleanup(&d);
            return;
        }
        xfree(k);
    }
    if (d.ni == 0) {
        http_problem(c->resp, 400, c->req->path,
                     "key: give at least one indicator (INDICATOR.ECONOMY)");
        dreq_cleanup(&d);
        return;
    }
    if (sp && parse_year_range(sp, &d.from, &(int){0}, &err) != 0) {
        ctx_bad_param(c, "startPeriod", "want a year");
        dreq_cleanup(&d);
        return;
    }
    if (ep && parse_year_range(ep, &(int){0}, &d.to, &err) != 0) {
        ctx_bad_param(c, "endPeriod", "want a year");
        dreq_cleanup(&d);
        return;
    }
    if ((st = ctx_store_or_respond(c)) == NULL) {
        dreq_cleanup(&d);
        return;
    }
    d.limit = JSON_LIMIT_MAX;
    run(c, st, &d);
    dreq_cleanup(&d);
}
