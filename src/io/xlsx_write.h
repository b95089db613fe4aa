/* Writing .xlsx workbooks: a thin layer over libxlsxwriter, the only file
 * that includes <xlsxwriter.h>. Enough for questionnaires: named sheets,
 * text and number cells in a few styles, column widths, frozen header rows,
 * sheet protection with unlocked input cells. */
#ifndef ICTDEV_IO_XLSX_WRITE_H
#define ICTDEV_IO_XLSX_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"

/* Cell styles. XLSX_INPUT cells stay editable on a protected sheet. */
enum xlsx_style {
    XLSX_PLAIN = 0,
    XLSX_HEADER, /* bold, grey fill, bottom border */
    XLSX_TITLE,  /* bold, larger */
    XLSX_WRAP,   /* wrapped text, top-aligned */
    XLSX_INPUT,  /* unlocked, pale yellow fill: where values are typed */
    XLSX_STYLE_COUNT
};

struct xlsx_writer;
struct xlsx_sheet; /* borrowed from its writer until xlsx_writer_close */

/* Start a workbook to be written to path at close. Returns owned writer
 * (finish with xlsx_writer_close) or NULL with ERR_IO. */
struct xlsx_writer *xlsx_writer_new(const char *path, struct err *err);

/* Add a sheet named name (1..31 chars, no []:*?/\). Returns a sheet
 * borrowed from w, or NULL with ERR_INVALID. */
struct xlsx_sheet *xlsx_sheet_add(struct xlsx_writer *w, const char *name,
                                  struct err *err);

/* Write a text or number cell at 0-based row, col. Text must be UTF-8;
 * text of more than 32767 bytes is ERR_LIMIT. */
int xlsx_put_str(struct xlsx_sheet *s, uint32_t row, uint16_t col,
                 const char *text, enum xlsx_style style,
                 struct err *err) WARN_UNUSED_RESULT;
int xlsx_put_num(struct xlsx_sheet *s, uint32_t row, uint16_t col, double v,
                 enum xlsx_style style, struct err *err) WARN_UNUSED_RESULT;
/* An empty cell that carries a style (for XLSX_INPUT blanks). */
int xlsx_put_blank(struct xlsx_sheet *s, uint32_t row, uint16_t col,
                   enum xlsx_style style, struct err *err) WARN_UNUSED_RESULT;

/* Set the width of column col in characters. Cannot fail. */
void xlsx_col_width(struct xlsx_sheet *s, uint16_t col, double width);
/* Freeze the first rows rows. Cannot fail. */
void xlsx_freeze_rows(struct xlsx_sheet *s, uint32_t rows);
/* Protect the sheet: only XLSX_INPUT cells can be edited. Cannot fail. */
void xlsx_protect(struct xlsx_sheet *s);
/* Hide the sheet (it must not be the first). Cannot fail. */
void xlsx_hide(struct xlsx_sheet *s);

/* Write the file and free w (taken, also on failure). ERR_IO if the file
 * cannot be written. Safe on NULL (returns 0). */
int xlsx_writer_close(struct xlsx_writer *w,
                      struct err *err) WARN_UNUSED_RESULT;

/* Free w without writing anything useful (the partial file is removed).
 * Safe on NULL. */
void xlsx_writer_abort(struct xlsx_writer *w);

#endif
