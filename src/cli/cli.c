/* Shared CLI helpers: error reporting and exit statuses. */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

int cli_exit_status(int code)
{
    switch (code) {
    case ERR_OK:
        return EXIT_OK;
    case ERR_INVALID:
    case ERR_PARSE:
    case ERR_NOT_FOUND:
    case ERR_CONFLICT:
    case ERR_LIMIT:
    case ERR_AUTH:
    case ERR_FORBIDDEN:
        return EXIT_USAGE;
    default:
        return EXIT_INTERNAL;
    }
}

int cli_fail(const struct err *err)
{
    fprintf(stderr, "ictdev: %s\n", err->msg[0] ? err->msg : "failed");
    return cli_exit_status(err->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "ictdev %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'ictdev %s --help' for usage.\n", cmd);
    return EXIT_USAGE;
}

bool cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            return false;
        }
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            return true;
        }
    }
    return false;
}
