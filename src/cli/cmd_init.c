/* ictdev init [--empty]: create or upgrade the store, load the reference
 * data and (unless --empty) the bundled observations. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../compute/compute.h"
#include "../core/buf.h"
#include "../core/mem.h"
#include "cli.h"
#include "cliutil.h"

static const char init_help[] =
    "Usage: ictdev init [--empty]\n"
    "\n"
    "Create the store (or upgrade an older one), load the reference data of\n"
    "data/ (economies, groups and memberships by year, dimensions, the\n"
    "indicator catalogue, the code map) and, unless --empty, every bundled\n"
    "observation file of data/observations/ (World Bank and Gapminder files\n"
    "first, then ITU's, so that ITU's own figures are the current values\n"
    "where both publish a series). Running it again changes nothing unless\n"
    "the files changed. data/ is $ICTDEV_DATA, or ../data next to the\n"
    "binary, or ./data.\n"
    "\n"
    "Options:\n"
    "  --empty     reference data only, no observations\n"
    "  --db PATH   the store (default $ICTDEV_DB or ./ictdev.db)\n";

static int name_cmp(const void *a, const void *b)
{
    const char *x = *(char *const *)a;
    const char *y = *(char *const *)b;
    /* Publisher rank: others first, ITU ("itu_*") last. */
    int rx = strncmp(x, "itu_", 4) == 0;
    int ry = strncmp(y, "itu_", 4) == 0;

    if (rx != ry) {
        return rx - ry;
    }
    return strcmp(x, y);
}

/* The *.csv files of dir/observations in load order; owned list. */
static size_t observation_files(const char *dir, char ***out)
{
    struct buf path;
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;

    buf_init(&path);
    buf_printf(&path, "%s/observations", dir);
    d = opendir(path.data);
    while (d && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".csv") == 0) {
            names = xreallocarray(names, n + 1, sizeof(char *));
            names[n++] = xstrdup(e->d_name);
        }
    }
    if (d) {
        closedir(d);
    }
    qsort(names, n, sizeof(char *), name_cmp);
    for (size_t i = 0; i < n; i++) {
        struct buf full;
        buf_init(&full);
        buf_printf(&full, "%s/%s", path.data, names[i]);
        xfree(names[i]);
        names[i] = buf_detach(&full);
    }
    buf_cleanup(&path);
    *out = names;
    return n;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) +
           (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int load_observations(struct store *s, const char *dir)
{
    struct load_options opt = {.origin = "ictdev init",
                               .progress = true,
                               .skip_loaded = true,
                               .time = cli_now()};
    struct err err = {0};
    struct loader *l = loader_new(s, &err);
    char **files = NULL;
    size_t n;
    int status;

    if (!l) {
        return cli_fail(&err);
    }
    n = observation_files(dir, &files);
    status = cli_load_paths(s, l, files, n, &opt);
    cli_free_list(files, n);
    loader_free(l);
    return status;
}

/* The catalogue's formulas must parse, name known indicators, functions
 * and dimensions and make no cycle: checked before the reference data is
 * committed, so a bad catalogue is rejected as a whole. */
static int check_catalogue(void *ctx, struct store *s, struct err *err)
{
    (void)ctx;
    return compute_check_store(s, err);
}

int cmd_init(int argc, char **argv, struct cli_ctx *ctx)
{
    bool empty = false;
    struct store *s;
    struct load_ref_counts rc;
    struct err err = {0};
    struct timespec t0;
    char *dir;
    int status = EXIT_OK;

    if (cli_wants_help(argc, argv)) {
        fputs(init_help, stdout);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--empty") == 0) {
            empty = true;
        } else {
            return cli_usage_error("init", "unknown argument '%s'", argv[i]);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    s = cli_store_open(ctx, STORE_OPEN_CREATE, &status);
    if (!s) {
        return status;
    }
    dir = cli_data_dir();
    if (load_reference_checked(s, dir, check_catalogue, NULL, &rc, &err) != 0) {
        status = cli_fail(&err);
        goto out;
    }
    printf("reference data from %s: %lld economies, %lld groups, %lld "
           "memberships, %lld dimension values, %lld indicators, %lld code "
           "map rows\n",
           dir, (long long)rc.economies, (long long)rc.groups,
           (long long)rc.memberships, (long long)rc.dimensions,
           (long long)rc.indicators, (long long)rc.code_map);
    if (!empty) {
        status = load_observations(s, dir);
    }
    if (status == EXIT_OK) {
        printf("store %s ready in %.1f s\n", ctx->db, seconds_since(&t0));
    }
out:
    xfree(dir);
    store_close(s);
    return status;
}
