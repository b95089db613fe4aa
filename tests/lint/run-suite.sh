#!/bin/sh
# Source checks that a green build can hide (STYLE.md §7, §9, §10): banned
# libc calls, direct allocator calls outside core/mem.c, clang-format.
# Last line: "N passed, N failed".
cd "$(dirname "$0")/../.."
pass=0
fail=0
check() { # name, command; the command prints offending lines
    out=$(sh -c "$2")
    if [ -z "$out" ]; then
        pass=$((pass + 1)); echo "ok   lint $1"
    else
        fail=$((fail + 1)); echo "FAIL lint $1"; echo "$out" | head -20
    fi
}
check banned-calls "grep -rnE '\\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|atof|strtok)[[:space:]]*\\(' src tests --include='*.c' --include='*.h' | grep -v snprintf"
check allocator "grep -rnE '(^|[^_a-z.>])(malloc|calloc|realloc|free)[[:space:]]*\\(' src --include='*.c' | grep -v '^src/core/mem.c' | grep -v 'allocator it came from' | grep -v 'realpath' | grep -vE 'free\\(real\\)'"
if command -v clang-format >/dev/null 2>&1; then
    check clang-format "clang-format --dry-run --Werror \$(find src tests -name '*.[ch]') 2>&1 | grep -E 'error|warning' | head -20"
else
    echo "SKIP lint clang-format (not installed)"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
