/* A thread that writes the values of an open batch (compute layer): the
 * caller computes and formats the next values while the store writes the
 * previous ones. Rows are copied into chunks handed over in order, so the
 * store sees exactly the calls it would have seen from the caller.
 *
 * Between obs_writer_start and obs_writer_finish the store belongs to the
 * writer's thread: the caller must not use it (a store is one connection,
 * used by one thread at a time). Not for use from several threads. */
#ifndef ICTDEV_COMPUTE_WRITER_H
#define ICTDEV_COMPUTE_WRITER_H

#include <stdbool.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "../model/model.h"
#include "../store/store.h"

struct obs_writer;

/* Start writing into s's open batch (borrowed until obs_writer_finish).
 * Returns owned writer; cannot fail (without a thread, puts are written
 * on the caller's thread). */
struct obs_writer *obs_writer_start(struct store *s);

/* Queue o (copied; borrowed for the call) for store_obs_append, or with
 * append false for store_obs_put. Returns 0, or the error of an earlier
 * row (the first one; err filled), after which nothing more is written. */
int obs_writer_put(struct obs_writer *w, const struct obs *o, bool append,
                   struct err *err) WARN_UNUSED_RESULT;

/* Write what is queued, stop the thread and free w (takes it). Returns 0,
 * or the first error of a row (err filled): the caller rolls the batch
 * back. */
int obs_writer_finish(struct obs_writer *w, struct err *err) WARN_UNUSED_RESULT;

#endif
