/* Fuzz target: the CSV reader on arbitrary bytes. */
#include <stdint.h>

#include "io/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_reader *r = csv_open_mem((const char *)data, size, "fuzz");
    struct csv_record rec;
    struct err err;
    size_t total = 0;

    while (csv_next(r, &rec, &err) == 0 && rec.count > 0) {
        for (size_t i = 0; i < rec.count; i++) {
            total += rec.fields[i].len;
        }
    }
    csv_close(r);
    return total > size ? 1 : 0;
}
