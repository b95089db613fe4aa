/* Store internals shared by store.c and the backends (store_sqlite.c,
 * store_pg.c): the ops table each backend fills, and store_exec for the
 * store-side modules with tables of their own (collect_store.c,
 * plan_store.c). Only files of src/store/ include this file. The contracts
 * are those of the matching functions in store.h unless stated here. */
#ifndef ICTDEV_STORE_STORE_INT_H
#define ICTDEV_STORE_STORE_INT_H

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
    int (*batch_begin)(struct store *s, const struct store_batch_info *info,
                       struct err *err);
    int (*obs_put)(struct store *s, const struct obs *o, bool *out_changed,
                   struct err *err);
    /* NULL: store_obs_append runs obs_put. */
    int (*obs_append)(struct store *s, const struct obs *o, struct err *err);
    int (*batch_commit)(struct store *s, int64_t *out_batch,
                        int64_t *out_changed, struct err *err);
    void (*batch_rollback)(struct store *s);
    int (*obs_query)(struct store *s, const struct store_obs_query *q,
                     store_obs_fn fn, void *ctx, struct err *err);
    int (*obs_history)(struct store *s, const char *indicator,
                       const char *economy, int year, const char *dims,
                       store_history_fn fn, void *ctx, struct err *err);
    int (*batch_list)(struct store *s, size_t limit, store_batch_fn fn,
                      void *ctx, struct err *err);
    int (*last_revision)(struct store *s, int64_t *out_batch, int64_t *out_time,
                         struct err *err);
    int (*counts)(struct store *s, struct store_counts *out, struct err *err);
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
struct store {
    const struct store_ops *ops;
    char *path; /* owned */
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

/* Open the SQLite backend (store_sqlite.c). Contract of store_open. */
struct store *store_sqlite_open(const char *path, unsigned flags,
                                struct err *err);

/* Open the PostgreSQL backend (store_pg.c); uri is a libpq connection URI
 * ("postgresql://..." or "postgres://..."). Contract of store_open. */
struct store *store_pg_open(const char *uri, unsigned flags, struct err *err);

#endif
