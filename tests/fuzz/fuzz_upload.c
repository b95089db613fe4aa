/* Fuzz target: everything an upload goes through before validation
 * (format detection, .xlsx questionnaire, long CSV, SDMX-CSV). */
#include <stdint.h>

#include "collect/values.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct values v;
    struct err err;

    values_init(&v);
    if (values_parse((const char *)data, size, "fuzz", &v, &err) == 0) {
        for (size_t i = 0; i < v.count; i++) {
            (void)values_find(&v, v.items[i].indicator, v.items[i].dims,
                              v.items[i].year);
        }
    }
    values_cleanup(&v);
    return 0;
}
