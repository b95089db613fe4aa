/* Authentication primitives for data collection: Argon2id password hashes,
 * random API tokens and session ids (shown once, kept only as SHA-256
 * hashes), CSRF tokens bound to a session, constant-time comparison, and
 * login throttling per account and per address. Wraps libsodium (the only
 * module that includes <sodium.h>); no I/O, no storage.
 *
 * Threads: every function is thread-safe (sodium_init runs once); a struct
 * auth_throttle has its own lock. */
#ifndef ICTDEV_COLLECT_AUTH_H
#define ICTDEV_COLLECT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/compiler.h"
#include "../core/err.h"

#define AUTH_HASH_MAX     128 /* bytes of an encoded Argon2id hash + NUL */
#define AUTH_TOKEN_MAX    80  /* bytes of a token or session id + NUL */
#define AUTH_SHA256_HEX   65  /* 64 hex digits + NUL */
#define AUTH_PASSWORD_MIN 8   /* bytes */
#define AUTH_PASSWORD_MAX 1024

/* Hash a password with Argon2id (libsodium's interactive limits) into out
 * ("$argon2id$v=19$..."). ERR_INVALID: shorter than AUTH_PASSWORD_MIN or
 * longer than AUTH_PASSWORD_MAX bytes; ERR_INTERNAL if hashing fails (out
 * of memory). */
int auth_password_hash(const char *pw, size_t len, char out[AUTH_HASH_MAX],
                       struct err *err) WARN_UNUSED_RESULT;

/* True if pw matches hash (in constant time for the hash work). False for
 * a malformed hash. */
bool auth_password_verify(const char *hash, const char *pw, size_t len);

/* Write a new random secret: prefix followed by 43 base64url characters
 * (256 random bits), e.g. "ictd_..." for API tokens, "s_" for sessions.
 * prefix is at most 16 bytes. Cannot fail. */
void auth_token_new(const char *prefix, char out[AUTH_TOKEN_MAX]);

/* SHA-256 of len bytes of data as 64 lowercase hex digits. */
void auth_sha256_hex(const void *data, size_t len, char out[AUTH_SHA256_HEX]);

/* True if the two NUL-terminated strings are equal, comparing in time that
 * depends only on their lengths. */
bool auth_equal(const char *a, const char *b);

/* The CSRF token of a session: base64url(HMAC-SHA256(session_id, "csrf")).
 * Only someone who holds the (HttpOnly) session id can make it. */
void auth_csrf_token(const char *session_id, char out[AUTH_TOKEN_MAX]);

/* True if token is the CSRF token of session_id. */
bool auth_csrf_check(const char *session_id, const char *token);

/* Login throttling. Each key ("user:alice", "addr:192.0.2.1") counts its
 * failures; from max_failures on, the key is locked for lockout seconds,
 * doubling with each further failure up to 1 hour. A success clears the
 * key. Failures older than window seconds are forgotten. The table is
 * bounded (AUTH_THROTTLE_SLOTS); when it is full of live entries the
 * oldest nearby entry is replaced. */
#define AUTH_THROTTLE_SLOTS 4096

struct auth_throttle;

/* Return an owned throttle (free with auth_throttle_free). Cannot fail. */
struct auth_throttle *auth_throttle_new(unsigned max_failures, int64_t window,
                                        int64_t lockout);
void auth_throttle_free(struct auth_throttle *t);
/* Seconds key must still wait at time now (Unix seconds), 0 if it may
 * try. */
int64_t auth_throttle_wait(struct auth_throttle *t, const char *key,
                           int64_t now);
/* Record a failed attempt of key at now. */
void auth_throttle_fail(struct auth_throttle *t, const char *key, int64_t now);
/* Record a success: key's failures are forgotten. */
void auth_throttle_ok(struct auth_throttle *t, const char *key);

#endif
