#!/bin/sh
# Run SQL on a case's store, whichever backend it is: sqlite3 on a file,
# psql on a "postgresql://" URI, both printing rows as sqlite3 does (cells
# joined by "|", no header). Usage (in a case's cmd):
#   sh "$REPO/tests/cli/sql.sh" "$ICTDEV_DB" "SELECT ...; SELECT ..."
# Write SQL both dialects read (no group_concat, no sum of a comparison).
set -u
case $1 in
postgres://* | postgresql://*)
    printf '%s\n' "$2" | psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 "$1" -f -
    ;;
*)
    sqlite3 "$1" "$2"
    ;;
esac
