/* Fuzz target: the IDI parameter file parser, then scoring with what it
 * accepted (goalposts and weights from outside input must never crash or
 * give a score outside 0..100). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "compute/idi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct idi_params p;
    struct idi_score s;
    struct err err;
    double raw[IDI_MAX_INDICATORS];

    if (idi_params_parse(&p, (const char *)data, size, "fuzz", &err) != 0) {
        return 0;
    }
    for (size_t i = 0; i < p.count; i++) {
        raw[i] = p.ind[i].best * 0.5 + p.ind[i].worst * 0.5;
    }
    idi_score(&p, raw, &s);
    if (!isnan(s.idi) && (s.idi < -1e-9 || s.idi > 100 + 1e-9)) {
        abort();
    }
    return 0;
}
