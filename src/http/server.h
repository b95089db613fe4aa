/* The HTTP server: a thin adapter over libmicrohttpd (internal thread pool).
 * It owns connections, the request log, conditional requests (ETag / 304),
 * gzip, CORS, the response cache and problem+json errors for malformed
 * requests; everything else is the application's handler (http/app.h).
 * <microhttpd.h> is included only by server.c. */
#ifndef ICTDEV_HTTP_SERVER_H
#define ICTDEV_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"
#include "query.h"

#define HTTP_MAX_SEGS 16

/* One request as the handler sees it. Everything is borrowed for the
 * duration of the handler call. */
struct http_req {
    const char *method;        /* "GET", "HEAD", ... */
    const char *raw_uri;       /* as received, path + '?' + query */
    const char *path;          /* percent-decoded path, for messages */
    char *segs[HTTP_MAX_SEGS]; /* decoded path segments */
    size_t nseg;
    struct query query; /* decoded query parameters */
    const char *accept; /* Accept header or "" */
    /* For writes (POST, data collection): */
    const char *body;          /* request body, or NULL */
    size_t body_len;           /* bytes of body */
    const char *authorization; /* header or NULL */
    const char *cookie;        /* header or NULL */
    const char *content_type;  /* header or NULL */
    const char *csrf;          /* X-CSRF-Token header or NULL */
    const char *address;       /* client IP address */
    int64_t revision;          /* the store's last revision (see app) */
};

/* A streamed body: read fills at most max bytes at buf and returns the
 * count, 0 at the end, or -1 on failure (the connection is then closed).
 * free releases cls; called exactly once. */
struct http_stream {
    ssize_t (*read)(void *cls, char *buf, size_t max);
    void (*free)(void *cls);
    void *cls;
};

/* The handler's answer. */
struct http_resp {
    int status;                /* 200 unless set */
    const char *ctype;         /* static string; "application/json" etc. */
    struct buf body;           /* owned by the server after the handler */
    char allow[64];            /* for 405: "GET, HEAD" */
    char disposition[128];     /* Content-Disposition or "" */
    bool no_cache;             /* do not keep this answer in the cache */
    struct http_stream stream; /* set read to stream instead of body */
    char set_cookie[256];      /* a Set-Cookie value, or "" */
    bool www_authenticate;     /* send "WWW-Authenticate: Bearer" */
};

/* Fill resp with an RFC 9457 problem+json answer. detail is one line; it
 * is JSON-escaped here. Cannot fail. */
void http_problem(struct http_resp *resp, int status, const char *path,
                  const char *detail);

/* Map an err code to an HTTP status (400 / 404 / 409 / 413 / 500). */
int http_status_for(int code);

/* Fill resp with the problem for err (status from http_status_for). */
void http_problem_err(struct http_resp *resp, const char *path,
                      const struct err *err);

/* The application behind the server. */
struct http_app {
    /* Handle one request; fill resp. Runs on a worker thread; may be called
     * concurrently from several threads. */
    void (*handle)(void *cls, const struct http_req *req,
                   struct http_resp *resp);
    /* The current revision and its time, for validators and the cache;
     * return -1 if unknown. Called at most once a second per thread. */
    int64_t (*revision)(void *cls, time_t *out_time);
    void *cls;
};

struct http_config {
    const char *bind; /* IPv4 address; "127.0.0.1" by default */
    unsigned port;    /* 0 picks a free port (see http_server_port) */
    unsigned threads; /* worker threads; 2 by default */
    bool quiet;       /* no request log */
    size_t cache_max; /* bytes of cached responses; 0 = 64 MiB */
};

struct http_server;

/* Start serving app on cfg's address. Returns owned server (free with
 * http_server_stop) or NULL with ERR_IO (address in use, bad address). */
struct http_server *http_server_start(const struct http_config *cfg,
                                      const struct http_app *app,
                                      struct err *err);

/* The port actually bound. */
unsigned http_server_port(const struct http_server *s);

/* Stop accepting, finish running requests, join the threads and free s
 * (taken). Safe on NULL. */
void http_server_stop(struct http_server *s);

#endif
