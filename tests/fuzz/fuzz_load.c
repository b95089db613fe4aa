/* Fuzz target: the observation loader (header detection, code resolution,
 * value, year and dimension checks) on arbitrary files, as dry runs into
 * an in-memory store with a small catalogue. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "load/load.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *store;
static struct loader *loader;

static void must(int rc, const struct err *err)
{
    if (rc != 0) {
        fprintf(stderr, "fuzz_load setup: %s\n", err->msg);
        abort();
    }
}

static void setup(void)
{
    struct err err = {0};
    const char *ecos[] = {"KEN", "USA", "XKX"};

    store = store_open(":memory:", STORE_OPEN_CREATE, &err);
    if (!store) {
        must(1, &err);
    }
    must(store_begin(store, &err), &err);
    for (size_t i = 0; i < 3; i++) {
        struct economy e = {.code = ecos[i], .name = ecos[i]};
        must(store_economy_put(store, &e, &err), &err);
    }
    struct group g = {.code = "LDC", .name = "LDC"};
    must(store_group_put(store, &g, &err), &err);
    struct indicator i1 = {.code = "i99H", .name = "x", .dims = "sex;age"};
    struct indicator i2 = {.code = "pop", .name = "y"};
    must(store_indicator_put(store, &i1, &err), &err);
    must(store_indicator_put(store, &i2, &err), &err);
    struct dimension_value d1 = {.dimension = "sex", .value = "F"};
    struct dimension_value d2 = {.dimension = "age", .value = "15-24"};
    must(store_dimension_put(store, &d1, &err), &err);
    must(store_dimension_put(store, &d2, &err), &err);
    struct code_map_entry m1 = {.source = "itu",
                                .kind = CODE_MAP_ECONOMY,
                                .source_code = "KSO",
                                .target = "XKX"};
    struct code_map_entry m2 = {.source = "wdi",
                                .kind = CODE_MAP_SKIP_ECONOMY,
                                .source_code = "WLD",
                                .target = ""};
    struct code_map_entry m3 = {.source = "wdi",
                                .kind = CODE_MAP_INDICATOR,
                                .source_code = "SP.POP.TOTL",
                                .target = "pop"};
    must(store_code_map_put(store, &m1, &err), &err);
    must(store_code_map_put(store, &m2, &err), &err);
    must(store_code_map_put(store, &m3, &err), &err);
    must(store_commit(store, &err), &err);
    loader = loader_new(store, &err);
    if (!loader) {
        must(1, &err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/ictdev-fuzz-load-XXXXXX";
    struct load_options opt = {.dry_run = true};
    struct load_result res = {0};
    struct err err = {0};
    int fd;

    if (!store) {
        setup();
    }
    fd = mkstemp(path);
    if (fd < 0) {
        return 0;
    }
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    if (load_file(loader, path, &opt, &res, &err) == 0 &&
        res.error_count != 0) {
        abort(); /* success must mean no problems */
    }
    load_result_cleanup(&res);
    unlink(path);
    return 0;
}
