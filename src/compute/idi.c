/* IDI parameters and scoring. Parameters come from a CSV so that a later
 * confirmation of ITU's official numbers changes data, not code. */
#include "idi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"
#include "../core/strparse.h"
#include "../io/csv.h"

enum col {
    COL_KIND,
    COL_CODE,
    COL_PILLAR,
    COL_COMPONENT,
    COL_TRANSFORM,
    COL_WORST,
    COL_BEST,
    COL_WEIGHT,
    COL_PROXY,
    COL_VALUE,
    COL_VERIFIED,
    NCOLS
};

static const char *const col_names[NCOLS] = {
    "kind", "code",   "pillar", "component", "transform", "worst",
    "best", "weight", "proxy",  "value",     "verified",
};

struct row {
    const struct csv_field *f[NCOLS];
    const char *name;
    unsigned long long line;
};

static int map_header(const struct csv_record *rec, int *idx, const char *name,
                      struct err *err)
{
    for (int c = 0; c < NCOLS; c++) {
        idx[c] = -1;
        for (size_t i = 0; i < rec->count; i++) {
            if (csv_field_eq(&rec->fields[i], col_names[c])) {
                idx[c] = (int)i;
            }
        }
        if (idx[c] < 0) {
            return err_set(err, ERR_PARSE, "%s:1: missing column '%s'", name,
                           col_names[c]);
        }
    }
    return 0;
}

static bool field_is(const struct row *r, int c, const char *s)
{
    return csv_field_eq(r->f[c], s);
}

static int copy_code(const struct row *r, int c, char *out, bool required,
                     struct err *err)
{
    const struct csv_field *f = r->f[c];

    if (f->len == 0 && !required) {
        out[0] = '\0';
        return 0;
    }
    if (!code_valid(f->ptr, f->len)) {
        return err_set(err, ERR_INVALID, "%s:%llu: %s '%.*s' is not a code",
                       r->name, r->line, col_names[c],
                       (int)(f->len > 64 ? 64 : f->len), f->ptr);
    }
    memcpy(out, f->ptr, f->len);
    out[f->len] = '\0';
    return 0;
}

static int num(const struct row *r, int c, double *out, struct err *err)
{
    if (parse_double(r->f[c]->ptr, r->f[c]->len, out, err) != 0) {
        return err_prefix(err, "%s:%llu: %s", r->name, r->line, col_names[c]);
    }
    return 0;
}

static int parse_pillar(const struct row *r, int *out, struct err *err)
{
    if (field_is(r, COL_PILLAR, "U")) {
        *out = IDI_PILLAR_U;
    } else if (field_is(r, COL_PILLAR, "M")) {
        *out = IDI_PILLAR_M;
    } else {
        return err_set(err, ERR_INVALID, "%s:%llu: pillar must be U or M",
                       r->name, r->line);
    }
    return 0;
}

static int check_goalposts(const struct row *r, const struct idi_indicator *d,
                           struct err *err)
{
    if (d->worst == d->best) {
        return err_set(err, ERR_INVALID, "%s:%llu: worst equals best", r->name,
                       r->line);
    }
    if (d->transform == IDI_LOG && (d->worst <= 0 || d->best <= 0)) {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: log transform needs goalposts > 0", r->name,
                       r->line);
    }
    if (!(d->weight > 0)) {
        return err_set(err, ERR_INVALID, "%s:%llu: weight must be > 0", r->name,
                       r->line);
    }
    return 0;
}

static int parse_indicator(struct idi_params *p, const struct row *r,
                           struct err *err)
{
    struct idi_indicator d;

    memset(&d, 0, sizeof(d));
    if (p->count >= IDI_MAX_INDICATORS) {
        return err_set(err, ERR_LIMIT, "%s:%llu: more than %d indicators",
                       r->name, r->line, IDI_MAX_INDICATORS);
    }
    if (copy_code(r, COL_CODE, d.code, true, err) ||
        copy_code(r, COL_PROXY, d.proxy, false, err) ||
        copy_code(r, COL_COMPONENT, d.component, true, err) ||
        parse_pillar(r, &d.pillar, err) || num(r, COL_WORST, &d.worst, err) ||
        num(r, COL_BEST, &d.best, err) || num(r, COL_WEIGHT, &d.weight, err)) {
        return err->code;
    }
    if (field_is(r, COL_TRANSFORM, "linear")) {
        d.transform = IDI_LINEAR;
    } else if (field_is(r, COL_TRANSFORM, "log")) {
        d.transform = IDI_LOG;
    } else {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: transform must be linear or log", r->name,
                       r->line);
    }
    if (check_goalposts(r, &d, err) != 0) {
        return err->code;
    }
    if (idi_params_find(p, d.code) >= 0) {
        return err_set(err, ERR_INVALID, "%s:%llu: indicator %s twice", r->name,
                       r->line, d.code);
    }
    d.verified = field_is(r, COL_VERIFIED, "1");
    p->ind[p->count++] = d;
    return 0;
}

static int parse_rule(struct idi_params *p, const struct row *r,
                      struct err *err)
{
    double v;

    if (field_is(r, COL_CODE, "group_mean")) {
        if (field_is(r, COL_VALUE, "simple")) {
            p->group_mean = IDI_GROUP_SIMPLE;
        } else if (field_is(r, COL_VALUE, "pop")) {
            p->group_mean = IDI_GROUP_POP;
        } else {
            return err_set(err, ERR_INVALID,
                           "%s:%llu: group_mean must be simple or pop", r->name,
                           r->line);
        }
        return 0;
    }
    if (num(r, COL_VALUE, &v, err) != 0) {
        return err->code;
    }
    if (field_is(r, COL_CODE, "max_age") && v >= 0 && v <= 50) {
        p->max_age = (int)v;
    } else if (field_is(r, COL_CODE, "min_pillar_share") && v >= 0 && v <= 1) {
        p->min_pillar_share = v;
    } else {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: unknown rule or value out of range", r->name,
                       r->line);
    }
    return 0;
}

static int parse_row(struct idi_params *p, const struct row *r, bool *seen,
                     struct err *err)
{
    int pillar;
    double w;

    if (!field_is(r, COL_VERIFIED, "1") && !field_is(r, COL_VERIFIED, "0")) {
        return err_set(err, ERR_INVALID, "%s:%llu: verified must be 0 or 1",
                       r->name, r->line);
    }
    if (field_is(r, COL_VERIFIED, "0")) {
        p->n_unverified++;
    }
    if (field_is(r, COL_KIND, "indicator")) {
        return parse_indicator(p, r, err);
    }
    if (field_is(r, COL_KIND, "rule")) {
        return parse_rule(p, r, err);
    }
    if (!field_is(r, COL_KIND, "pillar")) {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: kind must be pillar, indicator or rule",
                       r->name, r->line);
    }
    if (parse_pillar(r, &pillar, err) || num(r, COL_WEIGHT, &w, err)) {
        return err->code;
    }
    if (!(w > 0)) {
        return err_set(err, ERR_INVALID, "%s:%llu: weight must be > 0", r->name,
                       r->line);
    }
    p->pillar_weight[pillar] = w;
    seen[pillar] = true;
    return 0;
}

static int check_complete(const struct idi_params *p, const bool *seen,
                          const char *name, struct err *err)
{
    for (int k = 0; k < IDI_NPILLARS; k++) {
        bool any = false;
        for (size_t i = 0; i < p->count; i++) {
            any = any || p->ind[i].pillar == k;
        }
        if (!seen[k] || !any) {
            return err_set(err, ERR_INVALID,
                           "%s: pillar %s needs a pillar row and indicators",
                           name, idi_pillar_name(k));
        }
    }
    return 0;
}

static int read_params(struct idi_params *out, struct csv_reader *rd,
                       struct err *err)
{
    struct csv_record rec;
    int idx[NCOLS];
    bool seen[IDI_NPILLARS] = {false, false};
    struct row r;

    memset(out, 0, sizeof(*out));
    out->min_pillar_share = 0.5;
    out->max_age = 2;
    r.name = csv_name(rd);
    if (csv_next(rd, &rec, err) != 0) {
        return err->code;
    }
    if (rec.count == 0 || map_header(&rec, idx, r.name, err) != 0) {
        return rec.count == 0 ? err_set(err, ERR_PARSE, "%s: empty", r.name)
                              : err->code;
    }
    while (csv_next(rd, &rec, err) == 0 && rec.count > 0) {
        r.line = (unsigned long long)rec.line;
        for (int c = 0; c < NCOLS; c++) {
            if ((size_t)idx[c] >= rec.count) {
                return err_set(err, ERR_PARSE, "%s:%llu: too few fields",
                               r.name, r.line);
            }
            r.f[c] = &rec.fields[idx[c]];
        }
        if (parse_row(out, &r, seen, err) != 0) {
            return err->code;
        }
    }
    if (err->code != 0) {
        return err->code;
    }
    return check_complete(out, seen, r.name, err);
}

int idi_params_parse(struct idi_params *out, const char *text, size_t len,
                     const char *name, struct err *err)
{
    struct csv_reader *rd = csv_open_mem(text, len, name);
    int rc;

    err_clear(err);
    rc = read_params(out, rd, err);
    csv_close(rd);
    return rc;
}

int idi_params_load(struct idi_params *out, const char *path, struct err *err)
{
    struct csv_reader *rd;
    int rc;

    err_clear(err);
    rd = csv_open_path(path, err);
    if (rd == NULL) {
        return err->code;
    }
    rc = read_params(out, rd, err);
    csv_close(rd);
    return rc;
}

int idi_params_find(const struct idi_params *p, const char *code)
{
    for (size_t i = 0; i < p->count; i++) {
        if (strcmp(p->ind[i].code, code) == 0) {
            return (int)i;
        }
    }
    return -1;
}

double idi_normalise(const struct idi_indicator *ind, double raw)
{
    double lo = ind->worst < ind->best ? ind->worst : ind->best;
    double hi = ind->worst < ind->best ? ind->best : ind->worst;
    double x;
    double s;

    if (isnan(raw)) {
        return NAN;
    }
    x = raw < lo ? lo : (raw > hi ? hi : raw);
    if (ind->transform == IDI_LOG) {
        s = (log(x) - log(ind->worst)) / (log(ind->best) - log(ind->worst));
    } else {
        s = (x - ind->worst) / (ind->best - ind->worst);
    }
    s *= 100.0;
    return s < 0 ? 0 : (s > 100 ? 100 : s);
}

/* Weight of every indicator of pillar k sharing the component of ind i;
 * avail_only restricts to indicators with a score. */
static double component_weight(const struct idi_params *p,
                               const struct idi_score *s, size_t i,
                               bool avail_only)
{
    double w = 0;

    for (size_t j = 0; j < p->count; j++) {
        if (p->ind[j].pillar == p->ind[i].pillar &&
            strcmp(p->ind[j].component, p->ind[i].component) == 0 &&
            (!avail_only || !isnan(s->norm[j]))) {
            w += p->ind[j].weight;
        }
    }
    return w;
}

/* Each available indicator's share of its pillar score: within its
 * component by weight among the component's available indicators, and the
 * component by its full weight among available components. */
static void pillar_shares(const struct idi_params *p, struct idi_score *s,
                          double *share, double *avail_w, double *total_w)
{
    for (size_t i = 0; i < p->count; i++) {
        double cw = component_weight(p, s, i, false);
        double cw_avail = component_weight(p, s, i, true);
        int k = p->ind[i].pillar;

        total_w[k] += p->ind[i].weight;
        share[i] = NAN;
        if (!isnan(s->norm[i])) {
            /* The component's weight counts once: spread it over its
             * available indicators in proportion to their weights. */
            share[i] = cw * p->ind[i].weight / cw_avail;
            avail_w[k] += share[i];
        }
    }
}

void idi_score(const struct idi_params *p, const double *raw,
               struct idi_score *out)
{
    double share[IDI_MAX_INDICATORS];
    double avail_w[IDI_NPILLARS] = {0, 0};
    double total_w[IDI_NPILLARS] = {0, 0};
    double pw = 0;
    bool both = true;

    out->n_available = 0;
    for (size_t i = 0; i < p->count; i++) {
        out->norm[i] = idi_normalise(&p->ind[i], raw[i]);
        out->n_available += !isnan(out->norm[i]);
    }
    pillar_shares(p, out, share, avail_w, total_w);
    for (int k = 0; k < IDI_NPILLARS; k++) {
        out->pillar[k] = NAN;
        if (avail_w[k] > 0 &&
            avail_w[k] >= p->min_pillar_share * total_w[k] - 1e-12) {
            out->pillar[k] = 0;
        }
        both = both && !isnan(out->pillar[k]);
        pw += p->pillar_weight[k];
    }
    out->idi = both ? 0 : NAN;
    for (size_t i = 0; i < p->count; i++) {
        int k = p->ind[i].pillar;
        double c;
        out->contrib[i] = NAN;
        if (isnan(share[i]) || isnan(out->pillar[k])) {
            continue;
        }
        c = out->norm[i] * share[i] / avail_w[k];
        out->pillar[k] += c;
        if (both) {
            out->contrib[i] = c * p->pillar_weight[k] / pw;
            out->idi += out->contrib[i];
        }
    }
}

struct ranked {
    double score;
    size_t index;
};

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a;
    const struct ranked *y = b;
    if (x->score != y->score) {
        return x->score < y->score ? 1 : -1;
    }
    return (x->index > y->index) - (x->index < y->index);
}

void idi_rank(const double *score, size_t count, int *out_rank)
{
    struct ranked *r = xmalloc((count ? count : 1) * sizeof(*r));
    size_t n = 0;

    for (size_t i = 0; i < count; i++) {
        out_rank[i] = 0;
        if (!isnan(score[i])) {
            r[n].score = score[i];
            r[n].index = i;
            n++;
        }
    }
    qsort(r, n, sizeof(*r), cmp_ranked);
    for (size_t i = 0; i < n; i++) {
        bool tie = i > 0 && r[i].score == r[i - 1].score;
        out_rank[r[i].index] = tie ? out_rank[r[i - 1].index] : (int)(i + 1);
    }
    xfree(r);
}

const char *idi_pillar_name(int pillar)
{
    return pillar == IDI_PILLAR_U ? "U" : "M";
}

/* ---- Published tables -----------------------------------------------------
 */

static int pub_number(const struct csv_field *f, double *out, const char *name,
                      unsigned long long line, struct err *err)
{
    *out = NAN;
    if (f->len == 0) {
        return 0;
    }
    if (parse_double(f->ptr, f->len, out, err) != 0 || *out < 0 || *out > 100) {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: '%.*s' is not a score from 0 to 100", name,
                       line, (int)f->len, f->ptr);
    }
    return 0;
}

static int read_published(struct csv_reader *rd, const char *path,
                          struct idi_published **out, size_t *out_count,
                          struct err *err)
{
    static const char *const cols[] = {"iso3", "idi", "universal",
                                       "meaningful"};
    struct csv_record rec;
    int idx[4] = {-1, -1, -1, -1};
    struct idi_published *v = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    *out = NULL;
    *out_count = 0;
    if (csv_next(rd, &rec, err) != 0 || rec.count == 0) {
        rc = err->code ? err->code : err_set(err, ERR_PARSE, "%s: empty", path);
        goto out;
    }
    for (size_t i = 0; i < rec.count; i++) {
        for (int c = 0; c < 4; c++) {
            if (csv_field_eq(&rec.fields[i], cols[c])) {
                idx[c] = (int)i;
            }
        }
    }
    if (idx[0] < 0) {
        for (size_t i = 0; i < rec.count; i++) {
            if (csv_field_eq(&rec.fields[i], "economy")) {
                idx[0] = (int)i;
            }
        }
    }
    if (idx[0] < 0 || idx[1] < 0) {
        rc = err_set(err, ERR_PARSE,
                     "%s:1: the header needs an economy column (iso3 or "
                     "economy) and idi",
                     path);
        goto out;
    }
    while ((rc = csv_next(rd, &rec, err)) == 0 && rec.count > 0) {
        unsigned long long line = (unsigned long long)rec.line;
        struct idi_published p;
        const struct csv_field *code;
        double vals[3];
        for (int c = 0; c < 4; c++) {
            if (idx[c] >= 0 && (size_t)idx[c] >= rec.count) {
                rc = err_set(err, ERR_PARSE, "%s:%llu: too few fields", path,
                             line);
                goto out;
            }
        }
        code = &rec.fields[idx[0]];
        if (!code_valid(code->ptr, code->len) || code->len > MAX_CODE_LEN) {
            rc = err_set(err, ERR_INVALID, "%s:%llu: bad economy code '%.*s'",
                         path, line, (int)code->len, code->ptr);
            goto out;
        }
        for (int c = 1; c < 4; c++) {
            vals[c - 1] = NAN;
            if (idx[c] >= 0 && pub_number(&rec.fields[idx[c]], &vals[c - 1],
                                          path, line, err) != 0) {
                rc = err->code;
                goto out;
            }
        }
        if (isnan(vals[0])) {
            continue;
        }
        memset(&p, 0, sizeof(p));
        memcpy(p.code, code->ptr, code->len);
        p.idi = vals[0];
        p.pillar[IDI_PILLAR_U] = vals[1];
        p.pillar[IDI_PILLAR_M] = vals[2];
        for (size_t k = 0; k < n; k++) {
            if (strcmp(v[k].code, p.code) == 0) {
                rc = err_set(err, ERR_INVALID, "%s:%llu: %s given twice", path,
                             line, p.code);
                goto out;
            }
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = xreallocarray(v, cap, sizeof(*v));
        }
        v[n++] = p;
    }
out:
    if (rc != 0) {
        xfree(v);
        return rc;
    }
    *out = v;
    *out_count = n;
    return 0;
}

int idi_published_parse(const char *text, size_t len, const char *name,
                        struct idi_published **out, size_t *out_count,
                        struct err *err)
{
    struct csv_reader *rd = csv_open_mem(text, len, name);
    int rc;

    err_clear(err);
    rc = read_published(rd, name, out, out_count, err);
    csv_close(rd);
    return rc;
}

int idi_published_load(const char *path, struct idi_published **out,
                       size_t *out_count, struct err *err)
{
    struct csv_reader *rd;
    int rc;

    *out = NULL;
    *out_count = 0;
    err_clear(err);
    rd = csv_open_path(path, err);
    if (rd == NULL) {
        return err->code;
    }
    rc = read_published(rd, path, out, out_count, err);
    csv_close(rd);
    return rc;
}
