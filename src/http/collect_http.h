/* Data collection over HTTP: the bridge from a server request to
 * collect/api.h (the JSON API; every check is in collect/) and the portal
 * pages of focal points and analysts, which read through the same
 * functions and change things only by calling the API from the page
 * (with the session's CSRF token).
 *
 * What the server hands over (struct collect_http_in, from struct
 * http_req): the POST body and the headers Authorization, Cookie,
 * Content-Type, X-CSRF-Token, the client address, whether the connection
 * is TLS; and what it sends back (struct collect_http_out, into struct
 * http_resp): Set-Cookie and WWW-Authenticate. app.c routes here when
 * `ictdev serve` enabled collection (app_enable_collect). Thread-safe: one
 * read-write store connection per thread. */
#ifndef ICTDEV_HTTP_COLLECT_HTTP_H
#define ICTDEV_HTTP_COLLECT_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "../collect/collect.h"
#include "../core/compiler.h"
#include "../core/err.h"
#include "app_int.h"

struct collect_http_in {
    const char *authorization; /* header or NULL */
    const char *cookie;        /* header or NULL */
    const char *csrf;          /* X-CSRF-Token header or NULL */
    const char *content_type;  /* header or NULL */
    const char *body;          /* borrowed, body_len bytes */
    size_t body_len;
    const char *address; /* client address */
    bool is_tls;
};

struct collect_http_out {
    char set_cookie[256];  /* a Set-Cookie value to send, or "" */
    bool www_authenticate; /* send "WWW-Authenticate: Bearer" */
};

struct collect_http;

/* Load the questionnaire and the rules (the store's, else data_dir/rules)
 * for the store at db_path (borrowed; must outlive the result). Returns
 * owned state (free with collect_http_free) or NULL with err. */
struct collect_http *collect_http_new(const char *db_path, const char *data_dir,
                                      struct err *err);
void collect_http_free(struct collect_http *h);

/* /api/v1/login, /api/v1/logout, /api/v1/submissions[/...]: c->req->segs
 * start with "api", "v1". Fills c->resp and out. */
void collect_http_api(struct collect_http *h, struct ctx *c,
                      const struct collect_http_in *in,
                      struct collect_http_out *out);

/* For other modules' write endpoints (the plan's): this thread's
 * read-write connection as c->store and the caller in who, authenticated
 * by collect/api.h's rules (api_authenticate) and authorized for action by
 * collect_authorize, as the collection API does. False after answering
 * (401 with WWW-Authenticate, 403, 503): nothing may be written then. */
bool collect_http_caller(struct collect_http *h, struct ctx *c,
                         const struct collect_http_in *in,
                         enum collect_action action, struct collect *col,
                         struct principal *who);

/* Portal: GET /collect (the login form, or the caller's queue with an
 * upload form) and GET /collect/submissions/{id} (values, last year's and
 * published values, rule results cell by cell, comments, and the actions
 * the caller may take). */
void collect_http_page(struct collect_http *h, struct ctx *c,
                       const struct collect_http_in *in);

#endif
