/* The ICT Development Index, 2023 methodology (compute layer): parameters
 * (goalposts, transforms, weights, rules) read from data/idi_params.csv,
 * normalisation of each indicator to 0..100, the two pillars and the index.
 * See ../shared/spec/indicators/idi.md. Several parameters are unverified;
 * idi_params.n_unverified says how many, and callers label results as a
 * reproduction while it is not 0.
 *
 * Scoring, for one economy:
 *   normalised n_i = 100 * (f(x) - f(worst)) / (f(best) - f(worst)), with x
 *     first clamped to the goalposts and f the identity ("linear") or the
 *     natural log ("log"). best < worst means lower is better (prices).
 *   component c (e.g. Coverage = 3G and 4G) = weighted mean of its available
 *     indicators; its weight is the sum of all its indicators' weights.
 *   pillar = weighted mean of its available components, computed only when
 *     they carry at least min_pillar_share of the pillar's weight.
 *   IDI = weighted mean of the pillars (equal weights: (U + M) / 2), only
 *     when both pillars are computed.
 * Raising an input never lowers the score, and raising a price never raises
 * it, because each n_i is monotone and the weights depend only on which
 * inputs are present. */
#ifndef ICTDEV_COMPUTE_IDI_H
#define ICTDEV_COMPUTE_IDI_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "../core/limits.h"

#define IDI_MAX_INDICATORS 16

enum { IDI_PILLAR_U = 0, IDI_PILLAR_M = 1, IDI_NPILLARS = 2 };

enum idi_transform { IDI_LINEAR, IDI_LOG };

enum idi_group_mean { IDI_GROUP_SIMPLE, IDI_GROUP_POP };

struct idi_indicator {
    char code[MAX_CODE_LEN + 1];      /* catalogue code of the input */
    char proxy[MAX_CODE_LEN + 1];     /* used when code has no value; "" */
    char component[MAX_CODE_LEN + 1]; /* component within the pillar */
    int pillar;                       /* IDI_PILLAR_U or IDI_PILLAR_M */
    int transform;                    /* enum idi_transform */
    double worst;                     /* scores 0 */
    double best;                      /* scores 100; < worst for prices */
    double weight;                    /* relative, within the pillar; > 0 */
    bool verified;                    /* every number on the row confirmed */
};

struct idi_params {
    struct idi_indicator ind[IDI_MAX_INDICATORS];
    size_t count;                       /* indicators */
    double pillar_weight[IDI_NPILLARS]; /* relative; > 0 */
    double min_pillar_share;            /* 0..1 */
    int max_age;                        /* years before Y an input may be */
    int group_mean;                     /* enum idi_group_mean */
    size_t n_unverified;                /* rows with verified = 0 */
};

/* Parse the parameter CSV in text[0..len) (name for messages) into out.
 * ERR_PARSE / ERR_INVALID with NAME:LINE: on a bad row (unknown kind,
 * pillar or transform, log goalposts <= 0, worst == best, weight <= 0,
 * duplicate code, no indicator in a pillar, more than IDI_MAX_INDICATORS).
 * Borrows text. */
int idi_params_parse(struct idi_params *out, const char *text, size_t len,
                     const char *name, struct err *err) WARN_UNUSED_RESULT;

/* idi_params_parse on the file at path. ERR_NOT_FOUND / ERR_IO as well. */
int idi_params_load(struct idi_params *out, const char *path,
                    struct err *err) WARN_UNUSED_RESULT;

/* Index of the indicator with this code, or -1. */
int idi_params_find(const struct idi_params *p, const char *code);

/* The normalised score 0..100 of raw for ind; NaN when raw is NaN. */
double idi_normalise(const struct idi_indicator *ind, double raw);

struct idi_score {
    double norm[IDI_MAX_INDICATORS];    /* 0..100; NaN = missing input */
    double contrib[IDI_MAX_INDICATORS]; /* IDI points; NaN = missing */
    double pillar[IDI_NPILLARS];        /* 0..100; NaN = too few inputs */
    double idi;                         /* 0..100; NaN = not computed */
    size_t n_available;                 /* inputs with a value */
};

/* Score one economy: raw[i] is the value of p->ind[i] (NaN = missing).
 * Borrows both. Cannot fail. When idi is computed, the finite contrib[]
 * sum to idi. */
void idi_score(const struct idi_params *p, const double *raw,
               struct idi_score *out);

/* Competition ranks of count scores (1 = highest, ties share a rank, NaN
 * gets 0) into out_rank. Borrows score. Cannot fail (aborts on OOM). */
void idi_rank(const double *score, size_t count, int *out_rank);

/* One economy of a published IDI table: its scores as published (NaN =
 * not given). */
struct idi_published {
    char code[MAX_CODE_LEN + 1];
    double idi;
    double pillar[IDI_NPILLARS];
};

/* Read a published table (CSV with a header naming at least an economy
 * column, "iso3" or "economy" as a code, and "idi"; optional "universal"
 * and "meaningful") from path into *out (owned, free with xfree) and
 * *out_count. Rows with an empty idi are skipped. ERR_PARSE / ERR_INVALID
 * with PATH:LINE: for a bad header, a bad number, a repeated economy;
 * ERR_NOT_FOUND / ERR_IO for the file. */
int idi_published_load(const char *path, struct idi_published **out,
                       size_t *out_count, struct err *err) WARN_UNUSED_RESULT;
/* The same from text[0..len) (borrowed; name for messages). */
int idi_published_parse(const char *text, size_t len, const char *name,
                        struct idi_published **out, size_t *out_count,
                        struct err *err) WARN_UNUSED_RESULT;

/* "U" or "M". Borrowed, static storage. */
const char *idi_pillar_name(int pillar);

#endif
