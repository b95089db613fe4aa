/* Unit tests for compute/idi and compute/afford: parameter file, the
 * structural properties of the IDI (goalposts score 100, IDI = (U+M)/2,
 * monotonicity), missing-data rules, ranks; affordability arithmetic. */
#include "compute/afford.h"
#include "compute/idi.h"
#include "core/err.h"
#include "testutil.h"

static struct idi_params params;

static int load_params(void **state)
{
    struct err err;
    (void)state;
    /* Unit tests run from the repository root (tests/run.sh). */
    if (idi_params_load(&params, "data/idi_params.csv", &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static bool is_price(const struct idi_indicator *d)
{
    return d->best < d->worst;
}

static void test_params_file(void **state)
{
    (void)state;
    assert_int_equal(params.count, 10);
    assert_true(params.n_unverified > 0);
    assert_int_equal(idi_params_find(&params, "i99H"), 0);
    assert_true(idi_params_find(&params, "i154_FBB_ts_GNI") >= 0);
    assert_close(params.pillar_weight[IDI_PILLAR_U],
                 params.pillar_weight[IDI_PILLAR_M], 0);
}

static void test_goalposts_score_100(void **state)
{
    double raw[IDI_MAX_INDICATORS];
    struct idi_score s;
    (void)state;

    for (size_t i = 0; i < params.count; i++) {
        raw[i] = params.ind[i].best;
    }
    idi_score(&params, raw, &s);
    assert_close(s.idi, 100, 1e-12);
    assert_close(s.pillar[IDI_PILLAR_U], 100, 1e-12);
    assert_close(s.pillar[IDI_PILLAR_M], 100, 1e-12);
    /* Beyond the goalposts still 100; a price of 2.0 % scores 100. */
    for (size_t i = 0; i < params.count; i++) {
        raw[i] = is_price(&params.ind[i]) ? 0.5 : params.ind[i].best * 3;
        if (is_price(&params.ind[i])) {
            assert_close(idi_normalise(&params.ind[i], 2.0), 100, 1e-12);
        }
    }
    idi_score(&params, raw, &s);
    assert_close(s.idi, 100, 1e-12);
    for (size_t i = 0; i < params.count; i++) {
        raw[i] = params.ind[i].worst;
    }
    idi_score(&params, raw, &s);
    assert_close(s.idi, 0, 1e-12);
}

/* A deterministic pseudo-random input inside (and a bit beyond) the
 * goalposts. */
static double draw(const struct idi_indicator *d, unsigned *seed)
{
    double lo = d->worst < d->best ? d->worst : d->best;
    double hi = d->worst < d->best ? d->best : d->worst;
    *seed = *seed * 1103515245u + 12345u;
    return lo * 0.8 +
           (hi * 1.2 - lo * 0.8) * (double)(*seed >> 8) / (double)(1u << 24);
}

static void test_idi_is_mean_of_pillars_and_contribs_add_up(void **state)
{
    unsigned seed = 7;
    (void)state;

    for (int trial = 0; trial < 200; trial++) {
        double raw[IDI_MAX_INDICATORS];
        struct idi_score s;
        double sum = 0;
        for (size_t i = 0; i < params.count; i++) {
            raw[i] = draw(&params.ind[i], &seed);
            if (trial % 5 == 0 && i == (size_t)trial % params.count) {
                raw[i] = NAN;
            }
        }
        idi_score(&params, raw, &s);
        assert_false(isnan(s.idi));
        assert_close(s.idi,
                     (s.pillar[IDI_PILLAR_U] + s.pillar[IDI_PILLAR_M]) / 2,
                     1e-12);
        assert_true(s.idi >= 0 && s.idi <= 100);
        for (size_t i = 0; i < params.count; i++) {
            sum += isnan(s.contrib[i]) ? 0 : s.contrib[i];
        }
        assert_close(sum, s.idi, 1e-12);
    }
}

static void test_monotone_in_each_input(void **state)
{
    unsigned seed = 11;
    (void)state;

    for (int trial = 0; trial < 100; trial++) {
        double raw[IDI_MAX_INDICATORS];
        struct idi_score base;
        for (size_t i = 0; i < params.count; i++) {
            raw[i] = draw(&params.ind[i], &seed);
        }
        idi_score(&params, raw, &base);
        for (size_t i = 0; i < params.count; i++) {
            struct idi_score up;
            double keep = raw[i];
            raw[i] = keep * 1.1 + 0.5;
            idi_score(&params, raw, &up);
            raw[i] = keep;
            if (is_price(&params.ind[i])) {
                assert_true(up.idi <= base.idi + 1e-12);
            } else {
                assert_true(up.idi >= base.idi - 1e-12);
            }
        }
    }
}

static void test_missing_data_rules(void **state)
{
    double raw[IDI_MAX_INDICATORS];
    struct idi_score s;
    int g3 = idi_params_find(&params, "i271G");
    int g4 = idi_params_find(&params, "i271GA");
    (void)state;

    for (size_t i = 0; i < params.count; i++) {
        raw[i] = params.ind[i].best;
    }
    /* Coverage with 3G missing takes the 4G score at the full weight. */
    raw[g3] = NAN;
    raw[g4] = 50;
    idi_score(&params, raw, &s);
    assert_close(s.contrib[g4] * 2 * 6, 50, 1e-9);
    assert_int_equal(s.n_available, params.count - 1);
    /* Universal pillar with 2 of 3 missing falls below the 0.5 share. */
    raw[idi_params_find(&params, "i99H")] = NAN;
    raw[idi_params_find(&params, "HH6")] = NAN;
    idi_score(&params, raw, &s);
    assert_true(isnan(s.pillar[IDI_PILLAR_U]));
    assert_true(isnan(s.idi));
    assert_false(isnan(s.pillar[IDI_PILLAR_M]));
}

static void test_params_errors(void **state)
{
    const char *head = "kind,code,pillar,component,transform,worst,best,"
                       "weight,proxy,value,source,verified,note\n";
    const char *pillars = "pillar,U,U,,,,,1,,,s,1,\npillar,M,M,,,,,1,,,s,1,\n";
    char text[1024];
    struct idi_params p;
    struct err err;
    (void)state;

    snprintf(text, sizeof(text), "%s%sindicator,a,U,a,log,0,5,1,,,s,0,\n", head,
             pillars);
    assert_int_equal(idi_params_parse(&p, text, strlen(text), "p.csv", &err),
                     ERR_INVALID);
    assert_string_equal(err.msg, "p.csv:4: log transform needs goalposts > 0");
    snprintf(text, sizeof(text), "%s%sindicator,a,U,a,cube,0,5,1,,,s,0,\n",
             head, pillars);
    assert_int_equal(idi_params_parse(&p, text, strlen(text), "p.csv", &err),
                     ERR_INVALID);
    snprintf(text, sizeof(text), "%s%sindicator,a,U,a,linear,0,5,1,,,s,0,\n",
             head, pillars);
    assert_int_equal(idi_params_parse(&p, text, strlen(text), "p.csv", &err),
                     ERR_INVALID);
    assert_string_equal(err.msg,
                        "p.csv: pillar M needs a pillar row and indicators");
    snprintf(text, sizeof(text), "kind,code\nindicator,a\n");
    assert_int_equal(idi_params_parse(&p, text, strlen(text), "p.csv", &err),
                     ERR_PARSE);
    snprintf(text, sizeof(text),
             "%s%sindicator,a,U,a,linear,0,5,1,,,s,0,\n"
             "indicator,b,M,b,linear,9,1,2,,,s,1,\n",
             head, pillars);
    assert_ok(idi_params_parse(&p, text, strlen(text), "p.csv", &err), &err);
    assert_int_equal(p.n_unverified, 1);
    assert_close(idi_normalise(&p.ind[1], 5), 50, 1e-12);
}

static void test_rank_ties(void **state)
{
    const double score[] = {50, NAN, 70, 50, 10};
    int rank[5];
    (void)state;

    idi_rank(score, 5, rank);
    assert_int_equal(rank[2], 1);
    assert_int_equal(rank[0], 2);
    assert_int_equal(rank[3], 2);
    assert_int_equal(rank[4], 4);
    assert_int_equal(rank[1], 0);
}

static void test_affordability(void **state)
{
    const double pct[] = {1.0, 2.0, NAN, 3.5, 0.4};
    struct afford_summary s;
    (void)state;

    /* 10 USD a month against 6000 USD a year: 2 % exactly. */
    assert_close(afford_pct_gni(10, 6000), 2.0, 1e-12);
    assert_true(
        afford_meets_target(afford_pct_gni(10, 6000), AFFORD_TARGET_PCT));
    assert_false(afford_meets_target(2.0001, AFFORD_TARGET_PCT));
    assert_true(isnan(afford_pct_gni(10, 0)));
    assert_true(isnan(afford_pct_gni(NAN, 100)));
    assert_close(afford_lcu_to_usd(1300, 130), 10, 1e-12);
    assert_true(isnan(afford_lcu_to_usd(1300, 0)));
    afford_summarise(pct, 5, AFFORD_TARGET_PCT, &s);
    assert_int_equal(s.count, 4);
    assert_int_equal(s.n_meeting, 3);
    assert_close(s.share, 75, 1e-12);
    assert_close(s.median, 1.5, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_file),
        cmocka_unit_test(test_goalposts_score_100),
        cmocka_unit_test(test_idi_is_mean_of_pillars_and_contribs_add_up),
        cmocka_unit_test(test_monotone_in_each_input),
        cmocka_unit_test(test_missing_data_rules),
        cmocka_unit_test(test_params_errors),
        cmocka_unit_test(test_rank_ties),
        cmocka_unit_test(test_affordability),
    };
    return cmocka_run_group_tests(tests, load_params, NULL);
}
