/* The ITU household ICT indicators from one survey file in one step: a
 * column map (JSON) names the file's columns and codes for our concepts;
 * each indicator is a weighted proportion (survey mean of a 0/1 variable)
 * for the whole scope and the standard breakdowns (sex; age 15-24, 25-74,
 * 75+; urban/rural; education), with SE and confidence interval. */
#ifndef ICTDEV_SURVEY_INDICATORS_H
#define ICTDEV_SURVEY_INDICATORS_H

#include <stdbool.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"
#include "../store/store.h"

struct survey_ind_opts {
    const char *data;    /* borrowed: the survey file */
    const char *map;     /* borrowed: the JSON column map */
    const char *economy; /* borrowed: ISO3 code, copied to the output */
    int year;            /* survey year, copied to the output */
    double level;        /* confidence level in (0, 1) */
    int lonely;          /* enum survey_lonely */
    int threads;         /* 1 or 2 */
    struct store *store; /* borrowed; non-NULL: also store the values */
};

/* What a load with opts.store stored. */
struct survey_ind_load {
    int64_t batch;   /* batch id, 0 if nothing changed */
    int64_t changed; /* revisions appended */
    size_t put;      /* values given to the store */
    size_t skipped;  /* values for a breakdown the catalogue does not
                        declare for the indicator */
};

/* Compute every indicator the map and the file allow and append them to
 * out (and, with o->store, store them in one batch: status reported,
 * source "survey", dims "" or breakdown=group, SE, CI and n in the note;
 * *load says what was stored) as CSV (header
 * economy,year,indicator,breakdown,group,estimate,se, ci_low,ci_high,n,unit) or
 * a JSON array. Errors: ERR_NOT_FOUND (no map or data file, a mapped column not
 * in the file), ERR_PARSE (bad JSON, with line and column), ERR_INVALID (a map
 * entry of the wrong shape, bad data as survey_estimate); with a store also
 * ERR_NOT_FOUND (an indicator code not in the catalogue, an unknown economy)
 * and ERR_STORAGE, and nothing is stored. */
int survey_indicators(const struct survey_ind_opts *o, bool json,
                      struct buf *out, struct survey_ind_load *load,
                      struct err *err) WARN_UNUSED_RESULT;

#endif
