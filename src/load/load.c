/* Loading observation files: header detection, code resolution, checks,
 * one batch per file. The file is streamed record by record; codes are
 * resolved once per distinct raw code and cached. */
#include "load.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/progress.h"
#include "../core/strmap.h"
#include "../core/strparse.h"
#include "../io/csv.h"
#include "../io/sha256.h"
#include "../model/dims.h"

#define NONE ((size_t)-1)

/* Results of resolving a raw economy code, as strmap values. */
enum { ECO_UNKNOWN = 0, ECO_SKIP = 1, ECO_FIRST = 2 };

struct map_row {
    char *source; /* owned */
    enum code_map_kind kind;
    char *source_code; /* owned */
    char *target;      /* owned */
};

struct loader {
    struct store *s;         /* borrowed */
    struct indicator **inds; /* owned copies */
    size_t ind_count;
    struct strmap ind_by_code; /* code → index into inds */
    struct strmap areas;       /* economy and group codes → 1 */
    struct dimset dims;
    struct map_row *map; /* owned */
    size_t map_count;
};

/* ---- The loader --------------------------------------------------------- */

static int add_indicator(void *ctx, const struct indicator *ind,
                         struct err *err)
{
    struct loader *l = ctx;
    (void)err;

    l->inds = xreallocarray(l->inds, l->ind_count + 1, sizeof(*l->inds));
    l->inds[l->ind_count] = indicator_dup(ind);
    strmap_put(&l->ind_by_code, ind->code, strlen(ind->code), l->ind_count);
    l->ind_count++;
    return 0;
}

static int add_economy(void *ctx, const struct economy *e, struct err *err)
{
    struct loader *l = ctx;
    (void)err;

    strmap_put(&l->areas, e->code, strlen(e->code), 1);
    return 0;
}

static int add_group(void *ctx, const struct group *g, struct err *err)
{
    struct loader *l = ctx;
    (void)err;

    strmap_put(&l->areas, g->code, strlen(g->code), 1);
    return 0;
}

static int add_dimension(void *ctx, const struct dimension_value *d,
                         struct err *err)
{
    struct loader *l = ctx;
    (void)err;

    dimset_add(&l->dims, d->dimension, d->value);
    return 0;
}

static int add_map(void *ctx, const struct code_map_entry *c, struct err *err)
{
    struct loader *l = ctx;
    struct map_row *m;
    (void)err;

    l->map = xreallocarray(l->map, l->map_count + 1, sizeof(*l->map));
    m = &l->map[l->map_count++];
    m->source = xstrdup(c->source);
    m->kind = c->kind;
    m->source_code = xstrdup(c->source_code);
    m->target = xstrdup(c->target);
    return 0;
}

struct loader *loader_new(struct store *s, struct err *err)
{
    struct loader *l = xcalloc(1, sizeof(*l));

    l->s = s;
    strmap_init(&l->ind_by_code);
    strmap_init(&l->areas);
    dimset_init(&l->dims);
    if (store_indicator_list(s, NULL, add_indicator, l, err) != 0 ||
        store_economy_list(s, add_economy, l, err) != 0 ||
        store_group_list(s, add_group, l, err) != 0 ||
        store_dimension_list(s, add_dimension, l, err) != 0 ||
        store_code_map_list(s, add_map, l, err) != 0) {
        loader_free(l);
        return NULL;
    }
    return l;
}

void loader_free(struct loader *l)
{
    if (!l) {
        return;
    }
    for (size_t i = 0; i < l->ind_count; i++) {
        indicator_free(l->inds[i]);
    }
    for (size_t i = 0; i < l->map_count; i++) {
        xfree(l->map[i].source);
        xfree(l->map[i].source_code);
        xfree(l->map[i].target);
    }
    xfree(l->inds);
    xfree(l->map);
    strmap_cleanup(&l->ind_by_code);
    strmap_cleanup(&l->areas);
    dimset_cleanup(&l->dims);
    xfree(l);
}

void load_result_cleanup(struct load_result *r)
{
    for (size_t i = 0; i < r->problem_count; i++) {
        xfree(r->problems[i]);
    }
    xfree(r->problems);
    memset(r, 0, sizeof(*r));
}

int load_layout_parse(const char *s, enum load_layout *out, struct err *err)
{
    if (strcmp(s, "long") == 0) {
        *out = LOAD_LAYOUT_LONG;
    } else if (strcmp(s, "wide") == 0) {
        *out = LOAD_LAYOUT_WIDE;
    } else if (strcmp(s, "auto") == 0) {
        *out = LOAD_LAYOUT_AUTO;
    } else {
        return err_set(err, ERR_INVALID, "layout '%s': want long or wide", s);
    }
    return 0;
}

/* ---- One file ----------------------------------------------------------- */

struct dim_col {
    size_t col;
    char *name; /* owned */
};

struct year_col {
    size_t col;
    int year;
};

struct file {
    struct loader *l;
    const struct load_options *opt;
    struct load_result *res;
    const char *name; /* borrowed from the reader */
    const char *source_kind;
    size_t ncols;
    size_t eco_col, ind_col, year_col, value_col;
    size_t status_col, source_col, note_col;
    struct dim_col *dim_cols;
    size_t dim_count;
    struct year_col *year_cols;
    size_t year_count;
    bool wide;
    struct strmap eco_map;   /* raw → map row index + 1 (this source) */
    struct strmap ind_map;   /* raw → map row index + 1 */
    struct strmap eco_cache; /* raw → ECO_* or ECO_FIRST + target index */
    char **eco_targets;      /* owned resolved codes */
    size_t eco_target_count;
    struct strmap ind_cache; /* raw → 0 unknown, else 1 + indicator index */
    const char *default_source;
    struct buf dims, source, note;
    uint64_t line; /* of the current record */
};

/* Record a problem at line:col of the current file. */
static void problem(struct file *f, uint64_t line, size_t col, const char *fmt,
                    ...) PRINTF_LIKE(4, 5);

static void problem(struct file *f, uint64_t line, size_t col, const char *fmt,
                    ...)
{
    struct load_result *r = f->res;
    struct buf b;
    va_list ap;
    char msg[ERR_MSG_MAX];

    r->error_count++;
    if (r->problem_count >= MAX_LOAD_ERRORS) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    buf_init(&b);
    buf_printf(&b, "%s:%llu:%zu: %s", f->name, (unsigned long long)line, col,
               msg);
    r->problems =
        xreallocarray(r->problems, r->problem_count + 1, sizeof(char *));
    r->problems[r->problem_count++] = buf_detach(&b);
}

/* Record a problem whose message is already "FILE:LINE:COL: ...". */
static void problem_raw(struct file *f, const char *msg)
{
    struct load_result *r = f->res;

    r->error_count++;
    if (r->problem_count < MAX_LOAD_ERRORS) {
        r->problems =
            xreallocarray(r->problems, r->problem_count + 1, sizeof(char *));
        r->problems[r->problem_count++] = xstrdup(msg);
    }
}

static void file_cleanup(struct file *f)
{
    for (size_t i = 0; i < f->dim_count; i++) {
        xfree(f->dim_cols[i].name);
    }
    for (size_t i = 0; i < f->eco_target_count; i++) {
        xfree(f->eco_targets[i]);
    }
    xfree(f->dim_cols);
    xfree(f->year_cols);
    xfree(f->eco_targets);
    strmap_cleanup(&f->eco_map);
    strmap_cleanup(&f->ind_map);
    strmap_cleanup(&f->eco_cache);
    strmap_cleanup(&f->ind_cache);
    buf_cleanup(&f->dims);
    buf_cleanup(&f->source);
    buf_cleanup(&f->note);
}

/* Header names compare case-insensitively, '_' and ' ' alike. */
static bool name_is(const struct csv_field *fl, const char *name)
{
    size_t n = strlen(name);
    const char *p = fl->ptr;
    size_t len = fl->len;

    str_trim(&p, &len);
    if (len != n) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char a = p[i];
        if (a >= 'A' && a <= 'Z') {
            a = (char)(a - 'A' + 'a');
        } else if (a == ' ') {
            a = '_';
        }
        if (a != name[i]) {
            return false;
        }
    }
    return true;
}

/* A year column header: "2019", "YR2019" or "2019 [YR2019]". */
static bool header_year(const struct csv_field *fl, int *out)
{
    const char *p = fl->ptr;
    size_t len = fl->len;
    int64_t v;
    struct err ignored;

    str_trim(&p, &len);
    if (len >= 6 && (p[0] | 0x20) == 'y' && (p[1] | 0x20) == 'r') {
        p += 2;
        len -= 2;
    } else if (len == 13 && p[4] == ' ' && p[5] == '[') {
        len = 4;
    }
    if (len != 4 || parse_int64(p, len, 1000, 9999, &v, &ignored) != 0) {
        return false;
    }
    *out = (int)v;
    return true;
}

/* Priority of economy / indicator aliases: lower wins. */
static const char *const eco_names[] = {"iso3", "geo", "country_code",
                                        "economy"};
static const char *const ind_names[] = {"itu_code", "indicator_code",
                                        "series_code", "indicator"};
static const char *const ignored_names[] = {
    "unit", "country_name", "indicator_name", "series_name", "economy_name"};

static size_t alias_rank(const struct csv_field *fl, const char *const *names,
                         size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (name_is(fl, names[i])) {
            return i;
        }
    }
    return NONE;
}

static void set_source_kind(struct file *f, const struct csv_record *h)
{
    f->source_kind = "";
    f->default_source = NULL;
    for (size_t i = 0; i < h->count; i++) {
        if (name_is(&h->fields[i], "itu_code")) {
            f->source_kind = "itu";
            f->default_source = "ITU DataHub";
            return;
        }
    }
    for (size_t i = 0; i < h->count; i++) {
        if (name_is(&h->fields[i], "geo")) {
            f->source_kind = "gapminder";
            f->default_source = "Gapminder";
            return;
        }
        if (name_is(&h->fields[i], "indicator_code") ||
            name_is(&h->fields[i], "country_code")) {
            f->source_kind = "wdi";
            f->default_source = "World Bank WDI";
        }
    }
}

/* Classify one header column; returns false on an unknown column. */
static bool header_column(struct file *f, const struct csv_field *fl, size_t i,
                          size_t *eco_rank, size_t *ind_rank)
{
    size_t rank;
    int year;

    if ((rank = alias_rank(fl, eco_names, ARRAY_COUNT(eco_names))) != NONE) {
        if (rank < *eco_rank) {
            *eco_rank = rank;
            f->eco_col = i;
        }
    } else if ((rank = alias_rank(fl, ind_names, ARRAY_COUNT(ind_names))) !=
               NONE) {
        if (rank < *ind_rank) {
            *ind_rank = rank;
            f->ind_col = i;
        }
    } else if (name_is(fl, "year") || name_is(fl, "time")) {
        f->year_col = i;
    } else if (name_is(fl, "value") || name_is(fl, "obs_value")) {
        f->value_col = i;
    } else if (name_is(fl, "status")) {
        f->status_col = i;
    } else if (name_is(fl, "source")) {
        f->source_col = i;
    } else if (name_is(fl, "note") || name_is(fl, "notes")) {
        f->note_col = i;
    } else if (alias_rank(fl, ignored_names, ARRAY_COUNT(ignored_names)) !=
               NONE) {
        return true;
    } else if (header_year(fl, &year)) {
        f->year_cols = xreallocarray(f->year_cols, f->year_count + 1,
                                     sizeof(*f->year_cols));
        f->year_cols[f->year_count].col = i;
        f->year_cols[f->year_count].year = year;
        f->year_count++;
    } else if (dimset_has_dim(&f->l->dims, fl->ptr, fl->len)) {
        f->dim_cols =
            xreallocarray(f->dim_cols, f->dim_count + 1, sizeof(*f->dim_cols));
        f->dim_cols[f->dim_count].col = i;
        f->dim_cols[f->dim_count].name = csv_field_dup(fl);
        f->dim_count++;
    } else {
        return false;
    }
    return true;
}

/* Read the header: column roles and the layout. Problems are recorded;
 * returns false if the file cannot be read further. */
static bool read_header(struct file *f, const struct csv_record *h)
{
    size_t eco_rank = NONE, ind_rank = NONE;
    bool ok = true;

    f->ncols = h->count;
    f->eco_col = f->ind_col = f->year_col = f->value_col = NONE;
    f->status_col = f->source_col = f->note_col = NONE;
    set_source_kind(f, h);
    for (size_t i = 0; i < h->count; i++) {
        if (!header_column(f, &h->fields[i], i, &eco_rank, &ind_rank)) {
            problem(f, h->line, i + 1, "unknown column '%.*s'",
                    (int)(h->fields[i].len > 64 ? 64 : h->fields[i].len),
                    h->fields[i].ptr);
            ok = false;
        }
    }
    if (f->eco_col == NONE) {
        problem(f, h->line, 1, "no economy column (iso3, geo, economy)");
        ok = false;
    }
    if (f->ind_col == NONE) {
        problem(f, h->line, 1,
                "no indicator column (indicator, indicator_code, itu_code)");
        ok = false;
    }
    f->wide = f->opt->layout == LOAD_LAYOUT_WIDE ||
              (f->opt->layout == LOAD_LAYOUT_AUTO && f->year_count > 0 &&
               f->year_col == NONE && f->value_col == NONE);
    if (f->wide && f->year_count == 0) {
        problem(f, h->line, 1, "wide layout without year columns");
        ok = false;
    }
    if (!f->wide && (f->year_col == NONE || f->value_col == NONE)) {
        problem(f, h->line, 1,
                "long layout needs year and value columns (or use "
                "--layout wide with one column per year)");
        ok = false;
    }
    if (!f->wide && f->year_count > 0) {
        problem(f, h->line, f->year_cols[0].col + 1,
                "year column in the long layout");
        ok = false;
    }
    f->res->layout = f->wide ? "wide" : "long";
    f->res->source = f->source_kind;
    return ok;
}

/* The code map rows that apply to this file: "*" first, then the file's
 * own source, which wins. */
static void build_maps(struct file *f)
{
    const struct loader *l = f->l;

    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < l->map_count; i++) {
            const struct map_row *m = &l->map[i];
            bool applies = pass == 0
                               ? strcmp(m->source, "*") == 0
                               : f->source_kind[0] &&
                                     strcmp(m->source, f->source_kind) == 0;
            struct strmap *map =
                m->kind == CODE_MAP_INDICATOR ? &f->ind_map : &f->eco_map;
            if (applies) {
                strmap_put(map, m->source_code, strlen(m->source_code), i + 1);
            }
        }
    }
}

/* Resolve a raw economy code to ECO_UNKNOWN, ECO_SKIP or ECO_FIRST + index
 * into eco_targets; cached per raw code. */
static size_t resolve_economy(struct file *f, const struct csv_field *fl)
{
    size_t v;
    const char *target;
    size_t target_len;
    size_t result;
    size_t known;

    if (strmap_get(&f->eco_cache, fl->ptr, fl->len, &v)) {
        return v;
    }
    target = fl->ptr;
    target_len = fl->len;
    if (strmap_get(&f->eco_map, fl->ptr, fl->len, &v)) {
        const struct map_row *m = &f->l->map[v - 1];
        if (m->kind == CODE_MAP_SKIP_ECONOMY) {
            strmap_put(&f->eco_cache, fl->ptr, fl->len, ECO_SKIP);
            return ECO_SKIP;
        }
        target = m->target;
        target_len = strlen(m->target);
    }
    result = ECO_UNKNOWN;
    if (strmap_get(&f->l->areas, target, target_len, &known)) {
        f->eco_targets = xreallocarray(f->eco_targets, f->eco_target_count + 1,
                                       sizeof(char *));
        f->eco_targets[f->eco_target_count] = xstrndup(target, target_len);
        result = ECO_FIRST + f->eco_target_count++;
    }
    strmap_put(&f->eco_cache, fl->ptr, fl->len, result);
    return result;
}

/* Resolve a raw indicator code: 0 unknown, else 1 + index into l->inds. */
static size_t resolve_indicator(struct file *f, const struct csv_field *fl)
{
    size_t v;
    size_t idx;
    const char *target = fl->ptr;
    size_t target_len = fl->len;
    size_t result = 0;

    if (strmap_get(&f->ind_cache, fl->ptr, fl->len, &v)) {
        return v;
    }
    if (strmap_get(&f->ind_map, fl->ptr, fl->len, &v)) {
        target = f->l->map[v - 1].target;
        target_len = strlen(target);
    }
    if (strmap_get(&f->l->ind_by_code, target, target_len, &idx)) {
        result = idx + 1;
    }
    strmap_put(&f->ind_cache, fl->ptr, fl->len, result);
    return result;
}

static int clip(size_t len)
{
    return (int)(len > 64 ? 64 : len);
}

/* Parse a value cell; records a problem and returns false if bad. */
static bool parse_value(struct file *f, const struct csv_field *fl, size_t col,
                        double *out)
{
    const char *p = fl->ptr;
    size_t len = fl->len;

    str_trim(&p, &len);
    if (len == 0) {
        problem(f, f->line, col + 1, "missing value");
        return false;
    }
    if (parse_double_fast(p, len, out)) {
        return true;
    }
    if (strspn(p, "+-.0123456789eE") >= len ||
        (len >= 3 &&
         (strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0 ||
          strncasecmp(p, "+inf", 4) == 0 || strncasecmp(p, "-inf", 4) == 0))) {
        problem(f, f->line, col + 1, "value '%.*s' is not finite", clip(len),
                p);
    } else {
        problem(f, f->line, col + 1, "value '%.*s' is not a number", clip(len),
                p);
    }
    return false;
}

/* Copy a field into b as a NUL-terminated string (trimmed). */
static const char *field_str(struct buf *b, const struct csv_field *fl)
{
    const char *p = fl->ptr;
    size_t len = fl->len;

    str_trim(&p, &len);
    buf_reset(b);
    buf_append(b, p, len);
    return buf_cstr(b);
}

/* Build the canonical dims key of the record into f->dims, checking each
 * pair against the indicator. */
static bool record_dims(struct file *f, const struct csv_record *rec,
                        const struct indicator *ind)
{
    struct dim_pair pairs[MAX_DIMS];
    size_t n = 0;
    struct err err;
    bool ok = true;

    for (size_t i = 0; i < f->dim_count; i++) {
        const struct csv_field *fl = &rec->fields[f->dim_cols[i].col];
        const char *p = fl->ptr;
        size_t len = fl->len;
        str_trim(&p, &len);
        if (len == 0) {
            continue;
        }
        if (n == MAX_DIMS) {
            problem(f, f->line, f->dim_cols[i].col + 1,
                    "more than %d dimensions", MAX_DIMS);
            return false;
        }
        pairs[n].dim = f->dim_cols[i].name;
        pairs[n].dim_len = strlen(f->dim_cols[i].name);
        pairs[n].value = p;
        pairs[n].value_len = len;
        if (dims_check(ind, &f->l->dims, &pairs[n], 1, &err) != 0) {
            problem(f, f->line, f->dim_cols[i].col + 1, "%s", err.msg);
            ok = false;
        }
        n++;
    }
    if (ok && dims_canon(pairs, n, &f->dims, &err) != 0) {
        problem(f, f->line, 1, "%s", err.msg);
        ok = false;
    }
    return ok;
}

/* Put one value; returns non-zero only on a failure that stops the load. */
static int put_value(struct file *f, struct obs *o, struct err *err)
{
    bool changed = false;

    f->res->values++;
    if (store_obs_put(f->l->s, o, &changed, err) != 0) {
        if (err->code == ERR_CONFLICT || err->code == ERR_INVALID) {
            problem(f, f->line, 1, "%s", err->msg);
            err_clear(err);
            return 0;
        }
        return err->code;
    }
    if (changed) {
        f->res->changed++;
    } else {
        f->res->unchanged++;
    }
    return 0;
}

/* The optional status, source and note cells of a record into o. */
static bool record_meta(struct file *f, const struct csv_record *rec,
                        struct obs *o)
{
    struct err err;

    o->status = OBS_REPORTED;
    o->source = f->default_source ? f->default_source : "";
    o->note = "";
    if (f->status_col != NONE) {
        const struct csv_field *fl = &rec->fields[f->status_col];
        const char *p = fl->ptr;
        size_t len = fl->len;
        str_trim(&p, &len);
        if (obs_status_parse(p, len, &o->status, &err) != 0) {
            problem(f, f->line, f->status_col + 1, "%s", err.msg);
            return false;
        }
    }
    /* An empty source cell stays empty (so that exports round-trip),
     * except in publisher files, where it means the publisher itself. */
    if (f->source_col != NONE) {
        o->source = field_str(&f->source, &rec->fields[f->source_col]);
        if (!o->source[0] && f->source_kind[0] && f->default_source) {
            o->source = f->default_source;
        }
    }
    if (f->note_col != NONE) {
        o->note = field_str(&f->note, &rec->fields[f->note_col]);
    }
    return true;
}

/* The year cell of a long record. */
static bool record_year(struct file *f, const struct csv_record *rec, int *out)
{
    const struct csv_field *fl = &rec->fields[f->year_col];
    const char *p = fl->ptr;
    size_t len = fl->len;
    int64_t v;
    struct err err;

    str_trim(&p, &len);
    if (parse_int64(p, len, INT32_MIN, INT32_MAX, &v, &err) != 0) {
        problem(f, f->line, f->year_col + 1, "bad year '%.*s'", clip(len), p);
        return false;
    }
    if (v < YEAR_MIN || v > YEAR_MAX) {
        problem(f, f->line, f->year_col + 1, "year %lld out of range %d..%d",
                (long long)v, YEAR_MIN, YEAR_MAX);
        return false;
    }
    *out = (int)v;
    return true;
}

static int wide_values(struct file *f, const struct csv_record *rec,
                       struct obs *o, struct err *err)
{
    for (size_t i = 0; i < f->year_count; i++) {
        const struct csv_field *fl = &rec->fields[f->year_cols[i].col];
        const char *p = fl->ptr;
        size_t len = fl->len;
        str_trim(&p, &len);
        if (len == 0 || (len == 2 && p[0] == '.' && p[1] == '.')) {
            f->res->blank++;
            continue;
        }
        o->year = f->year_cols[i].year;
        if (o->year < YEAR_MIN || o->year > YEAR_MAX) {
            problem(f, f->line, f->year_cols[i].col + 1,
                    "year %d out of range %d..%d", o->year, YEAR_MIN, YEAR_MAX);
            continue;
        }
        if (!parse_value(f, fl, f->year_cols[i].col, &o->value)) {
            continue;
        }
        if (put_value(f, o, err) != 0) {
            return err->code;
        }
    }
    return 0;
}

/* One data record. Non-zero only on a failure that stops the load. */
static int do_record(struct file *f, const struct csv_record *rec,
                     struct err *err)
{
    const struct csv_field *efl = &rec->fields[f->eco_col];
    const struct csv_field *ifl = &rec->fields[f->ind_col];
    size_t eco, ind;
    struct obs o = {0};

    f->line = rec->line;
    if (rec->count != f->ncols) {
        problem(f, f->line, 1, "%zu fields, want %zu as in the header",
                rec->count, f->ncols);
        return 0;
    }
    f->res->rows++;
    eco = resolve_economy(f, efl);
    if (eco == ECO_SKIP) {
        f->res->skipped++;
        return 0;
    }
    ind = resolve_indicator(f, ifl);
    if (eco == ECO_UNKNOWN) {
        problem(f, f->line, f->eco_col + 1, "unknown economy '%.*s'",
                clip(efl->len), efl->ptr);
    }
    if (ind == 0) {
        problem(f, f->line, f->ind_col + 1, "unknown indicator '%.*s'",
                clip(ifl->len), ifl->ptr);
    }
    if (eco == ECO_UNKNOWN || ind == 0) {
        return 0;
    }
    o.economy = f->eco_targets[eco - ECO_FIRST];
    o.indicator = f->l->inds[ind - 1]->code;
    if (!record_dims(f, rec, f->l->inds[ind - 1]) || !record_meta(f, rec, &o)) {
        return 0;
    }
    o.dims = buf_cstr(&f->dims);
    if (f->wide) {
        return wide_values(f, rec, &o, err);
    }
    if (!record_year(f, rec, &o.year) ||
        !parse_value(f, &rec->fields[f->value_col], f->value_col, &o.value)) {
        return 0;
    }
    return put_value(f, &o, err);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Read the records after the header. Non-zero on a stopping failure. */
static int read_records(struct file *f, struct csv_reader *r, struct err *err)
{
    struct csv_record rec;
    struct progress bar;
    uint64_t n = 0;
    int rc = 0;

    progress_start(&bar, base_name(f->name),
                   f->opt->progress ? csv_size(r) : 0);
    if (!f->opt->progress) {
        bar.enabled = false;
    }
    for (;;) {
        if (csv_next(r, &rec, err) != 0) {
            if (err->code == ERR_IO) {
                rc = err->code;
            } else {
                problem_raw(f, err->msg);
                err_clear(err);
            }
            break;
        }
        if (rec.count == 0) {
            break;
        }
        n++;
        rc = do_record(f, &rec, err);
        if (rc != 0) {
            break;
        }
        if ((n & 8191) == 0) {
            progress_update(&bar, csv_offset(r));
        }
    }
    progress_finish(&bar);
    if (rc == 0 && n == 0 && f->res->error_count == 0) {
        problem(f, 2, 1, "no data rows after the header");
    }
    return rc;
}

static int open_batch(struct file *f, const char *path, struct err *err)
{
    struct store_batch_info info = {
        .kind = BATCH_LOAD,
        .origin = f->opt->origin,
        .file = base_name(path),
        .sha256 = f->res->sha256[0] ? f->res->sha256 : NULL,
        .time = f->opt->time,
    };

    return store_batch_begin(f->l->s, &info, err);
}

/* Header, then records, inside the open batch. */
static int load_body(struct file *f, struct csv_reader *r, struct err *err)
{
    struct csv_record h;

    if (csv_next(r, &h, err) != 0) {
        if (err->code == ERR_IO) {
            return err->code;
        }
        problem_raw(f, err->msg);
        err_clear(err);
        return 0;
    }
    if (h.count == 0) {
        problem(f, 1, 1, "empty file");
        return 0;
    }
    if (!read_header(f, &h)) {
        return 0;
    }
    if (!f->default_source) {
        f->default_source = base_name(f->name);
    }
    build_maps(f);
    return read_records(f, r, err);
}

struct find_sha {
    const char *sha256;
    int64_t found;
};

static int match_sha(void *ctx, const struct batch *b, struct err *err)
{
    struct find_sha *f = ctx;
    (void)err;

    if (b->kind == BATCH_LOAD && strcmp(b->sha256, f->sha256) == 0 &&
        f->found == 0) {
        f->found = b->id;
    }
    return 0;
}

int load_file(struct loader *l, const char *path,
              const struct load_options *opt, struct load_result *out,
              struct err *err)
{
    struct file f = {.l = l, .opt = opt, .res = out};
    struct csv_reader *r = NULL;
    int rc;

    out->layout = "long";
    out->source = "";
    if (strcmp(path, "-") != 0 && sha256_file(path, out->sha256, err) != 0) {
        return err->code;
    }
    if (opt->skip_loaded && out->sha256[0]) {
        struct find_sha fs = {.sha256 = out->sha256};
        if (store_batch_list(l->s, 0, match_sha, &fs, err) != 0) {
            return err->code;
        }
        if (fs.found > 0) {
            out->loaded_batch = fs.found;
            return 0;
        }
    }
    r = csv_open_path(path, err);
    if (!r) {
        return err->code;
    }
    f.name = csv_name(r);
    if (open_batch(&f, path, err) != 0) {
        csv_close(r);
        return err->code;
    }
    rc = load_body(&f, r, err);
    if (rc != 0 || out->error_count > 0 || opt->dry_run) {
        store_batch_rollback(l->s);
        if (rc == 0 && out->error_count > 0) {
            rc = err_set(err, ERR_INVALID, "%s: %lld problem%s; nothing loaded",
                         f.name, (long long)out->error_count,
                         out->error_count == 1 ? "" : "s");
        }
    } else {
        rc = store_batch_commit(l->s, &out->batch, NULL, err);
    }
    file_cleanup(&f);
    csv_close(r);
    return rc;
}
