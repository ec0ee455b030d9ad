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
