/* The data-collection API (see api.h): authentication, routing, and the
 * mapping of errors to HTTP statuses. Each handler does its checks through
 * collect.h, which writes nothing before the caller is authorized. */
#include "api.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/limits.h"
#include "../core/strparse.h"

int api_status_for(int code)
{
    switch (code) {
    case ERR_AUTH:
        return 401;
    case ERR_FORBIDDEN:
        return 403;
    case ERR_NOT_FOUND:
        return 404;
    case ERR_CONFLICT:
        return 409;
    case ERR_LIMIT:
        return 413;
    case ERR_INVALID:
    case ERR_PARSE:
        return 400;
    default:
        return 500;
    }
}

static const char *status_title(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    default:
        return "Internal Server Error";
    }
}

static void put_json(json_t *j, struct buf *out)
{
    size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT);

    if (n > 0) {
        buf_reserve(out, n + 1);
        out->len += json_dumpb(j, out->data + out->len, n, JSON_COMPACT);
        out->data[out->len] = '\0';
    }
    json_decref(j);
}

static void problem(struct api_response *rs, int status, const char *detail)
{
    buf_reset(&rs->body);
    rs->status = status;
    rs->ctype = "application/problem+json";
    rs->www_authenticate = status == 401;
    put_json(json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title",
                       status_title(status), "status", status, "detail",
                       detail),
             &rs->body);
}

static void fail(struct api_response *rs, const struct err *err)
{
    problem(rs, api_status_for(err->code), err->msg);
}

static void ok_json(struct api_response *rs, int status)
{
    rs->status = status;
    rs->ctype = "application/json";
}

/* ---- Credentials -------------------------------------------------------- */

bool api_cookie_value(const char *header, const char *name, char *out,
                      size_t cap)
{
    size_t n = strlen(name);
    const char *p = header;

    while (p != NULL && *p != '\0') {
        while (*p == ' ' || *p == ';') {
            p++;
        }
        if (strncmp(p, name, n) == 0 && p[n] == '=') {
            size_t len = strcspn(p + n + 1, ";");
            if (len == 0 || len >= cap) {
                return false;
            }
            memcpy(out, p + n + 1, len);
            out[len] = '\0';
            return true;
        }
        p = strchr(p, ';');
    }
    return false;
}

/* Who is asking. A bearer token wins over a cookie. For a POST with a
 * session cookie the CSRF token must match. */
static int authenticate(struct collect *c, const struct api_request *rq,
                        struct principal *who, char *session, size_t cap,
                        struct err *err)
{
    const char *a = rq->authorization;

    session[0] = '\0';
    if (a != NULL && a[0] != '\0') {
        if (strncasecmp(a, "Bearer ", 7) != 0) {
            return err_set(err, ERR_AUTH,
                           "use 'Authorization: Bearer "
                           "TOKEN'");
        }
        return collect_auth_token(c, a + 7, rq->address, who, err);
    }
    if (rq->cookie == NULL ||
        !api_cookie_value(rq->cookie, API_SESSION_COOKIE, session, cap)) {
        return err_set(err, ERR_AUTH,
                       "credentials required: a bearer token "
                       "or a session");
    }
    if (collect_auth_session(c, session, rq->address, who, err) != 0) {
        return err->code;
    }
    if (strcmp(rq->method, "GET") != 0 && !auth_csrf_check(session, rq->csrf)) {
        return err_set(err, ERR_FORBIDDEN, "missing or wrong CSRF token");
    }
    return 0;
}

int api_authenticate(struct collect *c, const struct api_request *rq,
                     struct principal *who, struct err *err)
{
    char session[AUTH_TOKEN_MAX];

    return authenticate(c, rq, who, session, sizeof(session), err);
}

/* ---- Handlers ----------------------------------------------------------- */

static json_t *body_json(const struct api_request *rq, struct err *err)
{
    json_error_t je;
    json_t *j;

    if (rq->body_len > (1 << 20)) {
        err_set(err, ERR_LIMIT, "JSON body over 1 MiB");
        return NULL;
    }
    j = json_loadb(rq->body ? rq->body : "", rq->body_len,
                   JSON_REJECT_DUPLICATES, &je);
    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        err_set(err, ERR_PARSE, "body: want a JSON object (%s)", je.text);
        return NULL;
    }
    return j;
}

static void do_login(struct collect *c, struct auth_throttle *t,
                     const struct api_request *rq, struct api_response *rs)
{
    struct err err;
    json_t *j = body_json(rq, &err);
    const char *user = NULL;
    const char *pw = NULL;
    char session[AUTH_TOKEN_MAX];
    char csrf[AUTH_TOKEN_MAX];

    if (j == NULL) {
        fail(rs, &err);
        return;
    }
    if (json_unpack(j, "{s:s, s:s}", "user", &user, "password", &pw) != 0) {
        json_decref(j);
        problem(rs, 400, "body: want {\"user\": ..., \"password\": ...}");
        return;
    }
    if (collect_login(c, t, user, pw, rq->address, session, &err) != 0) {
        json_decref(j);
        if (err.code == ERR_LIMIT) {
            problem(rs, 429, err.msg);
        } else {
            fail(rs, &err);
        }
        return;
    }
    json_decref(j);
    auth_csrf_token(session, csrf);
    snprintf(rs->set_cookie, sizeof(rs->set_cookie),
             "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
             API_SESSION_COOKIE, session, COLLECT_SESSION_TTL,
             rq->is_tls ? "; Secure" : "");
    ok_json(rs, 200);
    put_json(json_pack("{s:s}", "csrf_token", csrf), &rs->body);
}

static bool upload_type_ok(const char *ct)
{
    static const char *const ok[] = {
        "text/csv", "application/csv", "application/octet-stream",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"};

    if (ct == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        size_t n = strlen(ok[i]);
        if (strncasecmp(ct, ok[i], n) == 0 && (ct[n] == '\0' || ct[n] == ';')) {
            return true;
        }
    }
    return false;
}

static int parse_opt_int(const char *s, int64_t min, int64_t max, int64_t *out,
                         const char *name, struct err *err)
{
    if (s == NULL) {
        *out = 0;
        return 0;
    }
    if (parse_int64(s, strlen(s), min, max, out, err) != 0) {
        return err_prefix(err, "parameter %s", name);
    }
    return 0;
}

static void do_upload(struct collect *c, const struct principal *who,
                      const struct api_request *rq, struct api_response *rs)
{
    struct upload up;
    struct rule_report rep = {0};
    struct err err;
    int64_t year = 0;
    int64_t id = 0;

    if (!upload_type_ok(rq->content_type)) {
        problem(rs, 415,
                "send text/csv (long CSV or SDMX-CSV) or an .xlsx "
                "workbook");
        return;
    }
    memset(&up, 0, sizeof(up));
    if (parse_opt_int(rq->year, YEAR_MIN, YEAR_MAX, &year, "year", &err) != 0 ||
        parse_opt_int(rq->replaces, 1, INT64_MAX, &up.replaces, "replaces",
                      &err) != 0) {
        fail(rs, &err);
        return;
    }
    up.data = rq->body ? rq->body : "";
    up.len = rq->body_len;
    up.name = rq->name && code_valid(rq->name, strlen(rq->name)) ? rq->name
                                                                 : "upload";
    up.economy = rq->economy;
    up.year = (int)year;
    if (collect_upload(c, who, &up, &id, &rep, &err) != 0) {
        rule_report_cleanup(&rep);
        fail(rs, &err);
        return;
    }
    ok_json(rs, 201);
    buf_printf(&rs->body,
               "{\"id\":%lld,\"state\":\"draft\",\"errors\":%zu,"
               "\"warnings\":%zu,\"rules\":",
               (long long)id, rep.failed_errors, rep.failed_warnings);
    collect_report_json(&rep, true, &rs->body);
    buf_putc(&rs->body, '}');
    rule_report_cleanup(&rep);
}

static int return_notes(json_t *j, struct review_note *notes, size_t cap,
                        size_t *count, struct err *err)
{
    json_t *arr = json_object_get(j, "comments");
    size_t i;
    json_t *x;

    if (!json_is_array(arr) || json_array_size(arr) > cap) {
        return err_set(err, ERR_INVALID,
                       "body: want {\"comments\": [{\"cell\""
                       ": ..., \"text\": ...}, ...]} (at most %zu)",
                       cap);
    }
    json_array_foreach(arr, i, x)
    {
        const char *cell = "";
        if (json_unpack(x, "{s?s, s:s}", "cell", &cell, "text",
                        &notes[i].text) != 0) {
            return err_set(err, ERR_INVALID,
                           "body: comment %zu needs a "
                           "text",
                           i + 1);
        }
        notes[i].cell = cell;
    }
    *count = json_array_size(arr);
    return 0;
}

static int act_with_body(struct collect *c, const struct principal *who,
                         const struct api_request *rq, int64_t id,
                         const char *action, struct err *err)
{
    struct review_note notes[64];
    size_t count = 0;
    const char *cell = "";
    const char *text = NULL;
    json_t *j = body_json(rq, err);
    int rc;

    if (j == NULL) {
        return err->code;
    }
    if (strcmp(action, "return") == 0) {
        rc = return_notes(j, notes, 64, &count, err);
        rc = rc ? rc : collect_return(c, who, id, notes, count, err);
    } else if (json_unpack(j, "{s?s, s:s}", "cell", &cell, "text", &text) !=
               0) {
        rc = err_set(err, ERR_INVALID,
                     "body: want {\"cell\": ..., "
                     "\"text\": ...}");
    } else {
        rc = collect_comment(c, who, id, cell, text, err);
    }
    json_decref(j);
    return rc;
}

static void do_action(struct collect *c, const struct principal *who,
                      const struct api_request *rq, int64_t id,
                      const char *action, struct api_response *rs)
{
    struct err err;
    int rc;

    if (strcmp(action, "submit") == 0) {
        rc = collect_submit(c, who, id, &err);
    } else if (strcmp(action, "approve") == 0) {
        rc = collect_approve(c, who, id, &err);
    } else if (strcmp(action, "return") == 0 ||
               strcmp(action, "comments") == 0) {
        rc = act_with_body(c, who, rq, id, action, &err);
    } else {
        problem(rs, 404, "no such action");
        return;
    }
    if (rc != 0) {
        fail(rs, &err);
        return;
    }
    ok_json(rs, 200);
    if (collect_submission_json(c, who, id, &rs->body, &err) != 0) {
        buf_printf(&rs->body, "{\"id\":%lld}", (long long)id);
    }
}

static void route_submissions(struct collect *c, const struct principal *who,
                              const struct api_request *rq,
                              struct api_response *rs)
{
    bool get = strcmp(rq->method, "GET") == 0;
    struct err err;
    int64_t id = 0;

    if (rq->nseg == 1) {
        if (get) {
            if (collect_list_json(c, who, rq->state, rq->region, &rs->body,
                                  &err) != 0) {
                fail(rs, &err);
                return;
            }
            ok_json(rs, 200);
            return;
        }
        do_upload(c, who, rq, rs);
        return;
    }
    if (parse_int64(rq->segs[1], strlen(rq->segs[1]), 1, INT64_MAX, &id,
                    &err) != 0) {
        problem(rs, 404, "no such submission");
        return;
    }
    if (rq->nseg == 2 && get) {
        if (collect_submission_json(c, who, id, &rs->body, &err) != 0) {
            fail(rs, &err);
            return;
        }
        ok_json(rs, 200);
        return;
    }
    if (rq->nseg == 3 && !get) {
        do_action(c, who, rq, id, rq->segs[2], rs);
        return;
    }
    problem(rs, rq->nseg == 3 ? 405 : 404, "no such route");
}

void api_handle(struct collect *c, struct auth_throttle *throttle,
                const struct api_request *rq, struct api_response *rs)
{
    struct principal who;
    char session[AUTH_TOKEN_MAX];
    struct err err;
    bool get = strcmp(rq->method, "GET") == 0;
    bool is_logout;

    rs->status = 200;
    rs->set_cookie[0] = '\0';
    if (!get && strcmp(rq->method, "POST") != 0) {
        problem(rs, 405, "use GET or POST");
        return;
    }
    if (rq->nseg == 1 && strcmp(rq->segs[0], "login") == 0 && !get) {
        do_login(c, throttle, rq, rs);
        return;
    }
    is_logout = rq->nseg == 1 && strcmp(rq->segs[0], "logout") == 0;
    if (!is_logout &&
        (rq->nseg == 0 || strcmp(rq->segs[0], "submissions") != 0)) {
        problem(rs, 404, "no such route");
        return;
    }
    if (authenticate(c, rq, &who, session, sizeof(session), &err) != 0) {
        fail(rs, &err);
        return;
    }
    if (is_logout) {
        if (session[0] != '\0' && collect_logout(c, session, &err) != 0) {
            fail(rs, &err);
            return;
        }
        snprintf(rs->set_cookie, sizeof(rs->set_cookie),
                 "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
                 API_SESSION_COOKIE);
        ok_json(rs, 200);
        buf_puts(&rs->body, "{}");
        return;
    }
    route_submissions(c, &who, rq, rs);
}
