/* The data-collection workflow: who may do what (roles and economies),
 * authentication (API tokens, portal sessions with throttled logins),
 * submissions from upload to approval, review comments and the audit log.
 * cli/ and http/ call these functions and only translate their results;
 * every check happens here, so the two cannot drift apart.
 *
 * Roles: admin (everything), analyst (reviews: approve, return, comment,
 * sees every submission), focal (uploads, answers comments and submits for
 * its own economies only), viewer (reads published data; no submissions).
 *
 * States of a submission: draft -> submitted -> approved, or -> returned
 * (with comments per value) -> resubmitted -> approved or returned again.
 * A returned submission can also be replaced by a new upload (its
 * "replaces"). Nothing is ever deleted. Approval writes the values as
 * observations in one store batch (kind entry) in the same transaction as
 * the state change: after a crash either both happened or neither.
 *
 * Every function that changes something writes one audit entry in the same
 * transaction. A function refused with ERR_AUTH or ERR_FORBIDDEN has
 * written nothing. Errors: ERR_AUTH (no or bad credentials), ERR_FORBIDDEN
 * (role or economy not allowed), ERR_INVALID / ERR_PARSE / ERR_LIMIT (bad
 * upload, messages name the cell), ERR_CONFLICT (a state that forbids the
 * action, rule errors, warnings without a comment), ERR_NOT_FOUND,
 * ERR_STORAGE. */
#ifndef ICTDEV_COLLECT_COLLECT_H
#define ICTDEV_COLLECT_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../core/compiler.h"
#include "../core/err.h"
#include "../store/store.h"
#include "auth.h"
#include "questionnaire.h"
#include "rules.h"

enum role { ROLE_ADMIN = 0, ROLE_ANALYST, ROLE_FOCAL, ROLE_VIEWER };

const char *role_name(enum role r);
int role_parse(const char *s, enum role *out,
               struct err *err) WARN_UNUSED_RESULT;

/* Who is acting, and from where. The CLI acts as an operator: role admin,
 * name "cli:$USER", address "cli". */
struct principal {
    int64_t id;    /* user id, 0 for the CLI operator */
    char name[64]; /* user name */
    enum role role;
    char economies[256]; /* "KEN,UGA" (focal points) */
    char address[64];    /* client address or "cli" */
};

/* The operator acting from the command line. */
void principal_cli(struct principal *p);

/* What a deployment needs: the store, the questionnaire and the rules
 * (both borrowed, loaded by the caller), and the clock. */
struct collect {
    struct store *store;            /* borrowed */
    const struct questionnaire *qn; /* borrowed */
    const struct ruleset *rules;    /* borrowed */
    int64_t now;                    /* Unix seconds of "now" for this call */
};

/* ---- Users and credentials -------------------------------------------- */

/* Add a user. economies is "ISO3[,ISO3...]" (required for focal points,
 * each must be an economy of the store); password may be NULL (API only).
 * Only admins. */
int collect_user_add(struct collect *c, const struct principal *who,
                     const char *name, enum role role, const char *economies,
                     const char *password, struct err *err) WARN_UNUSED_RESULT;
/* Change a user's role (and economies when not NULL), or disable it
 * (which also revokes its tokens). Only admins. */
int collect_user_role(struct collect *c, const struct principal *who,
                      const char *name, enum role role, const char *economies,
                      struct err *err) WARN_UNUSED_RESULT;
int collect_user_disable(struct collect *c, const struct principal *who,
                         const char *name, struct err *err) WARN_UNUSED_RESULT;

/* Create an API token for user name and write it to out (shown once; only
 * its SHA-256 is kept). Admins for anyone; a user for itself. */
int collect_token_create(struct collect *c, const struct principal *who,
                         const char *name, const char *label,
                         char out[AUTH_TOKEN_MAX],
                         struct err *err) WARN_UNUSED_RESULT;

/* Revoke every token of user name. Admins for anyone; a user for itself.
 * *out_count (may be NULL) gets how many were revoked. */
int collect_token_revoke(struct collect *c, const struct principal *who,
                         const char *name, int64_t *out_count,
                         struct err *err) WARN_UNUSED_RESULT;

/* The principal of a bearer token. ERR_AUTH when unknown, revoked or its
 * user disabled. */
int collect_auth_token(struct collect *c, const char *token,
                       const char *address, struct principal *out,
                       struct err *err) WARN_UNUSED_RESULT;

/* The principal of the enabled user name (for the CLI's --as). ERR_NOT_FOUND
 * or ERR_AUTH (disabled). */
int collect_principal_of(struct collect *c, const char *name,
                         const char *address, struct principal *out,
                         struct err *err) WARN_UNUSED_RESULT;

/* Log in with a password: on success write a new session id (for an
 * HttpOnly cookie) to out_session, valid for COLLECT_SESSION_TTL seconds.
 * Throttled per account and per address (ERR_LIMIT with the wait). Wrong
 * name and wrong password give the same ERR_AUTH message. */
#define COLLECT_SESSION_TTL (8 * 3600)
int collect_login(struct collect *c, struct auth_throttle *t, const char *name,
                  const char *password, const char *address,
                  char out_session[AUTH_TOKEN_MAX],
                  struct err *err) WARN_UNUSED_RESULT;
/* The principal of a session id; ERR_AUTH if unknown or expired. */
int collect_auth_session(struct collect *c, const char *session,
                         const char *address, struct principal *out,
                         struct err *err) WARN_UNUSED_RESULT;
int collect_logout(struct collect *c, const char *session,
                   struct err *err) WARN_UNUSED_RESULT;

/* Write economy's questionnaire for year to path (.xlsx): the items of
 * c->qn with their catalogue names, definitions and units, and last year's
 * stored values. Anyone may download a questionnaire. ERR_NOT_FOUND for an
 * unknown economy or indicator, ERR_IO. *out_count (may be NULL) gets the
 * number of questions. */
int collect_questionnaire_file(struct collect *c, const char *economy, int year,
                               const char *path, size_t *out_count,
                               struct err *err) WARN_UNUSED_RESULT;

/* ---- Submissions --------------------------------------------------------- */

enum collect_action {
    ACT_UPLOAD = 0, /* create a submission */
    ACT_SUBMIT,
    ACT_COMMENT, /* focal point answers / analyst asks */
    ACT_APPROVE,
    ACT_RETURN,
    ACT_READ,
    ACT_PLAN_EDIT, /* change the results framework (admin, analyst) */
    ACT_COUNT
};

/* 0 if who may do action on economy (NULL: any economy, for listings),
 * else ERR_FORBIDDEN with a message. */
int collect_authorize(const struct principal *who, enum collect_action action,
                      const char *economy, struct err *err) WARN_UNUSED_RESULT;

struct upload {
    const void *data; /* borrowed file bytes */
    size_t len;
    const char *name;    /* file name as given */
    const char *economy; /* required unless the file says it */
    int year;            /* 0: from the file */
    int64_t replaces;    /* a returned submission this upload replaces */
};

/* Create a draft submission from an upload: parse, check it against the
 * questionnaire and who's economies, validate with the rules, keep the
 * file, values and results. *out_id gets the id; report (may be NULL;
 * zeroed by the caller) gets the rule results. A bad upload writes
 * nothing. */
int collect_upload(struct collect *c, const struct principal *who,
                   const struct upload *up, int64_t *out_id,
                   struct rule_report *report,
                   struct err *err) WARN_UNUSED_RESULT;

/* draft or returned -> submitted / resubmitted, after validating again:
 * ERR_CONFLICT if a rule error fails or a failed warning has no comment
 * on any of the submission's values it involves. */
int collect_submit(struct collect *c, const struct principal *who, int64_t id,
                   struct err *err) WARN_UNUSED_RESULT;

/* submitted/resubmitted -> approved; the values become observations. */
int collect_approve(struct collect *c, const struct principal *who, int64_t id,
                    struct err *err) WARN_UNUSED_RESULT;

/* A comment on a value (cell) or on the whole submission (cell ""). */
struct review_note {
    const char *cell;
    const char *text;
};

/* submitted/resubmitted -> returned, with count comments (at least one). */
int collect_return(struct collect *c, const struct principal *who, int64_t id,
                   const struct review_note *notes, size_t count,
                   struct err *err) WARN_UNUSED_RESULT;

/* The focal point's comment on one of its values (draft or returned). */
int collect_comment(struct collect *c, const struct principal *who, int64_t id,
                    const char *cell, const char *text,
                    struct err *err) WARN_UNUSED_RESULT;

/* Append the submission as JSON (state, file, values with their cells and
 * comments, rule results with operands, review comments) to out. */
int collect_submission_json(struct collect *c, const struct principal *who,
                            int64_t id, struct buf *out,
                            struct err *err) WARN_UNUSED_RESULT;

/* Append a JSON array of the submissions who may read, newest first,
 * optionally only in state and only for economies that are members of the
 * group region (e.g. "AFR"; NULL = all). Each has its economy's ITU
 * region. ERR_NOT_FOUND for an unknown region. */
int collect_list_json(struct collect *c, const struct principal *who,
                      const char *state, const char *region, struct buf *out,
                      struct err *err) WARN_UNUSED_RESULT;

/* Append the rule report as JSON (only failed and not-applicable rules
 * when failed_only). */
void collect_report_json(const struct rule_report *r, bool failed_only,
                         struct buf *out);

/* Record an action done outside this module (backup, restore) in the
 * audit log. */
int collect_record(struct collect *c, const struct principal *who,
                   const char *action, const char *object,
                   struct err *err) WARN_UNUSED_RESULT;

/* Load the rules kept in the store into rs (zeroed by the caller); when
 * the store has none, from dir, which are then kept in the store. */
int collect_rules_load(struct store *s, const char *dir, struct ruleset *rs,
                       struct err *err) WARN_UNUSED_RESULT;

/* Replace the rules kept in the store by rs. */
int collect_rules_replace(struct collect *c, const struct ruleset *rs,
                          struct err *err) WARN_UNUSED_RESULT;

#endif
