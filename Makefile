# mcp-s3 — one flat Makefile.  `make` builds build/mcp-s3 (static musl,
# x86_64); `make test` runs every suite; `make demo`, `make bench`.
# Cross targets: `make TARGET=<name>` with cross/<name>.mk.

VERSION	:= 0.1.0
TARGET	?= x86_64
include cross/$(TARGET).mk

SRCDIR	:= build/src
BR	:= $(SRCDIR)/bearssl
O	:= build/$(TARGET)

WARN	:= -std=c99 -pedantic -Wall -Wextra -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wvla -Werror
CPPFLAGS := -iquote include -I$(BR)/inc -D_POSIX_C_SOURCE=200809L \
	   -DMCP_S3_VERSION='"$(VERSION)"' -DMCP_S3_TARGET='"$(TARGET)"'
OPT	:= -Os -ffunction-sections -fdata-sections \
	   -fno-asynchronous-unwind-tables -fno-unwind-tables
CFLAGS	?= $(OPT)
LDFLAGS	?= -static -Wl,--gc-sections -s -Wl,-z,norelro

SRC	:= $(wildcard src/*.c)
LIBSRC	:= $(filter-out src/main.c,$(SRC))
HDR	:= $(wildcard include/*.h)
BR_SRC	= $(wildcard $(BR)/src/*.c $(BR)/src/*/*.c)

# Host builds for tests: plain, and with ASan+UBSan.
HOSTCC	?= cc
HOST_CFLAGS := -O1 -g
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
UNIT	:= $(basename $(notdir $(wildcard tests/unit/test_*.c)))
FUZZ	:= $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))

# Objects are kept between builds, not deleted as intermediates.
.SECONDARY:

.PHONY: all deps deps-test test unit unit-asan fuzz-replay fuzz demo bench clean size
all: build/mcp-s3

deps: $(BR)/inc/bearssl.h
$(BR)/inc/bearssl.h:
	sh scripts/deps.sh build
deps-test:
	sh scripts/deps.sh all

# --- BearSSL, per build flavour ----------------------------------------
define bearssl_lib
$(1)/libbearssl.a: $(BR)/inc/bearssl.h
	@mkdir -p $(1)/bearssl
	@set -e; objs=""; for f in $$(BR_SRC); do \
	  o=$(1)/bearssl/$$$$(echo $$$$f | sed 's|.*/src/||; s|/|_|g; s|\.c$$$$|.o|'); \
	  objs="$$$$objs $$$$o"; \
	  [ $$$$o -nt $$$$f ] || echo "$(2) -c $$$$f -o $$$$o"; \
	done > $(1)/bearssl.jobs; \
	if [ -s $(1)/bearssl.jobs ]; then echo "  CC      BearSSL ($(1))"; \
	  xargs -P $$$$(nproc) -I{} sh -c '{}' < $(1)/bearssl.jobs; fi; \
	rm -f $$@; $(3) rcs $$@ $$$$objs
endef
$(eval $(call bearssl_lib,$(O),$(CC) $(CFLAGS) $(TARGET_CFLAGS) -I$(BR)/inc -I$(BR)/src,$(AR)))
$(eval $(call bearssl_lib,build/host,$(HOSTCC) -O2 -g -I$(BR)/inc -I$(BR)/src,ar))
$(eval $(call bearssl_lib,build/asan,$(HOSTCC) -O1 -g -I$(BR)/inc -I$(BR)/src,ar))

# --- the binary --------------------------------------------------------
OBJ	:= $(patsubst src/%.c,$(O)/obj/%.o,$(SRC))
$(O)/obj/%.o: src/%.c $(HDR) $(BR)/inc/bearssl.h
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(TARGET_CFLAGS) -c $< -o $@
$(O)/mcp-s3: $(OBJ) $(O)/libbearssl.a
	$(CC) $(CFLAGS) $(TARGET_CFLAGS) -o $@ $(OBJ) $(O)/libbearssl.a $(LDFLAGS) $(TARGET_LDFLAGS)
# Replaced by rename, so a copy that is running is never in the way.
build/mcp-s3: $(O)/mcp-s3
	cp $< $@.tmp && mv -f $@.tmp $@

# --- unit tests, plain and sanitized -------------------------------------
define host_flavour
$(1)/obj/%.o: src/%.c $(HDR) $(BR)/inc/bearssl.h
	@mkdir -p $$(@D)
	$(HOSTCC) $(WARN) $(CPPFLAGS) $(2) -c $$< -o $$@
$(1)/tests/%: tests/unit/%.c tests/unit/unit.h $(patsubst src/%.c,$(1)/obj/%.o,$(LIBSRC)) $(1)/libbearssl.a
	@mkdir -p $$(@D)
	$(HOSTCC) $(WARN) $(CPPFLAGS) -Itests/unit $(2) -o $$@ $$< $(patsubst src/%.c,$(1)/obj/%.o,$(LIBSRC)) $(1)/libbearssl.a
$(1)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(patsubst src/%.c,$(1)/obj/%.o,$(LIBSRC)) $(1)/libbearssl.a
	@mkdir -p $$(@D)
	$(HOSTCC) $(WARN) $(CPPFLAGS) $(2) -o $$@ $$< tests/fuzz/replay.c $(patsubst src/%.c,$(1)/obj/%.o,$(LIBSRC)) $(1)/libbearssl.a
endef
$(eval $(call host_flavour,build/host,$(HOST_CFLAGS)))
$(eval $(call host_flavour,build/asan,$(ASAN_CFLAGS)))

unit: $(addprefix build/host/tests/,$(UNIT))
unit-asan: $(addprefix build/asan/tests/,$(UNIT))
fuzz-replay: $(addprefix build/host/fuzz/,$(FUZZ))

# libFuzzer with ASan+UBSan (clang): each target runs FUZZ_SECONDS on a
# copy of its seed corpus under build/fuzz/; findings stay there.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined
fuzz: $(BR)/inc/bearssl.h
	@mkdir -p build/fuzz
	@set -e; for t in $(FUZZ); do \
	  clang -std=c99 $(CPPFLAGS) $(FUZZ_CFLAGS) -o build/fuzz/$$t tests/fuzz/$$t.c \
	    $(LIBSRC) $(BR_SRC) -I$(BR)/src -w 2>/dev/null || \
	  clang -std=c99 $(CPPFLAGS) $(FUZZ_CFLAGS) -o build/fuzz/$$t tests/fuzz/$$t.c $(LIBSRC) $(BR_SRC) -I$(BR)/src -w; \
	  mkdir -p build/fuzz/$$t.corpus; cp tests/fuzz/corpus/$${t#fuzz_}/* build/fuzz/$$t.corpus/; \
	  echo "== $$t ($(FUZZ_SECONDS)s)"; \
	  (cd build/fuzz && ./$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $$t.corpus 2>&1 | grep -E 'stat::number_of_executed_units|cov:.*DONE|ERROR|SUMMARY' | tail -n 3); \
	done

# `make test` installs what the suites need, then runs them all; the
# runner's last line is "N passed, N failed".
test: deps-test build/mcp-s3 unit unit-asan fuzz-replay
	sh tests/run.sh

demo: deps-test build/mcp-s3
	sh tests/peers/demo.sh

bench: deps-test build/mcp-s3
	sh bench/run.sh

size: build/mcp-s3
	@ls -l build/mcp-s3 | awk '{ printf "build/mcp-s3: %d bytes\n", $$5; if ($$5 >= 1048576) exit 1 }'

clean:
	rm -rf build/$(TARGET) build/host build/asan build/mcp-s3
