/* Formula evaluation over the cube. Each formula is compiled once with one
 * slot per distinct reference; a slot knows its cube series and year
 * offset, so evaluating a cell is a gather of a few doubles and one
 * expr_eval. */
#include "derive.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/mem.h"
#include "../core/strmap.h"
#include "../model/dims.h"
#include "../model/model.h"

#define NO_SERIES ((size_t)-1)

struct slot {
    const struct expr_ref *ref; /* borrowed from the formula */
    size_t series;              /* cube series, NO_SERIES if absent */
};

struct compiled {
    const struct formula *f;
    struct expr_prog *prog;
    struct slot *slots; /* one per distinct reference */
    size_t nslots;
    size_t out; /* output series */
    struct cube *cube;
    bool tolerant; /* may give a value with inputs missing */
    uint64_t seed; /* signature seed: the formula and its output */
};

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

static int ref_series(struct cube *c, const struct expr_ref *r, size_t *out,
                      struct err *err)
{
    struct dim_pair pairs[MAX_DIMS];
    struct buf key;
    int rc;

    for (int d = 0; d < r->dim_count; d++) {
        pairs[d].dim = r->dims[d].dim;
        pairs[d].dim_len = strlen(r->dims[d].dim);
        pairs[d].value = r->dims[d].value;
        pairs[d].value_len = strlen(r->dims[d].value);
    }
    buf_init(&key);
    rc = dims_canon(pairs, (size_t)r->dim_count, &key, err);
    if (rc == 0 && !cube_series_find(c, r->name, buf_cstr(&key), false, out)) {
        *out = NO_SERIES;
    }
    buf_cleanup(&key);
    return rc;
}

static int resolve(void *ctx, const struct expr_ref *ref, size_t *out_slot,
                   struct err *err)
{
    struct compiled *cp = ctx;

    for (size_t i = 0; i < cp->nslots; i++) {
        if (same_ref(cp->slots[i].ref, ref)) {
            *out_slot = i;
            return 0;
        }
    }
    cp->slots[cp->nslots].ref = ref;
    if (ref_series(cp->cube, ref, &cp->slots[cp->nslots].series, err) != 0) {
        return err->code;
    }
    *out_slot = cp->nslots++;
    return 0;
}

static int compile(struct compiled *cp, struct cube *c, const struct formula *f,
                   struct err *err)
{
    struct expr_resolver r;

    memset(cp, 0, sizeof(*cp));
    cp->f = f;
    cp->cube = c;
    cp->slots = xcalloc(f->nrefs ? f->nrefs : 1, sizeof(struct slot));
    r.resolve = resolve;
    r.string = NULL;
    r.ctx = cp;
    r.slot_count = f->nrefs ? f->nrefs : 1;
    cp->prog = expr_compile(f->ast, &r, err);
    if (cp->prog == NULL) {
        return err_prefix(err, "formula of %s", f->code);
    }
    /* A changed formula (or a part writing another breakdown) gives other
     * signatures, so its cells are recomputed. */
    cp->seed = strmap_hash(f->text, strlen(f->text)) ^
               (strmap_hash(f->out_dims, strlen(f->out_dims)) * 31);
    /* Only these forms can turn a missing input into a value (see
     * expr.h); other formulas are not evaluated when an input is missing,
     * which keeps reruns cheap. */
    cp->tolerant = strstr(f->text, "coalesce") || strstr(f->text, "count") ||
                   strstr(f->text, "if") || strstr(f->text, "||") ||
                   strstr(f->text, "&&");
    /* Created after the inputs are resolved: the series array may move. */
    cube_series_find(c, f->code, f->out_dims, true, &cp->out);
    return 0;
}

static void compiled_cleanup(struct compiled *cp)
{
    expr_prog_free(cp->prog);
    xfree(cp->slots);
}

/* Inputs of one cell, gathered. */
struct gather {
    double vals[MAX_EXPR_NODES / 64];
    size_t present;
    bool estimated;
    uint64_t sig;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 1099511628211ULL;
    }
    return h;
}

static void gather_cell(const struct compiled *cp, size_t row, int year,
                        struct gather *g)
{
    const struct cube *c = cp->cube;

    g->present = 0;
    g->estimated = false;
    g->sig = cp->seed;
    for (size_t i = 0; i < cp->nslots; i++) {
        const struct slot *s = &cp->slots[i];
        const struct cube_series *se;
        size_t cell;
        uint64_t bits;

        g->vals[i] = NAN;
        if (s->series == NO_SERIES ||
            !cube_cell(c, row, year + s->ref->offset, &cell)) {
            g->sig = mix(g->sig, 0);
            continue;
        }
        se = &c->series[s->series];
        g->vals[i] = se->value[cell];
        memcpy(&bits, &g->vals[i], sizeof(bits));
        /* A loaded input is identified by its revision; a computed one by
         * its value only, so that storing it (which gives it a batch) does
         * not make its users look changed. */
        g->sig = mix(mix(g->sig, se->origin[cell] == CUBE_LOADED
                                     ? (uint64_t)se->batch[cell]
                                     : 0),
                     bits);
        g->sig = mix(g->sig, se->status[cell]);
        if (!isnan(g->vals[i])) {
            g->present++;
            g->estimated = g->estimated || se->status[cell] != OBS_REPORTED;
        }
    }
    g->sig = g->sig ? g->sig : 1; /* 0 means "no signature" */
}

/* The note of a computed value: "inputs A#B1 B@-1#B2 ... sig=HEX", each
 * input with the batch of its revision ("#computed" for a computed one).
 * Two million of them in a big run: the "inputs ..." part is kept in
 * nc and rebuilt only when the formula or an input's batch differs from
 * the previous note's (the years of one series mostly share them); no
 * printf. */
struct note_cache {
    const struct compiled *cp; /* of the kept part, or NULL */
    int64_t *batches;          /* per slot */
    size_t cap;
    size_t len; /* bytes of the kept part in the note buffer */
};

static void note_for(const struct compiled *cp, size_t row, int year,
                     uint64_t sig, struct note_cache *nc, struct buf *b)
{
    const struct cube *c = cp->cube;
    bool same = nc->cp == cp;

    if (cp->nslots > nc->cap) {
        nc->cap = cp->nslots;
        nc->batches = xreallocarray(nc->batches, nc->cap, sizeof(int64_t));
        same = false;
    }
    for (size_t i = 0; i < cp->nslots; i++) {
        const struct slot *s = &cp->slots[i];
        size_t cell;
        int64_t batch = 0;
        if (s->series != NO_SERIES &&
            cube_cell(c, row, year + s->ref->offset, &cell) &&
            c->series[s->series].origin[cell] == CUBE_LOADED) {
            batch = c->series[s->series].batch[cell];
        }
        same = same && nc->batches[i] == batch;
        nc->batches[i] = batch;
    }
    if (!same) {
        buf_reset(b);
        buf_puts(b, "inputs");
        for (size_t i = 0; i < cp->nslots; i++) {
            const struct slot *s = &cp->slots[i];
            buf_putc(b, ' ');
            buf_puts(b, s->ref->name);
            if (s->ref->offset != 0) {
                buf_putc(b, '@');
                buf_put_int(b, s->ref->offset);
            }
            if (nc->batches[i] > 0) {
                buf_putc(b, '#');
                buf_put_int(b, (long long)nc->batches[i]);
            } else {
                buf_puts(b, "#computed");
            }
        }
        buf_puts(b, " sig=");
        nc->cp = cp;
        nc->len = b->len;
    }
    b->len = nc->len;
    buf_put_hex16(b, (unsigned long long)sig);
}

static void inputs_text(const struct compiled *cp, const struct gather *g,
                        struct buf *b)
{
    buf_reset(b);
    for (size_t i = 0; i < cp->nslots; i++) {
        buf_printf(b, "%s%s", i ? ", " : "", cp->slots[i].ref->name);
        if (cp->slots[i].ref->offset != 0) {
            buf_printf(b, "@%d", cp->slots[i].ref->offset);
        }
        buf_putc(b, '=');
        buf_put_double(b, g->vals[i]);
    }
}

/* One output series of a formula: the formula's own, or one breakdown of
 * an alias (whose slot 0 then reads that breakdown of the input). */
struct unit {
    size_t compiled; /* index into run.cps */
    size_t out;      /* output series */
    size_t slot0;    /* series of slot 0 while it ran; NO_SERIES if none */
};

struct run {
    struct cube *c;
    const struct derive_opts *opts;
    struct derive_stats *stats;
    struct buf note;
    struct note_cache nc;
    struct gather g;
    struct compiled *cps; /* fs->count, ncps compiled */
    size_t ncps;
    struct unit *units; /* nunits used, cap allocated */
    size_t nunits, cap;
};

/* Keep a result in the cube (as CUBE_NEW, with its signature); it is
 * handed to put later, economy by economy (emit_all). */
static void keep(struct run *r, const struct compiled *cp, size_t row, int year,
                 double v)
{
    struct cube_series *out = &r->c->series[cp->out];
    size_t cell;

    (void)cube_cell(r->c, row, year, &cell);
    if (out->sig == NULL) {
        size_t n = r->c->neconomies * (size_t)r->c->nyears;
        out->sig = xcalloc(n ? n : 1, sizeof(uint64_t));
    }
    out->value[cell] = v;
    out->status[cell] =
        (unsigned char)(r->g.estimated ? OBS_ESTIMATED : OBS_REPORTED);
    out->origin[cell] = CUBE_NEW;
    out->batch[cell] = 0;
    out->sig[cell] = r->g.sig;
}

static int emit(struct run *r, const struct compiled *cp, size_t out_series,
                size_t row, int year, struct err *err)
{
    const struct cube_series *out = &r->c->series[out_series];
    struct derive_value dv;
    size_t cell;

    (void)cube_cell(r->c, row, year, &cell);
    note_for(cp, row, year, out->sig[cell], &r->nc, &r->note);
    dv.indicator = cp->f->code;
    dv.dims = out->dims;
    dv.economy = r->c->economies[row];
    dv.year = year;
    dv.value = out->value[cell];
    dv.status = out->status[cell];
    dv.note = buf_cstr(&r->note);
    if (r->opts->put(r->opts->ctx, &dv, err) != 0) {
        return err->code;
    }
    r->stats->written++;
    return 0;
}

/* Hand every result of the run to put, economy by economy (the store
 * keeps one economy's values together), then by formula and year. */
static int emit_all(struct run *r, struct err *err)
{
    int rc = 0;

    for (size_t row = 0; rc == 0 && row < r->c->neconomies; row++) {
        for (size_t u = 0; rc == 0 && u < r->nunits; u++) {
            const struct unit *un = &r->units[u];
            struct compiled *cp = &r->cps[un->compiled];
            size_t base = row * (size_t)r->c->nyears;
            if (un->slot0 != NO_SERIES) {
                cp->slots[0].series = un->slot0;
            }
            for (int y = 0; rc == 0 && y < r->c->nyears; y++) {
                if (r->c->series[un->out].origin[base + (size_t)y] ==
                    CUBE_NEW) {
                    rc = emit(r, cp, un->out, row, r->c->year0 + y, err);
                }
            }
        }
    }
    return rc;
}

static void run_cell(struct run *r, const struct compiled *cp, size_t row,
                     int year)
{
    const struct cube_series *out = &r->c->series[cp->out];
    size_t cell;
    double v;

    (void)cube_cell(r->c, row, year, &cell);
    if (out->origin[cell] == CUBE_LOADED) {
        r->stats->official++;
        return;
    }
    gather_cell(cp, row, year, &r->g);
    if (r->g.present == 0 || (!cp->tolerant && r->g.present < cp->nslots)) {
        return;
    }
    if (out->origin[cell] == CUBE_COMPUTED && out->sig &&
        out->sig[cell] == r->g.sig) {
        r->stats->unchanged++;
        return;
    }
    r->stats->evaluated++;
    v = expr_eval(cp->prog, r->g.vals);
    if (isnan(v)) {
        if (r->g.present == cp->nslots && r->opts->problem) {
            inputs_text(cp, &r->g, &r->note);
            r->nc.cp = NULL; /* the note buffer no longer holds its part */
            r->opts->problem(r->opts->ctx, cp->f->code, r->c->economies[row],
                             year, buf_cstr(&r->note));
        }
        r->stats->nonfinite += r->g.present == cp->nslots;
        return;
    }
    keep(r, cp, row, year, v);
}

/* Evaluate cp over every economy and year, and remember its output
 * series for emit_all. */
static void run_cells(struct run *r, const struct compiled *cp)
{
    for (size_t row = 0; row < r->c->neconomies; row++) {
        for (int y = 0; y < r->c->nyears; y++) {
            run_cell(r, cp, row, r->c->year0 + y);
        }
    }
    if (r->nunits == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->units = xreallocarray(r->units, r->cap, sizeof(*r->units));
    }
    r->units[r->nunits].compiled = (size_t)(cp - r->cps);
    r->units[r->nunits].out = cp->out;
    r->units[r->nunits].slot0 = cp->nslots ? cp->slots[0].series : NO_SERIES;
    r->nunits++;
}

/* A formula that is a single plain reference ("i99H") is an alias, as the
 * SDG codes are: it is computed for every breakdown of its input, so
 * SDG-17.8.1 by sex is i99H by sex. */
static bool is_alias(const struct formula *f)
{
    const char *t = f->text;
    size_t len = strlen(t);

    while (*t == ' ') {
        t++;
        len--;
    }
    while (len > 0 && t[len - 1] == ' ') {
        len--;
    }
    return f->out_dims[0] == '\0' && f->nrefs == 1 &&
           f->refs[0].dim_count == 0 && f->refs[0].offset == 0 &&
           strlen(f->refs[0].name) == len &&
           strncmp(t, f->refs[0].name, len) == 0;
}

static void run_alias(struct run *r, struct compiled *cp)
{
    size_t n = r->c->nseries; /* outputs added below are not inputs */

    for (size_t s = 0; s < n; s++) {
        const struct cube_series *in = &r->c->series[s];
        if (strcmp(in->indicator, cp->f->refs[0].name) != 0 ||
            in->dims[0] == '\0') {
            continue;
        }
        cp->slots[0].series = s;
        cube_series_find(r->c, cp->f->code, r->c->series[s].dims, true,
                         &cp->out);
        run_cells(r, cp);
    }
}

/* Compile f (kept in r->cps until the end of the run) and evaluate it. */
static int run_formula(struct run *r, const struct formula *f, struct err *err)
{
    struct compiled *cp = &r->cps[r->ncps];
    int rc = compile(cp, r->c, f, err);

    r->ncps++;
    if (rc == 0 && cp->nslots > sizeof(r->g.vals) / sizeof(double)) {
        rc = err_set(err, ERR_LIMIT, "formula of %s: too many references",
                     f->code);
    }
    if (rc == 0) {
        run_cells(r, cp);
    }
    if (rc == 0 && is_alias(f)) {
        run_alias(r, cp);
    }
    r->stats->formulas += rc == 0;
    return rc;
}

int derive_run(struct cube *c, const struct formula_set *fs,
               const struct derive_opts *opts, struct derive_stats *stats,
               struct err *err)
{
    struct run r;
    int rc = 0;

    memset(stats, 0, sizeof(*stats));
    memset(&r, 0, sizeof(r));
    r.c = c;
    r.opts = opts;
    r.stats = stats;
    r.cps = xcalloc(fs->count ? fs->count : 1, sizeof(*r.cps));
    buf_init(&r.note);
    for (size_t i = 0; i < fs->count && rc == 0; i++) {
        rc = run_formula(&r, &fs->items[i], err);
    }
    if (rc == 0) {
        rc = emit_all(&r, err);
    }
    for (size_t i = 0; i < r.ncps; i++) {
        compiled_cleanup(&r.cps[i]);
    }
    xfree(r.cps);
    xfree(r.units);
    buf_cleanup(&r.note);
    xfree(r.nc.batches);
    return rc;
}

uint64_t derive_note_sig(const char *note)
{
    const char *p = note ? strstr(note, "sig=") : NULL;
    uint64_t v = 0;

    if (p == NULL) {
        return 0;
    }
    for (p += 4; *p; p++) {
        int d;
        if (*p >= '0' && *p <= '9') {
            d = *p - '0';
        } else if (*p >= 'a' && *p <= 'f') {
            d = *p - 'a' + 10;
        } else {
            break;
        }
        v = v << 4 | (uint64_t)d;
    }
    return v;
}
