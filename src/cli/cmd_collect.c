/* ictdev user, token, questionnaire, submit, submission, submissions,
 * audit, rules: the data-collection workflow from the command line. Thin:
 * every check is in collect/. The command line acts as the operator (an
 * admin), or as a stored user with --as NAME. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../collect/collect.h"
#include "../collect/questionnaire.h"
#include "../collect/rules.h"
#include "../core/buf.h"
#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../store/collect_store.h"
#include "cli.h"
#include "cliutil.h"

/* Everything a collection command needs, set up by env_open. */
struct env {
    struct store *store;
    struct questionnaire qn;
    struct ruleset rules;
    struct collect c;
    struct principal who;
    char *data; /* owned data directory */
};

static void env_close(struct env *e)
{
    ruleset_cleanup(&e->rules);
    questionnaire_cleanup(&e->qn);
    store_close(e->store);
    xfree(e->data);
}

/* Open the store, the questionnaire and the rules; act as as_user when
 * given. Returns 0 or an exit status (message printed). */
static int env_open(struct env *e, struct cli_ctx *ctx, const char *as_user)
{
    struct buf path;
    struct err err;
    int status = 0;
    int rc;

    memset(e, 0, sizeof(*e));
    e->store = cli_store_open(ctx, 0, &status);
    if (e->store == NULL) {
        return status;
    }
    e->data = cli_data_dir();
    buf_init(&path);
    buf_printf(&path, "%s/questionnaire.csv", e->data);
    rc = questionnaire_load(&e->qn, buf_cstr(&path), &err);
    buf_reset(&path);
    buf_printf(&path, "%s/rules", e->data);
    if (rc == 0) {
        rc = collect_rules_load(e->store, buf_cstr(&path), &e->rules, &err);
    }
    buf_cleanup(&path);
    e->c.store = e->store;
    e->c.qn = &e->qn;
    e->c.rules = &e->rules;
    e->c.now = cli_now();
    principal_cli(&e->who);
    if (rc == 0 && as_user != NULL) {
        rc = collect_principal_of(&e->c, as_user, "cli", &e->who, &err);
    }
    if (rc != 0) {
        env_close(e);
        return cli_fail(&err);
    }
    return 0;
}

/* Parse a positive submission id. */
static int parse_id(const char *cmd, const char *s, int64_t *out)
{
    struct err err;

    if (s == NULL || parse_int64(s, strlen(s), 1, INT64_MAX, out, &err) != 0) {
        return cli_usage_error(cmd, "want a submission id, got '%s'",
                               s ? s : "");
    }
    return 0;
}

/* ---- user / token ------------------------------------------------------- */

static const char user_help[] =
    "Usage: ictdev user add NAME --role ROLE [--economy ISO3[,ISO3...]]\n"
    "       ictdev user list [--format table|csv|json]\n"
    "       ictdev user role NAME ROLE [--economy ISO3[,...]]\n"
    "       ictdev user disable NAME\n"
    "Roles: admin, analyst (reviews and approves), focal (submits for its\n"
    "economies), viewer. `user add` reads the password (8 bytes or more)\n"
    "from the first line of standard input; with empty input the user can\n"
    "only use API tokens. Disabling a user revokes its tokens.\n";

/* Read the first line of stdin (no newline) into out. */
static void read_password(struct buf *out)
{
    int ch;

    while ((ch = getchar()) != EOF && ch != '\n' && out->len <= 4096) {
        if (ch != '\r') {
            buf_putc(out, (char)ch);
        }
    }
}

static int print_user(void *ctx, const struct cs_user *u, struct err *err)
{
    struct out *o = ctx;
    char when[32];
    const char *cells[5];
    (void)err;

    cli_format_time(u->created, when, sizeof(when));
    cells[0] = u->name;
    cells[1] = u->role;
    cells[2] = u->economies;
    cells[3] = u->disabled ? "disabled" : "active";
    cells[4] = when;
    out_row(o, cells);
    return 0;
}

static int user_list(struct env *e, int argc, char **argv)
{
    static const char *const cols[] = {"name", "role", "economies", "state",
                                       "created"};
    enum out_format fmt = out_format_default();
    struct out o;
    struct err err;

    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        int r = cli_opt_value(argc, argv, &i, "--format", &v, "user");
        if (r <= 0 || out_format_parse(v, &fmt, &err) != 0) {
            return cli_usage_error("user", "unknown option '%s'", argv[i]);
        }
    }
    out_begin(&o, fmt, stdout, cols, NULL, 5);
    if (cs_user_list(e->store, print_user, &o, &err) != 0) {
        out_end(&o);
        return cli_fail(&err);
    }
    out_end(&o);
    return EXIT_OK;
}

/* user add / role / disable. */
static int user_change(struct env *e, int argc, char **argv)
{
    const char *role_s = NULL;
    const char *econ = NULL;
    const char *pos[2] = {NULL, NULL};
    size_t npos = 0;
    enum role role = ROLE_VIEWER;
    struct err err;
    int rc;

    for (int i = 2; i < argc; i++) {
        int r = cli_opt_value(argc, argv, &i, "--role", &role_s, "user");
        if (r == 0) {
            r = cli_opt_value(argc, argv, &i, "--economy", &econ, "user");
        }
        if (r < 0) {
            return EXIT_USAGE;
        }
        if (r == 0 && (argv[i][0] == '-' || npos == 2)) {
            return cli_usage_error("user", "unexpected '%s'", argv[i]);
        }
        if (r == 0) {
            pos[npos++] = argv[i];
        }
    }
    if (strcmp(argv[1], "role") == 0 && npos == 2) {
        role_s = pos[1];
    } else if (npos != 1) {
        return cli_usage_error("user", "%s needs one user name", argv[1]);
    }
    if (strcmp(argv[1], "disable") != 0 &&
        (role_s == NULL || role_parse(role_s, &role, &err) != 0)) {
        return cli_usage_error("user", "give --role admin|analyst|focal|"
                                       "viewer");
    }
    if (strcmp(argv[1], "add") == 0) {
        struct buf pw;
        buf_init(&pw);
        read_password(&pw);
        rc = collect_user_add(&e->c, &e->who, pos[0], role, econ,
                              pw.len ? buf_cstr(&pw) : NULL, &err);
        buf_cleanup(&pw);
    } else if (strcmp(argv[1], "role") == 0) {
        rc = collect_user_role(&e->c, &e->who, pos[0], role, econ, &err);
    } else {
        rc = collect_user_disable(&e->c, &e->who, pos[0], &err);
    }
    if (rc != 0) {
        return cli_fail(&err);
    }
    printf("user %s: %s\n", pos[0], argv[1][0] == 'd' ? "disabled" : "ok");
    return EXIT_OK;
}

static const char *take_as(int *argc, char **argv)
{
    const char *as = NULL;
    int out = 0;

    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--as") == 0 && i + 1 < *argc) {
            as = argv[++i];
            continue;
        }
        if (strncmp(argv[i], "--as=", 5) == 0) {
            as = argv[i] + 5;
            continue;
        }
        argv[out++] = argv[i];
    }
    *argc = out;
    argv[out] = NULL;
    return as;
}

int cmd_user(int argc, char **argv, struct cli_ctx *ctx)
{
    struct env e;
    int status;

    if (cli_wants_help(argc, argv) || argc < 2) {
        fputs(user_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "list") != 0 &&
        strcmp(argv[1], "role") != 0 && strcmp(argv[1], "disable") != 0) {
        return cli_usage_error("user", "unknown action '%s'", argv[1]);
    }
    status = env_open(&e, ctx, NULL);
    if (status != 0) {
        return status;
    }
    status = strcmp(argv[1], "list") == 0 ? user_list(&e, argc, argv)
                                          : user_change(&e, argc, argv);
    env_close(&e);
    return status;
}

static const char token_help[] =
    "Usage: ictdev token create NAME [--label TEXT]\n"
    "       ictdev token revoke NAME\n"
    "Create an API token for user NAME and print it once. Only its SHA-256\n"
    "is kept: a lost token cannot be shown again; create a new one.\n"
    "Use it as 'Authorization: Bearer TOKEN'.\n";

static int token_revoke(const char *name, struct cli_ctx *ctx)
{
    struct env e;
    struct err err;
    int64_t n = 0;
    int status = env_open(&e, ctx, NULL);

    if (status != 0) {
        return status;
    }
    if (collect_token_revoke(&e.c, &e.who, name, &n, &err) != 0) {
        status = cli_fail(&err);
    } else {
        printf("user %s: %lld token(s) revoked\n", name, (long long)n);
    }
    env_close(&e);
    return status;
}

int cmd_token(int argc, char **argv, struct cli_ctx *ctx)
{
    const char *label = NULL;
    const char *name = NULL;
    char token[AUTH_TOKEN_MAX];
    struct env e;
    struct err err;
    int status;

    if (argc == 3 && strcmp(argv[1], "revoke") == 0) {
        return token_revoke(argv[2], ctx);
    }
    if (cli_wants_help(argc, argv) || argc < 3 ||
        strcmp(argv[1], "create") != 0) {
        fputs(token_help, cli_wants_help(argc, argv) ? stdout : stderr);
        return cli_wants_help(argc, argv) ? EXIT_OK : EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        int r = cli_opt_value(argc, argv, &i, "--label", &label, "token");
        if (r < 0) {
            return EXIT_USAGE;
        }
        if (r == 0 && (argv[i][0] == '-' || name != NULL)) {
            return cli_usage_error("token", "unexpected '%s'", argv[i]);
        }
        if (r == 0) {
            name = argv[i];
        }
    }
    status = env_open(&e, ctx, NULL);
    if (status != 0) {
        return status;
    }
    if (collect_token_create(&e.c, &e.who, name, label, token, &err) != 0) {
        env_close(&e);
        return cli_fail(&err);
    }
    printf("%s\n", token);
    if (isatty(STDOUT_FILENO)) {
        fprintf(stderr, "This token is shown once; keep it safe.\n");
    }
    env_close(&e);
    return EXIT_OK;
}

/* ---- questionnaire ------------------------------------------------------ */

static const char qn_help[] =
    "Usage: ictdev questionnaire --economy ISO3 --year YYYY [-o FILE]\n"
    "Write the questionnaire for an economy and year as .xlsx (default\n"
    "questionnaire-ISO3-YYYY.xlsx): the indicators of data/questionnaire.csv\n"
    "with their definitions, units and last year's values, and yellow cells\n"
    "for this year's values and comments. Upload it back with 'ictdev\n"
    "submit FILE'.\n";

int cmd_questionnaire(int argc, char **argv, struct cli_ctx *ctx)
{
    const char *econ = NULL;
    const char *year_s = NULL;
    const char *out = NULL;
    char deflt[64];
    int64_t year = 0;
    size_t count = 0;
    struct env e;
    struct err err;
    int status;
    int rc;

    if (cli_wants_help(argc, argv)) {
        fputs(qn_help, stdout);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        int r =
            cli_opt_value(argc, argv, &i, "--economy", &econ, "questionnaire");
        r = r ? r
              : cli_opt_value(argc, argv, &i, "--year", &year_s,
                              "questionnaire");
        r = r ? r : cli_opt_value(argc, argv, &i, "-o", &out, "questionnaire");
        if (r <= 0) {
            return r < 0 ? EXIT_USAGE
                         : cli_usage_error("questionnaire", "unexpected '%s'",
                                           argv[i]);
        }
    }
    if (econ == NULL || year_s == NULL ||
        parse_int64(year_s, strlen(year_s), YEAR_MIN, YEAR_MAX, &year, &err) !=
            0) {
        return cli_usage_error("questionnaire", "give --economy ISO3 and "
                                                "--year YYYY");
    }
    snprintf(deflt, sizeof(deflt), "questionnaire-%.8s-%d.xlsx", econ,
             (int)year);
    status = env_open(&e, ctx, NULL);
    if (status != 0) {
        return status;
    }
    rc = collect_questionnaire_file(&e.c, econ, (int)year, out ? out : deflt,
                                    &count, &err);
    env_close(&e);
    if (rc != 0) {
        return cli_fail(&err);
    }
    printf("%s: %zu questions for %s, %d\n", out ? out : deflt, count, econ,
           (int)year);
    return EXIT_OK;
}

/* ---- submit ------------------------------------------------------------- */

static const char submit_help[] =
    "Usage: ictdev submit FILE [--economy ISO3] [--year YYYY] [--replaces ID]\n"
    "                    [--as USER]\n"
    "Upload a filled questionnaire (.xlsx), long CSV (economy,indicator,year,\n"
    "value[,dimensions][,status,source,note]) or SDMX-CSV as a draft\n"
    "submission, validate it with the rules and print the results. Nothing\n"
    "is kept if the file is malformed or holds values that are not in the\n"
    "questionnaire. Then: ictdev submission submit ID.\n";

static void print_operands(const struct rule_result *r)
{
    for (size_t j = 0; j < r->count; j++) {
        const struct rule_operand *op = &r->operands[j];
        char num[32] = "missing";
        if (!isnan(op->value)) {
            fmt_double(num, sizeof(num), op->value);
        }
        printf("%s %s=%s%s%s%s", j ? "," : "   ", op->ref, num,
               op->where[0] ? " (" : "", op->where, op->where[0] ? ")" : "");
    }
    printf("\n");
}

static void print_report(const struct rule_report *rep)
{
    size_t na = 0;

    for (size_t i = 0; i < rep->count; i++) {
        const struct rule_result *r = &rep->results[i];
        if (r->outcome == RULE_NOT_APPLICABLE) {
            na++;
        }
        if (r->outcome != RULE_FAIL) {
            continue;
        }
        printf("%-7s %s: %s\n", rule_severity_name(r->rule->severity),
               r->rule->id, r->rule->message);
        print_operands(r);
    }
    printf("rules: %zu errors, %zu warnings, %zu not applicable\n",
           rep->failed_errors, rep->failed_warnings, na);
}

static char *read_file(const char *path, size_t *out_len, struct err *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    struct buf b;
    char chunk[65536];
    size_t n;

    if (f == NULL) {
        err_set(err, ERR_NOT_FOUND, "%s: cannot open", path);
        return NULL;
    }
    buf_init(&b);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        buf_append(&b, chunk, n);
        if (b.len > MAX_REQUEST_BODY) {
            buf_cleanup(&b);
            if (f != stdin) {
                fclose(f);
            }
            err_set(err, ERR_LIMIT, "%s: larger than %d MiB", path,
                    MAX_REQUEST_BODY >> 20);
            return NULL;
        }
    }
    if (f != stdin) {
        fclose(f);
    }
    *out_len = b.len;
    if (b.data == NULL) {
        buf_putc(&b, '\0');
        b.len = 0;
    }
    return buf_detach(&b);
}

int cmd_submit(int argc, char **argv, struct cli_ctx *ctx)
{
    const char *as = take_as(&argc, argv);
    const char *econ = NULL;
    const char *year_s = NULL;
    const char *rep_s = NULL;
    const char *file = NULL;
    struct upload up;
    struct rule_report rep = {0};
    struct env e;
    struct err err;
    int64_t year = 0;
    int64_t id = 0;
    char *data;
    int status;

    if (cli_wants_help(argc, argv)) {
        fputs(submit_help, stdout);
        return EXIT_OK;
    }
    memset(&up, 0, sizeof(up));
    for (int i = 1; i < argc; i++) {
        int r = cli_opt_value(argc, argv, &i, "--economy", &econ, "submit");
        r = r ? r : cli_opt_value(argc, argv, &i, "--year", &year_s, "submit");
        r = r ? r
              : cli_opt_value(argc, argv, &i, "--replaces", &rep_s, "submit");
        if (r < 0) {
            return EXIT_USAGE;
        }
        if (r == 0 && (file != NULL || (argv[i][0] == '-' && argv[i][1]))) {
            return cli_usage_error("submit", "unexpected '%s'", argv[i]);
        }
        if (r == 0) {
            file = argv[i];
        }
    }
    if (file == NULL) {
        return cli_usage_error("submit", "which file?");
    }
    if ((year_s && parse_int64(year_s, strlen(year_s), YEAR_MIN, YEAR_MAX,
                               &year, &err) != 0) ||
        (rep_s && parse_id("submit", rep_s, &up.replaces) != 0)) {
        return cli_usage_error("submit", "bad --year or --replaces");
    }
    data = read_file(file, &up.len, &err);
    if (data == NULL) {
        return cli_fail(&err);
    }
    status = env_open(&e, ctx, as);
    if (status != 0) {
        xfree(data);
        return status;
    }
    up.data = data;
    /* Cells are named after the file name, not the local path. */
    up.name = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    up.economy = econ;
    up.year = (int)year;
    if (collect_upload(&e.c, &e.who, &up, &id, &rep, &err) != 0) {
        status = cli_fail(&err);
    } else {
        printf("submission %lld: draft\n", (long long)id);
        print_report(&rep);
    }
    rule_report_cleanup(&rep);
    xfree(data);
    env_close(&e);
    return status;
}

/* ---- submission(s) ------------------------------------------------------ */

static const char submission_help[] =
    "Usage: ictdev submission show ID\n"
    "       ictdev submission submit ID\n"
    "       ictdev submission approve ID\n"
    "       ictdev submission return ID --comment [CELL=]TEXT...\n"
    "       ictdev submission comment ID CELL TEXT\n"
    "       ictdev submissions [--state STATE] [--region GROUP]\n"
    "Every action takes --as USER to act as that user (default: the\n"
    "operator, an admin). States: draft, submitted, returned, resubmitted,\n"
    "approved. Approval writes the values as observations (one batch).\n";

static int collect_notes(int argc, char **argv, struct review_note *notes,
                         char **owned, size_t *count)
{
    for (int i = 3; i < argc; i++) {
        const char *v = NULL;
        char *eq;
        int r = cli_opt_value(argc, argv, &i, "--comment", &v, "submission");
        if (r <= 0 || *count == 64) {
            return r < 0 ? EXIT_USAGE
                         : cli_usage_error("submission", "unexpected '%s'",
                                           argv[i]);
        }
        owned[*count] = xstrdup(v);
        eq = strchr(owned[*count], '=');
        notes[*count].cell = "";
        notes[*count].text = owned[*count];
        /* "CELL=TEXT" when the part before '=' has no space. */
        if (eq != NULL && eq != owned[*count] &&
            memchr(owned[*count], ' ', (size_t)(eq - owned[*count])) == NULL) {
            *eq = '\0';
            notes[*count].cell = owned[*count];
            notes[*count].text = eq + 1;
        }
        (*count)++;
    }
    return 0;
}

static int submission_act(struct env *e, int argc, char **argv, int64_t id)
{
    struct review_note notes[64];
    char *owned[64];
    size_t count = 0;
    struct buf out;
    struct err err;
    int rc;

    if (strcmp(argv[1], "show") == 0) {
        buf_init(&out);
        rc = collect_submission_json(&e->c, &e->who, id, &out, &err);
        if (rc == 0) {
            printf("%s\n", buf_cstr(&out));
        }
        buf_cleanup(&out);
    } else if (strcmp(argv[1], "submit") == 0) {
        rc = collect_submit(&e->c, &e->who, id, &err);
    } else if (strcmp(argv[1], "approve") == 0) {
        rc = collect_approve(&e->c, &e->who, id, &err);
    } else if (strcmp(argv[1], "return") == 0) {
        rc = collect_notes(argc, argv, notes, owned, &count);
        if (rc != 0) {
            for (size_t i = 0; i < count; i++) {
                xfree(owned[i]);
            }
            return rc;
        }
        rc = collect_return(&e->c, &e->who, id, notes, count, &err);
        for (size_t i = 0; i < count; i++) {
            xfree(owned[i]);
        }
    } else if (strcmp(argv[1], "comment") == 0 && argc == 5) {
        rc = collect_comment(&e->c, &e->who, id, argv[3], argv[4], &err);
    } else {
        return cli_usage_error("submission", "unknown action '%s'", argv[1]);
    }
    if (rc != 0) {
        return cli_fail(&err);
    }
    if (strcmp(argv[1], "show") != 0) {
        printf("submission %lld: %s done\n", (long long)id, argv[1]);
    }
    return EXIT_OK;
}

int cmd_submission(int argc, char **argv, struct cli_ctx *ctx)
{
    const char *as = take_as(&argc, argv);
    struct env e;
    int64_t id;
    int status;

    if (cli_wants_help(argc, argv) || argc < 3) {
        fputs(submission_help, argc < 3 ? stderr : stdout);
        return argc < 3 ? EXIT_USAGE : EXIT_OK;
    }
    if (parse_id("submission", argv[2], &id) != 0) {
        return EXIT_USAGE;
    }
    status = env_open(&e, ctx, as);
    if (status != 0) {
        return status;
    }
    status = submission_act(&e, argc, argv, id);
    env_close(&e);
    return status;
}

int cmd_submissions(int argc, char **argv, struct cli_ctx *ctx)
{
    const char *as = take_as(&argc, argv);
    const char *state = NULL;
    const char *region = NULL;
    struct buf out;
    struct env e;
    struct err err;
    int status;

    if (cli_wants_help(argc, argv)) {
        fputs(submission_help, stdout);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        int r = cli_opt_value(argc, argv, &i, "--state", &state, "submissions");
        r = r ? r
              : cli_opt_value(argc, argv, &i, "--region", &region,
                              "submissions");
        if (r <= 0) {
            return r < 0 ? EXIT_USAGE
                         : cli_usage_error("submissions", "unexpected '%s'",
                                           argv[i]);
        }
    }
    status = env_open(&e, ctx, as);
    if (status != 0) {
        return status;
    }
    buf_init(&out);
    if (collect_list_json(&e.c, &e.who, state, region, &out, &err) != 0) {
        status = cli_fail(&err);
    } else {
        printf("%s\n", buf_cstr(&out));
    }
    buf_cleanup(&out);
    env_close(&e);
    return status;
}

/* ---- audit -------------------------------------------------------------- */

static const char audit_help[] =
    "Usage: ictdev audit [--actor NAME] [--action PREFIX] [--object OBJ]\n"
    "                    [--since DATE] [--limit N] [--format table|csv|json]\n"
    "The append-only audit log: who did what, when, from where, with the\n"
    "state before and after. Oldest first.\n";

static int print_audit(void *ctx, const struct cs_audit *a, struct err *err)
{
    struct out *o = ctx;
    char when[32];
    const char *cells[7];
    (void)err;

    cli_format_time(a->time, when, sizeof(when));
    cells[0] = when;
    cells[1] = a->actor;
    cells[2] = a->address;
    cells[3] = a->action;
    cells[4] = a->object;
    cells[5] = a->before;
    cells[6] = a->after;
    out_row(o, cells);
    return 0;
}

int cmd_audit(int argc, char **argv, struct cli_ctx *ctx)
{
    static const char *const cols[] = {"time",   "actor",  "address", "action",
                                       "object", "before", "after"};
    struct cs_audit_filter f;
    const char *since = NULL;
    const char *limit = NULL;
    const char *fmt_s = NULL;
    enum out_format fmt = out_format_default();
    int64_t n = 0;
    struct store *s;
    struct out o;
    struct err err;
    int status = 0;

    if (cli_wants_help(argc, argv)) {
        fputs(audit_help, stdout);
        return EXIT_OK;
    }
    memset(&f, 0, sizeof(f));
    for (int i = 1; i < argc; i++) {
        int r = cli_opt_value(argc, argv, &i, "--actor", &f.actor, "audit");
        r = r ? r
              : cli_opt_value(argc, argv, &i, "--action", &f.action, "audit");
        r = r ? r
              : cli_opt_value(argc, argv, &i, "--object", &f.object, "audit");
        r = r ? r : cli_opt_value(argc, argv, &i, "--since", &since, "audit");
        r = r ? r : cli_opt_value(argc, argv, &i, "--limit", &limit, "audit");
        r = r ? r : cli_opt_value(argc, argv, &i, "--format", &fmt_s, "audit");
        if (r <= 0) {
            return r < 0 ? EXIT_USAGE
                         : cli_usage_error("audit", "unexpected '%s'", argv[i]);
        }
    }
    if ((since && cli_parse_time(since, &f.since, &err) != 0) ||
        (limit &&
         parse_int64(limit, strlen(limit), 1, 1000000, &n, &err) != 0) ||
        (fmt_s && out_format_parse(fmt_s, &fmt, &err) != 0)) {
        return cli_usage_error("audit", "%s", err.msg);
    }
    f.limit = (size_t)n;
    s = cli_store_open(ctx, STORE_OPEN_READONLY, &status);
    if (s == NULL) {
        return status;
    }
    out_begin(&o, fmt, stdout, cols, NULL, 7);
    if (cs_audit_list(s, &f, print_audit, &o, &err) != 0) {
        status = cli_fail(&err);
    }
    out_end(&o);
    store_close(s);
    return status;
}

/* ---- rules -------------------------------------------------------------- */

static const char rules_help[] =
    "Usage: ictdev rules [--load DIR] [--format table|csv|json]\n"
    "List the validation rules kept in the store (loaded from data/rules on\n"
    "first use). --load DIR replaces them with the rules of DIR/*.csv, after\n"
    "checking that every expression compiles.\n";

static int print_rule(void *ctx, const struct cs_rule *r, struct err *err)
{
    const char *cells[6] = {r->id,         r->severity,   r->kind,
                            r->indicators, r->expression, r->message};
    (void)err;
    out_row(ctx, cells);
    return 0;
}

int cmd_rules(int argc, char **argv, struct cli_ctx *ctx)
{
    static const char *const cols[] = {"id",         "severity",   "kind",
                                       "indicators", "expression", "message"};
    const char *dir = NULL;
    const char *fmt_s = NULL;
    enum out_format fmt = out_format_default();
    struct ruleset rs = {0};
    struct env e;
    struct out o;
    struct err err;
    int status;

    if (cli_wants_help(argc, argv)) {
        fputs(rules_help, stdout);
        return EXIT_OK;
    }
    for (int i = 1; i < argc; i++) {
        int r = cli_opt_value(argc, argv, &i, "--load", &dir, "rules");
        r = r ? r : cli_opt_value(argc, argv, &i, "--format", &fmt_s, "rules");
        if (r <= 0) {
            return r < 0 ? EXIT_USAGE
                         : cli_usage_error("rules", "unexpected '%s'", argv[i]);
        }
    }
    if (fmt_s && out_format_parse(fmt_s, &fmt, &err) != 0) {
        return cli_usage_error("rules", "%s", err.msg);
    }
    status = env_open(&e, ctx, NULL);
    if (status != 0) {
        return status;
    }
    if (dir != NULL && (ruleset_load_dir(&rs, dir, &err) != 0 ||
                        collect_rules_replace(&e.c, &rs, &err) != 0)) {
        status = cli_fail(&err);
    }
    ruleset_cleanup(&rs);
    if (status == 0) {
        out_begin(&o, fmt, stdout, cols, NULL, 6);
        if (cs_rule_list(e.store, print_rule, &o, &err) != 0) {
            status = cli_fail(&err);
        }
        out_end(&o);
    }
    env_close(&e);
    return status;
}

/* ---- backup / restore --------------------------------------------------- */

int cmd_backup(int argc, char **argv, struct cli_ctx *ctx)
{
    struct principal who;
    struct collect c;
    char object[512];
    struct store *s;
    struct err err;
    int status = 0;

    if (cli_wants_help(argc, argv) || argc != 2) {
        fputs("Usage: ictdev backup FILE\nCopy the whole store to FILE (a new "
              "file) with SQLite's online backup API;\nsafe while the server "
              "runs.\n",
              argc == 2 ? stdout : stderr);
        return argc == 2 ? EXIT_OK : EXIT_USAGE;
    }
    s = cli_store_open(ctx, 0, &status);
    if (s == NULL) {
        return status;
    }
    principal_cli(&who);
    memset(&c, 0, sizeof(c));
    c.store = s;
    c.now = cli_now();
    snprintf(object, sizeof(object), "store:%.500s", argv[1]);
    if (store_backup_check(s, "backup", &err) != 0 ||
        collect_record(&c, &who, "store.backup", object, &err) != 0 ||
        store_backup(s, argv[1], &err) != 0) {
        status = cli_fail(&err);
    } else {
        printf("backup: %s\n", argv[1]);
    }
    store_close(s);
    return status;
}

int cmd_restore(int argc, char **argv, struct cli_ctx *ctx)
{
    struct principal who;
    struct collect c;
    struct store *s;
    struct err err;
    int status = 0;
    char object[512];

    if (cli_wants_help(argc, argv) || argc != 2) {
        fputs("Usage: ictdev restore FILE\nReplace the store's contents with "
              "the backup FILE (made by 'ictdev backup').\nThe restore itself "
              "is recorded in the restored audit log.\n",
              argc == 2 ? stdout : stderr);
        return argc == 2 ? EXIT_OK : EXIT_USAGE;
    }
    s = cli_store_open(ctx, STORE_OPEN_CREATE, &status);
    if (s == NULL) {
        return status;
    }
    if (store_restore(s, argv[1], &err) != 0) {
        store_close(s);
        return cli_fail(&err);
    }
    store_close(s);
    /* Reopen: upgrades an older backup's schema, then records the event. */
    s = cli_store_open(ctx, 0, &status);
    if (s == NULL) {
        return status;
    }
    principal_cli(&who);
    memset(&c, 0, sizeof(c));
    c.store = s;
    c.now = cli_now();
    snprintf(object, sizeof(object), "store:%.500s", argv[1]);
    if (collect_record(&c, &who, "store.restore", object, &err) != 0) {
        status = cli_fail(&err);
    } else {
        printf("restored from %s\n", argv[1]);
    }
    store_close(s);
    return status;
}
