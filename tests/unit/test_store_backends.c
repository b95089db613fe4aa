/* The store's behaviour on both backends: every scenario runs on SQLite
 * (a temp file) and, when $ICTDEV_TEST_PG names a PostgreSQL server
 * (tests/pg/run-suite.sh sets it), on PostgreSQL in a fresh database; the
 * two must give the same text (queries, histories, batches, counts,
 * messages). Also: hostile text values, store_copy SQLite → PostgreSQL
 * verified, concurrent writer processes on both backends, the tables of
 * data collection and plan versions (collect_store.h, plan_store.h), and
 * concurrent approvals (values and state change in one batch). */
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "store/collect_store.h"
#include "store/plan_store.h"
#include "store/store.h"
#include "testutil.h"

static const char *hostile = "'; DROP TABLE obs; -- \\ \t\" $1 ?1 \n";

/* A fresh store URI/path for name on backend pg; owned string. */
static char *fresh_store(bool pg, const char *name)
{
    struct buf b;

    buf_init(&b);
    if (!pg) {
        buf_printf(&b, "/tmp/ictdev-test-%d-%s.db", (int)getpid(), name);
        unlink(b.data);
        return buf_detach(&b);
    }
    {
        const char *admin = getenv("ICTDEV_TEST_PG");
        const char *db = strstr(admin, "/postgres?");
        struct buf cmd;
        buf_init(&cmd);
        /* Names are ours ([a-z0-9_]), not outside input. */
        buf_printf(&cmd,
                   "psql -q '%s' -c 'DROP DATABASE IF EXISTS t_%s' -c "
                   "'CREATE DATABASE t_%s' >/dev/null 2>&1",
                   admin, name, name);
        assert_int_equal(system(cmd.data), 0);
        buf_cleanup(&cmd);
        assert_non_null(db);
        buf_append(&b, admin, (size_t)(db - admin));
        buf_printf(&b, "/t_%s%s", name, db + strlen("/postgres"));
    }
    return buf_detach(&b);
}

static bool have_pg(void)
{
    const char *u = getenv("ICTDEV_TEST_PG");
    return u && u[0];
}

static void put_reference(struct store *s)
{
    struct err err = {0};
    struct economy e1 = {.code = "AAA", .name = hostile, .itu_region = "AFR"};
    struct economy e2 = {.code = "BBB", .name = "Bee", .is_independent = true};
    struct group g = {.code = "G1", .name = "Group one", .kind = "world"};
    struct indicator i1 = {
        .code = "I1", .name = "Mobile", .dims = "sex", .unit = "%"};
    struct indicator i2 = {.code = "I2", .name = "Internet users"};
    struct membership m = {.group = "G1", .economy = "AAA", .from_year = 2000};
    struct dimension_value d1 = {.dimension = "sex", .value = "F"};
    struct dimension_value d2 = {.dimension = "sex", .value = "M"};
    struct code_map_entry c = {.source = "itu",
                               .kind = CODE_MAP_ECONOMY,
                               .source_code = "A'A",
                               .target = "AAA",
                               .note = hostile};

    assert_ok(store_begin(s, &err), &err);
    assert_ok(store_economy_put(s, &e1, &err), &err);
    assert_ok(store_economy_put(s, &e2, &err), &err);
    assert_ok(store_group_put(s, &g, &err), &err);
    assert_ok(store_indicator_put(s, &i1, &err), &err);
    assert_ok(store_indicator_put(s, &i2, &err), &err);
    assert_ok(store_membership_put(s, &m, &err), &err);
    assert_ok(store_dimension_put(s, &d1, &err), &err);
    assert_ok(store_dimension_put(s, &d2, &err), &err);
    assert_ok(store_code_map_put(s, &c, &err), &err);
    assert_ok(store_commit(s, &err), &err);
}

/* Load rows "IND ECO YEAR DIMS VALUE" (one per element) as one batch. */
static int load(struct store *s, int64_t time, const struct obs *rows, size_t n,
                int64_t *out_batch, int64_t *out_changed, struct err *err)
{
    struct store_batch_info info = {.kind = BATCH_LOAD,
                                    .origin = "test",
                                    .file = "f.csv",
                                    .time = time,
                                    .note = hostile};

    if (store_batch_begin(s, &info, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < n; i++) {
        if (store_obs_put(s, &rows[i], NULL, err) != 0) {
            store_batch_rollback(s);
            return err->code;
        }
    }
    return store_batch_commit(s, out_batch, out_changed, err);
}

static int dump_obs(void *ctx, const struct obs *o, struct err *err)
{
    (void)err;
    buf_printf(ctx, "obs %s %s %d [%s] %.17g %d [%s] [%s] b%lld t%lld\n",
               o->indicator, o->economy, o->year, o->dims, o->value,
               (int)o->status, o->source, o->note, (long long)o->batch,
               (long long)o->batch_time);
    return 0;
}

static int dump_hist(void *ctx, const struct obs *o, const struct batch *b,
                     struct err *err)
{
    (void)err;
    buf_printf(ctx, "hist %d %.17g b%lld [%s] [%s] %lld\n", o->year, o->value,
               (long long)b->id, b->origin, b->note, (long long)b->changed);
    return 0;
}

static int dump_batch(void *ctx, const struct batch *b, struct err *err)
{
    (void)err;
    buf_printf(ctx, "batch %lld t%lld [%s] [%s] [%s] %lld\n", (long long)b->id,
               (long long)b->time, b->origin, b->file, b->note,
               (long long)b->changed);
    return 0;
}

static int dump_economy(void *ctx, const struct economy *e, struct err *err)
{
    (void)err;
    buf_printf(ctx, "economy %s [%s] %s %d\n", e->code, e->name, e->itu_region,
               e->is_independent);
    return 0;
}

static int dump_map(void *ctx, const struct code_map_entry *c, struct err *err)
{
    (void)err;
    buf_printf(ctx, "map %s %s %s [%s]\n", c->source, c->source_code, c->target,
               c->note);
    return 0;
}

static void dump_store(struct store *s, struct buf *out)
{
    struct err err = {0};
    struct store_obs_query all = {0};
    struct store_obs_query asof = {.as_of_batch = 1};
    struct store_obs_query grp = {.group = "G1", .year_from = 2001};
    struct dim_pair f = {
        .dim = "sex", .dim_len = 3, .value = "F", .value_len = 1};
    struct store_obs_query dims = {.dims = &f, .dim_count = 1};
    struct store_obs_query tot = {.totals_only = true, .as_of = 1500};
    const char *bad[] = {"NOPE"};
    struct store_obs_query unknown = {.indicators = bad, .indicator_count = 1};
    struct store_counts c;

    assert_ok(store_obs_query(s, &all, dump_obs, out, &err), &err);
    assert_ok(store_obs_query(s, &asof, dump_obs, out, &err), &err);
    assert_ok(store_obs_query(s, &grp, dump_obs, out, &err), &err);
    assert_ok(store_obs_query(s, &dims, dump_obs, out, &err), &err);
    assert_ok(store_obs_query(s, &tot, dump_obs, out, &err), &err);
    assert_int_equal(store_obs_query(s, &unknown, dump_obs, out, &err),
                     ERR_NOT_FOUND);
    buf_printf(out, "err %s\n", err.msg);
    assert_ok(store_obs_history(s, "I2", "AAA", 2000, "", dump_hist, out, &err),
              &err);
    assert_ok(store_batch_list(s, 0, dump_batch, out, &err), &err);
    assert_ok(store_economy_list(s, dump_economy, out, &err), &err);
    assert_ok(store_code_map_list(s, dump_map, out, &err), &err);
    assert_int_equal(store_economy_get(s, "ZZZ", dump_economy, out, &err),
                     ERR_NOT_FOUND);
    buf_printf(out, "err %s\n", err.msg);
    assert_ok(store_counts(s, &c, &err), &err);
    buf_printf(out, "counts %lld %lld %lld %lld %lld %lld %lld %d %d\n",
               (long long)c.economies, (long long)c.groups,
               (long long)c.indicators, (long long)c.series,
               (long long)c.revisions, (long long)c.batches,
               (long long)c.economies_with_data, c.year_min, c.year_max);
}

/* The scenario: reference data, a load, a no-op load, a change, a
 * duplicate key, hostile text; returns the dump (owned). */
static char *scenario(const char *path)
{
    struct err err = {0};
    struct store *s;
    int64_t batch = 0, changed = 0;
    struct obs rows[] = {
        {.indicator = "I2",
         .economy = "AAA",
         .year = 2000,
         .dims = "",
         .value = 1.5,
         .source = "src",
         .note = ""},
        {.indicator = "I2",
         .economy = "AAA",
         .year = 2001,
         .dims = "",
         .value = 0.1 + 0.2,
         .source = hostile,
         .note = hostile},
        {.indicator = "I1",
         .economy = "BBB",
         .year = 2001,
         .dims = "sex=F",
         .value = 1e-300,
         .status = OBS_ESTIMATED,
         .source = "",
         .note = ""},
        {.indicator = "I1",
         .economy = "BBB",
         .year = 2001,
         .dims = "sex=M",
         .value = -2,
         .source = "",
         .note = ""},
        {.indicator = "I1",
         .economy = "G1",
         .year = 2002,
         .dims = "",
         .value = 42,
         .source = "agg",
         .note = "n"},
    };
    struct obs change = rows[0];
    struct obs dup[2] = {rows[3], rows[3]};
    struct buf out;

    dup[0].value = 7;
    dup[1].value = 8;
    buf_init(&out);
    s = store_open(path, 0, &err);
    assert_null(s);
    assert_int_equal(err.code, ERR_NOT_FOUND);
    s = store_open(path, STORE_OPEN_CREATE, &err);
    assert_non_null(s);
    put_reference(s);
    assert_ok(load(s, 1000, rows, 5, &batch, &changed, &err), &err);
    buf_printf(&out, "load1 %lld %lld\n", (long long)batch, (long long)changed);
    assert_ok(load(s, 2000, rows, 5, &batch, &changed, &err), &err);
    buf_printf(&out, "noop %lld %lld\n", (long long)batch, (long long)changed);
    change.value = 2.5;
    assert_ok(load(s, 1900, &change, 1, &batch, &changed, &err), &err);
    buf_printf(&out, "change %lld %lld\n", (long long)batch,
               (long long)changed);
    assert_int_equal(load(s, 3000, dup, 2, &batch, &changed, &err),
                     ERR_CONFLICT);
    buf_printf(&out, "dup: %s\n", err.msg);
    dump_store(s, &out);
    store_close(s);
    /* Reopen: the schema is current, nothing to upgrade. */
    s = store_open(path, STORE_OPEN_READONLY, &err);
    assert_non_null(s);
    buf_printf(&out, "backend-independent reopen ok\n");
    store_close(s);
    return buf_detach(&out);
}

static void test_same_on_both(void **state)
{
    char *sq = fresh_store(false, "same");
    char *a = scenario(sq);

    (void)state;
    assert_non_null(strstr(a, "load1 1 5\nnoop 0 0\nchange 2 1\n"));
    assert_non_null(strstr(a, "obs I2 AAA 2000 [] 2.5 0 [src] [] b2 t1900"));
    assert_non_null(strstr(a, "obs I2 AAA 2000 [] 1.5 0 [src] [] b1 t1000"));
    assert_non_null(strstr(a, "hist 2000 1.5 b1"));
    assert_non_null(strstr(a, "dup: duplicate key: I1 BBB 2001 sex=M already "
                              "given in this load"));
    if (have_pg()) {
        char *pg = fresh_store(true, "same");
        char *b = scenario(pg);
        assert_string_equal(a, b);
        xfree(b);
        xfree(pg);
    } else {
        print_message("SKIP postgresql part: ICTDEV_TEST_PG not set\n");
    }
    unlink(sq);
    xfree(sq);
    xfree(a);
}

/* Edge values through the load path (on PostgreSQL: binary COPY, first
 * into an empty table, whose key is built at commit, then into a table
 * with rows, with the key in place): each value must read back with the
 * same bits, and text byte for byte. */
static const double edge_values[] = {
    -0.0,
    0.0,
    4.9406564584124654e-324,  /* smallest denormal */
    -2.2250738585072009e-308, /* largest negative denormal */
    2.2250738585072014e-308,  /* smallest normal */
    1.7976931348623157e308,   /* DBL_MAX */
    -1.7976931348623157e308,
    1e-300,
    0.1 + 0.2,
    3.141592653589793,
    -123456789012345.678,
    9007199254740993.0, /* 2^53 + 1, rounded */
};
#define EDGE_COUNT (sizeof(edge_values) / sizeof(edge_values[0]))

struct edge_read {
    struct buf *out;
    int rows;
    int exact; /* rows whose value had the expected bits */
    const char *long_text;
    const char *long_source;
};

static int edge_row(void *ctx, const struct obs *o, struct err *err)
{
    struct edge_read *r = ctx;
    size_t i = (size_t)(o->year - 1900);

    (void)err;
    r->rows++;
    /* -0 reads back as 0 on both: SQLite stores a REAL -0.0 as the integer
     * 0, and PostgreSQL is given +0 to agree. */
    if (i < EDGE_COUNT) {
        double want = edge_values[i] == 0 ? 0.0 : edge_values[i];
        if (memcmp(&o->value, &want, sizeof(double)) == 0) {
            r->exact++;
        }
    }
    /* Long texts as their length and whether they are intact. */
    buf_printf(r->out, "%s %s %d [%s] %a %d", o->indicator, o->economy, o->year,
               o->dims, o->value, (int)o->status);
    if (strlen(o->source) > 100) {
        buf_printf(r->out, " source=long:%d",
                   strcmp(o->source, r->long_source));
    } else {
        buf_printf(r->out, " source=[%s]", o->source);
    }
    if (strlen(o->note) > 100) {
        buf_printf(r->out, " note=long:%d", strcmp(o->note, r->long_text));
    } else {
        buf_printf(r->out, " note=[%s]", o->note);
    }
    buf_printf(r->out, " b%lld\n", (long long)o->batch);
    return 0;
}

/* Text of at least len bytes, every width of UTF-8 character and what
 * text COPY escapes. A note longer than one COPY chunk; a source stays
 * below PostgreSQL's limit for a key of its unique index (2704 bytes). */
static char *edge_long_text(size_t len)
{
    struct buf b;

    buf_init(&b);
    while (b.len < len) {
        buf_puts(&b, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xb6\t\\N\n");
    }
    return buf_detach(&b);
}

static char *edge_scenario(const char *path)
{
    struct err err = {0};
    struct store *s = store_open(path, STORE_OPEN_CREATE, &err);
    char *long_text = edge_long_text(300000);
    char *long_source = edge_long_text(2000);
    struct obs rows[EDGE_COUNT + 2];
    struct store_obs_query all = {0};
    struct buf out;
    struct edge_read r = {
        .out = &out, .long_text = long_text, .long_source = long_source};
    int64_t batch = 0, changed = 0;

    assert_non_null(s);
    buf_init(&out);
    put_reference(s);
    for (size_t i = 0; i < EDGE_COUNT; i++) {
        rows[i] = (struct obs){.indicator = i % 2 ? "I1" : "I2",
                               .economy = "AAA",
                               .year = 1900 + (int)i,
                               .dims = i % 4 == 1 ? "sex=F" : "",
                               .value = edge_values[i],
                               .status = (enum obs_status)(i % 4),
                               /* NULL, "", a long one, a short one */
                               .source = i % 4 == 0   ? NULL
                                         : i % 4 == 1 ? ""
                                         : i % 4 == 2 ? long_source
                                                      : hostile,
                               .note = i % 3 == 0   ? NULL
                                       : i % 3 == 1 ? long_text
                                                    : "n\xc3\xa9"};
    }
    /* Into an empty table. */
    assert_ok(load(s, 1000, rows, EDGE_COUNT, &batch, &changed, &err), &err);
    buf_printf(&out, "load %lld %lld\n", (long long)batch, (long long)changed);
    /* The same again changes nothing; then into a table with rows: new
     * keys of both series and a changed value. */
    assert_ok(load(s, 2000, rows, EDGE_COUNT, &batch, &changed, &err), &err);
    buf_printf(&out, "noop %lld %lld\n", (long long)batch, (long long)changed);
    rows[EDGE_COUNT] = rows[0];
    rows[EDGE_COUNT].economy = "BBB";
    rows[EDGE_COUNT + 1] = rows[1];
    rows[EDGE_COUNT + 1].economy = "BBB";
    rows[2].value = 1.0;
    assert_ok(load(s, 3000, rows + 2, EDGE_COUNT, &batch, &changed, &err),
              &err);
    buf_printf(&out, "more %lld %lld\n", (long long)batch, (long long)changed);
    rows[2].value = edge_values[2];
    assert_ok(store_obs_query(s, &all, edge_row, &r, &err), &err);
    /* Every row: AAA's keys once each (the changed one at batch 3) and the
     * two new keys of BBB, with the values of edge_values by year. */
    assert_int_equal(r.rows, (int)EDGE_COUNT + 2);
    assert_int_equal(r.exact, (int)EDGE_COUNT + 1);
    store_close(s);
    xfree(long_text);
    xfree(long_source);
    return buf_detach(&out);
}

static void test_edge_values(void **state)
{
    char *sq = fresh_store(false, "edge");
    char *a = edge_scenario(sq);

    (void)state;
    assert_non_null(strstr(a, "load 1 12\nnoop 0 0\nmore 2 3\n"));
    assert_non_null(strstr(a, "I2 AAA 1900 [] 0x0p+0 0 source=[] note=[] b1"));
    assert_non_null(strstr(a, "I1 AAA 1901 [sex=F] 0x0p+0 1 source=[]"
                              " note=long:0 b1"));
    assert_non_null(strstr(a, "I2 AAA 1902 [] 0x1p+0 2 source=long:0"));
    if (have_pg()) {
        char *pg = fresh_store(true, "edge");
        char *b = edge_scenario(pg);
        assert_string_equal(a, b);
        xfree(b);
        xfree(pg);
    } else {
        print_message("SKIP postgresql part: ICTDEV_TEST_PG not set\n");
    }
    unlink(sq);
    xfree(sq);
    xfree(a);
}

static void test_copy_sqlite_to_pg(void **state)
{
    char *sq = fresh_store(false, "copy");
    char *pg;
    char *a;
    struct store *from, *to;
    struct store_copy_report rep;
    struct err err = {0};
    struct buf b;

    (void)state;
    if (!have_pg()) {
        print_message("SKIP: ICTDEV_TEST_PG not set\n");
        xfree(sq);
        return;
    }
    a = scenario(sq);
    pg = fresh_store(true, "copy");
    from = store_open(sq, STORE_OPEN_READONLY, &err);
    assert_non_null(from);
    to = store_open(pg, STORE_OPEN_CREATE, &err);
    assert_non_null(to);
    assert_string_equal(store_backend(to), "postgresql");
    assert_ok(store_copy(from, to, &rep, NULL, NULL, &err), &err);
    assert_int_equal(rep.table_count, 19);
    for (size_t i = 0; i < rep.table_count; i++) {
        assert_int_equal(rep.from[i].rows, rep.to[i].rows);
        assert_true(rep.from[i].checksum == rep.to[i].checksum);
    }
    /* A second copy into the now full store is refused. */
    assert_int_equal(store_copy(from, to, &rep, NULL, NULL, &err),
                     ERR_CONFLICT);
    buf_init(&b);
    {
        struct buf x;
        buf_init(&x);
        dump_store(from, &x);
        dump_store(to, &b);
        assert_string_equal(x.data, b.data);
        buf_cleanup(&x);
    }
    buf_cleanup(&b);
    store_close(from);
    store_close(to);
    unlink(sq);
    xfree(sq);
    xfree(pg);
    xfree(a);
}

/* A value whose note is not UTF-8, given after more than a round of
 * values (store_obs.c: 16 MB of notes) was written, is refused with
 * ERR_INVALID and the batch leaves the store as it was, into an empty table
 * and into one with rows, on both backends (blocks hold their text as
 * bytes, so the store checks it: no server does). */
static void refused_value(const char *path)
{
    struct err err = {0};
    struct store *s = store_open(path, STORE_OPEN_CREATE, &err);
    struct store_batch_info info = {
        .kind = BATCH_LOAD, .origin = "test", .file = "bad.csv", .time = 10};
    struct obs o = {.indicator = "I2", .economy = "AAA", .dims = ""};
    struct store_obs_query all = {0};
    struct buf before, after;
    int64_t batch = 0, changed = 0;
    char *note = xmalloc(12288);

    memset(note, 'n', 12287);
    note[12287] = '\0';
    assert_non_null(s);
    buf_init(&before);
    buf_init(&after);
    put_reference(s);
    for (int round = 0; round < 2; round++) {
        buf_reset(&before);
        assert_ok(store_obs_query(s, &all, dump_obs, &before, &err), &err);
        assert_ok(store_batch_begin(s, &info, &err), &err);
        /* 4 series x 200 years x 2 dims, 12 KB notes: 19.7 MB. */
        for (int i = 0; i < 1600; i++) {
            o.economy = i / 400 % 2 ? "AAA" : "BBB";
            o.indicator = i / 800 ? "I1" : "I2";
            o.year = 1900 + i / 2 % 200;
            o.dims = i % 2 ? "sex=F" : "";
            o.value = i + 0.5;
            note[0] = (char)('a' + i % 26);
            o.note = i == 1590 ? "bad \xff byte" : note;
            if (store_obs_put(s, &o, NULL, &err) != 0) {
                break;
            }
        }
        assert_int_equal(err.code, ERR_INVALID);
        assert_non_null(strstr(err.msg, "not UTF-8"));
        store_batch_rollback(s);
        err = (struct err){0};
        buf_reset(&after);
        assert_ok(store_obs_query(s, &all, dump_obs, &after, &err), &err);
        assert_string_equal(before.data ? before.data : "",
                            after.data ? after.data : "");
        /* Then a good batch, so that the second round loads into a table
         * with rows (and the first proved the connection still works). */
        o = (struct obs){.indicator = "I2",
                         .economy = "AAA",
                         .year = 2000 + round,
                         .dims = "",
                         .value = 1};
        assert_ok(load(s, 20 + round, &o, 1, &batch, &changed, &err), &err);
        assert_int_equal(changed, 1);
    }
    buf_cleanup(&before);
    buf_cleanup(&after);
    xfree(note);
    store_close(s);
}

static void on_each_backend(const char *name, void (*run)(const char *));

static void test_refused_value(void **state)
{
    (void)state;
    on_each_backend("refused", refused_value);
}

/* N processes x K batches, each changing the same key: nothing lost. */
static void concurrent(const char *path)
{
    enum { N = 4, K = 15 };
    struct err err = {0};
    struct store *s = store_open(path, STORE_OPEN_CREATE, &err);
    struct store_counts c;
    struct buf h;

    assert_non_null(s);
    put_reference(s);
    store_close(s);
    for (int p = 0; p < N; p++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            struct store *w = store_open(path, 0, &err);
            int bad = w == NULL;
            for (int k = 0; k < K && !bad; k++) {
                struct obs o = {.indicator = "I2",
                                .economy = "BBB",
                                .year = 2010,
                                .dims = "",
                                .value = p * 1000 + k,
                                .source = "",
                                .note = ""};
                struct obs o2 = o;
                int64_t b = 0, ch = 0;
                o2.year = 2011 + p;
                struct obs two[2] = {o, o2};
                bad =
                    load(w, 0, two, 2, &b, &ch, &err) != 0 || b == 0 || ch < 1;
                if (bad) {
                    fprintf(stderr, "writer %d: %s\n", p, err.msg);
                }
            }
            store_close(w);
            _exit(bad);
        }
    }
    for (int p = 0; p < N; p++) {
        int st = 0;
        wait(&st);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    s = store_open(path, 0, &err);
    assert_non_null(s);
    assert_ok(store_counts(s, &c, &err), &err);
    assert_int_equal(c.batches, N * K);
    /* Key 2010: one revision per batch (each value differs from the
     * previous one); keys 2011+p: one per batch of writer p. */
    assert_int_equal(c.revisions, N * K + N * K);
    buf_init(&h);
    assert_ok(store_obs_history(s, "I2", "BBB", 2010, "", dump_hist, &h, &err),
              &err);
    {
        /* Batch ids 1..N*K in order, each once. */
        const char *q = h.data;
        for (int i = 1; i <= N * K; i++) {
            char want[32];
            snprintf(want, sizeof(want), " b%d ", i);
            q = strstr(q, want);
            assert_non_null(q);
        }
    }
    buf_cleanup(&h);
    store_close(s);
}

/* Run `run` on a fresh SQLite store, then (when PostgreSQL is there) on
 * a fresh PostgreSQL database. */
static void on_each_backend(const char *name, void (*run)(const char *))
{
    char *sq = fresh_store(false, name);

    run(sq);
    unlink(sq);
    xfree(sq);
    if (have_pg()) {
        char *pg = fresh_store(true, name);
        run(pg);
        xfree(pg);
    }
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    on_each_backend("conc", concurrent);
}

/* ---- Data collection and plan versions (collect_store.h, plan_store.h) */

static int dump_user(void *ctx, const struct cs_user *u, struct err *err)
{
    (void)err;
    buf_printf(ctx, "user %lld %s %s [%s] [%s] %d %lld\n", (long long)u->id,
               u->name, u->role, u->economies, u->password, u->disabled,
               (long long)u->created);
    return 0;
}

static int dump_sub(void *ctx, const struct cs_submission *x, struct err *err)
{
    (void)err;
    buf_printf(ctx,
               "sub %lld %s %d %s %s [%s] %s %s %lld %s %lld %lld %lld"
               " %lld %lld\n",
               (long long)x->id, x->economy, x->year, x->state, x->sha256,
               x->file_name, x->format, x->created_by, (long long)x->created,
               x->address, (long long)x->updated, (long long)x->replaces,
               (long long)x->batch, (long long)x->errors,
               (long long)x->warnings);
    return 0;
}

static int dump_value(void *ctx, const struct cs_value *v, struct err *err)
{
    (void)err;
    buf_printf(ctx, "value %lld %d %s [%s] %d %.17g %s [%s] %s\n",
               (long long)v->submission, v->seq, v->indicator, v->dims, v->year,
               v->value, v->status, v->comment, v->cell);
    return 0;
}

static int dump_result(void *ctx, const struct cs_result *r, struct err *err)
{
    (void)err;
    buf_printf(ctx, "result %lld %s %s %s %s\n", (long long)r->submission,
               r->rule_id, r->severity, r->outcome, r->detail);
    return 0;
}

static int dump_comment(void *ctx, const struct cs_comment *c, struct err *err)
{
    (void)err;
    buf_printf(ctx, "comment %lld %lld [%s] %s %lld [%s]\n", (long long)c->id,
               (long long)c->submission, c->cell, c->author, (long long)c->time,
               c->text);
    return 0;
}

static int dump_rule(void *ctx, const struct cs_rule *r, struct err *err)
{
    (void)err;
    buf_printf(ctx, "rule %s %s %s %s [%s] [%s]\n", r->id, r->severity, r->kind,
               r->indicators, r->expression, r->message);
    return 0;
}

static int dump_audit(void *ctx, const struct cs_audit *a, struct err *err)
{
    (void)err;
    buf_printf(ctx, "audit %lld %lld %s %s %s %s [%s] [%s]\n", (long long)a->id,
               (long long)a->time, a->actor, a->address, a->action, a->object,
               a->before, a->after);
    return 0;
}

static int dump_version(void *ctx, const struct plan_version *v,
                        struct err *err)
{
    (void)err;
    buf_printf(ctx, "version %lld %lld %s %s %s %d\n", (long long)v->id,
               (long long)v->time, v->origin, v->action, v->set_name,
               v->set_illustrative);
    return 0;
}

/* Users, tokens and sessions; the errors each backend must give alike. */
static void collect_users(struct store *s, struct buf *out)
{
    struct err err = {0};
    struct cs_user u = {.name = "alice",
                        .role = "focal",
                        .economies = "AAA",
                        .password = hostile,
                        .created = 100};
    int64_t id = 0, n = 0;

    assert_ok(store_begin(s, &err), &err);
    assert_ok(cs_user_add(s, &u, &id, &err), &err);
    buf_printf(out, "alice %lld\n", (long long)id);
    u.name = "bob";
    u.role = "analyst";
    u.created = 4102444800; /* 2100: past 32 bits */
    assert_ok(cs_user_add(s, &u, &id, &err), &err);
    buf_printf(out, "bob %lld\n", (long long)id);
    assert_ok(store_commit(s, &err), &err);
    /* Outside a transaction: each statement is its own. */
    assert_int_equal(cs_user_add(s, &u, &id, &err), ERR_CONFLICT);
    buf_printf(out, "err %s\n", err.msg);
    u.name = "bad\xff";
    assert_int_equal(cs_user_add(s, &u, &id, &err), ERR_INVALID);
    buf_printf(out, "err %s\n", err.msg);
    u.name = "nobody";
    assert_int_equal(cs_user_update(s, &u, &err), ERR_NOT_FOUND);
    buf_printf(out, "err %s\n", err.msg);
    u.name = "bob";
    u.disabled = true;
    assert_ok(cs_user_update(s, &u, &err), &err);
    assert_ok(cs_user_list(s, dump_user, out, &err), &err);
    assert_int_equal(cs_user_get(s, "carol", dump_user, out, &err),
                     ERR_NOT_FOUND);
    buf_printf(out, "err %s\n", err.msg);
    assert_ok(cs_token_add(s, 1, "h1", "lab", 200, &err), &err);
    assert_ok(cs_token_add(s, 2, "h2", "lab", 200, &err), &err);
    assert_int_equal(cs_token_add(s, 1, "h1", "again", 200, &err),
                     ERR_CONFLICT);
    buf_printf(out, "err %s\n", err.msg);
    assert_ok(cs_token_user(s, "h1", dump_user, out, &err), &err);
    /* bob is disabled: his token does not authenticate. */
    assert_int_equal(cs_token_user(s, "h2", dump_user, out, &err), ERR_AUTH);
    assert_ok(cs_token_revoke_all(s, 1, 300, &n, &err), &err);
    buf_printf(out, "revoked %lld\n", (long long)n);
    assert_int_equal(cs_token_user(s, "h1", dump_user, out, &err), ERR_AUTH);
    buf_printf(out, "err %s\n", err.msg);
    assert_ok(cs_session_add(s, "s1", 1, 100, 500, "127.0.0.1", &err), &err);
    assert_ok(cs_session_user(s, "s1", 499, dump_user, out, &err), &err);
    assert_int_equal(cs_session_user(s, "s1", 500, dump_user, out, &err),
                     ERR_AUTH);
    assert_ok(cs_session_delete(s, "s1", &err), &err);
    assert_int_equal(cs_session_user(s, "s1", 1, dump_user, out, &err),
                     ERR_AUTH);
}

/* Files: bytes with NULs and high bytes come back exactly. */
static void collect_files(struct store *s, struct buf *out)
{
    struct err err = {0};
    static const unsigned char bin[] = {0, 1, 0xff, '\\', 'x', 0, '\'', 0x80};
    struct buf got;

    buf_init(&got);
    assert_ok(cs_file_put(s, "f1", bin, sizeof(bin), &err), &err);
    assert_ok(cs_file_put(s, "f1", bin, sizeof(bin), &err), &err);
    assert_ok(cs_file_put(s, "f0", "", 0, &err), &err);
    assert_ok(cs_file_get(s, "f1", &got, &err), &err);
    assert_int_equal(got.len, sizeof(bin));
    assert_memory_equal(got.data, bin, sizeof(bin));
    buf_reset(&got);
    assert_ok(cs_file_get(s, "f0", &got, &err), &err);
    assert_int_equal(got.len, 0);
    assert_int_equal(cs_file_get(s, "f9", &got, &err), ERR_NOT_FOUND);
    buf_printf(out, "err %s\n", err.msg);
    buf_cleanup(&got);
}

/* Submissions, values, results, comments; an approval inside a batch,
 * rolled back once and then committed. */
static void collect_submissions(struct store *s, struct buf *out)
{
    struct err err = {0};
    struct cs_submission x = {.economy = "AAA",
                              .year = 2024,
                              .state = "submitted",
                              .sha256 = "f1",
                              .file_name = hostile,
                              .format = "csv",
                              .created_by = "alice",
                              .created = 100,
                              .address = "cli"};
    struct cs_value v = {.seq = 0,
                         .indicator = "I2",
                         .dims = "",
                         .year = 2024,
                         .value = 0.1 + 0.2,
                         .status = "A",
                         .comment = "",
                         .cell = "f.csv:2"};
    struct cs_result r = {.rule_id = "R1",
                          .severity = "error",
                          .outcome = "fail",
                          .detail = "[1]"};
    struct cs_comment c = {.cell = "", .author = "bob", .time = 5};
    struct store_batch_info info = {.kind = BATCH_ENTRY, .origin = "bob"};
    struct obs o = {.indicator = "I2",
                    .economy = "AAA",
                    .year = 2024,
                    .dims = "",
                    .value = 0.1 + 0.2,
                    .source = "q",
                    .note = ""};
    int64_t id1 = 0, id2 = 0, batch = 0;

    assert_ok(cs_submission_add(s, &x, &id1, &err), &err);
    x.economy = "BBB";
    x.state = "draft";
    assert_ok(cs_submission_add(s, &x, &id2, &err), &err);
    buf_printf(out, "subs %lld %lld\n", (long long)id1, (long long)id2);
    v.submission = id1;
    assert_ok(cs_value_add(s, &v, &err), &err);
    v.seq = 1;
    v.value = -1e300;
    v.cell = "f.csv:3";
    assert_ok(cs_value_add(s, &v, &err), &err);
    assert_int_equal(cs_value_add(s, &v, &err), ERR_CONFLICT);
    assert_ok(cs_value_comment(s, id1, "f.csv:3", hostile, &err), &err);
    assert_int_equal(cs_value_comment(s, id1, "nope", "x", &err),
                     ERR_NOT_FOUND);
    buf_printf(out, "err %s\n", err.msg);
    r.submission = id1;
    assert_ok(cs_result_put(s, &r, &err), &err);
    r.outcome = "pass";
    assert_ok(cs_result_put(s, &r, &err), &err);
    c.submission = id1;
    c.text = hostile;
    assert_ok(cs_comment_add(s, &c, &err), &err);
    assert_ok(cs_comment_add(s, &c, &err), &err);
    assert_ok(cs_submission_counts(s, id1, 0, 2, &err), &err);
    /* Approval: values and state change in one batch. A rollback undoes
     * both; then a commit keeps both, the state naming the batch. */
    assert_ok(store_batch_begin(s, &info, &err), &err);
    assert_ok(store_obs_put(s, &o, NULL, &err), &err);
    assert_ok(cs_submission_move(s, id1, "submitted", "approved", -1, 7, &err),
              &err);
    store_batch_rollback(s);
    assert_ok(store_batch_begin(s, &info, &err), &err);
    assert_ok(store_obs_put(s, &o, NULL, &err), &err);
    assert_ok(cs_submission_move(s, id1, "submitted", "approved", -1, 8, &err),
              &err);
    assert_ok(store_batch_commit(s, &batch, NULL, &err), &err);
    buf_printf(out, "approved in batch %lld\n", (long long)batch);
    assert_int_equal(
        cs_submission_move(s, id1, "submitted", "approved", -1, 9, &err),
        ERR_CONFLICT);
    buf_printf(out, "err %s\n", err.msg);
    assert_ok(cs_submission_list(s, "", "", dump_sub, out, &err), &err);
    assert_ok(cs_submission_list(s, "", "ZZZ,BBB", dump_sub, out, &err), &err);
    assert_ok(cs_submission_list(s, "", "AA", dump_sub, out, &err), &err);
    assert_ok(cs_submission_list(s, "approved", "", dump_sub, out, &err), &err);
    assert_int_equal(cs_submission_get(s, 99, dump_sub, out, &err),
                     ERR_NOT_FOUND);
    assert_ok(cs_value_list(s, id1, dump_value, out, &err), &err);
    assert_ok(cs_result_list(s, id1, dump_result, out, &err), &err);
    assert_ok(cs_comment_list(s, id1, dump_comment, out, &err), &err);
}

/* Rules, the audit log with its filters, plan versions. */
static void collect_rest(struct store *s, struct buf *out)
{
    struct err err = {0};
    struct cs_rule r = {"R1", "error", "range", "I2", "I2 >= 0", hostile};
    struct cs_audit a = {.time = 10,
                         .actor = "alice",
                         .address = "cli",
                         .action = "user.add",
                         .object = "user:bob",
                         .before = "",
                         .after = hostile};
    struct cs_audit_filter f = {0};
    struct plan_version pv = {.origin = "alice", .action = "load"};
    char *doc = NULL;
    int64_t id = 0, t = 0;

    assert_ok(store_begin(s, &err), &err);
    assert_ok(cs_rules_clear(s, &err), &err);
    assert_ok(cs_rule_put(s, &r, &err), &err);
    r.message = "replaced";
    assert_ok(cs_rule_put(s, &r, &err), &err);
    r.id = "R0";
    assert_ok(cs_rule_put(s, &r, &err), &err);
    assert_ok(store_commit(s, &err), &err);
    assert_ok(cs_rule_list(s, dump_rule, out, &err), &err);
    assert_ok(cs_audit_add(s, &a, &err), &err);
    a.time = 4102444800;
    a.action = "submission.approve";
    a.actor = "bob";
    assert_ok(cs_audit_add(s, &a, &err), &err);
    assert_ok(cs_audit_list(s, &f, dump_audit, out, &err), &err);
    f.action = "submission.";
    assert_ok(cs_audit_list(s, &f, dump_audit, out, &err), &err);
    f.action = NULL;
    f.since = 15;
    f.limit = 1;
    assert_ok(cs_audit_list(s, &f, dump_audit, out, &err), &err);
    f.since = 0;
    f.actor = "alice";
    f.object = "user:bob";
    assert_ok(cs_audit_list(s, &f, dump_audit, out, &err), &err);
    assert_ok(plan_store_save(s, hostile, &pv, &id, &err), &err);
    pv.action = "edit";
    pv.set_illustrative = true;
    pv.time = 50;
    assert_ok(plan_store_save(s, "{}", &pv, &id, &err), &err);
    buf_printf(out, "plan version %lld\n", (long long)id);
    assert_ok(plan_store_latest(s, &doc, &id, &err), &err);
    buf_printf(out, "latest %lld %s\n", (long long)id, doc);
    xfree(doc);
    assert_ok(plan_store_get(s, 1, &doc, &err), &err);
    assert_string_equal(doc, hostile);
    xfree(doc);
    assert_int_equal(plan_store_get(s, 3, &doc, &err), ERR_NOT_FOUND);
    buf_printf(out, "err %s\n", err.msg);
    assert_ok(plan_store_last(s, &id, &t, &err), &err);
    buf_printf(out, "last %lld %lld\n", (long long)id, (long long)t);
    assert_ok(plan_store_history(s, 1, dump_version, out, &err), &err);
}

static char *collect_scenario(const char *path)
{
    struct err err = {0};
    struct store *s = store_open(path, STORE_OPEN_CREATE, &err);
    struct buf out;

    assert_non_null(s);
    buf_init(&out);
    put_reference(s);
    collect_users(s, &out);
    collect_files(s, &out);
    collect_submissions(s, &out);
    collect_rest(s, &out);
    store_close(s);
    return buf_detach(&out);
}

static void test_collect_same_on_both(void **state)
{
    char *sq = fresh_store(false, "coll");
    char *a = collect_scenario(sq);

    (void)state;
    assert_non_null(strstr(a, "alice 1\nbob 2\nerr user 'bob' exists\n"));
    assert_non_null(strstr(a, "err adding a user: value 1 is not valid UTF-8"
                              " (at byte 4)\nerr no user 'nobody'\n"));
    assert_non_null(
        strstr(a, "err adding a token: a row with the same key exists\n"));
    assert_non_null(strstr(a, "revoked 1\n"));
    assert_non_null(strstr(a, "user 2 bob analyst [AAA] ["));
    assert_non_null(strstr(a, "] 1 4102444800\n"));
    assert_non_null(strstr(a, "audit 2 4102444800 bob cli submission"));
    assert_non_null(strstr(a, "subs 1 2\n"));
    assert_non_null(strstr(a, "approved in batch 1\n"));
    assert_non_null(strstr(a, "err submission 1 is no longer submitted\n"));
    assert_non_null(strstr(a, "value 1 0 I2 [] 2024 0.30000000000000004 A"));
    assert_non_null(strstr(a, "result 1 R1 error pass [1]\n"));
    assert_non_null(strstr(a, "rule R1 error range I2 [I2 >= 0] [replaced]\n"));
    assert_non_null(strstr(a, "plan version 2\nlatest 2 {}\n"));
    assert_non_null(strstr(a, "last 2 50\nversion 2 50 alice edit  1\n"));
    if (have_pg()) {
        char *pg = fresh_store(true, "coll");
        char *b = collect_scenario(pg);
        assert_string_equal(a, b);
        xfree(b);
        xfree(pg);
    } else {
        print_message("SKIP postgresql part: ICTDEV_TEST_PG not set\n");
    }
    unlink(sq);
    xfree(sq);
    xfree(a);
}

/* Everything the collection and plan tables hold, read back. */
static void dump_collect(struct store *s, struct buf *out)
{
    struct err err = {0};
    struct cs_audit_filter f = {0};
    struct buf file;
    char *doc = NULL;
    int64_t id = 0;

    buf_init(&file);
    assert_ok(cs_user_list(s, dump_user, out, &err), &err);
    assert_ok(cs_session_user(s, "s2", 1, dump_user, out, &err), &err);
    assert_ok(cs_file_get(s, "f1", &file, &err), &err);
    for (size_t i = 0; i < file.len; i++) {
        buf_printf(out, "%02x", (unsigned char)file.data[i]);
    }
    buf_putc(out, '\n');
    assert_ok(cs_submission_list(s, "", "", dump_sub, out, &err), &err);
    assert_ok(cs_value_list(s, 1, dump_value, out, &err), &err);
    assert_ok(cs_result_list(s, 1, dump_result, out, &err), &err);
    assert_ok(cs_comment_list(s, 1, dump_comment, out, &err), &err);
    assert_ok(cs_rule_list(s, dump_rule, out, &err), &err);
    assert_ok(cs_audit_list(s, &f, dump_audit, out, &err), &err);
    assert_ok(plan_store_latest(s, &doc, &id, &err), &err);
    buf_printf(out, "plan %lld %s\n", (long long)id, doc);
    xfree(doc);
    assert_ok(plan_store_history(s, 0, dump_version, out, &err), &err);
    buf_cleanup(&file);
}

/* store_copy of a store with data collection and plan versions: every
 * table, blobs included, reads back the same on PostgreSQL, and new ids
 * continue from the copied ones. */
static void test_copy_collect(void **state)
{
    char *sq = fresh_store(false, "copyc");
    char *pg;
    char *a;
    struct store *from, *to;
    struct store_copy_report rep;
    struct err err = {0};
    struct buf x, y;
    struct cs_user u = {
        .name = "carol", .role = "viewer", .economies = "", .password = ""};
    int64_t id = 0;

    (void)state;
    a = collect_scenario(sq);
    xfree(a);
    if (!have_pg()) {
        print_message("SKIP: ICTDEV_TEST_PG not set\n");
        unlink(sq);
        xfree(sq);
        return;
    }
    from = store_open(sq, 0, &err);
    assert_non_null(from);
    assert_ok(cs_session_add(from, "s2", 1, 1, 1000, "::1", &err), &err);
    pg = fresh_store(true, "copyc");
    to = store_open(pg, STORE_OPEN_CREATE, &err);
    assert_non_null(to);
    assert_ok(store_copy(from, to, &rep, NULL, NULL, &err), &err);
    for (size_t i = 0; i < rep.table_count; i++) {
        assert_int_equal(rep.from[i].rows, rep.to[i].rows);
        assert_true(rep.from[i].checksum == rep.to[i].checksum);
        if (strcmp(rep.from[i].name, "files") == 0 ||
            strcmp(rep.from[i].name, "submissions") == 0 ||
            strcmp(rep.from[i].name, "sessions") == 0) {
            assert_true(rep.from[i].rows > 0);
        }
    }
    buf_init(&x);
    buf_init(&y);
    dump_collect(from, &x);
    dump_collect(to, &y);
    assert_string_equal(x.data, y.data);
    assert_ok(cs_user_add(to, &u, &id, &err), &err);
    assert_int_equal(id, 3);
    buf_cleanup(&x);
    buf_cleanup(&y);
    store_close(from);
    store_close(to);
    unlink(sq);
    xfree(sq);
    xfree(pg);
}

/* One approval as collect/ does it: the values and the state change (and
 * the audit entry) in one batch. ERR_CONFLICT if the submission is no
 * longer submitted: then nothing is kept. */
static int approve(struct store *s, int64_t id, const struct obs *rows,
                   size_t n, struct err *err)
{
    struct store_batch_info info = {.kind = BATCH_ENTRY, .origin = "t"};
    struct cs_audit a = {.actor = "t",
                         .address = "cli",
                         .action = "submission.approve",
                         .object = "s",
                         .before = "",
                         .after = ""};
    int64_t batch = 0;

    if (store_batch_begin(s, &info, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < n; i++) {
        if (store_obs_put(s, &rows[i], NULL, err) != 0) {
            store_batch_rollback(s);
            return err->code;
        }
    }
    if (cs_submission_move(s, id, "submitted", "approved", -1, 1, err) != 0 ||
        cs_audit_add(s, &a, err) != 0) {
        store_batch_rollback(s);
        return err->code;
    }
    return store_batch_commit(s, &batch, NULL, err);
}

/* Writer p: approve its own submission p + 1, try the shared last one,
 * and load once; returns the number of failures. */
static int approver(const char *path, int p, int n_proc, int64_t *won)
{
    struct err err = {0};
    struct store *w = store_open(path, 0, &err);
    struct obs own = {.indicator = "I2",
                      .economy = "AAA",
                      .year = 2030 + p,
                      .dims = "",
                      .value = p,
                      .source = "own",
                      .note = ""};
    struct obs shared = {.indicator = "I2",
                         .economy = "BBB",
                         .year = 2010,
                         .dims = "",
                         .value = 1000 + p,
                         .source = "shared",
                         .note = ""};
    struct obs both[2] = {own, shared};
    int bad = 0;
    int rc;

    if (w == NULL) {
        fprintf(stderr, "approver %d: %s\n", p, err.msg);
        return 1;
    }
    bad += approve(w, p + 1, both, 2, &err) != 0;
    shared.note = "shared submission";
    shared.value = -1;
    rc = approve(w, n_proc + 1, &shared, 1, &err);
    *won = rc == 0;
    bad += rc != 0 && rc != ERR_CONFLICT;
    shared.note = "";
    shared.value = 2000 + p;
    shared.source = "load";
    bad += load(w, 0, &shared, 1, &(int64_t){0}, NULL, &err) != 0;
    if (bad) {
        fprintf(stderr, "approver %d: %s\n", p, err.msg);
    }
    store_close(w);
    return bad;
}

static int count_sub(void *ctx, const struct cs_submission *x, struct err *err)
{
    int64_t *seen = ctx;

    (void)err;
    if (strcmp(x->state, "approved") == 0 && x->batch > 0 && x->batch < 64) {
        seen[x->batch]++;
        seen[0]++;
    }
    return 0;
}

static int count_hist(void *ctx, const struct obs *o, const struct batch *b,
                      struct err *err)
{
    int64_t *v = ctx;

    (void)err;
    (void)b;
    v[0]++;
    v[1] += strcmp(o->note, "shared submission") == 0;
    v[2] = o->batch;
    return 0;
}

/* N processes at once, each approving its own submission, racing for a
 * shared one and loading: every approval's values are there once, in the
 * batch its submission names; the shared one is approved exactly once. */
static void concurrent_approvals(const char *path)
{
    enum { N = 4 };
    struct err err = {0};
    struct store *s = store_open(path, STORE_OPEN_CREATE, &err);
    struct cs_submission x = {.economy = "AAA",
                              .year = 2024,
                              .state = "submitted",
                              .sha256 = "f",
                              .file_name = "f.csv",
                              .format = "csv",
                              .created_by = "t",
                              .address = "cli"};
    int64_t seen[64] = {0};
    int64_t id = 0;
    int won = 0;
    int pipefd[2];

    assert_non_null(s);
    put_reference(s);
    assert_ok(cs_file_put(s, "f", "x", 1, &err), &err);
    for (int i = 0; i <= N; i++) {
        assert_ok(cs_submission_add(s, &x, &id, &err), &err);
    }
    store_close(s);
    assert_int_equal(pipe(pipefd), 0);
    for (int p = 0; p < N; p++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            int64_t w = 0;
            int bad = approver(path, p, N, &w);
            char c = w ? '1' : '0';
            close(pipefd[0]);
            bad += write(pipefd[1], &c, 1) != 1;
            _exit(bad);
        }
    }
    close(pipefd[1]);
    for (int p = 0; p < N; p++) {
        int st = 0;
        char c = 0;
        wait(&st);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_int_equal(read(pipefd[0], &c, 1), 1);
        won += c == '1';
    }
    close(pipefd[0]);
    assert_int_equal(won, 1);
    s = store_open(path, 0, &err);
    assert_non_null(s);
    assert_ok(cs_submission_list(s, "", "", count_sub, seen, &err), &err);
    /* All N + 1 approved, each in a batch of its own. */
    assert_int_equal(seen[0], N + 1);
    for (int b = 1; b < 64; b++) {
        assert_true(seen[b] <= 1);
    }
    for (int p = 0; p < N; p++) {
        int64_t h[3] = {0, 0, 0};
        int64_t batch = 0;
        assert_ok(store_obs_history(s, "I2", "AAA", 2030 + p, "", count_hist, h,
                                    &err),
                  &err);
        assert_int_equal(h[0], 1);
        batch = h[2];
        assert_true(batch > 0 && batch < 64 && seen[batch] == 1);
    }
    {
        /* The shared key: one revision per approval and load, the shared
         * submission's value exactly once. */
        int64_t h[3] = {0, 0, 0};
        struct store_counts c;
        assert_ok(
            store_obs_history(s, "I2", "BBB", 2010, "", count_hist, h, &err),
            &err);
        assert_int_equal(h[0], N + 1 + N);
        assert_int_equal(h[1], 1);
        assert_ok(store_counts(s, &c, &err), &err);
        assert_int_equal(c.batches, N + 1 + N);
        assert_int_equal(c.revisions, 2 * N + 1 + N);
    }
    store_close(s);
}

static void test_concurrent_approvals(void **state)
{
    (void)state;
    on_each_backend("appr", concurrent_approvals);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_on_both),
        cmocka_unit_test(test_edge_values),
        cmocka_unit_test(test_refused_value),
        cmocka_unit_test(test_copy_sqlite_to_pg),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_collect_same_on_both),
        cmocka_unit_test(test_copy_collect),
        cmocka_unit_test(test_concurrent_approvals),
    };
    print_message("store backends: sqlite%s\n",
                  have_pg() ? " and postgresql" : " only");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
