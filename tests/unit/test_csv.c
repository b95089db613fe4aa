/* Unit tests for io/csv: quoting, line numbers, errors, limits. */
#include <string.h>

#include "core/err.h"
#include "io/csv.h"
#include "testutil.h"

static int read_all(const char *text, size_t *out_records, struct err *err)
{
    struct csv_reader *r = csv_open_mem(text, strlen(text), "t.csv");
    struct csv_record rec;
    int rc;
    *out_records = 0;
    while ((rc = csv_next(r, &rec, err)) == 0 && rec.count > 0) {
        (*out_records)++;
    }
    csv_close(r);
    return rc;
}

static void test_plain_and_quoted(void **state)
{
    const char *text = "a,b,c\r\n"
                       "1,\"x, y\",\"say \"\"hi\"\"\"\n"
                       "\n"
                       "2,\"multi\nline\",\n"
                       "3,,z";
    struct csv_reader *r = csv_open_mem(text, strlen(text), "t.csv");
    struct csv_record rec;
    struct err err;
    (void)state;

    assert_ok(csv_next(r, &rec, &err), &err);
    assert_int_equal(rec.count, 3);
    assert_int_equal(rec.line, 1);
    assert_true(csv_field_eq(&rec.fields[2], "c"));
    assert_ok(csv_next(r, &rec, &err), &err);
    assert_int_equal(rec.line, 2);
    assert_true(csv_field_eq(&rec.fields[1], "x, y"));
    assert_true(csv_field_eq(&rec.fields[2], "say \"hi\""));
    assert_ok(csv_next(r, &rec, &err), &err);
    assert_int_equal(rec.line, 4);
    assert_int_equal(rec.count, 3);
    assert_true(csv_field_eq(&rec.fields[1], "multi\nline"));
    assert_int_equal(rec.fields[2].len, 0);
    assert_ok(csv_next(r, &rec, &err), &err);
    assert_int_equal(rec.line, 6);
    assert_true(csv_field_eq(&rec.fields[2], "z"));
    assert_ok(csv_next(r, &rec, &err), &err);
    assert_int_equal(rec.count, 0);
    csv_close(r);
}

static void test_bom_is_dropped(void **state)
{
    const char *text = "\xEF\xBB\xBFiso3,v\nKEN,1\n";
    struct csv_reader *r = csv_open_mem(text, strlen(text), "t.csv");
    struct csv_record rec;
    struct err err;
    (void)state;
    assert_ok(csv_next(r, &rec, &err), &err);
    assert_true(csv_field_eq(&rec.fields[0], "iso3"));
    csv_close(r);
}

static void test_errors_name_line_and_column(void **state)
{
    struct err err;
    size_t n;
    (void)state;
    assert_int_equal(read_all("a,b\n1,x\"y\n", &n, &err), ERR_PARSE);
    assert_string_equal(err.msg, "t.csv:2:4: quote inside an unquoted field");
    assert_int_equal(read_all("a,b\n\"1\"x,2\n", &n, &err), ERR_PARSE);
    assert_string_equal(err.msg, "t.csv:2:4: text after a closing quote");
    assert_int_equal(read_all("a,b\n1,\"open\n", &n, &err), ERR_PARSE);
    assert_string_equal(err.msg, "t.csv:2:3: unterminated quoted field");
    assert_int_equal(read_all("a,b\n1,caf\xe9\n", &n, &err), ERR_PARSE);
    assert_non_null(strstr(err.msg, "t.csv:2:2: invalid UTF-8"));
}

static void test_path_reader_large(void **state)
{
    char path[] = "/tmp/ictdev-csv-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    struct csv_reader *r;
    struct csv_record rec;
    struct err err;
    size_t rows = 0;
    (void)state;

    fprintf(f, "economy,indicator,year,value\n");
    for (int i = 0; i < 200000; i++) {
        fprintf(f, "E%03d,\"ind,%d\",%d,%d.5\n", i % 200, i % 7, 1900 + i % 100,
                i);
    }
    fclose(f);
    r = csv_open_path(path, &err);
    assert_non_null(r);
    while (csv_next(r, &rec, &err) == 0 && rec.count > 0) {
        assert_int_equal(rec.count, 4);
        assert_int_equal(rec.line, rows + 1);
        rows++;
    }
    assert_int_equal(rows, 200001);
    assert_true(csv_offset(r) == csv_size(r));
    csv_close(r);
    unlink(path);
    assert_null(csv_open_path("/nonexistent/x.csv", &err));
    assert_int_equal(err.code, ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_quoted),
        cmocka_unit_test(test_bom_is_dropped),
        cmocka_unit_test(test_errors_name_line_and_column),
        cmocka_unit_test(test_path_reader_large),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
