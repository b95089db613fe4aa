/* The store: economies, groups, memberships, dimensions, the indicator
 * catalogue, the code map and the observations with their full revision
 * history. One interface (this header) over swappable backends behind
 * struct store_ops (store_int.h): SQLite (store_sqlite.c, the only file
 * that includes <sqlite3.h>) for a file path, PostgreSQL (store_pg.c, the
 * only file that includes <libpq-fe.h>) for a "postgresql://" URI. Both
 * behave the same; see store_pg.c for how PostgreSQL does it.
 *
 * Revisions. Every write of observations happens inside a batch (a load or
 * a computation: id, time, kind, origin, file name, SHA-256 of the file).
 * The store keeps them as blocks (block.h): one row per series (indicator,
 * economy) and batch holding every value the batch appended to it.
 * A value is never overwritten: putting a value whose content (value,
 * status, source, note) differs from the current one appends a revision
 * tagged with the open batch; putting the same content again appends
 * nothing. The current value of a series is its latest revision; a query
 * with as_of answers with the latest revision whose batch is not newer than
 * as_of. A batch that appended nothing is discarded at commit, so a no-op
 * load leaves no trace.
 *
 * Ownership: every const char * and struct argument is borrowed for the
 * call. Rows handed to a callback (struct economy, struct obs, ...) and all
 * their strings are borrowed and valid only until the callback returns
 * (copy what you keep, e.g. indicator_dup). A callback returns 0 to go on,
 * or an ERR_* code (with err filled) to stop: the store function then
 * returns that code unchanged.
 *
 * Errors: ERR_NOT_FOUND (no store at path, an unknown code), ERR_INVALID
 * (bad arguments), ERR_CONFLICT (a schema newer than this binary, a
 * duplicate key inside one batch, a batch already open), ERR_STORAGE (the
 * database failed), ERR_IO. A failed write inside a batch or transaction
 * leaves it open: the caller rolls back; nothing is written until commit.
 *
 * Threads: a struct store is one connection; use it from one thread at a
 * time. Open one per thread; readers run in parallel with one writer (WAL). */
#ifndef ICTDEV_STORE_STORE_H
#define ICTDEV_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "../model/dims.h"
#include "../model/model.h"

struct store;     /* opaque: one open connection */
struct store_ops; /* backend entry points, see store_int.h */

/* Schema version this binary writes. Older stores are upgraded on open. */
#define STORE_SCHEMA_VERSION 6 /* 6: observations in blocks */

/* ---- Opening --------------------------------------------------------- */

enum store_open_flags {
    STORE_OPEN_CREATE = 1 << 0,   /* create the file if it does not exist */
    STORE_OPEN_READONLY = 1 << 1, /* no writes; no upgrade (ERR_CONFLICT if
                                     the schema is older) */
};

/* Open (or with STORE_OPEN_CREATE create) the store at path and bring its
 * schema to STORE_SCHEMA_VERSION: migrations run in one transaction, all or
 * nothing. Returns owned store (free with store_close) or NULL with err:
 * ERR_NOT_FOUND (no file and no CREATE: "no store at PATH; run 'ictdev
 * init'"), ERR_CONFLICT (schema newer than this binary, or not an ictdev
 * store), ERR_STORAGE. */
struct store *store_open(const char *path, unsigned flags, struct err *err);

/* Close s, rolling back an open batch or transaction. Safe on NULL. */
void store_close(struct store *s);

/* The path given at open; borrowed, valid until store_close. */
const char *store_path(const struct store *s);

/* ---- Reference data (economies, groups, catalogue...) ------------------ */

/* Plain transaction for reference writes (not for observations: use a
 * batch). ERR_CONFLICT if a transaction or batch is already open. */
int store_begin(struct store *s, struct err *err) WARN_UNUSED_RESULT;
int store_commit(struct store *s, struct err *err) WARN_UNUSED_RESULT;
/* Undo everything since store_begin. Cannot fail (best effort). */
void store_rollback(struct store *s);

/* Insert or update by code (all fields replaced). Must be inside
 * store_begin/commit. ERR_INVALID: a code that fails code_valid; for
 * memberships ERR_NOT_FOUND when group or economy is unknown. */
int store_economy_put(struct store *s, const struct economy *e,
                      struct err *err) WARN_UNUSED_RESULT;
int store_group_put(struct store *s, const struct group *g,
                    struct err *err) WARN_UNUSED_RESULT;
int store_indicator_put(struct store *s, const struct indicator *ind,
                        struct err *err) WARN_UNUSED_RESULT;
int store_membership_put(struct store *s, const struct membership *m,
                         struct err *err) WARN_UNUSED_RESULT;
int store_dimension_put(struct store *s, const struct dimension_value *d,
                        struct err *err) WARN_UNUSED_RESULT;

/* A row of the code map: how a source's code becomes an ictdev code. */
enum code_map_kind {
    CODE_MAP_ECONOMY = 0,      /* source economy code → economy code */
    CODE_MAP_SKIP_ECONOMY = 1, /* source aggregate code: rows are skipped */
    CODE_MAP_INDICATOR = 2,    /* source indicator code → catalogue code */
};
struct code_map_entry {
    const char *source; /* "itu", "wdi", "gapminder" or "*" (any) */
    enum code_map_kind kind;
    const char *source_code;
    const char *target; /* "" for CODE_MAP_SKIP_ECONOMY */
    const char *note;
};
int store_code_map_put(struct store *s, const struct code_map_entry *c,
                       struct err *err) WARN_UNUSED_RESULT;

/* Delete every membership, dimension value and code-map row, so that a
 * reload of the reference files replaces them. Inside store_begin. */
int store_reference_clear(struct store *s, struct err *err) WARN_UNUSED_RESULT;

/* ---- Reading reference data ------------------------------------------- */

typedef int (*store_economy_fn)(void *ctx, const struct economy *e,
                                struct err *err);
typedef int (*store_group_fn)(void *ctx, const struct group *g,
                              struct err *err);
typedef int (*store_membership_fn)(void *ctx, const struct membership *m,
                                   struct err *err);
typedef int (*store_dimension_fn)(void *ctx, const struct dimension_value *d,
                                  struct err *err);
typedef int (*store_indicator_fn)(void *ctx, const struct indicator *ind,
                                  struct err *err);
typedef int (*store_code_map_fn)(void *ctx, const struct code_map_entry *c,
                                 struct err *err);

/* Every economy, by code. */
int store_economy_list(struct store *s, store_economy_fn fn, void *ctx,
                       struct err *err) WARN_UNUSED_RESULT;
/* The economy code (case-sensitive); ERR_NOT_FOUND if there is none. */
int store_economy_get(struct store *s, const char *code, store_economy_fn fn,
                      void *ctx, struct err *err) WARN_UNUSED_RESULT;
/* Every group, by code. */
int store_group_list(struct store *s, store_group_fn fn, void *ctx,
                     struct err *err) WARN_UNUSED_RESULT;
int store_group_get(struct store *s, const char *code, store_group_fn fn,
                    void *ctx, struct err *err) WARN_UNUSED_RESULT;
/* Memberships of group (by economy code, then from_year) that cover year,
 * or all of them when year is 0. ERR_NOT_FOUND for an unknown group.
 * group NULL: those of every group, by group code, then as above (one
 * read instead of one per group). */
int store_group_members(struct store *s, const char *group, int year,
                        store_membership_fn fn, void *ctx,
                        struct err *err) WARN_UNUSED_RESULT;
/* Memberships of one economy (by group code) covering year, or all when
 * year is 0. ERR_NOT_FOUND for an unknown economy. */
int store_economy_groups(struct store *s, const char *economy, int year,
                         store_membership_fn fn, void *ctx,
                         struct err *err) WARN_UNUSED_RESULT;
/* Every allowed dimension value, by dimension then file order. */
int store_dimension_list(struct store *s, store_dimension_fn fn, void *ctx,
                         struct err *err) WARN_UNUSED_RESULT;
/* Indicators by code. words NULL or "": all. Else only indicators whose
 * code, name, definition, unit or SDG link contains every word
 * (space-separated, case-insensitive, ASCII). */
int store_indicator_list(struct store *s, const char *words,
                         store_indicator_fn fn, void *ctx,
                         struct err *err) WARN_UNUSED_RESULT;
/* One indicator by exact code; ERR_NOT_FOUND if none. */
int store_indicator_get(struct store *s, const char *code,
                        store_indicator_fn fn, void *ctx,
                        struct err *err) WARN_UNUSED_RESULT;
/* Every code-map row, by source, kind, source_code. */
int store_code_map_list(struct store *s, store_code_map_fn fn, void *ctx,
                        struct err *err) WARN_UNUSED_RESULT;

/* ---- Writing observations: batches ------------------------------------ */

struct store_batch_info {
    enum batch_kind kind;
    const char *origin; /* user or program; NULL or "" → "ictdev" */
    const char *file;   /* file name as given, or NULL */
    const char *sha256; /* 64 hex digits of the file, or NULL */
    const char *note;   /* or NULL */
    int64_t time;       /* Unix seconds; 0 = now. Clamped to be >= the
                           newest batch's time, so ids and times agree. */
    int64_t read_at;    /* > 0: id of the newest batch when the caller read
                           what it puts with store_obs_append (see there);
                           0: store_obs_append checks like store_obs_put */
};

/* Open a batch: starts one transaction in which every store_obs_put of
 * this batch happens. ERR_CONFLICT if a batch or transaction is open. */
int store_batch_begin(struct store *s, const struct store_batch_info *info,
                      struct err *err) WARN_UNUSED_RESULT;

/* Put one value into the open batch. o->indicator must be a catalogue
 * code, o->economy an economy or group code (ERR_NOT_FOUND otherwise),
 * o->dims canonical (model/dims.h; the caller has checked it against the
 * catalogue with dims_check), o->value finite (ERR_INVALID otherwise).
 * Appends a revision only if the content differs from the current value
 * (*out_changed says whether it did; out_changed may be NULL).
 * ERR_CONFLICT: this batch already gave a value for the same key, changed
 * or not (a duplicate key inside one file). ERR_INVALID also for dims,
 * source or note text that is not UTF-8. o->batch* fields are ignored.
 * Values are held in memory (at most about half a million, or 16 MB of
 * notes) and written one block per series (store_obs.c); errors still
 * arrive from the put that caused them, except one case: a key given
 * twice far apart (after half a million other values, or a million
 * current values read), whose first value was unchanged, is not noticed
 * (the second value then counts as a change). */
int store_obs_put(struct store *s, const struct obs *o, bool *out_changed,
                  struct err *err) WARN_UNUSED_RESULT;

/* Put one value that the caller knows to differ from the current revision
 * of its key (or that has none): a computation that read the key's
 * current revision after the store's newest batch was info->read_at. When
 * the newest batch at store_batch_begin is info->read_at, the store skips
 * reading the series' current values. Otherwise (read_at 0, or another
 * batch came in since) it behaves as store_obs_put. Duplicate keys in the
 * batch (also with store_obs_put) are ERR_CONFLICT either way; the other
 * errors are store_obs_put's. */
int store_obs_append(struct store *s, const struct obs *o,
                     struct err *err) WARN_UNUSED_RESULT;

/* Commit the open batch. If it appended nothing, the batch itself is not
 * kept and *out_batch is 0; else *out_batch is its id. out_changed (may be
 * NULL) receives the number of revisions appended. On error the batch is
 * rolled back. */
int store_batch_commit(struct store *s, int64_t *out_batch,
                       int64_t *out_changed,
                       struct err *err) WARN_UNUSED_RESULT;

/* Throw the open batch away; the store is as before store_batch_begin.
 * Cannot fail. A process killed before commit has the same effect. */
void store_batch_rollback(struct store *s);

/* ---- Reading observations ---------------------------------------------- */

/* Filters of an observation query. Zeroed = everything, latest values.
 * Codes must exist (ERR_NOT_FOUND "unknown indicator 'X'" otherwise). */
struct store_obs_query {
    const char *const *indicators; /* codes, or NULL = every indicator */
    size_t indicator_count;
    const char *const *economies; /* economy or group codes, or NULL */
    size_t economy_count;
    const char *group;           /* NULL, or only economies that are members of
                                    this group in the observation's year */
    int year_from;               /* inclusive; 0 = open */
    int year_to;                 /* inclusive; 0 = open */
    const struct dim_pair *dims; /* required dim=value pairs: pairs of the
                                    same dimension are alternatives (OR),
                                    different dimensions must all match */
    size_t dim_count;
    bool totals_only;    /* only values without dimensions (dims "") */
    int64_t as_of;       /* Unix seconds: what was known then; 0 = latest */
    int64_t as_of_batch; /* only batches <= this id; 0 = no limit */
    int64_t since_batch; /* > 0: only keys whose current (or as-of)
                            revision's batch id is > since_batch: what
                            changed since that batch. Each batch records
                            the series (economy, indicator) it appended
                            to, so only those series are read and the
                            cost is that of the changes, not the store */
    bool any_order;      /* economies may come in any order (each one's series
                            whole, in dims and year order): nothing to sort */
};

/* A row callback; to stop early without an error, return a code of your
 * own choosing (e.g. ERR_LIMIT with err filled) and treat it as success. */
typedef int (*store_obs_fn)(void *ctx, const struct obs *o, struct err *err);

/* Stream the current (or as-of) value of every series matching q to fn, in
 * order of indicator code, economy (economies by code, then groups by
 * code), year, dims. Each row's batch/batch_kind/batch_time tell which
 * revision answered. Holds one indicator's blocks in memory at a time,
 * never the result. Outside a batch or transaction the query is one read
 * transaction on both backends (rows from one snapshot), so fn must not
 * open a batch or transaction on s. */
int store_obs_query(struct store *s, const struct store_obs_query *q,
                    store_obs_fn fn, void *ctx,
                    struct err *err) WARN_UNUSED_RESULT;

typedef int (*store_history_fn)(void *ctx, const struct obs *o,
                                const struct batch *b, struct err *err);

/* Every revision of one value (indicator, economy, year, canonical dims),
 * oldest first, each with its batch. ERR_NOT_FOUND for unknown codes; a
 * series with no revisions simply makes no call. */
int store_obs_history(struct store *s, const char *indicator,
                      const char *economy, int year, const char *dims,
                      store_history_fn fn, void *ctx,
                      struct err *err) WARN_UNUSED_RESULT;

/* ---- Batches and state ------------------------------------------------- */

typedef int (*store_batch_fn)(void *ctx, const struct batch *b,
                              struct err *err);

/* Batches newest first, at most limit (0 = all). */
int store_batch_list(struct store *s, size_t limit, store_batch_fn fn,
                     void *ctx, struct err *err) WARN_UNUSED_RESULT;

/* The newest batch's id and time (both 0 for a store without batches):
 * any write of observations changes them, so they make a cache key/ETag. */
int store_last_revision(struct store *s, int64_t *out_batch, int64_t *out_time,
                        struct err *err) WARN_UNUSED_RESULT;

/* What is in the store. */
struct store_counts {
    int64_t economies, groups, memberships, dimensions, indicators, code_map;
    int64_t series;    /* distinct (indicator, economy, year, dims) keys */
    int64_t revisions; /* observation rows, every revision */
    int64_t batches;
    int64_t indicators_with_data;
    int64_t economies_with_data; /* economies and groups */
    int year_min, year_max;      /* of all observations; 0 if none */
};
int store_counts(struct store *s, struct store_counts *out,
                 struct err *err) WARN_UNUSED_RESULT;

/* ---- Backends and copying a whole store (issue 6) ---------------------- */

/* True if path selects PostgreSQL ("postgresql://..." or "postgres://...",
 * a libpq connection URI); anything else is an SQLite file. */
bool store_path_is_pg(const char *path);

/* The backend of s: "sqlite" or "postgresql". Static storage. */
const char *store_backend(const struct store *s);

/* One table of a copy: rows and an FNV-1a 64 checksum of their text in
 * key order (the same on both backends for the same content). */
struct store_copy_table {
    const char *name; /* static storage */
    int64_t rows;
    uint64_t checksum;
};
struct store_copy_report {
    size_t table_count;
    struct store_copy_table from[24], to[24];
};
typedef void (*store_copy_progress_fn)(void *ctx, const char *table,
                                       int64_t rows);

/* Copy everything in from (reference data, batches, every revision, the
 * tables of data collection and plan versions, all with their ids) into to, a
 * new empty PostgreSQL store, in one transaction; then read the copy back and
 * compare every table's row count and checksum with the source's. progress (may
 * be NULL) is called every 100000 rows. ERR_INVALID if to is not PostgreSQL,
 * ERR_CONFLICT if it is not empty, ERR_STORAGE if the database fails or the
 * verification finds a difference (the report says where). */
int store_copy(struct store *from, struct store *to,
               struct store_copy_report *out, store_copy_progress_fn progress,
               void *progress_ctx, struct err *err) WARN_UNUSED_RESULT;

#endif
