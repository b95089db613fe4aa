/* The results-framework model: names, lookups, validation and edits. Every
 * edit works on a copy that is validated before it replaces the plan. */
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "kpi_expr.h"
#include "plan_int.h"

static const char *const kind_names[PLAN_KIND_COUNT] = {
    "priority", "product", "enabler", "output",
    "result",   "kpi",     "project", "activity",
};

static const char *const target_type_names[PT_TYPE_COUNT] = {
    "sdg-goal",   "sdg-target", "sdg-indicator", "sp-goal", "sp-target", "wsis",
    "resolution", "ri",         "question",
};

static const char *const linkage_names[PL_LINKAGE_COUNT] = {
    "sdg", "sp", "wsis", "resolution", "ri", "question",
};

const char *plan_kind_name(int kind)
{
    if (kind < 0 || kind >= PLAN_KIND_COUNT) {
        return "?";
    }
    return kind_names[kind];
}

const char *plan_target_type_name(int type)
{
    if (type < 0 || type >= PT_TYPE_COUNT) {
        return "?";
    }
    return target_type_names[type];
}

const char *plan_linkage_name(int linkage)
{
    if (linkage < 0 || linkage >= PL_LINKAGE_COUNT) {
        return "?";
    }
    return linkage_names[linkage];
}

int plan_target_linkage(int type)
{
    switch (type) {
    case PT_SDG_GOAL:
    case PT_SDG_TARGET:
    case PT_SDG_INDICATOR:
        return PL_SDG;
    case PT_SP_GOAL:
    case PT_SP_TARGET:
        return PL_SP;
    case PT_WSIS:
        return PL_WSIS;
    case PT_RESOLUTION:
        return PL_RESOLUTION;
    case PT_RI:
        return PL_RI;
    default:
        return PL_QUESTION;
    }
}

int plan_kind_parse(const char *s, int *out, struct err *err)
{
    for (int i = 0; i < PLAN_KIND_COUNT; i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return err_set(err, ERR_INVALID,
                   "unknown element kind '%s' (want priority, product, "
                   "enabler, output, result, kpi, project or activity)",
                   s);
}

struct plan *plan_new(void)
{
    struct plan *p = xcalloc(1, sizeof(*p));

    p->set_name = xstrdup("");
    p->set_version = xstrdup("");
    p->set_note = xstrdup("");
    return p;
}

void plan_free(struct plan *p)
{
    if (p == NULL) {
        return;
    }
    xfree(p->set_name);
    xfree(p->set_version);
    xfree(p->set_note);
    for (size_t i = 0; i < p->target_count; i++) {
        xfree(p->targets[i].id);
        xfree(p->targets[i].title);
    }
    xfree(p->targets);
    for (size_t i = 0; i < p->count; i++) {
        plan_element_cleanup(&p->elements[i]);
    }
    xfree(p->elements);
    for (size_t i = 0; i < p->link_count; i++) {
        xfree(p->links[i].from);
        xfree(p->links[i].to);
        xfree(p->links[i].type);
    }
    xfree(p->links);
    for (size_t i = 0; i < p->value_count; i++) {
        struct plan_value *v = &p->values[i];
        xfree(v->kpi);
        xfree(v->note);
        xfree(v->link);
        xfree(v->sha256);
        xfree(v->by);
        xfree(v->time);
    }
    xfree(p->values);
    strmap_cleanup(&p->index);
    xfree(p);
}

/* Lookups go through the index: value 2*i for element i, 2*i+1 for
 * target i. plan_validate rebuilds it. */
const struct plan_element *plan_find(const struct plan *p, const char *id)
{
    size_t v;

    if (!strmap_get(&p->index, id, strlen(id), &v) || (v & 1) != 0) {
        return NULL;
    }
    return &p->elements[v / 2];
}

const struct plan_target *plan_find_target(const struct plan *p, const char *id)
{
    size_t v;

    if (!strmap_get(&p->index, id, strlen(id), &v) || (v & 1) == 0) {
        return NULL;
    }
    return &p->targets[v / 2];
}

static int index_build(struct plan *p, struct err *err)
{
    strmap_cleanup(&p->index);
    strmap_init(&p->index);
    for (size_t i = 0; i < p->target_count; i++) {
        const char *id = p->targets[i].id;
        if (!strmap_put(&p->index, id, strlen(id), 2 * i + 1)) {
            return err_set(err, ERR_INVALID, "target '%s': duplicate id", id);
        }
    }
    for (size_t i = 0; i < p->count; i++) {
        const char *id = p->elements[i].id;
        if (id[0] == '\0') {
            return err_set(err, ERR_INVALID, "element %zu: empty id", i + 1);
        }
        if (strchr(id, ':') != NULL) {
            return err_set(err, ERR_INVALID,
                           "element '%s': ':' is reserved for linkage "
                           "targets (sdg:9.c)",
                           id);
        }
        if (!strmap_put(&p->index, id, strlen(id), 2 * i)) {
            return err_set(err, ERR_INVALID, "element '%s': duplicate id", id);
        }
    }
    return 0;
}

/* Walk the parent chain of each element; a chain longer than the number of
 * elements must revisit one, which is a cycle. */
static int check_parents(const struct plan *p, struct err *err)
{
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        const struct plan_element *cur = e;
        size_t steps = 0;

        if (e->parent[0] == '\0') {
            continue;
        }
        if (plan_find(p, e->parent) == NULL) {
            return err_set(err, ERR_INVALID,
                           "element '%s': unknown parent '%s'", e->id,
                           e->parent);
        }
        while (cur->parent[0] != '\0') {
            cur = plan_find(p, cur->parent);
            if (cur == e || ++steps > p->count) {
                return err_set(err, ERR_INVALID,
                               "element '%s': cycle in the tree (its parent "
                               "chain comes back to it)",
                               e->id);
            }
        }
    }
    return 0;
}

/* Depth-first search over element-to-element links; colour 1 = on the
 * stack. The plan is small (hundreds of elements), so recursion depth is
 * bounded by the element count, which validation caps. */
static int link_dfs(const struct plan *p, size_t i, unsigned char *colour,
                    struct err *err)
{
    colour[i] = 1;
    for (size_t k = 0; k < p->link_count; k++) {
        const struct plan_link *l = &p->links[k];
        const struct plan_element *to;
        size_t j;

        if (strcmp(l->from, p->elements[i].id) != 0) {
            continue;
        }
        to = plan_find(p, l->to);
        if (to == NULL) {
            continue;
        }
        j = (size_t)(to - p->elements);
        if (colour[j] == 1) {
            return err_set(err, ERR_INVALID,
                           "link %s -> %s: makes a cycle of links", l->from,
                           l->to);
        }
        if (colour[j] == 0 && link_dfs(p, j, colour, err) != 0) {
            return err->code;
        }
    }
    colour[i] = 2;
    return 0;
}

static int check_links(const struct plan *p, struct err *err)
{
    unsigned char *colour;
    int rc = 0;

    for (size_t k = 0; k < p->link_count; k++) {
        const struct plan_link *l = &p->links[k];
        if (plan_find(p, l->from) == NULL) {
            return err_set(err, ERR_INVALID,
                           "link %s -> %s: unknown element "
                           "'%s'",
                           l->from, l->to, l->from);
        }
        if (plan_find(p, l->to) == NULL && plan_find_target(p, l->to) == NULL) {
            return err_set(err, ERR_INVALID,
                           "element '%s': link to unknown target '%s'", l->from,
                           l->to);
        }
        for (size_t j = 0; j < k; j++) {
            if (strcmp(p->links[j].from, l->from) == 0 &&
                strcmp(p->links[j].to, l->to) == 0) {
                return err_set(err, ERR_INVALID,
                               "element '%s': link to '%s' given twice",
                               l->from, l->to);
            }
        }
    }
    if (p->count > 100000) {
        return err_set(err, ERR_LIMIT, "more than 100000 plan elements");
    }
    colour = xcalloc(p->count + 1, 1);
    for (size_t i = 0; i < p->count && rc == 0; i++) {
        if (colour[i] == 0) {
            rc = link_dfs(p, i, colour, err);
        }
    }
    xfree(colour);
    return rc;
}

static int check_kpi(const struct plan_element *e, struct err *err)
{
    const struct plan_kpi *k = &e->kpi;

    if (k->direction != 1 && k->direction != -1) {
        return err_set(err, ERR_INVALID,
                       "KPI '%s': direction must be up or down", e->id);
    }
    if (k->target_year < YEAR_MIN || k->target_year > YEAR_MAX ||
        k->base_year < YEAR_MIN || k->base_year > YEAR_MAX) {
        return err_set(err, ERR_INVALID,
                       "KPI '%s': baseline and target need a year in "
                       "%d..%d",
                       e->id, YEAR_MIN, YEAR_MAX);
    }
    if (k->target_year < k->base_year) {
        return err_set(err, ERR_INVALID,
                       "KPI '%s': target year %d is before the baseline "
                       "year %d",
                       e->id, k->target_year, k->base_year);
    }
    if (!isfinite(k->target_value)) {
        return err_set(err, ERR_INVALID, "KPI '%s': target needs a value",
                       e->id);
    }
    if (k->measure == PM_COMPUTED) {
        if (kpi_expr_check(k->expr, k->economy, err) != 0) {
            return err_prefix(err, "KPI '%s': expression '%s'", e->id, k->expr);
        }
    } else if (k->feed[0] != '\0' && strcmp(k->feed, "participants") != 0 &&
               strcmp(k->feed, "women_pct") != 0) {
        return err_set(err, ERR_INVALID,
                       "KPI '%s': unknown feed '%s' (want participants or "
                       "women_pct)",
                       e->id, k->feed);
    }
    return 0;
}

static int check_values(const struct plan *p, struct err *err)
{
    for (size_t i = 0; i < p->value_count; i++) {
        const struct plan_value *v = &p->values[i];
        const struct plan_element *k = plan_find(p, v->kpi);
        if (k == NULL || k->kind != PLAN_KPI) {
            return err_set(err, ERR_INVALID,
                           "reported value %s/%d: unknown KPI '%s'", v->kpi,
                           v->year, v->kpi);
        }
        if (k->kpi.measure != PM_REPORTED) {
            return err_set(err, ERR_INVALID,
                           "KPI '%s': is computed from the statistics; "
                           "values cannot be reported",
                           v->kpi);
        }
        if (v->year < YEAR_MIN || v->year > YEAR_MAX) {
            return err_set(err, ERR_INVALID, "KPI '%s': year %d out of range",
                           v->kpi, v->year);
        }
    }
    return 0;
}

int plan_validate(struct plan *p, struct err *err)
{
    if (index_build(p, err) != 0 || check_parents(p, err) != 0 ||
        check_links(p, err) != 0 || check_values(p, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        if (e->name[0] == '\0') {
            return err_set(err, ERR_INVALID, "element '%s': needs a name",
                           e->id);
        }
        if (e->kind == PLAN_KPI && check_kpi(e, err) != 0) {
            return err->code;
        }
    }
    return 0;
}

double plan_reported(const struct plan *p, const char *kpi, int year,
                     const struct plan_value **out_rev)
{
    const struct plan_value *best = NULL;

    for (size_t i = 0; i < p->value_count; i++) {
        const struct plan_value *v = &p->values[i];
        if (v->year == year && strcmp(v->kpi, kpi) == 0 &&
            (best == NULL || v->revision > best->revision)) {
            best = v;
        }
    }
    if (best != NULL && best->is_deleted) {
        best = NULL;
    }
    if (out_rev != NULL) {
        *out_rev = best;
    }
    return best != NULL ? best->value : NAN;
}

/* "sdg:9.c.1" is part of "sdg:9.c", which is part of "sdg:9". */
static bool target_covers(const char *query, const char *linked)
{
    size_t n = strlen(query);

    if (strcmp(query, linked) == 0) {
        return true;
    }
    return strncmp(query, "sdg:", 4) == 0 && strncmp(query, linked, n) == 0 &&
           linked[n] == '.';
}

bool plan_links_to(const struct plan *p, const struct plan_element *el,
                   const char *id)
{
    size_t guard = 0;

    while (el != NULL && guard++ <= p->count) {
        if (strcmp(el->id, id) == 0) {
            return true;
        }
        for (size_t k = 0; k < p->link_count; k++) {
            if (strcmp(p->links[k].from, el->id) == 0 &&
                target_covers(id, p->links[k].to)) {
                return true;
            }
        }
        el = el->parent[0] != '\0' ? plan_find(p, el->parent) : NULL;
    }
    return false;
}

/* Edits: copy, change, validate, swap. */
static int commit(struct plan *p, struct plan *copy, struct err *err)
{
    struct plan tmp;

    if (plan_validate(copy, err) != 0) {
        plan_free(copy);
        return err->code;
    }
    tmp = *p;
    *p = *copy;
    *copy = tmp;
    plan_free(copy);
    return 0;
}

int plan_put_element(struct plan *p, const char *json_text, struct err *err)
{
    struct plan *copy = plan_clone(p, err);
    struct plan_element el;
    size_t i;

    if (copy == NULL) {
        return err->code;
    }
    if (plan_element_from_json(copy, json_text, &el, err) != 0) {
        plan_free(copy);
        return err->code;
    }
    for (i = 0; i < copy->count; i++) {
        if (strcmp(copy->elements[i].id, el.id) == 0) {
            break;
        }
    }
    if (i < copy->count) {
        plan_element_cleanup(&copy->elements[i]);
        copy->elements[i] = el;
    } else {
        copy->elements =
            xreallocarray(copy->elements, copy->count + 1, sizeof(el));
        copy->elements[copy->count++] = el;
    }
    return commit(p, copy, err);
}

int plan_delete_element(struct plan *p, const char *id, struct err *err)
{
    struct plan *copy;
    size_t i;
    size_t out = 0;

    if (plan_find(p, id) == NULL) {
        return err_set(err, ERR_NOT_FOUND, "no element '%s'", id);
    }
    for (size_t k = 0; k < p->count; k++) {
        if (strcmp(p->elements[k].parent, id) == 0) {
            return err_set(err, ERR_CONFLICT,
                           "element '%s': '%s' is its child; delete or move "
                           "it first",
                           id, p->elements[k].id);
        }
    }
    for (size_t k = 0; k < p->link_count; k++) {
        if (strcmp(p->links[k].to, id) == 0) {
            return err_set(err, ERR_CONFLICT, "element '%s': '%s' links to it",
                           id, p->links[k].from);
        }
    }
    for (size_t k = 0; k < p->value_count; k++) {
        if (strcmp(p->values[k].kpi, id) == 0) {
            return err_set(err, ERR_CONFLICT,
                           "KPI '%s': has reported values (kept as history)",
                           id);
        }
    }
    copy = plan_clone(p, err);
    if (copy == NULL) {
        return err->code;
    }
    for (i = 0; i < copy->count; i++) {
        if (strcmp(copy->elements[i].id, id) == 0) {
            plan_element_cleanup(&copy->elements[i]);
            continue;
        }
        copy->elements[out++] = copy->elements[i];
    }
    copy->count = out;
    out = 0;
    for (i = 0; i < copy->link_count; i++) {
        struct plan_link *l = &copy->links[i];
        if (strcmp(l->from, id) == 0) {
            xfree(l->from);
            xfree(l->to);
            xfree(l->type);
            continue;
        }
        copy->links[out++] = *l;
    }
    copy->link_count = out;
    return commit(p, copy, err);
}

int plan_add_link(struct plan *p, const char *from, const char *to,
                  const char *type, struct err *err)
{
    struct plan *copy;
    struct plan_link *l;

    for (size_t k = 0; k < p->link_count; k++) {
        if (strcmp(p->links[k].from, from) == 0 &&
            strcmp(p->links[k].to, to) == 0) {
            return err_set(err, ERR_CONFLICT, "link %s -> %s exists", from, to);
        }
    }
    if (plan_link_type_check(type, err) != 0) {
        return err->code;
    }
    copy = plan_clone(p, err);
    if (copy == NULL) {
        return err->code;
    }
    copy->links =
        xreallocarray(copy->links, copy->link_count + 1, sizeof(*copy->links));
    l = &copy->links[copy->link_count++];
    l->from = xstrdup(from);
    l->to = xstrdup(to);
    l->type = xstrdup(type[0] != '\0' ? type : "contributes");
    return commit(p, copy, err);
}

int plan_delete_link(struct plan *p, const char *from, const char *to,
                     struct err *err)
{
    for (size_t k = 0; k < p->link_count; k++) {
        struct plan_link *l = &p->links[k];
        if (strcmp(l->from, from) == 0 && strcmp(l->to, to) == 0) {
            xfree(l->from);
            xfree(l->to);
            xfree(l->type);
            memmove(l, l + 1, (p->link_count - k - 1) * sizeof(*l));
            p->link_count--;
            return 0;
        }
    }
    return err_set(err, ERR_NOT_FOUND, "no link %s -> %s", from, to);
}

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64) {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) {
            return false;
        }
    }
    return true;
}

static void now_iso(char *out, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int plan_report_value(struct plan *p, const struct plan_value_in *v,
                      struct err *err)
{
    const struct plan_element *k = plan_find(p, v->kpi);
    struct plan_value *nv;
    int rev = 0;
    char now[32];

    if (k == NULL || k->kind != PLAN_KPI) {
        return err_set(err, ERR_INVALID, "unknown KPI '%s'", v->kpi);
    }
    if (k->kpi.measure != PM_REPORTED) {
        return err_set(err, ERR_INVALID,
                       "KPI '%s': is computed from the statistics; values "
                       "cannot be reported",
                       v->kpi);
    }
    if (!v->is_deleted && !isfinite(v->value)) {
        return err_set(err, ERR_INVALID, "KPI '%s': value must be a number",
                       v->kpi);
    }
    if (v->year < YEAR_MIN || v->year > YEAR_MAX) {
        return err_set(err, ERR_INVALID, "KPI '%s': year %d out of range",
                       v->kpi, v->year);
    }
    if (v->sha256 != NULL && v->sha256[0] != '\0' && !is_hex64(v->sha256)) {
        return err_set(err, ERR_INVALID,
                       "KPI '%s': evidence hash must be 64 lowercase hex "
                       "digits (SHA-256)",
                       v->kpi);
    }
    for (size_t i = 0; i < p->value_count; i++) {
        if (p->values[i].year == v->year &&
            strcmp(p->values[i].kpi, v->kpi) == 0 &&
            p->values[i].revision > rev) {
            rev = p->values[i].revision;
        }
    }
    now_iso(now, sizeof(now));
    p->values =
        xreallocarray(p->values, p->value_count + 1, sizeof(*p->values));
    nv = &p->values[p->value_count++];
    nv->kpi = xstrdup(v->kpi);
    nv->year = v->year;
    nv->value = v->is_deleted ? NAN : v->value;
    nv->note = xstrdup(v->note != NULL ? v->note : "");
    nv->link = xstrdup(v->link != NULL ? v->link : "");
    nv->sha256 = xstrdup(v->sha256 != NULL ? v->sha256 : "");
    nv->by = xstrdup(v->by != NULL ? v->by : "");
    nv->time = xstrdup(v->time != NULL && v->time[0] != '\0' ? v->time : now);
    nv->revision = rev + 1;
    nv->is_deleted = v->is_deleted;
    return 0;
}
