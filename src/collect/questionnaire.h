/* The questionnaire: which indicators an economy reports (data/
 * questionnaire.csv: section, indicator, dims, required), written as an
 * .xlsx in the layout focal points know and read back into values. The
 * catalogue texts and last year's values come from the caller, so this
 * module does no storage.
 *
 * Layout of the "Questionnaire" sheet (0-based rows): row 0 title; row 1
 * "Economy", code, name; row 2 "Year", year; row 3 instructions; row
 * QN_HEADER_ROW the header; one row per item below it, with columns
 * Section, Code, Breakdown, Indicator, Unit, last year's value, this
 * year's value (the only editable cells with the comment) and Comment. A
 * "Definitions" sheet lists each indicator's definition, and a hidden
 * "ictdev" sheet identifies the file. */
#ifndef ICTDEV_COLLECT_QUESTIONNAIRE_H
#define ICTDEV_COLLECT_QUESTIONNAIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/compiler.h"
#include "../core/err.h"
#include "values.h"

#define QN_HEADER_ROW 5
#define QN_COL_CODE   1
#define QN_COL_DIMS   2
#define QN_COL_VALUE  6
#define QN_COL_NOTE   7

/* One line of the questionnaire. */
struct qn_item {
    char *section;   /* owned */
    char *indicator; /* owned */
    char *dims;      /* owned canonical key or "" */
    bool required;
    /* Filled by the caller before writing (borrowed, may stay NULL): */
    const char *name;
    const char *definition;
    const char *unit;
    double last;   /* last year's value */
    bool has_last; /* last is set */
};

struct questionnaire {
    struct qn_item *items; /* owned; count used */
    size_t count;
};

/* Load the definition file at path into q (zeroed by the caller). Errors:
 * ERR_NOT_FOUND / ERR_IO, ERR_PARSE / ERR_INVALID with FILE:LINE. */
int questionnaire_load(struct questionnaire *q, const char *path,
                       struct err *err) WARN_UNUSED_RESULT;

/* Free q's items. Safe on a zeroed struct. */
void questionnaire_cleanup(struct questionnaire *q);

/* The item for (indicator, dims), or NULL. */
const struct qn_item *questionnaire_find(const struct questionnaire *q,
                                         const char *indicator,
                                         const char *dims);

/* Write the workbook for economy (code and name) and year to path.
 * ERR_IO if it cannot be written. */
int questionnaire_write(const struct questionnaire *q, const char *economy,
                        const char *economy_name, int year, const char *path,
                        struct err *err) WARN_UNUSED_RESULT;

/* Read a filled-in questionnaire (data, len borrowed) into out: economy
 * and year from its header, one value per filled value cell (the comment
 * cell becomes the value's comment). Errors name the cell:
 * "Questionnaire!G12: 'abc' is not a number". */
int questionnaire_read(const void *data, size_t len, struct values *out,
                       struct err *err) WARN_UNUSED_RESULT;

#endif
