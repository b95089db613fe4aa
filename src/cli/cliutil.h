/* Helpers shared by the store commands (init, load, query, export,
 * catalogue, economies, groups, history, summary): option parsing, output
 * as an aligned table, CSV or JSON, times, and where the data are. */
#ifndef ICTDEV_CLI_CLIUTIL_H
#define ICTDEV_CLI_CLIUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "../store/store.h"
#include "cli.h"

/* If argv[*i] is "--name VALUE" or "--name=VALUE", set *out_value
 * (borrowed from argv), advance *i past the value and return 1; return 0
 * if it is another option; -1 if the value is missing (message printed
 * for cmd). */
int cli_opt_value(int argc, char **argv, int *i, const char *name,
                  const char **out_value, const char *cmd);

/* Output formats. The default is a table on a terminal, else CSV. */
enum out_format { OUT_TABLE, OUT_CSV, OUT_JSON };

/* Parse "table", "csv" or "json". ERR_INVALID otherwise. */
int out_format_parse(const char *s, enum out_format *out,
                     struct err *err) WARN_UNUSED_RESULT;
enum out_format out_format_default(void);

/* Column kinds: numbers are right-aligned in tables and bare in JSON. */
enum { OUT_TEXT = 0, OUT_NUM = 1 };

/* A result being written: rows of text cells. CSV and JSON stream; a table
 * is held until out_end to align its columns. out_begin/out_end pair. */
struct out {
    enum out_format fmt;
    FILE *fp;                /* borrowed */
    const char *const *cols; /* borrowed, ncols names */
    const int *kinds;        /* borrowed, ncols OUT_*; NULL = all text */
    size_t ncols;
    char **cells; /* owned (table only): nrows * ncols strings */
    size_t nrows, cap;
    size_t count; /* rows written */
};

void out_begin(struct out *o, enum out_format fmt, FILE *fp,
               const char *const *cols, const int *kinds, size_t ncols);
/* Write one row of ncols cells (borrowed; NULL = empty). */
void out_row(struct out *o, const char *const *cells);
/* Finish: print the table, or close the JSON array. Frees o's memory. */
void out_end(struct out *o);

/* Open the store of ctx (--db) with flags; prints the error and returns
 * NULL on failure, with *out_status the exit status. */
struct store *cli_store_open(const struct cli_ctx *ctx, unsigned flags,
                             int *out_status);

/* Now as Unix seconds: $ICTDEV_NOW (Unix seconds or an ISO date/time, for
 * tests) or the clock. */
int64_t cli_now(void);
/* The origin recorded on batches: $ICTDEV_USER, $USER or "ictdev". */
const char *cli_origin(void);

/* Parse "YYYY-MM-DD" (the end of that day, UTC), "YYYY-MM-DDTHH:MM:SS[Z]"
 * or Unix seconds into *out. ERR_INVALID otherwise. */
int cli_parse_time(const char *s, int64_t *out,
                   struct err *err) WARN_UNUSED_RESULT;
/* Format Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" into out (>= 21 bytes). */
void cli_format_time(int64_t t, char *out, size_t cap);

/* The bundled data directory: $ICTDEV_DATA, else ../data next to the
 * binary, else ./data. Returns owned string (xfree). */
char *cli_data_dir(void);

/* Split a comma list (borrowed text) into owned parts: *out_parts is an
 * owned array of owned strings; free with cli_free_list. */
size_t cli_split_list(const char *s, char ***out_parts);
void cli_free_list(char **parts, size_t count);

#include "../load/load.h"

/* Load each of paths (borrowed) as its own batch, printing a line per file
 * on stdout and problems on stderr. Returns the exit status: 0, 2 if any
 * file had problems (others still load), 1 on a system failure (stops). */
int cli_load_paths(struct store *s, struct loader *l, char *const *paths,
                   size_t count, const struct load_options *opt);
#endif
