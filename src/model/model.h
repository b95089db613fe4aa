/* Domain types of ictdev: economies, groups and their memberships by year,
 * dimensions, indicators, observations and revision batches. Plain data and
 * small invariants, no I/O; every layer above speaks these types.
 *
 * Ownership rule for the whole module: the structs hold `const char *`
 * fields that are BORROWED from whoever filled them. A struct handed to a
 * store callback is valid until that callback returns; to keep one, copy it
 * with the matching *_dup (returns owned, free with *_free). Empty optional
 * text is "" (never NULL) in structs the store hands out. */
#ifndef ICTDEV_MODEL_MODEL_H
#define ICTDEV_MODEL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"

/* An economy (country or territory): ISO 3166-1 alpha-3 code plus the
 * classification columns of data/economies.csv. Region fields hold group
 * codes (groups.csv) or "". */
struct economy {
    const char *code;            /* ISO alpha-3 (or XKX, ANT, CHI, ASC) */
    const char *name;            /* short English name */
    const char *iso2;            /* ISO alpha-2 or "" */
    const char *m49;             /* UN M49 numeric code as text, or "" */
    const char *un_region;       /* group code, e.g. "UN002" */
    const char *un_subregion;    /* group code */
    const char *un_intermediate; /* group code or "" */
    const char *itu_region;      /* AFR AMS ARB ASP CIS EUR or "" */
    bool itu_region_verified;    /* false: derived by rule */
    const char *wb_region;       /* group code or "" */
    bool is_independent;
    const char *note;
};

/* A group of economies (world, region, income group, LDC...). */
struct group {
    const char *code; /* e.g. "WLD", "LDC", "UN002" */
    const char *name;
    const char *kind;   /* world, itu_region, un_region, un_subregion, ... */
    const char *source; /* provenance */
    bool verified;
    const char *note;
};

/* Membership of an economy in a group for the inclusive years
 * [from_year, to_year]; 0 means open on that side. */
struct membership {
    const char *group;
    const char *economy;
    int from_year; /* 0 = since always */
    int to_year;   /* 0 = still a member */
    const char *source;
    bool verified;
};

/* True if m covers year. Cannot fail. */
bool membership_covers(const struct membership *m, int year);

/* One allowed value of a disaggregation dimension (dimensions.csv). */
struct dimension_value {
    const char *dimension; /* e.g. "sex" */
    const char *value;     /* e.g. "F" */
    const char *label;
};

/* An indicator of the catalogue (catalogue.csv). */
struct indicator {
    const char *code;
    const char *name;
    const char *definition;
    const char *unit;
    const char *kind;       /* administrative, household, derived, sdg, ... */
    const char *collection; /* collection method */
    const char *dims;       /* declared dimensions, "sex;age" or "" */
    const char *sdg;        /* SDG indicator link or "" */
    const char *source_instrument;
    const char *formula; /* expression for derived indicators, or "" */
    const char *agg;     /* sum, wmean, median, none, or "" */
    const char *weight;  /* weighting indicator code or "" */
    bool verified;
};

/* Return an owned deep copy of in (one allocation); free with
 * indicator_free. Cannot fail. */
struct indicator *indicator_dup(const struct indicator *in);
/* Free a copy made by indicator_dup. Safe on NULL. */
void indicator_free(struct indicator *ind);
/* True if the indicator's declared list ("sex;age") holds dimension dim.
 * Cannot fail. */
bool indicator_declares(const struct indicator *ind, const char *dim,
                        size_t dim_len);

/* Status of an observation value. Stored as the integer. */
enum obs_status {
    OBS_REPORTED = 0,
    OBS_ESTIMATED = 1,
    OBS_IMPUTED = 2,
    OBS_PROVISIONAL = 3,
};

/* "reported", "estimated", "imputed", "provisional". Static storage. */
const char *obs_status_name(enum obs_status st);
/* Parse a status word (case-insensitive; also "r" "e" "i" "p"; "" means
 * reported). ERR_INVALID otherwise. */
int obs_status_parse(const char *s, size_t len, enum obs_status *out,
                     struct err *err) WARN_UNUSED_RESULT;

/* What produced a batch of revisions. Stored as the integer. */
enum batch_kind {
    BATCH_LOAD = 0,      /* a file loaded by a user (ictdev load / init) */
    BATCH_COMPUTED = 1,  /* derived indicators computed from stored values */
    BATCH_AGGREGATE = 2, /* group aggregates computed from stored values */
    BATCH_ENTRY = 3,     /* values entered or approved through collection */
};

/* "load", "computed", "aggregate", "entry". Static storage. */
const char *batch_kind_name(enum batch_kind k);
/* Parse one of those names. ERR_INVALID otherwise. */
int batch_kind_parse(const char *s, enum batch_kind *out,
                     struct err *err) WARN_UNUSED_RESULT;

/* A batch: one load or computation, the unit of revision. Every revision
 * of a value belongs to exactly one batch. Batch ids increase with time. */
struct batch {
    int64_t id;   /* > 0, increasing */
    int64_t time; /* Unix seconds, UTC */
    enum batch_kind kind;
    const char *origin; /* user or program that made it, e.g. "alice" */
    const char *file;   /* file name (as given), or "" */
    const char *sha256; /* 64 lowercase hex digits of the file, or "" */
    const char *note;   /* free text, or "" */
    int64_t changed;    /* revisions the batch appended */
};

/* One value of a series: (indicator, economy, year, dims) → value. The
 * economy may also be a group code (aggregates). dims is the canonical key
 * (see model/dims.h): "" for the total, else "dim=value;dim=value" sorted by
 * dimension name.
 *
 * When writing, batch/batch_kind/batch_time are ignored (the open batch is
 * used). When reading, they tell which revision answered: compute uses
 * batch to record the input revisions of what it derived. */
struct obs {
    const char *indicator; /* catalogue code */
    const char *economy;   /* economy or group code */
    int year;              /* YEAR_MIN..YEAR_MAX */
    const char *dims;      /* canonical dimension key, "" = total */
    double value;          /* finite */
    enum obs_status status;
    const char *source;         /* publisher / source text, or "" */
    const char *note;           /* or "" */
    int64_t batch;              /* read only: batch of this revision */
    enum batch_kind batch_kind; /* read only */
    int64_t batch_time;         /* read only: Unix seconds */
};

/* True if the two revisions carry the same value, status, source and note
 * (what decides whether a load changes anything). Cannot fail. */
bool obs_same_content(const struct obs *a, const struct obs *b);

#endif
