/* Unit tests for io/sdmx_csv: versions 1.0 and 2.0, labels, UNIT_MULT,
 * totals, and the errors. */
#include "io/sdmx_csv.h"
#include "testutil.h"

struct got {
    int rows;
    char last[256];
};

static int collect(void *ctx, const struct sdmx_obs *o, struct err *err)
{
    struct got *g = ctx;
    int n;
    (void)err;

    g->rows++;
    n = snprintf(g->last, sizeof(g->last), "%s|%s|%d|%g|%d|%s|%s|%llu",
                 o->economy, o->indicator, o->year, o->value, o->has_value,
                 o->status, o->comment, (unsigned long long)o->line);
    for (size_t i = 0; i < o->dim_count && n > 0 && (size_t)n < 200; i++) {
        n += snprintf(g->last + n, sizeof(g->last) - (size_t)n, "|%s=%s",
                      o->dims[i].name, o->dims[i].value);
    }
    return 0;
}

static int run(const char *text, struct got *g, struct err *err)
{
    struct csv_reader *r = csv_open_mem(text, strlen(text), "s.csv");
    int rc;

    memset(g, 0, sizeof(*g));
    rc = sdmx_csv_read(r, collect, g, err);
    csv_close(r);
    return rc;
}

static void test_v2(void **state)
{
    struct got g;
    struct err err;
    (void)state;

    assert_ok(run("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,SEX,"
                  "TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MULT,COMMENT\n"
                  "dataflow,ITU:ICT(1.0),I,KEN,i112,_T,2023,5.5,A,3,ok\n"
                  "dataflow,ITU:ICT(1.0),I,KEN,HH18,F,2023,40,,,\n",
                  &g, &err),
              &err);
    assert_int_equal(g.rows, 2);
    assert_string_equal(g.last, "KEN|HH18|2023|40|1|||3|sex=F");
    assert_ok(run("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,SEX,"
                  "TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MULT,COMMENT\n"
                  "dataflow,ITU:ICT(1.0),I,KEN,i112,_T,2023,5.5,A,3,ok\n",
                  &g, &err),
              &err);
    assert_string_equal(g.last, "KEN|i112|2023|5500|1|A|ok|2");
}

static void test_v1_and_labels(void **state)
{
    struct got g;
    struct err err;
    (void)state;

    assert_ok(run("DATAFLOW,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE\n"
                  "ITU:ICT(1.0),KEN,i112,2022,\n",
                  &g, &err),
              &err);
    assert_string_equal(g.last, "KEN|i112|2022|0|0|||2");
    assert_ok(run("STRUCTURE: S,STRUCTURE_ID: I,REF_AREA: Area,INDICATOR: "
                  "Ind,TIME_PERIOD: Time,OBS_VALUE: Value\n"
                  "dataflow,X,KEN: Kenya,i112: Fixed lines,2023,7\n",
                  &g, &err),
              &err);
    assert_string_equal(g.last, "KEN|i112|2023|7|1|||2");
    assert_true(sdmx_csv_sniff("\xEF\xBB\xBFSTRUCTURE,X", 13));
    assert_false(sdmx_csv_sniff("economy,indicator", 17));
}

static void expect(const char *text, int code, const char *needle)
{
    struct got g;
    struct err err = {0};

    assert_int_equal(run(text, &g, &err), code);
    if (strstr(err.msg, needle) == NULL) {
        fail_msg("'%s' lacks '%s'", err.msg, needle);
    }
}

static void test_errors(void **state)
{
    (void)state;
    expect("economy,indicator,year,value\nKEN,i112,2023,1\n", ERR_INVALID,
           "s.csv:1: not SDMX-CSV");
    expect("STRUCTURE,STRUCTURE_ID,REF_AREA,TIME_PERIOD,OBS_VALUE\n",
           ERR_INVALID, "needs the columns");
    expect("STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,TIME_PERIOD,"
           "OBS_VALUE\ndataflow,X,D,KEN,i112,2023,1\n",
           ERR_INVALID, "s.csv:2: ACTION D: deletions are not accepted");
    expect("STRUCTURE,STRUCTURE_ID,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE\n"
           "dataflow,X,KEN,i112,20x3,1\n",
           ERR_INVALID, "s.csv:2: TIME_PERIOD '20x3'");
    expect("STRUCTURE,STRUCTURE_ID,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE\n"
           "dataflow,X,KEN,i112,2023,abc\n",
           ERR_INVALID, "s.csv:2: OBS_VALUE 'abc'");
    expect("STRUCTURE,STRUCTURE_ID,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE,"
           "UNIT_MULT\ndataflow,X,KEN,i112,2023,1e308,9\n",
           ERR_INVALID, "out of range");
    expect("STRUCTURE,STRUCTURE_ID,REF_AREA,INDICATOR,TIME_PERIOD,OBS_VALUE\n"
           "dataflow,X,KEN,i112,2023\n",
           ERR_INVALID, "s.csv:2: 5 fields, the header has 6");
    expect("STRUCTURE,STRUCTURE_ID,REF_AREA,A,B,C,D,E,F,G,H,I,INDICATOR,"
           "TIME_PERIOD,OBS_VALUE\n",
           ERR_LIMIT, "dimensions");
    expect("STRUCTURE,STRUCTURE_ID,REF_AREA,REF_AREA,INDICATOR,TIME_PERIOD,"
           "OBS_VALUE\n",
           ERR_INVALID, "given twice");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v2),
        cmocka_unit_test(test_v1_and_labels),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
