/* The computations run against the store (compute layer, top): derived
 * indicators (`ictdev compute`), group aggregates (`ictdev aggregate` and
 * the aggregate pass of compute), the IDI (`ictdev idi`) and affordability
 * (`ictdev afford`). Each loads what it needs from the store into a cube,
 * calls the pure modules (derive, aggregate, idi, afford) and writes
 * results back in one batch per kind (BATCH_COMPUTED, BATCH_AGGREGATE), so
 * a run is all or nothing and a run that changes nothing leaves no batch.
 * Borrowed arguments throughout; nothing here prints. */
#ifndef ICTDEV_COMPUTE_COMPUTE_H
#define ICTDEV_COMPUTE_COMPUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "../store/store.h"
#include "afford.h"
#include "aggregate.h"
#include "derive.h"
#include "idi.h"

struct compute_opts {
    bool derived;    /* evaluate the catalogue's formulas */
    bool aggregates; /* then aggregate every series over every group */
    enum agg_method method;
    int window;                /* years, for AGG_METHOD_ITU */
    double min_coverage;       /* percent; aggregates below are not stored */
    const char *origin;        /* batch origin, or NULL */
    derive_problem_fn problem; /* non-finite results; may be NULL */
    void *ctx;                 /* for problem */
    bool full; /* recompute everything even when an earlier run's state
                  allows an incremental run (see compute.c) */
};

struct compute_report {
    struct derive_stats derive;
    int64_t derive_batch; /* 0 when nothing changed */
    int64_t derive_changed;
    size_t agg_series;   /* indicator series aggregated */
    size_t agg_values;   /* group-year values offered to the store */
    size_t agg_withheld; /* below min_coverage: not stored */
    int64_t agg_batch;   /* 0 when nothing changed */
    int64_t agg_changed;
    bool incremental; /* only what changed since the last run was read */
};

/* Check the store's catalogue formulas, then run what opts asks. A run
 * of both kinds records its state in its aggregate batch's note; the next
 * such run (unless opts->full) reads only the observations changed since
 * then and recomputes what depends on them, with the same results as a
 * full run; nothing changed: nothing written, in about the time of
 * reading the catalogue. ERR_*
 * from the catalogue check (nothing written), or from the store (the open
 * batch is rolled back). */
int compute_run(struct store *s, const struct compute_opts *opts,
                struct compute_report *out, struct err *err) WARN_UNUSED_RESULT;

/* Load the store's catalogue and check its formulas (compute_check_catalogue
 * with the store's dimension values). */
int compute_check_store(struct store *s, struct err *err) WARN_UNUSED_RESULT;

/* One aggregate row, as `ictdev aggregate` prints it. */
struct compute_agg_row {
    char group[MAX_CODE_LEN + 1];
    char indicator[MAX_CODE_LEN + 1];
    struct agg_result r;
};

struct compute_agg_request {
    const char *indicator; /* catalogue code; its agg rule and weight apply */
    const char *group;     /* group code */
    int year_from;         /* 0 = first year with data */
    int year_to;           /* 0 = last year with data */
    enum agg_method method;
    int window;
    double min_coverage;
    bool store; /* write the published values (BATCH_AGGREGATE) */
    const char *origin;
};

/* Aggregate one indicator (its total series) over one group and year
 * range. Returns owned rows (*out, free with xfree) and their count.
 * ERR_NOT_FOUND: unknown indicator or group; ERR_INVALID: the indicator's
 * rule is "none" or empty. */
int compute_aggregate(struct store *s, const struct compute_agg_request *q,
                      struct compute_agg_row **out, size_t *out_count,
                      int64_t *out_batch, struct err *err) WARN_UNUSED_RESULT;

/* A what-if: replace one raw IDI input. */
struct compute_idi_set {
    const char *economy;
    const char *indicator;
    double value;
};

struct compute_idi_economy {
    char code[MAX_CODE_LEN + 1];
    double raw[IDI_MAX_INDICATORS];   /* NaN = missing */
    int raw_year[IDI_MAX_INDICATORS]; /* year the value is from, 0 */
    bool proxy[IDI_MAX_INDICATORS];   /* value of the proxy indicator */
    struct idi_score score;
    struct idi_score before; /* score without the what-ifs */
    bool changed;            /* a what-if touched this economy */
    int rank;                /* 1 = highest; 0 = no score */
    int rank_before;         /* rank without the what-ifs */
};

struct compute_idi_group {
    char code[MAX_CODE_LEN + 1];
    double idi, pillar[IDI_NPILLARS]; /* NaN when no member has a score */
    size_t members, scored;
};

struct compute_idi_result {
    struct compute_idi_economy *economies; /* owned; by economy code */
    size_t count;
    struct compute_idi_group *groups; /* owned; by group code */
    size_t ngroups;
};

/* Score every economy for year (inputs: the latest value in
 * [year - max_age, year], the proxy when the indicator has none), apply
 * the what-ifs (sets, nsets) and rank. ERR_NOT_FOUND: a what-if names an
 * unknown economy or an indicator that is not an IDI input. */
int compute_idi(struct store *s, const struct idi_params *p, int year,
                const struct compute_idi_set *sets, size_t nsets,
                struct compute_idi_result *out,
                struct err *err) WARN_UNUSED_RESULT;
/* Free what compute_idi returned. Safe on a zeroed result. */
void compute_idi_result_free(struct compute_idi_result *r);

/* One economy of a comparison with a published IDI table. */
struct compute_idi_compare_row {
    char code[MAX_CODE_LEN + 1];
    double published; /* NaN: not in the published table */
    double ours;      /* NaN: no score here */
    double diff;      /* ours - published; NaN when either is missing */
    bool within;      /* |diff| <= the tolerance */
    char why[320];    /* "" when within; else what explains the gap */
};

struct compute_idi_compare {
    struct compute_idi_compare_row *rows; /* owned; by economy code */
    size_t count;
    size_t both;              /* scored here and published */
    size_t within;            /* of those, within the tolerance */
    double mean_abs, max_abs; /* of |diff| over both; NaN when none */
    char max_code[MAX_CODE_LEN + 1];
};

/* Compare r (compute_idi for year with p) with a published table pub[n]
 * to tolerance tol: one row per economy in either, with why it differs
 * when it does: inputs with no value, proxies, values older than year,
 * else the unverified parameters. Cannot fail (aborts on OOM). Free
 * with compute_idi_compare_free. */
void compute_idi_compare(const struct idi_params *p, int year,
                         const struct compute_idi_result *r,
                         const struct idi_published *pub, size_t n, double tol,
                         struct compute_idi_compare *out);
void compute_idi_compare_free(struct compute_idi_compare *c);

/* Affordability of one basket in one year: price (USD a month) x 12 /
 * GNI p.c. (Atlas, USD; the latest of year and year - 1, not adjusted for
 * inflation) x 100, next to the published percentage when the store has
 * it, then the median and the share at or below the 2 % target for every
 * group. */
struct compute_afford_row {
    char code[MAX_CODE_LEN + 1];
    double price;     /* as stored (USD, or local currency with xr) */
    double xr;        /* local currency units per USD; NaN = none/USD */
    double price_usd; /* NaN = missing */
    double gni_pc;    /* NaN = missing */
    int gni_year;     /* 0 = none */
    double pct;       /* computed % of GNI p.c.; NaN = not computable */
    double published; /* the store's % series; NaN = none */
    bool meets;       /* pct at or below AFFORD_TARGET_PCT */
};

struct compute_afford_group {
    char code[MAX_CODE_LEN + 1];
    struct afford_summary s;
};

struct compute_afford_result {
    struct compute_afford_row *rows; /* owned; economies with a price */
    size_t count;
    struct compute_afford_group *groups; /* owned; groups with a value */
    size_t ngroups;
};

struct compute_afford_request {
    const char *price;     /* monthly basket price series, e.g. i154_FBB5_USD */
    const char *xr;        /* NULL: price is in USD; else the exchange-rate
                              series (local currency per USD, annual
                              average) and price is in local currency */
    const char *published; /* the % of GNI p.c. series, or NULL */
    int year;
};

/* Compute affordability per economy and group for q (borrowed).
 * ERR_NOT_FOUND for codes not in the catalogue. */
int compute_afford(struct store *s, const struct compute_afford_request *q,
                   struct compute_afford_result *out,
                   struct err *err) WARN_UNUSED_RESULT;
/* Free what compute_afford returned. Safe on a zeroed result. */
void compute_afford_result_free(struct compute_afford_result *r);

#endif
