/* SDMX-CSV reader (see sdmx_csv.h). The header decides each column's role
 * once; each record is then copied into a small per-row buffer so that the
 * callback gets NUL-terminated strings. */
#include "sdmx_csv.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "../core/buf.h"
#include "../core/mem.h"
#include "../core/strparse.h"

enum col_role {
    ROLE_IGNORE = 0,
    ROLE_ACTION,
    ROLE_AREA,
    ROLE_INDICATOR,
    ROLE_TIME,
    ROLE_DIM,
    ROLE_VALUE,
    ROLE_STATUS,
    ROLE_MULT,
    ROLE_COMMENT,
};

struct layout {
    enum col_role *roles; /* owned; one per column */
    char **dim_names;     /* owned; lower-case id for ROLE_DIM columns */
    size_t count;
    bool labels; /* "ID: label" form seen in the header */
};

static void layout_cleanup(struct layout *l)
{
    for (size_t i = 0; i < l->count; i++) {
        xfree(l->dim_names[i]);
    }
    xfree(l->dim_names);
    xfree(l->roles);
}

/* The id part of "ID: label" (or the whole field). */
static size_t id_len(const struct csv_field *f, bool *out_labelled)
{
    for (size_t i = 0; i + 1 < f->len; i++) {
        if (f->ptr[i] == ':' && f->ptr[i + 1] == ' ') {
            *out_labelled = true;
            return i;
        }
    }
    return f->len;
}

static bool id_is(const struct csv_field *f, size_t len, const char *id)
{
    return strlen(id) == len && strncasecmp(f->ptr, id, len) == 0;
}

static enum col_role role_of(const struct csv_field *f, size_t len,
                             bool after_value)
{
    if (id_is(f, len, "OBS_VALUE")) {
        return ROLE_VALUE;
    }
    if (!after_value) {
        if (id_is(f, len, "REF_AREA")) {
            return ROLE_AREA;
        }
        if (id_is(f, len, "INDICATOR") || id_is(f, len, "SERIES")) {
            return ROLE_INDICATOR;
        }
        if (id_is(f, len, "TIME_PERIOD")) {
            return ROLE_TIME;
        }
        if (id_is(f, len, "FREQ")) {
            return ROLE_IGNORE;
        }
        return ROLE_DIM;
    }
    if (id_is(f, len, "OBS_STATUS")) {
        return ROLE_STATUS;
    }
    if (id_is(f, len, "UNIT_MULT")) {
        return ROLE_MULT;
    }
    if (id_is(f, len, "COMMENT") || id_is(f, len, "OBS_COMMENT")) {
        return ROLE_COMMENT;
    }
    return ROLE_IGNORE;
}

/* Index of the first data column: after STRUCTURE, STRUCTURE_ID[, ACTION]
 * or after DATAFLOW. 0 if the header is not SDMX-CSV. */
static size_t lead_columns(const struct csv_record *h, struct layout *l)
{
    bool lab = false;
    size_t n;

    n = id_len(&h->fields[0], &lab);
    if (id_is(&h->fields[0], n, "DATAFLOW")) {
        return 1;
    }
    if (!id_is(&h->fields[0], n, "STRUCTURE") || h->count < 2) {
        return 0;
    }
    if (h->count > 2) {
        n = id_len(&h->fields[2], &lab);
        if (id_is(&h->fields[2], n, "ACTION")) {
            l->roles[2] = ROLE_ACTION;
            return 3;
        }
    }
    return 2;
}

static int read_header(struct csv_reader *r, struct layout *l, struct err *err)
{
    struct csv_record h;
    bool seen[ROLE_COMMENT + 1] = {false};
    size_t first;
    size_t dims = 0;

    if (csv_next(r, &h, err) != 0) {
        return err->code;
    }
    if (h.count == 0) {
        return err_set(err, ERR_INVALID, "%s: empty file", csv_name(r));
    }
    l->count = h.count;
    l->roles = xcalloc(h.count, sizeof(*l->roles));
    l->dim_names = xcalloc(h.count, sizeof(char *));
    first = lead_columns(&h, l);
    if (first == 0) {
        return err_set(err, ERR_INVALID,
                       "%s:1: not SDMX-CSV (the first column must be "
                       "STRUCTURE or DATAFLOW)",
                       csv_name(r));
    }
    for (size_t i = first; i < h.count; i++) {
        size_t n = id_len(&h.fields[i], &l->labels);
        enum col_role role = role_of(&h.fields[i], n, seen[ROLE_VALUE]);
        if (role != ROLE_DIM && role != ROLE_IGNORE && seen[role]) {
            return err_set(err, ERR_INVALID, "%s:1: column %.*s given twice",
                           csv_name(r), (int)n, h.fields[i].ptr);
        }
        seen[role] = true;
        l->roles[i] = role;
        if (role == ROLE_DIM) {
            if (++dims > MAX_DIMS) {
                return err_set(err, ERR_LIMIT,
                               "%s:1: more than %d "
                               "dimensions",
                               csv_name(r), MAX_DIMS);
            }
            l->dim_names[i] = xstrndup(h.fields[i].ptr, n);
            for (char *p = l->dim_names[i]; *p; p++) {
                *p = (char)tolower((unsigned char)*p);
            }
        }
    }
    if (!seen[ROLE_AREA] || !seen[ROLE_INDICATOR] || !seen[ROLE_TIME] ||
        !seen[ROLE_VALUE]) {
        return err_set(err, ERR_INVALID,
                       "%s:1: SDMX-CSV needs the columns REF_AREA, "
                       "INDICATOR, TIME_PERIOD and OBS_VALUE",
                       csv_name(r));
    }
    return 0;
}

/* A row being assembled: its strings live in text, offsets recorded. */
struct row {
    struct buf text;
    size_t off[ROLE_COMMENT + 1]; /* offset of each role's value in text */
    size_t dim_off[MAX_DIMS];
    const char *dim_name[MAX_DIMS];
    size_t dim_count;
};

static size_t row_add(struct row *w, const struct csv_field *f, bool labels)
{
    size_t off = w->text.len;
    size_t len = f->len;

    if (labels) {
        bool lab = false;
        len = id_len(f, &lab);
    }
    buf_append(&w->text, f->ptr, len);
    buf_putc(&w->text, '\0');
    return off;
}

static bool is_total(const struct csv_field *f)
{
    return f->len == 0 || csv_field_eq(f, "_T") || csv_field_eq(f, "_Z");
}

static int parse_time(const char *s, const char *name, uint64_t line, int *out,
                      struct err *err)
{
    int64_t y;
    struct err perr;

    if (parse_int64(s, strlen(s), YEAR_MIN, YEAR_MAX, &y, &perr) != 0) {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: TIME_PERIOD '%.20s': want a year %d..%d", name,
                       (unsigned long long)line, s, YEAR_MIN, YEAR_MAX);
    }
    *out = (int)y;
    return 0;
}

static int parse_value(const char *v, const char *mult, const char *name,
                       uint64_t line, struct sdmx_obs *o, struct err *err)
{
    struct err perr;
    int64_t m = 0;

    o->has_value = v[0] != '\0' && strcmp(v, "NaN") != 0;
    if (!o->has_value) {
        o->value = 0;
        return 0;
    }
    if (parse_double(v, strlen(v), &o->value, &perr) != 0) {
        return err_set(err, ERR_INVALID, "%s:%llu: OBS_VALUE '%.30s': %s", name,
                       (unsigned long long)line, v, perr.msg);
    }
    if (mult[0] != '\0' &&
        parse_int64(mult, strlen(mult), -15, 15, &m, &perr) != 0) {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: UNIT_MULT '%.20s': want -15..15", name,
                       (unsigned long long)line, mult);
    }
    o->value *= pow(10.0, (double)m);
    if (!isfinite(o->value)) {
        return err_set(err, ERR_INVALID, "%s:%llu: OBS_VALUE out of range",
                       name, (unsigned long long)line);
    }
    return 0;
}

static int check_action(const struct csv_field *f, const char *name,
                        uint64_t line, struct err *err)
{
    if (f->len == 0 || csv_field_eq(f, "I") || csv_field_eq(f, "A") ||
        csv_field_eq(f, "R") || csv_field_eq(f, "M")) {
        return 0;
    }
    if (csv_field_eq(f, "D")) {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: ACTION D: deletions are not accepted; "
                       "revisions are appended",
                       name, (unsigned long long)line);
    }
    return err_set(err, ERR_INVALID, "%s:%llu: ACTION '%.10s': want I, R or D",
                   name, (unsigned long long)line, f->ptr);
}

static int emit_row(const struct layout *l, const struct csv_record *rec,
                    struct row *w, const char *name, sdmx_obs_fn fn, void *ctx,
                    struct err *err)
{
    struct sdmx_obs o;
    struct sdmx_dim dims[MAX_DIMS];
    const char *t;

    if (rec->count != l->count) {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: %zu fields, the header "
                       "has %zu",
                       name, (unsigned long long)rec->line, rec->count,
                       l->count);
    }
    buf_reset(&w->text);
    buf_putc(&w->text, '\0'); /* offset 0 is the empty string */
    memset(w->off, 0, sizeof(w->off));
    w->dim_count = 0;
    for (size_t i = 0; i < rec->count; i++) {
        enum col_role role = l->roles[i];
        if (role == ROLE_ACTION &&
            check_action(&rec->fields[i], name, rec->line, err) != 0) {
            return err->code;
        }
        if (role == ROLE_DIM && !is_total(&rec->fields[i])) {
            w->dim_name[w->dim_count] = l->dim_names[i];
            w->dim_off[w->dim_count++] = row_add(w, &rec->fields[i], l->labels);
        } else if (role != ROLE_IGNORE && role != ROLE_DIM) {
            w->off[role] = row_add(w, &rec->fields[i], l->labels);
        }
    }
    t = w->text.data; /* stable now: no more appends for this row */
    memset(&o, 0, sizeof(o));
    o.line = rec->line;
    o.economy = t + w->off[ROLE_AREA];
    o.indicator = t + w->off[ROLE_INDICATOR];
    o.status = t + w->off[ROLE_STATUS];
    o.comment = t + w->off[ROLE_COMMENT];
    if (o.economy[0] == '\0' || o.indicator[0] == '\0') {
        return err_set(err, ERR_INVALID,
                       "%s:%llu: REF_AREA and INDICATOR "
                       "must not be empty",
                       name, (unsigned long long)rec->line);
    }
    if (parse_time(t + w->off[ROLE_TIME], name, rec->line, &o.year, err) != 0 ||
        parse_value(t + w->off[ROLE_VALUE], t + w->off[ROLE_MULT], name,
                    rec->line, &o, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < w->dim_count; i++) {
        dims[i].name = w->dim_name[i];
        dims[i].value = t + w->dim_off[i];
    }
    o.dims = dims;
    o.dim_count = w->dim_count;
    return fn(ctx, &o, err);
}

int sdmx_csv_read(struct csv_reader *r, sdmx_obs_fn fn, void *ctx,
                  struct err *err)
{
    struct layout l;
    struct row w;
    struct csv_record rec;
    int rc;

    memset(&l, 0, sizeof(l));
    memset(&w, 0, sizeof(w));
    buf_init(&w.text);
    rc = read_header(r, &l, err);
    while (rc == 0) {
        rc = csv_next(r, &rec, err);
        if (rc != 0 || rec.count == 0) {
            break;
        }
        rc = emit_row(&l, &rec, &w, csv_name(r), fn, ctx, err);
    }
    buf_cleanup(&w.text);
    layout_cleanup(&l);
    return rc;
}

bool sdmx_csv_sniff(const char *data, size_t len)
{
    static const char *const heads[] = {"STRUCTURE,", "DATAFLOW,",
                                        "STRUCTURE:", "DATAFLOW:"};

    if (len >= 3 && (unsigned char)data[0] == 0xEF &&
        (unsigned char)data[1] == 0xBB && (unsigned char)data[2] == 0xBF) {
        data += 3;
        len -= 3;
    }
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
        size_t n = strlen(heads[i]);
        if (len >= n && strncasecmp(data, heads[i], n) == 0) {
            return true;
        }
    }
    return false;
}
