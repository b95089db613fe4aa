/* Fuzz target: query-string and path decoding on arbitrary bytes. */
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "http/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct query q;
    struct err err;
    char *path = NULL;
    char *segs[16];
    size_t n = 0;
    static const char *const known[] = {"indicator", "economy", "years", NULL};

    if (query_parse((const char *)data, size, &q, &err) == 0) {
        for (size_t i = 0; i < q.count; i++) {
            if (strlen(q.params[i].key) == 0) {
                __builtin_trap();
            }
        }
        (void)query_get(&q, "indicator");
        if (query_check_known(&q, known, &err) != 0 && err.code == 0) {
            __builtin_trap();
        }
        query_cleanup(&q);
    }
    if (query_decode((const char *)data, size, false, &path, &err) == 0) {
        if (path_split(path, segs, 16, &n, &err) == 0) {
            for (size_t i = 0; i < n; i++) {
                if (strcmp(segs[i], "..") == 0) {
                    __builtin_trap();
                }
            }
        }
        xfree(path);
    }
    return 0;
}
