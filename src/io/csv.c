/* CSV reader. The input is read in chunks into one buffer; a record must fit
 * in the buffer, which grows up to MAX_CSV_RECORD. The common unquoted
 * record is split with memchr; quoted fields are unescaped in place (the
 * unescaped text is never longer than the raw text). */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"

#define CHUNK (256 * 1024)

struct csv_reader {
    char *name;               /* owned */
    int fd;                   /* -1 for memory input */
    bool owns_fd;             /* close fd at csv_close */
    bool eof;                 /* no more bytes to read from the source */
    bool failed;              /* an error was reported */
    bool started;             /* BOM check done */
    bool utf8_check;          /* validate fields */
    char *buf;                /* owned; cap bytes */
    size_t cap;               /* allocated */
    size_t pos;               /* start of unconsumed bytes */
    size_t end;               /* end of valid bytes, <= cap */
    uint64_t base;            /* input offset of buf[0] */
    uint64_t size;            /* input size if known, else 0 */
    uint64_t line;            /* 1-based line at buf[pos] */
    struct csv_field *fields; /* owned; field_cap slots */
    size_t field_cap;
};

static struct csv_reader *reader_new(const char *name)
{
    struct csv_reader *r = xcalloc(1, sizeof(*r));
    r->name = xstrdup(name);
    r->fd = -1;
    r->utf8_check = true;
    r->line = 1;
    return r;
}

struct csv_reader *csv_open_path(const char *path, struct err *err)
{
    struct csv_reader *r;
    struct stat st;
    int fd;

    if (strcmp(path, "-") == 0) {
        r = reader_new("<stdin>");
        r->fd = STDIN_FILENO;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "%s: %s",
                    path, strerror(errno));
            return NULL;
        }
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            close(fd);
            err_set(err, ERR_INVALID, "%s: is a directory", path);
            return NULL;
        }
        r = reader_new(path);
        r->fd = fd;
        r->owns_fd = true;
        if (S_ISREG(st.st_mode)) {
            r->size = (uint64_t)st.st_size;
        }
    }
    r->cap = CHUNK;
    r->buf = xmalloc(r->cap);
    return r;
}

struct csv_reader *csv_open_mem(const char *data, size_t len, const char *name)
{
    struct csv_reader *r = reader_new(name);
    r->cap = len + 1;
    r->buf = xmalloc(r->cap);
    memcpy(r->buf, data, len);
    r->end = len;
    r->size = len;
    r->eof = true;
    return r;
}

void csv_set_utf8_check(struct csv_reader *r, bool on)
{
    r->utf8_check = on;
}

uint64_t csv_offset(const struct csv_reader *r)
{
    return r->base + r->pos;
}

uint64_t csv_size(const struct csv_reader *r)
{
    return r->size;
}

const char *csv_name(const struct csv_reader *r)
{
    return r->name;
}

void csv_close(struct csv_reader *r)
{
    if (r == NULL) {
        return;
    }
    if (r->owns_fd && r->fd >= 0) {
        close(r->fd);
    }
    xfree(r->name);
    xfree(r->buf);
    xfree(r->fields);
    xfree(r);
}

bool csv_field_eq(const struct csv_field *f, const char *s)
{
    size_t n = strlen(s);
    return f->len == n && memcmp(f->ptr, s, n) == 0;
}

char *csv_field_dup(const struct csv_field *f)
{
    return xstrndup(f->ptr, f->len);
}

/* Move unconsumed bytes to the front, grow if the buffer is full, and read
 * more. Returns 0, or ERR_IO / ERR_LIMIT. */
static int refill(struct csv_reader *r, struct err *err)
{
    ssize_t n;

    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->base += r->pos;
        r->end -= r->pos;
        r->pos = 0;
    }
    if (r->end == r->cap) {
        if (r->cap >= (size_t)MAX_CSV_RECORD * 2) {
            return err_set(err, ERR_LIMIT,
                           "%s:%llu:1: record longer than %d bytes", r->name,
                           (unsigned long long)r->line, MAX_CSV_RECORD);
        }
        r->cap *= 2;
        r->buf = xrealloc(r->buf, r->cap);
    }
    do {
        n = read(r->fd, r->buf + r->end, r->cap - r->end);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return err_set(err, ERR_IO, "%s: read: %s", r->name, strerror(errno));
    }
    if (n == 0) {
        r->eof = true;
    }
    r->end += (size_t)n;
    return 0;
}

/* Find the end of the record starting at buf[pos]: the offset of its
 * terminating '\n' (or end of input), quote-aware. Returns 1 if found, 0 if
 * more input is needed. *out_quoted tells whether any quote was seen. */
static int find_record_end(const struct csv_reader *r, size_t *out_end,
                           bool *out_quoted)
{
    const char *p = r->buf + r->pos;
    size_t avail = r->end - r->pos;
    const char *nl = memchr(p, '\n', avail);
    size_t span = nl ? (size_t)(nl - p) : avail;
    bool in_quotes = false;

    *out_quoted = memchr(p, '"', span) != NULL;
    if (!*out_quoted) {
        if (nl == NULL && !r->eof) {
            return 0;
        }
        *out_end = r->pos + span;
        return 1;
    }
    for (size_t i = 0; i < avail; i++) {
        if (p[i] == '"') {
            in_quotes = !in_quotes;
        } else if (p[i] == '\n' && !in_quotes) {
            *out_end = r->pos + i;
            return 1;
        }
    }
    if (!r->eof) {
        return 0;
    }
    *out_end = r->end;
    return 1;
}

static struct csv_field *field_slot(struct csv_reader *r, size_t i)
{
    if (i >= r->field_cap) {
        r->field_cap = r->field_cap ? r->field_cap * 2 : 32;
        r->fields = xreallocarray(r->fields, r->field_cap, sizeof(*r->fields));
    }
    return &r->fields[i];
}

/* Column (1-based, in bytes) of buf offset at within its line. */
static uint64_t column_of(const struct csv_reader *r, size_t at)
{
    size_t i = at;
    while (i > r->pos && r->buf[i - 1] != '\n') {
        i--;
    }
    return (uint64_t)(at - i) + 1;
}

static uint64_t line_of(const struct csv_reader *r, size_t at)
{
    uint64_t line = r->line;
    for (size_t i = r->pos; i < at; i++) {
        line += r->buf[i] == '\n';
    }
    return line;
}

static int parse_fail(struct csv_reader *r, size_t at, const char *what,
                      struct err *err)
{
    r->failed = true;
    return err_set(err, ERR_PARSE, "%s:%llu:%llu: %s", r->name,
                   (unsigned long long)line_of(r, at),
                   (unsigned long long)column_of(r, at), what);
}

/* Split an unquoted record [s, e) at commas. */
static int split_plain(struct csv_reader *r, size_t s, size_t e,
                       size_t *out_count, struct err *err)
{
    size_t n = 0;
    char *p = r->buf + s;
    char *end = r->buf + e;

    for (;;) {
        char *comma = memchr(p, ',', (size_t)(end - p));
        struct csv_field *f;
        if (n >= MAX_CSV_FIELDS) {
            r->failed = true;
            return err_set(err, ERR_LIMIT, "%s:%llu:1: more than %d fields",
                           r->name, (unsigned long long)r->line,
                           MAX_CSV_FIELDS);
        }
        f = field_slot(r, n++);
        f->ptr = p;
        f->quoted = false;
        if (comma == NULL) {
            f->len = (size_t)(end - p);
            break;
        }
        f->len = (size_t)(comma - p);
        p = comma + 1;
    }
    *out_count = n;
    return 0;
}

/* Split a record with quotes [s, e), unescaping quoted fields in place. */
static int split_quoted(struct csv_reader *r, size_t s, size_t e,
                        size_t *out_count, struct err *err)
{
    size_t n = 0;
    size_t i = s;
    char *b = r->buf;

    for (;;) {
        struct csv_field *f;
        if (n >= MAX_CSV_FIELDS) {
            r->failed = true;
            return err_set(err, ERR_LIMIT, "%s:%llu:1: more than %d fields",
                           r->name, (unsigned long long)r->line,
                           MAX_CSV_FIELDS);
        }
        f = field_slot(r, n++);
        if (i < e && b[i] == '"') {
            size_t w = i + 1;
            size_t start = w;
            i++;
            for (;;) {
                if (i >= e) {
                    return parse_fail(r, start - 1, "unterminated quoted field",
                                      err);
                }
                if (b[i] == '"') {
                    if (i + 1 < e && b[i + 1] == '"') {
                        b[w++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                b[w++] = b[i++];
            }
            f->ptr = b + start;
            f->len = w - start;
            f->quoted = true;
            if (i < e && b[i] != ',') {
                return parse_fail(r, i, "text after a closing quote", err);
            }
        } else {
            size_t start = i;
            while (i < e && b[i] != ',') {
                if (b[i] == '"') {
                    return parse_fail(r, i, "quote inside an unquoted field",
                                      err);
                }
                i++;
            }
            f->ptr = b + start;
            f->len = i - start;
            f->quoted = false;
        }
        if (i >= e) {
            break;
        }
        i++; /* the comma */
    }
    *out_count = n;
    return 0;
}

static int check_utf8(struct csv_reader *r, size_t count, struct err *err)
{
    for (size_t k = 0; k < count; k++) {
        size_t bad;
        const struct csv_field *f = &r->fields[k];
        if (!utf8_valid(f->ptr, f->len, &bad)) {
            r->failed = true;
            return err_set(err, ERR_PARSE,
                           "%s:%llu:%zu: invalid UTF-8 in field %zu (the file "
                           "must be UTF-8)",
                           r->name, (unsigned long long)r->line, k + 1, k + 1);
        }
    }
    return 0;
}

static void strip_bom(struct csv_reader *r)
{
    if (r->end - r->pos >= 3 &&
        memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0) {
        r->pos += 3;
    }
    r->started = true;
}

int csv_next(struct csv_reader *r, struct csv_record *out, struct err *err)
{
    size_t rec_end = 0;
    size_t stop;
    bool quoted = false;
    uint64_t next_line;
    int rc;

    out->count = 0;
    out->fields = NULL;
    if (r->failed) {
        return 0;
    }
    for (;;) {
        if (r->pos == r->end && r->eof) {
            return 0;
        }
        if ((r->end - r->pos < 3 && !r->eof) ||
            (r->pos < r->end && !find_record_end(r, &rec_end, &quoted))) {
            rc = refill(r, err);
            if (rc) {
                r->failed = true;
                return rc;
            }
            continue;
        }
        if (!r->started) {
            strip_bom(r);
            continue;
        }
        if (r->pos == r->end) {
            continue;
        }
        stop = rec_end;
        if (stop > r->pos && r->buf[stop - 1] == '\r') {
            stop--;
        }
        if (stop == r->pos) { /* blank line */
            r->pos = rec_end < r->end ? rec_end + 1 : rec_end;
            r->line++;
            continue;
        }
        break;
    }
    /* Count lines before unescaping moves bytes around. */
    next_line = quoted ? line_of(r, rec_end) : r->line;
    rc = quoted ? split_quoted(r, r->pos, stop, &out->count, err)
                : split_plain(r, r->pos, stop, &out->count, err);
    if (rc == 0 && r->utf8_check) {
        rc = check_utf8(r, out->count, err);
    }
    if (rc) {
        out->count = 0;
        return rc;
    }
    out->fields = r->fields;
    out->line = r->line;
    r->line = next_line + 1;
    r->pos = rec_end < r->end ? rec_end + 1 : rec_end;
    return 0;
}
