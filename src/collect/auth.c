/* Authentication primitives over libsodium (see auth.h). */
#include "auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mem.h"
#include "../core/strmap.h"

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void sodium_setup(void)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "ictdev: libsodium failed to initialise\n");
        abort();
    }
}

static void ready(void)
{
    (void)pthread_once(&sodium_once, sodium_setup);
}

int auth_password_hash(const char *pw, size_t len, char out[AUTH_HASH_MAX],
                       struct err *err)
{
    ready();
    if (len < AUTH_PASSWORD_MIN) {
        return err_set(err, ERR_INVALID,
                       "a password needs at least %d characters",
                       AUTH_PASSWORD_MIN);
    }
    if (len > AUTH_PASSWORD_MAX) {
        return err_set(err, ERR_INVALID, "a password is at most %d bytes",
                       AUTH_PASSWORD_MAX);
    }
    /* crypto_pwhash_str picks Argon2id (ALG_DEFAULT) and writes a
     * self-describing string with its salt and cost parameters. */
    if (crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        return err_set(err, ERR_INTERNAL, "password hashing failed");
    }
    return 0;
}

bool auth_password_verify(const char *hash, const char *pw, size_t len)
{
    ready();
    if (hash == NULL || strncmp(hash, "$argon2id$", 10) != 0 ||
        len > AUTH_PASSWORD_MAX) {
        return false;
    }
    return crypto_pwhash_str_verify(hash, pw, len) == 0;
}

void auth_token_new(const char *prefix, char out[AUTH_TOKEN_MAX])
{
    unsigned char raw[32];
    size_t plen = strnlen(prefix, 16);

    ready();
    randombytes_buf(raw, sizeof(raw));
    memcpy(out, prefix, plen);
    sodium_bin2base64(out + plen, AUTH_TOKEN_MAX - plen, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void auth_sha256_hex(const void *data, size_t len, char out[AUTH_SHA256_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];

    ready();
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, AUTH_SHA256_HEX, h, sizeof(h));
}

bool auth_equal(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);

    ready();
    if (la != lb) {
        return false;
    }
    return sodium_memcmp(a, b, la) == 0;
}

void auth_csrf_token(const char *session_id, char out[AUTH_TOKEN_MAX])
{
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];

    ready();
    /* The session id is the key; hashing it first gives a fixed-size key
     * whatever the id's length. */
    crypto_hash_sha256(key, (const unsigned char *)session_id,
                       strlen(session_id));
    crypto_auth_hmacsha256(mac, (const unsigned char *)"csrf", 4, key);
    sodium_bin2base64(out, AUTH_TOKEN_MAX, mac, sizeof(mac),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(key, sizeof(key));
}

bool auth_csrf_check(const char *session_id, const char *token)
{
    char want[AUTH_TOKEN_MAX];

    if (session_id == NULL || token == NULL || session_id[0] == '\0') {
        return false;
    }
    auth_csrf_token(session_id, want);
    return auth_equal(want, token);
}

/* ---- Throttling --------------------------------------------------------- */

#define PROBE         8
#define LOCKOUT_LIMIT 3600

struct slot {
    uint64_t hash; /* 0 = empty */
    unsigned failures;
    int64_t last; /* time of the last failure */
};

struct auth_throttle {
    pthread_mutex_t lock;
    unsigned max_failures;
    int64_t window;
    int64_t lockout;
    struct slot slots[AUTH_THROTTLE_SLOTS];
};

struct auth_throttle *auth_throttle_new(unsigned max_failures, int64_t window,
                                        int64_t lockout)
{
    struct auth_throttle *t = xcalloc(1, sizeof(*t));

    pthread_mutex_init(&t->lock, NULL);
    t->max_failures = max_failures ? max_failures : 1;
    t->window = window;
    t->lockout = lockout;
    return t;
}

void auth_throttle_free(struct auth_throttle *t)
{
    if (t == NULL) {
        return;
    }
    pthread_mutex_destroy(&t->lock);
    xfree(t);
}

static uint64_t key_hash(const char *key)
{
    uint64_t h = strmap_hash(key, strlen(key));

    return h ? h : 1;
}

/* The slot of hash, or NULL. Caller holds the lock. */
static struct slot *find(struct auth_throttle *t, uint64_t h)
{
    for (size_t i = 0; i < PROBE; i++) {
        struct slot *s = &t->slots[(h + i) % AUTH_THROTTLE_SLOTS];
        if (s->hash == h) {
            return s;
        }
    }
    return NULL;
}

static int64_t lock_length(const struct auth_throttle *t, unsigned failures)
{
    int64_t len = t->lockout;

    for (unsigned i = t->max_failures; i < failures && len < LOCKOUT_LIMIT;
         i++) {
        len *= 2;
    }
    return len < LOCKOUT_LIMIT ? len : LOCKOUT_LIMIT;
}

static bool expired(const struct auth_throttle *t, const struct slot *s,
                    int64_t now)
{
    int64_t keep = t->window;
    int64_t lock = lock_length(t, s->failures);

    if (lock > keep) {
        keep = lock;
    }
    return s->hash == 0 || now - s->last > keep;
}

int64_t auth_throttle_wait(struct auth_throttle *t, const char *key,
                           int64_t now)
{
    struct slot *s;
    int64_t wait = 0;

    pthread_mutex_lock(&t->lock);
    s = find(t, key_hash(key));
    if (s != NULL && !expired(t, s, now) && s->failures >= t->max_failures) {
        int64_t until = s->last + lock_length(t, s->failures);
        wait = until > now ? until - now : 0;
    }
    pthread_mutex_unlock(&t->lock);
    return wait;
}

void auth_throttle_fail(struct auth_throttle *t, const char *key, int64_t now)
{
    uint64_t h = key_hash(key);
    struct slot *s;

    pthread_mutex_lock(&t->lock);
    s = find(t, h);
    if (s != NULL && expired(t, s, now)) {
        s->failures = 0;
    }
    if (s == NULL) {
        struct slot *oldest = NULL;
        for (size_t i = 0; i < PROBE; i++) {
            struct slot *c = &t->slots[(h + i) % AUTH_THROTTLE_SLOTS];
            if (expired(t, c, now)) {
                oldest = c;
                break;
            }
            if (oldest == NULL || c->last < oldest->last) {
                oldest = c;
            }
        }
        s = oldest;
        s->hash = h;
        s->failures = 0;
    }
    if (s->failures < 1000) {
        s->failures++;
    }
    s->last = now;
    pthread_mutex_unlock(&t->lock);
}

void auth_throttle_ok(struct auth_throttle *t, const char *key)
{
    struct slot *s;

    pthread_mutex_lock(&t->lock);
    s = find(t, key_hash(key));
    if (s != NULL) {
        memset(s, 0, sizeof(*s));
    }
    pthread_mutex_unlock(&t->lock);
}
