/* Submissions (see collect.h): upload, validation, submit, approve,
 * return, comments, and their JSON. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "../model/model.h"
#include "../store/collect_store.h"
#include "collect.h"
#include "collect_int.h"
#include "values.h"

/* ---- JSON helpers ------------------------------------------------------- */

/* Append j (taken) to out as compact JSON. */
static void json_put(json_t *j, struct buf *out)
{
    size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT);

    if (n > 0) {
        buf_reserve(out, n + 1);
        out->len += json_dumpb(j, out->data + out->len, n, JSON_COMPACT);
        out->data[out->len] = '\0';
    }
    json_decref(j);
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *operands_json(const struct rule_result *r)
{
    json_t *a = json_array();

    for (size_t i = 0; i < r->count; i++) {
        const struct rule_operand *op = &r->operands[i];
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:i, s:o, s:s}", "ref", op->ref,
                         "indicator", op->indicator, "dims", op->dims, "year",
                         op->year, "value", num_or_null(op->value), "cell",
                         op->where));
    }
    return a;
}

void collect_report_json(const struct rule_report *r, bool failed_only,
                         struct buf *out)
{
    json_t *a = json_array();

    for (size_t i = 0; i < r->count; i++) {
        const struct rule_result *x = &r->results[i];
        if (x->outcome == RULE_SKIPPED ||
            (failed_only && x->outcome == RULE_PASS)) {
            continue;
        }
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "rule", x->rule->id,
                         "severity", rule_severity_name(x->rule->severity),
                         "kind", x->rule->kind, "outcome",
                         rule_outcome_name(x->outcome), "message",
                         x->rule->message, "operands", operands_json(x)));
    }
    json_put(a, out);
}

/* ---- A copy of a submission row ----------------------------------------- */

struct sub {
    int64_t id;
    char economy[MAX_CODE_LEN + 1];
    int year;
    char state[16];
    char sha256[65];
    char file_name[256];
    char format[16];
    char created_by[64];
    int64_t created;
    int64_t replaces;
    int64_t batch;
};

static int copy_sub(void *ctx, const struct cs_submission *x, struct err *err)
{
    struct sub *s = ctx;
    (void)err;

    s->id = x->id;
    snprintf(s->economy, sizeof(s->economy), "%s", x->economy);
    s->year = x->year;
    snprintf(s->state, sizeof(s->state), "%s", x->state);
    snprintf(s->sha256, sizeof(s->sha256), "%s", x->sha256);
    snprintf(s->file_name, sizeof(s->file_name), "%s", x->file_name);
    snprintf(s->format, sizeof(s->format), "%s", x->format);
    snprintf(s->created_by, sizeof(s->created_by), "%s", x->created_by);
    s->created = x->created;
    s->replaces = x->replaces;
    s->batch = x->batch;
    return 0;
}

/* Load submission id and check who may do action on it. */
static int load_sub(struct collect *c, const struct principal *who,
                    enum collect_action action, int64_t id, struct sub *out,
                    struct err *err)
{
    memset(out, 0, sizeof(*out));
    if (cs_submission_get(c->store, id, copy_sub, out, err) != 0) {
        return err->code;
    }
    return collect_authorize(who, action, out->economy, err);
}

static bool state_is(const struct sub *s, const char *a, const char *b)
{
    return strcmp(s->state, a) == 0 || (b && strcmp(s->state, b) == 0);
}

/* ---- Values from the store, for the rules ------------------------------- */

struct lookup_ctx {
    struct collect *c;
    const struct values *v;
    const char *economy;
};

struct first_obs {
    const char *dims;
    double value;
    bool found;
};

static int match_obs(void *ctx, const struct obs *o, struct err *err)
{
    struct first_obs *f = ctx;
    (void)err;

    if (!f->found && strcmp(o->dims, f->dims) == 0) {
        f->value = o->value;
        f->found = true;
    }
    return 0;
}

/* The current stored value of (indicator, economy, year, dims), NaN when
 * there is none or the indicator is not in the catalogue. */
static int stored_value(struct collect *c, const char *economy,
                        const char *indicator, const char *dims, int year,
                        double *out, struct err *err)
{
    struct store_obs_query q;
    struct first_obs f = {.dims = dims};
    struct err qerr;

    *out = NAN;
    if (year < YEAR_MIN || year > YEAR_MAX) {
        return 0;
    }
    memset(&q, 0, sizeof(q));
    q.indicators = &indicator;
    q.indicator_count = 1;
    q.economies = &economy;
    q.economy_count = 1;
    q.year_from = year;
    q.year_to = year;
    if (store_obs_query(c->store, &q, match_obs, &f, &qerr) != 0) {
        if (qerr.code == ERR_NOT_FOUND) {
            return 0; /* an indicator the catalogue lacks: missing */
        }
        *err = qerr;
        return err->code;
    }
    if (f.found) {
        *out = f.value;
    }
    return 0;
}

static int rule_value(void *ctx, const char *indicator, const char *dims,
                      int year, double *out, char *where, size_t cap,
                      struct err *err)
{
    struct lookup_ctx *lc = ctx;
    const struct value *v = values_find(lc->v, indicator, dims, year);

    if (v != NULL) {
        *out = v->value;
        snprintf(where, cap, "%s", v->where);
        return 0;
    }
    if (stored_value(lc->c, lc->economy, indicator, dims, year, out, err) !=
        0) {
        return err->code;
    }
    if (!isnan(*out)) {
        snprintf(where, cap, "store");
    }
    return 0;
}

static bool rule_submitted(void *ctx, const char *indicator)
{
    struct lookup_ctx *lc = ctx;

    return values_has_indicator(lc->v, indicator);
}

static int validate(struct collect *c, const struct values *v,
                    const char *economy, int year, struct rule_report *rep,
                    struct err *err)
{
    struct lookup_ctx lc = {c, v, economy};
    struct rule_lookup lk = {rule_value, rule_submitted, &lc};

    return rules_evaluate(c->rules, &lk, year, rep, err);
}

/* ---- Upload ------------------------------------------------------------- */

static int pick_economy(const struct upload *up, const struct values *v,
                        const char **out, struct err *err)
{
    const char *e = up->economy && up->economy[0] ? up->economy : v->economy;

    if (e == NULL && v->count > 0) {
        e = v->items[0].economy;
    }
    if (e == NULL) {
        return err_set(err, ERR_INVALID, "which economy? give one");
    }
    if (v->economy != NULL && strcmp(v->economy, e) != 0) {
        return err_set(err, ERR_INVALID,
                       "Questionnaire!B2: the file is for %s, the upload "
                       "for %s",
                       v->economy, e);
    }
    *out = e;
    return 0;
}

static int pick_year(const struct upload *up, const struct values *v, int *out,
                     struct err *err)
{
    int y = up->year ? up->year : v->year;

    if (y == 0 && v->count > 0) {
        y = v->items[0].year;
    }
    if (y == 0) {
        return err_set(err, ERR_INVALID, "which year? give one");
    }
    if (v->year != 0 && v->year != y) {
        return err_set(err, ERR_INVALID,
                       "Questionnaire!B3: the file is for %d, the upload "
                       "for %d",
                       v->year, y);
    }
    *out = y;
    return 0;
}

/* Each value: the upload's economy and year, in the questionnaire, once. */
static int check_values(struct collect *c, const struct values *v,
                        const char *economy, int year, struct err *err)
{
    if (v->count == 0) {
        return err_set(err, ERR_INVALID, "the file holds no values");
    }
    for (size_t i = 0; i < v->count; i++) {
        const struct value *x = &v->items[i];
        if (strcmp(x->economy, economy) != 0) {
            return err_set(err, ERR_INVALID,
                           "%s: economy %s, but the upload is for %s", x->where,
                           x->economy, economy);
        }
        if (x->year != year) {
            return err_set(err, ERR_INVALID,
                           "%s: year %d, but the upload is for %d", x->where,
                           x->year, year);
        }
        if (questionnaire_find(c->qn, x->indicator, x->dims) == NULL) {
            return err_set(err, ERR_INVALID,
                           "%s: %s%s%s is not in the questionnaire", x->where,
                           x->indicator, x->dims[0] ? " " : "", x->dims);
        }
        if (values_find(v, x->indicator, x->dims, x->year) != x) {
            return err_set(err, ERR_INVALID, "%s: %s%s%s is given twice",
                           x->where, x->indicator, x->dims[0] ? " " : "",
                           x->dims);
        }
    }
    return 0;
}

/* The comment key of a value without a cell: "i4214" or "i271 tech=4G". */
static void note_key(const char *indicator, const char *dims, char *out,
                     size_t cap)
{
    snprintf(out, cap, "%s%s%s", indicator, dims[0] ? " " : "", dims);
}

/* Notes (comments on empty rows) must be on questionnaire items too. */
static int check_notes(struct collect *c, const struct values *v,
                       struct err *err)
{
    for (size_t i = 0; i < v->note_count; i++) {
        const struct value_note *n = &v->notes[i];
        if (questionnaire_find(c->qn, n->indicator, n->dims) == NULL) {
            return err_set(err, ERR_INVALID,
                           "%s: %s%s%s is not in the questionnaire", n->where,
                           n->indicator, n->dims[0] ? " " : "", n->dims);
        }
    }
    return 0;
}

static int keep_results(struct collect *c, int64_t id,
                        const struct rule_report *rep, struct err *err)
{
    for (size_t i = 0; i < rep->count; i++) {
        const struct rule_result *r = &rep->results[i];
        struct buf detail;
        struct cs_result x;
        int rc;
        buf_init(&detail);
        json_put(operands_json(r), &detail);
        x.submission = id;
        x.rule_id = r->rule->id;
        x.severity = rule_severity_name(r->rule->severity);
        x.outcome = rule_outcome_name(r->outcome);
        x.detail = buf_cstr(&detail);
        rc = cs_result_put(c->store, &x, err);
        buf_cleanup(&detail);
        if (rc != 0) {
            return rc;
        }
    }
    return cs_submission_counts(c->store, id, (int64_t)rep->failed_errors,
                                (int64_t)rep->failed_warnings, err);
}

struct upload_tx {
    const struct principal *who;
    const struct upload *up;
    const struct values *v;
    const char *economy;
    int year;
    const struct rule_report *rep;
    int64_t id;
};

static int upload_write(struct collect *c, void *arg, struct err *err)
{
    struct upload_tx *a = arg;
    struct cs_submission x;
    char sha[AUTH_SHA256_HEX];
    char object[64];
    char after[256];

    auth_sha256_hex(a->up->data, a->up->len, sha);
    memset(&x, 0, sizeof(x));
    x.economy = a->economy;
    x.year = a->year;
    x.state = "draft";
    x.sha256 = sha;
    x.file_name = a->up->name;
    x.format = a->v->format ? a->v->format : "";
    x.created_by = a->who->name;
    x.created = c->now;
    x.address = a->who->address;
    x.replaces = a->up->replaces;
    if (cs_file_put(c->store, sha, a->up->data, a->up->len, err) != 0 ||
        cs_submission_add(c->store, &x, &a->id, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < a->v->count; i++) {
        const struct value *v = &a->v->items[i];
        struct cs_value cv = {a->id,     (int)i,     v->indicator,
                              v->dims,   v->year,    v->value,
                              v->status, v->comment, v->where};
        if (cs_value_add(c->store, &cv, err) != 0) {
            return err->code;
        }
    }
    for (size_t i = 0; i < a->v->note_count; i++) {
        const struct value_note *n = &a->v->notes[i];
        char key[128];
        struct cs_comment cm;
        note_key(n->indicator, n->dims, key, sizeof(key));
        cm = (struct cs_comment){0, a->id, key, a->who->name, c->now, n->text};
        if (cs_comment_add(c->store, &cm, err) != 0) {
            return err->code;
        }
    }
    if (keep_results(c, a->id, a->rep, err) != 0) {
        return err->code;
    }
    snprintf(object, sizeof(object), "submission:%lld", (long long)a->id);
    snprintf(after, sizeof(after),
             "{\"state\":\"draft\",\"economy\":\"%s\",\"year\":%d,"
             "\"sha256\":\"%s\",\"values\":%zu}",
             a->economy, a->year, sha, a->v->count);
    return collect_audit(c, a->who, "submission.upload", object, "", after,
                         err);
}

static int check_replaces(struct collect *c, const struct principal *who,
                          const struct upload *up, const char *economy,
                          struct err *err)
{
    struct sub old;

    if (up->replaces == 0) {
        return 0;
    }
    if (load_sub(c, who, ACT_UPLOAD, up->replaces, &old, err) != 0) {
        return err->code;
    }
    if (!state_is(&old, "returned", NULL) ||
        strcmp(old.economy, economy) != 0) {
        return err_set(err, ERR_CONFLICT,
                       "submission %lld is not a returned submission of %s",
                       (long long)up->replaces, economy);
    }
    return 0;
}

int collect_upload(struct collect *c, const struct principal *who,
                   const struct upload *up, int64_t *out_id,
                   struct rule_report *report, struct err *err)
{
    struct values v;
    struct rule_report own = {0};
    struct rule_report *rep = report ? report : &own;
    struct upload_tx a = {.who = who, .up = up, .v = &v, .rep = rep};
    int rc;

    /* Refuse early when the request already names a forbidden economy. */
    if (collect_authorize(who, ACT_UPLOAD,
                          up->economy && up->economy[0] ? up->economy : NULL,
                          err) != 0) {
        return err->code;
    }
    values_init(&v);
    rc = values_parse(up->data, up->len, up->name, &v, err);
    rc = rc ? rc : pick_economy(up, &v, &a.economy, err);
    rc = rc ? rc : collect_authorize(who, ACT_UPLOAD, a.economy, err);
    rc = rc ? rc : pick_year(up, &v, &a.year, err);
    rc = rc ? rc : check_values(c, &v, a.economy, a.year, err);
    rc = rc ? rc : check_notes(c, &v, err);
    rc = rc ? rc : check_replaces(c, who, up, a.economy, err);
    rc = rc ? rc : validate(c, &v, a.economy, a.year, rep, err);
    rc = rc ? rc : collect_in_tx(c, upload_write, &a, err);
    if (rc == 0) {
        *out_id = a.id;
    }
    values_cleanup(&v);
    rule_report_cleanup(&own);
    return rc;
}

/* ---- Submit ------------------------------------------------------------- */

static int add_value(void *ctx, const struct cs_value *x, struct err *err)
{
    struct values *v = ctx;

    return values_add(v, "", x->indicator, x->dims, x->year, x->value,
                      x->status, x->comment, x->cell, err);
}

/* The submission's values, as uploaded and commented. */
static int load_values(struct collect *c, const struct sub *s, struct values *v,
                       struct err *err)
{
    if (cs_value_list(c->store, s->id, add_value, v, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < v->count; i++) {
        xfree(v->items[i].economy);
        v->items[i].economy = xstrdup(s->economy);
    }
    return 0;
}

/* The cells the submission's comments are on (review comments, notes on
 * empty rows, answers to rules). */
struct cells {
    char **v; /* owned */
    size_t n;
};

static int add_cell(void *ctx, const struct cs_comment *cm, struct err *err)
{
    struct cells *cs = ctx;
    (void)err;
    cs->v = xreallocarray(cs->v, cs->n + 1, sizeof(char *));
    cs->v[cs->n++] = xstrdup(cm->cell);
    return 0;
}

static void cells_cleanup(struct cells *cs)
{
    for (size_t i = 0; i < cs->n; i++) {
        xfree(cs->v[i]);
    }
    xfree(cs->v);
}

static bool cells_has(const struct cells *cs, const char *cell)
{
    for (size_t i = 0; i < cs->n; i++) {
        if (strcmp(cs->v[i], cell) == 0) {
            return true;
        }
    }
    return false;
}

/* A failed warning is answered by a comment on one of the submission's
 * values it involves, on the rule itself (its id), or, for a value that
 * is missing, on that item ("i4214"). */
static bool answered(const struct rule_result *r, const struct values *v,
                     const struct cells *notes)
{
    if (cells_has(notes, r->rule->id)) {
        return true;
    }
    for (size_t i = 0; i < r->count; i++) {
        const struct rule_operand *op = &r->operands[i];
        char key[128];
        if (op->where[0] == '\0') {
            note_key(op->indicator, op->dims, key, sizeof(key));
            if (cells_has(notes, key)) {
                return true;
            }
        }
        for (size_t j = 0; j < v->count; j++) {
            if (strcmp(op->where, v->items[j].where) == 0 &&
                v->items[j].comment[0] != '\0') {
                return true;
            }
        }
    }
    return false;
}

static int blocking(const struct rule_report *rep, const struct values *v,
                    const struct cells *notes, struct err *err)
{
    for (size_t i = 0; i < rep->count; i++) {
        const struct rule_result *r = &rep->results[i];
        const char *cell = r->count > 0 ? r->operands[0].where : "";
        if (r->outcome != RULE_FAIL) {
            continue;
        }
        if (r->rule->severity == RULE_ERROR) {
            return err_set(err, ERR_CONFLICT,
                           "rule %s fails%s%s: %s (%zu error(s) in all)",
                           r->rule->id, cell[0] ? " at " : "", cell,
                           r->rule->message, rep->failed_errors);
        }
        if (!answered(r, v, notes)) {
            return err_set(err, ERR_CONFLICT,
                           "warning %s%s%s needs a comment (on the value, "
                           "or on '%s'): %s",
                           r->rule->id, cell[0] ? " at " : "", cell,
                           r->rule->id, r->rule->message);
        }
    }
    return 0;
}

struct move_tx {
    const struct principal *who;
    const struct sub *s;
    const char *to;
    const char *action;
    const struct rule_report *rep; /* results to keep, or NULL */
    const struct review_note *notes;
    size_t note_count;
    int64_t batch; /* -1: the open batch */
};

static int move_write(struct collect *c, void *arg, struct err *err)
{
    struct move_tx *a = arg;
    char object[64];
    char before[64];
    char after[96];

    if (cs_submission_move(c->store, a->s->id, a->s->state, a->to, a->batch,
                           c->now, err) != 0) {
        return err->code;
    }
    if (a->rep != NULL && keep_results(c, a->s->id, a->rep, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < a->note_count; i++) {
        struct cs_comment cm = {
            0,      a->s->id,        a->notes[i].cell, a->who->name,
            c->now, a->notes[i].text};
        if (cs_comment_add(c->store, &cm, err) != 0) {
            return err->code;
        }
    }
    snprintf(object, sizeof(object), "submission:%lld", (long long)a->s->id);
    snprintf(before, sizeof(before), "{\"state\":\"%s\"}", a->s->state);
    snprintf(after, sizeof(after), "{\"state\":\"%s\"}", a->to);
    return collect_audit(c, a->who, a->action, object, before, after, err);
}

int collect_submit(struct collect *c, const struct principal *who, int64_t id,
                   struct err *err)
{
    struct sub s;
    struct values v;
    struct rule_report rep = {0};
    struct move_tx a = {.who = who, .s = &s, .action = "submission.submit"};
    struct cells notes = {0};
    int rc;

    if (load_sub(c, who, ACT_SUBMIT, id, &s, err) != 0) {
        return err->code;
    }
    if (!state_is(&s, "draft", "returned")) {
        return err_set(err, ERR_CONFLICT,
                       "submission %lld is %s; only a "
                       "draft or a returned submission can be submitted",
                       (long long)id, s.state);
    }
    a.to = strcmp(s.state, "returned") == 0 || s.replaces != 0 ? "resubmitted"
                                                               : "submitted";
    values_init(&v);
    rc = load_values(c, &s, &v, err);
    rc = rc ? rc : cs_comment_list(c->store, id, add_cell, &notes, err);
    rc = rc ? rc : validate(c, &v, s.economy, s.year, &rep, err);
    rc = rc ? rc : blocking(&rep, &v, &notes, err);
    a.rep = &rep;
    rc = rc ? rc : collect_in_tx(c, move_write, &a, err);
    rule_report_cleanup(&rep);
    values_cleanup(&v);
    cells_cleanup(&notes);
    return rc;
}

/* ---- Approve ------------------------------------------------------------ */

static int put_values(struct collect *c, const struct sub *s,
                      const struct values *v, struct err *err)
{
    char source[64];

    snprintf(source, sizeof(source), "ITU questionnaire (submission %lld)",
             (long long)s->id);
    for (size_t i = 0; i < v->count; i++) {
        const struct value *x = &v->items[i];
        struct obs o;
        memset(&o, 0, sizeof(o));
        o.indicator = x->indicator;
        o.economy = s->economy;
        o.year = x->year;
        o.dims = x->dims;
        o.value = x->value;
        o.source = source;
        o.note = x->comment;
        if (obs_status_parse(x->status, strlen(x->status), &o.status, err) !=
                0 ||
            store_obs_put(c->store, &o, NULL, err) != 0) {
            return err_prefix(err, "%s", x->where);
        }
    }
    return 0;
}

/* Values and state change in one batch transaction. Returns 0 with
 * *out_batch 0 when the values changed nothing (the store then discards the
 * batch, and with it the state change: the caller redoes that alone). */
static int approve_batch(struct collect *c, struct move_tx *a,
                         const struct values *v, int64_t *out_batch,
                         struct err *err)
{
    struct store_batch_info info;
    char note[64];
    const char *crash = getenv("ICTDEV_TEST_CRASH");

    snprintf(note, sizeof(note), "submission %lld", (long long)a->s->id);
    memset(&info, 0, sizeof(info));
    info.kind = BATCH_ENTRY;
    info.origin = a->who->name;
    info.file = a->s->file_name;
    info.sha256 = a->s->sha256;
    info.note = note;
    info.time = c->now;
    if (store_batch_begin(c->store, &info, err) != 0) {
        return err->code;
    }
    a->batch = -1;
    if (put_values(c, a->s, v, err) != 0 || move_write(c, a, err) != 0) {
        store_batch_rollback(c->store);
        return err->code;
    }
    if (crash != NULL && strcmp(crash, "approve") == 0) {
        _exit(70); /* test hook: die with the transaction open */
    }
    return store_batch_commit(c->store, out_batch, NULL, err);
}

int collect_approve(struct collect *c, const struct principal *who, int64_t id,
                    struct err *err)
{
    struct sub s;
    struct values v;
    struct move_tx a = {
        .who = who, .s = &s, .to = "approved", .action = "submission.approve"};
    int64_t batch = 0;
    int rc;

    if (load_sub(c, who, ACT_APPROVE, id, &s, err) != 0) {
        return err->code;
    }
    if (!state_is(&s, "submitted", "resubmitted")) {
        return err_set(err, ERR_CONFLICT,
                       "submission %lld is %s; only a "
                       "submitted one can be approved",
                       (long long)id, s.state);
    }
    values_init(&v);
    rc = load_values(c, &s, &v, err);
    rc = rc ? rc : approve_batch(c, &a, &v, &batch, err);
    if (rc == 0 && batch == 0) {
        a.batch = 0; /* nothing new in the values: the state change alone */
        rc = collect_in_tx(c, move_write, &a, err);
    }
    values_cleanup(&v);
    return rc;
}

/* ---- Return and comments ------------------------------------------------ */

int collect_return(struct collect *c, const struct principal *who, int64_t id,
                   const struct review_note *notes, size_t count,
                   struct err *err)
{
    struct sub s;
    struct move_tx a = {.who = who,
                        .s = &s,
                        .to = "returned",
                        .action = "submission.return",
                        .notes = notes,
                        .note_count = count};

    if (load_sub(c, who, ACT_RETURN, id, &s, err) != 0) {
        return err->code;
    }
    if (!state_is(&s, "submitted", "resubmitted")) {
        return err_set(err, ERR_CONFLICT,
                       "submission %lld is %s; only a "
                       "submitted one can be returned",
                       (long long)id, s.state);
    }
    if (count == 0) {
        return err_set(err, ERR_INVALID,
                       "say why: a returned submission "
                       "needs at least one comment");
    }
    return collect_in_tx(c, move_write, &a, err);
}

struct comment_tx {
    const struct principal *who;
    const struct sub *s;
    const char *cell;
    const char *text;
};

/* True if cell names a rule or a questionnaire item ("i4214",
 * "i4213tfbb speed=10M+"): a focal point's answer that is not on a value. */
static bool is_answer_target(const struct collect *c, const char *cell)
{
    char ind[MAX_CODE_LEN + 1];
    size_t n = strcspn(cell, " ");

    for (size_t i = 0; i < c->rules->count; i++) {
        if (strcmp(c->rules->rules[i].id, cell) == 0) {
            return true;
        }
    }
    if (n == 0 || n > MAX_CODE_LEN) {
        return false;
    }
    memcpy(ind, cell, n);
    ind[n] = '\0';
    return questionnaire_find(c->qn, ind, cell[n] ? cell + n + 1 : "") != NULL;
}

static int comment_write(struct collect *c, void *arg, struct err *err)
{
    struct comment_tx *a = arg;
    char object[96];
    int rc;

    if (a->who->role == ROLE_FOCAL && !is_answer_target(c, a->cell)) {
        rc = cs_value_comment(c->store, a->s->id, a->cell, a->text, err);
    } else {
        struct cs_comment cm = {0,      a->s->id, a->cell, a->who->name,
                                c->now, a->text};
        rc = cs_comment_add(c->store, &cm, err);
    }
    if (rc != 0) {
        return rc;
    }
    snprintf(object, sizeof(object), "submission:%lld/%.60s",
             (long long)a->s->id, a->cell);
    return collect_audit(c, a->who, "submission.comment", object, "", a->text,
                         err);
}

int collect_comment(struct collect *c, const struct principal *who, int64_t id,
                    const char *cell, const char *text, struct err *err)
{
    struct sub s;
    struct comment_tx a = {who, &s, cell ? cell : "", text};

    if (load_sub(c, who, ACT_COMMENT, id, &s, err) != 0) {
        return err->code;
    }
    if (text == NULL || text[0] == '\0' || strlen(text) > 4000) {
        return err_set(err, ERR_INVALID, "a comment is 1 to 4000 bytes");
    }
    if (who->role == ROLE_FOCAL && !state_is(&s, "draft", "returned")) {
        return err_set(err, ERR_CONFLICT,
                       "submission %lld is %s: values "
                       "can be commented while draft or returned",
                       (long long)id, s.state);
    }
    return collect_in_tx(c, comment_write, &a, err);
}

/* ---- JSON views --------------------------------------------------------- */

static json_t *sub_json(const struct cs_submission *x)
{
    return json_pack("{s:I, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:I,"
                     " s:I, s:I, s:I, s:I}",
                     "id", (json_int_t)x->id, "economy", x->economy, "year",
                     x->year, "state", x->state, "sha256", x->sha256, "file",
                     x->file_name, "format", x->format, "created_by",
                     x->created_by, "created", (json_int_t)x->created,
                     "address", x->address, "updated", (json_int_t)x->updated,
                     "replaces", (json_int_t)x->replaces, "batch",
                     (json_int_t)x->batch, "errors", (json_int_t)x->errors,
                     "warnings", (json_int_t)x->warnings);
}

static int sub_to_json(void *ctx, const struct cs_submission *x,
                       struct err *err)
{
    (void)err;
    json_object_update_new(ctx, sub_json(x));
    return 0;
}

static int sub_to_array(void *ctx, const struct cs_submission *x,
                        struct err *err)
{
    (void)err;
    json_array_append_new(ctx, sub_json(x));
    return 0;
}

struct value_json {
    json_t *arr;
    struct collect *c;
    const char *economy;
};

/* Each value with last year's stored value and the value now published
 * for the same year, so that a reviewer compares at a glance. */
static int value_to_json(void *ctx, const struct cs_value *v, struct err *err)
{
    struct value_json *vj = ctx;
    double prev;
    double cur;

    if (stored_value(vj->c, vj->economy, v->indicator, v->dims, v->year - 1,
                     &prev, err) != 0 ||
        stored_value(vj->c, vj->economy, v->indicator, v->dims, v->year, &cur,
                     err) != 0) {
        return err->code;
    }
    json_array_append_new(
        vj->arr,
        json_pack("{s:s, s:s, s:s, s:i, s:f, s:s, s:s, s:o, s:o}", "cell",
                  v->cell, "indicator", v->indicator, "dims", v->dims, "year",
                  v->year, "value", v->value, "status", v->status, "comment",
                  v->comment, "last_year", num_or_null(prev), "published",
                  num_or_null(cur)));
    return 0;
}

static int result_to_json(void *ctx, const struct cs_result *r, struct err *err)
{
    json_t *ops;
    (void)err;

    if (strcmp(r->outcome, "skipped") == 0) {
        return 0;
    }
    ops = json_loads(r->detail, 0, NULL);
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:s, s:o}", "rule",
                                         r->rule_id, "severity", r->severity,
                                         "outcome", r->outcome, "operands",
                                         ops ? ops : json_array()));
    return 0;
}

static int comment_to_json(void *ctx, const struct cs_comment *cm,
                           struct err *err)
{
    (void)err;
    json_array_append_new(ctx,
                          json_pack("{s:s, s:s, s:I, s:s}", "cell", cm->cell,
                                    "author", cm->author, "time",
                                    (json_int_t)cm->time, "text", cm->text));
    return 0;
}

int collect_submission_json(struct collect *c, const struct principal *who,
                            int64_t id, struct buf *out, struct err *err)
{
    struct sub s;
    json_t *j;
    json_t *vals = json_array();
    json_t *res = json_array();
    json_t *notes = json_array();
    struct value_json vj;
    int rc;

    rc = load_sub(c, who, ACT_READ, id, &s, err);
    j = json_object();
    rc = rc ? rc : cs_submission_get(c->store, id, sub_to_json, j, err);
    vj.arr = vals;
    vj.c = c;
    vj.economy = s.economy;
    rc = rc ? rc : cs_value_list(c->store, id, value_to_json, &vj, err);
    rc = rc ? rc : cs_result_list(c->store, id, result_to_json, res, err);
    rc = rc ? rc : cs_comment_list(c->store, id, comment_to_json, notes, err);
    json_object_set_new(j, "values", vals);
    json_object_set_new(j, "rules", res);
    json_object_set_new(j, "comments", notes);
    if (rc == 0) {
        json_put(j, out);
    } else {
        json_decref(j);
    }
    return rc;
}

static int itu_region_of(void *ctx, const struct economy *e, struct err *err)
{
    (void)err;
    snprintf(ctx, 16, "%s", e->itu_region);
    return 0;
}

static bool list_has(const char *list, const char *code)
{
    size_t n = strlen(code);

    while (*list != '\0') {
        size_t len = strcspn(list, ",");
        if (len == n && strncmp(list, code, n) == 0) {
            return true;
        }
        list += len;
        if (*list == ',') {
            list++;
        }
    }
    return false;
}

/* Keep only the submissions whose economy is in the list "A,B,C". */
static int filter_members(json_t *a, const char *list)
{
    size_t i = 0;

    while (i < json_array_size(a)) {
        const char *e =
            json_string_value(json_object_get(json_array_get(a, i), "economy"));
        if (e != NULL && list_has(list, e)) {
            i++;
        } else {
            json_array_remove(a, i);
        }
    }
    return 0;
}

static int add_member(void *ctx, const struct membership *m, struct err *err)
{
    struct buf *b = ctx;
    (void)err;
    buf_printf(b, "%s%s", b->len ? "," : "", m->economy);
    return 0;
}

/* Add each submission's ITU region (for the analysts' queue). */
static int add_regions(struct collect *c, json_t *a, struct err *err)
{
    size_t i;
    json_t *x;

    json_array_foreach(a, i, x)
    {
        char region[16] = "";
        const char *econ = json_string_value(json_object_get(x, "economy"));
        if (econ != NULL &&
            store_economy_get(c->store, econ, itu_region_of, region, err) !=
                0 &&
            err->code != ERR_NOT_FOUND) {
            return err->code;
        }
        json_object_set_new(x, "region", json_string(region));
    }
    return 0;
}

int collect_list_json(struct collect *c, const struct principal *who,
                      const char *state, const char *region, struct buf *out,
                      struct err *err)
{
    json_t *a;
    struct buf members;
    const char *econ = who->role == ROLE_FOCAL ? who->economies : "";
    int rc = 0;

    if (collect_authorize(who, ACT_READ, NULL, err) != 0) {
        return err->code;
    }
    if (who->role == ROLE_FOCAL && econ[0] == '\0') {
        econ = "-"; /* a focal point without economies sees nothing */
    }
    buf_init(&members);
    if (region != NULL && region[0] != '\0') {
        rc =
            store_group_members(c->store, region, 0, add_member, &members, err);
        if (rc == 0 && members.len == 0) {
            buf_puts(&members, "-");
        }
    }
    a = json_array();
    rc = rc ? rc
            : cs_submission_list(c->store, state, econ, sub_to_array, a, err);
    if (rc == 0 && members.len > 0) {
        rc = filter_members(a, buf_cstr(&members));
    }
    rc = rc ? rc : add_regions(c, a, err);
    buf_cleanup(&members);
    if (rc != 0) {
        json_decref(a);
        return err->code;
    }
    json_put(a, out);
    return 0;
}
