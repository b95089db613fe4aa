/* ictdev history: every revision of one value. */
#include <string.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/strparse.h"
#include "cli.h"
#include "cliutil.h"

static const char history_help[] =
    "Usage: ictdev history --indicator CODE --economy ISO3 --years Y[:Z]\n"
    "                      [--DIM VALUE...] [--format table|csv|json]\n"
    "\n"
    "List every revision of the value (oldest first) with the batch that\n"
    "made it: id, time (UTC), kind, origin, file. The last one is the\n"
    "current value. --DIM VALUE selects a disaggregated value (e.g.\n"
    "--sex F); without it, the total.\n";

static const char *const cols[] = {"year",   "batch", "time",  "kind",
                                   "origin", "file",  "value", "status",
                                   "source", "note"};
static const int kinds[] = {OUT_NUM,  OUT_NUM, OUT_TEXT, OUT_TEXT, OUT_TEXT,
                            OUT_TEXT, OUT_NUM, OUT_TEXT, OUT_TEXT, OUT_TEXT};

static int row(void *ctx, const struct obs *o, const struct batch *b,
               struct err *err)
{
    char year[16], id[24], when[32], value[40];
    (void)err;

    snprintf(year, sizeof(year), "%d", o->year);
    snprintf(id, sizeof(id), "%lld", (long long)b->id);
    cli_format_time(b->time, when, sizeof(when));
    fmt_double(value, sizeof(value), o->value);
    const char *cells[] = {
        year,      id,      when,  batch_kind_name(b->kind),
        b->origin, b->file, value, obs_status_name(o->status),
        o->source, o->note};
    out_row(ctx, cells);
    return 0;
}

struct hargs {
    const char *indicator, *economy;
    int y0, y1;
    enum out_format fmt;
    struct dim_pair dims[MAX_DIMS];
    size_t ndims;
};

static int parse(struct hargs *a, int argc, char **argv)
{
    const char *v;
    struct err err = {0};

    for (int i = 1; i < argc; i++) {
        int got;
        if ((got = cli_opt_value(argc, argv, &i, "--indicator", &v,
                                 "history")) > 0) {
            a->indicator = v;
        } else if (got == 0 && (got = cli_opt_value(argc, argv, &i, "--economy",
                                                    &v, "history")) > 0) {
            a->economy = v;
        } else if (got == 0 && (got = cli_opt_value(argc, argv, &i, "--years",
                                                    &v, "history")) > 0) {
            if (parse_year_range(v, &a->y0, &a->y1, &err) != 0) {
                return cli_usage_error("history", "%s", err.msg);
            }
        } else if (got == 0 && (got = cli_opt_value(argc, argv, &i, "--format",
                                                    &v, "history")) > 0) {
            if (out_format_parse(v, &a->fmt, &err) != 0) {
                return cli_usage_error("history", "%s", err.msg);
            }
        } else if (got == 0 && strncmp(argv[i], "--", 2) == 0 && argv[i][2] &&
                   i + 1 < argc && a->ndims < MAX_DIMS) {
            a->dims[a->ndims].dim = argv[i] + 2;
            a->dims[a->ndims].dim_len = strlen(argv[i] + 2);
            a->dims[a->ndims].value = argv[i + 1];
            a->dims[a->ndims].value_len = strlen(argv[i + 1]);
            a->ndims++;
            i++;
            got = 1;
        }
        if (got < 0) {
            return EXIT_USAGE;
        }
        if (got == 0) {
            return cli_usage_error("history", "unknown argument '%s'", argv[i]);
        }
    }
    if (!a->indicator || !a->economy || a->y0 == 0) {
        return cli_usage_error("history",
                               "--indicator, --economy and --years are "
                               "required");
    }
    return EXIT_OK;
}

int cmd_history(int argc, char **argv, struct cli_ctx *ctx)
{
    struct hargs a = {.fmt = out_format_default()};
    struct err err = {0};
    struct buf key;
    struct store *s;
    struct out o;
    int status;

    if (cli_wants_help(argc, argv)) {
        fputs(history_help, stdout);
        return EXIT_OK;
    }
    status = parse(&a, argc, argv);
    if (status != EXIT_OK) {
        return status;
    }
    buf_init(&key);
    if (dims_canon(a.dims, a.ndims, &key, &err) != 0) {
        buf_cleanup(&key);
        return cli_usage_error("history", "%s", err.msg);
    }
    s = cli_store_open(ctx, STORE_OPEN_READONLY, &status);
    if (!s) {
        buf_cleanup(&key);
        return status;
    }
    out_begin(&o, a.fmt, stdout, cols, kinds, ARRAY_COUNT(cols));
    for (int y = a.y0; y <= a.y1 && status == EXIT_OK; y++) {
        if (store_obs_history(s, a.indicator, a.economy, y, buf_cstr(&key), row,
                              &o, &err) != 0) {
            status = cli_fail(&err);
        }
    }
    out_end(&o);
    buf_cleanup(&key);
    store_close(s);
    return status;
}
