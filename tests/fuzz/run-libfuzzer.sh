#!/bin/sh
# Build each fuzz target with clang's libFuzzer and run it briefly against
# its corpus: `make fuzz` (FUZZ_SECONDS, default 30). New crashes are saved
# in tests/fuzz/crashes/; FUZZ_MERGE=1 adds new-coverage inputs to the
# committed corpus.
set -eu
secs=${FUZZ_SECONDS:-30}
mkdir -p build-fuzz tests/fuzz/crashes
srcs=$(find src -name '*.c' ! -path 'src/cli/*')
# The same libraries as the Makefile, so the two cannot drift apart.
cflags=$(make -s --no-print-directory print-cflags)
libs=$(make -s --no-print-directory print-libs)
for t in tests/fuzz/fuzz_*.c; do
    name=$(basename "$t" .c)
    corpus=tests/fuzz/corpus/${name#fuzz_}
    clang -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
        -fsanitize=fuzzer,address,undefined -Isrc \
        $cflags -o "build-fuzz/$name" "$t" $srcs $libs
    mkdir -p "$corpus" "build-fuzz/corpus/$name"
    # New inputs go to build-fuzz/; the seed corpus is only read.
    "build-fuzz/$name" -max_total_time="$secs" -artifact_prefix=tests/fuzz/crashes/ \
        "build-fuzz/corpus/$name" "$corpus" >/dev/null 2>"build-fuzz/$name.log" || {
        echo "fuzz: $name failed; see build-fuzz/$name.log"; exit 1; }
    if [ "${FUZZ_MERGE:-0}" = 1 ]; then
        # Keep only inputs that add coverage to the committed corpus.
        "build-fuzz/$name" -merge=1 "$corpus" "build-fuzz/corpus/$name" \
            >/dev/null 2>&1
    fi
    echo "fuzz: $name ok ($secs s)"
done
