/* Blocks: the byte format in which the store keeps observations. A block
 * holds the cells one batch appended to one series (indicator, area): each
 * cell a (year, dims) key with its value, status, source id and note.
 * Both backends store blocks as they are (store_obs.c reads and writes
 * them); this module only encodes and decodes, without I/O, so it can be
 * fuzzed on its own. Included only by src/store/ files and tests.
 *
 * Format (version 1; all integers are LEB128 varints unless stated):
 *   byte      1 (the version)
 *   ndims     the distinct dims keys of the block, then each as
 *             len + bytes, strictly ascending in byte order ("" first)
 *   ncells    >= 1, then the cells in strictly ascending (year, dims):
 *     year    first cell: year - YEAR_MIN; then the step from the
 *             previous cell's year (0 when only dims grows)
 *     dims    index into the dims keys (only when ndims > 1)
 *     flags   one byte: bits 0-1 status, bit 2 a source id follows (else
 *             the previous cell's, 0 for the first), bit 3 a note
 *             follows, bit 4 the value is the previous cell's (else 8
 *             bytes IEEE 754 little-endian follow), bit 5 the note is the
 *             previous cell's (not with bit 3), bit 6 the note's rest is
 *             packed hex (only with bit 3); without bits 3 and 5 the
 *             note is ""; bit 7 zero
 *     value   8 bytes, unless bit 4
 *     source  varint, if bit 2
 *     note    if bit 3: bytes shared with the previous cell's note, then
 *             the length of the rest (>= 1 byte in all) and its bytes; with
 *             bit 6 the rest is >= 8 lowercase hex digits, two per byte,
 *             high nibble first (an odd last digit: low nibble 0)
 * A derived value's note repeats the text of its neighbour but for the
 * digits of its signature, and an aggregate's often is its neighbour's, so
 * notes cost a few bytes each. */
#ifndef ICTDEV_STORE_BLOCK_H
#define ICTDEV_STORE_BLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"

#define BLOCK_VERSION 1

/* One cell. dims is an index into the block's dims keys. Strings are
 * borrowed (encode: from the caller; decode: see block_next). */
struct block_cell {
    int year;
    uint32_t dims;
    double value; /* finite */
    unsigned status;
    int64_t source; /* >= 0; 0 = none */
    const char *note;
    size_t note_len;
};

/* The dims keys of a block, ascending in byte order, each with its
 * length. Borrowed. */
struct block_dims {
    const char *const *keys;
    const size_t *lens;
    size_t count;
};

/* Append the block of n >= 1 cells to out. The cells must be in strictly
 * ascending (year, dims) order, dims < d->count, years in
 * YEAR_MIN..YEAR_MAX, values finite, statuses 0..3; the keys of d strictly
 * ascending. Borrows everything. Cannot fail (the caller checked what the
 * format needs: a violation is a bug, caught by an assert in tests). */
void block_encode(const struct block_dims *d, const struct block_cell *cells,
                  size_t n, struct buf *out);

/* Reads one block. Open with block_open; the dims keys point into the
 * block's bytes. */
struct block_reader {
    const unsigned char *p, *end;
    size_t ndims;
    const unsigned char *dims_at; /* the first dims key's length varint */
    size_t ncells, left;          /* cells in all, cells not yet read */
    struct block_cell prev;       /* the last cell read */
    struct buf note;              /* the last cell's note (owned) */
};

/* Start reading the len bytes at data (borrowed; they must outlive r).
 * ERR_STORAGE "corrupt block: ..." for bytes that break the format; r is
 * then cleaned up. On success clean up with block_close. */
int block_open(struct block_reader *r, const void *data, size_t len,
               struct err *err) WARN_UNUSED_RESULT;

/* The dims keys of the block, in order: key i at *out_key (borrowed from
 * the block's bytes, not NUL-terminated) with *out_len bytes. i <
 * r->ndims. Cannot fail (block_open checked them). */
void block_dims_key(const struct block_reader *r, size_t i,
                    const char **out_key, size_t *out_len);

/* Read the next cell into *out: 1 if there was one, 0 at the end, or
 * ERR_STORAGE for corrupt bytes (keys out of order, a bad index, a value
 * that is not finite, bytes left over or missing). out->note is borrowed
 * from r until the next call. */
int block_next(struct block_reader *r, struct block_cell *out,
               struct err *err) WARN_UNUSED_RESULT;

/* Free r's memory. Safe to call twice. */
void block_close(struct block_reader *r);

/* Read the whole block only to check it: the number of cells and the
 * first and last year, or ERR_STORAGE. (Tests.) */
int block_check(const void *data, size_t len, size_t *out_cells,
                int *out_year_min, int *out_year_max,
                struct err *err) WARN_UNUSED_RESULT;

#endif
