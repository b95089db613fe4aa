/* Unit tests for model/: memberships by year, statuses, dimension keys. */
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "model/dims.h"
#include "model/model.h"
#include "testutil.h"

static void test_membership_years(void **state)
{
    struct membership m = {.group = "LDC", .economy = "BTN", .to_year = 2022};
    (void)state;

    assert_true(membership_covers(&m, 1990));
    assert_true(membership_covers(&m, 2022));
    assert_false(membership_covers(&m, 2023));
    m.from_year = 2000;
    assert_false(membership_covers(&m, 1999));
    m.to_year = 0;
    assert_true(membership_covers(&m, 2100));
}

static void test_status(void **state)
{
    enum obs_status st;
    struct err err;
    (void)state;

    assert_ok(obs_status_parse("", 0, &st, &err), &err);
    assert_int_equal(st, OBS_REPORTED);
    assert_ok(obs_status_parse("Estimated", 9, &st, &err), &err);
    assert_int_equal(st, OBS_ESTIMATED);
    assert_ok(obs_status_parse("p", 1, &st, &err), &err);
    assert_int_equal(st, OBS_PROVISIONAL);
    assert_int_equal(obs_status_parse("guess", 5, &st, &err), ERR_INVALID);
    assert_string_equal(obs_status_name(OBS_IMPUTED), "imputed");
}

static void test_dims_canon_sorts(void **state)
{
    struct dim_pair p[3] = {
        {"sex", 3, "F", 1}, {"age", 3, "15-24", 5}, {"area", 4, "U", 1}};
    struct buf b;
    struct err err;
    (void)state;

    buf_init(&b);
    assert_ok(dims_canon(p, 3, &b, &err), &err);
    assert_string_equal(buf_cstr(&b), "age=15-24;area=U;sex=F");
    assert_ok(dims_canon(p, 0, &b, &err), &err);
    assert_string_equal(buf_cstr(&b), "");
    struct dim_pair twice[2] = {{"sex", 3, "F", 1}, {"sex", 3, "M", 1}};
    assert_int_equal(dims_canon(twice, 2, &b, &err), ERR_INVALID);
    struct dim_pair bad[1] = {{"sex", 3, "F;x", 3}};
    assert_int_equal(dims_canon(bad, 1, &b, &err), ERR_INVALID);
    buf_cleanup(&b);
}

static void test_dims_parse_round_trip(void **state)
{
    struct dim_pair p[8];
    size_t n;
    struct buf b;
    struct err err;
    (void)state;

    buf_init(&b);
    assert_ok(dims_parse("sex=F;age=75+", p, 8, &n, &err), &err);
    assert_int_equal(n, 2);
    assert_ok(dims_canon(p, n, &b, &err), &err);
    assert_string_equal(buf_cstr(&b), "age=75+;sex=F");
    assert_ok(dims_parse("", p, 8, &n, &err), &err);
    assert_int_equal(n, 0);
    assert_int_equal(dims_parse("sex", p, 8, &n, &err), ERR_INVALID);
    assert_int_equal(dims_parse("sex=", p, 8, &n, &err), ERR_INVALID);
    assert_int_equal(dims_parse("a=1;b=2", p, 1, &n, &err), ERR_INVALID);
    buf_cleanup(&b);
}

static void test_dims_check(void **state)
{
    struct indicator ind = {.code = "i99H", .dims = "sex;age"};
    struct dimset set;
    struct err err;
    struct dim_pair ok[1] = {{"sex", 3, "F", 1}};
    struct dim_pair undeclared[1] = {{"area", 4, "U", 1}};
    struct dim_pair badval[1] = {{"sex", 3, "X", 1}};
    (void)state;

    dimset_init(&set);
    dimset_add(&set, "sex", "F");
    dimset_add(&set, "sex", "M");
    dimset_add(&set, "area", "U");
    assert_true(dimset_has_dim(&set, "area", 4));
    assert_false(dimset_has_dim(&set, "age", 3));
    assert_ok(dims_check(&ind, &set, ok, 1, &err), &err);
    assert_int_equal(dims_check(&ind, &set, undeclared, 1, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "not declared"));
    assert_int_equal(dims_check(&ind, &set, badval, 1, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "not a value"));
    dimset_cleanup(&set);
}

static void test_indicator_dup(void **state)
{
    struct indicator in = {.code = "i99H",
                           .name = "Internet users",
                           .dims = "sex;age",
                           .verified = true};
    struct indicator *copy = indicator_dup(&in);
    (void)state;

    assert_string_equal(copy->code, "i99H");
    assert_string_equal(copy->unit, "");
    assert_true(indicator_declares(copy, "age", 3));
    assert_false(indicator_declares(copy, "ag", 2));
    assert_true(copy->verified);
    indicator_free(copy);
}

static void test_same_content(void **state)
{
    struct obs a = {.value = 1.5, .source = "ITU", .note = ""};
    struct obs b = a;
    (void)state;

    b.note = NULL;
    assert_true(obs_same_content(&a, &b));
    b.source = "WB";
    assert_false(obs_same_content(&a, &b));
    b = a;
    b.status = OBS_ESTIMATED;
    assert_false(obs_same_content(&a, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_membership_years),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_dims_canon_sorts),
        cmocka_unit_test(test_dims_parse_round_trip),
        cmocka_unit_test(test_dims_check),
        cmocka_unit_test(test_indicator_dup),
        cmocka_unit_test(test_same_content),
    };
    return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
