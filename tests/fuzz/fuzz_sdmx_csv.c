/* Fuzz target: the SDMX-CSV reader on arbitrary bytes. */
#include <stdint.h>
#include <string.h>

#include "io/sdmx_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_obs(void *ctx, const struct sdmx_obs *o, struct err *err)
{
    size_t *n = ctx;
    (void)err;
    *n += strlen(o->economy) + strlen(o->indicator) + o->dim_count;
    for (size_t i = 0; i < o->dim_count; i++) {
        *n += strlen(o->dims[i].name) + strlen(o->dims[i].value);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_reader *r = csv_open_mem((const char *)data, size, "fuzz");
    struct err err;
    size_t n = 0;

    (void)sdmx_csv_sniff((const char *)data, size);
    if (sdmx_csv_read(r, count_obs, &n, &err) != 0) {
        n = 0;
    }
    csv_close(r);
    return 0;
}
