/* Shared include for unit tests: cmocka plus small helpers. Tests use only
 * the modules' headers. */
#ifndef ICTDEV_TESTS_TESTUTIL_H
#define ICTDEV_TESTS_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka.h needs setjmp.h, stdarg.h and stddef.h first. */
/* clang-format off */
#include <cmocka.h>
/* clang-format on */

/* Assert |a - b| <= tol * max(1, |b|): relative for large values, absolute
 * near zero. */
#define assert_close(a, b, tol)                                                \
    do {                                                                       \
        double a_ = (a), b_ = (b);                                             \
        double s_ = fabs(b_) > 1.0 ? fabs(b_) : 1.0;                           \
        if (!(fabs(a_ - b_) <= (tol)*s_)) {                                    \
            fail_msg("%s = %.17g, want %.17g (tol %g)", #a, a_, b_,            \
                     (double)(tol));                                           \
        }                                                                      \
    } while (0)

/* Assert rc == 0, printing err's message otherwise. */
#define assert_ok(rc, err)                                                     \
    do {                                                                       \
        int rc_ = (rc);                                                        \
        if (rc_ != 0) {                                                        \
            fail_msg("%s failed (%d): %s", #rc, rc_, (err)->msg);              \
        }                                                                      \
    } while (0)

/* A fresh store path for a test into out (cap bytes): a new temporary
 * file name (the file does not exist), or, with
 * ICTDEV_TEST_STORE_BACKEND=postgresql and ICTDEV_TEST_PG (a server's
 * postgres database URI; tests/pg/run-suite.sh sets both), the URI of a
 * fresh PostgreSQL database "u_NAME_PID". unlink(out) is harmless on a
 * URI. name is ours: [a-z0-9_]. */
static inline void test_store_path(char *out, size_t cap, const char *name)
{
    const char *b = getenv("ICTDEV_TEST_STORE_BACKEND");
    const char *admin = getenv("ICTDEV_TEST_PG");
    const char *tail = admin ? strstr(admin, "/postgres?") : NULL;
    char cmd[1024];
    int fd;

    if (b == NULL || strcmp(b, "postgresql") != 0 || tail == NULL) {
        snprintf(out, cap, "/tmp/ictdev-%s-XXXXXX", name);
        fd = mkstemp(out);
        assert_true(fd >= 0);
        close(fd);
        unlink(out);
        return;
    }
    snprintf(cmd, sizeof(cmd),
             "psql -q '%s' -c 'DROP DATABASE IF EXISTS u_%s_%d'"
             " -c 'CREATE DATABASE u_%s_%d' >/dev/null 2>&1",
             admin, name, (int)getpid(), name, (int)getpid());
    assert_int_equal(system(cmd), 0);
    snprintf(out, cap, "%.*s/u_%s_%d%s", (int)(tail - admin), admin, name,
             (int)getpid(), tail + strlen("/postgres"));
}

#endif
