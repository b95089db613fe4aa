/* Shared libraries opened on first use (dlopen). ictdev links only what
 * every command needs; PostgreSQL's client, the HTTP server and the
 * spreadsheet libraries, with what they pull in (TLS, Kerberos, LDAP, ICU:
 * some thirty shared objects), are opened by the one module that uses each,
 * the first time it does. A command then starts in ~4 ms instead of ~19.
 *
 * A module lists the names it uses in an X-macro, keeps one pointer per
 * name in a struct (typed with __typeof__ of the library header's own
 * declaration: a function, or a variable such as libxml2's xmlFree), loads
 * them once with dynlib_load under pthread_once, and then #defines each
 * name to (*its pointer), so the rest of the file reads as if linked. */
#ifndef ICTDEV_CORE_DYNLIB_H
#define ICTDEV_CORE_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

/* One name to look up and where its address goes (the address of a
 * pointer field of the module's struct, cast to void **). */
struct dynlib_sym {
    const char *name;
    void **slot;
};

/* Open the library soname and store the address of every name into its
 * slot. On failure returns false with a one-line reason in msg (cap
 * bytes): the library is missing (install package) or lacks a name.
 * Thread-safe if the caller runs it once (pthread_once). */
bool dynlib_load(const char *soname, const char *package,
                 const struct dynlib_sym *syms, size_t n, char *msg,
                 size_t cap);

#endif
