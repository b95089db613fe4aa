/* Unit tests for http/query: decoding, parameters, paths; http/out
 * escaping and Accept-Encoding. */
#include "core/buf.h"
#include "core/mem.h"
#include "http/out.h"
#include "http/query.h"
#include "testutil.h"

static void test_parse_decodes(void **state)
{
    struct query q;
    struct err err;
    (void)state;
    assert_ok(query_parse("a=1&b=x%20y+z&&c", 16, &q, &err), &err);
    assert_int_equal(q.count, 3);
    assert_string_equal(query_get(&q, "b"), "x y z");
    assert_string_equal(query_get(&q, "c"), "");
    assert_null(query_get(&q, "d"));
    query_cleanup(&q);
}

static void test_parse_rejects(void **state)
{
    struct query q;
    struct err err;
    static const char *const known[] = {"a", NULL};
    (void)state;
    assert_int_equal(query_parse("a=%zz", 5, &q, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "parameter 'a'"));
    assert_int_equal(query_parse("a=1&a=2", 7, &q, &err), ERR_INVALID);
    assert_int_equal(query_parse("a=%00", 5, &q, &err), ERR_INVALID);
    assert_int_equal(query_parse("a=%ff", 5, &q, &err), ERR_INVALID);
    assert_int_equal(query_parse("=x", 2, &q, &err), ERR_INVALID);
    assert_ok(query_parse("a=1&zz=2", 8, &q, &err), &err);
    assert_int_equal(query_check_known(&q, known, &err), ERR_INVALID);
    assert_non_null(strstr(err.msg, "'zz'"));
    query_cleanup(&q);
}

static void test_path_split(void **state)
{
    char p1[] = "/api//v1/data/";
    char p2[] = "/static/../x";
    char *segs[4];
    size_t n;
    struct err err;
    (void)state;
    assert_ok(path_split(p1, segs, 4, &n, &err), &err);
    assert_int_equal(n, 3);
    assert_string_equal(segs[2], "data");
    assert_int_equal(path_split(p2, segs, 4, &n, &err), ERR_INVALID);
}

static void test_escapes(void **state)
{
    struct buf b;
    (void)state;
    buf_init(&b);
    out_html(&b, "<a href=\"x\">&'");
    assert_string_equal(buf_cstr(&b), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    buf_reset(&b);
    out_json_str(&b, "a\"\n\x01<");
    assert_string_equal(buf_cstr(&b), "\"a\\\"\\n\\u0001\\u003c\"");
    buf_reset(&b);
    out_csv(&b, "a,\"b\"");
    assert_string_equal(buf_cstr(&b), "\"a,\"\"b\"\"\"");
    buf_cleanup(&b);
    assert_true(out_accepts_gzip("gzip, deflate, br"));
    assert_true(out_accepts_gzip("br;q=1.0, gzip;q=0.8"));
    assert_false(out_accepts_gzip("gzip;q=0"));
    assert_false(out_accepts_gzip("identity"));
}

static void test_gzip_round(void **state)
{
    struct buf z;
    struct err err;
    (void)state;
    buf_init(&z);
    assert_ok(out_gzip("hello hello hello hello", 23, &z, &err), &err);
    assert_true(z.len > 10);
    assert_int_equal((unsigned char)z.data[0], 0x1f);
    assert_int_equal((unsigned char)z.data[1], 0x8b);
    buf_cleanup(&z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_decodes),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_path_split),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_gzip_round),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
