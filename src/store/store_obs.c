/* Observations over blocks, once for both backends: writing a batch
 * (store_obs_put, store_obs_append, the writer behind store_batch_*),
 * queries, history, counts and the migration from one row per value.
 *
 * Layout. The table blocks has one row per (indicator, area, batch, part):
 * every value that batch appended to the series (indicator, area), all its
 * years and dimension keys, encoded by block.c. A series read is the
 * blocks of that series up to a batch, decoded and merged (the latest
 * revision of each (year, dims) wins); a load or a computation writes one
 * block per series it changed instead of one row per value, so a batch of
 * five million values is some fifty thousand rows.
 *
 * Writing. The writer of the open batch keeps the new values of the
 * series it has touched in memory (a "round") and writes them, one block
 * per series, when the round holds ROUND_CELLS values or at commit. To
 * decide whether a value changed, it reads the series' current values
 * once per round (none for a store that had no values at batch start, or
 * for store_obs_append in a trusted batch); past VIEW_CELLS current values
 * it drops them and reads a series again when needed. Duplicates: while a
 * series' values come in key order, a cursor walks its current values and
 * the key before is enough; values given dims key by dims key (and no
 * current values) keep the last year of each dims key; otherwise the
 * series' keys go into a hash map. A series seen again after its block was
 * written reads that block back (its keys are this batch's: a repeat is a
 * duplicate).
 *
 * Reading. Queries go indicator by indicator: the blocks of the indicator
 * (of every area, or of the requested ones) in one statement, then area by
 * area in the order of results, decoded, merged and filtered; when the
 * blocks arrive in that order (area ids growing with it) each is decoded
 * as it comes, else they are kept and sorted first. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strmap.h"
#include "../core/strparse.h"
#include "../model/dims.h"
#include "block.h"
#include "store.h"
#include "store_int.h"
#include "store_sql.h"

/* A round ends (its blocks are written) at this many new values held, or
 * this many bytes of their notes. */
#define ROUND_CELLS (1u << 19)
#define ROUND_NOTES (16u << 20)
/* Current values read for comparison are kept up to this many (or this
 * many bytes of notes); past it they are dropped and read again when a
 * series needs them (values given in no series' order). */
#define VIEW_CELLS (1u << 20)
#define VIEW_NOTES (32u << 20)
/* Series touched by one batch at most (keys pack the series index). */
#define MAX_BATCH_SERIES (1u << 24)

#define NONE    UINT32_MAX
#define CUR_BIT 0x80000000u

/* ---- A map from non-zero 64-bit keys to 32-bit values ------------------ */

struct u64map {
    uint64_t *keys; /* owned; 0 = empty */
    uint32_t *vals;
    size_t cap; /* power of two, or 0 */
    size_t count;
};

/* Every bit of the key reaches the slot (splitmix64's finaliser): keys
 * differ in a few bits here and there (series, year, dims). */
static size_t u64_slot(uint64_t key, size_t cap)
{
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ull;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebull;
    key ^= key >> 31;
    return (size_t)key & (cap - 1);
}

static void u64map_free(struct u64map *m)
{
    xfree(m->keys);
    xfree(m->vals);
    memset(m, 0, sizeof(*m));
}

static void u64map_clear(struct u64map *m)
{
    if (m->cap > 65536) {
        u64map_free(m);
    } else if (m->count > 0) {
        memset(m->keys, 0, m->cap * sizeof(uint64_t));
        m->count = 0;
    }
}

static bool u64map_get(const struct u64map *m, uint64_t key, uint32_t *out)
{
    size_t i;

    if (m->cap == 0) {
        return false;
    }
    i = u64_slot(key, m->cap);
    while (m->keys[i] != 0) {
        if (m->keys[i] == key) {
            *out = m->vals[i];
            return true;
        }
        i = (i + 1) & (m->cap - 1);
    }
    return false;
}

/* Insert or replace. */
static void u64map_put(struct u64map *m, uint64_t key, uint32_t val)
{
    size_t i;

    if (m->count + 1 > m->cap / 4 * 3) {
        struct u64map big = {0};
        big.cap = m->cap ? m->cap * 2 : 1024;
        big.keys = xcalloc(big.cap, sizeof(uint64_t));
        big.vals = xcalloc(big.cap, sizeof(uint32_t));
        for (size_t k = 0; k < m->cap; k++) {
            if (m->keys[k] != 0) {
                u64map_put(&big, m->keys[k], m->vals[k]);
            }
        }
        u64map_free(m);
        *m = big;
    }
    i = u64_slot(key, m->cap);
    while (m->keys[i] != 0 && m->keys[i] != key) {
        i = (i + 1) & (m->cap - 1);
    }
    if (m->keys[i] == 0) {
        m->keys[i] = key;
        m->count++;
    }
    m->vals[i] = val;
}

/* ---- Dimension keys: one id per distinct canonical key ----------------- */

struct dims_dict {
    struct strmap ids; /* key → id */
    struct buf text;   /* the keys, each NUL-terminated */
    size_t *off;       /* id → offset in text */
    uint32_t *len;     /* id → length */
    uint32_t *rank;    /* id → position in byte order (ids < ranked) */
    size_t count, cap, ranked;
};

static uint32_t dd_intern(struct dims_dict *d, const char *s, size_t len);

static void dd_init(struct dims_dict *d)
{
    memset(d, 0, sizeof(*d));
    (void)dd_intern(d, "", 0); /* id 0 is the total */
}

static void dd_free(struct dims_dict *d)
{
    strmap_cleanup(&d->ids);
    buf_cleanup(&d->text);
    xfree(d->off);
    xfree(d->len);
    xfree(d->rank);
    memset(d, 0, sizeof(*d));
}

static uint32_t dd_intern(struct dims_dict *d, const char *s, size_t len)
{
    size_t id;

    if (d->count > 0 && strmap_get(&d->ids, s, len, &id)) {
        return (uint32_t)id;
    }
    if (d->count == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->off = xreallocarray(d->off, d->cap, sizeof(*d->off));
        d->len = xreallocarray(d->len, d->cap, sizeof(*d->len));
    }
    id = d->count++;
    d->off[id] = d->text.len;
    d->len[id] = (uint32_t)len;
    buf_append(&d->text, s, len);
    buf_putc(&d->text, '\0');
    strmap_put(&d->ids, s, len, id);
    return (uint32_t)id;
}

static const char *dd_str(const struct dims_dict *d, uint32_t id)
{
    return d->text.data + d->off[id];
}

/* Byte order of two keys. */
static int dd_cmp(const struct dims_dict *d, uint32_t a, uint32_t b)
{
    size_t la = d->len[a], lb = d->len[b];
    int c;

    if (a == b) {
        return 0;
    }
    c = memcmp(dd_str(d, a), dd_str(d, b), la < lb ? la : lb);
    return c != 0 ? c : (la > lb) - (la < lb);
}

/* The dictionary the comparisons of a qsort below read (qsort has no
 * context argument in C17; one per thread). */
static _Thread_local const struct dims_dict *sort_dims;

static int id_cmp(const void *a, const void *b)
{
    return dd_cmp(sort_dims, *(const uint32_t *)a, *(const uint32_t *)b);
}

/* Sort n dims ids of d into byte order of their keys. */
static void dd_sort_ids(const struct dims_dict *d, uint32_t *ids, size_t n)
{
    const struct dims_dict *saved = sort_dims;

    if (n > 1) {
        sort_dims = d;
        qsort(ids, n, sizeof(uint32_t), id_cmp);
        sort_dims = saved;
    }
}

/* Give every id its rank in byte order. */
static void dd_rank(struct dims_dict *d)
{
    uint32_t *order;

    if (d->ranked == d->count) {
        return;
    }
    order = xcalloc(d->count, sizeof(uint32_t));
    for (size_t i = 0; i < d->count; i++) {
        order[i] = (uint32_t)i;
    }
    dd_sort_ids(d, order, d->count);
    d->rank = xreallocarray(d->rank, d->cap, sizeof(uint32_t));
    for (size_t i = 0; i < d->count; i++) {
        d->rank[order[i]] = (uint32_t)i;
    }
    xfree(order);
    d->ranked = d->count;
}

/* ---- Decoded series ----------------------------------------------------- */

/* One revision of one key, decoded. */
struct rcell {
    double value;
    int64_t source;
    int64_t batch;
    uint32_t note_off, note_len; /* into rseries.notes (NUL-terminated) */
    int32_t year;
    uint32_t dims; /* dims_dict id */
    uint32_t rank; /* sorting only */
    uint8_t status;
};

/* The cells of the blocks of one series. */
struct rseries {
    struct rcell *cells;
    size_t count, cap;
    size_t blocks;    /* blocks added since rs_reset */
    struct buf notes; /* offset 0 holds "" */
    uint32_t *map;    /* scratch: block dims index → dict id */
    size_t map_cap;
    int year_from, year_to; /* only cells of these years; 0 = open */
};

static void rs_reset(struct rseries *rs)
{
    rs->count = 0;
    rs->blocks = 0;
    buf_reset(&rs->notes);
    buf_putc(&rs->notes, '\0');
}

static void rs_free(struct rseries *rs)
{
    xfree(rs->cells);
    xfree(rs->map);
    buf_cleanup(&rs->notes);
    memset(rs, 0, sizeof(*rs));
}

static const char *rs_note(const struct rseries *rs, const struct rcell *c)
{
    return rs->notes.data + c->note_off;
}

/* Decode one block of batch into rs, its keys interned in d. */
static int rs_add(struct rseries *rs, struct dims_dict *d, const void *data,
                  size_t len, int64_t batch, struct err *err)
{
    struct block_reader r;
    struct block_cell c;
    int rc;

    if (block_open(&r, data, len, err) != 0) {
        return err->code;
    }
    if (r.ndims > rs->map_cap) {
        rs->map_cap = r.ndims;
        rs->map = xreallocarray(rs->map, rs->map_cap, sizeof(uint32_t));
    }
    for (size_t i = 0; i < r.ndims; i++) {
        const char *key;
        size_t klen;
        block_dims_key(&r, i, &key, &klen);
        rs->map[i] = dd_intern(d, key, klen);
    }
    while ((rc = block_next(&r, &c, err)) == 1) {
        struct rcell *o;
        if (rs->year_to != 0 && c.year > rs->year_to) {
            rc = 0; /* cells come in year order: none of the rest */
            break;
        }
        if (c.year < rs->year_from) {
            continue;
        }
        if (rs->count == rs->cap) {
            rs->cap = rs->cap ? rs->cap * 2 : 256;
            rs->cells = xreallocarray(rs->cells, rs->cap, sizeof(*rs->cells));
        }
        o = &rs->cells[rs->count++];
        o->value = c.value;
        o->source = c.source;
        o->batch = batch;
        o->year = c.year;
        o->dims = rs->map[c.dims];
        o->status = (uint8_t)c.status;
        o->note_len = (uint32_t)c.note_len;
        o->note_off = 0;
        if (c.note_len > 0) {
            o->note_off = (uint32_t)rs->notes.len;
            buf_append(&rs->notes, c.note, c.note_len);
            buf_putc(&rs->notes, '\0');
        }
    }
    block_close(&r);
    if (rc != 0) {
        return err->code;
    }
    rs->blocks++;
    return 0;
}

static int rcell_cmp(const void *a, const void *b)
{
    const struct rcell *x = a;
    const struct rcell *y = b;

    if (x->year != y->year) {
        return x->year < y->year ? -1 : 1;
    }
    if (x->rank != y->rank) {
        return x->rank < y->rank ? -1 : 1;
    }
    return (x->batch > y->batch) - (x->batch < y->batch);
}

/* Keep the latest revision of each key, in (year, dims) order. The cells
 * of one block are in order already; several blocks are sorted and
 * merged. (year, dims, batch) is unique: a batch gives a key once. */
static void rs_merge(struct rseries *rs, struct dims_dict *d)
{
    size_t out = 0;

    if (rs->blocks <= 1 || rs->count <= 1) {
        return;
    }
    dd_rank(d);
    for (size_t i = 0; i < rs->count; i++) {
        rs->cells[i].rank = d->rank[rs->cells[i].dims];
    }
    qsort(rs->cells, rs->count, sizeof(*rs->cells), rcell_cmp);
    for (size_t i = 0; i < rs->count; i++) {
        if (out > 0 && rs->cells[out - 1].year == rs->cells[i].year &&
            rs->cells[out - 1].dims == rs->cells[i].dims) {
            rs->cells[out - 1] = rs->cells[i];
        } else {
            rs->cells[out++] = rs->cells[i];
        }
    }
    rs->count = out;
}

/* ---- Writing one block ----------------------------------------------------
 */

/* Scratch of put_block, kept between calls. */
struct put_scratch {
    struct buf enc;
    uint32_t *index; /* dict id → block dims index + 1 (0 between calls) */
    uint32_t *used;  /* dict ids the block uses */
    const char **keys;
    size_t *lens;
    size_t cap; /* entries of each array */
};

static void put_scratch_free(struct put_scratch *ps)
{
    buf_cleanup(&ps->enc);
    xfree(ps->index);
    xfree(ps->used);
    xfree(ps->keys);
    xfree(ps->lens);
    memset(ps, 0, sizeof(*ps));
}

static int bcell_cmp(const void *a, const void *b)
{
    const struct block_cell *x = a;
    const struct block_cell *y = b;

    if (x->year != y->year) {
        return x->year < y->year ? -1 : 1;
    }
    return dd_cmp(sort_dims, x->dims, y->dims);
}

/* Write cells[0..n) (n >= 1; their dims are ids of d; sorted here unless
 * in key order already) as block `part` of the series (ind, area) of
 * batch. The cells' dims become block indices. */
static int put_block(struct store *s, const struct dims_dict *d,
                     struct block_cell *cells, size_t n, bool in_order,
                     int64_t ind, int64_t area, int64_t batch, int64_t part,
                     struct put_scratch *ps, struct err *err)
{
    size_t nd = 0;
    struct block_dims bd;
    struct store_block b;

    if (d->count > ps->cap) {
        size_t old = ps->cap;
        ps->cap = d->cap;
        ps->index = xreallocarray(ps->index, ps->cap, sizeof(uint32_t));
        memset(ps->index + old, 0, (ps->cap - old) * sizeof(uint32_t));
        ps->used = xreallocarray(ps->used, ps->cap, sizeof(uint32_t));
        ps->keys = xreallocarray(ps->keys, ps->cap, sizeof(char *));
        ps->lens = xreallocarray(ps->lens, ps->cap, sizeof(size_t));
    }
    if (!in_order) {
        const struct dims_dict *saved = sort_dims;
        sort_dims = d;
        qsort(cells, n, sizeof(*cells), bcell_cmp);
        sort_dims = saved;
    }
    /* The block's dims keys: those its cells use, in byte order. */
    for (size_t i = 0; i < n; i++) {
        if (ps->index[cells[i].dims] == 0) {
            ps->index[cells[i].dims] = 1;
            ps->used[nd++] = cells[i].dims;
        }
    }
    dd_sort_ids(d, ps->used, nd);
    for (size_t k = 0; k < nd; k++) {
        ps->index[ps->used[k]] = (uint32_t)k + 1;
        ps->keys[k] = dd_str(d, ps->used[k]);
        ps->lens[k] = d->len[ps->used[k]];
    }
    for (size_t i = 0; i < n; i++) {
        cells[i].dims = ps->index[cells[i].dims] - 1;
    }
    for (size_t k = 0; k < nd; k++) {
        ps->index[ps->used[k]] = 0;
    }
    bd = (struct block_dims){ps->keys, ps->lens, nd};
    buf_reset(&ps->enc);
    block_encode(&bd, cells, n, &ps->enc);
    b = (struct store_block){
        .indicator_id = ind,
        .area_id = area,
        .batch_id = batch,
        .part = part,
        .cells = (int64_t)n,
        .year_min = cells[0].year,
        .year_max = cells[n - 1].year,
        .data = (const unsigned char *)ps->enc.data,
        .len = ps->enc.len,
    };
    return s->ops->block_write(s, &b, err);
}

/* ---- The writer of a batch --------------------------------------------- */

/* A value given in this round. */
struct pcell {
    double value;
    int64_t source;
    uint32_t note_off, note_len; /* into store_writer.notes */
    int32_t year;
    uint32_t dims;
    uint32_t next; /* the series' next pcell, or NONE */
    uint8_t status;
};

/* A current value of a series, read for this round. */
struct ccell {
    double value;
    int64_t source;
    int64_t batch;
    uint32_t note_off, note_len; /* into store_writer.cur_notes */
    int32_t year;
    uint32_t dims;
    uint8_t status;
    uint8_t seen; /* this batch gave the key (changed or not) */
};

/* How the keys of a series given this round are checked for repeats:
 * in key order, the last key is enough (and a cursor walks the current
 * values); without current values and each dims key's years in order
 * (values given dims key by dims key), the last year of each dims key;
 * else a hash map of every key. */
enum wmode { MODE_ORDERED, MODE_BYDIMS, MODE_MAPPED };

/* The last year given for one dims key of a series (MODE_BYDIMS). */
struct dlast {
    uint32_t dims;
    int32_t year;
    uint32_t next; /* the series' next entry, or NONE */
};

struct wseries {
    int64_t ind_id, area_id;
    uint32_t part;  /* blocks written by this batch */
    uint32_t round; /* the fields below are this round's if == w->round */
    uint32_t head, tail, count;
    uint32_t cur_first, cur_count, cur_pos;
    int32_t last_year;
    uint32_t last_dims;
    uint32_t dl_head; /* MODE_BYDIMS: its struct dlast entries */
    bool has_last;    /* last_* hold the last key given (ordered mode) */
    bool loaded;      /* current values read this round */
    uint8_t mode;     /* enum wmode */
};

struct store_writer {
    int64_t batch;
    bool fresh, trusted;
    int64_t changed;
    struct dims_dict dims;
    struct wseries *series;
    size_t nseries, series_cap;
    struct u64map series_ids; /* (indicator id << 32 | area id) → index */
    uint32_t round;
    uint32_t *open; /* series touched this round */
    size_t nopen, open_cap;
    struct pcell *pend;
    size_t npend, pend_cap;
    struct buf notes;
    struct ccell *cur;
    size_t ncur, cur_cap;
    struct buf cur_notes;
    struct u64map keys; /* mapped series: key → pcell or CUR_BIT | ccell */
    struct dlast *dl;   /* MODE_BYDIMS entries of this round */
    size_t ndl, dl_cap;
    /* Scratch. */
    struct rseries rs;
    struct put_scratch put;
    struct block_cell *bcells;
    size_t bcells_cap;
    /* The last codes looked up. */
    const struct store_codes *codes;
    size_t last_ind, last_area, last_series;
    bool has_last;
    struct strmap sources; /* source text → id, this batch's */
    struct buf last_source;
    int64_t last_source_id;
};

void store_writer_begin(struct store *s, const struct store_batch_open *b)
{
    struct store_writer *w;

    store_writer_end(s);
    w = xcalloc(1, sizeof(*w));
    w->batch = b->id;
    w->fresh = b->fresh;
    w->trusted = b->trusted;
    w->round = 1;
    dd_init(&w->dims);
    s->w = w;
}

void store_writer_end(struct store *s)
{
    struct store_writer *w = s->w;

    if (!w) {
        return;
    }
    dd_free(&w->dims);
    xfree(w->series);
    u64map_free(&w->series_ids);
    xfree(w->open);
    xfree(w->pend);
    buf_cleanup(&w->notes);
    xfree(w->cur);
    buf_cleanup(&w->cur_notes);
    u64map_free(&w->keys);
    xfree(w->dl);
    rs_free(&w->rs);
    put_scratch_free(&w->put);
    xfree(w->bcells);
    strmap_cleanup(&w->sources);
    buf_cleanup(&w->last_source);
    xfree(w);
    s->w = NULL;
}

/* Order of keys (year, dims) within a series. */
static int wkey_cmp(const struct store_writer *w, int32_t ya, uint32_t da,
                    int32_t yb, uint32_t db)
{
    if (ya != yb) {
        return ya < yb ? -1 : 1;
    }
    return dd_cmp(&w->dims, da, db);
}

static uint64_t wkey(uint32_t series, int32_t year, uint32_t dims)
{
    return ((uint64_t)series + 1) << 40 | (uint64_t)(year - YEAR_MIN) << 32 |
           dims;
}

/* Make series i part of this round. */
static void round_touch(struct store_writer *w, uint32_t i)
{
    struct wseries *ws = &w->series[i];

    ws->round = w->round;
    ws->head = ws->tail = NONE;
    ws->count = 0;
    ws->cur_first = ws->cur_count = ws->cur_pos = 0;
    ws->has_last = ws->loaded = false;
    ws->mode = MODE_ORDERED;
    ws->dl_head = NONE;
    if (w->nopen == w->open_cap) {
        w->open_cap = w->open_cap ? w->open_cap * 2 : 1024;
        w->open = xreallocarray(w->open, w->open_cap, sizeof(uint32_t));
    }
    w->open[w->nopen++] = i;
}

static int view_block(void *ctx, const struct store_block *b, struct err *err)
{
    struct store_writer *w = ctx;
    return rs_add(&w->rs, &w->dims, b->data, b->len, b->batch_id, err);
}

/* Forget every series' current values (they are read again on demand);
 * the keys of mapped series' new values stay in the map. */
static void views_drop(struct store_writer *w)
{
    u64map_clear(&w->keys);
    for (size_t k = 0; k < w->nopen; k++) {
        uint32_t i = w->open[k];
        struct wseries *ws = &w->series[i];
        ws->loaded = false;
        ws->cur_first = ws->cur_count = ws->cur_pos = 0;
        if (ws->mode != MODE_MAPPED) {
            continue;
        }
        for (uint32_t p = ws->head; p != NONE; p = w->pend[p].next) {
            u64map_put(&w->keys, wkey(i, w->pend[p].year, w->pend[p].dims), p);
        }
    }
    w->ncur = 0;
    buf_reset(&w->cur_notes);
}

/* Read the current values of series i (this batch's blocks included). */
static int load_view(struct store *s, struct store_writer *w, uint32_t i,
                     struct err *err)
{
    struct wseries *ws = &w->series[i];

    if (w->ncur >= VIEW_CELLS || w->cur_notes.len >= VIEW_NOTES) {
        views_drop(w);
    }
    rs_reset(&w->rs);
    if (s->ops->blocks_read(s, ws->ind_id, ws->area_id, INT64_MAX, view_block,
                            w, err) != 0) {
        return err->code;
    }
    rs_merge(&w->rs, &w->dims);
    ws = &w->series[i];
    ws->cur_first = (uint32_t)w->ncur;
    ws->cur_count = (uint32_t)w->rs.count;
    ws->cur_pos = ws->cur_first;
    ws->loaded = true;
    if (w->ncur + w->rs.count > w->cur_cap) {
        while (w->ncur + w->rs.count > w->cur_cap) {
            w->cur_cap = w->cur_cap ? w->cur_cap * 2 : 4096;
        }
        w->cur = xreallocarray(w->cur, w->cur_cap, sizeof(*w->cur));
    }
    if (w->cur_notes.len == 0) {
        buf_putc(&w->cur_notes, '\0');
    }
    for (size_t k = 0; k < w->rs.count; k++) {
        const struct rcell *r = &w->rs.cells[k];
        struct ccell *c = &w->cur[w->ncur++];
        c->value = r->value;
        c->source = r->source;
        c->batch = r->batch;
        c->year = r->year;
        c->dims = r->dims;
        c->status = r->status;
        c->seen = 0;
        c->note_len = r->note_len;
        c->note_off = 0;
        if (r->note_len > 0) {
            c->note_off = (uint32_t)w->cur_notes.len;
            buf_append(&w->cur_notes, rs_note(&w->rs, r), r->note_len);
            buf_putc(&w->cur_notes, '\0');
        }
    }
    return 0;
}

/* Series i leaves ordered mode: its keys go into the map. */
static void to_map(struct store_writer *w, uint32_t i)
{
    struct wseries *ws = &w->series[i];

    for (uint32_t k = ws->cur_first; k < ws->cur_first + ws->cur_count; k++) {
        u64map_put(&w->keys, wkey(i, w->cur[k].year, w->cur[k].dims),
                   CUR_BIT | k);
    }
    for (uint32_t p = ws->head; p != NONE; p = w->pend[p].next) {
        u64map_put(&w->keys, wkey(i, w->pend[p].year, w->pend[p].dims), p);
    }
    ws->mode = MODE_MAPPED;
}

/* The struct dlast of dims in series ws, added (year INT32_MIN) if new. */
static struct dlast *dlast_of(struct store_writer *w, struct wseries *ws,
                              uint32_t dims)
{
    struct dlast *d;

    for (uint32_t k = ws->dl_head; k != NONE; k = w->dl[k].next) {
        if (w->dl[k].dims == dims) {
            return &w->dl[k];
        }
    }
    if (w->ndl == w->dl_cap) {
        w->dl_cap = w->dl_cap ? w->dl_cap * 2 : 1024;
        w->dl = xreallocarray(w->dl, w->dl_cap, sizeof(*w->dl));
    }
    d = &w->dl[w->ndl];
    d->dims = dims;
    d->year = INT32_MIN;
    d->next = ws->dl_head;
    ws->dl_head = (uint32_t)w->ndl++;
    return d;
}

/* Series i (ordered so far, no current values) leaves key order: each
 * dims key's last year so far. */
static void to_bydims(struct store_writer *w, uint32_t i)
{
    struct wseries *ws = &w->series[i];

    for (uint32_t p = ws->head; p != NONE; p = w->pend[p].next) {
        dlast_of(w, ws, w->pend[p].dims)->year = w->pend[p].year;
    }
    ws->mode = MODE_BYDIMS;
}

/* Write the values series i was given this round as one block. */
static int write_series(struct store *s, struct store_writer *w, uint32_t i,
                        struct err *err)
{
    struct wseries *ws = &w->series[i];
    size_t n = 0;
    int rc;

    if (ws->count == 0) {
        return 0;
    }
    if (ws->count > w->bcells_cap) {
        w->bcells_cap = ws->count;
        w->bcells = xreallocarray(w->bcells, w->bcells_cap, sizeof(*w->bcells));
    }
    for (uint32_t p = ws->head; p != NONE; p = w->pend[p].next) {
        const struct pcell *c = &w->pend[p];
        w->bcells[n++] = (struct block_cell){
            .year = c->year,
            .dims = c->dims,
            .value = c->value,
            .status = c->status,
            .source = c->source,
            .note = w->notes.data + c->note_off,
            .note_len = c->note_len,
        };
    }
    rc = put_block(s, &w->dims, w->bcells, n, ws->mode == MODE_ORDERED,
                   ws->ind_id, ws->area_id, w->batch, ws->part, &w->put, err);
    if (rc == 0) {
        ws->part++;
    }
    return rc;
}

static _Thread_local const struct store_writer *sort_writer;

static int open_cmp(const void *a, const void *b)
{
    const struct wseries *x = &sort_writer->series[*(const uint32_t *)a];
    const struct wseries *y = &sort_writer->series[*(const uint32_t *)b];

    if (x->ind_id != y->ind_id) {
        return x->ind_id < y->ind_id ? -1 : 1;
    }
    return (x->area_id > y->area_id) - (x->area_id < y->area_id);
}

/* End the round: one block per series given values, in key order. */
static int round_end(struct store *s, struct store_writer *w, struct err *err)
{
    if (w->nopen > 1) {
        sort_writer = w;
        qsort(w->open, w->nopen, sizeof(uint32_t), open_cmp);
        sort_writer = NULL;
    }
    for (size_t k = 0; k < w->nopen; k++) {
        if (write_series(s, w, w->open[k], err) != 0) {
            return err->code;
        }
    }
    w->nopen = 0;
    w->npend = 0;
    buf_reset(&w->notes);
    w->ncur = 0;
    buf_reset(&w->cur_notes);
    u64map_clear(&w->keys);
    w->ndl = 0;
    w->round++;
    return 0;
}

int store_writer_flush(struct store *s, int64_t *out_batch,
                       int64_t *out_changed, struct err *err)
{
    struct store_writer *w = s->w;

    *out_batch = 0;
    *out_changed = 0;
    if (!w) {
        return err_set(err, ERR_CONFLICT, "no batch is open");
    }
    if (round_end(s, w, err) != 0) {
        return err->code;
    }
    *out_batch = w->batch;
    *out_changed = w->changed;
    return 0;
}

static bool same_content(const struct store_writer *w, const struct ccell *c,
                         double value, unsigned status, int64_t source,
                         const char *note, size_t note_len)
{
    return c->value == value && c->status == status && c->source == source &&
           c->note_len == note_len &&
           memcmp(w->cur_notes.data + c->note_off, note, note_len) == 0;
}

/* The codes of o: indices into the cache, the last ones tried first (a
 * load gives one series row after row). */
static int writer_codes(struct store *s, struct store_writer *w,
                        const struct obs *o, size_t *out_ind, size_t *out_area,
                        struct err *err)
{
    const struct store_codes *c;

    if (s->ops->codes(s, &c, err) != 0) {
        return err->code;
    }
    if (c != w->codes) {
        w->codes = c;
        w->has_last = false;
    }
    if (w->has_last && strcmp(o->indicator, c->inds[w->last_ind].code) == 0 &&
        strcmp(o->economy, c->areas[w->last_area].code) == 0) {
        *out_ind = w->last_ind;
        *out_area = w->last_area;
        return 0;
    }
    if (store_codes_ind(c, o->indicator, out_ind, err) != 0 ||
        store_codes_area(c, o->economy, out_area, err) != 0) {
        return err->code;
    }
    return 0;
}

static int query_int(struct store *s, const char *sql,
                     const struct store_param *ps, size_t n, int64_t *out,
                     struct err *err);

/* The id of a source text (0 for none): the last one, one this batch
 * used, one in the table, or a new row of sources (in this batch's
 * transaction: a rollback takes it back, and the writer with its map). */
static int writer_source(struct store *s, struct store_writer *w,
                         const char *text, int64_t *out, struct err *err)
{
    size_t len = text ? strlen(text) : 0;
    size_t id;

    *out = 0;
    if (len == 0) {
        return 0;
    }
    if (w->last_source_id > 0 && len == w->last_source.len &&
        memcmp(text, w->last_source.data, len) == 0) {
        *out = w->last_source_id;
        return 0;
    }
    if (strmap_get(&w->sources, text, len, &id)) {
        *out = (int64_t)id;
    } else {
        struct store_param ps[1] = {STORE_P_TEXT(text)};
        /* RETURNING: SQLite 3.35 and PostgreSQL both give the new id. */
        if (query_int(s, SQL_SOURCE_GET, ps, 1, out, err) != 0 ||
            (*out == 0 && query_int(s, SQL_SOURCE_PUT " RETURNING id", ps, 1,
                                    out, err) != 0)) {
            return err_prefix(err, "writing a source");
        }
        strmap_put(&w->sources, text, len, (size_t)*out);
    }
    buf_reset(&w->last_source);
    buf_append(&w->last_source, text, len);
    w->last_source_id = *out;
    return 0;
}

/* The series (ind, area) of this batch, added if new. */
static int writer_series(struct store_writer *w, size_t ind, size_t area,
                         uint32_t *out, struct err *err)
{
    const struct store_codes *c = w->codes;
    int64_t ind_id = c->inds[ind].id, area_id = c->areas[area].id;
    uint64_t key = (uint64_t)ind_id << 32 | (uint32_t)area_id;
    uint32_t i;

    if (w->has_last && w->last_ind == ind && w->last_area == area) {
        *out = (uint32_t)w->last_series;
        return 0;
    }
    if (!u64map_get(&w->series_ids, key + 1, &i)) {
        if (w->nseries >= MAX_BATCH_SERIES) {
            return err_set(err, ERR_LIMIT, "more than %u series in one batch",
                           MAX_BATCH_SERIES);
        }
        if (w->nseries == w->series_cap) {
            w->series_cap = w->series_cap ? w->series_cap * 2 : 1024;
            w->series =
                xreallocarray(w->series, w->series_cap, sizeof(*w->series));
        }
        i = (uint32_t)w->nseries++;
        memset(&w->series[i], 0, sizeof(w->series[i]));
        w->series[i].ind_id = ind_id;
        w->series[i].area_id = area_id;
        u64map_put(&w->series_ids, key + 1, i);
    }
    w->last_ind = ind;
    w->last_area = area;
    w->last_series = i;
    w->has_last = true;
    *out = i;
    return 0;
}

/* store_obs_put (lookup: compare with the current value) and
 * store_obs_append (no lookup in a trusted batch). */
static int writer_put(struct store *s, const struct obs *o, bool lookup,
                      bool *out_changed, struct err *err)
{
    struct store_writer *w = s->w;
    size_t ind, area;
    uint32_t si = 0, dims, hit = NONE;
    struct wseries *ws;
    struct pcell *pc;
    int64_t src;
    double value = o->value == 0 ? 0.0 : o->value; /* -0 is stored as 0 */
    const char *dkey = o->dims ? o->dims : "";
    const char *note = o->note ? o->note : "";
    size_t dlen = strlen(dkey), nlen = strlen(note);
    size_t bad = 0;

    if (out_changed) {
        *out_changed = false;
    }
    if (!w) {
        return err_set(err, ERR_CONFLICT, "no batch is open");
    }
    if (!utf8_valid(note, nlen, &bad) ||
        (o->source && !utf8_valid(o->source, strlen(o->source), &bad)) ||
        !utf8_valid(dkey, dlen, &bad)) {
        return err_set(err, ERR_INVALID,
                       "%s %s %d: text that is not UTF-8 (byte %zu)",
                       o->indicator, o->economy, o->year, bad + 1);
    }
    if (writer_codes(s, w, o, &ind, &area, err) != 0 ||
        store_check_obs(o, err) != 0 ||
        writer_source(s, w, o->source, &src, err) != 0 ||
        writer_series(w, ind, area, &si, err) != 0) {
        return err->code;
    }
    dims = dlen == 0 ? 0 : dd_intern(&w->dims, dkey, dlen);
    ws = &w->series[si];
    if (ws->round != w->round) {
        round_touch(w, si);
    }
    if (((lookup || !w->trusted) && !w->fresh) || ws->part > 0) {
        if (!ws->loaded) {
            if (load_view(s, w, si, err) != 0) {
                return err->code;
            }
            ws = &w->series[si];
            if (ws->count > 0) {
                to_map(w, si);
            }
        }
    }
    if (ws->mode == MODE_ORDERED && ws->has_last) {
        int c = wkey_cmp(w, o->year, dims, ws->last_year, ws->last_dims);
        if (c == 0) {
            return store_duplicate(o, err);
        }
        if (c < 0 && ws->loaded) {
            to_map(w, si);
        } else if (c < 0) {
            to_bydims(w, si);
        }
    }
    if (ws->mode == MODE_BYDIMS) {
        struct dlast *d = dlast_of(w, ws, dims);
        if (o->year > d->year) {
            d->year = o->year;
        } else {
            to_map(w, si);
        }
    }
    if (ws->mode == MODE_ORDERED) {
        uint32_t end = ws->cur_first + ws->cur_count;
        while (ws->cur_pos < end &&
               wkey_cmp(w, w->cur[ws->cur_pos].year, w->cur[ws->cur_pos].dims,
                        o->year, dims) < 0) {
            ws->cur_pos++;
        }
        if (ws->cur_pos < end && w->cur[ws->cur_pos].year == o->year &&
            w->cur[ws->cur_pos].dims == dims) {
            hit = ws->cur_pos;
        }
        ws->last_year = o->year;
        ws->last_dims = dims;
        ws->has_last = true;
    } else if (ws->mode == MODE_MAPPED) {
        uint32_t v;
        if (u64map_get(&w->keys, wkey(si, o->year, dims), &v)) {
            if (!(v & CUR_BIT)) {
                return store_duplicate(o, err);
            }
            hit = v & ~CUR_BIT;
        }
    }
    if (hit != NONE) {
        struct ccell *cc = &w->cur[hit];
        if (cc->batch == w->batch || cc->seen) {
            return store_duplicate(o, err);
        }
        cc->seen = 1;
        if (same_content(w, cc, value, (unsigned)o->status, src, note, nlen)) {
            return 0;
        }
    }
    if (w->npend == w->pend_cap) {
        /* Past a small batch, room for a whole round at once: growing
         * step by step would copy the values again and again. */
        w->pend_cap = w->pend_cap == 0      ? 4096
                      : w->pend_cap < 65536 ? w->pend_cap * 2
                                            : ROUND_CELLS + 1;
        w->pend = xreallocarray(w->pend, w->pend_cap, sizeof(*w->pend));
    }
    if (w->notes.len > (1u << 20) && w->notes.cap < ROUND_NOTES + 4096) {
        buf_reserve(&w->notes, ROUND_NOTES + 4096 - w->notes.len);
    }
    pc = &w->pend[w->npend];
    pc->value = value;
    pc->source = src;
    pc->year = o->year;
    pc->dims = dims;
    pc->status = (uint8_t)o->status;
    pc->next = NONE;
    pc->note_len = (uint32_t)nlen;
    pc->note_off = 0;
    if (w->notes.len == 0) {
        buf_putc(&w->notes, '\0');
    }
    if (nlen > 0) {
        pc->note_off = (uint32_t)w->notes.len;
        buf_append(&w->notes, note, nlen);
        buf_putc(&w->notes, '\0');
    }
    if (ws->tail == NONE) {
        ws->head = (uint32_t)w->npend;
    } else {
        w->pend[ws->tail].next = (uint32_t)w->npend;
    }
    ws->tail = (uint32_t)w->npend;
    ws->count++;
    if (ws->mode == MODE_MAPPED) {
        u64map_put(&w->keys, wkey(si, o->year, dims), (uint32_t)w->npend);
    }
    w->npend++;
    w->changed++;
    if (out_changed) {
        *out_changed = true;
    }
    if (w->npend >= ROUND_CELLS || w->notes.len >= ROUND_NOTES) {
        return round_end(s, w, err);
    }
    return 0;
}

int store_obs_put(struct store *s, const struct obs *o, bool *out_changed,
                  struct err *err)
{
    return writer_put(s, o, true, out_changed, err);
}

int store_obs_append(struct store *s, const struct obs *o, struct err *err)
{
    return writer_put(s, o, false, NULL, err);
}

/* ---- Small reads through store_exec ------------------------------------ */

static int take_int(void *ctx, const struct store_cells *row, struct err *err)
{
    (void)err;
    *(int64_t *)ctx = store_cell_int(row, 0);
    return 0;
}

static int query_int(struct store *s, const char *sql,
                     const struct store_param *ps, size_t n, int64_t *out,
                     struct err *err)
{
    struct store_stmt q = {sql, ps, n, take_int, out};

    *out = 0;
    return store_exec(s, &q, NULL, err);
}

/* ---- Queries ------------------------------------------------------------ */

struct span {
    int from, to; /* 0 = open */
};

/* A block of the indicator being read, its bytes in qrun.bytes. */
struct qblock {
    size_t area; /* index into codes->areas */
    int64_t batch, part;
    size_t off, len;
};

struct qrun {
    struct store *s;
    const struct store_obs_query *f;
    const struct store_codes *c;
    size_t *inds, nind;
    size_t *areas, narea;     /* area indices, in order of results */
    unsigned char *want_area; /* by area index */
    size_t *span_first;       /* by area index: first span, or SIZE_MAX */
    size_t *span_count;
    struct span *spans; /* group filter: membership spans, by area */
    size_t nspan, span_cap;
    int64_t limit;
    int64_t *btime;
    unsigned char *bkind;
    size_t bcap;
    char **sources;
    size_t scap;
    struct u64map changed;      /* since: (ind id << 32 | area id) + 1 */
    struct u64map changed_inds; /* since: ind id + 1 */
    bool since;
    struct dims_dict dims;
    signed char *pass; /* by dims id: -1 not yet known, 0 no, 1 yes */
    size_t pass_cap;
    struct rseries rs;
    struct qblock *qb;
    size_t nqb, qb_cap;
    struct buf bytes;
    size_t cur_area; /* area of blocks_read(one area) */
    /* Streaming: blocks arrive in the order of results (one area at a
     * time, or every area with ids in that order), so each is decoded as
     * it comes and a series is handed over when the next one begins. */
    bool stream;
    size_t stream_ind, stream_area;
    store_obs_fn fn;
    void *ctx;
};

static int sort_size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a;
    size_t y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static size_t sort_unique(size_t *v, size_t n)
{
    size_t out = 0;

    if (n > 1) {
        qsort(v, n, sizeof(*v), sort_size_cmp);
    }
    for (size_t i = 0; i < n; i++) {
        if (out == 0 || v[out - 1] != v[i]) {
            v[out++] = v[i];
        }
    }
    return out;
}

static int plan_inds(struct qrun *r, struct err *err)
{
    const struct store_obs_query *f = r->f;

    if (f->indicator_count == 0) {
        r->inds = xcalloc(r->c->ind_count + 1, sizeof(size_t));
        for (size_t i = 0; i < r->c->ind_count; i++) {
            r->inds[i] = i;
        }
        r->nind = r->c->ind_count;
        return 0;
    }
    r->inds = xcalloc(f->indicator_count, sizeof(size_t));
    for (size_t i = 0; i < f->indicator_count; i++) {
        if (store_codes_ind(r->c, f->indicators[i], &r->inds[i], err) != 0) {
            return err->code;
        }
    }
    r->nind = sort_unique(r->inds, f->indicator_count);
    return 0;
}

/* Membership spans of the group: (economy id, from, to) rows. */
struct span_row {
    size_t area;
    struct span sp;
};
struct span_rows {
    const struct store_codes *c;
    struct span_row *v;
    size_t n, cap;
};

static int on_span(void *ctx, const struct store_cells *row, struct err *err)
{
    struct span_rows *sr = ctx;
    size_t area;

    (void)err;
    if (!store_codes_area_of(sr->c, store_cell_int(row, 0), &area)) {
        return 0;
    }
    if (sr->n == sr->cap) {
        sr->cap = sr->cap ? sr->cap * 2 : 64;
        sr->v = xreallocarray(sr->v, sr->cap, sizeof(*sr->v));
    }
    sr->v[sr->n].area = area;
    sr->v[sr->n].sp.from = (int)store_cell_int(row, 1);
    sr->v[sr->n].sp.to = (int)store_cell_int(row, 2);
    sr->n++;
    return 0;
}

static int span_row_cmp(const void *a, const void *b)
{
    const struct span_row *x = a;
    const struct span_row *y = b;
    return (x->area > y->area) - (x->area < y->area);
}

static int plan_group(struct qrun *r, struct err *err)
{
    size_t g;
    struct span_rows sr = {.c = r->c};
    struct store_param ps[1];
    struct store_stmt q = {SQL_MEM_OF_GROUP, ps, 1, on_span, &sr};

    if (!strmap_get(&r->c->area_ids, r->f->group, strlen(r->f->group), &g) ||
        !r->c->areas[g].is_group) {
        return err_set(err, ERR_NOT_FOUND, "unknown group '%s'", r->f->group);
    }
    ps[0] = STORE_P_INT(r->c->areas[g].id);
    if (store_exec(r->s, &q, NULL, err) != 0) {
        xfree(sr.v);
        return err->code;
    }
    if (sr.n > 1) {
        qsort(sr.v, sr.n, sizeof(*sr.v), span_row_cmp);
    }
    r->span_first = xcalloc(r->c->area_count + 1, sizeof(size_t));
    r->span_count = xcalloc(r->c->area_count + 1, sizeof(size_t));
    r->spans = xcalloc(sr.n + 1, sizeof(*r->spans));
    for (size_t i = 0; i < sr.n; i++) {
        size_t a = sr.v[i].area;
        if (r->span_count[a] == 0) {
            r->span_first[a] = i;
        }
        r->span_count[a]++;
        r->spans[i] = sr.v[i].sp;
    }
    r->nspan = sr.n;
    xfree(sr.v);
    return 0;
}

static int plan_areas(struct qrun *r, struct err *err)
{
    const struct store_obs_query *f = r->f;
    size_t n = 0;

    if (f->group && plan_group(r, err) != 0) {
        return err->code;
    }
    r->areas = xcalloc(r->c->area_count + f->economy_count + 1, sizeof(size_t));
    if (f->economy_count > 0) {
        for (size_t i = 0; i < f->economy_count; i++) {
            if (store_codes_area(r->c, f->economies[i], &r->areas[i], err) !=
                0) {
                return err->code;
            }
        }
        n = sort_unique(r->areas, f->economy_count);
    } else {
        for (size_t i = 0; i < r->c->area_count; i++) {
            if (!f->group || r->span_count[i] > 0) {
                r->areas[n++] = i;
            }
        }
    }
    r->narea = n;
    r->want_area = xcalloc(r->c->area_count + 1, 1);
    for (size_t i = 0; i < n; i++) {
        r->want_area[r->areas[i]] = 1;
    }
    return 0;
}

static int plan_as_of(struct qrun *r, struct err *err)
{
    int64_t id = 0;
    struct store_param ps[1];

    r->limit = r->f->as_of_batch > 0 ? r->f->as_of_batch : INT64_MAX;
    if (r->f->as_of <= 0) {
        return 0;
    }
    ps[0] = STORE_P_INT(r->f->as_of);
    if (query_int(r->s, SQL_BATCH_ASOF, ps, 1, &id, err) != 0) {
        return err->code;
    }
    if (id < r->limit) {
        r->limit = id;
    }
    return 0;
}

/* A capacity (from cap, or 64, doubling) with room for index id. */
static size_t cap_for(size_t cap, size_t id)
{
    cap = cap ? cap : 64;
    while (cap <= id) {
        cap *= 2;
    }
    return cap;
}

static int on_batch(void *ctx, const struct store_cells *row, struct err *err)
{
    struct qrun *r = ctx;
    int64_t id = store_cell_int(row, 0);

    (void)err;
    if (id < 0 || id > INT32_MAX) {
        return 0;
    }
    if ((size_t)id >= r->bcap) {
        size_t cap = cap_for(r->bcap, (size_t)id);
        r->btime = xreallocarray(r->btime, cap, sizeof(int64_t));
        r->bkind = xrealloc(r->bkind, cap);
        memset(r->btime + r->bcap, 0, (cap - r->bcap) * sizeof(int64_t));
        memset(r->bkind + r->bcap, 0, cap - r->bcap);
        r->bcap = cap;
    }
    r->btime[id] = store_cell_int(row, 1);
    r->bkind[id] = (unsigned char)store_cell_int(row, 2);
    return 0;
}

static int on_source(void *ctx, const struct store_cells *row, struct err *err)
{
    struct qrun *r = ctx;
    int64_t id = store_cell_int(row, 0);

    (void)err;
    if (id < 0 || id > INT32_MAX) {
        return 0;
    }
    if ((size_t)id >= r->scap) {
        size_t cap = cap_for(r->scap, (size_t)id);
        r->sources = xreallocarray(r->sources, cap, sizeof(char *));
        memset(r->sources + r->scap, 0, (cap - r->scap) * sizeof(char *));
        r->scap = cap;
    }
    xfree(r->sources[id]);
    r->sources[id] = xstrdup(store_cell_text(row, 1));
    return 0;
}

static int on_changed(void *ctx, const struct store_cells *row, struct err *err)
{
    struct qrun *r = ctx;
    uint64_t key = (uint64_t)store_cell_int(row, 0) << 32 |
                   (uint32_t)store_cell_int(row, 1);

    (void)err;
    u64map_put(&r->changed, key + 1, 0);
    u64map_put(&r->changed_inds, (uint64_t)store_cell_int(row, 0) + 1, 0);
    return 0;
}

/* Batches (time, kind), sources and, for since_batch, the series changed. */
static int plan_lookup(struct qrun *r, struct err *err)
{
    struct store_param ps[2] = {STORE_P_INT(r->limit)};
    struct store_stmt q = {
        "SELECT id, time, kind FROM batches WHERE id <= ?1 ORDER BY id", ps, 1,
        on_batch, r};

    if (store_exec(r->s, &q, NULL, err) != 0) {
        return err->code;
    }
    q = (struct store_stmt){"SELECT id, text FROM sources ORDER BY id", NULL, 0,
                            on_source, r};
    if (store_exec(r->s, &q, NULL, err) != 0) {
        return err->code;
    }
    if (r->f->since_batch > 0) {
        r->since = true;
        ps[0] = STORE_P_INT(r->f->since_batch);
        ps[1] = STORE_P_INT(r->limit);
        q = (struct store_stmt){
            "SELECT DISTINCT indicator_id, area_id FROM blocks"
            " WHERE batch_id > ?1 AND batch_id <= ?2",
            ps, 2, on_changed, r};
        if (store_exec(r->s, &q, NULL, err) != 0) {
            return err->code;
        }
    }
    return 0;
}

/* Whether the dims key passes the dimension filters of f. */
static bool dims_pass(const struct store_obs_query *f, const char *dims)
{
    struct dim_pair pairs[MAX_DIMS];
    size_t n = 0;
    struct err ignored;

    if (f->dim_count == 0) {
        return !f->totals_only || dims[0] == '\0';
    }
    if (dims_parse(dims, pairs, MAX_DIMS, &n, &ignored) != 0) {
        return false;
    }
    for (size_t i = 0; i < f->dim_count; i++) {
        const struct dim_pair *want = &f->dims[i];
        bool ok = false;
        size_t k = 0;
        while (k < n &&
               !(pairs[k].dim_len == want->dim_len &&
                 memcmp(pairs[k].dim, want->dim, want->dim_len) == 0)) {
            k++;
        }
        if (k == n) {
            return false;
        }
        for (size_t j = 0; j < f->dim_count && !ok; j++) {
            const struct dim_pair *alt = &f->dims[j];
            ok = alt->dim_len == want->dim_len &&
                 memcmp(alt->dim, want->dim, want->dim_len) == 0 &&
                 alt->value_len == pairs[k].value_len &&
                 memcmp(alt->value, pairs[k].value, alt->value_len) == 0;
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool pass_dims(struct qrun *r, uint32_t id)
{
    if (id >= r->pass_cap) {
        size_t cap = cap_for(r->pass_cap, id);
        r->pass = xrealloc(r->pass, cap);
        memset(r->pass + r->pass_cap, -1, cap - r->pass_cap);
        r->pass_cap = cap;
    }
    if (r->pass[id] < 0) {
        r->pass[id] = dims_pass(r->f, dd_str(&r->dims, id)) ? 1 : 0;
    }
    return r->pass[id] == 1;
}

static bool in_group(const struct qrun *r, size_t area, int year)
{
    if (!r->f->group) {
        return true;
    }
    for (size_t i = 0; i < r->span_count[area]; i++) {
        const struct span *sp = &r->spans[r->span_first[area] + i];
        if ((sp->from == 0 || sp->from <= year) &&
            (sp->to == 0 || sp->to >= year)) {
            return true;
        }
    }
    return false;
}

/* Hand the merged cells of rs (series ind, area) that pass the filters to
 * the callback. */
static int emit_series(struct qrun *r, size_t ind, size_t area, struct err *err)
{
    const struct store_obs_query *f = r->f;
    struct obs o = {.indicator = r->c->inds[ind].code,
                    .economy = r->c->areas[area].code};

    for (size_t i = 0; i < r->rs.count; i++) {
        const struct rcell *c = &r->rs.cells[i];
        int rc;
        if (c->batch <= f->since_batch ||
            (f->year_from > 0 && c->year < f->year_from) ||
            (f->year_to > 0 && c->year > f->year_to) ||
            !in_group(r, area, c->year) || !pass_dims(r, c->dims)) {
            continue;
        }
        o.year = c->year;
        o.dims = dd_str(&r->dims, c->dims);
        o.value = c->value;
        o.status = (enum obs_status)c->status;
        o.source = c->source > 0 && (uint64_t)c->source < r->scap &&
                           r->sources[c->source]
                       ? r->sources[c->source]
                       : "";
        o.note = rs_note(&r->rs, c);
        o.batch = c->batch;
        o.batch_time = c->batch > 0 && (uint64_t)c->batch < r->bcap
                           ? r->btime[c->batch]
                           : 0;
        o.batch_kind = (enum batch_kind)(
            c->batch > 0 && (uint64_t)c->batch < r->bcap ? r->bkind[c->batch]
                                                         : 0);
        rc = r->fn(r->ctx, &o, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Merge the series gathered in r->rs and hand it over (streaming). */
static int stream_flush(struct qrun *r, struct err *err)
{
    int rc;

    if (r->rs.blocks == 0) {
        return 0;
    }
    rs_merge(&r->rs, &r->dims);
    rc = emit_series(r, r->stream_ind, r->stream_area, err);
    rs_reset(&r->rs);
    return rc;
}

static int on_qblock(void *ctx, const struct store_block *b, struct err *err)
{
    struct qrun *r = ctx;
    size_t area = r->cur_area;
    struct qblock *q;

    if (area == SIZE_MAX && (!store_codes_area_of(r->c, b->area_id, &area) ||
                             !r->want_area[area])) {
        return 0;
    }
    if (r->since) {
        uint64_t key = (uint64_t)b->indicator_id << 32 | (uint32_t)b->area_id;
        uint32_t v;
        if (!u64map_get(&r->changed, key + 1, &v)) {
            return 0;
        }
    }
    if (r->stream) {
        int rc;
        if (area != r->stream_area && (rc = stream_flush(r, err)) != 0) {
            return rc;
        }
        r->stream_area = area;
        return rs_add(&r->rs, &r->dims, b->data, b->len, b->batch_id, err);
    }
    if (r->nqb == r->qb_cap) {
        r->qb_cap = r->qb_cap ? r->qb_cap * 2 : 256;
        r->qb = xreallocarray(r->qb, r->qb_cap, sizeof(*r->qb));
    }
    q = &r->qb[r->nqb++];
    q->area = area;
    q->batch = b->batch_id;
    q->part = b->part;
    q->off = r->bytes.len;
    q->len = b->len;
    buf_append(&r->bytes, b->data, b->len);
    return 0;
}

static int qblock_cmp(const void *a, const void *b)
{
    const struct qblock *x = a;
    const struct qblock *y = b;

    if (x->area != y->area) {
        return x->area < y->area ? -1 : 1;
    }
    if (x->batch != y->batch) {
        return x->batch < y->batch ? -1 : 1;
    }
    return (x->part > y->part) - (x->part < y->part);
}

/* Read, merge and hand over one indicator. */
static int run_indicator(struct qrun *r, size_t ind, struct err *err)
{
    int64_t ind_id = r->c->inds[ind].id;
    /* A few areas (or the series changed since a batch) are read one by
     * one; else the whole indicator in one statement. */
    bool by_series = (r->f->economy_count > 0 && r->narea <= 64) || r->since;
    int rc = 0;
    uint32_t ignored;

    if (r->since &&
        !u64map_get(&r->changed_inds, (uint64_t)ind_id + 1, &ignored)) {
        return 0; /* nothing of it changed */
    }
    r->nqb = 0;
    buf_reset(&r->bytes);
    rs_reset(&r->rs);
    r->stream = by_series || r->c->area_ids_ordered || r->f->any_order;
    r->stream_ind = ind;
    r->stream_area = SIZE_MAX;
    if (by_series) {
        for (size_t a = 0; a < r->narea && rc == 0; a++) {
            size_t area = r->areas[a];
            if (r->since) {
                uint64_t key =
                    (uint64_t)ind_id << 32 | (uint32_t)r->c->areas[area].id;
                uint32_t v;
                if (!u64map_get(&r->changed, key + 1, &v)) {
                    continue;
                }
            }
            r->cur_area = area;
            rc = r->s->ops->blocks_read(r->s, ind_id, r->c->areas[area].id,
                                        r->limit, on_qblock, r, err);
        }
    } else {
        r->cur_area = SIZE_MAX;
        rc = r->s->ops->blocks_read(r->s, ind_id, -1, r->limit, on_qblock, r,
                                    err);
    }
    if (rc != 0) {
        return rc;
    }
    if (r->stream) {
        return stream_flush(r, err);
    }
    /* Area ids not in the order of results: sort what was read. */
    if (r->nqb > 1) {
        qsort(r->qb, r->nqb, sizeof(*r->qb), qblock_cmp);
    }
    for (size_t i = 0; i < r->nqb;) {
        size_t area = r->qb[i].area;
        rs_reset(&r->rs);
        for (; i < r->nqb && r->qb[i].area == area; i++) {
            if (rs_add(&r->rs, &r->dims,
                       (const unsigned char *)r->bytes.data + r->qb[i].off,
                       r->qb[i].len, r->qb[i].batch, err) != 0) {
                return err->code;
            }
        }
        rs_merge(&r->rs, &r->dims);
        rc = emit_series(r, ind, area, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int store_obs_query(struct store *s, const struct store_obs_query *f,
                    store_obs_fn fn, void *ctx, struct err *err)
{
    struct qrun r = {.s = s, .f = f, .fn = fn, .ctx = ctx};
    bool opened = false;
    int rc = 0;

    if (s->ops->read_begin(s, &opened, err) != 0) {
        return err->code;
    }
    dd_init(&r.dims);
    r.rs.year_from = f->year_from;
    r.rs.year_to = f->year_to;
    if (s->ops->codes(s, &r.c, err) != 0 || plan_inds(&r, err) != 0 ||
        plan_areas(&r, err) != 0 || plan_as_of(&r, err) != 0 ||
        plan_lookup(&r, err) != 0) {
        rc = err->code;
        goto out;
    }
    for (size_t i = 0; i < r.nind && rc == 0; i++) {
        rc = run_indicator(&r, r.inds[i], err);
    }
out:
    if (opened) {
        s->ops->read_end(s);
    }
    xfree(r.inds);
    xfree(r.areas);
    xfree(r.want_area);
    xfree(r.span_first);
    xfree(r.span_count);
    xfree(r.spans);
    xfree(r.btime);
    xfree(r.bkind);
    for (size_t i = 0; i < r.scap; i++) {
        xfree(r.sources[i]);
    }
    xfree(r.sources);
    u64map_free(&r.changed);
    u64map_free(&r.changed_inds);
    dd_free(&r.dims);
    xfree(r.pass);
    rs_free(&r.rs);
    xfree(r.qb);
    buf_cleanup(&r.bytes);
    return rc;
}

/* ---- History ------------------------------------------------------------ */

struct hrun {
    struct dims_dict dims;
    struct rseries rs; /* every matching revision, oldest first */
    int year;
    const char *dims_key;
};

static int on_hblock(void *ctx, const struct store_block *b, struct err *err)
{
    struct hrun *h = ctx;
    size_t before = h->rs.count;
    size_t out = before;
    uint32_t want;

    if (b->year_min > h->year || b->year_max < h->year) {
        return 0;
    }
    if (rs_add(&h->rs, &h->dims, b->data, b->len, b->batch_id, err) != 0) {
        return err->code;
    }
    want = dd_intern(&h->dims, h->dims_key, strlen(h->dims_key));
    for (size_t i = before; i < h->rs.count; i++) {
        if (h->rs.cells[i].year == h->year && h->rs.cells[i].dims == want) {
            h->rs.cells[out++] = h->rs.cells[i];
        }
    }
    h->rs.count = out;
    return 0;
}

struct hbatch {
    struct batch b;
    struct buf text; /* origin, file, sha256, note, NUL-separated */
};

static int on_hbatch(void *ctx, const struct store_cells *row, struct err *err)
{
    struct hbatch *hb = ctx;
    size_t off[4];

    (void)err;
    buf_reset(&hb->text);
    for (size_t i = 0; i < 4; i++) {
        off[i] = hb->text.len;
        buf_puts(&hb->text, store_cell_text(row, 3 + i));
        buf_putc(&hb->text, '\0');
    }
    hb->b.id = store_cell_int(row, 0);
    hb->b.time = store_cell_int(row, 1);
    hb->b.kind = (enum batch_kind)store_cell_int(row, 2);
    hb->b.origin = hb->text.data + off[0];
    hb->b.file = hb->text.data + off[1];
    hb->b.sha256 = hb->text.data + off[2];
    hb->b.note = hb->text.data + off[3];
    hb->b.changed = store_cell_int(row, 7);
    return 0;
}

static int on_text(void *ctx, const struct store_cells *row, struct err *err)
{
    (void)err;
    buf_reset(ctx);
    buf_puts(ctx, store_cell_text(row, 0));
    return 0;
}

int store_obs_history(struct store *s, const char *indicator,
                      const char *economy, int year, const char *dims,
                      store_history_fn fn, void *ctx, struct err *err)
{
    const struct store_codes *c;
    size_t ind, area;
    struct hrun h = {.year = year, .dims_key = dims ? dims : ""};
    struct hbatch hb = {0};
    struct buf source;
    bool opened = false;
    int rc = 0;

    if (s->ops->read_begin(s, &opened, err) != 0) {
        return err->code;
    }
    dd_init(&h.dims);
    rs_reset(&h.rs);
    buf_init(&source);
    if (s->ops->codes(s, &c, err) != 0 ||
        store_codes_ind(c, indicator, &ind, err) != 0 ||
        store_codes_area(c, economy, &area, err) != 0 ||
        s->ops->blocks_read(s, c->inds[ind].id, c->areas[area].id, INT64_MAX,
                            on_hblock, &h, err) != 0) {
        rc = err->code;
        goto out;
    }
    for (size_t i = 0; i < h.rs.count && rc == 0; i++) {
        const struct rcell *r = &h.rs.cells[i];
        struct store_param ps[1] = {STORE_P_INT(r->batch)};
        struct store_stmt q = {"SELECT id, time, kind, origin, file, sha256,"
                               " note, changed FROM batches WHERE id = ?1",
                               ps, 1, on_hbatch, &hb};
        struct obs o;
        buf_reset(&source);
        if (store_exec(s, &q, NULL, err) != 0) {
            rc = err->code;
            break;
        }
        if (r->source > 0) {
            ps[0] = STORE_P_INT(r->source);
            q = (struct store_stmt){"SELECT text FROM sources WHERE id = ?1",
                                    ps, 1, on_text, &source};
            if (store_exec(s, &q, NULL, err) != 0) {
                rc = err->code;
                break;
            }
        }
        o = (struct obs){
            .indicator = c->inds[ind].code,
            .economy = c->areas[area].code,
            .year = r->year,
            .dims = h.dims_key,
            .value = r->value,
            .status = (enum obs_status)r->status,
            .source = buf_cstr(&source),
            .note = rs_note(&h.rs, r),
            .batch = r->batch,
            .batch_kind = hb.b.kind,
            .batch_time = hb.b.time,
        };
        rc = fn(ctx, &o, &hb.b, err);
    }
out:
    if (opened) {
        s->ops->read_end(s);
    }
    dd_free(&h.dims);
    rs_free(&h.rs);
    buf_cleanup(&hb.text);
    buf_cleanup(&source);
    return rc;
}

/* ---- Counts ------------------------------------------------------------- */

struct multi {
    int64_t *pairs; /* indicator id, area id, ... */
    size_t n, cap;
    int64_t cells; /* their blocks' cells */
};

static int on_multi(void *ctx, const struct store_cells *row, struct err *err)
{
    struct multi *m = ctx;

    (void)err;
    if (m->n + 2 > m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->pairs = xreallocarray(m->pairs, m->cap, sizeof(int64_t));
    }
    m->pairs[m->n++] = store_cell_int(row, 0);
    m->pairs[m->n++] = store_cell_int(row, 1);
    m->cells += store_cell_int(row, 2);
    return 0;
}

struct dcount {
    struct dims_dict dims;
    struct rseries rs;
};

static int on_cblock(void *ctx, const struct store_block *b, struct err *err)
{
    struct dcount *d = ctx;
    return rs_add(&d->rs, &d->dims, b->data, b->len, b->batch_id, err);
}

int store_counts(struct store *s, struct store_counts *out, struct err *err)
{
    static const char *const sql[] = {
        "SELECT count(*) FROM areas WHERE is_group = 0",
        "SELECT count(*) FROM areas WHERE is_group = 1",
        "SELECT count(*) FROM memberships",
        "SELECT count(*) FROM dimensions",
        "SELECT count(*) FROM indicators",
        "SELECT count(*) FROM code_map",
        "SELECT coalesce(sum(cells), 0) FROM blocks",
        "SELECT count(*) FROM batches",
        "SELECT count(DISTINCT indicator_id) FROM blocks",
        "SELECT count(DISTINCT area_id) FROM blocks",
        "SELECT coalesce(min(year_min), 0) FROM blocks",
        "SELECT coalesce(max(year_max), 0) FROM blocks",
    };
    int64_t ymin = 0, ymax = 0;
    int64_t *v[] = {
        &out->economies,
        &out->groups,
        &out->memberships,
        &out->dimensions,
        &out->indicators,
        &out->code_map,
        &out->revisions,
        &out->batches,
        &out->indicators_with_data,
        &out->economies_with_data,
        &ymin,
        &ymax,
    };
    struct multi m = {0};
    struct dcount d = {0};
    struct store_stmt q = {
        "SELECT indicator_id, area_id, sum(cells) FROM blocks"
        " GROUP BY indicator_id, area_id HAVING count(*) > 1",
        NULL, 0, on_multi, &m};
    bool opened = false;
    int rc = 0;

    _Static_assert(ARRAY_COUNT(sql) == ARRAY_COUNT(v), "one query per count");
    memset(out, 0, sizeof(*out));
    if (s->ops->read_begin(s, &opened, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < ARRAY_COUNT(sql) && rc == 0; i++) {
        rc = query_int(s, sql[i], NULL, 0, v[i], err);
    }
    out->year_min = (int)ymin;
    out->year_max = (int)ymax;
    /* Distinct keys: a series in one block has as many as cells; the
     * others are decoded and merged. */
    if (rc == 0) {
        rc = store_exec(s, &q, NULL, err);
    }
    out->series = out->revisions - m.cells;
    dd_init(&d.dims);
    for (size_t i = 0; rc == 0 && i + 1 < m.n; i += 2) {
        rs_reset(&d.rs);
        rc = s->ops->blocks_read(s, m.pairs[i], m.pairs[i + 1], INT64_MAX,
                                 on_cblock, &d, err);
        rs_merge(&d.rs, &d.dims);
        out->series += (int64_t)d.rs.count;
    }
    if (opened) {
        s->ops->read_end(s);
    }
    xfree(m.pairs);
    dd_free(&d.dims);
    rs_free(&d.rs);
    return rc;
}

/* ---- Migration to schema 6 ---------------------------------------------- */

/* The rows of the old table obs of one area, gathered into blocks of
 * (indicator, batch). */
struct mig {
    struct store *s;
    int64_t area;
    int64_t ind, batch; /* the block being gathered; batch 0: none */
    struct dims_dict dims;
    struct block_cell *cells;
    size_t n, cap;
    struct buf notes; /* the cells' notes, NUL-separated */
    size_t *note_off;
    struct put_scratch put;
    int64_t rows;
};

static int mig_flush(struct mig *m, struct err *err)
{
    int rc;

    if (m->n == 0) {
        return 0;
    }
    for (size_t i = 0; i < m->n; i++) {
        m->cells[i].note = m->notes.data + m->note_off[i];
    }
    /* Rows come in (year, dims) order: byte order on both backends. */
    rc = put_block(m->s, &m->dims, m->cells, m->n, true, m->ind, m->area,
                   m->batch, 0, &m->put, err);
    m->n = 0;
    buf_reset(&m->notes);
    return rc;
}

/* Rows come ordered by indicator, batch, year, dims (byte order on
 * both). */
static int on_old_row(void *ctx, const struct store_cells *row, struct err *err)
{
    struct mig *m = ctx;
    int64_t ind = store_cell_int(row, 0);
    int64_t batch = store_cell_int(row, 1);
    const char *dims = store_cell_text(row, 3);
    const char *note = store_cell_text(row, 7);
    struct block_cell *c;
    double v = 0;

    if ((ind != m->ind || batch != m->batch) && mig_flush(m, err) != 0) {
        return err->code;
    }
    m->ind = ind;
    m->batch = batch;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->cells = xreallocarray(m->cells, m->cap, sizeof(*m->cells));
        m->note_off = xreallocarray(m->note_off, m->cap, sizeof(size_t));
    }
    if (row->cells[4] == NULL ||
        !parse_double_fast(row->cells[4], row->lens[4], &v)) {
        return err_set(err, ERR_STORAGE, "obs: a value that is not a number");
    }
    c = &m->cells[m->n];
    c->year = (int)store_cell_int(row, 2);
    c->dims = dd_intern(&m->dims, dims, strlen(dims));
    c->value = v == 0 ? 0.0 : v;
    c->status = (unsigned)store_cell_int(row, 5) & 3u;
    c->source = store_cell_int(row, 6);
    c->note_len = strlen(note);
    m->note_off[m->n] = m->notes.len;
    buf_append(&m->notes, note, c->note_len);
    buf_putc(&m->notes, '\0');
    if (c->year < YEAR_MIN || c->year > YEAR_MAX || !(v - v == 0.0)) {
        return err_set(err, ERR_STORAGE, "obs: a year or value out of range");
    }
    m->n++;
    m->rows++;
    return 0;
}

/* The area ids of the old table obs. */
struct id_list {
    int64_t *v;
    size_t n, cap;
};

static int on_old_area(void *ctx, const struct store_cells *row,
                       struct err *err)
{
    struct id_list *ids = ctx;

    (void)err;
    if (ids->n == ids->cap) {
        ids->cap = ids->cap ? ids->cap * 2 : 64;
        ids->v = xreallocarray(ids->v, ids->cap, sizeof(int64_t));
    }
    ids->v[ids->n++] = store_cell_int(row, 0);
    return 0;
}

int store_obs_migrate(struct store *s, int v, struct err *err)
{
    struct id_list ids = {0};
    struct mig m = {.s = s};
    struct store_stmt q = {"SELECT DISTINCT area_id FROM obs", NULL, 0,
                           on_old_area, &ids};
    int64_t old_rows = 0, cells = 0;
    int rc = 0;

    if (v != 5) {
        return 0;
    }
    dd_init(&m.dims);
    rc = store_exec(s, &q, NULL, err);
    for (size_t i = 0; rc == 0 && i < ids.n; i++) {
        struct store_param ps[1] = {STORE_P_INT(ids.v[i])};
        q = (struct store_stmt){
            "SELECT indicator_id, batch_id, year, dims, value, status,"
            " coalesce(source_id, 0), coalesce(note, '') FROM obs"
            " WHERE area_id = ?1 ORDER BY indicator_id, batch_id, year, dims",
            ps, 1, on_old_row, &m};
        m.area = ids.v[i];
        m.ind = m.batch = 0;
        rc = store_exec(s, &q, NULL, err);
        if (rc == 0) {
            rc = mig_flush(&m, err);
        }
    }
    if (rc == 0) {
        rc = query_int(s, "SELECT count(*) FROM obs", NULL, 0, &old_rows, err);
    }
    if (rc == 0) {
        rc = query_int(s, "SELECT coalesce(sum(cells), 0) FROM blocks", NULL, 0,
                       &cells, err);
    }
    if (rc == 0 && (old_rows != cells || old_rows != m.rows)) {
        rc = err_set(err, ERR_STORAGE,
                     "moving obs into blocks: %lld rows but %lld values",
                     (long long)old_rows, (long long)cells);
    }
    if (rc == 0) {
        q = (struct store_stmt){"DROP TABLE obs", NULL, 0, NULL, NULL};
        rc = store_exec(s, &q, NULL, err);
    }
    if (rc == 0) {
        q = (struct store_stmt){"DROP TABLE batch_series", NULL, 0, NULL, NULL};
        rc = store_exec(s, &q, NULL, err);
    }
    xfree(ids.v);
    dd_free(&m.dims);
    xfree(m.cells);
    xfree(m.note_off);
    buf_cleanup(&m.notes);
    put_scratch_free(&m.put);
    return rc == 0 ? 0 : err_prefix(err, "moving observations into blocks");
}
