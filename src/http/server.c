/* libmicrohttpd adapter; see server.h. The only file that includes
 * <microhttpd.h>. */
#include "server.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "../core/dynlib.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strmap.h"
#include "../core/strparse.h"
#include "out.h"

/* libmicrohttpd, opened when the first server starts (core/dynlib.h):
 * it and GnuTLS would cost every other command ~5 ms at start. */
#define MHD_FUNCS(X)                                                           \
    X(MHD_add_response_header)                                                 \
    X(MHD_create_response_from_buffer)                                         \
    X(MHD_create_response_from_buffer_with_free_callback)                      \
    X(MHD_create_response_from_callback)                                       \
    X(MHD_destroy_response)                                                    \
    X(MHD_get_connection_info)                                                 \
    X(MHD_get_daemon_info)                                                     \
    X(MHD_get_response_header)                                                 \
    X(MHD_lookup_connection_value)                                             \
    X(MHD_queue_response)                                                      \
    X(MHD_start_daemon)                                                        \
    X(MHD_stop_daemon)
static struct {
    MHD_FUNCS(DYNLIB_FIELD)
} mhd;
#define MHD_SYM(name) {#name, (void **)&mhd.name},
static const struct dynlib_sym mhd_syms[] = {MHD_FUNCS(MHD_SYM)};
static struct dynlib mhd_lib =
    DYNLIB_INIT("libmicrohttpd.so.12", "libmicrohttpd12", mhd_syms);

#define MHD_add_response_header         (*mhd.MHD_add_response_header)
#define MHD_create_response_from_buffer (*mhd.MHD_create_response_from_buffer)
#define MHD_create_response_from_buffer_with_free_callback                     \
    (*mhd.MHD_create_response_from_buffer_with_free_callback)
#define MHD_create_response_from_callback                                      \
    (*mhd.MHD_create_response_from_callback)
#define MHD_destroy_response        (*mhd.MHD_destroy_response)
#define MHD_get_connection_info     (*mhd.MHD_get_connection_info)
#define MHD_get_daemon_info         (*mhd.MHD_get_daemon_info)
#define MHD_get_response_header     (*mhd.MHD_get_response_header)
#define MHD_lookup_connection_value (*mhd.MHD_lookup_connection_value)
#define MHD_queue_response          (*mhd.MHD_queue_response)
#define MHD_start_daemon            (*mhd.MHD_start_daemon)
#define MHD_stop_daemon             (*mhd.MHD_stop_daemon)

#define CACHE_MAX_ENTRY (8u << 20) /* larger answers are not cached */
#define GZIP_MIN        256        /* smaller bodies are sent as they are */

struct cache_entry {
    char *key; /* owned */
    int64_t rev;
    struct MHD_Response *plain; /* one reference held by the cache */
    struct MHD_Response *gz;    /* NULL until first asked for */
    char *body;                 /* borrowed from plain's buffer */
    size_t len;
    size_t gzlen;
    char etag[48];
};

struct cache {
    pthread_mutex_t mu;
    struct strmap map; /* key -> index into e */
    struct cache_entry *e;
    size_t n, cap, bytes, max;
};

struct http_server {
    struct MHD_Daemon *d;
    struct http_app app;
    struct http_config cfg;
    struct cache cache;
    unsigned port;
    time_t rev_time_fallback;
};

struct stream_wrap;

/* Per-connection request state, made by the URI log callback. */
struct req_ctx {
    struct stream_wrap *wrap; /* the streamed body in flight, or NULL */
    char *raw;                /* owned raw URI */
    char method[16];
    struct timespec t0;
    int status;
    size_t bytes;
    bool queued;
    bool first_seen;
    bool has_body;  /* a POST whose body is being read */
    bool too_large; /* its body went past MAX_REQUEST_BODY */
    struct buf body;
};

/* ---- the revision, per thread, re-read at most once a second ---- */

struct rev_tls {
    int64_t rev;
    time_t when;
    time_t checked;
    bool valid;
};
static _Thread_local struct rev_tls tls_rev;

static int64_t current_rev(struct http_server *s, time_t *out_when)
{
    time_t now = time(NULL);
    if (!tls_rev.valid || now != tls_rev.checked) {
        time_t w = 0;
        tls_rev.rev = s->app.revision(s->app.cls, &w);
        tls_rev.when = w;
        tls_rev.checked = now;
        tls_rev.valid = true;
    }
    *out_when = tls_rev.when ? tls_rev.when : s->rev_time_fallback;
    return tls_rev.rev;
}

/* ---- problems ---- */

static const char *status_title(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 409:
        return "Conflict";
    case 422:
        return "Unprocessable Content";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Internal Server Error" : "Error";
    }
}

void http_problem(struct http_resp *resp, int status, const char *path,
                  const char *detail)
{
    buf_reset(&resp->body);
    resp->status = status;
    resp->ctype = "application/problem+json";
    resp->no_cache = true;
    buf_puts(&resp->body, "{\"type\":\"about:blank\",\"title\":");
    out_json_str(&resp->body, status_title(status));
    buf_printf(&resp->body, ",\"status\":%d,\"detail\":", status);
    out_json_str(&resp->body, detail);
    if (path != NULL) {
        buf_puts(&resp->body, ",\"instance\":");
        out_json_str(&resp->body, path);
    }
    buf_puts(&resp->body, "}\n");
}

int http_status_for(int code)
{
    switch (code) {
    case ERR_INVALID:
    case ERR_PARSE:
        return 400;
    case ERR_NOT_FOUND:
        return 404;
    case ERR_CONFLICT:
        return 409;
    case ERR_LIMIT:
        return 413;
    case ERR_AUTH:
        return 401;
    case ERR_FORBIDDEN:
        return 403;
    default:
        return 500;
    }
}

void http_problem_err(struct http_resp *resp, const char *path,
                      const struct err *err)
{
    int st = http_status_for(err->code);
    /* Internal failures say little: nothing leaks to the client. */
    http_problem(resp, st, path,
                 st >= 500 ? "internal error; see the server log" : err->msg);
    if (st >= 500) {
        fprintf(stderr, "ictdev serve: %s: %s\n", path ? path : "?", err->msg);
    }
}

/* ---- responses ---- */

static void free_cb(void *p)
{
    xfree(p);
}

static void add_common_headers(struct MHD_Response *r, const char *ctype,
                               bool cors)
{
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (cors) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(r, "Access-Control-Expose-Headers",
                                "ETag, Last-Modified");
    }
    if (strncmp(ctype, "text/html", 9) == 0) {
        MHD_add_response_header(
            r, "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; "
            "style-src 'self'; script-src 'self'; frame-ancestors 'none'");
    }
}

static void format_http_date(time_t t, char *out, size_t cap)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static struct MHD_Response *response_from_buf(struct buf *body)
{
    size_t len = body->len;
    char *p = buf_detach(body);
    if (p == NULL) {
        p = xstrdup("");
    }
    return MHD_create_response_from_buffer_with_free_callback(len, p, free_cb);
}

static void add_validators(struct MHD_Response *r, const char *etag,
                           time_t when)
{
    char date[64];
    if (etag[0]) {
        MHD_add_response_header(r, "ETag", etag);
    }
    if (when > 0) {
        format_http_date(when, date, sizeof(date));
        MHD_add_response_header(r, "Last-Modified", date);
    }
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "Vary", "Accept, Accept-Encoding");
}

static enum MHD_Result queue(struct MHD_Connection *c, struct req_ctx *rc,
                             int status, struct MHD_Response *r, size_t bytes)
{
    enum MHD_Result ret;
    rc->status = status;
    rc->bytes = bytes;
    ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result queue_resp(struct MHD_Connection *c, struct req_ctx *rc,
                                  struct http_resp *resp)
{
    struct MHD_Response *r;
    size_t bytes = resp->body.len;

    r = response_from_buf(&resp->body);
    add_common_headers(r, resp->ctype ? resp->ctype : "text/plain", true);
    if (resp->allow[0]) {
        MHD_add_response_header(r, "Allow", resp->allow);
    }
    if (resp->status >= 400) {
        MHD_add_response_header(r, "Cache-Control", "no-store");
    }
    return queue(c, rc, resp->status, r, bytes);
}

static enum MHD_Result problem_now(struct MHD_Connection *c, struct req_ctx *rc,
                                   int status, const char *path,
                                   const char *detail)
{
    struct http_resp resp;
    enum MHD_Result ret;
    memset(&resp, 0, sizeof(resp));
    http_problem(&resp, status, path, detail);
    ret = queue_resp(c, rc, &resp);
    buf_cleanup(&resp.body);
    return ret;
}

/* A streamed body and the request it belongs to, for the byte count of the
 * log line. Both sides run on the connection's thread; whichever goes
 * first unlinks the other. */
struct stream_wrap {
    struct http_stream st;
    struct req_ctx *rc;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream_wrap *w = cls;
    ssize_t n;
    (void)pos;
    n = w->st.read(w->st.cls, buf, max);
    if (n > 0 && w->rc != NULL) {
        w->rc->bytes += (size_t)n;
    }
    if (n == 0) {
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    if (n < 0) {
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    return n;
}

static void stream_free(void *cls)
{
    struct stream_wrap *w = cls;
    if (w->st.free) {
        w->st.free(w->st.cls);
    }
    if (w->rc != NULL) {
        w->rc->wrap = NULL;
    }
    xfree(w);
}

/* ---- cache ---- */

static void cache_init(struct cache *c, size_t max)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    strmap_init(&c->map);
    c->max = max;
}

static void cache_clear(struct cache *c)
{
    for (size_t i = 0; i < c->n; i++) {
        xfree(c->e[i].key);
        MHD_destroy_response(c->e[i].plain);
        if (c->e[i].gz) {
            MHD_destroy_response(c->e[i].gz);
        }
    }
    c->n = 0;
    c->bytes = 0;
    strmap_cleanup(&c->map);
    strmap_init(&c->map);
}

static void cache_cleanup(struct cache *c)
{
    cache_clear(c);
    xfree(c->e);
    strmap_cleanup(&c->map);
    pthread_mutex_destroy(&c->mu);
}

/* Make the gzip variant of entry e. Called with the lock held. */
static void cache_make_gz(struct cache_entry *e, const char *ctype, time_t when)
{
    struct buf z;
    struct err err;
    buf_init(&z);
    if (out_gzip(e->body, e->len, &z, &err) != 0) {
        buf_cleanup(&z);
        return;
    }
    {
        char etag[56];
        size_t n = strlen(e->etag);
        snprintf(etag, sizeof(etag), "%.*s-gz\"", (int)(n - 1), e->etag);
        e->gzlen = z.len;
        e->gz = response_from_buf(&z);
        add_common_headers(e->gz, ctype, true);
        add_validators(e->gz, etag, when);
        MHD_add_response_header(e->gz, "Content-Encoding", "gzip");
    }
    buf_cleanup(&z);
}

/* ---- the request ---- */

static bool etag_matches(const char *inm, const char *etag)
{
    /* etag is "\"...\""; also accept its -gz variant and W/ forms. */
    size_t n = strlen(etag);
    const char *p;
    if (inm == NULL || n < 2) {
        return false;
    }
    if (strcmp(inm, "*") == 0) {
        return true;
    }
    if (strstr(inm, etag) != NULL) {
        return true;
    }
    /* the gzip variant: same text up to the closing quote, then -gz" */
    p = inm;
    while ((p = strstr(p, "\"")) != NULL) {
        if (strncmp(p, etag, n - 1) == 0 &&
            strncmp(p + n - 1, "-gz\"", 4) == 0) {
            return true;
        }
        p++;
    }
    return false;
}

/* The client's IP address as text into out. */
static const char *client_address(struct MHD_Connection *c, char *out,
                                  size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    snprintf(out, cap, "unknown");
    if (sa != NULL && sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                  (socklen_t)cap);
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
                  (socklen_t)cap);
    }
    return out;
}

static void make_etag(const char *key, int64_t rev, char *out, size_t cap)
{
    uint64_t h = strmap_hash(key, strlen(key));
    snprintf(out, cap, "\"r%" PRId64 "-%016" PRIx64 "\"", rev, h);
}

static enum MHD_Result answer(struct http_server *s, struct MHD_Connection *c,
                              struct req_ctx *rc)
{
    const char *raw = rc->raw ? rc->raw : "/";
    const char *qm;
    const char *hdr;
    const char *accept;
    const char *inm;
    bool is_get =
        strcmp(rc->method, "GET") == 0 || strcmp(rc->method, "HEAD") == 0;
    bool gz;
    struct http_req req;
    struct http_resp resp;
    struct err err;
    char *path = NULL;
    char *key = NULL;
    char etag[48] = "";
    time_t when = 0;
    int64_t rev;
    enum MHD_Result ret;
    size_t keylen;
    char addr[INET6_ADDRSTRLEN];

    if (strlen(raw) > MAX_URL_LEN) {
        return problem_now(c, rc, 414, NULL,
                           "request target longer than 4096 bytes");
    }
    hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (hdr != NULL) {
        int64_t n = 0;
        struct err e2;
        if (parse_int64(hdr, strlen(hdr), 0, INT64_MAX, &n, &e2) != 0 ||
            n > (int64_t)MAX_REQUEST_BODY) {
            return problem_now(c, rc, 413, NULL, "request body too large");
        }
    }
    if (strcmp(rc->method, "OPTIONS") == 0) {
        struct MHD_Response *r = MHD_create_response_from_buffer(
            0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Allow", "GET, HEAD, OPTIONS");
        MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(r, "Access-Control-Allow-Methods",
                                "GET, HEAD, OPTIONS");
        MHD_add_response_header(r, "Access-Control-Allow-Headers",
                                "Accept, If-None-Match");
        MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
        return queue(c, rc, 204, r, 0);
    }
    accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    accept = accept ? accept : "";
    hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    gz = hdr != NULL && out_accepts_gzip(hdr);
    inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");

    rev = current_rev(s, &when);
    keylen = strlen(raw) + strlen(accept) + 2;
    key = xmalloc(keylen);
    snprintf(key, keylen, "%s\n%s", raw, accept);
    if (is_get && rev >= 0) {
        make_etag(key, rev, etag, sizeof(etag));
    }

    /* The cache: a hit is queued under the lock so that no eviction can
     * free the response in between. */
    if (is_get && rev >= 0) {
        size_t idx;
        pthread_mutex_lock(&s->cache.mu);
        if (strmap_get(&s->cache.map, key, strlen(key), &idx) &&
            s->cache.e[idx].rev == rev) {
            struct cache_entry *e = &s->cache.e[idx];
            int st = 200;
            struct MHD_Response *r;
            const char *ct = MHD_get_response_header(e->plain, "Content-Type");
            if (inm != NULL && etag_matches(inm, e->etag)) {
                pthread_mutex_unlock(&s->cache.mu);
                xfree(key);
                goto not_modified;
            }
            if (gz && e->gz == NULL && e->len >= GZIP_MIN) {
                cache_make_gz(e, ct ? ct : "application/octet-stream", when);
            }
            r = (gz && e->gz) ? e->gz : e->plain;
            rc->status = st;
            rc->bytes = (r == e->gz) ? e->gzlen : e->len;
            ret = MHD_queue_response(c, (unsigned)st, r);
            pthread_mutex_unlock(&s->cache.mu);
            xfree(key);
            return ret;
        }
        pthread_mutex_unlock(&s->cache.mu);
    }
    if (is_get && inm != NULL && etag[0] && etag_matches(inm, etag)) {
        xfree(key);
        goto not_modified;
    }

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    resp.status = 200;
    req.method = rc->method;
    req.raw_uri = raw;
    req.accept = accept;
    req.revision = rev;
    if (rc->too_large) {
        xfree(key);
        return problem_now(c, rc, 413, NULL, "request body too large");
    }
    req.body = rc->has_body ? buf_cstr(&rc->body) : NULL;
    req.body_len = rc->body.len;
    req.authorization =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    req.cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
    req.content_type =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    req.csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
    req.address = client_address(c, addr, sizeof(addr));
    qm = strchr(raw, '?');
    if (query_decode(raw, qm ? (size_t)(qm - raw) : strlen(raw), false, &path,
                     &err) != 0) {
        xfree(key);
        err_prefix(&err, "path");
        return problem_now(c, rc, 400, NULL, err.msg);
    }
    req.path = path;
    {
        char *copy = xstrdup(path);
        if (path_split(copy, req.segs, HTTP_MAX_SEGS, &req.nseg, &err) != 0) {
            xfree(copy);
            xfree(key);
            ret = problem_now(c, rc, err.code == ERR_LIMIT ? 404 : 400, path,
                              err.msg);
            xfree(path);
            return ret;
        }
        if (qm != NULL &&
            query_parse(qm + 1, strlen(qm + 1), &req.query, &err) != 0) {
            xfree(copy);
            xfree(key);
            ret = problem_now(c, rc, 400, path, err.msg);
            xfree(path);
            return ret;
        }
        s->app.handle(s->app.cls, &req, &resp);
        query_cleanup(&req.query);
        xfree(copy);
    }

    if (resp.stream.read == NULL && resp.status == 200 && is_get &&
        !resp.no_cache && rev >= 0 && resp.body.len <= CACHE_MAX_ENTRY) {
        /* Keep it: the plain response goes into the cache. */
        struct cache_entry e;
        size_t idx;
        const char *ct = resp.ctype ? resp.ctype : "application/octet-stream";
        memset(&e, 0, sizeof(e));
        e.key = key;
        e.rev = rev;
        e.len = resp.body.len;
        e.body = resp.body.data;
        if (e.body == NULL) {
            buf_puts(&resp.body, "");
            e.body = resp.body.data;
        }
        snprintf(e.etag, sizeof(e.etag), "%s", etag);
        e.plain = response_from_buf(&resp.body);
        add_common_headers(e.plain, ct, true);
        add_validators(e.plain, e.etag, when);
        if (resp.disposition[0]) {
            MHD_add_response_header(e.plain, "Content-Disposition",
                                    resp.disposition);
        }
        pthread_mutex_lock(&s->cache.mu);
        if (s->cache.bytes + e.len > s->cache.max) {
            cache_clear(&s->cache);
        }
        if (gz && e.len >= GZIP_MIN) {
            cache_make_gz(&e, ct, when);
            if (e.gz && resp.disposition[0]) {
                MHD_add_response_header(e.gz, "Content-Disposition",
                                        resp.disposition);
            }
        }
        {
            struct MHD_Response *r = (gz && e.gz) ? e.gz : e.plain;
            rc->status = 200;
            rc->bytes = (gz && e.gz) ? e.gzlen : e.len;
            ret = MHD_queue_response(c, 200, r);
        }
        if (strmap_get(&s->cache.map, key, strlen(key), &idx)) {
            struct cache_entry *old = &s->cache.e[idx];
            s->cache.bytes -= old->len;
            xfree(old->key);
            MHD_destroy_response(old->plain);
            if (old->gz) {
                MHD_destroy_response(old->gz);
            }
            *old = e;
        } else {
            if (s->cache.n == s->cache.cap) {
                s->cache.cap = s->cache.cap ? s->cache.cap * 2 : 256;
                s->cache.e = xreallocarray(s->cache.e, s->cache.cap,
                                           sizeof(*s->cache.e));
            }
            s->cache.e[s->cache.n] = e;
            strmap_put(&s->cache.map, key, strlen(key), s->cache.n);
            s->cache.n++;
        }
        s->cache.bytes += e.len;
        pthread_mutex_unlock(&s->cache.mu);
        xfree(path);
        return ret;
    }
    xfree(key);

    if (resp.stream.read != NULL) {
        struct stream_wrap *w = xmalloc(sizeof(*w));
        struct MHD_Response *r;
        enum MHD_Result qr;
        w->st = resp.stream;
        w->rc = rc;
        rc->wrap = w;
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
                                              stream_read, w, stream_free);
        add_common_headers(r, resp.ctype ? resp.ctype : "text/plain", true);
        if (etag[0] && !resp.no_cache) {
            add_validators(r, etag, when);
        }
        if (resp.disposition[0]) {
            MHD_add_response_header(r, "Content-Disposition", resp.disposition);
        }
        buf_cleanup(&resp.body);
        xfree(path);
        rc->status = resp.status;
        rc->bytes = 0;
        qr = MHD_queue_response(c, (unsigned)resp.status, r);
        MHD_destroy_response(r);
        return qr;
    }

    {
        struct MHD_Response *r;
        const char *ct = resp.ctype ? resp.ctype : "text/plain";
        size_t bytes = resp.body.len;
        if (gz && resp.body.len >= GZIP_MIN && resp.status < 300) {
            struct buf z;
            buf_init(&z);
            if (out_gzip(resp.body.data, resp.body.len, &z, &err) == 0) {
                bytes = z.len;
                r = response_from_buf(&z);
                MHD_add_response_header(r, "Content-Encoding", "gzip");
            } else {
                r = response_from_buf(&resp.body);
            }
            buf_cleanup(&z);
        } else {
            r = response_from_buf(&resp.body);
        }
        add_common_headers(r, ct, is_get);
        if (resp.status == 200 && etag[0] && !resp.no_cache) {
            add_validators(r, etag, when);
        } else {
            MHD_add_response_header(r, "Cache-Control", "no-store");
        }
        if (resp.allow[0]) {
            MHD_add_response_header(r, "Allow", resp.allow);
        }
        if (resp.disposition[0]) {
            MHD_add_response_header(r, "Content-Disposition", resp.disposition);
        }
        if (resp.set_cookie[0]) {
            MHD_add_response_header(r, "Set-Cookie", resp.set_cookie);
        }
        if (resp.www_authenticate) {
            MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
        }
        ret = queue(c, rc, resp.status, r, bytes);
    }
    buf_cleanup(&resp.body);
    xfree(path);
    return ret;

not_modified : {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    char date[64];
    MHD_add_response_header(r, "ETag", etag);
    if (when > 0) {
        format_http_date(when, date, sizeof(date));
        MHD_add_response_header(r, "Last-Modified", date);
    }
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    return queue(c, rc, 304, r, 0);
}
}

/* ---- daemon callbacks ---- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct req_ctx *rc = xcalloc(1, sizeof(*rc));
    (void)cls;
    (void)c;
    /* Keep at most a little more than the limit: enough to answer 414. */
    rc->raw = xstrndup(uri, strnlen(uri, MAX_URL_LEN + 1));
    clock_gettime(CLOCK_MONOTONIC, &rc->t0);
    return rc;
}

/* True if Content-Length says more than MAX_REQUEST_BODY: answered at
 * once, without reading the body. */
static bool declared_too_large(struct MHD_Connection *c)
{
    const char *hdr =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    int64_t n = 0;
    struct err err;

    return hdr != NULL &&
           (parse_int64(hdr, strlen(hdr), 0, INT64_MAX, &n, &err) != 0 ||
            n > (int64_t)MAX_REQUEST_BODY);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct req_ctx *rc = *con_cls;
    (void)url;
    (void)version;
    if (rc == NULL) {
        rc = on_uri(NULL, url, c);
        *con_cls = rc;
    }
    if (rc->queued) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    snprintf(rc->method, sizeof(rc->method), "%s", method);
    if (rc->has_body && *upload_data_size > 0) {
        /* A POST body arrives in pieces; the answer comes with the last,
         * empty call. */
        if (rc->body.len + *upload_data_size > MAX_REQUEST_BODY) {
            rc->too_large = true;
        } else {
            buf_append(&rc->body, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (!rc->first_seen &&
        (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) &&
        !declared_too_large(c)) {
        rc->first_seen = true;
        rc->has_body = true;
        buf_init(&rc->body);
        return MHD_YES;
    }
    if (!rc->first_seen) {
        /* A response queued in the first call is an "early" one after
         * which libmicrohttpd closes the connection. Requests without a
         * body wait for the second call so that keep-alive works;
         * requests with a body are answered at once (413, 405) without
         * reading it. */
        rc->first_seen = true;
        if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length") ==
                NULL &&
            MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                        "Transfer-Encoding") == NULL) {
            return MHD_YES;
        }
    }
    rc->queued = true;
    return answer(s, c, rc);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    struct http_server *s = cls;
    struct req_ctx *rc = *con_cls;
    (void)c;
    (void)toe;
    if (rc == NULL) {
        return;
    }
    if (rc->wrap != NULL) {
        rc->wrap->rc = NULL;
    }
    if (!s->cfg.quiet) {
        struct timespec t1;
        long long us;
        char safe[200];
        size_t n = 0;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        us = (long long)(t1.tv_sec - rc->t0.tv_sec) * 1000000LL +
             (t1.tv_nsec - rc->t0.tv_nsec) / 1000;
        for (const char *p = rc->raw ? rc->raw : ""; *p && n + 4 < sizeof(safe);
             p++) {
            unsigned char ch = (unsigned char)*p;
            safe[n++] = (ch < 0x21 || ch >= 0x7f) ? '?' : (char)ch;
        }
        safe[n] = '\0';
        fprintf(stderr, "%s %s %d %zu %lldus\n",
                rc->method[0] ? rc->method : "-", safe, rc->status, rc->bytes,
                us);
    }
    buf_cleanup(&rc->body);
    xfree(rc->raw);
    xfree(rc);
    *con_cls = NULL;
}

struct http_server *http_server_start(const struct http_config *cfg,
                                      const struct http_app *app,
                                      struct err *err)
{
    struct http_server *s;
    struct sockaddr_in addr;
    const union MHD_DaemonInfo *info;
    const char *bind_addr = cfg->bind ? cfg->bind : "127.0.0.1";

    if (dynlib_ready(&mhd_lib, "the HTTP server", err) != 0) {
        return NULL;
    }
    s = xcalloc(1, sizeof(*s));

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, bind_addr, &addr.sin_addr) != 1) {
        xfree(s);
        err_set(err, ERR_INVALID, "--bind '%s': not an IPv4 address",
                bind_addr);
        return NULL;
    }
    s->app = *app;
    s->cfg = *cfg;
    s->rev_time_fallback = time(NULL);
    cache_init(&s->cache, cfg->cache_max ? cfg->cache_max : (64u << 20));
    s->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)cfg->port,
        NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)(cfg->threads ? cfg->threads : 2),
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED,
        on_done, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024, MHD_OPTION_END);
    if (s->d == NULL) {
        cache_cleanup(&s->cache);
        xfree(s);
        err_set(err, ERR_IO, "cannot listen on %s:%u (address in use?)",
                bind_addr, cfg->port);
        return NULL;
    }
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    return s;
}

unsigned http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_stop(struct http_server *s)
{
    if (s == NULL) {
        return;
    }
    MHD_stop_daemon(s->d);
    cache_cleanup(&s->cache);
    xfree(s);
}
