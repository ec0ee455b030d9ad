#!/usr/bin/env bats
# The arithmetic of the bench scripts' figures (bench/common.sh): quartiles
# (the median and quartiles of each column of rows of numbers, as
# numpy.percentile's default), round_speedups (a round's speed-up T1/T2, its
# ceiling T1/TA + T1/TB and the share of it, then their quartiles over the
# rounds), call_bar (met, not met or not called from the quartiles) and raw
# (the rounds' times for a reader).  Fixed numbers, exact output; the benches
# themselves are not run here (they are measurements: `make bench`).
bats_require_minimum_version 1.5.0

COMMON=$BATS_TEST_DIRNAME/../../bench/common.sh

# bench: run bench/common.sh's helpers in sh, as the bench scripts do (sh -c
# gives the sourced file its own path as $0, from which it finds the checkout).
bench() {
	sh -c '. "$0"; shift; eval "$@"' "$COMMON" - "$@"
}

@test "quartiles: median and quartiles of an odd count, unsorted: the middle values" {
	run bench 'printf "3\n1\n2\n5\n4\n" | quartiles'
	[ "$status" -eq 0 ]
	[ "$output" = "3 2 4" ]
}

@test "quartiles: an even count interpolates between neighbours; each column on its own" {
	# Column 1 sorted 1 2 3 4: median (2+3)/2, q1 at 0.75 of the way from 1 to 2,
	# q3 at 0.25 from 3 to 4; column 2 is ten times column 1, reversed.
	run bench 'printf "1 40\n2 30\n3 20\n4 10\n" | quartiles'
	[ "$status" -eq 0 ]
	[ "$output" = "2.5 1.75 3.25 25 17.5 32.5" ]
}

@test "quartiles: one row, blank lines, signs and exponents" {
	run bench 'printf "\n-1.5e-1 +7 .25\n\n" | quartiles'
	[ "$status" -eq 0 ]
	[ "$output" = "-0.15 -0.15 -0.15 7 7 7 0.25 0.25 0.25" ]
}

@test "quartiles: the same as numpy.percentile (25, 50, 75) on 7 and 10 fixed values" {
	a="0.297 0.168 0.343 0.311 0.2004 0.2254 0.357"
	b="1.21 1.77 1.40 1.55 1.10 1.35 1.65 1.55 1.91 0.98"
	for v in "$a" "$b"; do
		want=$(/usr/bin/python3 -c 'import sys, numpy as np
v = [float(x) for x in sys.argv[1].split()]
print("%.6g %.6g %.6g" % (np.percentile(v, 50), np.percentile(v, 25), np.percentile(v, 75)))' "$v")
		run bench "echo '$v' | tr ' ' '\n' | quartiles"
		[ "$status" -eq 0 ]
		[ "$output" = "$want" ]
	done
	# and the last written out by hand, so that numpy cannot move both: sorted
	# 0.98 1.10 1.21 1.35 1.40 | 1.55 1.55 1.65 1.77 1.91, the median at 4.5
	# of 9 steps (1.40 + 1.55) / 2, q1 at 2.25: 1.21 + 0.25 x 0.14, q3 at
	# 6.75: 1.55 + 0.75 x 0.10
	[ "$want" = "1.475 1.245 1.625" ]
}

@test "quartiles: a field that is not a number, ragged rows, no rows: exit 1 naming the row and field" {
	run bench 'printf "1 2\n3 x4\n" | quartiles'
	[ "$status" -eq 1 ]
	[ "$output" = 'quartiles: row 2, field 2: "x4" is not a number' ]
	run bench 'printf "1 2\n3\n" | quartiles'
	[ "$status" -eq 1 ]
	[ "$output" = "quartiles: row 2 has 1 fields, row 1 has 2" ]
	run bench 'printf "\n" | quartiles'
	[ "$status" -eq 1 ]
	[ "$output" = "quartiles: no rows" ]
}

@test "round_speedups: each round's speed-up, ceiling and share, then their quartiles" {
	# Round 1: 1 thread 1.0 s, 2 threads 0.6 s (1.667), the pair 1.0 s each
	# (ceiling 2, share 0.833).  Round 2 is round 1 on a host twice as slow:
	# the same ratios, which the round-by-round figures keep.  Round 3: 1.1 /
	# 0.6 = 1.833, ceiling 1.1/1.1 + 1.1/1.2 = 1.917, share 0.9565.
	run bench 'printf "1.0 0.6 1.0 1.0\n2.0 1.2 2.0 2.0\n1.1 0.6 1.1 1.2\n" | round_speedups'
	[ "$status" -eq 0 ]
	[ "$output" = "1.66667 1.66667 1.75 2 1.95833 2 0.833333 0.833333 0.894928" ]
	# The ratio of the median times would be 1.1 / 0.6 = 1.83: not what it gives.
	run bench 'printf "0.3 0.2 0.4 0.4\n0.6 0.3 0.5 0.7\n" | round_speedups'
	[ "$output" = "1.75 1.625 1.875 1.77857 1.63929 1.91786 0.986111 0.979167 0.993056" ]
}

@test "round_speedups: a time of 0, a row of 3 fields, no rows: exit 1 naming them" {
	run bench 'printf "1 1 1 1\n1 0 1 1\n" | round_speedups'
	[ "$status" -eq 1 ]
	[ "$output" = 'round_speedups: row 2, field 2: "0" is not a time above 0' ]
	run bench 'printf "1 1 1\n" | round_speedups'
	[ "$status" -eq 1 ]
	[ "$output" = "round_speedups: row 1 has 3 fields, not 4 (T1 T2 TA TB)" ]
	run bench ': | round_speedups'
	[ "$status" -eq 1 ]
	[ "$output" = "round_speedups: no rows" ]
}

@test "call_bar: met from the lower quartile up, not met below the upper, else not called" {
	run bench 'call_bar 1.6 1.6 1.9'
	[ "$output" = "bar 1.6: met, lower quartile 1.600" ]
	run bench 'call_bar 1.6 1.2 1.5999'
	[ "$output" = "bar 1.6: not met, upper quartile 1.600" ]
	run bench 'call_bar 1.6 1.5999 1.6'
	[ "$output" = "bar 1.6: not called, quartiles 1.600-1.600 straddle it" ]
	run bench 'call_bar 1.9 1.83 2.01'
	[ "$output" = "bar 1.9: not called, quartiles 1.830-2.010 straddle it" ]
}

@test "call_bar: with the ceiling's median, a bar not met is not called when the ceiling is below it too" {
	# regrid linear at load 5: speed-up quartiles 1.10-1.41, ceiling 1.59
	run bench 'call_bar 1.6 1.10 1.41 1.59'
	[ "$output" = "bar 1.6: not called, the ceiling here (median 1.590) is below it" ]
	run bench 'call_bar 1.6 1.10 1.41 1.6'
	[ "$output" = "bar 1.6: not met, upper quartile 1.410" ]
	# met stands whatever the ceiling (a share above 100% is possible)
	run bench 'call_bar 1.6 1.62 1.70 1.5'
	[ "$output" = "bar 1.6: met, lower quartile 1.620" ]
	run bench 'call_bar 1.6 1.5 1.7 1.4'
	[ "$output" = "bar 1.6: not called, the ceiling here (median 1.400) is below it" ]
}

@test "raw: a line to BENCH_RAW, appended, or without it to standard error" {
	f=$BATS_TEST_TMPDIR/raw
	echo "first" >"$f"
	BENCH_RAW=$f run bench 'raw size=S round=1 t1=2.1'
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$(cat "$f")" = "first
raw common.sh size=S round=1 t1=2.1" ]
	run --separate-stderr bench 'raw size=S round=2'
	[ "$output" = "" ]
	[ "$stderr" = "raw common.sh size=S round=2" ]
}
