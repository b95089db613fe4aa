#!/bin/sh
# Regenerate data/plan/illustrative.json with group-KPI baselines measured by
# ictdev itself: a fresh store, the bundled data, compute's aggregates, then
# the measured value of each KPI in its baseline year.
# Usage: sh data/plan/tools/measure-baselines.sh [BINARY]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../../build/ictdev}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" --db "$tmp/b.db" init >/dev/null
"$bin" --db "$tmp/b.db" compute >/dev/null
echo "kpi,year,value" >"$tmp/measured.csv"
for y in 2022 2023; do
    "$bin" --db "$tmp/b.db" plan progress --year "$y" --format csv |
        awk -F, -v y="$y" 'NR > 1 { print $1 "," y "," $3 }' >>"$tmp/measured.csv"
done
MEASURED="$tmp/measured.csv" python3 "$here/make_illustrative.py"
