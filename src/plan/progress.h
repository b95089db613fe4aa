/* KPI measurement and progress: the value of every KPI for every year with
 * data (computed KPIs from the statistics, reported KPIs from their latest
 * revisions or from capacity-development activities), the status rule
 * against the linear trajectory from baseline to target, and roll-ups per
 * output, priority, region (the KPI's economy or group) and linkage target.
 *
 * Status of a KPI in year Y (documented in docs/plan.md):
 *   - the value used is the latest one in years Y-PLAN_STALE_YEARS..Y;
 *     none: "no data";
 *   - achieved: the value has reached the target (direction-aware);
 *   - else, with e the trajectory value at the value's year (baseline
 *     before the baseline year, target after the target year) and
 *     gap = direction * (value - e) / |target - baseline|:
 *     gap >= 0 on track; gap >= -PLAN_AT_RISK_GAP at risk; else off track.
 *     Past the target year without reaching it: off track. A KPI without a
 *     baseline value is judged against its target only: achieved or off
 *     track past the target year, else at risk.
 * Ownership: struct plan_progress is owned by the caller
 * (plan_progress_free); it borrows nothing. */
#ifndef ICTDEV_PLAN_PROGRESS_H
#define ICTDEV_PLAN_PROGRESS_H

#include <stddef.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "plan.h"
#include "stats.h"

#define PLAN_STALE_YEARS 3   /* a value older than this is "no data" */
#define PLAN_AT_RISK_GAP 0.1 /* behind by up to 10% of the change: at risk */

enum plan_status {
    PS_NO_DATA,
    PS_OFF_TRACK,
    PS_AT_RISK,
    PS_ON_TRACK,
    PS_ACHIEVED,
    PS_STATUS_COUNT
};

/* "no data", "off track", "at risk", "on track", "achieved". Static. */
const char *plan_status_name(int status);

/* Status of value v measured in year vy for k (the rule above, without
 * the staleness window). NaN v: PS_NO_DATA. Cannot fail. */
int plan_status_of(const struct plan_kpi *k, int vy, double v);

/* Trajectory value of k in year y. */
double plan_trajectory(const struct plan_kpi *k, int y);

/* The series of one KPI: values by year, NaN = none. */
struct plan_series {
    int year0;    /* first year of vals */
    int nyears;   /* entries in vals; 0 = no data at all */
    double *vals; /* owned */
    char *error;  /* owned; why it could not be measured, or NULL */
    char *region; /* owned; see plan_progress_region */
};

struct plan_progress {
    const struct plan *plan;    /* borrowed: the plan measured */
    struct plan_series *series; /* owned; plan->count entries, KPIs only */
};

/* Measure every KPI of p over s (both borrowed; p must outlive the
 * result). Years run from min(s->year_min, 2000) to max(s->year_max,
 * latest reported year). Returns owned progress; cannot fail (a KPI whose
 * expression cannot be compiled gets its error in series.error). */
struct plan_progress *plan_progress_new(const struct plan *p,
                                        const struct plan_stats *s);
void plan_progress_free(struct plan_progress *pr);

/* Value of element i in year (NaN if none). */
double plan_progress_value(const struct plan_progress *pr, size_t i, int year);
/* The latest value of element i at or before year within the staleness
 * window; *out_year gets its year (0 if none). */
double plan_progress_latest(const struct plan_progress *pr, size_t i, int year,
                            int *out_year);
/* Status of KPI element i for year. */
int plan_progress_status(const struct plan_progress *pr, size_t i, int year);
/* The latest year with a value of any KPI (0 if none). */
int plan_progress_last_year(const struct plan_progress *pr);

/* A roll-up: how many KPIs are in each status. */
struct plan_rollup {
    size_t counts[PS_STATUS_COUNT];
    size_t total;
};

/* Roll up the KPIs under element id (itself, its descendants and those
 * linked to it) for year. */
void plan_rollup_element(const struct plan_progress *pr, const char *id,
                         int year, struct plan_rollup *out);
/* Roll up the KPIs contributing to a linkage target (directly, through an
 * ancestor, or, for sdg:9.c, through sdg:9.c.1). */
void plan_rollup_target(const struct plan_progress *pr, const char *target,
                        int year, struct plan_rollup *out);
/* Roll up the KPIs whose region (economy or group of a group function) is
 * region. */
void plan_rollup_region(const struct plan_progress *pr, const char *region,
                        int year, struct plan_rollup *out);
/* The region of KPI element i: its economy, else its group function's
 * group, else the economy of its last eco= reference (for "x[eco=WLD] -
 * x[eco=LDC]": LDC); "" if none. Borrowed until
 * plan_progress_free. */
const char *plan_progress_region(const struct plan_progress *pr, size_t i);

/* True if KPI element i is under (or linked to) element id. */
bool plan_kpi_under(const struct plan *p, size_t i, const char *id);

#endif
