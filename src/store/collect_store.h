/* Storage of data collection (issue 8): users, API tokens, portal
 * sessions, uploaded files by SHA-256, submissions with their values, rule
 * results and review comments, the validation rules, the audit log, and
 * whole-store backup and restore. On both backends (through store_exec,
 * store_int.h), except backup and restore, which are SQLite's (a
 * PostgreSQL store has pg_dump); the tables are schema migration 2 of
 * store_sql.c. Ids (users, submissions, comments, audit) are the same on
 * both backends for the same sequence of writes.
 *
 * Every function runs in whatever transaction the caller has open
 * (store_begin, or a batch for an approval, so that the state change
 * commits with the observations or not at all); outside one, each
 * statement is its own transaction. Rows handed to callbacks are borrowed
 * until the callback returns. Strings in rows are never NULL ("" instead).
 * Errors: ERR_STORAGE (database), ERR_NOT_FOUND (no such row),
 * ERR_CONFLICT (a name taken, a state that changed meanwhile), ERR_AUTH
 * (unknown, revoked or expired credentials), a callback's own code. */
#ifndef ICTDEV_STORE_COLLECT_STORE_H
#define ICTDEV_STORE_COLLECT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"
#include "store.h"

struct cs_user {
    int64_t id;
    const char *name;
    const char *role;      /* admin, analyst, focal, viewer */
    const char *economies; /* "KEN,UGA" or "" */
    const char *password;  /* Argon2id string or "" (no portal login) */
    bool disabled;
    int64_t created; /* Unix seconds */
};
typedef int (*cs_user_fn)(void *ctx, const struct cs_user *u, struct err *err);

/* Add u (id ignored); *out_id (may be NULL) gets the new id. ERR_CONFLICT
 * if the name exists. */
int cs_user_add(struct store *s, const struct cs_user *u, int64_t *out_id,
                struct err *err) WARN_UNUSED_RESULT;
/* Replace role, economies, password and disabled of the user named
 * u->name. ERR_NOT_FOUND if there is none. */
int cs_user_update(struct store *s, const struct cs_user *u,
                   struct err *err) WARN_UNUSED_RESULT;
/* The user named name (ERR_NOT_FOUND), or every user by name. */
int cs_user_get(struct store *s, const char *name, cs_user_fn fn, void *ctx,
                struct err *err) WARN_UNUSED_RESULT;
int cs_user_list(struct store *s, cs_user_fn fn, void *ctx,
                 struct err *err) WARN_UNUSED_RESULT;

/* API tokens: only the SHA-256 hex of the token is stored. */
int cs_token_add(struct store *s, int64_t user_id, const char *hash,
                 const char *label, int64_t time,
                 struct err *err) WARN_UNUSED_RESULT;
/* The enabled user owning the unrevoked token hash; ERR_AUTH otherwise. */
int cs_token_user(struct store *s, const char *hash, cs_user_fn fn, void *ctx,
                  struct err *err) WARN_UNUSED_RESULT;
/* Revoke every token of user_id at time; *out_count (may be NULL) gets
 * how many. */
int cs_token_revoke_all(struct store *s, int64_t user_id, int64_t time,
                        int64_t *out_count, struct err *err) WARN_UNUSED_RESULT;

/* Portal sessions, also by hash. */
int cs_session_add(struct store *s, const char *hash, int64_t user_id,
                   int64_t created, int64_t expires, const char *address,
                   struct err *err) WARN_UNUSED_RESULT;
/* The enabled user of a session that has not expired at now; ERR_AUTH
 * otherwise. */
int cs_session_user(struct store *s, const char *hash, int64_t now,
                    cs_user_fn fn, void *ctx,
                    struct err *err) WARN_UNUSED_RESULT;
int cs_session_delete(struct store *s, const char *hash,
                      struct err *err) WARN_UNUSED_RESULT;

/* Files by content: putting the same content twice keeps one copy. */
int cs_file_put(struct store *s, const char *sha256, const void *data,
                size_t len, struct err *err) WARN_UNUSED_RESULT;
/* Append the file's bytes to out. ERR_NOT_FOUND if unknown. */
int cs_file_get(struct store *s, const char *sha256, struct buf *out,
                struct err *err) WARN_UNUSED_RESULT;

struct cs_submission {
    int64_t id;
    const char *economy;
    int year;
    const char *state; /* draft, submitted, returned, resubmitted, approved */
    const char *sha256;
    const char *file_name;
    const char *format; /* xlsx, csv, sdmx-csv */
    const char *created_by;
    int64_t created;
    const char *address; /* client address or "cli" */
    int64_t updated;
    int64_t replaces; /* id of the returned submission it replaces, or 0 */
    int64_t batch;    /* batch of the approval, or 0 */
    int64_t errors;   /* failed error rules at the last validation */
    int64_t warnings; /* failed warning rules */
};
typedef int (*cs_submission_fn)(void *ctx, const struct cs_submission *sub,
                                struct err *err);

int cs_submission_add(struct store *s, const struct cs_submission *sub,
                      int64_t *out_id, struct err *err) WARN_UNUSED_RESULT;
/* ERR_NOT_FOUND if there is no submission id. */
int cs_submission_get(struct store *s, int64_t id, cs_submission_fn fn,
                      void *ctx, struct err *err) WARN_UNUSED_RESULT;
/* Submissions, newest first, optionally only in state and for economies
 * (a ","-separated list; NULL or "" = all). */
int cs_submission_list(struct store *s, const char *state,
                       const char *economies, cs_submission_fn fn, void *ctx,
                       struct err *err) WARN_UNUSED_RESULT;
/* Move submission id from state from to state to, recording batch when
 * > 0, or the newest batch (the one open in this transaction) when < 0.
 * ERR_CONFLICT if it is no longer in from (a concurrent change). */
int cs_submission_move(struct store *s, int64_t id, const char *from,
                       const char *to, int64_t batch, int64_t time,
                       struct err *err) WARN_UNUSED_RESULT;
/* Record the counts of the latest validation. */
int cs_submission_counts(struct store *s, int64_t id, int64_t errors,
                         int64_t warnings, struct err *err) WARN_UNUSED_RESULT;

struct cs_value {
    int64_t submission;
    int seq; /* 0-based order in the upload */
    const char *indicator;
    const char *dims;
    int year;
    double value;
    const char *status;
    const char *comment; /* the focal point's note */
    const char *cell;    /* "Questionnaire!G12" or "file.csv:7" */
};
typedef int (*cs_value_fn)(void *ctx, const struct cs_value *v,
                           struct err *err);
int cs_value_add(struct store *s, const struct cs_value *v,
                 struct err *err) WARN_UNUSED_RESULT;
int cs_value_list(struct store *s, int64_t submission, cs_value_fn fn,
                  void *ctx, struct err *err) WARN_UNUSED_RESULT;
/* Set the comment of the value at cell. ERR_NOT_FOUND if no such cell. */
int cs_value_comment(struct store *s, int64_t submission, const char *cell,
                     const char *comment, struct err *err) WARN_UNUSED_RESULT;

struct cs_result {
    int64_t submission;
    const char *rule_id;
    const char *severity;
    const char *outcome; /* pass, fail, not applicable, skipped */
    const char *detail;  /* JSON array of operands */
};
typedef int (*cs_result_fn)(void *ctx, const struct cs_result *r,
                            struct err *err);
/* Replace the result of rule_id for the submission. */
int cs_result_put(struct store *s, const struct cs_result *r,
                  struct err *err) WARN_UNUSED_RESULT;
int cs_result_list(struct store *s, int64_t submission, cs_result_fn fn,
                   void *ctx, struct err *err) WARN_UNUSED_RESULT;

struct cs_comment {
    int64_t id;
    int64_t submission;
    const char *cell; /* the value's cell, or "" for the whole submission */
    const char *author;
    int64_t time;
    const char *text;
};
typedef int (*cs_comment_fn)(void *ctx, const struct cs_comment *c,
                             struct err *err);
int cs_comment_add(struct store *s, const struct cs_comment *c,
                   struct err *err) WARN_UNUSED_RESULT;
int cs_comment_list(struct store *s, int64_t submission, cs_comment_fn fn,
                    void *ctx, struct err *err) WARN_UNUSED_RESULT;

struct cs_rule {
    const char *id, *severity, *kind, *indicators, *expression, *message;
};
typedef int (*cs_rule_fn)(void *ctx, const struct cs_rule *r, struct err *err);
/* Replace all rules by the ones given (inside the caller's transaction). */
int cs_rules_clear(struct store *s, struct err *err) WARN_UNUSED_RESULT;
int cs_rule_put(struct store *s, const struct cs_rule *r,
                struct err *err) WARN_UNUSED_RESULT;
int cs_rule_list(struct store *s, cs_rule_fn fn, void *ctx,
                 struct err *err) WARN_UNUSED_RESULT;

struct cs_audit {
    int64_t id;
    int64_t time;
    const char *actor;   /* user name, or "cli:NAME" */
    const char *address; /* client address or "cli" */
    const char *action;  /* "user.add", "submission.approve", ... */
    const char *object;  /* "user:alice", "submission:12" */
    const char *before;  /* JSON or "" */
    const char *after;   /* JSON or "" */
};
typedef int (*cs_audit_fn)(void *ctx, const struct cs_audit *a,
                           struct err *err);
/* Append an entry (id ignored). The table refuses updates and deletes. */
int cs_audit_add(struct store *s, const struct cs_audit *a,
                 struct err *err) WARN_UNUSED_RESULT;

struct cs_audit_filter {
    const char *actor;  /* NULL = any */
    const char *action; /* prefix, NULL = any */
    const char *object; /* exact, NULL = any */
    int64_t since;      /* Unix seconds, 0 = any */
    size_t limit;       /* 0 = all */
};
/* Entries matching f, oldest first. */
int cs_audit_list(struct store *s, const struct cs_audit_filter *f,
                  cs_audit_fn fn, void *ctx,
                  struct err *err) WARN_UNUSED_RESULT;

/* 0 if the store's backend has store_backup and store_restore (SQLite);
 * ERR_INVALID "WHAT: the PostgreSQL store is backed up with pg_dump and
 * restored with pg_restore" otherwise. what is borrowed. */
int store_backup_check(struct store *s, const char *what,
                       struct err *err) WARN_UNUSED_RESULT;

/* Copy the whole store to a new file at path with SQLite's online backup
 * API (consistent even while others write). ERR_CONFLICT if path exists
 * (never overwritten), ERR_INVALID as store_backup_check, ERR_IO/
 * ERR_STORAGE otherwise. */
int store_backup(struct store *s, const char *path,
                 struct err *err) WARN_UNUSED_RESULT;

/* Replace the contents of the store s with the backup at path, after
 * checking that it is an ictdev store this binary can read (ERR_CONFLICT
 * otherwise; ERR_INVALID as store_backup_check). All or nothing. Reopen s
 * afterwards to upgrade an older schema. */
int store_restore(struct store *s, const char *path,
                  struct err *err) WARN_UNUSED_RESULT;

#endif
