/* Plan storage (store layer): the results framework kept as versions of
 * one JSON document (elements, links, reported values with their revision
 * history, which set is loaded). Every change appends a version; nothing is
 * overwritten, so the versions are the history of the plan. The store does
 * not interpret the document (plan/ does). Both backends (store_exec);
 * versions get the same ids on either.
 *
 * Ownership: arguments borrowed; documents returned owned (xfree).
 * Errors: ERR_STORAGE (the database failed), ERR_NOT_FOUND (no such
 * version). A failed save writes nothing. */
#ifndef ICTDEV_STORE_PLAN_STORE_H
#define ICTDEV_STORE_PLAN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "store.h"

struct plan_version {
    int64_t id;           /* increasing */
    int64_t time;         /* Unix seconds */
    const char *origin;   /* who made the change */
    const char *action;   /* what changed, one line */
    const char *set_name; /* the set loaded in this version */
    bool set_illustrative;
};

/* Append doc as the newest version described by info (id and time are
 * filled in; time 0 = now). *out_id (may be NULL) gets the new id. */
int plan_store_save(struct store *s, const char *doc,
                    const struct plan_version *info, int64_t *out_id,
                    struct err *err) WARN_UNUSED_RESULT;

/* The newest version's document (owned) and id, or *out_doc NULL and
 * *out_id 0 when the store holds no plan. */
int plan_store_latest(struct store *s, char **out_doc, int64_t *out_id,
                      struct err *err) WARN_UNUSED_RESULT;

/* The newest version's id and time, both 0 when the store holds no plan
 * (for cache validators: a plan change must change them). */
int plan_store_last(struct store *s, int64_t *out_id, int64_t *out_time,
                    struct err *err) WARN_UNUSED_RESULT;

/* The document of version id (owned). ERR_NOT_FOUND if none. */
int plan_store_get(struct store *s, int64_t id, char **out_doc,
                   struct err *err) WARN_UNUSED_RESULT;

typedef int (*plan_version_fn)(void *ctx, const struct plan_version *v,
                               struct err *err);

/* Versions newest first, at most limit (0 = all). fn as in store.h. */
int plan_store_history(struct store *s, size_t limit, plan_version_fn fn,
                       void *ctx, struct err *err) WARN_UNUSED_RESULT;

#endif
