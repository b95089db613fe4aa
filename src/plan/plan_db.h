/* The plan and the store: reading the current plan (or seeding it from
 * data/plan when the store holds none), saving each change as a new
 * version, and reading the statistics the KPIs need.
 *
 * Ownership: the store is borrowed; plans returned are owned (plan_free).
 * Errors: those of store/plan_store.h, plan_load_dir and plan_from_json. */
#ifndef ICTDEV_PLAN_PLAN_DB_H
#define ICTDEV_PLAN_PLAN_DB_H

#include <stdint.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"
#include "../store/store.h"
#include "plan.h"
#include "stats.h"

/* Append the seed directory to out: $ICTDEV_PLAN_DIR, else plan/ in
 * $ICTDEV_DATA, else ../data/plan next to the running binary (when it
 * holds illustrative.json), else "data/plan". Cannot fail. */
void plan_db_default_dir(struct buf *out);

/* The current plan of s (s may be NULL: no store), else the seed read from
 * dir. *out_version (may be NULL) is the stored version id, 0 for a seed
 * that is not stored yet. Returns owned plan or NULL with err. */
struct plan *plan_db_current(struct store *s, const char *dir,
                             int64_t *out_version,
                             struct err *err) WARN_UNUSED_RESULT;

/* Append p as the newest stored version (origin: who, action: one line
 * saying what changed). *out_version (may be NULL) gets its id. */
int plan_db_save(struct store *s, const struct plan *p, const char *origin,
                 const char *action, int64_t *out_version,
                 struct err *err) WARN_UNUSED_RESULT;

/* Fill st (initialised by the caller) with what p's KPIs read from s: the
 * values of every indicator they reference (indicators the catalogue does
 * not hold are skipped: those KPIs have no data), and the memberships of
 * every group they name plus LDC, LLDC and SIDS. */
int plan_db_stats(struct store *s, const struct plan *p, struct plan_stats *st,
                  struct err *err) WARN_UNUSED_RESULT;

/* The ISO alpha-2 code of an economy, for IATI (ctx is the struct store).
 * Returns borrowed text valid until the next call, or NULL. */
const char *plan_db_iso2(void *ctx, const char *iso3);

#endif
