/* The command-line front end: one function per subcommand, a shared way to
 * report errors and to map them to exit statuses. cli/ is thin: it parses
 * arguments, calls lower layers and prints what they return. */
#ifndef ICTDEV_CLI_CLI_H
#define ICTDEV_CLI_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/err.h"

/* Exit statuses of every command. */
enum {
    EXIT_OK = 0,
    EXIT_INTERNAL = 1, /* the system failed: I/O, storage, a bug */
    EXIT_USAGE = 2,    /* bad input or bad usage */
};

/* Options shared by every command. */
struct cli_ctx {
    const char *db; /* --db PATH or ICTDEV_DB or "ictdev.db"; borrowed */
};

/* A subcommand: run gets argv with argv[0] = the command name. It returns
 * the process exit status. */
struct cli_command {
    const char *name;
    const char *summary; /* one line for `ictdev help` */
    int (*run)(int argc, char **argv, struct cli_ctx *ctx);
};

/* Print "ictdev: MESSAGE" to stderr and return the exit status for err's
 * code (EXIT_USAGE for bad input, EXIT_INTERNAL otherwise). */
int cli_fail(const struct err *err);

/* Print "ictdev CMD: MESSAGE" for a usage problem and a hint to run
 * --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Exit status for an error code. */
int cli_exit_status(int code);

/* True if argv holds -h or --help before any "--". */
bool cli_wants_help(int argc, char **argv);

/* The subcommands, one file each (cmd_NAME.c). */
int cmd_survey(int argc, char **argv, struct cli_ctx *ctx);
int cmd_serve(int argc, char **argv, struct cli_ctx *ctx);
int cmd_init(int argc, char **argv, struct cli_ctx *ctx);
int cmd_load(int argc, char **argv, struct cli_ctx *ctx);
int cmd_query(int argc, char **argv, struct cli_ctx *ctx);
int cmd_export(int argc, char **argv, struct cli_ctx *ctx);
int cmd_catalogue(int argc, char **argv, struct cli_ctx *ctx);
int cmd_economies(int argc, char **argv, struct cli_ctx *ctx);
int cmd_groups(int argc, char **argv, struct cli_ctx *ctx);
int cmd_history(int argc, char **argv, struct cli_ctx *ctx);
int cmd_summary(int argc, char **argv, struct cli_ctx *ctx);
int cmd_compute(int argc, char **argv, struct cli_ctx *ctx);
int cmd_aggregate(int argc, char **argv, struct cli_ctx *ctx);
int cmd_idi(int argc, char **argv, struct cli_ctx *ctx);
int cmd_afford(int argc, char **argv, struct cli_ctx *ctx);
int cmd_serve(int argc, char **argv, struct cli_ctx *ctx);
int cmd_user(int argc, char **argv, struct cli_ctx *ctx);
int cmd_token(int argc, char **argv, struct cli_ctx *ctx);
int cmd_questionnaire(int argc, char **argv, struct cli_ctx *ctx);
int cmd_submit(int argc, char **argv, struct cli_ctx *ctx);
int cmd_submission(int argc, char **argv, struct cli_ctx *ctx);
int cmd_submissions(int argc, char **argv, struct cli_ctx *ctx);
int cmd_audit(int argc, char **argv, struct cli_ctx *ctx);
int cmd_rules(int argc, char **argv, struct cli_ctx *ctx);
int cmd_backup(int argc, char **argv, struct cli_ctx *ctx);
int cmd_restore(int argc, char **argv, struct cli_ctx *ctx);

/* ictdev migrate (issue 6): copy an SQLite store into PostgreSQL. */
int cmd_migrate(int argc, char **argv, struct cli_ctx *ctx);
int cmd_plan(int argc, char **argv, struct cli_ctx *ctx);

#endif
