# mcp-s3 — one flat Makefile.  `make` builds build/mcp-s3 (static musl,
# x86_64); `make test` runs every suite; `make demo`, `make bench`.
# Cross targets: `make TARGET=<name>` builds build/<name>/mcp-s3 with
# cross/<name>.mk; `make cross` builds all of TARGETS; `make size` checks
# their sizes; `make dist` writes the release tarballs and SHA256SUMS.

VERSION	:= 0.1.0
TARGETS	:= x86_64 aarch64 armhf
TARGET	?= x86_64
include cross/$(TARGET).mk

SRCDIR	:= build/src
BR	:= $(SRCDIR)/bearssl
# jsmn.h (Debian's libjsmn-dev) is copied alone into build/include, so that
# musl-gcc and the cross wrappers find it without searching /usr/include.
JSMN_H	:= /usr/include/jsmn.h
JSMN	:= build/include/jsmn.h
O	:= build/$(TARGET)

# Reproducible builds: the build date is SOURCE_DATE_EPOCH (default: the
# last commit's time, else a fixed date), paths are mapped away, archives
# are deterministic, and the binary is stripped.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 1767225600)
export SOURCE_DATE_EPOCH
BUILD_DATE := $(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%d)
REPRO	:= -ffile-prefix-map=$(CURDIR)=.

WARN	:= -std=c99 -pedantic -Wall -Wextra -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -Wvla -Werror
CPPFLAGS := -iquote include -I$(BR)/inc -Ibuild/include -D_POSIX_C_SOURCE=200809L \
	   -DMCP_S3_VERSION='"$(VERSION)"' -DMCP_S3_TARGET='"$(TARGET)"' \
	   -DMCP_S3_BUILD_DATE='"$(BUILD_DATE)"'
# -flto with one partition: 8 KB smaller on x86_64, the same bytes on
# every build (tests/release/repro.sh); BearSSL is built without it.
OPT	:= -Os -ffunction-sections -fdata-sections \
	   -fno-asynchronous-unwind-tables -fno-unwind-tables \
	   -flto -flto-partition=one $(REPRO)
CFLAGS	?= $(OPT)
LDFLAGS	?= -static -Wl,--gc-sections -s -Wl,-z,norelro

SRC	:= $(wildcard src/*.c)
LIBSRC	:= $(filter-out src/main.c,$(SRC))
HDR	:= $(wildcard include/*.h) $(JSMN)
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

.PHONY: FORCE all deps deps-test deps-cross deps-kernel toolchain test lint unit unit-asan unit-cross \
	fuzz-replay check-servers fuzz fuzz-build demo bench bench-json clean size cross dist test-cross \
	test-kernel
# The default target is the host binary build/mcp-s3; for another TARGET it
# is build/$(TARGET)/mcp-s3 (build/mcp-s3 always stays an x86_64 binary).
ifeq ($(TARGET),x86_64)
all: build/mcp-s3
else
all: $(O)/mcp-s3
endif

deps: $(BR)/inc/bearssl.h $(JSMN)
$(BR)/inc/bearssl.h:
	sh scripts/deps.sh build
$(JSMN_H): | $(BR)/inc/bearssl.h
	sh scripts/deps.sh build
$(JSMN): $(JSMN_H)
	@mkdir -p $(@D)
	cp $(JSMN_H) $@
deps-test:
	sh scripts/deps.sh all
deps-cross: $(BR)/inc/bearssl.h
	sh scripts/deps.sh cross
deps-kernel: $(BR)/inc/bearssl.h
	sh scripts/deps.sh kernel
# The compiler of this TARGET, installed (with qemu-user) when missing.
# After BearSSL's source, so that two apt-get never run at once.
toolchain: $(BR)/inc/bearssl.h
	@command -v $(CC) >/dev/null 2>&1 || sh scripts/deps.sh $(if $(QEMU),cross,build)

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
	rm -f $$@; $(3) rcsD $$@ $$$$objs
endef
$(O)/libbearssl.a: | toolchain
$(eval $(call bearssl_lib,$(O),$(CC) $(filter-out -flto%,$(CFLAGS)) $(TARGET_CFLAGS) -I$(BR)/inc -I$(BR)/src,$(AR)))
$(eval $(call bearssl_lib,build/host,$(HOSTCC) -O2 -g -I$(BR)/inc -I$(BR)/src,ar))
$(eval $(call bearssl_lib,build/asan,$(HOSTCC) -O1 -g -I$(BR)/inc -I$(BR)/src,ar))

# --- the binary --------------------------------------------------------
OBJ	:= $(patsubst src/%.c,$(O)/obj/%.o,$(SRC))
LIBOBJ	:= $(patsubst src/%.c,$(O)/obj/%.o,$(LIBSRC))
# `make EMBED_ROOTS=1`: the Mozilla roots of ROOTS_BUNDLE (Debian's
# ca-certificates) become BearSSL anchors in $(O)/roots.c at build time
# (scripts/roots.sh; generated, never committed) and are linked in, so
# that TLS works in an empty container.  The stamp rebuilds tls.o and
# main.o when the choice changes.
ROOTS_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
ifeq ($(EMBED_ROOTS),1)
ROOTS_OBJ := $(O)/obj/roots.o
ROOTS_DEF := -DMCP_S3_EMBED_ROOTS
endif
$(O)/roots.stamp: FORCE
	@mkdir -p $(@D); echo 'EMBED_ROOTS=$(EMBED_ROOTS)' | cmp -s - $@ 2>/dev/null || \
	  echo 'EMBED_ROOTS=$(EMBED_ROOTS)' > $@
$(O)/obj/tls.o $(O)/obj/main.o: $(O)/roots.stamp
$(O)/roots.c: $(ROOTS_BUNDLE) scripts/roots.sh build/host/libbearssl.a
	sh scripts/roots.sh $(ROOTS_BUNDLE) $@ "$(HOSTCC)" $(BR) build/host/libbearssl.a
$(O)/obj/roots.o: $(O)/roots.c $(BR)/inc/bearssl.h | toolchain
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(TARGET_CFLAGS) -c $< -o $@
$(O)/obj/%.o: src/%.c $(HDR) $(BR)/inc/bearssl.h Makefile | toolchain
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CPPFLAGS) $(ROOTS_DEF) $(CFLAGS) $(TARGET_CFLAGS) -c $< -o $@
# --version shows VERSION, TARGET and BUILD_DATE: main.o is rebuilt when
# one of them changes (the stamp's time moves only when its text does).
$(O)/version.stamp: FORCE
	@mkdir -p $(@D); echo '$(VERSION) $(TARGET) $(BUILD_DATE)' | cmp -s - $@ 2>/dev/null || \
	  echo '$(VERSION) $(TARGET) $(BUILD_DATE)' > $@
$(O)/obj/main.o: $(O)/version.stamp
FORCE:
# The link map (build/TARGET/mcp-s3.map) is what `make size` reads.
$(O)/mcp-s3: $(OBJ) $(ROOTS_OBJ) $(O)/libbearssl.a $(O)/roots.stamp
	$(CC) $(CFLAGS) $(TARGET_CFLAGS) -o $@ $(OBJ) $(ROOTS_OBJ) $(O)/libbearssl.a $(LDFLAGS) $(TARGET_LDFLAGS) \
	  -Wl,-Map=$(O)/mcp-s3.map
# For the test suites (MCP_S3_BIN): the ARM binary run by qemu-user.
$(O)/mcp-s3.qemu: $(O)/mcp-s3
	@printf '#!/bin/sh\n# mcp-s3 for $(TARGET), run by qemu-user (for the test suites)\nexec %s "$$(dirname "$$0")/mcp-s3" "$$@"\n' \
	  "$$(command -v $(QEMU) || echo $(QEMU))" > $@.tmp && chmod +x $@.tmp && mv -f $@.tmp $@
# Replaced by rename, so a copy that is running is never in the way.  It
# is always the x86_64 binary, whatever TARGET says.
ifeq ($(TARGET),x86_64)
build/mcp-s3: $(O)/mcp-s3
	cp $< $@.tmp && mv -f $@.tmp $@
else
build/mcp-s3: FORCE
	$(MAKE) TARGET=x86_64 build/mcp-s3
endif

# --- unit tests, plain and sanitized -------------------------------------
define host_flavour
$(1)/obj/%.o: src/%.c $(HDR) $(BR)/inc/bearssl.h
	@mkdir -p $$(@D)
	$(HOSTCC) $(WARN) $(CPPFLAGS) $(2) -c $$< -o $$@
$(1)/tests/%: tests/unit/%.c tests/unit/unit.h tests/unit/listing_model.h tests/unit/loopback.h $(patsubst src/%.c,$(1)/obj/%.o,$(LIBSRC)) $(1)/libbearssl.a
	@mkdir -p $$(@D)
	$(HOSTCC) $(WARN) $(CPPFLAGS) -Itests/unit $(2) -o $$@ $$< $(patsubst src/%.c,$(1)/obj/%.o,$(LIBSRC)) $(1)/libbearssl.a
$(1)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(patsubst src/%.c,$(1)/obj/%.o,$(LIBSRC)) $(1)/libbearssl.a
	@mkdir -p $$(@D)
	$(HOSTCC) $(WARN) $(CPPFLAGS) $(2) -o $$@ $$< tests/fuzz/replay.c $(patsubst src/%.c,$(1)/obj/%.o,$(LIBSRC)) $(1)/libbearssl.a
$(1)/mcp-s3: src/main.c $(patsubst src/%.c,$(1)/obj/%.o,$(LIBSRC)) $(1)/libbearssl.a
	@mkdir -p $$(@D)
	$(HOSTCC) $(WARN) $(CPPFLAGS) $(2) -o $$@ src/main.c $(patsubst src/%.c,$(1)/obj/%.o,$(LIBSRC)) $(1)/libbearssl.a
endef
$(eval $(call host_flavour,build/host,$(HOST_CFLAGS)))
$(eval $(call host_flavour,build/asan,$(ASAN_CFLAGS)))
# The server built like the unit tests (dynamic, glibc): tests/run.sh runs
# integration suites on build/asan/mcp-s3 (ASan+UBSan) and under valgrind
# on build/host/mcp-s3 (full heap tracking), besides the static binary.
check-servers: build/host/mcp-s3 build/asan/mcp-s3

# Unit tests for TARGET: static, built like the release binary, run under
# qemu-user by tests/run.sh for the ARM targets.
$(O)/tests/%: tests/unit/%.c tests/unit/unit.h tests/unit/listing_model.h tests/unit/loopback.h $(LIBOBJ) $(ROOTS_OBJ) $(O)/libbearssl.a
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(TARGET_CFLAGS) -o $@ $< $(LIBOBJ) $(ROOTS_OBJ) \
	  $(O)/libbearssl.a $(LDFLAGS) $(TARGET_LDFLAGS)

unit: $(addprefix build/host/tests/,$(UNIT))
unit-asan: $(addprefix build/asan/tests/,$(UNIT))
fuzz-replay: $(addprefix build/host/fuzz/,$(FUZZ))
unit-cross: $(addprefix $(O)/tests/,$(UNIT))

# libFuzzer with ASan+UBSan (clang): our objects are built once under
# build/fuzz/obj (BearSSL without instrumentation), each target links
# them; `make fuzz` runs each FUZZ_SECONDS on build/fuzz/NAME.corpus plus
# the seed corpus, with the options of tests/fuzz/NAME.options.  Findings
# stay in build/fuzz/.  scripts/fuzz-campaign.sh runs by executions.
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# -O2 rather than libFuzzer's usual -O1: fuzz_mcp runs about 1.5 times
# as many inputs a second, and the sanitizers still see every access.
FUZZ_CFLAGS := -g -O2 -fno-omit-frame-pointer $(FUZZ_SAN)
build/fuzz/obj/%.o: src/%.c $(HDR) $(BR)/inc/bearssl.h Makefile
	@mkdir -p $(@D)
	clang $(WARN) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(eval $(call bearssl_lib,build/fuzz,clang -O2 -g -I$(BR)/inc -I$(BR)/src,ar))
# The harness itself gets sanitizers but no coverage: its checking loops
# would otherwise cost more than the code under test.
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(patsubst src/%.c,build/fuzz/obj/%.o,$(LIBSRC)) build/fuzz/libbearssl.a
	clang $(WARN) $(CPPFLAGS) $(FUZZ_CFLAGS) -c $< -o $@.o
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $@.o \
	  $(patsubst src/%.c,build/fuzz/obj/%.o,$(LIBSRC)) build/fuzz/libbearssl.a
fuzz-build: $(addprefix build/fuzz/,$(FUZZ))
fuzz: fuzz-build
	@set -e; for t in $(FUZZ); do \
	  mkdir -p build/fuzz/$$t.corpus; \
	  echo "== $$t ($(FUZZ_SECONDS)s)"; \
	  (cd build/fuzz && ./$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $$(cat ../../tests/fuzz/$${t#fuzz_}.options 2>/dev/null) \
	    $$t.corpus ../../tests/fuzz/corpus/$${t#fuzz_} 2>&1 | \
	    grep -aE 'stat::number_of_executed_units|DONE.*cov:|ERROR|SUMMARY' | tail -n 3); \
	done

# --- cross builds, sizes, release -----------------------------------------
# Each target in its own make, since cross/<target>.mk sets CC and flags.
cross: deps-cross
	@set -e; for t in $(TARGETS); do $(MAKE) --no-print-directory TARGET=$$t build/$$t/mcp-s3; done
	@for t in $(TARGETS); do ls -l build/$$t/mcp-s3; done

# ARM binaries and their unit tests, for the qemu suites of tests/run.sh.
test-cross: deps-cross
	@set -e; for t in $(filter-out x86_64,$(TARGETS)); do \
	  $(MAKE) --no-print-directory TARGET=$$t build/$$t/mcp-s3.qemu unit-cross; done

# The sandbox on real ARM kernels: Debian 12's arm64 and armmp-lpae kernels
# booted under qemu-system (TCG), each serving a scripted session on the
# sandboxed binary (tests/kernel/run.py; console logs in build/test-logs/).
# tests/run.sh runs it too, as the suite test_kernel.
test-kernel: deps-kernel
	@set -e; for t in $(filter-out x86_64,$(TARGETS)); do \
	  $(MAKE) --no-print-directory TARGET=$$t build/$$t/mcp-s3; done
	python3 tests/kernel/run.py

# Fails when a binary reaches SIZE_LIMIT; the table goes to stdout
# (docs/size.md records it).
SIZE_LIMIT ?= 1048576
size: cross
	@sh scripts/size.sh $(SIZE_LIMIT) $(TARGETS)

# build/dist/mcp-s3-VERSION-linux-TARGET.tar.gz (binary, LICENSE, README.md),
# the MCP Bundle mcp-s3-VERSION-linux-TARGET.mcpb of each target (the same
# files and manifest.json; scripts/mcpb.sh), SHA256SUMS of both, and
# server.json, the MCP registry entry naming the bundles' release URLs and
# hashes (scripts/server-json.sh); all byte for byte reproducible.
# GITHUB_REPO (OWNER/NAME) names the repository and release page; the
# default owner is a placeholder.
DIST	:= build/dist
GITHUB_REPO ?= mcp-s3/mcp-s3
dist: cross
	@rm -rf $(DIST); mkdir -p $(DIST)
	@set -e; for t in $(TARGETS); do \
	  d=mcp-s3-$(VERSION)-linux-$$t; mkdir -p $(DIST)/$$d; \
	  cp build/$$t/mcp-s3 LICENSE README.md $(DIST)/$$d/; \
	  chmod 0755 $(DIST)/$$d $(DIST)/$$d/mcp-s3; chmod 0644 $(DIST)/$$d/LICENSE $(DIST)/$$d/README.md; \
	  tar -C $(DIST) --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 \
	    --numeric-owner --format=gnu -cf - $$d | gzip -9n > $(DIST)/$$d.tar.gz; \
	  rm -rf $(DIST)/$$d; \
	  sh scripts/mcpb.sh $(DIST)/$$d.mcpb build/$$t/mcp-s3 $$t $(VERSION) https://github.com/$(GITHUB_REPO); \
	  done
	@cd $(DIST) && sha256sum *.tar.gz *.mcpb > SHA256SUMS && cat SHA256SUMS
	@sh scripts/server-json.sh $(DIST) $(VERSION) $(GITHUB_REPO) $(TARGETS)

# `make lint`: cppcheck and clang's static analyzer over src/ (and the
# headers it includes), one case per file and analyser; any report fails
# (scripts/lint.sh says which checks and why).  tests/run.sh runs it.
lint: $(BR)/inc/bearssl.h $(JSMN)
	@sh scripts/lint.sh $(BR)/inc -D_POSIX_C_SOURCE=200809L \
	  -DMCP_S3_VERSION='"$(VERSION)"' -DMCP_S3_TARGET='"$(TARGET)"' \
	  -DMCP_S3_BUILD_DATE='"$(BUILD_DATE)"'

# `make test` installs what the suites need, then runs them all; the
# runner's last line is "N passed, N failed".
test: deps-test build/mcp-s3 unit unit-asan fuzz-replay check-servers test-cross
	sh tests/run.sh

demo: deps-test build/mcp-s3
	sh tests/peers/demo.sh

bench: deps-test build/mcp-s3
	sh bench/run.sh

# json_parse() over two 10 MB messages, built like the release binary.
$(O)/bench/json_parse: bench/json_parse.c $(O)/obj/json.o $(O)/obj/util.o
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) $(TARGET_CFLAGS) -o $@ $< $(O)/obj/json.o $(O)/obj/util.o \
	  $(LDFLAGS) $(TARGET_LDFLAGS)
bench-json: $(O)/bench/json_parse
	$(O)/bench/json_parse

clean:
	rm -rf $(addprefix build/,$(TARGETS)) build/host build/asan build/mcp-s3 $(DIST)
