/* In-memory observations for computation (compute layer): series
 * (indicator + canonical dims key) x economies x years, each cell with its
 * value, status and the store revision (batch) it came from. Economies are
 * fixed at init; series are added as they appear. No store, no I/O: the
 * caller fills the cube (from the store, a test, a benchmark).
 * Not thread-safe. */
#ifndef ICTDEV_COMPUTE_CUBE_H
#define ICTDEV_COMPUTE_CUBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/strmap.h"

/* Where a cell's current value came from. */
enum cube_origin {
    CUBE_NONE = 0, /* empty cell */
    CUBE_LOADED,   /* loaded or entered: an official value */
    CUBE_COMPUTED, /* written by an earlier `ictdev compute` */
    CUBE_NEW,      /* computed in this run */
};

struct cube_series {
    char *indicator;       /* owned */
    char *dims;            /* owned canonical key, "" = total */
    double *value;         /* owned; cells, NaN = missing */
    unsigned char *status; /* owned; enum obs_status per cell */
    unsigned char *origin; /* owned; enum cube_origin per cell */
    int64_t *batch;        /* owned; store batch id per cell, 0 = none */
    uint64_t *sig;         /* owned or NULL: input signature of computed
                              cells (see derive.h) */
};

struct cube {
    int year0;                  /* first year */
    int nyears;                 /* >= 0 */
    size_t neconomies;          /* rows */
    char **economies;           /* owned codes; neconomies */
    struct strmap econ_index;   /* code -> row */
    struct cube_series *series; /* owned; nseries used, cap allocated */
    size_t nseries;
    size_t cap;
    struct strmap series_index; /* "indicator\x1fdims" -> series */
};

/* Set up c for the given economies (codes copied, borrowed) and years
 * (nyears 0: no years yet, see cube_include_year). Cannot fail (aborts on
 * OOM). */
void cube_init(struct cube *c, const char *const *economies, size_t neconomies,
               int year0, int nyears);
/* Widen the cube's years to include year (every series' cells are moved
 * to the new grid; cheap while the cube is small, so a loader calls it on
 * each row outside the current span). Cannot fail. */
void cube_include_year(struct cube *c, int year);
/* Free everything. Safe on a zeroed cube. */
void cube_cleanup(struct cube *c);

/* Row of economy code; false when unknown. */
bool cube_economy(const struct cube *c, const char *code, size_t *out_row);

/* Index of series (indicator, dims); added empty when create is true, else
 * false when absent. Adding may move c->series: re-read pointers after. */
bool cube_series_find(struct cube *c, const char *indicator, const char *dims,
                      bool create, size_t *out_index);

/* Cell index of (row, year) in a series' arrays; false outside the cube. */
bool cube_cell(const struct cube *c, size_t row, int year, size_t *out_cell);

/* Set one cell of series s. Cannot fail; ignored outside the cube. */
void cube_set(struct cube *c, size_t s, size_t row, int year, double value,
              int status, int origin, int64_t batch);

/* Move every series of src into dst, after widening both to the union of
 * their years. Both must have the same economies in the same order and
 * no series in common (the halves of one load). Takes src's series: src
 * is cleaned up (cube_cleanup) when this returns true; false (economies
 * differ) leaves both as they were. Cannot fail otherwise. */
bool cube_take_series(struct cube *dst, struct cube *src);

/* Record the input signature of a computed cell (allocating the series'
 * sig array on first use). Ignored outside the cube. Cannot fail. */
void cube_set_sig(struct cube *c, size_t s, size_t row, int year, uint64_t sig);

#endif
