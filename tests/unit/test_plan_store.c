/* Unit tests of plan storage (store/plan_store.h) and the plan in the
 * store (plan/plan_db.h): versions append, the newest is current, a store
 * without a plan gives the seed, history lists every change. */
#include "core/mem.h"
#include "plan/plan_db.h"
#include "store/plan_store.h"
#include "testutil.h"

static int count_cb(void *ctx, const struct plan_version *v, struct err *err)
{
    (void)err;
    (*(int *)ctx)++;
    assert_true(v->id > 0);
    return 0;
}

static void test_versions(void **state)
{
    char path[512];
    struct err err = {0};
    struct store *s;
    struct plan_version v = {0};
    int64_t id = 0;
    int64_t t = 0;
    char *doc = NULL;
    int n = 0;

    (void)state;
    test_store_path(path, sizeof(path), "plan_store");
    s = store_open(path, STORE_OPEN_CREATE, &err);
    assert_non_null(s);
    assert_ok(plan_store_latest(s, &doc, &id, &err), &err);
    assert_null(doc);
    assert_int_equal(id, 0);
    assert_ok(plan_store_last(s, &id, &t, &err), &err);
    assert_int_equal(id, 0);
    v.origin = "alice";
    v.action = "first";
    v.set_name = "S";
    assert_ok(plan_store_save(s, "{\"a\":1}", &v, &id, &err), &err);
    assert_int_equal(id, 1);
    v.action = "second";
    assert_ok(plan_store_save(s, "{\"a\":2}", &v, &id, &err), &err);
    assert_ok(plan_store_latest(s, &doc, &id, &err), &err);
    assert_string_equal(doc, "{\"a\":2}");
    assert_int_equal(id, 2);
    xfree(doc);
    assert_ok(plan_store_get(s, 1, &doc, &err), &err);
    assert_string_equal(doc, "{\"a\":1}");
    xfree(doc);
    assert_int_equal(plan_store_get(s, 9, &doc, &err), ERR_NOT_FOUND);
    assert_ok(plan_store_history(s, 0, count_cb, &n, &err), &err);
    assert_int_equal(n, 2);
    assert_ok(plan_store_last(s, &id, &t, &err), &err);
    assert_int_equal(id, 2);
    assert_true(t > 0);
    store_close(s);
    unlink(path);
}

static void test_plan_db(void **state)
{
    char path[512];
    struct err err = {0};
    struct store *s;
    struct plan *p;
    struct plan *q;
    int64_t version = -1;

    (void)state;
    test_store_path(path, sizeof(path), "plan_db");
    s = store_open(path, STORE_OPEN_CREATE, &err);
    assert_non_null(s);
    p = plan_db_current(s, "data/plan", &version, &err);
    assert_non_null(p);
    assert_int_equal(version, 0);
    assert_ok(plan_add_link(p, "O5.2", "sdg:9.c", "", &err), &err);
    assert_ok(plan_db_save(s, p, "bob", "link", &version, &err), &err);
    assert_int_equal(version, 1);
    q = plan_db_current(s, "no/such/dir", &version, &err);
    assert_non_null(q);
    assert_int_equal(version, 1);
    assert_true(plan_links_to(q, plan_find(q, "O5.2"), "sdg:9.c"));
    plan_free(q);
    plan_free(p);
    store_close(s);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_plan_db),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
