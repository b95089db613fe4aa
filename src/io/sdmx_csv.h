/* SDMX-CSV reader (versions 1.0 and 2.0) on top of io/csv.h: turns each
 * record into one observation of our data model. Columns: STRUCTURE,
 * STRUCTURE_ID[, ACTION] (2.0) or DATAFLOW (1.0); then the dimensions,
 * among them REF_AREA, INDICATOR and TIME_PERIOD (annual, "YYYY"); then
 * OBS_VALUE; then attributes, of which OBS_STATUS, UNIT_MULT and COMMENT
 * (or OBS_COMMENT) are used. Headers and values in the "ID: label" form
 * are accepted. Other dimensions become dims named in lower case (SEX ->
 * sex); "_T", "_Z" and "" mean the total and are left out. */
#ifndef ICTDEV_IO_SDMX_CSV_H
#define ICTDEV_IO_SDMX_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "../core/limits.h"
#include "csv.h"

struct sdmx_dim {
    const char *name;  /* lower-case dimension id, NUL-terminated */
    const char *value; /* NUL-terminated */
};

/* One observation. All pointers borrowed until the callback returns. */
struct sdmx_obs {
    const char *economy;   /* REF_AREA */
    const char *indicator; /* INDICATOR */
    int year;              /* TIME_PERIOD */
    const struct sdmx_dim *dims;
    size_t dim_count;    /* <= MAX_DIMS */
    double value;        /* OBS_VALUE times 10^UNIT_MULT; finite */
    bool has_value;      /* false when OBS_VALUE is empty */
    const char *status;  /* OBS_STATUS or "" */
    const char *comment; /* COMMENT / OBS_COMMENT or "" */
    uint64_t line;       /* 1-based line of the record */
};

/* Return 0 to go on, or an ERR_* code (err filled) to stop. */
typedef int (*sdmx_obs_fn)(void *ctx, const struct sdmx_obs *o,
                           struct err *err);

/* Read every record of r (borrowed) and call fn for each. Errors:
 * ERR_PARSE / ERR_LIMIT / ERR_IO from the CSV reader; ERR_INVALID for a
 * header that is not SDMX-CSV, a missing required column, a bad year or
 * number ("NAME:LINE: TIME_PERIOD '20x3': ..."), ACTION D (deletions are
 * not accepted), more than MAX_DIMS dimensions; or fn's code. */
int sdmx_csv_read(struct csv_reader *r, sdmx_obs_fn fn, void *ctx,
                  struct err *err) WARN_UNUSED_RESULT;

/* True if the first bytes of a file look like an SDMX-CSV header. */
bool sdmx_csv_sniff(const char *data, size_t len);

#endif
