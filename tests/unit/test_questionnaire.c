/* Unit tests for collect/questionnaire and collect/values: the definition
 * file, writing the workbook and reading a filled one back, the CSV and
 * SDMX-CSV front ends and their messages. */
#include "collect/questionnaire.h"
#include "collect/values.h"
#include "core/buf.h"
#include "core/mem.h"
#include "io/xlsx_read.h"
#include "io/xlsx_write.h"
#include "testutil.h"

static char *slurp(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[8192];
    size_t n;

    assert_non_null(f);
    buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        buf_append(&b, chunk, n);
    }
    fclose(f);
    *out_len = b.len;
    return buf_detach(&b);
}

static void tmp_path(char *out, size_t cap)
{
    int fd;

    snprintf(out, cap, "/tmp/ictdev-qn-XXXXXX");
    fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
}

static void test_write_blank_and_read(void **state)
{
    struct questionnaire q = {0};
    struct values v;
    struct err err;
    struct xlsx_book *b;
    char path[64];
    char *data;
    size_t len;
    int sh;
    (void)state;

    assert_ok(questionnaire_load(&q, "data/questionnaire.csv", &err), &err);
    assert_true(q.count > 40);
    assert_non_null(questionnaire_find(&q, "i4213tfbb", "speed=10M+"));
    assert_null(questionnaire_find(&q, "i4213tfbb", "speed=5M"));
    q.items[0].name = "Fixed-telephone subscriptions";
    q.items[0].definition = "Active fixed voice lines.";
    q.items[0].unit = "number";
    q.items[0].last = 123456;
    q.items[0].has_last = true;
    tmp_path(path, sizeof(path));
    assert_ok(questionnaire_write(&q, "KEN", "Kenya", 2024, path, &err), &err);
    data = slurp(path, &len);
    unlink(path);

    b = xlsx_read_mem(data, len, &err);
    assert_non_null(b);
    sh = xlsx_sheet_find(b, "Questionnaire");
    assert_int_equal(sh, 0);
    assert_string_equal(xlsx_cell_at(b, 0, 6, 1)->text, "i112");
    assert_true(xlsx_cell_at(b, 0, 6, 5)->num == 123456);
    assert_string_equal(xlsx_cell_at(b, 0, 5, 6)->text, "2024 value");
    assert_int_equal(xlsx_sheet_find(b, "Definitions"), 1);
    xlsx_book_free(b);

    values_init(&v);
    assert_ok(values_parse(data, len, "q.xlsx", &v, &err), &err);
    assert_string_equal(v.format, "xlsx");
    assert_string_equal(v.economy, "KEN");
    assert_int_equal(v.year, 2024);
    assert_int_equal(v.count, 0); /* nothing filled in */
    values_cleanup(&v);
    xfree(data);
    questionnaire_cleanup(&q);
}

/* A filled questionnaire, as a focal point returns it. */
static char *filled(const char *g12_text, double g7, size_t *out_len)
{
    struct xlsx_writer *w;
    struct xlsx_sheet *s;
    struct err err;
    char path[64];
    char *data;

    tmp_path(path, sizeof(path));
    w = xlsx_writer_new(path, &err);
    s = xlsx_sheet_add(w, "Questionnaire", &err);
    assert_ok(xlsx_put_str(s, 1, 0, "Economy", XLSX_PLAIN, &err), &err);
    assert_ok(xlsx_put_str(s, 1, 1, "KEN", XLSX_PLAIN, &err), &err);
    assert_ok(xlsx_put_str(s, 2, 0, "Year", XLSX_PLAIN, &err), &err);
    assert_ok(xlsx_put_num(s, 2, 1, 2024, XLSX_PLAIN, &err), &err);
    assert_ok(xlsx_put_str(s, 5, 1, "Code", XLSX_PLAIN, &err), &err);
    assert_ok(xlsx_put_str(s, 6, 1, "i112", XLSX_PLAIN, &err), &err);
    assert_ok(xlsx_put_num(s, 6, 6, g7, XLSX_INPUT, &err), &err);
    assert_ok(xlsx_put_str(s, 6, 7, "new census", XLSX_INPUT, &err), &err);
    assert_ok(xlsx_put_str(s, 7, 1, "i4213tfbb", XLSX_PLAIN, &err), &err);
    assert_ok(xlsx_put_str(s, 7, 2, "speed=10M+", XLSX_PLAIN, &err), &err);
    assert_ok(xlsx_put_num(s, 7, 6, 5000, XLSX_INPUT, &err), &err);
    assert_ok(xlsx_put_str(s, 11, 1, "i271", XLSX_PLAIN, &err), &err);
    assert_ok(xlsx_put_str(s, 11, 6, g12_text, XLSX_INPUT, &err), &err);
    assert_ok(xlsx_writer_close(w, &err), &err);
    data = slurp(path, out_len);
    unlink(path);
    return data;
}

static void test_read_filled(void **state)
{
    struct values v;
    struct err err;
    size_t len;
    char *data = filled(" 42 ", 1.5e6, &len);
    (void)state;

    values_init(&v);
    assert_ok(values_parse(data, len, "q.xlsx", &v, &err), &err);
    assert_int_equal(v.count, 3);
    assert_string_equal(v.items[0].where, "Questionnaire!G7");
    assert_true(v.items[0].value == 1.5e6);
    assert_string_equal(v.items[0].comment, "new census");
    assert_string_equal(v.items[1].dims, "speed=10M+");
    assert_true(values_find(&v, "i271", "", 2024)->value == 42);
    values_cleanup(&v);
    xfree(data);

    data = filled("12 abc", 1, &len);
    values_init(&v);
    assert_int_equal(values_parse(data, len, "q.xlsx", &v, &err), ERR_INVALID);
    assert_string_equal(err.msg, "Questionnaire!G12: '12 abc' is not a "
                                 "number");
    values_cleanup(&v);
    xfree(data);
}

static void test_csv_and_sdmx(void **state)
{
    const char *csv = "economy,indicator,year,value,sex,status,note\n"
                      "KEN,HH18,2024,40.5,F,,survey\n"
                      "KEN,HH18,2024,44,,e,\n";
    const char *sdmx = "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,INDICATOR,"
                       "SPEED,TIME_PERIOD,OBS_VALUE,COMMENT\n"
                       "dataflow,ITU:ICT(1.0),I,KEN,i4213tfbb,10M+,2024,7,"
                       "ok\n";
    const char *bad = "economy,indicator,year,value\nKEN,i112,20x4,1\n";
    struct values v;
    struct err err;
    (void)state;

    values_init(&v);
    assert_ok(values_parse(csv, strlen(csv), "u.csv", &v, &err), &err);
    assert_string_equal(v.format, "csv");
    assert_int_equal(v.count, 2);
    assert_string_equal(v.items[0].dims, "sex=F");
    assert_string_equal(v.items[0].comment, "survey");
    assert_string_equal(v.items[1].where, "u.csv:3");
    assert_string_equal(v.items[1].status, "e");
    values_cleanup(&v);

    values_init(&v);
    assert_ok(values_parse(sdmx, strlen(sdmx), "s.csv", &v, &err), &err);
    assert_string_equal(v.format, "sdmx-csv");
    assert_string_equal(v.items[0].dims, "speed=10M+");
    assert_string_equal(v.items[0].where, "s.csv:2");
    values_cleanup(&v);

    values_init(&v);
    assert_int_equal(values_parse(bad, strlen(bad), "u.csv", &v, &err),
                     ERR_INVALID);
    assert_string_equal(err.msg, "u.csv:2: year: '20x4' is not an integer");
    values_cleanup(&v);
}

static void test_dims_canon(void **state)
{
    struct buf b;
    struct err err;
    (void)state;

    buf_init(&b);
    assert_ok(values_dims_canon("sex=F;age=15-24", &b, &err), &err);
    assert_string_equal(buf_cstr(&b), "age=15-24;sex=F");
    assert_ok(values_dims_canon("", &b, &err), &err);
    assert_string_equal(buf_cstr(&b), "");
    assert_int_equal(values_dims_canon("sex=F;sex=M", &b, &err), ERR_INVALID);
    assert_int_equal(values_dims_canon("sex", &b, &err), ERR_INVALID);
    assert_int_equal(values_dims_canon("sex=a b", &b, &err), ERR_INVALID);
    buf_cleanup(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_blank_and_read),
        cmocka_unit_test(test_read_filled),
        cmocka_unit_test(test_csv_and_sdmx),
        cmocka_unit_test(test_dims_canon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
