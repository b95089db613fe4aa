/* Users, credentials, authorization and rules of the data-collection
 * workflow (see collect.h). Submissions are in submission.c. */
#include "collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/limits.h"
#include "../core/mem.h"
#include "../core/strparse.h"
#include "../store/collect_store.h"
#include "collect_int.h"

static const char *const role_names[] = {"admin", "analyst", "focal", "viewer"};

const char *role_name(enum role r)
{
    return (unsigned)r < 4 ? role_names[r] : "?";
}

int role_parse(const char *s, enum role *out, struct err *err)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (enum role)i;
            return 0;
        }
    }
    return err_set(err, ERR_INVALID,
                   "role '%.20s': want admin, analyst, focal or viewer", s);
}

void principal_cli(struct principal *p)
{
    const char *user = getenv("USER");

    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "cli:%s",
             user && user[0] ? user : "operator");
    p->role = ROLE_ADMIN;
    snprintf(p->address, sizeof(p->address), "cli");
}

/* ---- Audit -------------------------------------------------------------- */

int collect_audit(struct collect *c, const struct principal *who,
                  const char *action, const char *object, const char *before,
                  const char *after, struct err *err)
{
    struct cs_audit a = {
        .time = c->now,
        .actor = who->name,
        .address = who->address,
        .action = action,
        .object = object,
        .before = before ? before : "",
        .after = after ? after : "",
    };
    return cs_audit_add(c->store, &a, err);
}

/* Run fn inside one store transaction: commit on 0, roll back otherwise. */
int collect_in_tx(struct collect *c,
                  int (*fn)(struct collect *, void *, struct err *), void *arg,
                  struct err *err)
{
    if (store_begin(c->store, err) != 0) {
        return err->code;
    }
    if (fn(c, arg, err) != 0) {
        store_rollback(c->store);
        return err->code;
    }
    if (store_commit(c->store, err) != 0) {
        store_rollback(c->store);
        return err->code;
    }
    return 0;
}

struct record {
    const struct principal *who;
    const char *action;
    const char *object;
};

static int record_tx(struct collect *c, void *arg, struct err *err)
{
    struct record *r = arg;

    return collect_audit(c, r->who, r->action, r->object, "", "", err);
}

int collect_record(struct collect *c, const struct principal *who,
                   const char *action, const char *object, struct err *err)
{
    struct record r = {who, action, object};

    return collect_in_tx(c, record_tx, &r, err);
}

/* ---- Authorization ------------------------------------------------------ */

bool collect_has_economy(const struct principal *who, const char *economy)
{
    const char *p = who->economies;
    size_t n = strlen(economy);

    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, economy, n) == 0) {
            return true;
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    return false;
}

static const char *const action_names[ACT_COUNT] = {
    "upload", "submit", "comment", "approve", "return", "read", "edit"};

int collect_authorize(const struct principal *who, enum collect_action action,
                      const char *economy, struct err *err)
{
    bool ok = false;

    switch (who->role) {
    case ROLE_ADMIN:
        ok = true;
        break;
    case ROLE_ANALYST:
        ok = action == ACT_APPROVE || action == ACT_RETURN ||
             action == ACT_COMMENT || action == ACT_READ ||
             action == ACT_PLAN_EDIT;
        break;
    case ROLE_FOCAL:
        ok = (action == ACT_UPLOAD || action == ACT_SUBMIT ||
              action == ACT_COMMENT || action == ACT_READ) &&
             (economy == NULL || collect_has_economy(who, economy));
        break;
    default:
        ok = false;
        break;
    }
    if (ok) {
        return 0;
    }
    if (economy != NULL && who->role == ROLE_FOCAL &&
        !collect_has_economy(who, economy)) {
        return err_set(err, ERR_FORBIDDEN,
                       "%s is a focal point for %s, not for %s", who->name,
                       who->economies[0] ? who->economies : "no economy",
                       economy);
    }
    if (action == ACT_PLAN_EDIT) {
        return err_set(err, ERR_FORBIDDEN,
                       "role %s may not edit the results framework",
                       role_name(who->role));
    }
    return err_set(err, ERR_FORBIDDEN, "role %s may not %s submissions",
                   role_name(who->role), action_names[action]);
}

static int admin_only(const struct principal *who, const char *what,
                      struct err *err)
{
    if (who->role != ROLE_ADMIN) {
        return err_set(err, ERR_FORBIDDEN, "only admins may %s", what);
    }
    return 0;
}

/* ---- Users -------------------------------------------------------------- */

static int economy_seen(void *ctx, const struct economy *e, struct err *err)
{
    (void)ctx;
    (void)e;
    (void)err;
    return 0;
}

/* Check "ISO3[,ISO3...]": each an economy of the store. */
static int check_economies(struct collect *c, const char *list, struct err *err)
{
    char code[MAX_CODE_LEN + 1];
    const char *p = list;

    if (strlen(list) >= sizeof(((struct principal *)0)->economies)) {
        return err_set(err, ERR_LIMIT, "too many economies");
    }
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        if (len == 0 || len > MAX_CODE_LEN) {
            return err_set(err, ERR_INVALID,
                           "economies '%.80s': want "
                           "ISO3[,ISO3...]",
                           list);
        }
        memcpy(code, p, len);
        code[len] = '\0';
        if (store_economy_get(c->store, code, economy_seen, NULL, err) != 0) {
            return err->code;
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    return 0;
}

static bool name_ok(const char *name)
{
    size_t len = strlen(name);

    return len > 0 && len < 64 && code_valid(name, len);
}

struct user_add {
    const struct principal *who;
    struct cs_user u;
};

static int user_add_tx(struct collect *c, void *arg, struct err *err)
{
    struct user_add *a = arg;
    struct buf after;
    char object[96];
    int rc;

    if (cs_user_add(c->store, &a->u, NULL, err) != 0) {
        return err->code;
    }
    buf_init(&after);
    buf_printf(&after, "{\"role\":\"%s\",\"economies\":\"%s\"}", a->u.role,
               a->u.economies);
    snprintf(object, sizeof(object), "user:%s", a->u.name);
    rc =
        collect_audit(c, a->who, "user.add", object, "", buf_cstr(&after), err);
    buf_cleanup(&after);
    return rc;
}

int collect_user_add(struct collect *c, const struct principal *who,
                     const char *name, enum role role, const char *economies,
                     const char *password, struct err *err)
{
    struct user_add a = {.who = who};
    char hash[AUTH_HASH_MAX] = "";

    if (admin_only(who, "add users", err) != 0) {
        return err->code;
    }
    if (!name_ok(name)) {
        return err_set(err, ERR_INVALID,
                       "user name '%.64s' is not allowed "
                       "(letters, digits, . _ -)",
                       name);
    }
    if (role == ROLE_FOCAL && (economies == NULL || economies[0] == '\0')) {
        return err_set(err, ERR_INVALID, "a focal point needs --economy");
    }
    if (economies != NULL && check_economies(c, economies, err) != 0) {
        return err->code;
    }
    if (password != NULL &&
        auth_password_hash(password, strlen(password), hash, err) != 0) {
        return err->code;
    }
    a.u.name = name;
    a.u.role = role_name(role);
    a.u.economies = economies ? economies : "";
    a.u.password = hash;
    a.u.created = c->now;
    return collect_in_tx(c, user_add_tx, &a, err);
}

/* A copy of a user row. */
struct user_copy {
    int64_t id;
    char name[64];
    char role[16];
    char economies[256];
    char password[AUTH_HASH_MAX];
    bool disabled;
};

static int copy_user(void *ctx, const struct cs_user *u, struct err *err)
{
    struct user_copy *x = ctx;
    (void)err;

    x->id = u->id;
    snprintf(x->name, sizeof(x->name), "%s", u->name);
    snprintf(x->role, sizeof(x->role), "%s", u->role);
    snprintf(x->economies, sizeof(x->economies), "%s", u->economies);
    snprintf(x->password, sizeof(x->password), "%s", u->password);
    x->disabled = u->disabled;
    return 0;
}

struct user_change {
    const struct principal *who;
    const char *name;
    const char *action;
    const char *role;      /* NULL = keep */
    const char *economies; /* NULL = keep */
    bool disable;
};

static int user_change_tx(struct collect *c, void *arg, struct err *err)
{
    struct user_change *a = arg;
    struct user_copy old;
    struct cs_user u;
    char before[512];
    char after[512];
    char object[96];

    if (cs_user_get(c->store, a->name, copy_user, &old, err) != 0) {
        return err->code;
    }
    u.name = old.name;
    u.role = a->role ? a->role : old.role;
    u.economies = a->economies ? a->economies : old.economies;
    u.password = old.password;
    u.disabled = old.disabled || a->disable;
    if (cs_user_update(c->store, &u, err) != 0) {
        return err->code;
    }
    if (a->disable &&
        cs_token_revoke_all(c->store, old.id, c->now, NULL, err) != 0) {
        return err->code;
    }
    snprintf(before, sizeof(before),
             "{\"role\":\"%s\",\"economies\":\"%s\",\"disabled\":%s}", old.role,
             old.economies, old.disabled ? "true" : "false");
    snprintf(after, sizeof(after),
             "{\"role\":\"%s\",\"economies\":\"%s\",\"disabled\":%s}", u.role,
             u.economies, u.disabled ? "true" : "false");
    snprintf(object, sizeof(object), "user:%s", a->name);
    return collect_audit(c, a->who, a->action, object, before, after, err);
}

int collect_user_role(struct collect *c, const struct principal *who,
                      const char *name, enum role role, const char *economies,
                      struct err *err)
{
    struct user_change a = {who,       name, "user.role", role_name(role),
                            economies, false};

    if (admin_only(who, "change roles", err) != 0) {
        return err->code;
    }
    if (economies != NULL && check_economies(c, economies, err) != 0) {
        return err->code;
    }
    return collect_in_tx(c, user_change_tx, &a, err);
}

int collect_user_disable(struct collect *c, const struct principal *who,
                         const char *name, struct err *err)
{
    struct user_change a = {who, name, "user.disable", NULL, NULL, true};

    if (admin_only(who, "disable users", err) != 0) {
        return err->code;
    }
    return collect_in_tx(c, user_change_tx, &a, err);
}

/* ---- Tokens and sessions ------------------------------------------------ */

struct token_new {
    const struct principal *who;
    const char *name;
    const char *label;
    char *out;
};

static int token_tx(struct collect *c, void *arg, struct err *err)
{
    struct token_new *a = arg;
    struct user_copy u;
    char hash[AUTH_SHA256_HEX];
    char object[96];

    if (cs_user_get(c->store, a->name, copy_user, &u, err) != 0) {
        return err->code;
    }
    if (u.disabled) {
        return err_set(err, ERR_CONFLICT, "user '%s' is disabled", a->name);
    }
    auth_token_new("ictd_", a->out);
    auth_sha256_hex(a->out, strlen(a->out), hash);
    if (cs_token_add(c->store, u.id, hash, a->label, c->now, err) != 0) {
        return err->code;
    }
    snprintf(object, sizeof(object), "user:%s", a->name);
    return collect_audit(c, a->who, "token.create", object, "", "", err);
}

int collect_token_create(struct collect *c, const struct principal *who,
                         const char *name, const char *label,
                         char out[AUTH_TOKEN_MAX], struct err *err)
{
    struct token_new a = {who, name, label ? label : "", out};

    if (who->role != ROLE_ADMIN && strcmp(who->name, name) != 0) {
        return err_set(err, ERR_FORBIDDEN,
                       "only admins may create tokens for others");
    }
    return collect_in_tx(c, token_tx, &a, err);
}

struct token_revoke {
    const struct principal *who;
    const char *name;
    int64_t count;
};

static int revoke_tx(struct collect *c, void *arg, struct err *err)
{
    struct token_revoke *a = arg;
    struct user_copy u;
    char object[96];
    char after[64];

    if (cs_user_get(c->store, a->name, copy_user, &u, err) != 0 ||
        cs_token_revoke_all(c->store, u.id, c->now, &a->count, err) != 0) {
        return err->code;
    }
    snprintf(object, sizeof(object), "user:%s", a->name);
    snprintf(after, sizeof(after), "{\"revoked\":%lld}", (long long)a->count);
    return collect_audit(c, a->who, "token.revoke", object, "", after, err);
}

int collect_token_revoke(struct collect *c, const struct principal *who,
                         const char *name, int64_t *out_count, struct err *err)
{
    struct token_revoke a = {who, name, 0};

    if (who->role != ROLE_ADMIN && strcmp(who->name, name) != 0) {
        return err_set(err, ERR_FORBIDDEN,
                       "only admins may revoke others' tokens");
    }
    if (collect_in_tx(c, revoke_tx, &a, err) != 0) {
        return err->code;
    }
    if (out_count != NULL) {
        *out_count = a.count;
    }
    return 0;
}

static void fill_principal(const struct user_copy *u, const char *address,
                           struct principal *out)
{
    enum role r = ROLE_VIEWER;
    struct err ignore;

    memset(out, 0, sizeof(*out));
    out->id = u->id;
    snprintf(out->name, sizeof(out->name), "%s", u->name);
    if (role_parse(u->role, &r, &ignore) != 0) {
        r = ROLE_VIEWER; /* an unknown stored role gets the least */
    }
    out->role = r;
    snprintf(out->economies, sizeof(out->economies), "%s", u->economies);
    snprintf(out->address, sizeof(out->address), "%s", address ? address : "");
}

int collect_auth_token(struct collect *c, const char *token,
                       const char *address, struct principal *out,
                       struct err *err)
{
    char hash[AUTH_SHA256_HEX];
    struct user_copy u;

    if (token == NULL || token[0] == '\0' || strlen(token) >= AUTH_TOKEN_MAX) {
        return err_set(err, ERR_AUTH, "a bearer token is required");
    }
    auth_sha256_hex(token, strlen(token), hash);
    if (cs_token_user(c->store, hash, copy_user, &u, err) != 0) {
        return err->code;
    }
    fill_principal(&u, address, out);
    return 0;
}

int collect_principal_of(struct collect *c, const char *name,
                         const char *address, struct principal *out,
                         struct err *err)
{
    struct user_copy u;

    if (cs_user_get(c->store, name, copy_user, &u, err) != 0) {
        return err->code;
    }
    if (u.disabled) {
        return err_set(err, ERR_AUTH, "user '%s' is disabled", name);
    }
    fill_principal(&u, address, out);
    return 0;
}

struct login {
    const struct principal *who;
    int64_t user_id;
    char *session;
};

static int login_tx(struct collect *c, void *arg, struct err *err)
{
    struct login *a = arg;
    char hash[AUTH_SHA256_HEX];
    char object[96];

    auth_token_new("s_", a->session);
    auth_sha256_hex(a->session, strlen(a->session), hash);
    if (cs_session_add(c->store, hash, a->user_id, c->now,
                       c->now + COLLECT_SESSION_TTL, a->who->address,
                       err) != 0) {
        return err->code;
    }
    snprintf(object, sizeof(object), "user:%.63s", a->who->name);
    return collect_audit(c, a->who, "session.login", object, "", "", err);
}

static int throttled(struct auth_throttle *t, const char *ukey,
                     const char *akey, int64_t now, struct err *err)
{
    int64_t wait = auth_throttle_wait(t, ukey, now);
    int64_t wait2 = auth_throttle_wait(t, akey, now);

    if (wait2 > wait) {
        wait = wait2;
    }
    if (wait > 0) {
        return err_set(err, ERR_LIMIT,
                       "too many failed logins; try again in %lld s",
                       (long long)wait);
    }
    return 0;
}

int collect_login(struct collect *c, struct auth_throttle *t, const char *name,
                  const char *password, const char *address,
                  char out_session[AUTH_TOKEN_MAX], struct err *err)
{
    char ukey[96];
    char akey[96];
    struct user_copy u;
    struct principal who;
    struct login a;
    struct err ignore;

    snprintf(ukey, sizeof(ukey), "user:%.64s", name);
    snprintf(akey, sizeof(akey), "addr:%.64s", address);
    if (throttled(t, ukey, akey, c->now, err) != 0) {
        return err->code;
    }
    if (cs_user_get(c->store, name, copy_user, &u, &ignore) != 0 ||
        u.disabled || u.password[0] == '\0' ||
        !auth_password_verify(u.password, password, strlen(password))) {
        auth_throttle_fail(t, ukey, c->now);
        auth_throttle_fail(t, akey, c->now);
        return err_set(err, ERR_AUTH, "wrong user name or password");
    }
    auth_throttle_ok(t, ukey);
    fill_principal(&u, address, &who);
    a.who = &who;
    a.user_id = u.id;
    a.session = out_session;
    return collect_in_tx(c, login_tx, &a, err);
}

int collect_auth_session(struct collect *c, const char *session,
                         const char *address, struct principal *out,
                         struct err *err)
{
    char hash[AUTH_SHA256_HEX];
    struct user_copy u;

    if (session == NULL || session[0] == '\0' ||
        strlen(session) >= AUTH_TOKEN_MAX) {
        return err_set(err, ERR_AUTH, "please log in");
    }
    auth_sha256_hex(session, strlen(session), hash);
    if (cs_session_user(c->store, hash, c->now, copy_user, &u, err) != 0) {
        return err->code;
    }
    fill_principal(&u, address, out);
    return 0;
}

int collect_logout(struct collect *c, const char *session, struct err *err)
{
    char hash[AUTH_SHA256_HEX];

    auth_sha256_hex(session, strlen(session), hash);
    return cs_session_delete(c->store, hash, err);
}

/* ---- Rules in the store ------------------------------------------------- */

static int add_stored_rule(void *ctx, const struct cs_rule *r, struct err *err)
{
    struct ruleset *rs = ctx;
    enum rule_severity sev = RULE_ERROR;

    if (rule_severity_parse(r->severity, &sev, err) != 0) {
        return err->code;
    }
    return ruleset_add(rs, r->id, sev, r->kind, r->indicators, r->expression,
                       r->message, err);
}

static int keep_rules(struct collect *c, void *arg, struct err *err)
{
    const struct ruleset *rs = arg;

    if (cs_rules_clear(c->store, err) != 0) {
        return err->code;
    }
    for (size_t i = 0; i < rs->count; i++) {
        const struct rule *r = &rs->rules[i];
        struct cs_rule x = {r->id,   rule_severity_name(r->severity),
                            r->kind, r->indicators,
                            r->text, r->message};
        if (cs_rule_put(c->store, &x, err) != 0) {
            return err->code;
        }
    }
    return 0;
}

int collect_rules_load(struct store *s, const char *dir, struct ruleset *rs,
                       struct err *err)
{
    struct collect c = {.store = s};

    if (cs_rule_list(s, add_stored_rule, rs, err) != 0) {
        return err_prefix(err, "rules in the store");
    }
    if (rs->count > 0 || dir == NULL) {
        return 0;
    }
    if (ruleset_load_dir(rs, dir, err) != 0) {
        return err->code;
    }
    return collect_in_tx(&c, keep_rules, rs, err);
}

int collect_rules_replace(struct collect *c, const struct ruleset *rs,
                          struct err *err)
{
    return collect_in_tx(c, keep_rules, (void *)rs, err);
}
