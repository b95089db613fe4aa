/* ictdev summary: what is in the store. */
#include <string.h>

#include "../core/buf.h"
#include "cli.h"
#include "cliutil.h"

static const char summary_help[] =
    "Usage: ictdev summary [--format table|csv|json]\n"
    "\n"
    "Counts of what is in the store (economies, groups, memberships,\n"
    "indicators, dimension values, code map rows, values and revisions),\n"
    "the years covered and the last loads.\n";

static const char *const cols[] = {"item", "value"};

static void kv(struct out *o, const char *k, const char *v)
{
    const char *cells[] = {k, v};
    out_row(o, cells);
}

static void kv_int(struct out *o, const char *k, int64_t v)
{
    char s[32];

    snprintf(s, sizeof(s), "%lld", (long long)v);
    kv(o, k, s);
}

static int batch_row(void *ctx, const struct batch *b, struct err *err)
{
    struct out *o = ctx;
    char when[32];
    struct buf line;
    (void)err;

    cli_format_time(b->time, when, sizeof(when));
    buf_init(&line);
    buf_printf(&line, "batch %lld %s %s %s by %s: %lld revisions",
               (long long)b->id, when, batch_kind_name(b->kind),
               b->file[0] ? b->file : "-", b->origin, (long long)b->changed);
    kv(o, "load", line.data);
    buf_cleanup(&line);
    return 0;
}

int cmd_summary(int argc, char **argv, struct cli_ctx *ctx)
{
    enum out_format fmt = OUT_TABLE;
    struct store_counts c;
    struct err err = {0};
    struct store *s;
    struct out o;
    const char *v;
    char years[32];
    int status = EXIT_OK;

    if (cli_wants_help(argc, argv)) {
        fputs(summary_help, stdout);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        int got = cli_opt_value(argc, argv, &i, "--format", &v, "summary");
        if (got > 0 && out_format_parse(v, &fmt, &err) != 0) {
            return cli_usage_error("summary", "%s", err.msg);
        }
        if (got == 0) {
            return cli_usage_error("summary", "unknown argument '%s'", argv[i]);
        }
        if (got < 0) {
            return EXIT_USAGE;
        }
    }
    s = cli_store_open(ctx, STORE_OPEN_READONLY, &status);
    if (!s) {
        return status;
    }
    if (store_counts(s, &c, &err) != 0) {
        status = cli_fail(&err);
        store_close(s);
        return status;
    }
    out_begin(&o, fmt, stdout, cols, NULL, 2);
    kv(&o, "store", store_path(s));
    kv_int(&o, "economies", c.economies);
    kv_int(&o, "groups", c.groups);
    kv_int(&o, "memberships", c.memberships);
    kv_int(&o, "indicators", c.indicators);
    kv_int(&o, "dimension values", c.dimensions);
    kv_int(&o, "code map rows", c.code_map);
    kv_int(&o, "values (series keys)", c.series);
    kv_int(&o, "revisions", c.revisions);
    kv_int(&o, "batches", c.batches);
    kv_int(&o, "indicators with data", c.indicators_with_data);
    kv_int(&o, "economies with data", c.economies_with_data);
    if (c.year_min > 0) {
        snprintf(years, sizeof(years), "%d-%d", c.year_min, c.year_max);
    } else {
        snprintf(years, sizeof(years), "-");
    }
    kv(&o, "years", years);
    if (store_batch_list(s, 10, batch_row, &o, &err) != 0) {
        status = cli_fail(&err);
    }
    out_end(&o);
    store_close(s);
    return status;
}
