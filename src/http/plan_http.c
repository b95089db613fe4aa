/* The results framework over HTTP: the JSON/CSV/XML API under /api/v1/plan
 * and the portal page /plan. Each request reads the current plan from the
 * thread's store connection (the seed in data/plan when none is stored),
 * measures it on the store's statistics and renders with plan/render.h;
 * nothing is computed here. Answers are not cached: the plan changes
 * without a new observation revision. The write endpoints (POST, PUT,
 * DELETE on /api/v1/plan/elements, /links, /values) authenticate and
 * authorize through collect_http_caller (admin and analyst), apply the
 * change with the same plan/ functions as `ictdev plan`, and save a new
 * plan version only when the change was accepted. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/limits.h"
#include "../core/strparse.h"
#include "../plan/plan_db.h"
#include "../plan/progress.h"
#include "../plan/render.h"
#include "app_int.h"
#include "collect_http.h"
#include "out.h"

/* A measured plan for one request. */
struct plan_req {
    struct plan *plan;
    int64_t version;
    struct plan_stats stats;
    struct plan_progress *progress;
    int year;
};

static void plan_req_cleanup(struct plan_req *pq)
{
    plan_progress_free(pq->progress);
    plan_stats_cleanup(&pq->stats);
    plan_free(pq->plan);
}

/* Read ?year= (default: the latest year with data), load the plan and,
 * when measure, read the statistics its KPIs need. On failure the answer is
 * written and false returned. */
static bool plan_load_or_respond(struct ctx *c, const char *const *allowed,
                                 bool measure, struct plan_req *pq)
{
    const char *y = query_get(&c->req->query, "year");
    struct store *st;
    struct err err = {0};
    struct buf dir;
    int64_t year = 0;

    memset(pq, 0, sizeof(*pq));
    plan_stats_init(&pq->stats);
    c->resp->no_cache = true;
    if (!ctx_known_params_or_respond(c, allowed)) {
        return false;
    }
    if (y != NULL &&
        parse_int64(y, strlen(y), YEAR_MIN, YEAR_MAX, &year, &err) != 0) {
        ctx_bad_param(c, "year", "want a year 1900..2100");
        return false;
    }
    if ((st = ctx_store_or_respond(c)) == NULL) {
        return false;
    }
    buf_init(&dir);
    plan_db_default_dir(&dir);
    pq->plan = plan_db_current(st, buf_cstr(&dir), &pq->version, &err);
    buf_cleanup(&dir);
    if (pq->plan == NULL ||
        (measure && plan_db_stats(st, pq->plan, &pq->stats, &err) != 0)) {
        ctx_fail(c, &err);
        return false;
    }
    pq->progress = plan_progress_new(pq->plan, &pq->stats);
    pq->year = (int)year;
    if (pq->year == 0) {
        pq->year = plan_progress_last_year(pq->progress);
    }
    if (pq->year == 0) {
        pq->year = 2000;
    }
    return true;
}

static bool plan_req_or_respond(struct ctx *c, const char *const *allowed,
                                struct plan_req *pq)
{
    return plan_load_or_respond(c, allowed, true, pq);
}

/* GET /api/v1/plan: the set loaded, the year and the tree. */
void api_plan(struct ctx *c)
{
    static const char *const allowed[] = {"year", NULL};
    struct plan_req pq;
    struct buf *b = &c->resp->body;

    if (plan_req_or_respond(c, allowed, &pq)) {
        buf_puts(b, "{\"set\":");
        plan_render_set_json(pq.plan, (long long)pq.version, b);
        buf_printf(b, ",\"year\":%d,\"priorities\":", pq.year);
        plan_render_tree(pq.progress, pq.year, true, b);
        buf_puts(b, "}\n");
        c->resp->ctype = "application/json";
    }
    plan_req_cleanup(&pq);
}

/* GET /api/v1/plan/progress?year=&format=json|csv */
void api_plan_progress(struct ctx *c)
{
    static const char *const allowed[] = {"year", "format", NULL};
    const char *f = query_get(&c->req->query, "format");
    struct plan_req pq;
    bool csv = f != NULL && strcmp(f, "csv") == 0;

    if (f != NULL && !csv && strcmp(f, "json") != 0) {
        ctx_bad_param(c, "format", "want json or csv");
        return;
    }
    if (plan_req_or_respond(c, allowed, &pq)) {
        if (csv) {
            plan_render_progress(pq.progress, pq.year, true, &c->resp->body);
            c->resp->ctype = "text/csv; charset=utf-8; header=present";
        } else {
            plan_render_progress_json(pq.progress, pq.year, &c->resp->body);
            c->resp->ctype = "application/json";
        }
    }
    plan_req_cleanup(&pq);
}

static void links_for(struct ctx *c, const char *target)
{
    static const char *const allowed[] = {"year", "target", NULL};
    struct plan_req pq;

    if (plan_req_or_respond(c, allowed, &pq)) {
        if (target == NULL ||
            !plan_render_links_json(pq.progress, target, pq.year,
                                    &c->resp->body)) {
            http_problem(c->resp, 404, c->req->path,
                         "unknown linkage target or element (e.g. sdg:9.c, "
                         "wsis:C2, res:WTDC-37, ri:AFR1, q:Q1/1, P1)");
        } else {
            c->resp->ctype = "application/json";
        }
    }
    plan_req_cleanup(&pq);
}

/* GET /api/v1/plan/links/{target} */
void api_plan_links(struct ctx *c)
{
    links_for(c, c->params[0]);
}

/* GET /api/v1/plan/links?target=q:Q1/1 (for targets with a slash). */
void api_plan_links_q(struct ctx *c)
{
    links_for(c, query_get(&c->req->query, "target"));
}

/* GET /api/v1/plan/matrix */
void api_plan_matrix(struct ctx *c)
{
    static const char *const allowed[] = {"year", NULL};
    struct plan_req pq;

    if (plan_load_or_respond(c, allowed, false, &pq)) {
        plan_render_matrix_json(pq.progress, &c->resp->body);
        c->resp->ctype = "application/json";
    }
    plan_req_cleanup(&pq);
}

/* GET /api/v1/plan/report?year=: the printable report, as a download (its
 * inline styles would be refused by the portal's Content-Security-Policy
 * if shown in place). */
void api_plan_report(struct ctx *c)
{
    static const char *const allowed[] = {"year", NULL};
    struct plan_req pq;

    if (plan_req_or_respond(c, allowed, &pq)) {
        plan_render_report(pq.progress, pq.year, &c->resp->body);
        c->resp->ctype = "text/html; charset=utf-8";
        snprintf(c->resp->disposition, sizeof(c->resp->disposition),
                 "attachment; filename=\"plan-report-%d.html\"", pq.year);
    }
    plan_req_cleanup(&pq);
}

static const char *iso2_of(void *ctx, const char *iso3)
{
    return plan_db_iso2(ctx, iso3);
}

/* GET /api/v1/plan/iati: IATI activity XML 2.03 of the projects. */
void api_plan_iati(struct ctx *c)
{
    static const char *const allowed[] = {"org", NULL};
    const char *org = query_get(&c->req->query, "org");
    struct plan_req pq;
    struct plan_iati_opts o = {0};
    char now[32];
    time_t t = time(NULL);
    struct tm tm;

    if (plan_load_or_respond(c, allowed, false, &pq)) {
        gmtime_r(&t, &tm);
        strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
        o.reporting_org = org != NULL && org[0] != '\0' ? org : "XI-IATI-ITU";
        o.generated = now;
        o.iso2 = iso2_of;
        o.ctx = ctx_store_or_respond(c);
        plan_render_iati(pq.plan, &o, &c->resp->body);
        c->resp->ctype = "application/xml; charset=utf-8";
    }
    plan_req_cleanup(&pq);
}

/* ---- the portal page ---- */

static void page_head(struct buf *b)
{
    buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta "
                "charset=\"utf-8\"><meta name=\"viewport\" "
                "content=\"width=device-width, initial-scale=1\"><title>"
                "Kigali Action Plan · ictdev</title><link rel=\"stylesheet\" "
                "href=\"/static/ictdev.css\"><link rel=\"icon\" "
                "href=\"/static/favicon.svg\"></head><body><header "
                "class=\"site\"><a href=\"/\">ictdev · ICT statistics</a><nav>"
                "<a href=\"/\">Home</a><a href=\"/catalogue\">Catalogue</a>"
                "<a href=\"/groups/WLD\">World</a><a href=\"/plan\">Action "
                "plan</a><a href=\"/api/v1/openapi.json\">API</a></nav>"
                "</header><main>");
}

static void page_set(const struct plan_req *pq, struct buf *b)
{
    const struct plan *p = pq->plan;

    buf_printf(b,
               "<h1>Kigali Action Plan: results framework, %d</h1>\n"
               "<p>Set loaded: <b>",
               pq->year);
    out_html(b, p->set_name);
    buf_printf(b, "</b> (%s",
               p->set_illustrative ? "ILLUSTRATIVE" : "official");
    if (p->set_version[0] != '\0') {
        buf_puts(b, ", version ");
        out_html(b, p->set_version);
    }
    buf_puts(b, ").</p>\n");
    if (p->set_illustrative) {
        buf_puts(b, "<p class=\"pending\">");
        out_html(b, p->set_note);
        buf_puts(b, "</p>\n");
    }
    buf_printf(b,
               "<p class=\"downloads\"><a href=\"/api/v1/plan/report?"
               "year=%d\">Printable report (HTML)</a><a href=\"/api/v1/"
               "plan/progress?year=%d&amp;format=csv\">Progress (CSV)</a>"
               "<a href=\"/api/v1/plan?year=%d\">Tree (JSON)</a><a "
               "href=\"/api/v1/plan/iati\">Projects (IATI XML)</a></p>\n",
               pq->year, pq->year, pq->year);
}

static void page_kpi_row(const struct plan_req *pq, size_t i, struct buf *b)
{
    const struct plan_element *e = &pq->plan->elements[i];
    int vy;
    double v = plan_progress_latest(pq->progress, i, pq->year, &vy);

    buf_printf(b, "<tr><td>%s</td><td>", e->id);
    out_html(b, e->name);
    buf_puts(b, "<br><span class=\"muted\">");
    out_html(b, e->kpi.unit);
    buf_puts(b, "</span></td><td class=\"num\">");
    plan_put_num(b, v);
    if (vy != 0) {
        buf_printf(b, " <span class=\"muted\">(%d)</span>", vy);
    }
    buf_puts(b, "</td><td class=\"num\">");
    plan_put_num(b, e->kpi.base_value);
    buf_printf(b, " <span class=\"muted\">(%d)</span></td><td class=\"num\">",
               e->kpi.base_year);
    plan_put_num(b, e->kpi.target_value);
    buf_printf(b, " <span class=\"muted\">(%d)</span></td><td>",
               e->kpi.target_year);
    plan_render_status_dot(plan_progress_status(pq->progress, i, pq->year), b);
    buf_puts(b, "</td><td>");
    plan_render_kpi_svg(pq->progress, i, pq->year, b);
    buf_puts(b, "</td></tr>\n");
}

static void page_priority(const struct plan_req *pq, size_t pi, struct buf *b)
{
    const struct plan *p = pq->plan;
    const struct plan_element *pe = &p->elements[pi];
    struct plan_rollup r;

    buf_printf(b, "<h2 id=\"%s\">%s ", pe->id, pe->id);
    out_html(b, pe->name);
    buf_puts(b, "</h2>\n");
    plan_rollup_element(pq->progress, pe->id, pq->year, &r);
    if (r.total == 0) {
        buf_puts(b, "<p class=\"muted\">No KPI in this set.</p>\n");
        return;
    }
    plan_render_status_svg(&r, b);
    buf_puts(b, "<div class=\"scroll\"><table><thead><tr><th>KPI</th><th>"
                "Name</th><th class=\"num\">Value</th><th class=\"num\">"
                "Baseline</th><th class=\"num\">Target</th><th>Status</th>"
                "<th>Trend</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].kind == PLAN_KPI && plan_kpi_under(p, i, pe->id)) {
            page_kpi_row(pq, i, b);
        }
    }
    buf_puts(b, "</tbody></table></div>\n");
}

/* GET /plan: the whole plan at a glance. */
void page_plan(struct ctx *c)
{
    static const char *const allowed[] = {"year", NULL};
    struct plan_req pq;
    struct buf *b = &c->resp->body;
    struct buf m;

    if (!plan_req_or_respond(c, allowed, &pq)) {
        plan_req_cleanup(&pq);
        return;
    }
    page_head(b);
    page_set(&pq, b);
    for (size_t i = 0; i < pq.plan->count; i++) {
        if (pq.plan->elements[i].kind == PLAN_PRIORITY) {
            page_priority(&pq, i, b);
        }
    }
    buf_init(&m);
    plan_render_matrix(pq.progress, true, &m);
    buf_puts(b, "<h2>Traceability: links by priority and linkage type</h2>"
                "<pre>");
    out_html(b, buf_cstr(&m));
    buf_puts(b, "</pre>\n");
    buf_cleanup(&m);
    buf_puts(b, "</main><footer>ictdev — results framework of the Kigali "
                "Action Plan. <a href=\"/api/v1/openapi.json\">API "
                "description</a>.</footer></body></html>\n");
    c->resp->ctype = "text/html; charset=utf-8";
    plan_req_cleanup(&pq);
}

/* ---- editing (POST, PUT, DELETE) ---- */

/* A problem+json answer naming the field at fault ("field" member). */
static void plan_problem(struct ctx *c, int status, const char *field,
                         const char *detail)
{
    struct buf *b = &c->resp->body;

    http_problem(c->resp, status, c->req->path, detail);
    if (field != NULL && b->len >= 2 && b->data[b->len - 2] == '}') {
        b->len -= 2;
        buf_puts(b, ",\"field\":");
        out_json_str(b, field);
        buf_puts(b, "}\n");
    }
}

/* The field a validation message of plan/ is about (its messages name the
 * element and say what is wrong in words), else fallback. */
static const char *field_of(const char *msg, const char *fallback)
{
    static const struct {
        const char *word;
        const char *field;
    } words[] = {
        {"cycle", "parent"},       {"parent", "parent"},
        {"target year", "target"}, {"target", "target"},
        {"baseline", "baseline"},  {"expression", "expr"},
        {"expr", "expr"},          {"direction", "direction"},
        {"unit", "unit"},          {"measure", "measure"},
        {"kind", "kind"},          {"economy", "economy"},
        {"name", "name"},          {"feed", "feed"},
    };

    for (size_t i = 0; i < ARRAY_COUNT(words); i++) {
        if (strstr(msg, words[i].word) != NULL) {
            return words[i].field;
        }
    }
    return fallback;
}

/* The status of a rejected change: bad content 422, else as usual. */
static void plan_edit_fail(struct ctx *c, const char *field,
                           const struct err *err)
{
    if (err->code == ERR_INVALID || err->code == ERR_PARSE) {
        plan_problem(c, 422, field, err->msg);
    } else if (http_status_for(err->code) >= 500) {
        http_problem_err(c->resp, c->req->path, err);
    } else {
        plan_problem(c, http_status_for(err->code), field, err->msg);
    }
}

enum plan_op { OP_PUT, OP_DELETE, OP_LINK, OP_UNLINK, OP_REPORT, OP_WITHDRAW };

/* The operation of the request, or -1 after answering 404/405. */
static int plan_op_of(struct ctx *c)
{
    const struct http_req *r = c->req;
    const char *m = r->method;
    const char *what = r->nseg >= 4 ? r->segs[3] : "";
    bool one = r->nseg == 5;

    if (r->nseg == 4 && strcmp(what, "elements") == 0 &&
        strcmp(m, "POST") == 0) {
        return OP_PUT;
    }
    if (one && strcmp(what, "elements") == 0 && strcmp(m, "PUT") == 0) {
        return OP_PUT;
    }
    if (one && strcmp(what, "elements") == 0 && strcmp(m, "DELETE") == 0) {
        return OP_DELETE;
    }
    if (r->nseg == 4 && strcmp(what, "links") == 0) {
        if (strcmp(m, "POST") == 0 || strcmp(m, "DELETE") == 0) {
            return strcmp(m, "POST") == 0 ? OP_LINK : OP_UNLINK;
        }
    }
    if (r->nseg == 4 && strcmp(what, "values") == 0) {
        if (strcmp(m, "POST") == 0 || strcmp(m, "DELETE") == 0) {
            return strcmp(m, "POST") == 0 ? OP_REPORT : OP_WITHDRAW;
        }
    }
    if (strcmp(what, "elements") == 0 || strcmp(what, "links") == 0 ||
        strcmp(what, "values") == 0) {
        http_problem(c->resp, 405, r->path,
                     "use POST /elements, PUT or DELETE /elements/{id}, "
                     "POST or DELETE /links and /values");
        snprintf(c->resp->allow, sizeof(c->resp->allow),
                 r->nseg == 5 ? "PUT, DELETE" : "GET, POST, DELETE");
        return -1;
    }
    http_problem(c->resp, 405, r->path,
                 "this resource is read-only: use GET or HEAD");
    snprintf(c->resp->allow, sizeof(c->resp->allow), "GET, HEAD, OPTIONS");
    return -1;
}

/* The request body as a JSON object, or NULL after answering 400. */
static json_t *plan_body(struct ctx *c)
{
    json_error_t je;
    json_t *j = json_loadb(c->req->body ? c->req->body : "", c->req->body_len,
                           JSON_REJECT_DUPLICATES, &je);

    if (j == NULL || !json_is_object(j)) {
        char msg[300];
        json_decref(j);
        snprintf(msg, sizeof(msg), "want a JSON object (%s)", j ? "" : je.text);
        plan_problem(c, 400, "body", msg);
        return NULL;
    }
    return j;
}

/* A string member (NULL when absent); false after answering 400. */
static bool body_str(struct ctx *c, json_t *j, const char *key, bool required,
                     const char **out)
{
    json_t *v = json_object_get(j, key);
    char msg[128];

    *out = json_string_value(v);
    if ((v != NULL && !json_is_string(v)) || (required && *out == NULL) ||
        (required && (*out)[0] == '\0')) {
        snprintf(msg, sizeof(msg), "'%s': want a %sstring", key,
                 required ? "non-empty " : "");
        plan_problem(c, 400, key, msg);
        return false;
    }
    return true;
}

/* Apply the change op to p; the one-line action for history goes to
 * action. False after answering. */
static bool plan_apply(struct ctx *c, int op, json_t *j, struct plan *p,
                       const char *by, struct buf *action)
{
    const struct query *q = &c->req->query;
    struct err err = {0};
    const char *from;
    const char *to;
    const char *type;

    if (op == OP_PUT) {
        const char *id = NULL;
        struct buf text;
        size_t n;
        int rc;
        if (!body_str(c, j, "id", c->req->nseg == 4, &id)) {
            return false;
        }
        if (c->req->nseg == 5) {
            if (id != NULL && strcmp(id, c->req->segs[4]) != 0) {
                plan_problem(c, 400, "id", "'id' differs from the path");
                return false;
            }
            json_object_set_new(j, "id", json_string(c->req->segs[4]));
            id = c->req->segs[4];
        }
        buf_printf(action, "put %s", id);
        buf_init(&text);
        n = json_dumpb(j, NULL, 0, JSON_COMPACT);
        buf_reserve(&text, n + 1);
        text.len = json_dumpb(j, text.data, n, JSON_COMPACT);
        text.data[text.len] = '\0';
        rc = plan_put_element(p, buf_cstr(&text), &err);
        buf_cleanup(&text);
        if (rc != 0) {
            plan_edit_fail(c, field_of(err.msg, "body"), &err);
            return false;
        }
        return true;
    }
    if (op == OP_DELETE) {
        buf_printf(action, "delete %s", c->req->segs[4]);
        if (plan_delete_element(p, c->req->segs[4], &err) != 0) {
            plan_edit_fail(c, "id", &err);
            return false;
        }
        return true;
    }
    if (op == OP_LINK || op == OP_UNLINK) {
        if (op == OP_LINK) {
            if (!body_str(c, j, "from", true, &from) ||
                !body_str(c, j, "to", true, &to) ||
                !body_str(c, j, "type", false, &type)) {
                return false;
            }
        } else {
            from = query_get(q, "from");
            to = query_get(q, "to");
            type = NULL;
            if (from == NULL || to == NULL) {
                plan_problem(c, 400, from == NULL ? "from" : "to",
                             "give ?from=ELEMENT&to=TARGET");
                return false;
            }
        }
        buf_printf(action, "%s %s -> %s", op == OP_LINK ? "link" : "unlink",
                   from, to);
        if (op == OP_LINK && plan_find(p, from) == NULL) {
            err_set(&err, ERR_INVALID, "unknown element '%s'", from);
            plan_edit_fail(c, "from", &err);
            return false;
        }
        if (op == OP_LINK &&
            (plan_add_link(p, from, to, type != NULL ? type : "", &err) != 0)) {
            plan_edit_fail(c, "to", &err);
            return false;
        }
        if (op == OP_UNLINK && plan_delete_link(p, from, to, &err) != 0) {
            plan_edit_fail(c, "to", &err);
            return false;
        }
        return true;
    }
    {
        struct plan_value_in v = {0};
        int64_t year = 0;
        json_t *jy;
        json_t *jv;
        if (op == OP_REPORT) {
            jy = json_object_get(j, "year");
            jv = json_object_get(j, "value");
            if (!body_str(c, j, "kpi", true, &v.kpi) ||
                !body_str(c, j, "note", false, &v.note) ||
                !body_str(c, j, "link", false, &v.link) ||
                !body_str(c, j, "sha256", false, &v.sha256)) {
                return false;
            }
            if (!json_is_integer(jy) || json_integer_value(jy) < YEAR_MIN ||
                json_integer_value(jy) > YEAR_MAX) {
                plan_problem(c, 400, "year", "'year': want a year 1900..2100");
                return false;
            }
            if (!json_is_number(jv)) {
                plan_problem(c, 400, "value", "'value': want a number");
                return false;
            }
            year = json_integer_value(jy);
            v.value = json_number_value(jv);
        } else {
            const char *ys = query_get(q, "year");
            v.kpi = query_get(q, "kpi");
            v.note = query_get(q, "note");
            v.is_deleted = true;
            if (v.kpi == NULL || ys == NULL ||
                parse_int64(ys, strlen(ys), YEAR_MIN, YEAR_MAX, &year, &err) !=
                    0) {
                plan_problem(c, 400, v.kpi == NULL ? "kpi" : "year",
                             "give ?kpi=KPI&year=YEAR (1900..2100)");
                return false;
            }
        }
        v.year = (int)year;
        v.by = by;
        buf_printf(action, "%s %s %d",
                   op == OP_REPORT ? "report-value" : "withdraw", v.kpi,
                   v.year);
        if (plan_report_value(p, &v, &err) != 0) {
            plan_edit_fail(c,
                           strstr(err.msg, "sha256") || strstr(err.msg, "hash")
                               ? "sha256"
                               : "kpi",
                           &err);
            return false;
        }
        return true;
    }
}

void api_plan_write(struct ctx *c, struct collect_http *h,
                    const struct collect_http_in *in)
{
    int op = plan_op_of(c);
    struct collect col;
    struct principal who;
    struct plan *p;
    struct err err = {0};
    struct buf dir;
    struct buf action;
    struct buf object;
    json_t *j = NULL;
    int64_t version = 0;

    c->resp->no_cache = true;
    if (op < 0 || !collect_http_caller(h, c, in, ACT_PLAN_EDIT, &col, &who)) {
        return;
    }
    if ((op == OP_PUT || op == OP_LINK || op == OP_REPORT) &&
        (j = plan_body(c)) == NULL) {
        return;
    }
    buf_init(&dir);
    buf_init(&action);
    buf_init(&object);
    plan_db_default_dir(&dir);
    p = plan_db_current(col.store, buf_cstr(&dir), &version, &err);
    if (p == NULL) {
        http_problem_err(c->resp, c->req->path, &err);
    } else if (plan_apply(c, op, j, p, who.name, &action)) {
        /* Only a valid plan reaches here: each plan_* call validated it. */
        if (plan_db_save(col.store, p, who.name, buf_cstr(&action), &version,
                         &err) != 0) {
            http_problem_err(c->resp, c->req->path, &err);
        } else {
            buf_printf(&object, "plan version %lld", (long long)version);
            if (collect_record(&col, &who, buf_cstr(&action), buf_cstr(&object),
                               &err) != 0) {
                fprintf(stderr, "ictdev serve: audit: %s\n", err.msg);
            }
            c->resp->status =
                op == OP_PUT && strcmp(c->req->method, "POST") == 0 ? 201
                : op == OP_LINK || op == OP_REPORT                  ? 201
                                                                    : 200;
            c->resp->ctype = "application/json";
            buf_printf(&c->resp->body,
                       "{\"version\":%lld,\"action\":", (long long)version);
            out_json_str(&c->resp->body, buf_cstr(&action));
            buf_puts(&c->resp->body, ",\"by\":");
            out_json_str(&c->resp->body, who.name);
            buf_puts(&c->resp->body, "}\n");
        }
    }
    plan_free(p);
    json_decref(j);
    buf_cleanup(&object);
    buf_cleanup(&action);
    buf_cleanup(&dir);
}
