/* Unit tests for render/: TopoJSON decoding, projection, SVG output. */
#include <stdbool.h>

#include "core/buf.h"
#include "core/mem.h"
#include "render/geo.h"
#include "render/svg.h"
#include "testutil.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static void test_projection(void **state)
{
    double x, y;
    (void)state;
    geo_project(0, 0, 1000, &x, &y);
    assert_close(x, 500, 1e-9);
    geo_project(180, 0, 1000, &x, &y);
    assert_close(x, 1000, 1e-4);
    geo_project(0, 90, 1000, &x, &y);
    assert_close(y, 0, 1e-4);
}

static void test_world_map(void **state)
{
    struct err err;
    struct geo_world *w = geo_load("data/geo/countries-110m.json", 960, &err);
    double *vals;
    struct buf b;
    bool kosovo = false;
    (void)state;
    if (w == NULL) {
        fail_msg("%s", err.msg);
    }
    assert_int_equal(w->count, 177);
    vals = xcalloc(w->count, sizeof(double));
    for (size_t i = 0; i < w->count; i++) {
        vals[i] = i % 3 == 0 ? NAN : (double)i;
        kosovo = kosovo || strcmp(w->shapes[i].name, "Kosovo") == 0;
    }
    assert_true(kosovo);
    buf_init(&b);
    svg_map(&b, w, vals, NULL, NULL, "Test <map>", "%");
    assert_int_equal(count(buf_cstr(&b), "<path class=\"country\""), 177);
    assert_non_null(strstr(buf_cstr(&b), "Test &lt;map&gt;"));
    assert_non_null(strstr(buf_cstr(&b), "no data"));
    buf_cleanup(&b);
    xfree(vals);
    geo_free(w);
}

static void test_line_chart(void **state)
{
    int years[] = {2000, 2005, 2010};
    double v1[] = {1, 5, 9.5}, v2[] = {2, 3};
    struct svg_series s[2] = {{"Kenya", years, v1, 3}, {"World", years, v2, 2}};
    struct buf b;
    double t[16];
    size_t n;
    (void)state;
    buf_init(&b);
    svg_line_chart(&b, s, 2, "Chart", "%", "/x.csv");
    assert_int_equal(count(buf_cstr(&b), "class=\"pt\""), 5);
    assert_non_null(strstr(buf_cstr(&b), "<desc"));
    buf_reset(&b);
    svg_sparkline(&b, s, 2);
    assert_int_equal(count(buf_cstr(&b), "<polyline"), 2);
    buf_cleanup(&b);
    n = svg_nice_ticks(0, 97, t, 16);
    assert_true(n >= 2);
    assert_close(t[0], 0, 0);
    assert_true(t[n - 1] >= 97);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_world_map),
        cmocka_unit_test(test_line_chart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
