/* World shapes for the choropleth map: decodes the Natural Earth TopoJSON
 * (data/geo/countries-110m.json: delta-encoded quantised arcs plus a
 * transform), projects them with the Equal Earth projection and keeps one
 * SVG path string per country, built once. No store access; core + jansson.
 * A loaded geo_world is read-only and may be shared between threads. */
#ifndef ICTDEV_RENDER_GEO_H
#define ICTDEV_RENDER_GEO_H

#include <stddef.h>

#include "../core/compiler.h"
#include "../core/err.h"

struct geo_shape {
    char *id;   /* owned: ISO 3166 numeric as in the file ("404"), or "" */
    char *name; /* owned: Natural Earth name ("Kenya", "Kosovo") */
    char *d;    /* owned: SVG path data in map pixels */
};

struct geo_world {
    struct geo_shape *shapes; /* owned; count entries */
    size_t count;
    double width, height; /* pixel size of the projected map */
};

/* Read and project the TopoJSON file at path (object "countries") to a map
 * width pixels wide. Returns owned world (free with geo_free) or NULL with
 * ERR_IO (unreadable), ERR_PARSE (not TopoJSON as expected). */
struct geo_world *geo_load(const char *path, double width, struct err *err);

/* Free w. Safe on NULL. */
void geo_free(struct geo_world *w);

/* Project longitude/latitude in degrees with Equal Earth, scaled so that
 * the world is width pixels wide; y grows downwards, origin top left. */
void geo_project(double lon, double lat, double width, double *x, double *y);

#endif
