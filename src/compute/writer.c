/* The batch writer thread: chunks of rows go from the caller to the thread
 * through a short FIFO; at most WRITER_CHUNKS chunks exist, so a caller
 * faster than the store waits instead of holding the whole batch. */
#include "writer.h"

#include <pthread.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/mem.h"

#define WRITER_ROWS   2048 /* rows per chunk */
#define WRITER_CHUNKS 4    /* chunks in existence, at most */

struct wrow {
    int year;
    int status;
    double value;
    bool append;
    size_t ind, econ, dims, source, note; /* offsets into the chunk text */
};

struct chunk {
    struct wrow rows[WRITER_ROWS];
    size_t count;
    struct buf text; /* NUL-separated strings of rows */
    struct chunk *next;
};

struct obs_writer {
    struct store *s;
    bool threaded; /* false: rows are written on the caller's thread */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;    /* a chunk queued or freed, or done */
    struct chunk *head, *tail; /* queued, oldest first */
    struct chunk *spare;       /* free chunks */
    size_t chunks;             /* allocated, <= WRITER_CHUNKS */
    struct chunk *cur;         /* being filled by the caller, or NULL */
    size_t prev[4];            /* cur's last indicator, economy, dims, source */
    bool done;                 /* no more chunks will be queued */
    int rc;                    /* first error, under lock */
    struct err err;            /* its details */
};

static size_t put_text(struct buf *b, const char *s)
{
    size_t at = b->len;

    buf_puts(b, s ? s : "");
    buf_putc(b, '\0');
    return at;
}

/* put_text, or the offset of the previous row's field (*prev, SIZE_MAX
 * for none) when it has the same text: codes, dims and sources repeat
 * from row to row. */
static size_t put_same(struct buf *b, const char *s, size_t *prev)
{
    if (*prev != SIZE_MAX && strcmp(b->data + *prev, s ? s : "") == 0) {
        return *prev;
    }
    *prev = put_text(b, s);
    return *prev;
}

/* Write the rows of c; the first error goes into rc/err. */
static int chunk_write(struct store *s, const struct chunk *c, struct err *err)
{
    const char *t = c->text.data;

    for (size_t i = 0; i < c->count; i++) {
        const struct wrow *r = &c->rows[i];
        struct obs o;
        int rc;
        memset(&o, 0, sizeof(o));
        o.indicator = t + r->ind;
        o.economy = t + r->econ;
        o.dims = t + r->dims;
        o.source = t + r->source;
        o.note = t + r->note;
        o.year = r->year;
        o.value = r->value;
        o.status = (enum obs_status)r->status;
        rc = r->append ? store_obs_append(s, &o, err)
                       : store_obs_put(s, &o, NULL, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static void chunk_free(struct chunk *c)
{
    buf_cleanup(&c->text);
    xfree(c);
}

static void *writer_main(void *arg)
{
    struct obs_writer *w = arg;
    struct err err = {0};

    pthread_mutex_lock(&w->lock);
    for (;;) {
        struct chunk *c = w->head;
        int rc = 0;
        if (c == NULL && w->done) {
            break;
        }
        if (c == NULL) {
            pthread_cond_wait(&w->changed, &w->lock);
            continue;
        }
        w->head = c->next;
        w->tail = w->head ? w->tail : NULL;
        if (w->rc == 0) {
            pthread_mutex_unlock(&w->lock);
            rc = chunk_write(w->s, c, &err);
            pthread_mutex_lock(&w->lock);
            if (rc != 0 && w->rc == 0) {
                w->rc = rc;
                w->err = err;
            }
        }
        c->count = 0;
        buf_reset(&c->text);
        c->next = w->spare;
        w->spare = c;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct obs_writer *obs_writer_start(struct store *s)
{
    struct obs_writer *w = xcalloc(1, sizeof(*w));

    w->s = s;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    w->threaded = pthread_create(&w->thread, NULL, writer_main, w) == 0;
    return w;
}

/* Queue the filled chunk (under lock). */
static void queue_cur(struct obs_writer *w)
{
    w->cur->next = NULL;
    if (w->tail) {
        w->tail->next = w->cur;
    } else {
        w->head = w->cur;
    }
    w->tail = w->cur;
    w->cur = NULL;
    pthread_cond_broadcast(&w->changed);
}

/* A chunk to fill: a spare one, a new one, or (all in use) the next one
 * the thread frees. Under lock. */
static struct chunk *take_chunk(struct obs_writer *w)
{
    struct chunk *c;

    while (w->spare == NULL && w->chunks == WRITER_CHUNKS) {
        pthread_cond_wait(&w->changed, &w->lock);
    }
    if (w->spare) {
        c = w->spare;
        w->spare = c->next;
    } else {
        c = xcalloc(1, sizeof(*c));
        w->chunks++;
    }
    c->next = NULL;
    return c;
}

int obs_writer_put(struct obs_writer *w, const struct obs *o, bool append,
                   struct err *err)
{
    struct wrow *r;

    if (!w->threaded) {
        return append ? store_obs_append(w->s, o, err)
                      : store_obs_put(w->s, o, NULL, err);
    }
    if (w->cur == NULL) {
        pthread_mutex_lock(&w->lock);
        w->cur = w->rc == 0 ? take_chunk(w) : NULL;
        if (w->rc != 0) {
            *err = w->err;
            pthread_mutex_unlock(&w->lock);
            return err->code;
        }
        pthread_mutex_unlock(&w->lock);
    }
    r = &w->cur->rows[w->cur->count++];
    r->year = o->year;
    r->status = (int)o->status;
    r->value = o->value;
    r->append = append;
    if (w->cur->count == 1) {
        w->prev[0] = w->prev[1] = w->prev[2] = w->prev[3] = SIZE_MAX;
    }
    r->ind = put_same(&w->cur->text, o->indicator, &w->prev[0]);
    r->econ = put_same(&w->cur->text, o->economy, &w->prev[1]);
    r->dims = put_same(&w->cur->text, o->dims, &w->prev[2]);
    r->source = put_same(&w->cur->text, o->source, &w->prev[3]);
    r->note = put_text(&w->cur->text, o->note);
    if (w->cur->count == WRITER_ROWS) {
        pthread_mutex_lock(&w->lock);
        queue_cur(w);
        pthread_mutex_unlock(&w->lock);
    }
    return 0;
}

int obs_writer_finish(struct obs_writer *w, struct err *err)
{
    int rc;

    if (w->threaded) {
        pthread_mutex_lock(&w->lock);
        if (w->cur) {
            queue_cur(w);
        }
        w->done = true;
        pthread_cond_broadcast(&w->changed);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
    }
    rc = w->rc;
    if (rc != 0) {
        *err = w->err;
    }
    while (w->spare) {
        struct chunk *c = w->spare;
        w->spare = c->next;
        chunk_free(c);
    }
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->lock);
    xfree(w);
    return rc;
}
