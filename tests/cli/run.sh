#!/bin/sh
# End-to-end CLI tests. Each case is a directory tests/cli/NNNN-name/ with:
#   cmd           shell commands; $ICTDEV is the binary, $REPO the repo root,
#                 $SHARED the shared data folder; runs in a fresh temp dir
#                 with ICTDEV_DB=$PWD/test.db
#   stdin         optional standard input
#   expected.out  optional: standard output must match exactly
#   expected.err  optional: standard error must match exactly
#   status        optional: expected exit status (default 0)
# Usage: tests/cli/run.sh BINARY [CASE...]. Prints one line per case and
# "cli: N passed, N failed" last.
# Backends (issue 6): ICTDEV_TEST_BACKEND (default sqlite) names the store
# backend of the run; a case with a file `backends` (e.g. "postgresql")
# runs only on the backends it lists. ICTDEV_CLI_FRESH_DB, if set, is a
# command that prints a fresh store for the case (its argument: the case
# name), used as ICTDEV_DB instead of $PWD/test.db.
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${ICTDEV_SHARED:-$REPO/../shared}
export REPO SHARED
cases=${*:-$(ls -d "$REPO"/tests/cli/[0-9]*/ 2>/dev/null)}
pass=0
fail=0
for c in $cases; do
    c=${c%/}
    name=$(basename "$c")
    backend=${ICTDEV_TEST_BACKEND:-sqlite}
    if [ -f "$c/backends" ] && ! grep -qw "$backend" "$c/backends"; then
        echo "skip cli $name (not on $backend)"
        continue
    fi
    tmp=$(mktemp -d)
    db="$tmp/test.db"
    if [ -n "${ICTDEV_CLI_FRESH_DB:-}" ]; then
        db=$(sh -c "$ICTDEV_CLI_FRESH_DB" sh "$name") || db=""
    fi
    want_status=0
    [ -f "$c/status" ] && want_status=$(cat "$c/status")
    in=/dev/null
    [ -f "$c/stdin" ] && in="$c/stdin"
    (cd "$tmp" && ICTDEV="$bin" ICTDEV_DB="$db" ICTDEV_NO_PROGRESS=1 \
        CASE="$c" sh "$c/cmd" <"$in" >"$tmp/.out" 2>"$tmp/.err")
    got=$?
    ok=1
    why=""
    if [ "$got" != "$want_status" ]; then
        ok=0; why="status $got, want $want_status"
    fi
    if [ $ok = 1 ] && [ -f "$c/expected.out" ] && ! cmp -s "$c/expected.out" "$tmp/.out"; then
        ok=0; why="stdout differs"
        diff -u "$c/expected.out" "$tmp/.out" | head -20
    fi
    if [ $ok = 1 ] && [ -f "$c/expected.err" ] && ! cmp -s "$c/expected.err" "$tmp/.err"; then
        ok=0; why="stderr differs"
        diff -u "$c/expected.err" "$tmp/.err" | head -20
    fi
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
        echo "ok   cli $name"
    else
        fail=$((fail + 1))
        echo "FAIL cli $name: $why"
        head -c 2000 "$tmp/.err"
    fi
    rm -rf "$tmp"
done
echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
