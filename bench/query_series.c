/* bench helper: CPU time of single-series queries on a store. Usage:
 * query_series DB INDICATOR ECONOMY N. Prints microseconds of CPU per
 * query. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "store/store.h"

static int count_row(void *ctx, const struct obs *o, struct err *err)
{
    (void)o;
    (void)err;
    (*(long *)ctx)++;
    return 0;
}

int main(int argc, char **argv)
{
    struct err err = {0};
    struct store *s;
    struct timespec t0, t1;
    long rows = 0;
    long n;

    if (argc != 5) {
        fprintf(stderr, "usage: query_series DB INDICATOR ECONOMY N\n");
        return 2;
    }
    n = strtol(argv[4], NULL, 10);
    s = store_open(argv[1], STORE_OPEN_READONLY, &err);
    if (!s) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    const char *ind[] = {argv[2]};
    const char *eco[] = {argv[3]};
    struct store_obs_query q = {.indicators = ind,
                                .indicator_count = 1,
                                .economies = eco,
                                .economy_count = 1};
    /* The first query loads the code caches: not timed. */
    if (store_obs_query(s, &q, count_row, &rows, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    rows = 0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (long i = 0; i < n; i++) {
        if (store_obs_query(s, &q, count_row, &rows, &err) != 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    printf("%.1f us CPU per query (%ld rows each)\n",
           ((double)(t1.tv_sec - t0.tv_sec) * 1e6 +
            (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) /
               (double)n,
           rows / n);
    store_close(s);
    return 0;
}
