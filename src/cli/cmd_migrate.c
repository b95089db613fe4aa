/* ictdev migrate --from sqlite:FILE --to postgresql://...: copy a whole
 * store into a new PostgreSQL store and verify the copy. */
#include <string.h>

#include "../core/progress.h"
#include "../store/store.h"
#include "cli.h"
#include "cliutil.h"

static const char migrate_help[] =
    "Usage: ictdev migrate --from sqlite:FILE --to postgresql://...\n"
    "\n"
    "Copy a whole store (reference data, every batch and every revision, with\n"
    "their ids and times) from an SQLite file into a PostgreSQL database, in\n"
    "one transaction. The target must hold no ictdev data yet (it is\n"
    "created, or an empty store made by 'ictdev init --empty' is refused).\n"
    "The copy is then read back and verified: each table's row count and\n"
    "checksum must equal the source's; the table of figures is printed.\n"
    "\n"
    "Options:\n"
    "  --from SOURCE   sqlite:FILE or FILE (default: --db, $ICTDEV_DB)\n"
    "  --to URI        postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?...]\n";

static void on_progress(void *ctx, const char *table, int64_t rows)
{
    struct progress *p = ctx;

    p->label = table;
    progress_update(p, (uint64_t)rows);
}

int cmd_migrate(int argc, char **argv, struct cli_ctx *ctx)
{
    const char *from_path = ctx->db;
    const char *to_path = NULL;
    struct store *from = NULL, *to = NULL;
    struct store_copy_report rep;
    struct progress bar;
    struct err err = {0};
    int status = EXIT_OK;

    if (cli_wants_help(argc, argv)) {
        fputs(migrate_help, stdout);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        int r;
        if ((r = cli_opt_value(argc, argv, &i, "--from", &from_path,
                               "migrate")) != 0 ||
            (r = cli_opt_value(argc, argv, &i, "--to", &to_path, "migrate")) !=
                0) {
            if (r < 0) {
                return EXIT_USAGE;
            }
            continue;
        }
        return cli_usage_error("migrate", "unknown argument '%s'", argv[i]);
    }
    if (strncmp(from_path, "sqlite:", 7) == 0) {
        from_path += 7;
    }
    if (!to_path) {
        return cli_usage_error("migrate", "--to postgresql://... is required");
    }
    if (!store_path_is_pg(to_path)) {
        return cli_usage_error("migrate",
                               "--to must be a postgresql:// or postgres:// "
                               "URI, not '%s'",
                               to_path);
    }
    if (store_path_is_pg(from_path)) {
        return cli_usage_error("migrate", "--from must be an SQLite store");
    }
    from = store_open(from_path, STORE_OPEN_READONLY, &err);
    if (!from) {
        return cli_fail(&err);
    }
    to = store_open(to_path, STORE_OPEN_CREATE, &err);
    if (!to) {
        store_close(from);
        return cli_fail(&err);
    }
    progress_start(&bar, "copying", 0);
    if (store_copy(from, to, &rep, on_progress, &bar, &err) != 0) {
        progress_finish(&bar);
        status = cli_fail(&err);
        goto out;
    }
    progress_finish(&bar);
    printf("%-18s %10s  %-16s  %s\n", "table", "rows", "checksum", "copy");
    for (size_t i = 0; i < rep.table_count; i++) {
        printf("%-18s %10lld  %016llx  %s\n", rep.from[i].name,
               (long long)rep.from[i].rows,
               (unsigned long long)rep.from[i].checksum,
               rep.to[i].rows == rep.from[i].rows &&
                       rep.to[i].checksum == rep.from[i].checksum
                   ? "same"
                   : "DIFFERENT");
    }
    printf("copied %s to %s: verified\n", store_path(from), store_path(to));
out:
    store_close(from);
    store_close(to);
    return status;
}
