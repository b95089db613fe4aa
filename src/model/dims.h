/* Dimension keys of observations: parsing, canonical form, validation
 * against an indicator's declared dimensions and the allowed values of
 * dimensions.csv. No I/O.
 *
 * Canonical key: "" for the total; else "dim=value" pairs joined by ';',
 * sorted by dimension name (bytewise), each dimension at most once, at most
 * MAX_DIMS pairs. Dimension names are codes (core/strparse code_valid);
 * values are codes too ("0-14", "75+", "10M+" are allowed: [A-Za-z0-9_.+-]). */
#ifndef ICTDEV_MODEL_DIMS_H
#define ICTDEV_MODEL_DIMS_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"
#include "../core/strmap.h"
#include "model.h"

/* One dimension=value pair; both borrowed, not NUL-terminated. */
struct dim_pair {
    const char *dim;
    size_t dim_len;
    const char *value;
    size_t value_len;
};

/* True if s[0..len) is a valid dimension value. Cannot fail. */
bool dims_value_valid(const char *s, size_t len);

/* Sort count pairs (borrowed, reordered in place) by dimension and write
 * the canonical key to out (reset first). ERR_INVALID: a bad name or value,
 * a dimension given twice, or count > MAX_DIMS; out is then unspecified. */
int dims_canon(struct dim_pair *pairs, size_t count, struct buf *out,
               struct err *err) WARN_UNUSED_RESULT;

/* Split key (any order, ';'-separated "dim=value") into at most cap pairs
 * borrowed from key (not checked or sorted: pass them to dims_canon).
 * ERR_INVALID on a malformed key or more than cap pairs. */
int dims_parse(const char *key, struct dim_pair *pairs, size_t cap,
               size_t *out_count, struct err *err) WARN_UNUSED_RESULT;

/* The set of allowed dimension values. Owns copies of what it holds;
 * dimset_init/dimset_cleanup pair. */
struct dimset {
    struct strmap values; /* "dim=value" → 1 */
    struct strmap names;  /* "dim" → 1 */
};

void dimset_init(struct dimset *s);
void dimset_cleanup(struct dimset *s);
/* Add dim=value (copied). Cannot fail. */
void dimset_add(struct dimset *s, const char *dim, const char *value);
/* True if dim=value was added. */
bool dimset_has(const struct dimset *s, const char *dim, size_t dim_len,
                const char *value, size_t value_len);
/* True if any value of dim was added. */
bool dimset_has_dim(const struct dimset *s, const char *dim, size_t dim_len);

/* Check pairs against the indicator's declared dimensions and the allowed
 * values. ERR_INVALID with a message naming the first offending pair
 * ("dimension 'x' is not declared for indicator 'i99H'", "value 'X' is not
 * a value of dimension 'sex'"). */
int dims_check(const struct indicator *ind, const struct dimset *allowed,
               const struct dim_pair *pairs, size_t count,
               struct err *err) WARN_UNUSED_RESULT;

#endif
