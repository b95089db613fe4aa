#!/bin/sh
# The role x action x own/other-economy matrix of the data-collection API
# (tests/unit/test_collect_api.c, on a real temporary store): one line per
# cell with the status, and "nothing written" checked on every 401/403.
# Last line: "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
bin=build/tests/test_collect_api
if [ ! -x "$bin" ]; then
    echo "SKIP $bin not built (make unit)"
    echo "0 passed, 1 failed"
    exit 1
fi
out=$("$bin" 2>&1)
echo "$out" | grep '^matrix'
p=$(echo "$out" | grep -c '^matrix ok')
f=$(echo "$out" | grep -c '^matrix FAIL')
echo "$p passed, $f failed"
[ "$f" = 0 ]
