/* Shared helpers of the store commands. */
#include "cliutil.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/buf.h"
#include "../core/mem.h"
#include "../core/strparse.h"

int cli_opt_value(int argc, char **argv, int *i, const char *name,
                  const char **out_value, const char *cmd)
{
    size_t n = strlen(name);
    const char *a = argv[*i];

    if (strncmp(a, name, n) != 0) {
        return 0;
    }
    if (a[n] == '=') {
        *out_value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') {
        return 0;
    }
    if (*i + 1 >= argc) {
        cli_usage_error(cmd, "%s needs a value", name);
        return -1;
    }
    *i += 1;
    *out_value = argv[*i];
    return 1;
}

int out_format_parse(const char *s, enum out_format *out, struct err *err)
{
    if (strcmp(s, "table") == 0) {
        *out = OUT_TABLE;
    } else if (strcmp(s, "csv") == 0) {
        *out = OUT_CSV;
    } else if (strcmp(s, "json") == 0) {
        *out = OUT_JSON;
    } else {
        return err_set(err, ERR_INVALID, "format '%s': want table, csv or json",
                       s);
    }
    return 0;
}

enum out_format out_format_default(void)
{
    return isatty(STDOUT_FILENO) ? OUT_TABLE : OUT_CSV;
}

static void csv_cell(FILE *fp, const char *s)
{
    bool quote = s[0] == ' ' || strpbrk(s, ",\"\r\n") != NULL ||
                 (s[0] && s[strlen(s) - 1] == ' ');

    if (!quote) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (const char *p = s; *p; p++) {
        if (*p == '"') {
            fputc('"', fp);
        }
        fputc(*p, fp);
    }
    fputc('"', fp);
}

static void json_str(FILE *fp, const char *s)
{
    json_t *j = json_string(s);

    if (!j) {
        /* Not UTF-8: cannot happen for stored text (checked at load). */
        fputs("null", fp);
        return;
    }
    json_dumpf(j, fp, JSON_ENCODE_ANY);
    json_decref(j);
}

void out_begin(struct out *o, enum out_format fmt, FILE *fp,
               const char *const *cols, const int *kinds, size_t ncols)
{
    memset(o, 0, sizeof(*o));
    o->fmt = fmt;
    o->fp = fp;
    o->cols = cols;
    o->kinds = kinds;
    o->ncols = ncols;
    if (fmt == OUT_CSV) {
        for (size_t i = 0; i < ncols; i++) {
            if (i > 0) {
                fputc(',', fp);
            }
            csv_cell(fp, cols[i]);
        }
        fputc('\n', fp);
    } else if (fmt == OUT_JSON) {
        fputc('[', fp);
    }
}

static void json_row(struct out *o, const char *const *cells)
{
    fputs(o->count > 0 ? ",\n{" : "\n{", o->fp);
    for (size_t i = 0; i < o->ncols; i++) {
        const char *c = cells[i] ? cells[i] : "";
        if (i > 0) {
            fputc(',', o->fp);
        }
        json_str(o->fp, o->cols[i]);
        fputc(':', o->fp);
        if (o->kinds && o->kinds[i] == OUT_NUM) {
            fputs(c[0] ? c : "null", o->fp);
        } else {
            json_str(o->fp, c);
        }
    }
    fputc('}', o->fp);
}

void out_row(struct out *o, const char *const *cells)
{
    if (o->fmt == OUT_CSV) {
        for (size_t i = 0; i < o->ncols; i++) {
            if (i > 0) {
                fputc(',', o->fp);
            }
            csv_cell(o->fp, cells[i] ? cells[i] : "");
        }
        fputc('\n', o->fp);
    } else if (o->fmt == OUT_JSON) {
        json_row(o, cells);
    } else {
        if (o->nrows == o->cap) {
            o->cap = o->cap ? o->cap * 2 : 64;
            o->cells =
                xreallocarray(o->cells, o->cap * o->ncols, sizeof(char *));
        }
        for (size_t i = 0; i < o->ncols; i++) {
            o->cells[o->nrows * o->ncols + i] =
                xstrdup(cells[i] ? cells[i] : "");
        }
        o->nrows++;
    }
    o->count++;
}

/* Display width: UTF-8 code points (continuation bytes do not count). */
static size_t width_of(const char *s)
{
    size_t w = 0;

    for (; *s; s++) {
        if (((unsigned char)*s & 0xC0) != 0x80) {
            w++;
        }
    }
    return w;
}

static void pad(struct buf *b, size_t n)
{
    while (n-- > 0) {
        buf_putc(b, ' ');
    }
}

/* One aligned line, without trailing spaces. */
static void table_line(struct out *o, const char *const *cells, const size_t *w,
                       struct buf *line)
{
    buf_reset(line);
    for (size_t i = 0; i < o->ncols; i++) {
        size_t cw = width_of(cells[i]);
        bool right = o->kinds && o->kinds[i] == OUT_NUM;
        if (i > 0) {
            buf_puts(line, "  ");
        }
        if (right) {
            pad(line, w[i] - cw);
        }
        buf_puts(line, cells[i]);
        if (!right) {
            pad(line, w[i] - cw);
        }
    }
    while (line->len > 0 && line->data[line->len - 1] == ' ') {
        line->data[--line->len] = '\0';
    }
    fputs(buf_cstr(line), o->fp);
    fputc('\n', o->fp);
}

static void table_print(struct out *o)
{
    size_t *w = xcalloc(o->ncols, sizeof(size_t));
    struct buf line;

    for (size_t i = 0; i < o->ncols; i++) {
        w[i] = width_of(o->cols[i]);
        for (size_t r = 0; r < o->nrows; r++) {
            size_t cw = width_of(o->cells[r * o->ncols + i]);
            if (cw > w[i]) {
                w[i] = cw;
            }
        }
    }
    buf_init(&line);
    table_line(o, o->cols, w, &line);
    for (size_t r = 0; r < o->nrows; r++) {
        table_line(o, (const char *const *)&o->cells[r * o->ncols], w, &line);
    }
    buf_cleanup(&line);
    xfree(w);
}

void out_end(struct out *o)
{
    if (o->fmt == OUT_JSON) {
        fputs(o->count > 0 ? "\n]\n" : "]\n", o->fp);
    } else if (o->fmt == OUT_TABLE) {
        table_print(o);
    }
    for (size_t i = 0; i < o->nrows * o->ncols; i++) {
        xfree(o->cells[i]);
    }
    xfree(o->cells);
    o->cells = NULL;
    o->nrows = 0;
}

struct store *cli_store_open(const struct cli_ctx *ctx, unsigned flags,
                             int *out_status)
{
    struct err err = {0};
    struct store *s = store_open(ctx->db, flags, &err);

    *out_status = EXIT_OK;
    if (!s) {
        *out_status = cli_fail(&err);
    }
    return s;
}

/* Parse n digits at s into *out. */
static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int cli_parse_time(const char *s, int64_t *out, struct err *err)
{
    struct tm tm = {0};
    size_t len = strlen(s);
    int64_t v;
    int y, mo, d, h = 23, mi = 59, sec = 59;
    bool ok;

    if (len > 10 && parse_int64(s, len, 0, INT64_MAX, &v, err) == 0) {
        *out = v;
        return 0;
    }
    ok = len >= 10 && digits(s, 4, &y) && s[4] == '-' &&
         digits(s + 5, 2, &mo) && s[7] == '-' && digits(s + 8, 2, &d) &&
         mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
    if (ok && len > 10) {
        ok = (len == 19 || (len == 20 && s[19] == 'Z')) && s[10] == 'T' &&
             digits(s + 11, 2, &h) && s[13] == ':' && digits(s + 14, 2, &mi) &&
             s[16] == ':' && digits(s + 17, 2, &sec) && h < 24 && mi < 60 &&
             sec < 61;
    }
    if (!ok) {
        return err_set(err, ERR_INVALID,
                       "date '%s': want YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", s);
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm);
    return 0;
}

void cli_format_time(int64_t t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t cli_now(void)
{
    const char *env = getenv("ICTDEV_NOW");
    int64_t t;
    struct err err;

    if (env && env[0] && cli_parse_time(env, &t, &err) == 0) {
        return t;
    }
    return (int64_t)time(NULL);
}

const char *cli_origin(void)
{
    const char *u = getenv("ICTDEV_USER");

    if (!u || !u[0]) {
        u = getenv("USER");
    }
    return u && u[0] ? u : "ictdev";
}

static bool has_reference(const char *dir)
{
    struct buf b;
    struct stat st;
    bool ok;

    buf_init(&b);
    buf_printf(&b, "%s/economies.csv", dir);
    ok = stat(b.data, &st) == 0;
    buf_cleanup(&b);
    return ok;
}

char *cli_data_dir(void)
{
    const char *env = getenv("ICTDEV_DATA");
    char exe[PATH_MAX];
    ssize_t n;

    if (env && env[0]) {
        return xstrdup(env);
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        struct buf b;
        char *slash;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
        }
        buf_init(&b);
        buf_printf(&b, "%s/../data", exe);
        if (has_reference(b.data)) {
            char real[PATH_MAX];
            if (realpath(b.data, real)) {
                buf_cleanup(&b);
                return xstrdup(real);
            }
            return buf_detach(&b);
        }
        buf_cleanup(&b);
    }
    return xstrdup("data");
}

size_t cli_split_list(const char *s, char ***out_parts)
{
    size_t n = 0;
    char **parts = NULL;
    const char *p = s;

    for (;;) {
        size_t len = strcspn(p, ",");
        const char *q = p;
        size_t qlen = len;
        str_trim(&q, &qlen);
        if (qlen > 0) {
            parts = xreallocarray(parts, n + 1, sizeof(char *));
            parts[n++] = xstrndup(q, qlen);
        }
        if (p[len] == '\0') {
            break;
        }
        p += len + 1;
    }
    *out_parts = parts;
    return n;
}

void cli_free_list(char **parts, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        xfree(parts[i]);
    }
    xfree(parts);
}
