/* Compiler attributes used across ictdev: unused results, printf checks.
 * Header only; libc only. */
#ifndef ICTDEV_CORE_COMPILER_H
#define ICTDEV_CORE_COMPILER_H

#if defined(__GNUC__) || defined(__clang__)
#define WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a)  __attribute__((format(printf, f, a)))
#define NORETURN           __attribute__((noreturn))
#define UNUSED             __attribute__((unused))
#else
#define WARN_UNUSED_RESULT
#define PRINTF_LIKE(f, a)
#define NORETURN
#define UNUSED
#endif

#define ARRAY_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#endif
