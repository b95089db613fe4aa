/* Design-based estimation from survey microdata, matching R's `survey`
 * package (svydesign with ids, strata, weights, nest=TRUE, no fpc):
 * weighted totals, means and ratios with Taylor-linearised standard errors
 * for a stratified cluster design with with-replacement first stage, for
 * domains (--where) and groups (--by), with R's lonely-PSU options.
 *
 * Two steps: survey_data_load reads only the needed columns of a CSV,
 * SPSS .sav, Stata .dta or SAS .sas7bdat file once; survey_estimate runs any
 * number of estimates on the loaded data. Uses core/, io/, expr/. */
#ifndef ICTDEV_SURVEY_SURVEY_H
#define ICTDEV_SURVEY_SURVEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"
#include "../core/strmap.h"

#define SURVEY_MISSING_CODE UINT32_MAX /* a missing category value */

/* What a loaded column holds; a column may be wanted as both. */
enum {
    SURVEY_NUM = 1,  /* doubles, NaN = missing (empty field) */
    SURVEY_CAT = 2,  /* category codes with labels; SURVEY_MISSING_CODE */
    SURVEY_TEXT = 4, /* with SURVEY_NUM: a value that is not a number is
                        kept as a label in cat (num is NaN there) instead
                        of failing; for --where columns compared with
                        "text". Dropped when another want of the same
                        column needs strict numbers. */
};

struct survey_col {
    char *name;    /* owned */
    int kinds;     /* SURVEY_NUM | SURVEY_CAT | SURVEY_TEXT */
    double *num;   /* owned, rows entries, when SURVEY_NUM */
    uint32_t *cat; /* owned, rows entries, when SURVEY_CAT or TEXT */
    char **labels; /* owned; label_count category texts, code order */
    size_t label_count;
};

struct survey_data {
    char *path;              /* owned; used in messages */
    size_t rows;             /* data rows (header excluded) */
    struct survey_col *cols; /* owned; col_count */
    size_t col_count;
};

/* A request for one column: name and the kinds wanted. */
struct survey_want {
    const char *name; /* borrowed */
    int kinds;        /* SURVEY_NUM | SURVEY_CAT | SURVEY_TEXT */
    bool required;    /* a missing value is an error (design columns) */
    bool nonneg;      /* a negative number is an error (weights) */
    bool optional;    /* absent from the file: not loaded, no error */
    const char *role; /* "weight", "strata"...: named in messages, or NULL */
};

/* Read the columns in want (borrowed; duplicates merged) from path, chosen
 * by extension: .csv or .txt (or "-", standard input), .sav, .zsav, .dta,
 * .sas7bdat. Fills out (caller frees with survey_data_cleanup; on failure
 * out is left empty). Errors: ERR_NOT_FOUND (no file, or a column not in
 * the header: "FILE:1: no column 'x'"), ERR_INVALID (an unsupported
 * extension; a non-numeric, missing-but-required or negative-but-nonneg
 * value: "FILE:LINE: column 'x' (field N): ..."), ERR_PARSE (malformed
 * CSV), ERR_LIMIT, ERR_IO. threads > 1 lets a large CSV without quotes be
 * parsed by two threads (large: ICTDEV_PARALLEL_MIN bytes, default 16 MB);
 * the result is the same. Not thread-safe itself (one call at a time). */
int survey_data_load(const char *path, const struct survey_want *want,
                     size_t want_count, int threads, struct survey_data *out,
                     struct err *err) WARN_UNUSED_RESULT;

/* Free d's memory and zero it. Safe on a zeroed struct. */
void survey_data_cleanup(struct survey_data *d);

/* Add a numeric column name (copied) holding values (taken: d->rows
 * doubles from xmalloc, NaN = missing), e.g. a derived 0/1 indicator.
 * Replaces nothing: the caller picks a name not in d. Cannot fail. */
void survey_data_add_num(struct survey_data *d, const char *name,
                         double *values);

/* The column named name in d, or NULL. Borrowed. */
const struct survey_col *survey_data_col(const struct survey_data *d,
                                         const char *name);

enum survey_stat { SURVEY_STAT_MEAN, SURVEY_STAT_TOTAL, SURVEY_STAT_RATIO };

enum survey_lonely {
    SURVEY_LONELY_FAIL,
    SURVEY_LONELY_REMOVE,
    SURVEY_LONELY_ADJUST,
    SURVEY_LONELY_CERTAINTY,
};

/* One estimation request. All pointers borrowed. */
struct survey_spec {
    const char *weight;      /* required column name */
    const char *strata;      /* NULL: one stratum */
    const char *psu;         /* NULL: each row its own PSU */
    int stat;                /* enum survey_stat */
    const char *const *vars; /* var_count names; for RATIO exactly 2:
                                numerator, denominator */
    size_t var_count;
    const char *const *by; /* by_count grouping columns */
    size_t by_count;
    const char *where;         /* domain expression (expr/), or NULL */
    int lonely;                /* enum survey_lonely */
    bool adjust_domain_lonely; /* R's options(survey.adjust.domain.lonely) */
    double level;              /* confidence level in (0, 1) */
};

/* The columns an estimation needs: an owned list for survey_data_load. */
struct survey_wantlist {
    struct survey_want *want; /* owned; count entries */
    size_t count;
    char **names; /* owned; column names from --where */
    size_t name_count;
};

/* Fill out with the columns spec needs (free with
 * survey_wantlist_cleanup; names borrow from spec or from out). Errors: a
 * --where expression that does not parse (ERR_PARSE/ERR_INVALID/ERR_LIMIT,
 * "--where: column C: ..."); a bad spec (ERR_INVALID). */
int survey_spec_wants(const struct survey_spec *spec,
                      struct survey_wantlist *out,
                      struct err *err) WARN_UNUSED_RESULT;

/* Free l's memory and zero it. Safe on a zeroed struct. */
void survey_wantlist_cleanup(struct survey_wantlist *l);

struct survey_row {
    const char *variable; /* borrowed from the spec ("NUM:DEN" owned by the
                             result for ratios) */
    char **group;         /* owned; by_count labels */
    double estimate;
    double se;
    double ci_low;
    double ci_high;
    uint64_t n; /* unweighted rows used */
};

struct survey_result {
    int stat; /* enum survey_stat */
    size_t by_count;
    char **by;               /* owned; by column names */
    struct survey_row *rows; /* owned; variable-major, groups sorted */
    size_t count;
    char *ratio_name; /* owned "NUM:DEN" for ratios */
};

/* Run spec on d (both borrowed). Fills out (free with
 * survey_result_cleanup). Errors (out left empty): ERR_NOT_FOUND for a
 * column not loaded; ERR_INVALID for a bad weight/strata/psu value (with
 * FILE: row N), an empty domain, a lonely PSU under SURVEY_LONELY_FAIL
 * ("stratum 'S' has only one PSU"), a bad level; where-expression errors
 * as survey_spec_wants. */
int survey_estimate(const struct survey_data *d, const struct survey_spec *spec,
                    struct survey_result *out,
                    struct err *err) WARN_UNUSED_RESULT;

/* Free r's memory and zero it. Safe on a zeroed struct. */
void survey_result_cleanup(struct survey_result *r);

/* Append r as CSV (header statistic,variable,<by...>,estimate,se,ci_low,
 * ci_high,n) or, with json, as a JSON array of objects. Numbers in the
 * shortest round-trip form; NaN as "NaN" in CSV and null in JSON. */
void survey_result_format(const struct survey_result *r, bool json, bool header,
                          struct buf *out);

/* The standard normal quantile function (Wichura's AS241, full double
 * precision) for p in (0, 1); NaN otherwise. */
double survey_qnorm(double p);

#endif
