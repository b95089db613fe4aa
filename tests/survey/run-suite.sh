#!/bin/sh
# Oracle suite: runs build/ictdev survey estimate on every case of
# cases.txt and compares each estimate, SE and interval with R's survey
# package results in ref/ (1e-9 relative, n exactly). R is not needed; the
# references are regenerated with make-reference.R. Last line:
# "N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=${ICTDEV:-$here/../../build/ictdev}
tmp=$(mktemp -d)
pass=0
fail=0
while IFS=';' read -r id file design stat vars by where lonely adl level; do
    case "$id" in '#'*|'') continue ;; esac
    set -- survey estimate "$here/data/$file.csv" --weight w \
        --"$stat" "$vars" --lonely-psu "$lonely" --level "$level"
    case "$design" in
        full) set -- "$@" --strata stratum --psu psu ;;
        nopsu) set -- "$@" --strata stratum ;;
        nostrata) set -- "$@" --psu psu ;;
    esac
    [ -n "$by" ] && set -- "$@" --by "$by"
    [ -n "$where" ] && set -- "$@" --where "$where"
    [ "$adl" = 1 ] && set -- "$@" --adjust-domain-lonely
    variants="csv parallel"
    [ "$file" = small ] && variants="$variants dta sav sas7bdat"
    for variant in $variants; do
    case $variant in
        parallel) ICTDEV_PARALLEL_MIN=0 "$bin" "$@" --threads 2 >"$tmp/out" 2>"$tmp/err" ;;
        dta|sav|sas7bdat) shift 3; "$bin" survey estimate "$here/data/$file.$variant" "$@" >"$tmp/out" 2>"$tmp/err"
                 set -- survey estimate "$here/data/$file.csv" "$@" ;;
        *) "$bin" "$@" >"$tmp/out" 2>"$tmp/err" ;;
    esac
    st=$?
    id0=$id
    id="$id0 ($variant)"
    if [ -f "$here/ref/$id0.err" ]; then
        # R failed (a lonely PSU under fail): we must fail on the same stratum.
        s=$(sed -n 's/.*Stratum (\(.*\)) has only one PSU.*/\1/p' "$here/ref/$id0.err")
        if [ "$st" = 2 ] && grep -q "stratum '$s' has only one PSU" "$tmp/err"; then
            pass=$((pass + 1)); echo "ok   survey $id (error as R)"
        else
            fail=$((fail + 1)); echo "FAIL survey $id: want exit 2 naming stratum $s, got $st"
            cat "$tmp/err"
        fi
        id=$id0; continue
    fi
    if [ "$st" != 0 ]; then
        fail=$((fail + 1)); echo "FAIL survey $id: exit $st"; cat "$tmp/err"
        id=$id0; continue
    fi
    if awk -v tol=${TOL:-1e-9} -v nby="$(printf '%s' "$by" | awk -F, '{print NF}')" '
        # Split a CSV line with optional quoted fields into f[1..n].
        function split_csv(line, f,   n, s, q) {
            n = 0
            while (length(line) > 0) {
                if (substr(line, 1, 1) == "\"") {
                    s = ""; line = substr(line, 2)
                    while (1) {
                        q = index(line, "\"")
                        s = s substr(line, 1, q - 1); line = substr(line, q + 1)
                        if (substr(line, 1, 1) == "\"") { s = s "\""; line = substr(line, 2) }
                        else break
                    }
                    f[++n] = s; line = substr(line, 2)
                } else {
                    q = index(line, ",")
                    if (q == 0) { f[++n] = line; line = "" }
                    else { f[++n] = substr(line, 1, q - 1); line = substr(line, q + 1)
                           if (line == "") f[++n] = "" }
                }
            }
            return n
        }
        function rel(a, b) { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b
            if (a == b) return 0; return m > 0 ? d / m : d }
        FNR == 1 { next }
        {
            n = split_csv($0, f); key = f[1] SUBSEP f[2]
            for (k = 3; k < 3 + nby; k++) key = key SUBSEP f[k]
            vals = f[3 + nby]; for (k = 4 + nby; k <= n; k++) vals = vals " " f[k]
            if (FILENAME == ARGV[1]) { ref[key] = vals; nref++ }
            else { got[key] = vals; ngot++ }
        }
        END {
            bad = 0
            if (nref != ngot) { print "rows: R " nref ", ictdev " ngot; bad = 1 }
            for (k in ref) {
                if (!(k in got)) { gsub(SUBSEP, ",", k); print "missing row " k; bad = 1; continue }
                split(ref[k], a, " "); split(got[k], b, " ")
                for (j = 1; j <= 4; j++) {
                    if (a[j] == "NaN" && b[j] == "NaN") continue
                    if (rel(b[j] + 0, a[j] + 0) > tol) {
                        kk = k; gsub(SUBSEP, ",", kk)
                        print kk ": column " j ": R " a[j] ", ictdev " b[j]; bad = 1
                    }
                }
                if (a[5] != b[5]) { kk = k; gsub(SUBSEP, ",", kk); print kk ": n R " a[5] ", ictdev " b[5]; bad = 1 }
            }
            exit bad
        }' "$here/ref/$id0.csv" "$tmp/out" >"$tmp/diff"; then
        pass=$((pass + 1)); echo "ok   survey $id"
    else
        fail=$((fail + 1)); echo "FAIL survey $id"; head -10 "$tmp/diff"
    fi
    id=$id0
    done
done <"$here/cases.txt"
rm -rf "$tmp"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
