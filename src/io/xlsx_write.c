/* .xlsx writer over libxlsxwriter (see xlsx_write.h). libxlsxwriter builds
 * the whole workbook in memory and writes it at close; questionnaires are
 * a few hundred cells, so that is fine. */
#include "xlsx_write.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "../core/dynlib.h"
#include "../core/mem.h"

/* libxlsxwriter, opened when the first workbook is written
 * (core/dynlib.h), so that other commands do not load it at start. */
#define LXW_NAMES(X)                                                           \
    X(format_set_align)                                                        \
    X(format_set_bg_color)                                                     \
    X(format_set_bold)                                                         \
    X(format_set_border)                                                       \
    X(format_set_bottom)                                                       \
    X(format_set_font_size)                                                    \
    X(format_set_text_wrap)                                                    \
    X(format_set_unlocked)                                                     \
    X(lxw_strerror)                                                            \
    X(workbook_add_format)                                                     \
    X(workbook_add_worksheet)                                                  \
    X(workbook_close)                                                          \
    X(workbook_new_opt)                                                        \
    X(workbook_validate_sheet_name)                                            \
    X(worksheet_freeze_panes)                                                  \
    X(worksheet_hide)                                                          \
    X(worksheet_protect)                                                       \
    X(worksheet_set_column)                                                    \
    X(worksheet_write_blank)                                                   \
    X(worksheet_write_number)                                                  \
    X(worksheet_write_string)
static struct {
    LXW_NAMES(DYNLIB_FIELD)
} lxw;
#define LXW_SYM(name) {#name, (void **)&lxw.name},
static const struct dynlib_sym lxw_syms[] = {LXW_NAMES(LXW_SYM)};
static struct dynlib lxw_lib =
    DYNLIB_INIT("libxlsxwriter.so.4", "libxlsxwriter4", lxw_syms);

#define format_set_align             (*lxw.format_set_align)
#define format_set_bg_color          (*lxw.format_set_bg_color)
#define format_set_bold              (*lxw.format_set_bold)
#define format_set_border            (*lxw.format_set_border)
#define format_set_bottom            (*lxw.format_set_bottom)
#define format_set_font_size         (*lxw.format_set_font_size)
#define format_set_text_wrap         (*lxw.format_set_text_wrap)
#define format_set_unlocked          (*lxw.format_set_unlocked)
#define lxw_strerror                 (*lxw.lxw_strerror)
#define workbook_add_format          (*lxw.workbook_add_format)
#define workbook_add_worksheet       (*lxw.workbook_add_worksheet)
#define workbook_close               (*lxw.workbook_close)
#define workbook_new_opt             (*lxw.workbook_new_opt)
#define workbook_validate_sheet_name (*lxw.workbook_validate_sheet_name)
#define worksheet_freeze_panes       (*lxw.worksheet_freeze_panes)
#define worksheet_hide               (*lxw.worksheet_hide)
#define worksheet_protect            (*lxw.worksheet_protect)
#define worksheet_set_column         (*lxw.worksheet_set_column)
#define worksheet_write_blank        (*lxw.worksheet_write_blank)
#define worksheet_write_number       (*lxw.worksheet_write_number)
#define worksheet_write_string       (*lxw.worksheet_write_string)

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

    if (dynlib_ready(&lxw_lib, "writing workbooks", err) != 0) {
        return NULL;
    }
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
