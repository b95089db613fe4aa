/* Unit tests for collect/rules: every shipped rule compiles, and rules
 * pass, fail, skip and name their cells as documented. */
#include "collect/rules.h"
#include "collect/values.h"
#include "testutil.h"

/* A fake world: submitted values plus "stored" ones. */
struct world {
    struct values sub;
    struct values store;
};

static int lookup(void *ctx, const char *ind, const char *dims, int year,
                  double *out, char *where, size_t cap, struct err *err)
{
    struct world *w = ctx;
    const struct value *v = values_find(&w->sub, ind, dims, year);
    (void)err;

    *out = NAN;
    if (v != NULL) {
        *out = v->value;
        snprintf(where, cap, "%s", v->where);
        return 0;
    }
    v = values_find(&w->store, ind, dims, year);
    if (v != NULL) {
        *out = v->value;
        snprintf(where, cap, "store");
    }
    return 0;
}

static bool submitted(void *ctx, const char *ind)
{
    struct world *w = ctx;
    return values_has_indicator(&w->sub, ind);
}

static void put(struct values *v, const char *ind, const char *dims, int year,
                double x, const char *where)
{
    struct err err;
    assert_ok(values_add(v, "KEN", ind, dims, year, x, "", "", where, &err),
              &err);
}

static const struct rule_result *find(const struct rule_report *r,
                                      const char *id)
{
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(r->results[i].rule->id, id) == 0) {
            return &r->results[i];
        }
    }
    fail_msg("no rule %s", id);
    return NULL;
}

static void test_shipped_rules_compile(void **state)
{
    struct ruleset rs = {0};
    struct err err;
    (void)state;

    assert_ok(ruleset_load_dir(&rs, "data/rules", &err), &err);
    assert_true(rs.count >= 30);
    ruleset_cleanup(&rs);
}

static void test_evaluate(void **state)
{
    struct ruleset rs = {0};
    struct world w;
    struct rule_lookup lk = {lookup, submitted, &w};
    struct rule_report rep = {0};
    const struct rule_result *r;
    struct err err;
    (void)state;

    assert_ok(ruleset_load_dir(&rs, "data/rules", &err), &err);
    values_init(&w.sub);
    values_init(&w.store);
    put(&w.sub, "i271GA", "", 2024, 90, "Questionnaire!G29");
    put(&w.sub, "i271G", "", 2024, 80, "Questionnaire!G28");
    put(&w.sub, "i112", "", 2024, 300000, "Questionnaire!G7");
    put(&w.store, "i112", "", 2023, 100000, "");
    put(&w.store, "i271pop", "", 2024, 99, "");
    put(&w.sub, "i4213tfbb", "", 2024, 1000, "Questionnaire!G35");
    put(&w.sub, "i4213tfbb", "speed=256k-2M", 2024, 100, "Questionnaire!G36");
    put(&w.sub, "i4213tfbb", "speed=2M-10M", 2024, 200, "Questionnaire!G37");
    put(&w.sub, "i4213tfbb", "speed=10M+", 2024, 600, "Questionnaire!G38");
    assert_ok(rules_evaluate(&rs, &lk, 2024, &rep, &err), &err);

    r = find(&rep, "C01-4G-le-3G");
    assert_int_equal(r->outcome, RULE_FAIL);
    assert_int_equal(r->count, 2);
    assert_string_equal(r->operands[0].ref, "i271GA");
    assert_string_equal(r->operands[0].where, "Questionnaire!G29");
    assert_true(r->operands[1].value == 80);

    r = find(&rep, "C02-3G-le-mobile"); /* i271pop from the store */
    assert_int_equal(r->outcome, RULE_PASS);
    assert_string_equal(r->operands[1].where, "store");

    r = find(&rep, "T01-i112-jump"); /* tripled: a warning */
    assert_int_equal(r->outcome, RULE_FAIL);
    assert_int_equal(r->rule->severity, RULE_WARNING);
    assert_string_equal(r->operands[0].ref, "i112@-1");
    assert_int_equal(r->operands[0].year, 2023);

    r = find(&rep, "C05-speed-tiers-sum"); /* 900 != 1000 */
    assert_int_equal(r->outcome, RULE_FAIL);
    assert_int_equal(r->count, 4); /* i4213tfbb listed once */
    assert_string_equal(r->operands[2].dims, "speed=10M+");

    r = find(&rep, "T02-i271-jump"); /* nothing submitted for i271 */
    assert_int_equal(r->outcome, RULE_SKIPPED);
    r = find(&rep, "K02-i271-required"); /* completeness always runs */
    assert_int_equal(r->outcome, RULE_FAIL);
    r = find(&rep, "K01-i112-required");
    assert_int_equal(r->outcome, RULE_PASS);
    r = find(&rep, "C06-fast-tiers-sum"); /* sub-tiers missing */
    assert_int_equal(r->outcome, RULE_NOT_APPLICABLE);
    assert_true(rep.failed_errors >= 3);
    assert_true(rep.failed_warnings >= 1);

    rule_report_cleanup(&rep);
    values_cleanup(&w.sub);
    values_cleanup(&w.store);
    ruleset_cleanup(&rs);
}

static void test_bad_rules(void **state)
{
    struct ruleset rs = {0};
    struct err err;
    (void)state;

    assert_int_equal(ruleset_add(&rs, "X1", RULE_ERROR, "range", "i112",
                                 "i112 >= ", "m", &err),
                     ERR_PARSE);
    assert_non_null(strstr(err.msg, "rule X1: expression"));
    assert_int_equal(ruleset_add(&rs, "X1", RULE_ERROR, "nonsense", "i112",
                                 "i112 >= 0", "m", &err),
                     ERR_INVALID);
    assert_ok(ruleset_add(&rs, "X1", RULE_ERROR, "range", "i112", "i112 >= 0",
                          "m", &err),
              &err);
    assert_int_equal(ruleset_add(&rs, "X1", RULE_ERROR, "range", "i112",
                                 "i112 >= 1", "m", &err),
                     ERR_CONFLICT);
    assert_int_equal(rs.count, 1);
    ruleset_cleanup(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_rules_compile),
        cmocka_unit_test(test_evaluate),
        cmocka_unit_test(test_bad_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
