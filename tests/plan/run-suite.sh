#!/bin/sh
# The results framework over HTTP: a store with the bundled data and
# compute's aggregates, `ictdev serve --port 0`, then the /api/v1/plan
# endpoints and the /plan page, a plan change seen by the server, IATI
# validated with xmllint, and the write endpoints behind the collection
# roles: admin and analyst may edit, focal and viewer get 403, no
# credentials 401, bad input 400/422 naming the field; a refused request
# adds no plan version and no audit entry. The server part runs on SQLite,
# then on a PostgreSQL copy of the same store (`ictdev migrate` into a
# throwaway cluster, scripts/pg-test-cluster.sh; lines end in
# "[postgresql]"); without PostgreSQL that part FAILS under CI=true and
# prints a SKIP line elsewhere. Last line: "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
REPO=$(pwd)
tmp=$(mktemp -d)
tag=""
pgdir=""
# The plain build: every plan request measures the whole plan, which under
# ASan takes seconds on a loaded machine; the plan code itself runs under
# the sanitizers in tests/unit and tests/cli.
bin=build/ictdev
pass=0
fail=0
pid=""
finish() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [ -n "$pgdir" ] && sh "$REPO/scripts/pg-test-cluster.sh" stop "$pgdir" >/dev/null 2>&1
    rm -rf "$tmp"
    echo "$pass passed, $fail failed"
    [ "$fail" = 0 ]
    exit $?
}
check() { # NAME COMMAND...: one case
    name=$1
    shift
    if "$@" >"$tmp/check.log" 2>&1; then
        pass=$((pass + 1)); echo "ok   plan-http $name$tag"
    else
        fail=$((fail + 1)); echo "FAIL plan-http $name$tag"; head -20 "$tmp/check.log"
    fi
}
db="$tmp/p.db"
if ! build/ictdev --db "$db" init >/dev/null 2>&1 ||
    ! build/ictdev --db "$db" compute >/dev/null 2>&1; then
    echo "FAIL plan-http: init/compute"; fail=1; finish
fi
for u in ad:admin an:analyst fo:focal vi:viewer; do
    if [ "${u#*:}" = focal ]; then eco="--economy KEN"; else eco=""; fi
    # shellcheck disable=SC2086
    echo "${u%%:*} password" | build/ictdev --db "$db" user add "${u%%:*}" \
        --role "${u#*:}" $eco >/dev/null 2>&1 ||
        { echo "FAIL plan-http: user add"; fail=1; finish; }
done
TAD=$(build/ictdev --db "$db" token create ad)
TAN=$(build/ictdev --db "$db" token create an)
TFO=$(build/ictdev --db "$db" token create fo)
TVI=$(build/ictdev --db "$db" token create vi)
# The PostgreSQL copy, made now so that both runs start from the same store
# (tokens included).
pgdb=""
pgdir=$(mktemp -d /tmp/ictdev-plan-pg.XXXXXX)
rmdir "$pgdir"
if uri=$(sh scripts/pg-test-cluster.sh start "$pgdir" 2>"$tmp/pg.err"); then
    psql -q "$uri" -c "CREATE DATABASE plan_suite" >/dev/null 2>&1
    pgdb=$(echo "$uri" | sed 's|/postgres?|/plan_suite?|')
    if ! build/ictdev migrate --from "sqlite:$db" --to "$pgdb" >"$tmp/migrate.log" 2>&1; then
        echo "FAIL plan-http [postgresql]: migrate"; cat "$tmp/migrate.log"
        fail=$((fail + 1)); pgdb=""
    fi
else
    pgdir=""
    if [ "${CI:-}" = true ]; then
        echo "FAIL plan-http [postgresql]: PostgreSQL did not start (CI=true: required)"
        cat "$tmp/pg.err"; fail=$((fail + 1))
    else
        echo "SKIP plan-http [postgresql]: PostgreSQL is not available here"
    fi
fi

serve_suite() {
rm -f "$tmp/out" "$tmp/err"
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
# The OpenAPI document describes every plan endpoint, read and write, and
# every $ref in it resolves.
check openapi sh -c "curl -sf '$base/api/v1/openapi.json' | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d[\"openapi\"].startswith(\"3.1\")
p = d[\"paths\"]
for path in [\"/api/v1/plan\", \"/api/v1/plan/progress\", \"/api/v1/plan/links\",
             \"/api/v1/plan/links/{target}\", \"/api/v1/plan/matrix\",
             \"/api/v1/plan/report\", \"/api/v1/plan/iati\"]:
    assert \"get\" in p[path], path
want = {\"/api/v1/plan/elements\": {\"post\"}, \"/api/v1/plan/elements/{id}\": {\"put\", \"delete\"},
        \"/api/v1/plan/links\": {\"get\", \"post\", \"delete\"}, \"/api/v1/plan/values\": {\"post\", \"delete\"}}
for path, ms in want.items():
    assert ms <= set(p[path]), (path, set(p[path]))
for path in want:
    for m, op in p[path].items():
        if m != \"get\":
            assert op[\"security\"] and {\"401\", \"403\", \"422\"} <= set(op[\"responses\"]), path
ops = [op[\"operationId\"] for v in p.values() for op in v.values()]
assert len(ops) == len(set(ops)), \"duplicate operationId\"
def refs(x):
    if isinstance(x, dict):
        for k, v in x.items():
            if k == \"\$ref\":
                node = d
                for part in v[2:].split(\"/\"):
                    node = node[part]
            else:
                refs(v)
    elif isinstance(x, list):
        for v in x:
            refs(v)
refs(d)
'"

# ---- editing through the API ----
expect() { # NAME WANT GOT
    if [ "$2" = "$3" ]; then
        pass=$((pass + 1)); echo "ok   plan-http $1 -> $3$tag"
    else
        fail=$((fail + 1)); echo "FAIL plan-http $1: got '$3', want '$2'$tag"
        head -c 400 "$tmp/body"; echo
    fi
}
req() { # METHOD TOKEN PATH [JSON] -> status; body in $tmp/body
    curl -s -o "$tmp/body" -w '%{http_code}' -X "$1" \
        ${2:+-H "Authorization: Bearer $2"} -H 'Content-Type: application/json' \
        ${4:+--data-binary "$4"} "$base$3"
}
versions() { "$bin" --db "$db" plan history | wc -l; }
audits() { sh "$REPO/tests/cli/sql.sh" "$db" "SELECT count(*) FROM audit"; }
state() { echo "$(versions)/$(audits)"; }
kpi='{"id":"K91","kind":"kpi","parent":"O5.2","name":"Trainings","unit":"economies","direction":"up","measure":"reported","baseline":{"value":0,"year":2022},"target":{"value":5,"year":2025}}'
link='{"from":"K91","to":"sdg:9.c"}'
val='{"kpi":"K91","year":2024,"value":2,"note":"workshop list","link":"https://example.org/w","sha256":"'$(printf x | sha256sum | cut -c1-64)'"}'
# A portal session (cookie) needs the CSRF token, as for collection.
for u in an vi; do
    hdr=$(curl -s -D - -o "$tmp/body" -X POST -H 'Content-Type: application/json' \
        --data-binary "{\"user\":\"$u\",\"password\":\"$u password\"}" "$base/api/v1/login")
    eval "ck_$u=\$(echo \"\$hdr\" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\);.*/\1/p')"
    eval "csrf_$u=\$(sed -n 's/.*\"csrf_token\":\"\([^\"]*\)\".*/\1/p' \"$tmp/body\")"
done
creq() { # COOKIE CSRF -> status of POST /api/v1/plan/links
    curl -s -o "$tmp/body" -w '%{http_code}' -X POST -H "Cookie: $1" \
        ${2:+-H "X-CSRF-Token: $2"} -H 'Content-Type: application/json' \
        --data-binary "$link" "$base/api/v1/plan/links"
}
# Refused callers first: nothing may be written (logins above are audited).
s0=$(state)
for t in "fo:$TFO" "vi:$TVI" "none:"; do
    who=${t%%:*}; tok=${t#*:}
    want=403; [ "$who" = none ] && want=401
    expect "$who POST elements" $want "$(req POST "$tok" /api/v1/plan/elements "$kpi")"
    expect "$who PUT elements/K91" $want "$(req PUT "$tok" /api/v1/plan/elements/K91 "$kpi")"
    expect "$who DELETE elements/K90" $want "$(req DELETE "$tok" /api/v1/plan/elements/K90)"
    expect "$who POST links" $want "$(req POST "$tok" /api/v1/plan/links "$link")"
    expect "$who DELETE links" $want "$(req DELETE "$tok" '/api/v1/plan/links?from=K90&to=sdg:9.c')"
    expect "$who POST values" $want "$(req POST "$tok" /api/v1/plan/values "$val")"
    expect "$who DELETE values" $want "$(req DELETE "$tok" '/api/v1/plan/values?kpi=K90&year=2024')"
done
expect "401 has WWW-Authenticate" 1 "$(curl -s -D - -o /dev/null -X POST "$base/api/v1/plan/links" | grep -ci '^www-authenticate: bearer')"
expect "bad token" 401 "$(req POST nope /api/v1/plan/links "$link")"
expect "analyst session without CSRF token" 403 "$(creq "$ck_an" "")"
expect "viewer session with CSRF token" 403 "$(creq "$ck_vi" "$csrf_vi")"
expect "nothing written on deny (versions/audit)" "$s0" "$(state)"
# Allowed callers: each change is a new version and an audit entry.
expect "admin POST elements" 201 "$(req POST "$TAD" /api/v1/plan/elements "$kpi")"
expect "analyst session with CSRF token POST links" 201 "$(creq "$ck_an" "$csrf_an")"
expect "analyst DELETE links" 200 "$(req DELETE "$TAN" '/api/v1/plan/links?from=K91&to=sdg:9.c')"
expect "analyst PUT elements/K91" 200 "$(req PUT "$TAN" /api/v1/plan/elements/K91 "$(echo "$kpi" | sed 's/"Trainings"/"Trainings held"/')")"
expect "analyst POST links" 201 "$(req POST "$TAN" /api/v1/plan/links "$link")"
expect "admin POST values" 201 "$(req POST "$TAD" /api/v1/plan/values "$val")"
expect "analyst POST values (revision 2)" 201 "$(req POST "$TAN" /api/v1/plan/values "$(echo "$val" | sed 's/"value":2/"value":3/')")"
expect "value visible with evidence" 1 "$(grep -c '"note":"workshop list"' "$tmp/body" >/dev/null; "$bin" --db "$db" plan progress --format csv | grep -c '^K91,')"
expect "analyst DELETE values (withdraw)" 200 "$(req DELETE "$TAN" '/api/v1/plan/values?kpi=K91&year=2024')"
expect "admin DELETE links" 200 "$(req DELETE "$TAD" '/api/v1/plan/links?from=K91&to=sdg:9.c')"
expect "DELETE a KPI with reported values" 409 "$(req DELETE "$TAD" /api/v1/plan/elements/K91)"
k92=$(echo "$kpi" | sed 's/K91/K92/')
expect "analyst POST elements K92" 201 "$(req POST "$TAN" /api/v1/plan/elements "$k92")"
expect "admin DELETE elements/K92" 200 "$(req DELETE "$TAD" /api/v1/plan/elements/K92)"
s1=$(state)
expect "11 versions, 11 audit entries" "$(( ${s0%/*} + 11 ))/$(( ${s0#*/} + 11 ))" "$s1"
expect "history says who" 1 "$("$bin" --db "$db" plan history | grep -c ',an,.*report-value K91 2024')"
# Bad input: 400/422 naming the field, nothing written.
bad() { # NAME WANT-STATUS WANT-FIELD METHOD PATH [JSON]
    expect "$1" "$2 $3" "$(req "$4" "$TAD" "$5" "${6:-}") $(sed -n 's/.*"field":"\([^"]*\)".*/\1/p' "$tmp/body")"
}
bad "link to unknown target" 422 to POST /api/v1/plan/links '{"from":"O5.2","to":"sdg:99.z"}'
bad "link from unknown element" 422 from POST /api/v1/plan/links '{"from":"NOPE","to":"sdg:9.c"}'
bad "link without to" 400 to POST /api/v1/plan/links '{"from":"O5.2"}'
bad "KPI expression does not parse" 422 expr POST /api/v1/plan/elements "$(echo "$k92" | sed 's/"measure":"reported"/"measure":"computed","expr":"world(i99H +"/')"
bad "target year before baseline" 422 target POST /api/v1/plan/elements "$(echo "$k92" | sed 's/"year":2025/"year":2019/')"
bad "cycle in the tree" 422 parent PUT /api/v1/plan/elements/O5.2 "$("$bin" --db "$db" plan tree --format json | python3 -c '
import json,sys
for p in json.load(sys.stdin):
    for o in p["outputs"]:
        if o["id"]=="O5.2": print(json.dumps({"kind":"output","parent":"K90","name":o["name"]}))')"
bad "body not JSON" 400 body POST /api/v1/plan/elements '{"id":'
bad "id differs from the path" 400 id PUT /api/v1/plan/elements/K92 "$kpi"
bad "value not a number" 400 value POST /api/v1/plan/values '{"kpi":"K90","year":2024,"value":"x"}'
bad "value for unknown KPI" 422 kpi POST /api/v1/plan/values '{"kpi":"K404","year":2024,"value":1}'
bad "bad evidence hash" 422 sha256 POST /api/v1/plan/values '{"kpi":"K90","year":2024,"value":1,"sha256":"abc"}'
expect "delete unknown element" 404 "$(req DELETE "$TAD" /api/v1/plan/elements/NOPE)"
expect "PUT on a read-only resource" 405 "$(req PUT "$TAD" /api/v1/plan/matrix '{}')"
expect "nothing written on bad input" "$s1" "$(state)"
kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
pid=""
}
serve_suite
if [ -n "$pgdb" ]; then
    db=$pgdb
    tag=" [postgresql]"
    serve_suite
fi
finish
