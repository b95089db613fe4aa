/* `ictdev idi`: the ICT Development Index (2023 methodology) from the
 * store, with --explain and what-ifs. Thin: parses options, calls
 * compute/, prints. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../compute/compute.h"
#include "../core/buf.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "cli.h"
#include "cliutil.h"

#define MAX_SETS 64

static const char idi_usage[] =
    "Usage: ictdev idi --year Y [--format csv|table] [--explain ISO3]\n"
    "           [--set ISO3:INDICATOR=VALUE]... [--params FILE]\n"
    "           [--compare FILE [--tolerance POINTS]]\n"
    "Prints economy,idi,universal,meaningful,rank for every economy with a\n"
    "score, then the groups' scores (simple mean of their members, rank "
    "empty).\n"
    "Inputs: the latest value in [Y - max_age, Y] (proxy series where the "
    "IDI\n"
    "input is missing). Parameters (goalposts, transforms, weights, rules):\n"
    "--params, else $ICTDEV_DATA/idi_params.csv, ./data/idi_params.csv or "
    "the\n"
    "data/ folder next to the binary's parent. While any parameter is\n"
    "unverified, results are labelled a reproduction (on stderr).\n"
    "--explain ISO3: raw value, year, normalised score and contribution of "
    "each\n"
    "indicator. --set: a what-if on a raw input; prints how the score "
    "moves.\n"
    "--compare FILE: the scores next to a published table (CSV with iso3 "
    "and\n"
    "idi columns, e.g. data/idi/idi_2024_published.csv with --year 2022):\n"
    "economy,published,ictdev,difference,within,why, then a summary on "
    "stderr.\n"
    "why names what explains a gap: inputs without a value, proxies, "
    "values\n"
    "older than Y, else the unverified parameters. --tolerance: default "
    "0.05.\n";

static bool opt_value(int argc, char **argv, int *i, const char *name,
                      const char **out)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0) {
        return false;
    }
    if (argv[*i][n] == '=') {
        *out = argv[*i] + n + 1;
        return true;
    }
    if (argv[*i][n] != '\0') {
        return false;
    }
    *out = *i + 1 < argc ? argv[++*i] : NULL;
    return true;
}

struct idi_args {
    int year;
    bool table;
    const char *explain;
    const char *params;
    const char *compare;
    double tolerance;
    struct compute_idi_set sets[MAX_SETS];
    char *set_text[MAX_SETS]; /* owned copies the sets point into */
    size_t nsets;
};

/* "ISO3:indicator=value" */
static int parse_set(struct idi_args *a, const char *v)
{
    char *t;
    char *colon;
    char *eq;
    struct err err;

    if (a->nsets == MAX_SETS) {
        return cli_usage_error("idi", "at most %d --set", MAX_SETS);
    }
    t = xstrdup(v);
    a->set_text[a->nsets] = t;
    colon = strchr(t, ':');
    eq = colon ? strchr(colon, '=') : NULL;
    if (!colon || !eq) {
        return cli_usage_error("idi", "--set '%s': want ISO3:INDICATOR=VALUE",
                               v);
    }
    *colon = '\0';
    *eq = '\0';
    if (parse_double(eq + 1, strlen(eq + 1), &a->sets[a->nsets].value, &err) !=
        0) {
        return cli_usage_error("idi", "--set '%s': %s", v, err.msg);
    }
    a->sets[a->nsets].economy = t;
    a->sets[a->nsets].indicator = colon + 1;
    a->nsets++;
    return 0;
}

static int parse_idi(int argc, char **argv, struct idi_args *a)
{
    struct err err;
    int64_t y;

    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (opt_value(argc, argv, &i, "--year", &v)) {
            if (!v || parse_int64(v, strlen(v), 1900, 2100, &y, &err) != 0) {
                return cli_usage_error("idi", "--year: want a year");
            }
            a->year = (int)y;
        } else if (opt_value(argc, argv, &i, "--format", &v)) {
            if (!v || (strcmp(v, "csv") != 0 && strcmp(v, "table") != 0)) {
                return cli_usage_error("idi", "--format: want csv or table");
            }
            a->table = strcmp(v, "table") == 0;
        } else if (opt_value(argc, argv, &i, "--explain", &v)) {
            a->explain = v;
        } else if (opt_value(argc, argv, &i, "--params", &v)) {
            a->params = v;
        } else if (opt_value(argc, argv, &i, "--compare", &v)) {
            if (!v) {
                return cli_usage_error("idi", "--compare: want a file");
            }
            a->compare = v;
        } else if (opt_value(argc, argv, &i, "--tolerance", &v)) {
            if (!v || parse_double(v, strlen(v), &a->tolerance, &err) != 0 ||
                a->tolerance < 0) {
                return cli_usage_error("idi", "--tolerance: want points >= 0");
            }
        } else if (opt_value(argc, argv, &i, "--set", &v)) {
            if (!v || parse_set(a, v) != 0) {
                return EXIT_USAGE;
            }
        } else {
            return cli_usage_error("idi", "unknown option '%s'", argv[i]);
        }
    }
    if (a->year == 0) {
        return cli_usage_error("idi", "--year is required");
    }
    return 0;
}

/* Find the parameter file: --params, $ICTDEV_DATA, ./data, or ../data
 * next to the binary (build/ictdev -> data/). */
static int load_params(const char *given, struct idi_params *p, struct err *err)
{
    char path[PATH_MAX];
    char full[PATH_MAX + 32];
    const char *env = getenv("ICTDEV_DATA");
    ssize_t n;

    if (given) {
        return idi_params_load(p, given, err);
    }
    if (env && env[0]) {
        snprintf(full, sizeof(full), "%s/idi_params.csv", env);
        return idi_params_load(p, full, err);
    }
    if (access("data/idi_params.csv", R_OK) == 0) {
        return idi_params_load(p, "data/idi_params.csv", err);
    }
    n = readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n > 0) {
        char *slash;
        path[n] = '\0';
        /* .../build/ictdev -> ... : drop the file and its folder. */
        for (int up = 0; up < 2; up++) {
            slash = strrchr(path, '/');
            if (slash) {
                *slash = '\0';
            }
        }
        snprintf(full, sizeof(full), "%s/data/idi_params.csv", path);
        if (access(full, R_OK) == 0) {
            return idi_params_load(p, full, err);
        }
    }
    return err_set(err, ERR_NOT_FOUND,
                   "idi_params.csv not found; give --params FILE or set "
                   "ICTDEV_DATA");
}

static void num(struct buf *b, double v)
{
    if (!isnan(v)) {
        buf_put_double(b, round(v * 100) / 100);
    }
}

static void print_line(bool table, const char *code, double idi, double u,
                       double m, int rank)
{
    struct buf b;

    buf_init(&b);
    if (table) {
        printf("%-6s %7.2f %7.2f %7.2f ", code, idi, u, m);
        if (rank) {
            printf("%5d\n", rank);
        } else {
            printf("%5s\n", "");
        }
        buf_cleanup(&b);
        return;
    }
    buf_printf(&b, "%s,", code);
    num(&b, idi);
    buf_putc(&b, ',');
    num(&b, u);
    buf_putc(&b, ',');
    num(&b, m);
    buf_putc(&b, ',');
    if (rank) {
        buf_printf(&b, "%d", rank);
    }
    printf("%s\n", buf_cstr(&b));
    buf_cleanup(&b);
}

static void print_scores(const struct compute_idi_result *r, bool table)
{
    if (table) {
        printf("%-6s %7s %7s %7s %5s\n", "econ", "idi", "univ", "meaning",
               "rank");
    } else {
        printf("economy,idi,universal,meaningful,rank\n");
    }
    for (size_t i = 0; i < r->count; i++) {
        const struct idi_score *s = &r->economies[i].score;
        if (!isnan(s->idi)) {
            print_line(table, r->economies[i].code, s->idi,
                       s->pillar[IDI_PILLAR_U], s->pillar[IDI_PILLAR_M],
                       r->economies[i].rank);
        }
    }
    for (size_t k = 0; k < r->ngroups; k++) {
        const struct compute_idi_group *g = &r->groups[k];
        if (g->scored > 0) {
            print_line(table, g->code, g->idi, g->pillar[IDI_PILLAR_U],
                       g->pillar[IDI_PILLAR_M], 0);
        }
    }
}

static const struct compute_idi_economy *
find_econ(const struct compute_idi_result *r, const char *code)
{
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(r->economies[i].code, code) == 0) {
            return &r->economies[i];
        }
    }
    return NULL;
}

static void print_explain(const struct idi_params *p,
                          const struct compute_idi_economy *e)
{
    printf("indicator,pillar,component,raw,year,source,normalised,"
           "contribution\n");
    for (size_t i = 0; i < p->count; i++) {
        struct buf b;
        buf_init(&b);
        buf_printf(&b, "%s,%s,%s,", p->ind[i].code,
                   idi_pillar_name(p->ind[i].pillar), p->ind[i].component);
        if (!isnan(e->raw[i])) {
            buf_put_double(&b, e->raw[i]);
        }
        buf_putc(&b, ',');
        if (e->raw_year[i]) {
            buf_printf(&b, "%d", e->raw_year[i]);
        }
        buf_printf(&b, ",%s,",
                   isnan(e->raw[i])
                       ? "missing"
                       : (e->proxy[i]
                              ? p->ind[i].proxy
                              : (e->raw_year[i] ? "store" : "what-if")));
        num(&b, e->score.norm[i]);
        buf_putc(&b, ',');
        num(&b, e->score.contrib[i]);
        printf("%s\n", buf_cstr(&b));
        buf_cleanup(&b);
    }
    printf("U,,,,,,");
    printf("%.2f,\nM,,,,,,%.2f,\nIDI,,,,,,%.2f,\n",
           e->score.pillar[IDI_PILLAR_U], e->score.pillar[IDI_PILLAR_M],
           e->score.idi);
}

/* v with two decimals into out (cap bytes), "" when NaN. */
static const char *num2(double v, char *out, size_t cap)
{
    struct buf b;

    buf_init(&b);
    if (!isnan(v)) {
        buf_put_double(&b, round(v * 100) / 100);
    }
    snprintf(out, cap, "%s", buf_cstr(&b));
    buf_cleanup(&b);
    return out;
}

/* The comparison with a published table: a row per economy, the summary
 * on stderr. */
static int print_compare(const struct idi_params *p, int year,
                         const struct compute_idi_result *r,
                         const struct idi_args *a, struct err *err)
{
    static const char *const cols[] = {"economy",    "published", "ictdev",
                                       "difference", "within",    "why"};
    static const int kinds[] = {OUT_TEXT, OUT_NUM,  OUT_NUM,
                                OUT_NUM,  OUT_TEXT, OUT_TEXT};
    struct idi_published *pub;
    size_t n;
    struct compute_idi_compare c;
    double tol = a->tolerance > 0 ? a->tolerance : 0.05;
    struct out o;

    if (idi_published_load(a->compare, &pub, &n, err) != 0) {
        return err->code;
    }
    compute_idi_compare(p, year, r, pub, n, tol, &c);
    out_begin(&o, a->table ? OUT_TABLE : OUT_CSV, stdout, cols, kinds, 6);
    for (size_t i = 0; i < c.count; i++) {
        const struct compute_idi_compare_row *row = &c.rows[i];
        char pv[40], ov[40], dv[40];
        const char *cells[6] = {row->code,
                                num2(row->published, pv, sizeof(pv)),
                                num2(row->ours, ov, sizeof(ov)),
                                num2(row->diff, dv, sizeof(dv)),
                                row->within ? "yes" : "no",
                                row->why};
        out_row(&o, cells);
    }
    out_end(&o);
    fprintf(stderr,
            "ictdev idi: %zu economies scored here and published: %zu "
            "within %g points; mean |difference| %.2f, largest %.2f (%s)\n",
            c.both, c.within, tol, c.mean_abs, c.max_abs, c.max_code);
    compute_idi_compare_free(&c);
    xfree(pub);
    return 0;
}

static void print_whatifs(const struct compute_idi_result *r)
{
    for (size_t i = 0; i < r->count; i++) {
        const struct compute_idi_economy *e = &r->economies[i];
        if (e->changed) {
            fprintf(stderr,
                    "what-if %s: idi %.2f -> %.2f (U %.2f -> %.2f, M %.2f "
                    "-> %.2f), rank %d -> %d\n",
                    e->code, e->before.idi, e->score.idi,
                    e->before.pillar[IDI_PILLAR_U],
                    e->score.pillar[IDI_PILLAR_U],
                    e->before.pillar[IDI_PILLAR_M],
                    e->score.pillar[IDI_PILLAR_M], e->rank_before, e->rank);
        }
    }
}

static int run_idi(struct cli_ctx *ctx, struct idi_args *a)
{
    struct idi_params p;
    struct compute_idi_result r;
    struct store *s;
    struct err err;
    int rc;

    if (load_params(a->params, &p, &err) != 0) {
        return cli_fail(&err);
    }
    s = store_open(ctx->db, 0, &err);
    if (s == NULL) {
        return cli_fail(&err);
    }
    rc = compute_idi(s, &p, a->year, a->sets, a->nsets, &r, &err);
    store_close(s);
    if (rc != 0) {
        return cli_fail(&err);
    }
    if (p.n_unverified > 0) {
        fprintf(stderr,
                "ictdev idi: reproduction of the IDI 2023 methodology: %zu "
                "parameters unverified (idi_params.csv)\n",
                p.n_unverified);
    }
    if (a->explain) {
        const struct compute_idi_economy *e = find_econ(&r, a->explain);
        if (e == NULL) {
            compute_idi_result_free(&r);
            err_set(&err, ERR_NOT_FOUND, "no IDI inputs for %s in %d",
                    a->explain, a->year);
            return cli_fail(&err);
        }
        print_explain(&p, e);
    } else if (a->compare) {
        if (print_compare(&p, a->year, &r, a, &err) != 0) {
            compute_idi_result_free(&r);
            return cli_fail(&err);
        }
    } else {
        print_scores(&r, a->table);
    }
    print_whatifs(&r);
    compute_idi_result_free(&r);
    return EXIT_OK;
}

int cmd_idi(int argc, char **argv, struct cli_ctx *ctx)
{
    struct idi_args a;
    int rc;

    memset(&a, 0, sizeof(a));
    if (cli_wants_help(argc, argv)) {
        fputs(idi_usage, stdout);
        return EXIT_OK;
    }
    rc = parse_idi(argc, argv, &a);
    if (rc == 0) {
        rc = run_idi(ctx, &a);
    }
    for (size_t i = 0; i < MAX_SETS; i++) {
        xfree(a.set_text[i]);
    }
    return rc;
}
