/* Store internals shared by store.c and the backends (store_sqlite.c,
 * store_pg.c): the ops table each backend fills, and store_exec for the
 * store-side modules with tables of their own (collect_store.c,
 * plan_store.c). Only files of src/store/ include this file. The contracts
 * are those of the matching functions in store.h unless stated here. */
#ifndef ICTDEV_STORE_STORE_INT_H
#define ICTDEV_STORE_STORE_INT_H

#include "../core/strmap.h"
#include "store.h"

/* One row of a whole-table read (see table_read below). */
typedef int (*store_row_fn)(void *ctx, const char *const *cells, size_t n,
                            struct err *err);

/* ---- Statements for store-side modules with their own tables ---------
 * collect_store.c and plan_store.c reach their tables through store_exec:
 * one statement in SQLite's spelling (placeholders ?1..?N, rendered for
 * PostgreSQL by store_sql_render), every value bound, never spliced. */

enum store_param_type {
    STORE_PARAM_NULL,
    STORE_PARAM_TEXT,   /* text: NUL-terminated, never NULL */
    STORE_PARAM_INT,    /* i */
    STORE_PARAM_DOUBLE, /* d, finite */
    STORE_PARAM_BLOB,   /* text: len bytes (may hold NULs), bytea on PG */
};
struct store_param {
    enum store_param_type type;
    const char *text; /* TEXT and BLOB; borrowed for the call */
    size_t len;       /* BLOB: bytes at text */
    int64_t i;
    double d;
};
/* Values of struct store_param (compound literals, for the initialiser of
 * a local array). STORE_P_TEXT binds "" for NULL. */
#define STORE_P_NULL() ((struct store_param){.type = STORE_PARAM_NULL})
#define STORE_P_TEXT(s)                                                        \
    ((struct store_param){.type = STORE_PARAM_TEXT,                            \
                          .text = (s) != NULL ? (s) : ""})
#define STORE_P_INT(v)                                                         \
    ((struct store_param){.type = STORE_PARAM_INT, .i = (int64_t)(v)})
#define STORE_P_DOUBLE(v)                                                      \
    ((struct store_param){.type = STORE_PARAM_DOUBLE, .d = (v)})
#define STORE_P_BLOB(p, n)                                                     \
    ((struct store_param){                                                     \
        .type = STORE_PARAM_BLOB, .text = (const char *)(p), .len = (n)})

/* One result row of store_exec: cells[i] is column i as text (NULL for SQL
 * NULL; integers in decimal, reals in fmt_double's shortest form, blobs as
 * their bytes), lens[i] its length in bytes. Both backends give the same
 * cells for the same content. Borrowed until the callback returns. */
struct store_cells {
    const char *const *cells;
    const size_t *lens;
    size_t count;
};
typedef int (*store_cells_fn)(void *ctx, const struct store_cells *row,
                              struct err *err);

/* One statement with its parameters (?1 is params[0]) and, for statements
 * that return rows (SELECT, INSERT ... RETURNING), a row callback (NULL:
 * rows are dropped). Limits: at most STORE_MAX_PARAMS parameters and
 * STORE_MAX_CELLS columns. */
#define STORE_MAX_PARAMS 16
#define STORE_MAX_CELLS  32
struct store_stmt {
    const char *sql; /* one statement, SQLite spelling */
    const struct store_param *params;
    size_t param_count;
    store_cells_fn fn;
    void *ctx;
};

/* Run q on s's connection, inside whatever transaction or batch s has open
 * (so a write commits or rolls back with it); outside one, the statement
 * is its own transaction (on PostgreSQL a write then takes the writer lock
 * as store_begin does, so ids allocated as max(id) + 1 are safe).
 * *out_changes (may be NULL) gets the rows an INSERT, UPDATE or DELETE
 * changed (0 for a SELECT). Borrows everything. Errors: ERR_CONFLICT "a row
 * with the same key exists" for a unique or primary-key violation
 * (PostgreSQL SQLSTATE 23505), ERR_STORAGE for any other database error (a
 * trigger's refusal included; the message carries the database's text),
 * ERR_INVALID for a text parameter that is not valid UTF-8 (on both
 * backends; nothing runs), ERR_LIMIT past the limits above, or the
 * callback's own code. A failed
 * statement inside a transaction leaves it open: the caller rolls back. */
int store_exec(struct store *s, const struct store_stmt *q,
               int64_t *out_changes, struct err *err) WARN_UNUSED_RESULT;

/* store_exec with its database errors (ERR_STORAGE, ERR_CONFLICT,
 * ERR_INVALID) prefixed by what ("saving a plan version: ..."); a
 * callback's own error passes unchanged. */
int store_exec_as(struct store *s, const struct store_stmt *q,
                  int64_t *out_changes, const char *what,
                  struct err *err) WARN_UNUSED_RESULT;
/* A store_cells_fn that stores cell 0 as an int64 in *(int64_t *)ctx (the
 * id of an INSERT ... RETURNING id, a count). Cannot fail. */
int store_cells_take_int(void *ctx, const struct store_cells *row,
                         struct err *err);

/* Cell i of row as an int64 (0 for NULL or not a number) or a double (0
 * likewise), or as text ("" for NULL). Cannot fail. */
int64_t store_cell_int(const struct store_cells *row, size_t i);
double store_cell_double(const struct store_cells *row, size_t i);
const char *store_cell_text(const struct store_cells *row, size_t i);

/* ---- Codes and blocks ---------------------------------------------------
 * Every backend keeps the codes of indicators and areas in memory (struct
 * store_codes, refreshed when another connection adds one) and stores
 * observations as blocks (block.h): one row per (indicator, area, batch,
 * part) in the table blocks. What is done with blocks (writing a batch,
 * queries, history, counts) is written once, in store_obs.c, on top of the
 * ops below. */

/* A code known to the store. */
struct store_code {
    int64_t id;
    char *code; /* owned */
    bool is_group;
};

/* The code cache of one connection. inds are sorted by code; areas hold
 * the economies by code, then the groups by code (the order of query
 * results). */
struct store_codes {
    struct strmap ind_ids;  /* code → index into inds */
    struct strmap area_ids; /* code → index into areas */
    struct store_code *inds;
    size_t ind_count, ind_cap;
    struct store_code *areas; /* economies by code, then groups by code */
    size_t area_count, area_cap;
    size_t *area_by_id; /* id → index + 1 (0: none); area_id_cap entries */
    size_t area_id_cap;
    bool area_ids_ordered; /* ids grow along areas[]: reading by id gives
                              the order of query results */
};

/* Append a code (in the cache's order) to c. Cannot fail. */
void store_codes_add(struct store_codes *c, bool area, int64_t id,
                     const char *code, bool is_group);
/* After the last store_codes_add: index the codes by id. Cannot fail. */
void store_codes_index(struct store_codes *c);
/* Free everything in c and zero it. Safe on a zeroed struct. */
void store_codes_drop(struct store_codes *c);
/* Index of an indicator or area code, or ERR_NOT_FOUND ("unknown
 * indicator 'X'", "unknown economy or group 'X'"). */
int store_codes_ind(const struct store_codes *c, const char *code, size_t *out,
                    struct err *err) WARN_UNUSED_RESULT;
int store_codes_area(const struct store_codes *c, const char *code, size_t *out,
                     struct err *err) WARN_UNUSED_RESULT;
/* Index of the area or indicator with this id; false if none. */
bool store_codes_area_of(const struct store_codes *c, int64_t id, size_t *out);
bool store_codes_ind_of(const struct store_codes *c, int64_t id, size_t *out);

/* One row of the table blocks. data is borrowed (valid only during the
 * callback that hands it over, or the call that writes it). */
struct store_block {
    int64_t indicator_id, area_id, batch_id;
    int64_t part;  /* 0, 1, ... within (indicator, area, batch) */
    int64_t cells; /* cells in data */
    int year_min, year_max;
    const unsigned char *data;
    size_t len;
};
typedef int (*store_block_fn)(void *ctx, const struct store_block *b,
                              struct err *err);

/* What store_batch_begin learns from the backend. */
struct store_batch_open {
    int64_t id;   /* the new batch's id */
    bool fresh;   /* the table blocks was empty (no value to compare) */
    bool trusted; /* the newest batch before this one was info->read_at */
};

struct store_ops {
    const char *name; /* "sqlite", "postgresql" */
    void (*close)(struct store *s);
    int (*begin)(struct store *s, struct err *err);
    int (*commit)(struct store *s, struct err *err);
    void (*rollback)(struct store *s);
    int (*economy_put)(struct store *s, const struct economy *e,
                       struct err *err);
    int (*group_put)(struct store *s, const struct group *g, struct err *err);
    int (*indicator_put)(struct store *s, const struct indicator *ind,
                         struct err *err);
    int (*membership_put)(struct store *s, const struct membership *m,
                          struct err *err);
    int (*dimension_put)(struct store *s, const struct dimension_value *d,
                         struct err *err);
    int (*code_map_put)(struct store *s, const struct code_map_entry *c,
                        struct err *err);
    int (*reference_clear)(struct store *s, struct err *err);
    int (*economy_list)(struct store *s, const char *code, store_economy_fn fn,
                        void *ctx, struct err *err);
    int (*group_list)(struct store *s, const char *code, store_group_fn fn,
                      void *ctx, struct err *err);
    int (*group_members)(struct store *s, const char *group, int year,
                         store_membership_fn fn, void *ctx, struct err *err);
    int (*economy_groups)(struct store *s, const char *economy, int year,
                          store_membership_fn fn, void *ctx, struct err *err);
    int (*dimension_list)(struct store *s, store_dimension_fn fn, void *ctx,
                          struct err *err);
    int (*indicator_list)(struct store *s, const char *code, const char *words,
                          store_indicator_fn fn, void *ctx, struct err *err);
    int (*code_map_list)(struct store *s, store_code_map_fn fn, void *ctx,
                         struct err *err);
    /* The code cache, loaded or refreshed as needed; borrowed until the
     * next call on s. */
    int (*codes)(struct store *s, const struct store_codes **out,
                 struct err *err);
    /* Open a batch: the writer lock, the batch row, what *out says. */
    int (*batch_begin)(struct store *s, const struct store_batch_info *info,
                       struct store_batch_open *out, struct err *err);
    /* Write one block in the open batch or write transaction. It may be
     * buffered, but blocks_read on s sees it. */
    int (*block_write)(struct store *s, const struct store_block *b,
                       struct err *err);
    /* The blocks of one indicator with batch_id <= batch_limit: of one
     * area, or of every area when area_id < 0; ordered by area_id,
     * batch_id, part. */
    int (*blocks_read)(struct store *s, int64_t indicator_id, int64_t area_id,
                       int64_t batch_limit, store_block_fn fn, void *ctx,
                       struct err *err);
    /* Commit the open batch (store.c has recorded what it changed). On
     * error the batch is rolled back. */
    int (*batch_commit)(struct store *s, struct err *err);
    void (*batch_rollback)(struct store *s);
    /* When no transaction is open, begin a read-only one (one snapshot for
     * the reads that follow) and set *out_opened; read_end ends it. */
    int (*read_begin)(struct store *s, bool *out_opened, struct err *err);
    void (*read_end)(struct store *s);
    int (*batch_list)(struct store *s, size_t limit, store_batch_fn fn,
                      void *ctx, struct err *err);
    int (*last_revision)(struct store *s, int64_t *out_batch, int64_t *out_time,
                         struct err *err);
    /* Whole tables, for store_copy (issue 6). table_read streams every row
     * of store_sql_tables[table] in its order: cells[i] is column i as
     * text, NULL for SQL NULL, integers in decimal, reals in fmt_double's
     * shortest form, so both backends give the same text. */
    int (*table_read)(struct store *s, size_t table, store_row_fn fn, void *ctx,
                      struct err *err);
    /* Writing whole tables into an empty store, all in one transaction:
     * copy_begin, then per table copy_table_begin, copy_row..., and
     * copy_table_end, then copy_commit (or copy_rollback). NULL when the
     * backend cannot be a copy's destination. */
    int (*copy_begin)(struct store *s, struct err *err);
    int (*copy_table_begin)(struct store *s, size_t table, struct err *err);
    int (*copy_row)(struct store *s, const char *const *cells, size_t n,
                    struct err *err);
    int (*copy_table_end)(struct store *s, struct err *err);
    int (*copy_commit)(struct store *s, struct err *err);
    void (*copy_rollback)(struct store *s);
    /* store_exec (above). */
    int (*exec)(struct store *s, const struct store_stmt *q,
                int64_t *out_changes, struct err *err);
    /* store_backup and store_restore (collect_store.h). NULL when the
     * backend has its own tools (PostgreSQL: pg_dump, pg_restore). */
    int (*backup)(struct store *s, const char *path, struct err *err);
    int (*restore)(struct store *s, const char *path, struct err *err);
};

/* The part of every backend's connection struct that store.c sees; a
 * backend embeds it first. */
struct store_writer; /* store_obs.c: the open batch's blocks */
struct store {
    const struct store_ops *ops;
    char *path;             /* owned */
    struct store_writer *w; /* owned; the open batch, or NULL */
};

/* Checks and messages both backends share (store.c). */
/* ERR_INVALID "bad WHAT code 'X'" unless code passes code_valid. */
int store_check_code(const char *what, const char *code, struct err *err);
/* ERR_INVALID for a year out of range, a value not finite, a bad status. */
int store_check_obs(const struct obs *o, struct err *err);
/* ERR_CONFLICT "duplicate key: ... already given in this load". */
int store_duplicate(const struct obs *o, struct err *err);
/* The word filter of store_indicator_list. */
bool store_indicator_matches(const struct indicator *ind, const char *words);

/* ---- Observations over blocks (store_obs.c) ------------------------------ */

/* Start the writer of a batch the backend has just opened. */
void store_writer_begin(struct store *s, const struct store_batch_open *b);
/* Write what the writer still holds; *out_batch gets the batch's id and
 * *out_changed the revisions it appended. ERR_CONFLICT without an open
 * batch; errors of block_write (the batch stays open). */
int store_writer_flush(struct store *s, int64_t *out_batch,
                       int64_t *out_changed,
                       struct err *err) WARN_UNUSED_RESULT;
/* Drop the writer (after commit or rollback). Safe without one. */
void store_writer_end(struct store *s);

/* Migration hook, called by a backend right after it applied
 * store_sql_migrations[v] inside the migration's transaction: the one
 * that brings schema 6 moves the rows of the old table obs into blocks
 * and drops obs and batch_series. */
int store_obs_migrate(struct store *s, int v,
                      struct err *err) WARN_UNUSED_RESULT;

/* Open the SQLite backend (store_sqlite.c). Contract of store_open. */
struct store *store_sqlite_open(const char *path, unsigned flags,
                                struct err *err);

/* Open the PostgreSQL backend (store_pg.c); uri is a libpq connection URI
 * ("postgresql://..." or "postgres://..."). Contract of store_open. */
struct store *store_pg_open(const char *uri, unsigned flags, struct err *err);

#endif
