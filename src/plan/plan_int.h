/* Internals of the plan module shared by plan*.c only. */
#ifndef ICTDEV_PLAN_PLAN_INT_H
#define ICTDEV_PLAN_PLAN_INT_H

#include "plan.h"

/* Return an owned deep copy of p (index rebuilt), or NULL with err. */
struct plan *plan_clone(const struct plan *p,
                        struct err *err) WARN_UNUSED_RESULT;

/* Parse one element object (set-file form) into *out (owned fields); its
 * "links" are appended to p->links. ERR_PARSE / ERR_INVALID. */
int plan_element_from_json(struct plan *p, const char *text,
                           struct plan_element *out,
                           struct err *err) WARN_UNUSED_RESULT;

/* ERR_INVALID unless type is "", contributes, measures, implements,
 * supports or related. */
int plan_link_type_check(const char *type, struct err *err) WARN_UNUSED_RESULT;

/* json_decref for an element's extra; safe on NULL. */
void plan_json_decref(struct json_t *j);

/* Free e's fields and zero it (plan_json.c). Safe on a zeroed element. */
void plan_element_cleanup(struct plan_element *e);

#endif
