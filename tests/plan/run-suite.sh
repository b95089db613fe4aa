#!/bin/sh
# The results framework over HTTP: a store with the bundled data and
# compute's aggregates, `ictdev serve --port 0`, then the /api/v1/plan
# endpoints and the /plan page, a plan change seen by the server, IATI
# validated with xmllint. Last line: "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
# The plain build: every plan request measures the whole plan, which under
# ASan takes seconds on a loaded machine; the plan code itself runs under
# the sanitizers in tests/unit and tests/cli.
bin=build/ictdev
pass=0
fail=0
pid=""
finish() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
    exit $?
}
check() { # NAME COMMAND...: one case
    name=$1
    shift
    if "$@" >"$tmp/check.log" 2>&1; then
        pass=$((pass + 1)); echo "ok   plan-http $name"
    else
        fail=$((fail + 1)); echo "FAIL plan-http $name"; head -20 "$tmp/check.log"
    fi
}
db="$tmp/p.db"
if ! build/ictdev --db "$db" init >/dev/null 2>&1 ||
    ! build/ictdev --db "$db" compute >/dev/null 2>&1; then
    echo "FAIL plan-http: init/compute"; fail=1; finish
fi
"$bin" --db "$db" serve --port 0 >"$tmp/out" 2>"$tmp/err" &
pid=$!
port=""
i=0
while [ $i -lt 100 ]; do
    port=$(sed -n 's|^listening on http://[0-9.]*:\([0-9]*\)/$|\1|p' \
        "$tmp/out" 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.1
    i=$((i + 1))
done
if [ -z "$port" ]; then
    echo "FAIL plan-http: server did not start"; cat "$tmp/err"; fail=1
    finish
fi
base="http://127.0.0.1:$port"
check api python3 tests/plan/http_test.py "$base"
check iati-valid sh -c "python3 tests/plan/http_test.py '$base' --get /api/v1/plan/iati >'$tmp/a.xml' &&
    xmllint --noout --schema tests/plan/iati/iati-activities-schema.xsd \
    '$tmp/a.xml'"
# A change made with the CLI shows in the next answer.
check edit-visible sh -c "
    ! python3 tests/plan/http_test.py '$base' --get /api/v1/plan/links/O5.2 | grep -q K90 &&
    '$bin' --db '$db' plan put '{\"id\":\"K90\",\"kind\":\"kpi\",\"parent\":\"O5.2\",\"name\":\"CIRTs\",\"unit\":\"economies\",\"direction\":\"up\",\"measure\":\"reported\",\"baseline\":{\"value\":0,\"year\":2022},\"target\":{\"value\":3,\"year\":2025}}' >/dev/null &&
    python3 tests/plan/http_test.py '$base' --get /api/v1/plan/links/O5.2 | grep -q K90"
finish
