/* Internals shared by collect.c and submission.c. Only collect*.c and
 * submission.c include this. */
#ifndef ICTDEV_COLLECT_COLLECT_INT_H
#define ICTDEV_COLLECT_COLLECT_INT_H

#include "collect.h"

/* Append an audit entry (who, what, object, before/after JSON) in the
 * current transaction. */
int collect_audit(struct collect *c, const struct principal *who,
                  const char *action, const char *object, const char *before,
                  const char *after, struct err *err) WARN_UNUSED_RESULT;

/* Run fn(c, arg, err) in one store transaction: committed if it returns 0,
 * rolled back otherwise. */
int collect_in_tx(struct collect *c,
                  int (*fn)(struct collect *, void *, struct err *), void *arg,
                  struct err *err) WARN_UNUSED_RESULT;

/* True if economy is in who's list. */
bool collect_has_economy(const struct principal *who, const char *economy);

#endif
