/* The portal: server-rendered HTML pages (readable without JavaScript).
 * Every text from the store goes through out_html. Charts come from
 * render/svg. Nothing is computed here beyond picking latest values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../render/svg.h"
#include "app_int.h"
#include "out.h"

/* ---- layout ---- */

static void page_begin(struct buf *b, const char *title)
{
    buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta "
                "charset=\"utf-8\"><meta name=\"viewport\" "
                "content=\"width=device-width, initial-scale=1\"><title>");
    out_html(b, title);
    buf_puts(b, " · ictdev</title><link rel=\"stylesheet\" "
                "href=\"/static/ictdev.css\"><link rel=\"icon\" "
                "href=\"/static/favicon.svg\"><script defer "
                "src=\"/static/ictdev.js\"></script></head><body>"
                "<header class=\"site\"><a href=\"/\">ictdev · ICT "
                "statistics</a><nav><a href=\"/\">Home</a><a "
                "href=\"/catalogue\">Catalogue</a><a href=\"/groups/WLD\">"
                "World</a><a href=\"/idi\">IDI</a><a href=\"/plan\">"
                "Action plan</a><a "
                "href=\"/api/v1/openapi.json\">API</a></nav>"
                "</header><main>");
}

static void page_end(struct buf *b, struct ctx *c)
{
    buf_puts(b, "</main><footer>ictdev — open ITU-D ICT statistics. Data "
                "revision ");
    buf_printf(b, "%lld", (long long)c->req->revision);
    buf_puts(b, ". <a href=\"/api/v1/openapi.json\">API description</a>."
                "</footer></body></html>\n");
    c->resp->ctype = "text/html; charset=utf-8";
}

static void fmt_value(struct buf *b, double v)
{
    double a = fabs(v);
    if (a >= 1000) {
        buf_printf(b, "%.0f", v);
    } else if (a >= 100) {
        buf_printf(b, "%.1f", v);
    } else {
        buf_printf(b, "%.3g", v);
    }
}

static void link_ind(struct buf *b, const char *code, const char *text)
{
    buf_puts(b, "<a href=\"/indicators/");
    out_url(b, code);
    buf_puts(b, "\">");
    out_html(b, text);
    buf_puts(b, "</a>");
}

static void link_eco(struct buf *b, const struct names *nm, const char *code)
{
    const char *kind = names_kind(nm, code);
    bool grp = kind[0] && strcmp(kind, "economy") != 0;
    buf_puts(b, grp ? "<a href=\"/groups/" : "<a href=\"/economies/");
    out_url(b, code);
    buf_puts(b, "\">");
    out_html(b, names_get(nm, code));
    buf_puts(b, "</a>");
}

/* ---- small collections ---- */

struct indlist {
    struct indicator **v;
    size_t n;
};

static int indlist_cb(void *ctx, const struct indicator *ind, struct err *err)
{
    struct indlist *l = ctx;
    (void)err;
    l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
    l->v[l->n++] = indicator_dup(ind);
    return 0;
}

static void indlist_cleanup(struct indlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        indicator_free(l->v[i]);
    }
    xfree(l->v);
    l->v = NULL;
    l->n = 0;
}

static const struct indicator *indlist_get(const struct indlist *l,
                                           const char *code)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->v[i]->code, code) == 0) {
            return l->v[i];
        }
    }
    return NULL;
}

/* A series: the rows [lo, hi) of one (indicator, economy, dims) in rows,
 * which the store returns ordered by indicator, economy, year, dims. */
struct series {
    int *years;
    double *values;
    size_t n;
};

static void series_of(const struct rows *rs, const char *ind, const char *eco,
                      const char *dims, struct series *s)
{
    s->years = NULL;
    s->values = NULL;
    s->n = 0;
    for (size_t i = 0; i < rs->n; i++) {
        const struct row *r = &rs->r[i];
        if (strcmp(r->indicator, ind) != 0 || strcmp(r->economy, eco) != 0 ||
            strcmp(r->dims, dims) != 0) {
            continue;
        }
        s->years = xreallocarray(s->years, s->n + 1, sizeof(int));
        s->values = xreallocarray(s->values, s->n + 1, sizeof(double));
        s->years[s->n] = r->year;
        s->values[s->n] = r->value;
        s->n++;
    }
}

static void series_free(struct series *s)
{
    xfree(s->years);
    xfree(s->values);
}

static int query_rows(struct store *st, const char *const *inds, size_t ni,
                      const char *const *ecos, size_t ne, bool totals,
                      const struct dim_pair *dims, size_t nd, struct rows *rs,
                      struct err *err)
{
    struct store_obs_query q;
    memset(&q, 0, sizeof(q));
    q.indicators = inds;
    q.indicator_count = ni;
    q.economies = ne ? ecos : NULL;
    q.economy_count = ne;
    q.totals_only = totals;
    q.dims = dims;
    q.dim_count = nd;
    rs->limit = 1u << 21;
    return store_obs_query(st, &q, rows_collect, rs, err);
}

/* Groups shown on the home page: the world and the ITU regions. */
struct grouplist {
    char *codes[32];
    size_t n;
};

static int itu_groups_cb(void *ctx, const struct group *g, struct err *err)
{
    struct grouplist *gl = ctx;
    (void)err;
    if (gl->n < 32 &&
        (strcmp(g->kind, "world") == 0 || strcmp(g->kind, "itu_region") == 0)) {
        gl->codes[gl->n++] = xstrdup(g->code);
    }
    return 0;
}

static void grouplist_cleanup(struct grouplist *gl)
{
    for (size_t i = 0; i < gl->n; i++) {
        xfree(gl->codes[i]);
    }
    gl->n = 0;
}

/* ---- home ---- */

/* " · coverage 83.7 %" for the stored aggregate of (ind, group, year) when
 * its note carries one (`ictdev compute` writes it). */
static void home_coverage(struct buf *b, const struct rows *rs, const char *ind,
                          const char *group, int year)
{
    for (size_t i = 0; i < rs->n; i++) {
        const struct row *r = &rs->r[i];
        double cov;
        char method[32];
        if (r->year == year && r->dims[0] == '\0' &&
            strcmp(r->indicator, ind) == 0 && strcmp(r->economy, group) == 0 &&
            results_agg_note(r->note, &cov, method, sizeof(method)) &&
            !isnan(cov)) {
            buf_printf(b,
                       " <span class=\"muted coverage\" title=\"share of "
                       "the group's weight with reported values\">coverage "
                       "%.0f%%</span>",
                       cov);
            return;
        }
    }
}

void page_home(struct ctx *c)
{
    static const char *const allowed[] = {NULL};
    struct store *st;
    struct indlist all = {NULL, 0};
    struct grouplist gl = {{NULL}, 0};
    struct names nm;
    struct rows rs;
    struct err err;
    struct buf *b = &c->resp->body;
    const char **codes = NULL;
    size_t nsdg = 0;
    bool names_ok = false;

    memset(&rs, 0, sizeof(rs));
    if (!ctx_known_params_or_respond(c, allowed) ||
        (st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (store_indicator_list(st, NULL, indlist_cb, &all, &err) != 0 ||
        store_group_list(st, itu_groups_cb, &gl, &err) != 0 ||
        names_load(st, &nm, &err) != 0) {
        ctx_fail(c, &err);
        goto out;
    }
    names_ok = true;
    codes = xcalloc(all.n + 1, sizeof(*codes));
    for (size_t i = 0; i < all.n; i++) {
        if (all.v[i]->sdg[0]) {
            codes[nsdg++] = all.v[i]->code;
        }
    }
    if (nsdg > 0 && gl.n > 0 &&
        query_rows(st, codes, nsdg, (const char *const *)gl.codes, gl.n, true,
                   NULL, 0, &rs, &err) != 0) {
        ctx_fail(c, &err);
        goto out;
    }
    page_begin(b, "ICT indicators for the SDGs");
    buf_puts(b, "<h1>ICT indicators for the Sustainable Development "
                "Goals</h1><p>The SDG ICT indicators for the world and each "
                "ITU region: the latest year with data, the trend and the "
                "coverage (share of the group's weight with reported values) "
                "of the aggregates `ictdev compute` stored. See also the <a "
                "href=\"/idi\">ICT Development Index</a>.</p>");
    buf_puts(b, "<form class=\"search\" action=\"/catalogue\" method=\"get\">"
                "<label>Search the catalogue <input name=\"q\" "
                "type=\"search\" placeholder=\"e.g. internet users\">"
                "</label> <button>Search</button></form>");
    if (nsdg == 0) {
        buf_puts(b, "<p class=\"pending\">No SDG indicators in the "
                    "catalogue.</p>");
    }
    buf_puts(b, "<div class=\"scroll\"><table class=\"sdg\"><thead><tr>"
                "<th>Indicator</th><th>SDG</th>");
    for (size_t g = 0; g < gl.n; g++) {
        buf_puts(b, "<th>");
        link_eco(b, &nm, gl.codes[g]);
        buf_puts(b, "</th>");
    }
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < nsdg; i++) {
        const struct indicator *ind = indlist_get(&all, codes[i]);
        buf_puts(b, "<tr><td>");
        link_ind(b, ind->code, ind->name);
        buf_puts(b, " <span class=\"muted\">(");
        out_html(b, ind->unit);
        buf_puts(b, ")</span></td><td>");
        out_html(b, ind->sdg);
        buf_puts(b, "</td>");
        for (size_t g = 0; g < gl.n; g++) {
            struct series s;
            series_of(&rs, ind->code, gl.codes[g], "", &s);
            buf_puts(b, "<td>");
            if (s.n == 0) {
                buf_puts(b, "<span class=\"pending\">aggregates "
                            "pending</span>");
            } else {
                struct svg_series sv = {names_get(&nm, gl.codes[g]), s.years,
                                        s.values, s.n};
                buf_puts(b, "<strong>");
                fmt_value(b, s.values[s.n - 1]);
                buf_printf(b, "</strong> <span class=\"muted\">(%d)</span>",
                           s.years[s.n - 1]);
                home_coverage(b, &rs, ind->code, gl.codes[g], s.years[s.n - 1]);
                buf_puts(b, "<br>");
                svg_sparkline(b, &sv, 1);
            }
            series_free(&s);
            buf_puts(b, "</td>");
        }
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table></div>");
    buf_printf(b, "<p><a href=\"/catalogue\">All %zu indicators</a> · ", all.n);
    buf_puts(b, "<a href=\"/api/v1/openapi.json\">API</a></p>");
    page_end(b, c);
out:
    xfree(codes);
    rows_cleanup(&rs);
    indlist_cleanup(&all);
    grouplist_cleanup(&gl);
    if (names_ok) {
        names_cleanup(&nm);
    }
}

/* ---- catalogue ---- */

void page_catalogue(struct ctx *c)
{
    static const char *const allowed[] = {"q", NULL};
    struct store *st;
    struct indlist l = {NULL, 0};
    struct err err;
    struct buf *b = &c->resp->body;
    const char *q = query_get(&c->req->query, "q");

    if (!ctx_known_params_or_respond(c, allowed) ||
        (st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (q && strlen(q) > 200) {
        ctx_bad_param(c, "q", "longer than 200 bytes");
        return;
    }
    if (store_indicator_list(st, q, indlist_cb, &l, &err) != 0) {
        ctx_fail(c, &err);
        return;
    }
    page_begin(b, "Indicator catalogue");
    buf_puts(b, "<h1>Indicator catalogue</h1><form class=\"search\" "
                "action=\"/catalogue\" method=\"get\"><label>Search "
                "<input name=\"q\" type=\"search\" value=\"");
    out_html(b, q ? q : "");
    buf_puts(b, "\"></label> <button>Search</button></form>");
    buf_printf(b, "<p>%zu indicator%s", l.n, l.n == 1 ? "" : "s");
    if (q && *q) {
        buf_puts(b, " matching “");
        out_html(b, q);
        buf_puts(b, "”");
    }
    buf_puts(b, ".</p><form class=\"filter-table noprint\"><label>Filter "
                "this list <input type=\"search\"></label></form>"
                "<div class=\"scroll\"><table class=\"catalogue "
                "filterable\"><thead><tr><th>Code</th><th>Name</th><th>Unit"
                "</th><th>Kind</th><th>SDG</th><th>Dimensions</th></tr>"
                "</thead><tbody>");
    for (size_t i = 0; i < l.n; i++) {
        const struct indicator *ind = l.v[i];
        buf_puts(b, "<tr><td>");
        link_ind(b, ind->code, ind->code);
        buf_puts(b, "</td><td>");
        out_html(b, ind->name);
        buf_puts(b, "</td><td>");
        out_html(b, ind->unit);
        buf_puts(b, "</td><td>");
        out_html(b, ind->kind);
        buf_puts(b, "</td><td>");
        out_html(b, ind->sdg);
        buf_puts(b, "</td><td>");
        out_html(b, ind->dims);
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div>");
    page_end(b, c);
    indlist_cleanup(&l);
}

/* ---- indicator ---- */

struct m49map {
    struct strmap m; /* m49 (as in the map file) -> index into codes */
    char **codes;
    size_t n;
};

static int m49_cb(void *ctx, const struct economy *e, struct err *err)
{
    struct m49map *mm = ctx;
    (void)err;
    if (e->m49[0]) {
        mm->codes = xreallocarray(mm->codes, mm->n + 1, sizeof(char *));
        mm->codes[mm->n] = xstrdup(e->code);
        strmap_put(&mm->m, e->m49, strlen(e->m49), mm->n);
        mm->n++;
    }
    return 0;
}

static void m49map_cleanup(struct m49map *mm)
{
    for (size_t i = 0; i < mm->n; i++) {
        xfree(mm->codes[i]);
    }
    xfree(mm->codes);
    strmap_cleanup(&mm->m);
}

/* The economy code for map shape s, or NULL. */
static const char *shape_code(const struct m49map *mm,
                              const struct geo_shape *s)
{
    size_t i;
    if (s->id[0] && strmap_get(&mm->m, s->id, strlen(s->id), &i)) {
        return mm->codes[i];
    }
    if (strcmp(s->name, "Kosovo") == 0) {
        return "XKX";
    }
    return NULL;
}

struct latest {
    const char *eco; /* borrowed from rows */
    double value;
    int year;
};

static int cmp_latest(const void *a, const void *b)
{
    const struct latest *x = a, *y = b;
    if (x->value != y->value) {
        return x->value < y->value ? 1 : -1;
    }
    return strcmp(x->eco, y->eco);
}

void page_indicator(struct ctx *c)
{
    static const char *const allowed[] = {"year", "economies", NULL};
    struct store *st;
    struct indlist one = {NULL, 0};
    struct names nm;
    struct rows rs;
    struct m49map mm;
    struct err err;
    struct buf *b = &c->resp->body;
    const struct indicator *ind;
    const char *ys = query_get(&c->req->query, "year");
    const char *sel = query_get(&c->req->query, "economies");
    int64_t year = 0;
    struct latest *lt = NULL;
    size_t nlt = 0;
    bool names_ok = false;
    int maxyear = 0;
    char *selcopy = NULL;
    const char *chosen[8];
    size_t nch = 0;

    memset(&rs, 0, sizeof(rs));
    memset(&mm, 0, sizeof(mm));
    strmap_init(&mm.m);
    if (!ctx_known_params_or_respond(c, allowed)) {
        goto out;
    }
    if (ys && parse_int64(ys, strlen(ys), YEAR_MIN, YEAR_MAX, &year, &err)) {
        ctx_bad_param(c, "year", "want a year 1900..2100");
        goto out;
    }
    if ((st = ctx_store_or_respond(c)) == NULL) {
        goto out;
    }
    if (!code_valid(c->params[0], strlen(c->params[0]))) {
        http_problem(c->resp, 404, c->req->path, "no such indicator");
        goto out;
    }
    if (store_indicator_get(st, c->params[0], indlist_cb, &one, &err) != 0 ||
        names_load(st, &nm, &err) != 0) {
        ctx_fail(c, &err);
        goto out;
    }
    names_ok = true;
    ind = one.v[0];
    if (sel) {
        char *p;
        selcopy = xstrdup(sel);
        p = selcopy;
        while (p && nch < 8) {
            char *e = strchr(p, ',');
            if (e) {
                *e = '\0';
            }
            if (*p) {
                if (!code_valid(p, strlen(p)) ||
                    names_get(&nm, p) == (const char *)p) {
                    ctx_bad_param(c, "economies",
                                  "unknown economy or group code");
                    goto out;
                }
                chosen[nch++] = p;
            }
            p = e ? e + 1 : NULL;
        }
    }
    {
        const char *codes[1] = {ind->code};
        if (query_rows(st, codes, 1, NULL, 0, true, NULL, 0, &rs, &err) != 0 ||
            store_economy_list(st, m49_cb, &mm, &err) != 0) {
            ctx_fail(c, &err);
            goto out;
        }
    }
    /* Latest value per economy (or the value of ?year=). */
    lt = xcalloc(rs.n + 1, sizeof(*lt));
    for (size_t i = 0; i < rs.n; i++) {
        const struct row *r = &rs.r[i];
        if (r->year > maxyear) {
            maxyear = r->year;
        }
        if (strcmp(names_kind(&nm, r->economy), "economy") != 0) {
            continue;
        }
        if (year && r->year != year) {
            continue;
        }
        if (nlt > 0 && strcmp(lt[nlt - 1].eco, r->economy) == 0) {
            if (r->year >= lt[nlt - 1].year) {
                lt[nlt - 1].value = r->value;
                lt[nlt - 1].year = r->year;
            }
            continue;
        }
        lt[nlt].eco = r->economy;
        lt[nlt].value = r->value;
        lt[nlt].year = r->year;
        nlt++;
    }

    page_begin(b, ind->name);
    buf_puts(b, "<h1>");
    out_html(b, ind->name);
    buf_puts(b, "</h1><p class=\"muted\">Code ");
    out_html(b, ind->code);
    buf_puts(b, " · unit: ");
    out_html(b, ind->unit[0] ? ind->unit : "—");
    if (ind->sdg[0]) {
        buf_puts(b, " · SDG indicator ");
        out_html(b, ind->sdg);
    }
    if (ind->dims[0]) {
        buf_puts(b, " · dimensions: ");
        out_html(b, ind->dims);
    }
    buf_puts(b, "</p><h2>Definition</h2><p>");
    out_html(b, ind->definition[0] ? ind->definition : "No definition.");
    buf_puts(b, "</p><p class=\"muted\">Kind: ");
    out_html(b, ind->kind);
    buf_puts(b, "; collection: ");
    out_html(b, ind->collection);
    buf_puts(b, "; source instrument: ");
    out_html(b, ind->source_instrument);
    if (ind->formula[0]) {
        buf_puts(b, "; formula: <code>");
        out_html(b, ind->formula);
        buf_puts(b, "</code>");
    }
    buf_puts(b, "</p>");

    /* downloads */
    buf_puts(b, "<p class=\"downloads\">Download all data: ");
    {
        static const char *const fmts[][2] = {{"json", "JSON"},
                                              {"csv", "CSV"},
                                              {"sdmx-csv", "SDMX-CSV 2.0"},
                                              {"jsonstat", "JSON-stat 2.0"}};
        for (size_t i = 0; i < 4; i++) {
            buf_puts(b, "<a href=\"/api/v1/data?indicator=");
            out_url(b, ind->code);
            buf_printf(b, "&amp;format=%s\">%s</a>", fmts[i][0], fmts[i][1]);
        }
    }
    buf_puts(b, "</p>");

    /* map */
    buf_puts(b, "<h2>Map</h2>");
    if (nlt == 0) {
        buf_puts(b, "<p class=\"pending\">No values for economies");
        if (year) {
            buf_printf(b, " in %d", (int)year);
        }
        buf_puts(b, ".</p>");
    } else {
        const struct geo_world *w = c->app->world;
        double *vals = xcalloc(w->count, sizeof(double));
        char **labels = xcalloc(w->count, sizeof(char *));
        char **links = xcalloc(w->count, sizeof(char *));
        struct buf title;
        struct strmap idx;
        strmap_init(&idx);
        for (size_t i = 0; i < nlt; i++) {
            strmap_put(&idx, lt[i].eco, strlen(lt[i].eco), i);
        }
        for (size_t i = 0; i < w->count; i++) {
            const char *code = shape_code(&mm, &w->shapes[i]);
            size_t k;
            vals[i] = NAN;
            if (code && strmap_get(&idx, code, strlen(code), &k)) {
                struct buf lb;
                vals[i] = lt[k].value;
                buf_init(&lb);
                buf_printf(&lb, "%s (%d)", names_get(&nm, code), lt[k].year);
                labels[i] = buf_detach(&lb);
            }
            if (code) {
                struct buf lk;
                buf_init(&lk);
                buf_puts(&lk, "/economies/");
                out_url(&lk, code);
                links[i] = buf_detach(&lk);
            }
        }
        buf_init(&title);
        buf_printf(&title, "%s, %s", ind->name,
                   year ? "" : "latest year available");
        if (year) {
            buf_printf(&title, "%d", (int)year);
        }
        svg_map(b, w, vals, (const char *const *)labels,
                (const char *const *)links, buf_cstr(&title), ind->unit);
        buf_cleanup(&title);
        for (size_t i = 0; i < w->count; i++) {
            xfree(labels[i]);
            xfree(links[i]);
        }
        xfree(labels);
        xfree(links);
        xfree(vals);
        strmap_cleanup(&idx);
    }
    buf_puts(b, "<form class=\"noprint\" method=\"get\"><label>Year <input "
                "name=\"year\" type=\"number\" min=\"1900\" max=\"2100\" "
                "value=\"");
    if (year) {
        buf_printf(b, "%d", (int)year);
    }
    buf_puts(b, "\"></label> <button>Show</button> <span class=\"muted\">"
                "(empty: each economy's latest year)</span></form>");

    /* chart: chosen economies, else the world and ITU regions with data,
     * else the top five economies */
    {
        struct svg_series sv[8];
        struct series ss[8];
        size_t ns = 0;
        struct grouplist gl = {{NULL}, 0};
        const char *pick[8];
        size_t np = 0;
        struct buf href;
        if (nch > 0) {
            for (size_t i = 0; i < nch; i++) {
                pick[np++] = chosen[i];
            }
        } else {
            if (store_group_list(st, itu_groups_cb, &gl, &err) != 0) {
                grouplist_cleanup(&gl);
                ctx_fail(c, &err);
                goto out;
            }
            for (size_t i = 0; i < gl.n && np < 8; i++) {
                struct series s;
                series_of(&rs, ind->code, gl.codes[i], "", &s);
                if (s.n > 0) {
                    pick[np++] = gl.codes[i];
                }
                series_free(&s);
            }
            if (np == 0) {
                struct latest *top = xcalloc(nlt + 1, sizeof(*top));
                memcpy(top, lt, nlt * sizeof(*top));
                qsort(top, nlt, sizeof(*top), cmp_latest);
                for (size_t i = 0; i < nlt && np < 5; i++) {
                    pick[np++] = top[i].eco;
                }
                xfree(top);
            }
        }
        for (size_t i = 0; i < np; i++) {
            series_of(&rs, ind->code, pick[i], "", &ss[ns]);
            sv[ns].label = names_get(&nm, pick[i]);
            sv[ns].years = ss[ns].years;
            sv[ns].values = ss[ns].values;
            sv[ns].n = ss[ns].n;
            ns++;
        }
        buf_puts(b, "<h2>Time series</h2>");
        buf_init(&href);
        buf_puts(&href, "/api/v1/data?indicator=");
        out_url(&href, ind->code);
        buf_puts(&href, "&economy=");
        for (size_t i = 0; i < np; i++) {
            if (i) {
                buf_putc(&href, ',');
            }
            out_url(&href, pick[i]);
        }
        buf_puts(&href, "&format=csv");
        if (ns > 0) {
            svg_line_chart(b, sv, ns, ind->name, ind->unit, buf_cstr(&href));
            buf_puts(b, "<p class=\"muted\">Data table for this chart: <a "
                        "href=\"");
            out_html(b, buf_cstr(&href));
            buf_puts(b, "\">CSV</a>.</p>");
        } else {
            buf_puts(b, "<p class=\"pending\">No series to draw.</p>");
        }
        buf_puts(b, "<form class=\"noprint\" method=\"get\"><label>Economies "
                    "and groups (codes, comma-separated) <input "
                    "name=\"economies\" value=\"");
        for (size_t i = 0; i < np; i++) {
            if (i) {
                buf_putc(b, ',');
            }
            out_html(b, pick[i]);
        }
        buf_puts(b, "\"></label> <button>Draw</button></form>");
        buf_cleanup(&href);
        for (size_t i = 0; i < ns; i++) {
            series_free(&ss[i]);
        }
        grouplist_cleanup(&gl);
    }

    /* ranking */
    qsort(lt, nlt, sizeof(*lt), cmp_latest);
    buf_puts(b, "<h2>Ranking</h2>");
    if (nlt == 0) {
        buf_puts(b, "<p class=\"pending\">No values.</p>");
    } else {
        buf_puts(b, "<div class=\"scroll\"><table class=\"ranking\"><thead>"
                    "<tr><th class=\"num\">Rank</th><th>Economy</th><th "
                    "class=\"num\">Value</th><th class=\"num\">Year</th></tr>"
                    "</thead><tbody>");
        for (size_t i = 0; i < nlt; i++) {
            buf_printf(b, "<tr><td class=\"num\">%zu</td><td>", i + 1);
            link_eco(b, &nm, lt[i].eco);
            buf_puts(b, "</td><td class=\"num\">");
            fmt_value(b, lt[i].value);
            buf_printf(b, "</td><td class=\"num\">%d</td></tr>", lt[i].year);
        }
        buf_puts(b, "</tbody></table></div>");
    }
    (void)maxyear;
    page_end(b, c);
out:
    xfree(selcopy);
    xfree(lt);
    m49map_cleanup(&mm);
    rows_cleanup(&rs);
    indlist_cleanup(&one);
    if (names_ok) {
        names_cleanup(&nm);
    }
}

/* ---- economy ---- */

struct eco_one {
    char *name, *itu_region, *un_region, *wb_region, *iso2, *note;
};

static int eco_one_cb(void *ctx, const struct economy *e, struct err *err)
{
    struct eco_one *o = ctx;
    (void)err;
    o->name = xstrdup(e->name);
    o->itu_region = xstrdup(e->itu_region);
    o->un_region = xstrdup(e->un_region);
    o->wb_region = xstrdup(e->wb_region);
    o->iso2 = xstrdup(e->iso2);
    o->note = xstrdup(e->note);
    return 0;
}

static void eco_one_cleanup(struct eco_one *o)
{
    xfree(o->name);
    xfree(o->itu_region);
    xfree(o->un_region);
    xfree(o->wb_region);
    xfree(o->iso2);
    xfree(o->note);
}

struct memb_html {
    struct buf *b;
    const struct names *nm;
    size_t n;
};

static int memb_html_cb(void *ctx, const struct membership *m, struct err *err)
{
    struct memb_html *h = ctx;
    (void)err;
    buf_puts(h->b, h->n++ ? ", " : "");
    buf_puts(h->b, "<a href=\"/groups/");
    out_url(h->b, m->group);
    buf_puts(h->b, "\">");
    out_html(h->b, names_get(h->nm, m->group));
    buf_puts(h->b, "</a>");
    if (m->from_year || m->to_year) {
        buf_puts(h->b, " (");
        if (m->from_year) {
            buf_printf(h->b, "from %d", m->from_year);
        }
        if (m->to_year) {
            buf_printf(h->b, "%sto %d", m->from_year ? " " : "", m->to_year);
        }
        buf_puts(h->b, ")");
    }
    return 0;
}

struct batch_seen {
    int64_t id, time;
};

static void economy_results(struct ctx *c, struct store *st, const char *code,
                            const char *region);

void page_economy(struct ctx *c)
{
    static const char *const allowed[] = {NULL};
    struct store *st;
    struct eco_one eo;
    struct names nm;
    struct indlist all = {NULL, 0};
    struct rows rs, ref, gen;
    struct err err;
    struct buf *b = &c->resp->body;
    const char *code = c->params[0];
    bool names_ok = false;
    struct batch_seen bs[64];
    size_t nbs = 0;

    memset(&eo, 0, sizeof(eo));
    memset(&rs, 0, sizeof(rs));
    memset(&ref, 0, sizeof(ref));
    memset(&gen, 0, sizeof(gen));
    if (!ctx_known_params_or_respond(c, allowed) ||
        (st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (!code_valid(code, strlen(code))) {
        http_problem(c->resp, 404, c->req->path, "no such economy");
        return;
    }
    if (store_economy_get(st, code, eco_one_cb, &eo, &err) != 0 ||
        names_load(st, &nm, &err) != 0) {
        ctx_fail(c, &err);
        goto out;
    }
    names_ok = true;
    if (store_indicator_list(st, NULL, indlist_cb, &all, &err) != 0) {
        ctx_fail(c, &err);
        goto out;
    }
    {
        const char *ecos[1] = {code};
        const char *refs[2] = {eo.itu_region, "WLD"};
        size_t nref = eo.itu_region[0] ? 2 : 1;
        struct dim_pair sex[2] = {{"sex", 3, "F", 1}, {"sex", 3, "M", 1}};
        if (nref == 1) {
            refs[0] = "WLD";
        }
        if (query_rows(st, NULL, 0, ecos, 1, true, NULL, 0, &rs, &err) != 0 ||
            query_rows(st, NULL, 0, refs, nref, true, NULL, 0, &ref, &err) !=
                0 ||
            query_rows(st, NULL, 0, ecos, 1, false, sex, 2, &gen, &err) != 0) {
            ctx_fail(c, &err);
            goto out;
        }
    }
    page_begin(b, eo.name);
    buf_puts(b, "<h1>");
    out_html(b, eo.name);
    buf_puts(b, "</h1><p class=\"muted\">");
    out_html(b, code);
    if (eo.iso2[0]) {
        buf_puts(b, " · ");
        out_html(b, eo.iso2);
    }
    if (eo.itu_region[0]) {
        buf_puts(b, " · ITU region: <a href=\"/groups/");
        out_url(b, eo.itu_region);
        buf_puts(b, "\">");
        out_html(b, names_get(&nm, eo.itu_region));
        buf_puts(b, "</a>");
    }
    buf_puts(b, "</p>");
    if (eo.note[0]) {
        buf_puts(b, "<p>");
        out_html(b, eo.note);
        buf_puts(b, "</p>");
    }
    buf_puts(b, "<p class=\"downloads\">Download this economy's data: <a "
                "href=\"/api/v1/economies/");
    out_url(b, code);
    buf_puts(b, "\">profile JSON</a></p>");

    /* key indicators */
    buf_puts(b, "<h2>Key indicators</h2>");
    if (rs.n == 0) {
        buf_puts(b, "<p class=\"pending\">No values for this economy.</p>");
    } else {
        buf_puts(b, "<div class=\"scroll\"><table class=\"key\"><thead><tr>"
                    "<th>Indicator</th><th class=\"num\">Latest</th><th "
                    "class=\"num\">Year</th><th>Trend (grey: ");
        if (eo.itu_region[0]) {
            out_html(b, names_get(&nm, eo.itu_region));
            buf_puts(b, ", ");
        }
        buf_puts(b, "World)</th><th>Source</th></tr></thead><tbody>");
        for (size_t i = 0; i < rs.n;) {
            const char *ic = rs.r[i].indicator;
            const struct indicator *ind = indlist_get(&all, ic);
            size_t j = i;
            struct series s, sr, sw;
            struct svg_series sv[3];
            size_t nsv = 0;
            while (j < rs.n && strcmp(rs.r[j].indicator, ic) == 0) {
                j++;
            }
            series_of(&rs, ic, code, "", &s);
            series_of(&ref, ic, eo.itu_region[0] ? eo.itu_region : "-", "",
                      &sr);
            series_of(&ref, ic, "WLD", "", &sw);
            sv[nsv++] = (struct svg_series){eo.name, s.years, s.values, s.n};
            if (sr.n) {
                sv[nsv++] = (struct svg_series){names_get(&nm, eo.itu_region),
                                                sr.years, sr.values, sr.n};
            }
            if (sw.n) {
                sv[nsv++] =
                    (struct svg_series){"World", sw.years, sw.values, sw.n};
            }
            buf_puts(b, "<tr><td>");
            link_ind(b, ic, ind ? ind->name : ic);
            if (ind && ind->unit[0]) {
                buf_puts(b, " <span class=\"muted\">(");
                out_html(b, ind->unit);
                buf_puts(b, ")</span>");
            }
            buf_puts(b, "</td><td class=\"num\">");
            fmt_value(b, rs.r[j - 1].value);
            buf_printf(b, "</td><td class=\"num\">%d</td><td>",
                       rs.r[j - 1].year);
            svg_sparkline(b, sv, nsv);
            buf_puts(b, "</td><td>");
            out_html(b, rs.r[j - 1].source);
            if (rs.r[j - 1].note[0]) {
                buf_puts(b, "<br><span class=\"muted\">Note: ");
                out_html(b, rs.r[j - 1].note);
                buf_puts(b, "</span>");
            }
            buf_puts(b, "</td></tr>");
            for (size_t k = i; k < j; k++) {
                bool seen = false;
                for (size_t q = 0; q < nbs; q++) {
                    seen = seen || bs[q].id == rs.r[k].batch;
                }
                if (!seen && nbs < ARRAY_COUNT(bs)) {
                    bs[nbs].id = rs.r[k].batch;
                    bs[nbs].time = rs.r[k].batch_time;
                    nbs++;
                }
            }
            series_free(&s);
            series_free(&sr);
            series_free(&sw);
            i = j;
        }
        buf_puts(b, "</tbody></table></div>");
    }

    /* gender gap: latest year with both F and M */
    buf_puts(b, "<h2>Gender gap</h2>");
    {
        size_t shown = 0;
        for (size_t i = 0; i < gen.n;) {
            const char *ic = gen.r[i].indicator;
            size_t j = i;
            int best = 0;
            double f = NAN, m = NAN;
            while (j < gen.n && strcmp(gen.r[j].indicator, ic) == 0) {
                j++;
            }
            for (size_t k = i; k < j; k++) {
                if (strcmp(gen.r[k].dims, "sex=F") != 0) {
                    continue;
                }
                for (size_t q = i; q < j; q++) {
                    if (gen.r[q].year == gen.r[k].year &&
                        strcmp(gen.r[q].dims, "sex=M") == 0 &&
                        gen.r[k].year >= best) {
                        best = gen.r[k].year;
                        f = gen.r[k].value;
                        m = gen.r[q].value;
                    }
                }
            }
            if (best) {
                const struct indicator *ind = indlist_get(&all, ic);
                if (shown++ == 0) {
                    buf_puts(b, "<table class=\"gender\"><thead><tr><th>"
                                "Indicator</th><th class=\"num\">Year</th>"
                                "<th class=\"num\">Women</th><th "
                                "class=\"num\">Men</th><th class=\"num\">"
                                "Parity (women/men)</th></tr></thead>"
                                "<tbody>");
                }
                buf_puts(b, "<tr><td>");
                link_ind(b, ic, ind ? ind->name : ic);
                buf_printf(b,
                           "</td><td class=\"num\">%d</td><td "
                           "class=\"num\">",
                           best);
                fmt_value(b, f);
                buf_puts(b, "</td><td class=\"num\">");
                fmt_value(b, m);
                buf_puts(b, "</td><td class=\"num\">");
                if (m != 0) {
                    buf_printf(b, "%.2f", f / m);
                } else {
                    buf_puts(b, "—");
                }
                buf_puts(b, "</td></tr>");
            }
            i = j;
        }
        if (shown) {
            buf_puts(b, "</tbody></table>");
        } else {
            buf_puts(b, "<p class=\"pending\">No values by sex for this "
                        "economy.</p>");
        }
    }
    /* SDG panel: the economy's latest value of every SDG indicator in
     * the catalogue, with the world's where the store has it. */
    buf_puts(b, "<h2>SDG panel</h2><div class=\"scroll\"><table "
                "class=\"sdg-panel\"><thead><tr><th>SDG</th><th>Indicator"
                "</th><th class=\"num\">Latest</th><th class=\"num\">Year"
                "</th><th class=\"num\">World</th></tr></thead><tbody>");
    for (size_t k = 0; k < all.n; k++) {
        const struct indicator *ind = all.v[k];
        struct series s, sw;
        if (!ind->sdg[0]) {
            continue;
        }
        series_of(&rs, ind->code, code, "", &s);
        series_of(&ref, ind->code, "WLD", "", &sw);
        buf_puts(b, "<tr><td>");
        out_html(b, ind->sdg);
        buf_puts(b, "</td><td>");
        link_ind(b, ind->code, ind->name);
        buf_puts(b, "</td><td class=\"num\">");
        if (s.n) {
            fmt_value(b, s.values[s.n - 1]);
            buf_printf(b, "</td><td class=\"num\">%d", s.years[s.n - 1]);
        } else {
            buf_puts(b, "<span class=\"muted\">no data</span></td><td>");
        }
        buf_puts(b, "</td><td class=\"num\">");
        if (sw.n) {
            fmt_value(b, sw.values[sw.n - 1]);
            buf_printf(b, " (%d)", sw.years[sw.n - 1]);
        } else {
            buf_puts(b, "<span class=\"pending\">pending</span>");
        }
        buf_puts(b, "</td></tr>");
        series_free(&s);
        series_free(&sw);
    }
    buf_puts(b, "</tbody></table></div>");
    economy_results(c, st, code, eo.itu_region);

    /* groups */
    buf_puts(b, "<h2>Groups</h2><p>");
    {
        struct memb_html h = {b, &nm, 0};
        if (store_economy_groups(st, code, 0, memb_html_cb, &h, &err) != 0) {
            buf_reset(b);
            ctx_fail(c, &err);
            goto out;
        }
        if (h.n == 0) {
            buf_puts(b, "None.");
        }
    }
    buf_puts(b, "</p>");

    /* revisions */
    buf_puts(b, "<h2>Sources and revisions</h2><p>Values shown come from "
                "these revision batches:</p><ul>");
    for (size_t i = 0; i < nbs; i++) {
        char d[32];
        struct tm tm;
        time_t t = (time_t)bs[i].time;
        gmtime_r(&t, &tm);
        strftime(d, sizeof(d), "%Y-%m-%d %H:%M UTC", &tm);
        buf_printf(b, "<li>batch %lld, %s</li>", (long long)bs[i].id, d);
    }
    buf_puts(b, "</ul>");
    page_end(b, c);
out:
    eco_one_cleanup(&eo);
    rows_cleanup(&rs);
    rows_cleanup(&ref);
    rows_cleanup(&gen);
    indlist_cleanup(&all);
    if (names_ok) {
        names_cleanup(&nm);
    }
}

/* ---- group ---- */

struct grp_one {
    char *name, *kind, *source, *note;
};

static int grp_one_cb(void *ctx, const struct group *g, struct err *err)
{
    struct grp_one *o = ctx;
    (void)err;
    o->name = xstrdup(g->name);
    o->kind = xstrdup(g->kind);
    o->source = xstrdup(g->source);
    o->note = xstrdup(g->note);
    return 0;
}

struct memb_rows {
    struct buf *b;
    const struct names *nm;
    size_t n;
};

static int memb_row_cb(void *ctx, const struct membership *m, struct err *err)
{
    struct memb_rows *h = ctx;
    (void)err;
    h->n++;
    buf_puts(h->b, "<tr><td>");
    link_eco(h->b, h->nm, m->economy);
    buf_puts(h->b, "</td><td>");
    out_html(h->b, m->economy);
    buf_puts(h->b, "</td><td>");
    if (m->from_year) {
        buf_printf(h->b, "%d", m->from_year);
    }
    buf_puts(h->b, "</td><td>");
    if (m->to_year) {
        buf_printf(h->b, "%d", m->to_year);
    }
    buf_printf(h->b, "</td><td>%s</td></tr>", m->verified ? "yes" : "no");
    return 0;
}

void page_group(struct ctx *c)
{
    static const char *const allowed[] = {"year", NULL};
    struct store *st;
    struct grp_one go;
    struct names nm;
    struct err err;
    struct buf *b = &c->resp->body;
    const char *code = c->params[0];
    const char *ys = query_get(&c->req->query, "year");
    int64_t year = 0;
    struct memb_rows h;

    memset(&go, 0, sizeof(go));
    if (!ctx_known_params_or_respond(c, allowed)) {
        return;
    }
    if (ys && parse_int64(ys, strlen(ys), YEAR_MIN, YEAR_MAX, &year, &err)) {
        ctx_bad_param(c, "year", "want a year 1900..2100");
        return;
    }
    if ((st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (!code_valid(code, strlen(code))) {
        http_problem(c->resp, 404, c->req->path, "no such group");
        return;
    }
    if (store_group_get(st, code, grp_one_cb, &go, &err) != 0) {
        ctx_fail(c, &err);
        goto out;
    }
    if (names_load(st, &nm, &err) != 0) {
        ctx_fail(c, &err);
        goto out;
    }
    page_begin(b, go.name);
    buf_puts(b, "<h1>");
    out_html(b, go.name);
    buf_puts(b, "</h1><p class=\"muted\">");
    out_html(b, code);
    buf_puts(b, " · ");
    out_html(b, go.kind);
    buf_puts(b, " · source: ");
    out_html(b, go.source);
    buf_puts(b, "</p>");
    if (go.note[0]) {
        buf_puts(b, "<p>");
        out_html(b, go.note);
        buf_puts(b, "</p>");
    }
    buf_puts(b, "<p class=\"downloads\"><a href=\"/api/v1/groups/");
    out_url(b, code);
    buf_puts(b, "\">Members as JSON</a></p><h2>Members");
    if (year) {
        buf_printf(b, " in %d", (int)year);
    }
    buf_puts(b, "</h2><form class=\"noprint\" method=\"get\"><label>Year "
                "<input name=\"year\" type=\"number\" min=\"1900\" "
                "max=\"2100\"></label> <button>Show</button></form>"
                "<form class=\"filter-table noprint\"><label>Filter <input "
                "type=\"search\"></label></form><div class=\"scroll\"><table "
                "class=\"members filterable\"><thead><tr><th>Economy</th><th>"
                "Code</th><th>From</th><th>To</th><th>Verified</th></tr>"
                "</thead><tbody>");
    h.b = b;
    h.nm = &nm;
    h.n = 0;
    if (store_group_members(st, code, (int)year, memb_row_cb, &h, &err) != 0) {
        names_cleanup(&nm);
        buf_reset(b);
        ctx_fail(c, &err);
        goto out;
    }
    buf_printf(b, "</tbody></table></div><p>%zu member%s.</p>", h.n,
               h.n == 1 ? "" : "s");
    page_end(b, c);
    names_cleanup(&nm);
out:
    xfree(go.name);
    xfree(go.kind);
    xfree(go.source);
    xfree(go.note);
}

/* ---- IDI ---- */

static void idi_note(struct buf *b, const struct idi_params *p)
{
    if (p->n_unverified > 0) {
        buf_printf(b,
                   "<p class=\"note\"><strong>Reproduction.</strong> These "
                   "scores reproduce ITU's IDI 2023 methodology with "
                   "parameters from data/idi_params.csv, %zu of which are "
                   "not yet verified against ITU's publication: scores and "
                   "ranks may differ from ITU's.</p>",
                   p->n_unverified);
    }
}

static void td_num(struct buf *b, double v)
{
    buf_puts(b, "<td class=\"num\">");
    if (!isnan(v)) {
        buf_printf(b, "%.1f", v);
    }
    buf_puts(b, "</td>");
}

void page_idi(struct ctx *c)
{
    static const char *const allowed[] = {"year", NULL};
    const struct idi_params *p = results_idi_params(c->app);
    const char *ys = query_get(&c->req->query, "year");
    struct compute_idi_result r;
    const struct compute_idi_result *rp = &r;
    struct names nm;
    struct store *st;
    struct err err;
    struct buf *b = &c->resp->body;
    int year = 0, used = 0;
    size_t *order;
    size_t n = 0;

    memset(&r, 0, sizeof(r));
    if (!ctx_known_params_or_respond(c, allowed)) {
        return;
    }
    if (ys) {
        int64_t v;
        if (parse_int64(ys, strlen(ys), 1900, 2100, &v, &err) != 0) {
            ctx_bad_param(c, "year", "want a year 1900..2100");
            return;
        }
        year = (int)v;
    }
    if (p == NULL) {
        http_problem(c->resp, 503, c->req->path,
                     "IDI parameters (data/idi_params.csv) unavailable");
        c->resp->no_cache = true;
        return;
    }
    if ((st = ctx_store_or_respond(c)) == NULL) {
        return;
    }
    if (year == 0) {
        /* The default page: the shared, cached result. */
        rp = results_idi_latest(c, st, &used);
        if (rp == NULL) {
            http_problem(c->resp, 503, c->req->path, "the IDI failed");
            c->resp->no_cache = true;
            return;
        }
    } else if (results_idi(st, p, year, &r, &used, &err) != 0) {
        compute_idi_result_free(&r);
        ctx_fail(c, &err);
        return;
    }
    if (names_load(st, &nm, &err) != 0) {
        compute_idi_result_free(&r);
        ctx_fail(c, &err);
        return;
    }
    order = xcalloc(rp->count + 1, sizeof(*order));
    for (size_t i = 0; i < rp->count; i++) {
        if (rp->economies[i].rank > 0) {
            size_t j = n++;
            while (j > 0 &&
                   rp->economies[order[j - 1]].rank > rp->economies[i].rank) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
    }
    page_begin(b, "ICT Development Index");
    buf_printf(b, "<h1>ICT Development Index %d</h1>", used);
    idi_note(b, p);
    buf_printf(b,
               "<p>%zu economies scored. IDI = mean of the Universal and "
               "Meaningful connectivity pillars (0-100). Inputs: the latest "
               "value in %d-%d. <a href=\"/api/v1/idi?year=%d\">JSON</a> · "
               "<a href=\"/api/v1/idi?year=%d&amp;format=csv\">CSV</a></p>",
               n, used - p->max_age, used, used, used);
    buf_puts(b, "<form action=\"/idi\" method=\"get\"><label>Year <input "
                "name=\"year\" type=\"number\" min=\"1900\" "
                "max=\"2100\" value=\"");
    buf_printf(b, "%d", used);
    buf_puts(b, "\"></label> <button>Show</button></form>");
    buf_puts(b, "<div class=\"scroll\"><table class=\"idi-rank\"><thead>"
                "<tr><th class=\"num\">Rank</th><th>Economy</th><th "
                "class=\"num\">IDI</th><th class=\"num\">Universal</th><th "
                "class=\"num\">Meaningful</th></tr></thead><tbody>");
    for (size_t k = 0; k < n; k++) {
        const struct compute_idi_economy *e = &rp->economies[order[k]];
        buf_printf(b, "<tr><td class=\"num\">%d</td><td>", e->rank);
        link_eco(b, &nm, e->code);
        buf_puts(b, "</td>");
        td_num(b, e->score.idi);
        td_num(b, e->score.pillar[IDI_PILLAR_U]);
        td_num(b, e->score.pillar[IDI_PILLAR_M]);
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table></div><h2>Groups</h2><p>Mean of the "
                "members' scores.</p><div class=\"scroll\"><table "
                "class=\"idi-groups\"><thead><tr><th>Group</th><th "
                "class=\"num\">IDI</th><th class=\"num\">Universal</th><th "
                "class=\"num\">Meaningful</th><th class=\"num\">Scored"
                "</th></tr></thead><tbody>");
    for (size_t k = 0; k < rp->ngroups; k++) {
        const struct compute_idi_group *g = &rp->groups[k];
        if (g->scored == 0) {
            continue;
        }
        buf_puts(b, "<tr><td>");
        link_eco(b, &nm, g->code);
        buf_puts(b, "</td>");
        td_num(b, g->idi);
        td_num(b, g->pillar[IDI_PILLAR_U]);
        td_num(b, g->pillar[IDI_PILLAR_M]);
        buf_printf(b, "<td class=\"num\">%zu / %zu</td></tr>", g->scored,
                   g->members);
    }
    buf_puts(b, "</tbody></table></div>");
    page_end(b, c);
    xfree(order);
    names_cleanup(&nm);
    compute_idi_result_free(&r);
}

/* The economy profile's IDI section and affordability panel. Failures of
 * the computations only leave a note: the rest of the profile stands. */
static void economy_results(struct ctx *c, struct store *st, const char *code,
                            const char *region)
{
    const struct idi_params *p = results_idi_params(c->app);
    struct buf *b = &c->resp->body;
    const struct compute_idi_result *r;
    int used = 0;
    static const char *const labels[2] = {"Fixed broadband, 5 GB",
                                          "Mobile data-only broadband, 5 GB"};

    buf_puts(b, "<h2>ICT Development Index</h2>");
    r = results_idi_latest(c, st, &used);
    if (p == NULL || r == NULL) {
        buf_puts(b, "<p class=\"pending\">The IDI is unavailable.</p>");
    } else {
        const struct compute_idi_economy *e = NULL;
        for (size_t i = 0; i < r->count; i++) {
            if (strcmp(r->economies[i].code, code) == 0) {
                e = &r->economies[i];
            }
        }
        if (e == NULL || isnan(e->score.idi)) {
            buf_printf(b,
                       "<p class=\"pending\">No IDI score for %d (too few "
                       "inputs).</p>",
                       used);
        } else {
            size_t scored = 0;
            double reg = NAN;
            for (size_t i = 0; i < r->count; i++) {
                scored += r->economies[i].rank > 0;
            }
            for (size_t k = 0; k < r->ngroups; k++) {
                if (strcmp(r->groups[k].code, region) == 0) {
                    reg = r->groups[k].idi;
                }
            }
            buf_printf(b,
                       "<table class=\"idi\"><tbody><tr><th>IDI %d</th><td "
                       "class=\"num\"><strong>%.1f</strong></td></tr><tr>"
                       "<th>Rank</th><td class=\"num\">%d of %zu</td></tr>"
                       "<tr><th>Universal connectivity</th><td "
                       "class=\"num\">%.1f</td></tr><tr><th>Meaningful "
                       "connectivity</th><td class=\"num\">%.1f</td></tr>",
                       used, e->score.idi, e->rank, scored,
                       e->score.pillar[IDI_PILLAR_U],
                       e->score.pillar[IDI_PILLAR_M]);
            if (!isnan(reg)) {
                buf_printf(b,
                           "<tr><th>Region mean</th><td class=\"num\">%.1f"
                           "</td></tr>",
                           reg);
            }
            buf_puts(b, "</tbody></table><p><a href=\"/api/v1/idi?year=");
            buf_printf(b, "%d&amp;economy=", used);
            out_url(b, code);
            buf_printf(b,
                       "\">How the score is made</a> · <a "
                       "href=\"/idi?year=%d\">Ranking</a></p>",
                       used);
        }
        idi_note(b, p);
    }

    buf_printf(b,
               "<h2>Affordability</h2><p>Monthly basket price as a share "
               "of monthly GNI per capita; the Broadband Commission's "
               "target is %.0f %% or less.</p><table class=\"afford\">"
               "<thead><tr><th>Basket</th><th class=\"num\">Year</th>"
               "<th class=\"num\">%% of GNI p.c.</th><th>Target</th><th "
               "class=\"num\">Region median</th></tr></thead><tbody>",
               AFFORD_TARGET_PCT);
    for (int k = 0; k < 2; k++) {
        bool found = false;
        buf_printf(b, "<tr><td>%s</td>", labels[k]);
        for (int back = 0; back < 6 && !found; back++) {
            int y = 0;
            const struct compute_afford_result *ar =
                results_afford_recent(c, st, k, back, &y);
            const struct compute_afford_row *w = NULL;
            if (ar == NULL) {
                break;
            }
            for (size_t i = 0; i < ar->count; i++) {
                if (strcmp(ar->rows[i].code, code) == 0 &&
                    !isnan(ar->rows[i].pct)) {
                    w = &ar->rows[i];
                }
            }
            if (w == NULL) {
                continue;
            }
            found = true;
            buf_printf(b,
                       "<td class=\"num\">%d</td><td class=\"num\">%.2f"
                       "</td><td>%s</td><td class=\"num\">",
                       y, w->pct, w->meets ? "met" : "not met");
            for (size_t g = 0; g < ar->ngroups; g++) {
                if (strcmp(ar->groups[g].code, region) == 0 &&
                    !isnan(ar->groups[g].s.median)) {
                    buf_printf(b, "%.2f", ar->groups[g].s.median);
                }
            }
            buf_puts(b, "</td></tr>");
        }
        if (!found) {
            buf_puts(b, "<td colspan=\"4\" class=\"muted\">no price or "
                        "GNI p.c. in the last six years</td></tr>");
        }
    }
    buf_puts(b, "</tbody></table>");
}
