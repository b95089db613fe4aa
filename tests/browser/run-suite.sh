#!/bin/sh
# Browser tests of the portal (Playwright via playwright-core driving
# Debian's chromium; never a downloaded browser). Builds the HTTP suite's
# fixture store, starts `ictdev serve --port 0`, runs portal.test.js and
# stops the server. Screenshots go to tests/browser/out/ (gitignored).
# Needs `npm ci` in tests/browser (.ci/run does it); without node_modules or
# chromium the suite says SKIP. Last line: "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
if [ ! -d tests/browser/node_modules/playwright-core ] ||
   ! command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 ||
   ! command -v node >/dev/null 2>&1; then
    echo "SKIP browser: needs node, chromium and 'npm ci' in tests/browser"
    echo "0 passed, 0 failed"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
cc -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Isrc \
    -o "$tmp/mkfixture" tests/http/mkfixture.c build/libictdev.a \
    $(pkg-config --libs sqlite3 jansson libmicrohttpd zlib libsodium libpq) -lreadstat -lm \
    -lpthread && "$tmp/mkfixture" "$tmp/test.db" . || {
    echo "FAIL browser: fixture"; echo "0 passed, 1 failed"; exit 1; }
build/ictdev --db "$tmp/test.db" compute >/dev/null 2>&1 || {
    echo "FAIL browser: compute"; echo "0 passed, 1 failed"; exit 1; }
build/ictdev --db "$tmp/test.db" serve --port 0 --quiet >"$tmp/out" \
    2>"$tmp/err" &
pid=$!
port=""
i=0
while [ $i -lt 100 ] && [ -z "$port" ]; do
    sleep 0.1
    port=$(sed -n 's|^listening on http://[0-9.]*:\([0-9]*\)/$|\1|p' \
        "$tmp/out" 2>/dev/null)
    i=$((i + 1))
done
if [ -z "$port" ]; then
    echo "FAIL browser: server did not start"; cat "$tmp/err"
    kill $pid 2>/dev/null; echo "0 passed, 1 failed"; exit 1
fi
CHROMIUM=$(command -v "${CHROMIUM:-chromium}") \
    node tests/browser/portal.test.js "http://127.0.0.1:$port"
st=$?
kill -TERM $pid
wait $pid
exit $st
