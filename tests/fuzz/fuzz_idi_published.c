/* Fuzz target: the reader of published IDI tables (idi --compare) on
 * arbitrary bytes: every score it accepts is within 0..100 and every code
 * is a code. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compute/idi.h"
#include "core/mem.h"
#include "core/strparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct idi_published *p = NULL;
    size_t n = 0;
    struct err err;

    if (idi_published_parse((const char *)data, size, "fuzz", &p, &n, &err) !=
        0) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(p[i].idi >= 0 && p[i].idi <= 100) ||
            !code_valid(p[i].code, strlen(p[i].code))) {
            abort();
        }
    }
    xfree(p);
    return 0;
}
