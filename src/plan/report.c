/* The printable HTML monitoring report: one self-contained page (inline
 * CSS, inline SVG charts, no scripts, no external assets). */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "../core/buf.h"
#include "render.h"

static const char *const status_colour[PS_STATUS_COUNT] = {
    "#8c959f", "#cf222e", "#d4a72c", "#2da44e", "#1a7f37",
};

static void head(const struct plan *p, int year, struct buf *out)
{
    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
                  "charset=\"utf-8\">\n<title>Kigali Action Plan: monitoring "
                  "report ");
    buf_printf(out, "%d</title>\n", year);
    buf_puts(out,
             "<style>\nbody{font:11pt/1.4 system-ui,sans-serif;margin:2em;"
             "color:#1f2328}\nh1{font-size:18pt}h2{font-size:14pt;border-"
             "bottom:1px solid #d0d7de;margin-top:1.5em}\ntable{border-"
             "collapse:collapse;width:100%;margin:.5em 0}\nth,td{border:1px "
             "solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:"
             "top}\nth{background:#f6f8fa}td.n{text-align:right}\n.banner{"
             "background:#fff8c5;border:1px solid #d4a72c;padding:.5em 1em}"
             "\n.st{color:#fff;padding:1px 5px;border-radius:3px;white-space:"
             "nowrap}\n.muted{color:#656d76}\n@media print{body{margin:0}"
             "h2{break-after:avoid}tr,svg{break-inside:avoid}}\n</style>"
             "</head><body>\n");
    buf_printf(out,
               "<h1>Kigali Action Plan (WTDC-22): monitoring report "
               "%d</h1>\n<p>Set loaded: <b>",
               year);
    buf_put_xml(out, p->set_name);
    buf_puts(out, "</b>");
    if (p->set_version[0] != '\0') {
        buf_puts(out, ", version ");
        buf_put_xml(out, p->set_version);
    }
    buf_puts(out, "</p>\n");
    if (p->set_illustrative) {
        buf_puts(out, "<p class=\"banner\"><b>ILLUSTRATIVE.</b> ");
        buf_put_xml(out, p->set_note);
        buf_puts(out, "</p>\n");
    }
}

void plan_render_status_dot(int s, struct buf *out)
{
    buf_printf(out,
               "<svg width=\"10\" height=\"10\" role=\"img\" "
               "aria-label=\"%s\" xmlns=\"http://www.w3.org/2000/svg\">"
               "<circle cx=\"5\" cy=\"5\" r=\"5\" fill=\"%s\"/></svg> %s",
               plan_status_name(s), status_colour[s], plan_status_name(s));
}

static void status_badge(struct buf *out, int s)
{
    buf_printf(out, "<span class=\"st\" style=\"background:%s\">%s</span>",
               status_colour[s], plan_status_name(s));
}

void plan_render_status_svg(const struct plan_rollup *r, struct buf *out)
{
    double x = 0;

    buf_puts(out, "<svg width=\"640\" height=\"46\" role=\"img\" "
                  "aria-label=\"KPIs by status\" "
                  "xmlns=\"http://www.w3.org/2000/svg\">\n");
    for (int s = PS_STATUS_COUNT - 1; s >= 0 && r->total > 0; s--) {
        double w = 600.0 * (double)r->counts[s] / (double)r->total;
        if (r->counts[s] == 0) {
            continue;
        }
        buf_printf(out,
                   "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" "
                   "height=\"22\" fill=\"%s\"/>",
                   x, w, status_colour[s]);
        buf_printf(out,
                   "<text x=\"%.1f\" y=\"16\" font-size=\"12\" "
                   "fill=\"#fff\">%zu</text>\n",
                   x + 4, r->counts[s]);
        x += w;
    }
    x = 0;
    for (int s = PS_STATUS_COUNT - 1; s >= 0; s--) {
        buf_printf(out,
                   "<rect x=\"%.0f\" y=\"30\" width=\"10\" height=\"10\" "
                   "fill=\"%s\"/><text x=\"%.0f\" y=\"39\" "
                   "font-size=\"11\">%s</text>",
                   x, status_colour[s], x + 14, plan_status_name(s));
        x += 110;
    }
    buf_puts(out, "</svg>\n");
}

struct chart {
    int y0, y1;    /* years on the x axis */
    double lo, hi; /* values on the y axis */
};

static double cx(const struct chart *c, int y)
{
    return 30.0 + 180.0 * (double)(y - c->y0) / (double)(c->y1 - c->y0);
}

static double cy(const struct chart *c, double v)
{
    return 60.0 - 50.0 * (v - c->lo) / (c->hi - c->lo);
}

static void widen(struct chart *c, double v)
{
    if (isfinite(v)) {
        c->lo = v < c->lo ? v : c->lo;
        c->hi = v > c->hi ? v : c->hi;
    }
}

void plan_render_kpi_svg(const struct plan_progress *pr, size_t i, int year,
                         struct buf *out)
{
    const struct plan_kpi *k = &pr->plan->elements[i].kpi;
    struct chart c = {k->base_year - 2, k->target_year, INFINITY, -INFINITY};
    bool first = true;

    if (year > c.y1) {
        c.y1 = year;
    }
    for (int y = c.y0; y <= c.y1; y++) {
        widen(&c, plan_progress_value(pr, i, y));
    }
    widen(&c, k->base_value);
    widen(&c, k->target_value);
    if (!isfinite(c.lo)) {
        return;
    }
    if (c.hi - c.lo < 1e-9) {
        c.hi = c.lo + 1;
    }
    buf_puts(out, "<svg width=\"220\" height=\"76\" "
                  "xmlns=\"http://www.w3.org/2000/svg\">");
    buf_printf(out,
               "<text x=\"0\" y=\"12\" font-size=\"9\" "
               "fill=\"#656d76\">%.4g</text><text x=\"0\" y=\"60\" "
               "font-size=\"9\" fill=\"#656d76\">%.4g</text>",
               c.hi, c.lo);
    buf_printf(out,
               "<text x=\"30\" y=\"74\" font-size=\"9\" "
               "fill=\"#656d76\">%d</text><text x=\"190\" y=\"74\" "
               "font-size=\"9\" fill=\"#656d76\">%d</text>",
               c.y0, c.y1);
    if (isfinite(k->base_value)) {
        buf_printf(out,
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                   "y2=\"%.1f\" stroke=\"#8c959f\" "
                   "stroke-dasharray=\"4 3\"/>",
                   cx(&c, k->base_year), cy(&c, k->base_value),
                   cx(&c, k->target_year), cy(&c, k->target_value));
    }
    buf_printf(out,
               "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"none\" "
               "stroke=\"#1f2328\"/>",
               cx(&c, k->target_year), cy(&c, k->target_value));
    buf_puts(out, "<polyline fill=\"none\" stroke=\"#0969da\" "
                  "stroke-width=\"2\" points=\"");
    for (int y = c.y0; y <= c.y1 && y <= year; y++) {
        double v = plan_progress_value(pr, i, y);
        if (isfinite(v)) {
            buf_printf(out, "%s%.1f,%.1f", first ? "" : " ", cx(&c, y),
                       cy(&c, v));
            first = false;
        }
    }
    buf_puts(out, "\"/></svg>");
}

static void kpi_row(const struct plan_progress *pr, size_t i, int year,
                    struct buf *out)
{
    const struct plan_element *e = &pr->plan->elements[i];
    const struct plan_kpi *k = &e->kpi;
    int vy;
    double v = plan_progress_latest(pr, i, year, &vy);

    buf_printf(out, "<tr><td>%s</td><td>", e->id);
    buf_put_xml(out, e->name);
    buf_puts(out, "<br><span class=\"muted\">");
    buf_put_xml(out, k->measure == PM_REPORTED ? "reported" : k->expr);
    if (k->economy[0] != '\0') {
        buf_puts(out, " @ ");
        buf_put_xml(out, k->economy);
    }
    buf_puts(out, "; ");
    buf_put_xml(out, k->unit);
    buf_puts(out, k->direction < 0 ? ", lower is better" : "");
    buf_puts(out, "</span></td><td class=\"n\">");
    plan_put_num(out, v);
    if (vy != 0) {
        buf_printf(out, " <span class=\"muted\">(%d)</span>", vy);
    }
    buf_puts(out, "</td><td class=\"n\">");
    plan_put_num(out, k->base_value);
    buf_printf(out,
               " <span class=\"muted\">(%d)</span></td><td "
               "class=\"n\">",
               k->base_year);
    plan_put_num(out, k->target_value);
    buf_printf(out,
               " <span class=\"muted\">(%d)</span><br><span "
               "class=\"muted\">",
               k->target_year);
    buf_put_xml(out, k->target_source);
    buf_puts(out, "</span></td><td>");
    status_badge(out, plan_progress_status(pr, i, year));
    buf_puts(out, "</td><td>");
    plan_render_kpi_svg(pr, i, year, out);
    buf_puts(out, "</td></tr>\n");
}

static void priority_section(const struct plan_progress *pr, size_t pi,
                             int year, struct buf *out)
{
    const struct plan *p = pr->plan;
    const struct plan_element *pe = &p->elements[pi];
    struct plan_rollup r;

    buf_printf(out, "<h2>%s ", pe->id);
    buf_put_xml(out, pe->name);
    buf_puts(out, "</h2>\n<p>");
    buf_put_xml(out, pe->description);
    buf_puts(out, "</p>\n");
    plan_rollup_element(pr, pe->id, year, &r);
    if (r.total == 0) {
        buf_puts(out, "<p class=\"muted\">No KPI in this set.</p>\n");
        return;
    }
    plan_render_status_svg(&r, out);
    buf_puts(out, "<table><tr><th>KPI</th><th>Name, measure</th><th>Value"
                  "</th><th>Baseline</th><th>Target, source</th><th>Status"
                  "</th><th>Trend and trajectory</th></tr>\n");
    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].kind == PLAN_KPI && plan_kpi_under(p, i, pe->id)) {
            kpi_row(pr, i, year, out);
        }
    }
    buf_puts(out, "</table>\n");
}

static void csv_as_table(const char *title, const struct buf *csv,
                         struct buf *out)
{
    const char *s = buf_cstr(csv);
    bool head_row = true;

    buf_printf(out, "<h2>%s</h2>\n<table>", title);
    while (*s != '\0') {
        const char *eol = strchr(s, '\n');
        size_t n = eol != NULL ? (size_t)(eol - s) : strlen(s);
        struct buf line;
        buf_init(&line);
        buf_append(&line, s, n);
        buf_puts(out, "<tr><td>");
        for (const char *c = buf_cstr(&line); *c != '\0'; c++) {
            if (*c == ',') {
                buf_puts(out, head_row ? "</th><th>" : "</td><td>");
            } else if (*c != '"') {
                char one[2] = {*c, 0};
                buf_put_xml(out, one);
            }
        }
        buf_puts(out, "</td></tr>\n");
        buf_cleanup(&line);
        head_row = false;
        s += n + (eol != NULL ? 1 : 0);
    }
    buf_puts(out, "</table>\n");
}

static void projects_section(const struct plan *p, struct buf *out)
{
    buf_puts(out, "<h2>Technical-assistance projects</h2>\n<table><tr><th>"
                  "Project</th><th>Beneficiaries</th><th>Budget</th><th>"
                  "Disbursed</th><th>Dates</th><th>Status</th></tr>\n");
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        const json_t *v;
        size_t k;
        double paid = 0;
        if (e->kind != PLAN_PROJECT || e->extra == NULL) {
            continue;
        }
        buf_printf(out, "<tr><td>%s ", e->id);
        buf_put_xml(out, e->name);
        buf_puts(out, e->illustrative ? " <i>(illustrative)</i>" : "");
        buf_puts(out, "</td><td>");
        json_array_foreach(json_object_get(e->extra, "economies"), k, v)
        {
            buf_printf(out, "%s%s", k > 0 ? " " : "", json_string_value(v));
        }
        json_array_foreach(json_object_get(e->extra, "disbursements"), k, v)
        {
            paid += json_number_value(json_object_get(v, "amount"));
        }
        buf_puts(out, "</td><td class=\"n\">");
        buf_put_double(out,
                       json_number_value(json_object_get(e->extra, "budget")));
        buf_puts(out, "</td><td class=\"n\">");
        buf_put_double(out, paid);
        buf_printf(out, "</td><td>%s to %s</td><td>%s</td></tr>\n",
                   json_string_value(json_object_get(e->extra, "start")),
                   json_string_value(json_object_get(e->extra, "end")),
                   json_string_value(json_object_get(e->extra, "status")));
    }
    buf_puts(out, "</table>\n");
}

void plan_render_report(const struct plan_progress *pr, int year,
                        struct buf *out)
{
    const struct plan *p = pr->plan;
    struct plan_rollup all = {0};
    struct buf tmp;

    head(p, year, out);
    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].kind == PLAN_KPI) {
            all.counts[plan_progress_status(pr, i, year)]++;
            all.total++;
        }
    }
    buf_printf(out,
               "<h2>Summary</h2>\n<p>%zu KPIs; status in %d from the "
               "linear trajectory between baseline and target (values "
               "up to %d years old count).</p>\n",
               all.total, year, PLAN_STALE_YEARS);
    plan_render_status_svg(&all, out);
    for (size_t i = 0; i < p->count; i++) {
        if (p->elements[i].kind == PLAN_PRIORITY) {
            priority_section(pr, i, year, out);
        }
    }
    buf_init(&tmp);
    plan_render_matrix(pr, true, &tmp);
    csv_as_table("Traceability: links by priority and linkage type", &tmp, out);
    buf_reset(&tmp);
    plan_render_no_data(pr, year, &tmp);
    csv_as_table("KPIs without data", &tmp, out);
    buf_reset(&tmp);
    plan_render_no_kpi(pr, &tmp);
    csv_as_table("Elements without any KPI", &tmp, out);
    buf_cleanup(&tmp);
    projects_section(p, out);
    buf_puts(out, "<p class=\"muted\">Generated by ictdev. Unverified "
                  "reference items are marked in the data "
                  "(data/plan/PROVENANCE.md).</p>\n</body></html>\n");
}

void plan_render_projects(const struct plan *p, const struct plan_stats *s,
                          int year, struct buf *out)
{
    buf_puts(out, "project,economy,ldc,lldc,sids,budget,disbursed,status\n");
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        const json_t *v;
        size_t k;
        double paid = 0;
        if (e->kind != PLAN_PROJECT || e->extra == NULL) {
            continue;
        }
        json_array_foreach(json_object_get(e->extra, "disbursements"), k, v)
        {
            paid += json_number_value(json_object_get(v, "amount"));
        }
        json_array_foreach(json_object_get(e->extra, "economies"), k, v)
        {
            const char *c = json_string_value(v);
            if (c == NULL) {
                continue;
            }
            buf_printf(out, "%s,%s,%d,%d,%d,", e->id, c,
                       plan_stats_is_member(s, "LDC", c, year),
                       plan_stats_is_member(s, "LLDC", c, year),
                       plan_stats_is_member(s, "SIDS", c, year));
            buf_put_double(
                out, json_number_value(json_object_get(e->extra, "budget")));
            buf_putc(out, ',');
            buf_put_double(out, paid);
            buf_printf(out, ",%s\n",
                       json_string_value(json_object_get(e->extra, "status")));
        }
    }
}

void plan_render_set(const struct plan *p, long long stored_version,
                     struct buf *out)
{
    buf_printf(out, "set: %s\nkind: %s\nset version: %s\n", p->set_name,
               p->set_illustrative ? "ILLUSTRATIVE" : "official",
               p->set_version[0] != '\0' ? p->set_version : "-");
    if (stored_version > 0) {
        buf_printf(out, "stored plan version: %lld\n", stored_version);
    } else {
        buf_puts(out, "stored plan version: none (seed from data/plan)\n");
    }
    if (p->set_note[0] != '\0') {
        buf_printf(out, "note: %s\n", p->set_note);
    }
}

void plan_render_activities(const struct plan *p, const struct plan_stats *s,
                            struct buf *out)
{
    buf_puts(out, "activity,year,economy,female,male,ldc,lldc,sids\n");
    for (size_t i = 0; i < p->count; i++) {
        const struct plan_element *e = &p->elements[i];
        const json_t *v;
        size_t k;
        int year;
        if (e->kind != PLAN_ACTIVITY || e->extra == NULL) {
            continue;
        }
        year = (int)json_integer_value(json_object_get(e->extra, "year"));
        json_array_foreach(json_object_get(e->extra, "participants"), k, v)
        {
            const char *c = json_string_value(json_object_get(v, "economy"));
            c = c != NULL ? c : "";
            buf_printf(out, "%s,%d,%s,", e->id, year, c);
            buf_put_double(out,
                           json_number_value(json_object_get(v, "female")));
            buf_putc(out, ',');
            buf_put_double(out, json_number_value(json_object_get(v, "male")));
            buf_printf(out, ",%d,%d,%d\n",
                       plan_stats_is_member(s, "LDC", c, year),
                       plan_stats_is_member(s, "LLDC", c, year),
                       plan_stats_is_member(s, "SIDS", c, year));
        }
    }
}
