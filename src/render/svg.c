/* SVG map, line chart and sparkline; see svg.h. */
#include "svg.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"

static const char *const map_colours[SVG_MAP_CLASSES] = {
    "#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"};
static const char *const no_data_colour = "#d9d9d9";
static const char *const line_colours[8] = {"#0072B2", "#D55E00", "#009E73",
                                            "#CC79A7", "#E69F00", "#56B4E9",
                                            "#000000", "#999999"};
static const char *const line_dashes[8] = {"", "6 3", "2 2", "8 3 2 3",
                                           "", "6 3", "2 2", "8 3 2 3"};

/* A value for people: up to 4 significant digits, thousands as-is. */
static void human(struct buf *b, double v)
{
    double a = fabs(v);
    if (a >= 1e9) {
        buf_printf(b, "%.3g bn", v / 1e9);
    } else if (a >= 1e6) {
        buf_printf(b, "%.3g m", v / 1e6);
    } else if (a >= 1000) {
        buf_printf(b, "%.0f", v);
    } else if (a >= 100) {
        buf_printf(b, "%.1f", v);
    } else {
        buf_printf(b, "%.3g", v);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void svg_map(struct buf *out, const struct geo_world *w, const double *values,
             const char *const *labels, const char *const *links,
             const char *title, const char *unit)
{
    double *sorted = xcalloc(w->count + 1, sizeof(double));
    double breaks[SVG_MAP_CLASSES + 1];
    size_t n = 0;
    int h = (int)ceil(w->height);
    int W = (int)ceil(w->width);

    for (size_t i = 0; i < w->count; i++) {
        if (isfinite(values[i])) {
            sorted[n++] = values[i];
        }
    }
    qsort(sorted, n, sizeof(double), cmp_double);
    for (int k = 0; k <= SVG_MAP_CLASSES; k++) {
        breaks[k] =
            n ? sorted[(size_t)((double)(n - 1) * k / SVG_MAP_CLASSES)] : 0;
    }
    buf_printf(out,
               "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" "
               "viewBox=\"0 0 %d %d\" role=\"img\" "
               "aria-labelledby=\"map-title map-desc\">",
               W, h + 40);
    buf_puts(out, "<title id=\"map-title\">");
    buf_put_xml(out, title);
    buf_puts(out, "</title><desc id=\"map-desc\">World map: ");
    buf_printf(out, "%zu economies with data", n);
    if (unit && *unit) {
        buf_puts(out, ", unit ");
        buf_put_xml(out, unit);
    }
    buf_puts(out, "; grey means no data. The ranking table below lists the "
                  "same values.</desc>");
    buf_puts(out, "<g class=\"countries\" stroke=\"#fff\" "
                  "stroke-width=\"0.4\">");
    for (size_t i = 0; i < w->count; i++) {
        const char *fill = no_data_colour;
        const char *label = labels && labels[i] ? labels[i] : w->shapes[i].name;
        double v = values[i];
        if (isfinite(v)) {
            int k = 0;
            while (k < SVG_MAP_CLASSES - 1 && v > breaks[k + 1]) {
                k++;
            }
            fill = map_colours[k];
        }
        if (links && links[i]) {
            buf_puts(out, "<a href=\"");
            buf_put_xml(out, links[i]);
            buf_puts(out, "\">");
        }
        buf_printf(out, "<path class=\"country\" fill=\"%s\" d=\"", fill);
        buf_puts(out, w->shapes[i].d);
        buf_puts(out, "\"><title>");
        buf_put_xml(out, label);
        buf_puts(out, ": ");
        if (isfinite(v)) {
            human(out, v);
            if (unit && *unit) {
                buf_putc(out, ' ');
                buf_put_xml(out, unit);
            }
        } else {
            buf_puts(out, "no data");
        }
        buf_puts(out, "</title></path>");
        if (links && links[i]) {
            buf_puts(out, "</a>");
        }
    }
    buf_puts(out, "</g>");
    /* The legend: one box per class with its range, then "no data". */
    buf_printf(out,
               "<g class=\"legend\" font-size=\"11\" "
               "transform=\"translate(10,%d)\">",
               h + 8);
    for (int k = 0; k < SVG_MAP_CLASSES && n > 0; k++) {
        int x = k * 150;
        buf_printf(out,
                   "<rect x=\"%d\" y=\"0\" width=\"14\" height=\"14\" "
                   "fill=\"%s\" stroke=\"#555\" stroke-width=\"0.5\"/>"
                   "<text x=\"%d\" y=\"11\">",
                   x, map_colours[k], x + 18);
        human(out, breaks[k]);
        buf_puts(out, " – ");
        human(out, breaks[k + 1]);
        buf_puts(out, "</text>");
    }
    buf_printf(out,
               "<rect x=\"%d\" y=\"0\" width=\"14\" height=\"14\" fill=\"%s\" "
               "stroke=\"#555\" stroke-width=\"0.5\"/><text x=\"%d\" "
               "y=\"11\">no data</text></g></svg>",
               n ? 750 : 0, no_data_colour, n ? 768 : 18);
    xfree(sorted);
}

size_t svg_nice_ticks(double lo, double hi, double *ticks, size_t cap)
{
    double range, raw, mag, step, t;
    size_t n = 0;
    if (!(hi > lo)) {
        hi = lo + 1;
    }
    range = hi - lo;
    raw = range / 5.0;
    mag = pow(10, floor(log10(raw)));
    step = raw / mag < 1.5 ? mag
           : raw / mag < 3 ? 2 * mag
           : raw / mag < 7 ? 5 * mag
                           : 10 * mag;
    t = floor(lo / step) * step;
    while (n < cap) {
        ticks[n++] = t;
        if (t >= hi - step * 1e-9) {
            break;
        }
        t += step;
    }
    if (n < 2 && cap >= 2) {
        ticks[n++] = t + step;
    }
    return n;
}

void svg_line_chart(struct buf *out, const struct svg_series *s, size_t ns,
                    const char *title, const char *unit, const char *table_href)
{
    const double W = 640, H = 320, L = 64, R = 16, T = 16, B = 40;
    int ymin = 0, ymax = 0;
    double vmin = INFINITY, vmax = -INFINITY;
    double yt[16], xt[16];
    size_t nyt, nxt;
    double y0, y1;
    bool any = false;

    if (ns > 8) {
        ns = 8;
    }
    for (size_t i = 0; i < ns; i++) {
        for (size_t j = 0; j < s[i].n; j++) {
            if (!isfinite(s[i].values[j])) {
                continue;
            }
            if (!any || s[i].years[j] < ymin) {
                ymin = s[i].years[j];
            }
            if (!any || s[i].years[j] > ymax) {
                ymax = s[i].years[j];
            }
            vmin = fmin(vmin, s[i].values[j]);
            vmax = fmax(vmax, s[i].values[j]);
            any = true;
        }
    }
    if (!any) {
        vmin = 0;
        vmax = 1;
        ymin = 2000;
        ymax = 2001;
    }
    if (vmin > 0) {
        vmin = 0;
    }
    if (ymax == ymin) {
        ymax = ymin + 1;
    }
    nyt = svg_nice_ticks(vmin, vmax, yt, 16);
    y0 = yt[0];
    y1 = yt[nyt - 1];
    nxt = svg_nice_ticks(ymin, ymax, xt, 16);
#define PX(yr) (L + ((double)(yr)-ymin) / (double)(ymax - ymin) * (W - L - R))
#define PY(v)  (T + (1.0 - ((v)-y0) / (y1 - y0)) * (H - T - B))
    buf_printf(out,
               "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
               "viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
               "aria-labelledby=\"chart-title chart-desc\" font-size=\"11\">",
               W, H + 20.0 * (double)((ns + 2) / 3));
    buf_puts(out, "<title id=\"chart-title\">");
    buf_put_xml(out, title);
    buf_puts(out, "</title><desc id=\"chart-desc\">Line chart, ");
    for (size_t i = 0; i < ns; i++) {
        buf_puts(out, i ? "; " : "");
        buf_put_xml(out, s[i].label);
        buf_printf(out, " (%zu points", s[i].n);
        if (s[i].n > 0) {
            buf_printf(out, ", %d: ", s[i].years[s[i].n - 1]);
            human(out, s[i].values[s[i].n - 1]);
        }
        buf_putc(out, ')');
    }
    if (table_href) {
        buf_puts(out, ". Data table: ");
        buf_put_xml(out, table_href);
    }
    buf_puts(out, "</desc>");
    /* axes and grid */
    buf_puts(out, "<g class=\"axis y\" stroke=\"#ccc\">");
    for (size_t i = 0; i < nyt; i++) {
        double y = PY(yt[i]);
        buf_printf(out,
                   "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                   "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" "
                   "stroke=\"none\" fill=\"#333\">",
                   L, W - R, y, y, L - 4, y + 4);
        human(out, yt[i]);
        buf_puts(out, "</text>");
    }
    buf_puts(out, "</g><g class=\"axis x\" stroke=\"#333\">");
    buf_printf(out, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\"/>",
               L, W - R, H - B, H - B);
    for (size_t i = 0; i < nxt; i++) {
        double x;
        if (xt[i] < ymin || xt[i] > ymax) {
            continue;
        }
        x = PX(xt[i]);
        buf_printf(out,
                   "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\"/>"
                   "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" "
                   "stroke=\"none\" fill=\"#333\">%.0f</text>",
                   x, x, H - B, H - B + 4, x, H - B + 16, xt[i]);
    }
    buf_puts(out, "</g>");
    buf_printf(out,
               "<text class=\"unit\" transform=\"translate(12,%.0f) "
               "rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">",
               (H - B + T) / 2);
    buf_put_xml(out, unit && *unit ? unit : "value");
    buf_puts(out, "</text>");
    /* series */
    for (size_t i = 0; i < ns; i++) {
        const char *col = line_colours[i];
        buf_printf(out, "<g class=\"series\" data-label=\"");
        buf_put_xml(out, s[i].label);
        buf_printf(out,
                   "\"><polyline fill=\"none\" stroke=\"%s\" "
                   "stroke-width=\"2\"",
                   col);
        if (line_dashes[i][0]) {
            buf_printf(out, " stroke-dasharray=\"%s\"", line_dashes[i]);
        }
        buf_puts(out, " points=\"");
        for (size_t j = 0; j < s[i].n; j++) {
            buf_printf(out, "%s%.1f,%.1f", j ? " " : "", PX(s[i].years[j]),
                       PY(s[i].values[j]));
        }
        buf_puts(out, "\"/>");
        for (size_t j = 0; j < s[i].n; j++) {
            buf_printf(out,
                       "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
                       "fill=\"%s\"><title>",
                       PX(s[i].years[j]), PY(s[i].values[j]), col);
            buf_put_xml(out, s[i].label);
            buf_printf(out, ", %d: ", s[i].years[j]);
            human(out, s[i].values[j]);
            buf_puts(out, "</title></circle>");
        }
        buf_puts(out, "</g>");
    }
    /* legend, three entries per row under the plot */
    buf_puts(out, "<g class=\"legend\">");
    for (size_t i = 0; i < ns; i++) {
        double x = L + (double)(i % 3) * 190;
        double y = H + 20.0 * (double)(i / 3);
        buf_printf(out,
                   "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" "
                   "stroke=\"%s\" stroke-width=\"2\"",
                   x, x + 24, y - 4, y - 4, line_colours[i]);
        if (line_dashes[i][0]) {
            buf_printf(out, " stroke-dasharray=\"%s\"", line_dashes[i]);
        }
        buf_printf(out, "/><text x=\"%.0f\" y=\"%.0f\">", x + 30, y);
        buf_put_xml(out, s[i].label);
        buf_puts(out, "</text>");
    }
    buf_puts(out, "</g></svg>");
#undef PX
#undef PY
}

void svg_sparkline(struct buf *out, const struct svg_series *s, size_t ns)
{
    const double W = 120, H = 28, P = 2;
    double vmin = INFINITY, vmax = -INFINITY;
    int ymin = 0, ymax = 0;
    bool any = false;
    for (size_t i = 0; i < ns; i++) {
        for (size_t j = 0; j < s[i].n; j++) {
            if (!any || s[i].years[j] < ymin) {
                ymin = s[i].years[j];
            }
            if (!any || s[i].years[j] > ymax) {
                ymax = s[i].years[j];
            }
            vmin = fmin(vmin, s[i].values[j]);
            vmax = fmax(vmax, s[i].values[j]);
            any = true;
        }
    }
    if (!any) {
        buf_puts(out, "<span class=\"nodata\">no data</span>");
        return;
    }
    if (!(vmax > vmin)) {
        vmax = vmin + 1;
    }
    if (ymax == ymin) {
        ymax = ymin + 1;
    }
    buf_printf(out,
               "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" "
               "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
               "role=\"img\"><title>",
               W, H, W, H);
    if (s[0].n > 0) {
        buf_put_xml(out, s[0].label);
        buf_printf(out, ": %d ", s[0].years[0]);
        human(out, s[0].values[0]);
        buf_printf(out, " to %d ", s[0].years[s[0].n - 1]);
        human(out, s[0].values[s[0].n - 1]);
    }
    for (size_t i = 1; i < ns; i++) {
        buf_puts(out, "; grey: ");
        buf_put_xml(out, s[i].label);
    }
    buf_puts(out, "</title>");
    for (size_t k = ns; k-- > 0;) {
        buf_printf(out,
                   "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
                   "points=\"",
                   k == 0 ? "#0072B2" : "#aaa", k == 0 ? "1.8" : "1");
        for (size_t j = 0; j < s[k].n; j++) {
            double x = P + ((double)(s[k].years[j] - ymin)) /
                               (double)(ymax - ymin) * (W - 2 * P);
            double y = P + (1.0 - (s[k].values[j] - vmin) / (vmax - vmin)) *
                               (H - 2 * P);
            buf_printf(out, "%s%.1f,%.1f", j ? " " : "", x, y);
        }
        buf_puts(out, "\"/>");
    }
    buf_puts(out, "</svg>");
}
