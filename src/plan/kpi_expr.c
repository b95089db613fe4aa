/* KPI expressions on top of src/expr: the group functions are recognised
 * here (their first argument is a group code, which the expression language
 * has no type for), and the inner expression is parsed and compiled by
 * src/expr with a resolver that gives one slot per distinct reference. */
#include "kpi_expr.h"

#include <math.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../expr/expr.h"

enum kpi_fn { KF_NONE, KF_COUNT, KF_SHARE, KF_MEAN };

/* A distinct reference: which value fills the slot. */
struct kpi_slot {
    char *indicator; /* owned */
    char *dims;      /* owned canonical key without eco */
    char *economy;   /* owned; "" = the economy being evaluated */
    int offset;      /* years */
};

struct kpi_prog {
    int fn;        /* enum kpi_fn */
    char *group;   /* owned; "" for KF_NONE */
    char *economy; /* owned; the KPI's economy for KF_NONE */
    struct expr *ast;
    struct expr_prog *prog;
    struct kpi_slot *slots;
    size_t slot_count;
    double *vals; /* owned; slot_count */
};

static const struct {
    const char *name;
    int fn;
} fns[] = {
    {"count_members", KF_COUNT},
    {"share_members", KF_SHARE},
    {"mean_members", KF_MEAN},
};

/* Split "fn(GROUP, inner)" into its parts; false if text is not a group
 * function call. */
static bool split_group_fn(const char *text, int *out_fn, char **out_group,
                           const char **out_inner, size_t *out_inner_len)
{
    const char *s = text;
    const char *g;
    const char *end;
    size_t len = strlen(text);

    str_trim(&s, &len);
    end = s + len;
    for (size_t i = 0; i < ARRAY_COUNT(fns); i++) {
        size_t n = strlen(fns[i].name);
        if (strncmp(s, fns[i].name, n) != 0) {
            continue;
        }
        s += n;
        while (*s == ' ') {
            s++;
        }
        if (*s != '(' || end[-1] != ')') {
            return false;
        }
        s++;
        while (*s == ' ') {
            s++;
        }
        g = s;
        while (s < end && *s != ',' && *s != ' ') {
            s++;
        }
        *out_group = xstrndup(g, (size_t)(s - g));
        while (s < end && *s == ' ') {
            s++;
        }
        if (s < end && *s == ',') {
            s++;
        }
        *out_fn = fns[i].fn;
        *out_inner = s;
        *out_inner_len = (size_t)(end - 1 - s);
        return true;
    }
    return false;
}

/* Canonical key of ref's dimensions except eco; *out_eco gets eco's value
 * or "". */
static void ref_key(const struct expr_ref *r, struct buf *dims,
                    const char **out_eco)
{
    const struct expr_dim *sorted[MAX_DIMS];
    int n = 0;

    *out_eco = "";
    for (int i = 0; i < r->dim_count; i++) {
        if (strcmp(r->dims[i].dim, "eco") == 0) {
            *out_eco = r->dims[i].value;
            continue;
        }
        int j = n++;
        while (j > 0 && strcmp(sorted[j - 1]->dim, r->dims[i].dim) > 0) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = &r->dims[i];
    }
    buf_reset(dims);
    for (int i = 0; i < n; i++) {
        buf_printf(dims, "%s%s=%s", i > 0 ? ";" : "", sorted[i]->dim,
                   sorted[i]->value);
    }
}

static int resolve(void *ctx, const struct expr_ref *ref, size_t *out_slot,
                   struct err *err)
{
    struct kpi_prog *p = ctx;
    struct buf dims;
    const char *eco;
    size_t i;

    (void)err;
    buf_init(&dims);
    ref_key(ref, &dims, &eco);
    for (i = 0; i < p->slot_count; i++) {
        const struct kpi_slot *s = &p->slots[i];
        if (strcmp(s->indicator, ref->name) == 0 &&
            strcmp(s->dims, buf_cstr(&dims)) == 0 &&
            strcmp(s->economy, eco) == 0 && s->offset == ref->offset) {
            break;
        }
    }
    if (i == p->slot_count) {
        struct kpi_slot *s;
        p->slots =
            xreallocarray(p->slots, p->slot_count + 1, sizeof(*p->slots));
        s = &p->slots[p->slot_count++];
        s->indicator = xstrdup(ref->name);
        s->dims = xstrdup(buf_cstr(&dims));
        s->economy = xstrdup(eco);
        s->offset = ref->offset;
    }
    buf_cleanup(&dims);
    *out_slot = i;
    return 0;
}

void kpi_prog_free(struct kpi_prog *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->slot_count; i++) {
        xfree(p->slots[i].indicator);
        xfree(p->slots[i].dims);
        xfree(p->slots[i].economy);
    }
    xfree(p->slots);
    xfree(p->vals);
    xfree(p->group);
    xfree(p->economy);
    expr_prog_free(p->prog);
    expr_free(p->ast);
    xfree(p);
}

/* Every reference must name an economy somewhere: the KPI's economy, the
 * group function's members, or eco= on the reference itself. */
static int check_economy(const struct kpi_prog *p, struct err *err)
{
    if (p->fn != KF_NONE) {
        if (!code_valid(p->group, strlen(p->group))) {
            return err_set(err, ERR_INVALID,
                           "group function needs a group code first");
        }
        return 0;
    }
    if (p->economy[0] != '\0') {
        return 0;
    }
    for (size_t i = 0; i < p->slot_count; i++) {
        if (p->slots[i].economy[0] == '\0') {
            return err_set(err, ERR_INVALID,
                           "'%s' reads no economy: give the KPI an economy "
                           "or write %s[eco=CODE]",
                           p->slots[i].indicator, p->slots[i].indicator);
        }
    }
    return 0;
}

struct kpi_prog *kpi_prog_new(const char *text, const char *economy,
                              struct err *err)
{
    struct kpi_prog *p = xcalloc(1, sizeof(*p));
    const char *inner = text;
    size_t inner_len = strlen(text);
    struct expr_resolver r = {0};

    p->economy = xstrdup(economy != NULL ? economy : "");
    if (!split_group_fn(text, &p->fn, &p->group, &inner, &inner_len)) {
        p->fn = KF_NONE;
        p->group = xstrdup("");
    }
    if (inner_len == 0) {
        err_set(err, ERR_PARSE, "empty expression");
        goto fail;
    }
    p->ast = expr_parse(inner, inner_len, err);
    if (p->ast == NULL) {
        goto fail;
    }
    r.resolve = resolve;
    r.ctx = p;
    r.slot_count = MAX_EXPR_NODES;
    p->prog = expr_compile(p->ast, &r, err);
    if (p->prog == NULL || check_economy(p, err) != 0) {
        goto fail;
    }
    p->vals = xcalloc(p->slot_count + 1, sizeof(double));
    return p;
fail:
    kpi_prog_free(p);
    return NULL;
}

int kpi_expr_check(const char *text, const char *economy, struct err *err)
{
    struct kpi_prog *p = kpi_prog_new(text, economy, err);

    if (p == NULL) {
        return err->code;
    }
    kpi_prog_free(p);
    return 0;
}

static double eval_for(struct kpi_prog *p, const struct plan_stats *s,
                       const char *economy, int year)
{
    for (size_t i = 0; i < p->slot_count; i++) {
        const struct kpi_slot *sl = &p->slots[i];
        const char *eco = sl->economy[0] != '\0' ? sl->economy : economy;
        p->vals[i] =
            plan_stats_get(s, sl->indicator, sl->dims, eco, year + sl->offset);
    }
    return expr_eval(p->prog, p->vals);
}

double kpi_prog_eval(struct kpi_prog *p, const struct plan_stats *s, int year)
{
    double sum = 0;
    size_t have = 0;
    size_t hits = 0;

    if (p->fn == KF_NONE) {
        return eval_for(p, s, p->economy, year);
    }
    for (size_t i = 0; i < s->member_count; i++) {
        const struct plan_member *m = &s->members[i];
        double v;
        if (strcmp(m->group, p->group) != 0 ||
            (m->from_year != 0 && year < m->from_year) ||
            (m->to_year != 0 && year > m->to_year)) {
            continue;
        }
        v = eval_for(p, s, m->economy, year);
        if (isnan(v)) {
            continue;
        }
        have++;
        sum += v;
        hits += expr_truth(v) == 1 ? 1 : 0;
    }
    if (have == 0) {
        return NAN;
    }
    switch (p->fn) {
    case KF_COUNT:
        return (double)hits;
    case KF_SHARE:
        return 100.0 * (double)hits / (double)have;
    default:
        return sum / (double)have;
    }
}

void kpi_prog_codes(const struct kpi_prog *p,
                    void (*fn)(void *ctx, char kind, const char *code),
                    void *ctx)
{
    if (p->group[0] != '\0') {
        fn(ctx, 'e', p->group);
    }
    if (p->economy[0] != '\0') {
        fn(ctx, 'e', p->economy);
    }
    for (size_t i = 0; i < p->slot_count; i++) {
        fn(ctx, 'i', p->slots[i].indicator);
        if (p->slots[i].economy[0] != '\0') {
            fn(ctx, 'e', p->slots[i].economy);
        }
    }
}

const char *kpi_prog_group(const struct kpi_prog *p)
{
    return p->group;
}
