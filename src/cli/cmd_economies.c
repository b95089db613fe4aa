/* ictdev economies / ictdev groups [CODE]: economies, groups and
 * memberships by year. */
#include <string.h>

#include "../core/strparse.h"
#include "cli.h"
#include "cliutil.h"

static const char economies_help[] =
    "Usage: ictdev economies [--format table|csv|json]\n"
    "\n"
    "List the economies: ISO 3166 alpha-3 code, name, UN M49 code, ITU\n"
    "region (verified or derived by rule), World Bank and UN regions.\n";

static const char groups_help[] =
    "Usage: ictdev groups [CODE [--year Y]] [--format table|csv|json]\n"
    "\n"
    "List the groups (world, ITU and UN regions, LDC, LLDC, SIDS, income\n"
    "groups...), or the members of group CODE with the years of their\n"
    "membership (only those of year Y with --year).\n";

/* Common options: --format, --year, one positional CODE. */
struct listargs {
    enum out_format fmt;
    const char *code;
    int year;
};

static int parse_list(const char *cmd, int argc, char **argv, bool has_code,
                      struct listargs *a)
{
    const char *v;
    struct err err = {0};
    int64_t y;

    a->fmt = out_format_default();
    for (int i = 1; i < argc; i++) {
        int got = cli_opt_value(argc, argv, &i, "--format", &v, cmd);
        if (got > 0 && out_format_parse(v, &a->fmt, &err) != 0) {
            return cli_usage_error(cmd, "%s", err.msg);
        }
        if (got == 0 && has_code) {
            got = cli_opt_value(argc, argv, &i, "--year", &v, cmd);
            if (got > 0 &&
                parse_int64(v, strlen(v), 1900, 2100, &y, &err) != 0) {
                return cli_usage_error(cmd, "--year: %s", err.msg);
            }
            if (got > 0) {
                a->year = (int)y;
            }
        }
        if (got < 0) {
            return EXIT_USAGE;
        }
        if (got == 0 && has_code && !a->code && argv[i][0] != '-') {
            a->code = argv[i];
        } else if (got == 0) {
            return cli_usage_error(cmd, "unknown argument '%s'", argv[i]);
        }
    }
    return EXIT_OK;
}

static const char *const eco_cols[] = {"code",         "name",
                                       "iso2",         "m49",
                                       "itu_region",   "itu_region_verified",
                                       "wb_region",    "un_region",
                                       "un_subregion", "independent"};

static int eco_row(void *ctx, const struct economy *e, struct err *err)
{
    const char *cells[] = {e->code,         e->name,
                           e->iso2,         e->m49,
                           e->itu_region,   e->itu_region_verified ? "1" : "0",
                           e->wb_region,    e->un_region,
                           e->un_subregion, e->is_independent ? "1" : "0"};
    (void)err;

    out_row(ctx, cells);
    return 0;
}

int cmd_economies(int argc, char **argv, struct cli_ctx *ctx)
{
    struct listargs a = {0};
    struct err err = {0};
    struct store *s;
    struct out o;
    int status;

    if (cli_wants_help(argc, argv)) {
        fputs(economies_help, stdout);
        return EXIT_OK;
    }
    status = parse_list("economies", argc, argv, false, &a);
    if (status != EXIT_OK) {
        return status;
    }
    s = cli_store_open(ctx, STORE_OPEN_READONLY, &status);
    if (!s) {
        return status;
    }
    out_begin(&o, a.fmt, stdout, eco_cols, NULL, ARRAY_COUNT(eco_cols));
    if (store_economy_list(s, eco_row, &o, &err) != 0) {
        status = cli_fail(&err);
    }
    out_end(&o);
    store_close(s);
    return status;
}

static const char *const group_cols[] = {"code", "name", "kind", "verified",
                                         "source"};

static int group_row(void *ctx, const struct group *g, struct err *err)
{
    const char *cells[] = {g->code, g->name, g->kind, g->verified ? "1" : "0",
                           g->source};
    (void)err;

    out_row(ctx, cells);
    return 0;
}

static const char *const member_cols[] = {"group",   "economy",  "from_year",
                                          "to_year", "verified", "source"};
static const int member_kinds[] = {OUT_TEXT, OUT_TEXT, OUT_NUM,
                                   OUT_NUM,  OUT_TEXT, OUT_TEXT};

static int member_row(void *ctx, const struct membership *m, struct err *err)
{
    char from[16] = "", to[16] = "";
    (void)err;

    if (m->from_year) {
        snprintf(from, sizeof(from), "%d", m->from_year);
    }
    if (m->to_year) {
        snprintf(to, sizeof(to), "%d", m->to_year);
    }
    const char *cells[] = {
        m->group, m->economy, from, to, m->verified ? "1" : "0", m->source};
    out_row(ctx, cells);
    return 0;
}

static int no_group_row(void *ctx, const struct group *g, struct err *err)
{
    (void)ctx;
    (void)g;
    (void)err;
    return 0;
}

int cmd_groups(int argc, char **argv, struct cli_ctx *ctx)
{
    struct listargs a = {0};
    struct err err = {0};
    struct store *s;
    struct out o;
    int status;
    int rc;

    if (cli_wants_help(argc, argv)) {
        fputs(groups_help, stdout);
        return EXIT_OK;
    }
    status = parse_list("groups", argc, argv, true, &a);
    if (status != EXIT_OK) {
        return status;
    }
    s = cli_store_open(ctx, STORE_OPEN_READONLY, &status);
    if (!s) {
        return status;
    }
    if (a.code && store_group_get(s, a.code, no_group_row, NULL, &err) != 0) {
        status = cli_fail(&err);
        store_close(s);
        return status;
    }
    if (a.code) {
        out_begin(&o, a.fmt, stdout, member_cols, member_kinds,
                  ARRAY_COUNT(member_cols));
        rc = store_group_members(s, a.code, a.year, member_row, &o, &err);
    } else {
        out_begin(&o, a.fmt, stdout, group_cols, NULL, ARRAY_COUNT(group_cols));
        rc = store_group_list(s, group_row, &o, &err);
    }
    out_end(&o);
    if (rc != 0) {
        status = cli_fail(&err);
    }
    store_close(s);
    return status;
}
