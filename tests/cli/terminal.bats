#!/usr/bin/env bats
# A terminal on standard input or output (issue 12): commands that read trace
# data refuse a terminal at once, and commands that write binary trace data
# refuse one unless -o - asks for it; exit 2.  script(1) gives the command a
# pseudo-terminal on both.
bats_require_minimum_version 1.5.0
load helpers

setup() {
	command -v script >/dev/null || skip "script (util-linux) is missing"
	T=$BATS_TEST_TMPDIR
	cd "$T"
}

# tty CMD: runs CMD in a shell whose standard input and output are a
# pseudo-terminal; output (CR stripped) and status as bats' run sets them.
tty() {
	run script -qec "$1" /dev/null </dev/null
	output=${output//$'\r'/}
}

@test "terminal: every command that reads trace data refuses a terminal on standard input" {
	local c
	for c in "seginfo" "segmerge" "segsplit -c 10 -d parts" "segplot -o x.png" "migrate --vel 2000" \
		"regrid --grid 0,10,5" "segedit 'cdp = 1'"; do
		tty "$c"
		[ "$status" -eq 2 ] || { echo "$c: status $status: $output"; return 1; }
		[ "$output" = "${c%% *}: <stdin>: standard input is a terminal; give a file or a pipe" ] ||
			{ echo "$c: $output"; return 1; }
	done
	[ ! -e parts ] && [ ! -e x.png ]
	tty "taskrun"
	[ "$status" -eq 2 ]
	[ "$output" = "taskrun: <stdin>: standard input is a terminal; give the tasks in a file (-a), a pipe or after :::" ]
	# Tasks given after ::: need no standard input.
	tty "taskrun echo ::: a 2>/dev/null"
	[ "$status" -eq 0 ]
	[ "$output" = "a" ]
}

@test "terminal: binary trace data onto a terminal only with -o -" {
	local c
	for c in "segmerge '$DATA/f3.sgy'" "segedit 'cdp = 1' '$DATA/small.sgy'" \
		"segsynth --line 2,50,4,25 --reflector 0.01 -n 11"; do
		tty "$c"
		[ "$status" -eq 2 ] || { echo "$c: status $status: $output"; return 1; }
		[ "$output" = "${c%% *}: <stdout>: standard output is a terminal; give -o FILE, or -o - to write to it anyway" ] ||
			{ echo "$c: $output"; return 1; }
	done
	# -o - writes the same bytes as to a pipe.
	tty "segmerge '$DATA/f3.sgy' -o - | cmp - '$DATA/f3.sgy' && echo same"
	[ "$status" -eq 0 ]
	[ "$output" = "same" ]
	tty "segmerge -o - '$DATA/small.sgy' | wc -c"
	[ "$output" = "14600" ]
	# Text output to a terminal is fine, and a pipe or file on standard input is.
	tty "seginfo --json '$DATA/small.sgy' | head -c 9"
	[ "$status" -eq 0 ]
	[ "$output" = '{"file": ' ]
	tty "seginfo <'$DATA/small.sgy' | head -n 1"
	[ "$output" = "<stdin>: segy rev 0.0, big-endian, EBCDIC text, 0 extended textual headers" ]
}

@test "terminal: migrate and regrid refuse a terminal for their output before the work" {
	local c
	# small.sgy has no coordinates: the work would fail with a data error
	# (exit 1), so the refusal (exit 2) shows that it comes first.
	for c in "migrate --vel 2000 '$DATA/small.sgy'" "regrid --grid 0,10,5 '$DATA/small.sgy'"; do
		tty "$c"
		[ "$status" -eq 2 ] || { echo "$c: status $status: $output"; return 1; }
		[ "$output" = "${c%% *}: <stdout>: standard output is a terminal; give -o FILE, or -o - to write to it anyway" ] ||
			{ echo "$c: $output"; return 1; }
	done
	# With -o - they go on to the work, and to its error.
	tty "migrate --vel 2000 -o - '$DATA/small.sgy'"
	[ "$status" -eq 1 ]
	[ "$output" = "migrate: $DATA/small.sgy: no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)" ]
	tty "regrid --grid 0,10,5 -o - '$DATA/small.sgy'"
	[ "$status" -eq 1 ]
	[ "$output" = "regrid: $DATA/small.sgy: no coordinates: sx, sy, gx and gy are 0 in all 25 traces (see --coords)" ]
}
