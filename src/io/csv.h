/* Streaming RFC 4180 CSV reader. Reads a file, a descriptor or a memory
 * block in chunks (the whole input is never held), hands out one record at
 * a time with zero-copy fields, and reports errors as FILE:LINE:COL.
 *
 * Why not libcsv: its per-byte callbacks copy every field and cannot tell
 * where in the file a field came from; loads need both speed and exact
 * positions in their messages. This reader is fuzzed (tests/fuzz). */
#ifndef ICTDEV_IO_CSV_H
#define ICTDEV_IO_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"

struct csv_field {
    const char *ptr; /* borrowed from the reader; not NUL-terminated */
    size_t len;      /* bytes, after removing quotes and "" escapes */
    bool quoted;     /* the field was written in quotes */
};

struct csv_record {
    struct csv_field *fields; /* borrowed; valid until the next csv_next */
    size_t count;             /* fields; 0 means end of input */
    uint64_t line;            /* 1-based line where the record starts */
};

struct csv_reader;

/* Open path for reading ("-" is standard input). Returns owned reader (free
 * with csv_close) or NULL with ERR_NOT_FOUND / ERR_IO in err. */
struct csv_reader *csv_open_path(const char *path, struct err *err);

/* Read from a copy of len bytes at data; name is used in messages. Returns
 * owned reader; cannot fail. */
struct csv_reader *csv_open_mem(const char *data, size_t len, const char *name);

/* Check each field is valid UTF-8 (default true). */
void csv_set_utf8_check(struct csv_reader *r, bool on);

/* Read the next record into out. Blank lines are skipped; a UTF-8 byte order
 * mark at the start is dropped. At end of input out->count is 0. Errors:
 * ERR_PARSE (bad quoting, bad UTF-8), ERR_LIMIT (record over MAX_CSV_RECORD
 * bytes or MAX_CSV_FIELDS fields), ERR_IO; the message starts with
 * "NAME:LINE:COL: ". After an error the reader is at end of input. */
int csv_next(struct csv_reader *r, struct csv_record *out,
             struct err *err) WARN_UNUSED_RESULT;

/* Bytes consumed so far, and the input size if known (else 0): for
 * progress bars. */
uint64_t csv_offset(const struct csv_reader *r);
uint64_t csv_size(const struct csv_reader *r);

/* The name given at open (path or "<stdin>"). Borrowed. */
const char *csv_name(const struct csv_reader *r);

/* Close r and free it. Safe on NULL. */
void csv_close(struct csv_reader *r);

/* True if field equals the NUL-terminated s exactly. */
bool csv_field_eq(const struct csv_field *f, const char *s);

/* Return an owned NUL-terminated copy of the field (free with xfree). */
char *csv_field_dup(const struct csv_field *f);

#endif
