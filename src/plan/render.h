/* What the results framework answers, as text: the tree (text or JSON),
 * progress per KPI (text or CSV), traceability to a linkage target, the
 * matrix priorities x linkage types, KPIs without data, elements without
 * any KPI, the HTML monitoring report and the IATI activity XML. Each
 * function appends to out (borrowed) and cannot fail; the progress is
 * borrowed. Numbers are rounded to 2 decimals for display. */
#ifndef ICTDEV_PLAN_RENDER_H
#define ICTDEV_PLAN_RENDER_H

#include <stdbool.h>

#include "../core/buf.h"
#include "progress.h"

/* The tree for year: JSON is a list of priorities, each with id, name,
 * verified, rollup, outputs and expected_results, each with kpis (value,
 * value_year, baseline, target, status). Text is an indented outline. */
void plan_render_tree(const struct plan_progress *pr, int year, bool json,
                      struct buf *out);

/* One row per KPI: kpi,element,value,baseline,target,status (CSV) or an
 * aligned table. */
void plan_render_progress(const struct plan_progress *pr, int year, bool csv,
                          struct buf *out);

/* Everything that contributes to target (a linkage target or element id)
 * and how it is doing. Returns false (nothing written) if target is
 * unknown. */
bool plan_render_links(const struct plan_progress *pr, const char *target,
                       int year, struct buf *out);

/* The matrix priorities x linkage types: number of links from each
 * priority and the elements under it, CSV when csv. */
void plan_render_matrix(const struct plan_progress *pr, bool csv,
                        struct buf *out);

/* KPIs with no value in year (within the staleness window), with why. */
void plan_render_no_data(const struct plan_progress *pr, int year,
                         struct buf *out);

/* Elements (not KPIs, projects or activities) with no KPI under them. */
void plan_render_no_kpi(const struct plan_progress *pr, struct buf *out);

/* Roll-ups for year: per priority, output, region and linkage target. */
void plan_render_rollups(const struct plan_progress *pr, int year,
                         struct buf *out);

/* The printable HTML monitoring report for year: self-contained (inline
 * CSS and SVG charts, no external assets). */
void plan_render_report(const struct plan_progress *pr, int year,
                        struct buf *out);

/* SVG pieces of the report, for pages that embed them (no inline CSS, so
 * they pass a strict Content-Security-Policy): a stacked bar of status
 * counts with a legend; a small line chart of KPI element i up to year with
 * its trajectory (dashed) and target (circle); a coloured dot and the
 * status name. */
void plan_render_status_svg(const struct plan_rollup *r, struct buf *out);
void plan_render_kpi_svg(const struct plan_progress *pr, size_t i, int year,
                         struct buf *out);
void plan_render_status_dot(int status, struct buf *out);

/* IATI activity XML (standard version 2.03) of the plan's projects with
 * their results chains. reporting_org is the IATI organisation identifier
 * to publish under (borrowed); generated the ISO 8601 date-time stamp. */
struct plan_iati_opts {
    const char *reporting_org; /* e.g. "XI-ITU-D" (placeholder) */
    const char *generated;     /* "2026-11-28T18:00:00Z" */
    /* ISO alpha-2 of an alpha-3 economy code, or NULL if unknown (the
     * country is then left out); NULL function: no recipient countries. */
    const char *(*iso2)(void *ctx, const char *iso3);
    void *ctx;
};
void plan_render_iati(const struct plan *p, const struct plan_iati_opts *o,
                      struct buf *out);

/* Projects with one row per beneficiary economy and its LDC/LLDC/SIDS
 * flags in year (from the memberships in s), budget, disbursed, status. */
void plan_render_projects(const struct plan *p, const struct plan_stats *s,
                          int year, struct buf *out);

/* Which set is loaded: name, official or illustrative, its version and
 * note, and the stored plan version (0: the seed, not stored yet). */
void plan_render_set(const struct plan *p, long long stored_version,
                     struct buf *out);

/* Capacity-development activities: one row per activity and economy with
 * participants by sex and the economy's LDC/LLDC/SIDS flags that year. */
void plan_render_activities(const struct plan *p, const struct plan_stats *s,
                            struct buf *out);

/* JSON forms for the API: progress (a list of KPI objects as in the tree),
 * links (target, its type/title/verified, contributing elements with via
 * and status, rollup; false if target is unknown), the matrix (columns and
 * rows) and the set (name, illustrative, version, note, stored_version). */
void plan_render_progress_json(const struct plan_progress *pr, int year,
                               struct buf *out);
bool plan_render_links_json(const struct plan_progress *pr, const char *target,
                            int year, struct buf *out);
void plan_render_matrix_json(const struct plan_progress *pr, struct buf *out);
void plan_render_set_json(const struct plan *p, long long stored_version,
                          struct buf *out);

/* Append v rounded to 2 decimals in shortest form ("" for NaN). */
void plan_put_num(struct buf *out, double v);

#endif
