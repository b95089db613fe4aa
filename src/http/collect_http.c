/* Data collection over HTTP (see collect_http.h): the API bridge and the
 * portal pages. Pages read through collect/ and act through the JSON API
 * from a few lines of script that send the session's CSRF token. */
#include "collect_http.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../collect/api.h"
#include "../collect/collect.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "out.h"

struct collect_http {
    const char *db_path; /* borrowed */
    struct questionnaire qn;
    struct ruleset rules;
    struct auth_throttle *throttle;
    pthread_key_t key; /* per-thread read-write struct store * */
};

static void free_store(void *p)
{
    store_close(p);
}

struct collect_http *collect_http_new(const char *db_path, const char *data_dir,
                                      struct err *err)
{
    struct collect_http *h = xcalloc(1, sizeof(*h));
    struct buf path;
    struct store *s;
    int rc;

    h->db_path = db_path;
    buf_init(&path);
    buf_printf(&path, "%s/questionnaire.csv", data_dir);
    rc = questionnaire_load(&h->qn, buf_cstr(&path), err);
    buf_reset(&path);
    buf_printf(&path, "%s/rules", data_dir);
    s = rc == 0 ? store_open(db_path, 0, err) : NULL;
    if (s != NULL) {
        rc = collect_rules_load(s, buf_cstr(&path), &h->rules, err);
        store_close(s);
    } else {
        rc = err->code;
    }
    buf_cleanup(&path);
    if (rc != 0) {
        questionnaire_cleanup(&h->qn);
        ruleset_cleanup(&h->rules);
        xfree(h);
        return NULL;
    }
    h->throttle = auth_throttle_new(5, 900, 60);
    pthread_key_create(&h->key, free_store);
    return h;
}

void collect_http_free(struct collect_http *h)
{
    if (h == NULL) {
        return;
    }
    pthread_key_delete(h->key);
    auth_throttle_free(h->throttle);
    ruleset_cleanup(&h->rules);
    questionnaire_cleanup(&h->qn);
    xfree(h);
}

/* This thread's read-write connection and a struct collect for "now", or
 * false after answering 503. */
static bool collect_or_respond(struct collect_http *h, struct ctx *c,
                               struct collect *out)
{
    struct store *s = pthread_getspecific(h->key);
    struct err err;

    if (s == NULL) {
        s = store_open(h->db_path, 0, &err);
        if (s == NULL) {
            http_problem(c->resp, 503, c->req->path,
                         "the store is unavailable");
            return false;
        }
        pthread_setspecific(h->key, s);
    }
    memset(out, 0, sizeof(*out));
    out->store = s;
    out->qn = &h->qn;
    out->rules = &h->rules;
    out->now = (int64_t)time(NULL);
    return true;
}

/* ---- API ---------------------------------------------------------------- */

void collect_http_api(struct collect_http *h, struct ctx *c,
                      const struct collect_http_in *in,
                      struct collect_http_out *out)
{
    const struct query *q = &c->req->query;
    struct api_request rq;
    struct api_response rs;
    struct collect col;

    c->resp->no_cache = true; /* private, per caller */
    if (c->req->nseg < 3 || !collect_or_respond(h, c, &col)) {
        if (c->req->nseg < 3) {
            http_problem(c->resp, 404, c->req->path, "no such route");
        }
        return;
    }
    memset(&rq, 0, sizeof(rq));
    rq.method = c->req->method;
    rq.segs = (const char *const *)&c->req->segs[2];
    rq.nseg = c->req->nseg - 2;
    rq.state = query_get(q, "state");
    rq.region = query_get(q, "region");
    rq.economy = query_get(q, "economy");
    rq.year = query_get(q, "year");
    rq.replaces = query_get(q, "replaces");
    rq.name = query_get(q, "name");
    rq.authorization = in->authorization;
    rq.cookie = in->cookie;
    rq.csrf = in->csrf;
    rq.content_type = in->content_type;
    rq.body = in->body;
    rq.body_len = in->body_len;
    rq.address = in->address;
    rq.is_tls = in->is_tls;
    memset(&rs, 0, sizeof(rs));
    buf_init(&rs.body);
    api_handle(&col, h->throttle, &rq, &rs);
    c->resp->status = rs.status;
    c->resp->ctype = rs.ctype;
    buf_reset(&c->resp->body);
    buf_append(&c->resp->body, rs.body.data ? rs.body.data : "", rs.body.len);
    buf_cleanup(&rs.body);
    snprintf(out->set_cookie, sizeof(out->set_cookie), "%s", rs.set_cookie);
    out->www_authenticate = rs.www_authenticate;
}

bool collect_http_caller(struct collect_http *h, struct ctx *c,
                         const struct collect_http_in *in,
                         enum collect_action action, struct collect *col,
                         struct principal *who)
{
    struct api_request rq;
    struct err err;

    c->resp->no_cache = true;
    if (!collect_or_respond(h, c, col)) {
        return false;
    }
    memset(&rq, 0, sizeof(rq));
    rq.method = c->req->method;
    rq.authorization = in->authorization;
    rq.cookie = in->cookie;
    rq.csrf = in->csrf;
    rq.content_type = in->content_type;
    rq.address = in->address;
    rq.is_tls = in->is_tls;
    if (api_authenticate(col, &rq, who, &err) != 0 ||
        collect_authorize(who, action, NULL, &err) != 0) {
        http_problem(c->resp, api_status_for(err.code), c->req->path, err.msg);
        c->resp->www_authenticate = err.code == ERR_AUTH;
        return false;
    }
    return true;
}

/* ---- Pages -------------------------------------------------------------- */

static void page_head(struct buf *b, const char *title, const char *csrf)
{
    buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta "
                "charset=\"utf-8\"><meta name=\"viewport\" "
                "content=\"width=device-width, initial-scale=1\">");
    if (csrf != NULL) {
        buf_puts(b, "<meta name=\"csrf-token\" content=\"");
        out_html(b, csrf);
        buf_puts(b, "\">");
    }
    buf_puts(b, "<title>");
    out_html(b, title);
    buf_puts(b, " · ictdev</title><link rel=\"stylesheet\" "
                "href=\"/static/ictdev.css\"></head><body><header "
                "class=\"site\"><a href=\"/\">ictdev · ICT statistics</a>"
                "<nav><a href=\"/collect\">Data collection</a></nav>"
                "</header><main>");
}

/* The script every collection page uses: act(method, url, body, type)
 * sends the CSRF token and shows the answer. */
static const char page_script[] =
    "<script>\n"
    "function csrf(){var m=document.querySelector('meta[name=csrf-token]');"
    "return m?m.content:'';}\n"
    "async function act(url,body,type){var r=await fetch(url,{method:'POST',"
    "credentials:'same-origin',headers:{'Content-Type':type||"
    "'application/json','X-CSRF-Token':csrf()},body:body||'{}'});"
    "var t=await r.text();var o=document.getElementById('answer');"
    "if(r.ok){location.reload();}else if(o){o.textContent=r.status+' '+t;}"
    "}\n"
    "</script>";

static void page_tail(struct buf *b, struct ctx *c)
{
    buf_puts(b, "<pre id=\"answer\" class=\"answer\" aria-live=\"polite\">"
                "</pre></main>");
    buf_puts(b, page_script);
    buf_puts(b, "</body></html>\n");
    c->resp->ctype = "text/html; charset=utf-8";
    c->resp->no_cache = true;
}

static void login_page(struct ctx *c, const char *why)
{
    struct buf *b = &c->resp->body;

    page_head(b, "Sign in", NULL);
    buf_puts(b, "<h1>Data collection: sign in</h1>");
    if (why != NULL) {
        buf_puts(b, "<p class=\"note\">");
        out_html(b, why);
        buf_puts(b, "</p>");
    }
    buf_puts(b, "<form onsubmit=\"event.preventDefault();act('/api/v1/login',"
                "JSON.stringify({user:this.user.value,password:this.password."
                "value}))\"><label>User <input name=\"user\" required "
                "autocomplete=\"username\"></label> <label>Password <input "
                "name=\"password\" type=\"password\" required "
                "autocomplete=\"current-password\"></label> <button>Sign "
                "in</button></form>");
    page_tail(b, c);
}

/* The signed-in principal and the session's CSRF token; false after
 * answering with the login page. */
static bool signed_in(struct collect *col, struct ctx *c,
                      const struct collect_http_in *in, struct principal *who,
                      char csrf[AUTH_TOKEN_MAX])
{
    char session[AUTH_TOKEN_MAX];
    struct err err;

    if (in->cookie == NULL || !api_cookie_value(in->cookie, API_SESSION_COOKIE,
                                                session, sizeof(session))) {
        login_page(c, NULL);
        return false;
    }
    if (collect_auth_session(col, session, in->address, who, &err) != 0) {
        login_page(c, "Your session has ended; please sign in again.");
        return false;
    }
    auth_csrf_token(session, csrf);
    return true;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? s : "";
}

static void jnum(struct buf *b, json_t *v)
{
    if (json_is_number(v)) {
        buf_put_double(b, json_number_value(v));
    } else {
        buf_puts(b, "–");
    }
}

static void upload_form(struct buf *b, const struct principal *who)
{
    const char *p = who->economies;

    if (who->role != ROLE_ADMIN && who->role != ROLE_FOCAL) {
        return;
    }
    buf_puts(b, "<h2>Questionnaire</h2><form id=\"up\" onsubmit=\"event."
                "preventDefault();var f=this.file.files[0];if(!f)return;act("
                "'/api/v1/submissions?economy='+this.economy.value+'&year='+"
                "this.year.value+'&name='+encodeURIComponent(f.name),f,f.name"
                ".endsWith('.xlsx')?'application/vnd.openxmlformats-"
                "officedocument.spreadsheetml.sheet':'text/csv')\"><label>"
                "Economy <select name=\"economy\">");
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        buf_puts(b, "<option>");
        buf_append(b, p, len);
        buf_puts(b, "</option>");
        p += len + (p[len] == ',');
    }
    if (who->role == ROLE_ADMIN) {
        buf_puts(b, "</select><input name=\"economy_free\" "
                    "placeholder=\"or ISO3\" oninput=\"this.form.economy."
                    "add(new Option(this.value,this.value,true,true))\">");
    } else {
        buf_puts(b, "</select>");
    }
    buf_puts(b, "</label> <label>Year <input name=\"year\" type=\"number\" "
                "min=\"1900\" max=\"2100\" required></label> <a "
                "href=\"#\" onclick=\"var f=document.getElementById('up');"
                "this.href='/collect/questionnaire?economy='+f.economy.value+"
                "'&year='+f.year.value\">download the questionnaire</a> "
                "<label>Filled file (.xlsx, CSV, SDMX-CSV) <input "
                "name=\"file\" type=\"file\" accept=\".xlsx,.csv\" "
                "required></label> <button>Upload</button></form>");
}

static void queue_table(struct buf *b, json_t *list)
{
    size_t i;
    json_t *x;

    buf_puts(b, "<table><thead><tr><th>#</th><th>Economy</th><th>Region"
                "</th><th>Year</th><th>State</th><th>Errors</th><th>"
                "Warnings</th><th>File</th><th>By</th></tr></thead><tbody>");
    json_array_foreach(list, i, x)
    {
        long long id = (long long)json_integer_value(json_object_get(x, "id"));
        buf_printf(b,
                   "<tr><td><a href=\"/collect/submissions/%lld\">%lld"
                   "</a></td><td>",
                   id, id);
        out_html(b, jstr(x, "economy"));
        buf_puts(b, "</td><td>");
        out_html(b, jstr(x, "region"));
        buf_printf(b, "</td><td>%lld</td><td>",
                   (long long)json_integer_value(json_object_get(x, "year")));
        out_html(b, jstr(x, "state"));
        buf_printf(
            b, "</td><td>%lld</td><td>%lld</td><td>",
            (long long)json_integer_value(json_object_get(x, "errors")),
            (long long)json_integer_value(json_object_get(x, "warnings")));
        out_html(b, jstr(x, "file"));
        buf_puts(b, "</td><td>");
        out_html(b, jstr(x, "created_by"));
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table>");
}

static void home_page(struct collect *col, struct ctx *c,
                      const struct principal *who, const char *csrf)
{
    const char *state = query_get(&c->req->query, "state");
    const char *region = query_get(&c->req->query, "region");
    struct buf *b = &c->resp->body;
    struct buf list;
    struct err err;
    json_t *arr;

    buf_init(&list);
    page_head(b, "Data collection", csrf);
    buf_puts(b, "<h1>Data collection</h1><p>Signed in as <b>");
    out_html(b, who->name);
    buf_printf(b, "</b> (%s", role_name(who->role));
    if (who->economies[0] != '\0') {
        buf_puts(b, ": ");
        out_html(b, who->economies);
    }
    buf_puts(b, ") <button onclick=\"act('/api/v1/logout')\">Sign out"
                "</button></p>");
    upload_form(b, who);
    buf_puts(b, "<h2>Submissions</h2><form method=\"get\"><label>State "
                "<select name=\"state\"><option value=\"\">any</option>"
                "<option>draft</option><option>submitted</option><option>"
                "returned</option><option>resubmitted</option><option>"
                "approved</option></select></label> <label>Region <input "
                "name=\"region\" size=\"6\" placeholder=\"AFR\"></label> "
                "<button>Show</button></form>");
    if (collect_list_json(col, who, state && state[0] ? state : NULL,
                          region && region[0] ? region : NULL, &list,
                          &err) != 0) {
        buf_puts(b, "<p class=\"note\">");
        out_html(b, err.msg);
        buf_puts(b, "</p>");
    } else {
        arr = json_loads(buf_cstr(&list), 0, NULL);
        queue_table(b, arr);
        json_decref(arr);
    }
    buf_cleanup(&list);
    page_tail(b, c);
}

static void values_table(struct buf *b, json_t *vals, bool can_comment,
                         long long id)
{
    size_t i;
    json_t *v;

    buf_puts(b, "<h2>Values</h2><table><thead><tr><th>Cell</th><th>"
                "Indicator</th><th>Breakdown</th><th>Value</th><th>Last "
                "year</th><th>Published</th><th>Comment</th></tr></thead>"
                "<tbody>");
    json_array_foreach(vals, i, v)
    {
        buf_puts(b, "<tr id=\"");
        out_html(b, jstr(v, "cell"));
        buf_puts(b, "\"><td>");
        out_html(b, jstr(v, "cell"));
        buf_puts(b, "</td><td><a href=\"/indicators/");
        out_html(b, jstr(v, "indicator"));
        buf_puts(b, "\">");
        out_html(b, jstr(v, "indicator"));
        buf_puts(b, "</a></td><td>");
        out_html(b, jstr(v, "dims"));
        buf_puts(b, "</td><td>");
        jnum(b, json_object_get(v, "value"));
        buf_puts(b, "</td><td>");
        jnum(b, json_object_get(v, "last_year"));
        buf_puts(b, "</td><td>");
        jnum(b, json_object_get(v, "published"));
        buf_puts(b, "</td><td>");
        out_html(b, jstr(v, "comment"));
        if (can_comment) {
            buf_printf(b,
                       " <button onclick=\"var t=prompt('Comment');if(t)"
                       "act('/api/v1/submissions/%lld/comments',JSON."
                       "stringify({cell:this.closest('tr').id,text:t}))\">"
                       "comment</button>",
                       id);
        }
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table>");
}

static void rules_table(struct buf *b, json_t *rules)
{
    size_t i;
    json_t *r;

    buf_puts(b, "<h2>Rule results</h2><table><thead><tr><th>Rule</th><th>"
                "Severity</th><th>Outcome</th><th>Values (cells)</th></tr>"
                "</thead><tbody>");
    json_array_foreach(rules, i, r)
    {
        size_t j;
        json_t *op;
        if (strcmp(jstr(r, "outcome"), "pass") == 0) {
            continue;
        }
        buf_puts(b, "<tr><td>");
        out_html(b, jstr(r, "rule"));
        buf_puts(b, "</td><td>");
        out_html(b, jstr(r, "severity"));
        buf_puts(b, "</td><td>");
        out_html(b, jstr(r, "outcome"));
        buf_puts(b, "</td><td>");
        json_array_foreach(json_object_get(r, "operands"), j, op)
        {
            buf_puts(b, j ? ", " : "");
            out_html(b, jstr(op, "ref"));
            buf_puts(b, " = ");
            jnum(b, json_object_get(op, "value"));
            if (jstr(op, "cell")[0] != '\0') {
                buf_puts(b, " (<a href=\"#");
                out_html(b, jstr(op, "cell"));
                buf_puts(b, "\">");
                out_html(b, jstr(op, "cell"));
                buf_puts(b, "</a>)");
            }
        }
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table>");
}

static void comments_list(struct buf *b, json_t *notes)
{
    size_t i;
    json_t *n;

    buf_puts(b, "<h2>Review comments</h2><ul>");
    json_array_foreach(notes, i, n)
    {
        buf_puts(b, "<li><b>");
        out_html(b, jstr(n, "author"));
        buf_puts(b, "</b> ");
        out_html(b, jstr(n, "cell")[0] ? jstr(n, "cell") : "(submission)");
        buf_puts(b, ": ");
        out_html(b, jstr(n, "text"));
        buf_puts(b, "</li>");
    }
    buf_puts(b, "</ul>");
}

static void actions(struct buf *b, const struct principal *who,
                    const char *state, long long id)
{
    bool draft = strcmp(state, "draft") == 0 || strcmp(state, "returned") == 0;
    bool waiting =
        strcmp(state, "submitted") == 0 || strcmp(state, "resubmitted") == 0;

    buf_puts(b, "<p class=\"actions\">");
    if (draft && (who->role == ROLE_FOCAL || who->role == ROLE_ADMIN)) {
        buf_printf(b,
                   "<button onclick=\"act('/api/v1/submissions/%lld/"
                   "submit')\">Submit</button> ",
                   id);
    }
    if (waiting && (who->role == ROLE_ANALYST || who->role == ROLE_ADMIN)) {
        buf_printf(b,
                   "<button onclick=\"act('/api/v1/submissions/%lld/"
                   "approve')\">Approve</button> <button onclick=\"var t="
                   "prompt('Why? (CELL=text for a value)');if(t){var i=t."
                   "indexOf('=');act('/api/v1/submissions/%lld/return',JSON."
                   "stringify({comments:[i>0&&t.slice(0,i).indexOf(' ')<0?{"
                   "cell:t.slice(0,i),text:t.slice(i+1)}:{text:t}]}))}\">"
                   "Return</button>",
                   id, id);
    }
    buf_puts(b, "</p>");
}

static void submission_page(struct collect *col, struct ctx *c,
                            const struct principal *who, const char *csrf,
                            int64_t id)
{
    struct buf *b = &c->resp->body;
    struct buf js;
    struct err err;
    json_t *d;
    char title[64];

    buf_init(&js);
    if (collect_submission_json(col, who, id, &js, &err) != 0) {
        buf_cleanup(&js);
        http_problem_err(c->resp, c->req->path, &err);
        return;
    }
    d = json_loads(buf_cstr(&js), 0, NULL);
    buf_cleanup(&js);
    snprintf(title, sizeof(title), "Submission %lld", (long long)id);
    page_head(b, title, csrf);
    buf_printf(b, "<h1>Submission %lld: ", (long long)id);
    out_html(b, jstr(d, "economy"));
    buf_printf(b, " %lld, ",
               (long long)json_integer_value(json_object_get(d, "year")));
    out_html(b, jstr(d, "state"));
    buf_puts(b, "</h1><p>File ");
    out_html(b, jstr(d, "file"));
    buf_puts(b, " (");
    out_html(b, jstr(d, "format"));
    buf_puts(b, ", SHA-256 <code>");
    out_html(b, jstr(d, "sha256"));
    buf_puts(b, "</code>) by ");
    out_html(b, jstr(d, "created_by"));
    buf_puts(b, " from ");
    out_html(b, jstr(d, "address"));
    buf_puts(b, ". <a href=\"/collect\">Back to the queue</a></p>");
    actions(b, who, jstr(d, "state"), (long long)id);
    rules_table(b, json_object_get(d, "rules"));
    values_table(b, json_object_get(d, "values"), who->role != ROLE_VIEWER,
                 (long long)id);
    comments_list(b, json_object_get(d, "comments"));
    json_decref(d);
    page_tail(b, c);
}

/* GET /collect/questionnaire?economy=&year=: the .xlsx, to anyone signed
 * in. */
static void questionnaire_download(struct collect *col, struct ctx *c)
{
    const char *econ = query_get(&c->req->query, "economy");
    const char *year_s = query_get(&c->req->query, "year");
    char path[] = "/tmp/ictdev-qn-XXXXXX";
    int64_t year = 0;
    struct err err;
    FILE *f;
    char chunk[16384];
    size_t n;
    int fd;

    if (econ == NULL || year_s == NULL ||
        parse_int64(year_s, strlen(year_s), YEAR_MIN, YEAR_MAX, &year, &err) !=
            0) {
        http_problem(c->resp, 400, c->req->path, "give economy and year");
        return;
    }
    fd = mkstemp(path);
    if (fd < 0) {
        http_problem(c->resp, 500, c->req->path, "no temporary file");
        return;
    }
    close(fd);
    if (collect_questionnaire_file(col, econ, (int)year, path, NULL, &err) !=
        0) {
        unlink(path);
        http_problem_err(c->resp, c->req->path, &err);
        return;
    }
    f = fopen(path, "rb");
    while (f != NULL && (n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        buf_append(&c->resp->body, chunk, n);
    }
    if (f != NULL) {
        fclose(f);
    }
    unlink(path);
    c->resp->ctype =
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    snprintf(c->resp->disposition, sizeof(c->resp->disposition),
             "attachment; filename=\"questionnaire-%.8s-%d.xlsx\"", econ,
             (int)year);
    c->resp->no_cache = true;
}

void collect_http_page(struct collect_http *h, struct ctx *c,
                       const struct collect_http_in *in)
{
    struct collect col;
    struct principal who;
    char csrf[AUTH_TOKEN_MAX];
    int64_t id = 0;
    struct err err;

    c->resp->no_cache = true;
    if (!collect_or_respond(h, c, &col) ||
        !signed_in(&col, c, in, &who, csrf)) {
        return;
    }
    if (c->req->nseg == 1) {
        home_page(&col, c, &who, csrf);
    } else if (c->req->nseg == 2 &&
               strcmp(c->req->segs[1], "questionnaire") == 0) {
        questionnaire_download(&col, c);
    } else if (c->req->nseg == 3 &&
               strcmp(c->req->segs[1], "submissions") == 0 &&
               parse_int64(c->req->segs[2], strlen(c->req->segs[2]), 1,
                           INT64_MAX, &id, &err) == 0) {
        submission_page(&col, c, &who, csrf, id);
    } else {
        http_problem(c->resp, 404, c->req->path, "no such page");
    }
}
