/* Submission values (see values.h): the list, and the CSV and SDMX-CSV
 * front ends. The .xlsx front end is questionnaire_read. */
#include "values.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../io/csv.h"
#include "../io/sdmx_csv.h"
#include "questionnaire.h"

void values_init(struct values *v)
{
    memset(v, 0, sizeof(*v));
}

void values_cleanup(struct values *v)
{
    for (size_t i = 0; i < v->count; i++) {
        struct value *x = &v->items[i];
        xfree(x->economy);
        xfree(x->indicator);
        xfree(x->dims);
        xfree(x->status);
        xfree(x->comment);
    }
    xfree(v->items);
    for (size_t i = 0; i < v->note_count; i++) {
        xfree(v->notes[i].indicator);
        xfree(v->notes[i].dims);
        xfree(v->notes[i].text);
    }
    xfree(v->notes);
    xfree(v->economy);
    xfree(v->format);
    memset(v, 0, sizeof(*v));
}

int values_add(struct values *v, const char *economy, const char *indicator,
               const char *dims, int year, double value, const char *status,
               const char *comment, const char *where, struct err *err)
{
    struct value *x;

    if (v->count >= MAX_UPLOAD_VALUES) {
        return err_set(err, ERR_LIMIT,
                       "%s: more than %d values in one "
                       "submission",
                       where, MAX_UPLOAD_VALUES);
    }
    if (v->count == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->items = xreallocarray(v->items, v->cap, sizeof(*v->items));
    }
    x = &v->items[v->count++];
    x->economy = xstrdup(economy);
    x->indicator = xstrdup(indicator);
    x->dims = xstrdup(dims);
    x->year = year;
    x->value = value;
    x->status = xstrdup(status ? status : "");
    x->comment = xstrdup(comment ? comment : "");
    snprintf(x->where, sizeof(x->where), "%s", where);
    return 0;
}

int values_add_note(struct values *v, const char *indicator, const char *dims,
                    const char *text, const char *where, struct err *err)
{
    struct value_note *n;

    if (v->note_count >= MAX_UPLOAD_VALUES) {
        return err_set(err, ERR_LIMIT, "%s: too many comments", where);
    }
    v->notes = xreallocarray(v->notes, v->note_count + 1, sizeof(*n));
    n = &v->notes[v->note_count++];
    n->indicator = xstrdup(indicator);
    n->dims = xstrdup(dims);
    n->text = xstrdup(text);
    snprintf(n->where, sizeof(n->where), "%s", where);
    return 0;
}

const struct value *values_find(const struct values *v, const char *indicator,
                                const char *dims, int year)
{
    for (size_t i = 0; i < v->count; i++) {
        const struct value *x = &v->items[i];
        if (x->year == year && strcmp(x->indicator, indicator) == 0 &&
            strcmp(x->dims, dims) == 0) {
            return x;
        }
    }
    return NULL;
}

bool values_has_indicator(const struct values *v, const char *indicator)
{
    for (size_t i = 0; i < v->count; i++) {
        if (strcmp(v->items[i].indicator, indicator) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- Dimension keys ----------------------------------------------------- */

struct pair {
    const char *p; /* "dim=value" inside the key */
    size_t len;
    size_t dim_len;
};

static int pair_cmp(const void *a, const void *b)
{
    const struct pair *x = a;
    const struct pair *y = b;
    size_t n = x->dim_len < y->dim_len ? x->dim_len : y->dim_len;
    int c = memcmp(x->p, y->p, n);

    if (c != 0) {
        return c;
    }
    return x->dim_len < y->dim_len ? -1 : x->dim_len > y->dim_len;
}

static bool dim_value_ok(const char *s, size_t len)
{
    if (len == 0 || len > MAX_CODE_LEN) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '+' ||
              c == '-')) {
            return false;
        }
    }
    return true;
}

/* TODO(#8): use model/dims.h dims_canon once the store has landed. */
int values_dims_canon(const char *key, struct buf *out, struct err *err)
{
    struct pair pairs[MAX_DIMS];
    size_t count = 0;
    const char *p = key;

    buf_reset(out);
    while (*p != '\0') {
        const char *end = strchr(p, ';');
        const char *eq;
        size_t len = end ? (size_t)(end - p) : strlen(p);
        eq = memchr(p, '=', len);
        if (count == MAX_DIMS || eq == NULL ||
            !code_valid(p, (size_t)(eq - p)) ||
            !dim_value_ok(eq + 1, len - (size_t)(eq - p) - 1)) {
            return err_set(err, ERR_INVALID,
                           "breakdown '%.80s': want "
                           "dim=value[;dim=value]",
                           key);
        }
        pairs[count].p = p;
        pairs[count].len = len;
        pairs[count].dim_len = (size_t)(eq - p);
        count++;
        p = end ? end + 1 : p + len;
    }
    qsort(pairs, count, sizeof(pairs[0]), pair_cmp);
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && pair_cmp(&pairs[i - 1], &pairs[i]) == 0) {
            return err_set(err, ERR_INVALID,
                           "breakdown '%.80s': a "
                           "dimension given twice",
                           key);
        }
        if (i > 0) {
            buf_putc(out, ';');
        }
        buf_append(out, pairs[i].p, pairs[i].len);
    }
    return 0;
}

/* ---- Long CSV ----------------------------------------------------------- */

enum long_col {
    LC_DIM = 0,
    LC_ECON,
    LC_IND,
    LC_YEAR,
    LC_VALUE,
    LC_STATUS,
    LC_SOURCE,
    LC_NOTE
};

struct long_layout {
    enum long_col cols[MAX_CSV_FIELDS];
    char *names[MAX_CSV_FIELDS]; /* owned, dimension column names */
    size_t count;
};

static void long_cleanup(struct long_layout *l)
{
    for (size_t i = 0; i < l->count; i++) {
        xfree(l->names[i]);
    }
}

static int long_header(const struct csv_record *h, struct long_layout *l,
                       const char *name, struct err *err)
{
    static const char *const fixed[] = {"economy", "indicator", "year",
                                        "value"};
    size_t dims = 0;

    if (h->count < 4 || h->count > MAX_DIMS + 7) {
        return err_set(err, ERR_INVALID,
                       "%s:1: want the columns economy,"
                       "indicator,year,value[,dimensions][,status,source,"
                       "note]",
                       name);
    }
    l->count = h->count;
    for (size_t i = 0; i < 4; i++) {
        if (!csv_field_eq(&h->fields[i], fixed[i])) {
            return err_set(err, ERR_INVALID, "%s:1: column %zu must be '%s'",
                           name, i + 1, fixed[i]);
        }
        l->cols[i] = (enum long_col)(LC_ECON + i);
    }
    for (size_t i = 4; i < h->count; i++) {
        const struct csv_field *f = &h->fields[i];
        if (csv_field_eq(f, "status")) {
            l->cols[i] = LC_STATUS;
        } else if (csv_field_eq(f, "source")) {
            l->cols[i] = LC_SOURCE;
        } else if (csv_field_eq(f, "note") || csv_field_eq(f, "comment")) {
            l->cols[i] = LC_NOTE;
        } else if (code_valid(f->ptr, f->len) && ++dims <= MAX_DIMS) {
            l->cols[i] = LC_DIM;
            l->names[i] = csv_field_dup(f);
        } else {
            return err_set(err, ERR_INVALID,
                           "%s:1: column %zu is not a "
                           "dimension name",
                           name, i + 1);
        }
    }
    return 0;
}

static int long_dims(const struct long_layout *l, const struct csv_record *r,
                     struct buf *key, struct buf *canon, struct err *err)
{
    buf_reset(key);
    for (size_t i = 4; i < r->count; i++) {
        if (l->cols[i] != LC_DIM || r->fields[i].len == 0) {
            continue;
        }
        if (key->len > 0) {
            buf_putc(key, ';');
        }
        buf_puts(key, l->names[i]);
        buf_putc(key, '=');
        buf_append(key, r->fields[i].ptr, r->fields[i].len);
    }
    return values_dims_canon(buf_cstr(key), canon, err);
}

static int long_row(const struct long_layout *l, const struct csv_record *r,
                    const char *name, struct values *out, struct err *err)
{
    char where[VALUE_WHERE_MAX];
    char *econ = NULL;
    char *ind = NULL;
    char *status = NULL;
    char *note = NULL;
    struct buf key;
    struct buf canon;
    int64_t year;
    double v;
    int rc;

    snprintf(where, sizeof(where), "%s:%llu", name,
             (unsigned long long)r->line);
    if (r->count != l->count) {
        return err_set(err, ERR_INVALID, "%s: %zu fields, the header has %zu",
                       where, r->count, l->count);
    }
    if (parse_int64(r->fields[2].ptr, r->fields[2].len, YEAR_MIN, YEAR_MAX,
                    &year, err) != 0) {
        return err_prefix(err, "%s: year", where);
    }
    if (parse_double(r->fields[3].ptr, r->fields[3].len, &v, err) != 0) {
        return err_prefix(err, "%s: value", where);
    }
    buf_init(&key);
    buf_init(&canon);
    rc = long_dims(l, r, &key, &canon, err);
    if (rc != 0) {
        err_prefix(err, "%s", where);
    } else {
        econ = csv_field_dup(&r->fields[0]);
        ind = csv_field_dup(&r->fields[1]);
        for (size_t i = 4; i < r->count; i++) {
            if (l->cols[i] == LC_STATUS && status == NULL) {
                status = csv_field_dup(&r->fields[i]);
            } else if (l->cols[i] == LC_NOTE && note == NULL) {
                note = csv_field_dup(&r->fields[i]);
            }
        }
        rc = values_add(out, econ, ind, buf_cstr(&canon), (int)year, v, status,
                        note, where, err);
    }
    xfree(econ);
    xfree(ind);
    xfree(status);
    xfree(note);
    buf_cleanup(&key);
    buf_cleanup(&canon);
    return rc;
}

static int parse_long(const char *data, size_t len, const char *name,
                      struct values *out, struct err *err)
{
    struct csv_reader *r = csv_open_mem(data, len, name);
    struct long_layout *l = xcalloc(1, sizeof(*l));
    struct csv_record rec;
    int rc = csv_next(r, &rec, err);

    if (rc == 0 && rec.count == 0) {
        rc = err_set(err, ERR_INVALID, "%s: empty file", name);
    }
    if (rc == 0) {
        rc = long_header(&rec, l, name, err);
    }
    while (rc == 0) {
        rc = csv_next(r, &rec, err);
        if (rc != 0 || rec.count == 0) {
            break;
        }
        rc = long_row(l, &rec, name, out, err);
    }
    long_cleanup(l);
    xfree(l);
    csv_close(r);
    return rc;
}

/* ---- SDMX-CSV ----------------------------------------------------------- */

struct sdmx_ctx {
    struct values *out;
    const char *name;
    struct buf key;
    struct buf canon;
};

static int sdmx_value(void *ctx, const struct sdmx_obs *o, struct err *err)
{
    struct sdmx_ctx *c = ctx;
    char where[VALUE_WHERE_MAX];

    snprintf(where, sizeof(where), "%s:%llu", c->name,
             (unsigned long long)o->line);
    if (!o->has_value) {
        return 0; /* an empty OBS_VALUE reports nothing */
    }
    buf_reset(&c->key);
    for (size_t i = 0; i < o->dim_count; i++) {
        buf_printf(&c->key, "%s%s=%s", i ? ";" : "", o->dims[i].name,
                   o->dims[i].value);
    }
    if (values_dims_canon(buf_cstr(&c->key), &c->canon, err) != 0) {
        return err_prefix(err, "%s", where);
    }
    return values_add(c->out, o->economy, o->indicator, buf_cstr(&c->canon),
                      o->year, o->value, o->status, o->comment, where, err);
}

static int parse_sdmx(const char *data, size_t len, const char *name,
                      struct values *out, struct err *err)
{
    struct csv_reader *r = csv_open_mem(data, len, name);
    struct sdmx_ctx c = {.out = out, .name = name};
    int rc;

    buf_init(&c.key);
    buf_init(&c.canon);
    rc = sdmx_csv_read(r, sdmx_value, &c, err);
    buf_cleanup(&c.key);
    buf_cleanup(&c.canon);
    csv_close(r);
    return rc;
}

int values_parse(const char *data, size_t len, const char *name,
                 struct values *out, struct err *err)
{
    if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) {
        out->format = xstrdup("xlsx");
        return questionnaire_read(data, len, out, err);
    }
    if (sdmx_csv_sniff(data, len)) {
        out->format = xstrdup("sdmx-csv");
        return parse_sdmx(data, len, name, out, err);
    }
    out->format = xstrdup("csv");
    return parse_long(data, len, name, out, err);
}
