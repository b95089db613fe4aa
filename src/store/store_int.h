/* Store internals shared by store.c and the backends (store_sqlite.c, later
 * store_pg.c): the ops table each backend fills. Only store*.c include this
 * file. The contracts are those of the matching functions in store.h. */
#ifndef ICTDEV_STORE_STORE_INT_H
#define ICTDEV_STORE_STORE_INT_H

#include "store.h"

/* One row of a whole-table read (see table_read below). */
typedef int (*store_row_fn)(void *ctx, const char *const *cells, size_t n,
                            struct err *err);

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
/* The SQLite connection of s, or NULL when s uses another backend. Borrowed
 * until store_close. For store-side modules with their own tables
 * (plan_store.c); they must not leave a transaction open. */
struct sqlite3;
struct sqlite3 *store_sqlite_handle(struct store *s);

#endif
