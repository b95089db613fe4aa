#!/bin/sh
# The store on PostgreSQL (issue 6): starts a throwaway cluster
# (scripts/pg-test-cluster.sh), then runs the store unit tests (and those
# of data collection and plan storage) with ICTDEV_TEST_PG set and every CLI
# end-to-end case on PostgreSQL (a fresh database per case; cases with a
# `backends` file that does not list postgresql are skipped). Each line
# says which backend the test ran on. Without PostgreSQL the suite FAILS
# under CI=true and prints a SKIP line elsewhere. Last line:
# "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
REPO=$(pwd)
pass=0
fail=0
dir=$(mktemp -d /tmp/ictdev-pg.XXXXXX)
rmdir "$dir"
stop() { sh "$REPO/scripts/pg-test-cluster.sh" stop "$dir" >/dev/null 2>&1; }
trap stop EXIT INT TERM
if ! uri=$(sh scripts/pg-test-cluster.sh start "$dir" 2>/tmp/ictdev-pg-start.$$); then
    cat /tmp/ictdev-pg-start.$$
    rm -f /tmp/ictdev-pg-start.$$
    if [ "${CI:-}" = true ]; then
        echo "FAIL pg: PostgreSQL did not start (CI=true: required)"
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "SKIP pg: PostgreSQL is not available here (install Debian's postgresql; required in CI)"
    echo "0 passed, 0 failed"
    exit 0
fi
rm -f /tmp/ictdev-pg-start.$$
echo "postgresql test cluster: $uri"
export ICTDEV_TEST_PG="$uri"
log=$(mktemp)

# Store unit tests on postgresql: test_store, and the tests of data
# collection and plan storage (test_collect_api, test_collect_http,
# test_plan_store: their store is a fresh PostgreSQL database), run all
# their cases on PostgreSQL (ICTDEV_TEST_STORE_BACKEND);
# test_store_backends runs each scenario on both and compares.
for b in build build-san; do
    for t in $b/tests/test_store* $b/tests/test_plan_store \
        $b/tests/test_collect_api $b/tests/test_collect_http; do
        [ -x "$t" ] || continue
        on="postgresql"
        case $t in *test_store_backends) on="sqlite+postgresql" ;; esac
        if ICTDEV_TEST_STORE_BACKEND=postgresql "$t" >"$log" 2>&1; then st=0; else st=$?; fi
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
        p=${p:-0}; f=${f:-0}
        if [ "$st" != 0 ] && [ "$f" = 0 ]; then f=1; fi
        pass=$((pass + p)); fail=$((fail + f))
        if [ "$f" != 0 ]; then
            echo "FAIL unit $b/$(basename "$t") [$on]"; cat "$log"
        else
            echo "ok   unit $b/$(basename "$t") ($p tests) [$on]"
        fi
    done
done

# CLI end-to-end cases on postgresql, a fresh database each.
export ICTDEV_CLI_FRESH_DB="name=\$(echo \"\$1\" | tr -c 'a-z0-9\n' '_' | cut -c1-40); psql -q '$uri' -c \"DROP DATABASE IF EXISTS c_\$name\" -c \"CREATE DATABASE c_\$name\" >/dev/null 2>&1 && echo '$uri' | sed \"s|/postgres?|/c_\$name?|\""
ICTDEV_TEST_BACKEND=postgresql sh tests/cli/run.sh build/ictdev >"$log" 2>&1
sed -e 's/^\(ok   cli .*\)$/\1 [postgresql]/' -e 's/^\(FAIL cli [^:]*\)/\1 [postgresql]/' "$log" | grep -v '^cli:'
p=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | cut -d' ' -f1)
f=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 | cut -d' ' -f3)
pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
rm -f "$log"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
