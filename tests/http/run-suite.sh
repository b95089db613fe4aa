#!/bin/sh
# HTTP end-to-end suite: builds a small fixture store (tests/http/
# mkfixture.c over store.h), starts `ictdev serve --port 0` (the sanitizer
# build when it exists, so leaks and memory errors fail the suite), runs
# tests/http/api_test.py against it, then stops it with SIGTERM and checks a
# clean exit. Last line: "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
bin=build/ictdev
[ -x build-san/ictdev ] && bin=build-san/ictdev
lib=build/libictdev.a
pass=0
fail=0
finish() {
    rm -rf "$tmp"
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
    exit $?
}
if [ ! -x "$bin" ] || [ ! -f "$lib" ]; then
    echo "FAIL http: build first (make)"; fail=1; finish
fi
# shellcheck disable=SC2046
if ! cc -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc \
        $(pkg-config --cflags sqlite3 jansson) -o "$tmp/mkfixture" \
        tests/http/mkfixture.c "$lib" \
        $(pkg-config --libs sqlite3 jansson libmicrohttpd zlib libsodium libpq) \
        -lreadstat -lm -lpthread; then
    echo "FAIL http: fixture builder does not compile"; fail=1; finish
fi
if ! "$tmp/mkfixture" "$tmp/test.db" .; then
    echo "FAIL http: fixture"; fail=1; finish
fi
# Aggregates (and derived values) as `make run` has them, so the aggregate
# endpoints and pages are tested on computed values.
if ! build/ictdev --db "$tmp/test.db" compute >"$tmp/compute.out" 2>&1; then
    echo "FAIL http: compute on the fixture"; cat "$tmp/compute.out"
    fail=1; finish
fi
"$bin" --db "$tmp/test.db" serve --port 0 >"$tmp/out" 2>"$tmp/err" &
pid=$!
port=""
i=0
while [ $i -lt 100 ]; do
    port=$(sed -n 's|^listening on http://[0-9.]*:\([0-9]*\)/$|\1|p' \
        "$tmp/out" 2>/dev/null)
    [ -n "$port" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
done
if [ -z "$port" ]; then
    echo "FAIL http: server did not start"; cat "$tmp/err"; fail=1; finish
fi
python3 tests/http/api_test.py "$port" >"$tmp/py" 2>&1
cat "$tmp/py" | sed '$d'
p=$(tail -1 "$tmp/py" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
f=$(tail -1 "$tmp/py" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
if [ -z "$p" ]; then
    echo "FAIL http: api_test.py crashed"; tail -20 "$tmp/py"; f=1; p=0
fi
pass=$((pass + p))
fail=$((fail + f))
# The computed results (aggregates, IDI, affordability) against the CLI's
# output for the same store.
python3 tests/http/results_test.py "$port" "$tmp/test.db" build/ictdev \
    >"$tmp/py2" 2>&1
sed '$d' "$tmp/py2"
p=$(tail -1 "$tmp/py2" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
f=$(tail -1 "$tmp/py2" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
if [ -z "$p" ]; then
    echo "FAIL http: results_test.py crashed"; tail -20 "$tmp/py2"; f=1; p=0
fi
pass=$((pass + p))
fail=$((fail + f))
# A load while the server runs: the CSV answer loads back unchanged, a
# changed value makes a new revision, and the server's ETag and answer
# follow within a second or so (the revision is re-read once a second).
u="http://127.0.0.1:$port/api/v1/data/i99H/KEN?years=2020&format=csv"
e0=$(curl -sI "$u" | tr -d '\r' | sed -n 's/^ETag: //Ip')
curl -s "$u" >"$tmp/ken.csv"
if "$bin" --db "$tmp/test.db" load "$tmp/ken.csv" 2>&1 | grep -q '0 new revisions'; then
    pass=$((pass + 1)); echo "ok   CSV answer loads back unchanged"
else
    fail=$((fail + 1)); echo "FAIL CSV answer loads back unchanged"
fi
sed 's/^\(KEN,i99H,2020,\)[0-9.]*/\1 12.5/; s/, 12.5/,12.5/' "$tmp/ken.csv" >"$tmp/ken2.csv"
"$bin" --db "$tmp/test.db" load "$tmp/ken2.csv" >/dev/null 2>&1
sleep 1.2
e1=$(curl -sI "$u" | tr -d '\r' | sed -n 's/^ETag: //Ip')
if [ -n "$e0" ] && [ "$e0" != "$e1" ] && curl -s "$u" | grep -q '^KEN,i99H,2020,12.5,'; then
    pass=$((pass + 1)); echo "ok   load while serving: new revision, new ETag"
else
    fail=$((fail + 1)); echo "FAIL load while serving ($e0 -> $e1)"
fi
kill -TERM $pid
if wait $pid; then
    pass=$((pass + 1)); echo "ok   graceful shutdown on SIGTERM"
else
    fail=$((fail + 1)); echo "FAIL graceful shutdown (status $?)"
    grep -v '^[A-Z]* /' "$tmp/err" | tail -40
fi
if grep -q 'shutting down' "$tmp/err" &&
   grep -Eq '^GET /healthz 200 [0-9]+ [0-9]+us$' "$tmp/err"; then
    pass=$((pass + 1)); echo "ok   request log lines"
else
    fail=$((fail + 1)); echo "FAIL request log lines"; tail -5 "$tmp/err"
fi
if grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$tmp/err"; then
    fail=$((fail + 1)); echo "FAIL sanitizer report"
    grep -A30 'Sanitizer\|runtime error' "$tmp/err" | head -60
else
    pass=$((pass + 1)); echo "ok   no sanitizer reports"
fi
finish
