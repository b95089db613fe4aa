/* Reader for statistical package files through ReadStat: SPSS .sav/.zsav,
 * Stata .dta and SAS .sas7bdat. The only home of <readstat.h>. Hands the
 * values of the requested variables to a callback, row by row. */
#ifndef ICTDEV_IO_STAT_FILES_H
#define ICTDEV_IO_STAT_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"

/* One cell. Numbers keep their value; text is borrowed for the call. */
struct stat_value {
    bool missing;     /* system or user-defined missing, or empty text */
    bool is_text;     /* a string variable */
    double num;       /* when !is_text */
    const char *text; /* when is_text: borrowed, NUL-terminated */
};

/* Receives cell (row 0-based, col = index into the names given) of each
 * requested variable. Returns 0 or an ERR_* code with err set, which stops
 * the read. */
typedef int (*stat_value_fn)(void *ctx, uint64_t row, size_t col,
                             const struct stat_value *v, struct err *err);

/* True if path's extension is one this module reads. */
bool stat_file_supported(const char *path);

/* Read path, calling fn for every value of the variables named in names
 * (borrowed; count of them). optional (borrowed, count flags, or NULL for
 * none) marks names that may be absent; out_found (count flags, filled)
 * tells which were found. Errors: ERR_NOT_FOUND (no file; "PATH: no column
 * 'x'" for a required name), ERR_INVALID (unsupported extension),
 * ERR_PARSE (ReadStat could not read the file, its message included), or
 * the callback's. */
int stat_file_read(const char *path, const char *const *names,
                   const bool *optional, size_t count, stat_value_fn fn,
                   void *ctx, bool *out_found,
                   struct err *err) WARN_UNUSED_RESULT;

#endif
