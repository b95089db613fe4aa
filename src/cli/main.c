/* ictdev entry point: global options, then dispatch to a subcommand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ICTDEV_VERSION "0.1.0"

static int cmd_version(int argc, char **argv, struct cli_ctx *ctx)
{
    (void)argc;
    (void)argv;
    (void)ctx;
    printf("ictdev %s\n", ICTDEV_VERSION);
    return EXIT_OK;
}

static const struct cli_command commands[] = {
    {"version", "print the version", cmd_version},
    {"survey", "estimates with standard errors from survey microdata",
     cmd_survey},
    {"init", "create the store and load the bundled data", cmd_init},
    {"load", "load observation CSV files (one batch each)", cmd_load},
    {"query", "current or as-of values as a table, CSV or JSON", cmd_query},
    {"export", "values as long CSV that load reads back", cmd_export},
    {"catalogue", "list, search or show indicators", cmd_catalogue},
    {"economies", "list economies and their regions", cmd_economies},
    {"groups", "list groups, or the members of one", cmd_groups},
    {"history", "every revision of one value", cmd_history},
    {"summary", "what is in the store", cmd_summary},
    {"compute", "derived indicators and group aggregates", cmd_compute},
    {"aggregate", "one indicator aggregated over one group", cmd_aggregate},
    {"idi", "ICT Development Index (2023 methodology)", cmd_idi},
    {"afford", "price baskets as % of GNI per capita, 2% target", cmd_afford},
    {"serve", "serve the HTTP API and web portal", cmd_serve},
    {"migrate", "copy an SQLite store into PostgreSQL, verified", cmd_migrate},
    {"user", "add, list, change or disable users", cmd_user},
    {"token", "create an API token for a user", cmd_token},
    {"questionnaire", "write an economy's questionnaire (.xlsx)",
     cmd_questionnaire},
    {"submit", "upload a questionnaire or CSV as a draft", cmd_submit},
    {"submission", "show, submit, approve, return or comment", cmd_submission},
    {"submissions", "list submissions (by state)", cmd_submissions},
    {"audit", "query the audit log", cmd_audit},
    {"rules", "list or reload the validation rules", cmd_rules},
    {"backup", "copy the store to a file (online backup)", cmd_backup},
    {"restore", "replace the store with a backup", cmd_restore},
    {"plan", "the results framework: KPIs, progress, links, report, IATI",
     cmd_plan},
};

static void print_help(FILE *out)
{
    fprintf(out,
            "ictdev %s - ICT development statistics (ITU-D Kigali "
            "Action Plan)\n\n",
            ICTDEV_VERSION);
    fprintf(out, "Usage: ictdev [--db PATH] COMMAND [OPTIONS]\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\nEvery command takes --help. The store is --db PATH, or "
                 "$ICTDEV_DB, or ./ictdev.db.\n"
                 "Exit status: 0 success, 1 internal error, 2 bad input or "
                 "usage.\n");
}

/* Take "--db PATH" / "--db=PATH" out of argv wherever it stands, so each
 * command sees only its own options. */
static int take_db_option(int *argc, char **argv, struct cli_ctx *ctx)
{
    int out = 0;

    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "ictdev: --db needs a path\n");
                return -1;
            }
            ctx->db = argv[++i];
            continue;
        }
        if (strncmp(argv[i], "--db=", 5) == 0) {
            ctx->db = argv[i] + 5;
            continue;
        }
        argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}

int main(int argc, char **argv)
{
    struct cli_ctx ctx = {0};
    const char *env = getenv("ICTDEV_DB");

    ctx.db = env && env[0] ? env : "ictdev.db";
    argc--;
    argv++;
    if (take_db_option(&argc, argv, &ctx) != 0) {
        return EXIT_USAGE;
    }
    if (argc == 0) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "--help") == 0 ||
        strcmp(argv[0], "-h") == 0) {
        print_help(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[0], "--version") == 0) {
        return cmd_version(argc, argv, &ctx);
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[0], commands[i].name) == 0) {
            return commands[i].run(argc, argv, &ctx);
        }
    }
    fprintf(stderr, "ictdev: unknown command '%s'. Run 'ictdev help'.\n",
            argv[0]);
    return EXIT_USAGE;
}
