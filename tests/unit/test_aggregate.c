/* Unit tests for compute/aggregate: rules, ITU gap filling, imputation,
 * coverage and withholding. */
#include "compute/aggregate.h"
#include "core/err.h"
#include "testutil.h"

/* Three economies, years 2000..2004. Weights 10, 30, 60. */
static void make_panels(struct agg_panel *v, struct agg_panel *w)
{
    agg_panel_init(v, 2000, 5, 3);
    agg_panel_init(w, 2000, 5, 3);
    for (int y = 2000; y <= 2004; y++) {
        agg_panel_set(w, 0, y, 10, false);
        agg_panel_set(w, 1, y, 30, false);
        agg_panel_set(w, 2, y, 60, false);
    }
}

static const struct agg_member members3[] = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}};
static const struct agg_group group3 = {"G3", members3, 3};

static void test_wmean_none_reported_only(void **state)
{
    struct agg_panel v, w;
    struct agg_spec spec = {AGG_RULE_WMEAN, AGG_METHOD_NONE, 0, 0};
    struct agg_result r;
    struct err err;
    (void)state;

    make_panels(&v, &w);
    agg_panel_set(&v, 0, 2002, 50, false);
    agg_panel_set(&v, 1, 2002, 70, false);
    assert_ok(agg_group_years(&spec, &v, &w, &group3, 2002, 2002, &r, &err),
              &err);
    assert_int_equal(r.status, AGG_OK);
    assert_close(r.value, (10 * 50.0 + 30 * 70.0) / 40.0, 1e-12);
    assert_close(r.coverage, 40.0, 1e-12);
    assert_int_equal(r.n_members, 3);
    assert_int_equal(r.n_reported, 2);
    assert_int_equal(r.n_excluded, 1);
    assert_int_equal(r.n_imputed, 0);
    agg_panel_cleanup(&v);
    agg_panel_cleanup(&w);
}

static void test_sum_itu_ratio_imputation(void **state)
{
    struct agg_panel v, w;
    struct agg_spec spec = {AGG_RULE_SUM, AGG_METHOD_ITU, 2, 0};
    struct agg_result r;
    struct err err;
    (void)state;

    make_panels(&v, &w);
    agg_panel_set(&v, 0, 2002, 5, false);  /* 0.5 per unit of weight */
    agg_panel_set(&v, 1, 2002, 15, false); /* 0.5 per unit */
    agg_fill(&v, spec.window);
    assert_ok(agg_group_years(&spec, &v, &w, &group3, 2002, 2002, &r, &err),
              &err);
    /* Economy 2 (weight 60) is imputed at 0.5 x 60 = 30. */
    assert_close(r.value, 50.0, 1e-12);
    assert_int_equal(r.n_imputed, 1);
    assert_close(r.coverage, 40.0, 1e-12);
    agg_panel_cleanup(&v);
    agg_panel_cleanup(&w);
}

static void test_fill_interpolates_and_carries(void **state)
{
    struct agg_panel v;
    (void)state;

    agg_panel_init(&v, 2000, 7, 1);
    agg_panel_set(&v, 0, 2001, 10, false);
    agg_panel_set(&v, 0, 2003, 20, true);
    agg_fill(&v, 2);
    assert_true(isnan(agg_panel_get(&v, 0, 1999)));
    assert_close(agg_panel_get(&v, 0, 2000), 10, 0); /* carried back */
    assert_close(agg_panel_get(&v, 0, 2002), 15, 1e-12);
    assert_close(agg_panel_get(&v, 0, 2004), 20, 0); /* carried forward */
    assert_close(agg_panel_get(&v, 0, 2005), 20, 0);
    assert_true(isnan(agg_panel_get(&v, 0, 2006))); /* beyond the window */
    assert_int_equal(v.src[2], AGG_SRC_INTERPOLATED);
    assert_int_equal(v.src[4], AGG_SRC_CARRIED);
    agg_panel_cleanup(&v);
}

static void test_itu_filled_cells_count_but_not_as_coverage(void **state)
{
    struct agg_panel v, w;
    struct agg_spec spec = {AGG_RULE_WMEAN, AGG_METHOD_ITU, 3, 50};
    struct agg_result r[2];
    struct err err;
    (void)state;

    make_panels(&v, &w);
    agg_panel_set(&v, 0, 2001, 40, false);
    agg_panel_set(&v, 2, 2001, 80, false);
    agg_panel_set(&v, 2, 2003, 90, false);
    agg_panel_set(&v, 1, 2001, 60, false);
    agg_fill(&v, spec.window);
    assert_ok(agg_group_years(&spec, &v, &w, &group3, 2001, 2002, r, &err),
              &err);
    assert_int_equal(r[0].status, AGG_OK);
    assert_close(r[0].coverage, 100, 1e-12);
    /* 2002: all filled (carried 40, 60; interpolated 85); coverage 0. */
    assert_close(r[1].computed, (10 * 40.0 + 30 * 60.0 + 60 * 85.0) / 100,
                 1e-12);
    assert_int_equal(r[1].n_estimated, 3);
    assert_close(r[1].coverage, 0, 0);
    assert_int_equal(r[1].status, AGG_WITHHELD);
    assert_true(isnan(r[1].value));
    assert_string_equal(r[1].reason, "coverage 0.0% below the 50.0% threshold");
    /* The same panel under "none" ignores filled cells. */
    spec.method = AGG_METHOD_NONE;
    spec.min_coverage = 0;
    assert_ok(agg_group_years(&spec, &v, &w, &group3, 2002, 2002, r, &err),
              &err);
    assert_int_equal(r[0].status, AGG_NO_DATA);
    agg_panel_cleanup(&v);
    agg_panel_cleanup(&w);
}

static void test_median_and_membership_years(void **state)
{
    struct agg_panel v;
    struct agg_spec spec = {AGG_RULE_MEDIAN, AGG_METHOD_ITU, 1, 0};
    const struct agg_member m[] = {{0, 0, 2001}, {1, 2002, 0}, {2, 0, 0}};
    const struct agg_group g = {"G", m, 3};
    struct agg_result r[2];
    struct err err;
    (void)state;

    agg_panel_init(&v, 2000, 5, 3);
    for (int y = 2000; y <= 2004; y++) {
        agg_panel_set(&v, 0, y, 1, false);
        agg_panel_set(&v, 1, y, 5, false);
        agg_panel_set(&v, 2, y, 2, false);
    }
    assert_ok(agg_group_years(&spec, &v, NULL, &g, 2001, 2002, r, &err), &err);
    assert_close(r[0].value, 1.5, 1e-12); /* members 0 and 2 */
    assert_close(r[1].value, 3.5, 1e-12); /* members 1 and 2 */
    assert_int_equal(r[1].n_members, 2);
    assert_close(r[1].coverage, 100, 0); /* counted equally */
    agg_panel_cleanup(&v);
}

static void test_bad_input(void **state)
{
    struct agg_panel v;
    struct agg_spec spec = {AGG_RULE_SUM, AGG_METHOD_NONE, 0, 0};
    const struct agg_member m[] = {{7, 0, 0}};
    const struct agg_group g = {"G", m, 1};
    struct agg_result r;
    struct err err;
    enum agg_method meth;
    enum agg_rule rule;
    (void)state;

    agg_panel_init(&v, 2000, 2, 1);
    assert_int_equal(agg_group_years(&spec, &v, NULL, &g, 2000, 2000, &r, &err),
                     ERR_INVALID);
    assert_int_equal(
        agg_group_years(&spec, &v, NULL, &group3, 2001, 2000, &r, &err),
        ERR_INVALID);
    agg_panel_cleanup(&v);
    assert_int_equal(agg_method_parse("mean", &meth, &err), ERR_INVALID);
    assert_ok(agg_method_parse("itu", &meth, &err), &err);
    assert_int_equal(meth, AGG_METHOD_ITU);
    assert_ok(agg_rule_parse("median", &rule, &err), &err);
    assert_string_equal(agg_rule_name(rule), "median");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wmean_none_reported_only),
        cmocka_unit_test(test_sum_itu_ratio_imputation),
        cmocka_unit_test(test_fill_interpolates_and_carries),
        cmocka_unit_test(test_itu_filled_cells_count_but_not_as_coverage),
        cmocka_unit_test(test_median_and_membership_years),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
