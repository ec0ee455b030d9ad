#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load helpers

# make check builds with DEV=1 (-Werror).  The flags stamp must follow the
# flags, so a tree first built without DEV=1 is rebuilt, and a warning fails.
@test "a warning built first without DEV=1 fails the DEV=1 (make check) build" {
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src"
	(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$src")
	printf 'int sk_scratch_unused(void);\nint sk_scratch_unused(void) { int unused_var; return 0; }\n' >>"$src/lib/core/par.c"
	export LC_ALL=C
	run make -C "$src" --no-print-directory O=b b/lib/core/par.o
	[ "$status" -eq 0 ]
	[[ "$output" == *"unused variable 'unused_var'"* ]]
	run make -C "$src" --no-print-directory O=b DEV=1 b/lib/core/par.o
	[ "$status" -ne 0 ]
	[[ "$output" == *"error: unused variable 'unused_var'"* ]]
}

@test "a change of CFLAGS recompiles" {
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src"
	(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$src")
	make -C "$src" --no-print-directory -s O=b b/lib/core/par.o >/dev/null
	run make -C "$src" --no-print-directory O=b b/lib/core/par.o
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run make -C "$src" --no-print-directory O=b CFLAGS=-O0 b/lib/core/par.o
	[ "$output" = "CC lib/core/par.c" ]
}

@test "no file in lib/ includes a header from a floor above its own" {
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	run sh -c "cd '$top' && sh scripts/layers.sh"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src"
	(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$src")
	sed -i '0,/#include "/s//#include "migrate.h"\n#include "/' "$src/lib/core/par.c"
	run sh -c "cd '$src' && sh scripts/layers.sh"
	[ "$status" -eq 1 ]
	[ "$output" = "layers: lib/core/par.c includes flow/migrate.h from a higher floor" ]
}

@test "a floor's private header is refused outside its folder" {
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	src=$BATS_TEST_TMPDIR/src
	mkdir -p "$src"
	(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$src")
	sed -i '0,/#include "/s//#include "stream_internal.h"\n#include "/' "$src/cmd/seginfo/main.c"
	run sh -c "cd '$src' && sh scripts/layers.sh"
	[ "$status" -eq 1 ]
	[ "$output" = "layers: cmd/seginfo/main.c includes stream_internal.h, private to lib/format" ]
}

# make asan runs the suite through scripts/asan.sh: a report halts its process
# with exit 99 and goes to a file in the log directory, and a directory that is
# not empty at the end fails the run, also when the report's own process had
# its stderr thrown away (a test's `run`, an agent's stderr file).
@test "make asan: a sanitizer report exits 99 into the log directory and fails the run; a command's own exit 1 does not" {
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	T=$BATS_TEST_TMPDIR
	cat >"$T/bad.c" <<'C'
#include <limits.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	char *p = malloc((size_t)argc + 2);   /* 4 bytes, unknown to UBSan's object-size check */
	int big = INT_MAX - 1;
	if (argc < 2 || !p)
		return 2;
	if (strcmp(argv[1], "exit1") == 0) {
		free(p);
		return 1;                       /* bad input, as a command says it */
	}
	if (strcmp(argv[1], "overflow") == 0)
		((volatile char *)p)[argc + 2] = 1;  /* p[4]: one past the end */
	if (strcmp(argv[1], "ub") == 0)
		big += argc;                    /* INT_MAX + 1 */
	if (strcmp(argv[1], "leak") == 0)
		return big == 0;                /* p never freed */
	free(p);
	return big == 0;
}
C
	# Built as make asan builds (its ASAN_CFLAGS and ASAN_LDFLAGS).
	cd "$top"
	gcc $(sed -n 's/^ASAN_CFLAGS *= *//p' Makefile) -o "$T/bad" "$T/bad.c" $(sed -n 's/^ASAN_LDFLAGS *= *//p' Makefile)
	mkdir -p "$T/log" && touch "$T/log/stale"
	run -1 --separate-stderr sh scripts/asan.sh "$T/log" "$T/bad" exit1
	[ "$output" = "" ] && [ "$stderr" = "" ]
	[ "$(ls -A "$T/log")" = "" ]
	for what in overflow ub leak; do
		run -1 --separate-stderr sh scripts/asan.sh "$T/log" sh -c '"$1" "$2" 2>"$3"; echo "exit $?"' sh "$T/bad" $what "$T/err"
		[ "$stderr" = "" ]
		[ ! -s "$T/err" ]   # the whole report in the log, none of it on stderr
		[ "${lines[0]}" = "exit 99" ]
		[ "${lines[1]}" = "asan: sanitizer reports in $T/log:" ]
		[ "$(ls "$T/log" | grep -c '^san\.[0-9]*$')" -eq 1 ]
		case $what in
		overflow) [[ "$output" == *"ERROR: AddressSanitizer: heap-buffer-overflow"* ]] ;;
		ub) [[ "$output" == *"bad.c:17:"*"runtime error: signed integer overflow: "*" cannot be represented in type 'int'"* ]] ;;
		leak) [[ "$output" == *"ERROR: LeakSanitizer: detected memory leaks"*"Direct leak of 4 byte(s) in 1 object(s)"* ]] ;;
		esac
	done
	# In the bats tests (SK_BATS_ASAN_OPTIONS) a leak at exit is not a report.
	run -0 --separate-stderr sh scripts/asan.sh "$T/log" sh -c 'ASAN_OPTIONS=$SK_BATS_ASAN_OPTIONS "$1" leak' sh "$T/bad"
	[ "$output" = "" ] && [ "$stderr" = "" ]
	[ "$(ls -A "$T/log")" = "" ]
	# The three variables name the same log and exit status, and the log
	# directory is writable by the lab's throw-away user (sticky, 1777).
	run -0 sh scripts/asan.sh "$T/log" sh -c 'for v in "$ASAN_OPTIONS" "$UBSAN_OPTIONS" "$LSAN_OPTIONS" "$SK_BATS_ASAN_OPTIONS"; do
		echo "$v" | tr : "\n" | grep -E "^(halt_on_error|exitcode|log_path)=" | tr "\n" " "; echo; done | sort -u; stat -c %a "$0"' "$T/log"
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "halt_on_error=1 exitcode=99 log_path=$T/log/san " ]
	[ "${lines[1]}" = "1777" ]
}
