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

#endif
