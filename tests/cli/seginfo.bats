#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load helpers

@test "seginfo --help prints usage on stdout and exits 0" {
	run -0 --separate-stderr seginfo --help
	[[ "${lines[0]}" == "usage: seginfo "* ]]
	[ -z "$stderr" ]
}

@test "seginfo: a bad option is a usage error" {
	run -2 --separate-stderr seginfo --bogus
	[ "$stderr" = "seginfo: unknown option '--bogus'; try --help" ]
}

@test "seginfo: an unknown key=value operand is a usage error" {
	run -2 --separate-stderr seginfo bogus=1 "$DATA/small.sgy"
	[ "$stderr" = "seginfo: unknown parameter 'bogus=1'; try --help" ]
}

@test "seginfo: a missing file" {
	run -1 --separate-stderr seginfo "$BATS_TEST_TMPDIR/none.sgy"
	[ "$stderr" = "seginfo: $BATS_TEST_TMPDIR/none.sgy: No such file or directory" ]
}

@test "seginfo: every long option in --help is in the man page" {
	check_help_in_man seginfo
}

@test "seginfo summarises f3.sgy" {
	run -0 --separate-stderr seginfo "$DATA/f3.sgy"
	[ "${lines[0]}" = "$DATA/f3.sgy: segy rev 1.0, big-endian, EBCDIC text, 0 extended textual headers" ]
	[ "${lines[1]}" = "  samples: format 3 (int16), ns 75, dt 4000" ]
	[ "${lines[2]}" = "  traces:  414, 240-byte headers" ]
	[[ "${lines[4]}" == "  coords:  sx 620181.9..620622.1, sy 6074232.9..6074794.5,"* ]]
}

@test "seginfo -k prints keys as TSV with scalars applied; keys= is the same" {
	run -0 seginfo -k iline,xline,cdpx,cdpy,@189:i4 "$DATA/f3.sgy"
	[ "${lines[0]}" = $'111\t875\t620197.2\t6074232.9\t111' ]
	[ "${#lines[@]}" -eq 414 ]
	diff <(seginfo -k iline,xline "$DATA/f3.sgy") <(seginfo keys=iline,xline "$DATA/f3.sgy")
}

@test "seginfo -k with several files starts each row with its file name; -N leaves it out" {
	run -0 --separate-stderr seginfo -k cdp,offset "$DATA/small.sgy" "$DATA/f3.sgy"
	[ "${#lines[@]}" -eq $((25 + $(seginfo -k cdp "$DATA/f3.sgy" | wc -l))) ]
	[ "${lines[0]}" = "$DATA/small.sgy"$'\t'"0"$'\t'"1" ]
	[ "${lines[25]}" = "$DATA/f3.sgy"$'\t'"875"$'\t'"0" ]
	run -0 seginfo -N -k cdp,offset "$DATA/small.sgy" "$DATA/f3.sgy"
	[ "${lines[0]}" = "0"$'\t'"1" ]
	[ "${lines[25]}" = "875"$'\t'"0" ]
	diff <(seginfo --no-filename -k cdp "$DATA/small.sgy" "$DATA/f3.sgy") \
		<(seginfo -k cdp "$DATA/small.sgy"; seginfo -k cdp "$DATA/f3.sgy")
	run -0 sh -c 'seginfo -k cdp - "$1" < "$1" | head -1' sh "$DATA/small.sgy"
	[ "$output" = "<stdin>"$'\t'"0" ]
}

@test "seginfo -k of an unknown key" {
	run -2 --separate-stderr seginfo -k cdp,nosuch "$DATA/f3.sgy"
	[ "$stderr" = "seginfo: unknown header key 'nosuch'" ]
}

@test "seginfo -k takes every key of the table at once; past 256 the message names the first key too many" {
	all=$(seginfo -l | cut -f 1 | paste -sd, -)
	[ "$(seginfo -l | wc -l)" -ge 90 ]
	run -0 --separate-stderr seginfo -k "$all" "$DATA/f3.sgy"
	[ "${#lines[@]}" -eq 414 ]
	[ "$(awk -F'\t' '{ print NF }' <<<"$output" | sort -u)" = "$(seginfo -l | wc -l)" ]
	# Each column is what the key alone prints.
	i=0
	for k in tracl cdp iline xline cdpx sx offset; do
		col=$(seginfo -l | cut -f 1 | grep -nx "$k" | cut -d: -f1)
		diff <(cut -f "$col" <<<"$output") <(seginfo -k "$k" "$DATA/f3.sgy")
		i=$((i + 1))
	done
	[ "$i" = 7 ]
	many=$(for i in $(seq 256); do printf 'cdp,'; done)offset,sx
	run -2 --separate-stderr seginfo -k "$many" "$DATA/f3.sgy"
	[ "$stderr" = "seginfo: too many keys (at most 256): 'offset' is key 257" ]
	[ "$output" = "" ]
}

@test "seginfo --text and --binary" {
	run -0 seginfo --text "$DATA/f3.sgy"
	[ "${lines[0]}" = "C 1 Cropped F3 2-byte integer data set" ]
	[ "${#lines[@]}" -eq 40 ]
	run -0 seginfo --text "$DATA/multi-text.sgy"
	[ "${#lines[@]}" -eq 200 ]
	run -0 seginfo --binary "$DATA/f3.sgy"
	[[ "$output" == *"format     3225  3"* ]]
	[[ "$output" == *"hns        3221  75"* ]]
	run -1 --separate-stderr seginfo --text "$DATA/small.su"
	[ "$stderr" = "seginfo: $DATA/small.su: no SEG-Y file header (su)" ]
}

@test "seginfo reads a pipe and says so" {
	run -0 --separate-stderr seginfo --json < "$DATA/small-lsb.sgy"
	[[ "$output" == '{"file": "<stdin>", "format": "segy", "byte_order": "little", '* ]]
	[[ "$output" == *'"ns": 50, "dt": 4000, "traces": 25, '* ]]
}

@test "seginfo: a truncated last trace is reported after the summary, status 1" {
	run -1 --separate-stderr seginfo "$DATA/broken.sgy"
	[ "${lines[2]}" = "  traces:  3, 240-byte headers, 68 bytes after the last whole trace" ]
	[ "$stderr" = "seginfo: $DATA/broken.sgy: trace 4 (from byte 10769) is truncated: 68 of 256 bytes" ]
}

@test "seginfo: a SEG-Y file without traces, status 1" {
	run -1 --separate-stderr seginfo "$DATA/text.sgy"
	[ "${lines[2]}" = "  traces:  0, 240-byte headers" ]
	[ "$stderr" = "seginfo: $DATA/text.sgy: no traces: the file ends at byte 3600, after its headers" ]
}

@test "seginfo: several files, one failing, go on and exit 1" {
	run -1 --separate-stderr seginfo --json "$DATA/tiny.sgy" "$BATS_TEST_TMPDIR/no" "$DATA/small.su"
	[ "${#lines[@]}" -eq 2 ]
	[ "$stderr" = "seginfo: $BATS_TEST_TMPDIR/no: No such file or directory" ]
}

@test "seginfo -l prints the key table, and segkit(7) holds the same table" {
	run -0 seginfo -l
	[ "${lines[0]}" = $'tracl\t1\ti4' ]
	[[ "$output" == *$'sx\t73\ti4\tscalco'* ]]
	[[ "$output" == *$'delrt\t109\ti2\tscalt'* ]]
	diff <(seginfo -l | awk -F'\t' '{print $1, $2, $3, ($4 == "" ? "\\-" : $4)}') \
	     <(sed -n 's/^\.It \([a-z0-9]*\) Ta \([0-9]*\) Ta \([a-z0-9]*\) Ta \(.*\)$/\1 \2 \3 \4/p' \
	       "$BATS_TEST_DIRNAME/../../man/segkit.7")
}
