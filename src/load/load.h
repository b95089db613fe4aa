/* Loading files into the store: the reference data of data/ (economies,
 * groups, memberships, dimensions, catalogue, code map) and observation
 * files in the long or wide CSV layout, including the ITU DataHub, World
 * Bank WDI and Gapminder files exactly as published. Sits above store/ and
 * io/; prints nothing (the caller shows problems and progress decisions).
 *
 * Observation files. The header decides the layout and the meaning of each
 * column (names are case-insensitive; aliases in README.md):
 *   economy   iso3 > geo > country code > economy  (first present wins)
 *   indicator itu_code > indicator_code / series code > indicator
 *   year, value (long layout) or one column per year (wide: "2019",
 *   "YR2019", "2019 [YR2019]"), optional status, source, note, one column
 *   per dimension (dimensions.csv names), ignored: unit, country/indicator
 *   names. Codes go through the code map of the file's source (itu if the
 *   header has itu_code, gapminder if geo, wdi if indicator_code or country
 *   code, else only "*" rows); skip_economy codes are skipped and counted.
 *   Each value keeps its source: the source cell, else the publisher.
 *
 * A file is one batch, one transaction: any problem (reported as
 * "FILE:LINE:COLUMN: message", COLUMN being the 1-based field number, or
 * the byte column for CSV syntax errors) means nothing of the file is
 * written. */
#ifndef ICTDEV_LOAD_LOAD_H
#define ICTDEV_LOAD_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "../store/store.h"

/* Counts of what load_reference read. */
struct load_ref_counts {
    int64_t economies, groups, memberships, dimensions, indicators, code_map;
};

/* Read the reference CSV files of dir (economies.csv, groups.csv,
 * memberships.csv, dimensions.csv, catalogue.csv, code_map.csv) into s in
 * one transaction, replacing memberships, dimensions and the code map and
 * updating economies, groups and indicators by code. Borrows s and dir.
 * Errors: ERR_NOT_FOUND (a missing file), ERR_PARSE / ERR_INVALID with
 * "FILE:LINE:COLUMN: ..." (bad row), ERR_STORAGE; the store is then as
 * before. */
int load_reference(struct store *s, const char *dir,
                   struct load_ref_counts *out,
                   struct err *err) WARN_UNUSED_RESULT;

/* A check of the reference data as written but not yet committed (e.g.
 * the catalogue's formulas, which the compute layer above knows): it
 * reads s; non-zero (with err) rejects the whole load. */
typedef int (*load_ref_check_fn)(void *ctx, struct store *s, struct err *err);

/* load_reference, calling check (unless NULL) before the commit: when it
 * fails, nothing is written and its error is returned. */
int load_reference_checked(struct store *s, const char *dir,
                           load_ref_check_fn check, void *ctx,
                           struct load_ref_counts *out,
                           struct err *err) WARN_UNUSED_RESULT;

enum load_layout {
    LOAD_LAYOUT_AUTO = 0, /* wide if the header has year columns and no
                             year/value columns, else long */
    LOAD_LAYOUT_LONG,
    LOAD_LAYOUT_WIDE,
};

/* Parse "long", "wide" or "auto". ERR_INVALID otherwise. */
int load_layout_parse(const char *s, enum load_layout *out,
                      struct err *err) WARN_UNUSED_RESULT;

struct load_options {
    enum load_layout layout;
    bool dry_run;       /* validate and count, then roll back */
    const char *origin; /* batch origin (user); NULL = "ictdev" */
    int64_t time;       /* batch time, Unix seconds; 0 = now */
    bool progress;      /* draw a bar on stderr (only if it is a terminal) */
    bool skip_loaded;   /* skip a file whose SHA-256 is that of an earlier
                           load batch (init: reload only changed files, so
                           overlapping publishers do not flip values) */
};

/* What one load did. Problems are owned by the struct: free them with
 * load_result_cleanup. */
struct load_result {
    const char *layout;   /* "long" or "wide"; static storage */
    const char *source;   /* code-map source used: "itu", "wdi", ... or "" */
    int64_t rows;         /* data records read */
    int64_t values;       /* values put (rows × years in wide files) */
    int64_t changed;      /* revisions appended (would be, in a dry run) */
    int64_t unchanged;    /* values equal to the current ones */
    int64_t skipped;      /* records of skip_economy codes */
    int64_t blank;        /* empty cells of wide files (no value) */
    int64_t batch;        /* id of the batch kept, or 0 */
    int64_t loaded_batch; /* skip_loaded: the earlier batch of this file
                             (nothing was read), else 0 */
    char sha256[65];      /* of the file, "" for standard input */
    char **problems;      /* owned: the first MAX_LOAD_ERRORS messages */
    size_t problem_count;
    int64_t error_count; /* all problems, also those not kept */
};

/* Free r's problems and zero it. Safe on a zeroed struct. */
void load_result_cleanup(struct load_result *r);

/* The loader: what a load needs from the store, read once (catalogue,
 * dimension values, code map, economy and group codes). */
struct loader;

/* Return an owned loader for s (borrowed; must outlive the loader), free
 * with loader_free; NULL with ERR_STORAGE. Create it after the reference
 * data are in the store. */
struct loader *loader_new(struct store *s, struct err *err);
void loader_free(struct loader *l);

/* Load one file ("-" = standard input) as one batch. out is filled
 * (zero it first or pass a cleaned one). In a dry run everything is
 * validated and counted (changed = what would change) and then rolled
 * back. Returns 0, or ERR_INVALID when the file had problems (out holds
 * them; err says how many; nothing written), or ERR_NOT_FOUND / ERR_IO /
 * ERR_STORAGE (nothing written). */
int load_file(struct loader *l, const char *path,
              const struct load_options *opt, struct load_result *out,
              struct err *err) WARN_UNUSED_RESULT;

#endif
