/* Blocks of observations: encoding and decoding (see block.h). */
#include "block.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "../core/limits.h"

#define FLAG_STATUS    0x03u
#define FLAG_SOURCE    0x04u
#define FLAG_NOTE      0x08u
#define FLAG_SAME      0x10u
#define FLAG_NOTE_SAME 0x20u
#define FLAG_NOTE_HEX  0x40u
#define FLAG_ALL       0x7fu

/* Hex digits of a note's rest are packed two per byte from this many. */
#define HEX_MIN 8

/* Value of a lowercase hex digit, or -1. */
static const signed char hex_of[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

static int hex_value(unsigned char c)
{
    return hex_of[c] - 1;
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (hex_of[(unsigned char)s[i]] == 0) {
            return false;
        }
    }
    return true;
}

/* ---- Encoding ---------------------------------------------------------- */

static void put_varint(struct buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;

    do {
        unsigned char c = (unsigned char)(v & 0x7f);
        v >>= 7;
        tmp[n++] = (unsigned char)(c | (v ? 0x80 : 0));
    } while (v);
    buf_append(b, tmp, n);
}

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c != 0) {
        return c;
    }
    return (alen > blen) - (alen < blen);
}

static unsigned char *w_varint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

/* Bytes one cell may take besides its note's: flags, year, dims, value,
 * source and two note lengths. */
#define CELL_MAX (1 + 10 + 10 + 8 + 10 + 10 + 10)

void block_encode(const struct block_dims *d, const struct block_cell *cells,
                  size_t n, struct buf *out)
{
    const char *prev_note = "";
    size_t prev_len = 0;
    int64_t prev_source = 0;
    uint64_t prev_bits = 0;

    assert(n >= 1);
    buf_putc(out, (char)BLOCK_VERSION);
    put_varint(out, d->count);
    for (size_t i = 0; i < d->count; i++) {
        assert(i == 0 || key_cmp(d->keys[i - 1], d->lens[i - 1], d->keys[i],
                                 d->lens[i]) < 0);
        put_varint(out, d->lens[i]);
        buf_append(out, d->keys[i], d->lens[i]);
    }
    put_varint(out, n);
    for (size_t i = 0; i < n; i++) {
        const struct block_cell *c = &cells[i];
        unsigned flags = c->status & FLAG_STATUS;
        uint64_t bits;
        size_t shared = 0, rest = 0;
        bool hex = false;
        unsigned char *p;

        assert(c->year >= YEAR_MIN && c->year <= YEAR_MAX);
        assert(c->dims < d->count && c->status <= 3);
        assert(i == 0 || c->year > cells[i - 1].year ||
               (c->year == cells[i - 1].year && c->dims > cells[i - 1].dims));
        /* Bitwise, so that -0 and 0 stay apart (the store keeps 0). */
        memcpy(&bits, &c->value, sizeof(bits));
        if (i > 0 && bits == prev_bits) {
            flags |= FLAG_SAME;
        }
        if (c->source != prev_source) {
            flags |= FLAG_SOURCE;
        }
        if (c->note_len > 0 && i > 0 && c->note_len == prev_len &&
            memcmp(c->note, prev_note, prev_len) == 0) {
            flags |= FLAG_NOTE_SAME;
        } else if (c->note_len > 0) {
            size_t max = c->note_len < prev_len ? c->note_len : prev_len;
            flags |= FLAG_NOTE;
            while (shared < max && c->note[shared] == prev_note[shared]) {
                shared++;
            }
            rest = c->note_len - shared;
            hex = rest >= HEX_MIN && all_hex(c->note + shared, rest);
            flags |= hex ? FLAG_NOTE_HEX : 0;
        }
        buf_reserve(out, CELL_MAX + rest);
        p = (unsigned char *)out->data + out->len;
        p = w_varint(p, (uint64_t)(i == 0 ? c->year - YEAR_MIN
                                          : c->year - cells[i - 1].year));
        if (d->count > 1) {
            p = w_varint(p, c->dims);
        }
        *p++ = (unsigned char)flags;
        if (!(flags & FLAG_SAME)) {
            for (int k = 0; k < 8; k++) {
                *p++ = (unsigned char)(bits >> (8 * k));
            }
        }
        if (flags & FLAG_SOURCE) {
            p = w_varint(p, (uint64_t)c->source);
        }
        if (flags & FLAG_NOTE) {
            const char *h = c->note + shared;
            p = w_varint(p, shared);
            p = w_varint(p, rest);
            if (hex) {
                for (size_t k = 0; k < rest; k += 2) {
                    int lo =
                        k + 1 < rest ? hex_value((unsigned char)h[k + 1]) : 0;
                    *p++ = (unsigned char)(hex_value((unsigned char)h[k]) << 4 |
                                           lo);
                }
            } else {
                memcpy(p, h, rest);
                p += rest;
            }
        }
        out->len = (size_t)((char *)p - out->data);
        prev_note = c->note_len > 0 ? c->note : "";
        prev_len = c->note_len;
        prev_source = c->source;
        prev_bits = bits;
    }
    out->data[out->len] = '\0';
}

/* ---- Decoding ---------------------------------------------------------- */

/* "00" .. "ff": the two lowercase hex digits of each byte. */
static const char hex_pairs[256][2] = {
#define HP(x)                                                                  \
    {                                                                          \
        "0123456789abcdef"[(x) >> 4], "0123456789abcdef"[(x)&15]               \
    }
#define HP4(x)  HP(x), HP((x) + 1), HP((x) + 2), HP((x) + 3)
#define HP16(x) HP4(x), HP4((x) + 4), HP4((x) + 8), HP4((x) + 12)
#define HP64(x) HP16(x), HP16((x) + 16), HP16((x) + 32), HP16((x) + 48)
    HP64(0), HP64(64), HP64(128), HP64(192)
#undef HP64
#undef HP16
#undef HP4
#undef HP
};

static int corrupt(struct err *err, const char *what)
{
    return err_set(err, ERR_STORAGE, "corrupt block: %s", what);
}

/* A varint at *p (< end) into *out; false if it runs past end or past 64
 * bits. */
static bool get_varint(const unsigned char **p, const unsigned char *end,
                       uint64_t *out)
{
    uint64_t v = 0;

    for (unsigned shift = 0; shift < 64; shift += 7) {
        unsigned char c;
        if (*p >= end) {
            return false;
        }
        c = *(*p)++;
        if (shift == 63 && (c & 0x7e) != 0) {
            return false;
        }
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* get_varint with the one-byte case (years steps, dims indices, note
 * lengths: nearly every varint of a block) inline. */
static inline bool get_varint1(const unsigned char **p,
                               const unsigned char *end, uint64_t *out)
{
    if (*p < end && **p < 0x80) {
        *out = *(*p)++;
        return true;
    }
    return get_varint(p, end, out);
}

static bool get_size(const unsigned char **p, const unsigned char *end,
                     size_t *out)
{
    uint64_t v;

    if (!get_varint1(p, end, &v) || v > (uint64_t)(end - *p) + (1u << 30)) {
        return false;
    }
    *out = (size_t)v;
    return true;
}

int block_open(struct block_reader *r, const void *data, size_t len,
               struct err *err)
{
    const unsigned char *prev = NULL;
    size_t prev_len = 0;

    memset(r, 0, sizeof(*r));
    r->p = data;
    r->end = r->p + len;
    if (len == 0 || r->p[0] != BLOCK_VERSION) {
        return corrupt(err, "unknown version");
    }
    r->p++;
    if (!get_size(&r->p, r->end, &r->ndims) ||
        r->ndims > (size_t)(r->end - r->p)) {
        return corrupt(err, "bad dims count");
    }
    r->dims_at = r->p;
    for (size_t i = 0; i < r->ndims; i++) {
        size_t klen;
        if (!get_size(&r->p, r->end, &klen) || klen > (size_t)(r->end - r->p)) {
            return corrupt(err, "bad dims key");
        }
        if (i > 0 && key_cmp((const char *)prev, prev_len, (const char *)r->p,
                             klen) >= 0) {
            return corrupt(err, "dims keys out of order");
        }
        prev = r->p;
        prev_len = klen;
        r->p += klen;
    }
    if (r->ndims == 0) {
        return corrupt(err, "no dims keys");
    }
    if (!get_size(&r->p, r->end, &r->ncells) || r->ncells == 0 ||
        r->ncells > (size_t)(r->end - r->p)) {
        return corrupt(err, "bad cell count");
    }
    r->left = r->ncells;
    buf_init(&r->note);
    buf_puts(&r->note, "");
    return 0;
}

void block_dims_key(const struct block_reader *r, size_t i,
                    const char **out_key, size_t *out_len)
{
    const unsigned char *p = r->dims_at;
    size_t klen = 0;

    for (size_t k = 0;; k++) {
        (void)get_size(&p, r->end, &klen);
        if (k == i) {
            break;
        }
        p += klen;
    }
    *out_key = (const char *)p;
    *out_len = klen;
}

int block_next(struct block_reader *r, struct block_cell *out, struct err *err)
{
    struct block_cell c = r->prev;
    uint64_t step, v;
    unsigned flags;
    bool first = r->left == r->ncells;

    if (r->left == 0) {
        if (r->p != r->end) {
            return corrupt(err, "bytes after the last cell");
        }
        return 0;
    }
    if (!get_varint1(&r->p, r->end, &step) ||
        step > (uint64_t)(YEAR_MAX - YEAR_MIN)) {
        return corrupt(err, "bad year");
    }
    c.year = first ? YEAR_MIN + (int)step : r->prev.year + (int)step;
    if (c.year > YEAR_MAX) {
        return corrupt(err, "year out of range");
    }
    c.dims = 0;
    if (r->ndims > 1) {
        if (!get_varint1(&r->p, r->end, &v) || v >= r->ndims) {
            return corrupt(err, "bad dims index");
        }
        c.dims = (uint32_t)v;
    }
    if (!first && step == 0 && c.dims <= r->prev.dims) {
        return corrupt(err, "cells out of order");
    }
    if (r->p >= r->end) {
        return corrupt(err, "truncated cell");
    }
    flags = *r->p++;
    if ((flags & ~FLAG_ALL) != 0 ||
        (first && (flags & (FLAG_SAME | FLAG_NOTE_SAME))) ||
        ((flags & FLAG_NOTE_SAME) && (flags & FLAG_NOTE)) ||
        ((flags & FLAG_NOTE_HEX) && !(flags & FLAG_NOTE))) {
        return corrupt(err, "bad flags");
    }
    c.status = flags & FLAG_STATUS;
    if (!(flags & FLAG_SAME)) {
        const unsigned char *b = r->p;
        uint64_t u;
        if ((size_t)(r->end - r->p) < 8) {
            return corrupt(err, "truncated value");
        }
        /* Little-endian, spelled out so that compilers make it one load. */
        u = (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 |
            (uint64_t)b[3] << 24 | (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 |
            (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56;
        r->p += 8;
        memcpy(&c.value, &u, sizeof(u));
        if (!(c.value - c.value == 0.0)) {
            return corrupt(err, "value not finite");
        }
    }
    if (flags & FLAG_SOURCE) {
        if (!get_varint(&r->p, r->end, &v) || v > INT64_MAX) {
            return corrupt(err, "bad source");
        }
        c.source = (int64_t)v;
    } else if (first) {
        c.source = 0;
    }
    if (flags & FLAG_NOTE) {
        size_t shared, rest, bytes;
        if (!get_size(&r->p, r->end, &shared) || shared > r->note.len ||
            !get_size(&r->p, r->end, &rest) || shared + rest == 0) {
            return corrupt(err, "bad note");
        }
        bytes = flags & FLAG_NOTE_HEX ? rest / 2 + rest % 2 : rest;
        if (bytes > (size_t)(r->end - r->p) ||
            ((flags & FLAG_NOTE_HEX) && rest < HEX_MIN)) {
            return corrupt(err, "bad note");
        }
        r->note.len = shared;
        r->note.data[shared] = '\0';
        if (flags & FLAG_NOTE_HEX) {
            char *w;
            if (rest % 2 && (r->p[bytes - 1] & 0x0f) != 0) {
                return corrupt(err, "bad note");
            }
            buf_reserve(&r->note, rest + 1);
            w = r->note.data + shared;
            /* Two digits per byte; an odd count's last byte writes one
             * more, overwritten by the NUL below. */
            for (size_t k = 0; k < bytes; k++) {
                memcpy(w + 2 * k, hex_pairs[r->p[k]], 2);
            }
            r->note.len = shared + rest;
            r->note.data[r->note.len] = '\0';
        } else {
            buf_append(&r->note, r->p, rest);
        }
        r->p += bytes;
    } else if (!(flags & FLAG_NOTE_SAME) && r->note.len > 0) {
        r->note.len = 0;
        r->note.data[0] = '\0';
    }
    c.note = r->note.data ? r->note.data : "";
    c.note_len = r->note.len;
    r->prev = c;
    r->left--;
    *out = c;
    return 1;
}

void block_close(struct block_reader *r)
{
    buf_cleanup(&r->note);
}

int block_check(const void *data, size_t len, size_t *out_cells,
                int *out_year_min, int *out_year_max, struct err *err)
{
    struct block_reader r;
    struct block_cell c;
    int rc;
    int ymin = 0, ymax = 0;

    if (block_open(&r, data, len, err) != 0) {
        return err->code;
    }
    while ((rc = block_next(&r, &c, err)) == 1) {
        if (r.left + 1 == r.ncells) {
            ymin = c.year;
        }
        ymax = c.year;
    }
    *out_cells = r.ncells;
    *out_year_min = ymin;
    *out_year_max = ymax;
    block_close(&r);
    return rc;
}
