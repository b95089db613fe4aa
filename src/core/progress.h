/* A progress bar on standard error, drawn only when it is a terminal. Quiet
 * when piped or redirected, so scripts see nothing. Not thread-safe. */
#ifndef ICTDEV_CORE_PROGRESS_H
#define ICTDEV_CORE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
    const char *label; /* borrowed, shown before the bar */
    uint64_t total;    /* units of work expected (bytes, rows); 0 = unknown */
    uint64_t done;     /* units finished so far */
    int64_t last_ms;   /* time of the last redraw, ms */
    bool enabled;      /* stderr is a terminal and ICTDEV_NO_PROGRESS unset */
    bool drawn;        /* something is on the line and needs clearing */
};

/* Start a bar for total units of work. Cannot fail. */
void progress_start(struct progress *p, const char *label, uint64_t total);
/* Record that done units are finished; redraws at most 10 times a second. */
void progress_update(struct progress *p, uint64_t done);
/* Clear the bar's line. */
void progress_finish(struct progress *p);

#endif
