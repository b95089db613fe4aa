/* The plan in the store, and the statistics its KPIs are measured on. */
#include "plan_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "../store/plan_store.h"
#include "kpi_expr.h"

void plan_db_default_dir(struct buf *out)
{
    const char *env = getenv("ICTDEV_PLAN_DIR");
    char exe[4096];
    ssize_t n;
    char *slash;

    if (env != NULL && env[0] != '\0') {
        buf_puts(out, env);
        return;
    }
    env = getenv("ICTDEV_DATA");
    if (env != NULL && env[0] != '\0') {
        buf_printf(out, "%s/plan", env);
        return;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    slash = strrchr(exe, '/');
    if (slash != NULL) {
        size_t mark = out->len;
        *slash = '\0';
        buf_printf(out, "%s/../data/plan/illustrative.json", exe);
        if (access(buf_cstr(out), R_OK) == 0) {
            out->len = mark + strlen(exe) + strlen("/../data/plan");
            out->data[out->len] = '\0';
            return;
        }
        out->len = mark;
        out->data[out->len] = '\0';
    }
    buf_puts(out, "data/plan");
}

struct plan *plan_db_current(struct store *s, const char *dir,
                             int64_t *out_version, struct err *err)
{
    char *doc = NULL;
    int64_t id = 0;
    struct plan *p;

    if (out_version != NULL) {
        *out_version = 0;
    }
    if (s != NULL && plan_store_latest(s, &doc, &id, err) != 0) {
        return NULL;
    }
    if (doc == NULL) {
        return plan_load_dir(dir, err);
    }
    p = plan_from_json(doc, strlen(doc), "stored plan", err);
    xfree(doc);
    if (p != NULL && out_version != NULL) {
        *out_version = id;
    }
    return p;
}

int plan_db_save(struct store *s, const struct plan *p, const char *origin,
                 const char *action, int64_t *out_version, struct err *err)
{
    char *doc = plan_to_json(p);
    struct plan_version v = {0};
    int rc;

    v.origin = origin;
    v.action = action;
    v.set_name = p->set_name;
    v.set_illustrative = p->set_illustrative;
    rc = plan_store_save(s, doc, &v, out_version, err);
    xfree(doc);
    return rc;
}

/* Codes the KPIs need, deduplicated. */
struct codes {
    struct strmap seen;
    char **ind;
    size_t ind_count;
    char **eco;
    size_t eco_count;
};

static void add_code(void *ctx, char kind, const char *code)
{
    struct codes *c = ctx;
    char key[MAX_CODE_LEN + 3];
    size_t n = (size_t)snprintf(key, sizeof(key), "%c:%s", kind, code);

    if (n >= sizeof(key) || !strmap_put(&c->seen, key, n, 1)) {
        return;
    }
    if (kind == 'i') {
        c->ind = xreallocarray(c->ind, c->ind_count + 1, sizeof(char *));
        c->ind[c->ind_count++] = xstrdup(code);
    } else {
        c->eco = xreallocarray(c->eco, c->eco_count + 1, sizeof(char *));
        c->eco[c->eco_count++] = xstrdup(code);
    }
}

static void codes_cleanup(struct codes *c)
{
    for (size_t i = 0; i < c->ind_count; i++) {
        xfree(c->ind[i]);
    }
    for (size_t i = 0; i < c->eco_count; i++) {
        xfree(c->eco[i]);
    }
    xfree(c->ind);
    xfree(c->eco);
    strmap_cleanup(&c->seen);
}

static int on_obs(void *ctx, const struct obs *o, struct err *err)
{
    (void)err;
    plan_stats_put(ctx, o->indicator, o->dims, o->economy, o->year, o->value);
    return 0;
}

static int on_member(void *ctx, const struct membership *m, struct err *err)
{
    (void)err;
    plan_stats_member(ctx, m->group, m->economy, m->from_year, m->to_year);
    return 0;
}

static int on_indicator(void *ctx, const struct indicator *ind, struct err *err)
{
    (void)ind;
    (void)err;
    *(bool *)ctx = true;
    return 0;
}

static int read_values(struct store *s, const struct codes *c,
                       struct plan_stats *st, struct err *err)
{
    for (size_t i = 0; i < c->ind_count; i++) {
        struct store_obs_query q = {0};
        const char *one[1] = {c->ind[i]};
        bool known = false;
        struct err ignore = {0};

        if (store_indicator_get(s, c->ind[i], on_indicator, &known, &ignore) !=
                0 ||
            !known) {
            continue; /* not in the catalogue: the KPI has no data */
        }
        q.indicators = one;
        q.indicator_count = 1;
        if (store_obs_query(s, &q, on_obs, st, err) != 0) {
            return err->code;
        }
    }
    return 0;
}

static int read_members(struct store *s, const struct codes *c,
                        struct plan_stats *st, struct err *err)
{
    static const char *const always[] = {"LDC", "LLDC", "SIDS"};

    for (size_t i = 0; i < c->eco_count + ARRAY_COUNT(always); i++) {
        const char *g = i < c->eco_count ? c->eco[i] : always[i - c->eco_count];
        struct err e2 = {0};
        if (plan_stats_has_group(st, g)) {
            continue;
        }
        /* An economy code is not a group: ERR_NOT_FOUND is expected. */
        if (store_group_members(s, g, 0, on_member, st, &e2) != 0 &&
            e2.code != ERR_NOT_FOUND) {
            *err = e2;
            return err->code;
        }
    }
    return 0;
}

int plan_db_stats(struct store *s, const struct plan *p, struct plan_stats *st,
                  struct err *err)
{
    struct codes c;
    int rc = 0;

    memset(&c, 0, sizeof(c));
    strmap_init(&c.seen);
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        struct kpi_prog *prog;
        struct err ignore = {0};
        if (e->kind != PLAN_KPI || e->kpi.measure != PM_COMPUTED) {
            continue;
        }
        prog = kpi_prog_new(e->kpi.expr, e->kpi.economy, &ignore);
        if (prog != NULL) {
            kpi_prog_codes(prog, add_code, &c);
            kpi_prog_free(prog);
        }
    }
    if (read_values(s, &c, st, err) != 0 || read_members(s, &c, st, err) != 0) {
        rc = err->code;
    }
    codes_cleanup(&c);
    return rc;
}

static int on_economy(void *ctx, const struct economy *e, struct err *err)
{
    (void)err;
    snprintf(ctx, 8, "%s", e->iso2);
    return 0;
}

const char *plan_db_iso2(void *ctx, const char *iso3)
{
    static char iso2[8];
    struct err ignore = {0};

    iso2[0] = '\0';
    if (store_economy_get(ctx, iso3, on_economy, iso2, &ignore) != 0) {
        return NULL;
    }
    return iso2[0] != '\0' ? iso2 : NULL;
}
