/* Formula checks and dependency order. The graph is small (one node per
 * derived indicator), so a depth-first search with three colours finds
 * cycles and the order in one pass. */
#include "formula.h"

#include <string.h>

#include "../core/buf.h"
#include "../core/mem.h"
#include "../core/strmap.h"

enum colour { WHITE, GREY, BLACK };

static const struct indicator *find_ind(const struct strmap *codes,
                                        const struct indicator *inds,
                                        const char *code)
{
    size_t i;

    if (!strmap_get(codes, code, strlen(code), &i)) {
        return NULL;
    }
    return &inds[i];
}

static int check_ref_dims(const struct indicator *ind, const struct expr_ref *r,
                          const struct dimset *allowed, struct err *err)
{
    struct dim_pair pairs[MAX_DIMS];

    for (int d = 0; d < r->dim_count; d++) {
        pairs[d].dim = r->dims[d].dim;
        pairs[d].dim_len = strlen(r->dims[d].dim);
        pairs[d].value = r->dims[d].value;
        pairs[d].value_len = strlen(r->dims[d].value);
        if (allowed == NULL &&
            !indicator_declares(ind, pairs[d].dim, pairs[d].dim_len)) {
            return err_set(err, ERR_INVALID,
                           "dimension '%s' is not declared for indicator "
                           "'%s'",
                           r->dims[d].dim, ind->code);
        }
    }
    if (allowed != NULL && r->dim_count > 0) {
        return dims_check(ind, allowed, pairs, (size_t)r->dim_count, err);
    }
    return 0;
}

/* Parse one formula and check its references against the catalogue. */
static int parse_one(struct formula *f, const struct indicator *ind,
                     const struct strmap *codes, const struct indicator *inds,
                     const struct dimset *allowed, struct err *err)
{
    memset(f, 0, sizeof(*f));
    f->ast = expr_parse(ind->formula, strlen(ind->formula), err);
    if (f->ast == NULL) {
        return err->code;
    }
    f->code = xstrdup(ind->code);
    f->out_dims = xstrdup("");
    f->text = xstrdup(ind->formula);
    f->refs = expr_refs(f->ast, &f->nrefs);
    for (size_t i = 0; i < f->nrefs; i++) {
        const struct expr_ref *r = &f->refs[i];
        const struct indicator *in = find_ind(codes, inds, r->name);
        if (in == NULL) {
            return err_set(err, ERR_INVALID,
                           "column %d: unknown indicator '%s'", r->column,
                           r->name);
        }
        if (check_ref_dims(in, r, allowed, err) != 0) {
            return err_prefix(err, "column %d", r->column);
        }
    }
    return 0;
}

static void formula_cleanup(struct formula *f)
{
    xfree(f->out_dims);
    expr_free(f->ast);
    xfree(f->code);
    xfree(f->text);
    memset(f, 0, sizeof(*f));
}

struct order_ctx {
    struct formula *in;  /* parsed, catalogue order */
    struct strmap index; /* code -> position in in */
    unsigned char *colour;
    size_t *stack; /* current DFS path, for the cycle message */
    size_t depth;
    struct formula *out; /* dependency order */
    size_t nout;
};

static int cycle_error(struct order_ctx *c, size_t at, struct err *err)
{
    struct buf b;
    size_t from = 0;

    buf_init(&b);
    while (from < c->depth && c->stack[from] != at) {
        from++;
    }
    for (size_t i = from; i < c->depth; i++) {
        buf_printf(&b, "%s -> ", c->in[c->stack[i]].code);
    }
    buf_puts(&b, c->in[at].code);
    err_set(err, ERR_INVALID, "cycle between derived indicators: %s",
            buf_cstr(&b));
    buf_cleanup(&b);
    return ERR_INVALID;
}

static int visit(struct order_ctx *c, size_t at, struct err *err)
{
    const struct formula *f = &c->in[at];

    if (c->colour[at] == BLACK) {
        return 0;
    }
    if (c->colour[at] == GREY) {
        return cycle_error(c, at, err);
    }
    c->colour[at] = GREY;
    c->stack[c->depth++] = at;
    for (size_t i = 0; i < f->nrefs; i++) {
        size_t dep;
        const char *name = f->refs[i].name;
        if (strmap_get(&c->index, name, strlen(name), &dep) &&
            visit(c, dep, err) != 0) {
            return err->code;
        }
    }
    c->depth--;
    c->colour[at] = BLACK;
    c->out[c->nout] = c->in[at];
    c->nout++;
    return 0;
}

static int order(struct formula *in, size_t n, struct formula *out,
                 struct err *err)
{
    struct order_ctx c;
    int rc = 0;

    memset(&c, 0, sizeof(c));
    c.in = in;
    c.out = out;
    strmap_init(&c.index);
    c.colour = xcalloc(n ? n : 1, 1);
    c.stack = xcalloc(n ? n : 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        strmap_put(&c.index, in[i].code, strlen(in[i].code), i);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = visit(&c, i, err);
    }
    strmap_cleanup(&c.index);
    xfree(c.colour);
    xfree(c.stack);
    return rc;
}

/* SDG indicators whose breakdown values are separate catalogue series
 * (spec/indicators/sdg.md): 9.c.1 by technology, 4.4.1 by skill area.
 * Each part is a formula "SOURCE" writing the SDG code with that
 * breakdown. */
static const struct sdg_part {
    const char *sdg;
    const char *dims; /* canonical */
    const char *source;
} sdg_parts[] = {
    {"SDG-9.c.1", "tech=2G", "i271pop"},
    {"SDG-9.c.1", "tech=3G", "i271G"},
    {"SDG-9.c.1", "tech=4G", "i271GA"},
    {"SDG-9.c.1", "tech=5G", "i271G5_pop"},
    {"SDG-4.4.1", "skill=INF", "HH15.INF"},
    {"SDG-4.4.1", "skill=COM", "HH15.COM"},
    {"SDG-4.4.1", "skill=CRE", "HH15.CRE"},
    {"SDG-4.4.1", "skill=SAF", "HH15.SAF"},
    {"SDG-4.4.1", "skill=PRB", "HH15.PRB"},
};

/* Append the SDG parts whose SDG code (without a formula of its own) and
 * source are both in the catalogue. They come last: nothing refers to SDG
 * codes, and their sources are inputs or computed earlier. */
static void add_sdg_parts(struct formula_set *out, size_t n,
                          const struct strmap *codes,
                          const struct indicator *inds)
{
    struct err err;

    for (size_t i = 0; i < ARRAY_COUNT(sdg_parts); i++) {
        const struct sdg_part *sp = &sdg_parts[i];
        const struct indicator *sdg = find_ind(codes, inds, sp->sdg);
        struct formula *f = &out->items[n];
        if (sdg == NULL || (sdg->formula && sdg->formula[0]) ||
            find_ind(codes, inds, sp->source) == NULL) {
            continue;
        }
        memset(f, 0, sizeof(*f));
        f->ast = expr_parse(sp->source, strlen(sp->source), &err);
        if (f->ast == NULL) {
            continue; /* cannot happen: sources are plain names */
        }
        f->code = xstrdup(sp->sdg);
        f->text = xstrdup(sp->source);
        f->out_dims = xstrdup(sp->dims);
        f->refs = expr_refs(f->ast, &f->nrefs);
        n++;
    }
    out->count = n;
}

int formula_set_build(struct formula_set *out, const struct indicator *inds,
                      size_t count, const struct dimset *allowed,
                      struct err *err)
{
    struct strmap codes;
    struct formula *parsed = xcalloc(count ? count : 1, sizeof(*parsed));
    size_t n = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    strmap_init(&codes);
    for (size_t i = 0; i < count; i++) {
        strmap_put(&codes, inds[i].code, strlen(inds[i].code), i);
    }
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (inds[i].formula == NULL || inds[i].formula[0] == '\0') {
            continue;
        }
        rc = parse_one(&parsed[n], &inds[i], &codes, inds, allowed, err);
        n++;
        if (rc != 0) {
            err_prefix(err, "formula of %s", inds[i].code);
        }
    }
    out->items = xcalloc(n + ARRAY_COUNT(sdg_parts), sizeof(*out->items));
    if (rc == 0) {
        rc = order(parsed, n, out->items, err);
    }
    if (rc == 0) {
        add_sdg_parts(out, n, &codes, inds);
    }
    strmap_cleanup(&codes);
    if (rc != 0) {
        for (size_t i = 0; i < n; i++) {
            formula_cleanup(&parsed[i]);
        }
        xfree(out->items);
        out->items = NULL;
    }
    xfree(parsed);
    return rc;
}

void formula_set_cleanup(struct formula_set *fs)
{
    for (size_t i = 0; i < fs->count; i++) {
        formula_cleanup(&fs->items[i]);
    }
    xfree(fs->items);
    memset(fs, 0, sizeof(*fs));
}

int formula_set_find(const struct formula_set *fs, const char *code)
{
    for (size_t i = 0; i < fs->count; i++) {
        if (strcmp(fs->items[i].code, code) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int compute_check_catalogue(const struct indicator *inds, size_t count,
                            const struct dimset *allowed, struct err *err)
{
    struct formula_set fs;
    int rc = formula_set_build(&fs, inds, count, allowed, err);

    if (rc == 0) {
        formula_set_cleanup(&fs);
    }
    return rc;
}
