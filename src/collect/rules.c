/* Validation rules (see rules.h): loading, compiling once, and evaluating
 * against a submission. Each distinct reference of a rule (name, dims,
 * offset) gets one slot; evaluation fills the slots through the lookup and
 * runs the compiled program. */
#include "rules.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../expr/expr.h"
#include "../io/csv.h"
#include "values.h"

const char *rule_severity_name(enum rule_severity s)
{
    return s == RULE_ERROR ? "error" : "warning";
}

int rule_severity_parse(const char *s, enum rule_severity *out, struct err *err)
{
    if (strcmp(s, "error") == 0) {
        *out = RULE_ERROR;
        return 0;
    }
    if (strcmp(s, "warning") == 0) {
        *out = RULE_WARNING;
        return 0;
    }
    return err_set(err, ERR_INVALID,
                   "severity '%.20s': want error or "
                   "warning",
                   s);
}

const char *rule_outcome_name(enum rule_outcome o)
{
    switch (o) {
    case RULE_PASS:
        return "pass";
    case RULE_FAIL:
        return "fail";
    case RULE_NOT_APPLICABLE:
        return "not applicable";
    default:
        return "skipped";
    }
}

/* ---- Compiling ---------------------------------------------------------- */

static bool same_ref(const struct expr_ref *a, const struct expr_ref *b)
{
    if (strcmp(a->name, b->name) != 0 || a->offset != b->offset ||
        a->dim_count != b->dim_count) {
        return false;
    }
    for (int i = 0; i < a->dim_count; i++) {
        if (strcmp(a->dims[i].dim, b->dims[i].dim) != 0 ||
            strcmp(a->dims[i].value, b->dims[i].value) != 0) {
            return false;
        }
    }
    return true;
}

struct slot_ctx {
    const struct expr_ref *refs; /* the rule's references */
    size_t count;
};

/* Slot = index of the first reference equal to ref. */
static int resolve_slot(void *ctx, const struct expr_ref *ref, size_t *out_slot,
                        struct err *err)
{
    const struct slot_ctx *c = ctx;

    for (size_t i = 0; i < c->count; i++) {
        if (same_ref(&c->refs[i], ref)) {
            *out_slot = i;
            return 0;
        }
    }
    return err_set(err, ERR_INTERNAL, "reference '%s' not found", ref->name);
}

static int compile_rule(struct rule *r, struct err *err)
{
    struct slot_ctx c;
    struct expr_resolver res = {.resolve = resolve_slot, .ctx = &c};

    r->expr = expr_parse(r->text, strlen(r->text), err);
    if (r->expr == NULL) {
        return err->code;
    }
    c.refs = expr_refs(r->expr, &c.count);
    res.slot_count = c.count;
    r->slot_count = c.count;
    r->prog = expr_compile(r->expr, &res, err);
    return r->prog ? 0 : err->code;
}

static bool id_ok(const char *id)
{
    return code_valid(id, strlen(id));
}

static bool kind_ok(const char *k)
{
    return strcmp(k, "range") == 0 || strcmp(k, "consistency") == 0 ||
           strcmp(k, "trend") == 0 || strcmp(k, "completeness") == 0;
}

static void rule_free_fields(struct rule *r)
{
    xfree(r->id);
    xfree(r->kind);
    xfree(r->indicators);
    xfree(r->text);
    xfree(r->message);
    expr_prog_free(r->prog);
    expr_free(r->expr);
}

int ruleset_add(struct ruleset *rs, const char *id, enum rule_severity severity,
                const char *kind, const char *indicators, const char *text,
                const char *message, struct err *err)
{
    struct rule r;

    if (!id_ok(id)) {
        return err_set(err, ERR_INVALID, "rule id '%.40s' is not a code", id);
    }
    if (!kind_ok(kind)) {
        return err_set(err, ERR_INVALID,
                       "rule %s: kind '%.20s': want range, "
                       "consistency, trend or completeness",
                       id, kind);
    }
    if (indicators[0] == '\0') {
        return err_set(err, ERR_INVALID, "rule %s: no indicators", id);
    }
    for (size_t i = 0; i < rs->count; i++) {
        if (strcmp(rs->rules[i].id, id) == 0) {
            return err_set(err, ERR_CONFLICT, "rule %s given twice", id);
        }
    }
    if (rs->count >= MAX_RULES) {
        return err_set(err, ERR_LIMIT, "more than %d rules", MAX_RULES);
    }
    memset(&r, 0, sizeof(r));
    r.text = xstrdup(text);
    if (compile_rule(&r, err) != 0) {
        rule_free_fields(&r);
        return err_prefix(err, "rule %s: expression", id);
    }
    r.id = xstrdup(id);
    r.severity = severity;
    r.kind = xstrdup(kind);
    r.indicators = xstrdup(indicators);
    r.message = xstrdup(message);
    rs->rules = xreallocarray(rs->rules, rs->count + 1, sizeof(r));
    rs->rules[rs->count++] = r;
    return 0;
}

void ruleset_cleanup(struct ruleset *rs)
{
    for (size_t i = 0; i < rs->count; i++) {
        rule_free_fields(&rs->rules[i]);
    }
    xfree(rs->rules);
    memset(rs, 0, sizeof(*rs));
}

/* ---- Loading files ------------------------------------------------------ */

static int add_record(struct ruleset *rs, const struct csv_record *rec,
                      const char *path, struct err *err)
{
    char *f[6];
    enum rule_severity sev = RULE_ERROR;
    int rc;

    if (rec->count != 6) {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: want 6 fields (id,severity,"
                       "kind,indicators,expression,message)",
                       path, (unsigned long long)rec->line);
    }
    for (size_t i = 0; i < 6; i++) {
        f[i] = csv_field_dup(&rec->fields[i]);
    }
    rc = rule_severity_parse(f[1], &sev, err);
    if (rc == 0) {
        rc = ruleset_add(rs, f[0], sev, f[2], f[3], f[4], f[5], err);
    }
    if (rc != 0) {
        err_prefix(err, "%s:%llu", path, (unsigned long long)rec->line);
    }
    for (size_t i = 0; i < 6; i++) {
        xfree(f[i]);
    }
    return rc;
}

int ruleset_load_file(struct ruleset *rs, const char *path, struct err *err)
{
    struct csv_reader *r = csv_open_path(path, err);
    struct csv_record rec;
    int rc;

    if (r == NULL) {
        return err->code;
    }
    rc = csv_next(r, &rec, err);
    if (rc == 0 && (rec.count == 0 || !csv_field_eq(&rec.fields[0], "id"))) {
        rc = err_set(err, ERR_INVALID,
                     "%s:1: want the header id,severity,"
                     "kind,indicators,expression,message",
                     path);
    }
    while (rc == 0) {
        rc = csv_next(r, &rec, err);
        if (rc != 0 || rec.count == 0) {
            break;
        }
        rc = add_record(rs, &rec, path, err);
    }
    csv_close(r);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ruleset_load_dir(struct ruleset *rs, const char *dir, struct err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t count = 0;
    int rc = 0;

    if (d == NULL) {
        return err_set(err, ERR_NOT_FOUND, "%s: no rules directory", dir);
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] != '.' && len > 4 &&
            strcmp(e->d_name + len - 4, ".csv") == 0) {
            names = xreallocarray(names, count + 1, sizeof(char *));
            names[count++] = xstrdup(e->d_name);
        }
    }
    closedir(d);
    if (count > 0) {
        qsort(names, count, sizeof(char *), name_cmp);
    }
    for (size_t i = 0; i < count; i++) {
        struct buf path;
        buf_init(&path);
        buf_printf(&path, "%s/%s", dir, names[i]);
        if (rc == 0) {
            rc = ruleset_load_file(rs, buf_cstr(&path), err);
        }
        buf_cleanup(&path);
        xfree(names[i]);
    }
    xfree(names);
    return rc;
}

/* ---- Evaluating --------------------------------------------------------- */

/* Print ref as it would be written in a rule. */
static char *ref_text(const struct expr_ref *ref)
{
    struct buf b;
    bool plain = true;

    for (const char *p = ref->name; *p; p++) {
        if (*p == '-' || *p == ' ') {
            plain = false;
        }
    }
    buf_init(&b);
    buf_printf(&b, plain ? "%s" : "`%s`", ref->name);
    for (int i = 0; i < ref->dim_count; i++) {
        buf_printf(&b, "%c%s=%s", i ? ',' : '[', ref->dims[i].dim,
                   ref->dims[i].value);
    }
    if (ref->dim_count > 0) {
        buf_putc(&b, ']');
    }
    if (ref->offset != 0) {
        buf_printf(&b, "@%d", ref->offset);
    }
    return buf_detach(&b);
}

static int ref_dims(const struct expr_ref *ref, struct buf *canon,
                    struct err *err)
{
    struct buf key;
    int rc;

    buf_init(&key);
    for (int i = 0; i < ref->dim_count; i++) {
        buf_printf(&key, "%s%s=%s", i ? ";" : "", ref->dims[i].dim,
                   ref->dims[i].value);
    }
    rc = values_dims_canon(buf_cstr(&key), canon, err);
    buf_cleanup(&key);
    return rc;
}

static bool concerns_submission(const struct rule *r,
                                const struct rule_lookup *lk)
{
    const char *p = r->indicators;
    char code[MAX_CODE_LEN + 1];

    if (strcmp(r->kind, "completeness") == 0) {
        return true;
    }
    while (*p != '\0') {
        size_t len = strcspn(p, ";");
        if (len <= MAX_CODE_LEN) {
            memcpy(code, p, len);
            code[len] = '\0';
            if (lk->submitted(lk->ctx, code)) {
                return true;
            }
        }
        p += len;
        if (*p == ';') {
            p++;
        }
    }
    return false;
}

/* Fill the operands of res (one per slot) and the slot values. */
static int fill_operands(const struct rule *r, const struct rule_lookup *lk,
                         int year, struct rule_result *res, double *slots,
                         struct err *err)
{
    size_t count;
    const struct expr_ref *refs = expr_refs(r->expr, &count);
    struct buf canon;
    int rc = 0;

    buf_init(&canon);
    res->operands = xcalloc(count ? count : 1, sizeof(*res->operands));
    for (size_t i = 0; rc == 0 && i < count; i++) {
        struct rule_operand *op = &res->operands[res->count];
        size_t first = 0;
        slots[i] = NAN;
        while (!same_ref(&refs[first], &refs[i])) {
            first++;
        }
        if (first < i) {
            slots[i] = slots[first]; /* the same value, listed once */
            continue;
        }
        if (ref_dims(&refs[i], &canon, err) != 0) {
            rc = err_prefix(err, "rule %s", r->id);
            break;
        }
        res->count++;
        op->ref = ref_text(&refs[i]);
        op->indicator = xstrdup(refs[i].name);
        op->dims = xstrdup(buf_cstr(&canon));
        op->year = year + refs[i].offset;
        rc = lk->value(lk->ctx, op->indicator, op->dims, op->year, &slots[i],
                       op->where, sizeof(op->where), err);
        op->value = slots[i];
        if (isnan(op->value)) {
            op->where[0] = '\0';
        }
    }
    buf_cleanup(&canon);
    return rc;
}

static int eval_rule(const struct rule *r, const struct rule_lookup *lk,
                     int year, struct rule_result *res, struct err *err)
{
    double *slots;
    double *stack;
    int rc;

    res->rule = r;
    if (!concerns_submission(r, lk)) {
        res->outcome = RULE_SKIPPED;
        return 0;
    }
    slots = xcalloc(r->slot_count ? r->slot_count : 1, sizeof(double));
    /* A stack of our own: a ruleset is shared by the server's threads. */
    stack = xcalloc(expr_prog_stack_size(r->prog) + 1, sizeof(double));
    rc = fill_operands(r, lk, year, res, slots, err);
    if (rc == 0) {
        switch (expr_truth(expr_eval_stack(r->prog, slots, stack))) {
        case 1:
            res->outcome = RULE_PASS;
            break;
        case 0:
            res->outcome = RULE_FAIL;
            break;
        default:
            res->outcome = RULE_NOT_APPLICABLE;
            break;
        }
    }
    xfree(stack);
    xfree(slots);
    return rc;
}

int rules_evaluate(const struct ruleset *rs, const struct rule_lookup *lk,
                   int year, struct rule_report *out, struct err *err)
{
    out->results = xcalloc(rs->count ? rs->count : 1, sizeof(*out->results));
    for (size_t i = 0; i < rs->count; i++) {
        struct rule_result *res = &out->results[i];
        out->count++;
        if (eval_rule(&rs->rules[i], lk, year, res, err) != 0) {
            return err->code;
        }
        if (res->outcome == RULE_FAIL) {
            if (rs->rules[i].severity == RULE_ERROR) {
                out->failed_errors++;
            } else {
                out->failed_warnings++;
            }
        }
    }
    return 0;
}

void rule_report_cleanup(struct rule_report *r)
{
    for (size_t i = 0; i < r->count; i++) {
        struct rule_result *res = &r->results[i];
        for (size_t j = 0; j < res->count; j++) {
            xfree(res->operands[j].ref);
            xfree(res->operands[j].indicator);
            xfree(res->operands[j].dims);
        }
        xfree(res->operands);
    }
    xfree(r->results);
    memset(r, 0, sizeof(*r));
}
