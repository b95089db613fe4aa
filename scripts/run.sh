#!/bin/sh
# `make run`: create ictdev.db from the bundled data if it does not exist
# (init, then compute: derived indicators and the group aggregates the
# portal's home page shows), then serve the API and portal on http://localhost:8080 (Ctrl-C stops).
set -eu
db=${ICTDEV_DB:-ictdev.db}
if [ ! -f "$db" ]; then
    build/ictdev --db "$db" init
    build/ictdev --db "$db" compute
fi
build/ictdev --db "$db" serve --port 8080
