/* The store's behaviour on both backends: every scenario runs on SQLite
 * (a temp file) and, when $ICTDEV_TEST_PG names a PostgreSQL server
 * (tests/pg/run-suite.sh sets it), on PostgreSQL in a fresh database; the
 * two must give the same text (queries, histories, batches, counts,
 * messages). Also: hostile text values, store_copy SQLite → PostgreSQL
 * verified, and concurrent writer processes on both backends. */
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
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
    assert_int_equal(rep.table_count, 14);
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

static void test_concurrent_writers(void **state)
{
    char *sq = fresh_store(false, "conc");

    (void)state;
    concurrent(sq);
    unlink(sq);
    xfree(sq);
    if (have_pg()) {
        char *pg = fresh_store(true, "conc");
        concurrent(pg);
        xfree(pg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_on_both),
        cmocka_unit_test(test_copy_sqlite_to_pg),
        cmocka_unit_test(test_concurrent_writers),
    };
    print_message("store backends: sqlite%s\n",
                  have_pg() ? " and postgresql" : " only");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
