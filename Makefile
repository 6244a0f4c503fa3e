# aaa — ACME Agent for AWS. A plain Makefile: explicit source lists live in
# each folder's module.mk (so a folder's owner edits only its own list),
# pkg-config for the four libraries, warnings are errors.
#
#   make            build/aaa
#   make deps       install every build and test dependency (Debian, apt-get)
#   make test       unit tests (plain and ASan+UBSan) and integration tests
#   make demo       the main job end to end on the local stack (CLI, then Lambda)
#   make fresh-root-check   make demo from zero in a debootstrap Debian 12 root (root)
#   make asan       build/asan/aaa and its unit tests with ASan+UBSan
#   make coverage   unit tests with gcov, summary per file
#   make lint       include direction, clang-format check, clang-tidy, cppcheck
#   make package    build/aaa-lambda.zip
#   make fuzz       libFuzzer targets under ASan+UBSan (FUZZ_SECONDS=N each, default 60)
#   make bench      side-by-side benchmarks, written to bench/results.md

VERSION := 0.1.0
BUILD   ?= build
CC      ?= cc
PKGS    := libcurl openssl libcjson libxml-2.0

# Read when the Makefile is parsed: on a fresh machine that is before `make
# deps` has installed the libraries, so the targets that install them (demo,
# test, fresh-root-check) run the build in a new make after deps, and a build
# without them stops at pkg-check with a message instead of a missing header.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -fstack-protector-strong \
           -Isrc -I. -DAAA_VERSION=\"$(VERSION)\" $(PKG_CFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_LDFLAGS)

# Filled in by the module.mk files:
#   SRCS       library sources linked into aaa and into the unit tests
#   UNIT_SRCS  unit-test sources (tests/unit)
#   TOOL_SRCS  one-file test programs built to $(BUILD)/tools/<name>
SRCS      :=
UNIT_SRCS :=
TOOL_SRCS :=
include $(sort $(wildcard src/*/*.mk)) $(wildcard runtime/*.mk) tests/module.mk

OBJS      := $(SRCS:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ  := $(BUILD)/obj/src/main.o
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o)
TOOLS     := $(patsubst %.c,$(BUILD)/tools/%,$(notdir $(TOOL_SRCS)))

.PHONY: install print-srcs all deps test unit integration asan coverage lint format demo package fuzz bench clean tools \
	pkg-check fresh-root-check

all: $(BUILD)/aaa

$(BUILD)/aaa: $(OBJS) $(MAIN_OBJ)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/unit: $(OBJS) $(UNIT_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(OBJS) $(ALL_LDFLAGS) $(PKG_LIBS)

tools: $(TOOLS)

# Every object waits for pkg-check (order-only: it never forces a rebuild).
# Skipped when the flags come from the command line (the Lambda build's
# trimmed libraries, deploy/sam.mk).
ifneq ($(origin PKG_CFLAGS),command line)
PKG_CHECK := pkg-check
endif

$(BUILD)/obj/%.o: %.c | $(PKG_CHECK)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

deps:
	@sh tests/deps.sh

pkg-check:
	@pkg-config --exists $(PKGS) 2>/dev/null || { \
		echo "make: pkg-config does not find all of $(PKGS):" >&2; \
		pkg-config --print-errors --exists $(PKGS) 2>&1 | sed 's/^/  /' >&2 || true; \
		echo "make: run \`make deps\` first (Debian 12, apt-get, needs root or sudo)" >&2; \
		exit 1; }

unit: $(BUILD)/unit
	$(BUILD)/unit

integration: $(BUILD)/aaa tools
	/usr/bin/python3 -m pytest -q tests/integration

# The README's test command: everything, one summary line at the end.
test:
	@sh tests/run_all.sh

ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
asan:
	$(MAKE) BUILD=build/asan CFLAGS="-O1 -g" EXTRA_CFLAGS="$(ASAN_FLAGS)" \
		EXTRA_LDFLAGS="$(ASAN_FLAGS)" build/asan/aaa build/asan/unit asan-tools

asan-tools:
	$(MAKE) BUILD=build/asan CFLAGS="-O1 -g" EXTRA_CFLAGS="$(ASAN_FLAGS)" \
		EXTRA_LDFLAGS="$(ASAN_FLAGS)" tools

# Unit and integration tests both count: the integration tests run the
# coverage build of aaa and of the test tools.
coverage:
	rm -rf build/cov
	$(MAKE) BUILD=build/cov CFLAGS="-O0 -g" EXTRA_CFLAGS="--coverage" \
		EXTRA_LDFLAGS="--coverage" build/cov/aaa build/cov/unit tools
	build/cov/unit
	AAA_BUILD=build/cov /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration
	@sh tests/coverage.sh build/cov

LINT_SRCS = $(SRCS) src/main.c
lint:
	sh tests/check_includes.sh
	@# the fuzz targets are built only by make test's last step: check here that they still compile
	@for t in tests/fuzz/fuzz_*.c; do $(CC) -std=c11 -fsyntax-only -Isrc -I. $(PKG_CFLAGS) "$$t" || exit 1; done
	clang-format --dry-run --Werror $(LINT_SRCS) $(UNIT_SRCS) $(TOOL_SRCS) $(wildcard src/*/*.h runtime/*.h tests/unit/*.h)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -Isrc -I. $(LINT_SRCS)
	clang-tidy --quiet $(LINT_SRCS) -- $(WARN) -Isrc -I. $(PKG_CFLAGS)

format:
	clang-format -i $(LINT_SRCS) $(UNIT_SRCS) $(TOOL_SRCS) $(wildcard src/*/*.h runtime/*.h tests/unit/*.h)

# deps, then the build in a new make: this one read PKG_CFLAGS before deps ran.
demo:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh

# A Debian 12 root from debootstrap, a clean clone of HEAD, and `make demo` in
# it with nothing else installed (root; tests/fresh_root.sh says what it binds).
fresh-root-check:
	@sh tests/fresh_root.sh

package: all
	@sh deploy/package.sh

fuzz:
	@sh tests/fuzz/run.sh

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, its man page and the
# bash and zsh completion, the last three written by the binary from the option
# table its parser uses.
PREFIX ?= /usr/local
install: $(BUILD)/aaa
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 0755 $(BUILD)/aaa $(DESTDIR)$(PREFIX)/bin/aaa
	$(BUILD)/aaa manpage > $(DESTDIR)$(PREFIX)/share/man/man1/aaa.1
	$(BUILD)/aaa completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/aaa
	$(BUILD)/aaa completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_aaa

print-srcs:
	@echo $(SRCS)

clean:
	rm -rf build

# Targets owned by other folders (SAM build targets, benchmarks).
-include $(sort $(wildcard deploy/*.mk bench/*.mk))

-include $(OBJS:.o=.d) $(MAIN_OBJ:.o=.d) $(UNIT_OBJS:.o=.d)
