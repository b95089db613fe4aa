/* Group aggregates with coverage and ITU-style gap filling. One pass per
 * year over the group's members; a member's contribution depends only on
 * its own cell and weight, so the work is O(members x years). */
#include "aggregate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"

void agg_panel_init(struct agg_panel *p, int year0, int nyears,
                    size_t neconomies)
{
    size_t n = (size_t)(nyears > 0 ? nyears : 1) * neconomies;

    p->year0 = year0;
    p->nyears = nyears > 0 ? nyears : 1;
    p->neconomies = neconomies;
    p->values = xmalloc((n ? n : 1) * sizeof(double));
    p->src = xcalloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++) {
        p->values[i] = NAN;
    }
}

void agg_panel_cleanup(struct agg_panel *p)
{
    xfree(p->values);
    xfree(p->src);
    memset(p, 0, sizeof(*p));
}

static bool cell_index(const struct agg_panel *p, size_t economy, int year,
                       size_t *out)
{
    if (economy >= p->neconomies || year < p->year0 ||
        year >= p->year0 + p->nyears) {
        return false;
    }
    *out = economy * (size_t)p->nyears + (size_t)(year - p->year0);
    return true;
}

void agg_panel_set(struct agg_panel *p, size_t economy, int year, double value,
                   bool is_estimated)
{
    size_t i;

    if (!isfinite(value) || !cell_index(p, economy, year, &i)) {
        return;
    }
    p->values[i] = value;
    p->src[i] = is_estimated ? AGG_SRC_ESTIMATED : AGG_SRC_REPORTED;
}

double agg_panel_get(const struct agg_panel *p, size_t economy, int year)
{
    size_t i;

    if (!cell_index(p, economy, year, &i)) {
        return NAN;
    }
    return p->values[i];
}

static bool is_anchor(unsigned char src)
{
    return src == AGG_SRC_REPORTED || src == AGG_SRC_ESTIMATED;
}

/* Fill one row. prev/next are found by scanning at most window cells each
 * way; anchors are original values only, so filled cells never feed other
 * filled cells and the result does not depend on scan order. */
static void fill_row(double *v, unsigned char *src, int n, int window)
{
    for (int t = 0; t < n; t++) {
        int before = -1;
        int after = -1;

        if (src[t] != AGG_SRC_MISSING) {
            continue;
        }
        for (int k = 1; k <= window && t - k >= 0; k++) {
            if (is_anchor(src[t - k])) {
                before = t - k;
                break;
            }
        }
        for (int k = 1; k <= window && t + k < n; k++) {
            if (is_anchor(src[t + k])) {
                after = t + k;
                break;
            }
        }
        if (before >= 0 && after >= 0) {
            double f = (double)(t - before) / (double)(after - before);
            v[t] = v[before] + f * (v[after] - v[before]);
            src[t] = AGG_SRC_INTERPOLATED;
        } else if (before >= 0 || after >= 0) {
            v[t] = v[before >= 0 ? before : after];
            src[t] = AGG_SRC_CARRIED;
        }
    }
}

void agg_fill(struct agg_panel *p, int window)
{
    if (window <= 0) {
        return;
    }
    for (size_t e = 0; e < p->neconomies; e++) {
        size_t off = e * (size_t)p->nyears;
        fill_row(p->values + off, p->src + off, p->nyears, window);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

double agg_median(double *vals, size_t count)
{
    if (count == 0) {
        return NAN;
    }
    qsort(vals, count, sizeof(double), cmp_double);
    if (count % 2 == 1) {
        return vals[count / 2];
    }
    return (vals[count / 2 - 1] + vals[count / 2]) / 2.0;
}

/* Running sums for one group-year. */
struct acc {
    double sum_v;       /* sum of available values */
    double sum_wv;      /* sum of w * v over available, known weight */
    double sum_vk;      /* sum of v over available, known weight */
    double sum_w_avail; /* weight of available members with known weight */
    double sum_w_rep;   /* weight of reported members */
    double sum_w_all;   /* weight of all members with known weight */
    double sum_w_miss;  /* weight of members without a value */
    size_t n_avail;
    size_t n_miss_w;   /* members without a value but with a weight */
    size_t n_miss_now; /* members without a value nor a weight */
    double *med;       /* values for the median; n_avail used */
};

static bool usable(const struct agg_spec *spec, unsigned char src)
{
    if (src == AGG_SRC_REPORTED || src == AGG_SRC_ESTIMATED) {
        return true;
    }
    return spec->method == AGG_METHOD_ITU &&
           (src == AGG_SRC_INTERPOLATED || src == AGG_SRC_CARRIED);
}

static void acc_member(const struct agg_spec *spec,
                       const struct agg_panel *values,
                       const struct agg_panel *weights, size_t cell,
                       struct acc *a, struct agg_result *r)
{
    double w = weights ? weights->values[cell] : 1.0;
    bool has_w = isfinite(w) && w > 0;
    unsigned char src = values->src[cell];
    bool has_v = usable(spec, src);

    r->n_members++;
    if (has_w) {
        a->sum_w_all += w;
    }
    if (!has_v) {
        if (has_w) {
            a->sum_w_miss += w;
            a->n_miss_w++;
        } else {
            a->n_miss_now++;
        }
        return;
    }
    if (src == AGG_SRC_REPORTED) {
        r->n_reported++;
        a->sum_w_rep += has_w ? w : 0;
    } else {
        r->n_estimated++;
    }
    if (spec->rule == AGG_RULE_WMEAN && !has_w) {
        r->n_excluded++; /* a rate without its weight cannot be averaged */
        return;
    }
    a->med[a->n_avail++] = values->values[cell];
    a->sum_v += values->values[cell];
    if (has_w) {
        a->sum_wv += w * values->values[cell];
        a->sum_vk += values->values[cell];
        a->sum_w_avail += w;
    }
}

/* Turn the sums into the value, applying the method's imputation. */
static double acc_value(const struct agg_spec *spec, struct acc *a,
                        struct agg_result *r)
{
    bool itu = spec->method == AGG_METHOD_ITU;

    switch (spec->rule) {
    case AGG_RULE_WMEAN:
        if (itu) {
            r->n_imputed = a->n_miss_w;
            r->n_excluded += a->n_miss_now;
        } else {
            r->n_excluded += a->n_miss_w + a->n_miss_now;
        }
        return a->sum_w_avail > 0 ? a->sum_wv / a->sum_w_avail : NAN;
    case AGG_RULE_SUM:
        if (!itu) {
            r->n_excluded += a->n_miss_w + a->n_miss_now;
            return a->sum_v;
        }
        if (a->sum_w_avail > 0) {
            /* Ratio estimate: the group's value per unit of weight. */
            r->n_imputed = a->n_miss_w;
            r->n_excluded += a->n_miss_now;
            return a->sum_v + a->sum_vk / a->sum_w_avail * a->sum_w_miss;
        }
        r->n_imputed = a->n_miss_w + a->n_miss_now;
        return a->sum_v + a->sum_v / (double)a->n_avail *
                              (double)(a->n_miss_w + a->n_miss_now);
    case AGG_RULE_MEDIAN:
    default:
        r->n_excluded += a->n_miss_w + a->n_miss_now;
        return agg_median(a->med, a->n_avail);
    }
}

static bool is_member(const struct agg_member *m, int year)
{
    return (m->from_year == 0 || year >= m->from_year) &&
           (m->to_year == 0 || year <= m->to_year);
}

static void group_year(const struct agg_spec *spec,
                       const struct agg_panel *values,
                       const struct agg_panel *weights,
                       const struct agg_group *group, int year, double *med,
                       struct agg_result *r)
{
    struct acc a;

    memset(&a, 0, sizeof(a));
    memset(r, 0, sizeof(*r));
    a.med = med;
    r->year = year;
    for (size_t i = 0; i < group->count; i++) {
        const struct agg_member *m = &group->members[i];
        size_t cell;
        if (is_member(m, year) && cell_index(values, m->economy, year, &cell)) {
            acc_member(spec, values, weights, cell, &a, r);
        }
    }
    r->coverage = a.sum_w_all > 0 ? 100.0 * a.sum_w_rep / a.sum_w_all : 0.0;
    if (a.n_avail == 0) {
        r->value = NAN;
        r->computed = NAN;
        r->status = AGG_NO_DATA;
        r->n_imputed = 0;
        snprintf(r->reason, sizeof(r->reason), "no member has a value");
        return;
    }
    r->computed = acc_value(spec, &a, r);
    r->value = r->computed;
    r->status = AGG_OK;
    if (r->coverage < spec->min_coverage) {
        r->value = NAN;
        r->status = AGG_WITHHELD;
        snprintf(r->reason, sizeof(r->reason),
                 "coverage %.1f%% below the %.1f%% threshold", r->coverage,
                 spec->min_coverage);
    }
}

static bool same_shape(const struct agg_panel *a, const struct agg_panel *b)
{
    return a->year0 == b->year0 && a->nyears == b->nyears &&
           a->neconomies == b->neconomies;
}

int agg_group_years(const struct agg_spec *spec, const struct agg_panel *values,
                    const struct agg_panel *weights,
                    const struct agg_group *group, int year_from, int year_to,
                    struct agg_result *out, struct err *err)
{
    double *med;

    if (year_from > year_to) {
        return err_set(err, ERR_INVALID, "years %d:%d are reversed", year_from,
                       year_to);
    }
    if (weights && !same_shape(values, weights)) {
        return err_set(err, ERR_INVALID,
                       "weight panel shape differs from the value panel");
    }
    for (size_t i = 0; i < group->count; i++) {
        if (group->members[i].economy >= values->neconomies) {
            return err_set(err, ERR_INVALID,
                           "group %s: member row %zu out "
                           "of range",
                           group->code ? group->code : "?",
                           group->members[i].economy);
        }
    }
    med = xmalloc((group->count ? group->count : 1) * sizeof(double));
    for (int y = year_from; y <= year_to; y++) {
        group_year(spec, values, weights, group, y, med, &out[y - year_from]);
    }
    xfree(med);
    return 0;
}

const char *agg_rule_name(int rule)
{
    switch (rule) {
    case AGG_RULE_SUM:
        return "sum";
    case AGG_RULE_WMEAN:
        return "wmean";
    case AGG_RULE_MEDIAN:
        return "median";
    default:
        return "?";
    }
}

const char *agg_method_name(int method)
{
    return method == AGG_METHOD_ITU ? "itu" : "none";
}

const char *agg_status_name(int status)
{
    switch (status) {
    case AGG_OK:
        return "ok";
    case AGG_WITHHELD:
        return "withheld";
    default:
        return "no data";
    }
}

int agg_rule_parse(const char *s, enum agg_rule *out, struct err *err)
{
    if (strcmp(s, "sum") == 0) {
        *out = AGG_RULE_SUM;
    } else if (strcmp(s, "wmean") == 0) {
        *out = AGG_RULE_WMEAN;
    } else if (strcmp(s, "median") == 0) {
        *out = AGG_RULE_MEDIAN;
    } else {
        return err_set(err, ERR_INVALID,
                       "aggregation rule '%s': want sum, wmean or median", s);
    }
    return 0;
}

int agg_method_parse(const char *s, enum agg_method *out, struct err *err)
{
    if (strcmp(s, "itu") == 0) {
        *out = AGG_METHOD_ITU;
    } else if (strcmp(s, "none") == 0) {
        *out = AGG_METHOD_NONE;
    } else {
        return err_set(err, ERR_INVALID, "method '%s': want itu or none", s);
    }
    return 0;
}
