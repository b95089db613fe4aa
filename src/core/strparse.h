/* Strict parsers for numbers and codes from outside text. Each takes an
 * explicit length (the text need not be NUL-terminated), accepts the whole
 * span or nothing, and returns 0 or an ERR_* code with a message in err. */
#ifndef ICTDEV_CORE_STRPARSE_H
#define ICTDEV_CORE_STRPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "err.h"

/* Parse a finite decimal number ("12", "-0.5", "1.2e+08"); no spaces, no
 * hex, no "nan"/"inf". ERR_INVALID on anything else, *out unchanged. */
int parse_double(const char *s, size_t len, double *out,
                 struct err *err) WARN_UNUSED_RESULT;

/* Same as parse_double but only reports success; for hot loops that make
 * their own message. */
bool parse_double_fast(const char *s, size_t len, double *out);

/* Parse a base-10 integer in [min, max]. ERR_INVALID otherwise. */
int parse_int64(const char *s, size_t len, int64_t min, int64_t max,
                int64_t *out, struct err *err) WARN_UNUSED_RESULT;

/* Parse "A" or "A:B" years into [*from, *to], each in YEAR_MIN..YEAR_MAX and
 * from <= to. ERR_INVALID otherwise. */
int parse_year_range(const char *s, int *out_from, int *out_to,
                     struct err *err) WARN_UNUSED_RESULT;

/* True if s[0..len) is valid UTF-8 (no overlongs, no surrogates). On false,
 * *out_bad is the byte offset of the first bad byte. */
bool utf8_valid(const char *s, size_t len, size_t *out_bad);

/* True if s is a code: 1..MAX_CODE_LEN bytes of [A-Za-z0-9_.$-], starting
 * with a letter or digit. */
bool code_valid(const char *s, size_t len);

/* Trim ASCII spaces and tabs from both ends of [*s, *s+*len). */
void str_trim(const char **s, size_t *len);

#endif
