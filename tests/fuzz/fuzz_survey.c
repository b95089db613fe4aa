/* Fuzz target: the survey CSV loader and estimator on arbitrary bytes
 * (written to a temporary file, since survey data is read from a path),
 * with and without the two-thread path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "survey/survey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const char *path, int threads)
{
    static const char *const vars[] = {"y", "x"};
    static const char *const by[] = {"g"};
    struct survey_spec spec = {0};
    struct survey_wantlist wl;
    struct survey_data d;
    struct survey_result res;
    struct err err;

    spec.weight = "w";
    spec.strata = "s";
    spec.psu = "p";
    spec.stat = SURVEY_STAT_MEAN;
    spec.vars = vars;
    spec.var_count = 1 + (size_t)(threads - 1);
    spec.by = by;
    spec.by_count = 1;
    spec.where = "x > 0 || !(y == 1)";
    spec.lonely = threads == 1 ? SURVEY_LONELY_ADJUST : SURVEY_LONELY_FAIL;
    spec.level = 0.95;
    if (survey_spec_wants(&spec, &wl, &err) != 0) {
        return;
    }
    for (size_t i = 0; i < wl.count; i++) {
        wl.want[i].optional = wl.want[i].kinds == SURVEY_CAT && i > 2;
    }
    if (survey_data_load(path, wl.want, wl.count, threads, &d, &err) == 0) {
        if (survey_estimate(&d, &spec, &res, &err) == 0) {
            survey_result_cleanup(&res);
        }
        survey_data_cleanup(&d);
    }
    survey_wantlist_cleanup(&wl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/ictdev-fuzz-XXXXXX.csv";
    int fd = mkstemps(path, 4);

    if (fd < 0) {
        return 0;
    }
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    run(path, 1);
    setenv("ICTDEV_PARALLEL_MIN", "0", 1);
    run(path, 2);
    unsetenv("ICTDEV_PARALLEL_MIN");
    unlink(path);
    return 0;
}
