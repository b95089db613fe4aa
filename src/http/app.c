/* Routing, per-thread store connections and shared helpers; see app.h. */
#include <stdio.h>
#include <string.h>

#include "../core/mem.h"
#include "../store/plan_store.h"
#include "app_int.h"
#include "collect_http.h"

struct route {
    const char *pattern; /* "/api/v1/indicators/{}" */
    void (*handler)(struct ctx *c);
};

static void healthz(struct ctx *c);

static const struct route routes[] = {
    {"/healthz", healthz},
    {"/api/v1/openapi.json", api_openapi},
    {"/api/v1/indicators", api_indicators},
    {"/api/v1/indicators/{}", api_indicator},
    {"/api/v1/economies", api_economies},
    {"/api/v1/economies/{}", api_economy},
    {"/api/v1/groups", api_groups},
    {"/api/v1/groups/{}", api_group},
    {"/api/v1/data", api_data},
    {"/api/v1/data/{}/{}", api_data_short},
    {"/api/v1/aggregates", api_aggregates},
    {"/api/v1/idi", api_idi},
    {"/api/v1/affordability", api_affordability},
    {"/sdmx/data/{}", api_sdmx},
    {"/sdmx/data/{}/{}", api_sdmx},
    {"/", page_home},
    {"/indicators/{}", page_indicator},
    {"/economies/{}", page_economy},
    {"/groups/{}", page_group},
    {"/catalogue", page_catalogue},
    {"/idi", page_idi},
    {"/static/{}", static_file},
    {"/api/v1/plan", api_plan},
    {"/api/v1/plan/progress", api_plan_progress},
    {"/api/v1/plan/links", api_plan_links_q},
    {"/api/v1/plan/links/{}", api_plan_links},
    {"/api/v1/plan/matrix", api_plan_matrix},
    {"/api/v1/plan/report", api_plan_report},
    {"/api/v1/plan/iati", api_plan_iati},
    {"/plan", page_plan},
};

static void free_store(void *p)
{
    store_close(p);
}

struct store *ctx_store_or_respond(struct ctx *c)
{
    struct store *st = pthread_getspecific(c->app->key);
    struct err err;
    if (st != NULL) {
        return st;
    }
    st = store_open(c->app->db_path, STORE_OPEN_READONLY, &err);
    if (st == NULL) {
        fprintf(stderr, "ictdev serve: %s\n", err.msg);
        http_problem(c->resp, 503, c->req->path, "the store is unavailable");
        return NULL;
    }
    pthread_setspecific(c->app->key, st);
    return st;
}

void ctx_fail(struct ctx *c, const struct err *err)
{
    http_problem_err(c->resp, c->req->path, err);
}

void ctx_bad_param(struct ctx *c, const char *param, const char *why)
{
    char msg[400];
    snprintf(msg, sizeof(msg), "parameter '%s': %s", param, why);
    http_problem(c->resp, 400, c->req->path, msg);
}

bool ctx_known_params_or_respond(struct ctx *c, const char *const *allowed)
{
    struct err err;
    if (query_check_known(&c->req->query, allowed, &err) != 0) {
        http_problem(c->resp, 400, c->req->path, err.msg);
        return false;
    }
    return true;
}

static void healthz(struct ctx *c)
{
    struct store *st;
    int64_t b = 0, t = 0;
    struct err err;
    c->resp->no_cache = true;
    if ((st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (store_last_revision(st, &b, &t, &err) != 0) {
        http_problem(c->resp, 503, c->req->path, "the store does not answer");
        return;
    }
    c->resp->ctype = "application/json";
    buf_printf(&c->resp->body,
               "{\"status\":\"ok\",\"revision\":%lld,\"revision_time\":%lld}\n",
               (long long)b, (long long)t);
}

/* ---- rows ---- */

void rows_cleanup(struct rows *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        xfree(rs->r[i].indicator);
        xfree(rs->r[i].economy);
        xfree(rs->r[i].dims);
        xfree(rs->r[i].source);
        xfree(rs->r[i].note);
    }
    xfree(rs->r);
    rs->r = NULL;
    rs->n = rs->cap = 0;
}

int rows_collect(void *ctx, const struct obs *o, struct err *err)
{
    struct rows *rs = ctx;
    struct row *r;
    if (rs->limit && rs->n >= rs->limit) {
        return err_set(err, ERR_LIMIT,
                       "more than %zu values: narrow the query (indicator, "
                       "economy, years)",
                       rs->limit);
    }
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 256;
        rs->r = xreallocarray(rs->r, rs->cap, sizeof(*rs->r));
    }
    r = &rs->r[rs->n++];
    r->indicator = xstrdup(o->indicator);
    r->economy = xstrdup(o->economy);
    r->dims = xstrdup(o->dims ? o->dims : "");
    r->source = xstrdup(o->source ? o->source : "");
    r->note = xstrdup(o->note ? o->note : "");
    r->year = o->year;
    r->value = o->value;
    r->status = (int)o->status;
    r->batch = o->batch;
    r->batch_time = o->batch_time;
    return 0;
}

/* ---- names ---- */

static void names_add(struct names *nm, const char *code, const char *name,
                      const char *kind)
{
    nm->v = xreallocarray(nm->v, nm->n + 1, sizeof(*nm->v));
    nm->kind = xreallocarray(nm->kind, nm->n + 1, sizeof(*nm->kind));
    nm->v[nm->n] = xstrdup(name);
    nm->kind[nm->n] = xstrdup(kind);
    strmap_put(&nm->map, code, strlen(code), nm->n);
    nm->n++;
}

static int names_eco(void *ctx, const struct economy *e, struct err *err)
{
    (void)err;
    names_add(ctx, e->code, e->name, "economy");
    return 0;
}

static int names_grp(void *ctx, const struct group *g, struct err *err)
{
    (void)err;
    names_add(ctx, g->code, g->name, g->kind);
    return 0;
}

int names_load(struct store *st, struct names *nm, struct err *err)
{
    memset(nm, 0, sizeof(*nm));
    strmap_init(&nm->map);
    if (store_economy_list(st, names_eco, nm, err) != 0 ||
        store_group_list(st, names_grp, nm, err) != 0) {
        names_cleanup(nm);
        return err->code;
    }
    return 0;
}

const char *names_get(const struct names *nm, const char *code)
{
    size_t i;
    if (strmap_get(&nm->map, code, strlen(code), &i)) {
        return nm->v[i];
    }
    return code;
}

const char *names_kind(const struct names *nm, const char *code)
{
    size_t i;
    if (strmap_get(&nm->map, code, strlen(code), &i)) {
        return nm->kind[i];
    }
    return "";
}

void names_cleanup(struct names *nm)
{
    for (size_t i = 0; i < nm->n; i++) {
        xfree(nm->v[i]);
        xfree(nm->kind[i]);
    }
    xfree(nm->v);
    xfree(nm->kind);
    strmap_cleanup(&nm->map);
    memset(nm, 0, sizeof(*nm));
}

/* ---- routing ---- */

/* Match req's segments against pattern; fill params. */
static bool match(const char *pattern, const struct http_req *req,
                  const char **params)
{
    size_t i = 0, np = 0;
    const char *p = pattern;
    while (*p == '/') {
        p++;
    }
    while (*p) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (i >= req->nseg) {
            return false;
        }
        if (n == 2 && p[0] == '{' && p[1] == '}') {
            if (np < 4) {
                params[np++] = req->segs[i];
            }
        } else if (strlen(req->segs[i]) != n ||
                   strncmp(req->segs[i], p, n) != 0) {
            return false;
        }
        i++;
        p += n;
        while (*p == '/') {
            p++;
        }
    }
    return i == req->nseg;
}

/* Data collection: the only routes that take POST (collect_http.h). */
static const char *const collect_api_routes[] = {
    "/api/v1/login", "/api/v1/logout", "/api/v1/submissions",
    "/api/v1/submissions/{}", "/api/v1/submissions/{}/{}"};
static const char *const collect_page_routes[] = {"/collect", "/collect/{}",
                                                  "/collect/submissions/{}"};

/* True if req went to data collection (and was answered). */
static bool handle_collect(struct ctx *c)
{
    const struct http_req *req = c->req;
    struct collect_http_in in;
    struct collect_http_out out;

    if (c->app->collect == NULL) {
        return false;
    }
    memset(&in, 0, sizeof(in));
    in.authorization = req->authorization;
    in.cookie = req->cookie;
    in.csrf = req->csrf;
    in.content_type = req->content_type;
    in.body = req->body;
    in.body_len = req->body_len;
    in.address = req->address ? req->address : "";
    for (size_t i = 0; i < ARRAY_COUNT(collect_api_routes); i++) {
        if (match(collect_api_routes[i], req, c->params)) {
            memset(&out, 0, sizeof(out));
            collect_http_api(c->app->collect, c, &in, &out);
            snprintf(c->resp->set_cookie, sizeof(c->resp->set_cookie), "%s",
                     out.set_cookie);
            c->resp->www_authenticate = out.www_authenticate;
            return true;
        }
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
        req->nseg >= 3 && strcmp(req->segs[0], "api") == 0 &&
        strcmp(req->segs[1], "v1") == 0 && strcmp(req->segs[2], "plan") == 0) {
        api_plan_write(c, c->app->collect, &in);
        return true;
    }
    for (size_t i = 0; i < ARRAY_COUNT(collect_page_routes); i++) {
        if (match(collect_page_routes[i], req, c->params) &&
            strcmp(req->method, "GET") == 0) {
            collect_http_page(c->app->collect, c, &in);
            return true;
        }
    }
    return false;
}

static void handle(void *cls, const struct http_req *req,
                   struct http_resp *resp)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.app = cls;
    c.req = req;
    c.resp = resp;
    if (handle_collect(&c)) {
        return;
    }
    for (size_t i = 0; i < ARRAY_COUNT(routes); i++) {
        if (!match(routes[i].pattern, req, c.params)) {
            continue;
        }
        if (strcmp(req->method, "GET") != 0 &&
            strcmp(req->method, "HEAD") != 0) {
            http_problem(resp, 405, req->path,
                         "this resource is read-only: use GET or HEAD");
            snprintf(resp->allow, sizeof(resp->allow), "GET, HEAD, OPTIONS");
            return;
        }
        routes[i].handler(&c);
        return;
    }
    http_problem(resp, 404, req->path, "no such resource");
}

static int64_t revision(void *cls, time_t *out_time)
{
    struct app *a = cls;
    struct store *st = pthread_getspecific(a->key);
    struct err err;
    int64_t b = 0, t = 0;
    if (st == NULL) {
        st = store_open(a->db_path, STORE_OPEN_READONLY, &err);
        if (st == NULL) {
            return -1;
        }
        pthread_setspecific(a->key, st);
    }
    if (store_last_revision(st, &b, &t, &err) != 0) {
        return -1;
    }
    {
        /* A plan change must change validators too: its version counts
         * in the high bits. */
        int64_t pv = 0, pt = 0;
        if (plan_store_last(st, &pv, &pt, &err) == 0 && pv > 0) {
            b += pv << 32;
            t = pt > t ? pt : t;
        }
    }
    *out_time = (time_t)t;
    return b;
}

struct app *app_new(const char *db_path, const char *geo_path, struct err *err)
{
    struct app *a;
    struct store *st = store_open(db_path, STORE_OPEN_READONLY, err);
    if (st == NULL) {
        return NULL;
    }
    store_close(st);
    a = xcalloc(1, sizeof(*a));
    a->db_path = xstrdup(db_path);
    a->world = geo_load(geo_path, 960, err);
    if (a->world == NULL) {
        xfree(a->db_path);
        xfree(a);
        return NULL;
    }
    pthread_key_create(&a->key, free_store);
    results_init(a, geo_path);
    return a;
}

int app_enable_collect(struct app *a, const char *data_dir, struct err *err)
{
    a->collect = collect_http_new(a->db_path, data_dir, err);
    return a->collect ? 0 : err->code;
}

void app_free(struct app *a)
{
    if (a == NULL) {
        return;
    }
    collect_http_free(a->collect);
    /* The main thread may have opened one for checks. */
    free_store(pthread_getspecific(a->key));
    pthread_key_delete(a->key);
    results_free(a);
    geo_free(a->world);
    xfree(a->db_path);
    xfree(a);
}

struct http_app app_callbacks(struct app *a)
{
    struct http_app h;
    h.handle = handle;
    h.revision = revision;
    h.cls = a;
    return h;
}
