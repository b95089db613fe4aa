#!/bin/sh
# Data collection, suite 1: the role x action x own/other-economy matrix of
# the API (tests/unit/test_collect_api.c on a real temporary store), one
# line per cell, "nothing written" checked on every 401/403.
# Suite 2: the same API over HTTP through `ictdev serve` with curl: tokens,
# the session cookie's flags, CSRF, denials that leave the store unchanged,
# approval visible in /api/v1/data, body limits, the portal pages.
# Both suites run on SQLite, then once more on PostgreSQL in a throwaway
# cluster (scripts/pg-test-cluster.sh; lines end in "[postgresql]"); without
# PostgreSQL that part FAILS under CI=true and prints a SKIP line elsewhere.
# Last line: "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
REPO=$(pwd)
pass=0
fail=0
tag=""
bin=build/tests/test_collect_api
matrix() {
    if [ -x "$bin" ]; then
        out=$("$bin" 2>&1)
        echo "$out" | grep '^matrix' | sed "s/\$/$tag/"
        pass=$((pass + $(echo "$out" | grep -c '^matrix ok')))
        fail=$((fail + $(echo "$out" | grep -c '^matrix FAIL')))
    else
        echo "FAIL $bin not built (make unit)"; fail=$((fail + 1))
    fi
}
matrix

# The sanitizer build when there is one: the server runs under ASan+UBSan.
[ -x build-san/ictdev ] && dflt=build-san/ictdev || dflt=build/ictdev
ICTDEV=$PWD/${COLLECT_BIN:-$dflt}
tmp=$(mktemp -d)
export ICTDEV_DB=$tmp/t.db ICTDEV_NO_PROGRESS=1
srv=""
pgdir=""
cleanup() {
    [ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"
    [ -n "$pgdir" ] && sh "$REPO/scripts/pg-test-cluster.sh" stop "$pgdir" >/dev/null 2>&1
}
trap cleanup EXIT
check() { # name, expected, got
    if [ "$2" = "$3" ]; then
        pass=$((pass + 1)); echo "ok   http $1 -> $3$tag"
    else
        fail=$((fail + 1)); echo "FAIL http $1: got '$3', want '$2'$tag"
    fi
}
# The store's state, on either backend (tests/cli/sql.sh: sqlite3 or psql).
state() { sh "$REPO/tests/cli/sql.sh" "$ICTDEV_DB" "SELECT id, state FROM submissions ORDER BY id; SELECT (SELECT count(*) FROM audit), (SELECT coalesce(sum(cells), 0) FROM blocks), (SELECT count(*) FROM review_comments)"; }

http_suite() {
    rm -f "$tmp/srv.out" "$tmp/srv.err"
    "$ICTDEV" init --empty >/dev/null
    echo "focal password" | "$ICTDEV" user add fk --role focal --economy KEN >/dev/null
    "$ICTDEV" user add fu --role focal --economy UGA </dev/null >/dev/null
    "$ICTDEV" user add an --role analyst </dev/null >/dev/null
    "$ICTDEV" user add vi --role viewer </dev/null >/dev/null
    TK=$("$ICTDEV" token create fk); TU=$("$ICTDEV" token create fu)
    TA=$("$ICTDEV" token create an); TV=$("$ICTDEV" token create vi)
    "$ICTDEV" serve --port 0 --quiet >"$tmp/srv.out" 2>"$tmp/srv.err" &
    srv=$!
    for i in 1 2 3 4 5 6 7 8 9 10; do
        grep -q listening "$tmp/srv.out" 2>/dev/null && break
        sleep 0.3
    done
    URL=$(sed -n 's/^listening on //p' "$tmp/srv.out")
    printf 'economy,indicator,year,value,note\nKEN,i112,2024,70000,\nKEN,i271,2024,65000000,\nKEN,i271mw,2024,40000000,\nKEN,i4213tfbb,2024,1000000,no tiers yet\nKEN,i271pop,2024,98,\nKEN,i271G,2024,95,\nKEN,i271GA,2024,90,\nKEN,i4214,2024,3000000,\n' >"$tmp/k.csv"
    post() { # token, path, [body file], [content type] -> status
        curl -s -o "$tmp/body" -w '%{http_code}' -X POST ${1:+-H "Authorization: Bearer $1"} \
            -H "Content-Type: ${4:-text/csv}" --data-binary "@${3:-/dev/null}" "$URL$2"
    }
    get() { curl -s -o "$tmp/body" -w '%{http_code}' ${1:+-H "Authorization: Bearer $1"} "$URL$2"; }

    if [ -z "$URL" ]; then
        fail=$((fail + 1)); echo "FAIL http: server did not start"; cat "$tmp/srv.err"
    else
        before=$(state)
        check "upload, no token" 401 "$(post "" 'api/v1/submissions?economy=KEN' "$tmp/k.csv")"
        check "upload, bad token" 401 "$(post nope 'api/v1/submissions?economy=KEN' "$tmp/k.csv")"
        check "upload by viewer" 403 "$(post "$TV" 'api/v1/submissions?economy=KEN' "$tmp/k.csv")"
        check "upload by analyst" 403 "$(post "$TA" 'api/v1/submissions?economy=KEN' "$tmp/k.csv")"
        check "upload by focal of UGA for KEN" 403 "$(post "$TU" 'api/v1/submissions?economy=KEN' "$tmp/k.csv")"
        check "nothing written by the denials" "$before" "$(state)"
        check "upload by focal of KEN" 201 "$(post "$TK" 'api/v1/submissions?economy=KEN&name=k.csv' "$tmp/k.csv")"
        check "upload answer names cells" 1 "$(grep -c '"cell":"k.csv:' "$tmp/body")"
        before=$(state)
        check "submit by other focal" 403 "$(post "$TU" api/v1/submissions/1/submit)"
        check "submit by analyst" 403 "$(post "$TA" api/v1/submissions/1/submit)"
        check "nothing written by the denials" "$before" "$(state)"
        check "submit by own focal" 200 "$(post "$TK" api/v1/submissions/1/submit)"
        before=$(state)
        check "approve by focal" 403 "$(post "$TK" api/v1/submissions/1/approve)"
        check "approve by viewer" 403 "$(post "$TV" api/v1/submissions/1/approve)"
        check "return without token" 401 "$(post "" api/v1/submissions/1/return /dev/null application/json)"
        check "nothing written by the denials" "$before" "$(state)"
        check "approve by analyst" 200 "$(post "$TA" api/v1/submissions/1/approve)"
        check "approved value is published" 1 "$(curl -s "${URL}api/v1/data/i271GA/KEN" | grep -c '"value":90')"
        check "approve twice" 409 "$(post "$TA" api/v1/submissions/1/approve)"
        check "queue for analyst" 200 "$(get "$TA" 'api/v1/submissions?state=approved&region=AFR')"
        check "queue for viewer" 403 "$(get "$TV" api/v1/submissions)"
        check "other economy's submission" 403 "$(get "$TU" api/v1/submissions/1)"
        check "wrong content type" 415 "$(post "$TK" 'api/v1/submissions?economy=KEN' "$tmp/k.csv" image/png)"
        head -c 40000000 /dev/zero >"$tmp/big"
        check "body over 32 MiB" 413 "$(post "$TK" 'api/v1/submissions?economy=KEN' "$tmp/big")"
        printf '{"user":"fk","password":"focal password"}' >"$tmp/login.json"
        hdr=$(curl -s -D - -o "$tmp/body" -X POST -H 'Content-Type: application/json' --data-binary "@$tmp/login.json" "${URL}api/v1/login")
        check "login cookie is HttpOnly and SameSite=Strict" 1 "$(echo "$hdr" | grep -ci '^set-cookie: ictdev_session=.*HttpOnly; SameSite=Strict')"
        ck=$(echo "$hdr" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\);.*/\1/p')
        csrf=$(sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p' "$tmp/body")
        check "cookie POST without CSRF token" 403 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Cookie: $ck" -H 'Content-Type: text/csv' --data-binary "@$tmp/k.csv" "${URL}api/v1/submissions?economy=KEN")"
        check "cookie POST with CSRF token" 201 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Cookie: $ck" -H "X-CSRF-Token: $csrf" -H 'Content-Type: text/csv' --data-binary "@$tmp/k.csv" "${URL}api/v1/submissions?economy=KEN")"
        check "portal queue page" 1 "$(curl -s -H "Cookie: $ck" "${URL}collect" | grep -c 'Signed in as <b>fk</b>')"
        check "portal submission page" 1 "$(curl -s -H "Cookie: $ck" "${URL}collect/submissions/1" | grep -c '<h1>Submission 1: KEN 2024, approved</h1>')"
        check "portal without session shows sign-in" 1 "$(curl -s "${URL}collect" | grep -c 'sign in</h1>')"
        check "questionnaire download" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $ck" "${URL}collect/questionnaire?economy=KEN&year=2025")"
        check "OpenAPI lists the collection API" 1 "$(curl -s "${URL}api/v1/openapi.json" | grep -c '/api/v1/submissions/{id}/approve')"
        kill "$srv"
        wait "$srv"
        check "server stopped cleanly" 0 "$?"
        srv=""
        check "no sanitizer reports" 0 "$(grep -c 'Sanitizer\|runtime error' "$tmp/srv.err")"
    fi
}
http_suite

# Once more on PostgreSQL.
pgdir=$(mktemp -d /tmp/ictdev-collect-pg.XXXXXX)
rmdir "$pgdir"
if uri=$(sh scripts/pg-test-cluster.sh start "$pgdir" 2>"$tmp/pg.err"); then
    tag=" [postgresql]"
    psql -q "$uri" -c "CREATE DATABASE collect_suite" >/dev/null 2>&1
    ICTDEV_DB=$(echo "$uri" | sed 's|/postgres?|/collect_suite?|')
    ICTDEV_TEST_PG=$uri ICTDEV_TEST_STORE_BACKEND=postgresql matrix
    http_suite
else
    pgdir=""
    if [ "${CI:-}" = true ]; then
        echo "FAIL collect [postgresql]: PostgreSQL did not start (CI=true: required)"
        cat "$tmp/pg.err"; fail=$((fail + 1))
    else
        echo "SKIP collect [postgresql]: PostgreSQL is not available here"
    fi
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
