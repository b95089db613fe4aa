/* Build a small test store for the HTTP suite: the bundled reference data
 * (economies, groups, memberships, catalogue, dimensions) and synthetic
 * observations in two batches (2020-09-13 and 2023-11-14), including
 * values by sex, group values for WLD/AFR/EUR, hostile text in a source
 * and a note, and from 2018 the IDI inputs, the fixed-broadband price and
 * GNI p.c. for every other economy (so the IDI and affordability endpoints
 * have something to answer). Usage: mkfixture DB REPO. Uses only store.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "io/csv.h"
#include "store/store.h"

static struct err err;

static void die(const char *what)
{
    fprintf(stderr, "mkfixture: %s: %s\n", what, err.msg);
    exit(1);
}

static int atoi_safe(const char *s)
{
    return s[0] ? (int)strtol(s, NULL, 10) : 0;
}

static char *codes[400];
static size_t ncodes;

static char *f(const struct csv_record *r, size_t i)
{
    return i < r->count ? csv_field_dup(&r->fields[i]) : xstrdup("");
}

typedef void (*row_fn)(struct store *st, char **v, size_t n);

static void each(struct store *st, const char *repo, const char *file,
                 row_fn fn)
{
    char path[1024];
    struct csv_reader *r;
    struct csv_record rec;
    bool header = true;
    snprintf(path, sizeof(path), "%s/data/%s", repo, file);
    r = csv_open_path(path, &err);
    if (r == NULL) {
        die(path);
    }
    while (csv_next(r, &rec, &err) == 0 && rec.count > 0) {
        char *v[16];
        size_t n = rec.count < 16 ? rec.count : 16;
        if (header) {
            header = false;
            continue;
        }
        for (size_t i = 0; i < 16; i++) {
            v[i] = f(&rec, i);
        }
        fn(st, v, n);
        for (size_t i = 0; i < 16; i++) {
            xfree(v[i]);
        }
    }
    csv_close(r);
}

static void eco(struct store *st, char **v, size_t n)
{
    struct economy e = {v[0],
                        v[1],
                        v[2],
                        v[3],
                        v[4],
                        v[5],
                        v[6],
                        v[7],
                        v[8][0] == '1',
                        v[9],
                        v[10][0] == '1',
                        v[11]};
    (void)n;
    if (ncodes < 400) {
        codes[ncodes++] = xstrdup(v[0]);
    }
    if (store_economy_put(st, &e, &err) != 0) {
        die("economy");
    }
}

static void grp(struct store *st, char **v, size_t n)
{
    struct group g = {v[0], v[1], v[2], v[3], v[4][0] == '1', v[5]};
    (void)n;
    if (store_group_put(st, &g, &err) != 0) {
        die("group");
    }
}

static void mem(struct store *st, char **v, size_t n)
{
    struct membership m = {
        v[0], v[1], atoi_safe(v[2]), atoi_safe(v[3]), v[4], v[5][0] == '1'};
    (void)n;
    if (store_membership_put(st, &m, &err) != 0) {
        die("membership");
    }
}

static void ind(struct store *st, char **v, size_t n)
{
    struct indicator i = {v[0], v[1], v[2], v[3],  v[4],  v[5],           v[6],
                          v[7], v[8], v[9], v[10], v[11], v[12][0] == '1'};
    (void)n;
    if (store_indicator_put(st, &i, &err) != 0) {
        die("indicator");
    }
}

static void dim(struct store *st, char **v, size_t n)
{
    struct dimension_value d = {v[0], v[1], v[2]};
    (void)n;
    if (store_dimension_put(st, &d, &err) != 0) {
        die("dimension");
    }
}

/* A deterministic pseudo-value in [0, 100) for (economy, year). */
static double val(const char *code, int year, int salt)
{
    unsigned h = 2166136261u ^ (unsigned)salt;
    for (const char *p = code; *p; p++) {
        h = (h ^ (unsigned char)*p) * 16777619u;
    }
    h = (h ^ (unsigned)year) * 16777619u;
    return (double)(h % 1000u) / 20.0 + (year - 2010) * 3.0;
}

static void put(struct store *st, const char *indc, const char *e, int y,
                const char *dims, double v, const char *src, const char *note)
{
    struct obs o;
    memset(&o, 0, sizeof(o));
    o.indicator = indc;
    o.economy = e;
    o.year = y;
    o.dims = dims;
    o.value = v > 100 && strcmp(indc, "gni_pc") != 0 ? 100 : v;
    o.status = y >= 2023 ? OBS_ESTIMATED : OBS_REPORTED;
    o.source = src;
    o.note = note;
    if (store_obs_put(st, &o, NULL, &err) != 0) {
        die("obs");
    }
}

/* IDI inputs (data/idi_params.csv) and the fixed-broadband basket. */
static const char *const idi_inputs[] = {
    "HH6",          "i911mw",         "i271G",         "i271GA",
    "i136mwi_subs", "i135tfb_subs",   "i154_FBB5_USD", "i271mb_high_ts_GNI",
    "HH18",         "i154_FBB_ts_GNI"};

static void batch(struct store *st, int64_t t, int y0, int y1, int salt)
{
    struct store_batch_info bi;
    int64_t id, changed;
    static const char *const groups[] = {"WLD", "AFR", "EUR", "AMS"};
    memset(&bi, 0, sizeof(bi));
    bi.kind = BATCH_LOAD;
    bi.origin = "mkfixture";
    bi.file = "fixture";
    bi.time = t;
    if (store_batch_begin(st, &bi, &err) != 0) {
        die("batch");
    }
    for (size_t i = 0; i < ncodes; i++) {
        const char *c = codes[i];
        for (int y = y0; y <= y1; y++) {
            if (strcmp(c, "KEN") == 0) {
                put(st, "i99H", c, y, "", val(c, y, salt),
                    "<script>alert(1)</script> & Co", "'; DROP TABLE obs; --");
            } else if (i % 7 != 3) { /* some economies have no data */
                put(st, "i99H", c, y, "", val(c, y, salt), "ITU estimate", "");
            }
            if (i % 10 == 0) {
                put(st, "i99H", c, y, "sex=F", val(c, y, salt) * 0.9,
                    "ITU survey", "");
                put(st, "i99H", c, y, "sex=M", val(c, y, salt) * 1.05,
                    "ITU survey", "");
            }
            if (i % 3 == 0) {
                put(st, "i271", c, y, "", val(c, y, salt + 1) * 1.2,
                    "ITU admin", "");
            }
            if (i % 2 == 0 && y >= 2018) { /* IDI inputs and prices */
                for (size_t k = 0; k < ARRAY_COUNT(idi_inputs); k++) {
                    put(st, idi_inputs[k], c, y, "",
                        val(c, y, salt + 2 + (int)k) * 0.8 + 1, "ITU", "");
                }
                put(st, "gni_pc", c, y, "", val(c, y, salt + 20) * 600 + 300,
                    "World Bank", "");
            }
        }
    }
    for (size_t g = 0; g < 4; g++) {
        for (int y = y0; y <= y1; y++) {
            put(st, "i99H", groups[g], y, "", val(groups[g], y, salt),
                "ictdev aggregate", "");
        }
    }
    if (store_batch_commit(st, &id, &changed, &err) != 0) {
        die("commit");
    }
}

int main(int argc, char **argv)
{
    struct store *st;
    if (argc != 3) {
        fprintf(stderr, "usage: mkfixture DB REPO\n");
        return 2;
    }
    st = store_open(argv[1], STORE_OPEN_CREATE, &err);
    if (st == NULL) {
        die(argv[1]);
    }
    if (store_begin(st, &err) != 0) {
        die("begin");
    }
    each(st, argv[2], "economies.csv", eco);
    each(st, argv[2], "groups.csv", grp);
    each(st, argv[2], "memberships.csv", mem);
    each(st, argv[2], "catalogue.csv", ind);
    each(st, argv[2], "dimensions.csv", dim);
    if (store_commit(st, &err) != 0) {
        die("commit reference");
    }
    batch(st, 1600000000, 2010, 2020, 0);
    batch(st, 1700000000, 2015, 2023, 1);
    store_close(st);
    for (size_t i = 0; i < ncodes; i++) {
        xfree(codes[i]);
    }
    return 0;
}
