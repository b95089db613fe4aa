/* Data-collection tables in SQLite (see collect_store.h; schema migration 2
 * of store_sqlite.c). Statements are prepared per call: collection writes
 * are a handful per request, far from any hot path. Every value is bound;
 * no outside text enters SQL. */
#include "collect_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/mem.h"
#include "store_int.h"

/* ---- Helpers ------------------------------------------------------------ */

static sqlite3 *db_of(struct store *s, struct err *err)
{
    sqlite3 *db = store_sqlite_handle(s);

    if (db == NULL) {
        err_set(err, ERR_STORAGE,
                "data collection is not supported by this store backend");
    }
    return db;
}

static int fail(sqlite3 *db, sqlite3_stmt *st, const char *what,
                struct err *err)
{
    int code =
        sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE ||
                sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_PRIMARYKEY
            ? ERR_CONFLICT
            : ERR_STORAGE;

    err_set(err, code, "%s: %s", what, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return code;
}

/* Prepare sql on s; NULL with err on failure. */
static sqlite3_stmt *prep(struct store *s, const char *sql, struct err *err)
{
    sqlite3 *db = db_of(s, err);
    sqlite3_stmt *st = NULL;

    if (db == NULL) {
        return NULL;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(db, st, "prepare", err);
        return NULL;
    }
    return st;
}

static void bt(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static const char *ct(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t ? (const char *)t : "";
}

/* Step a statement that returns no rows, then finalize it. */
static int run(sqlite3_stmt *st, const char *what, struct err *err)
{
    sqlite3 *db = sqlite3_db_handle(st);

    if (sqlite3_step(st) != SQLITE_DONE) {
        return fail(db, st, what, err);
    }
    sqlite3_finalize(st);
    return 0;
}

/* Step through rows, calling row(st, fn, ctx, err) for each; finalize.
 * *out_rows (may be NULL) counts them. */
typedef int (*row_fn)(sqlite3_stmt *st, void *fn, void *ctx, struct err *err);

static int each(sqlite3_stmt *st, row_fn row, void *fn, void *ctx,
                size_t *out_rows, struct err *err)
{
    sqlite3 *db = sqlite3_db_handle(st);
    size_t n = 0;
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        if (row(st, fn, ctx, err) != 0) {
            sqlite3_finalize(st);
            return err->code;
        }
    }
    if (rc != SQLITE_DONE) {
        return fail(db, st, "reading", err);
    }
    sqlite3_finalize(st);
    if (out_rows != NULL) {
        *out_rows = n;
    }
    return 0;
}

/* ---- Users, tokens, sessions --------------------------------------------- */

#define USER_COLS                                                              \
    "u.id, u.name, u.role, u.economies, u.password, u.disabled,"               \
    " u.created"

static int user_row(sqlite3_stmt *st, void *fn, void *ctx, struct err *err)
{
    struct cs_user u = {
        .id = sqlite3_column_int64(st, 0),
        .name = ct(st, 1),
        .role = ct(st, 2),
        .economies = ct(st, 3),
        .password = ct(st, 4),
        .disabled = sqlite3_column_int(st, 5) != 0,
        .created = sqlite3_column_int64(st, 6),
    };
    return ((cs_user_fn)fn)(ctx, &u, err);
}

int cs_user_add(struct store *s, const struct cs_user *u, int64_t *out_id,
                struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "INSERT INTO users(name, role, economies,"
                            " password, disabled, created)"
                            " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                            err);

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, u->name);
    bt(st, 2, u->role);
    bt(st, 3, u->economies);
    bt(st, 4, u->password);
    sqlite3_bind_int(st, 5, u->disabled);
    sqlite3_bind_int64(st, 6, u->created);
    if (run(st, "adding a user", err) != 0) {
        if (err->code == ERR_CONFLICT) {
            err_set(err, ERR_CONFLICT, "user '%s' exists", u->name);
        }
        return err->code;
    }
    if (out_id != NULL) {
        *out_id = sqlite3_last_insert_rowid(store_sqlite_handle(s));
    }
    return 0;
}

int cs_user_update(struct store *s, const struct cs_user *u, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "UPDATE users SET role=?2, economies=?3,"
                            " password=?4, disabled=?5 WHERE name=?1",
                            err);

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, u->name);
    bt(st, 2, u->role);
    bt(st, 3, u->economies);
    bt(st, 4, u->password);
    sqlite3_bind_int(st, 5, u->disabled);
    if (run(st, "updating a user", err) != 0) {
        return err->code;
    }
    if (sqlite3_changes(store_sqlite_handle(s)) == 0) {
        return err_set(err, ERR_NOT_FOUND, "no user '%s'", u->name);
    }
    return 0;
}

int cs_user_get(struct store *s, const char *name, cs_user_fn fn, void *ctx,
                struct err *err)
{
    sqlite3_stmt *st =
        prep(s, "SELECT " USER_COLS " FROM users u WHERE u.name = ?1", err);
    size_t n = 0;

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, name);
    if (each(st, user_row, (void *)fn, ctx, &n, err) != 0) {
        return err->code;
    }
    return n == 0 ? err_set(err, ERR_NOT_FOUND, "no user '%s'", name) : 0;
}

int cs_user_list(struct store *s, cs_user_fn fn, void *ctx, struct err *err)
{
    sqlite3_stmt *st =
        prep(s, "SELECT " USER_COLS " FROM users u ORDER BY u.name", err);

    if (st == NULL) {
        return err->code;
    }
    return each(st, user_row, (void *)fn, ctx, NULL, err);
}

int cs_token_add(struct store *s, int64_t user_id, const char *hash,
                 const char *label, int64_t time, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "INSERT INTO tokens(user_id, hash, label,"
                            " created) VALUES(?1, ?2, ?3, ?4)",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, user_id);
    bt(st, 2, hash);
    bt(st, 3, label);
    sqlite3_bind_int64(st, 4, time);
    return run(st, "adding a token", err);
}

int cs_token_user(struct store *s, const char *hash, cs_user_fn fn, void *ctx,
                  struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "SELECT " USER_COLS " FROM tokens t"
                            " JOIN users u ON u.id = t.user_id"
                            " WHERE t.hash = ?1 AND t.revoked IS NULL"
                            " AND u.disabled = 0",
                            err);
    size_t n = 0;

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, hash);
    if (each(st, user_row, (void *)fn, ctx, &n, err) != 0) {
        return err->code;
    }
    return n == 0 ? err_set(err, ERR_AUTH, "unknown or revoked token") : 0;
}

int cs_token_revoke_all(struct store *s, int64_t user_id, int64_t time,
                        int64_t *out_count, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "UPDATE tokens SET revoked = ?2"
                            " WHERE user_id = ?1 AND revoked IS NULL",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, time);
    if (run(st, "revoking tokens", err) != 0) {
        return err->code;
    }
    if (out_count != NULL) {
        *out_count = sqlite3_changes(store_sqlite_handle(s));
    }
    return 0;
}

int cs_session_add(struct store *s, const char *hash, int64_t user_id,
                   int64_t created, int64_t expires, const char *address,
                   struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "INSERT INTO sessions(hash, user_id, created,"
                            " expires, address) VALUES(?1, ?2, ?3, ?4, ?5)",
                            err);

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, hash);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, created);
    sqlite3_bind_int64(st, 4, expires);
    bt(st, 5, address);
    return run(st, "adding a session", err);
}

int cs_session_user(struct store *s, const char *hash, int64_t now,
                    cs_user_fn fn, void *ctx, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "SELECT " USER_COLS " FROM sessions x"
                            " JOIN users u ON u.id = x.user_id"
                            " WHERE x.hash = ?1 AND x.expires > ?2"
                            " AND u.disabled = 0",
                            err);
    size_t n = 0;

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, hash);
    sqlite3_bind_int64(st, 2, now);
    if (each(st, user_row, (void *)fn, ctx, &n, err) != 0) {
        return err->code;
    }
    return n == 0 ? err_set(err, ERR_AUTH, "no session or session expired") : 0;
}

int cs_session_delete(struct store *s, const char *hash, struct err *err)
{
    sqlite3_stmt *st = prep(s, "DELETE FROM sessions WHERE hash = ?1", err);

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, hash);
    return run(st, "ending a session", err);
}

/* ---- Files -------------------------------------------------------------- */

int cs_file_put(struct store *s, const char *sha256, const void *data,
                size_t len, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "INSERT OR IGNORE INTO files(sha256, size,"
                            " content) VALUES(?1, ?2, ?3)",
                            err);

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, sha256);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
    sqlite3_bind_blob64(st, 3, len ? data : "", len, SQLITE_STATIC);
    return run(st, "keeping the file", err);
}

int cs_file_get(struct store *s, const char *sha256, struct buf *out,
                struct err *err)
{
    sqlite3_stmt *st =
        prep(s, "SELECT content FROM files WHERE sha256 = ?1", err);
    int rc;

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, sha256);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        buf_append(out, sqlite3_column_blob(st, 0),
                   (size_t)sqlite3_column_bytes(st, 0));
        sqlite3_finalize(st);
        return 0;
    }
    if (rc != SQLITE_DONE) {
        return fail(sqlite3_db_handle(st), st, "reading a file", err);
    }
    sqlite3_finalize(st);
    return err_set(err, ERR_NOT_FOUND, "no file %.64s", sha256);
}

/* ---- Submissions -------------------------------------------------------- */

#define SUB_COLS                                                               \
    "id, economy, year, state, sha256, file_name, format, created_by,"         \
    " created, address, updated, replaces, batch_id, errors, warnings"

static int sub_row(sqlite3_stmt *st, void *fn, void *ctx, struct err *err)
{
    struct cs_submission x = {
        .id = sqlite3_column_int64(st, 0),
        .economy = ct(st, 1),
        .year = sqlite3_column_int(st, 2),
        .state = ct(st, 3),
        .sha256 = ct(st, 4),
        .file_name = ct(st, 5),
        .format = ct(st, 6),
        .created_by = ct(st, 7),
        .created = sqlite3_column_int64(st, 8),
        .address = ct(st, 9),
        .updated = sqlite3_column_int64(st, 10),
        .replaces = sqlite3_column_int64(st, 11),
        .batch = sqlite3_column_int64(st, 12),
        .errors = sqlite3_column_int64(st, 13),
        .warnings = sqlite3_column_int64(st, 14),
    };
    return ((cs_submission_fn)fn)(ctx, &x, err);
}

int cs_submission_add(struct store *s, const struct cs_submission *x,
                      int64_t *out_id, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "INSERT INTO submissions(economy, year, state,"
                            " sha256, file_name, format, created_by, created,"
                            " address, updated, replaces, batch_id, errors,"
                            " warnings) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                            " ?8, ?9, ?8, ?10, 0, ?11, ?12)",
                            err);

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, x->economy);
    sqlite3_bind_int(st, 2, x->year);
    bt(st, 3, x->state);
    bt(st, 4, x->sha256);
    bt(st, 5, x->file_name);
    bt(st, 6, x->format);
    bt(st, 7, x->created_by);
    sqlite3_bind_int64(st, 8, x->created);
    bt(st, 9, x->address);
    sqlite3_bind_int64(st, 10, x->replaces);
    sqlite3_bind_int64(st, 11, x->errors);
    sqlite3_bind_int64(st, 12, x->warnings);
    if (run(st, "adding a submission", err) != 0) {
        return err->code;
    }
    *out_id = sqlite3_last_insert_rowid(store_sqlite_handle(s));
    return 0;
}

int cs_submission_get(struct store *s, int64_t id, cs_submission_fn fn,
                      void *ctx, struct err *err)
{
    sqlite3_stmt *st =
        prep(s, "SELECT " SUB_COLS " FROM submissions WHERE id = ?1", err);
    size_t n = 0;

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, id);
    if (each(st, sub_row, (void *)fn, ctx, &n, err) != 0) {
        return err->code;
    }
    return n == 0 ? err_set(err, ERR_NOT_FOUND, "no submission %lld",
                            (long long)id)
                  : 0;
}

int cs_submission_list(struct store *s, const char *state,
                       const char *economies, cs_submission_fn fn, void *ctx,
                       struct err *err)
{
    /* economies is matched as a whole code inside ",LIST,". */
    sqlite3_stmt *st = prep(s,
                            "SELECT " SUB_COLS " FROM submissions"
                            " WHERE (?1 = '' OR state = ?1)"
                            " AND (?2 = '' OR instr(',' || ?2 || ',',"
                            " ',' || economy || ',') > 0)"
                            " ORDER BY id DESC",
                            err);

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, state);
    bt(st, 2, economies);
    return each(st, sub_row, (void *)fn, ctx, NULL, err);
}

int cs_submission_move(struct store *s, int64_t id, const char *from,
                       const char *to, int64_t batch, int64_t time,
                       struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "UPDATE submissions SET state = ?3, updated = ?5,"
                            " batch_id = CASE WHEN ?4 > 0 THEN ?4"
                            " WHEN ?4 < 0 THEN (SELECT max(id) FROM batches)"
                            " ELSE batch_id END"
                            " WHERE id = ?1 AND state = ?2",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, id);
    bt(st, 2, from);
    bt(st, 3, to);
    sqlite3_bind_int64(st, 4, batch);
    sqlite3_bind_int64(st, 5, time);
    if (run(st, "changing a submission's state", err) != 0) {
        return err->code;
    }
    if (sqlite3_changes(store_sqlite_handle(s)) == 0) {
        return err_set(err, ERR_CONFLICT, "submission %lld is no longer %s",
                       (long long)id, from);
    }
    return 0;
}

int cs_submission_counts(struct store *s, int64_t id, int64_t errors,
                         int64_t warnings, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "UPDATE submissions SET errors = ?2,"
                            " warnings = ?3 WHERE id = ?1",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, errors);
    sqlite3_bind_int64(st, 3, warnings);
    return run(st, "recording validation counts", err);
}

/* ---- Values, results, comments ------------------------------------------ */

static int value_row(sqlite3_stmt *st, void *fn, void *ctx, struct err *err)
{
    struct cs_value v = {
        .submission = sqlite3_column_int64(st, 0),
        .seq = sqlite3_column_int(st, 1),
        .indicator = ct(st, 2),
        .dims = ct(st, 3),
        .year = sqlite3_column_int(st, 4),
        .value = sqlite3_column_double(st, 5),
        .status = ct(st, 6),
        .comment = ct(st, 7),
        .cell = ct(st, 8),
    };
    return ((cs_value_fn)fn)(ctx, &v, err);
}

int cs_value_add(struct store *s, const struct cs_value *v, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "INSERT INTO submission_values(submission_id,"
                            " seq, indicator, dims, year, value, status,"
                            " comment, cell) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
                            " ?7, ?8, ?9)",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, v->submission);
    sqlite3_bind_int(st, 2, v->seq);
    bt(st, 3, v->indicator);
    bt(st, 4, v->dims);
    sqlite3_bind_int(st, 5, v->year);
    sqlite3_bind_double(st, 6, v->value);
    bt(st, 7, v->status);
    bt(st, 8, v->comment);
    bt(st, 9, v->cell);
    return run(st, "keeping a value", err);
}

int cs_value_list(struct store *s, int64_t submission, cs_value_fn fn,
                  void *ctx, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "SELECT submission_id, seq, indicator, dims,"
                            " year, value, status, comment, cell FROM"
                            " submission_values WHERE submission_id = ?1"
                            " ORDER BY seq",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, submission);
    return each(st, value_row, (void *)fn, ctx, NULL, err);
}

int cs_value_comment(struct store *s, int64_t submission, const char *cell,
                     const char *comment, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "UPDATE submission_values SET comment = ?3"
                            " WHERE submission_id = ?1 AND cell = ?2",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, submission);
    bt(st, 2, cell);
    bt(st, 3, comment);
    if (run(st, "commenting a value", err) != 0) {
        return err->code;
    }
    if (sqlite3_changes(store_sqlite_handle(s)) == 0) {
        return err_set(err, ERR_NOT_FOUND,
                       "no value at %s in submission "
                       "%lld",
                       cell, (long long)submission);
    }
    return 0;
}

static int result_row(sqlite3_stmt *st, void *fn, void *ctx, struct err *err)
{
    struct cs_result r = {
        .submission = sqlite3_column_int64(st, 0),
        .rule_id = ct(st, 1),
        .severity = ct(st, 2),
        .outcome = ct(st, 3),
        .detail = ct(st, 4),
    };
    return ((cs_result_fn)fn)(ctx, &r, err);
}

int cs_result_put(struct store *s, const struct cs_result *r, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "INSERT OR REPLACE INTO submission_results("
                            "submission_id, rule_id, severity, outcome,"
                            " detail) VALUES(?1, ?2, ?3, ?4, ?5)",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, r->submission);
    bt(st, 2, r->rule_id);
    bt(st, 3, r->severity);
    bt(st, 4, r->outcome);
    bt(st, 5, r->detail);
    return run(st, "keeping a rule result", err);
}

int cs_result_list(struct store *s, int64_t submission, cs_result_fn fn,
                   void *ctx, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "SELECT submission_id, rule_id, severity,"
                            " outcome, detail FROM submission_results"
                            " WHERE submission_id = ?1 ORDER BY rule_id",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, submission);
    return each(st, result_row, (void *)fn, ctx, NULL, err);
}

static int comment_row(sqlite3_stmt *st, void *fn, void *ctx, struct err *err)
{
    struct cs_comment c = {
        .id = sqlite3_column_int64(st, 0),
        .submission = sqlite3_column_int64(st, 1),
        .cell = ct(st, 2),
        .author = ct(st, 3),
        .time = sqlite3_column_int64(st, 4),
        .text = ct(st, 5),
    };
    return ((cs_comment_fn)fn)(ctx, &c, err);
}

int cs_comment_add(struct store *s, const struct cs_comment *c, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "INSERT INTO review_comments(submission_id, cell,"
                            " author, time, text) VALUES(?1, ?2, ?3, ?4, ?5)",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, c->submission);
    bt(st, 2, c->cell);
    bt(st, 3, c->author);
    sqlite3_bind_int64(st, 4, c->time);
    bt(st, 5, c->text);
    return run(st, "adding a comment", err);
}

int cs_comment_list(struct store *s, int64_t submission, cs_comment_fn fn,
                    void *ctx, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "SELECT id, submission_id, cell, author, time,"
                            " text FROM review_comments"
                            " WHERE submission_id = ?1 ORDER BY id",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, submission);
    return each(st, comment_row, (void *)fn, ctx, NULL, err);
}

/* ---- Rules -------------------------------------------------------------- */

int cs_rules_clear(struct store *s, struct err *err)
{
    sqlite3_stmt *st = prep(s, "DELETE FROM rules", err);

    return st ? run(st, "clearing the rules", err) : err->code;
}

int cs_rule_put(struct store *s, const struct cs_rule *r, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "INSERT OR REPLACE INTO rules(id, severity, kind,"
                            " indicators, expression, message)"
                            " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                            err);

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, r->id);
    bt(st, 2, r->severity);
    bt(st, 3, r->kind);
    bt(st, 4, r->indicators);
    bt(st, 5, r->expression);
    bt(st, 6, r->message);
    return run(st, "keeping a rule", err);
}

static int rule_row(sqlite3_stmt *st, void *fn, void *ctx, struct err *err)
{
    struct cs_rule r = {ct(st, 0), ct(st, 1), ct(st, 2),
                        ct(st, 3), ct(st, 4), ct(st, 5)};
    return ((cs_rule_fn)fn)(ctx, &r, err);
}

int cs_rule_list(struct store *s, cs_rule_fn fn, void *ctx, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "SELECT id, severity, kind, indicators,"
                            " expression, message FROM rules ORDER BY id",
                            err);

    if (st == NULL) {
        return err->code;
    }
    return each(st, rule_row, (void *)fn, ctx, NULL, err);
}

/* ---- Audit -------------------------------------------------------------- */

int cs_audit_add(struct store *s, const struct cs_audit *a, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "INSERT INTO audit(time, actor, address, action,"
                            " object, before, after)"
                            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                            err);

    if (st == NULL) {
        return err->code;
    }
    sqlite3_bind_int64(st, 1, a->time);
    bt(st, 2, a->actor);
    bt(st, 3, a->address);
    bt(st, 4, a->action);
    bt(st, 5, a->object);
    bt(st, 6, a->before);
    bt(st, 7, a->after);
    return run(st, "writing the audit log", err);
}

static int audit_row(sqlite3_stmt *st, void *fn, void *ctx, struct err *err)
{
    struct cs_audit a = {
        .id = sqlite3_column_int64(st, 0),
        .time = sqlite3_column_int64(st, 1),
        .actor = ct(st, 2),
        .address = ct(st, 3),
        .action = ct(st, 4),
        .object = ct(st, 5),
        .before = ct(st, 6),
        .after = ct(st, 7),
    };
    return ((cs_audit_fn)fn)(ctx, &a, err);
}

int cs_audit_list(struct store *s, const struct cs_audit_filter *f,
                  cs_audit_fn fn, void *ctx, struct err *err)
{
    sqlite3_stmt *st = prep(s,
                            "SELECT id, time, actor, address, action, object,"
                            " before, after FROM audit"
                            " WHERE (?1 = '' OR actor = ?1)"
                            " AND (?2 = '' OR substr(action, 1, length(?2))"
                            " = ?2) AND (?3 = '' OR object = ?3)"
                            " AND time >= ?4 ORDER BY id LIMIT ?5",
                            err);

    if (st == NULL) {
        return err->code;
    }
    bt(st, 1, f->actor);
    bt(st, 2, f->action);
    bt(st, 3, f->object);
    sqlite3_bind_int64(st, 4, f->since);
    sqlite3_bind_int64(st, 5, f->limit ? (sqlite3_int64)f->limit : -1);
    return each(st, audit_row, (void *)fn, ctx, NULL, err);
}

/* ---- Backup and restore ------------------------------------------------- */

/* Copy src into dst with the online backup API, all pages in one step. */
static int copy_db(sqlite3 *dst, sqlite3 *src, const char *what,
                   struct err *err)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    int rc;

    if (b == NULL) {
        return err_set(err, ERR_STORAGE, "%s: %s", what, sqlite3_errmsg(dst));
    }
    rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        return err_set(err,
                       rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? ERR_CONFLICT
                                                                : ERR_STORAGE,
                       "%s: %s", what, sqlite3_errstr(rc));
    }
    return 0;
}

int store_backup(struct store *s, const char *path, struct err *err)
{
    sqlite3 *src = db_of(s, err);
    sqlite3 *dst = NULL;
    struct stat st;
    int rc;

    if (src == NULL) {
        return err->code;
    }
    if (stat(path, &st) == 0) {
        return err_set(err, ERR_CONFLICT,
                       "%s exists; a backup never "
                       "overwrites a file",
                       path);
    }
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        err_set(err, ERR_IO, "%s: %s", path,
                dst ? sqlite3_errmsg(dst) : "cannot create");
        sqlite3_close(dst);
        return err->code;
    }
    rc = copy_db(dst, src, path, err);
    sqlite3_close(dst);
    if (rc != 0) {
        (void)remove(path);
    }
    return rc;
}

static int check_backup(sqlite3 *db, const char *path, struct err *err)
{
    sqlite3_stmt *st = NULL;
    int app = 0;
    int version = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT application_id FROM"
                           " pragma_application_id),"
                           " (SELECT user_version FROM pragma_user_version)",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return err_set(err, ERR_CONFLICT, "%s is not an ictdev store", path);
    }
    app = sqlite3_column_int(st, 0);
    version = sqlite3_column_int(st, 1);
    sqlite3_finalize(st);
    if (app != 0x49435444) {
        return err_set(err, ERR_CONFLICT, "%s is not an ictdev store", path);
    }
    if (version > STORE_SCHEMA_VERSION) {
        return err_set(err, ERR_CONFLICT,
                       "%s has schema version %d, newer than this ictdev", path,
                       version);
    }
    return 0;
}

int store_restore(struct store *s, const char *path, struct err *err)
{
    sqlite3 *dst = db_of(s, err);
    sqlite3 *src = NULL;
    struct stat st;
    int rc;

    if (dst == NULL) {
        return err->code;
    }
    if (stat(path, &st) != 0) {
        return err_set(err, ERR_NOT_FOUND, "no backup at %s", path);
    }
    if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        err_set(err, ERR_IO, "%s: %s", path,
                src ? sqlite3_errmsg(src) : "cannot open");
        sqlite3_close(src);
        return err->code;
    }
    rc = check_backup(src, path, err);
    if (rc == 0) {
        rc = copy_db(dst, src, "restoring", err);
    }
    sqlite3_close(src);
    return rc;
}
