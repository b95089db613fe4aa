/* The store interface: argument checks, then dispatch to the backend. */
#include "store.h"

#include "../core/mem.h"
#include "store_int.h"

struct store *store_open(const char *path, unsigned flags, struct err *err)
{
    if (!path || !path[0]) {
        err_set(err, ERR_INVALID, "store path is empty");
        return NULL;
    }
    /* TODO(#6): "postgresql://" and "postgres://" select store_pg.c. */
    return store_sqlite_open(path, flags, err);
}

void store_close(struct store *s)
{
    if (s) {
        s->ops->close(s);
    }
}

const char *store_path(const struct store *s)
{
    return s->path;
}

int store_begin(struct store *s, struct err *err)
{
    return s->ops->begin(s, err);
}

int store_commit(struct store *s, struct err *err)
{
    return s->ops->commit(s, err);
}

void store_rollback(struct store *s)
{
    s->ops->rollback(s);
}

int store_economy_put(struct store *s, const struct economy *e, struct err *err)
{
    return s->ops->economy_put(s, e, err);
}

int store_group_put(struct store *s, const struct group *g, struct err *err)
{
    return s->ops->group_put(s, g, err);
}

int store_indicator_put(struct store *s, const struct indicator *ind,
                        struct err *err)
{
    return s->ops->indicator_put(s, ind, err);
}

int store_membership_put(struct store *s, const struct membership *m,
                         struct err *err)
{
    return s->ops->membership_put(s, m, err);
}

int store_dimension_put(struct store *s, const struct dimension_value *d,
                        struct err *err)
{
    return s->ops->dimension_put(s, d, err);
}

int store_code_map_put(struct store *s, const struct code_map_entry *c,
                       struct err *err)
{
    return s->ops->code_map_put(s, c, err);
}

int store_reference_clear(struct store *s, struct err *err)
{
    return s->ops->reference_clear(s, err);
}

int store_economy_list(struct store *s, store_economy_fn fn, void *ctx,
                       struct err *err)
{
    return s->ops->economy_list(s, NULL, fn, ctx, err);
}

int store_economy_get(struct store *s, const char *code, store_economy_fn fn,
                      void *ctx, struct err *err)
{
    return s->ops->economy_list(s, code, fn, ctx, err);
}

int store_group_list(struct store *s, store_group_fn fn, void *ctx,
                     struct err *err)
{
    return s->ops->group_list(s, NULL, fn, ctx, err);
}

int store_group_get(struct store *s, const char *code, store_group_fn fn,
                    void *ctx, struct err *err)
{
    return s->ops->group_list(s, code, fn, ctx, err);
}

int store_group_members(struct store *s, const char *group, int year,
                        store_membership_fn fn, void *ctx, struct err *err)
{
    return s->ops->group_members(s, group, year, fn, ctx, err);
}

int store_economy_groups(struct store *s, const char *economy, int year,
                         store_membership_fn fn, void *ctx, struct err *err)
{
    return s->ops->economy_groups(s, economy, year, fn, ctx, err);
}

int store_dimension_list(struct store *s, store_dimension_fn fn, void *ctx,
                         struct err *err)
{
    return s->ops->dimension_list(s, fn, ctx, err);
}

int store_indicator_list(struct store *s, const char *words,
                         store_indicator_fn fn, void *ctx, struct err *err)
{
    return s->ops->indicator_list(s, NULL, words, fn, ctx, err);
}

int store_indicator_get(struct store *s, const char *code,
                        store_indicator_fn fn, void *ctx, struct err *err)
{
    return s->ops->indicator_list(s, code, NULL, fn, ctx, err);
}

int store_code_map_list(struct store *s, store_code_map_fn fn, void *ctx,
                        struct err *err)
{
    return s->ops->code_map_list(s, fn, ctx, err);
}

int store_batch_begin(struct store *s, const struct store_batch_info *info,
                      struct err *err)
{
    return s->ops->batch_begin(s, info, err);
}

int store_obs_put(struct store *s, const struct obs *o, bool *out_changed,
                  struct err *err)
{
    return s->ops->obs_put(s, o, out_changed, err);
}

int store_batch_commit(struct store *s, int64_t *out_batch,
                       int64_t *out_changed, struct err *err)
{
    return s->ops->batch_commit(s, out_batch, out_changed, err);
}

void store_batch_rollback(struct store *s)
{
    s->ops->batch_rollback(s);
}

int store_obs_query(struct store *s, const struct store_obs_query *q,
                    store_obs_fn fn, void *ctx, struct err *err)
{
    return s->ops->obs_query(s, q, fn, ctx, err);
}

int store_obs_history(struct store *s, const char *indicator,
                      const char *economy, int year, const char *dims,
                      store_history_fn fn, void *ctx, struct err *err)
{
    return s->ops->obs_history(s, indicator, economy, year, dims ? dims : "",
                               fn, ctx, err);
}

int store_batch_list(struct store *s, size_t limit, store_batch_fn fn,
                     void *ctx, struct err *err)
{
    return s->ops->batch_list(s, limit, fn, ctx, err);
}

int store_last_revision(struct store *s, int64_t *out_batch, int64_t *out_time,
                        struct err *err)
{
    return s->ops->last_revision(s, out_batch, out_time, err);
}

int store_counts(struct store *s, struct store_counts *out, struct err *err)
{
    return s->ops->counts(s, out, err);
}
