/* Reading .xlsx workbooks from memory with libzip + libxml2 (the only file
 * that includes their headers). Untrusted input: the reader refuses macros
 * (a vbaProject.bin part or a macro-enabled content type), formulas in
 * cells (a value must be typed, not computed), DTDs, files over
 * MAX_XLSX_FILE, more than MAX_XLSX_ENTRIES parts, parts that inflate past
 * MAX_XLSX_UNZIPPED in total or by more than MAX_XLSX_RATIO (zip bombs),
 * more than MAX_XLSX_CELLS cells and malformed XML. Messages name the cell
 * when there is one: "Sheet1!C7: formula instead of a value". */
#ifndef ICTDEV_IO_XLSX_READ_H
#define ICTDEV_IO_XLSX_READ_H

#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"

enum xlsx_cell_type {
    XLSX_CELL_NUMBER = 0, /* num is set; text is the number as written */
    XLSX_CELL_TEXT,       /* shared, inline or ISO-date text */
    XLSX_CELL_BOOL,       /* num is 0 or 1 */
    XLSX_CELL_ERROR,      /* text is the error value, e.g. "#DIV/0!" */
};

struct xlsx_cell {
    uint32_t row; /* 0-based */
    uint32_t col; /* 0-based, < 16384 */
    enum xlsx_cell_type type;
    double num;       /* for NUMBER and BOOL */
    const char *text; /* never NULL; borrowed from the book */
};

struct xlsx_book;

/* Parse the workbook in data[0..len) (borrowed; not kept). Returns an owned
 * book (free with xlsx_book_free) or NULL with err: ERR_LIMIT (sizes,
 * counts, zip bomb), ERR_INVALID (macros, formulas, not an .xlsx), ERR_PARSE
 * (malformed zip or XML, a bad cell reference or number). */
struct xlsx_book *xlsx_read_mem(const void *data, size_t len,
                                struct err *err) WARN_UNUSED_RESULT;

/* Free b. Safe on NULL. */
void xlsx_book_free(struct xlsx_book *b);

/* Sheets in workbook order. Names are borrowed until xlsx_book_free. */
size_t xlsx_sheet_count(const struct xlsx_book *b);
const char *xlsx_sheet_name(const struct xlsx_book *b, size_t sheet);
/* Index of the sheet named name (exact), or -1. */
int xlsx_sheet_find(const struct xlsx_book *b, const char *name);

/* The non-empty cells of sheet, sorted by row then column. Borrowed until
 * xlsx_book_free. */
const struct xlsx_cell *xlsx_sheet_cells(const struct xlsx_book *b,
                                         size_t sheet, size_t *out_count);

/* The cell at (row, col) of sheet, or NULL if it is empty. */
const struct xlsx_cell *xlsx_cell_at(const struct xlsx_book *b, size_t sheet,
                                     uint32_t row, uint32_t col);

/* Write the A1-style name of (row, col) ("C7") into out (>= 16 bytes). */
void xlsx_cell_name(uint32_t row, uint32_t col, char *out, size_t cap);

#endif
