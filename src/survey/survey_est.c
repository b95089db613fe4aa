/* Estimation: totals, means and ratios with Taylor-linearised variances,
 * following R survey 4.x (svymean/svytotal/svyratio, svyby, subset,
 * survey:::onestrat for lonely PSUs). Sums are accumulated in long double
 * and variances take two passes (stratum means, then squared deviations),
 * so results agree with R to far better than 1e-9 relative. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"
#include "../core/strparse.h"
#include "../expr/expr.h"
#include "survey.h"

#define MAX_GROUP_SPACE (1u << 24) /* product of the by columns' levels */

/* The sampling design over all rows of the data. */
struct design {
    size_t rows;
    const double *w;       /* borrowed weights */
    const uint32_t *strat; /* borrowed codes, or NULL: one stratum */
    size_t nstrata;
    char *const *strat_labels; /* borrowed, or NULL */
    uint32_t *psu; /* owned nested PSU id per row; NULL: row = PSU */
    size_t npsu;
    uint32_t *psu_strat; /* owned; stratum of each PSU */
    size_t *strat_first; /* owned; nstrata+1 offsets into psu_order */
    uint32_t *psu_order; /* owned; PSUs grouped by stratum */
    size_t *strat_npsu;  /* owned; PSUs in each stratum (full design) */
    bool rows_are_psus;  /* no --psu: psu, psu_strat, psu_order unused */
};

static void design_cleanup(struct design *d)
{
    xfree(d->psu);
    xfree(d->psu_strat);
    xfree(d->strat_first);
    xfree(d->psu_order);
    xfree(d->strat_npsu);
    memset(d, 0, sizeof(*d));
}

static uint32_t row_stratum(const struct design *d, size_t i)
{
    return d->strat ? d->strat[i] : 0;
}

/* Dense ids for (stratum, psu) pairs: PSU labels restart within strata
 * (nest=TRUE). The common case, a PSU label seen in one stratum only, is
 * an array lookup; a label reused across strata goes through a map. */
static void design_nest(struct design *d, const struct survey_col *pc)
{
    uint32_t *first_s = xcalloc(pc->label_count + 1, sizeof(*first_s));
    uint32_t *first_id = xcalloc(pc->label_count + 1, sizeof(*first_id));
    struct strmap extra;
    size_t cap = 1024;

    strmap_init(&extra);
    memset(first_s, 0xff, (pc->label_count + 1) * sizeof(*first_s));
    d->psu = xcalloc(d->rows ? d->rows : 1, sizeof(*d->psu));
    d->psu_strat = xcalloc(cap, sizeof(*d->psu_strat));
    for (size_t i = 0; i < d->rows; i++) {
        uint32_t p = pc->cat[i];
        uint32_t s = row_stratum(d, i);
        size_t id;
        if (first_s[p] == UINT32_MAX) {
            first_s[p] = s;
            id = d->npsu++;
            first_id[p] = (uint32_t)id;
        } else if (first_s[p] == s) {
            id = first_id[p];
        } else {
            char key[32];
            int n = snprintf(key, sizeof(key), "%u,%u", s, p);
            if (!strmap_get(&extra, key, (size_t)n, &id)) {
                id = d->npsu++;
                strmap_put(&extra, key, (size_t)n, id);
            }
        }
        if (id >= cap) {
            cap *= 2;
            d->psu_strat = xreallocarray(d->psu_strat, cap, sizeof(uint32_t));
        }
        d->psu_strat[id] = s;
        d->psu[i] = (uint32_t)id;
    }
    strmap_cleanup(&extra);
    xfree(first_s);
    xfree(first_id);
}

/* PSU counts per stratum and the PSUs listed stratum by stratum. */
static void design_index(struct design *d)
{
    size_t *fill;

    d->strat_npsu = xcalloc(d->nstrata, sizeof(*d->strat_npsu));
    d->strat_first = xcalloc(d->nstrata + 1, sizeof(*d->strat_first));
    d->psu_order = xcalloc(d->npsu ? d->npsu : 1, sizeof(*d->psu_order));
    for (size_t p = 0; p < d->npsu; p++) {
        d->strat_npsu[d->psu_strat[p]]++;
    }
    for (size_t h = 0; h < d->nstrata; h++) {
        d->strat_first[h + 1] = d->strat_first[h] + d->strat_npsu[h];
    }
    fill = xcalloc(d->nstrata, sizeof(*fill));
    for (size_t p = 0; p < d->npsu; p++) {
        uint32_t h = d->psu_strat[p];
        d->psu_order[d->strat_first[h] + fill[h]++] = (uint32_t)p;
    }
    xfree(fill);
}

static int need_col(const struct survey_data *data, const char *name, int kind,
                    const struct survey_col **out, struct err *err)
{
    const struct survey_col *c = survey_data_col(data, name);

    if (c == NULL || !(c->kinds & kind)) {
        return err_set(err, ERR_NOT_FOUND, "%s: column '%s' not loaded",
                       data->path, name);
    }
    *out = c;
    return 0;
}

static int design_build(const struct survey_data *data,
                        const struct survey_spec *spec, struct design *d,
                        struct err *err)
{
    const struct survey_col *c = NULL;
    int rc;

    memset(d, 0, sizeof(*d));
    d->rows = data->rows;
    rc = need_col(data, spec->weight, SURVEY_NUM, &c, err);
    if (rc != 0) {
        return rc;
    }
    d->w = c->num;
    d->nstrata = 1;
    if (spec->strata != NULL) {
        rc = need_col(data, spec->strata, SURVEY_CAT, &c, err);
        if (rc != 0) {
            return rc;
        }
        d->strat = c->cat;
        d->nstrata = c->label_count ? c->label_count : 1;
        d->strat_labels = c->labels;
    }
    if (spec->psu != NULL) {
        rc = need_col(data, spec->psu, SURVEY_CAT, &c, err);
        if (rc != 0) {
            return rc;
        }
        design_nest(d, c);
    } else {
        /* Each row its own PSU: only the PSU count per stratum is kept;
         * the variance works on rows directly (group_var_rows). */
        d->npsu = d->rows;
        d->rows_are_psus = true;
        d->strat_npsu = xcalloc(d->nstrata, sizeof(*d->strat_npsu));
        for (size_t i = 0; i < d->rows; i++) {
            d->strat_npsu[row_stratum(d, i)]++;
        }
        return 0;
    }
    design_index(d);
    return 0;
}

/* ---- groups: the domain and the --by combinations ---- */

/* Text in a --where expression: every distinct text (in a column that is
 * not all numbers, or as a "literal") gets a number of its own, far below
 * any real value, so == and != compare texts exactly. */
#define TEXT_BASE (-1e300)
#define TEXT_STEP 1e290 /* distinct for 10^10 texts, still finite */

struct where_ctx {
    const struct survey_data *data;
    const double **cols;               /* slot -> values read */
    const struct survey_col **sources; /* slot -> column */
    double **owned;                    /* slot -> values made here */
    size_t count;
    struct strmap *texts; /* text -> index */
};

static double text_value(struct strmap *texts, const char *s)
{
    size_t k;

    if (!strmap_get(texts, s, strlen(s), &k)) {
        k = texts->count;
        strmap_put(texts, s, strlen(s), k);
    }
    return TEXT_BASE - (double)k * TEXT_STEP;
}

/* The values of column c for an expression: its numbers, with each text
 * cell replaced by its text number. Returns an owned array, or NULL when
 * the column holds numbers only (use c->num as is). */
static double *where_values(struct where_ctx *w, const struct survey_col *c)
{
    double *v = NULL;

    if (!(c->kinds & SURVEY_TEXT) || c->cat == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < w->data->rows; i++) {
        if (!isnan(c->num[i]) || c->cat[i] == SURVEY_MISSING_CODE) {
            continue;
        }
        if (v == NULL) {
            v = xmalloc(w->data->rows * sizeof(*v) + 1);
            memcpy(v, c->num, w->data->rows * sizeof(*v));
        }
        v[i] = text_value(w->texts, c->labels[c->cat[i]]);
    }
    return v;
}

static int where_resolve(void *ctx, const struct expr_ref *ref,
                         size_t *out_slot, struct err *err)
{
    struct where_ctx *w = ctx;
    const struct survey_col *c = survey_data_col(w->data, ref->name);

    if (ref->dim_count > 0 || ref->offset != 0) {
        return err_set(err, ERR_INVALID,
                       "'%s': selectors and @offsets are not allowed here",
                       ref->name);
    }
    if (c == NULL || !(c->kinds & SURVEY_NUM)) {
        return err_set(err, ERR_NOT_FOUND, "no column '%s'", ref->name);
    }
    for (size_t i = 0; i < w->count; i++) {
        if (w->sources[i] == c) {
            *out_slot = i;
            return 0;
        }
    }
    w->sources[w->count] = c;
    w->owned[w->count] = where_values(w, c);
    w->cols[w->count] = w->owned[w->count] ? w->owned[w->count] : c->num;
    *out_slot = w->count++;
    return 0;
}

/* A "literal": a number if it reads as one (so sex == "1" works on a
 * numeric column), else its text number. */
static int where_string(void *ctx, const char *s, double *out, struct err *err)
{
    struct where_ctx *w = ctx;

    (void)err;
    if (!parse_double_fast(s, strlen(s), out)) {
        *out = text_value(w->texts, s);
    }
    return 0;
}

/* Ranks of one by column's labels: numeric order when every label is a
 * number (equal numbers share a rank), else byte order. */
struct by_col {
    const struct survey_col *col;
    uint32_t *rank;          /* owned; label code -> rank */
    uint32_t levels;         /* distinct ranks */
    uint32_t *label_of_rank; /* owned; a label code for each rank */
    bool numeric;            /* every label is a number */
};

struct sort_item {
    double num;
    const char *text;
    uint32_t code;
};

static int cmp_num(const void *a, const void *b)
{
    const struct sort_item *x = a;
    const struct sort_item *y = b;
    return (x->num > y->num) - (x->num < y->num);
}

static int cmp_text(const void *a, const void *b)
{
    const struct sort_item *x = a;
    const struct sort_item *y = b;
    return strcmp(x->text, y->text);
}

static void by_rank(struct by_col *b)
{
    size_t n = b->col->label_count;
    struct sort_item *items = xcalloc(n ? n : 1, sizeof(*items));
    bool numeric = true;

    for (size_t i = 0; i < n; i++) {
        const char *t = b->col->labels[i];
        items[i].text = t;
        items[i].code = (uint32_t)i;
        if (!parse_double_fast(t, strlen(t), &items[i].num)) {
            numeric = false;
        }
    }
    qsort(items, n, sizeof(*items), numeric ? cmp_num : cmp_text);
    b->numeric = numeric;
    b->rank = xcalloc(n ? n : 1, sizeof(*b->rank));
    b->label_of_rank = xcalloc(n ? n : 1, sizeof(*b->label_of_rank));
    b->levels = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || !numeric || items[i].num != items[i - 1].num) {
            b->label_of_rank[b->levels++] = items[i].code;
        }
        b->rank[items[i].code] = b->levels - 1;
    }
    xfree(items);
}

/* Everything one estimation run needs. */
struct run {
    const struct survey_data *data;
    const struct survey_spec *spec;
    struct design d;
    const double **y; /* analysis columns: var_count */
    size_t nv;        /* var_count */
    struct by_col *by;
    uint32_t *gid; /* owned; group per row, UINT32_MAX = not used */
    size_t ngroups;
    uint32_t *group_key; /* owned; mixed-radix key of each dense group */
    uint32_t *order;     /* owned; used rows, grouped by gid */
    size_t *gstart;      /* owned; ngroups+1 offsets into order */
    struct expr *where;
    struct expr_prog *prog;
    const double **where_cols;
    const struct survey_col **where_src; /* owned array */
    double **where_owned;                /* owned arrays, NULL entries */
    size_t where_count;
    struct strmap texts; /* see text_value */
};

static int run_where(struct run *r, struct err *err)
{
    struct where_ctx w = {r->data, NULL, NULL, NULL, 0, &r->texts};
    struct expr_resolver res = {where_resolve, where_string, &w, 0};
    const struct expr_ref *refs;
    size_t n;

    r->where = expr_parse(r->spec->where, strlen(r->spec->where), err);
    if (r->where == NULL) {
        return err_prefix(err, "--where");
    }
    refs = expr_refs(r->where, &n);
    (void)refs;
    r->where_cols = xcalloc(n + 1, sizeof(*r->where_cols));
    r->where_src = xcalloc(n + 1, sizeof(*r->where_src));
    r->where_owned = xcalloc(n + 1, sizeof(*r->where_owned));
    w.cols = r->where_cols;
    w.sources = r->where_src;
    w.owned = r->where_owned;
    res.slot_count = n + 1;
    r->prog = expr_compile(r->where, &res, err);
    r->where_count = w.count;
    if (r->prog == NULL) {
        return err_prefix(err, "--where");
    }
    return 0;
}

/* True if row i is in the domain: the where expression is true and every
 * analysis variable present. */
static bool row_in_domain(struct run *r, size_t i, double *slots)
{
    for (size_t v = 0; v < r->nv; v++) {
        if (isnan(r->y[v][i])) {
            return false;
        }
    }
    if (r->prog == NULL) {
        return true;
    }
    for (size_t k = 0; k < r->where_count; k++) {
        slots[k] = r->where_cols[k][i];
    }
    return expr_truth(expr_eval(r->prog, slots)) == 1;
}

/* List the used rows group by group (a counting sort), so each group's
 * variance pass reads only its own rows. */
static void group_order(struct run *r)
{
    size_t *fill = xcalloc(r->ngroups + 1, sizeof(*fill));

    r->gstart = xcalloc(r->ngroups + 1, sizeof(*r->gstart));
    for (size_t i = 0; i < r->d.rows; i++) {
        if (r->gid[i] != UINT32_MAX) {
            r->gstart[r->gid[i] + 1]++;
        }
    }
    for (size_t g = 0; g < r->ngroups; g++) {
        r->gstart[g + 1] += r->gstart[g];
    }
    r->order = xcalloc(r->gstart[r->ngroups] + 1, sizeof(*r->order));
    for (size_t i = 0; i < r->d.rows; i++) {
        uint32_t g = r->gid[i];
        if (g != UINT32_MAX) {
            r->order[r->gstart[g] + fill[g]++] = (uint32_t)i;
        }
    }
    xfree(fill);
}

static int run_groups(struct run *r, struct err *err)
{
    size_t space = 1;
    uint8_t *used;
    uint32_t *dense;
    double *slots = xcalloc(r->where_count + 1, sizeof(*slots));

    for (size_t k = 0; k < r->spec->by_count; k++) {
        space *= r->by[k].levels ? r->by[k].levels : 1;
        if (space > MAX_GROUP_SPACE) {
            xfree(slots);
            return err_set(err, ERR_LIMIT, "--by: more than %u combinations",
                           MAX_GROUP_SPACE);
        }
    }
    used = xcalloc(space, 1);
    r->gid = xcalloc(r->d.rows ? r->d.rows : 1, sizeof(*r->gid));
    for (size_t i = 0; i < r->d.rows; i++) {
        uint32_t g = 0;
        bool ok = row_in_domain(r, i, slots);
        for (size_t k = 0; ok && k < r->spec->by_count; k++) {
            uint32_t code = r->by[k].col->cat[i];
            ok = code != SURVEY_MISSING_CODE;
            g = ok ? g * r->by[k].levels + r->by[k].rank[code] : 0;
        }
        r->gid[i] = ok ? g : UINT32_MAX;
        if (ok) {
            used[g] = 1;
        }
    }
    dense = xcalloc(space, sizeof(*dense));
    r->group_key = xcalloc(space, sizeof(*r->group_key));
    for (size_t g = 0; g < space; g++) {
        if (used[g]) {
            r->group_key[r->ngroups] = (uint32_t)g;
            dense[g] = (uint32_t)r->ngroups++;
        }
    }
    for (size_t i = 0; i < r->d.rows; i++) {
        if (r->gid[i] != UINT32_MAX) {
            r->gid[i] = dense[r->gid[i]];
        }
    }
    xfree(used);
    xfree(dense);
    xfree(slots);
    group_order(r);
    if (r->ngroups == 0) {
        return err_set(err, ERR_INVALID, "%s: empty domain: no row has %s%s",
                       r->data->path, r->spec->where ? "--where true and " : "",
                       "all analysis variables present");
    }
    return 0;
}

/* ---- estimates and variances ---- */

/* Sums for one group. */
struct gsum {
    long double w;    /* sum of weights */
    long double t[2]; /* per variable (ratio: num, den) */
    uint64_t n;
};

/* The linearised value of row i for output variable v in a group. */
static double lin(const struct run *r, size_t i, size_t v, const double *est,
                  const struct gsum *s)
{
    double w = r->d.w[i];

    switch (r->spec->stat) {
    case SURVEY_STAT_TOTAL:
        return w * r->y[v][i];
    case SURVEY_STAT_MEAN:
        return w * (r->y[v][i] - est[v]) / (double)s->w;
    default:
        return w * (r->y[0][i] - est[0] * r->y[1][i]) / (double)s->t[1];
    }
}

/* A stratum with one PSU in the full design (PSU total z), present in the
 * domain: R's onestrat with nPSU == 1. */
static int lonely_var(const struct run *r, size_t h, long double z,
                      long double *out, struct err *err)
{
    int lonely = r->spec->lonely;

    if (lonely == SURVEY_LONELY_FAIL) {
        return err_set(err, ERR_INVALID,
                       "%s: stratum '%s' has only one PSU; use "
                       "--lonely-psu remove|adjust|certainty",
                       r->data->path,
                       r->d.strat_labels ? r->d.strat_labels[h] : "1");
    }
    /* remove and certainty: no contribution; adjust: deviation from the
     * grand mean, which is zero for the linearised values. */
    *out = lonely == SURVEY_LONELY_ADJUST ? z * z : 0;
    return 0;
}

/* R skips centring a stratum at its mean when only one of its PSUs has
 * domain rows, lonely.psu is adjust and survey.adjust.domain.lonely is
 * set. */
static bool no_centering(const struct run *r, size_t present)
{
    return r->spec->lonely == SURVEY_LONELY_ADJUST && present == 1 &&
           r->spec->adjust_domain_lonely;
}

/* Variance of one stratum from its PSU totals z (count = PSUs in the full
 * design, present = PSUs with rows in the domain), as R's onestrat. */
static int stratum_var(const struct run *r, size_t h, const long double *z,
                       size_t count, size_t present, long double *out,
                       struct err *err)
{
    long double mean = 0;
    long double ss = 0;
    bool center;

    if (count == 1) {
        return lonely_var(r, h, z[0], out, err);
    }
    center = !no_centering(r, present);
    if (center) {
        for (size_t k = 0; k < count; k++) {
            mean += z[k];
        }
        mean /= (long double)count;
    }
    for (size_t k = 0; k < count; k++) {
        long double dv = z[k] - mean;
        ss += dv * dv;
    }
    *out = ss * (long double)count / (long double)(count - 1);
    return 0;
}

/* Scratch for the variance of one group. */
struct vscratch {
    long double *z;    /* npsu * nv PSU totals */
    uint8_t *psu_in;   /* npsu: PSU has rows in the group */
    uint8_t *strat_in; /* nstrata: stratum has rows in the group */
    long double *zs;   /* per-stratum gather buffer: max PSUs * nv */
    size_t *cnt;       /* rows-as-PSUs: group rows per stratum */
};

static int group_var(struct run *r, uint32_t g, const double *est,
                     const struct gsum *s, struct vscratch *x, long double *var,
                     struct err *err)
{
    const struct design *d = &r->d;
    size_t nv = r->spec->stat == SURVEY_STAT_RATIO ? 1 : r->nv;

    memset(x->z, 0, d->npsu * nv * sizeof(*x->z));
    memset(x->psu_in, 0, d->npsu);
    memset(x->strat_in, 0, d->nstrata);
    for (size_t k = r->gstart[g]; k < r->gstart[g + 1]; k++) {
        size_t i = r->order[k];
        size_t p = d->psu ? d->psu[i] : i;
        x->psu_in[p] = 1;
        x->strat_in[d->psu_strat[p]] = 1;
        for (size_t v = 0; v < nv; v++) {
            x->z[p * nv + v] += lin(r, i, v, est, s);
        }
    }
    for (size_t v = 0; v < nv; v++) {
        var[v] = 0;
    }
    for (size_t h = 0; h < d->nstrata; h++) {
        size_t first = d->strat_first[h];
        size_t count = d->strat_first[h + 1] - first;
        size_t present = 0;
        if (!x->strat_in[h]) {
            continue; /* R: strata without domain rows are not visited */
        }
        for (size_t k = 0; k < count; k++) {
            present += x->psu_in[d->psu_order[first + k]];
        }
        for (size_t v = 0; v < nv; v++) {
            long double vh = 0;
            int rc;
            for (size_t k = 0; k < count; k++) {
                x->zs[k] = x->z[d->psu_order[first + k] * nv + v];
            }
            rc = stratum_var(r, h, x->zs, count, present, &vh, err);
            if (rc != 0) {
                return rc;
            }
            var[v] += vh;
        }
    }
    return 0;
}

/* group_var for a design without --psu: every row is a PSU, so PSU totals
 * are the rows' own values and rows outside the group are PSUs with total
 * zero. Per stratum: sum S and count m of the group's rows in pass one;
 * squared deviations from S/n in pass two, plus (n - m) zero PSUs. */
static int group_var_rows(struct run *r, uint32_t g, const double *est,
                          const struct gsum *s, struct vscratch *x,
                          long double *var, struct err *err)
{
    const struct design *d = &r->d;
    size_t nv = r->spec->stat == SURVEY_STAT_RATIO ? 1 : r->nv;
    size_t ns = d->nstrata;

    memset(x->z, 0, 2 * ns * nv * sizeof(*x->z));
    memset(x->cnt, 0, ns * sizeof(*x->cnt));
    for (size_t k = r->gstart[g]; k < r->gstart[g + 1]; k++) {
        size_t i = r->order[k];
        uint32_t h = row_stratum(d, i);
        x->cnt[h]++;
        for (size_t v = 0; v < nv; v++) {
            x->z[h * nv + v] += lin(r, i, v, est, s);
        }
    }
    for (size_t h = 0; h < ns; h++) {
        /* A lonely stratum is never centred (R: nPSU == 1). */
        bool center = !no_centering(r, x->cnt[h]) && d->strat_npsu[h] > 1;
        for (size_t v = 0; v < nv && x->cnt[h] > 0; v++) {
            long double *sum = &x->z[h * nv + v];
            *sum = center ? *sum / (long double)d->strat_npsu[h] : 0;
        }
    }
    for (size_t k = r->gstart[g]; k < r->gstart[g + 1]; k++) {
        size_t i = r->order[k];
        uint32_t h = row_stratum(d, i);
        for (size_t v = 0; v < nv; v++) {
            long double dv = lin(r, i, v, est, s) - x->z[h * nv + v];
            x->z[(ns + h) * nv + v] += dv * dv;
        }
    }
    for (size_t v = 0; v < nv; v++) {
        var[v] = 0;
    }
    for (size_t h = 0; h < ns; h++) {
        size_t n = d->strat_npsu[h];
        if (x->cnt[h] == 0) {
            continue; /* R: strata without domain rows are not visited */
        }
        for (size_t v = 0; v < nv; v++) {
            long double mean = x->z[h * nv + v];
            long double ss = x->z[(ns + h) * nv + v];
            long double vh = 0;
            if (n == 1) {
                /* The one row is in the group and was not centred, so
                 * ss is its z squared. */
                int rc = lonely_var(r, h, sqrtl(ss), &vh, err);
                if (rc != 0) {
                    return rc;
                }
            } else {
                ss += (long double)(n - x->cnt[h]) * mean * mean;
                vh = ss * (long double)n / (long double)(n - 1);
            }
            var[v] += vh;
        }
    }
    return 0;
}

static void group_sums(const struct run *r, struct gsum *sums)
{
    for (size_t i = 0; i < r->d.rows; i++) {
        uint32_t g = r->gid[i];
        struct gsum *s;
        if (g == UINT32_MAX) {
            continue;
        }
        s = &sums[g];
        s->w += r->d.w[i];
        s->n++;
        for (size_t v = 0; v < r->nv && v < 2; v++) {
            s->t[v] += (long double)r->d.w[i] * r->y[v][i];
        }
    }
}

/* Sums for more than two variables: the t[] of gsum holds two, so the
 * other totals go to tt (ngroups * nv). */
static void group_totals(const struct run *r, long double *tt)
{
    for (size_t i = 0; i < r->d.rows; i++) {
        uint32_t g = r->gid[i];
        if (g == UINT32_MAX) {
            continue;
        }
        for (size_t v = 0; v < r->nv; v++) {
            tt[g * r->nv + v] += (long double)r->d.w[i] * r->y[v][i];
        }
    }
}

/* ---- result ---- */

static void fill_group_labels(const struct run *r, uint32_t g, char **out)
{
    uint32_t key = r->group_key[g];

    for (size_t k = r->spec->by_count; k-- > 0;) {
        const struct by_col *b = &r->by[k];
        uint32_t rank = key % b->levels;
        const char *label = b->col->labels[b->label_of_rank[rank]];
        double num;
        key /= b->levels;
        if (b->numeric && parse_double_fast(label, strlen(label), &num)) {
            char tmp[40];
            fmt_double(tmp, sizeof(tmp), num);
            out[k] = xstrdup(tmp);
        } else {
            out[k] = xstrdup(label);
        }
    }
}

static int run_estimates(struct run *r, struct survey_result *out,
                         struct err *err)
{
    size_t nv = r->spec->stat == SURVEY_STAT_RATIO ? 1 : r->nv;
    struct gsum *sums = xcalloc(r->ngroups, sizeof(*sums));
    long double *tt = xcalloc(r->ngroups * r->nv, sizeof(*tt));
    size_t maxp = 1;
    struct vscratch x;
    double z = survey_qnorm(1 - (1 - r->spec->level) / 2);
    int rc = 0;

    for (size_t h = 0; h < r->d.nstrata; h++) {
        if (r->d.strat_npsu[h] > maxp) {
            maxp = r->d.strat_npsu[h];
        }
    }
    if (r->d.rows_are_psus) {
        x.z = xcalloc(2 * r->d.nstrata * nv, sizeof(*x.z));
        x.psu_in = NULL;
        x.zs = NULL;
    } else {
        x.z = xcalloc((r->d.npsu ? r->d.npsu : 1) * nv, sizeof(*x.z));
        x.psu_in = xcalloc(r->d.npsu ? r->d.npsu : 1, 1);
        x.zs = xcalloc(maxp, sizeof(*x.zs));
    }
    x.strat_in = xcalloc(r->d.nstrata, 1);
    x.cnt = xcalloc(r->d.nstrata, sizeof(*x.cnt));
    group_sums(r, sums);
    group_totals(r, tt);
    out->count = r->ngroups * nv;
    out->rows = xcalloc(out->count, sizeof(*out->rows));
    for (uint32_t g = 0; g < r->ngroups && rc == 0; g++) {
        double est[64];
        long double var[64];
        for (size_t v = 0; v < nv; v++) {
            long double t = tt[g * r->nv + v];
            if (r->spec->stat == SURVEY_STAT_TOTAL) {
                est[v] = (double)t;
            } else if (r->spec->stat == SURVEY_STAT_MEAN) {
                est[v] = (double)(t / sums[g].w);
            } else {
                est[v] = (double)(sums[g].t[0] / sums[g].t[1]);
            }
        }
        rc = r->d.rows_are_psus
                 ? group_var_rows(r, g, est, &sums[g], &x, var, err)
                 : group_var(r, g, est, &sums[g], &x, var, err);
        for (size_t v = 0; v < nv && rc == 0; v++) {
            struct survey_row *row = &out->rows[v * r->ngroups + g];
            row->variable = r->spec->stat == SURVEY_STAT_RATIO
                                ? out->ratio_name
                                : r->spec->vars[v];
            row->estimate = est[v];
            row->se = (double)sqrtl(var[v]);
            row->ci_low = est[v] - z * row->se;
            row->ci_high = est[v] + z * row->se;
            row->n = sums[g].n;
            row->group = xcalloc(r->spec->by_count + 1, sizeof(char *));
            fill_group_labels(r, g, row->group);
        }
    }
    xfree(sums);
    xfree(tt);
    xfree(x.z);
    xfree(x.psu_in);
    xfree(x.strat_in);
    xfree(x.zs);
    xfree(x.cnt);
    return rc;
}

static int check_spec(const struct survey_spec *spec, struct err *err)
{
    if (spec->weight == NULL) {
        return err_set(err, ERR_INVALID, "a weight column is required");
    }
    if (spec->var_count == 0 || spec->var_count > 64) {
        return err_set(err, ERR_INVALID, "want 1 to 64 analysis variables");
    }
    if (spec->stat == SURVEY_STAT_RATIO && spec->var_count != 2) {
        return err_set(err, ERR_INVALID, "a ratio needs NUM:DEN");
    }
    if (!(spec->level > 0 && spec->level < 1)) {
        return err_set(err, ERR_INVALID, "--level must be in (0, 1)");
    }
    return 0;
}

static int run_setup(struct run *r, struct err *err)
{
    int rc = design_build(r->data, r->spec, &r->d, err);

    r->nv = r->spec->var_count;
    r->y = xcalloc(r->nv, sizeof(*r->y));
    for (size_t v = 0; v < r->nv && rc == 0; v++) {
        const struct survey_col *c = NULL;
        rc = need_col(r->data, r->spec->vars[v], SURVEY_NUM, &c, err);
        if (rc == 0) {
            r->y[v] = c->num;
        }
    }
    r->by = xcalloc(r->spec->by_count + 1, sizeof(*r->by));
    for (size_t k = 0; k < r->spec->by_count && rc == 0; k++) {
        rc = need_col(r->data, r->spec->by[k], SURVEY_CAT, &r->by[k].col, err);
        if (rc == 0) {
            by_rank(&r->by[k]);
        }
    }
    if (rc == 0 && r->spec->where != NULL) {
        rc = run_where(r, err);
    }
    if (rc == 0) {
        rc = run_groups(r, err);
    }
    return rc;
}

static void run_cleanup(struct run *r)
{
    design_cleanup(&r->d);
    xfree(r->y);
    for (size_t k = 0; r->by != NULL && k < r->spec->by_count; k++) {
        xfree(r->by[k].rank);
        xfree(r->by[k].label_of_rank);
    }
    xfree(r->by);
    xfree(r->gid);
    xfree(r->group_key);
    xfree(r->order);
    xfree(r->gstart);
    expr_prog_free(r->prog);
    expr_free(r->where);
    xfree(r->where_cols);
    for (size_t k = 0; r->where_owned != NULL && k < r->where_count; k++) {
        xfree(r->where_owned[k]);
    }
    xfree(r->where_owned);
    xfree(r->where_src);
    strmap_cleanup(&r->texts);
}

int survey_estimate(const struct survey_data *d, const struct survey_spec *spec,
                    struct survey_result *out, struct err *err)
{
    struct run r;
    int rc = check_spec(spec, err);

    memset(out, 0, sizeof(*out));
    if (rc != 0) {
        return rc;
    }
    memset(&r, 0, sizeof(r));
    r.data = d;
    r.spec = spec;
    out->stat = spec->stat;
    out->by_count = spec->by_count;
    out->by = xcalloc(spec->by_count + 1, sizeof(*out->by));
    for (size_t k = 0; k < spec->by_count; k++) {
        out->by[k] = xstrdup(spec->by[k]);
    }
    if (spec->stat == SURVEY_STAT_RATIO) {
        struct buf b;
        buf_init(&b);
        buf_printf(&b, "%s:%s", spec->vars[0], spec->vars[1]);
        out->ratio_name = buf_detach(&b);
        buf_cleanup(&b);
    }
    rc = run_setup(&r, err);
    if (rc == 0) {
        rc = run_estimates(&r, out, err);
    }
    run_cleanup(&r);
    if (rc != 0) {
        survey_result_cleanup(out);
    }
    return rc;
}

void survey_result_cleanup(struct survey_result *r)
{
    for (size_t i = 0; i < r->count; i++) {
        for (size_t k = 0; r->rows[i].group && k < r->by_count; k++) {
            xfree(r->rows[i].group[k]);
        }
        xfree(r->rows[i].group);
    }
    xfree(r->rows);
    for (size_t k = 0; k < r->by_count; k++) {
        xfree(r->by[k]);
    }
    xfree(r->by);
    xfree(r->ratio_name);
    memset(r, 0, sizeof(*r));
}

int survey_spec_wants(const struct survey_spec *spec,
                      struct survey_wantlist *out, struct err *err)
{
    struct expr *e = NULL;
    const struct expr_ref *refs = NULL;
    size_t nref = 0;
    size_t n = 0;
    struct survey_want *w;
    int rc = check_spec(spec, err);

    memset(out, 0, sizeof(*out));
    if (rc != 0) {
        return rc;
    }
    if (spec->where != NULL) {
        e = expr_parse(spec->where, strlen(spec->where), err);
        if (e == NULL) {
            return err_prefix(err, "--where");
        }
        refs = expr_refs(e, &nref);
    }
    w = xcalloc(3 + spec->var_count + spec->by_count + nref, sizeof(*w));
    w[n++] = (struct survey_want){.name = spec->weight,
                                  .kinds = SURVEY_NUM,
                                  .required = true,
                                  .nonneg = true,
                                  .role = "weight"};
    if (spec->strata != NULL) {
        w[n++] = (struct survey_want){.name = spec->strata,
                                      .kinds = SURVEY_CAT,
                                      .required = true,
                                      .nonneg = false,
                                      .role = "strata"};
    }
    if (spec->psu != NULL) {
        w[n++] = (struct survey_want){.name = spec->psu,
                                      .kinds = SURVEY_CAT,
                                      .required = true,
                                      .nonneg = false,
                                      .role = "psu"};
    }
    for (size_t i = 0; i < spec->var_count; i++) {
        w[n++] = (struct survey_want){.name = spec->vars[i],
                                      .kinds = SURVEY_NUM,
                                      .required = false,
                                      .nonneg = false,
                                      .role = NULL};
    }
    for (size_t i = 0; i < spec->by_count; i++) {
        w[n++] = (struct survey_want){.name = spec->by[i],
                                      .kinds = SURVEY_CAT,
                                      .required = false,
                                      .nonneg = false,
                                      .role = NULL};
    }
    out->names = xcalloc(nref + 1, sizeof(*out->names));
    for (size_t i = 0; i < nref; i++) {
        out->names[out->name_count++] = xstrdup(refs[i].name);
        w[n++] = (struct survey_want){.name = out->names[i],
                                      .kinds = SURVEY_NUM | SURVEY_TEXT,
                                      .required = false,
                                      .nonneg = false,
                                      .role = NULL};
    }
    out->want = w;
    out->count = n;
    expr_free(e);
    return 0;
}

void survey_wantlist_cleanup(struct survey_wantlist *l)
{
    for (size_t i = 0; i < l->name_count; i++) {
        xfree(l->names[i]);
    }
    xfree(l->names);
    xfree(l->want);
    memset(l, 0, sizeof(*l));
}
