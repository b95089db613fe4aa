# ictdev build. `make` builds build/ictdev; `make check` runs every test
# (plain and under ASan+UBSan); `make run` installs what is missing, builds,
# loads the bundled data and starts the main job. See README.md.

CC      ?= cc
PKGS    := sqlite3 jansson libmicrohttpd zlib
PKGS    += libsodium
PKGS    += libpq
PKGS    += xlsxwriter libzip libxml-2.0
TPKGS   := cmocka
WARN    := -Wall -Wextra -Werror -Wshadow -Wundef -Wstrict-prototypes \
           -Wmissing-prototypes -Wwrite-strings -Wconversion \
           -Wno-sign-conversion -Wvla
CSTD    := -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT     ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Not linked, but opened on first use (core/dynlib.h), so that a command
# starts without them and the ~30 shared libraries they pull in: libpq
# (store_pg.c), libmicrohttpd (http/server.c), libxml2 and libzip
# (io/xlsx_read.c), libxlsxwriter (io/xlsx_write.c). Their headers are
# still needed at build time (PKG_CFLAGS).
DYNLIBS := libpq libmicrohttpd libxml-2.0 libzip xlsxwriter
PKG_LIBS   := $(shell pkg-config --libs $(filter-out $(DYNLIBS),$(PKGS)) \
                  2>/dev/null) -lreadstat -lm -lpthread
T_CFLAGS   := $(shell pkg-config --cflags $(TPKGS) 2>/dev/null)
T_LIBS     := $(shell pkg-config --libs $(TPKGS) 2>/dev/null)

SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer

# BUILD=build (default) or build-san (sanitizers); the same rules serve both.
BUILD   ?= build
ifeq ($(BUILD),build-san)
EXTRA   := $(SAN)
OPT     := -O1 -g
endif
CFLAGS_ALL := $(CSTD) $(WARN) $(OPT) $(EXTRA) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(EXTRA) $(LDFLAGS)

LIB_SRC := $(filter-out src/cli/main.c,$(sort $(wildcard src/*/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(BUILD)/obj/src/cli/main.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

.PHONY: print-cflags print-libs all check check-plain check-san unit cli-tests fuzz-replay fuzz run \
        deps format format-check lint clean bench
all: $(BUILD)/ictdev

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $(BUILD) $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/libictdev.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/ictdev: $(CLI_OBJ) $(BUILD)/libictdev.a
	@echo "LD $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libictdev.a tests/unit/testutil.h
	@mkdir -p $(dir $@)
	@echo "TEST $@"
	@$(CC) $(CFLAGS_ALL) $(T_CFLAGS) -Isrc -o $@ $< $(BUILD)/libictdev.a \
	    $(LDFLAGS_ALL) $(T_LIBS) $(PKG_LIBS)

# Fuzz targets built without libFuzzer: a driver replays the corpus.
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libictdev.a
	@mkdir -p $(dir $@)
	@echo "FUZZ $@"
	@$(CC) $(CFLAGS_ALL) -Isrc -o $@ $< tests/fuzz/replay.c \
	    $(BUILD)/libictdev.a $(LDFLAGS_ALL) $(PKG_LIBS)

unit: $(UNIT_BIN)
fuzz-replay: $(FUZZ_REPLAY)

# The whole suite: plain build, then the sanitizer build. Last line of the
# output states the counts.
check:
	@$(MAKE) --no-print-directory all unit fuzz-replay
	@$(MAKE) --no-print-directory BUILD=build-san all unit fuzz-replay
	@sh tests/run.sh

# libFuzzer builds of every target (clang); `make fuzz` runs each briefly.
fuzz:
	@sh tests/fuzz/run-libfuzzer.sh

run: deps all
	@sh scripts/run.sh

deps:
	@sh scripts/deps.sh

format:
	clang-format -i $$(find src tests -name '*.[ch]')

format-check:
	clang-format --dry-run --Werror $$(find src tests -name '*.[ch]')

bench: all
	@for b in bench/*; do [ -x "$$b" ] && "$$b"; done

clean:
	rm -rf build build-san

print-cflags:
	@echo $(PKG_CFLAGS)
print-libs:
	@echo $(PKG_LIBS)

-include $(shell find build build-san -name '*.d' 2>/dev/null)
