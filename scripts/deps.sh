#!/bin/sh
# Install the Debian packages ictdev needs, but only those that are missing
# (checked with pkg-config, or by the file or command each one provides).
set -eu
missing=""
need_pc() { pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"; }
need_file() { [ -e "$1" ] || missing="$missing $2"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }

need_cmd cc gcc
need_cmd make make
need_cmd pkg-config pkg-config
need_pc sqlite3 libsqlite3-dev
need_pc jansson libjansson-dev
need_pc cmocka libcmocka-dev
need_pc libmicrohttpd libmicrohttpd-dev
need_pc zlib zlib1g-dev
need_pc libsodium libsodium-dev
need_pc xlsxwriter libxlsxwriter-dev
need_pc libzip libzip-dev
need_pc libxml-2.0 libxml2-dev
need_pc libpq libpq-dev
need_file /usr/include/readstat.h libreadstat-dev
need_cmd sqlite3 sqlite3
if [ "${ICTDEV_TEST_DEPS:-0}" = 1 ]; then
    # Only the test suite and the benchmarks need these.
    need_cmd clang clang
    need_file /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a libclang-rt-14-dev
    need_cmd Rscript r-base-core
    need_file /usr/lib/R/site-library/survey r-cran-survey
    need_file /usr/lib/R/site-library/data.table r-cran-data.table
    need_file /usr/bin/time time
    need_cmd clang-format clang-format
    need_cmd chromium chromium
    need_cmd node nodejs
    need_cmd npm npm
    need_cmd python3 python3
    # tests/pg/run-suite.sh starts a throwaway PostgreSQL cluster (issue 6).
    need_file "$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | tail -1)" postgresql
    need_cmd psql postgresql-client
    need_cmd xmllint libxml2-utils
fi
if [ -z "$missing" ]; then
    exit 0
fi
echo "ictdev: installing:$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
