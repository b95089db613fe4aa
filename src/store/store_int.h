/* Store internals shared by store.c and the backends (store_sqlite.c, later
 * store_pg.c): the ops table each backend fills. Only store*.c include this
 * file. The contracts are those of the matching functions in store.h. */
#ifndef ICTDEV_STORE_STORE_INT_H
#define ICTDEV_STORE_STORE_INT_H

#include "store.h"

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
};

/* The part of every backend's connection struct that store.c sees; a
 * backend embeds it first. */
struct store {
    const struct store_ops *ops;
    char *path; /* owned */
};

/* Open the SQLite backend (store_sqlite.c). Contract of store_open. */
struct store *store_sqlite_open(const char *path, unsigned flags,
                                struct err *err);

/* The SQLite connection of s, or NULL when s uses another backend. Borrowed
 * until store_close. For store-side modules with their own tables
 * (plan_store.c); they must not leave a transaction open. */
struct sqlite3;
struct sqlite3 *store_sqlite_handle(struct store *s);

#endif
