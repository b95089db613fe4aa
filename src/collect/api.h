/* The data-collection API, independent of the HTTP library: a request
 * (method, path segments, the few headers that matter, body, client
 * address) goes in, a status with a JSON or problem+json body and maybe a
 * session cookie comes out. http/ maps libmicrohttpd to these structs and
 * back, so every rule of authentication and authorization lives here and
 * is tested without a socket.
 *
 * Routes (under /api/v1):
 *   POST /login                    {"user","password"} -> session cookie
 *   POST /logout
 *   GET  /submissions[?state=S][&region=G]
 *                                  the queue (what the caller may read)
 *   POST /submissions[?economy=&year=&replaces=&name=]
 *                                  body: text/csv (long CSV or SDMX-CSV)
 *                                  or an .xlsx; 201 {id, state, rules}
 *   GET  /submissions/{id}
 *   POST /submissions/{id}/submit | /approve
 *   POST /submissions/{id}/return  {"comments":[{"cell","text"}...]}
 *   POST /submissions/{id}/comments {"cell","text"}
 * Credentials: "Authorization: Bearer TOKEN", or the session cookie; a
 * cookie-authenticated POST also needs "X-CSRF-Token" (the token returned
 * at login). No credentials: 401 (WWW-Authenticate: Bearer); a role or
 * economy not allowed: 403; in both cases nothing is written. */
#ifndef ICTDEV_COLLECT_API_H
#define ICTDEV_COLLECT_API_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"
#include "collect.h"

#define API_SESSION_COOKIE "ictdev_session"

struct api_request {
    const char *method;      /* "GET", "POST" */
    const char *const *segs; /* path segments after /api/v1 */
    size_t nseg;
    const char *state;         /* ?state= or NULL */
    const char *region;        /* ?region= (a group code) or NULL */
    const char *economy;       /* ?economy= or NULL */
    const char *year;          /* ?year= or NULL */
    const char *replaces;      /* ?replaces= or NULL */
    const char *name;          /* ?name= (file name) or NULL */
    const char *authorization; /* header or NULL */
    const char *cookie;        /* header or NULL */
    const char *csrf;          /* X-CSRF-Token header or NULL */
    const char *content_type;  /* header or NULL */
    const char *body;          /* borrowed */
    size_t body_len;
    const char *address; /* client address */
    bool is_tls;         /* the connection is TLS: cookies get Secure */
};

struct api_response {
    int status;
    const char *ctype;     /* static */
    struct buf body;       /* owned by the caller: buf_cleanup */
    char set_cookie[256];  /* a Set-Cookie value or "" */
    bool www_authenticate; /* add "WWW-Authenticate: Bearer" */
};

/* Handle one request. c->now must be set; throttle is shared by all
 * requests (logins). Cannot fail: every error becomes a response. */
void api_handle(struct collect *c, struct auth_throttle *throttle,
                const struct api_request *rq, struct api_response *rs);

/* Who is asking, by the same rules as api_handle (a bearer token, else
 * the session cookie with the CSRF token on anything but GET), for other
 * modules' write endpoints (the plan's). ERR_AUTH or ERR_FORBIDDEN. */
int api_authenticate(struct collect *c, const struct api_request *rq,
                     struct principal *who, struct err *err) WARN_UNUSED_RESULT;

/* The OpenAPI 3.1 paths and components of this API as JSON text
 * ({"paths":{...},"components":{...}}). Static storage. */
const char *api_openapi_fragment(void);

/* Append to out the OpenAPI document doc (JSON text, borrowed) with this
 * API's paths and components added. ERR_INTERNAL if doc does not parse. */
int api_openapi_merge(const char *doc, struct buf *out,
                      struct err *err) WARN_UNUSED_RESULT;

/* Copy the value of cookie name from a Cookie header into out (cap bytes).
 * False if absent, empty or too long. */
bool api_cookie_value(const char *header, const char *name, char *out,
                      size_t cap);

/* The HTTP status for an error code (401, 403, 400, 404, 409, 413, 500). */
int api_status_for(int code);

#endif
