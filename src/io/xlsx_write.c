/* .xlsx writer over libxlsxwriter (see xlsx_write.h). libxlsxwriter builds
 * the whole workbook in memory and writes it at close; questionnaires are
 * a few hundred cells, so that is fine. */
#include "xlsx_write.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "../core/mem.h"

#define XLSX_MAX_SHEETS 32
#define XLSX_MAX_TEXT   32767 /* Excel's limit for one cell */

struct xlsx_sheet {
    lxw_worksheet *ws;     /* owned by the workbook */
    struct xlsx_writer *w; /* back pointer for the formats */
};

struct xlsx_writer {
    lxw_workbook *wb;
    char *path; /* owned */
    lxw_format *fmt[XLSX_STYLE_COUNT];
    struct xlsx_sheet sheets[XLSX_MAX_SHEETS];
    size_t sheet_count;
};

static void make_formats(struct xlsx_writer *w)
{
    lxw_format *f;

    w->fmt[XLSX_PLAIN] = NULL;
    f = workbook_add_format(w->wb);
    format_set_bold(f);
    format_set_bg_color(f, 0xD9D9D9);
    format_set_bottom(f, LXW_BORDER_THIN);
    format_set_text_wrap(f);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    w->fmt[XLSX_HEADER] = f;
    f = workbook_add_format(w->wb);
    format_set_bold(f);
    format_set_font_size(f, 14);
    w->fmt[XLSX_TITLE] = f;
    f = workbook_add_format(w->wb);
    format_set_text_wrap(f);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    w->fmt[XLSX_WRAP] = f;
    f = workbook_add_format(w->wb);
    format_set_unlocked(f);
    format_set_bg_color(f, 0xFFF2CC);
    format_set_border(f, LXW_BORDER_THIN);
    w->fmt[XLSX_INPUT] = f;
}

struct xlsx_writer *xlsx_writer_new(const char *path, struct err *err)
{
    struct xlsx_writer *w;
    lxw_workbook_options opt = {
        .constant_memory = LXW_FALSE, .tmpdir = NULL, .use_zip64 = LXW_FALSE};

    w = xcalloc(1, sizeof(*w));
    w->wb = workbook_new_opt(path, &opt);
    if (w->wb == NULL) {
        xfree(w);
        err_set(err, ERR_IO, "%s: cannot start a workbook", path);
        return NULL;
    }
    w->path = xstrdup(path);
    make_formats(w);
    return w;
}

static bool sheet_name_ok(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len > 31) {
        return false;
    }
    return strpbrk(name, "[]:*?/\\") == NULL && name[0] != '\'';
}

struct xlsx_sheet *xlsx_sheet_add(struct xlsx_writer *w, const char *name,
                                  struct err *err)
{
    struct xlsx_sheet *s;

    if (!sheet_name_ok(name)) {
        err_set(err, ERR_INVALID, "sheet name '%s' is not allowed", name);
        return NULL;
    }
    if (w->sheet_count == XLSX_MAX_SHEETS) {
        err_set(err, ERR_LIMIT, "more than %d sheets", XLSX_MAX_SHEETS);
        return NULL;
    }
    if (workbook_validate_sheet_name(w->wb, name) != LXW_NO_ERROR) {
        err_set(err, ERR_INVALID, "sheet name '%s' is used twice", name);
        return NULL;
    }
    s = &w->sheets[w->sheet_count];
    s->ws = workbook_add_worksheet(w->wb, name);
    if (s->ws == NULL) {
        err_set(err, ERR_INVALID, "cannot add sheet '%s'", name);
        return NULL;
    }
    s->w = w;
    w->sheet_count++;
    return s;
}

static int check_write(lxw_error e, uint32_t row, uint16_t col, struct err *err)
{
    if (e == LXW_NO_ERROR) {
        return 0;
    }
    return err_set(err,
                   e == LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE ? ERR_LIMIT
                                                               : ERR_INVALID,
                   "cell row %u column %u: %s", (unsigned)row + 1,
                   (unsigned)col + 1, lxw_strerror(e));
}

int xlsx_put_str(struct xlsx_sheet *s, uint32_t row, uint16_t col,
                 const char *text, enum xlsx_style style, struct err *err)
{
    if (strlen(text) > XLSX_MAX_TEXT) {
        return err_set(err, ERR_LIMIT,
                       "cell row %u column %u: text over %d "
                       "bytes",
                       (unsigned)row + 1, (unsigned)col + 1, XLSX_MAX_TEXT);
    }
    if (text[0] == '\0') {
        return xlsx_put_blank(s, row, col, style, err);
    }
    return check_write(
        worksheet_write_string(s->ws, row, col, text, s->w->fmt[style]), row,
        col, err);
}

int xlsx_put_num(struct xlsx_sheet *s, uint32_t row, uint16_t col, double v,
                 enum xlsx_style style, struct err *err)
{
    return check_write(
        worksheet_write_number(s->ws, row, col, v, s->w->fmt[style]), row, col,
        err);
}

int xlsx_put_blank(struct xlsx_sheet *s, uint32_t row, uint16_t col,
                   enum xlsx_style style, struct err *err)
{
    if (s->w->fmt[style] == NULL) {
        return 0; /* libxlsxwriter ignores blanks without a format */
    }
    return check_write(worksheet_write_blank(s->ws, row, col, s->w->fmt[style]),
                       row, col, err);
}

void xlsx_col_width(struct xlsx_sheet *s, uint16_t col, double width)
{
    (void)worksheet_set_column(s->ws, col, col, width, NULL);
}

void xlsx_freeze_rows(struct xlsx_sheet *s, uint32_t rows)
{
    worksheet_freeze_panes(s->ws, rows, 0);
}

void xlsx_protect(struct xlsx_sheet *s)
{
    lxw_protection opt;

    memset(&opt, 0, sizeof(opt));
    opt.format_columns = LXW_TRUE;
    opt.format_rows = LXW_TRUE;
    worksheet_protect(s->ws, NULL, &opt);
}

void xlsx_hide(struct xlsx_sheet *s)
{
    worksheet_hide(s->ws);
}

int xlsx_writer_close(struct xlsx_writer *w, struct err *err)
{
    lxw_error e;
    int rc = 0;

    if (w == NULL) {
        return 0;
    }
    e = workbook_close(w->wb);
    if (e != LXW_NO_ERROR) {
        rc = err_set(err, ERR_IO, "%s: %s", w->path, lxw_strerror(e));
        (void)unlink(w->path);
    }
    xfree(w->path);
    xfree(w);
    return rc;
}

void xlsx_writer_abort(struct xlsx_writer *w)
{
    if (w == NULL) {
        return;
    }
    (void)workbook_close(w->wb);
    (void)unlink(w->path);
    xfree(w->path);
    xfree(w);
}
