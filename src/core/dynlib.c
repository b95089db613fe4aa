/* Opening a shared library on first use (see dynlib.h). */
#include "dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

bool dynlib_load(const char *soname, const char *package,
                 const struct dynlib_sym *syms, size_t n, char *msg, size_t cap)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

    if (h == NULL) {
        snprintf(msg, cap, "%s is missing (install the package %s): %s", soname,
                 package, dlerror());
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        *syms[i].slot = dlsym(h, syms[i].name);
        if (*syms[i].slot == NULL) {
            snprintf(msg, cap, "%s has no %s (a version too old?)", soname,
                     syms[i].name);
            return false;
        }
    }
    return true;
}
