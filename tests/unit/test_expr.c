/* Unit tests for expr/: precedence, missing-value semantics, short
 * circuits, references, printing, errors with columns, limits. */
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "expr/expr.h"
#include "testutil.h"

/* Slots: a=1 b=2 c=3 x=10 y=-4 na=NaN zero=0; anything else unknown. */
static const char *const names[] = {"a", "b", "c", "x", "y", "na", "zero"};

static int resolve(void *ctx, const struct expr_ref *ref, size_t *out_slot,
                   struct err *err)
{
    (void)ctx;
    for (size_t i = 0; i < ARRAY_COUNT(names); i++) {
        if (strcmp(ref->name, names[i]) == 0 && ref->dim_count == 0 &&
            ref->offset == 0) {
            *out_slot = i;
            return 0;
        }
    }
    return err_set(err, ERR_NOT_FOUND, "unknown name '%s'", ref->name);
}

static int string_code(void *ctx, const char *s, double *out, struct err *err)
{
    (void)ctx;
    if (strcmp(s, "F") == 0) {
        *out = 2;
        return 0;
    }
    return err_set(err, ERR_NOT_FOUND, "no code \"%s\"", s);
}

static double slots[] = {1, 2, 3, 10, -4, NAN, 0};

/* Parse, compile and evaluate; fails the test on any error. */
static double ev(const char *text)
{
    struct err err = {0};
    struct expr_resolver r = {resolve, string_code, NULL, ARRAY_COUNT(slots)};
    struct expr *e = expr_parse(text, strlen(text), &err);
    struct expr_prog *p;
    double v;

    if (e == NULL) {
        fail_msg("parse '%s': %s", text, err.msg);
    }
    p = expr_compile(e, &r, &err);
    if (p == NULL) {
        expr_free(e);
        fail_msg("compile '%s': %s", text, err.msg);
    }
    v = expr_eval(p, slots);
    expr_prog_free(p);
    expr_free(e);
    return v;
}

/* Parse and compile text expecting failure with code and message msg. */
static void fails(const char *text, int code, const char *msg)
{
    struct err err = {0};
    struct expr_resolver r = {resolve, NULL, NULL, ARRAY_COUNT(slots)};
    struct expr *e = expr_parse(text, strlen(text), &err);
    struct expr_prog *p = NULL;

    if (e != NULL) {
        p = expr_compile(e, &r, &err);
        expr_free(e);
    }
    if (p != NULL) {
        expr_prog_free(p);
        fail_msg("'%s' should fail", text);
    }
    if (err.code != code || strcmp(err.msg, msg) != 0) {
        fail_msg("'%s': got %d '%s', want %d '%s'", text, err.code, err.msg,
                 code, msg);
    }
}

static void test_arithmetic_precedence(void **state)
{
    (void)state;
    assert_close(ev("1 + 2 * 3"), 7, 0);
    assert_close(ev("(1 + 2) * 3"), 9, 0);
    assert_close(ev("10 - 4 - 3"), 3, 0);
    assert_close(ev("24 / 4 / 2"), 3, 0);
    assert_close(ev("2 ^ 3 ^ 2"), 512, 0);
    assert_close(ev("-2^2"), -4, 0);
    assert_close(ev("2^-1"), 0.5, 0);
    assert_close(ev("(-2)^2"), 4, 0);
    assert_close(ev("- -3"), 3, 0);
    assert_close(ev("x * y + c"), -37, 0);
    assert_close(ev("1.5e2 + .5"), 150.5, 0);
    assert_close(ev("1 + 2 > 2 && 3 < 4"), 1, 0);
}

static void test_comparisons_and_logic(void **state)
{
    (void)state;
    assert_close(ev("a == 1"), 1, 0);
    assert_close(ev("a != 1"), 0, 0);
    assert_close(ev("b <= 2"), 1, 0);
    assert_close(ev("b >= 3"), 0, 0);
    assert_close(ev("!a"), 0, 0);
    assert_close(ev("!zero"), 1, 0);
    assert_close(ev("zero || a"), 1, 0);
    assert_close(ev("a && zero"), 0, 0);
    assert_close(ev("a || zero && zero"), 1, 0); /* && binds tighter */
    assert_close(ev("x && y"), 1, 0);
}

static void test_missing_semantics(void **state)
{
    (void)state;
    assert_true(isnan(ev("na + 1")));
    assert_true(isnan(ev("na > 3")));
    assert_true(isnan(ev("na == na")));
    assert_true(isnan(ev("!na")));
    assert_close(ev("zero && na"), 0, 0);
    assert_close(ev("na && zero"), 0, 0);
    assert_true(isnan(ev("a && na")));
    assert_true(isnan(ev("na && a")));
    assert_close(ev("a || na"), 1, 0);
    assert_close(ev("na || a"), 1, 0);
    assert_true(isnan(ev("zero || na")));
    assert_true(isnan(ev("1 / 0")));
    assert_true(isnan(ev("log(0)")));
    assert_true(isnan(ev("sqrt(-1)")));
    assert_true(isnan(ev("10 ^ 400")));
    assert_close(ev("coalesce(na, na, 7)"), 7, 0);
    assert_true(isnan(ev("coalesce(na)")));
    assert_close(ev("coalesce(b, na)"), 2, 0);
    assert_close(ev("count(na, a, b, na)"), 2, 0);
    assert_close(ev("count(na)"), 0, 0);
    assert_close(ev("if(a, 5, na)"), 5, 0);
    assert_close(ev("if(zero, na, 6)"), 6, 0);
    assert_true(isnan(ev("if(na, 1, 2)")));
    assert_true(isnan(ev("sum(a, na)")));
    assert_true(isnan(ev("min(na, 1)")));
    assert_close(expr_truth(NAN), -1, 0);
    assert_close(expr_truth(2), 1, 0);
    assert_close(expr_truth(0), 0, 0);
}

static void test_functions(void **state)
{
    (void)state;
    assert_close(ev("min(3, 1, 2)"), 1, 0);
    assert_close(ev("max(3, 1, 2)"), 3, 0);
    assert_close(ev("abs(y)"), 4, 0);
    assert_close(ev("round(2.5)"), 3, 0);
    assert_close(ev("round(-2.5)"), -3, 0);
    assert_close(ev("round(3.14159, 2)"), 3.14, 1e-15);
    assert_close(ev("round(1234, -2)"), 1200, 0);
    assert_close(ev("log(exp(2))"), 2, 1e-15);
    assert_close(ev("sqrt(16)"), 4, 0);
    assert_close(ev("sum(a, b, c)"), 6, 0);
    assert_close(ev("mean(a, b, c)"), 2, 0);
    assert_close(ev("if(a > b, 1, if(b > a, 2, 3))"), 2, 0);
    assert_close(ev("max(if(a, b, c), coalesce(na, x))"), 10, 0);
    assert_close(ev("b == \"F\""), 1, 0);
    assert_close(ev("`a` + 1"), 2, 0);
}

/* Collect references for a resolver that accepts anything. */
static int resolve_any(void *ctx, const struct expr_ref *ref, size_t *out_slot,
                       struct err *err)
{
    (void)ctx;
    (void)err;
    *out_slot = (size_t)ref->column % 4;
    return 0;
}

static void test_references(void **state)
{
    const char *text = "i271[tech=4G, sex=\"F emale\"]@-1 / `odd name`@+2 + "
                       "i4213";
    struct err err = {0};
    struct expr *e = expr_parse(text, strlen(text), &err);
    struct expr_resolver r = {resolve_any, NULL, NULL, 4};
    struct expr_prog *p;
    const struct expr_ref *refs;
    const size_t *sl;
    size_t n;
    (void)state;

    assert_non_null(e);
    refs = expr_refs(e, &n);
    assert_int_equal(n, 3);
    assert_string_equal(refs[0].name, "i271");
    assert_int_equal(refs[0].dim_count, 2);
    assert_string_equal(refs[0].dims[0].dim, "tech");
    assert_string_equal(refs[0].dims[0].value, "4G");
    assert_string_equal(refs[0].dims[1].value, "F emale");
    assert_int_equal(refs[0].offset, -1);
    assert_int_equal(refs[0].column, 1);
    assert_string_equal(refs[1].name, "odd name");
    assert_int_equal(refs[1].offset, 2);
    assert_int_equal(refs[2].offset, 0);
    p = expr_compile(e, &r, &err);
    assert_non_null(p);
    sl = expr_prog_slots(p, &n);
    assert_int_equal(n, 3);
    assert_int_equal(sl[0], 1);
    expr_prog_free(p);
    expr_free(e);
}

static void roundtrip(const char *text, const char *want)
{
    struct err err = {0};
    struct expr *e = expr_parse(text, strlen(text), &err);
    struct expr *e2;
    struct buf b;
    struct buf b2;

    if (e == NULL) {
        fail_msg("parse '%s': %s", text, err.msg);
    }
    buf_init(&b);
    buf_init(&b2);
    expr_print(e, &b);
    assert_string_equal(buf_cstr(&b), want);
    e2 = expr_parse(b.data, b.len, &err);
    assert_non_null(e2);
    expr_print(e2, &b2);
    assert_string_equal(buf_cstr(&b2), want);
    buf_cleanup(&b);
    buf_cleanup(&b2);
    expr_free(e);
    expr_free(e2);
}

static void test_print(void **state)
{
    (void)state;
    roundtrip("1+2*3", "1 + 2 * 3");
    roundtrip("(1+2)*3", "(1 + 2) * 3");
    roundtrip("a-(b-c)", "a - (b - c)");
    roundtrip("(a-b)-c", "a - b - c");
    roundtrip("-2^2", "-2^2");
    roundtrip("(-2)^2", "(-2)^2");
    roundtrip("2^3^2", "2^3^2");
    roundtrip("(2^3)^2", "(2^3)^2");
    roundtrip("!(a==1)||b&&c", "!(a == 1) || b && c");
    roundtrip("(a||b)&&c", "(a || b) && c");
    roundtrip("if(a,\"x\\\"y\",round(b,2))", "if(a, \"x\\\"y\", round(b, 2))");
    roundtrip("i[tech = 4G,s=\"a b\"]@-1", "i[tech=4G,s=\"a b\"]@-1");
    roundtrip("`a b` + x.y", "`a b` + x.y");
    roundtrip("1e300 * 0.1", "1e+300 * 0.1");
}

static void test_errors(void **state)
{
    (void)state;
    fails("1 + (2 * 3", ERR_PARSE, "column 11: expected ')'");
    fails("age >= ", ERR_PARSE, "column 8: unexpected end of expression");
    fails("a > 1 > 2", ERR_PARSE, "column 7: comparisons do not chain; use &&");
    fails("a b", ERR_PARSE, "column 3: unexpected text after expression");
    fails("a)", ERR_PARSE, "column 2: unmatched ')'");
    fails("foo(1)", ERR_INVALID, "column 1: unknown function 'foo'");
    fails("if(1, 2)", ERR_INVALID, "column 1: if() takes 3 arguments, not 2");
    fails("abs(1, 2)", ERR_INVALID, "column 1: abs() takes 1 argument, not 2");
    fails("round()", ERR_INVALID,
          "column 1: round() takes 1 or 2 arguments, not 0");
    fails("min()", ERR_INVALID,
          "column 1: min() takes at least 1 arguments, not 0");
    fails("a + zz", ERR_NOT_FOUND, "column 5: unknown name 'zz'");
    fails("a == \"F\"", ERR_INVALID,
          "column 6: text \"F\" is not allowed here");
    fails("a < \"F\"", ERR_INVALID,
          "column 3: text can only be compared with == or !=");
    fails("\"abc", ERR_PARSE, "column 1: unterminated string");
    fails("`abc", ERR_PARSE, "column 1: unterminated `name`");
    fails("i[tech]", ERR_PARSE, "column 7: expected '='");
    fails("i[tech=4G", ERR_PARSE, "column 10: expected ']'");
    fails("i@x", ERR_PARSE, "column 3: expected a year offset like @-1");
    fails("a & b", ERR_PARSE, "column 3: unexpected text after expression");
    fails("#", ERR_PARSE, "column 1: expected a number, name or '('");
    fails("", ERR_PARSE, "column 1: unexpected end of expression");
}

static void test_limits(void **state)
{
    struct err err = {0};
    size_t n = 1000;
    char *deep = xmalloc(2 * n + 2);
    char *neg = xmalloc(n + 2);
    char *sum = xmalloc(4 * n + 2);
    struct expr *e;
    (void)state;

    for (size_t i = 0; i < n; i++) {
        deep[i] = '(';
        deep[n + 1 + i] = ')';
        neg[i] = '-';
    }
    deep[n] = '1';
    deep[2 * n + 1] = '\0';
    neg[n] = '1';
    neg[n + 1] = '\0';
    e = expr_parse(deep, strlen(deep), &err);
    assert_null(e);
    assert_int_equal(err.code, ERR_LIMIT);
    e = expr_parse(neg, strlen(neg), &err);
    assert_null(e);
    assert_int_equal(err.code, ERR_LIMIT);
    for (size_t i = 0; i < n; i++) {
        memcpy(sum + 4 * i, "1 + ", 4);
    }
    sum[4 * n - 3] = '\0';
    e = expr_parse(sum, strlen(sum), &err);
    assert_null(e);
    assert_int_equal(err.code, ERR_LIMIT);
    xfree(deep);
    xfree(neg);
    xfree(sum);
    assert_close(ev("((((((((((1))))))))))"), 1, 0);
}

static void test_stack_eval(void **state)
{
    struct err err = {0};
    struct expr_resolver r = {resolve, NULL, NULL, ARRAY_COUNT(slots)};
    const char *text = "if(a < b, coalesce(na, x) * 2, y) + count(a, na)";
    struct expr *e = expr_parse(text, strlen(text), &err);
    struct expr_prog *p = expr_compile(e, &r, &err);
    double stack[64];
    (void)state;

    assert_non_null(p);
    assert_true(expr_prog_stack_size(p) <= 64);
    assert_close(expr_eval_stack(p, slots, stack), 21, 0);
    assert_close(expr_eval(p, slots), 21, 0);
    expr_prog_free(p);
    expr_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arithmetic_precedence),
        cmocka_unit_test(test_comparisons_and_logic),
        cmocka_unit_test(test_missing_semantics),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_print),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_stack_eval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
