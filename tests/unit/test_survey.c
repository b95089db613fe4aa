/* Unit tests for survey/: the normal quantile, loading (CSV, errors,
 * optional columns, the two-thread path), estimates on a design small
 * enough to check by hand, lonely PSUs and output formats. The full
 * comparison with R is tests/survey/run-suite.sh. */
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "survey/survey.h"
#include "testutil.h"

/* Write text to a fresh temporary .csv file; returns its owned path. */
static char *temp_csv(const char *text)
{
    char tmpl[] = "/tmp/ictdev-test-XXXXXX.csv";
    int fd = mkstemps(tmpl, 4);
    FILE *f;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return xstrdup(tmpl);
}

static void test_qnorm(void **state)
{
    (void)state;
    /* Values from R's qnorm, printed with %.17g. */
    assert_close(survey_qnorm(0.975), 1.9599639845400536, 1e-15);
    assert_close(survey_qnorm(0.995), 2.5758293035489004, 1e-15);
    assert_close(survey_qnorm(0.5), 0, 1e-15);
    assert_close(survey_qnorm(0.025), -1.959963984540054, 1e-15);
    assert_close(survey_qnorm(1e-10), -6.3613409024040557, 1e-14);
    assert_close(survey_qnorm(1e-300), -37.0470962993612005, 1e-14);
    assert_true(isnan(survey_qnorm(0)));
    assert_true(isnan(survey_qnorm(1)));
    assert_true(isnan(survey_qnorm(NAN)));
}

/* Two strata; stratum A has PSUs 1 and 2, stratum B has PSUs 1 and 2
 * (labels reused: nested), one row with missing y. */
static const char design_csv[] = "st,psu,w,y,g\n"
                                 "A,1,1,1,x\n"
                                 "A,1,2,3,y\n"
                                 "A,2,1,2,x\n"
                                 "B,1,1,4,y\n"
                                 "B,2,2,,x\n"
                                 "B,2,1,6,y\n";

static struct survey_spec mean_spec(const char *const *vars)
{
    struct survey_spec s = {0};

    s.weight = "w";
    s.strata = "st";
    s.psu = "psu";
    s.stat = SURVEY_STAT_MEAN;
    s.vars = vars;
    s.var_count = 1;
    s.lonely = SURVEY_LONELY_FAIL;
    s.level = 0.95;
    return s;
}

static int run(const char *path, const struct survey_spec *spec,
               struct survey_result *res, struct err *err)
{
    struct survey_wantlist wl;
    struct survey_data d;
    int rc = survey_spec_wants(spec, &wl, err);

    if (rc != 0) {
        return rc;
    }
    rc = survey_data_load(path, wl.want, wl.count, 1, &d, err);
    if (rc == 0) {
        rc = survey_estimate(&d, spec, res, err);
        survey_data_cleanup(&d);
    }
    survey_wantlist_cleanup(&wl);
    return rc;
}

static void test_mean_by_hand(void **state)
{
    static const char *const vars[] = {"y"};
    char *path = temp_csv(design_csv);
    struct survey_spec spec = mean_spec(vars);
    struct survey_result res;
    struct err err = {0};
    /* Rows used: weights 1,2,1,1,1 and y 1,3,2,4,6: W = 6, mean = 19/6.
     * z = w (y - m) / W per row; PSU totals: A1 = (1(1-m) + 2(3-m))/6,
     * A2 = (2-m)/6, B1 = (4-m)/6, B2 = (6-m)/6. Stratum variance with
     * n=2: (z1 - z2)^2 (= 2 * sum of squared deviations). */
    double m = 19.0 / 6.0;
    double a1 = (1 * (1 - m) + 2 * (3 - m)) / 6;
    double a2 = (2 - m) / 6;
    double b1 = (4 - m) / 6;
    double b2 = (6 - m) / 6;
    double var = (a1 - a2) * (a1 - a2) + (b1 - b2) * (b1 - b2);
    (void)state;

    assert_ok(run(path, &spec, &res, &err), &err);
    assert_int_equal(res.count, 1);
    assert_close(res.rows[0].estimate, m, 1e-15);
    assert_close(res.rows[0].se, sqrt(var), 1e-15);
    assert_int_equal(res.rows[0].n, 5);
    assert_close(res.rows[0].ci_low, m - survey_qnorm(0.975) * sqrt(var),
                 1e-15);
    survey_result_cleanup(&res);
    unlink(path);
    xfree(path);
}

static void test_total_by_group(void **state)
{
    static const char *const vars[] = {"y"};
    static const char *const by[] = {"g"};
    char *path = temp_csv(design_csv);
    struct survey_spec spec = mean_spec(vars);
    struct survey_result res;
    struct err err = {0};
    struct buf b;
    (void)state;

    spec.stat = SURVEY_STAT_TOTAL;
    spec.by = by;
    spec.by_count = 1;
    assert_ok(run(path, &spec, &res, &err), &err);
    assert_int_equal(res.count, 2);
    /* x: rows (A1,w1,y1), (A2,w1,y2): total 3; y: 6 + 4 + 6 = 16. */
    assert_string_equal(res.rows[0].group[0], "x");
    assert_close(res.rows[0].estimate, 3, 0);
    assert_string_equal(res.rows[1].group[0], "y");
    assert_close(res.rows[1].estimate, 16, 0);
    /* x in stratum A: PSU totals 1 and 2 -> var (1-2)^2 = 1; stratum B has
     * no x row with y present but B2 holds the missing one: B is not in
     * the domain (R drops the row before the variance). y: A totals 6
     * and 0 -> 36; B totals 4 and 6 -> 4; se = sqrt(40). */
    assert_close(res.rows[0].se, 1, 1e-15);
    assert_close(res.rows[1].se, sqrt(40), 1e-15);
    buf_init(&b);
    survey_result_format(&res, false, true, &b);
    assert_string_equal(buf_cstr(&b),
                        "statistic,variable,g,estimate,se,ci_low,ci_high,n\n"
                        "total,y,x,3,1,1.0400360154599464,4.959963984540053,"
                        "2\n"
                        "total,y,y,16,6.324555320336759,3.6040993539087705,"
                        "28.395900646091228,3\n");
    buf_reset(&b);
    survey_result_format(&res, true, true, &b);
    assert_non_null(strstr(buf_cstr(&b), "[{\"statistic\":\"total\""));
    buf_cleanup(&b);
    survey_result_cleanup(&res);
    unlink(path);
    xfree(path);
}

static void test_lonely(void **state)
{
    static const char *const vars[] = {"y"};
    char *path = temp_csv("st,psu,w,y\nA,1,1,1\nA,2,1,3\nB,1,2,5\n");
    struct survey_spec spec = mean_spec(vars);
    struct survey_result res;
    struct err err = {0};
    (void)state;

    assert_int_equal(run(path, &spec, &res, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "stratum 'B' has only one PSU"));
    spec.lonely = SURVEY_LONELY_REMOVE;
    assert_ok(run(path, &spec, &res, &err), &err);
    assert_close(res.rows[0].estimate, 14.0 / 4.0, 1e-15);
    survey_result_cleanup(&res);
    spec.lonely = SURVEY_LONELY_ADJUST;
    spec.stat = SURVEY_STAT_TOTAL;
    assert_ok(run(path, &spec, &res, &err), &err);
    /* A: PSU totals 1 and 3 -> (1-3)^2 = 4; B lonely, adjust: 10^2. */
    assert_close(res.rows[0].se, sqrt(104), 1e-15);
    survey_result_cleanup(&res);
    unlink(path);
    xfree(path);
}

static void test_load_errors(void **state)
{
    static const char *const vars[] = {"y"};
    struct survey_spec spec = mean_spec(vars);
    struct survey_result res;
    struct err err = {0};
    char *p1 = temp_csv("st,psu,w,y\nA,1,1,1\nA,,1,2\n");
    char *p2 = temp_csv("st,psu,w,y\nA,1,1,1\nA,2,-1,2\n");
    char *p3 = temp_csv("st,psu,w\nA,1,1\n");
    (void)state;

    assert_int_equal(run(p1, &spec, &res, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, ":3: column 'psu' (field 2): missing "
                                    "value for psu"));
    assert_int_equal(run(p2, &spec, &res, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, ":3: column 'w' (field 3): negative"));
    assert_int_equal(run(p3, &spec, &res, &err), ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, ":1: no column 'y'"));
    spec.where = "y >";
    assert_int_equal(run(p3, &spec, &res, &err), ERR_PARSE);
    assert_string_equal(err.msg,
                        "--where: column 4: unexpected end of expression");
    unlink(p1);
    unlink(p2);
    unlink(p3);
    xfree(p1);
    xfree(p2);
    xfree(p3);
}

static void test_parallel_same(void **state)
{
    struct buf text;
    struct survey_want want[] = {
        {.name = "w", .kinds = SURVEY_NUM, .required = true},
        {.name = "g", .kinds = SURVEY_CAT},
        {.name = "nope", .kinds = SURVEY_NUM, .optional = true},
    };
    struct survey_data d1;
    struct survey_data d2;
    struct err err = {0};
    char *path;
    (void)state;

    buf_init(&text);
    buf_puts(&text, "w,g\n");
    for (int i = 0; i < 5000; i++) {
        buf_printf(&text, "%d.%d,%c\n", i, i % 7, "abcde"[(i * 7) % 5]);
    }
    path = temp_csv(buf_cstr(&text));
    buf_cleanup(&text);
    assert_ok(survey_data_load(path, want, 3, 1, &d1, &err), &err);
    setenv("ICTDEV_PARALLEL_MIN", "0", 1);
    assert_ok(survey_data_load(path, want, 3, 2, &d2, &err), &err);
    unsetenv("ICTDEV_PARALLEL_MIN");
    assert_int_equal(d1.rows, 5000);
    assert_int_equal(d2.rows, 5000);
    assert_int_equal(d1.col_count, 2); /* "nope" is optional and absent */
    assert_null(survey_data_col(&d1, "nope"));
    for (size_t i = 0; i < d1.rows; i++) {
        const struct survey_col *g1 = survey_data_col(&d1, "g");
        const struct survey_col *g2 = survey_data_col(&d2, "g");
        assert_true(d1.cols[0].num[i] == d2.cols[0].num[i]);
        assert_string_equal(g1->labels[g1->cat[i]], g2->labels[g2->cat[i]]);
    }
    assert_close(d1.cols[0].num[4999], 4999.1, 0);
    survey_data_cleanup(&d1);
    survey_data_cleanup(&d2);
    unlink(path);
    xfree(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qnorm),
        cmocka_unit_test(test_mean_by_hand),
        cmocka_unit_test(test_total_by_group),
        cmocka_unit_test(test_lonely),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_parallel_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
