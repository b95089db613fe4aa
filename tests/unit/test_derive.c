/* Unit tests for compute/formula and compute/derive: catalogue checks
 * (parse errors, unknown indicators, undeclared dimensions, cycles),
 * dependency order, evaluation over a cube with status propagation,
 * official values, aliases by breakdown, non-finite results and the
 * incremental rerun. */
#include "compute/cube.h"
#include "compute/derive.h"
#include "compute/formula.h"
#include "core/buf.h"
#include "core/err.h"
#include "model/model.h"
#include "testutil.h"

static struct indicator ind(const char *code, const char *dims,
                            const char *formula)
{
    struct indicator i;
    memset(&i, 0, sizeof(i));
    i.code = code;
    i.name = code;
    i.definition = "";
    i.unit = "";
    i.kind = "";
    i.collection = "";
    i.dims = dims;
    i.sdg = "";
    i.source_instrument = "";
    i.formula = formula;
    i.agg = "";
    i.weight = "";
    return i;
}

static void catalogue(struct indicator *c, size_t *n)
{
    size_t k = 0;
    c[k++] = ind("SDG-x", "", "i911mw");
    c[k++] = ind("pop", "", "");
    c[k++] = ind("i271mw", "", "");
    c[k++] = ind("i911mw", "", "100 * i271mw / pop");
    c[k++] = ind("i99H", "sex", "");
    c[k++] = ind("gps", "", "i99H[sex=F] / i99H[sex=M]");
    c[k++] = ind("grow", "", "100 * (i271mw / i271mw@-1 - 1)");
    c[k++] = ind("S99", "sex", "i99H");
    *n = k;
}

static void test_order_and_errors(void **state)
{
    struct indicator c[16];
    struct formula_set fs;
    struct err err;
    size_t n;
    (void)state;

    catalogue(c, &n);
    assert_ok(formula_set_build(&fs, c, n, NULL, &err), &err);
    assert_int_equal(fs.count, 5);
    assert_true(formula_set_find(&fs, "i911mw") <
                formula_set_find(&fs, "SDG-x"));
    formula_set_cleanup(&fs);

    c[n] = ind("a", "", "b + 1");
    c[n + 1] = ind("b", "", "2 * a");
    assert_int_equal(compute_check_catalogue(c, n + 2, NULL, &err),
                     ERR_INVALID);
    assert_string_equal(err.msg,
                        "cycle between derived indicators: a -> b -> a");
    c[n] = ind("a", "", "foo / pop");
    assert_int_equal(compute_check_catalogue(c, n + 1, NULL, &err),
                     ERR_INVALID);
    assert_string_equal(err.msg,
                        "formula of a: column 1: unknown indicator 'foo'");
    c[n] = ind("a", "", "100 * (pop");
    assert_int_equal(compute_check_catalogue(c, n + 1, NULL, &err), ERR_PARSE);
    assert_non_null(strstr(err.msg, "formula of a: column"));
    c[n] = ind("a", "", "i271mw[sex=F]");
    assert_int_equal(compute_check_catalogue(c, n + 1, NULL, &err),
                     ERR_INVALID);
    assert_non_null(strstr(err.msg, "not declared"));
    c[n] = ind("a", "", "nofn(pop)");
    assert_int_equal(compute_check_catalogue(c, n + 1, NULL, &err),
                     ERR_INVALID);
}

struct sink {
    struct buf log;
    size_t puts;
    size_t problems;
};

static int put(void *ctx, const struct derive_value *v, struct err *err)
{
    struct sink *s = ctx;
    (void)err;
    s->puts++;
    buf_printf(&s->log, "%s[%s] %s %d ", v->indicator, v->dims, v->economy,
               v->year);
    buf_put_double(&s->log, v->value);
    buf_printf(&s->log, " %s\n", obs_status_name(v->status));
    return 0;
}

static void problem(void *ctx, const char *indicator, const char *economy,
                    int year, const char *inputs)
{
    struct sink *s = ctx;
    s->problems++;
    buf_printf(&s->log, "PROBLEM %s %s %d %s\n", indicator, economy, year,
               inputs);
}

static void fill(struct cube *c)
{
    size_t pop, mw, hf, hm, off;

    cube_series_find(c, "pop", "", true, &pop);
    cube_series_find(c, "i271mw", "", true, &mw);
    cube_series_find(c, "i99H", "sex=F", true, &hf);
    cube_series_find(c, "i99H", "sex=M", true, &hm);
    cube_series_find(c, "i911mw", "", true, &off);
    cube_set(c, pop, 0, 2020, 100, OBS_REPORTED, CUBE_LOADED, 1);
    cube_set(c, pop, 0, 2021, 200, OBS_ESTIMATED, CUBE_LOADED, 1);
    cube_set(c, pop, 1, 2020, 0, OBS_REPORTED, CUBE_LOADED, 1);
    cube_set(c, mw, 0, 2020, 50, OBS_REPORTED, CUBE_LOADED, 1);
    cube_set(c, mw, 0, 2021, 75, OBS_REPORTED, CUBE_LOADED, 2);
    cube_set(c, mw, 1, 2020, 7, OBS_REPORTED, CUBE_LOADED, 1);
    cube_set(c, hf, 0, 2020, 30, OBS_REPORTED, CUBE_LOADED, 1);
    cube_set(c, hm, 0, 2020, 60, OBS_REPORTED, CUBE_LOADED, 1);
    /* An official published value for KEN 2021 wins over the formula. */
    cube_set(c, off, 1, 2021, 99, OBS_REPORTED, CUBE_LOADED, 3);
}

static void test_derive_run(void **state)
{
    const char *econ[] = {"AAA", "KEN"};
    struct indicator cat[16];
    struct formula_set fs;
    struct cube c;
    struct sink s = {{0}, 0, 0};
    struct derive_opts o = {put, problem, &s};
    struct derive_stats st;
    struct err err;
    size_t n;
    (void)state;

    catalogue(cat, &n);
    assert_ok(formula_set_build(&fs, cat, n, NULL, &err), &err);
    cube_init(&c, econ, 2, 2020, 2);
    fill(&c);
    buf_init(&s.log);
    assert_ok(derive_run(&c, &fs, &o, &st, &err), &err);
    /* Problems while evaluating; then the values, economy by economy. */
    assert_string_equal(buf_cstr(&s.log),
                        "PROBLEM i911mw KEN 2020 i271mw=7, pop=0\n"
                        "i911mw[] AAA 2020 50 reported\n"
                        "i911mw[] AAA 2021 37.5 estimated\n"
                        "SDG-x[] AAA 2020 50 reported\n"
                        "SDG-x[] AAA 2021 37.5 estimated\n"
                        "gps[] AAA 2020 0.5 reported\n"
                        "grow[] AAA 2021 50 reported\n"
                        "S99[sex=F] AAA 2020 30 reported\n"
                        "S99[sex=M] AAA 2020 60 reported\n"
                        "SDG-x[] KEN 2021 99 reported\n");
    assert_int_equal(st.official, 1);
    assert_int_equal(st.nonfinite, 1);
    assert_int_equal(st.formulas, 5);
    buf_cleanup(&s.log);
    cube_cleanup(&c);
    formula_set_cleanup(&fs);
}

/* Simulate a store round trip: the values written come back as
 * CUBE_COMPUTED with their signature; a rerun writes nothing, and changing
 * one input recomputes only what depends on it. */
static void test_rerun_is_incremental(void **state)
{
    const char *econ[] = {"AAA", "KEN"};
    struct indicator cat[16];
    struct formula_set fs;
    struct cube c;
    struct sink s = {{0}, 0, 0};
    struct derive_opts o = {put, problem, &s};
    struct derive_stats st;
    struct err err;
    size_t n, mw, ev;
    (void)state;

    catalogue(cat, &n);
    assert_ok(formula_set_build(&fs, cat, n, NULL, &err), &err);
    cube_init(&c, econ, 2, 2020, 2);
    fill(&c);
    buf_init(&s.log);
    assert_ok(derive_run(&c, &fs, &o, &st, &err), &err);
    for (size_t i = 0; i < c.nseries; i++) {
        for (size_t k = 0; k < 4; k++) {
            if (c.series[i].origin[k] == CUBE_NEW) {
                c.series[i].origin[k] = CUBE_COMPUTED;
                c.series[i].batch[k] = 10;
            }
        }
    }
    s.puts = 0;
    buf_reset(&s.log);
    assert_ok(derive_run(&c, &fs, &o, &st, &err), &err);
    if (s.puts != 0) {
        fail_msg("%s", buf_cstr(&s.log));
    }
    /* Only cells never stored are evaluated again (partial inputs). */
    ev = st.evaluated;
    assert_true(st.unchanged >= 8);
    /* AAA 2021 i271mw revised: i911mw, SDG-x and grow for AAA 2021. */
    cube_series_find(&c, "i271mw", "", false, &mw);
    cube_set(&c, mw, 0, 2021, 100, OBS_REPORTED, CUBE_LOADED, 11);
    assert_ok(derive_run(&c, &fs, &o, &st, &err), &err);
    assert_int_equal(s.puts, 3);
    assert_int_equal(st.evaluated, ev + 3);
    buf_cleanup(&s.log);
    cube_cleanup(&c);
    formula_set_cleanup(&fs);
}

/* SDG 9.c.1 is assembled by technology from separate coverage series. */
static void test_sdg_parts(void **state)
{
    const char *econ[] = {"KEN"};
    struct indicator cat[4];
    struct formula_set fs;
    struct cube c;
    struct sink s = {{0}, 0, 0};
    struct derive_opts o = {put, problem, &s};
    struct derive_stats st;
    struct err err;
    size_t g3, g4;
    (void)state;

    cat[0] = ind("SDG-9.c.1", "tech;area", "");
    cat[1] = ind("i271G", "area", "");
    cat[2] = ind("i271GA", "area", "");
    assert_ok(formula_set_build(&fs, cat, 3, NULL, &err), &err);
    assert_int_equal(fs.count, 2);
    assert_string_equal(fs.items[0].out_dims, "tech=3G");
    cube_init(&c, econ, 1, 2022, 1);
    cube_series_find(&c, "i271G", "", true, &g3);
    cube_series_find(&c, "i271GA", "", true, &g4);
    cube_set(&c, g3, 0, 2022, 98, OBS_REPORTED, CUBE_LOADED, 1);
    cube_set(&c, g4, 0, 2022, 97, OBS_ESTIMATED, CUBE_LOADED, 1);
    buf_init(&s.log);
    assert_ok(derive_run(&c, &fs, &o, &st, &err), &err);
    assert_string_equal(buf_cstr(&s.log),
                        "SDG-9.c.1[tech=3G] KEN 2022 98 reported\n"
                        "SDG-9.c.1[tech=4G] KEN 2022 97 estimated\n");
    buf_cleanup(&s.log);
    cube_cleanup(&c);
    formula_set_cleanup(&fs);
}

static void test_note_sig(void **state)
{
    (void)state;
    assert_true(derive_note_sig("inputs a#1 sig=00000000000000ff") == 255);
    assert_true(derive_note_sig("no signature") == 0);
    assert_true(derive_note_sig(NULL) == 0);
}

/* cube_take_series: the halves of a load, with other years, become one
 * cube; cubes of other economies are refused and left alone. */
static void test_cube_take_series(void **state)
{
    const char *econ[] = {"AAA", "KEN"};
    const char *other[] = {"AAA", "USA"};
    struct cube a, b, c;
    size_t s, cell;
    (void)state;

    cube_init(&a, econ, 2, 2020, 0);
    cube_init(&b, econ, 2, 2020, 0);
    cube_init(&c, other, 2, 2020, 2);
    cube_include_year(&a, 2020);
    cube_series_find(&a, "pop", "", true, &s);
    cube_set(&a, s, 1, 2020, 5, OBS_REPORTED, CUBE_LOADED, 1);
    cube_include_year(&b, 2022);
    cube_series_find(&b, "i99H", "sex=F", true, &s);
    cube_set(&b, s, 0, 2022, 7, OBS_ESTIMATED, CUBE_COMPUTED, 2);
    cube_set_sig(&b, s, 0, 2022, 42);
    assert_false(cube_take_series(&a, &c));
    assert_int_equal(c.nseries, 0);
    assert_int_equal(a.nseries, 1);
    assert_true(cube_take_series(&a, &b));
    assert_int_equal(b.nseries, 0);
    assert_int_equal(a.year0, 2020);
    assert_int_equal(a.nyears, 3);
    assert_int_equal(a.nseries, 2);
    assert_true(cube_series_find(&a, "pop", "", false, &s));
    assert_true(cube_cell(&a, 1, 2020, &cell));
    assert_true(a.series[s].value[cell] == 5);
    assert_true(cube_series_find(&a, "i99H", "sex=F", false, &s));
    assert_true(cube_cell(&a, 0, 2022, &cell));
    assert_true(a.series[s].value[cell] == 7);
    assert_int_equal(a.series[s].status[cell], OBS_ESTIMATED);
    assert_int_equal(a.series[s].batch[cell], 2);
    assert_int_equal(a.series[s].sig[cell], 42);
    assert_true(cube_cell(&a, 0, 2021, &cell));
    assert_true(isnan(a.series[s].value[cell]));
    cube_cleanup(&a);
    cube_cleanup(&b);
    cube_cleanup(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_errors),
        cmocka_unit_test(test_derive_run),
        cmocka_unit_test(test_rerun_is_incremental),
        cmocka_unit_test(test_sdg_parts),
        cmocka_unit_test(test_note_sig),
        cmocka_unit_test(test_cube_take_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
