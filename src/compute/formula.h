/* Derived-indicator formulas of a catalogue (compute layer): each formula
 * is parsed once with the expression language (expr/), checked against the
 * catalogue (known indicators, declared dimensions, no cycles between
 * derived indicators) and put in dependency order, inputs first. A
 * catalogue that fails any check is rejected as a whole. SDG indicators
 * whose breakdowns are separate series (9.c.1 by technology from i271pop,
 * i271G, i271GA, i271G5_pop; 4.4.1 by skill area from HH15.*) are added
 * as one formula per breakdown value (out_dims). */
#ifndef ICTDEV_COMPUTE_FORMULA_H
#define ICTDEV_COMPUTE_FORMULA_H

#include <stddef.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "../expr/expr.h"
#include "../model/dims.h"
#include "../model/model.h"

struct formula {
    char *code;                  /* owned: the derived indicator */
    char *text;                  /* owned: its formula as written */
    char *out_dims;              /* owned: canonical dims key of the output:
                                    "" except for SDG breakdown parts */
    struct expr *ast;            /* owned */
    const struct expr_ref *refs; /* borrowed from ast; nrefs entries */
    size_t nrefs;
};

struct formula_set {
    struct formula *items; /* owned; count entries, inputs before users */
    size_t count;
};

/* Parse and check the formula of every row of inds (count rows, borrowed;
 * rows with an empty formula are skipped) into out (owned by the caller;
 * free with formula_set_cleanup). allowed (borrowed, may be NULL) also
 * checks dimension values in references. Errors, each naming the
 * indicator and the column in its formula; out is left empty:
 *   ERR_PARSE    the formula does not parse;
 *   ERR_INVALID  an unknown function, a reference to an indicator that is
 *                not in the catalogue, a dimension the indicator does not
 *                declare, or a cycle ("cycle between derived indicators:
 *                a -> b -> a");
 *   ERR_LIMIT    a formula over the expression limits. */
int formula_set_build(struct formula_set *out, const struct indicator *inds,
                      size_t count, const struct dimset *allowed,
                      struct err *err) WARN_UNUSED_RESULT;

/* Free everything fs owns and zero it. Safe on a zeroed set. */
void formula_set_cleanup(struct formula_set *fs);

/* Index of the formula computing code, or -1. */
int formula_set_find(const struct formula_set *fs, const char *code);

/* Check a catalogue's formulas without keeping them: the function the
 * catalogue loader calls before writing anything. Same errors as
 * formula_set_build. Borrows its arguments. */
int compute_check_catalogue(const struct indicator *inds, size_t count,
                            const struct dimset *allowed,
                            struct err *err) WARN_UNUSED_RESULT;

#endif
