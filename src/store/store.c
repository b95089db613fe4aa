/* The store interface: argument checks, then dispatch to the backend. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "store_int.h"
#include "store_sql.h"

struct store *store_open(const char *path, unsigned flags, struct err *err)
{
    if (!path || !path[0]) {
        err_set(err, ERR_INVALID, "store path is empty");
        return NULL;
    }
    if (store_path_is_pg(path)) {
        return store_pg_open(path, flags, err);
    }
    return store_sqlite_open(path, flags, err);
}

void store_close(struct store *s)
{
    if (s) {
        store_writer_end(s);
        s->ops->close(s);
    }
}

const char *store_path(const struct store *s)
{
    return s->path;
}

int store_begin(struct store *s, struct err *err)
{
    return s->ops->begin(s, err);
}

int store_commit(struct store *s, struct err *err)
{
    return s->ops->commit(s, err);
}

void store_rollback(struct store *s)
{
    s->ops->rollback(s);
}

int store_economy_put(struct store *s, const struct economy *e, struct err *err)
{
    return s->ops->economy_put(s, e, err);
}

int store_group_put(struct store *s, const struct group *g, struct err *err)
{
    return s->ops->group_put(s, g, err);
}

int store_indicator_put(struct store *s, const struct indicator *ind,
                        struct err *err)
{
    return s->ops->indicator_put(s, ind, err);
}

int store_membership_put(struct store *s, const struct membership *m,
                         struct err *err)
{
    return s->ops->membership_put(s, m, err);
}

int store_dimension_put(struct store *s, const struct dimension_value *d,
                        struct err *err)
{
    return s->ops->dimension_put(s, d, err);
}

int store_code_map_put(struct store *s, const struct code_map_entry *c,
                       struct err *err)
{
    return s->ops->code_map_put(s, c, err);
}

int store_reference_clear(struct store *s, struct err *err)
{
    return s->ops->reference_clear(s, err);
}

int store_economy_list(struct store *s, store_economy_fn fn, void *ctx,
                       struct err *err)
{
    return s->ops->economy_list(s, NULL, fn, ctx, err);
}

int store_economy_get(struct store *s, const char *code, store_economy_fn fn,
                      void *ctx, struct err *err)
{
    return s->ops->economy_list(s, code, fn, ctx, err);
}

int store_group_list(struct store *s, store_group_fn fn, void *ctx,
                     struct err *err)
{
    return s->ops->group_list(s, NULL, fn, ctx, err);
}

int store_group_get(struct store *s, const char *code, store_group_fn fn,
                    void *ctx, struct err *err)
{
    return s->ops->group_list(s, code, fn, ctx, err);
}

/* ---- Every membership, in one read -------------------------------------
 *
 * One scan of the table in key order, then sorted here by codes: cheaper
 * than joining and sorting in SQL, and the same on both backends. */

struct mrow {
    size_t group, economy, source; /* offsets into mread.text (the codes
                                      are copied: fn may reload them) */
    size_t gi, ei; /* indices into codes->areas: by code within groups and
                      within economies (SQL_AREA_CODES), so the order */
    int from_year, to_year;
    bool verified;
};

struct mread {
    const struct store_codes *c;
    int year;
    struct mrow *rows;
    size_t count, cap;
    struct buf text;
};

static int on_mrow(void *ctx, const struct store_cells *row, struct err *err)
{
    struct mread *m = ctx;
    struct mrow r;
    size_t g, e;

    if (!store_codes_area_of(m->c, store_cell_int(row, 0), &g) ||
        !store_codes_area_of(m->c, store_cell_int(row, 1), &e)) {
        return err_set(err, ERR_STORAGE, "a membership names an unknown area");
    }
    r.from_year = (int)store_cell_int(row, 2);
    r.to_year = (int)store_cell_int(row, 3);
    if (m->year != 0 && ((r.from_year != 0 && r.from_year > m->year) ||
                         (r.to_year != 0 && r.to_year < m->year))) {
        return 0;
    }
    r.verified = store_cell_int(row, 5) != 0;
    r.gi = g;
    r.ei = e;
    r.group = m->text.len;
    buf_puts(&m->text, m->c->areas[g].code);
    buf_putc(&m->text, '\0');
    r.economy = m->text.len;
    buf_puts(&m->text, m->c->areas[e].code);
    buf_putc(&m->text, '\0');
    r.source = m->text.len;
    if (row->cells[4] != NULL) {
        buf_append(&m->text, row->cells[4], row->lens[4]);
    }
    buf_putc(&m->text, '\0');
    if (m->count == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->rows = xreallocarray(m->rows, m->cap, sizeof(*m->rows));
    }
    m->rows[m->count++] = r;
    return 0;
}

static int mrow_cmp(const void *a, const void *b)
{
    const struct mrow *x = a;
    const struct mrow *y = b;

    if (x->gi != y->gi) {
        return x->gi < y->gi ? -1 : 1;
    }
    if (x->ei != y->ei) {
        return x->ei < y->ei ? -1 : 1;
    }
    return (x->from_year > y->from_year) - (x->from_year < y->from_year);
}

static int all_members(struct store *s, int year, store_membership_fn fn,
                       void *ctx, struct err *err)
{
    struct mread m = {.year = year};
    struct store_stmt q = {"SELECT group_id, economy_id, from_year, to_year,"
                           " source, verified FROM memberships",
                           NULL, 0, on_mrow, &m};
    int rc;

    buf_init(&m.text);
    rc = s->ops->codes(s, &m.c, err);
    if (rc == 0) {
        rc = store_exec(s, &q, NULL, err);
    }
    if (rc == 0 && m.count > 1) {
        qsort(m.rows, m.count, sizeof(*m.rows), mrow_cmp);
    }
    for (size_t i = 0; rc == 0 && i < m.count; i++) {
        const struct mrow *r = &m.rows[i];
        struct membership ms = {
            .group = m.text.data + r->group,
            .economy = m.text.data + r->economy,
            .from_year = r->from_year,
            .to_year = r->to_year,
            .source = m.text.data + r->source,
            .verified = r->verified,
        };
        rc = fn(ctx, &ms, err);
    }
    xfree(m.rows);
    buf_cleanup(&m.text);
    return rc;
}

int store_group_members(struct store *s, const char *group, int year,
                        store_membership_fn fn, void *ctx, struct err *err)
{
    if (group == NULL) {
        return all_members(s, year, fn, ctx, err);
    }
    return s->ops->group_members(s, group, year, fn, ctx, err);
}

int store_economy_groups(struct store *s, const char *economy, int year,
                         store_membership_fn fn, void *ctx, struct err *err)
{
    return s->ops->economy_groups(s, economy, year, fn, ctx, err);
}

int store_dimension_list(struct store *s, store_dimension_fn fn, void *ctx,
                         struct err *err)
{
    return s->ops->dimension_list(s, fn, ctx, err);
}

int store_indicator_list(struct store *s, const char *words,
                         store_indicator_fn fn, void *ctx, struct err *err)
{
    return s->ops->indicator_list(s, NULL, words, fn, ctx, err);
}

int store_indicator_get(struct store *s, const char *code,
                        store_indicator_fn fn, void *ctx, struct err *err)
{
    return s->ops->indicator_list(s, code, NULL, fn, ctx, err);
}

int store_code_map_list(struct store *s, store_code_map_fn fn, void *ctx,
                        struct err *err)
{
    return s->ops->code_map_list(s, fn, ctx, err);
}

int store_batch_begin(struct store *s, const struct store_batch_info *info,
                      struct err *err)
{
    struct store_batch_open b = {0};

    if (s->ops->batch_begin(s, info, &b, err) != 0) {
        return err->code;
    }
    store_writer_begin(s, &b);
    return 0;
}

int store_batch_commit(struct store *s, int64_t *out_batch,
                       int64_t *out_changed, struct err *err)
{
    int64_t changed = 0;
    int64_t id = 0;

    *out_batch = 0;
    if (out_changed) {
        *out_changed = 0;
    }
    if (!s->w) {
        return err_set(err, ERR_CONFLICT, "no batch is open");
    }
    if (store_writer_flush(s, &id, &changed, err) != 0) {
        store_batch_rollback(s);
        return err->code;
    }
    store_writer_end(s);
    if (changed == 0) {
        /* Nothing appended: keep no batch (new sources go too). */
        s->ops->batch_rollback(s);
        return 0;
    }
    {
        struct store_param ps[2] = {STORE_P_INT(changed), STORE_P_INT(id)};
        struct store_stmt q = {SQL_BATCH_SET_CHANGED, ps, 2, NULL, NULL};
        if (store_exec_as(s, &q, NULL, "closing the batch", err) != 0) {
            store_batch_rollback(s);
            return err->code;
        }
    }
    if (s->ops->batch_commit(s, err) != 0) {
        return err->code;
    }
    *out_batch = id;
    if (out_changed) {
        *out_changed = changed;
    }
    return 0;
}

void store_batch_rollback(struct store *s)
{
    store_writer_end(s);
    s->ops->batch_rollback(s);
}

int store_batch_list(struct store *s, size_t limit, store_batch_fn fn,
                     void *ctx, struct err *err)
{
    return s->ops->batch_list(s, limit, fn, ctx, err);
}

int store_last_revision(struct store *s, int64_t *out_batch, int64_t *out_time,
                        struct err *err)
{
    return s->ops->last_revision(s, out_batch, out_time, err);
}

bool store_path_is_pg(const char *path)
{
    return strncmp(path, "postgresql://", 13) == 0 ||
           strncmp(path, "postgres://", 11) == 0;
}

const char *store_backend(const struct store *s)
{
    return s->ops->name;
}

/* ---- The code cache -------------------------------------------------- */

void store_codes_add(struct store_codes *c, bool area, int64_t id,
                     const char *code, bool is_group)
{
    struct store_code **v = area ? &c->areas : &c->inds;
    size_t *n = area ? &c->area_count : &c->ind_count;
    size_t *cap = area ? &c->area_cap : &c->ind_cap;

    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *v = xreallocarray(*v, *cap, sizeof(**v));
    }
    (*v)[*n].id = id;
    (*v)[*n].code = xstrdup(code);
    (*v)[*n].is_group = is_group;
    strmap_put(area ? &c->area_ids : &c->ind_ids, code, strlen(code), *n);
    (*n)++;
}

/* id → index + 1 for the n codes of v. */
static size_t *index_by_id(const struct store_code *v, size_t n,
                           size_t *out_cap)
{
    size_t cap = 1;
    size_t *by;

    for (size_t i = 0; i < n; i++) {
        if (v[i].id >= 0 && v[i].id < (int64_t)(1 << 26) &&
            (size_t)v[i].id >= cap) {
            cap = (size_t)v[i].id + 1;
        }
    }
    by = xcalloc(cap, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        if (v[i].id >= 0 && (size_t)v[i].id < cap) {
            by[v[i].id] = i + 1;
        }
    }
    *out_cap = cap;
    return by;
}

void store_codes_index(struct store_codes *c)
{
    xfree(c->area_by_id);
    c->area_by_id = index_by_id(c->areas, c->area_count, &c->area_id_cap);
    c->area_ids_ordered = true;
    for (size_t i = 1; i < c->area_count; i++) {
        c->area_ids_ordered =
            c->area_ids_ordered && c->areas[i].id > c->areas[i - 1].id;
    }
}

void store_codes_drop(struct store_codes *c)
{
    for (size_t i = 0; i < c->ind_count; i++) {
        xfree(c->inds[i].code);
    }
    for (size_t i = 0; i < c->area_count; i++) {
        xfree(c->areas[i].code);
    }
    xfree(c->inds);
    xfree(c->areas);
    xfree(c->area_by_id);
    strmap_cleanup(&c->ind_ids);
    strmap_cleanup(&c->area_ids);
    memset(c, 0, sizeof(*c));
}

int store_codes_ind(const struct store_codes *c, const char *code, size_t *out,
                    struct err *err)
{
    if (!strmap_get(&c->ind_ids, code, strlen(code), out)) {
        return err_set(err, ERR_NOT_FOUND, "unknown indicator '%s'", code);
    }
    return 0;
}

int store_codes_area(const struct store_codes *c, const char *code, size_t *out,
                     struct err *err)
{
    if (!strmap_get(&c->area_ids, code, strlen(code), out)) {
        return err_set(err, ERR_NOT_FOUND, "unknown economy or group '%s'",
                       code);
    }
    return 0;
}

bool store_codes_area_of(const struct store_codes *c, int64_t id, size_t *out)
{
    if (id < 0 || (uint64_t)id >= c->area_id_cap || c->area_by_id[id] == 0) {
        return false;
    }
    *out = c->area_by_id[id] - 1;
    return true;
}

/* ---- Shared checks --------------------------------------------------- */

int store_check_code(const char *what, const char *code, struct err *err)
{
    if (!code || !code_valid(code, strlen(code))) {
        return err_set(err, ERR_INVALID, "bad %s code '%s'", what,
                       code ? code : "");
    }
    return 0;
}

int store_check_obs(const struct obs *o, struct err *err)
{
    if (o->year < YEAR_MIN || o->year > YEAR_MAX) {
        return err_set(err, ERR_INVALID, "year %d out of range %d..%d", o->year,
                       YEAR_MIN, YEAR_MAX);
    }
    if (!(o->value - o->value == 0.0)) {
        return err_set(err, ERR_INVALID, "value is not finite");
    }
    if ((unsigned)o->status > OBS_PROVISIONAL) {
        return err_set(err, ERR_INVALID, "bad status %d", (int)o->status);
    }
    return 0;
}

int store_duplicate(const struct obs *o, struct err *err)
{
    return err_set(err, ERR_CONFLICT,
                   "duplicate key: %s %s %d%s%s already given in this load",
                   o->indicator, o->economy, o->year, o->dims[0] ? " " : "",
                   o->dims);
}

/* True if hay contains needle[0..len), ASCII case-insensitive. */
static bool contains_word(const char *hay, const char *needle, size_t len)
{
    size_t n = strlen(hay);

    for (size_t i = 0; i + len <= n; i++) {
        size_t j = 0;
        while (j < len && ((unsigned char)hay[i + j] | 0x20) ==
                              ((unsigned char)needle[j] | 0x20)) {
            j++;
        }
        if (j == len) {
            return true;
        }
    }
    return false;
}

bool store_indicator_matches(const struct indicator *ind, const char *words)
{
    const char *p = words;

    while (*p) {
        size_t len;
        while (*p == ' ') {
            p++;
        }
        len = strcspn(p, " ");
        if (len == 0) {
            break;
        }
        if (!contains_word(ind->code, p, len) &&
            !contains_word(ind->name, p, len) &&
            !contains_word(ind->definition, p, len) &&
            !contains_word(ind->unit, p, len) &&
            !contains_word(ind->sdg, p, len)) {
            return false;
        }
        p += len;
    }
    return true;
}

/* ---- Copying a whole store ---------------------------------------------- */

/* FNV-1a 64 over a row's cells, NULL and "" told apart. */
static uint64_t row_hash(uint64_t h, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const unsigned char *c = (const unsigned char *)cells[i];
        unsigned char mark = c ? 1 : 0;
        h = (h ^ mark) * 0x100000001b3ULL;
        for (; c && *c; c++) {
            h = (h ^ *c) * 0x100000001b3ULL;
        }
        h = (h ^ 0x1f) * 0x100000001b3ULL;
    }
    return (h ^ 0x1e) * 0x100000001b3ULL;
}

struct copy_run {
    struct store *to;
    struct store_copy_table *t;
    bool writing;
    store_copy_progress_fn progress;
    void *progress_ctx;
};

static int copy_row_fn(void *ctx, const char *const *cells, size_t n,
                       struct err *err)
{
    struct copy_run *c = ctx;

    c->t->rows++;
    c->t->checksum = row_hash(c->t->checksum, cells, n);
    if (c->progress && c->writing && c->t->rows % 100000 == 0) {
        c->progress(c->progress_ctx, c->t->name, c->t->rows);
    }
    if (c->writing) {
        return c->to->ops->copy_row(c->to, cells, n, err);
    }
    return 0;
}

static int table_sum(struct store *s, size_t t, struct store_copy_table *out,
                     struct err *err)
{
    struct copy_run c = {.t = out};

    out->name = store_sql_tables[t].name;
    out->rows = 0;
    out->checksum = 0xcbf29ce484222325ULL;
    return s->ops->table_read(s, t, copy_row_fn, &c, err);
}

int store_copy(struct store *from, struct store *to,
               struct store_copy_report *out, store_copy_progress_fn progress,
               void *progress_ctx, struct err *err)
{
    const struct store_ops *w = to->ops;

    memset(out, 0, sizeof(*out));
    if (!w->copy_begin) {
        return err_set(err, ERR_INVALID,
                       "a store can be copied into PostgreSQL only, not "
                       "into %s",
                       w->name);
    }
    if (store_sql_table_count > ARRAY_COUNT(out->from)) {
        return err_set(err, ERR_INTERNAL, "too many tables");
    }
    if (w->copy_begin(to, err) != 0) {
        return err->code;
    }
    for (size_t t = 0; t < store_sql_table_count; t++) {
        struct copy_run c = {.to = to,
                             .t = &out->from[t],
                             .writing = true,
                             .progress = progress,
                             .progress_ctx = progress_ctx};
        out->from[t].name = store_sql_tables[t].name;
        out->from[t].checksum = 0xcbf29ce484222325ULL;
        if (w->copy_table_begin(to, t, err) != 0 ||
            from->ops->table_read(from, t, copy_row_fn, &c, err) != 0 ||
            w->copy_table_end(to, err) != 0) {
            err_prefix(err, "copying %s", store_sql_tables[t].name);
            w->copy_rollback(to);
            return err->code;
        }
    }
    if (w->copy_commit(to, err) != 0) {
        return err->code;
    }
    out->table_count = store_sql_table_count;
    /* Verify: read the copy back, compare counts and checksums. */
    for (size_t t = 0; t < store_sql_table_count; t++) {
        if (table_sum(to, t, &out->to[t], err) != 0) {
            return err_prefix(err, "verifying %s", store_sql_tables[t].name);
        }
        if (out->to[t].rows != out->from[t].rows ||
            out->to[t].checksum != out->from[t].checksum) {
            return err_set(err, ERR_STORAGE,
                           "verifying %s: %lld rows (checksum %016llx) copied "
                           "as %lld rows (checksum %016llx)",
                           store_sql_tables[t].name,
                           (long long)out->from[t].rows,
                           (unsigned long long)out->from[t].checksum,
                           (long long)out->to[t].rows,
                           (unsigned long long)out->to[t].checksum);
        }
    }
    return 0;
}

/* ---- Statements of store-side modules (store_int.h) -------------------- */

int store_exec(struct store *s, const struct store_stmt *q,
               int64_t *out_changes, struct err *err)
{
    if (out_changes != NULL) {
        *out_changes = 0;
    }
    if (q->param_count > STORE_MAX_PARAMS) {
        return err_set(err, ERR_LIMIT, "a statement takes at most %d values",
                       STORE_MAX_PARAMS);
    }
    /* PostgreSQL (client_encoding UTF8) refuses other bytes in text; refuse
     * them here on both backends, so both keep the same text. */
    for (size_t i = 0; i < q->param_count; i++) {
        const struct store_param *p = &q->params[i];
        size_t bad = 0;
        if (p->type == STORE_PARAM_TEXT &&
            !utf8_valid(p->text, strlen(p->text), &bad)) {
            /* The text itself stays out of the message: it is not UTF-8
             * either (the message may end up in JSON). */
            return err_set(err, ERR_INVALID,
                           "value %zu is not valid UTF-8 (at byte %zu)", i + 1,
                           bad + 1);
        }
    }
    return s->ops->exec(s, q, out_changes, err);
}

int store_exec_as(struct store *s, const struct store_stmt *q,
                  int64_t *out_changes, const char *what, struct err *err)
{
    if (store_exec(s, q, out_changes, err) != 0) {
        if (err->code == ERR_STORAGE || err->code == ERR_CONFLICT ||
            err->code == ERR_INVALID) {
            err_prefix(err, "%s", what);
        }
        return err->code;
    }
    return 0;
}

int store_cells_take_int(void *ctx, const struct store_cells *row,
                         struct err *err)
{
    (void)err;
    *(int64_t *)ctx = store_cell_int(row, 0);
    return 0;
}

int64_t store_cell_int(const struct store_cells *row, size_t i)
{
    int64_t v = 0;
    struct err ignored;

    if (i >= row->count || row->cells[i] == NULL ||
        parse_int64(row->cells[i], row->lens[i], INT64_MIN, INT64_MAX, &v,
                    &ignored) != 0) {
        return 0;
    }
    return v;
}

double store_cell_double(const struct store_cells *row, size_t i)
{
    double v = 0;

    if (i >= row->count || row->cells[i] == NULL ||
        !parse_double_fast(row->cells[i], row->lens[i], &v)) {
        return 0;
    }
    return v;
}

const char *store_cell_text(const struct store_cells *row, size_t i)
{
    if (i >= row->count || row->cells[i] == NULL) {
        return "";
    }
    return row->cells[i];
}
