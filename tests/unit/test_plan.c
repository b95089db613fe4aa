/* Unit tests of the results framework: loading the seeded plan, validation
 * (unknown target, bad expression, target before baseline, cycles), edits
 * that leave the plan unchanged on error, KPI expressions over statistics
 * (group functions, eco=), the status rule, roll-ups and rendering. Run from
 * the repository root (tests/run.sh does). */
#include "core/buf.h"
#include "core/mem.h"
#include "plan/kpi_expr.h"
#include "plan/plan.h"
#include "plan/progress.h"
#include "plan/render.h"
#include "plan/stats.h"
#include "testutil.h"

#define DIR "data/plan"

static struct plan *seed(void)
{
    struct err err = {0};
    struct plan *p = plan_load_dir(DIR, &err);

    if (p == NULL) {
        fail_msg("plan_load_dir: %s", err.msg);
    }
    return p;
}

static void test_load_seed(void **state)
{
    struct plan *p = seed();
    size_t kpis = 0;
    const struct plan_element *k;
    const struct plan_target *t;

    (void)state;
    assert_true(p->set_illustrative);
    assert_non_null(plan_find(p, "P1"));
    assert_non_null(plan_find(p, "PS5"));
    assert_non_null(plan_find(p, "E7"));
    for (size_t i = 0; i < p->count; i++) {
        kpis += p->elements[i].kind == PLAN_KPI;
    }
    assert_true(kpis >= 12);
    k = plan_find(p, "K03");
    assert_non_null(k);
    assert_string_equal(k->kpi.expr, "count_members(LDC, i271GA >= 90)");
    assert_int_equal(k->kpi.base_year, 2022);
    t = plan_find_target(p, "sdg:9.c.1");
    assert_non_null(t);
    assert_int_equal(t->type, PT_SDG_INDICATOR);
    t = plan_find_target(p, "res:WTDC-37");
    assert_non_null(t);
    assert_int_equal(t->type, PT_RESOLUTION);
    assert_false(t->verified);
    assert_non_null(plan_find_target(p, "q:Q1/1"));
    assert_non_null(plan_find_target(p, "ri:AFR1"));
    assert_non_null(plan_find_target(p, "sp:T3"));
    assert_non_null(plan_find_target(p, "wsis:C2"));
    assert_true(plan_links_to(p, k, "sdg:9.c"));
    assert_true(plan_links_to(p, k, "P1"));
    assert_false(plan_links_to(p, k, "P2"));
    plan_free(p);
}

/* A rejected edit: the given code and a message containing want, and the
 * plan as before (same JSON). */
static void expect_put_fails(struct plan *p, const char *json, int code,
                             const char *want)
{
    struct err err = {0};
    char *before = plan_to_json(p);
    char *after;

    assert_int_equal(plan_put_element(p, json, &err), code);
    if (strstr(err.msg, want) == NULL) {
        fail_msg("message '%s' lacks '%s'", err.msg, want);
    }
    after = plan_to_json(p);
    assert_string_equal(before, after);
    xfree(before);
    xfree(after);
}

static void test_validation(void **state)
{
    struct plan *p = seed();

    (void)state;
    expect_put_fails(p,
                     "{\"id\":\"O9\",\"kind\":\"output\",\"parent\":\"P1\","
                     "\"name\":\"x\",\"links\":[\"sdg:99.z\"]}",
                     ERR_INVALID, "link to unknown target 'sdg:99.z'");
    expect_put_fails(p,
                     "{\"id\":\"K99\",\"kind\":\"kpi\",\"parent\":\"O1.1\","
                     "\"name\":\"x\",\"direction\":\"up\",\"expr\":\"i99H "
                     "+\",\"economy\":\"WLD\",\"baseline\":{\"value\":1,"
                     "\"year\":2022},\"target\":{\"value\":2,\"year\":2025}}",
                     ERR_PARSE, "KPI 'K99'");
    expect_put_fails(p,
                     "{\"id\":\"K99\",\"kind\":\"kpi\",\"parent\":\"O1.1\","
                     "\"name\":\"x\",\"direction\":\"up\",\"expr\":\"i99H\","
                     "\"economy\":\"WLD\",\"baseline\":{\"value\":1,"
                     "\"year\":2022},\"target\":{\"value\":2,\"year\":2020}}",
                     ERR_INVALID, "target year 2020 is before the baseline");
    /* P1 under O1.1, which is under P1: a cycle. */
    expect_put_fails(p,
                     "{\"id\":\"P1\",\"kind\":\"priority\",\"parent\":"
                     "\"O1.1\",\"name\":\"x\"}",
                     ERR_INVALID, "cycle");
    expect_put_fails(p, "{\"id\":\"O9\",\"kind\":\"output\"", ERR_PARSE,
                     "element JSON");
    expect_put_fails(p, "{\"id\":\"O9\",\"kind\":\"outcome\",\"name\":\"x\"}",
                     ERR_INVALID, "unknown element kind 'outcome'");
    plan_free(p);
}

static void test_link_cycle_and_edits(void **state)
{
    struct plan *p = seed();
    struct err err = {0};
    struct plan_value_in v = {0};
    const struct plan_value *rev;

    (void)state;
    assert_ok(plan_add_link(p, "O1.1", "O1.2", "supports", &err), &err);
    assert_int_equal(plan_add_link(p, "O1.2", "O1.1", "", &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "cycle"));
    assert_int_equal(plan_add_link(p, "O1.1", "O1.2", "", &err), ERR_CONFLICT);
    assert_int_equal(plan_add_link(p, "O1.1", "O2.1", "likes", &err),
                     ERR_INVALID);
    assert_ok(plan_delete_link(p, "O1.1", "O1.2", &err), &err);
    assert_int_equal(plan_delete_element(p, "O1.1", &err), ERR_CONFLICT);
    assert_ok(plan_put_element(p,
                               "{\"id\":\"O9\",\"kind\":\"output\","
                               "\"parent\":\"P3\",\"name\":\"New\","
                               "\"links\":[\"sdg:9.c\"]}",
                               &err),
              &err);
    assert_non_null(plan_find(p, "O9"));
    assert_ok(plan_delete_element(p, "O9", &err), &err);
    assert_null(plan_find(p, "O9"));
    assert_int_equal(plan_delete_element(p, "O9", &err), ERR_NOT_FOUND);

    /* Reported values: revisions are appended; withdraw hides the value. */
    v.kpi = "K16";
    v.year = 2025;
    v.value = 20;
    v.note = "first";
    assert_ok(plan_report_value(p, &v, &err), &err);
    v.value = 21;
    v.note = "corrected";
    assert_ok(plan_report_value(p, &v, &err), &err);
    assert_close(plan_reported(p, "K16", 2025, &rev), 21, 0);
    assert_int_equal(rev->revision, 2);
    v.is_deleted = true;
    assert_ok(plan_report_value(p, &v, &err), &err);
    assert_true(isnan(plan_reported(p, "K16", 2025, NULL)));
    v.is_deleted = false;
    v.kpi = "K01";
    assert_int_equal(plan_report_value(p, &v, &err), ERR_INVALID);
    v.kpi = "K16";
    v.sha256 = "abc";
    assert_int_equal(plan_report_value(p, &v, &err), ERR_INVALID);
    plan_free(p);
}

static void test_json_roundtrip(void **state)
{
    struct plan *p = seed();
    struct err err = {0};
    char *a = plan_to_json(p);
    struct plan *q = plan_from_json(a, strlen(a), "t", &err);
    char *b;

    (void)state;
    assert_non_null(q);
    b = plan_to_json(q);
    assert_string_equal(a, b);
    xfree(a);
    xfree(b);
    plan_free(q);
    q = plan_from_json("{", 1, "t", &err);
    assert_null(q);
    assert_int_equal(err.code, ERR_PARSE);
    plan_free(p);
}

static void test_load_set(void **state)
{
    struct plan *p = seed();
    struct err err = {0};
    const char *path = "build/test_plan_set.json";
    FILE *f = fopen(path, "w");

    (void)state;
    assert_non_null(f);
    fputs("{\"_meta\":{\"name\":\"Official\",\"illustrative\":false},"
          "\"elements\":[{\"id\":\"X1\",\"kind\":\"output\",\"parent\":"
          "\"P2\",\"name\":\"o\",\"links\":[\"wsis:C2\"]},{\"id\":\"XK\","
          "\"kind\":\"kpi\",\"parent\":\"X1\",\"name\":\"k\",\"unit\":\"%\","
          "\"direction\":\"up\",\"expr\":\"i99H\",\"economy\":\"WLD\","
          "\"baseline\":{\"value\":60,\"year\":2020},\"target\":{\"value\":"
          "80,\"year\":2030}}]}",
          f);
    fclose(f);
    assert_ok(plan_load_set(p, path, &err), &err);
    assert_false(p->set_illustrative);
    assert_string_equal(p->set_name, "Official");
    assert_null(plan_find(p, "K01"));
    assert_non_null(plan_find(p, "XK"));
    assert_non_null(plan_find(p, "P1"));
    f = fopen(path, "w");
    fputs("{\"elements\":[{\"id\":\"X1\",\"kind\":\"output\",\"parent\":"
          "\"P9\",\"name\":\"o\"}]}",
          f);
    fclose(f);
    assert_int_equal(plan_load_set(p, path, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "unknown parent 'P9'"));
    assert_non_null(plan_find(p, "XK"));
    assert_int_equal(plan_load_set(p, "build/none.json", &err), ERR_NOT_FOUND);
    unlink(path);
    plan_free(p);
}

static void test_status_rule(void **state)
{
    struct plan_kpi k = {0};

    (void)state;
    k.direction = 1;
    k.base_value = 50;
    k.base_year = 2020;
    k.target_value = 70;
    k.target_year = 2030;
    assert_close(plan_trajectory(&k, 2025), 60, 1e-12);
    assert_int_equal(plan_status_of(&k, 2025, NAN), PS_NO_DATA);
    assert_int_equal(plan_status_of(&k, 2025, 70), PS_ACHIEVED);
    assert_int_equal(plan_status_of(&k, 2025, 60), PS_ON_TRACK);
    assert_int_equal(plan_status_of(&k, 2025, 58.5), PS_AT_RISK);
    assert_int_equal(plan_status_of(&k, 2025, 57.9), PS_OFF_TRACK);
    assert_int_equal(plan_status_of(&k, 2030, 69), PS_OFF_TRACK);
    assert_int_equal(plan_status_of(&k, 2018, 50), PS_ON_TRACK);
    /* Down is better. */
    k.direction = -1;
    k.base_value = 10;
    k.target_value = 2;
    k.target_year = 2024;
    assert_int_equal(plan_status_of(&k, 2022, 6), PS_ON_TRACK);
    assert_int_equal(plan_status_of(&k, 2022, 7), PS_OFF_TRACK);
    assert_int_equal(plan_status_of(&k, 2022, 2), PS_ACHIEVED);
    /* No baseline value: judged against the target only. */
    k.base_value = NAN;
    assert_int_equal(plan_status_of(&k, 2022, 5), PS_AT_RISK);
    assert_int_equal(plan_status_of(&k, 2024, 5), PS_OFF_TRACK);
}

static void fill_stats(struct plan_stats *s)
{
    static const char *const ldc[] = {"AAA", "BBB", "CCC"};

    plan_stats_init(s);
    for (size_t i = 0; i < 3; i++) {
        plan_stats_member(s, "LDC", ldc[i], 0, i == 2 ? 2022 : 0);
        plan_stats_member(s, "WLD", ldc[i], 0, 0);
    }
    plan_stats_put(s, "i271GA", "", "AAA", 2023, 95);
    plan_stats_put(s, "i271GA", "", "BBB", 2023, 80);
    plan_stats_put(s, "i271GA", "", "CCC", 2023, 99); /* not LDC in 2023 */
    plan_stats_put(s, "i271GA", "", "AAA", 2022, 85);
    plan_stats_put(s, "i99H", "", "WLD", 2023, 67);
    plan_stats_put(s, "i99H", "", "WLD", 2022, 60);
    plan_stats_put(s, "i99H", "", "LDC", 2023, 35);
    plan_stats_put(s, "i99H", "sex=F", "WLD", 2023, 65);
    plan_stats_put(s, "i99H", "sex=M", "WLD", 2023, 70);
}

static double eval1(const char *expr, const char *eco,
                    const struct plan_stats *s, int year)
{
    struct err err = {0};
    struct kpi_prog *p = kpi_prog_new(expr, eco, &err);
    double v;

    if (p == NULL) {
        fail_msg("%s: %s", expr, err.msg);
    }
    v = kpi_prog_eval(p, s, year);
    kpi_prog_free(p);
    return v;
}

static void test_kpi_expr(void **state)
{
    struct plan_stats s;
    struct err err = {0};

    (void)state;
    fill_stats(&s);
    assert_close(eval1("count_members(LDC, i271GA >= 90)", "", &s, 2023), 1, 0);
    assert_close(eval1("count_members(LDC, i271GA >= 90)", "", &s, 2022), 0, 0);
    assert_true(isnan(eval1("count_members(LDC, i271GA >= 90)", "", &s, 2021)));
    assert_close(eval1("share_members(LDC, i271GA >= 90)", "", &s, 2023), 50,
                 1e-12);
    assert_close(eval1("mean_members(LDC, i271GA)", "", &s, 2023), 87.5, 1e-12);
    assert_close(eval1("i99H", "WLD", &s, 2023), 67, 0);
    assert_close(eval1("i99H[eco=WLD] - i99H[eco=LDC]", "", &s, 2023), 32,
                 1e-12);
    assert_close(eval1("i99H[sex=F] / i99H[sex=M]", "WLD", &s, 2023),
                 65.0 / 70.0, 1e-12);
    assert_close(eval1("i99H - i99H@-1", "WLD", &s, 2023), 7, 1e-12);
    assert_true(isnan(eval1("i99H - i99H@-1", "WLD", &s, 2022)));
    assert_true(isnan(eval1("i99H", "WLD", &s, 2020)));
    assert_int_equal(kpi_expr_check("i99H", "", &err), ERR_INVALID);
    assert_int_equal(kpi_expr_check("i99H >", "WLD", &err), ERR_PARSE);
    assert_int_equal(kpi_expr_check("count_members(, i99H)", "", &err),
                     ERR_INVALID);
    plan_stats_cleanup(&s);
}

static void test_progress_rollups_render(void **state)
{
    struct plan *p = seed();
    struct plan_stats s;
    struct plan_progress *pr;
    struct plan_rollup r;
    struct buf b;
    size_t k03 = (size_t)(plan_find(p, "K03") - p->elements);

    (void)state;
    fill_stats(&s);
    pr = plan_progress_new(p, &s);
    assert_close(plan_progress_value(pr, k03, 2023), 1, 0);
    /* Baseline 8 (2022) -> 20 (2027): 1 is far behind. */
    assert_int_equal(plan_progress_status(pr, k03, 2023), PS_OFF_TRACK);
    assert_int_equal(plan_progress_status(pr, k03, 2030), PS_NO_DATA);
    plan_rollup_element(pr, "O1.1", 2023, &r);
    assert_int_equal(r.total, 4);
    assert_int_equal(r.counts[PS_OFF_TRACK], 1);
    assert_int_equal(r.counts[PS_NO_DATA], 3);
    plan_rollup_target(pr, "sdg:9.c", 2023, &r);
    assert_true(r.total >= 4);
    plan_rollup_region(pr, "LDC", 2023, &r);
    assert_true(r.total >= 3);
    assert_string_equal(plan_progress_region(pr, k03), "LDC");

    buf_init(&b);
    plan_render_progress(pr, 2023, true, &b);
    assert_non_null(
        strstr(buf_cstr(&b), "kpi,element,value,baseline,target,status\n"));
    assert_non_null(strstr(buf_cstr(&b), "K03,O1.1,1,8,20,off track\n"));
    buf_reset(&b);
    plan_render_tree(pr, 2023, true, &b);
    assert_non_null(strstr(buf_cstr(&b), "\"outputs\""));
    assert_non_null(strstr(buf_cstr(&b), "\"kpis\""));
    buf_reset(&b);
    assert_true(plan_render_links(pr, "sdg:9.c", 2023, &b));
    assert_non_null(strstr(buf_cstr(&b), "K03,kpi,"));
    assert_false(plan_render_links(pr, "sdg:nope", 2023, &b));
    buf_reset(&b);
    plan_render_report(pr, 2023, &b);
    assert_non_null(strstr(buf_cstr(&b), "<svg"));
    assert_null(strstr(buf_cstr(&b), "http://www.w3.org/1999/xhtml\" src"));
    assert_non_null(strstr(buf_cstr(&b), "</html>"));
    buf_reset(&b);
    plan_render_no_kpi(pr, &b);
    assert_non_null(strstr(buf_cstr(&b), "O5.2,output,"));
    buf_cleanup(&b);
    plan_progress_free(pr);
    plan_stats_cleanup(&s);
    plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_seed),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_link_cycle_and_edits),
        cmocka_unit_test(test_json_roundtrip),
        cmocka_unit_test(test_load_set),
        cmocka_unit_test(test_status_rule),
        cmocka_unit_test(test_kpi_expr),
        cmocka_unit_test(test_progress_rollups_render),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
