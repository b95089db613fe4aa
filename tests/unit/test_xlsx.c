/* Unit tests for io/xlsx_write and io/xlsx_read: a round trip, and every
 * kind of bad workbook in the fuzz corpus gets its message. */
#include "core/buf.h"
#include "core/limits.h"
#include "core/mem.h"
#include "io/xlsx_read.h"
#include "io/xlsx_write.h"
#include "testutil.h"

#define CORPUS "tests/fuzz/corpus/xlsx/"

static char *slurp(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[8192];
    size_t n;

    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        buf_append(&b, chunk, n);
    }
    fclose(f);
    *out_len = b.len;
    return buf_detach(&b);
}

static struct xlsx_book *open_file(const char *path, struct err *err)
{
    size_t len;
    char *data = slurp(path, &len);
    struct xlsx_book *b = xlsx_read_mem(data, len, err);

    xfree(data);
    return b;
}

static void expect_error(const char *name, int code, const char *needle)
{
    struct err err = {0};
    struct xlsx_book *b = open_file(name, &err);

    if (b != NULL) {
        xlsx_book_free(b);
        fail_msg("%s: read without error", name);
    }
    if (err.code != code || strstr(err.msg, needle) == NULL) {
        fail_msg("%s: got %d '%s', want %d '%s'", name, err.code, err.msg, code,
                 needle);
    }
}

static void test_round_trip(void **state)
{
    char path[] = "/tmp/ictdev-xlsx-XXXXXX";
    int fd = mkstemp(path);
    struct err err;
    struct xlsx_writer *w;
    struct xlsx_sheet *s;
    struct xlsx_book *b;
    const struct xlsx_cell *c;
    size_t len;
    char *data;
    (void)state;

    assert_true(fd >= 0);
    close(fd);
    w = xlsx_writer_new(path, &err);
    assert_non_null(w);
    s = xlsx_sheet_add(w, "Questionnaire", &err);
    assert_non_null(s);
    assert_null(xlsx_sheet_add(w, "bad:name", &err));
    assert_int_equal(err.code, ERR_INVALID);
    assert_ok(xlsx_put_str(s, 0, 0, "Code", XLSX_HEADER, &err), &err);
    assert_ok(xlsx_put_str(s, 1, 0, "i112 \xc3\xa9 <&>", XLSX_PLAIN, &err),
              &err);
    assert_ok(xlsx_put_num(s, 1, 1, 0.1, XLSX_INPUT, &err), &err);
    assert_ok(xlsx_put_num(s, 1, 2, 123456789012.0, XLSX_PLAIN, &err), &err);
    assert_ok(xlsx_put_blank(s, 2, 1, XLSX_INPUT, &err), &err);
    xlsx_col_width(s, 0, 30);
    xlsx_freeze_rows(s, 1);
    xlsx_protect(s);
    assert_non_null(xlsx_sheet_add(w, "Meta", &err));
    assert_ok(xlsx_writer_close(w, &err), &err);

    data = slurp(path, &len);
    b = xlsx_read_mem(data, len, &err);
    xfree(data);
    unlink(path);
    assert_non_null(b);
    assert_int_equal(xlsx_sheet_count(b), 2);
    assert_string_equal(xlsx_sheet_name(b, 0), "Questionnaire");
    assert_int_equal(xlsx_sheet_find(b, "Meta"), 1);
    assert_int_equal(xlsx_sheet_find(b, "Nope"), -1);
    c = xlsx_cell_at(b, 0, 1, 0);
    assert_non_null(c);
    assert_int_equal(c->type, XLSX_CELL_TEXT);
    assert_string_equal(c->text, "i112 \xc3\xa9 <&>");
    c = xlsx_cell_at(b, 0, 1, 1);
    assert_int_equal(c->type, XLSX_CELL_NUMBER);
    assert_true(c->num == 0.1);
    assert_true(xlsx_cell_at(b, 0, 1, 2)->num == 123456789012.0);
    assert_null(xlsx_cell_at(b, 0, 2, 1));
    xlsx_book_free(b);
}

static void test_good_corpus(void **state)
{
    struct err err;
    struct xlsx_book *b = open_file(CORPUS "good.xlsx", &err);
    const struct xlsx_cell *c;
    size_t n;
    (void)state;

    assert_non_null(b);
    c = xlsx_sheet_cells(b, 0, &n);
    assert_int_equal(n, 8);
    assert_string_equal(c[1].text, "Value"); /* rich text runs joined */
    assert_string_equal(xlsx_cell_at(b, 0, 1, 0)->text, " i112 ");
    assert_true(xlsx_cell_at(b, 0, 1, 1)->num == 1234.5);
    assert_string_equal(xlsx_cell_at(b, 0, 1, 2)->text, "note & more");
    assert_int_equal(xlsx_cell_at(b, 0, 1, 3)->type, XLSX_CELL_BOOL);
    assert_int_equal(xlsx_cell_at(b, 0, 1, 4)->type, XLSX_CELL_ERROR);
    assert_true(xlsx_cell_at(b, 0, 6, 2)->num == -1500);
    xlsx_book_free(b);

    b = open_file(CORPUS "no-refs.xlsx", &err);
    assert_non_null(b);
    assert_true(xlsx_cell_at(b, 0, 0, 1)->num == 2);
    assert_string_equal(xlsx_cell_at(b, 0, 1, 0)->text, "x");
    xlsx_book_free(b);
}

static void test_bad_workbooks(void **state)
{
    (void)state;
    expect_error(CORPUS "formula.xlsx", ERR_INVALID,
                 "Sheet1!C7: formula instead of a value");
    expect_error(CORPUS "macro.xlsm", ERR_INVALID, "macros");
    expect_error(CORPUS "macro-hidden.xlsx", ERR_INVALID, "macros");
    expect_error(CORPUS "bomb.xlsx", ERR_LIMIT, "zip bomb");
    expect_error(CORPUS "dtd.xlsx", ERR_INVALID, "DTD");
    expect_error(CORPUS "malformed.xlsx", ERR_PARSE, "malformed XML");
    expect_error(CORPUS "bad-ref.xlsx", ERR_PARSE, "bad cell reference");
    expect_error(CORPUS "bad-number.xlsx", ERR_PARSE,
                 "Sheet1!B3: malformed number");
    expect_error(CORPUS "bad-sst-index.xlsx", ERR_PARSE, "Sheet1!A1: shared");
    expect_error(CORPUS "duplicate-cell.xlsx", ERR_PARSE, "twice");
    expect_error(CORPUS "no-workbook.xlsx", ERR_INVALID, "not an .xlsx");
    expect_error(CORPUS "not-a-zip.xlsx", ERR_INVALID, "not an .xlsx");
    expect_error(CORPUS "truncated.xlsx", ERR_INVALID, "not an .xlsx");
    expect_error(CORPUS "many-entries.xlsx", ERR_LIMIT, "parts");
    expect_error(CORPUS "path-escape.xlsx", ERR_PARSE, "has no part");
}

static void test_too_large(void **state)
{
    size_t len = (size_t)MAX_XLSX_FILE + 1;
    char *data = xcalloc(1, len);
    struct err err;
    (void)state;

    assert_null(xlsx_read_mem(data, len, &err));
    assert_int_equal(err.code, ERR_LIMIT);
    xfree(data);
}

static void test_cell_name(void **state)
{
    char out[16];
    (void)state;

    xlsx_cell_name(6, 2, out, sizeof(out));
    assert_string_equal(out, "C7");
    xlsx_cell_name(0, 26, out, sizeof(out));
    assert_string_equal(out, "AA1");
    xlsx_cell_name(0, 16383, out, sizeof(out));
    assert_string_equal(out, "XFD1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_good_corpus),
        cmocka_unit_test(test_bad_workbooks),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_cell_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
