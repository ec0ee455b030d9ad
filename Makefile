# segkit: one non-recursive GNU Makefile (see STYLE.md section 10).
# Objects go to $(O), programs to bin/.  make DEV=1 (and make check) add -Werror.

O        ?= build
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
CC       ?= cc
CFLAGS   ?= -O2 -g
VERSION  := 0.1.0

CSTD  = -std=c11 -D_POSIX_C_SOURCE=200809L -D_FILE_OFFSET_BITS=64
WARN  = -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion \
        -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wcast-qual \
        -Wformat=2 -Wvla -Wundef -Wpointer-arith
ifeq ($(DEV),1)
WARN += -Werror
endif

PKGS      = yaml-0.1 libzstd libxxhash cairo libpcre2-8
DEP_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
# -fno-math-errno: no code reads errno after a math call, and it lets the
# compiler vectorise sqrtf in the migration kernel.
ALL_CFLAGS  = $(CSTD) $(WARN) $(OBJ_CFLAGS) -fno-math-errno -fopenmp -pthread $(DEP_CFLAGS) $(LIB_INC) -I$(O) -MMD -MP
# The migration kernel (lib/kernel/kirchhoff*.c: its output-trace body is
# inlined once per SIMD level) is compiled without the sanitizers that make
# asan puts in CFLAGS: GCC with -fsanitize=address,undefined did not finish
# compiling it in 52 CPU minutes (sessions 8-9), without them it takes 53 s
# of CPU (gcc 12 at -O1 -g).  The rest of the program stays sanitized and
# ASan's runtime is still linked in; what is lost is the checking of the
# kernel's own loads and stores (test_kirchhoff and migrate.bats compare its
# images against the reference path and Seismic Unix instead).
NOSAN_SRCS := $(wildcard lib/kernel/kirchhoff*.c)
OBJ_CFLAGS  = $(if $(filter $(NOSAN_SRCS),$<),$(filter-out -fsanitize% -fno-sanitize%,$(CFLAGS)),$(CFLAGS))

# lib/ is grouped by layer, each folder a floor that includes only the floors
# below it (scripts/layers.sh checks): core < format < geom < kernel < flow.
FLOORS    := core format geom kernel flow
LIB_INC   := $(FLOORS:%=-Ilib/%)
LIB_SRCS  := $(sort $(wildcard $(FLOORS:%=lib/%/*.c)))
LIB_OBJS  := $(LIB_SRCS:%.c=$(O)/%.o)
CMDS      := $(notdir $(patsubst %/,%,$(sort $(dir $(wildcard cmd/*/main.c)))))
PROGS     := $(CMDS:%=bin/%)
# A command's files other than main.c (taskrun's scheduler, agent, ...) form
# its own small library, which its unit tests link too.
CMD_LIBS  := $(foreach c,$(CMDS),$(if $(filter-out cmd/$(c)/main.c,$(wildcard cmd/$(c)/*.c)),$(O)/cmd/$(c)/lib$(c).a))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITS     := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/unit/%)
HDRS      := $(sort $(wildcard $(FLOORS:%=lib/%/*.h)))
ALL_SRCS  := $(LIB_SRCS) $(wildcard cmd/*/*.c) $(UNIT_SRCS)

.PHONY: FORCE all check unit cli fuzz fuzz-short bench demo install uninstall clean asan valgrind valgrind-cmds manlint headers
.DELETE_ON_ERROR:
.SECONDARY:

all: $(PROGS)

$(O)/version.h: Makefile
	@mkdir -p $(@D) && echo '#define SK_VERSION "$(VERSION)"' > $@

$(O)/cflags.stamp: FORCE
	@mkdir -p $(@D); echo '$(CC) $(ALL_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(ALL_CFLAGS)' > $@
FORCE:

$(O)/%.o: %.c $(O)/version.h $(O)/cflags.stamp
	@mkdir -p $(@D)
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/libsegkit.a: $(LIB_OBJS)
	@rm -f $@ && ar rcs $@ $^

$(O)/cmd/%.a:
	@rm -f $@ && ar rcs $@ $^

# segsplit --hosts reads taskrun's host file format (cmd/taskrun/hostfile.c).
CMD_USES_segsplit = $(O)/cmd/taskrun/libtaskrun.a
define cmd_rules
$(O)/cmd/$(1)/lib$(1).a: $(patsubst %.c,$(O)/%.o,$(filter-out cmd/$(1)/main.c,$(wildcard cmd/$(1)/*.c)))
bin/$(1): $(O)/cmd/$(1)/main.o $(filter $(O)/cmd/$(1)/%,$(CMD_LIBS)) $(CMD_USES_$(1)) $(O)/libsegkit.a
	@mkdir -p bin
	@echo "LD $$@"; $$(CC) $$(CFLAGS) -fopenmp -pthread $$(LDFLAGS) -o $$@ $$^ $$(DEP_LIBS)
endef
$(foreach c,$(CMDS),$(eval $(call cmd_rules,$(c))))

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(CMD_LIBS) $(O)/libsegkit.a
	@echo "LD $@"; $(CC) $(CFLAGS) -fopenmp -pthread $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# Every public header compiles on its own (segyio's test-include.c idea).
$(O)/headers.stamp: $(HDRS) $(LIB_SRCS) scripts/layers.sh
	@mkdir -p $(O)/hdrcheck
	@for h in $(HDRS); do echo "#include \"$$(basename $$h)\"" > $(O)/hdrcheck/t.c; \
	  $(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -fsyntax-only $(O)/hdrcheck/t.c || exit 1; done
	@sh scripts/layers.sh
	@touch $@
headers: $(O)/headers.stamp

# make check: dependencies, a -Werror build, then every test; the runner prints
# the final "N passed, N failed" line.
check:
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory DEV=1 all units headers fuzzers
	@sh scripts/check.sh $(O)

units: $(UNITS)

unit: units
	@for t in $(UNITS); do $$t || exit 1; done

cli: all
	bats tests/cli

manlint:
	@out=$$(for m in man/*.[157]; do groff -mandoc -ww -z $$m 2>&1; mandoc -Tlint -W warning $$m 2>&1; done); \
	  [ -z "$$out" ] || { echo "$$out"; exit 1; }

# libFuzzer harnesses (clang), one per tests/fuzz/fuzz_*.c, each with an
# optional dictionary tests/fuzz/fuzz_*.dict.  lib/ is compiled once for all
# of them (coverage and sanitizers); FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
# gives io.c small buffers.  The seeds are made by tests/fuzz/mkcorpus.py
# into $(O)/fuzz/corpus.  fuzz-short is what check runs (scripts/check.sh),
# fuzz runs each harness FUZZ_TIME seconds.
FUZZ_SRCS  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/fuzz/%)
# No harness reaches migration; its kernel (a file per SIMD level) takes
# minutes to compile under the sanitizers, so it is left out.
FUZZ_OBJS  := $(filter-out lib/kernel/kirchhoff%.c lib/flow/migrate%.c,$(LIB_SRCS))
FUZZ_OBJS  := $(FUZZ_OBJS:%.c=$(O)/fuzzobj/%.o)
FUZZ_CFLAGS = $(CSTD) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
              -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $(DEP_CFLAGS) $(LIB_INC) -I$(O) -fopenmp=libgomp -pthread
$(O)/fuzzobj/%.o: %.c $(O)/version.h
	@mkdir -p $(@D)
	@echo "FUZZCC $<"; clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(O)/fuzz/%: tests/fuzz/%.c $(wildcard tests/fuzz/*.h) $(FUZZ_OBJS) $(O)/fuzz/corpus.stamp
	@echo "FUZZ $@"; clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(DEP_LIBS)
$(O)/fuzz/corpus.stamp: tests/fuzz/mkcorpus.py
	@mkdir -p $(@D) && rm -rf $(O)/fuzz/corpus
	@/usr/bin/python3 tests/fuzz/mkcorpus.py $(O)/fuzz/corpus ../shared/data/segy && touch $@
fuzzers: $(FUZZERS)
FUZZ_TIME ?= 300
FUZZ_SHORT ?= 20
fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do sh tests/fuzz/run.sh $$f $(FUZZ_TIME) || exit 1; done
fuzz-short: $(FUZZERS)
	@for f in $(FUZZERS); do sh tests/fuzz/run.sh $$f $(FUZZ_SHORT) || exit 1; done

# The suite with ASan and UBSan.  --no-print-directory: from a nested make,
# every make a test runs (examples.bats) would print "Entering directory".
# scripts/asan.sh sets the sanitizers' options (halt, exit status 99, the
# reports in files under build-asan/sanlog/, leaks checked in the unit tests)
# and fails the run when that directory is not empty at the end.  GCC links
# UBSan's runtime apart from ASan's, each with its own report file, and
# log_path reached one: both shared, UBSan's reports went to stderr whatever
# UBSAN_OPTIONS said; UBSan alone static, ASan's went there but for its
# summary line.  Both static, every report follows log_path (build.bats
# checks all three kinds; tests/cli/helpers.bash's asan_build finds them).
ASAN_CFLAGS  = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
ASAN_LDFLAGS = -static-libasan -static-libubsan
asan:
	@sh scripts/asan.sh $(CURDIR)/build-asan/sanlog $(MAKE) --no-print-directory O=build-asan CFLAGS="$(ASAN_CFLAGS)" LDFLAGS="$(ASAN_LDFLAGS)" check

valgrind: units
	@for t in $(UNITS); do valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $$t >/dev/null || exit 1; done; echo "valgrind: all unit tests clean"

# memcheck on the commands over ../shared/data's real files, at two sizes
# (errors, and memory left at exit that grows with the input): scripts/valgrind.sh.
valgrind-cmds: all
	@sh scripts/valgrind.sh

bench: all
	@for b in bench/*.sh; do \
		case $$b in bench/common.sh|bench/old.sh) continue ;; esac; \
		sh $$b; \
	done

# The demo: the examples/line flow on local slots, or over HOSTS=hostfile.
demo:
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@PATH="$(CURDIR)/bin:$$PATH" $(MAKE) --no-print-directory -C examples/line demo \
		$(if $(HOSTS),HOSTS=$(abspath $(HOSTS)))

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)
	for m in man/*.1; do install -m 644 $$m $(DESTDIR)$(MANDIR)/man1; done
	for m in man/*.5; do [ -f $$m ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man5; done; true
	for m in man/*.7; do [ -f $$m ] && install -m 644 $$m $(DESTDIR)$(MANDIR)/man7; done; true

uninstall:
	rm -f $(CMDS:%=$(DESTDIR)$(BINDIR)/%) $(CMDS:%=$(DESTDIR)$(MANDIR)/man1/%.1)
	rm -f $(DESTDIR)$(MANDIR)/man5/sgk.5 $(DESTDIR)$(MANDIR)/man7/segkit.7

clean:
	rm -rf $(O) build-asan bin

-include $(shell find $(O) -name '*.d' 2>/dev/null)
