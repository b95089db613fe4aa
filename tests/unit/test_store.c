/* Unit tests for store/ (SQLite backend): reference data, batches and
 * revisions, as-of, history, filters, schema versions. With
 * ICTDEV_TEST_STORE_BACKEND=postgresql and ICTDEV_TEST_PG (a server's
 * postgres database URI; tests/pg/run-suite.sh sets both) every test runs
 * on PostgreSQL instead, in a fresh database. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/limits.h"
#include "core/mem.h"
#include "store/store.h"
#include "testutil.h"

struct fixture {
    char path[512];
    struct store *s;
};

/* True if the tests run on PostgreSQL (see the top). */
static bool on_pg(void)
{
    const char *b = getenv("ICTDEV_TEST_STORE_BACKEND");
    const char *u = getenv("ICTDEV_TEST_PG");
    return b && strcmp(b, "postgresql") == 0 && u && strstr(u, "/postgres?");
}

/* Run "psql URI -c SQL" (our own constant SQL). */
static int psql(const char *uri, const char *sql)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "psql -q '%s' -c \"%s\" >/dev/null 2>&1", uri,
             sql);
    return system(cmd);
}

/* A fresh PostgreSQL database for this process; its URI into out. */
static void fresh_pg(char *out, size_t cap)
{
    const char *admin = getenv("ICTDEV_TEST_PG");
    const char *tail = strstr(admin, "/postgres?");
    char sql[128];

    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS ts_%d", (int)getpid());
    assert_int_equal(psql(admin, sql), 0);
    snprintf(sql, sizeof(sql), "CREATE DATABASE ts_%d", (int)getpid());
    assert_int_equal(psql(admin, sql), 0);
    snprintf(out, cap, "%.*s/ts_%d%s", (int)(tail - admin), admin,
             (int)getpid(), tail + strlen("/postgres"));
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    struct err err = {0};

    snprintf(f->path, sizeof(f->path), "/tmp/ictdev-test-store-%d.db",
             (int)getpid());
    unlink(f->path);
    if (on_pg()) {
        fresh_pg(f->path, sizeof(f->path));
    }
    f->s = store_open(f->path, STORE_OPEN_CREATE, &err);
    if (!f->s) {
        fail_msg("open: %s", err.msg);
    }
    assert_ok(store_begin(f->s, &err), &err);
    const char *ecos[] = {"KEN", "USA", "BTN"};
    for (size_t i = 0; i < 3; i++) {
        struct economy e = {.code = ecos[i], .name = ecos[i]};
        assert_ok(store_economy_put(f->s, &e, &err), &err);
    }
    struct group g = {.code = "LDC", .name = "Least developed"};
    assert_ok(store_group_put(f->s, &g, &err), &err);
    struct membership m1 = {.group = "LDC", .economy = "BTN", .to_year = 2022};
    struct membership m2 = {
        .group = "LDC", .economy = "KEN", .from_year = 2020};
    assert_ok(store_membership_put(f->s, &m1, &err), &err);
    assert_ok(store_membership_put(f->s, &m2, &err), &err);
    struct indicator i1 = {.code = "i99H",
                           .name = "Internet users",
                           .definition = "Individuals using the Internet",
                           .dims = "sex"};
    struct indicator i2 = {.code = "pop", .name = "Population"};
    assert_ok(store_indicator_put(f->s, &i1, &err), &err);
    assert_ok(store_indicator_put(f->s, &i2, &err), &err);
    struct dimension_value d = {.dimension = "sex", .value = "F"};
    assert_ok(store_dimension_put(f->s, &d, &err), &err);
    assert_ok(store_commit(f->s, &err), &err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char wal[600];

    store_close(f->s);
    unlink(f->path);
    snprintf(wal, sizeof(wal), "%s-wal", f->path);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", f->path);
    unlink(wal);
    xfree(f);
    return 0;
}

static void begin(struct store *s, int64_t t)
{
    struct store_batch_info info = {
        .kind = BATCH_LOAD, .origin = "test", .file = "t.csv", .time = t};
    struct err err = {0};

    assert_ok(store_batch_begin(s, &info, &err), &err);
}

static void put(struct store *s, const char *ind, const char *eco, int year,
                const char *dims, double v, bool want_changed)
{
    struct obs o = {.indicator = ind,
                    .economy = eco,
                    .year = year,
                    .dims = dims,
                    .value = v,
                    .source = "src"};
    struct err err = {0};
    bool changed;

    assert_ok(store_obs_put(s, &o, &changed, &err), &err);
    assert_int_equal(changed, want_changed);
}

static int64_t commit(struct store *s)
{
    int64_t id, n;
    struct err err = {0};

    assert_ok(store_batch_commit(s, &id, &n, &err), &err);
    return id;
}

/* Collects query rows as "ECO IND YEAR DIMS VALUE BATCH;". */
struct collect {
    char text[4096];
    int rows;
};

static int collect_row(void *ctx, const struct obs *o, struct err *err)
{
    struct collect *c = ctx;
    size_t n = strlen(c->text);
    (void)err;

    snprintf(c->text + n, sizeof(c->text) - n, "%s %s %d %s %g %lld;",
             o->economy, o->indicator, o->year, o->dims, o->value,
             (long long)o->batch);
    c->rows++;
    return 0;
}

static const char *run(struct store *s, const struct store_obs_query *q,
                       struct collect *c)
{
    struct err err = {0};

    memset(c, 0, sizeof(*c));
    assert_ok(store_obs_query(s, q, collect_row, c, &err), &err);
    return c->text;
}

/* Collects memberships as "GROUP:ECONOMY:FROM-TO;". */
static int collect_member(void *ctx, const struct membership *m,
                          struct err *err)
{
    struct collect *c = ctx;
    size_t n = strlen(c->text);
    (void)err;

    snprintf(c->text + n, sizeof(c->text) - n, "%s:%s:%d-%d;", m->group,
             m->economy, m->from_year, m->to_year);
    c->rows++;
    return 0;
}

/* Inside a membership read, the same read again (the store hands out a
 * fresh statement while its kept one is in use). */
static int member_reenter(void *ctx, const struct membership *m,
                          struct err *err)
{
    struct store *s = ctx;
    struct collect inner;

    memset(&inner, 0, sizeof(inner));
    if (strcmp(m->group, "LDC") == 0) {
        if (store_group_members(s, "LDC", 0, collect_member, &inner, err) !=
            0) {
            return err->code;
        }
        assert_string_equal(inner.text, "LDC:BTN:0-2022;LDC:KEN:2020-0;");
    }
    return 0;
}

/* Every membership in one read: by group code, economy code, from_year;
 * a year keeps those that cover it. */
static void test_all_memberships(void **state)
{
    struct fixture *f = *state;
    struct err err = {0};
    struct collect c;
    struct group g = {.code = "AAG", .name = "A group"};
    struct membership m[] = {
        {.group = "AAG", .economy = "USA", .from_year = 2010},
        {.group = "AAG", .economy = "KEN", .to_year = 2000},
        {.group = "AAG", .economy = "KEN", .from_year = 2001},
    };

    assert_ok(store_begin(f->s, &err), &err);
    assert_ok(store_group_put(f->s, &g, &err), &err);
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        assert_ok(store_membership_put(f->s, &m[i], &err), &err);
    }
    assert_ok(store_commit(f->s, &err), &err);

    memset(&c, 0, sizeof(c));
    assert_ok(store_group_members(f->s, NULL, 0, collect_member, &c, &err),
              &err);
    assert_string_equal(c.text, "AAG:KEN:0-2000;AAG:KEN:2001-0;"
                                "AAG:USA:2010-0;LDC:BTN:0-2022;"
                                "LDC:KEN:2020-0;");
    memset(&c, 0, sizeof(c));
    assert_ok(store_group_members(f->s, NULL, 2023, collect_member, &c, &err),
              &err);
    assert_string_equal(c.text,
                        "AAG:KEN:2001-0;AAG:USA:2010-0;LDC:KEN:2020-0;");
    assert_ok(store_group_members(f->s, NULL, 0, member_reenter, f->s, &err),
              &err);
}

/* A year range inside a series of several blocks: only those years, also
 * when no block has a cell in it. */
static void test_year_range_across_blocks(void **state)
{
    struct fixture *f = *state;
    struct store_obs_query q = {0};
    const char *ind = "pop";
    const char *eco = "KEN";
    struct collect c;

    begin(f->s, 1000);
    for (int y = 2000; y <= 2010; y++) {
        put(f->s, "pop", "KEN", y, "", y, true);
    }
    commit(f->s);
    begin(f->s, 2000);
    put(f->s, "pop", "KEN", 2015, "", 1, true);
    put(f->s, "pop", "KEN", 2016, "", 2, true);
    commit(f->s);
    q.indicators = &ind;
    q.indicator_count = 1;
    q.economies = &eco;
    q.economy_count = 1;
    q.year_from = 2012;
    q.year_to = 2014;
    assert_string_equal(run(f->s, &q, &c), "");
    q.year_from = 2009;
    q.year_to = 2015;
    assert_string_equal(run(f->s, &q, &c), "KEN pop 2009  2009 1;"
                                           "KEN pop 2010  2010 1;"
                                           "KEN pop 2015  1 2;");
    q.economies = NULL; /* the whole-indicator read */
    q.economy_count = 0;
    q.year_from = 2010;
    q.year_to = 2010;
    assert_string_equal(run(f->s, &q, &c), "KEN pop 2010  2010 1;");
}

/* Reads that reuse their statement, nested: each level gets its own. */
static int count_economy(void *ctx, const struct economy *e, struct err *err)
{
    (void)e;
    (void)err;
    (*(int *)ctx)++;
    return 0;
}

struct nest {
    struct store *s;
    int outer, inner;
};

static int nest_economy(void *ctx, const struct economy *e, struct err *err)
{
    struct nest *n = ctx;
    (void)e;
    n->outer++;
    return store_economy_list(n->s, count_economy, &n->inner, err);
}

static void test_nested_reads(void **state)
{
    struct fixture *f = *state;
    struct err err = {0};
    struct nest n = {f->s, 0, 0};

    assert_ok(store_economy_list(f->s, nest_economy, &n, &err), &err);
    assert_int_equal(n.outer, 3);
    assert_int_equal(n.inner, 9);
    n.outer = n.inner = 0;
    assert_ok(store_economy_list(f->s, nest_economy, &n, &err), &err);
    assert_int_equal(n.outer, 3);
    assert_int_equal(n.inner, 9);
}

static void test_revisions_and_as_of(void **state)
{
    struct fixture *f = *state;
    struct collect c;
    const char *ind[] = {"i99H"};
    struct store_obs_query q = {.indicators = ind, .indicator_count = 1};
    int64_t b1, b2, last, t;
    struct err err = {0};

    begin(f->s, 1000);
    put(f->s, "i99H", "KEN", 2019, "", 22.5, true);
    put(f->s, "i99H", "USA", 2019, "", 89.0, true);
    b1 = commit(f->s);
    assert_true(b1 > 0);
    /* Same content: no revision, no batch. */
    begin(f->s, 2000);
    put(f->s, "i99H", "KEN", 2019, "", 22.5, false);
    assert_int_equal(commit(f->s), 0);
    /* A changed value appends a revision. */
    begin(f->s, 3000);
    put(f->s, "i99H", "KEN", 2019, "", 22.6688, true);
    put(f->s, "i99H", "USA", 2019, "", 89.0, false);
    b2 = commit(f->s);
    assert_true(b2 > b1);
    assert_string_equal(run(f->s, &q, &c),
                        "KEN i99H 2019  22.6688 2;USA i99H 2019  89 1;");
    q.as_of = 2999;
    assert_string_equal(run(f->s, &q, &c),
                        "KEN i99H 2019  22.5 1;USA i99H 2019  89 1;");
    q.as_of = 999;
    assert_string_equal(run(f->s, &q, &c), "");
    q.as_of = 0;
    q.as_of_batch = b1;
    assert_string_equal(run(f->s, &q, &c),
                        "KEN i99H 2019  22.5 1;USA i99H 2019  89 1;");
    assert_ok(store_last_revision(f->s, &last, &t, &err), &err);
    assert_int_equal(last, b2);
    assert_int_equal(t, 3000);
}

static int count_history(void *ctx, const struct obs *o, const struct batch *b,
                         struct err *err)
{
    (void)o;
    (void)err;
    assert_string_equal(b->origin, "test");
    (*(int *)ctx)++;
    return 0;
}

/* since_batch: only keys whose current revision is newer; a key changed
 * and then changed back to its old content is not listed twice; a series
 * touched in a later batch lists only its changed keys. */
static void test_since_batch(void **state)
{
    struct fixture *f = *state;
    struct store_obs_query q = {0};
    struct collect c = {0};
    struct err err = {0};
    int64_t b1, b2, b3;

    begin(f->s, 1000);
    put(f->s, "pop", "KEN", 2020, "", 50, true);
    put(f->s, "pop", "KEN", 2021, "", 51, true);
    put(f->s, "pop", "USA", 2020, "", 330, true);
    b1 = commit(f->s);
    begin(f->s, 2000);
    put(f->s, "pop", "KEN", 2021, "", 52, true);
    put(f->s, "pop", "USA", 2020, "", 330, false);
    b2 = commit(f->s);
    q.since_batch = b1;
    assert_ok(store_obs_query(f->s, &q, collect_row, &c, &err), &err);
    assert_string_equal(c.text, "KEN pop 2021  52 2;");
    memset(&c, 0, sizeof(c));
    q.since_batch = b2;
    assert_ok(store_obs_query(f->s, &q, collect_row, &c, &err), &err);
    assert_int_equal(c.rows, 0);
    begin(f->s, 3000);
    put(f->s, "i99H", "BTN", 2022, "sex=F", 40, true);
    b3 = commit(f->s);
    memset(&c, 0, sizeof(c));
    q.since_batch = b1;
    q.as_of_batch = b2;
    assert_ok(store_obs_query(f->s, &q, collect_row, &c, &err), &err);
    assert_string_equal(c.text, "KEN pop 2021  52 2;");
    memset(&c, 0, sizeof(c));
    q.as_of_batch = 0;
    assert_ok(store_obs_query(f->s, &q, collect_row, &c, &err), &err);
    assert_int_equal(c.rows, 2);
    assert_true(b3 > b2);
}

static void test_history(void **state)
{
    struct fixture *f = *state;
    struct err err = {0};
    int n = 0;

    begin(f->s, 10);
    put(f->s, "pop", "KEN", 2024, "", 1, true);
    commit(f->s);
    begin(f->s, 20);
    put(f->s, "pop", "KEN", 2024, "", 2, true);
    commit(f->s);
    assert_ok(store_obs_history(f->s, "pop", "KEN", 2024, "", count_history, &n,
                                &err),
              &err);
    assert_int_equal(n, 2);
    assert_int_equal(store_obs_history(f->s, "nope", "KEN", 2024, "",
                                       count_history, &n, &err),
                     ERR_NOT_FOUND);
}

static void test_duplicates_fresh_and_not(void **state)
{
    struct fixture *f = *state;
    struct obs o = {.indicator = "pop",
                    .economy = "KEN",
                    .year = 2000,
                    .dims = "",
                    .value = 1};
    struct err err = {0};
    struct collect c;
    struct store_obs_query q = {0};

    /* Fresh store: the key set of the current series finds it. */
    begin(f->s, 10);
    assert_ok(store_obs_put(f->s, &o, NULL, &err), &err);
    assert_int_equal(store_obs_put(f->s, &o, NULL, &err), ERR_CONFLICT);
    store_batch_rollback(f->s);
    assert_string_equal(run(f->s, &q, &c), "");
    /* A series begun again later: the table finds it, and a new key of
     * that series is fine. */
    begin(f->s, 10);
    put(f->s, "pop", "KEN", 2000, "", 1, true);
    put(f->s, "pop", "KEN", 2001, "", 1, true);
    put(f->s, "pop", "USA", 2000, "", 1, true);
    put(f->s, "pop", "KEN", 2002, "", 1, true);
    put(f->s, "i99H", "KEN", 2000, "", 1, true);
    put(f->s, "i99H", "KEN", 2000, "sex=F", 1, true);
    put(f->s, "pop", "KEN", 2003, "", 1, true);
    assert_int_equal(store_obs_put(f->s, &o, NULL, &err), ERR_CONFLICT);
    store_batch_rollback(f->s);
    assert_string_equal(run(f->s, &q, &c), "");
    /* Non-fresh: the lookup finds it. */
    begin(f->s, 10);
    put(f->s, "pop", "USA", 2000, "", 5, true);
    commit(f->s);
    begin(f->s, 20);
    assert_ok(store_obs_put(f->s, &o, NULL, &err), &err);
    assert_int_equal(store_obs_put(f->s, &o, NULL, &err), ERR_CONFLICT);
    store_batch_rollback(f->s);
    assert_int_equal(run(f->s, &q, &c)[0] != '\0', 1);
    assert_int_equal(c.rows, 1);
}

static void begin_read_at(struct store *s, int64_t t, int64_t read_at)
{
    struct store_batch_info info = {.kind = BATCH_COMPUTED,
                                    .origin = "test",
                                    .time = t,
                                    .read_at = read_at};
    struct err err = {0};

    assert_ok(store_batch_begin(s, &info, &err), &err);
}

static int append(struct store *s, const char *ind, const char *eco, int year,
                  const char *dims, double v, struct err *err)
{
    struct obs o = {.indicator = ind,
                    .economy = eco,
                    .year = year,
                    .dims = dims,
                    .value = v,
                    .source = "src"};

    return store_obs_append(s, &o, err);
}

/* store_obs_append: rows of several economies in any order are stored
 * (and recorded for since_batch), duplicates are refused whichever call
 * put the key first, and a read point that is not the newest batch means
 * lookups (same content: nothing appended). */
static void test_append(void **state)
{
    struct fixture *f = *state;
    struct store_obs_query q = {0};
    struct collect c;
    struct err err = {0};
    int64_t b1, b2, t;

    begin(f->s, 10);
    put(f->s, "pop", "KEN", 2000, "", 1, true);
    b1 = commit(f->s);
    begin_read_at(f->s, 20, b1);
    assert_ok(append(f->s, "pop", "USA", 2001, "", 2, &err), &err);
    assert_ok(append(f->s, "pop", "USA", 2000, "", 3, &err), &err);
    assert_ok(append(f->s, "i99H", "KEN", 2000, "sex=F", 4, &err), &err);
    assert_ok(append(f->s, "i99H", "KEN", 2000, "", 5, &err), &err);
    assert_ok(append(f->s, "pop", "KEN", 2000, "", 6, &err), &err);
    b2 = commit(f->s);
    assert_true(b2 > b1);
    assert_string_equal(run(f->s, &q, &c),
                        "KEN i99H 2000  5 2;KEN i99H 2000 sex=F 4 2;"
                        "KEN pop 2000  6 2;USA pop 2000  3 2;"
                        "USA pop 2001  2 2;");
    q.since_batch = b1;
    run(f->s, &q, &c);
    assert_int_equal(c.rows, 5);
    q.since_batch = 0;
    /* Duplicates: in one run of a series, in a series begun again, after
     * store_obs_put and before it. */
    assert_ok(store_last_revision(f->s, &b2, &t, &err), &err);
    begin_read_at(f->s, 30, b2);
    assert_ok(append(f->s, "pop", "KEN", 2005, "", 1, &err), &err);
    assert_int_equal(append(f->s, "pop", "KEN", 2005, "", 2, &err),
                     ERR_CONFLICT);
    store_batch_rollback(f->s);
    begin_read_at(f->s, 30, b2);
    assert_ok(append(f->s, "pop", "KEN", 2005, "", 1, &err), &err);
    assert_ok(append(f->s, "pop", "USA", 2005, "", 1, &err), &err);
    assert_int_equal(append(f->s, "pop", "KEN", 2005, "", 2, &err),
                     ERR_CONFLICT);
    store_batch_rollback(f->s);
    begin_read_at(f->s, 30, b2);
    put(f->s, "pop", "BTN", 2005, "", 1, true);
    assert_int_equal(append(f->s, "pop", "BTN", 2005, "", 2, &err),
                     ERR_CONFLICT);
    store_batch_rollback(f->s);
    begin_read_at(f->s, 30, b2);
    assert_ok(append(f->s, "pop", "BTN", 2005, "", 1, &err), &err);
    {
        struct obs o = {.indicator = "pop",
                        .economy = "BTN",
                        .year = 2005,
                        .dims = "",
                        .value = 2,
                        .source = "src"};
        assert_int_equal(store_obs_put(f->s, &o, NULL, &err), ERR_CONFLICT);
    }
    store_batch_rollback(f->s);
    assert_int_equal(run(f->s, &q, &c)[0] != '\0', 1);
    assert_int_equal(c.rows, 5);
    /* A stale read point: the store looks up, and the same content adds
     * nothing. */
    begin_read_at(f->s, 40, b1);
    assert_ok(append(f->s, "pop", "USA", 2000, "", 3, &err), &err);
    assert_int_equal(commit(f->s), 0);
    /* No read point at all: the same. */
    begin_read_at(f->s, 40, 0);
    assert_ok(append(f->s, "pop", "USA", 2000, "", 3, &err), &err);
    assert_ok(append(f->s, "pop", "USA", 2001, "", 7, &err), &err);
    assert_true(commit(f->s) > b2);
    assert_string_equal(run(f->s, &q, &c),
                        "KEN i99H 2000  5 2;KEN i99H 2000 sex=F 4 2;"
                        "KEN pop 2000  6 2;USA pop 2000  3 2;"
                        "USA pop 2001  7 3;");
}

static void test_many_rows_and_filters(void **state)
{
    struct fixture *f = *state;
    struct collect c;
    struct store_obs_query q = {0};
    const char *ind[] = {"i99H"};
    struct dim_pair sex = {"sex", 3, "F", 1};

    /* More rows than one multi-row insert, with a partial last chunk. */
    begin(f->s, 10);
    for (int y = 1950; y < 2050; y++) {
        put(f->s, "pop", "BTN", y, "", y, true);
    }
    put(f->s, "i99H", "KEN", 2019, "", 20, true);
    put(f->s, "i99H", "KEN", 2019, "sex=F", 18, true);
    put(f->s, "i99H", "BTN", 2019, "", 30, true);
    put(f->s, "i99H", "BTN", 2023, "", 40, true);
    put(f->s, "i99H", "LDC", 2023, "", 35, true);
    commit(f->s);
    q.indicators = (const char *const[]){"pop"};
    q.indicator_count = 1;
    q.year_from = 2000;
    q.year_to = 2009;
    run(f->s, &q, &c);
    assert_int_equal(c.rows, 10);
    /* Group members in the value's year: BTN until 2022, KEN from 2020. */
    memset(&q, 0, sizeof(q));
    q.indicators = ind;
    q.indicator_count = 1;
    q.group = "LDC";
    assert_string_equal(run(f->s, &q, &c), "BTN i99H 2019  30 1;");
    q.group = NULL;
    q.economies = (const char *const[]){"LDC"};
    q.economy_count = 1;
    assert_string_equal(run(f->s, &q, &c), "LDC i99H 2023  35 1;");
    q.economy_count = 0;
    q.dims = &sex;
    q.dim_count = 1;
    assert_string_equal(run(f->s, &q, &c), "KEN i99H 2019 sex=F 18 1;");
    q.dim_count = 0;
    q.totals_only = true;
    q.economies = (const char *const[]){"KEN"};
    q.economy_count = 1;
    assert_string_equal(run(f->s, &q, &c), "KEN i99H 2019  20 1;");
}

/* Keys of the big batches below: NIND indicators x 4 areas x 201 years =
 * 564,000 values, more than the writer holds at once (store_obs.c:
 * ROUND_CELLS), so series are written in parts and read back. */
#define NIND 700

static void big_key(uint64_t k, char *ind, size_t cap, const char **eco,
                    int *year)
{
    static const char *const ecos[] = {"KEN", "USA", "BTN", "LDC"};
    snprintf(ind, cap, "x%03u", (unsigned)(k / (4 * 201)));
    *eco = ecos[k / 201 % 4];
    *year = YEAR_MIN + (int)(k % 201);
}

/* Put every key once, in the order of a permutation (k * step mod n);
 * value v(k) = k + delta where k % every == 0, else k. Returns the
 * batch's changed count through commit. */
static int64_t big_batch(struct store *s, int64_t t, uint64_t step,
                         uint64_t every, double delta, int64_t *out_batch)
{
    const uint64_t n = (uint64_t)NIND * 4 * 201;
    struct err err = {0};
    int64_t changed = 0;

    begin(s, t);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = i * step % n;
        char ind[16];
        struct obs o = {.indicator = ind,
                        .dims = "",
                        .source = "src",
                        .note = k % 3 ? "" : "every third"};
        big_key(k, ind, sizeof(ind), &o.economy, &o.year);
        o.value = (double)k + (every && k % every == 0 ? delta : 0);
        assert_ok(store_obs_put(s, &o, NULL, &err), &err);
    }
    assert_ok(store_batch_commit(s, out_batch, &changed, &err), &err);
    return changed;
}

struct big_check {
    uint64_t rows;
    uint64_t bad;
    int64_t batches[8];
};

static int big_row(void *ctx, const struct obs *o, struct err *err)
{
    struct big_check *c = ctx;
    unsigned ind = 0;
    uint64_t k;
    static const char *const ecos[] = {"KEN", "USA", "BTN", "LDC"};
    unsigned e = 0;
    (void)err;

    sscanf(o->indicator, "x%u", &ind);
    while (e < 4 && strcmp(ecos[e], o->economy) != 0) {
        e++;
    }
    k = ((uint64_t)ind * 4 + e) * 201 + (uint64_t)(o->year - YEAR_MIN);
    c->bad += (uint64_t)(o->value != (double)k && o->value != (double)k + 0.5);
    c->bad += (uint64_t)(strcmp(o->note, k % 3 ? "" : "every third") != 0);
    c->rows++;
    return 0;
}

/* Batches larger than what the writer holds at once, in an order that is
 * no series' order: every value stored once, a reload changes nothing, a
 * partial change appends only what changed, and a key given twice is
 * refused even when its first value was already written. */
static void test_blocks_many_rounds(void **state)
{
    struct fixture *f = *state;
    const uint64_t n = (uint64_t)NIND * 4 * 201;
    struct store_obs_query q = {0};
    struct store_counts cnt;
    struct big_check c = {0};
    struct err err = {0};
    int64_t b1, b2, b3;

    assert_ok(store_begin(f->s, &err), &err);
    for (unsigned i = 0; i < NIND; i++) {
        char code[16];
        snprintf(code, sizeof(code), "x%03u", i);
        struct indicator ind = {.code = code, .name = code};
        assert_ok(store_indicator_put(f->s, &ind, &err), &err);
    }
    assert_ok(store_commit(f->s, &err), &err);
    assert_int_equal(big_batch(f->s, 10, 7919, 0, 0, &b1), (int64_t)n);
    assert_ok(store_obs_query(f->s, &q, big_row, &c, &err), &err);
    assert_int_equal(c.rows, n);
    assert_int_equal(c.bad, 0);
    /* The same values in another order: nothing changes, no batch. */
    assert_int_equal(big_batch(f->s, 20, 104729, 0, 0, &b2), 0);
    assert_int_equal(b2, 0);
    /* Every seventh value changed. */
    assert_int_equal(big_batch(f->s, 30, 15485863, 7, 0.5, &b3),
                     (int64_t)((n + 6) / 7));
    memset(&c, 0, sizeof(c));
    assert_ok(store_obs_query(f->s, &q, big_row, &c, &err), &err);
    assert_int_equal(c.rows, n);
    assert_int_equal(c.bad, 0);
    assert_ok(store_counts(f->s, &cnt, &err), &err);
    assert_int_equal(cnt.series, (int64_t)n);
    assert_int_equal(cnt.revisions, (int64_t)(n + (n + 6) / 7));
    /* What changed since b1: the seventh values only. */
    q.since_batch = b1;
    memset(&c, 0, sizeof(c));
    assert_ok(store_obs_query(f->s, &q, big_row, &c, &err), &err);
    assert_int_equal(c.rows, (n + 6) / 7);
    /* A key given again after its series was written: refused. */
    begin(f->s, 40);
    for (uint64_t i = 0; i < n + 1; i++) {
        uint64_t k = i < n ? i * 7919 % n : 0;
        char ind[16];
        struct obs o = {
            .indicator = ind, .dims = "", .source = "src", .note = "changed"};
        big_key(k, ind, sizeof(ind), &o.economy, &o.year);
        o.value = -1;
        if (i < n) {
            assert_ok(store_obs_put(f->s, &o, NULL, &err), &err);
        } else {
            assert_int_equal(store_obs_put(f->s, &o, NULL, &err), ERR_CONFLICT);
        }
    }
    store_batch_rollback(f->s);
}

static void test_unknown_codes(void **state)
{
    struct fixture *f = *state;
    struct err err = {0};
    struct collect c;
    struct obs o = {.indicator = "zzz",
                    .economy = "KEN",
                    .year = 2000,
                    .dims = "",
                    .value = 1};
    const char *ind[] = {"zzz"};
    struct store_obs_query q = {.indicators = ind, .indicator_count = 1};

    begin(f->s, 10);
    assert_int_equal(store_obs_put(f->s, &o, NULL, &err), ERR_NOT_FOUND);
    o.indicator = "pop";
    o.year = 1800;
    assert_int_equal(store_obs_put(f->s, &o, NULL, &err), ERR_INVALID);
    store_batch_rollback(f->s);
    assert_int_equal(store_obs_query(f->s, &q, collect_row, &c, &err),
                     ERR_NOT_FOUND);
    assert_string_equal(err.msg, "unknown indicator 'zzz'");
}

static int count_ind(void *ctx, const struct indicator *ind, struct err *err)
{
    (void)ind;
    (void)err;
    (*(int *)ctx)++;
    return 0;
}

static void test_catalogue_search(void **state)
{
    struct fixture *f = *state;
    struct err err = {0};
    int n = 0;

    assert_ok(store_indicator_list(f->s, "internet USING", count_ind, &n, &err),
              &err);
    assert_int_equal(n, 1);
    n = 0;
    assert_ok(store_indicator_list(f->s, NULL, count_ind, &n, &err), &err);
    assert_int_equal(n, 2);
    assert_int_equal(store_indicator_get(f->s, "nope", count_ind, &n, &err),
                     ERR_NOT_FOUND);
}

static void test_other_connection_sees_new_codes(void **state)
{
    struct fixture *f = *state;
    struct err err = {0};
    struct collect c;
    struct store *other = store_open(f->path, 0, &err);
    const char *ind[] = {"i4213tfbb"};
    struct store_obs_query q = {.indicators = ind, .indicator_count = 1};
    struct indicator i3 = {.code = "i4213tfbb", .name = "Fixed broadband"};

    assert_non_null(other);
    /* f->s has its code cache loaded; another connection adds a code. */
    run(f->s, &(struct store_obs_query){0}, &c);
    assert_ok(store_begin(other, &err), &err);
    assert_ok(store_indicator_put(other, &i3, &err), &err);
    assert_ok(store_commit(other, &err), &err);
    begin(other, 10);
    put(other, "i4213tfbb", "KEN", 2020, "", 7, true);
    commit(other);
    store_close(other);
    assert_string_equal(run(f->s, &q, &c), "KEN i4213tfbb 2020  7 1;");
}

static void test_schema_versions(void **state)
{
    struct fixture *f = *state;
    struct err err = {0};
    struct store *s2;
    char cmd[700];
    (void)state;

    /* Reopening an up-to-date store works; a newer schema is refused. */
    s2 = store_open(f->path, 0, &err);
    assert_non_null(s2);
    store_close(s2);
    store_close(f->s);
    f->s = NULL;
    if (on_pg()) {
        assert_int_equal(psql(f->path, "UPDATE ictdev_meta SET value = '99'"
                                       " WHERE key = 'schema_version'"),
                         0);
    } else {
        snprintf(cmd, sizeof(cmd), "sqlite3 %s 'PRAGMA user_version = 99'",
                 f->path);
        assert_int_equal(system(cmd), 0);
    }
    s2 = store_open(f->path, 0, &err);
    assert_null(s2);
    assert_int_equal(err.code, ERR_CONFLICT);
    assert_non_null(strstr(err.msg, "newer than this ictdev"));
    f->s = store_open("/nonexistent/dir/x.db", 0, &err);
    assert_null(f->s);
    assert_int_equal(err.code, ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_revisions_and_as_of, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_memberships, setup, teardown),
        cmocka_unit_test_setup_teardown(test_year_range_across_blocks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nested_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_since_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_fresh_and_not, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_rows_and_filters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_blocks_many_rounds, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalogue_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_connection_sees_new_codes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_versions, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
