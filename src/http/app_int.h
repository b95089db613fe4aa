/* Internals of the web application shared by app.c (routing), api.c (the
 * JSON API), data.c (data formats), pages.c (portal) and static.c. Only
 * http/ includes this. Handlers fill resp; on a store error they turn it
 * into a problem answer (the _or_respond helpers). */
#ifndef ICTDEV_HTTP_APP_INT_H
#define ICTDEV_HTTP_APP_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../compute/compute.h"
#include "../core/strmap.h"
#include "../render/geo.h"
#include "../store/store.h"
#include "app.h"
#include "server.h"

struct collect_http;
struct results_cache;

struct app {
    char *db_path;                /* owned */
    struct collect_http *collect; /* owned; NULL: no data collection */
    struct geo_world *world;      /* owned; shared read-only by all threads */
    pthread_key_t key;            /* per-thread struct store * */
    struct idi_params idi;        /* from data/idi_params.csv, when idi_ok */
    bool idi_ok;
    char idi_err[256];        /* why not, when !idi_ok */
    struct results_cache *rc; /* owned; results.c */
};

/* A request in flight: the app, the request, its path parameters. */
struct ctx {
    struct app *app;
    const struct http_req *req;
    struct http_resp *resp;
    const char *params[4]; /* {name} segments of the route, in order */
};

/* This thread's store connection (opened read-only on first use), or NULL
 * after answering 503 (…_or_respond). */
struct store *ctx_store_or_respond(struct ctx *c);

/* Answer with the problem for err. */
void ctx_fail(struct ctx *c, const struct err *err);

/* Answer 400 naming the parameter. */
void ctx_bad_param(struct ctx *c, const char *param, const char *why);

/* Check that every query parameter is in allowed (NULL-terminated); answer
 * 400 and return false otherwise. */
bool ctx_known_params_or_respond(struct ctx *c, const char *const *allowed);

/* ---- data rows collected from the store ---- */

struct row {
    char *indicator, *economy, *dims, *source, *note; /* owned */
    int year;
    double value;
    int status;
    int64_t batch, batch_time;
};

struct rows {
    struct row *r; /* owned */
    size_t n, cap;
    size_t limit; /* stop with ERR_LIMIT past this many rows; 0 = none */
};

void rows_cleanup(struct rows *rs);
/* store_obs_fn that appends a copy of o to the struct rows at ctx. */
int rows_collect(void *ctx, const struct obs *o, struct err *err);

/* Names of economies and groups by code: names_load fills from the store,
 * names_get returns the name or the code itself. */
struct names {
    struct strmap map; /* code -> index into v */
    char **v;          /* owned names */
    char **kind;       /* owned: "economy" or the group's kind */
    size_t n;
};
int names_load(struct store *st, struct names *nm,
               struct err *err) WARN_UNUSED_RESULT;
const char *names_get(const struct names *nm, const char *code);
const char *names_kind(const struct names *nm, const char *code);
void names_cleanup(struct names *nm);

/* ---- computed results (results.c) ---- */

/* Load the IDI parameters: $ICTDEV_DATA/idi_params.csv, else the
 * idi_params.csv in the folder above the map file's (data/geo/x.json ->
 * data/idi_params.csv), else ./data/idi_params.csv. A failure leaves the
 * IDI unavailable (503) and is reported on stderr; it never stops serve. */
void results_init(struct app *a, const char *geo_path);
/* Free what results_init made. */
void results_free(struct app *a);
/* The IDI of the latest year with scores (results_idi with year 0), or
 * NULL when unavailable; computed once per store revision and shared by
 * all threads (borrowed until app_free). */
const struct compute_idi_result *
results_idi_latest(struct ctx *c, struct store *st, int *out_year);
/* Affordability of basket 0 (fixed) or 1 (mobile) in the store's last
 * year with data minus back (0..5), or NULL; cached like the IDI. */
const struct compute_afford_result *results_afford_recent(struct ctx *c,
                                                          struct store *st,
                                                          int basket, int back,
                                                          int *out_year);
/* The loaded IDI parameters, or NULL. */
const struct idi_params *results_idi_params(const struct app *a);
/* compute_idi for year; year 0 = the latest year (of the store's last six)
 * in which some economy has a score. *out_year is the year used. Free out
 * with compute_idi_result_free (also on failure: it is zeroed). */
int results_idi(struct store *st, const struct idi_params *p, int year,
                struct compute_idi_result *out, int *out_year,
                struct err *err) WARN_UNUSED_RESULT;
/* Coverage (percent) and method from a stored aggregate's note ("coverage
 * 83.7%; method itu; ..."); false (coverage NaN, method "") when the note
 * is not one `ictdev compute` wrote. */
bool results_agg_note(const char *note, double *coverage, char *method,
                      size_t cap);
/* Fill q's price and published series for basket "fixed" or "mobile";
 * false for any other name. */
bool results_basket(const char *name, struct compute_afford_request *q);

/* ---- handlers ---- */

void api_indicators(struct ctx *c);
void api_indicator(struct ctx *c);
void api_economies(struct ctx *c);
void api_economy(struct ctx *c);
void api_groups(struct ctx *c);
void api_group(struct ctx *c);
void api_data(struct ctx *c);
void api_data_short(struct ctx *c);
void api_sdmx(struct ctx *c);
void api_openapi(struct ctx *c);
void api_aggregates(struct ctx *c);
void api_idi(struct ctx *c);
void api_affordability(struct ctx *c);

void page_home(struct ctx *c);
void page_indicator(struct ctx *c);
void page_economy(struct ctx *c);
void page_group(struct ctx *c);
void page_catalogue(struct ctx *c);
void page_idi(struct ctx *c);

/* The results framework (plan_http.c). */
void api_plan(struct ctx *c);
void api_plan_progress(struct ctx *c);
void api_plan_links(struct ctx *c);
void api_plan_links_q(struct ctx *c);
void api_plan_matrix(struct ctx *c);
void api_plan_report(struct ctx *c);
void api_plan_iati(struct ctx *c);
void page_plan(struct ctx *c);
/* POST/PUT/DELETE /api/v1/plan/{elements,links,values}[/{id}]: changes,
 * behind the collection roles (admin, analyst). */
struct collect_http;
struct collect_http_in;
void api_plan_write(struct ctx *c, struct collect_http *h,
                    const struct collect_http_in *in);

/* Serve /static/NAME from the files built into the binary; 404 if none. */
void static_file(struct ctx *c);

#endif
