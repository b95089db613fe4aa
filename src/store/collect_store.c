/* Data-collection tables (see collect_store.h; schema migration 2 of
 * store_sql.c), on either backend through store_exec: one statement text
 * in SQLite's spelling, every value bound, no outside text in SQL.
 * Statements are prepared per call: collection writes are a handful per
 * request, far from any hot path. Ids are allocated as max(id) + 1 inside
 * the writer's transaction, as SQLite's rowid does, so both backends give
 * the same ids (a PostgreSQL sequence would skip the ids of rolled-back
 * inserts). */
#include "collect_store.h"

#include <string.h>

#include "../core/compiler.h"
#include "store_int.h"

/* ---- Helpers ------------------------------------------------------------ */

/* The next id of table t (a constant name). */
#define NEXT_ID(t) "(SELECT coalesce(max(id), 0) + 1 FROM " t ")"

/* Row callbacks get this as ctx: the caller's typed callback, its ctx, and
 * a count of rows. */
struct visit {
    void *fn;
    void *ctx;
    size_t rows;
};

#define T(row, i) store_cell_text(row, i)
#define I(row, i) store_cell_int(row, i)

/* ---- Users, tokens, sessions --------------------------------------------- */

#define USER_COLS                                                              \
    "u.id, u.name, u.role, u.economies, u.password, u.disabled,"               \
    " u.created"

static int user_row(void *ctx, const struct store_cells *row, struct err *err)
{
    struct visit *v = ctx;
    struct cs_user u = {
        .id = I(row, 0),
        .name = T(row, 1),
        .role = T(row, 2),
        .economies = T(row, 3),
        .password = T(row, 4),
        .disabled = I(row, 5) != 0,
        .created = I(row, 6),
    };
    v->rows++;
    return ((cs_user_fn)v->fn)(v->ctx, &u, err);
}

int cs_user_add(struct store *s, const struct cs_user *u, int64_t *out_id,
                struct err *err)
{
    int64_t id = 0;
    struct store_param ps[] = {
        STORE_P_TEXT(u->name),      STORE_P_TEXT(u->role),
        STORE_P_TEXT(u->economies), STORE_P_TEXT(u->password),
        STORE_P_INT(u->disabled),   STORE_P_INT(u->created),
    };
    struct store_stmt q = {"INSERT INTO users(id, name, role, economies,"
                           " password, disabled, created)"
                           " VALUES(" NEXT_ID("users") ", ?1, ?2, ?3, ?4, ?5,"
                                                       " ?6) RETURNING id",
                           ps, ARRAY_COUNT(ps), store_cells_take_int, &id};

    if (store_exec_as(s, &q, NULL, "adding a user", err) != 0) {
        if (err->code == ERR_CONFLICT) {
            err_set(err, ERR_CONFLICT, "user '%s' exists", u->name);
        }
        return err->code;
    }
    if (out_id != NULL) {
        *out_id = id;
    }
    return 0;
}

int cs_user_update(struct store *s, const struct cs_user *u, struct err *err)
{
    int64_t changed = 0;
    struct store_param ps[] = {
        STORE_P_TEXT(u->name),      STORE_P_TEXT(u->role),
        STORE_P_TEXT(u->economies), STORE_P_TEXT(u->password),
        STORE_P_INT(u->disabled),
    };
    struct store_stmt q = {"UPDATE users SET role=?2, economies=?3,"
                           " password=?4, disabled=?5 WHERE name=?1",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    if (store_exec_as(s, &q, &changed, "updating a user", err) != 0) {
        return err->code;
    }
    if (changed == 0) {
        return err_set(err, ERR_NOT_FOUND, "no user '%s'", u->name);
    }
    return 0;
}

int cs_user_get(struct store *s, const char *name, cs_user_fn fn, void *ctx,
                struct err *err)
{
    struct visit v = {(void *)fn, ctx, 0};
    struct store_param ps[] = {STORE_P_TEXT(name)};
    struct store_stmt q = {"SELECT " USER_COLS
                           " FROM users u WHERE u.name = ?1",
                           ps, ARRAY_COUNT(ps), user_row, &v};

    if (store_exec_as(s, &q, NULL, "reading a user", err) != 0) {
        return err->code;
    }
    return v.rows == 0 ? err_set(err, ERR_NOT_FOUND, "no user '%s'", name) : 0;
}

int cs_user_list(struct store *s, cs_user_fn fn, void *ctx, struct err *err)
{
    struct visit v = {(void *)fn, ctx, 0};
    struct store_stmt q = {"SELECT " USER_COLS " FROM users u ORDER BY u.name",
                           NULL, 0, user_row, &v};

    return store_exec_as(s, &q, NULL, "reading users", err);
}

int cs_token_add(struct store *s, int64_t user_id, const char *hash,
                 const char *label, int64_t time, struct err *err)
{
    struct store_param ps[] = {STORE_P_INT(user_id), STORE_P_TEXT(hash),
                               STORE_P_TEXT(label), STORE_P_INT(time)};
    struct store_stmt q = {"INSERT INTO tokens(id, user_id, hash, label,"
                           " created) VALUES(" NEXT_ID("tokens") ", ?1, ?2,"
                                                                 " ?3, ?4)",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    return store_exec_as(s, &q, NULL, "adding a token", err);
}

int cs_token_user(struct store *s, const char *hash, cs_user_fn fn, void *ctx,
                  struct err *err)
{
    struct visit v = {(void *)fn, ctx, 0};
    struct store_param ps[] = {STORE_P_TEXT(hash)};
    struct store_stmt q = {"SELECT " USER_COLS " FROM tokens t"
                           " JOIN users u ON u.id = t.user_id"
                           " WHERE t.hash = ?1 AND t.revoked IS NULL"
                           " AND u.disabled = 0",
                           ps, ARRAY_COUNT(ps), user_row, &v};

    if (store_exec_as(s, &q, NULL, "reading a token", err) != 0) {
        return err->code;
    }
    return v.rows == 0 ? err_set(err, ERR_AUTH, "unknown or revoked token") : 0;
}

int cs_token_revoke_all(struct store *s, int64_t user_id, int64_t time,
                        int64_t *out_count, struct err *err)
{
    int64_t changed = 0;
    struct store_param ps[] = {STORE_P_INT(user_id), STORE_P_INT(time)};
    struct store_stmt q = {"UPDATE tokens SET revoked = ?2"
                           " WHERE user_id = ?1 AND revoked IS NULL",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    if (store_exec_as(s, &q, &changed, "revoking tokens", err) != 0) {
        return err->code;
    }
    if (out_count != NULL) {
        *out_count = changed;
    }
    return 0;
}

int cs_session_add(struct store *s, const char *hash, int64_t user_id,
                   int64_t created, int64_t expires, const char *address,
                   struct err *err)
{
    struct store_param ps[] = {STORE_P_TEXT(hash), STORE_P_INT(user_id),
                               STORE_P_INT(created), STORE_P_INT(expires),
                               STORE_P_TEXT(address)};
    struct store_stmt q = {"INSERT INTO sessions(hash, user_id, created,"
                           " expires, address) VALUES(?1, ?2, ?3, ?4, ?5)",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    return store_exec_as(s, &q, NULL, "adding a session", err);
}

int cs_session_user(struct store *s, const char *hash, int64_t now,
                    cs_user_fn fn, void *ctx, struct err *err)
{
    struct visit v = {(void *)fn, ctx, 0};
    struct store_param ps[] = {STORE_P_TEXT(hash), STORE_P_INT(now)};
    struct store_stmt q = {"SELECT " USER_COLS " FROM sessions x"
                           " JOIN users u ON u.id = x.user_id"
                           " WHERE x.hash = ?1 AND x.expires > ?2"
                           " AND u.disabled = 0",
                           ps, ARRAY_COUNT(ps), user_row, &v};

    if (store_exec_as(s, &q, NULL, "reading a session", err) != 0) {
        return err->code;
    }
    return v.rows == 0 ? err_set(err, ERR_AUTH, "no session or session expired")
                       : 0;
}

int cs_session_delete(struct store *s, const char *hash, struct err *err)
{
    struct store_param ps[] = {STORE_P_TEXT(hash)};
    struct store_stmt q = {"DELETE FROM sessions WHERE hash = ?1", ps,
                           ARRAY_COUNT(ps), NULL, NULL};

    return store_exec_as(s, &q, NULL, "ending a session", err);
}

/* ---- Files -------------------------------------------------------------- */

int cs_file_put(struct store *s, const char *sha256, const void *data,
                size_t len, struct err *err)
{
    struct store_param ps[] = {STORE_P_TEXT(sha256), STORE_P_INT(len),
                               STORE_P_BLOB(data, len)};
    struct store_stmt q = {"INSERT INTO files(sha256, size, content)"
                           " VALUES(?1, ?2, ?3) ON CONFLICT(sha256) DO NOTHING",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    return store_exec_as(s, &q, NULL, "keeping the file", err);
}

static int file_row(void *ctx, const struct store_cells *row, struct err *err)
{
    struct visit *v = ctx;

    (void)err;
    if (v->rows++ == 0 && row->cells[0] != NULL) {
        buf_append(v->ctx, row->cells[0], row->lens[0]);
    }
    return 0;
}

int cs_file_get(struct store *s, const char *sha256, struct buf *out,
                struct err *err)
{
    struct visit v = {NULL, out, 0};
    struct store_param ps[] = {STORE_P_TEXT(sha256)};
    struct store_stmt q = {"SELECT content FROM files WHERE sha256 = ?1", ps,
                           ARRAY_COUNT(ps), file_row, &v};

    if (store_exec_as(s, &q, NULL, "reading a file", err) != 0) {
        return err->code;
    }
    return v.rows == 0 ? err_set(err, ERR_NOT_FOUND, "no file %.64s", sha256)
                       : 0;
}

/* ---- Submissions -------------------------------------------------------- */

#define SUB_COLS                                                               \
    "id, economy, year, state, sha256, file_name, format, created_by,"         \
    " created, address, updated, replaces, batch_id, errors, warnings"

static int sub_row(void *ctx, const struct store_cells *row, struct err *err)
{
    struct visit *v = ctx;
    struct cs_submission x = {
        .id = I(row, 0),
        .economy = T(row, 1),
        .year = (int)I(row, 2),
        .state = T(row, 3),
        .sha256 = T(row, 4),
        .file_name = T(row, 5),
        .format = T(row, 6),
        .created_by = T(row, 7),
        .created = I(row, 8),
        .address = T(row, 9),
        .updated = I(row, 10),
        .replaces = I(row, 11),
        .batch = I(row, 12),
        .errors = I(row, 13),
        .warnings = I(row, 14),
    };
    v->rows++;
    return ((cs_submission_fn)v->fn)(v->ctx, &x, err);
}

int cs_submission_add(struct store *s, const struct cs_submission *x,
                      int64_t *out_id, struct err *err)
{
    struct store_param ps[] = {
        STORE_P_TEXT(x->economy),    STORE_P_INT(x->year),
        STORE_P_TEXT(x->state),      STORE_P_TEXT(x->sha256),
        STORE_P_TEXT(x->file_name),  STORE_P_TEXT(x->format),
        STORE_P_TEXT(x->created_by), STORE_P_INT(x->created),
        STORE_P_TEXT(x->address),    STORE_P_INT(x->replaces),
        STORE_P_INT(x->errors),      STORE_P_INT(x->warnings),
    };
    struct store_stmt q = {
        "INSERT INTO submissions(id, economy, year, state, sha256,"
        " file_name, format, created_by, created, address, updated,"
        " replaces, batch_id, errors, warnings)"
        " VALUES(" NEXT_ID(
            "submissions") ", ?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                           " ?8, ?9, ?8, ?10, 0, ?11, ?12) RETURNING id",
        ps, ARRAY_COUNT(ps), store_cells_take_int, out_id};

    *out_id = 0;
    return store_exec_as(s, &q, NULL, "adding a submission", err);
}

int cs_submission_get(struct store *s, int64_t id, cs_submission_fn fn,
                      void *ctx, struct err *err)
{
    struct visit v = {(void *)fn, ctx, 0};
    struct store_param ps[] = {STORE_P_INT(id)};
    struct store_stmt q = {"SELECT " SUB_COLS " FROM submissions WHERE id = ?1",
                           ps, ARRAY_COUNT(ps), sub_row, &v};

    if (store_exec_as(s, &q, NULL, "reading a submission", err) != 0) {
        return err->code;
    }
    return v.rows == 0 ? err_set(err, ERR_NOT_FOUND, "no submission %lld",
                                 (long long)id)
                       : 0;
}

/* True if code is one of the ","-separated codes of list. */
static bool in_list(const char *list, const char *code)
{
    size_t n = strlen(code);
    const char *p = list;

    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && memcmp(p, code, n) == 0) {
            return true;
        }
        p += len;
        p += *p == ',';
    }
    return false;
}

struct sub_filter {
    const char *economies; /* "" = all */
    cs_submission_fn fn;
    void *ctx;
};

/* The economy filter of cs_submission_list, here rather than in SQL: the
 * dialects share no function that finds a code inside a list. */
static int sub_pass(void *ctx, const struct cs_submission *x, struct err *err)
{
    struct sub_filter *f = ctx;

    if (f->economies[0] != '\0' && !in_list(f->economies, x->economy)) {
        return 0;
    }
    return f->fn(f->ctx, x, err);
}

int cs_submission_list(struct store *s, const char *state,
                       const char *economies, cs_submission_fn fn, void *ctx,
                       struct err *err)
{
    struct sub_filter f = {economies ? economies : "", fn, ctx};
    struct visit v = {(void *)sub_pass, &f, 0};
    struct store_param ps[] = {STORE_P_TEXT(state)};
    struct store_stmt q = {"SELECT " SUB_COLS " FROM submissions"
                           " WHERE (?1 = '' OR state = ?1) ORDER BY id DESC",
                           ps, ARRAY_COUNT(ps), sub_row, &v};

    return store_exec_as(s, &q, NULL, "reading submissions", err);
}

int cs_submission_move(struct store *s, int64_t id, const char *from,
                       const char *to, int64_t batch, int64_t time,
                       struct err *err)
{
    int64_t changed = 0;
    struct store_param ps[] = {STORE_P_INT(id), STORE_P_TEXT(from),
                               STORE_P_TEXT(to), STORE_P_INT(batch),
                               STORE_P_INT(time)};
    struct store_stmt q = {"UPDATE submissions SET state = ?3, updated = ?5,"
                           " batch_id = CASE WHEN ?4 > 0 THEN ?4"
                           " WHEN ?4 < 0 THEN (SELECT max(id) FROM batches)"
                           " ELSE batch_id END"
                           " WHERE id = ?1 AND state = ?2",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    if (store_exec_as(s, &q, &changed, "changing a submission's state", err) !=
        0) {
        return err->code;
    }
    if (changed == 0) {
        return err_set(err, ERR_CONFLICT, "submission %lld is no longer %s",
                       (long long)id, from);
    }
    return 0;
}

int cs_submission_counts(struct store *s, int64_t id, int64_t errors,
                         int64_t warnings, struct err *err)
{
    struct store_param ps[] = {STORE_P_INT(id), STORE_P_INT(errors),
                               STORE_P_INT(warnings)};
    struct store_stmt q = {"UPDATE submissions SET errors = ?2,"
                           " warnings = ?3 WHERE id = ?1",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    return store_exec_as(s, &q, NULL, "recording validation counts", err);
}

/* ---- Values, results, comments ------------------------------------------ */

static int value_row(void *ctx, const struct store_cells *row, struct err *err)
{
    struct visit *v = ctx;
    struct cs_value x = {
        .submission = I(row, 0),
        .seq = (int)I(row, 1),
        .indicator = T(row, 2),
        .dims = T(row, 3),
        .year = (int)I(row, 4),
        .value = store_cell_double(row, 5),
        .status = T(row, 6),
        .comment = T(row, 7),
        .cell = T(row, 8),
    };
    v->rows++;
    return ((cs_value_fn)v->fn)(v->ctx, &x, err);
}

int cs_value_add(struct store *s, const struct cs_value *v, struct err *err)
{
    struct store_param ps[] = {
        STORE_P_INT(v->submission), STORE_P_INT(v->seq),
        STORE_P_TEXT(v->indicator), STORE_P_TEXT(v->dims),
        STORE_P_INT(v->year),       STORE_P_DOUBLE(v->value),
        STORE_P_TEXT(v->status),    STORE_P_TEXT(v->comment),
        STORE_P_TEXT(v->cell),
    };
    struct store_stmt q = {"INSERT INTO submission_values(submission_id,"
                           " seq, indicator, dims, year, value, status,"
                           " comment, cell) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
                           " ?7, ?8, ?9)",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    return store_exec_as(s, &q, NULL, "keeping a value", err);
}

int cs_value_list(struct store *s, int64_t submission, cs_value_fn fn,
                  void *ctx, struct err *err)
{
    struct visit v = {(void *)fn, ctx, 0};
    struct store_param ps[] = {STORE_P_INT(submission)};
    struct store_stmt q = {"SELECT submission_id, seq, indicator, dims,"
                           " year, value, status, comment, cell FROM"
                           " submission_values WHERE submission_id = ?1"
                           " ORDER BY seq",
                           ps, ARRAY_COUNT(ps), value_row, &v};

    return store_exec_as(s, &q, NULL, "reading values", err);
}

int cs_value_comment(struct store *s, int64_t submission, const char *cell,
                     const char *comment, struct err *err)
{
    int64_t changed = 0;
    struct store_param ps[] = {STORE_P_INT(submission), STORE_P_TEXT(cell),
                               STORE_P_TEXT(comment)};
    struct store_stmt q = {"UPDATE submission_values SET comment = ?3"
                           " WHERE submission_id = ?1 AND cell = ?2",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    if (store_exec_as(s, &q, &changed, "commenting a value", err) != 0) {
        return err->code;
    }
    if (changed == 0) {
        return err_set(err, ERR_NOT_FOUND,
                       "no value at %s in submission "
                       "%lld",
                       cell, (long long)submission);
    }
    return 0;
}

static int result_row(void *ctx, const struct store_cells *row, struct err *err)
{
    struct visit *v = ctx;
    struct cs_result r = {
        .submission = I(row, 0),
        .rule_id = T(row, 1),
        .severity = T(row, 2),
        .outcome = T(row, 3),
        .detail = T(row, 4),
    };
    v->rows++;
    return ((cs_result_fn)v->fn)(v->ctx, &r, err);
}

int cs_result_put(struct store *s, const struct cs_result *r, struct err *err)
{
    struct store_param ps[] = {
        STORE_P_INT(r->submission), STORE_P_TEXT(r->rule_id),
        STORE_P_TEXT(r->severity),  STORE_P_TEXT(r->outcome),
        STORE_P_TEXT(r->detail),
    };
    struct store_stmt q = {"INSERT INTO submission_results(submission_id,"
                           " rule_id, severity, outcome, detail)"
                           " VALUES(?1, ?2, ?3, ?4, ?5)"
                           " ON CONFLICT(submission_id, rule_id) DO UPDATE"
                           " SET severity = ?3, outcome = ?4, detail = ?5",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    return store_exec_as(s, &q, NULL, "keeping a rule result", err);
}

int cs_result_list(struct store *s, int64_t submission, cs_result_fn fn,
                   void *ctx, struct err *err)
{
    struct visit v = {(void *)fn, ctx, 0};
    struct store_param ps[] = {STORE_P_INT(submission)};
    struct store_stmt q = {"SELECT submission_id, rule_id, severity,"
                           " outcome, detail FROM submission_results"
                           " WHERE submission_id = ?1 ORDER BY rule_id",
                           ps, ARRAY_COUNT(ps), result_row, &v};

    return store_exec_as(s, &q, NULL, "reading rule results", err);
}

static int comment_row(void *ctx, const struct store_cells *row,
                       struct err *err)
{
    struct visit *v = ctx;
    struct cs_comment c = {
        .id = I(row, 0),
        .submission = I(row, 1),
        .cell = T(row, 2),
        .author = T(row, 3),
        .time = I(row, 4),
        .text = T(row, 5),
    };
    v->rows++;
    return ((cs_comment_fn)v->fn)(v->ctx, &c, err);
}

int cs_comment_add(struct store *s, const struct cs_comment *c, struct err *err)
{
    struct store_param ps[] = {STORE_P_INT(c->submission),
                               STORE_P_TEXT(c->cell), STORE_P_TEXT(c->author),
                               STORE_P_INT(c->time), STORE_P_TEXT(c->text)};
    struct store_stmt q = {"INSERT INTO review_comments(id, submission_id,"
                           " cell, author, time, text)"
                           " VALUES(" NEXT_ID("review_comments") ", ?1, ?2,"
                                                                 " ?3, ?4, ?5)",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    return store_exec_as(s, &q, NULL, "adding a comment", err);
}

int cs_comment_list(struct store *s, int64_t submission, cs_comment_fn fn,
                    void *ctx, struct err *err)
{
    struct visit v = {(void *)fn, ctx, 0};
    struct store_param ps[] = {STORE_P_INT(submission)};
    struct store_stmt q = {"SELECT id, submission_id, cell, author, time,"
                           " text FROM review_comments"
                           " WHERE submission_id = ?1 ORDER BY id",
                           ps, ARRAY_COUNT(ps), comment_row, &v};

    return store_exec_as(s, &q, NULL, "reading comments", err);
}

/* ---- Rules -------------------------------------------------------------- */

int cs_rules_clear(struct store *s, struct err *err)
{
    struct store_stmt q = {"DELETE FROM rules", NULL, 0, NULL, NULL};

    return store_exec_as(s, &q, NULL, "clearing the rules", err);
}

int cs_rule_put(struct store *s, const struct cs_rule *r, struct err *err)
{
    struct store_param ps[] = {
        STORE_P_TEXT(r->id),         STORE_P_TEXT(r->severity),
        STORE_P_TEXT(r->kind),       STORE_P_TEXT(r->indicators),
        STORE_P_TEXT(r->expression), STORE_P_TEXT(r->message),
    };
    struct store_stmt q = {"INSERT INTO rules(id, severity, kind, indicators,"
                           " expression, message)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
                           " ON CONFLICT(id) DO UPDATE SET severity = ?2,"
                           " kind = ?3, indicators = ?4, expression = ?5,"
                           " message = ?6",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    return store_exec_as(s, &q, NULL, "keeping a rule", err);
}

static int rule_row(void *ctx, const struct store_cells *row, struct err *err)
{
    struct visit *v = ctx;
    struct cs_rule r = {T(row, 0), T(row, 1), T(row, 2),
                        T(row, 3), T(row, 4), T(row, 5)};

    v->rows++;
    return ((cs_rule_fn)v->fn)(v->ctx, &r, err);
}

int cs_rule_list(struct store *s, cs_rule_fn fn, void *ctx, struct err *err)
{
    struct visit v = {(void *)fn, ctx, 0};
    struct store_stmt q = {"SELECT id, severity, kind, indicators,"
                           " expression, message FROM rules ORDER BY id",
                           NULL, 0, rule_row, &v};

    return store_exec_as(s, &q, NULL, "reading the rules", err);
}

/* ---- Audit -------------------------------------------------------------- */

int cs_audit_add(struct store *s, const struct cs_audit *a, struct err *err)
{
    struct store_param ps[] = {
        STORE_P_INT(a->time),     STORE_P_TEXT(a->actor),
        STORE_P_TEXT(a->address), STORE_P_TEXT(a->action),
        STORE_P_TEXT(a->object),  STORE_P_TEXT(a->before),
        STORE_P_TEXT(a->after),
    };
    struct store_stmt q = {"INSERT INTO audit(id, time, actor, address,"
                           " action, object, before, after)"
                           " VALUES(" NEXT_ID("audit") ", ?1, ?2, ?3, ?4, ?5,"
                                                       " ?6, ?7)",
                           ps, ARRAY_COUNT(ps), NULL, NULL};

    return store_exec_as(s, &q, NULL, "writing the audit log", err);
}

static int audit_row(void *ctx, const struct store_cells *row, struct err *err)
{
    struct visit *v = ctx;
    struct cs_audit a = {
        .id = I(row, 0),
        .time = I(row, 1),
        .actor = T(row, 2),
        .address = T(row, 3),
        .action = T(row, 4),
        .object = T(row, 5),
        .before = T(row, 6),
        .after = T(row, 7),
    };
    v->rows++;
    return ((cs_audit_fn)v->fn)(v->ctx, &a, err);
}

int cs_audit_list(struct store *s, const struct cs_audit_filter *f,
                  cs_audit_fn fn, void *ctx, struct err *err)
{
    struct visit v = {(void *)fn, ctx, 0};
    struct store_param ps[] = {
        STORE_P_TEXT(f->actor),
        STORE_P_TEXT(f->action),
        STORE_P_TEXT(f->object),
        STORE_P_INT(f->since),
        /* LIMIT: PostgreSQL refuses SQLite's -1 for "no limit". */
        STORE_P_INT(f->limit ? (int64_t)f->limit : INT64_MAX),
    };
    struct store_stmt q = {"SELECT id, time, actor, address, action, object,"
                           " before, after FROM audit"
                           " WHERE (?1 = '' OR actor = ?1)"
                           " AND (?2 = '' OR substr(action, 1, length(?2))"
                           " = ?2) AND (?3 = '' OR object = ?3)"
                           " AND time >= ?4 ORDER BY id LIMIT ?5",
                           ps, ARRAY_COUNT(ps), audit_row, &v};

    return store_exec_as(s, &q, NULL, "reading the audit log", err);
}

/* ---- Backup and restore ------------------------------------------------- */

int store_backup_check(struct store *s, const char *what, struct err *err)
{
    if (s->ops->backup == NULL || s->ops->restore == NULL) {
        return err_set(err, ERR_INVALID,
                       "%s: the PostgreSQL store is backed up with pg_dump "
                       "and restored with pg_restore",
                       what);
    }
    return 0;
}

int store_backup(struct store *s, const char *path, struct err *err)
{
    if (store_backup_check(s, "backup", err) != 0) {
        return err->code;
    }
    return s->ops->backup(s, path, err);
}

int store_restore(struct store *s, const char *path, struct err *err)
{
    if (store_backup_check(s, "restore", err) != 0) {
        return err->code;
    }
    return s->ops->restore(s, path, err);
}
