#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load helpers

@test "segmerge --help prints usage on stdout and exits 0" {
	run -0 --separate-stderr segmerge --help
	[[ "${lines[0]}" == "usage: segmerge "* ]]
}

@test "segmerge: a bad option is a usage error" {
	run -2 --separate-stderr segmerge -Q
	[ "$stderr" = "segmerge: unknown option '-Q'; try --help" ]
}

@test "segmerge: bad option values are usage errors" {
	run -2 --separate-stderr segmerge --to rsf "$DATA/small.sgy"
	[ "$stderr" = "segmerge: unknown format 'rsf' (segy, su or sgk)" ]
	run -2 --separate-stderr segmerge --zstd=25 "$DATA/small.sgy"
	[ "$stderr" = "segmerge: invalid zstd level '25' (1-19)" ]
	run -2 --separate-stderr segmerge --format 4 "$DATA/small.sgy"
	[[ "$stderr" == "segmerge: invalid sample format '4' (1 ibm,"* ]]
	run -2 --separate-stderr segmerge --to su --format 1 "$DATA/small.sgy"
	[ "$stderr" = "segmerge: SU holds float samples only (format 5, not 1)" ]
}

@test "segmerge: a missing file" {
	run -1 --separate-stderr segmerge "$BATS_TEST_TMPDIR/none.sgy"
	[ "$stderr" = "segmerge: $BATS_TEST_TMPDIR/none.sgy: No such file or directory" ]
}

@test "segmerge: every long option in --help is in the man page" {
	check_help_in_man segmerge
}

@test "segmerge: key=value operands equal the long options" {
	segmerge --to sgk --zstd=5 "$DATA/small.sgy" -o "$BATS_TEST_TMPDIR/a.sgk"
	segmerge to=sgk zstd=5 "$DATA/small.sgy" output="$BATS_TEST_TMPDIR/b.sgk"
	cmp "$BATS_TEST_TMPDIR/a.sgk" "$BATS_TEST_TMPDIR/b.sgk"
}

@test "segmerge concatenates inputs in order" {
	segmerge "$DATA/small.sgy" "$DATA/small.sgy" -o "$BATS_TEST_TMPDIR/two.sgy"
	run -0 seginfo -k tracl,iline,xline "$BATS_TEST_TMPDIR/two.sgy"
	[ "${#lines[@]}" -eq 50 ]
	diff <(seginfo -N -k iline,xline "$DATA/small.sgy" "$DATA/small.sgy") <(seginfo -k iline,xline "$BATS_TEST_TMPDIR/two.sgy")
	# The data of the second half is the data of the file.
	tail -c $((25 * 440)) "$BATS_TEST_TMPDIR/two.sgy" | cmp - <(tail -c $((25 * 440)) "$DATA/small.sgy")
}

@test "segmerge refuses inputs whose ns differ, naming both files and values" {
	mkdir "$BATS_TEST_TMPDIR/out"
	run -1 --separate-stderr segmerge "$DATA/small.sgy" "$DATA/tiny.sgy" -o "$BATS_TEST_TMPDIR/out/x.sgy"
	[ "$stderr" = "segmerge: $DATA/tiny.sgy: ns=4 differs from $DATA/small.sgy's ns=50" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/out")" ]
}

@test "segmerge refuses inputs whose dt or header length differ" {
	run -1 --separate-stderr segmerge "$DATA/tiny.sgy" "$DATA/trace-header-extension1.sgy"
	[ "$stderr" = "segmerge: $DATA/trace-header-extension1.sgy: trace header length 480 differs from $DATA/tiny.sgy's 240" ]
	segmerge --to su "$DATA/tiny.sgy" -o "$BATS_TEST_TMPDIR/t.su"
	run -1 --separate-stderr segmerge "$DATA/tiny.sgy" "$DATA/interval-pos-bin-neg-trace.sgy"
	[ "$stderr" = "segmerge: $DATA/interval-pos-bin-neg-trace.sgy: ns=1 differs from $DATA/tiny.sgy's ns=4" ]
}

@test "segmerge: SEG-Y to sgk and back is byte-identical, also compressed and through pipes" {
	for f in small.sgy small-lsb.sgy f3.sgy long.sgy multi-text.sgy rotated-small-rev2.sgy; do
		segmerge --to sgk "$DATA/$f" | segmerge --to segy | cmp - "$DATA/$f"
		segmerge --zstd=9 "$DATA/$f" | segmerge --to segy | cmp - "$DATA/$f"
	done
}

@test "segmerge: a truncated trace fails with exit 1 and leaves no output" {
	mkdir "$BATS_TEST_TMPDIR/out"
	run -1 --separate-stderr segmerge --to sgk "$DATA/broken.sgy" -o "$BATS_TEST_TMPDIR/out/b.sgk"
	[ "$stderr" = "segmerge: $DATA/broken.sgy: trace 4 (from byte 10769) is truncated: 68 of 256 bytes" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/out")" ]
}

@test "segmerge: a directory, an empty file and a text file" {
	run -1 --separate-stderr segmerge "$BATS_TEST_TMPDIR"
	[ "$stderr" = "segmerge: $BATS_TEST_TMPDIR: Is a directory" ]
	: > "$BATS_TEST_TMPDIR/empty"
	run -1 --separate-stderr segmerge "$BATS_TEST_TMPDIR/empty"
	[ "$stderr" = "segmerge: $BATS_TEST_TMPDIR/empty: empty file" ]
	printf 'just some text\n' > "$BATS_TEST_TMPDIR/t.txt"
	run -1 --separate-stderr segmerge "$BATS_TEST_TMPDIR/t.txt"
	[ "$stderr" = "segmerge: $BATS_TEST_TMPDIR/t.txt: not a SEG-Y, SU or sgk file: 15 bytes, shorter than a 3600-byte SEG-Y header, and no SU trace fits" ]
}
