#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load helpers

@test "make install puts every program and man page under DESTDIR/PREFIX, and they run from anywhere" {
	top=$BATS_TEST_DIRNAME/../..
	# The programs as built (-o all): make check builds them with DEV=1
	# and make asan with its CFLAGS, and a make without those flags would
	# first rebuild every object (the flags stamp), under ASan 40 minutes.
	make -C "$top" --no-print-directory -s -o all install PREFIX=/opt/sk DESTDIR="$BATS_TEST_TMPDIR/root" >/dev/null
	root=$BATS_TEST_TMPDIR/root/opt/sk
	for c in "$top"/cmd/*/; do
		c=$(basename "$c")
		[ -x "$root/bin/$c" ]
		[ -f "$root/share/man/man1/$c.1" ]
		(cd / && "$root/bin/$c" --version) | grep -q "^$c "
	done
	[ -f "$root/share/man/man5/sgk.5" ]
	[ -f "$root/share/man/man7/segkit.7" ]
	cd "$BATS_TEST_TMPDIR" && "$root/bin/seginfo" --json "$DATA/tiny.sgy" | grep -q '"traces": 6,'
}
