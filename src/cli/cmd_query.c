/* ictdev query / ictdev export: stream values of the store as a table, the
 * long CSV load format or JSON. */
#include <string.h>

#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "cli.h"
#include "cliutil.h"

static const char query_help[] =
    "Usage: ictdev query --indicator CODE[,CODE...]\n"
    "                    [--economy ISO3[,...] | --group CODE]\n"
    "                    [--years A[:B]] [--DIM VALUE[,VALUE...]...]\n"
    "                    [--totals] [--as-of DATE] [--format table|csv|json]\n"
    "\n"
    "Print the current values (or, with --as-of, what was known at the end\n"
    "of DATE) of the indicators. --group keeps the economies that were\n"
    "members of the group in each value's year. --DIM VALUE keeps values\n"
    "disaggregated by that dimension value (e.g. --sex F); --totals keeps\n"
    "only values without dimensions. CSV output is the long load format:\n"
    "economy,indicator,year,value,<dimension columns>,status,source,note.\n"
    "The default format is a table on a terminal, CSV otherwise.\n"
    "DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC).\n";

static const char export_help[] =
    "Usage: ictdev export [--indicator CODE[,...]] [--economy ISO3[,...] |\n"
    "                     --group CODE] [--years A[:B]] [--DIM VALUE...]\n"
    "                     [--totals] [--as-of DATE] [--output FILE]\n"
    "\n"
    "Write the whole store, or the values the filters select, as long CSV\n"
    "(economy,indicator,year,value,<dimension columns>,status,source,note)\n"
    "that 'ictdev load' reads back unchanged. Standard output unless\n"
    "--output FILE.\n";

struct qargs {
    const char *cmd;
    char **inds;
    size_t nind;
    char **ecos;
    size_t neco;
    const char *group;
    int year_from, year_to;
    int64_t as_of;
    bool totals;
    enum out_format fmt;
    const char *output;
    char **dim_names; /* parallel: dimension filter pairs (owned) */
    char **dim_values;
    size_t ndims;
};

static void qargs_cleanup(struct qargs *a)
{
    cli_free_list(a->inds, a->nind);
    cli_free_list(a->ecos, a->neco);
    cli_free_list(a->dim_names, a->ndims);
    cli_free_list(a->dim_values, a->ndims);
}

static void add_dim_filter(struct qargs *a, const char *name, const char *v)
{
    char **vals;
    size_t n = cli_split_list(v, &vals);

    for (size_t i = 0; i < n; i++) {
        a->dim_names =
            xreallocarray(a->dim_names, a->ndims + 1, sizeof(char *));
        a->dim_values =
            xreallocarray(a->dim_values, a->ndims + 1, sizeof(char *));
        a->dim_names[a->ndims] = xstrdup(name);
        a->dim_values[a->ndims] = vals[i];
        a->ndims++;
    }
    xfree(vals);
}

/* One option at argv[*i]; returns 1 handled, 0 unknown, -1 usage error
 * (printed). */
static int parse_one(struct qargs *a, int argc, char **argv, int *i)
{
    const char *v;
    struct err err = {0};
    int got;

    if ((got = cli_opt_value(argc, argv, i, "--indicator", &v, a->cmd)) != 0) {
        cli_free_list(a->inds, a->nind);
        a->nind = cli_split_list(v, &a->inds);
    } else if ((got = cli_opt_value(argc, argv, i, "--economy", &v, a->cmd)) !=
               0) {
        cli_free_list(a->ecos, a->neco);
        a->neco = cli_split_list(v, &a->ecos);
    } else if ((got = cli_opt_value(argc, argv, i, "--group", &v, a->cmd)) !=
               0) {
        a->group = v;
    } else if ((got = cli_opt_value(argc, argv, i, "--years", &v, a->cmd)) !=
               0) {
        if (got > 0 &&
            parse_year_range(v, &a->year_from, &a->year_to, &err) != 0) {
            cli_usage_error(a->cmd, "%s", err.msg);
            return -1;
        }
    } else if ((got = cli_opt_value(argc, argv, i, "--as-of", &v, a->cmd)) !=
               0) {
        if (got > 0 && cli_parse_time(v, &a->as_of, &err) != 0) {
            cli_usage_error(a->cmd, "%s", err.msg);
            return -1;
        }
    } else if ((got = cli_opt_value(argc, argv, i, "--format", &v, a->cmd)) !=
               0) {
        if (got > 0 && out_format_parse(v, &a->fmt, &err) != 0) {
            cli_usage_error(a->cmd, "%s", err.msg);
            return -1;
        }
    } else if ((got = cli_opt_value(argc, argv, i, "--output", &v, a->cmd)) !=
               0) {
        a->output = v;
    } else if (strcmp(argv[*i], "--totals") == 0) {
        a->totals = true;
        got = 1;
    } else if (strncmp(argv[*i], "--", 2) == 0 && argv[*i][2] != '\0' &&
               !strchr(argv[*i], '=') && *i + 1 < argc) {
        /* --DIM VALUE: checked against the dimensions once the store is
         * open. */
        add_dim_filter(a, argv[*i] + 2, argv[*i + 1]);
        *i += 1;
        got = 1;
    }
    return got;
}

static int parse_args(struct qargs *a, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        int got = parse_one(a, argc, argv, &i);
        if (got < 0) {
            return EXIT_USAGE;
        }
        if (got == 0) {
            return cli_usage_error(a->cmd, "unknown argument '%s'", argv[i]);
        }
    }
    if (a->neco > 0 && a->group) {
        return cli_usage_error(a->cmd, "give --economy or --group, not both");
    }
    return EXIT_OK;
}

/* ---- Dimension columns -------------------------------------------------- */

struct dimcols {
    char **names; /* owned */
    size_t count;
    struct strmap known;   /* dimension names of the store */
    struct strmap present; /* dimension names in the result (pass 1) */
};

static void dimcols_add(struct dimcols *d, const char *name, size_t len)
{
    for (size_t i = 0; i < d->count; i++) {
        if (strlen(d->names[i]) == len && memcmp(d->names[i], name, len) == 0) {
            return;
        }
    }
    d->names = xreallocarray(d->names, d->count + 1, sizeof(char *));
    d->names[d->count++] = xstrndup(name, len);
}

static int collect_dims(void *ctx, const struct indicator *ind, struct err *err)
{
    struct dimcols *d = ctx;
    const char *p = ind->dims;
    (void)err;

    while (*p) {
        size_t len = strcspn(p, ";");
        if (len > 0) {
            dimcols_add(d, p, len);
        }
        p += len;
        if (*p == ';') {
            p++;
        }
    }
    return 0;
}

static int collect_known(void *ctx, const struct dimension_value *v,
                         struct err *err)
{
    struct dimcols *d = ctx;
    (void)err;

    strmap_put(&d->known, v->dimension, strlen(v->dimension), 1);
    return 0;
}

/* The dimension columns: the union of the declared dimensions of the
 * indicators in scope, in catalogue order. Also checks --DIM names. */
static int plan_dimcols(struct store *s, const struct qargs *a,
                        struct dimcols *d, struct err *err)
{
    size_t v;

    if (store_dimension_list(s, collect_known, d, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < a->ndims; i++) {
        if (!strmap_get(&d->known, a->dim_names[i], strlen(a->dim_names[i]),
                        &v)) {
            return err_set(err, ERR_INVALID,
                           "unknown option or dimension '--%s'",
                           a->dim_names[i]);
        }
    }
    if (a->nind == 0) {
        return store_indicator_list(s, NULL, collect_dims, d, err);
    }
    for (size_t i = 0; i < a->nind; i++) {
        if (store_indicator_get(s, a->inds[i], collect_dims, d, err) != 0) {
            return err->code;
        }
    }
    return 0;
}

static void dimcols_cleanup(struct dimcols *d)
{
    cli_free_list(d->names, d->count);
    strmap_cleanup(&d->known);
    strmap_cleanup(&d->present);
}

/* ---- Rows --------------------------------------------------------------- */

struct qrow {
    struct out out;
    const struct dimcols *d;
    const char **cells; /* owned array, borrowed strings */
    char **dimvals;     /* owned, one per dimension column */
    size_t ncells;
};

static int emit_row(void *ctx, const struct obs *o, struct err *err)
{
    struct qrow *r = ctx;
    char year[16];
    char value[40];
    struct dim_pair pairs[MAX_DIMS];
    size_t n = 0;
    size_t k = 0;
    size_t matched = 0;

    snprintf(year, sizeof(year), "%d", o->year);
    fmt_double(value, sizeof(value), o->value);
    if (dims_parse(o->dims, pairs, MAX_DIMS, &n, err) != 0) {
        return err->code;
    }
    r->cells[k++] = o->economy;
    r->cells[k++] = o->indicator;
    r->cells[k++] = year;
    r->cells[k++] = value;
    for (size_t i = 0; i < r->d->count; i++) {
        xfree(r->dimvals[i]);
        r->dimvals[i] = NULL;
        for (size_t j = 0; j < n; j++) {
            if (strlen(r->d->names[i]) == pairs[j].dim_len &&
                memcmp(r->d->names[i], pairs[j].dim, pairs[j].dim_len) == 0) {
                r->dimvals[i] = xstrndup(pairs[j].value, pairs[j].value_len);
                matched++;
            }
        }
        r->cells[k++] = r->dimvals[i];
    }
    if (matched != n) {
        return err_set(err, ERR_INTERNAL,
                       "value %s %s %d has dimensions '%s' without a column",
                       o->economy, o->indicator, o->year, o->dims);
    }
    r->cells[k++] = obs_status_name(o->status);
    r->cells[k++] = o->source;
    r->cells[k++] = o->note;
    out_row(&r->out, r->cells);
    return 0;
}

/* Pass 1: note which dimensions the result uses. */
static int note_dims(void *ctx, const struct obs *o, struct err *err)
{
    struct dimcols *d = ctx;
    struct dim_pair pairs[MAX_DIMS];
    size_t n = 0;

    if (dims_parse(o->dims, pairs, MAX_DIMS, &n, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < n; i++) {
        strmap_put(&d->present, pairs[i].dim, pairs[i].dim_len, 1);
    }
    return 0;
}

/* Keep the declared dimensions the result uses, in catalogue order, then
 * any other it uses. */
static void keep_present(struct dimcols *d)
{
    struct dimcols kept = {0};
    size_t v;

    for (size_t i = 0; i < d->count; i++) {
        if (strmap_get(&d->present, d->names[i], strlen(d->names[i]), &v)) {
            dimcols_add(&kept, d->names[i], strlen(d->names[i]));
        }
    }
    for (size_t i = 0; i < d->present.cap; i++) {
        const struct strmap_slot *sl = &d->present.slots[i];
        if (sl->key) {
            dimcols_add(&kept, sl->key, sl->len);
        }
    }
    cli_free_list(d->names, d->count);
    d->names = kept.names;
    d->count = kept.count;
}

/* The filters of the command line as a store query. pairs is owned by
 * the caller (a->ndims + 1 slots). */
static void build_query(const struct qargs *a, struct dim_pair *pairs,
                        struct store_obs_query *q)
{
    for (size_t i = 0; i < a->ndims; i++) {
        pairs[i].dim = a->dim_names[i];
        pairs[i].dim_len = strlen(a->dim_names[i]);
        pairs[i].value = a->dim_values[i];
        pairs[i].value_len = strlen(a->dim_values[i]);
    }
    memset(q, 0, sizeof(*q));
    q->indicators = (const char *const *)a->inds;
    q->indicator_count = a->nind;
    q->economies = (const char *const *)a->ecos;
    q->economy_count = a->neco;
    q->group = a->group;
    q->year_from = a->year_from;
    q->year_to = a->year_to;
    q->dims = pairs;
    q->dim_count = a->ndims;
    q->totals_only = a->totals;
    q->as_of = a->as_of;
}

static void write_rows(struct store *s, const struct store_obs_query *q,
                       struct dimcols *d, enum out_format fmt, FILE *fp,
                       int *rc, struct err *err)
{
    struct qrow r = {0};
    const char **cols;
    int *kinds;
    size_t k = 0;

    r.d = d;
    r.ncells = 7 + d->count;
    cols = xcalloc(r.ncells, sizeof(char *));
    kinds = xcalloc(r.ncells, sizeof(int));
    r.cells = xcalloc(r.ncells, sizeof(char *));
    r.dimvals = xcalloc(d->count + 1, sizeof(char *));
    cols[k++] = "economy";
    cols[k++] = "indicator";
    kinds[k] = OUT_NUM;
    cols[k++] = "year";
    kinds[k] = OUT_NUM;
    cols[k++] = "value";
    for (size_t i = 0; i < d->count; i++) {
        cols[k++] = d->names[i];
    }
    cols[k++] = "status";
    cols[k++] = "source";
    cols[k++] = "note";
    out_begin(&r.out, fmt, fp, cols, kinds, r.ncells);
    *rc = store_obs_query(s, q, emit_row, &r, err);
    out_end(&r.out);
    for (size_t i = 0; i < d->count; i++) {
        xfree(r.dimvals[i]);
    }
    xfree(r.dimvals);
    xfree(r.cells);
    xfree(cols);
    xfree(kinds);
}

/* Two passes over one snapshot (batches up to the newest one now): the
 * first finds the dimension columns, the second writes. */
static int run_query(struct store *s, const struct qargs *a, FILE *fp,
                     struct err *err)
{
    struct dimcols d = {0};
    struct dim_pair *pairs = xcalloc(a->ndims + 1, sizeof(*pairs));
    struct store_obs_query q;
    int64_t last = 0, when = 0;
    int rc;

    strmap_init(&d.known);
    strmap_init(&d.present);
    build_query(a, pairs, &q);
    rc = plan_dimcols(s, a, &d, err);
    if (rc == 0) {
        rc = store_last_revision(s, &last, &when, err);
    }
    if (rc == 0) {
        q.as_of_batch = last > 0 ? last : 1;
        rc = store_obs_query(s, &q, note_dims, &d, err);
    }
    if (rc == 0) {
        keep_present(&d);
        write_rows(s, &q, &d, a->fmt, fp, &rc, err);
    }
    xfree(pairs);
    dimcols_cleanup(&d);
    return rc;
}

static int query_main(struct qargs *a, int argc, char **argv,
                      struct cli_ctx *ctx)
{
    struct store *s = NULL;
    struct err err = {0};
    FILE *fp = stdout;
    int status = parse_args(a, argc, argv);

    if (status != EXIT_OK) {
        return status;
    }
    if (strcmp(a->cmd, "query") == 0 && a->nind == 0) {
        return cli_usage_error(a->cmd, "--indicator is required");
    }
    s = cli_store_open(ctx, STORE_OPEN_READONLY, &status);
    if (!s) {
        return status;
    }
    if (a->output) {
        fp = fopen(a->output, "w");
        if (!fp) {
            err_set(&err, ERR_IO, "%s: cannot write", a->output);
            status = cli_fail(&err);
            store_close(s);
            return status;
        }
    }
    if (run_query(s, a, fp, &err) != 0) {
        status = cli_fail(&err);
    }
    if (fp != stdout && fclose(fp) != 0 && status == EXIT_OK) {
        err_set(&err, ERR_IO, "%s: write failed", a->output);
        status = cli_fail(&err);
    }
    store_close(s);
    return status;
}

int cmd_query(int argc, char **argv, struct cli_ctx *ctx)
{
    struct qargs a = {.cmd = "query", .fmt = out_format_default()};
    int status;

    if (cli_wants_help(argc, argv)) {
        fputs(query_help, stdout);
        return EXIT_OK;
    }
    status = query_main(&a, argc, argv, ctx);
    qargs_cleanup(&a);
    return status;
}

int cmd_export(int argc, char **argv, struct cli_ctx *ctx)
{
    struct qargs a = {.cmd = "export", .fmt = OUT_CSV};
    int status;

    if (cli_wants_help(argc, argv)) {
        fputs(export_help, stdout);
        return EXIT_OK;
    }
    status = query_main(&a, argc, argv, ctx);
    qargs_cleanup(&a);
    return status;
}
