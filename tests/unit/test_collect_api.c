/* Unit tests for collect/api on a real temporary store: the role x action
 * x own/other-economy matrix (2xx / 401 / 403, and nothing written on a
 * deny), logins with sessions, CSRF and throttling, and bad requests.
 * Each matrix cell prints a "matrix ok|FAIL ..." line that
 * tests/collect/run-suite.sh counts. */
#include "collect/api.h"
#include "collect/collect.h"
#include "core/mem.h"
#include "load/load.h"
#include "store/collect_store.h"
#include "testutil.h"

static const char good_csv[] = "economy,indicator,year,value,note\n"
                               "KEN,i112,2024,70000,\n"
                               "KEN,i271,2024,65000000,\n"
                               "KEN,i271mw,2024,40000000,\n"
                               "KEN,i4213tfbb,2024,1000000,no tiers yet\n"
                               "KEN,i271pop,2024,98,\n"
                               "KEN,i271G,2024,95,\n"
                               "KEN,i271GA,2024,90,\n"
                               "KEN,i4214,2024,3000000,\n";

enum who {
    W_ADMIN,
    W_ANALYST,
    W_FOCAL_OWN,
    W_FOCAL_OTHER,
    W_VIEWER,
    W_NONE,
    W_BAD,
    W_COUNT
};
static const char *const who_names[W_COUNT] = {
    "admin",  "analyst",   "focal-own", "focal-other",
    "viewer", "anonymous", "bad-token"};

struct fixture {
    char path[512];
    struct store *s;
    struct questionnaire qn;
    struct ruleset rules;
    struct collect c;
    struct principal op;
    struct auth_throttle *t;
    char tokens[W_COUNT][AUTH_TOKEN_MAX];
    int failures;
};

static struct fixture fx;

static int setup(void **state)
{
    static const char *const names[] = {"ad", "an", "fk", "fu", "vi"};
    static const enum role roles[] = {ROLE_ADMIN, ROLE_ANALYST, ROLE_FOCAL,
                                      ROLE_FOCAL, ROLE_VIEWER};
    static const char *const econ[] = {NULL, NULL, "KEN", "UGA", NULL};
    struct load_ref_counts counts;
    struct err err;
    (void)state;

    memset(&fx, 0, sizeof(fx));
    test_store_path(fx.path, sizeof(fx.path), "api");
    fx.s = store_open(fx.path, STORE_OPEN_CREATE, &err);
    assert_non_null(fx.s);
    assert_ok(load_reference(fx.s, "data", &counts, &err), &err);
    assert_ok(questionnaire_load(&fx.qn, "data/questionnaire.csv", &err), &err);
    assert_ok(collect_rules_load(fx.s, "data/rules", &fx.rules, &err), &err);
    fx.c.store = fx.s;
    fx.c.qn = &fx.qn;
    fx.c.rules = &fx.rules;
    fx.c.now = 1736935200;
    principal_cli(&fx.op);
    for (int i = 0; i < 5; i++) {
        assert_ok(collect_user_add(&fx.c, &fx.op, names[i], roles[i], econ[i],
                                   i == 2 ? "focal password" : NULL, &err),
                  &err);
        assert_ok(collect_token_create(&fx.c, &fx.op, names[i], "test",
                                       fx.tokens[i], &err),
                  &err);
    }
    snprintf(fx.tokens[W_BAD], AUTH_TOKEN_MAX, "ictd_not-a-real-token");
    fx.t = auth_throttle_new(3, 900, 60);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    auth_throttle_free(fx.t);
    ruleset_cleanup(&fx.rules);
    questionnaire_cleanup(&fx.qn);
    store_close(fx.s);
    unlink(fx.path);
    return 0;
}

/* ---- Requests ----------------------------------------------------------- */

struct call {
    const char *method;
    const char *path; /* after /api/v1/, e.g. "submissions/3/submit" */
    const char *economy;
    const char *ctype;
    const char *body;
    const char *authorization;
    const char *cookie;
    const char *csrf;
};

static int do_call(const struct call *cl, struct api_response *rs)
{
    char path[256];
    const char *segs[8];
    size_t n = 0;
    char *p;
    char auth[128];
    struct api_request rq;

    snprintf(path, sizeof(path), "%s", cl->path);
    p = path;
    while (*p != '\0' && n < 8) {
        char *slash = strchr(p, '/');
        segs[n++] = p;
        if (slash == NULL) {
            break;
        }
        *slash = '\0';
        p = slash + 1;
    }
    memset(&rq, 0, sizeof(rq));
    rq.method = cl->method;
    rq.segs = segs;
    rq.nseg = n;
    rq.economy = cl->economy;
    rq.content_type = cl->ctype;
    rq.body = cl->body;
    rq.body_len = cl->body ? strlen(cl->body) : 0;
    rq.name = "k.csv";
    if (cl->authorization != NULL) {
        snprintf(auth, sizeof(auth), "Bearer %s", cl->authorization);
        rq.authorization = auth;
    }
    rq.cookie = cl->cookie;
    rq.csrf = cl->csrf;
    rq.address = "192.0.2.7";
    buf_init(&rs->body);
    api_handle(&fx.c, fx.t, &rq, rs);
    return rs->status;
}

static int call_as(enum who w, const char *method, const char *path,
                   const char *economy, const char *ctype, const char *body,
                   struct api_response *rs)
{
    struct call cl = {method, path, economy, ctype, body, NULL, NULL, NULL};

    if (w != W_NONE) {
        cl.authorization = fx.tokens[w];
    }
    return do_call(&cl, rs);
}

/* ---- What "nothing written" means --------------------------------------- */

static int count_row(void *ctx, const void *row, struct err *err)
{
    (void)row;
    (void)err;
    (*(size_t *)ctx)++;
    return 0;
}

static int state_row(void *ctx, const struct cs_submission *x, struct err *err)
{
    (void)err;
    buf_printf(ctx, "%lld:%s:%lld;", (long long)x->id, x->state,
               (long long)x->batch);
    return 0;
}

/* A fingerprint of everything the API can write. */
static void snapshot(struct buf *out)
{
    struct cs_audit_filter f = {0};
    struct store_counts sc;
    size_t audit = 0;
    struct err err;

    buf_reset(out);
    assert_ok(cs_audit_list(fx.s, &f, (cs_audit_fn)count_row, &audit, &err),
              &err);
    assert_ok(cs_submission_list(fx.s, NULL, NULL, state_row, out, &err), &err);
    assert_ok(store_counts(fx.s, &sc, &err), &err);
    buf_printf(out, "|audit=%zu|revisions=%lld|batches=%lld", audit,
               (long long)sc.revisions, (long long)sc.batches);
    for (int64_t id = 1; id < 64; id++) {
        size_t n = 0;
        if (cs_comment_list(fx.s, id, (cs_comment_fn)count_row, &n, &err) ==
                0 &&
            n > 0) {
            buf_printf(out, "|c%lld=%zu", (long long)id, n);
        }
    }
}

/* ---- Preconditions, made by the operator -------------------------------- */

static int64_t make_draft(void)
{
    struct upload up = {good_csv, strlen(good_csv), "k.csv", "KEN", 0, 0};
    struct err err;
    int64_t id = 0;

    assert_ok(collect_upload(&fx.c, &fx.op, &up, &id, NULL, &err), &err);
    return id;
}

static int64_t make_submitted(void)
{
    int64_t id = make_draft();
    struct err err;

    assert_ok(collect_submit(&fx.c, &fx.op, id, &err), &err);
    return id;
}

/* ---- The matrix --------------------------------------------------------- */

enum act {
    A_UPLOAD_OWN,
    A_UPLOAD_UGA,
    A_SUBMIT,
    A_APPROVE,
    A_RETURN,
    A_COMMENT,
    A_READ,
    A_LIST,
    A_COUNT
};
static const char *const act_names[A_COUNT] = {
    "upload(KEN)", "upload(UGA)", "submit", "approve",
    "return",      "comment",     "read",   "list"};

/* Expected status per action (rows) and caller (columns). */
static const int expected[A_COUNT][W_COUNT] = {
    /*              admin analyst own  other viewer none bad */
    [A_UPLOAD_OWN] = {201, 403, 201, 403, 403, 401, 401},
    [A_UPLOAD_UGA] = {201, 403, 403, 201, 403, 401, 401},
    [A_SUBMIT] = {200, 403, 200, 403, 403, 401, 401},
    [A_APPROVE] = {200, 200, 403, 403, 403, 401, 401},
    [A_RETURN] = {200, 200, 403, 403, 403, 401, 401},
    [A_COMMENT] = {200, 200, 200, 403, 403, 401, 401},
    [A_READ] = {200, 200, 200, 403, 403, 401, 401},
    [A_LIST] = {200, 200, 200, 200, 403, 401, 401},
};

/* Make the submission the action needs (as the operator); 0 if none. */
static int64_t prepare(enum act a)
{
    if (a == A_SUBMIT || a == A_COMMENT || a == A_READ) {
        return make_draft();
    }
    if (a == A_APPROVE || a == A_RETURN) {
        return make_submitted();
    }
    return 0;
}

static int run_cell(enum act a, enum who w, int64_t id, struct api_response *rs)
{
    static const char ugacsv[] = "economy,indicator,year,value\n"
                                 "UGA,i112,2024,5000\n";
    char path[64];

    snprintf(path, sizeof(path), "submissions/%lld/%s", (long long)id,
             a == A_SUBMIT    ? "submit"
             : a == A_APPROVE ? "approve"
             : a == A_RETURN  ? "return"
                              : "comments");
    switch (a) {
    case A_UPLOAD_OWN:
        return call_as(w, "POST", "submissions", "KEN", "text/csv", good_csv,
                       rs);
    case A_UPLOAD_UGA:
        return call_as(w, "POST", "submissions", "UGA", "text/csv", ugacsv, rs);
    case A_RETURN:
        return call_as(w, "POST", path, NULL, "application/json",
                       "{\"comments\":[{\"cell\":\"k.csv:2\",\"text\":"
                       "\"why?\"}]}",
                       rs);
    case A_COMMENT:
        return call_as(w, "POST", path, NULL, "application/json",
                       "{\"cell\":\"k.csv:5\",\"text\":\"tiers later\"}", rs);
    case A_READ:
        snprintf(path, sizeof(path), "submissions/%lld", (long long)id);
        return call_as(w, "GET", path, NULL, NULL, NULL, rs);
    case A_LIST:
        return call_as(w, "GET", "submissions", NULL, NULL, NULL, rs);
    default:
        return call_as(w, "POST", path, NULL, NULL, NULL, rs);
    }
}

/* Every cell: the expected status, and when denied (401/403) the store is
 * exactly as before the call: same submissions and states, audit entries,
 * observations, batches and comments. */
static void test_matrix(void **state)
{
    struct buf before;
    struct buf after;
    (void)state;

    buf_init(&before);
    buf_init(&after);
    for (int a = 0; a < A_COUNT; a++) {
        for (int w = 0; w < W_COUNT; w++) {
            struct api_response rs;
            int want = expected[a][w];
            int64_t id = prepare((enum act)a);
            int got;
            bool same;
            snapshot(&before);
            got = run_cell((enum act)a, (enum who)w, id, &rs);
            snapshot(&after);
            same = strcmp(buf_cstr(&before), buf_cstr(&after)) == 0;
            if (got == want && (want < 400 || same)) {
                printf("matrix ok   %-12s %-12s -> %d%s\n", act_names[a],
                       who_names[w], got,
                       want >= 400 ? ", nothing written" : "");
            } else {
                printf("matrix FAIL %-12s %-12s -> %d (want %d%s) %s\n",
                       act_names[a], who_names[w], got, want,
                       same ? "" : ", WRITTEN", buf_cstr(&rs.body));
                fx.failures++;
            }
            buf_cleanup(&rs.body);
        }
    }
    buf_cleanup(&before);
    buf_cleanup(&after);
    assert_int_equal(fx.failures, 0);
}

/* ---- Sessions ----------------------------------------------------------- */

static void cookie_of(const struct api_response *rs, char *out, size_t cap)
{
    size_t n = strcspn(rs->set_cookie, ";");

    snprintf(out, cap, "%.*s", (int)n, rs->set_cookie);
}

static void test_login_session_csrf(void **state)
{
    struct call cl = {"POST",
                      "login",
                      NULL,
                      "application/json",
                      "{\"user\":\"fk\",\"password\":\"focal password\"}",
                      NULL,
                      NULL,
                      NULL};
    struct api_response rs;
    char cookie[128];
    char csrf[AUTH_TOKEN_MAX];
    (void)state;

    assert_int_equal(do_call(&cl, &rs), 200);
    assert_non_null(strstr(rs.set_cookie, "HttpOnly"));
    assert_non_null(strstr(rs.set_cookie, "SameSite=Strict"));
    assert_null(strstr(rs.set_cookie, "Secure"));
    cookie_of(&rs, cookie, sizeof(cookie));
    assert_true(
        sscanf(buf_cstr(&rs.body), "{\"csrf_token\":\"%79[^\"]", csrf) == 1);
    buf_cleanup(&rs.body);

    /* GET with the cookie works; POST without the CSRF token does not. */
    cl = (struct call){"GET", "submissions", NULL,   NULL,
                       NULL,  NULL,          cookie, NULL};
    assert_int_equal(do_call(&cl, &rs), 200);
    buf_cleanup(&rs.body);
    cl = (struct call){"POST",   "submissions", "KEN",  "text/csv",
                       good_csv, NULL,          cookie, NULL};
    assert_int_equal(do_call(&cl, &rs), 403);
    buf_cleanup(&rs.body);
    cl.csrf = "forged";
    assert_int_equal(do_call(&cl, &rs), 403);
    buf_cleanup(&rs.body);
    cl.csrf = csrf;
    assert_int_equal(do_call(&cl, &rs), 201);
    buf_cleanup(&rs.body);

    /* Sessions expire. */
    fx.c.now += COLLECT_SESSION_TTL + 1;
    cl = (struct call){"GET", "submissions", NULL,   NULL,
                       NULL,  NULL,          cookie, NULL};
    assert_int_equal(do_call(&cl, &rs), 401);
    buf_cleanup(&rs.body);
    fx.c.now -= COLLECT_SESSION_TTL + 1;

    /* Logout ends the session. */
    cl = (struct call){"POST", "logout", NULL, NULL, NULL, NULL, cookie, csrf};
    assert_int_equal(do_call(&cl, &rs), 200);
    assert_non_null(strstr(rs.set_cookie, "Max-Age=0"));
    buf_cleanup(&rs.body);
    cl = (struct call){"GET", "submissions", NULL,   NULL,
                       NULL,  NULL,          cookie, NULL};
    assert_int_equal(do_call(&cl, &rs), 401);
    buf_cleanup(&rs.body);
}

static void test_login_throttle(void **state)
{
    struct call bad = {"POST",
                       "login",
                       NULL,
                       "application/json",
                       "{\"user\":\"fk\",\"password\":\"wrong password\"}",
                       NULL,
                       NULL,
                       NULL};
    struct call good = {"POST",
                        "login",
                        NULL,
                        "application/json",
                        "{\"user\":\"fk\",\"password\":\"focal password\"}",
                        NULL,
                        NULL,
                        NULL};
    struct call nouser = {"POST",
                          "login",
                          NULL,
                          "application/json",
                          "{\"user\":\"nobody\",\"password\":\"whatever1\"}",
                          NULL,
                          NULL,
                          NULL};
    struct api_response rs;
    (void)state;

    assert_int_equal(do_call(&nouser, &rs), 401);
    assert_non_null(strstr(buf_cstr(&rs.body), "wrong user name or password"));
    buf_cleanup(&rs.body);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(do_call(&bad, &rs), 401);
        assert_non_null(
            strstr(buf_cstr(&rs.body), "wrong user name or password"));
        buf_cleanup(&rs.body);
    }
    /* Locked now (3 failures from this address), even with the right
     * password. */
    assert_int_equal(do_call(&good, &rs), 429);
    buf_cleanup(&rs.body);
    fx.c.now += 61;
    assert_int_equal(do_call(&good, &rs), 200);
    buf_cleanup(&rs.body);
}

static void test_bad_requests(void **state)
{
    struct api_response rs;
    (void)state;

    assert_int_equal(call_as(W_ADMIN, "POST", "submissions", "KEN", "image/png",
                             good_csv, &rs),
                     415);
    buf_cleanup(&rs.body);
    assert_int_equal(call_as(W_ADMIN, "POST", "submissions", "KEN", "text/csv",
                             "economy,indicator,year,value\n"
                             "KEN,i999,2024,1\n",
                             &rs),
                     400);
    assert_non_null(strstr(buf_cstr(&rs.body), "k.csv:2: i999 is not in"));
    assert_string_equal(rs.ctype, "application/problem+json");
    buf_cleanup(&rs.body);
    assert_int_equal(
        call_as(W_ADMIN, "GET", "submissions/999", NULL, NULL, NULL, &rs), 404);
    buf_cleanup(&rs.body);
    assert_int_equal(
        call_as(W_ADMIN, "DELETE", "submissions/1", NULL, NULL, NULL, &rs),
        405);
    buf_cleanup(&rs.body);
    assert_int_equal(call_as(W_ADMIN, "GET", "nowhere", NULL, NULL, NULL, &rs),
                     404);
    buf_cleanup(&rs.body);
    assert_int_equal(
        call_as(W_NONE, "GET", "submissions", NULL, NULL, NULL, &rs), 401);
    assert_true(rs.www_authenticate);
    buf_cleanup(&rs.body);
}

static void test_openapi(void **state)
{
    struct buf out;
    struct err err;
    (void)state;

    buf_init(&out);
    assert_ok(api_openapi_merge("{\"openapi\":\"3.1.0\",\"paths\":{\"/a\":{}},"
                                "\"components\":{\"schemas\":{\"X\":{}}}}",
                                &out, &err),
              &err);
    assert_non_null(strstr(buf_cstr(&out), "\"/a\":{}"));
    assert_non_null(
        strstr(buf_cstr(&out), "\"/api/v1/submissions/{id}/approve\""));
    assert_non_null(strstr(buf_cstr(&out), "\"X\":{}"));
    assert_non_null(strstr(buf_cstr(&out), "\"bearerAuth\""));
    assert_int_equal(api_openapi_merge("not json", &out, &err), ERR_INTERNAL);
    buf_cleanup(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_login_session_csrf),
        cmocka_unit_test(test_login_throttle),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_openapi),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
