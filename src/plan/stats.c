/* In-memory statistics for KPI measurement: a hash of value keys and a
 * list of memberships. */
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/mem.h"

void plan_stats_init(struct plan_stats *s)
{
    memset(s, 0, sizeof(*s));
    strmap_init(&s->keys);
}

void plan_stats_cleanup(struct plan_stats *s)
{
    strmap_cleanup(&s->keys);
    xfree(s->vals);
    for (size_t i = 0; i < s->member_count; i++) {
        xfree(s->members[i].group);
        xfree(s->members[i].economy);
    }
    xfree(s->members);
    memset(s, 0, sizeof(*s));
}

static void make_key(struct buf *b, const char *indicator, const char *dims,
                     const char *economy, int year)
{
    buf_reset(b);
    buf_printf(b, "%s|%s|%s|%d", indicator, dims, economy, year);
}

void plan_stats_put(struct plan_stats *s, const char *indicator,
                    const char *dims, const char *economy, int year,
                    double value)
{
    struct buf b;
    size_t at;

    if (!isfinite(value)) {
        return;
    }
    buf_init(&b);
    make_key(&b, indicator, dims, economy, year);
    if (strmap_get(&s->keys, b.data, b.len, &at)) {
        s->vals[at] = value;
    } else {
        s->vals = xreallocarray(s->vals, s->count + 1, sizeof(double));
        s->vals[s->count] = value;
        strmap_put(&s->keys, b.data, b.len, s->count);
        s->count++;
    }
    buf_cleanup(&b);
    if (s->year_min == 0 || year < s->year_min) {
        s->year_min = year;
    }
    if (year > s->year_max) {
        s->year_max = year;
    }
}

void plan_stats_member(struct plan_stats *s, const char *group,
                       const char *economy, int from_year, int to_year)
{
    struct plan_member *m;

    s->members =
        xreallocarray(s->members, s->member_count + 1, sizeof(*s->members));
    m = &s->members[s->member_count++];
    m->group = xstrdup(group);
    m->economy = xstrdup(economy);
    m->from_year = from_year;
    m->to_year = to_year;
}

double plan_stats_get(const struct plan_stats *s, const char *indicator,
                      const char *dims, const char *economy, int year)
{
    struct buf b;
    size_t at;
    double v = NAN;

    buf_init(&b);
    make_key(&b, indicator, dims, economy, year);
    if (strmap_get(&s->keys, b.data, b.len, &at)) {
        v = s->vals[at];
    }
    buf_cleanup(&b);
    return v;
}

bool plan_stats_is_member(const struct plan_stats *s, const char *group,
                          const char *economy, int year)
{
    for (size_t i = 0; i < s->member_count; i++) {
        const struct plan_member *m = &s->members[i];
        if (strcmp(m->group, group) == 0 && strcmp(m->economy, economy) == 0 &&
            (m->from_year == 0 || year >= m->from_year) &&
            (m->to_year == 0 || year <= m->to_year)) {
            return true;
        }
    }
    return false;
}

bool plan_stats_has_group(const struct plan_stats *s, const char *group)
{
    for (size_t i = 0; i < s->member_count; i++) {
        if (strcmp(s->members[i].group, group) == 0) {
            return true;
        }
    }
    return false;
}
