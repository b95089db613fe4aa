/* `ictdev compute` and `ictdev aggregate`: derived indicators and group
 * aggregates (one file: they share the aggregation options). Thin: parses
 * options, calls compute/, prints through cliutil's table/CSV/JSON writer. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../compute/compute.h"
#include "../core/buf.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "cli.h"
#include "cliutil.h"

#define MAX_PROBLEMS_SHOWN 20

static const char compute_usage[] =
    "Usage: ictdev compute [--no-derived] [--no-aggregates] "
    "[--method itu|none]\n"
    "           [--window N] [--min-coverage PCT] [--full]\n"
    "Evaluates every derived indicator of the catalogue for every economy "
    "and\n"
    "year whose inputs exist (stored as computed, estimated when an input "
    "is),\n"
    "then aggregates every indicator over every group (stored under the "
    "group\n"
    "code as aggregates). A rerun recomputes only what depends on changed "
    "data\n"
    "and writes nothing when nothing changed (--full: recompute everything\n"
    "anyway; same results). Results that are not finite\n"
    "(division by zero) are not stored and are listed on stderr.\n"
    "Aggregation methods: itu (default) fills a missing year from the "
    "economy's\n"
    "own values within --window years (default 3; interpolation, else "
    "carry),\n"
    "then imputes the rest from the group; none uses reported values only.\n"
    "--min-coverage (default 50): aggregates whose reported share of the "
    "group's\n"
    "weight is below it are withheld.\n";

static const char aggregate_usage[] =
    "Usage: ictdev aggregate --indicator CODE --group CODE [--years "
    "A[:B]]\n"
    "           [--format csv|json|table] [--method itu|none] [--window N]\n"
    "           [--min-coverage PCT] [--no-store]\n"
    "Prints group,indicator,year,value,coverage,method: the indicator's "
    "rule\n"
    "from the catalogue (sum, weighted mean by its weight, median), "
    "coverage =\n"
    "percent of the group's weight that is reported (not estimated or "
    "imputed).\n"
    "Withheld values (coverage below --min-coverage, default 50) print "
    "empty,\n"
    "with the reason on stderr. The published values are stored as "
    "aggregates\n"
    "(economy code = group code) unless --no-store.\n";

/* "--name V" or "--name=V": true and *out set when argv[*i] is name. */
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

struct agg_flags {
    enum agg_method method;
    int window;
    double min_coverage;
};

/* Parse one of the aggregation options shared by both commands; returns 1
 * if argv[*i] was one, 0 if not, -1 (message printed) if bad. */
static int agg_flag(const char *cmd, int argc, char **argv, int *i,
                    struct agg_flags *f)
{
    const char *v = NULL;
    struct err err;
    int64_t w;

    if (opt_value(argc, argv, i, "--method", &v)) {
        if (!v || agg_method_parse(v, &f->method, &err) != 0) {
            cli_usage_error(cmd, "--method: want itu or none");
            return -1;
        }
        return 1;
    }
    if (opt_value(argc, argv, i, "--window", &v)) {
        if (!v || parse_int64(v, strlen(v), 0, 50, &w, &err) != 0) {
            cli_usage_error(cmd, "--window: want 0..50 years");
            return -1;
        }
        f->window = (int)w;
        return 1;
    }
    if (opt_value(argc, argv, i, "--min-coverage", &v)) {
        if (!v || parse_double(v, strlen(v), &f->min_coverage, &err) != 0 ||
            f->min_coverage < 0 || f->min_coverage > 100) {
            cli_usage_error(cmd, "--min-coverage: want 0..100");
            return -1;
        }
        return 1;
    }
    return 0;
}

struct problems {
    size_t count;
};

static void on_problem(void *ctx, const char *indicator, const char *economy,
                       int year, const char *inputs)
{
    struct problems *p = ctx;

    if (p->count++ < MAX_PROBLEMS_SHOWN) {
        fprintf(stderr,
                "ictdev compute: %s %s %d: result not finite, not stored "
                "(inputs %s)\n",
                indicator, economy, year, inputs);
    }
}

static int parse_compute(int argc, char **argv, struct compute_opts *o,
                         struct agg_flags *f)
{
    for (int i = 1; i < argc; i++) {
        int r = agg_flag("compute", argc, argv, &i, f);
        if (r < 0) {
            return -1;
        }
        if (r > 0) {
            continue;
        }
        if (strcmp(argv[i], "--no-derived") == 0) {
            o->derived = false;
        } else if (strcmp(argv[i], "--no-aggregates") == 0) {
            o->aggregates = false;
        } else if (strcmp(argv[i], "--full") == 0) {
            o->full = true;
        } else {
            cli_usage_error("compute", "unknown option '%s'", argv[i]);
            return -1;
        }
    }
    return 0;
}

int cmd_compute(int argc, char **argv, struct cli_ctx *ctx)
{
    struct compute_opts o = {true, true, AGG_METHOD_ITU, 3,    50,
                             NULL, NULL, NULL,           false};
    struct agg_flags f = {AGG_METHOD_ITU, 3, 50};
    struct problems pr = {0};
    struct compute_report r;
    struct store *s;
    struct err err;
    int rc;

    if (cli_wants_help(argc, argv)) {
        fputs(compute_usage, stdout);
        return EXIT_OK;
    }
    if (parse_compute(argc, argv, &o, &f) != 0) {
        return EXIT_USAGE;
    }
    o.method = f.method;
    o.window = f.window;
    o.min_coverage = f.min_coverage;
    o.problem = on_problem;
    o.ctx = &pr;
    s = store_open(ctx->db, 0, &err);
    if (s == NULL) {
        return cli_fail(&err);
    }
    rc = compute_run(s, &o, &r, &err);
    store_close(s);
    if (rc != 0) {
        return cli_fail(&err);
    }
    if (pr.count > MAX_PROBLEMS_SHOWN) {
        fprintf(stderr, "ictdev compute: %zu more results not finite\n",
                pr.count - MAX_PROBLEMS_SHOWN);
    }
    if (r.incremental) {
        printf("incremental: only what changed since the last run\n");
    }
    if (o.derived) {
        printf("derived: %zu formulas, %zu cells evaluated, %zu unchanged, "
               "%zu official kept, %zu not finite; %lld revisions "
               "(batch %lld)\n",
               r.derive.formulas, r.derive.evaluated, r.derive.unchanged,
               r.derive.official, r.derive.nonfinite,
               (long long)r.derive_changed, (long long)r.derive_batch);
    }
    if (o.aggregates) {
        printf("aggregates: %zu series x groups, %zu values, %zu withheld "
               "(method %s); %lld revisions (batch %lld)\n",
               r.agg_series, r.agg_values, r.agg_withheld,
               agg_method_name(o.method), (long long)r.agg_changed,
               (long long)r.agg_batch);
    }
    return EXIT_OK;
}

/* ---- aggregate ----------------------------------------------------------- */

static void put_num(struct buf *b, double v, int decimals)
{
    double scale = pow(10, decimals);

    if (isnan(v)) {
        return;
    }
    /* Displayed values are rounded; the store keeps full precision. */
    buf_put_double(b, round(v * scale) / scale);
}

/* The rows through cliutil's writer: an aligned table, CSV or JSON. */
static void print_rows(const struct compute_agg_row *rows, size_t n,
                       enum agg_method m, enum out_format fmt)
{
    static const char *const cols[6] = {"group", "indicator", "year",
                                        "value", "coverage",  "method"};
    static const int kinds[6] = {OUT_TEXT, OUT_TEXT, OUT_NUM,
                                 OUT_NUM,  OUT_NUM,  OUT_TEXT};
    struct buf year, value, cov;
    struct out o;

    buf_init(&year);
    buf_init(&value);
    buf_init(&cov);
    out_begin(&o, fmt, stdout, cols, kinds, 6);
    for (size_t i = 0; i < n; i++) {
        const char *cells[6];
        buf_reset(&year);
        buf_reset(&value);
        buf_reset(&cov);
        buf_printf(&year, "%d", rows[i].r.year);
        put_num(&value, rows[i].r.value, 6);
        if (rows[i].r.status != AGG_NO_DATA) {
            put_num(&cov, rows[i].r.coverage, 1);
        }
        cells[0] = rows[i].group;
        cells[1] = rows[i].indicator;
        cells[2] = buf_cstr(&year);
        cells[3] = value.len ? buf_cstr(&value) : NULL;
        cells[4] = cov.len ? buf_cstr(&cov) : NULL;
        cells[5] = agg_method_name(m);
        out_row(&o, cells);
    }
    out_end(&o);
    buf_cleanup(&year);
    buf_cleanup(&value);
    buf_cleanup(&cov);
}

static int parse_aggregate(int argc, char **argv, struct compute_agg_request *q,
                           struct agg_flags *f, enum out_format *fmt)
{
    struct err err;

    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        int r = agg_flag("aggregate", argc, argv, &i, f);
        if (r < 0) {
            return EXIT_USAGE;
        }
        if (r > 0) {
            continue;
        }
        if (opt_value(argc, argv, &i, "--indicator", &v)) {
            q->indicator = v;
        } else if (opt_value(argc, argv, &i, "--group", &v)) {
            q->group = v;
        } else if (opt_value(argc, argv, &i, "--years", &v)) {
            if (!v ||
                parse_year_range(v, &q->year_from, &q->year_to, &err) != 0) {
                return cli_usage_error("aggregate", "--years: %s",
                                       v ? err.msg : "want A[:B]");
            }
        } else if (opt_value(argc, argv, &i, "--format", &v)) {
            if (!v || out_format_parse(v, fmt, &err) != 0) {
                return cli_usage_error("aggregate",
                                       "--format: want csv, json or table");
            }
        } else if (strcmp(argv[i], "--no-store") == 0) {
            q->store = false;
        } else {
            return cli_usage_error("aggregate", "unknown option '%s'", argv[i]);
        }
    }
    if (!q->indicator || !q->group) {
        return cli_usage_error("aggregate", "--indicator and --group are "
                                            "required");
    }
    return 0;
}

int cmd_aggregate(int argc, char **argv, struct cli_ctx *ctx)
{
    struct compute_agg_request q = {NULL, NULL, 0,    0,   AGG_METHOD_ITU,
                                    3,    50,   true, NULL};
    struct agg_flags f = {AGG_METHOD_ITU, 3, 50};
    enum out_format fmt = out_format_default();
    struct compute_agg_row *rows = NULL;
    size_t n = 0;
    int64_t batch = 0;
    struct store *s;
    struct err err;
    int rc;

    if (cli_wants_help(argc, argv)) {
        fputs(aggregate_usage, stdout);
        return EXIT_OK;
    }
    if (parse_aggregate(argc, argv, &q, &f, &fmt) != 0) {
        return EXIT_USAGE;
    }
    q.method = f.method;
    q.window = f.window;
    q.min_coverage = f.min_coverage;
    s = store_open(ctx->db, 0, &err);
    if (s == NULL) {
        return cli_fail(&err);
    }
    rc = compute_aggregate(s, &q, &rows, &n, &batch, &err);
    store_close(s);
    if (rc != 0) {
        return cli_fail(&err);
    }
    print_rows(rows, n, q.method, fmt);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].r.status != AGG_OK) {
            fprintf(stderr, "ictdev aggregate: %s %s %d %s: %s\n",
                    rows[i].group, rows[i].indicator, rows[i].r.year,
                    agg_status_name(rows[i].r.status), rows[i].r.reason);
        }
    }
    xfree(rows);
    return EXIT_OK;
}
