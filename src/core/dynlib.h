/* Shared libraries opened on first use (dlopen). ictdev links only what
 * every command needs; PostgreSQL's client, the HTTP server and the
 * spreadsheet libraries, with what they pull in (TLS, Kerberos, LDAP, ICU:
 * some thirty shared objects), are opened by the one module that uses each,
 * the first time it does. A command then starts in ~4 ms instead of ~19.
 *
 * A module lists the names it uses in an X-macro, keeps one pointer per
 * name in a struct (DYNLIB_FIELD: typed with __typeof__ of the library
 * header's own declaration, a function or a variable such as libxml2's
 * xmlFree), describes the library with a struct dynlib, calls dynlib_ready
 * before the first use, and #defines each name to (*its pointer), so the
 * rest of the file reads as if linked. */
#ifndef ICTDEV_CORE_DYNLIB_H
#define ICTDEV_CORE_DYNLIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "err.h"

/* One name to look up and where its address goes (the address of a
 * pointer field of the module's struct, cast to void **). */
struct dynlib_sym {
    const char *name;
    void **slot;
};

/* A field of the module's struct of pointers, for its X-macro. */
#define DYNLIB_FIELD(name) __typeof__(name) *name;

/* One library: fill with DYNLIB_INIT; the rest is dynlib_ready's. */
struct dynlib {
    const char *soname;  /* "libpq.so.5" */
    const char *package; /* the Debian package that has it: "libpq5" */
    const struct dynlib_sym *syms;
    size_t count;
    pthread_mutex_t mu;
    bool tried;
    char error[256]; /* why it could not be opened; "" = opened */
};
#define DYNLIB_INIT(soname, package, syms)                                     \
    {                                                                          \
        (soname), (package), (syms), sizeof(syms) / sizeof((syms)[0]),         \
            PTHREAD_MUTEX_INITIALIZER, false, ""                               \
    }

/* Open l (once; later calls give the first call's outcome) and store the
 * address of every name into its slot. ERR_IO "WHAT: SONAME is missing
 * (install the package PACKAGE): ..." or "... has no NAME". Thread-safe. */
int dynlib_ready(struct dynlib *l, const char *what,
                 struct err *err) WARN_UNUSED_RESULT;

#endif
