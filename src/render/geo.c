/* TopoJSON decoding and Equal Earth projection; see geo.h. */
#include "geo.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/mem.h"

#define EE_A1   1.340264
#define EE_A2   (-0.081106)
#define EE_A3   0.000893
#define EE_A4   0.003796
#define EE_XMAX 2.70662998 /* x of (180, 0) in unit projection */
#define EE_YMAX 1.31736276 /* y of (0, 90) */

void geo_project(double lon, double lat, double width, double *x, double *y)
{
    const double pi = 3.14159265358979323846;
    double lam = lon * pi / 180.0;
    double phi = lat * pi / 180.0;
    double m = sqrt(3.0) / 2.0;
    double th = asin(m * sin(phi));
    double t2 = th * th;
    double t6 = t2 * t2 * t2;
    double ux = 2.0 * sqrt(3.0) * lam * cos(th) /
                (3.0 * (9.0 * EE_A4 * t6 * t2 + 7.0 * EE_A3 * t6 +
                        3.0 * EE_A2 * t2 + EE_A1));
    double uy = th * (EE_A1 + EE_A2 * t2 + t6 * (EE_A3 + EE_A4 * t2));
    double s = width / (2.0 * EE_XMAX);
    *x = (ux + EE_XMAX) * s;
    *y = (EE_YMAX - uy) * s;
}

struct arc {
    double *xy; /* owned; 2 * n projected coordinates */
    size_t n;
};

static void put_coord(struct buf *b, double v)
{
    /* One decimal is enough on screen and keeps the paths small. */
    long t = lround(v * 10.0);
    if (t < 0) {
        buf_putc(b, '-');
        t = -t;
    }
    buf_printf(b, "%ld", t / 10);
    if (t % 10) {
        buf_printf(b, ".%ld", t % 10);
    }
}

static int ring_path(const struct arc *arcs, size_t narcs, json_t *ring,
                     double width, struct buf *d, struct err *err)
{
    double px = 0;
    size_t k;
    json_t *ai;
    bool first = true;
    json_array_foreach(ring, k, ai)
    {
        json_int_t idx;
        const struct arc *a;
        bool rev;
        if (!json_is_integer(ai)) {
            return err_set(err, ERR_PARSE, "arc index is not an integer");
        }
        idx = json_integer_value(ai);
        rev = idx < 0;
        if (rev) {
            idx = ~idx;
        }
        if (idx < 0 || (size_t)idx >= narcs) {
            return err_set(err, ERR_PARSE, "arc index %lld out of range",
                           (long long)idx);
        }
        a = &arcs[idx];
        for (size_t j = (k == 0 ? 0 : 1); j < a->n; j++) {
            size_t p = rev ? a->n - 1 - j : j;
            /* A ring cut at the antimeridian (Fiji, Chukotka) jumps
             * across the map: start a new subpath instead of a line. */
            bool jump = !first && fabs(a->xy[2 * p] - px) > width / 2;
            buf_putc(d, first || jump ? 'M' : 'L');
            px = a->xy[2 * p];
            put_coord(d, a->xy[2 * p]);
            buf_putc(d, ',');
            put_coord(d, a->xy[2 * p + 1]);
            first = false;
        }
    }
    if (!first) {
        buf_putc(d, 'Z');
    }
    return 0;
}

static int polygon_path(const struct arc *arcs, size_t narcs, json_t *poly,
                        double width, struct buf *d, struct err *err)
{
    size_t i;
    json_t *ring;
    if (!json_is_array(poly)) {
        return err_set(err, ERR_PARSE, "polygon is not an array");
    }
    json_array_foreach(poly, i, ring)
    {
        if (!json_is_array(ring) ||
            ring_path(arcs, narcs, ring, width, d, err)) {
            return err->code ? err->code : err_set(err, ERR_PARSE, "bad ring");
        }
    }
    return 0;
}

struct geo_world *geo_load(const char *path, double width, struct err *err)
{
    json_error_t je;
    json_t *root = NULL;
    json_t *jarcs, *geoms, *tr, *scale, *trans, *g;
    struct arc *arcs = NULL;
    size_t narcs = 0;
    struct geo_world *w = NULL;
    double sx, sy, tx, ty;
    size_t i;

    err_clear(err);
    root = json_load_file(path, 0, &je);
    if (root == NULL) {
        err_set(err, ERR_IO, "%s:%d: %s", path, je.line, je.text);
        return NULL;
    }
    jarcs = json_object_get(root, "arcs");
    geoms = json_object_get(
        json_object_get(json_object_get(root, "objects"), "countries"),
        "geometries");
    tr = json_object_get(root, "transform");
    scale = json_object_get(tr, "scale");
    trans = json_object_get(tr, "translate");
    if (!json_is_array(jarcs) || !json_is_array(geoms) ||
        json_array_size(scale) != 2 || json_array_size(trans) != 2) {
        err_set(err, ERR_PARSE, "%s: not a quantised TopoJSON world", path);
        goto out;
    }
    sx = json_number_value(json_array_get(scale, 0));
    sy = json_number_value(json_array_get(scale, 1));
    tx = json_number_value(json_array_get(trans, 0));
    ty = json_number_value(json_array_get(trans, 1));
    narcs = json_array_size(jarcs);
    arcs = xcalloc(narcs ? narcs : 1, sizeof(*arcs));
    for (i = 0; i < narcs; i++) {
        json_t *a = json_array_get(jarcs, i);
        size_t n = json_array_size(a);
        double qx = 0, qy = 0;
        arcs[i].xy = xcalloc(2 * (n ? n : 1), sizeof(double));
        arcs[i].n = n;
        for (size_t j = 0; j < n; j++) {
            json_t *pt = json_array_get(a, j);
            if (json_array_size(pt) < 2) {
                err_set(err, ERR_PARSE, "%s: arc %zu: bad point", path, i);
                goto out;
            }
            qx += json_number_value(json_array_get(pt, 0));
            qy += json_number_value(json_array_get(pt, 1));
            geo_project(qx * sx + tx, qy * sy + ty, width, &arcs[i].xy[2 * j],
                        &arcs[i].xy[2 * j + 1]);
        }
    }
    w = xcalloc(1, sizeof(*w));
    w->width = width;
    {
        double x, y;
        geo_project(0, 90, width, &x, &y);
        w->height = 2.0 * (w->width / (2.0 * EE_XMAX)) * EE_YMAX;
    }
    w->shapes = xcalloc(json_array_size(geoms) + 1, sizeof(*w->shapes));
    json_array_foreach(geoms, i, g)
    {
        const char *type = json_string_value(json_object_get(g, "type"));
        json_t *ga = json_object_get(g, "arcs");
        json_t *id = json_object_get(g, "id");
        const char *name = json_string_value(
            json_object_get(json_object_get(g, "properties"), "name"));
        struct buf d;
        buf_init(&d);
        if (type != NULL && strcmp(type, "Polygon") == 0) {
            if (polygon_path(arcs, narcs, ga, width, &d, err) != 0) {
                buf_cleanup(&d);
                goto fail;
            }
        } else if (type != NULL && strcmp(type, "MultiPolygon") == 0) {
            size_t k;
            json_t *poly;
            json_array_foreach(ga, k, poly)
            {
                if (polygon_path(arcs, narcs, poly, width, &d, err) != 0) {
                    buf_cleanup(&d);
                    goto fail;
                }
            }
        } else {
            buf_cleanup(&d);
            continue; /* null geometry: nothing to draw */
        }
        w->shapes[w->count].id =
            xstrdup(json_is_string(id) ? json_string_value(id) : "");
        w->shapes[w->count].name = xstrdup(name ? name : "");
        w->shapes[w->count].d = d.data ? buf_detach(&d) : xstrdup("");
        w->count++;
    }
    goto out;
fail:
    err_prefix(err, "%s", path);
    geo_free(w);
    w = NULL;
out:
    for (i = 0; i < narcs; i++) {
        xfree(arcs[i].xy);
    }
    xfree(arcs);
    json_decref(root);
    return w;
}

void geo_free(struct geo_world *w)
{
    if (w == NULL) {
        return;
    }
    for (size_t i = 0; i < w->count; i++) {
        xfree(w->shapes[i].id);
        xfree(w->shapes[i].name);
        xfree(w->shapes[i].d);
    }
    xfree(w->shapes);
    xfree(w);
}
