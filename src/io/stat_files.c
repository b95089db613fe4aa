/* ReadStat adapter. ReadStat reports the variables first (we map their
 * names to the caller's columns and skip the rest), then every value. */
#include "stat_files.h"

#include <readstat.h>
#include <string.h>
#include <strings.h>

#include "../core/mem.h"

struct stat_ctx {
    const char *path;
    const char *const *names;
    const bool *optional;
    size_t count;
    int *map; /* owned; file variable index -> requested column or -1 */
    size_t map_len;
    bool *found; /* owned; count flags */
    stat_value_fn fn;
    void *user;
    struct err *err;
    int rc; /* first error code */
};

static const char *extension(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');

    if (dot == NULL || (slash != NULL && dot < slash)) {
        return "";
    }
    return dot + 1;
}

bool stat_file_supported(const char *path)
{
    const char *ext = extension(path);

    return strcasecmp(ext, "sav") == 0 || strcasecmp(ext, "zsav") == 0 ||
           strcasecmp(ext, "dta") == 0 || strcasecmp(ext, "sas7bdat") == 0;
}

static int on_variable(int index, readstat_variable_t *variable,
                       const char *val_labels, void *ctx)
{
    struct stat_ctx *c = ctx;
    const char *name = readstat_variable_get_name(variable);
    (void)val_labels;

    if (index < 0) {
        return READSTAT_HANDLER_SKIP_VARIABLE;
    }
    if ((size_t)index >= c->map_len) {
        size_t n = (size_t)index + 16;
        c->map = xreallocarray(c->map, n, sizeof(*c->map));
        for (size_t i = c->map_len; i < n; i++) {
            c->map[i] = -1;
        }
        c->map_len = n;
    }
    for (size_t i = 0; i < c->count; i++) {
        if (name != NULL && strcmp(name, c->names[i]) == 0 && !c->found[i]) {
            c->found[i] = true;
            c->map[index] = (int)i;
            return READSTAT_HANDLER_OK;
        }
    }
    return READSTAT_HANDLER_SKIP_VARIABLE;
}

/* Before the first value: every requested variable must exist. */
static int check_found(struct stat_ctx *c)
{
    for (size_t i = 0; i < c->count; i++) {
        if (!c->found[i] && !(c->optional && c->optional[i])) {
            c->rc = err_set(c->err, ERR_NOT_FOUND, "%s: no column '%s'",
                            c->path, c->names[i]);
            return c->rc;
        }
    }
    return 0;
}

static int on_value(int obs_index, readstat_variable_t *variable,
                    readstat_value_t value, void *ctx)
{
    struct stat_ctx *c = ctx;
    int index = readstat_variable_get_index(variable);
    struct stat_value v = {0};

    if (obs_index == 0 && c->rc == 0 && check_found(c) != 0) {
        return READSTAT_HANDLER_ABORT;
    }
    if (index < 0 || (size_t)index >= c->map_len || c->map[index] < 0) {
        return READSTAT_HANDLER_OK;
    }
    v.missing = readstat_value_is_missing(value, variable) != 0;
    v.is_text = readstat_value_type(value) == READSTAT_TYPE_STRING;
    if (v.is_text) {
        v.text = readstat_string_value(value);
        if (v.text == NULL) {
            v.text = "";
        }
        v.missing = v.missing || v.text[0] == '\0';
    } else if (!v.missing) {
        v.num = readstat_double_value(value);
    }
    c->rc =
        c->fn(c->user, (uint64_t)obs_index, (size_t)c->map[index], &v, c->err);
    return c->rc == 0 ? READSTAT_HANDLER_OK : READSTAT_HANDLER_ABORT;
}

int stat_file_read(const char *path, const char *const *names,
                   const bool *optional, size_t count, stat_value_fn fn,
                   void *ctx, bool *out_found, struct err *err)
{
    struct stat_ctx c = {path, names, optional, count, NULL, 0,
                         NULL, fn,    ctx,      err,   0};
    const char *ext = extension(path);
    readstat_parser_t *parser = NULL;
    readstat_error_t rs;

    if (!stat_file_supported(path)) {
        return err_set(err, ERR_INVALID,
                       "%s: unsupported file type; want .csv, .sav, .dta or "
                       ".sas7bdat",
                       path);
    }
    c.found = xcalloc(count ? count : 1, sizeof(*c.found));
    parser = readstat_parser_init();
    readstat_set_variable_handler(parser, on_variable);
    readstat_set_value_handler(parser, on_value);
    if (strcasecmp(ext, "dta") == 0) {
        rs = readstat_parse_dta(parser, path, &c);
    } else if (strcasecmp(ext, "sas7bdat") == 0) {
        rs = readstat_parse_sas7bdat(parser, path, &c);
    } else {
        rs = readstat_parse_sav(parser, path, &c);
    }
    if (c.rc == 0 && rs == READSTAT_ERROR_OPEN) {
        c.rc = err_set(err, ERR_NOT_FOUND, "%s: cannot open", path);
    } else if (c.rc == 0 && rs != READSTAT_OK) {
        c.rc =
            err_set(err, ERR_PARSE, "%s: %s", path, readstat_error_message(rs));
    } else if (c.rc == 0) {
        c.rc = check_found(&c); /* a file with no rows */
    }
    readstat_parser_free(parser);
    for (size_t i = 0; i < count; i++) {
        out_found[i] = c.found[i];
    }
    xfree(c.map);
    xfree(c.found);
    return c.rc;
}
