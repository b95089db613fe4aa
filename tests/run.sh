#!/bin/sh
# Runs the whole suite on both builds (build/ plain, build-san/ with
# ASan+UBSan): unit tests, fuzz corpus replay, CLI end-to-end tests, and any
# tests/*/run-suite.sh a module adds. The last line is the total:
# "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
pass=0
fail=0
log=$(mktemp)
count() { # add "N passed, M failed" found in $log
    p=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | cut -d' ' -f1)
    f=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | cut -d' ' -f3)
    pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
}
for b in build build-san; do
    for t in $b/tests/test_*; do
        [ -x "$t" ] || continue
        if "$t" >"$log" 2>&1; then st=0; else st=$?; fi
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
        p=${p:-0}; f=${f:-0}
        if [ "$st" != 0 ] && [ "$f" = 0 ]; then f=1; fi
        pass=$((pass + p)); fail=$((fail + f))
        if [ "$f" != 0 ]; then
            echo "FAIL unit $b/$(basename "$t")"; cat "$log"
        else
            echo "ok   unit $b/$(basename "$t") ($p tests)"
        fi
    done
    for t in $b/fuzz/fuzz_*; do
        [ -x "$t" ] || continue
        name=$(basename "$t"); corpus=tests/fuzz/corpus/${name#fuzz_}
        if "$t" "$corpus" >"$log" 2>&1; then
            pass=$((pass + 1)); echo "ok   fuzz-replay $b/$name ($(tail -1 "$log"))"
        else
            fail=$((fail + 1)); echo "FAIL fuzz-replay $b/$name"; tail -30 "$log"
        fi
    done
    sh tests/cli/run.sh "$b/ictdev" >"$log" 2>&1
    grep -v '^ok' "$log" | grep -v '^cli:' ; grep '^cli:' "$log" | sed "s|^cli:|cli ($b):|"
    count
done
for s in tests/*/run-suite.sh; do
    [ -f "$s" ] || continue
    sh "$s" >"$log" 2>&1
    grep -E '^(FAIL|SKIP)' "$log"; tail -1 "$log" | sed "s|^|$(dirname "$s"): |"
    count
done
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
