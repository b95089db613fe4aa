/* The questionnaire (see questionnaire.h): its definition file, the .xlsx
 * it is sent as, and reading the filled-in workbook back. */
#include "questionnaire.h"

#include <stdio.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../io/csv.h"
#include "../io/xlsx_read.h"
#include "../io/xlsx_write.h"

#define QN_SHEET    "Questionnaire"
#define QN_FORMAT   "ictdev-questionnaire-1"
#define QN_MAX_ROWS 5000

/* ---- Definition file ---------------------------------------------------- */

static int add_item(struct questionnaire *q, const struct csv_record *r,
                    const char *path, struct err *err)
{
    struct qn_item *it;
    struct buf canon;
    char *dims;

    if (r->count != 4) {
        return err_set(err, ERR_INVALID, "%s:%llu: want 4 fields", path,
                       (unsigned long long)r->line);
    }
    if (q->count == QN_MAX_ROWS) {
        return err_set(err, ERR_LIMIT, "%s: more than %d items", path,
                       QN_MAX_ROWS);
    }
    buf_init(&canon);
    dims = csv_field_dup(&r->fields[2]);
    if (values_dims_canon(dims, &canon, err) != 0) {
        xfree(dims);
        buf_cleanup(&canon);
        return err_prefix(err, "%s:%llu", path, (unsigned long long)r->line);
    }
    xfree(dims);
    q->items = xreallocarray(q->items, q->count + 1, sizeof(*q->items));
    it = &q->items[q->count++];
    memset(it, 0, sizeof(*it));
    it->section = csv_field_dup(&r->fields[0]);
    it->indicator = csv_field_dup(&r->fields[1]);
    it->dims = buf_detach(&canon);
    it->required = csv_field_eq(&r->fields[3], "1");
    return 0;
}

int questionnaire_load(struct questionnaire *q, const char *path,
                       struct err *err)
{
    struct csv_reader *r = csv_open_path(path, err);
    struct csv_record rec;
    int rc;

    if (r == NULL) {
        return err->code;
    }
    rc = csv_next(r, &rec, err); /* header */
    while (rc == 0) {
        rc = csv_next(r, &rec, err);
        if (rc != 0 || rec.count == 0) {
            break;
        }
        rc = add_item(q, &rec, path, err);
    }
    csv_close(r);
    return rc;
}

void questionnaire_cleanup(struct questionnaire *q)
{
    for (size_t i = 0; i < q->count; i++) {
        xfree(q->items[i].section);
        xfree(q->items[i].indicator);
        xfree(q->items[i].dims);
    }
    xfree(q->items);
    memset(q, 0, sizeof(*q));
}

const struct qn_item *questionnaire_find(const struct questionnaire *q,
                                         const char *indicator,
                                         const char *dims)
{
    for (size_t i = 0; i < q->count; i++) {
        if (strcmp(q->items[i].indicator, indicator) == 0 &&
            strcmp(q->items[i].dims, dims) == 0) {
            return &q->items[i];
        }
    }
    return NULL;
}

/* ---- Writing ------------------------------------------------------------ */

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static int write_header(struct xlsx_sheet *s, const char *economy,
                        const char *economy_name, int year, struct err *err)
{
    static const char *const heads[] = {
        "Section",
        "Code",
        "Breakdown",
        "Indicator",
        "Unit",
        NULL,
        NULL,
        "Comment (required for warnings; say why a value is missing)"};
    char last[32];
    char cur[32];
    int rc;

    snprintf(last, sizeof(last), "%d (last year)", year - 1);
    snprintf(cur, sizeof(cur), "%d value", year);
    rc = xlsx_put_str(s, 0, 0, "ITU ICT indicators questionnaire", XLSX_TITLE,
                      err);
    rc = rc ? rc : xlsx_put_str(s, 1, 0, "Economy", XLSX_HEADER, err);
    rc = rc ? rc : xlsx_put_str(s, 1, 1, economy, XLSX_PLAIN, err);
    rc = rc ? rc : xlsx_put_str(s, 1, 2, economy_name, XLSX_PLAIN, err);
    rc = rc ? rc : xlsx_put_str(s, 2, 0, "Year", XLSX_HEADER, err);
    rc = rc ? rc : xlsx_put_num(s, 2, 1, year, XLSX_PLAIN, err);
    rc = rc ? rc
            : xlsx_put_str(s, 3, 0,
                           "Type values in the yellow cells only, as plain "
                           "numbers (no formulas). Leave a cell empty when "
                           "the value is not available. Definitions are on "
                           "the Definitions sheet.",
                           XLSX_PLAIN, err);
    for (uint16_t c = 0; rc == 0 && c < 8; c++) {
        const char *h = c == 5 ? last : c == 6 ? cur : heads[c];
        rc = xlsx_put_str(s, QN_HEADER_ROW, c, h, XLSX_HEADER, err);
    }
    return rc;
}

static int write_item(struct xlsx_sheet *s, uint32_t row,
                      const struct qn_item *it, struct err *err)
{
    int rc;

    rc = xlsx_put_str(s, row, 0, it->section, XLSX_PLAIN, err);
    rc = rc ? rc
            : xlsx_put_str(s, row, QN_COL_CODE, it->indicator, XLSX_PLAIN, err);
    rc = rc ? rc : xlsx_put_str(s, row, QN_COL_DIMS, it->dims, XLSX_PLAIN, err);
    rc = rc ? rc : xlsx_put_str(s, row, 3, or_empty(it->name), XLSX_WRAP, err);
    rc = rc ? rc : xlsx_put_str(s, row, 4, or_empty(it->unit), XLSX_PLAIN, err);
    if (rc == 0 && it->has_last) {
        rc = xlsx_put_num(s, row, 5, it->last, XLSX_PLAIN, err);
    }
    rc = rc ? rc : xlsx_put_blank(s, row, QN_COL_VALUE, XLSX_INPUT, err);
    rc = rc ? rc : xlsx_put_blank(s, row, QN_COL_NOTE, XLSX_INPUT, err);
    return rc;
}

static int write_definitions(struct xlsx_writer *w,
                             const struct questionnaire *q, struct err *err)
{
    struct xlsx_sheet *s = xlsx_sheet_add(w, "Definitions", err);
    uint32_t row = 1;
    int rc;

    if (s == NULL) {
        return err->code;
    }
    xlsx_col_width(s, 0, 16);
    xlsx_col_width(s, 1, 40);
    xlsx_col_width(s, 2, 90);
    xlsx_col_width(s, 3, 18);
    rc = xlsx_put_str(s, 0, 0, "Code", XLSX_HEADER, err);
    rc = rc ? rc : xlsx_put_str(s, 0, 1, "Indicator", XLSX_HEADER, err);
    rc = rc ? rc : xlsx_put_str(s, 0, 2, "Definition", XLSX_HEADER, err);
    rc = rc ? rc : xlsx_put_str(s, 0, 3, "Unit", XLSX_HEADER, err);
    for (size_t i = 0; rc == 0 && i < q->count; i++) {
        const struct qn_item *it = &q->items[i];
        if (i > 0 && strcmp(q->items[i - 1].indicator, it->indicator) == 0) {
            continue;
        }
        rc = xlsx_put_str(s, row, 0, it->indicator, XLSX_WRAP, err);
        rc = rc ? rc
                : xlsx_put_str(s, row, 1, or_empty(it->name), XLSX_WRAP, err);
        rc = rc ? rc
                : xlsx_put_str(s, row, 2, or_empty(it->definition), XLSX_WRAP,
                               err);
        rc = rc ? rc
                : xlsx_put_str(s, row, 3, or_empty(it->unit), XLSX_WRAP, err);
        row++;
    }
    return rc;
}

static int write_meta(struct xlsx_writer *w, const char *economy, int year,
                      struct err *err)
{
    struct xlsx_sheet *s = xlsx_sheet_add(w, "ictdev", err);
    int rc;

    if (s == NULL) {
        return err->code;
    }
    rc = xlsx_put_str(s, 0, 0, QN_FORMAT, XLSX_PLAIN, err);
    rc = rc ? rc : xlsx_put_str(s, 1, 0, economy, XLSX_PLAIN, err);
    rc = rc ? rc : xlsx_put_num(s, 2, 0, year, XLSX_PLAIN, err);
    xlsx_hide(s);
    xlsx_protect(s);
    return rc;
}

int questionnaire_write(const struct questionnaire *q, const char *economy,
                        const char *economy_name, int year, const char *path,
                        struct err *err)
{
    static const double widths[] = {22, 12, 18, 50, 14, 16, 16, 50};
    struct xlsx_writer *w = xlsx_writer_new(path, err);
    struct xlsx_sheet *s;
    int rc;

    if (w == NULL) {
        return err->code;
    }
    s = xlsx_sheet_add(w, QN_SHEET, err);
    rc = s ? write_header(s, economy, economy_name, year, err) : err->code;
    for (size_t i = 0; rc == 0 && i < q->count; i++) {
        rc =
            write_item(s, (uint32_t)(QN_HEADER_ROW + 1 + i), &q->items[i], err);
    }
    if (rc == 0) {
        for (uint16_t c = 0; c < 8; c++) {
            xlsx_col_width(s, c, widths[c]);
        }
        xlsx_freeze_rows(s, QN_HEADER_ROW + 1);
        xlsx_protect(s);
        rc = write_definitions(w, q, err);
    }
    if (rc == 0) {
        rc = write_meta(w, economy, year, err);
    }
    if (rc != 0) {
        xlsx_writer_abort(w);
        return rc;
    }
    return xlsx_writer_close(w, err);
}

/* ---- Reading ------------------------------------------------------------ */

static void cell_where(uint32_t row, uint32_t col, char *out, size_t cap)
{
    char ref[16];

    xlsx_cell_name(row, col, ref, sizeof(ref));
    snprintf(out, cap, "%s!%s", QN_SHEET, ref);
}

/* The text of a cell, "" when empty; numbers as written. */
static const char *cell_text(const struct xlsx_book *b, int sheet, uint32_t row,
                             uint32_t col)
{
    const struct xlsx_cell *c = xlsx_cell_at(b, (size_t)sheet, row, col);

    return c ? c->text : "";
}

static int read_head(const struct xlsx_book *b, int sh, struct values *out,
                     struct err *err)
{
    const struct xlsx_cell *y = xlsx_cell_at(b, (size_t)sh, 2, 1);
    const char *econ = cell_text(b, sh, 1, 1);
    char where[VALUE_WHERE_MAX];

    if (strcmp(cell_text(b, sh, 1, 0), "Economy") != 0 ||
        strcmp(cell_text(b, sh, 2, 0), "Year") != 0 ||
        strncmp(cell_text(b, sh, QN_HEADER_ROW, QN_COL_CODE), "Code", 4) != 0) {
        return err_set(err, ERR_INVALID,
                       "sheet '%s' is not in the "
                       "questionnaire layout (download a fresh "
                       "questionnaire)",
                       QN_SHEET);
    }
    if (!code_valid(econ, strlen(econ))) {
        cell_where(1, 1, where, sizeof(where));
        return err_set(err, ERR_INVALID, "%s: economy code missing", where);
    }
    if (y == NULL || y->type != XLSX_CELL_NUMBER || y->num < YEAR_MIN ||
        y->num > YEAR_MAX || y->num != (double)(int)y->num) {
        cell_where(2, 1, where, sizeof(where));
        return err_set(err, ERR_INVALID, "%s: want a year", where);
    }
    out->economy = xstrdup(econ);
    out->year = (int)y->num;
    return 0;
}

static int cell_number(const struct xlsx_cell *c, const char *where,
                       double *out, struct err *err)
{
    const char *t;
    size_t len;
    struct err perr;

    if (c->type == XLSX_CELL_NUMBER) {
        *out = c->num;
        return 0;
    }
    if (c->type != XLSX_CELL_TEXT) {
        return err_set(err, ERR_INVALID, "%s: '%.40s' is not a number", where,
                       c->text);
    }
    /* A number typed as text ("1234" with a leading apostrophe). */
    t = c->text;
    len = strlen(t);
    str_trim(&t, &len);
    if (parse_double(t, len, out, &perr) != 0) {
        return err_set(err, ERR_INVALID, "%s: '%.40s' is not a number", where,
                       c->text);
    }
    return 0;
}

static int read_row(const struct xlsx_book *b, int sh, uint32_t row,
                    struct values *out, struct err *err)
{
    const struct xlsx_cell *v = xlsx_cell_at(b, (size_t)sh, row, QN_COL_VALUE);
    const char *code = cell_text(b, sh, row, QN_COL_CODE);
    const char *note = cell_text(b, sh, row, QN_COL_NOTE);
    char where[VALUE_WHERE_MAX];
    struct buf canon;
    double num;
    int rc;

    if (v == NULL) {
        return 0; /* not reported */
    }
    cell_where(row, QN_COL_VALUE, where, sizeof(where));
    if (!code_valid(code, strlen(code))) {
        return err_set(err, ERR_INVALID,
                       "%s: a value on a row without an "
                       "indicator code",
                       where);
    }
    if (cell_number(v, where, &num, err) != 0) {
        return err->code;
    }
    buf_init(&canon);
    rc = values_dims_canon(cell_text(b, sh, row, QN_COL_DIMS), &canon, err);
    if (rc != 0) {
        char dw[VALUE_WHERE_MAX];
        cell_where(row, QN_COL_DIMS, dw, sizeof(dw));
        err_prefix(err, "%s", dw);
    } else {
        rc = values_add(out, out->economy, code, buf_cstr(&canon), out->year,
                        num, "", note, where, err);
    }
    buf_cleanup(&canon);
    return rc;
}

/* A comment on a row whose value cell is empty: why it is missing. */
static int read_note(const struct xlsx_book *b, int sh, uint32_t row,
                     struct values *out, struct err *err)
{
    const char *code = cell_text(b, sh, row, QN_COL_CODE);
    const char *note = cell_text(b, sh, row, QN_COL_NOTE);
    char where[VALUE_WHERE_MAX];
    struct buf canon;
    int rc;

    if (xlsx_cell_at(b, (size_t)sh, row, QN_COL_VALUE) != NULL ||
        note[0] == '\0') {
        return 0; /* the value's own comment, read with the value */
    }
    cell_where(row, QN_COL_NOTE, where, sizeof(where));
    if (!code_valid(code, strlen(code))) {
        return err_set(err, ERR_INVALID,
                       "%s: a comment on a row without an indicator code",
                       where);
    }
    buf_init(&canon);
    rc = values_dims_canon(cell_text(b, sh, row, QN_COL_DIMS), &canon, err);
    if (rc == 0) {
        rc = values_add_note(out, code, buf_cstr(&canon), note, where, err);
    }
    buf_cleanup(&canon);
    return rc;
}

int questionnaire_read(const void *data, size_t len, struct values *out,
                       struct err *err)
{
    struct xlsx_book *b = xlsx_read_mem(data, len, err);
    const struct xlsx_cell *cells;
    size_t n;
    int sh;
    int rc;

    if (b == NULL) {
        return err->code;
    }
    sh = xlsx_sheet_find(b, QN_SHEET);
    if (sh < 0) {
        xlsx_book_free(b);
        return err_set(err, ERR_INVALID, "no sheet '%s' in the workbook",
                       QN_SHEET);
    }
    rc = read_head(b, sh, out, err);
    cells = xlsx_sheet_cells(b, (size_t)sh, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (cells[i].row > QN_HEADER_ROW && cells[i].col == QN_COL_VALUE) {
            rc = read_row(b, sh, cells[i].row, out, err);
        } else if (cells[i].row > QN_HEADER_ROW &&
                   cells[i].col == QN_COL_NOTE) {
            rc = read_note(b, sh, cells[i].row, out, err);
        } else if (cells[i].row > QN_HEADER_ROW && cells[i].col > QN_COL_NOTE) {
            char where[VALUE_WHERE_MAX];
            cell_where(cells[i].row, cells[i].col, where, sizeof(where));
            rc = err_set(err, ERR_INVALID,
                         "%s: a value outside the "
                         "questionnaire's columns",
                         where);
        }
    }
    xlsx_book_free(b);
    return rc;
}
