/* Unit tests for compute/compute against a real (temporary SQLite) store:
 * derived values stored as computed with their inputs' revisions, a rerun
 * that writes nothing, an incremental rerun after one change, aggregates
 * stored under the group code, one-indicator aggregates, a catalogue with
 * a cycle rejected before anything is written, and the IDI on the store. */
#include "compute/compute.h"
#include "compute/writer.h"
#include "core/err.h"
#include "core/mem.h"
#include "store/store.h"
#include "testutil.h"

static char dir[64];
static char path[96];

static struct indicator mk_ind(const char *code, const char *formula,
                               const char *agg, const char *weight)
{
    struct indicator i;
    memset(&i, 0, sizeof(i));
    i.code = code;
    i.name = code;
    i.definition = i.unit = i.kind = i.collection = i.dims = i.sdg = "";
    i.source_instrument = "";
    i.formula = formula;
    i.agg = agg;
    i.weight = weight;
    return i;
}

static void put_ref(struct store *s, const char *extra_formula)
{
    const char *econ[] = {"AAA", "BBB", "CCC"};
    struct group g = {"G", "Group", "world", "test", true, ""};
    struct indicator inds[] = {
        mk_ind("pop", "", "sum", ""),
        mk_ind("i271mw", "", "sum", ""),
        mk_ind("i911mw", "100 * i271mw / pop", "wmean", "pop"),
        mk_ind("SDG-x", "i911mw", "wmean", "pop"),
        mk_ind("cyc", extra_formula, "none", ""),
        mk_ind("gni_pc", "", "median", ""),
        mk_ind("p_lcu", "", "median", ""),
        mk_ind("xr", "", "none", ""),
    };
    struct err err;

    assert_ok(store_begin(s, &err), &err);
    for (size_t i = 0; i < 3; i++) {
        struct economy e;
        struct membership m = {"G", econ[i], 0, 0, "test", true};
        memset(&e, 0, sizeof(e));
        e.code = econ[i];
        e.name = econ[i];
        e.iso2 = e.m49 = e.un_region = e.un_subregion = "";
        e.un_intermediate = e.itu_region = e.wb_region = e.note = "";
        assert_ok(store_economy_put(s, &e, &err), &err);
        if (i == 0) {
            assert_ok(store_group_put(s, &g, &err), &err);
        }
        assert_ok(store_membership_put(s, &m, &err), &err);
    }
    for (size_t i = 0; i < sizeof(inds) / sizeof(inds[0]); i++) {
        assert_ok(store_indicator_put(s, &inds[i], &err), &err);
    }
    assert_ok(store_commit(s, &err), &err);
}

static void put_obs(struct store *s, const char *ind, const char *econ,
                    int year, double v, enum obs_status st)
{
    struct obs o;
    struct err err;
    memset(&o, 0, sizeof(o));
    o.indicator = ind;
    o.economy = econ;
    o.year = year;
    o.dims = "";
    o.value = v;
    o.status = st;
    o.source = "test";
    o.note = "";
    assert_ok(store_obs_put(s, &o, NULL, &err), &err);
}

static struct store *fresh(const char *extra_formula)
{
    struct store_batch_info bi = {BATCH_LOAD, "test", NULL, NULL, NULL, 0, 0};
    struct err err;
    struct store *s;
    int64_t bid;

    snprintf(dir, sizeof(dir), "/tmp/ictdev-compute-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/t.db", dir);
    s = store_open(path, STORE_OPEN_CREATE, &err);
    assert_non_null(s);
    put_ref(s, extra_formula);
    assert_ok(store_batch_begin(s, &bi, &err), &err);
    put_obs(s, "pop", "AAA", 2020, 100, OBS_REPORTED);
    put_obs(s, "pop", "BBB", 2020, 300, OBS_REPORTED);
    put_obs(s, "pop", "CCC", 2020, 600, OBS_REPORTED);
    put_obs(s, "i271mw", "AAA", 2020, 50, OBS_REPORTED);
    put_obs(s, "i271mw", "BBB", 2020, 60, OBS_ESTIMATED);
    put_obs(s, "pop", "AAA", 2021, 100, OBS_REPORTED);
    put_obs(s, "i271mw", "AAA", 2021, 70, OBS_REPORTED);
    put_obs(s, "gni_pc", "AAA", 2019, 6000, OBS_REPORTED);
    put_obs(s, "p_lcu", "AAA", 2020, 1300, OBS_REPORTED);
    put_obs(s, "xr", "AAA", 2020, 130, OBS_REPORTED);
    put_obs(s, "gni_pc", "BBB", 2020, 1200, OBS_REPORTED);
    put_obs(s, "p_lcu", "BBB", 2020, 500, OBS_REPORTED);
    put_obs(s, "xr", "BBB", 2020, 50, OBS_REPORTED);
    assert_ok(store_batch_commit(s, &bid, NULL, &err), &err);
    return s;
}

static void drop(struct store *s)
{
    char db[128];
    store_close(s);
    unlink(path);
    snprintf(db, sizeof(db), "%s-wal", path);
    unlink(db);
    snprintf(db, sizeof(db), "%s-shm", path);
    unlink(db);
    rmdir(dir);
}

struct found {
    double value;
    int status;
    int kind;
    char note[256];
    int n;
};

static int grab(void *ctx, const struct obs *o, struct err *err)
{
    struct found *f = ctx;
    (void)err;
    f->value = o->value;
    f->status = (int)o->status;
    f->kind = (int)o->batch_kind;
    snprintf(f->note, sizeof(f->note), "%s", o->note);
    f->n++;
    return 0;
}

static struct found get(struct store *s, const char *ind, const char *econ,
                        int year)
{
    struct store_obs_query q;
    struct found f = {NAN, 0, 0, "", 0};
    struct err err;
    memset(&q, 0, sizeof(q));
    q.indicators = &ind;
    q.indicator_count = 1;
    q.economies = &econ;
    q.economy_count = 1;
    q.year_from = q.year_to = year;
    assert_ok(store_obs_query(s, &q, grab, &f, &err), &err);
    return f;
}

static const struct compute_opts opts = {true,   true, AGG_METHOD_ITU, 3,    0,
                                         "test", NULL, NULL,           false};

static void test_compute_and_rerun(void **state)
{
    struct store *s = fresh("");
    struct compute_report r;
    struct err err;
    struct found f;
    struct store_batch_info bi = {BATCH_LOAD, "test", NULL, NULL, NULL, 0, 0};
    int64_t bid;
    (void)state;

    assert_ok(compute_run(s, &opts, &r, &err), &err);
    assert_true(r.derive_batch > 0);
    assert_int_equal(r.derive.written, 6); /* i911mw, SDG-x: 3 cells each */
    f = get(s, "i911mw", "BBB", 2020);
    assert_close(f.value, 20, 1e-12);
    assert_int_equal(f.status, OBS_ESTIMATED);
    assert_int_equal(f.kind, BATCH_COMPUTED);
    assert_non_null(strstr(f.note, "inputs i271mw#"));
    /* Weighted mean over G in 2020: 100*(50+60+imputed)/... ITU imputes
     * CCC at the group mean: (100*50 + 300*20) / 400 = 27.5. */
    f = get(s, "i911mw", "G", 2020);
    assert_close(f.value, 27.5, 1e-12);
    assert_int_equal(f.kind, BATCH_AGGREGATE);
    assert_non_null(strstr(f.note, "coverage 10.0%"));
    f = get(s, "i271mw", "G", 2020);
    /* Sum: 110 reported for 400 people; CCC (600) imputed at 0.275 each. */
    assert_close(f.value, 110 + 0.275 * 600, 1e-9);

    /* Nothing changed: no batch at all. */
    assert_ok(compute_run(s, &opts, &r, &err), &err);
    assert_int_equal(r.derive_batch, 0);
    assert_int_equal(r.derive.written, 0);
    assert_int_equal(r.agg_batch, 0);

    /* One input revised: only its dependants are recomputed. */
    assert_ok(store_batch_begin(s, &bi, &err), &err);
    put_obs(s, "i271mw", "AAA", 2021, 90, OBS_REPORTED);
    assert_ok(store_batch_commit(s, &bid, NULL, &err), &err);
    assert_ok(compute_run(s, &opts, &r, &err), &err);
    assert_int_equal(r.derive.written, 2);
    assert_true(r.derive_batch > 0);
    f = get(s, "SDG-x", "AAA", 2021);
    assert_close(f.value, 90, 1e-12);
    drop(s);
}

/* The batch writer: rows over several chunks arrive in the store; a bad
 * row's error comes back (from a later put or from finish) and the batch
 * rolls back whole. */
static void writer_rows(struct obs_writer *w, int *rc, struct err *err)
{
    static const char *const inds[] = {"pop", "i271mw", "gni_pc", "p_lcu",
                                       "xr"};
    static const char *const econ[] = {"AAA", "BBB", "CCC"};
    struct obs o;

    memset(&o, 0, sizeof(o));
    o.dims = "";
    o.source = "writer";
    o.note = "n";
    for (int y = 1901; y <= 2100 && *rc == 0; y++) {
        for (size_t i = 0; i < 5 && *rc == 0; i++) {
            for (size_t e = 0; e < 3 && *rc == 0; e++) {
                o.indicator = inds[i];
                o.economy = econ[e];
                o.year = y;
                o.value = y * 10.0 + (double)i;
                *rc = obs_writer_put(w, &o, (i + e) % 2 == 0, err);
            }
        }
    }
}

static void test_writer(void **state)
{
    struct store_batch_info bi = {.kind = BATCH_COMPUTED, .origin = "t"};
    struct store *s = fresh(NULL);
    struct obs_writer *w;
    struct obs bad;
    struct err err = {0};
    int64_t id, n;
    int rc = 0;
    (void)state;

    assert_ok(store_batch_begin(s, &bi, &err), &err);
    w = obs_writer_start(s);
    writer_rows(w, &rc, &err);
    assert_ok(rc, &err);
    assert_ok(obs_writer_finish(w, &err), &err);
    assert_ok(store_batch_commit(s, &id, &n, &err), &err);
    assert_int_equal(n, 3000);
    assert_true(get(s, "xr", "BBB", 1901).value == 19014);
    assert_true(get(s, "pop", "CCC", 2099).value == 20990);
    /* An unknown economy first: every later row is refused. */
    memset(&bad, 0, sizeof(bad));
    bad.indicator = "pop";
    bad.economy = "ZZZ";
    bad.year = 1901;
    bad.dims = bad.source = bad.note = "";
    assert_ok(store_batch_begin(s, &bi, &err), &err);
    w = obs_writer_start(s);
    rc = obs_writer_put(w, &bad, true, &err);
    if (rc == 0) {
        writer_rows(w, &rc, &err);
    }
    assert_int_equal(obs_writer_finish(w, &err), ERR_NOT_FOUND);
    store_batch_rollback(s);
    assert_true(get(s, "pop", "CCC", 2099).value == 20990);
    drop(s);
}

static void test_cycle_rejected(void **state)
{
    struct store *s = fresh("cyc + i911mw");
    struct compute_report r;
    struct err err;
    struct found f;
    (void)state;

    assert_int_equal(compute_run(s, &opts, &r, &err), ERR_INVALID);
    assert_string_equal(err.msg, "catalogue: cycle between derived "
                                 "indicators: cyc -> cyc");
    f = get(s, "i911mw", "AAA", 2020);
    assert_int_equal(f.n, 0);
    drop(s);
}

static void test_aggregate_one(void **state)
{
    struct store *s = fresh("");
    struct compute_agg_request q = {"i271mw", "G", 2020, 2021,  AGG_METHOD_NONE,
                                    0,        50,  true, "test"};
    struct compute_agg_row *rows;
    size_t n;
    int64_t batch;
    struct err err;
    (void)state;

    assert_ok(compute_aggregate(s, &q, &rows, &n, &batch, &err), &err);
    assert_int_equal(n, 2);
    assert_close(rows[0].r.computed, 110, 1e-12);
    assert_close(rows[0].r.coverage, 10, 1e-12); /* AAA of 1000 people */
    assert_int_equal(rows[1].r.status, AGG_WITHHELD);
    assert_true(batch == 0); /* 2020 withheld too: 10% < 50% */
    xfree(rows);
    q.min_coverage = 0;
    assert_ok(compute_aggregate(s, &q, &rows, &n, &batch, &err), &err);
    assert_true(batch > 0);
    xfree(rows);
    q.indicator = "cyc";
    assert_int_equal(compute_aggregate(s, &q, &rows, &n, &batch, &err),
                     ERR_INVALID);
    q.indicator = "nope";
    assert_int_equal(compute_aggregate(s, &q, &rows, &n, &batch, &err),
                     ERR_NOT_FOUND);
    drop(s);
}

/* A basket in local currency converted with the store's exchange rate;
 * GNI p.c. of the year before when the year's is missing. */
static void test_afford_lcu(void **state)
{
    struct store *s = fresh("");
    struct compute_afford_request q = {"p_lcu", "xr", NULL, 2020};
    struct compute_afford_result r;
    struct err err;
    (void)state;

    assert_ok(compute_afford(s, &q, &r, &err), &err);
    assert_int_equal(r.count, 2);
    assert_string_equal(r.rows[0].code, "AAA");
    assert_close(r.rows[0].price_usd, 10, 1e-12);
    assert_int_equal(r.rows[0].gni_year, 2019);
    assert_close(r.rows[0].pct, 2.0, 1e-12);
    assert_true(r.rows[0].meets);
    assert_close(r.rows[1].pct, 10.0, 1e-12); /* 10 USD x 12 / 1200 */
    assert_false(r.rows[1].meets);
    assert_int_equal(r.ngroups, 1);
    assert_close(r.groups[0].s.median, 6.0, 1e-12);
    assert_int_equal(r.groups[0].s.n_meeting, 1);
    compute_afford_result_free(&r);
    drop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compute_and_rerun),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_cycle_rejected),
        cmocka_unit_test(test_aggregate_one),
        cmocka_unit_test(test_afford_lcu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
