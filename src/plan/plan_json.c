/* Reading and writing plans as JSON: the reference files of data/plan, set
 * files (illustrative or official) and the stored whole-plan document. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/mem.h"
#include "plan.h"
#include "plan_int.h"

#define PLAN_FORMAT "ictdev-plan-1"

void plan_json_decref(struct json_t *j)
{
    if (j != NULL) {
        json_decref(j);
    }
}

/* An owned copy of o[key] as text: strings as they are, numbers printed,
 * anything else (absent, null) as def. */
static char *jstr(const json_t *o, const char *key, const char *def)
{
    const json_t *v = json_object_get(o, key);
    char tmp[64];

    if (json_is_string(v)) {
        return xstrdup(json_string_value(v));
    }
    if (json_is_integer(v)) {
        snprintf(tmp, sizeof(tmp), "%lld", (long long)json_integer_value(v));
        return xstrdup(tmp);
    }
    return xstrdup(def);
}

static double jnum(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int jint(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);

    if (!json_is_number(v)) {
        return 0;
    }
    double d = json_number_value(v);
    if (!(d > -1e6 && d < 1e6)) {
        return 0;
    }
    return (int)d;
}

static bool jbool(const json_t *o, const char *key, bool def)
{
    const json_t *v = json_object_get(o, key);

    return json_is_boolean(v) ? json_is_true(v) : def;
}

static json_t *load_file(const char *path, struct err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

    if (root == NULL) {
        if (je.line < 0) {
            err_set(err, ERR_NOT_FOUND, "%s: %s", path, je.text);
        } else {
            err_set(err, ERR_PARSE, "%s:%d:%d: %s", path, je.line, je.column,
                    je.text);
        }
    }
    return root;
}

int plan_link_type_check(const char *type, struct err *err)
{
    static const char *const ok[] = {"",           "contributes", "measures",
                                     "implements", "supports",    "related"};

    for (size_t i = 0; i < ARRAY_COUNT(ok); i++) {
        if (strcmp(type, ok[i]) == 0) {
            return 0;
        }
    }
    return err_set(err, ERR_INVALID,
                   "link type '%s': want contributes, measures, implements, "
                   "supports or related",
                   type);
}

static void link_push(struct plan *p, const char *from, const char *to,
                      const char *type)
{
    struct plan_link *l;

    p->links = xreallocarray(p->links, p->link_count + 1, sizeof(*l));
    l = &p->links[p->link_count++];
    l->from = xstrdup(from);
    l->to = xstrdup(to);
    l->type = xstrdup(type[0] != '\0' ? type : "contributes");
}

static int links_from_obj(struct plan *p, const char *from, const json_t *arr,
                          struct err *err)
{
    size_t i;
    const json_t *v;

    if (arr == NULL) {
        return 0;
    }
    if (!json_is_array(arr)) {
        return err_set(err, ERR_INVALID, "element '%s': links must be a list",
                       from);
    }
    json_array_foreach(arr, i, v)
    {
        const char *to = json_string_value(v);
        const char *type = "";
        if (json_is_object(v)) {
            to = json_string_value(json_object_get(v, "to"));
            type = json_string_value(json_object_get(v, "type"));
            type = type != NULL ? type : "";
        }
        if (to == NULL) {
            return err_set(err, ERR_INVALID,
                           "element '%s': link %zu has no target", from, i + 1);
        }
        if (plan_link_type_check(type, err) != 0) {
            return err_prefix(err, "element '%s'", from);
        }
        link_push(p, from, to, type);
    }
    return 0;
}

static int kpi_from_obj(const json_t *o, struct plan_element *e,
                        struct err *err)
{
    struct plan_kpi *k = &e->kpi;
    const json_t *b = json_object_get(o, "baseline");
    const json_t *t = json_object_get(o, "target");
    char *dir = jstr(o, "direction", "");
    char *meas = jstr(o, "measure", "computed");
    int rc = 0;

    k->direction = strcmp(dir, "up") == 0     ? 1
                   : strcmp(dir, "down") == 0 ? -1
                                              : 0;
    if (strcmp(meas, "computed") == 0) {
        k->measure = PM_COMPUTED;
    } else if (strcmp(meas, "reported") == 0) {
        k->measure = PM_REPORTED;
    } else {
        rc = err_set(err, ERR_INVALID,
                     "KPI '%s': measure '%s' (want computed or reported)",
                     e->id, meas);
    }
    xfree(dir);
    xfree(meas);
    k->base_value = jnum(b, "value");
    k->base_year = jint(b, "year");
    k->base_how = jstr(b, "how", "");
    k->target_value = jnum(t, "value");
    k->target_year = jint(t, "year");
    k->target_source = jstr(t, "source", "");
    return rc;
}

static void kpi_blank(struct plan_kpi *k)
{
    k->unit = xstrdup("");
    k->expr = xstrdup("");
    k->economy = xstrdup("");
    k->feed = xstrdup("");
    k->base_how = NULL;
    k->target_source = NULL;
    k->base_value = NAN;
    k->target_value = NAN;
}

static const char *const core_keys[] = {
    "id",           "kind",  "parent",   "name",      "description", "verified",
    "illustrative", "links", "unit",     "direction", "measure",     "expr",
    "economy",      "feed",  "baseline", "target",
};

/* Fill *e from object o; on error *e is cleaned up by the caller through
 * plan_element_cleanup. */
static int element_from_obj(struct plan *p, const json_t *o, int def_kind,
                            struct plan_element *e, struct err *err)
{
    char *kind;

    memset(e, 0, sizeof(*e));
    if (!json_is_object(o)) {
        return err_set(err, ERR_INVALID, "an element must be a JSON object");
    }
    e->id = jstr(o, "id", "");
    e->parent = jstr(o, "parent", "");
    e->name = jstr(o, "name", "");
    e->description = jstr(o, "description", "");
    e->verified = jbool(o, "verified", true);
    e->illustrative = jbool(o, "illustrative", false);
    kpi_blank(&e->kpi);
    kind = jstr(o, "kind", def_kind >= 0 ? plan_kind_name(def_kind) : "");
    if (plan_kind_parse(kind, &e->kind, err) != 0) {
        xfree(kind);
        return err_prefix(err, "element '%s'", e->id);
    }
    xfree(kind);
    if (e->id[0] == '\0') {
        return err_set(err, ERR_INVALID, "%s element without an id",
                       plan_kind_name(e->kind));
    }
    if (e->kind == PLAN_KPI) {
        xfree(e->kpi.unit);
        xfree(e->kpi.expr);
        xfree(e->kpi.economy);
        xfree(e->kpi.feed);
        e->kpi.unit = jstr(o, "unit", "");
        e->kpi.expr = jstr(o, "expr", "");
        e->kpi.economy = jstr(o, "economy", "");
        e->kpi.feed = jstr(o, "feed", "");
        if (kpi_from_obj(o, e, err) != 0) {
            return err->code;
        }
    }
    if (e->kind == PLAN_PROJECT || e->kind == PLAN_ACTIVITY) {
        e->extra = json_deep_copy(o);
        for (size_t i = 0; i < ARRAY_COUNT(core_keys); i++) {
            json_object_del(e->extra, core_keys[i]);
        }
    }
    return links_from_obj(p, e->id, json_object_get(o, "links"), err);
}

void plan_element_cleanup(struct plan_element *e)
{
    xfree(e->id);
    xfree(e->parent);
    xfree(e->name);
    xfree(e->description);
    xfree(e->kpi.unit);
    xfree(e->kpi.expr);
    xfree(e->kpi.economy);
    xfree(e->kpi.feed);
    xfree(e->kpi.base_how);
    xfree(e->kpi.target_source);
    plan_json_decref(e->extra);
    memset(e, 0, sizeof(*e));
}

static int element_push(struct plan *p, const json_t *o, int def_kind,
                        struct err *err)
{
    struct plan_element e;

    if (element_from_obj(p, o, def_kind, &e, err) != 0) {
        plan_element_cleanup(&e);
        return err->code;
    }
    p->elements = xreallocarray(p->elements, p->count + 1, sizeof(e));
    p->elements[p->count++] = e;
    return 0;
}

int plan_element_from_json(struct plan *p, const char *text,
                           struct plan_element *out, struct err *err)
{
    json_error_t je;
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &je);

    if (o == NULL) {
        return err_set(err, ERR_PARSE, "element JSON:%d:%d: %s", je.line,
                       je.column, je.text);
    }
    if (element_from_obj(p, o, -1, out, err) != 0) {
        plan_element_cleanup(out);
        json_decref(o);
        return err->code;
    }
    json_decref(o);
    return 0;
}

static void target_push(struct plan *p, const char *id, int type,
                        const char *title, bool verified)
{
    struct plan_target *t;

    p->targets = xreallocarray(p->targets, p->target_count + 1, sizeof(*t));
    t = &p->targets[p->target_count++];
    t->id = xstrdup(id);
    t->type = type;
    t->title = xstrdup(title != NULL ? title : "");
    t->verified = verified;
}

/* Add every item of arr as a target "prefix + item[key]". */
static void targets_from(struct plan *p, const json_t *arr, const char *key,
                         const char *title_key, const char *prefix, int type)
{
    size_t i;
    const json_t *v;

    json_array_foreach(arr, i, v)
    {
        char *code = jstr(v, key, "");
        char id[128];
        int t = type;
        const char *title = json_string_value(json_object_get(v, title_key));

        if (type == PT_SDG_TARGET && strchr(code, '.') != strrchr(code, '.')) {
            t = PT_SDG_INDICATOR;
        }
        snprintf(id, sizeof(id), "%s%s", prefix, code);
        target_push(p, id, t, title, jbool(v, "verified", false));
        xfree(code);
    }
}

static int load_ref(const char *dir, const char *file, json_t **out,
                    struct err *err)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/reference/%s", dir, file);
    *out = load_file(path, err);
    return *out == NULL ? err->code : 0;
}

static int ref_elements(struct plan *p, const json_t *arr, int kind,
                        struct err *err)
{
    size_t i;
    const json_t *v;

    json_array_foreach(arr, i, v)
    {
        if (element_push(p, v, kind, err) != 0) {
            return err->code;
        }
    }
    return 0;
}

/* The linkage targets of the reference files j[3..8] (sdgs, strategic
 * plan, WSIS, resolutions, regional initiatives, Questions). */
static void reference_targets(struct plan *p, json_t *const *j)
{
    size_t i;
    const json_t *v;

    targets_from(p, json_object_get(j[3], "goals"), "number", "short_title",
                 "sdg:", PT_SDG_GOAL);
    targets_from(p, json_object_get(j[3], "ict_targets"), "code", "title",
                 "sdg:", PT_SDG_TARGET);
    targets_from(p, json_object_get(j[3], "indicators"), "code", "title",
                 "sdg:", PT_SDG_TARGET);
    targets_from(p, json_object_get(j[4], "goals"), "id", "name",
                 "sp:", PT_SP_GOAL);
    json_array_foreach(json_object_get(j[4], "targets"), i, v)
    {
        char id[32];
        snprintf(id, sizeof(id), "sp:T%zu", i + 1);
        target_push(p, id, PT_SP_TARGET,
                    json_string_value(json_object_get(v, "area")),
                    jbool(v, "verified", false));
    }
    targets_from(p, json_object_get(j[5], "action_lines"), "code", "title",
                 "wsis:", PT_WSIS);
    targets_from(p, json_object_get(j[6], "wtdc_resolutions"), "number",
                 "title", "res:WTDC-", PT_RESOLUTION);
    targets_from(p, json_object_get(j[6], "pp_resolutions"), "number", "title",
                 "res:PP-", PT_RESOLUTION);
    json_array_foreach(json_object_get(j[7], "regions"), i, v)
    {
        targets_from(p, json_object_get(v, "initiatives"), "code", "title",
                     "ri:", PT_RI);
    }
    json_array_foreach(json_object_get(j[8], "study_groups"), i, v)
    {
        targets_from(p, json_object_get(v, "questions"), "code", "title",
                     "q:", PT_QUESTION);
    }
}

static int load_reference(struct plan *p, const char *dir, struct err *err)
{
    static const char *const files[] = {
        "priorities.json",
        "products_services.json",
        "enablers.json",
        "sdgs.json",
        "strategic_plan_2024_2027.json",
        "wsis_action_lines.json",
        "resolutions.json",
        "regional_initiatives.json",
        "study_questions.json",
    };
    json_t *j[ARRAY_COUNT(files)] = {0};
    int rc = 0;

    for (size_t f = 0; f < ARRAY_COUNT(files) && rc == 0; f++) {
        rc = load_ref(dir, files[f], &j[f], err);
    }
    if (rc == 0) {
        rc = ref_elements(p, json_object_get(j[0], "priorities"), PLAN_PRIORITY,
                          err);
    }
    if (rc == 0) {
        rc = ref_elements(p, json_object_get(j[1], "products_services"),
                          PLAN_PRODUCT, err);
    }
    if (rc == 0) {
        rc = ref_elements(p, json_object_get(j[2], "enablers"), PLAN_ENABLER,
                          err);
    }
    if (rc != 0) {
        goto out;
    }
    reference_targets(p, j);
out:
    for (size_t f = 0; f < ARRAY_COUNT(files); f++) {
        plan_json_decref(j[f]);
    }
    return rc;
}

static int value_from_obj(struct plan *p, const json_t *o, struct err *err)
{
    struct plan_value v = {0};
    int rc;

    v.kpi = jstr(o, "kpi", "");
    v.year = jint(o, "year");
    v.value = jnum(o, "value");
    v.note = jstr(o, "note", "");
    v.link = jstr(o, "link", "");
    v.sha256 = jstr(o, "sha256", "");
    v.by = jstr(o, "by", "");
    v.time = jstr(o, "time", "");
    v.is_deleted = jbool(o, "deleted", false);
    /* Validation of the KPI itself happens in plan_validate, after every
     * element is known; here only the value's own fields. */
    rc = 0;
    if (!v.is_deleted && !isfinite(v.value)) {
        rc = err_set(err, ERR_INVALID, "reported value %s/%d: no value", v.kpi,
                     v.year);
    }
    if (rc == 0) {
        int rev = 0;
        for (size_t i = 0; i < p->value_count; i++) {
            if (p->values[i].year == v.year &&
                strcmp(p->values[i].kpi, v.kpi) == 0 &&
                p->values[i].revision > rev) {
                rev = p->values[i].revision;
            }
        }
        v.revision = rev + 1;
        p->values = xreallocarray(p->values, p->value_count + 1, sizeof(v));
        p->values[p->value_count++] = v;
        return 0;
    }
    xfree(v.kpi);
    xfree(v.note);
    xfree(v.link);
    xfree(v.sha256);
    xfree(v.by);
    xfree(v.time);
    return rc;
}

/* The set part of a document: _meta/set, elements, links, reported. */
static int set_from_obj(struct plan *p, const json_t *root, struct err *err)
{
    const json_t *meta = json_object_get(root, "_meta");
    const json_t *arr;
    const json_t *v;
    size_t i;

    if (meta == NULL) {
        meta = json_object_get(root, "set");
    }
    if (!json_is_object(root) ||
        !json_is_array(json_object_get(root, "elements"))) {
        return err_set(err, ERR_INVALID, "want an object with \"elements\"");
    }
    xfree(p->set_name);
    xfree(p->set_version);
    xfree(p->set_note);
    p->set_name = jstr(meta, "name", "(unnamed set)");
    p->set_version = jstr(meta, "version", "");
    p->set_note = jstr(meta, "note", "");
    p->set_illustrative = jbool(meta, "illustrative", false);
    json_array_foreach(json_object_get(root, "elements"), i, v)
    {
        if (element_push(p, v, -1, err) != 0) {
            return err->code;
        }
    }
    arr = json_object_get(root, "links");
    json_array_foreach(arr, i, v)
    {
        const char *from = json_string_value(json_object_get(v, "from"));
        const char *to = json_string_value(json_object_get(v, "to"));
        const char *type = json_string_value(json_object_get(v, "type"));
        if (from == NULL || to == NULL) {
            return err_set(err, ERR_INVALID, "link %zu: needs from and to",
                           i + 1);
        }
        if (plan_link_type_check(type != NULL ? type : "", err) != 0) {
            return err_prefix(err, "link %s -> %s", from, to);
        }
        link_push(p, from, to, type != NULL ? type : "");
    }
    json_array_foreach(json_object_get(root, "reported"), i, v)
    {
        if (value_from_obj(p, v, err) != 0) {
            return err->code;
        }
    }
    return 0;
}

struct plan *plan_load_dir(const char *dir, struct err *err)
{
    struct plan *p = plan_new();
    char path[4096];
    json_t *set = NULL;

    snprintf(path, sizeof(path), "%s/illustrative.json", dir);
    if (load_reference(p, dir, err) != 0) {
        goto fail;
    }
    set = load_file(path, err);
    if (set == NULL) {
        goto fail;
    }
    if (set_from_obj(p, set, err) != 0 || plan_validate(p, err) != 0) {
        err_prefix(err, "%s", path);
        goto fail;
    }
    json_decref(set);
    return p;
fail:
    plan_json_decref(set);
    plan_free(p);
    return NULL;
}

static bool is_reference_kind(int kind)
{
    return kind == PLAN_PRIORITY || kind == PLAN_PRODUCT ||
           kind == PLAN_ENABLER;
}

/* Keep the reference elements and their links; drop the set (elements,
 * their links, reported values). The index is stale afterwards. */
static void drop_set(struct plan *p)
{
    size_t out = 0;

    for (size_t i = 0; i < p->count; i++) {
        if (is_reference_kind(p->elements[i].kind)) {
            p->elements[out++] = p->elements[i];
        } else {
            plan_element_cleanup(&p->elements[i]);
        }
    }
    p->count = out;
    out = 0;
    for (size_t i = 0; i < p->link_count; i++) {
        struct plan_link *l = &p->links[i];
        bool keep = false;
        for (size_t k = 0; k < p->count && !keep; k++) {
            keep = strcmp(p->elements[k].id, l->from) == 0;
        }
        if (keep) {
            p->links[out++] = *l;
            continue;
        }
        xfree(l->from);
        xfree(l->to);
        xfree(l->type);
    }
    p->link_count = out;
    for (size_t i = 0; i < p->value_count; i++) {
        struct plan_value *v = &p->values[i];
        xfree(v->kpi);
        xfree(v->note);
        xfree(v->link);
        xfree(v->sha256);
        xfree(v->by);
        xfree(v->time);
    }
    p->value_count = 0;
}

int plan_load_set(struct plan *p, const char *path, struct err *err)
{
    json_t *set = load_file(path, err);
    struct plan *copy;
    struct plan tmp;

    if (set == NULL) {
        return err->code;
    }
    copy = plan_clone(p, err);
    if (copy == NULL) {
        json_decref(set);
        return err->code;
    }
    drop_set(copy);
    if (set_from_obj(copy, set, err) != 0 || plan_validate(copy, err) != 0) {
        err_prefix(err, "%s", path);
        json_decref(set);
        plan_free(copy);
        return err->code;
    }
    json_decref(set);
    tmp = *p;
    *p = *copy;
    *copy = tmp;
    plan_free(copy);
    return 0;
}

static json_t *jnum_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* JSON of one element in set-file form, without links. Returns owned. */
json_t *plan_element_json(const struct plan_element *e);
json_t *plan_element_json(const struct plan_element *e)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "kind", json_string(plan_kind_name(e->kind)));
    if (e->parent[0] != '\0') {
        json_object_set_new(o, "parent", json_string(e->parent));
    }
    json_object_set_new(o, "name", json_string(e->name));
    if (e->description[0] != '\0') {
        json_object_set_new(o, "description", json_string(e->description));
    }
    json_object_set_new(o, "verified", json_boolean(e->verified));
    json_object_set_new(o, "illustrative", json_boolean(e->illustrative));
    if (e->kind == PLAN_KPI) {
        const struct plan_kpi *k = &e->kpi;
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
        if (k->feed[0] != '\0') {
            json_object_set_new(o, "feed", json_string(k->feed));
        }
        json_object_set_new(o, "baseline",
                            json_pack("{s:o,s:i,s:s}", "value",
                                      jnum_or_null(k->base_value), "year",
                                      k->base_year, "how", k->base_how));
        json_object_set_new(
            o, "target",
            json_pack("{s:o,s:i,s:s}", "value", jnum_or_null(k->target_value),
                      "year", k->target_year, "source", k->target_source));
    }
    if (e->extra != NULL) {
        json_object_update(o, e->extra);
    }
    return o;
}

static json_t *value_json(const struct plan_value *v)
{
    json_t *o =
        json_pack("{s:s,s:i,s:o,s:s,s:s,s:s,s:s,s:s,s:i}", "kpi", v->kpi,
                  "year", v->year, "value", jnum_or_null(v->value), "note",
                  v->note, "link", v->link, "sha256", v->sha256, "by", v->by,
                  "time", v->time, "revision", v->revision);

    if (v->is_deleted) {
        json_object_set_new(o, "deleted", json_true());
    }
    return o;
}

static int dump_cb(const char *data, size_t size, void *ctx)
{
    buf_append(ctx, data, size);
    return 0;
}

char *plan_to_json(const struct plan *p)
{
    json_t *root = json_object();
    json_t *arr;
    struct buf b;

    json_object_set_new(root, "format", json_string(PLAN_FORMAT));
    json_object_set_new(root, "set",
                        json_pack("{s:s,s:b,s:s,s:s}", "name", p->set_name,
                                  "illustrative", p->set_illustrative,
                                  "version", p->set_version, "note",
                                  p->set_note));
    arr = json_array();
    for (size_t i = 0; i < p->target_count; i++) {
        const struct plan_target *t = &p->targets[i];
        json_array_append_new(
            arr, json_pack("{s:s,s:s,s:s,s:b}", "id", t->id, "type",
                           plan_target_type_name(t->type), "title", t->title,
                           "verified", t->verified));
    }
    json_object_set_new(root, "targets", arr);
    arr = json_array();
    for (size_t i = 0; i < p->count; i++) {
        json_array_append_new(arr, plan_element_json(&p->elements[i]));
    }
    json_object_set_new(root, "elements", arr);
    arr = json_array();
    for (size_t i = 0; i < p->link_count; i++) {
        const struct plan_link *l = &p->links[i];
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "from", l->from,
                                             "to", l->to, "type", l->type));
    }
    json_object_set_new(root, "links", arr);
    arr = json_array();
    for (size_t i = 0; i < p->value_count; i++) {
        json_array_append_new(arr, value_json(&p->values[i]));
    }
    json_object_set_new(root, "reported", arr);
    buf_init(&b);
    /* Dump through a callback so the text is ours (core/mem.h), not
     * jansson's malloc. */
    if (json_dump_callback(root, dump_cb, &b,
                           JSON_COMPACT | JSON_REAL_PRECISION(17)) != 0) {
        buf_reset(&b);
    }
    json_decref(root);
    return buf_detach(&b);
}

static int target_type_parse(const char *s, int *out)
{
    for (int i = 0; i < PT_TYPE_COUNT; i++) {
        if (strcmp(s, plan_target_type_name(i)) == 0) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

struct plan *plan_from_json(const char *text, size_t len, const char *name,
                            struct err *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    struct plan *p;
    const json_t *v;
    size_t i;

    if (root == NULL) {
        err_set(err, ERR_PARSE, "%s:%d:%d: %s", name, je.line, je.column,
                je.text);
        return NULL;
    }
    p = plan_new();
    json_array_foreach(json_object_get(root, "targets"), i, v)
    {
        const char *type = json_string_value(json_object_get(v, "type"));
        const char *id = json_string_value(json_object_get(v, "id"));
        int t;
        if (id == NULL || type == NULL || target_type_parse(type, &t) != 0) {
            err_set(err, ERR_INVALID, "%s: target %zu: bad id or type", name,
                    i + 1);
            goto fail;
        }
        target_push(p, id, t, json_string_value(json_object_get(v, "title")),
                    jbool(v, "verified", false));
    }
    if (set_from_obj(p, root, err) != 0 || plan_validate(p, err) != 0) {
        err_prefix(err, "%s", name);
        goto fail;
    }
    /* Stored revisions keep their numbers. */
    json_array_foreach(json_object_get(root, "reported"), i, v)
    {
        int rev = jint(v, "revision");
        if (rev > 0 && i < p->value_count) {
            p->values[i].revision = rev;
        }
    }
    json_decref(root);
    return p;
fail:
    json_decref(root);
    plan_free(p);
    return NULL;
}

struct plan *plan_clone(const struct plan *p, struct err *err)
{
    char *text = plan_to_json(p);
    struct plan *c = plan_from_json(text, strlen(text), "plan", err);

    xfree(text);
    return c;
}
