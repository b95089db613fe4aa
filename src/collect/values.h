/* The values of a submission: one list, whatever the upload's format (the
 * .xlsx questionnaire, long CSV, SDMX-CSV), each value with the place it
 * came from ("Questionnaire!G12", "upload.csv:7") so that every message
 * and every rule result can point at a cell. Parsing checks syntax only;
 * values_check then holds the list against the questionnaire and the
 * submission's economy and year. No storage. */
#ifndef ICTDEV_COLLECT_VALUES_H
#define ICTDEV_COLLECT_VALUES_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"

#define VALUE_WHERE_MAX 64

struct value {
    char *economy;   /* owned */
    char *indicator; /* owned */
    char *dims;      /* owned canonical key: "" or "a=x;b=y" sorted */
    int year;
    double value;                /* finite */
    char *status;                /* owned; "" = reported */
    char *comment;               /* owned; the focal point's note, or "" */
    char where[VALUE_WHERE_MAX]; /* "Questionnaire!G12" or "f.csv:7" */
};

/* A comment on a questionnaire row left empty: why the value is missing. */
struct value_note {
    char *indicator;             /* owned */
    char *dims;                  /* owned canonical key */
    char *text;                  /* owned */
    char where[VALUE_WHERE_MAX]; /* the comment's cell */
};

struct values {
    struct value *items; /* owned; count used */
    size_t count;
    size_t cap;
    struct value_note *notes; /* owned; note_count used */
    size_t note_count;
    char *economy; /* owned: the economy the file says it is for, or NULL */
    int year;      /* the year the file says it is for, or 0 */
    char *format;  /* owned: "xlsx", "csv" or "sdmx-csv" */
};

/* Zero v. values_cleanup frees everything; safe on a zeroed struct. */
void values_init(struct values *v);
void values_cleanup(struct values *v);

/* Append one value (strings copied). ERR_LIMIT past MAX_UPLOAD_VALUES. */
int values_add(struct values *v, const char *economy, const char *indicator,
               const char *dims, int year, double value, const char *status,
               const char *comment, const char *where,
               struct err *err) WARN_UNUSED_RESULT;

/* Append a note (strings copied). ERR_LIMIT past MAX_UPLOAD_VALUES. */
int values_add_note(struct values *v, const char *indicator, const char *dims,
                    const char *text, const char *where,
                    struct err *err) WARN_UNUSED_RESULT;

/* The value for (indicator, dims, year), or NULL. Linear; lists are a few
 * hundred values. */
const struct value *values_find(const struct values *v, const char *indicator,
                                const char *dims, int year);

/* True if any value is for indicator (any dims, any year). */
bool values_has_indicator(const struct values *v, const char *indicator);

/* Parse an upload of len bytes (borrowed) named name: an .xlsx
 * questionnaire (zip signature), SDMX-CSV (STRUCTURE/DATAFLOW header) or
 * long CSV (economy,indicator,year,value[,dimension columns][,status,
 * source,note]). Fills out (initialised by the caller). Errors ERR_PARSE /
 * ERR_INVALID / ERR_LIMIT with the cell or line; out is then partial and
 * must still be cleaned up. */
int values_parse(const char *data, size_t len, const char *name,
                 struct values *out, struct err *err) WARN_UNUSED_RESULT;

/* Canonical dims key of "a=x;b=y" (any order) into out. ERR_INVALID for a
 * malformed key. */
int values_dims_canon(const char *key, struct buf *out,
                      struct err *err) WARN_UNUSED_RESULT;

#endif
