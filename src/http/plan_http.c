/* The results framework over HTTP: the JSON/CSV/XML API under /api/v1/plan
 * and the portal page /plan. Each request reads the current plan from the
 * thread's store connection (the seed in data/plan when none is stored),
 * measures it on the store's statistics and renders with plan/render.h;
 * nothing is computed here. Answers are not cached: the plan changes
 * without a new observation revision. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/limits.h"
#include "../core/strparse.h"
#include "../plan/plan_db.h"
#include "../plan/progress.h"
#include "../plan/render.h"
#include "app_int.h"
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
