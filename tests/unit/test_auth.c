/* Unit tests for collect/auth: password hashes, tokens, CSRF, constant-time
 * equality, throttling. */
#include "collect/auth.h"
#include "testutil.h"

static void test_password(void **state)
{
    char h[AUTH_HASH_MAX];
    char h2[AUTH_HASH_MAX];
    struct err err;
    (void)state;

    assert_ok(auth_password_hash("correct horse", 13, h, &err), &err);
    assert_true(strncmp(h, "$argon2id$", 10) == 0);
    assert_true(auth_password_verify(h, "correct horse", 13));
    assert_false(auth_password_verify(h, "correct horsf", 13));
    assert_false(auth_password_verify(h, "", 0));
    assert_false(auth_password_verify("plain", "plain", 5));
    assert_ok(auth_password_hash("correct horse", 13, h2, &err), &err);
    assert_string_not_equal(h, h2); /* salted */
    assert_int_equal(auth_password_hash("short", 5, h, &err), ERR_INVALID);
}

static void test_tokens(void **state)
{
    char a[AUTH_TOKEN_MAX];
    char b[AUTH_TOKEN_MAX];
    char hex[AUTH_SHA256_HEX];
    (void)state;

    auth_token_new("ictd_", a);
    auth_token_new("ictd_", b);
    assert_int_equal(strlen(a), 5 + 43);
    assert_true(strncmp(a, "ictd_", 5) == 0);
    assert_string_not_equal(a, b);
    assert_true(strspn(a + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
                              "tuvwxyz0123456789-_") == 43);
    auth_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a"
                             "9cb410ff61f20015ad");
    assert_true(auth_equal("abc", "abc"));
    assert_false(auth_equal("abc", "abd"));
    assert_false(auth_equal("abc", "abcd"));
}

static void test_csrf(void **state)
{
    char s[AUTH_TOKEN_MAX];
    char t[AUTH_TOKEN_MAX];
    (void)state;

    auth_token_new("s_", s);
    auth_csrf_token(s, t);
    assert_true(auth_csrf_check(s, t));
    assert_false(auth_csrf_check(s, "nope"));
    assert_false(auth_csrf_check("", t));
    assert_false(auth_csrf_check("s_other", t));
}

static void test_throttle(void **state)
{
    struct auth_throttle *t = auth_throttle_new(3, 900, 60);
    (void)state;

    assert_int_equal(auth_throttle_wait(t, "user:alice", 1000), 0);
    auth_throttle_fail(t, "user:alice", 1000);
    auth_throttle_fail(t, "user:alice", 1001);
    assert_int_equal(auth_throttle_wait(t, "user:alice", 1002), 0);
    auth_throttle_fail(t, "user:alice", 1002);
    assert_int_equal(auth_throttle_wait(t, "user:alice", 1002), 60);
    assert_int_equal(auth_throttle_wait(t, "user:bob", 1002), 0);
    assert_int_equal(auth_throttle_wait(t, "user:alice", 1062), 0);
    auth_throttle_fail(t, "user:alice", 1062); /* 4th: lock doubles */
    assert_int_equal(auth_throttle_wait(t, "user:alice", 1062), 120);
    auth_throttle_ok(t, "user:alice");
    assert_int_equal(auth_throttle_wait(t, "user:alice", 1063), 0);
    /* Old failures are forgotten after the window. */
    auth_throttle_fail(t, "addr:192.0.2.1", 0);
    auth_throttle_fail(t, "addr:192.0.2.1", 1);
    auth_throttle_fail(t, "addr:192.0.2.1", 5000);
    assert_int_equal(auth_throttle_wait(t, "addr:192.0.2.1", 5000), 0);
    /* The table stays bounded under a flood of keys. */
    for (int i = 0; i < 3 * AUTH_THROTTLE_SLOTS; i++) {
        char key[32];
        snprintf(key, sizeof(key), "addr:%d", i);
        auth_throttle_fail(t, key, 6000);
    }
    auth_throttle_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_csrf),
        cmocka_unit_test(test_throttle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
