/* Group aggregates of economy values (compute layer): sums for counts,
 * weighted means for rates, medians for prices, each with a named
 * missing-value method and the coverage of the result. Works only on values
 * handed to it: a panel of economies x years; no store, no I/O.
 *
 * Missing-value methods (see ../shared/spec/indicators/aggregates.md):
 *   none  reported values only (stored estimates count as values but not as
 *         coverage); members without a value are left out.
 *   itu   (1) a missing year is filled from the economy's own series within
 *         a window of W years: linear interpolation between the nearest
 *         values before and after, else carried forward or backward from the
 *         nearest one; (2) members still missing are imputed from the group:
 *         for a weighted mean they take the group's weighted mean of the
 *         members with values (so the mean is that of the members with
 *         values and the imputation shows only in the counts and coverage);
 *         for a sum they take the group's value per unit of weight times
 *         their own weight (ratio estimate, e.g. subscriptions per person x
 *         population), or the mean member value when there are no weights.
 *         Medians are never imputed (ITU publishes medians of available
 *         economies).
 * Coverage: the percentage of the group's weight (population for counts and
 * prices, the indicator's weight for rates; members counted equally when no
 * weight panel is given) whose value for the year is reported, i.e. neither
 * a stored estimate nor filled nor imputed. A result whose coverage is below
 * the spec's min_coverage is withheld: its value is NaN and reason says why.
 * Not thread-safe per panel; separate panels may be used from separate
 * threads. */
#ifndef ICTDEV_COMPUTE_AGGREGATE_H
#define ICTDEV_COMPUTE_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/compiler.h"
#include "../core/err.h"

enum agg_rule {
    AGG_RULE_SUM,    /* counts: sum of member values */
    AGG_RULE_WMEAN,  /* rates: mean weighted by the weight panel */
    AGG_RULE_MEDIAN, /* prices, affordability: median of member values */
};

enum agg_method {
    AGG_METHOD_NONE, /* reported values only */
    AGG_METHOD_ITU,  /* fill within a window, then impute from the group */
};

/* Where a panel value comes from. */
enum agg_src {
    AGG_SRC_MISSING = 0,
    AGG_SRC_REPORTED,     /* reported by the economy */
    AGG_SRC_ESTIMATED,    /* stored as an estimate (e.g. "ITU estimate") */
    AGG_SRC_INTERPOLATED, /* agg_fill: linear between two values */
    AGG_SRC_CARRIED,      /* agg_fill: nearest value carried over */
};

/* Values of one indicator for neconomies economies over nyears years.
 * Cell (e, y) is at index e * nyears + (y - year0). */
struct agg_panel {
    int year0;          /* first year */
    int nyears;         /* years per economy, >= 1 */
    size_t neconomies;  /* rows */
    double *values;     /* owned; NaN = missing */
    unsigned char *src; /* owned; enum agg_src per cell */
};

/* Allocate p with every cell missing. Cannot fail (aborts on OOM). */
void agg_panel_init(struct agg_panel *p, int year0, int nyears,
                    size_t neconomies);
/* Free p's arrays and zero it. Safe on a zeroed panel. */
void agg_panel_cleanup(struct agg_panel *p);
/* Set cell (economy, year); ignored when year is outside the panel or value
 * is not finite. is_estimated marks a stored estimate. */
void agg_panel_set(struct agg_panel *p, size_t economy, int year, double value,
                   bool is_estimated);
/* The value at (economy, year), NaN when missing or outside the panel. */
double agg_panel_get(const struct agg_panel *p, size_t economy, int year);

/* Fill gaps of every economy's series in p, in place, from values at most
 * window years away (interpolation between two, else carry the nearest).
 * Only reported or estimated values are used as anchors. window <= 0 does
 * nothing. Cannot fail. */
void agg_fill(struct agg_panel *p, int window);

/* One member of a group: a panel row and the inclusive years of membership
 * (0 = open). */
struct agg_member {
    size_t economy;
    int from_year;
    int to_year;
};

struct agg_group {
    const char *code;                 /* borrowed */
    const struct agg_member *members; /* borrowed; count entries */
    size_t count;
};

struct agg_spec {
    enum agg_rule rule;
    enum agg_method method;
    int window;          /* years for AGG_METHOD_ITU filling (agg_fill) */
    double min_coverage; /* percent, 0..100; below it the value is withheld */
};

enum agg_status {
    AGG_OK,
    AGG_WITHHELD, /* coverage below min_coverage; reason says so */
    AGG_NO_DATA,  /* no member has a value this year */
};

#define AGG_REASON_MAX 120

struct agg_result {
    int year;
    double value;       /* the published value; NaN unless status AGG_OK */
    double computed;    /* value before withholding; NaN if AGG_NO_DATA */
    double coverage;    /* percent of group weight reported; 0..100 */
    size_t n_members;   /* members in the group this year */
    size_t n_reported;  /* members with a reported value */
    size_t n_estimated; /* stored estimates, interpolated or carried */
    size_t n_imputed;   /* members imputed from the group (itu) */
    size_t n_excluded;  /* members left out (no value, or no weight) */
    int status;         /* enum agg_status */
    char reason[AGG_REASON_MAX]; /* "" when AGG_OK */
};

/* Aggregate values over group for each year in [year_from, year_to] into
 * out[0 .. year_to - year_from]. values is the indicator panel (already
 * passed through agg_fill when spec->method is AGG_METHOD_ITU; with
 * AGG_METHOD_NONE filled cells are ignored). weights (borrowed, may be NULL)
 * has the same shape; a NaN or non-positive weight is unknown. All borrowed.
 * ERR_INVALID: shapes differ, a member row is out of range, or the years are
 * reversed; out is then untouched. */
int agg_group_years(const struct agg_spec *spec, const struct agg_panel *values,
                    const struct agg_panel *weights,
                    const struct agg_group *group, int year_from, int year_to,
                    struct agg_result *out, struct err *err) WARN_UNUSED_RESULT;

/* Median of count values (count >= 1); reorders vals. NaN when count is 0. */
double agg_median(double *vals, size_t count);

/* Names: "sum" "wmean" "median"; "none" "itu"; "ok" "withheld" "no data".
 * Borrowed, static storage. */
const char *agg_rule_name(int rule);
const char *agg_method_name(int method);
const char *agg_status_name(int status);

/* Parse a rule or method name. ERR_INVALID for anything else. */
int agg_rule_parse(const char *s, enum agg_rule *out,
                   struct err *err) WARN_UNUSED_RESULT;
int agg_method_parse(const char *s, enum agg_method *out,
                     struct err *err) WARN_UNUSED_RESULT;

#endif
