/* Terminal progress bar. */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void progress_start(struct progress *p, const char *label, uint64_t total)
{
    p->label = label;
    p->total = total;
    p->done = 0;
    p->last_ms = now_ms();
    p->enabled = isatty(STDERR_FILENO) && getenv("ICTDEV_NO_PROGRESS") == NULL;
    p->drawn = false;
}

void progress_update(struct progress *p, uint64_t done)
{
    int64_t t;
    int width = 30;
    int fill;
    double frac;

    p->done = done;
    if (!p->enabled) {
        return;
    }
    t = now_ms();
    if (t - p->last_ms < 100) {
        return;
    }
    p->last_ms = t;
    frac = p->total ? (double)done / (double)p->total : 0.0;
    if (frac > 1.0) {
        frac = 1.0;
    }
    fill = (int)(frac * width);
    fprintf(stderr, "\r%s [", p->label);
    for (int i = 0; i < width; i++) {
        fputc(i < fill ? '#' : '.', stderr);
    }
    fprintf(stderr, "] %3d%%", (int)(frac * 100.0));
    fflush(stderr);
    p->drawn = true;
}

void progress_finish(struct progress *p)
{
    if (p->enabled && p->drawn) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    p->drawn = false;
}
