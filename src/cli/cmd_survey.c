/* `ictdev survey`: design-based estimates from survey microdata
 * (estimate) and the ITU household indicators in one step (indicators).
 * Thin: parses options, calls survey/, prints. */
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../store/store.h"
#include "../survey/indicators.h"
#include "../survey/survey.h"
#include "cli.h"
#include "cliutil.h"

static const char survey_usage[] =
    "Usage: ictdev survey estimate DATA --weight COL [--strata COL] "
    "[--psu COL]\n"
    "           (--mean VAR[,VAR...] | --total VAR[,VAR...] | --ratio "
    "NUM:DEN)\n"
    "           [--by COL[,COL...]] [--where EXPR]\n"
    "           [--lonely-psu fail|remove|adjust|certainty] "
    "[--adjust-domain-lonely]\n"
    "           [--level 0.95] [--format csv|json] [--threads N]\n"
    "       ictdev survey indicators DATA --map MAP.json --economy ISO3 "
    "--year YYYY\n"
    "           [--level 0.95] [--format csv|json] [--lonely-psu ...] "
    "[--load]\n"
    "\n"
    "DATA is CSV with a header (empty field = missing), SPSS .sav, Stata .dta "
    "or\n"
    "SAS .sas7bdat. The design is svydesign(ids=~PSU, strata=~STRATA, "
    "weights=~W,\n"
    "nest=TRUE) of R's survey package: with-replacement first stage, Taylor\n"
    "linearisation. No --psu: each row is a PSU; no --strata: one stratum.\n"
    "--where EXPR is a domain (as R subset): e.g. \"age >= 15 && sex == 2\"\n"
    "or \"region == \\\"North\\\"\" (see src/expr/expr.h for the language).\n"
    "Rows missing an analysis variable are left out (na.rm=TRUE); rows "
    "missing\n"
    "a --by value belong to no group. Output columns: statistic,variable,"
    "<by...>,\n"
    "estimate,se,ci_low,ci_high,n (interval: estimate +- qnorm(1-(1-level)/2)"
    "*se).\n"
    "indicators: the ITU household indicators with breakdowns, from a column\n"
    "map (see tests/data/survey-map.json and README.md); --load also stores\n"
    "them as observations in the store (--db), in one batch.\n";

static void print_usage(FILE *out)
{
    fputs(survey_usage, out);
}

/* Split a comma list into an owned array of owned strings (free with
 * free_list). */
static char **split_list(const char *s, size_t *out_count)
{
    size_t n = 1;
    char **list;
    size_t k = 0;

    for (const char *c = s; *c; c++) {
        n += *c == ',';
    }
    list = xcalloc(n + 1, sizeof(*list));
    while (k < n) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        list[k++] = xstrndup(s, len);
        s += len + (comma ? 1 : 0);
    }
    *out_count = n;
    return list;
}

static void free_list(char **list, size_t count)
{
    for (size_t i = 0; list != NULL && i < count; i++) {
        xfree(list[i]);
    }
    xfree(list);
}

struct est_opts {
    const char *data;
    const char *mean, *total, *ratio, *by, *map, *economy, *year;
    const char *format;
    const char *lonely;
    const char *level;
    const char *threads;
    bool adjust_domain_lonely;
    bool load;
    struct survey_spec spec;
};

static int parse_opts(int argc, char **argv, struct est_opts *o)
{
    struct {
        const char *name;
        const char **out;
    } table[] = {
        {"--weight", &o->spec.weight},
        {"--strata", &o->spec.strata},
        {"--psu", &o->spec.psu},
        {"--mean", &o->mean},
        {"--total", &o->total},
        {"--ratio", &o->ratio},
        {"--by", &o->by},
        {"--where", &o->spec.where},
        {"--lonely-psu", &o->lonely},
        {"--level", &o->level},
        {"--format", &o->format},
        {"--threads", &o->threads},
        {"--map", &o->map},
        {"--economy", &o->economy},
        {"--year", &o->year},
    };

    for (int i = 2; i < argc; i++) {
        size_t t;
        int m = 0;
        if (strcmp(argv[i], "--adjust-domain-lonely") == 0) {
            o->adjust_domain_lonely = true;
            continue;
        }
        if (strcmp(argv[i], "--load") == 0) {
            o->load = true;
            continue;
        }
        for (t = 0; t < ARRAY_COUNT(table); t++) {
            m = cli_opt_value(argc, argv, &i, table[t].name, table[t].out,
                              "survey");
            if (m != 0) {
                break;
            }
        }
        if (m < 0) {
            return EXIT_USAGE; /* cli_opt_value said what is missing */
        }
        if (m > 0) {
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return cli_usage_error("survey", "unknown option '%s'", argv[i]);
        }
        if (o->data != NULL) {
            return cli_usage_error("survey", "more than one DATA file");
        }
        o->data = argv[i];
    }
    if (o->data == NULL) {
        return cli_usage_error("survey", "missing DATA file");
    }
    return 0;
}

static int parse_common(struct est_opts *o, bool *json, int *threads)
{
    static const char *const lonely[] = {"fail", "remove", "adjust",
                                         "certainty"};
    struct err err;
    int64_t t = 2;

    o->spec.level = 0.95;
    if (o->level != NULL &&
        (parse_double(o->level, strlen(o->level), &o->spec.level, &err) != 0 ||
         !(o->spec.level > 0 && o->spec.level < 1))) {
        return cli_usage_error(
            "survey", "--level '%s': want a number in (0, 1)", o->level);
    }
    *json = false;
    if (o->format != NULL && strcmp(o->format, "json") == 0) {
        *json = true;
    } else if (o->format != NULL && strcmp(o->format, "csv") != 0) {
        return cli_usage_error("survey", "--format '%s': want csv or json",
                               o->format);
    }
    o->spec.lonely = -1;
    for (size_t i = 0; o->lonely != NULL && i < ARRAY_COUNT(lonely); i++) {
        if (strcmp(o->lonely, lonely[i]) == 0) {
            o->spec.lonely = (int)i;
        }
    }
    if (o->lonely == NULL) {
        o->spec.lonely = SURVEY_LONELY_FAIL;
    } else if (o->spec.lonely < 0) {
        return cli_usage_error("survey",
                               "--lonely-psu '%s': want fail, remove, adjust "
                               "or certainty",
                               o->lonely);
    }
    o->spec.adjust_domain_lonely = o->adjust_domain_lonely;
    if (o->threads != NULL &&
        parse_int64(o->threads, strlen(o->threads), 1, 2, &t, &err) != 0) {
        return cli_usage_error("survey", "--threads: want 1 or 2");
    }
    *threads = (int)t;
    return 0;
}

/* The statistic and its variables from --mean/--total/--ratio. */
static int parse_stat(struct est_opts *o, char ***vars, size_t *nvars)
{
    int given = (o->mean != NULL) + (o->total != NULL) + (o->ratio != NULL);
    const char *colon;

    if (given != 1) {
        return cli_usage_error("survey",
                               "give exactly one of --mean, --total, --ratio");
    }
    if (o->ratio != NULL) {
        colon = strchr(o->ratio, ':');
        if (colon == NULL || colon == o->ratio || colon[1] == '\0' ||
            strchr(colon + 1, ':') != NULL) {
            return cli_usage_error("survey", "--ratio '%s': want NUM:DEN",
                                   o->ratio);
        }
        *vars = xcalloc(3, sizeof(**vars));
        (*vars)[0] = xstrndup(o->ratio, (size_t)(colon - o->ratio));
        (*vars)[1] = xstrdup(colon + 1);
        *nvars = 2;
        o->spec.stat = SURVEY_STAT_RATIO;
        return 0;
    }
    o->spec.stat = o->mean != NULL ? SURVEY_STAT_MEAN : SURVEY_STAT_TOTAL;
    *vars = split_list(o->mean != NULL ? o->mean : o->total, nvars);
    for (size_t i = 0; i < *nvars; i++) {
        if ((*vars)[i][0] == '\0') {
            return cli_usage_error("survey", "empty variable name in list");
        }
    }
    return 0;
}

static int run_estimate(struct est_opts *o, bool json, int threads)
{
    struct survey_wantlist wl = {0};
    struct survey_data data = {0};
    struct survey_result res = {0};
    struct err err = {0};
    struct buf out;
    int rc;

    buf_init(&out);
    rc = survey_spec_wants(&o->spec, &wl, &err);
    if (rc == 0) {
        rc = survey_data_load(o->data, wl.want, wl.count, threads, &data, &err);
    }
    if (rc == 0) {
        rc = survey_estimate(&data, &o->spec, &res, &err);
    }
    if (rc == 0) {
        survey_result_format(&res, json, true, &out);
        fwrite(out.data, 1, out.len, stdout);
    }
    buf_cleanup(&out);
    survey_result_cleanup(&res);
    survey_data_cleanup(&data);
    survey_wantlist_cleanup(&wl);
    return rc == 0 ? EXIT_OK : cli_fail(&err);
}

static int cmd_estimate(int argc, char **argv)
{
    struct est_opts o = {0};
    char **vars = NULL;
    size_t nvars = 0;
    char **by = NULL;
    size_t nby = 0;
    bool json;
    int threads;
    int rc = parse_opts(argc, argv, &o);

    if (rc == 0) {
        rc = parse_common(&o, &json, &threads);
    }
    if (rc == 0 && o.spec.weight == NULL) {
        rc = cli_usage_error("survey", "--weight COL is required");
    }
    if (rc == 0) {
        rc = parse_stat(&o, &vars, &nvars);
    }
    if (rc == 0 && o.by != NULL) {
        by = split_list(o.by, &nby);
    }
    if (rc == 0) {
        o.spec.vars = (const char *const *)vars;
        o.spec.var_count = nvars;
        o.spec.by = (const char *const *)by;
        o.spec.by_count = nby;
        rc = run_estimate(&o, json, threads);
    }
    free_list(vars, nvars);
    free_list(by, nby);
    return rc;
}

static int cmd_indicators(int argc, char **argv, struct cli_ctx *ctx)
{
    struct est_opts o = {0};
    struct survey_ind_opts io = {0};
    struct survey_ind_load load = {0};
    struct err err = {0};
    struct buf out;
    bool json;
    int threads;
    int64_t year = 0;
    int rc = parse_opts(argc, argv, &o);

    (void)ctx;
    if (rc == 0) {
        rc = parse_common(&o, &json, &threads);
    }
    if (rc == 0 && (o.map == NULL || o.economy == NULL || o.year == NULL)) {
        rc = cli_usage_error("survey", "indicators needs --map, --economy "
                                       "and --year");
    }
    if (rc == 0 &&
        parse_int64(o.year, strlen(o.year), 1900, 2100, &year, &err) != 0) {
        rc = cli_usage_error("survey", "--year '%s': want YYYY", o.year);
    }
    if (rc == 0 && !code_valid(o.economy, strlen(o.economy))) {
        rc = cli_usage_error("survey",
                             "--economy '%s': want a code such as "
                             "KEN",
                             o.economy);
    }
    if (rc != 0) {
        return rc;
    }
    if (o.load) {
        io.store = store_open(ctx->db, 0, &err);
        if (io.store == NULL) {
            return cli_fail(&err);
        }
    }
    io.data = o.data;
    io.map = o.map;
    io.economy = o.economy;
    io.year = (int)year;
    io.level = o.spec.level;
    io.lonely = o.lonely != NULL ? o.spec.lonely : -1;
    io.threads = threads;
    buf_init(&out);
    rc = survey_indicators(&io, json, &out, &load, &err);
    if (rc == 0) {
        fwrite(out.data, 1, out.len, stdout);
    }
    if (rc == 0 && o.load) {
        fprintf(stderr,
                "ictdev: stored %zu values in %s (batch %lld, %lld "
                "changed); %zu skipped (breakdown not declared for the "
                "indicator)\n",
                load.put, ctx->db, (long long)load.batch,
                (long long)load.changed, load.skipped);
    }
    store_close(io.store);
    buf_cleanup(&out);
    return rc == 0 ? EXIT_OK : cli_fail(&err);
}

int cmd_survey(int argc, char **argv, struct cli_ctx *ctx)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (cli_wants_help(argc, argv)) {
        print_usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "estimate") == 0) {
        return cmd_estimate(argc, argv);
    }
    if (strcmp(argv[1], "indicators") == 0) {
        return cmd_indicators(argc, argv, ctx);
    }
    return cli_usage_error("survey", "unknown subcommand '%s'", argv[1]);
}
