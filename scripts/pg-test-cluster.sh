#!/bin/sh
# A throwaway PostgreSQL cluster for the test suite and the benchmarks.
#   scripts/pg-test-cluster.sh start DIR   initdb into DIR, start the server
#                                          on a unix socket in DIR and a free
#                                          port; prints the connection URI
#   scripts/pg-test-cluster.sh stop DIR    stop it and remove DIR
# As root the server runs as the user postgres (runuser). Exit status 1 and
# a message on stderr if PostgreSQL is missing or does not start.
set -eu
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}
bindir=""
for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && bindir=$d
done
if [ -z "$bindir" ]; then
    d=$(command -v pg_ctl 2>/dev/null || true)
    [ -n "$d" ] && bindir=$(dirname "$d")
fi
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}
case $cmd in
start)
    if [ -z "$bindir" ]; then
        echo "pg-test-cluster: PostgreSQL server binaries not found" \
            "(install Debian's postgresql)" >&2
        exit 1
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    # A free port: ask the kernel via a port-0 bind when python3 is there,
    # else try from a random base.
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
        echo $((20000 + $$ % 20000)))
    as_pg "$bindir/initdb" -D "$dir/data" -U ictdev -A trust -E UTF8 \
        --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        echo "pg-test-cluster: initdb failed:" >&2
        tail -5 "$dir/initdb.log" >&2
        exit 1
    }
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-k $dir -p $port -c listen_addresses='' -c fsync=off -c max_connections=50 -c shared_buffers=128MB -c max_wal_size=2GB" \
        start >/dev/null 2>&1 || {
        echo "pg-test-cluster: the server did not start:" >&2
        tail -5 "$dir/server.log" >&2
        exit 1
    }
    echo "postgresql://ictdev@/postgres?host=$dir&port=$port" >"$dir/uri"
    cat "$dir/uri"
    ;;
stop)
    if [ -d "$dir/data" ] && [ -n "$bindir" ]; then
        as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
