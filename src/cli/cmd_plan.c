/* ictdev plan: the results framework (Kigali Action Plan): browse, measure,
 * trace, report, export to IATI, and edit with every change kept. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../io/sha256.h"
#include "../plan/plan_db.h"
#include "../plan/progress.h"
#include "../plan/render.h"
#include "../store/plan_store.h"
#include "cli.h"

static const char plan_help[] =
    "Usage: ictdev plan SUBCOMMAND [OPTIONS]\n"
    "\n"
    "The results framework of the Kigali Action Plan: priorities, outputs,\n"
    "expected results and KPIs with their links to the SDGs, the ITU\n"
    "strategic plan, WSIS action lines, resolutions, regional initiatives\n"
    "and study Questions. Computed KPIs are measured on the store's data.\n"
    "\n"
    "Reading:\n"
    "  tree [--format text|json]       priorities -> outputs -> KPIs\n"
    "  progress [--format text|csv|json] one row per KPI with its status\n"
    "  links TARGET                    what contributes to sdg:9.c, wsis:C2,\n"
    "                                  res:WTDC-37, ri:AFR1, q:Q1/1, P1...\n"
    "  matrix [--format text|csv|json] priorities x linkage types\n"
    "  rollups                         status counts per priority, output,\n"
    "                                  region and linkage target\n"
    "  no-data                         KPIs without data\n"
    "  no-kpi                          elements without any KPI\n"
    "  projects                        projects, beneficiaries "
    "(LDC/LLDC/SIDS)\n"
    "  report > report.html            printable HTML monitoring report\n"
    "  iati [--org ID] > a.xml         IATI activity XML 2.03 of projects\n"
    "  set                             which set is loaded\n"
    "  history [KPI YEAR]              plan versions, or a value's revisions\n"
    "  export                          the whole plan as JSON\n"
    "  Each takes --year Y (default: the latest year with data).\n"
    "\n"
    "Editing (each change is a new stored version; bad input changes\n"
    "nothing):\n"
    "  load FILE                       replace the set (official KPIs...)\n"
    "  put JSON | put --file FILE      create or replace an element\n"
    "  delete ID                       delete an element\n"
    "  link FROM TO [--type T]         add a typed link\n"
    "  unlink FROM TO                  remove a link\n"
    "  report-value KPI YEAR VALUE [--note N] [--link URL]\n"
    "               [--evidence FILE | --sha256 HASH]\n"
    "  withdraw KPI YEAR               withdraw a reported value\n"
    "  Each takes --by WHO (default $USER).\n"
    "\n"
    "The seed is data/plan ($ICTDEV_PLAN_DIR, or plan/ in $ICTDEV_DATA, or\n"
    "../data/plan next to the binary, or ./data/plan).\n";

struct plan_opts {
    int year;           /* 0 = latest with data */
    const char *format; /* "" = default */
    const char *type;   /* link type */
    const char *note;
    const char *link;
    const char *sha256;
    const char *by;
    const char *org;
    const char *file;
    const char *evidence; /* file whose SHA-256 becomes the evidence hash */
    const char *pos[4];   /* positional arguments after the subcommand */
    int npos;
};

static int take_value(int argc, char **argv, int *i, const char **out)
{
    if (*i + 1 >= argc) {
        return cli_usage_error("plan", "%s needs a value", argv[*i]);
    }
    *out = argv[++*i];
    return 0;
}

static int parse_opts(int argc, char **argv, struct plan_opts *o)
{
    static const char *const names[] = {"--format", "--type",   "--note",
                                        "--link",   "--sha256", "--by",
                                        "--org",    "--file",   "--evidence"};
    const char **slots[] = {&o->format, &o->type,   &o->note,
                            &o->link,   &o->sha256, &o->by,
                            &o->org,    &o->file,   &o->evidence};

    for (int i = 2; i < argc; i++) {
        bool done = false;
        if (strcmp(argv[i], "--year") == 0) {
            const char *y = NULL;
            int64_t v;
            struct err err = {0};
            if (take_value(argc, argv, &i, &y) != 0) {
                return EXIT_USAGE;
            }
            if (parse_int64(y, strlen(y), YEAR_MIN, YEAR_MAX, &v, &err) != 0) {
                return cli_usage_error("plan", "--year: %s", err.msg);
            }
            o->year = (int)v;
            continue;
        }
        for (size_t k = 0; k < ARRAY_COUNT(names) && !done; k++) {
            if (strcmp(argv[i], names[k]) == 0) {
                if (take_value(argc, argv, &i, slots[k]) != 0) {
                    return EXIT_USAGE;
                }
                done = true;
            }
        }
        if (done) {
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            return cli_usage_error("plan", "unknown option '%s'", argv[i]);
        }
        if (o->npos == (int)ARRAY_COUNT(o->pos)) {
            return cli_usage_error("plan", "too many arguments");
        }
        o->pos[o->npos++] = argv[i];
    }
    return 0;
}

/* Everything a command works on. */
struct plan_env {
    struct store *store; /* NULL when there is no store file (read only) */
    struct plan *plan;
    int64_t version;
    struct plan_stats stats;
    struct plan_progress *progress;
};

static void env_cleanup(struct plan_env *env)
{
    plan_progress_free(env->progress);
    plan_stats_cleanup(&env->stats);
    plan_free(env->plan);
    store_close(env->store);
}

static int env_open(const struct cli_ctx *ctx, bool write, bool measure,
                    struct plan_env *env, struct err *err)
{
    struct buf dir;

    memset(env, 0, sizeof(*env));
    plan_stats_init(&env->stats);
    /* Reading needs no store: without one (no file, or a PostgreSQL
     * database without ictdev's tables) the plan is the default set. */
    if (write || store_path_is_pg(ctx->db) || access(ctx->db, F_OK) == 0) {
        env->store = store_open(ctx->db, write ? STORE_OPEN_CREATE : 0, err);
        if (env->store == NULL && (write || err->code != ERR_NOT_FOUND)) {
            return err->code;
        }
    }
    buf_init(&dir);
    plan_db_default_dir(&dir);
    env->plan = plan_db_current(env->store, buf_cstr(&dir), &env->version, err);
    buf_cleanup(&dir);
    if (env->plan == NULL) {
        return err->code;
    }
    if (measure) {
        if (env->store != NULL &&
            plan_db_stats(env->store, env->plan, &env->stats, err) != 0) {
            return err->code;
        }
        env->progress = plan_progress_new(env->plan, &env->stats);
    }
    return 0;
}

static int year_of(const struct plan_env *env, const struct plan_opts *o)
{
    int y;

    if (o->year != 0) {
        return o->year;
    }
    y = plan_progress_last_year(env->progress);
    if (y == 0) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        y = tm.tm_year + 1900;
    }
    return y;
}

static bool format_is(const struct plan_opts *o, const char *f)
{
    return strcmp(o->format != NULL ? o->format : "", f) == 0;
}

static int check_format(const struct plan_opts *o, const char *a, const char *b)
{
    if (o->format == NULL || format_is(o, a) || format_is(o, b)) {
        return 0;
    }
    return cli_usage_error("plan", "--format: want %s or %s", a, b);
}

static void print_buf(struct buf *b)
{
    fwrite(buf_cstr(b), 1, b->len, stdout);
}

static int on_version(void *ctx, const struct plan_version *v, struct err *err)
{
    char when[32];
    time_t t = (time_t)v->time;
    struct tm tm;

    (void)ctx;
    (void)err;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("%lld,%s,%s,%s,\"%s\"\n", (long long)v->id, when, v->origin,
           v->set_illustrative ? "illustrative" : "official", v->action);
    return 0;
}

static int plan_history_cmd(struct plan_env *env, const struct plan_opts *o,
                            struct err *err)
{
    if (o->npos == 2) {
        int64_t y;
        if (parse_int64(o->pos[1], strlen(o->pos[1]), YEAR_MIN, YEAR_MAX, &y,
                        err) != 0) {
            return err_prefix(err, "year");
        }
        printf("kpi,year,revision,value,time,by,note,link,sha256\n");
        for (size_t i = 0; i < env->plan->value_count; i++) {
            const struct plan_value *v = &env->plan->values[i];
            struct buf b;
            if (strcmp(v->kpi, o->pos[0]) != 0 || v->year != (int)y) {
                continue;
            }
            buf_init(&b);
            if (v->is_deleted) {
                buf_puts(&b, "withdrawn");
            } else {
                buf_put_double(&b, v->value);
            }
            printf("%s,%d,%d,%s,%s,%s,\"%s\",%s,%s\n", v->kpi, v->year,
                   v->revision, buf_cstr(&b), v->time, v->by, v->note, v->link,
                   v->sha256);
            buf_cleanup(&b);
        }
        return 0;
    }
    printf("version,time,by,set,action\n");
    if (env->store == NULL) {
        return 0;
    }
    return plan_store_history(env->store, 0, on_version, NULL, err);
}

static int edit_done(struct plan_env *env, const struct plan_opts *o,
                     const char *action, struct err *err)
{
    const char *by = o->by;
    int64_t version;

    if (by == NULL || by[0] == '\0') {
        by = getenv("USER");
    }
    if (plan_db_save(env->store, env->plan, by != NULL ? by : "ictdev", action,
                     &version, err) != 0) {
        return err->code;
    }
    printf("plan version %lld: %s\n", (long long)version, action);
    return 0;
}

static int read_file_text(const char *path, struct buf *out, struct err *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char chunk[8192];
    size_t n;

    if (f == NULL) {
        return err_set(err, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "%s: %s",
                       path, strerror(errno));
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (out->len + n > MAX_REQUEST_BODY) {
            if (f != stdin) {
                fclose(f);
            }
            return err_set(err, ERR_LIMIT, "%s: larger than %d bytes", path,
                           MAX_REQUEST_BODY);
        }
        buf_append(out, chunk, n);
    }
    if (f != stdin) {
        fclose(f);
    }
    return 0;
}

static int need_args(const struct plan_opts *o, int n, const char *usage)
{
    if (o->npos != n) {
        return cli_usage_error("plan", "usage: ictdev plan %s", usage);
    }
    return 0;
}

static int do_edit(const char *sub, struct plan_env *env,
                   const struct plan_opts *o, struct err *err)
{
    struct buf action;
    int rc = 0;

    buf_init(&action);
    if (strcmp(sub, "load") == 0) {
        rc = plan_load_set(env->plan, o->pos[0], err);
        buf_printf(&action, "load %s (%s)", o->pos[0], env->plan->set_name);
    } else if (strcmp(sub, "put") == 0) {
        struct buf text;
        buf_init(&text);
        if (o->file != NULL) {
            rc = read_file_text(o->file, &text, err);
        } else {
            buf_puts(&text, o->pos[0]);
        }
        if (rc == 0) {
            rc = plan_put_element(env->plan, buf_cstr(&text), err);
        }
        buf_cleanup(&text);
        buf_printf(&action, "put element");
    } else if (strcmp(sub, "delete") == 0) {
        rc = plan_delete_element(env->plan, o->pos[0], err);
        buf_printf(&action, "delete %s", o->pos[0]);
    } else if (strcmp(sub, "link") == 0) {
        rc = plan_add_link(env->plan, o->pos[0], o->pos[1],
                           o->type != NULL ? o->type : "", err);
        buf_printf(&action, "link %s -> %s", o->pos[0], o->pos[1]);
    } else if (strcmp(sub, "unlink") == 0) {
        rc = plan_delete_link(env->plan, o->pos[0], o->pos[1], err);
        buf_printf(&action, "unlink %s -> %s", o->pos[0], o->pos[1]);
    } else {
        struct plan_value_in v = {0};
        char hash[SHA256_HEX_LEN + 1];
        int64_t y = 0;
        v.kpi = o->pos[0];
        v.is_deleted = strcmp(sub, "withdraw") == 0;
        v.value = NAN;
        rc = parse_int64(o->pos[1], strlen(o->pos[1]), YEAR_MIN, YEAR_MAX, &y,
                         err);
        if (rc == 0 && !v.is_deleted) {
            rc = parse_double(o->pos[2], strlen(o->pos[2]), &v.value, err);
        }
        v.year = (int)y;
        v.note = o->note;
        v.link = o->link;
        v.sha256 = o->sha256;
        if (rc == 0 && o->evidence != NULL) {
            rc = sha256_file(o->evidence, hash, err);
            v.sha256 = hash;
        }
        v.by = o->by != NULL ? o->by : getenv("USER");
        if (rc == 0) {
            rc = plan_report_value(env->plan, &v, err);
        }
        buf_printf(&action, "%s %s %s", sub, o->pos[0], o->pos[1]);
    }
    if (rc == 0) {
        rc = edit_done(env, o, buf_cstr(&action), err);
    }
    buf_cleanup(&action);
    return rc;
}

static int edit_usage(const char *sub, const struct plan_opts *o)
{
    if (strcmp(sub, "load") == 0 || strcmp(sub, "delete") == 0) {
        return need_args(o, 1,
                         strcmp(sub, "load") == 0 ? "load FILE" : "delete ID");
    }
    if (strcmp(sub, "put") == 0) {
        return o->file != NULL ? need_args(o, 0, "put --file FILE")
                               : need_args(o, 1, "put JSON");
    }
    if (strcmp(sub, "link") == 0 || strcmp(sub, "unlink") == 0) {
        return need_args(o, 2, "link|unlink FROM TO");
    }
    if (strcmp(sub, "withdraw") == 0) {
        return need_args(o, 2, "withdraw KPI YEAR");
    }
    return need_args(o, 3, "report-value KPI YEAR VALUE");
}

static bool is_edit(const char *sub)
{
    static const char *const edits[] = {
        "load", "put", "delete", "link", "unlink", "withdraw", "report-value"};

    for (size_t i = 0; i < ARRAY_COUNT(edits); i++) {
        if (strcmp(sub, edits[i]) == 0) {
            return true;
        }
    }
    return false;
}

static void now_iso(char *out, size_t cap)
{
    const char *fixed = getenv("ICTDEV_NOW");
    time_t t = time(NULL);
    struct tm tm;

    if (fixed != NULL && fixed[0] != '\0') {
        snprintf(out, cap, "%s", fixed);
        return;
    }
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int do_read(const char *sub, struct plan_env *env,
                   const struct plan_opts *o, struct buf *out, struct err *err)
{
    int year = year_of(env, o);

    if (strcmp(sub, "tree") == 0) {
        plan_render_tree(env->progress, year, format_is(o, "json"), out);
    } else if (strcmp(sub, "progress") == 0 && format_is(o, "json")) {
        plan_render_progress_json(env->progress, year, out);
    } else if (strcmp(sub, "progress") == 0) {
        plan_render_progress(env->progress, year, format_is(o, "csv"), out);
    } else if (strcmp(sub, "links") == 0) {
        bool ok =
            format_is(o, "json")
                ? plan_render_links_json(env->progress, o->pos[0], year, out)
                : plan_render_links(env->progress, o->pos[0], year, out);
        if (!ok) {
            return err_set(err, ERR_NOT_FOUND,
                           "unknown linkage target or element '%s' (e.g. "
                           "sdg:9.c, sp:G1, wsis:C2, res:WTDC-37, ri:AFR1, "
                           "q:Q1/1, P1)",
                           o->pos[0]);
        }
    } else if (strcmp(sub, "matrix") == 0 && format_is(o, "json")) {
        plan_render_matrix_json(env->progress, out);
    } else if (strcmp(sub, "matrix") == 0) {
        plan_render_matrix(env->progress, format_is(o, "csv"), out);
    } else if (strcmp(sub, "rollups") == 0) {
        plan_render_rollups(env->progress, year, out);
    } else if (strcmp(sub, "no-data") == 0) {
        plan_render_no_data(env->progress, year, out);
    } else if (strcmp(sub, "no-kpi") == 0) {
        plan_render_no_kpi(env->progress, out);
    } else if (strcmp(sub, "projects") == 0) {
        plan_render_projects(env->plan, &env->stats, year, out);
    } else if (strcmp(sub, "report") == 0) {
        plan_render_report(env->progress, year, out);
    } else if (strcmp(sub, "iati") == 0) {
        struct plan_iati_opts io = {0};
        char now[40];
        now_iso(now, sizeof(now));
        io.reporting_org = o->org != NULL ? o->org : "XI-IATI-ITU";
        io.generated = now;
        io.iso2 = env->store != NULL ? plan_db_iso2 : NULL;
        io.ctx = env->store;
        plan_render_iati(env->plan, &io, out);
    } else if (strcmp(sub, "set") == 0 && format_is(o, "json")) {
        plan_render_set_json(env->plan, env->version, out);
    } else if (strcmp(sub, "set") == 0) {
        plan_render_set(env->plan, env->version, out);
    } else if (strcmp(sub, "activities") == 0) {
        plan_render_activities(env->plan, &env->stats, out);
    } else {
        char *doc = plan_to_json(env->plan);
        buf_puts(out, doc);
        buf_putc(out, '\n');
        xfree(doc);
    }
    return 0;
}

static const struct {
    const char *name;
    int args; /* positional arguments; -1 = checked by the subcommand */
} reads[] = {
    {"tree", 0},    {"progress", 0},   {"links", 1},  {"matrix", 0},
    {"rollups", 0}, {"no-data", 0},    {"no-kpi", 0}, {"projects", 0},
    {"report", 0},  {"iati", 0},       {"set", 0},    {"history", -1},
    {"export", 0},  {"activities", 0},
};

static int read_usage(const char *sub, const struct plan_opts *o, bool *found)
{
    *found = false;
    for (size_t i = 0; i < ARRAY_COUNT(reads); i++) {
        if (strcmp(sub, reads[i].name) != 0) {
            continue;
        }
        *found = true;
        if (reads[i].args >= 0 && o->npos != reads[i].args) {
            return cli_usage_error("plan", "%s takes %d argument%s", sub,
                                   reads[i].args,
                                   reads[i].args == 1 ? "" : "s");
        }
        if (reads[i].args < 0 && o->npos != 0 && o->npos != 2) {
            return cli_usage_error("plan", "usage: ictdev plan history "
                                           "[KPI YEAR]");
        }
    }
    if (strcmp(sub, "tree") == 0) {
        return check_format(o, "text", "json");
    }
    if (strcmp(sub, "progress") == 0 || strcmp(sub, "matrix") == 0) {
        return o->format != NULL && format_is(o, "json")
                   ? 0
                   : check_format(o, "text", "csv");
    }
    if (strcmp(sub, "links") == 0 || strcmp(sub, "set") == 0) {
        return check_format(o, "text", "json");
    }
    return 0;
}

int cmd_plan(int argc, char **argv, struct cli_ctx *ctx)
{
    struct plan_opts o = {0};
    struct plan_env env;
    struct err err = {0};
    struct buf out;
    const char *sub;
    bool edit;
    bool found;
    int rc;

    if (argc < 2 || cli_wants_help(argc, argv)) {
        fputs(plan_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    sub = argv[1];
    if (parse_opts(argc, argv, &o) != 0) {
        return EXIT_USAGE;
    }
    edit = is_edit(sub);
    rc = edit ? edit_usage(sub, &o) : read_usage(sub, &o, &found);
    if (rc != 0) {
        return rc;
    }
    if (!edit && !found) {
        return cli_usage_error("plan", "unknown subcommand '%s'", sub);
    }
    if (env_open(ctx, edit, !edit, &env, &err) != 0) {
        env_cleanup(&env);
        return cli_fail(&err);
    }
    buf_init(&out);
    if (edit) {
        rc = do_edit(sub, &env, &o, &err);
    } else if (strcmp(sub, "history") == 0) {
        rc = plan_history_cmd(&env, &o, &err);
    } else {
        rc = do_read(sub, &env, &o, &out, &err);
    }
    print_buf(&out);
    buf_cleanup(&out);
    env_cleanup(&env);
    return rc != 0 ? cli_fail(&err) : EXIT_OK;
}
