/* ictdev load FILE... : load observation files, one batch each. */
#include <string.h>

#include "../core/mem.h"
#include "cli.h"
#include "cliutil.h"

static const char load_help[] =
    "Usage: ictdev load FILE... [--layout long|wide] [--dry-run]\n"
    "\n"
    "Load observation CSV files into the store, each file as one batch (one\n"
    "transaction: a file with any problem writes nothing). Values equal to\n"
    "the current ones add nothing; changed values add a revision.\n"
    "\n"
    "Long layout: economy,indicator,year,value[,<dimension columns>]\n"
    "             [,status,source,note]\n"
    "Wide layout: economy,indicator[,...],<one column per year>\n"
    "The ITU DataHub, World Bank WDI and Gapminder files load as published\n"
    "(column aliases and the code map; see README.md). FILE '-' is stdin.\n"
    "\n"
    "Options:\n"
    "  --layout long|wide  do not detect the layout from the header\n"
    "  --dry-run           check and count only; write nothing\n"
    "  --db PATH           the store (default $ICTDEV_DB or ./ictdev.db)\n"
    "\n"
    "Problems are listed as FILE:LINE:COLUMN: message (the first 50, then a\n"
    "count); the exit status is then 2.\n";

static void print_problems(const struct load_result *r)
{
    for (size_t i = 0; i < r->problem_count; i++) {
        fprintf(stderr, "%s\n", r->problems[i]);
    }
    if (r->error_count > (int64_t)r->problem_count) {
        fprintf(stderr, "... and %lld more problems\n",
                (long long)(r->error_count - (int64_t)r->problem_count));
    }
}

static void print_result(const char *path, const struct load_result *r,
                         bool dry_run)
{
    printf("%s: %lld rows, %lld values (%s layout", path, (long long)r->rows,
           (long long)r->values, r->layout);
    if (r->source[0]) {
        printf(", %s codes", r->source);
    }
    printf("): ");
    if (dry_run) {
        printf("dry run, %lld would change, %lld unchanged",
               (long long)r->changed, (long long)r->unchanged);
    } else {
        printf("%lld new revisions, %lld unchanged", (long long)r->changed,
               (long long)r->unchanged);
    }
    if (r->skipped > 0) {
        printf(", %lld rows of aggregates skipped", (long long)r->skipped);
    }
    if (r->blank > 0) {
        printf(", %lld empty cells", (long long)r->blank);
    }
    if (r->batch > 0) {
        printf(" (batch %lld)", (long long)r->batch);
    } else if (!dry_run) {
        printf(" (no change, no batch)");
    }
    printf("\n");
}

int cli_load_paths(struct store *s, struct loader *l, char *const *paths,
                   size_t count, const struct load_options *opt)
{
    int status = EXIT_OK;

    (void)s;
    for (size_t i = 0; i < count; i++) {
        struct load_result r = {0};
        struct err err = {0};
        int rc = load_file(l, paths[i], opt, &r, &err);
        if (rc == 0 && r.loaded_batch > 0) {
            printf("%s: loaded before (batch %lld, same SHA-256), skipped\n",
                   paths[i], (long long)r.loaded_batch);
        } else if (rc == 0) {
            print_result(paths[i], &r, opt->dry_run);
        } else {
            print_problems(&r);
            status = cli_fail(&err);
        }
        load_result_cleanup(&r);
        if (status == EXIT_INTERNAL) {
            break;
        }
    }
    fflush(stdout);
    return status;
}

int cmd_load(int argc, char **argv, struct cli_ctx *ctx)
{
    struct load_options opt = {.origin = cli_origin(), .progress = true};
    char **paths = xcalloc((size_t)argc, sizeof(char *));
    size_t n = 0;
    const char *v;
    struct err err = {0};
    struct store *s = NULL;
    struct loader *l = NULL;
    int status = EXIT_USAGE;

    if (cli_wants_help(argc, argv)) {
        fputs(load_help, stdout);
        xfree(paths);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        int got = cli_opt_value(argc, argv, &i, "--layout", &v, "load");
        if (got < 0) {
            goto out;
        }
        if (got > 0) {
            if (load_layout_parse(v, &opt.layout, &err) != 0) {
                status = cli_usage_error("load", "%s", err.msg);
                goto out;
            }
        } else if (strcmp(argv[i], "--dry-run") == 0) {
            opt.dry_run = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            status = cli_usage_error("load", "unknown option '%s'", argv[i]);
            goto out;
        } else {
            paths[n++] = argv[i];
        }
    }
    if (n == 0) {
        status = cli_usage_error("load", "no FILE given");
        goto out;
    }
    opt.time = cli_now();
    s = cli_store_open(ctx, 0, &status);
    if (!s) {
        goto out;
    }
    l = loader_new(s, &err);
    if (!l) {
        status = cli_fail(&err);
        goto out;
    }
    status = cli_load_paths(s, l, paths, n, &opt);
out:
    loader_free(l);
    store_close(s);
    xfree(paths);
    return status;
}
