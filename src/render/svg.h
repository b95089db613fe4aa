/* SVG charts drawn on the server: a world choropleth map, a time-series
 * line chart and sparklines. Values are handed in; no store access. All
 * text is XML-escaped here. Colours: ColorBrewer YlGnBu (sequential,
 * colour-blind safe) for the map, Okabe-Ito plus dash patterns for lines. */
#ifndef ICTDEV_RENDER_SVG_H
#define ICTDEV_RENDER_SVG_H

#include <stddef.h>

#include "../core/buf.h"
#include "geo.h"

#define SVG_MAP_CLASSES 5

/* Append a choropleth of w to out. values[i] is shape i's value (NaN: no
 * data); labels[i] its display name (NULL: the shape's own name); links[i]
 * an href or NULL. Classes are quantiles of the present values. title and
 * unit go to <title>/<desc> and the legend. Cannot fail. */
void svg_map(struct buf *out, const struct geo_world *w, const double *values,
             const char *const *labels, const char *const *links,
             const char *title, const char *unit);

struct svg_series {
    const char *label;    /* legend text */
    const int *years;     /* borrowed; n entries, increasing */
    const double *values; /* borrowed; n entries */
    size_t n;
};

/* Append a line chart of the series (at most 8 are drawn) with axes,
 * ticks, the unit on the y axis, a legend and a <title>/<desc> text
 * alternative; each point is a <circle class="pt"> with its own <title>.
 * table_href (or NULL) is linked from the description. Cannot fail. */
void svg_line_chart(struct buf *out, const struct svg_series *s, size_t ns,
                    const char *title, const char *unit,
                    const char *table_href);

/* Append a small sparkline (120x28) of s[0], with s[1..] drawn as thin grey
 * reference lines on the same scale; a <title> states first and last.
 * Cannot fail. */
void svg_sparkline(struct buf *out, const struct svg_series *s, size_t ns);

/* Choose "nice" axis ticks covering [lo, hi]: writes at most cap ticks to
 * ticks and returns their count (>= 2). */
size_t svg_nice_ticks(double lo, double hi, double *ticks, size_t cap);

#endif
