/* KPI measurement, the status rule and roll-ups. */
#include "progress.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "kpi_expr.h"

static const char *const status_names[PS_STATUS_COUNT] = {
    "no data", "off track", "at risk", "on track", "achieved",
};

const char *plan_status_name(int status)
{
    if (status < 0 || status >= PS_STATUS_COUNT) {
        return "?";
    }
    return status_names[status];
}

double plan_trajectory(const struct plan_kpi *k, int y)
{
    double b = k->base_value;
    double t = k->target_value;

    if (y <= k->base_year || !isfinite(b)) {
        return isfinite(b) ? b : t;
    }
    if (y >= k->target_year || k->target_year == k->base_year) {
        return t;
    }
    return b + (t - b) * (double)(y - k->base_year) /
                   (double)(k->target_year - k->base_year);
}

int plan_status_of(const struct plan_kpi *k, int vy, double v)
{
    double d = k->direction < 0 ? -1.0 : 1.0;
    double span;
    double gap;

    if (!isfinite(v)) {
        return PS_NO_DATA;
    }
    if (d * (v - k->target_value) >= 0) {
        return PS_ACHIEVED;
    }
    if (vy >= k->target_year) {
        return PS_OFF_TRACK;
    }
    if (!isfinite(k->base_value)) {
        return PS_AT_RISK;
    }
    span = fabs(k->target_value - k->base_value);
    if (span == 0) {
        return PS_OFF_TRACK;
    }
    gap = d * (v - plan_trajectory(k, vy)) / span;
    if (gap >= 0) {
        return PS_ON_TRACK;
    }
    return gap >= -PLAN_AT_RISK_GAP ? PS_AT_RISK : PS_OFF_TRACK;
}

/* Reported KPIs fed by activities: participants (persons) or the share of
 * women, over the activities linked to the KPI, by activity year. */
static double activity_feed(const struct plan *p, const struct plan_element *k,
                            int year)
{
    double women = 0;
    double all = 0;
    bool any = false;

    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *a = &p->elements[i];
        const json_t *parts;
        const json_t *v;
        size_t j;
        if (a->kind != PLAN_ACTIVITY || a->extra == NULL ||
            json_integer_value(json_object_get(a->extra, "year")) != year ||
            !plan_links_to(p, a, k->id)) {
            continue;
        }
        parts = json_object_get(a->extra, "participants");
        json_array_foreach(parts, j, v)
        {
            double f = json_number_value(json_object_get(v, "female"));
            double m = json_number_value(json_object_get(v, "male"));
            women += f;
            all += f + m;
            any = true;
        }
    }
    if (!any) {
        return NAN;
    }
    if (strcmp(k->kpi.feed, "women_pct") == 0) {
        return all > 0 ? 100.0 * women / all : NAN;
    }
    return all;
}

static void year_span(const struct plan *p, const struct plan_stats *s,
                      int *out_from, int *out_to)
{
    int from = s->year_min != 0 && s->year_min < 2000 ? s->year_min : 2000;
    int to = s->year_max > 2000 ? s->year_max : 2000;

    for (size_t i = 0; i < p->value_count; i++) {
        if (p->values[i].year > to) {
            to = p->values[i].year;
        }
    }
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *a = &p->elements[i];
        if (a->kind == PLAN_ACTIVITY && a->extra != NULL) {
            json_int_t y =
                json_integer_value(json_object_get(a->extra, "year"));
            if (y > to && y <= YEAR_MAX) {
                to = (int)y;
            }
        }
    }
    *out_from = from;
    *out_to = to;
}

/* The last economy code an expression reads: for "x[eco=WLD] -
 * x[eco=LDC]" that is LDC, the group compared with the world. */
static void last_economy(void *ctx, char kind, const char *code)
{
    char **region = ctx;

    if (kind == 'e') {
        xfree(*region);
        *region = xstrdup(code);
    }
}

static void measure_one(const struct plan *p, const struct plan_stats *s,
                        size_t i, int from, int to, struct plan_series *out)
{
    const struct plan_element *e = &p->elements[i];
    struct kpi_prog *prog = NULL;
    struct err err = {0};

    out->year0 = from;
    out->nyears = to - from + 1;
    out->vals = xcalloc((size_t)out->nyears, sizeof(double));
    out->region = xstrdup(e->kpi.economy);
    if (e->kpi.measure == PM_COMPUTED) {
        prog = kpi_prog_new(e->kpi.expr, e->kpi.economy, &err);
        if (prog == NULL) {
            out->error = xstrdup(err.msg);
        } else if (out->region[0] == '\0') {
            xfree(out->region);
            out->region = xstrdup(kpi_prog_group(prog));
            if (out->region[0] == '\0') {
                kpi_prog_codes(prog, last_economy, &out->region);
            }
        }
    }
    for (int y = from; y <= to; y++) {
        double v = NAN;
        if (prog != NULL) {
            v = kpi_prog_eval(prog, s, y);
        } else if (e->kpi.measure == PM_REPORTED) {
            v = e->kpi.feed[0] != '\0' ? activity_feed(p, e, y)
                                       : plan_reported(p, e->id, y, NULL);
        }
        out->vals[y - from] = v;
    }
    kpi_prog_free(prog);
}

struct plan_progress *plan_progress_new(const struct plan *p,
                                        const struct plan_stats *s)
{
    struct plan_progress *pr = xcalloc(1, sizeof(*pr));
    int from;
    int to;

    pr->plan = p;
    pr->series = xcalloc(p->count + 1, sizeof(*pr->series));
    year_span(p, s, &from, &to);
    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].kind == PLAN_KPI) {
            measure_one(p, s, i, from, to, &pr->series[i]);
        }
    }
    return pr;
}

void plan_progress_free(struct plan_progress *pr)
{
    if (pr == NULL) {
        return;
    }
    for (size_t i = 0; i < pr->plan->count; i++) {
        xfree(pr->series[i].vals);
        xfree(pr->series[i].error);
        xfree(pr->series[i].region);
    }
    xfree(pr->series);
    xfree(pr);
}

double plan_progress_value(const struct plan_progress *pr, size_t i, int year)
{
    const struct plan_series *s = &pr->series[i];

    if (s->vals == NULL || year < s->year0 || year >= s->year0 + s->nyears) {
        return NAN;
    }
    return s->vals[year - s->year0];
}

double plan_progress_latest(const struct plan_progress *pr, size_t i, int year,
                            int *out_year)
{
    for (int y = year; y >= year - PLAN_STALE_YEARS; y--) {
        double v = plan_progress_value(pr, i, y);
        if (isfinite(v)) {
            *out_year = y;
            return v;
        }
    }
    *out_year = 0;
    return NAN;
}

int plan_progress_status(const struct plan_progress *pr, size_t i, int year)
{
    int vy;
    double v = plan_progress_latest(pr, i, year, &vy);

    return plan_status_of(&pr->plan->elements[i].kpi, vy, v);
}

int plan_progress_last_year(const struct plan_progress *pr)
{
    int last = 0;

    for (size_t i = 0; i < pr->plan->count; i++) {
        const struct plan_series *s = &pr->series[i];
        for (int k = 0; s->vals != NULL && k < s->nyears; k++) {
            if (isfinite(s->vals[k]) && s->year0 + k > last) {
                last = s->year0 + k;
            }
        }
    }
    return last;
}

bool plan_kpi_under(const struct plan *p, size_t i, const char *id)
{
    return plan_links_to(p, &p->elements[i], id);
}

static void rollup_add(const struct plan_progress *pr, size_t i, int year,
                       struct plan_rollup *out)
{
    out->counts[plan_progress_status(pr, i, year)]++;
    out->total++;
}

void plan_rollup_element(const struct plan_progress *pr, const char *id,
                         int year, struct plan_rollup *out)
{
    const struct plan *p = pr->plan;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].kind == PLAN_KPI && plan_kpi_under(p, i, id)) {
            rollup_add(pr, i, year, out);
        }
    }
}

void plan_rollup_target(const struct plan_progress *pr, const char *target,
                        int year, struct plan_rollup *out)
{
    plan_rollup_element(pr, target, year, out);
}

void plan_rollup_region(const struct plan_progress *pr, const char *region,
                        int year, struct plan_rollup *out)
{
    const struct plan *p = pr->plan;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].kind == PLAN_KPI &&
            strcmp(plan_progress_region(pr, i), region) == 0) {
            rollup_add(pr, i, year, out);
        }
    }
}

const char *plan_progress_region(const struct plan_progress *pr, size_t i)
{
    const char *r = pr->series[i].region;

    return r != NULL ? r : "";
}
