/* Loading survey columns. CSV goes through io/csv; a large file without
 * quotes is cut at newlines into two ranges parsed by two threads, each
 * feeding blocks to its own csv reader, and the halves are merged. Any
 * problem in that fast path (a quote, an error) makes us start over with
 * one sequential reader, which gives exact FILE:LINE positions. */
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/mem.h"
#include "../core/progress.h"
#include "../core/strparse.h"
#include "../io/csv.h"
#include "../io/stat_files.h"
#include "survey.h"

#define BLOCK        (4u << 20)  /* bytes per block in the parallel path */
#define PARALLEL_MIN (16u << 20) /* smaller files are read sequentially */
#define CACHE_LEN    48          /* longest category text kept in cache */
#define SMALL_LABELS 8           /* short labels found without hashing */

/* One column being filled by one reader. */
struct acc_col {
    double *num;
    uint32_t *cat;
    struct strmap map; /* label -> code */
    char **labels;
    size_t label_count, label_cap;
    char last[CACHE_LEN]; /* the previous row's text, for a cheap repeat */
    size_t last_len;      /* SIZE_MAX: no cached text */
    uint32_t last_code;
    uint64_t small_key[SMALL_LABELS]; /* packed short labels, see intern */
    uint32_t small_code[SMALL_LABELS];
    size_t small_count;
};

struct acc {
    size_t rows, cap;
    size_t col_count;
    struct acc_col *cols;
};

struct loader {
    const char *path;
    const struct survey_want *want; /* borrowed, col_count entries */
    size_t col_count;
    size_t *field; /* owned; header position of each wanted column,
                      SIZE_MAX for an optional column the file lacks */
    size_t header_count;
};

static void acc_init(struct acc *a, size_t col_count)
{
    memset(a, 0, sizeof(*a));
    a->col_count = col_count;
    a->cols = xcalloc(col_count ? col_count : 1, sizeof(*a->cols));
    for (size_t i = 0; i < col_count; i++) {
        a->cols[i].last_len = SIZE_MAX;
    }
}

static void acc_cleanup(struct acc *a)
{
    for (size_t i = 0; i < a->col_count; i++) {
        struct acc_col *c = &a->cols[i];
        xfree(c->num);
        xfree(c->cat);
        strmap_cleanup(&c->map);
        for (size_t j = 0; j < c->label_count; j++) {
            xfree(c->labels[j]);
        }
        xfree(c->labels);
    }
    xfree(a->cols);
    memset(a, 0, sizeof(*a));
}

/* Make room for row index row; new numeric cells start missing. */
/* Make room for row index row. New cells are not initialised, so pages
 * beyond the rows actually written are never touched (they cost address
 * space, not memory); every reader writes each cell of a row it adds. */
static void acc_reserve(struct acc *a, const struct loader *ld, size_t row)
{
    size_t cap;

    if (row < a->cap) {
        return;
    }
    cap = a->cap ? a->cap : 4096;
    while (cap <= row) {
        cap *= 2;
    }
    for (size_t i = 0; i < a->col_count; i++) {
        struct acc_col *c = &a->cols[i];
        if (ld->want[i].kinds & SURVEY_NUM) {
            c->num = xreallocarray(c->num, cap, sizeof(*c->num));
        }
        if (ld->want[i].kinds & (SURVEY_CAT | SURVEY_TEXT)) {
            c->cat = xreallocarray(c->cat, cap, sizeof(*c->cat));
        }
    }
    a->cap = cap;
}

/* Mark every cell of rows [from, to) missing. */
static void acc_fill_missing(struct acc *a, size_t from, size_t to)
{
    for (size_t i = 0; i < a->col_count; i++) {
        struct acc_col *c = &a->cols[i];
        for (size_t r = from; c->num != NULL && r < to; r++) {
            c->num[r] = NAN;
        }
        for (size_t r = from; c->cat != NULL && r < to; r++) {
            c->cat[r] = SURVEY_MISSING_CODE;
        }
    }
}

#define BAD_LABEL (SURVEY_MISSING_CODE - 1) /* intern: not valid UTF-8 */

/* Pack a label of at most 7 bytes with its length into one integer. */
static uint64_t small_key(const char *s, size_t len)
{
    uint64_t k = len;

    for (size_t i = 0; i < len; i++) {
        k |= (uint64_t)(unsigned char)s[i] << (8 * (i + 1));
    }
    return k;
}

/* The code of label s, adding it if new. Short labels of low-cardinality
 * columns (sex, urban, 0/1) are found by comparing packed integers, others
 * through the previous row's label and then the hash map. Returns
 * BAD_LABEL for a new label that is not valid UTF-8 (the CSV reader's own
 * check is off: numbers are checked by their parser, labels here, once). */
static uint32_t intern(struct acc_col *c, const char *s, size_t len)
{
    size_t code;
    size_t bad;
    uint64_t key = len <= 7 ? small_key(s, len) : 0;

    if (key != 0) {
        for (size_t i = 0; i < c->small_count; i++) {
            if (c->small_key[i] == key) {
                return c->small_code[i];
            }
        }
    }
    if (len == c->last_len && memcmp(c->last, s, len) == 0) {
        return c->last_code;
    }
    if (!strmap_get(&c->map, s, len, &code)) {
        if (!utf8_valid(s, len, &bad)) {
            return BAD_LABEL;
        }
        code = c->label_count;
        if (c->label_count == c->label_cap) {
            c->label_cap = c->label_cap ? c->label_cap * 2 : 16;
            c->labels =
                xreallocarray(c->labels, c->label_cap, sizeof(*c->labels));
        }
        c->labels[c->label_count++] = xstrndup(s, len);
        strmap_put(&c->map, s, len, code);
        if (key != 0 && c->small_count < SMALL_LABELS) {
            c->small_key[c->small_count] = key;
            c->small_code[c->small_count++] = (uint32_t)code;
        }
    }
    if (len <= CACHE_LEN) {
        memcpy(c->last, s, len);
        c->last_len = len;
        c->last_code = (uint32_t)code;
    }
    return (uint32_t)code;
}

/* Most survey numbers are short decimals ("102.23", "1", "-0.5"). With at
 * most 15 significant digits m and k decimals, m and 10^k are exact doubles
 * and one IEEE division rounds correctly, so m / 10^k is the same double
 * strtod returns (Clinger's fast path). Anything else goes to
 * parse_double_fast. */
static bool parse_number(const char *s, size_t len, double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3, 1e4,  1e5,
                                   1e6,  1e7,  1e8,  1e9, 1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15};
    size_t i = 0;
    int64_t m = 0;
    int digits = 0;
    int decimals = -1;
    bool neg = false;

    if (len > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    for (; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d <= 9) {
            m = m * 10 + (int64_t)d;
            digits++;
            decimals += decimals >= 0;
        } else if (s[i] == '.' && decimals < 0) {
            decimals = 0;
        } else {
            break;
        }
    }
    if (i != len || digits == 0 || digits > 15 || (neg && m == 0)) {
        return parse_double_fast(s, len, out);
    }
    *out = (double)m / pow10[decimals < 0 ? 0 : decimals];
    if (neg) {
        *out = -*out;
    }
    return true;
}

static int not_number(const struct loader *ld, size_t i, uint64_t line,
                      const struct csv_field *f, struct err *err)
{
    return err_set(err, ERR_INVALID,
                   "%s:%llu: column '%s' (field %zu): '%.*s' is not a number",
                   ld->path, (unsigned long long)line, ld->want[i].name,
                   ld->field[i] + 1, (int)(f->len > 40 ? 40 : f->len), f->ptr);
}

static int bad_value(const struct loader *ld, size_t i, uint64_t line,
                     const char *what, struct err *err)
{
    const struct survey_want *w = &ld->want[i];

    return err_set(err, ERR_INVALID, "%s:%llu: column '%s' (field %zu): %s%s%s",
                   ld->path, (unsigned long long)line, w->name,
                   ld->field[i] + 1, what, w->role ? " for " : "",
                   w->role ? w->role : "");
}

/* Store the wanted fields of one CSV record as row a->rows. */
static int acc_csv_row(struct acc *a, const struct loader *ld,
                       const struct csv_record *rec, struct err *err)
{
    size_t row = a->rows;

    if (rec->count != ld->header_count) {
        return err_set(err, ERR_PARSE, "%s:%llu: %zu fields, header has %zu",
                       ld->path, (unsigned long long)rec->line, rec->count,
                       ld->header_count);
    }
    acc_reserve(a, ld, row);
    acc_fill_missing(a, row, row + 1);
    for (size_t i = 0; i < ld->col_count; i++) {
        const struct csv_field *f;
        struct acc_col *c = &a->cols[i];
        if (ld->field[i] == SIZE_MAX) {
            continue;
        }
        f = &rec->fields[ld->field[i]];
        if (f->len == 0) {
            if (ld->want[i].required) {
                return bad_value(ld, i, rec->line, "missing value", err);
            }
            continue; /* missing: cells start missing */
        }
        if ((ld->want[i].kinds & SURVEY_NUM) &&
            !parse_number(f->ptr, f->len, &c->num[row]) &&
            !(ld->want[i].kinds & SURVEY_TEXT)) {
            return not_number(ld, i, rec->line, f, err);
        }
        if (ld->want[i].nonneg && c->num[row] < 0) {
            return bad_value(ld, i, rec->line, "negative value", err);
        }
        if ((ld->want[i].kinds & SURVEY_CAT) ||
            ((ld->want[i].kinds & SURVEY_TEXT) && isnan(c->num[row]))) {
            c->cat[row] = intern(c, f->ptr, f->len);
            if (c->cat[row] == BAD_LABEL) {
                c->cat[row] = SURVEY_MISSING_CODE;
                return bad_value(ld, i, rec->line, "not valid UTF-8", err);
            }
        }
    }
    a->rows++;
    return 0;
}

/* Read the header and find each wanted column. */
static int read_header(struct csv_reader *r, struct loader *ld, struct err *err)
{
    struct csv_record rec;
    int rc = csv_next(r, &rec, err);

    if (rc != 0) {
        return rc;
    }
    if (rec.count == 0) {
        return err_set(err, ERR_INVALID, "%s: empty file, want a header row",
                       ld->path);
    }
    ld->header_count = rec.count;
    for (size_t i = 0; i < ld->col_count; i++) {
        size_t j = 0;
        while (j < rec.count &&
               !csv_field_eq(&rec.fields[j], ld->want[i].name)) {
            j++;
        }
        if (j == rec.count && ld->want[i].optional) {
            j = SIZE_MAX;
        } else if (j == rec.count) {
            return err_set(err, ERR_NOT_FOUND, "%s:1: no column '%s'", ld->path,
                           ld->want[i].name);
        }
        ld->field[i] = j;
    }
    return 0;
}

static int load_sequential(struct csv_reader *r, const struct loader *ld,
                           struct acc *a, struct err *err)
{
    struct csv_record rec;
    struct progress bar;
    int rc;

    progress_start(&bar, "reading", csv_size(r));
    for (;;) {
        rc = csv_next(r, &rec, err);
        if (rc != 0 || rec.count == 0) {
            break;
        }
        rc = acc_csv_row(a, ld, &rec, err);
        if (rc != 0) {
            break;
        }
        if ((a->rows & 0xffff) == 0) {
            progress_update(&bar, csv_offset(r));
        }
    }
    progress_finish(&bar);
    return rc;
}

/* ---- the parallel path ---- */

struct job {
    const struct loader *ld;
    int fd;
    uint64_t from, to; /* byte range; from is at a line start */
    struct acc acc;
    atomic_bool *give_up; /* shared: set by whoever meets a problem */
    struct progress *bar; /* the first job draws it (bars are not
                             thread-safe); NULL for the other */
};

/* Parse [off, off+len) of buf (a whole number of lines). */
static bool job_block(struct job *j, const char *buf, size_t len)
{
    struct csv_reader *r;
    struct csv_record rec;
    struct err err;
    bool ok = true;

    if (memchr(buf, '"', len) != NULL) {
        return false;
    }
    r = csv_open_mem(buf, len, j->ld->path);
    csv_set_utf8_check(r, false);
    while (ok) {
        if (csv_next(r, &rec, &err) != 0) {
            ok = false;
        } else if (rec.count == 0) {
            break;
        } else if (acc_csv_row(&j->acc, j->ld, &rec, &err) != 0) {
            ok = false;
        }
    }
    csv_close(r);
    return ok;
}

static const char *last_newline(const char *buf, size_t len)
{
    while (len > 0) {
        if (buf[--len] == '\n') {
            return buf + len;
        }
    }
    return NULL;
}

static void *job_run(void *arg)
{
    struct job *j = arg;
    char *buf = xmalloc(BLOCK);
    uint64_t off = j->from;

    while (off < j->to && !atomic_load(j->give_up)) {
        size_t want = j->to - off < BLOCK ? (size_t)(j->to - off) : BLOCK;
        ssize_t got = pread(j->fd, buf, want, (off_t)off);
        const char *nl;
        size_t len;

        if (got != (ssize_t)want) {
            atomic_store(j->give_up, true);
            break;
        }
        len = want;
        if (off + want < j->to) {
            nl = last_newline(buf, want);
            if (nl == NULL) {
                atomic_store(j->give_up, true);
                break;
            }
            len = (size_t)(nl - buf) + 1;
        }
        if (!job_block(j, buf, len)) {
            atomic_store(j->give_up, true);
            break;
        }
        off += len;
        if (j->bar != NULL) {
            /* Both halves advance at about the same pace. */
            progress_update(j->bar, 2 * (off - j->from));
        }
    }
    xfree(buf);
    return NULL;
}

/* Append b's rows to a, re-coding b's categories into a's label tables. */
static void acc_merge(struct acc *a, struct acc *b, const struct loader *ld)
{
    size_t base = a->rows;
    size_t total = a->rows + b->rows;

    /* Column by column, freeing b's copy at once: the peak is the data
     * plus one column, not twice the data. */
    for (size_t i = 0; i < a->col_count; i++) {
        struct acc_col *ca = &a->cols[i];
        struct acc_col *cb = &b->cols[i];
        uint32_t *remap;
        if (ld->want[i].kinds & SURVEY_NUM) {
            ca->num = xreallocarray(ca->num, total + 1, sizeof(double));
            if (b->rows > 0) {
                memcpy(ca->num + base, cb->num, b->rows * sizeof(double));
            }
            xfree(cb->num);
            cb->num = NULL;
        }
        if (!(ld->want[i].kinds & (SURVEY_CAT | SURVEY_TEXT))) {
            continue;
        }
        ca->cat = xreallocarray(ca->cat, total + 1, sizeof(uint32_t));
        remap = xcalloc(cb->label_count ? cb->label_count : 1, sizeof(*remap));
        for (size_t k = 0; k < cb->label_count; k++) {
            ca->last_len = SIZE_MAX;
            remap[k] = intern(ca, cb->labels[k], strlen(cb->labels[k]));
        }
        for (size_t r = 0; r < b->rows; r++) {
            uint32_t code = cb->cat[r];
            ca->cat[base + r] =
                code == SURVEY_MISSING_CODE ? code : remap[code];
        }
        xfree(remap);
        xfree(cb->cat);
        cb->cat = NULL;
    }
    a->rows = total;
    a->cap = total + 1;
}

/* The offset of the first line start at or after at, or size. */
static uint64_t next_line(int fd, uint64_t at, uint64_t size)
{
    char buf[4096];

    while (at < size) {
        ssize_t got = pread(fd, buf, sizeof(buf), (off_t)at);
        const char *nl;
        if (got <= 0) {
            return size;
        }
        nl = memchr(buf, '\n', (size_t)got);
        if (nl != NULL) {
            return at + (uint64_t)(nl - buf) + 1;
        }
        at += (uint64_t)got;
    }
    return size;
}

/* Try the two-thread path over [start, size). False: use the sequential
 * reader instead (a is left empty). */
static bool load_parallel(const struct loader *ld, uint64_t start,
                          uint64_t size, struct acc *a)
{
    atomic_bool give_up = false;
    struct progress bar;
    struct job jobs[2];
    pthread_t tid;
    int fd = open(ld->path, O_RDONLY | O_CLOEXEC);
    uint64_t mid;
    bool ok;

    if (fd < 0) {
        return false;
    }
    mid = next_line(fd, start + (size - start) / 2, size);
    progress_start(&bar, "reading", 2 * (mid - start));
    for (int k = 0; k < 2; k++) {
        jobs[k].ld = ld;
        jobs[k].fd = fd;
        jobs[k].from = k == 0 ? start : mid;
        jobs[k].to = k == 0 ? mid : size;
        jobs[k].give_up = &give_up;
        jobs[k].bar = k == 0 ? &bar : NULL;
        acc_init(&jobs[k].acc, ld->col_count);
    }
    if (pthread_create(&tid, NULL, job_run, &jobs[1]) != 0) {
        atomic_store(&give_up, true);
        job_run(&jobs[0]);
    } else {
        job_run(&jobs[0]);
        pthread_join(tid, NULL);
    }
    close(fd);
    progress_finish(&bar);
    ok = !atomic_load(&give_up);
    if (ok) {
        acc_merge(&jobs[0].acc, &jobs[1].acc, ld);
        *a = jobs[0].acc;
    } else {
        acc_cleanup(&jobs[0].acc);
    }
    acc_cleanup(&jobs[1].acc);
    return ok;
}

/* Files smaller than this are read by one thread. ICTDEV_PARALLEL_MIN
 * (bytes) overrides it so tests can run the two-thread path on small
 * files. */
static uint64_t parallel_min(void)
{
    const char *env = getenv("ICTDEV_PARALLEL_MIN");
    int64_t v;
    struct err err;

    if (env != NULL &&
        parse_int64(env, strlen(env), 0, INT64_MAX, &v, &err) == 0) {
        return (uint64_t)v;
    }
    return PARALLEL_MIN;
}

static int load_csv(struct loader *ld, int threads, struct acc *a,
                    struct err *err)
{
    struct csv_reader *r = csv_open_path(ld->path, err);
    uint64_t start;
    uint64_t size;
    int rc;

    if (r == NULL) {
        return err->code;
    }
    rc = read_header(r, ld, err);
    csv_set_utf8_check(r, false);
    start = csv_offset(r);
    size = csv_size(r);
    if (rc == 0 && threads > 1 && size >= parallel_min() &&
        load_parallel(ld, start, size, a)) {
        csv_close(r);
        return 0;
    }
    if (rc == 0) {
        acc_init(a, ld->col_count);
        rc = load_sequential(r, ld, a, err);
    }
    csv_close(r);
    return rc;
}

/* ---- ReadStat files ---- */

struct stat_load {
    struct acc *acc;
    const struct loader *ld;
};

static int stat_cell(void *ctx, uint64_t row, size_t col,
                     const struct stat_value *v, struct err *err)
{
    struct stat_load *s = ctx;
    struct acc_col *c = &s->acc->cols[col];
    int kinds = s->ld->want[col].kinds;
    char tmp[40];
    const char *text = v->text;
    size_t len;

    acc_reserve(s->acc, s->ld, (size_t)row);
    if (row >= s->acc->rows) {
        acc_fill_missing(s->acc, s->acc->rows, (size_t)row + 1);
        s->acc->rows = (size_t)row + 1;
    }
    if (v->missing) {
        if (s->ld->want[col].required) {
            return err_set(err, ERR_INVALID,
                           "%s: row %llu, column '%s': missing value%s%s",
                           s->ld->path, (unsigned long long)row + 1,
                           s->ld->want[col].name,
                           s->ld->want[col].role ? " for " : "",
                           s->ld->want[col].role ? s->ld->want[col].role : "");
        }
        return 0;
    }
    if (!v->is_text) {
        len = fmt_double(tmp, sizeof(tmp), v->num);
        text = tmp;
    } else {
        len = strlen(text);
    }
    if (kinds & SURVEY_NUM) {
        if (!v->is_text) {
            c->num[row] = v->num;
        } else if (!parse_double_fast(text, len, &c->num[row]) &&
                   !(kinds & SURVEY_TEXT)) {
            return err_set(err, ERR_INVALID,
                           "%s: row %llu, column '%s': '%.40s' is not a "
                           "number",
                           s->ld->path, (unsigned long long)row + 1,
                           s->ld->want[col].name, text);
        }
    }
    if ((kinds & SURVEY_NUM) && s->ld->want[col].nonneg && c->num[row] < 0) {
        return err_set(err, ERR_INVALID,
                       "%s: row %llu, column '%s': negative value for %s",
                       s->ld->path, (unsigned long long)row + 1,
                       s->ld->want[col].name,
                       s->ld->want[col].role ? s->ld->want[col].role : "it");
    }
    if ((kinds & SURVEY_CAT) ||
        ((kinds & SURVEY_TEXT) && (kinds & SURVEY_NUM) && isnan(c->num[row]))) {
        c->cat[row] = intern(c, text, len);
        if (c->cat[row] == BAD_LABEL) {
            c->cat[row] = SURVEY_MISSING_CODE;
            return err_set(err, ERR_INVALID,
                           "%s: row %llu, column '%s': not valid UTF-8",
                           s->ld->path, (unsigned long long)row + 1,
                           s->ld->want[col].name);
        }
    }
    return 0;
}

static int load_stat(struct loader *ld, struct acc *a, struct err *err)
{
    const char **names = xcalloc(ld->col_count + 1, sizeof(*names));
    bool *optional = xcalloc(ld->col_count + 1, sizeof(*optional));
    bool *found = xcalloc(ld->col_count + 1, sizeof(*found));
    struct stat_load s = {a, ld};
    int rc;

    for (size_t i = 0; i < ld->col_count; i++) {
        names[i] = ld->want[i].name;
        optional[i] = ld->want[i].optional;
    }
    acc_init(a, ld->col_count);
    rc = stat_file_read(ld->path, names, optional, ld->col_count, stat_cell, &s,
                        found, err);
    for (size_t i = 0; i < ld->col_count; i++) {
        ld->field[i] = found[i] ? i : SIZE_MAX;
    }
    xfree(names);
    xfree(optional);
    xfree(found);
    return rc;
}

/* ---- entry points ---- */

static bool is_csv(const char *path)
{
    size_t n = strlen(path);

    return strcmp(path, "-") == 0 ||
           (n >= 4 && (strcasecmp(path + n - 4, ".csv") == 0 ||
                       strcasecmp(path + n - 4, ".txt") == 0));
}

static bool text_allowed(const struct survey_want *w)
{
    return !(w->kinds & SURVEY_NUM) || (w->kinds & SURVEY_TEXT);
}

/* Merge duplicate names in want into a new owned list. */
static struct survey_want *unique_wants(const struct survey_want *want,
                                        size_t count, size_t *out_count)
{
    struct survey_want *u = xcalloc(count ? count : 1, sizeof(*u));
    size_t n = 0;

    for (size_t i = 0; i < count; i++) {
        size_t j = 0;
        while (j < n && strcmp(u[j].name, want[i].name) != 0) {
            j++;
        }
        if (j == n) {
            u[n++] = want[i];
        } else {
            /* Lenient numbers only if every want of the column allows
             * them. */
            bool text_ok = text_allowed(&u[j]) && text_allowed(&want[i]);
            u[j].kinds |= want[i].kinds;
            if (!text_ok) {
                u[j].kinds &= ~SURVEY_TEXT;
            }
            u[j].required = u[j].required || want[i].required;
            u[j].nonneg = u[j].nonneg || want[i].nonneg;
            u[j].optional = u[j].optional && want[i].optional;
            if (u[j].role == NULL) {
                u[j].role = want[i].role;
            }
        }
    }
    *out_count = n;
    return u;
}

static void take_acc(struct survey_data *out, struct acc *a,
                     const struct loader *ld)
{
    out->rows = a->rows;
    out->cols = xcalloc(ld->col_count ? ld->col_count : 1, sizeof(*out->cols));
    for (size_t i = 0; i < ld->col_count; i++) {
        struct survey_col *c = &out->cols[out->col_count];
        if (ld->field[i] == SIZE_MAX) {
            continue;
        }
        out->col_count++;
        c->name = xstrdup(ld->want[i].name);
        c->kinds = ld->want[i].kinds;
        c->num = a->cols[i].num;
        c->cat = a->cols[i].cat;
        c->labels = a->cols[i].labels;
        c->label_count = a->cols[i].label_count;
        a->cols[i].num = NULL;
        a->cols[i].cat = NULL;
        a->cols[i].labels = NULL;
        a->cols[i].label_count = 0;
    }
}

int survey_data_load(const char *path, const struct survey_want *want,
                     size_t want_count, int threads, struct survey_data *out,
                     struct err *err)
{
    struct loader ld = {path, NULL, 0, NULL, 0};
    struct survey_want *u = unique_wants(want, want_count, &ld.col_count);
    struct acc a;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&a, 0, sizeof(a));
    ld.want = u;
    ld.field = xcalloc(ld.col_count + 1, sizeof(*ld.field));
    if (is_csv(path)) {
        rc = load_csv(&ld, threads, &a, err);
    } else if (stat_file_supported(path)) {
        rc = load_stat(&ld, &a, err);
    } else {
        rc = err_set(err, ERR_INVALID,
                     "%s: unsupported file type; want .csv, .sav, .dta or "
                     ".sas7bdat",
                     path);
    }
    if (rc == 0) {
        out->path = xstrdup(path);
        take_acc(out, &a, &ld);
    }
    acc_cleanup(&a);
    xfree(ld.field);
    xfree(u);
    return rc;
}

void survey_data_cleanup(struct survey_data *d)
{
    for (size_t i = 0; i < d->col_count; i++) {
        struct survey_col *c = &d->cols[i];
        xfree(c->name);
        xfree(c->num);
        xfree(c->cat);
        for (size_t j = 0; j < c->label_count; j++) {
            xfree(c->labels[j]);
        }
        xfree(c->labels);
    }
    xfree(d->cols);
    xfree(d->path);
    memset(d, 0, sizeof(*d));
}

const struct survey_col *survey_data_col(const struct survey_data *d,
                                         const char *name)
{
    for (size_t i = 0; i < d->col_count; i++) {
        if (strcmp(d->cols[i].name, name) == 0) {
            return &d->cols[i];
        }
    }
    return NULL;
}

void survey_data_add_num(struct survey_data *d, const char *name,
                         double *values)
{
    struct survey_col *c;

    d->cols = xreallocarray(d->cols, d->col_count + 1, sizeof(*d->cols));
    c = &d->cols[d->col_count++];
    memset(c, 0, sizeof(*c));
    c->name = xstrdup(name);
    c->kinds = SURVEY_NUM;
    c->num = values;
}
