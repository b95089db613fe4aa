#!/bin/sh
# `make run`: create ictdev.db from the bundled data if it does not exist,
# then start the main job.
set -eu
db=${ICTDEV_DB:-ictdev.db}
if [ ! -f "$db" ]; then
    build/ictdev --db "$db" init
fi
build/ictdev --db "$db" summary
