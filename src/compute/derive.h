/* Evaluation of derived-indicator formulas over a cube (compute layer).
 * For each formula in dependency order, for every economy and year where
 * at least one input has a value, the compiled program is evaluated and
 * the result kept in the cube (CUBE_NEW), so later formulas see it. When
 * every formula has run, the results are handed to a put callback economy
 * by economy (then formula by formula, year by year): a store keeps one
 * economy's values together, so they go into one place.
 *
 * Rules:
 *   - status: the result is estimated when any input with a value is not
 *     reported (estimated, imputed or provisional), else reported;
 *   - official values win: a cell whose current value was loaded or entered
 *     (CUBE_LOADED) is neither evaluated nor written;
 *   - incremental: each result carries a signature of its inputs (their
 *     revisions and values; in the note as "sig=HEX"); a cell computed
 *     earlier whose inputs have the same signature is not evaluated again,
 *     and nothing is written for it;
 *   - a result that is missing although every input has a value (division
 *     by zero, log of 0, overflow) is not written; the problem callback
 *     gets the economy, year and inputs.
 *   - a formula that is one plain reference (the SDG aliases, "i99H") is
 *     also computed for every breakdown (dims key) of its input.
 * The note of a written value reads "inputs CODE#BATCH ... sig=HEX" (BATCH
 * is the store revision of a loaded input; "computed" for an input that is
 * itself computed, identified in the signature by its value). */
#ifndef ICTDEV_COMPUTE_DERIVE_H
#define ICTDEV_COMPUTE_DERIVE_H

#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "cube.h"
#include "formula.h"

/* One computed value to store. All strings borrowed for the call. Return 0
 * or an ERR_* code (with err) to stop the run. */
struct derive_value {
    const char *indicator;
    const char *dims; /* canonical key; "" except for aliases */
    const char *economy;
    int year;
    double value;
    int status; /* enum obs_status */
    const char *note;
};
typedef int (*derive_put_fn)(void *ctx, const struct derive_value *v,
                             struct err *err);

/* A result that could not be stored; inputs lists "CODE=VALUE" pairs. */
typedef void (*derive_problem_fn)(void *ctx, const char *indicator,
                                  const char *economy, int year,
                                  const char *inputs);

struct derive_opts {
    derive_put_fn put;         /* required */
    derive_problem_fn problem; /* may be NULL */
    void *ctx;                 /* passed to both */
};

struct derive_stats {
    size_t formulas;  /* formulas run */
    size_t evaluated; /* cells evaluated */
    size_t unchanged; /* cells skipped: same input signature as before */
    size_t written;   /* values handed to put */
    size_t official;  /* cells kept because an official value exists */
    size_t nonfinite; /* results dropped and reported */
};

/* Run every formula of fs over c (both borrowed; c is updated). stats is
 * zeroed first. Problems are reported while evaluating, before any put.
 * Errors: ERR_INVALID when a formula does not compile against the cube
 * (should not happen for a checked set; nothing is put), or the put
 * callback's error; cells already handed to put stay handed. */
int derive_run(struct cube *c, const struct formula_set *fs,
               const struct derive_opts *opts, struct derive_stats *stats,
               struct err *err) WARN_UNUSED_RESULT;

/* Read the signature from a note written by derive_run; 0 if none. */
uint64_t derive_note_sig(const char *note);

#endif
