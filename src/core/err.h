/* One error type for the whole program: a code and a one-line message.
 * Lower layers fill it and return the code; only cli/ and http/ turn it into
 * an exit status or an HTTP status. */
#ifndef ICTDEV_CORE_ERR_H
#define ICTDEV_CORE_ERR_H

#include "compiler.h"

enum err_code {
    ERR_OK = 0,
    ERR_INVALID,   /* bad input from a user: a value, a flag, a file */
    ERR_PARSE,     /* text that does not follow its grammar */
    ERR_NOT_FOUND, /* an unknown code or a missing file */
    ERR_CONFLICT,  /* a state that forbids the action */
    ERR_LIMIT,     /* input larger than a limit in core/limits.h */
    ERR_IO,        /* the operating system failed a read or write */
    ERR_STORAGE,   /* the database failed */
    ERR_INTERNAL,  /* a bug */
    ERR_AUTH,      /* no credentials or wrong credentials */
    ERR_FORBIDDEN, /* credentials do not allow the action */
};

#define ERR_MSG_MAX 512

struct err {
    int code;              /* enum err_code; 0 = no error */
    char msg[ERR_MSG_MAX]; /* one line, no trailing newline */
};

/* Fill err with code and a printf-formatted message; returns code, so a
 * failing function can `return err_set(...)`. Cannot fail (truncates). */
int err_set(struct err *err, int code, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Prepend "context: " to err->msg, keeping the code; returns err->code. */
int err_prefix(struct err *err, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Reset err to no error. Cannot fail. */
void err_clear(struct err *err);

/* A short lowercase name for a code ("invalid", "not found"). Borrowed,
 * static storage. */
const char *err_code_name(int code);

#endif
