/* Benchmark data for bench/survey: N individual rows of a stratified
 * cluster sample (500 strata, ~25 rows per PSU), written as CSV to stdout.
 * Usage: survey-gen N [SEED]. Deterministic for a seed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state = 88172645463325252ULL;

static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static double unif(void)
{
    return (double)(next() >> 11) * (1.0 / 9007199254740992.0);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    long psu = 0;
    long row = 0;
    char buf[1 << 16];

    if (argc > 2) {
        state ^= (uint64_t)strtoull(argv[2], NULL, 10) * 2654435761u;
    }
    setvbuf(stdout, buf, _IOFBF, sizeof(buf));
    printf("stratum,psu,w,age,sex,urban,internet,mobile,skill\n");
    while (row < n) {
        long size = 5 + (long)(next() % 41);
        int stratum = (int)(psu % 500);
        double base = 50 + 400 * unif();
        int urban = unif() < 0.55 ? 1 : 2;
        double p = urban == 1 ? 0.75 : 0.45;
        p += (unif() - 0.5) * 0.3;
        psu++;
        for (long k = 0; k < size && row < n; k++, row++) {
            int age = 5 + (int)(next() % 86);
            int sex = 1 + (int)(next() & 1);
            double pi = age > 60 ? p * 0.6 : p;
            printf("%d,%ld,%.2f,%d,%d,%d,", stratum, psu, base * (0.5 + unif()),
                   age, sex, urban);
            if (unif() < 0.02) {
                printf(",");
            } else {
                printf("%d,", unif() < pi ? 1 : 0);
            }
            printf("%d,%d\n", unif() < pi + 0.2 ? 1 : 0,
                   unif() < pi * 0.5 ? 1 : 0);
        }
    }
    return 0;
}
