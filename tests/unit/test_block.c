/* Unit tests for store/block: the byte format of observation blocks. Every
 * cell read back is the cell written, value bits and note bytes included;
 * bytes that break the format are refused, never read past. */
#include <float.h>
#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"
#include "core/mem.h"
#include "store/block.h"
#include "testutil.h"

/* Decode data into cells (notes copied into notes, NUL-separated, offsets
 * in the cells' note fields as numbers); returns the count or -1. */
struct decoded {
    struct block_cell cells[512];
    size_t n;
    struct buf notes;
    size_t note_off[512];
};

static int decode(const struct buf *data, struct decoded *d, struct err *err)
{
    struct block_reader r;
    struct block_cell c;
    int rc;

    d->n = 0;
    buf_reset(&d->notes);
    if (block_open(&r, data->data, data->len, err) != 0) {
        return err->code;
    }
    while ((rc = block_next(&r, &c, err)) == 1) {
        assert_true(d->n < 512);
        d->note_off[d->n] = d->notes.len;
        buf_append(&d->notes, c.note, c.note_len);
        buf_putc(&d->notes, '\0');
        d->cells[d->n++] = c;
    }
    block_close(&r);
    return rc;
}

static void check_same(const struct block_cell *want, size_t n,
                       const struct decoded *d)
{
    assert_int_equal(d->n, n);
    for (size_t i = 0; i < n; i++) {
        const struct block_cell *g = &d->cells[i];
        const char *note = d->notes.data + d->note_off[i];
        assert_int_equal(g->year, want[i].year);
        assert_int_equal(g->dims, want[i].dims);
        assert_memory_equal(&g->value, &want[i].value, sizeof(double));
        assert_int_equal(g->status, want[i].status);
        assert_int_equal(g->source, want[i].source);
        assert_int_equal(g->note_len, want[i].note_len);
        assert_memory_equal(note, want[i].note, want[i].note_len);
    }
}

static const char *const keys[] = {"", "age=15-24", "age=25-74", "sex=F"};
static const size_t lens[] = {0, 9, 9, 5};

static void test_round_trip(void **state)
{
    (void)state;
    /* Edge values, every note case: none, the previous one, a shared
     * prefix, packed hex (even and odd length, and 7 digits: not packed),
     * UTF-8 bytes, sources that change, repeat and go back to none. */
    struct block_cell c[] = {
        {YEAR_MIN, 0, 0.0, 0, 0, "", 0},
        {YEAR_MIN, 3, -DBL_MAX, 1, 7, "note", 4},
        {1960, 1, DBL_MIN / 4, 2, 7, "note", 4},
        {1960, 2, DBL_MIN / 4, 3, 1u << 20, "note and more", 13},
        {1961, 0, 1e300, 0, 0, "inputs a#1 b#2 sig=0123456789abcdef", 35},
        {1962, 0, 0.1, 0, 0, "inputs a#1 b#2 sig=fedcba9876543210", 35},
        {1963, 0, 0.2, 0, 0, "inputs a#1 b#2 sig=fedcba987", 28},
        {1964, 0, 0.3, 0, 0, "inputs a#1 b#2 sig=1234567", 26},
        {1965, 3, 9007199254740993.0, 1, INT64_MAX, "caf\xc3\xa9 \xe2\x82\xac",
         10},
        {YEAR_MAX, 0, 1, 0, 0, "", 0},
    };
    size_t n = sizeof(c) / sizeof(c[0]);
    struct block_dims d = {keys, lens, 4};
    struct buf b;
    struct decoded *dec = xcalloc(1, sizeof(*dec));
    struct err err = {0};
    size_t cells;
    int y0, y1;

    buf_init(&b);
    block_encode(&d, c, n, &b);
    assert_ok(decode(&b, dec, &err), &err);
    check_same(c, n, dec);
    assert_ok(block_check(b.data, b.len, &cells, &y0, &y1, &err), &err);
    assert_int_equal(cells, n);
    assert_int_equal(y0, YEAR_MIN);
    assert_int_equal(y1, YEAR_MAX);
    /* One dims key: no index in the cells. */
    d.count = 1;
    for (size_t i = 0; i < n; i++) {
        c[i].dims = 0;
        c[i].year = 1900 + (int)i;
    }
    buf_reset(&b);
    block_encode(&d, c, n, &b);
    assert_ok(decode(&b, dec, &err), &err);
    check_same(c, n, dec);
    buf_cleanup(&b);
    buf_cleanup(&dec->notes);
    xfree(dec);
}

/* A random block: cells in key order with random values and notes drawn
 * from a few patterns, written and read back. */
static void test_random(void **state)
{
    static const char *const notes[] = {"", "coverage 100.0%; method none",
                                        "coverage 99.5%; method itu",
                                        "inputs x#1 pop#1 sig=", "x"};
    uint64_t seed = 42;
    struct block_dims d = {keys, lens, 4};
    struct decoded *dec = xcalloc(1, sizeof(*dec));
    struct err err = {0};
    struct buf b, text;

    (void)state;
    buf_init(&b);
    buf_init(&text);
    for (int round = 0; round < 200; round++) {
        struct block_cell c[300];
        size_t n = 0;
        size_t off[300];
        int year = YEAR_MIN;
        buf_reset(&text);
        while (n < 300) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            year += (int)(seed >> 60) % 3;
            if (year > YEAR_MAX) {
                break;
            }
            for (uint32_t k = 0; k < 4 && n < 300; k++) {
                uint64_t r = seed >> (16 + 4 * k);
                double v;
                if (r & 1) {
                    continue;
                }
                memcpy(&v, &seed, sizeof(v));
                if (!(v - v == 0.0)) {
                    v = (double)(r % 1000) / 7;
                }
                off[n] = text.len;
                buf_puts(&text, notes[r % 5]);
                if (r % 5 == 3) {
                    buf_printf(&text, "%016llx", (unsigned long long)seed);
                }
                buf_putc(&text, '\0');
                c[n] = (struct block_cell){year,
                                           k,
                                           (r & 2) ? v : 1.5,
                                           (unsigned)(r >> 3) & 3,
                                           (int64_t)((r >> 5) % 3),
                                           NULL,
                                           0};
                n++;
            }
            year++;
        }
        if (n == 0) {
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            c[i].note = text.data + off[i];
            c[i].note_len = strlen(c[i].note);
        }
        buf_reset(&b);
        block_encode(&d, c, n, &b);
        assert_ok(decode(&b, dec, &err), &err);
        check_same(c, n, dec);
    }
    buf_cleanup(&b);
    buf_cleanup(&text);
    buf_cleanup(&dec->notes);
    xfree(dec);
}

/* Every prefix of a good block, and every byte of it changed, is either
 * refused with ERR_STORAGE or read whole: never read past its end. */
static void test_corrupt(void **state)
{
    struct block_cell c[] = {
        {2000, 0, 1.5, 0, 3, "note", 4},
        {2000, 1, 2.5, 1, 3, "inputs sig=0123456789abcdef", 27},
        {2001, 0, 2.5, 2, 0, "inputs sig=0123456789abcdef", 27},
    };
    struct block_dims d = {keys, lens, 2};
    struct decoded *dec = xcalloc(1, sizeof(*dec));
    struct err err = {0};
    struct buf b, t;

    (void)state;
    buf_init(&b);
    buf_init(&t);
    block_encode(&d, c, 3, &b);
    for (size_t len = 0; len < b.len; len++) {
        buf_reset(&t);
        buf_append(&t, b.data, len);
        /* The copy has exactly len bytes of its own: ASan sees overreads. */
        char *exact = xmalloc(len ? len : 1);
        memcpy(exact, b.data, len);
        struct buf e = {exact, len, len};
        assert_int_equal(decode(&e, dec, &err), ERR_STORAGE);
        assert_non_null(strstr(err.msg, "corrupt block"));
        xfree(exact);
    }
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            int rc;
            buf_reset(&t);
            buf_append(&t, b.data, b.len);
            t.data[i] ^= (char)(1 << bit);
            rc = decode(&t, dec, &err);
            assert_true(rc == 0 || rc == ERR_STORAGE);
        }
    }
    /* Bytes after the last cell. */
    buf_reset(&t);
    buf_append(&t, b.data, b.len);
    buf_putc(&t, 0);
    assert_int_equal(decode(&t, dec, &err), ERR_STORAGE);
    buf_cleanup(&b);
    buf_cleanup(&t);
    buf_cleanup(&dec->notes);
    xfree(dec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
