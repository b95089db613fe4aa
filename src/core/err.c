/* Error filling and prefixing. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *err, int code, const char *fmt, ...)
{
    va_list ap;

    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

int err_prefix(struct err *err, const char *fmt, ...)
{
    char out[ERR_MSG_MAX];
    size_t n;
    size_t old_len = strnlen(err->msg, sizeof(err->msg) - 1);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(out, sizeof(out), fmt, ap);
    va_end(ap);
    /* Keep as much of both as fits; the message is cut, never overrun. */
    n = strlen(out);
    if (n + 2 < sizeof(out)) {
        memcpy(out + n, ": ", 2);
        n += 2;
        if (old_len > sizeof(out) - 1 - n) {
            old_len = sizeof(out) - 1 - n;
        }
        memcpy(out + n, err->msg, old_len);
        n += old_len;
    }
    out[n] = '\0';
    memcpy(err->msg, out, n + 1);
    return err->code;
}

void err_clear(struct err *err)
{
    err->code = ERR_OK;
    err->msg[0] = '\0';
}

const char *err_code_name(int code)
{
    static const char *const names[] = {
        "ok",           "invalid",       "parse error",
        "not found",    "conflict",      "limit",
        "i/o error",    "storage error", "internal error",
        "unauthorized", "forbidden",
    };
    if (code < 0 || (size_t)code >= ARRAY_COUNT(names)) {
        return "error";
    }
    return names[code];
}
