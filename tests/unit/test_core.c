/* Unit tests for core/: buffers, number parsing, UTF-8, the string map. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/strmap.h"
#include "core/strparse.h"
#include "testutil.h"

static void test_buf_grows_and_detaches(void **state)
{
    struct buf b;
    char *s;
    (void)state;

    buf_init(&b);
    assert_string_equal(buf_cstr(&b), "");
    for (int i = 0; i < 1000; i++) {
        buf_printf(&b, "%d,", i);
    }
    assert_int_equal(strncmp(buf_cstr(&b), "0,1,2,", 6), 0);
    assert_true(b.len > 3000);
    s = buf_detach(&b);
    assert_null(b.data);
    xfree(s);
    buf_cleanup(&b);
}

/* The printf-free formatters write what printf writes. */
static void test_buf_number_formats(void **state)
{
    static const long long ints[] = {0,
                                     7,
                                     -7,
                                     10,
                                     99,
                                     1234567890123LL,
                                     -9223372036854775807LL - 1,
                                     9223372036854775807LL};
    static const double fixed[] = {
        0,    100,   99.95, 99.949999, 0.05,  0.15,   0.25,  12.345, 66.66666,
        1e14, 1e300, -0.0,  -3.25,     33.35, 2.5e-7, 0.999, 99.999, 1e-300};
    char want[400];
    struct buf b;
    (void)state;

    buf_init(&b);
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        buf_reset(&b);
        buf_put_int(&b, ints[i]);
        snprintf(want, sizeof(want), "%lld", ints[i]);
        assert_string_equal(buf_cstr(&b), want);
        buf_reset(&b);
        buf_put_hex16(&b, (unsigned long long)ints[i]);
        snprintf(want, sizeof(want), "%016llx", (unsigned long long)ints[i]);
        assert_string_equal(buf_cstr(&b), want);
    }
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        buf_reset(&b);
        buf_put_fixed1(&b, fixed[i]);
        snprintf(want, sizeof(want), "%.1f", fixed[i]);
        assert_string_equal(buf_cstr(&b), want);
    }
    /* Coverage-like values: every ratio of small counts. */
    for (int n = 1; n <= 300; n++) {
        for (int k = 0; k <= n; k++) {
            double v = 100.0 * k / n;
            buf_reset(&b);
            buf_put_fixed1(&b, v);
            snprintf(want, sizeof(want), "%.1f", v);
            assert_string_equal(buf_cstr(&b), want);
        }
    }
    buf_cleanup(&b);
}

static void test_double_round_trip(void **state)
{
    static const double vals[] = {0.1,
                                  1.0 / 3.0,
                                  22.6688,
                                  128037000,
                                  -0.0,
                                  5e-324,
                                  1.7976931348623157e308,
                                  121.168999135357};
    (void)state;
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        char tmp[40];
        double back;
        struct err err;
        size_t n = fmt_double(tmp, sizeof(tmp), vals[i]);
        assert_ok(parse_double(tmp, n, &back, &err), &err);
        assert_memory_equal(&back, &vals[i], sizeof(double));
    }
    {
        char tmp[40];
        fmt_double(tmp, sizeof(tmp), 22.6688);
        assert_string_equal(tmp, "22.6688");
    }
}

/* fmt_i64 writes what "%lld" writes, at the edges too. */
static void test_fmt_i64(void **state)
{
    static const int64_t vals[] = {
        0,       1,          -1,        9,         10,           -10,
        1234567, -987654321, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    (void)state;
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        char got[32];
        char want[32];
        size_t n = fmt_i64(got, vals[i]);
        snprintf(want, sizeof(want), "%lld", (long long)vals[i]);
        assert_string_equal(got, want);
        assert_int_equal(n, strlen(want));
    }
}

static void test_parse_double_rejects(void **state)
{
    static const char *bad[] = {"",   "nan",   "inf",  "-inf", "0x10",
                                "1e", "1.2.3", " 1",   "1 ",   "e5",
                                ".",  "+",     "1e999"};
    struct err err;
    double v = 42;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse_double(bad[i], strlen(bad[i]), &v, &err),
                         ERR_INVALID);
    }
    assert_true(v == 42);
    assert_ok(parse_double("1.28037e+008", 12, &v, &err), &err);
    assert_true(v == 128037000.0);
    assert_ok(parse_double(".5", 2, &v, &err), &err);
    assert_true(v == 0.5);
}

static void test_parse_int_and_years(void **state)
{
    struct err err;
    int64_t v;
    int a;
    int b;
    (void)state;
    assert_ok(parse_int64("2024", 4, 0, 3000, &v, &err), &err);
    assert_int_equal(v, 2024);
    assert_int_equal(parse_int64("20x4", 4, 0, 3000, &v, &err), ERR_INVALID);
    assert_int_equal(parse_int64("5000", 4, 0, 3000, &v, &err), ERR_INVALID);
    assert_ok(parse_year_range("2000:2023", &a, &b, &err), &err);
    assert_int_equal(a, 2000);
    assert_int_equal(b, 2023);
    assert_ok(parse_year_range("2019", &a, &b, &err), &err);
    assert_int_equal(a, 2019);
    assert_int_equal(b, 2019);
    assert_int_equal(parse_year_range("2023:2000", &a, &b, &err), ERR_INVALID);
    assert_int_equal(parse_year_range("1800", &a, &b, &err), ERR_INVALID);
}

static void test_utf8(void **state)
{
    size_t bad;
    (void)state;
    assert_true(utf8_valid("C\xc3\xb4te d\xe2\x80\x99Ivoire", 15, &bad));
    assert_false(utf8_valid("caf\xe9", 4, &bad));
    assert_int_equal(bad, 3);
    assert_false(utf8_valid("\xc0\xaf", 2, &bad));        /* overlong */
    assert_false(utf8_valid("\xed\xa0\x80", 3, &bad));    /* surrogate */
    assert_false(utf8_valid("\xe2\x82", 2, &bad));        /* truncated */
    assert_true(utf8_valid("\xf0\x9f\x98\x80", 4, &bad)); /* emoji */
}

static void test_strmap(void **state)
{
    struct strmap m;
    size_t v = 0;
    char key[16];
    (void)state;
    strmap_init(&m);
    for (size_t i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof(key), "k%zu", i);
        assert_true(strmap_put(&m, key, (size_t)n, i * 2));
    }
    assert_false(strmap_put(&m, "k7", 2, 99));
    assert_true(strmap_get(&m, "k7", 2, &v));
    assert_int_equal(v, 99);
    assert_true(strmap_get(&m, "k4999", 5, &v));
    assert_int_equal(v, 9998);
    assert_false(strmap_get(&m, "nope", 4, &v));
    assert_int_equal(m.count, 5000);
    strmap_cleanup(&m);
}

static void test_err_prefix(void **state)
{
    struct err err;
    (void)state;
    assert_int_equal(err_set(&err, ERR_PARSE, "bad %s", "thing"), ERR_PARSE);
    err_prefix(&err, "file %s", "a.csv");
    assert_string_equal(err.msg, "file a.csv: bad thing");
    assert_int_equal(err.code, ERR_PARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_grows_and_detaches),
        cmocka_unit_test(test_buf_number_formats),
        cmocka_unit_test(test_double_round_trip),
        cmocka_unit_test(test_fmt_i64),
        cmocka_unit_test(test_parse_double_rejects),
        cmocka_unit_test(test_parse_int_and_years),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_strmap),
        cmocka_unit_test(test_err_prefix),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
