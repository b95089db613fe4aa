/* ictdev catalogue [--search WORDS | CODE]: the indicator catalogue. */
#include <string.h>

#include "cli.h"
#include "cliutil.h"

static const char catalogue_help[] =
    "Usage: ictdev catalogue [--search WORDS | CODE] [--format "
    "table|csv|json]\n"
    "\n"
    "List the indicators (code, name, unit, kind, dimensions), only those\n"
    "whose code, name, definition, unit or SDG link contain every word of\n"
    "WORDS, or show every field of the indicator CODE.\n";

static const char *const list_cols[] = {"code", "name", "unit", "kind",
                                        "dimensions"};

static int list_row(void *ctx, const struct indicator *ind, struct err *err)
{
    const char *cells[] = {ind->code, ind->name, ind->unit, ind->kind,
                           ind->dims};
    (void)err;

    out_row(ctx, cells);
    return 0;
}

static const char *const detail_cols[] = {
    "code",       "name", "definition",        "unit",    "kind", "collection",
    "dimensions", "sdg",  "source_instrument", "formula", "agg",  "weight",
    "verified"};

static int detail(void *ctx, const struct indicator *ind, struct err *err)
{
    enum out_format fmt = *(enum out_format *)ctx;
    const char *vals[] = {ind->code,
                          ind->name,
                          ind->definition,
                          ind->unit,
                          ind->kind,
                          ind->collection,
                          ind->dims,
                          ind->sdg,
                          ind->source_instrument,
                          ind->formula,
                          ind->agg,
                          ind->weight,
                          ind->verified ? "1" : "0"};
    struct out o;
    (void)err;

    if (fmt == OUT_TABLE) {
        static const char *const kv[] = {"field", "value"};
        out_begin(&o, fmt, stdout, kv, NULL, 2);
        for (size_t i = 0; i < ARRAY_COUNT(vals); i++) {
            const char *cells[] = {detail_cols[i], vals[i]};
            out_row(&o, cells);
        }
    } else {
        out_begin(&o, fmt, stdout, detail_cols, NULL, ARRAY_COUNT(vals));
        out_row(&o, vals);
    }
    out_end(&o);
    return 0;
}

int cmd_catalogue(int argc, char **argv, struct cli_ctx *ctx)
{
    enum out_format fmt = out_format_default();
    const char *words = NULL;
    const char *code = NULL;
    const char *v;
    struct err err = {0};
    struct store *s;
    struct out o;
    int status = EXIT_OK;

    if (cli_wants_help(argc, argv)) {
        fputs(catalogue_help, stdout);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        int got = cli_opt_value(argc, argv, &i, "--search", &v, "catalogue");
        if (got == 0) {
            got = cli_opt_value(argc, argv, &i, "--format", &v, "catalogue");
            if (got > 0 && out_format_parse(v, &fmt, &err) != 0) {
                return cli_usage_error("catalogue", "%s", err.msg);
            }
        } else if (got > 0) {
            words = v;
        }
        if (got < 0) {
            return EXIT_USAGE;
        }
        if (got == 0 && (argv[i][0] == '-' || code)) {
            return cli_usage_error("catalogue", "unknown argument '%s'",
                                   argv[i]);
        }
        if (got == 0) {
            code = argv[i];
        }
    }
    if (code && words) {
        return cli_usage_error("catalogue", "give --search or CODE, not both");
    }
    s = cli_store_open(ctx, STORE_OPEN_READONLY, &status);
    if (!s) {
        return status;
    }
    if (code) {
        if (store_indicator_get(s, code, detail, &fmt, &err) != 0) {
            status = cli_fail(&err);
        }
    } else {
        out_begin(&o, fmt, stdout, list_cols, NULL, ARRAY_COUNT(list_cols));
        if (store_indicator_list(s, words, list_row, &o, &err) != 0) {
            status = cli_fail(&err);
        }
        out_end(&o);
    }
    store_close(s);
    return status;
}
