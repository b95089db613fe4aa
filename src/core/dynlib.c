/* Opening a shared library on first use (see dynlib.h). */
#include "dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

static void open_lib(struct dynlib *l)
{
    void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);

    if (h == NULL) {
        snprintf(l->error, sizeof(l->error),
                 "%s is missing (install the package %s): %s", l->soname,
                 l->package, dlerror());
        return;
    }
    for (size_t i = 0; i < l->count; i++) {
        *l->syms[i].slot = dlsym(h, l->syms[i].name);
        if (*l->syms[i].slot == NULL) {
            snprintf(l->error, sizeof(l->error),
                     "%s has no %s (a version too old?)", l->soname,
                     l->syms[i].name);
            return;
        }
    }
}

int dynlib_ready(struct dynlib *l, const char *what, struct err *err)
{
    pthread_mutex_lock(&l->mu);
    if (!l->tried) {
        open_lib(l);
        l->tried = true;
    }
    pthread_mutex_unlock(&l->mu);
    if (l->error[0] != '\0') {
        return err_set(err, ERR_IO, "%s: %s", what, l->error);
    }
    return 0;
}
