/* Unit tests for http/collect_http without a socket: the API bridge and
 * the portal pages on a real temporary store (login, upload through the
 * API with cookie + CSRF, the queue, a submission page with escaped
 * comments, the questionnaire download, the login page). */
#include "collect/collect.h"
#include "core/mem.h"
#include "http/collect_http.h"
#include "load/load.h"
#include "testutil.h"

static const char good_csv[] = "economy,indicator,year,value\n"
                               "KEN,i112,2024,70000\n"
                               "KEN,i271,2024,65000000\n";

struct fixture {
    char path[512];
    struct collect_http *h;
    char cookie[128];
    char csrf[AUTH_TOKEN_MAX];
};

static struct fixture fx;

static int setup(void **state)
{
    struct load_ref_counts counts;
    struct questionnaire qn = {0};
    struct ruleset rules = {0};
    struct collect c;
    struct principal op;
    struct store *s;
    struct err err;
    (void)state;

    memset(&fx, 0, sizeof(fx));
    test_store_path(fx.path, sizeof(fx.path), "http");
    s = store_open(fx.path, STORE_OPEN_CREATE, &err);
    assert_non_null(s);
    assert_ok(load_reference(s, "data", &counts, &err), &err);
    memset(&c, 0, sizeof(c));
    c.store = s;
    c.qn = &qn;
    c.rules = &rules;
    c.now = (int64_t)time(NULL);
    principal_cli(&op);
    assert_ok(collect_user_add(&c, &op, "fk", ROLE_FOCAL, "KEN",
                               "focal password", &err),
              &err);
    store_close(s);
    fx.h = collect_http_new(fx.path, "data", &err);
    assert_non_null(fx.h);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    collect_http_free(fx.h);
    unlink(fx.path);
    return 0;
}

struct exchange {
    struct http_req req;
    struct http_resp resp;
    struct ctx c;
    char path[128];
};

static void begin(struct exchange *x, const char *method, const char *path,
                  const char *query)
{
    char *p;
    struct err err;

    memset(x, 0, sizeof(*x));
    snprintf(x->path, sizeof(x->path), "%s", path + 1);
    p = x->path;
    while (*p != '\0' && x->req.nseg < HTTP_MAX_SEGS) {
        char *slash = strchr(p, '/');
        x->req.segs[x->req.nseg++] = p;
        if (slash == NULL) {
            break;
        }
        *slash = '\0';
        p = slash + 1;
    }
    x->req.method = method;
    x->req.path = path;
    x->req.raw_uri = path;
    x->req.accept = "";
    assert_ok(query_parse(query, strlen(query), &x->req.query, &err), &err);
    x->resp.status = 200;
    buf_init(&x->resp.body);
    x->c.req = &x->req;
    x->c.resp = &x->resp;
}

static void end(struct exchange *x)
{
    query_cleanup(&x->req.query);
    buf_cleanup(&x->resp.body);
}

static void test_login_upload_pages(void **state)
{
    struct collect_http_in in = {0};
    struct collect_http_out out;
    struct exchange x;
    const char *body;
    (void)state;

    /* Without a session: the login page. */
    in.address = "192.0.2.9";
    begin(&x, "GET", "/collect", "");
    collect_http_page(fx.h, &x.c, &in);
    assert_non_null(strstr(buf_cstr(&x.resp.body), "sign in"));
    assert_true(x.resp.no_cache);
    end(&x);

    /* Log in through the API. */
    begin(&x, "POST", "/api/v1/login", "");
    in.content_type = "application/json";
    in.body = "{\"user\":\"fk\",\"password\":\"focal password\"}";
    in.body_len = strlen(in.body);
    collect_http_api(fx.h, &x.c, &in, &out);
    assert_int_equal(x.resp.status, 200);
    assert_non_null(strstr(out.set_cookie, "HttpOnly; SameSite=Strict"));
    snprintf(fx.cookie, sizeof(fx.cookie), "%.*s",
             (int)strcspn(out.set_cookie, ";"), out.set_cookie);
    assert_true(sscanf(buf_cstr(&x.resp.body), "{\"csrf_token\":\"%79[^\"]",
                       fx.csrf) == 1);
    end(&x);

    /* Upload with the cookie and the CSRF token. */
    begin(&x, "POST", "/api/v1/submissions",
          "economy=KEN&year=2024&name=k.csv");
    in.cookie = fx.cookie;
    in.csrf = fx.csrf;
    in.content_type = "text/csv";
    in.body = good_csv;
    in.body_len = strlen(good_csv);
    collect_http_api(fx.h, &x.c, &in, &out);
    assert_int_equal(x.resp.status, 201);
    assert_string_equal(x.resp.ctype, "application/json");
    end(&x);

    /* A comment with markup is shown escaped. */
    begin(&x, "POST", "/api/v1/submissions/1/comments", "");
    in.content_type = "application/json";
    in.body = "{\"cell\":\"k.csv:2\",\"text\":\"<script>x</script>\"}";
    in.body_len = strlen(in.body);
    collect_http_api(fx.h, &x.c, &in, &out);
    assert_int_equal(x.resp.status, 200);
    end(&x);

    /* The queue and the submission page. */
    in.body = NULL;
    in.body_len = 0;
    begin(&x, "GET", "/collect", "state=draft");
    collect_http_page(fx.h, &x.c, &in);
    body = buf_cstr(&x.resp.body);
    assert_non_null(strstr(body, "Signed in as <b>fk</b>"));
    assert_non_null(strstr(body, "/collect/submissions/1"));
    assert_non_null(strstr(body, fx.csrf));
    end(&x);
    begin(&x, "GET", "/collect/submissions/1", "");
    collect_http_page(fx.h, &x.c, &in);
    body = buf_cstr(&x.resp.body);
    assert_non_null(strstr(body, "k.csv:2"));
    assert_non_null(strstr(body, "K03-i271mw-required"));
    assert_non_null(strstr(body, "&lt;script&gt;"));
    assert_null(strstr(body, "<script>x"));
    assert_non_null(strstr(body, "/submit')"));
    end(&x);

    /* The questionnaire download. */
    begin(&x, "GET", "/collect/questionnaire", "economy=KEN&year=2024");
    collect_http_page(fx.h, &x.c, &in);
    assert_int_equal(x.resp.status, 200);
    assert_true(x.resp.body.len > 1000);
    assert_true(memcmp(x.resp.body.data, "PK", 2) == 0);
    assert_non_null(strstr(x.resp.disposition, "questionnaire-KEN-2024"));
    end(&x);

    /* A bearer-less, cookie-less API call: 401 with WWW-Authenticate. */
    in.cookie = NULL;
    begin(&x, "GET", "/api/v1/submissions", "");
    collect_http_api(fx.h, &x.c, &in, &out);
    assert_int_equal(x.resp.status, 401);
    assert_true(out.www_authenticate);
    end(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_upload_pages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
