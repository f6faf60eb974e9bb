# tick - GNU Makefile. `make` builds the libraries; `make demo` runs the tour;
# `make check` runs every test; `make docs` regenerates docs/functions.md. See README.md.

VERSION     := 0.1.0
SOVERSION   := 0
PREFIX      ?= /usr/local
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
BUILD       ?= build
MAKEFLAGS   += --no-print-directory

CC          ?= cc
CXX         ?= c++
OPT         ?= -O2
SANFLAGS    ?=
WARNFLAGS   := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
               -Wpointer-arith -Wcast-qual -Wno-missing-field-initializers
CPPFLAGS    += -Iinclude -Isrc -D_GNU_SOURCE
CFLAGS      ?=
ALL_CFLAGS  := -std=c11 $(OPT) -g -fPIC $(WARNFLAGS) $(SANFLAGS) $(CFLAGS)
LDLIBS      += -lpthread -lm
TEST_CFLAGS := -std=c11 $(OPT) -g $(WARNFLAGS) -Wno-missing-prototypes $(SANFLAGS) $(CFLAGS)

# liburing is optional: detected here, never required. Inside $(shell) GNU make 4.3 keeps
# the backslash of \#, so the probe takes its '#' from a variable.
TICK_HASH   := \#
HAVE_URING  ?= $(shell printf '$(TICK_HASH)include <liburing.h>\nint main(void){return 0;}\n' | \
                 $(CC) -x c - -o /dev/null -luring >/dev/null 2>&1 && echo 1 || echo 0)
ifeq ($(HAVE_URING),1)
CPPFLAGS    += -DTICK_HAVE_URING=1
LDLIBS      += -luring
endif
# valgrind's headers are optional too (Debian's valgrind package has them): with them,
# the io_uring backend tells memcheck which bytes the kernel wrote (src/io/fs-uring.c) and
# async functions tell valgrind about their stacks (src/async/coro.c); without them the
# build is the same minus those requests, which do nothing outside valgrind.
HAVE_VALGRIND ?= $(shell printf '$(TICK_HASH)include <valgrind/memcheck.h>\nint main(void){return 0;}\n' | \
                   $(CC) -x c - -o /dev/null >/dev/null 2>&1 && echo 1 || echo 0)
ifeq ($(HAVE_VALGRIND),1)
CPPFLAGS    += -DTICK_HAVE_VALGRIND=1
endif
# TICK_CORO_UCONTEXT=1 makes async functions switch with swapcontext instead of the
# hand-written switch (both are always compiled; docs/async.md).
ifeq ($(TICK_CORO_UCONTEXT),1)
CPPFLAGS    += -DTICK_CORO_UCONTEXT=1
endif

SRCS        := $(sort $(wildcard src/*/*.c))
OBJS        := $(SRCS:%.c=$(BUILD)/%.o)
TEST_SRCS   := $(sort $(wildcard tests/test-*.c)) tests/runner.c tests/helpers.c
TEST_OBJS   := $(TEST_SRCS:%.c=$(BUILD)/%.o)
ORDER_SRCS  := $(sort $(wildcard tests/ordering/*.c))
ORDER_BINS  := $(ORDER_SRCS:%.c=$(BUILD)/%)
EXAMPLES    := $(patsubst %.c,$(BUILD)/%,$(sort $(wildcard examples/*.c)))

STATIC_LIB  := $(BUILD)/libtick.a
SHARED_LIB  := $(BUILD)/libtick.so.$(VERSION)
PC_FILE     := $(BUILD)/tick.pc
RUN_TESTS   := $(BUILD)/tests/run-tests

# Extra suites run by the runner as single tests (the blocks below append to this).
EXTERN_TESTS ?= --extern install-check 'sh tests/install-check.sh $(BUILD)'
# Each layer of src/ includes only its own and lower layers; the core names none above it.
EXTERN_TESTS += --extern layering 'sh tests/layering.sh'
TEST_ARGS    = --ordering tests/ordering $(BUILD)/tests/ordering $(EXTERN_TESTS)

.PHONY: all check test-build demo sanitize tsan valgrind bench install uninstall clean \
        format-check
all: $(STATIC_LIB) $(SHARED_LIB) $(PC_FILE)

# Rebuild everything when the compiler or flags change (CC=clang make check after gcc).
FLAGS_STAMP := $(BUILD)/.flags
FLAGS_NOW   := $(CC) $(ALL_CFLAGS) $(CPPFLAGS) $(LDLIBS)
$(shell mkdir -p $(BUILD) && \
  if [ "$$(cat $(FLAGS_STAMP) 2>/dev/null)" != "$(FLAGS_NOW)" ]; then \
    echo "$(FLAGS_NOW)" > $(FLAGS_STAMP); fi)

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(STATIC_LIB): $(OBJS)
	@rm -f $@
	ar rcs $@ $^

$(SHARED_LIB): $(OBJS) src/tick.map
	$(CC) -shared -Wl,-soname,libtick.so.$(SOVERSION) -Wl,--version-script=src/tick.map \
	  $(SANFLAGS) -o $@ $(OBJS) $(LDLIBS)
	ln -sf libtick.so.$(VERSION) $(BUILD)/libtick.so.$(SOVERSION)
	ln -sf libtick.so.$(SOVERSION) $(BUILD)/libtick.so

$(PC_FILE): tick.pc.in Makefile FORCE
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(LDLIBS)|' $< > $@

$(RUN_TESTS): $(TEST_OBJS) $(STATIC_LIB)
	$(CC) $(TEST_CFLAGS) -o $@ $(TEST_OBJS) $(STATIC_LIB) $(LDLIBS)

# -Wno-unused-function: the twins' helper headers define static helpers not every twin uses.
$(BUILD)/tests/ordering/%: tests/ordering/%.c $(STATIC_LIB) $(wildcard tests/ordering/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TEST_CFLAGS) -Wno-unused-function -o $@ $< $(STATIC_LIB) $(LDLIBS)

$(BUILD)/examples/%: examples/%.c $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TEST_CFLAGS) -o $@ $< $(STATIC_LIB) $(LDLIBS)

test-build: all $(RUN_TESTS) $(ORDER_BINS) $(EXAMPLES)

# The one test command (README, .ci/run): every unit test, every ordering twin against
# node's output, and the external suites.
check: test-build
	$(RUN_TESTS) $(TEST_ARGS)

demo: $(BUILD)/examples/tour
	$(BUILD)/examples/tour
	@if [ -n "$$TICK_TRACE" ]; then \
	  echo; echo "TICK_TRACE=$$TICK_TRACE: each part's loop wrote the trace named above;"; \
	  echo "open them at https://ui.perfetto.dev (docs/observability.md, Traces)"; fi

SAN_ASAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
sanitize:
	$(MAKE) check BUILD=build/asan SANFLAGS="$(SAN_ASAN)" OPT=-O1 EXTERN_TESTS= \
	  TICK_TEST_TIMEOUT_SCALE=4 TICK_TEST_NODE=0 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

tsan:
	$(MAKE) check BUILD=build/tsan SANFLAGS="-fsanitize=thread" OPT=-O1 EXTERN_TESTS= \
	  TICK_TEST_TIMEOUT_SCALE=6 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  TICK_TEST_NODE=0

VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
            --errors-for-leak-kinds=definite,indirect,possible --trace-children=yes \
            --trace-children-skip='*/node,*/sh,*/bash,/usr/bin/*' --child-silent-after-fork=no
valgrind:
	$(MAKE) test-build BUILD=build/valgrind
	TICK_TEST_TIMEOUT_SCALE=20 TICK_TEST_NODE=0 TICK_TEST_VALGRIND=1 \
	  $(VALGRIND) build/valgrind/tests/run-tests --ordering tests/ordering \
	  build/valgrind/tests/ordering $(VALGRIND_EXTRA)

export TICK_TEST_TIMEOUT_SCALE TICK_TEST_NODE ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS

# Builds the library first (the tick benchmarks link it), then every benchmark, and runs
# them: bench/run.sh prints the table and writes bench/results/latest.csv. BENCH=<glob>
# runs a subset, BENCH_REPS=<n> sets the repetitions (docs/design/bench.md).
BENCH_MAKE = $(MAKE) -C bench BUILD=$(abspath $(BUILD))/bench TICK_LIB=$(abspath $(STATIC_LIB)) \
             TICK_INCLUDE=$(abspath include) TICK_LDLIBS="$(LDLIBS)" \
             TICK_HTTP_HELLO=$(abspath $(BUILD))/examples/http-hello
bench: $(STATIC_LIB) $(BUILD)/examples/http-hello
	$(BENCH_MAKE) run

install: all
	install -d $(DESTDIR)$(INCLUDEDIR)/tick $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/tick.h $(DESTDIR)$(INCLUDEDIR)/tick.h
	install -m 644 include/tick/*.h $(DESTDIR)$(INCLUDEDIR)/tick/
	install -m 644 $(STATIC_LIB) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHARED_LIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libtick.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libtick.so.$(SOVERSION)
	ln -sf libtick.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libtick.so
	install -m 644 $(PC_FILE) $(DESTDIR)$(LIBDIR)/pkgconfig/tick.pc

uninstall:
	rm -rf $(DESTDIR)$(INCLUDEDIR)/tick $(DESTDIR)$(INCLUDEDIR)/tick.h
	rm -f $(DESTDIR)$(LIBDIR)/libtick.* $(DESTDIR)$(LIBDIR)/pkgconfig/tick.pc

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(TEST_OBJS:.o=.d)

FORCE:
.PHONY: FORCE

# --------------------------------------------------------------------------- promises ----
# The promise ordering twins (numbers 500+) are in tests/ordering with the others; they use
# tests/ordering/ptwin.h on top of twin.h.

# Promises/A+ conformance: npm's promises-aplus-tests 2.1.2 against the C core through a
# Node-API addon built with the system compiler (no node-gyp). The addon links its own
# libtick, built without sanitizers in build/conformance (node is not instrumented), so
# the command works under any BUILD/SANFLAGS. `make check` runs it as one test.
CONFORMANCE_BUILD := build/conformance
ADAPTER           := $(CONFORMANCE_BUILD)/adapter.node
NODE_INCLUDE      ?= /usr/include/node
EXTERN_TESTS      += --extern promises-aplus \
                     '$(MAKE) -s --no-print-directory conformance SANFLAGS= OPT=-O2'
.PHONY: conformance conformance-deps

$(ADAPTER): tests/conformance/adapter.c $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -std=c11 $(OPT) -g $(WARNFLAGS) -Wno-missing-prototypes \
	  -I$(NODE_INCLUDE) -Iinclude -o $@ $< $(STATIC_LIB) $(LDLIBS)

conformance-deps:
	@[ -d tests/conformance/node_modules/promises-aplus-tests ] || \
	  (cd tests/conformance && npm install --no-audit --no-fund --silent)

conformance: conformance-deps
	$(MAKE) --no-print-directory $(ADAPTER) BUILD=$(CONFORMANCE_BUILD) SANFLAGS=
	cd tests/conformance && TICK_ADAPTER=$(abspath $(ADAPTER)) node run.js

# The promise benchmarks are bench/promise.c and bench/promise.js: `make bench BENCH=promise`.
# ------------------------------------------------------------ end of promises block ----

# --------------------------------------------------------- network examples and benchmarks ----
# examples/echo-server.c and examples/http-hello.c are built with the other examples;
# tests/test-examples.c runs them in `make check` (and under sanitizers and valgrind).
# `make demo-echo` / `make demo-http` run one against a small client (examples/demo.sh).
# The TCP benchmarks are bench/tcp*.{c,js}: `make bench BENCH=tcp` (docs/design/bench.md).
.PHONY: demo-echo demo-http
demo-echo: $(BUILD)/examples/echo-server
	bash examples/demo.sh echo $(BUILD)/examples/echo-server

demo-http: $(BUILD)/examples/http-hello
	bash examples/demo.sh http $(BUILD)/examples/http-hello
# ------------------------------------------------------- end of network examples block ----

# ------------------------------------------------------------------------------ docs ----
# docs/functions.md, the index of every public function, is generated from the headers:
# `make docs` rewrites it, and `make check` fails (test function-index) when it is stale.
# The complete programs in README.md and docs/*.md are compiled and run (test doc-examples).
.PHONY: docs
docs:
	sh tools/gen-index.sh --write

EXTERN_TESTS += --extern function-index 'sh tools/gen-index.sh --check' \
                --extern doc-examples 'sh tools/doc-examples.sh $(BUILD) $(CC)'

# ------------------------------------------------------------- libFuzzer and soak ----
# tests/fuzz/libfuzzer-loop.c is a libFuzzer harness for the loop and promises (manual
# clock). `make fuzz` builds it with clang (-fsanitize=fuzzer,address,undefined) and runs
# it for FUZZ_SECONDS (default 60) from the seed corpus tests/fuzz/corpus/, new inputs
# going to build/libfuzzer/corpus. Every build also links the harness with a plain main
# (libfuzzer-replay.c), and `make check`, `make sanitize` and `make tsan` replay the seed
# corpus with it as one test. `make soak` runs tests/soak/soak.c (SOAK_SECONDS, ROUNDS),
# then STORM_SEEDS seeds of the cancellation storm.
# docs/testing.md says more.
.PHONY: fuzz fuzz-replay soak
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/libfuzzer
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_REPLAY  := $(BUILD)/tests/fuzz/libfuzzer-replay
TEST_ARGS    += --extern fuzz-corpus '$(FUZZ_REPLAY) tests/fuzz/corpus'
test-build: $(FUZZ_REPLAY)

$(FUZZ_REPLAY): tests/fuzz/libfuzzer-replay.c tests/fuzz/libfuzzer-loop.c $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TEST_CFLAGS) -o $@ tests/fuzz/libfuzzer-replay.c \
	  tests/fuzz/libfuzzer-loop.c $(STATIC_LIB) $(LDLIBS)

$(BUILD)/tests/fuzz/libfuzzer-loop: tests/fuzz/libfuzzer-loop.c $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TEST_CFLAGS) -fsanitize=fuzzer -o $@ $< $(STATIC_LIB) $(LDLIBS)

fuzz-replay: $(FUZZ_REPLAY)
	$(FUZZ_REPLAY) tests/fuzz/corpus

fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang OPT=-O1 SANFLAGS="$(FUZZ_SAN)" \
	  $(FUZZ_BUILD)/tests/fuzz/libfuzzer-loop
	sh tests/fuzz/libfuzzer-run.sh $(FUZZ_BUILD)/tests/fuzz/libfuzzer-loop \
	  tests/fuzz/corpus $(FUZZ_BUILD)/corpus $(FUZZ_SECONDS)

SOAK_SECONDS ?= 60
ROUNDS       ?= 10
# The cancellation storm (tests/test-cancel-storm.c) with STORM_SEEDS more seeds.
STORM_SEEDS  ?= 200
soak: $(BUILD)/tests/soak/soak $(RUN_TESTS)
	$(BUILD)/tests/soak/soak --seconds $(SOAK_SECONDS) --rounds $(ROUNDS)
	TICK_STORM_SEEDS=$(STORM_SEEDS) TICK_STORM_FIRST=1000 $(RUN_TESTS) cancel_storm_seeds

$(BUILD)/tests/soak/soak: tests/soak/soak.c $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TEST_CFLAGS) -o $@ $< $(STATIC_LIB) $(LDLIBS)
# ------------------------------------------------------- end of libFuzzer and soak ----

# ------------------------------------------------------ differential fuzzing against node ----
# tests/fuzz/gen.js writes random scheduler programs twice, as JavaScript and as a
# description that tests/fuzz/interp.c runs on tick; the outputs must be equal
# (docs/testing.md). `make fuzz-node` fuzzes for FUZZ_SECONDS (60) from seed FUZZ_SEED (by
# default from the clock); `make check` runs a fixed batch of 200 seeds and the saved
# cases as one test.
FUZZ_INTERP  := $(BUILD)/tests/fuzz/interp
EXTERN_TESTS += --extern fuzz-node 'node tests/fuzz/fuzz-node.js --check --interp $(FUZZ_INTERP)'
test-build: $(FUZZ_INTERP)
.PHONY: fuzz-node

$(FUZZ_INTERP): tests/fuzz/interp.c $(STATIC_LIB)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(TEST_CFLAGS) -o $@ $< $(STATIC_LIB) $(LDLIBS)

fuzz-node: $(FUZZ_INTERP)
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) node tests/fuzz/fuzz-node.js \
	  --interp $(FUZZ_INTERP)
# ------------------------------------------------- end of differential fuzzing block ----
