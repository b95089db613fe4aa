/* Fuzz target: the reader of observation blocks (store/block.h) on
 * arbitrary bytes. A block that reads whole is written again from what was
 * read and must read back to the same cells (a restored backup or a
 * damaged file is outside input too). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "store/block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct cells {
    struct block_cell *v;
    size_t n, cap;
    struct buf notes;
    size_t *off;
};

/* Every cell of the block at data, or false. */
static bool read_all(const void *data, size_t size, struct cells *out,
                     size_t *out_ndims)
{
    struct block_reader r;
    struct block_cell c;
    struct err err;
    int rc;

    out->n = 0;
    buf_reset(&out->notes);
    if (block_open(&r, data, size, &err) != 0) {
        return false;
    }
    *out_ndims = r.ndims;
    while ((rc = block_next(&r, &c, &err)) == 1) {
        if (out->n == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 16;
            out->v = xreallocarray(out->v, out->cap, sizeof(*out->v));
            out->off = xreallocarray(out->off, out->cap, sizeof(size_t));
        }
        out->off[out->n] = out->notes.len;
        buf_append(&out->notes, c.note, c.note_len);
        out->v[out->n++] = c;
    }
    block_close(&r);
    return rc == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cells a = {0}, b = {0};
    struct block_reader r;
    struct err err;
    size_t ndims = 0, ndims2 = 0;
    int bad = 0;

    if (read_all(data, size, &a, &ndims) &&
        block_open(&r, data, size, &err) == 0) {
        const char **keys = xcalloc(ndims, sizeof(char *));
        size_t *lens = xcalloc(ndims, sizeof(size_t));
        struct block_dims d = {keys, lens, ndims};
        struct buf out;
        for (size_t i = 0; i < ndims; i++) {
            block_dims_key(&r, i, &keys[i], &lens[i]);
        }
        for (size_t i = 0; i < a.n; i++) {
            a.v[i].note = a.notes.data + a.off[i];
        }
        buf_init(&out);
        block_encode(&d, a.v, a.n, &out);
        if (!read_all(out.data, out.len, &b, &ndims2) || b.n != a.n ||
            ndims2 != ndims || b.notes.len != a.notes.len ||
            memcmp(b.notes.data, a.notes.data, a.notes.len) != 0) {
            bad = 1;
        }
        for (size_t i = 0; !bad && i < a.n; i++) {
            bad = a.v[i].year != b.v[i].year || a.v[i].dims != b.v[i].dims ||
                  memcmp(&a.v[i].value, &b.v[i].value, sizeof(double)) != 0 ||
                  a.v[i].status != b.v[i].status ||
                  a.v[i].source != b.v[i].source ||
                  a.v[i].note_len != b.v[i].note_len;
        }
        buf_cleanup(&out);
        xfree(keys);
        xfree(lens);
        block_close(&r);
    }
    xfree(a.v);
    xfree(a.off);
    buf_cleanup(&a.notes);
    xfree(b.v);
    xfree(b.off);
    buf_cleanup(&b.notes);
    if (bad) {
        __builtin_trap();
    }
    return 0;
}
