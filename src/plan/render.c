/* Text, CSV and JSON answers of the results framework. */
#include "render.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "../core/mem.h"

void plan_put_num(struct buf *out, double v)
{
    if (!isfinite(v)) {
        return;
    }
    buf_put_double(out, round(v * 100.0) / 100.0);
}

static json_t *num_json(double v)
{
    return isfinite(v) ? json_real(round(v * 100.0) / 100.0) : json_null();
}

static int dump_cb(const char *data, size_t size, void *ctx)
{
    buf_append(ctx, data, size);
    return 0;
}

static json_t *kpi_json(const struct plan_progress *pr, size_t i, int year)
{
    const struct plan_element *e = &pr->plan->elements[i];
    const struct plan_kpi *k = &e->kpi;
    int vy;
    double v = plan_progress_latest(pr, i, year, &vy);
    json_t *o = json_object();

    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "name", json_string(e->name));
    json_object_set_new(o, "unit", json_string(k->unit));
    json_object_set_new(o, "direction",
                        json_string(k->direction < 0 ? "down" : "up"));
    json_object_set_new(
        o, "measure",
        json_string(k->measure == PM_REPORTED ? "reported" : "computed"));
    if (k->expr[0] != '\0') {
        json_object_set_new(o, "expr", json_string(k->expr));
    }
    if (k->economy[0] != '\0') {
        json_object_set_new(o, "economy", json_string(k->economy));
    }
    json_object_set_new(o, "value", num_json(v));
    json_object_set_new(o, "value_year", vy ? json_integer(vy) : json_null());
    json_object_set_new(o, "baseline",
                        json_pack("{s:o,s:i}", "value", num_json(k->base_value),
                                  "year", k->base_year));
    json_object_set_new(o, "target",
                        json_pack("{s:o,s:i,s:s}", "value",
                                  num_json(k->target_value), "year",
                                  k->target_year, "source", k->target_source));
    json_object_set_new(
        o, "status",
        json_string(plan_status_name(plan_progress_status(pr, i, year))));
    json_object_set_new(o, "illustrative", json_boolean(e->illustrative));
    return o;
}

static json_t *rollup_json(const struct plan_progress *pr, const char *id,
                           int year)
{
    struct plan_rollup r;
    json_t *o = json_object();

    plan_rollup_element(pr, id, year, &r);
    for (int s = 0; s < PS_STATUS_COUNT; s++) {
        json_object_set_new(o, plan_status_name(s),
                            json_integer((json_int_t)r.counts[s]));
    }
    return o;
}

static json_t *children_json(const struct plan_progress *pr, const char *id,
                             int kind, int year)
{
    const struct plan *p = pr->plan;
    json_t *arr = json_array();

    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        json_t *o;
        json_t *kpis;
        if (e->kind != kind || strcmp(e->parent, id) != 0) {
            continue;
        }
        o = json_pack("{s:s,s:s,s:b,s:b}", "id", e->id, "name", e->name,
                      "verified", e->verified, "illustrative", e->illustrative);
        kpis = json_array();
        for (size_t k = 0; k < p->count; k++) {
            if (p->elements[k].kind == PLAN_KPI &&
                strcmp(p->elements[k].parent, e->id) == 0) {
                json_array_append_new(kpis, kpi_json(pr, k, year));
            }
        }
        json_object_set_new(o, "rollup", rollup_json(pr, e->id, year));
        json_object_set_new(o, "kpis", kpis);
        json_array_append_new(arr, o);
    }
    return arr;
}

static void tree_json(const struct plan_progress *pr, int year, struct buf *out)
{
    const struct plan *p = pr->plan;
    json_t *arr = json_array();

    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        json_t *o;
        if (e->kind != PLAN_PRIORITY) {
            continue;
        }
        o = json_pack("{s:s,s:s,s:b}", "id", e->id, "name", e->name, "verified",
                      e->verified);
        json_object_set_new(o, "rollup", rollup_json(pr, e->id, year));
        json_object_set_new(o, "outputs",
                            children_json(pr, e->id, PLAN_OUTPUT, year));
        json_object_set_new(o, "expected_results",
                            children_json(pr, e->id, PLAN_RESULT, year));
        json_array_append_new(arr, o);
    }
    if (json_dump_callback(arr, dump_cb, out,
                           JSON_INDENT(1) | JSON_REAL_PRECISION(15)) == 0) {
        buf_putc(out, '\n');
    }
    json_decref(arr);
}

static void kpi_line(const struct plan_progress *pr, size_t i, int year,
                     const char *indent, struct buf *out)
{
    const struct plan_element *e = &pr->plan->elements[i];
    int vy;
    double v = plan_progress_latest(pr, i, year, &vy);

    buf_printf(out, "%s%s %s: ", indent, e->id, e->name);
    if (isfinite(v)) {
        plan_put_num(out, v);
        buf_printf(out, " (%d)", vy);
    } else {
        buf_puts(out, "-");
    }
    buf_puts(out, " -> ");
    plan_put_num(out, e->kpi.target_value);
    buf_printf(out, " by %d [%s]\n", e->kpi.target_year,
               plan_status_name(plan_progress_status(pr, i, year)));
}

static void tree_text_children(const struct plan_progress *pr, const char *id,
                               int year, int depth, struct buf *out)
{
    const struct plan *p = pr->plan;
    static const char pad[] = "            ";

    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        if (strcmp(e->parent, id) != 0 || depth > 5) {
            continue;
        }
        if (e->kind == PLAN_KPI) {
            kpi_line(pr, i, year, pad + sizeof(pad) - 1 - 2 * depth, out);
            continue;
        }
        buf_printf(out, "%s%s %s: %s%s\n", pad + sizeof(pad) - 1 - 2 * depth,
                   plan_kind_name(e->kind), e->id, e->name,
                   e->verified ? "" : " (unverified)");
        tree_text_children(pr, e->id, year, depth + 1, out);
    }
}

void plan_render_tree(const struct plan_progress *pr, int year, bool json,
                      struct buf *out)
{
    const struct plan *p = pr->plan;

    if (json) {
        tree_json(pr, year, out);
        return;
    }
    buf_printf(out, "Set: %s%s; status for %d\n", p->set_name,
               p->set_illustrative ? " (ILLUSTRATIVE)" : "", year);
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        if (e->kind != PLAN_PRIORITY) {
            continue;
        }
        buf_printf(out, "%s %s\n", e->id, e->name);
        tree_text_children(pr, e->id, year, 1, out);
    }
}

/* CSV field: quoted when it holds a comma, quote or newline. */
static void csv_field(struct buf *out, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        buf_puts(out, s);
        return;
    }
    buf_putc(out, '"');
    for (; *s != '\0'; s++) {
        if (*s == '"') {
            buf_putc(out, '"');
        }
        buf_putc(out, *s);
    }
    buf_putc(out, '"');
}

void plan_render_progress(const struct plan_progress *pr, int year, bool csv,
                          struct buf *out)
{
    const struct plan *p = pr->plan;

    buf_puts(out, csv ? "kpi,element,value,baseline,target,status\n"
                      : "KPI  ELEMENT  VALUE (YEAR)  BASELINE  TARGET  "
                        "STATUS  NAME\n");
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        int vy;
        double v;
        if (e->kind != PLAN_KPI) {
            continue;
        }
        v = plan_progress_latest(pr, i, year, &vy);
        csv_field(out, e->id);
        buf_putc(out, csv ? ',' : ' ');
        csv_field(out, e->parent);
        buf_putc(out, csv ? ',' : ' ');
        if (!csv && !isfinite(v)) {
            buf_putc(out, '-');
        }
        plan_put_num(out, v);
        if (!csv && vy != 0) {
            buf_printf(out, " (%d)", vy);
        }
        buf_putc(out, csv ? ',' : ' ');
        plan_put_num(out, e->kpi.base_value);
        buf_putc(out, csv ? ',' : ' ');
        plan_put_num(out, e->kpi.target_value);
        buf_putc(out, csv ? ',' : ' ');
        buf_puts(out, plan_status_name(plan_progress_status(pr, i, year)));
        if (!csv) {
            buf_printf(out, "  %s", e->name);
        }
        buf_putc(out, '\n');
    }
}

static bool direct_link(const struct plan *p, const char *from, const char *to)
{
    for (size_t k = 0; k < p->link_count; k++) {
        if (strcmp(p->links[k].from, from) == 0 &&
            (strcmp(p->links[k].to, to) == 0 ||
             (strncmp(to, "sdg:", 4) == 0 &&
              strncmp(p->links[k].to, to, strlen(to)) == 0 &&
              p->links[k].to[strlen(to)] == '.'))) {
            return true;
        }
    }
    return false;
}

bool plan_render_links(const struct plan_progress *pr, const char *target,
                       int year, struct buf *out)
{
    const struct plan *p = pr->plan;
    const struct plan_target *t = plan_find_target(p, target);
    const struct plan_element *te = plan_find(p, target);
    struct plan_rollup r;

    if (t == NULL && te == NULL) {
        return false;
    }
    if (t != NULL) {
        buf_printf(out, "%s (%s)%s: %s\n", t->id,
                   plan_target_type_name(t->type),
                   t->verified ? "" : " unverified", t->title);
    } else {
        buf_printf(out, "%s (%s): %s\n", te->id, plan_kind_name(te->kind),
                   te->name);
    }
    buf_puts(out, "element,kind,via,status,name\n");
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        const char *status = "";
        if (e == te || !plan_links_to(p, e, target)) {
            continue;
        }
        if (e->kind == PLAN_KPI) {
            status = plan_status_name(plan_progress_status(pr, i, year));
        }
        buf_printf(out, "%s,%s,%s,%s,", e->id, plan_kind_name(e->kind),
                   direct_link(p, e->id, target) ? "direct" : "parent", status);
        csv_field(out, e->name);
        buf_putc(out, '\n');
    }
    plan_rollup_target(pr, target, year, &r);
    buf_printf(out, "KPIs in %d: %zu", year, r.total);
    for (int s = PS_STATUS_COUNT - 1; s >= 0; s--) {
        buf_printf(out, ", %s %zu", plan_status_name(s), r.counts[s]);
    }
    buf_putc(out, '\n');
    return true;
}

/* Links from priority pe, and the elements under it, to targets of each
 * linkage type. */
static void matrix_counts(const struct plan *p, const struct plan_element *pe,
                          size_t counts[PL_LINKAGE_COUNT])
{
    memset(counts, 0, PL_LINKAGE_COUNT * sizeof(counts[0]));
    for (size_t k = 0; k < p->link_count; k++) {
        const struct plan_target *t = plan_find_target(p, p->links[k].to);
        const struct plan_element *from = plan_find(p, p->links[k].from);
        if (t != NULL && from != NULL && plan_links_to(p, from, pe->id)) {
            counts[plan_target_linkage(t->type)]++;
        }
    }
}

void plan_render_matrix(const struct plan_progress *pr, bool csv,
                        struct buf *out)
{
    const struct plan *p = pr->plan;

    buf_puts(out, csv ? "priority" : "PRIORITY");
    for (int l = 0; l < PL_LINKAGE_COUNT; l++) {
        buf_printf(out, csv ? ",%s" : "  %s", plan_linkage_name(l));
    }
    buf_putc(out, '\n');
    for (size_t i = 0; i < p->count; i++) {
        size_t counts[PL_LINKAGE_COUNT];
        if (p->elements[i].kind != PLAN_PRIORITY) {
            continue;
        }
        matrix_counts(p, &p->elements[i], counts);
        buf_puts(out, p->elements[i].id);
        for (int l = 0; l < PL_LINKAGE_COUNT; l++) {
            buf_printf(out, csv ? ",%zu" : "  %zu", counts[l]);
        }
        buf_putc(out, '\n');
    }
}

void plan_render_no_data(const struct plan_progress *pr, int year,
                         struct buf *out)
{
    const struct plan *p = pr->plan;

    buf_printf(out, "kpi,measure,why\n");
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        const struct plan_series *s = &pr->series[i];
        int vy;
        bool any = false;
        if (e->kind != PLAN_KPI ||
            isfinite(plan_progress_latest(pr, i, year, &vy))) {
            continue;
        }
        for (int k = 0; s->vals != NULL && k < s->nyears; k++) {
            any = any || isfinite(s->vals[k]);
        }
        buf_printf(out, "%s,%s,", e->id,
                   e->kpi.measure == PM_REPORTED ? "reported" : "computed");
        if (s->error != NULL) {
            csv_field(out, s->error);
        } else if (any) {
            buf_printf(out, "no value in %d-%d", year - PLAN_STALE_YEARS, year);
        } else {
            buf_puts(out, "no value in any year");
        }
        buf_putc(out, '\n');
    }
}

void plan_render_no_kpi(const struct plan_progress *pr, struct buf *out)
{
    const struct plan *p = pr->plan;

    buf_puts(out, "element,kind,name\n");
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        bool has = false;
        if (e->kind == PLAN_KPI || e->kind == PLAN_PROJECT ||
            e->kind == PLAN_ACTIVITY) {
            continue;
        }
        for (size_t k = 0; k < p->count && !has; k++) {
            has =
                p->elements[k].kind == PLAN_KPI && plan_kpi_under(p, k, e->id);
        }
        if (!has) {
            buf_printf(out, "%s,%s,", e->id, plan_kind_name(e->kind));
            csv_field(out, e->name);
            buf_putc(out, '\n');
        }
    }
}

static void rollup_row(struct buf *out, const char *what, const char *key,
                       const struct plan_rollup *r)
{
    buf_printf(out, "%s,%s,%zu", what, key, r->total);
    for (int s = PS_STATUS_COUNT - 1; s >= 0; s--) {
        buf_printf(out, ",%zu", r->counts[s]);
    }
    buf_putc(out, '\n');
}

static bool seen_before(const struct plan_progress *pr, size_t i)
{
    for (size_t k = 0; k < i; k++) {
        if (pr->plan->elements[k].kind == PLAN_KPI &&
            strcmp(plan_progress_region(pr, k), plan_progress_region(pr, i)) ==
                0) {
            return true;
        }
    }
    return false;
}

void plan_render_rollups(const struct plan_progress *pr, int year,
                         struct buf *out)
{
    const struct plan *p = pr->plan;
    struct plan_rollup r;

    buf_puts(out, "by,key,kpis,achieved,on track,at risk,off track,"
                  "no data\n");
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        if (e->kind == PLAN_PRIORITY || e->kind == PLAN_OUTPUT ||
            e->kind == PLAN_RESULT) {
            plan_rollup_element(pr, e->id, year, &r);
            rollup_row(out, plan_kind_name(e->kind), e->id, &r);
        }
    }
    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].kind == PLAN_KPI && !seen_before(pr, i) &&
            plan_progress_region(pr, i)[0] != '\0') {
            plan_rollup_region(pr, plan_progress_region(pr, i), year, &r);
            rollup_row(out, "region", plan_progress_region(pr, i), &r);
        }
    }
    for (size_t t = 0; t < p->target_count; t++) {
        plan_rollup_target(pr, p->targets[t].id, year, &r);
        if (r.total > 0) {
            rollup_row(out, plan_target_type_name(p->targets[t].type),
                       p->targets[t].id, &r);
        }
    }
}

static void dump_json(json_t *j, struct buf *out)
{
    if (json_dump_callback(j, dump_cb, out,
                           JSON_INDENT(1) | JSON_REAL_PRECISION(15)) == 0) {
        buf_putc(out, '\n');
    }
    json_decref(j);
}

void plan_render_progress_json(const struct plan_progress *pr, int year,
                               struct buf *out)
{
    const struct plan *p = pr->plan;
    json_t *arr = json_array();

    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].kind == PLAN_KPI) {
            json_t *k = kpi_json(pr, i, year);
            json_object_set_new(k, "element",
                                json_string(p->elements[i].parent));
            json_array_append_new(arr, k);
        }
    }
    dump_json(arr, out);
}

static json_t *rollup_counts_json(const struct plan_rollup *r)
{
    json_t *o = json_object();

    for (int s = 0; s < PS_STATUS_COUNT; s++) {
        json_object_set_new(o, plan_status_name(s),
                            json_integer((json_int_t)r->counts[s]));
    }
    return o;
}

bool plan_render_links_json(const struct plan_progress *pr, const char *target,
                            int year, struct buf *out)
{
    const struct plan *p = pr->plan;
    const struct plan_target *t = plan_find_target(p, target);
    const struct plan_element *te = plan_find(p, target);
    json_t *o;
    json_t *arr;
    struct plan_rollup r;

    if (t == NULL && te == NULL) {
        return false;
    }
    o = json_pack("{s:s,s:s,s:s,s:b,s:i}", "target", target, "type",
                  t != NULL ? plan_target_type_name(t->type)
                            : plan_kind_name(te->kind),
                  "title", t != NULL ? t->title : te->name, "verified",
                  t != NULL ? t->verified : te->verified, "year", year);
    arr = json_array();
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        json_t *row;
        if (e == te || !plan_links_to(p, e, target)) {
            continue;
        }
        row = json_pack("{s:s,s:s,s:s,s:s}", "id", e->id, "kind",
                        plan_kind_name(e->kind), "name", e->name, "via",
                        direct_link(p, e->id, target) ? "direct" : "parent");
        if (e->kind == PLAN_KPI) {
            json_object_set_new(row, "status",
                                json_string(plan_status_name(
                                    plan_progress_status(pr, i, year))));
        }
        json_array_append_new(arr, row);
    }
    json_object_set_new(o, "elements", arr);
    plan_rollup_target(pr, target, year, &r);
    json_object_set_new(o, "rollup", rollup_counts_json(&r));
    dump_json(o, out);
    return true;
}

void plan_render_matrix_json(const struct plan_progress *pr, struct buf *out)
{
    const struct plan *p = pr->plan;
    json_t *cols = json_array();
    json_t *rows = json_array();

    for (int l = 0; l < PL_LINKAGE_COUNT; l++) {
        json_array_append_new(cols, json_string(plan_linkage_name(l)));
    }
    for (size_t i = 0; i < p->count; i++) {
        size_t counts[PL_LINKAGE_COUNT];
        json_t *row;
        if (p->elements[i].kind != PLAN_PRIORITY) {
            continue;
        }
        matrix_counts(p, &p->elements[i], counts);
        row = json_pack("{s:s}", "priority", p->elements[i].id);
        for (int l = 0; l < PL_LINKAGE_COUNT; l++) {
            json_object_set_new(row, plan_linkage_name(l),
                                json_integer((json_int_t)counts[l]));
        }
        json_array_append_new(rows, row);
    }
    dump_json(json_pack("{s:o,s:o}", "columns", cols, "rows", rows), out);
}

void plan_render_set_json(const struct plan *p, long long stored_version,
                          struct buf *out)
{
    dump_json(json_pack("{s:s,s:b,s:s,s:s,s:I}", "name", p->set_name,
                        "illustrative", p->set_illustrative, "version",
                        p->set_version, "note", p->set_note, "stored_version",
                        (json_int_t)stored_version),
              out);
}
