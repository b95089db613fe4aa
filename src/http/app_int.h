/* Internals of the web application shared by app.c (routing), api.c (the
 * JSON API), data.c (data formats), pages.c (portal) and static.c. Only
 * http/ includes this. Handlers fill resp; on a store error they turn it
 * into a problem answer (the _or_respond helpers). */
#ifndef ICTDEV_HTTP_APP_INT_H
#define ICTDEV_HTTP_APP_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/strmap.h"
#include "../render/geo.h"
#include "../store/store.h"
#include "app.h"
#include "server.h"

struct collect_http;

struct app {
    char *db_path;                /* owned */
    struct collect_http *collect; /* owned; NULL: no data collection */
    struct geo_world *world;      /* owned; shared read-only by all threads */
    pthread_key_t key;            /* per-thread struct store * */
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

void page_home(struct ctx *c);
void page_indicator(struct ctx *c);
void page_economy(struct ctx *c);
void page_group(struct ctx *c);
void page_catalogue(struct ctx *c);

/* The results framework (plan_http.c). */
void api_plan(struct ctx *c);
void api_plan_progress(struct ctx *c);
void api_plan_links(struct ctx *c);
void api_plan_links_q(struct ctx *c);
void api_plan_matrix(struct ctx *c);
void api_plan_report(struct ctx *c);
void api_plan_iati(struct ctx *c);
void page_plan(struct ctx *c);

/* Serve /static/NAME from the files built into the binary; 404 if none. */
void static_file(struct ctx *c);

#endif
