/* The ictdev web application: routes of the API (/api/v1/...), the portal
 * pages and static files, served by http/server over the store. One
 * read-only store connection per worker thread, opened on first use. */
#ifndef ICTDEV_HTTP_APP_H
#define ICTDEV_HTTP_APP_H

#include "../core/compiler.h"
#include "../core/err.h"
#include "server.h"

struct app;

/* Make the application for the store at db_path (borrowed; must outlive
 * the app) with the map shapes from geo_path. Checks that the store opens.
 * Returns owned app (free with app_free) or NULL with err (ERR_NOT_FOUND:
 * no store; ERR_IO/ERR_PARSE: map file). */
struct app *app_new(const char *db_path, const char *geo_path, struct err *err);

/* Serve data collection too (/api/v1/submissions..., /api/v1/login,
 * /collect portal pages) with the questionnaire and rules of data_dir.
 * ERR_NOT_FOUND / ERR_PARSE from loading them. */
int app_enable_collect(struct app *a, const char *data_dir,
                       struct err *err) WARN_UNUSED_RESULT;

/* Free a (taken). Safe on NULL. Call after http_server_stop. */
void app_free(struct app *a);

/* The server callbacks for a; a is borrowed by them. */
struct http_app app_callbacks(struct app *a);

#endif
