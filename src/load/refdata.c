/* Reading the reference CSV files of data/ into the store. */
#include <string.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../io/csv.h"
#include "load.h"

/* A reference CSV opened by header name. */
struct table {
    struct csv_reader *r;
    char **cols; /* owned header names */
    size_t ncols;
    struct buf row; /* the current record: fields NUL-separated */
    size_t *offs;   /* ncols offsets into row */
    uint64_t line;  /* of the current record */
};

static void table_close(struct table *t)
{
    csv_close(t->r);
    for (size_t i = 0; i < t->ncols; i++) {
        xfree(t->cols[i]);
    }
    xfree(t->cols);
    xfree(t->offs);
    buf_cleanup(&t->row);
    memset(t, 0, sizeof(*t));
}

static int table_open(struct table *t, const char *dir, const char *file,
                      struct err *err)
{
    struct buf path;
    struct csv_record rec;

    memset(t, 0, sizeof(*t));
    buf_init(&path);
    buf_printf(&path, "%s/%s", dir, file);
    t->r = csv_open_path(path.data, err);
    buf_cleanup(&path);
    if (!t->r) {
        return err->code;
    }
    if (csv_next(t->r, &rec, err) != 0) {
        return err->code;
    }
    if (rec.count == 0) {
        return err_set(err, ERR_PARSE, "%s:1:1: empty file", csv_name(t->r));
    }
    t->ncols = rec.count;
    t->cols = xcalloc(rec.count, sizeof(char *));
    t->offs = xcalloc(rec.count, sizeof(size_t));
    for (size_t i = 0; i < rec.count; i++) {
        t->cols[i] = csv_field_dup(&rec.fields[i]);
    }
    return 0;
}

/* Read the next record; *out_has false at the end. */
static int table_next(struct table *t, bool *out_has, struct err *err)
{
    struct csv_record rec;

    *out_has = false;
    if (csv_next(t->r, &rec, err) != 0) {
        return err->code;
    }
    if (rec.count == 0) {
        return 0;
    }
    t->line = rec.line;
    if (rec.count != t->ncols) {
        return err_set(err, ERR_PARSE, "%s:%llu:1: %zu fields, want %zu",
                       csv_name(t->r), (unsigned long long)rec.line, rec.count,
                       t->ncols);
    }
    buf_reset(&t->row);
    for (size_t i = 0; i < rec.count; i++) {
        const char *p = rec.fields[i].ptr;
        size_t n = rec.fields[i].len;
        str_trim(&p, &n);
        t->offs[i] = t->row.len;
        buf_append(&t->row, p, n);
        buf_putc(&t->row, '\0');
    }
    *out_has = true;
    return 0;
}

/* Column index of name, or ncols. */
static size_t table_col(const struct table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++) {
        if (strcmp(t->cols[i], name) == 0) {
            return i;
        }
    }
    return t->ncols;
}

/* The field of column name in the current record; "" if no such column.
 * Borrowed until the next table_next. */
static const char *table_get(const struct table *t, const char *name)
{
    size_t i = table_col(t, name);
    return i < t->ncols ? t->row.data + t->offs[i] : "";
}

static bool table_flag(const struct table *t, const char *name)
{
    return strcmp(table_get(t, name), "1") == 0;
}

/* A year cell: "" → 0, else YEAR_MIN..YEAR_MAX. */
static int table_year(const struct table *t, const char *name, int *out,
                      struct err *err)
{
    const char *s = table_get(t, name);
    int64_t v;

    *out = 0;
    if (!s[0]) {
        return 0;
    }
    if (parse_int64(s, strlen(s), YEAR_MIN, YEAR_MAX, &v, err) != 0) {
        return err_prefix(err, "%s:%llu:%zu", csv_name(t->r),
                          (unsigned long long)t->line, table_col(t, name) + 1);
    }
    *out = (int)v;
    return 0;
}

/* Prefix a store error with the file and line of the current record. */
static int row_fail(const struct table *t, struct err *err)
{
    return err_prefix(err, "%s:%llu:1", csv_name(t->r),
                      (unsigned long long)t->line);
}

static int read_economies(struct store *s, struct table *t, int64_t *n,
                          struct err *err)
{
    bool has;

    while (table_next(t, &has, err) == 0 && has) {
        struct economy e = {
            .code = table_get(t, "iso3"),
            .name = table_get(t, "name"),
            .iso2 = table_get(t, "iso2"),
            .m49 = table_get(t, "m49"),
            .un_region = table_get(t, "un_region"),
            .un_subregion = table_get(t, "un_subregion"),
            .un_intermediate = table_get(t, "un_intermediate"),
            .itu_region = table_get(t, "itu_region"),
            .itu_region_verified = table_flag(t, "itu_region_verified"),
            .wb_region = table_get(t, "wb_region"),
            .is_independent = table_flag(t, "is_independent"),
            .note = table_get(t, "note"),
        };
        if (store_economy_put(s, &e, err) != 0) {
            return row_fail(t, err);
        }
        (*n)++;
    }
    return err->code;
}

static int read_groups(struct store *s, struct table *t, int64_t *n,
                       struct err *err)
{
    bool has;

    while (table_next(t, &has, err) == 0 && has) {
        struct group g = {
            .code = table_get(t, "code"),
            .name = table_get(t, "name"),
            .kind = table_get(t, "kind"),
            .source = table_get(t, "source"),
            .verified = table_flag(t, "verified"),
            .note = table_get(t, "note"),
        };
        if (store_group_put(s, &g, err) != 0) {
            return row_fail(t, err);
        }
        (*n)++;
    }
    return err->code;
}

static int read_memberships(struct store *s, struct table *t, int64_t *n,
                            struct err *err)
{
    bool has;

    while (table_next(t, &has, err) == 0 && has) {
        struct membership m = {
            .group = table_get(t, "group"),
            .economy = table_get(t, "economy"),
            .source = table_get(t, "source"),
            .verified = table_flag(t, "verified"),
        };
        if (table_year(t, "from_year", &m.from_year, err) != 0 ||
            table_year(t, "to_year", &m.to_year, err) != 0) {
            return err->code;
        }
        if (store_membership_put(s, &m, err) != 0) {
            return row_fail(t, err);
        }
        (*n)++;
    }
    return err->code;
}

static int read_dimensions(struct store *s, struct table *t, int64_t *n,
                           struct err *err)
{
    bool has;

    while (table_next(t, &has, err) == 0 && has) {
        struct dimension_value d = {
            .dimension = table_get(t, "dimension"),
            .value = table_get(t, "value"),
            .label = table_get(t, "label"),
        };
        if (store_dimension_put(s, &d, err) != 0) {
            return row_fail(t, err);
        }
        (*n)++;
    }
    return err->code;
}

static int read_catalogue(struct store *s, struct table *t, int64_t *n,
                          struct err *err)
{
    bool has;

    while (table_next(t, &has, err) == 0 && has) {
        struct indicator ind = {
            .code = table_get(t, "code"),
            .name = table_get(t, "name"),
            .definition = table_get(t, "definition"),
            .unit = table_get(t, "unit"),
            .kind = table_get(t, "kind"),
            .collection = table_get(t, "collection"),
            .dims = table_get(t, "dimensions"),
            .sdg = table_get(t, "sdg"),
            .source_instrument = table_get(t, "source_instrument"),
            .formula = table_get(t, "formula"),
            .agg = table_get(t, "agg"),
            .weight = table_get(t, "weight"),
            .verified = table_flag(t, "verified"),
        };
        if (store_indicator_put(s, &ind, err) != 0) {
            return row_fail(t, err);
        }
        (*n)++;
    }
    return err->code;
}

static int read_code_map(struct store *s, struct table *t, int64_t *n,
                         struct err *err)
{
    bool has;

    while (table_next(t, &has, err) == 0 && has) {
        const char *kind = table_get(t, "kind");
        struct code_map_entry c = {
            .source = table_get(t, "source"),
            .source_code = table_get(t, "source_code"),
            .target = table_get(t, "target"),
            .note = table_get(t, "note"),
        };
        if (strcmp(kind, "economy") == 0) {
            c.kind = CODE_MAP_ECONOMY;
        } else if (strcmp(kind, "skip_economy") == 0) {
            c.kind = CODE_MAP_SKIP_ECONOMY;
        } else if (strcmp(kind, "indicator") == 0) {
            c.kind = CODE_MAP_INDICATOR;
        } else {
            err_set(err, ERR_INVALID,
                    "kind '%s': want economy, skip_economy or indicator", kind);
            return row_fail(t, err);
        }
        if (store_code_map_put(s, &c, err) != 0) {
            return row_fail(t, err);
        }
        (*n)++;
    }
    return err->code;
}

typedef int (*reader_fn)(struct store *s, struct table *t, int64_t *n,
                         struct err *err);

static int read_one(struct store *s, const char *dir, const char *file,
                    reader_fn fn, int64_t *n, struct err *err)
{
    struct table t;
    int rc = table_open(&t, dir, file, err);

    if (rc == 0) {
        err_clear(err);
        rc = fn(s, &t, n, err);
    }
    table_close(&t);
    return rc;
}

int load_reference(struct store *s, const char *dir,
                   struct load_ref_counts *out, struct err *err)
{
    return load_reference_checked(s, dir, NULL, NULL, out, err);
}

int load_reference_checked(struct store *s, const char *dir,
                           load_ref_check_fn check, void *ctx,
                           struct load_ref_counts *out, struct err *err)
{
    memset(out, 0, sizeof(*out));
    if (store_begin(s, err) != 0) {
        return err->code;
    }
    if (store_reference_clear(s, err) != 0 ||
        read_one(s, dir, "economies.csv", read_economies, &out->economies,
                 err) != 0 ||
        read_one(s, dir, "groups.csv", read_groups, &out->groups, err) != 0 ||
        read_one(s, dir, "memberships.csv", read_memberships, &out->memberships,
                 err) != 0 ||
        read_one(s, dir, "dimensions.csv", read_dimensions, &out->dimensions,
                 err) != 0 ||
        read_one(s, dir, "catalogue.csv", read_catalogue, &out->indicators,
                 err) != 0 ||
        read_one(s, dir, "code_map.csv", read_code_map, &out->code_map, err) !=
            0 ||
        (check && check(ctx, s, err) != 0) || store_commit(s, err) != 0) {
        store_rollback(s);
        return err->code;
    }
    return 0;
}
