/* The statistics a plan is measured on: an in-memory table of values
 * (indicator, dimension key, economy or group code, year) -> value and the
 * group memberships by year. Filled by the caller (cli/ reads the store; unit
 * tests put values by hand), then read by KPI evaluation. Not thread-safe
 * while being filled; read-only use may be shared. */
#ifndef ICTDEV_PLAN_STATS_H
#define ICTDEV_PLAN_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/strmap.h"

struct plan_member {
    char *group;   /* owned */
    char *economy; /* owned */
    int from_year; /* 0 = open */
    int to_year;   /* 0 = open */
};

struct plan_stats {
    struct strmap keys; /* "ind|dims|eco|year" -> index into vals */
    double *vals;       /* owned; count entries */
    size_t count;
    struct plan_member *members; /* owned; member_count entries */
    size_t member_count;
    int year_min; /* of the values; 0 when empty */
    int year_max;
};

/* Zero s. Cannot fail. */
void plan_stats_init(struct plan_stats *s);
/* Free everything in s. Safe on a zeroed struct. */
void plan_stats_cleanup(struct plan_stats *s);
/* Set a value (replacing one with the same key); dims is the canonical
 * key ("" = total). Non-finite values are ignored. Strings borrowed. */
void plan_stats_put(struct plan_stats *s, const char *indicator,
                    const char *dims, const char *economy, int year,
                    double value);
/* Add a membership (strings borrowed and copied). */
void plan_stats_member(struct plan_stats *s, const char *group,
                       const char *economy, int from_year, int to_year);
/* The value, or NaN when there is none. */
double plan_stats_get(const struct plan_stats *s, const char *indicator,
                      const char *dims, const char *economy, int year);
/* True if economy is a member of group in year. */
bool plan_stats_is_member(const struct plan_stats *s, const char *group,
                          const char *economy, int year);
/* True if the group has any membership (it is a known group). */
bool plan_stats_has_group(const struct plan_stats *s, const char *group);

#endif
