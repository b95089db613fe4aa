/* ictdev serve: the HTTP API and portal over the store until SIGINT or
 * SIGTERM. */
#include <arpa/inet.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/mem.h"
#include "../core/strparse.h"
#include "../http/app.h"
#include "../http/server.h"
#include "cli.h"
#include "cliutil.h"

static const char usage[] =
    "Usage: ictdev [--db PATH] serve [--port 8080] [--bind 127.0.0.1]\n"
    "                          [--threads 2] [--geo FILE] [--quiet]\n"
    "Serve the API (/api/v1/, described at /api/v1/openapi.json) and the\n"
    "portal on http://BIND:PORT/ until SIGINT or SIGTERM. --port 0 picks a\n"
    "free port; the line 'listening on URL' on stdout tells which. --geo is\n"
    "the world map TopoJSON (default data/geo/countries-110m.json, looked up\n"
    "in the current directory and next to the binary). --quiet drops the\n"
    "request log (one line per request on stderr).\n";

/* Find the map file: as given, else in ./data/geo, else ../data/geo from
 * the binary's directory. */
static const char *find_geo(const char *given, char *buf, size_t cap)
{
    static const char rel[] = "data/geo/countries-110m.json";
    char exe[PATH_MAX];
    ssize_t n;
    if (given != NULL) {
        return given;
    }
    if (access(rel, R_OK) == 0) {
        return rel;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        char *slash;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            snprintf(buf, cap, "%s/../%s", exe, rel);
            if (access(buf, R_OK) == 0) {
                return buf;
            }
        }
    }
    return rel;
}

int cmd_serve(int argc, char **argv, struct cli_ctx *ctx)
{
    struct http_config cfg;
    struct err err;
    struct app *app;
    struct http_server *srv;
    struct http_app cb;
    const char *geo = NULL;
    char geobuf[PATH_MAX + 64];
    sigset_t set;
    int sig = 0;

    memset(&cfg, 0, sizeof(cfg));
    cfg.port = 8080;
    cfg.bind = "127.0.0.1";
    cfg.threads = 2;
    if (cli_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int64_t n;
        if (strcmp(a, "--quiet") == 0) {
            cfg.quiet = true;
            continue;
        }
        if (v == NULL) {
            return cli_usage_error("serve", "unknown or incomplete option '%s'",
                                   a);
        }
        if (strcmp(a, "--port") == 0) {
            if (parse_int64(v, strlen(v), 0, 65535, &n, &err) != 0) {
                return cli_usage_error("serve", "--port: want 0..65535");
            }
            cfg.port = (unsigned)n;
        } else if (strcmp(a, "--threads") == 0) {
            if (parse_int64(v, strlen(v), 1, 64, &n, &err) != 0) {
                return cli_usage_error("serve", "--threads: want 1..64");
            }
            cfg.threads = (unsigned)n;
        } else if (strcmp(a, "--bind") == 0) {
            cfg.bind = v;
        } else if (strcmp(a, "--geo") == 0) {
            geo = v;
        } else {
            return cli_usage_error("serve", "unknown option '%s'", a);
        }
        i++;
    }
    {
        struct in_addr a4;
        if (inet_pton(AF_INET, cfg.bind, &a4) != 1) {
            return cli_usage_error("serve", "--bind '%s': not an IPv4 address",
                                   cfg.bind);
        }
    }
    app = app_new(ctx->db, find_geo(geo, geobuf, sizeof(geobuf)), &err);
    if (app == NULL) {
        return cli_fail(&err);
    }
    {
        /* Data collection needs the questionnaire and rules of data/;
         * without them the rest still serves. */
        char *data = cli_data_dir();
        if (app_enable_collect(app, data, &err) != 0) {
            fprintf(stderr, "ictdev serve: data collection off: %s\n", err.msg);
        }
        xfree(data);
    }
    /* Block the signals before the server's threads start so that they
     * inherit the mask and only sigwait below sees them. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    cb = app_callbacks(app);
    srv = http_server_start(&cfg, &cb, &err);
    if (srv == NULL) {
        app_free(app);
        return cli_fail(&err);
    }
    printf("listening on http://%s:%u/\n", cfg.bind, http_server_port(srv));
    fflush(stdout);
    sigwait(&set, &sig);
    fprintf(stderr, "ictdev serve: %s, shutting down\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_stop(srv);
    app_free(app);
    return EXIT_OK;
}
