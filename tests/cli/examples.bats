#!/usr/bin/env bats
# The example flows of examples/, each run through its Makefile and checked
# by it (the demo's focusing check, the tiles-versus-one-run and accuracy
# check of regrid3d, the sort order against sort -s).
bats_require_minimum_version 1.5.0
load helpers

@test "examples/line: the demo flow focuses every diffractor where the model put it" {
	run -0 make -s -C "$BATS_TEST_DIRNAME/../../examples/line" demo W="$BATS_TEST_TMPDIR/line"
	[[ "$output" == *"taskrun efficiency on :: "* ]]
	[ "$(grep -c ' ok$' <<< "$output")" -eq 3 ]
	[ -s "$BATS_TEST_TMPDIR/line/image.png" ] && [ -s "$BATS_TEST_TMPDIR/line/gather.png" ]
	# segplot's default scale clips none of the focused diffractors: within
	# 4 traces and 10 samples of each (700,0.5 1200,0.9 1700,1.3 on a grid of
	# 12.5 m, 4 ms samples), no pixel of the 1000x700 picture (data area
	# 72,36 816x616, 193 x 751 cells) is at the end of the diverging scale,
	# but the one largest sample of the image; a 99% clip saturates them.
	run -0 /usr/bin/python3 "$BATS_TEST_DIRNAME/segplot_png.py" peaks "$BATS_TEST_TMPDIR/line/image.png" \
		72 36 816 616 193 751 56,125 96,225 136,325
	[ "$(awk '{ n += $3 } END { print n }' <<< "$output")" -le 1 ]
	segplot "$BATS_TEST_TMPDIR/line/image.sgy" --cmap diverging --perc 99 -o "$BATS_TEST_TMPDIR/p99.png"
	run -0 /usr/bin/python3 "$BATS_TEST_DIRNAME/segplot_png.py" peaks "$BATS_TEST_TMPDIR/p99.png" \
		72 36 816 616 193 751 56,125 96,225 136,325
	[ "$(awk '$3 > 20 { n++ } END { print n }' <<< "$output")" -eq 3 ]
	# The stacked pieces are the migration of the whole line (split-sum).
	migrate --vel 0:1800,1:2200,2:2600,3:3000 --grid 0,12.5,193 "$BATS_TEST_TMPDIR/line/line.sgy" \
		-o "$BATS_TEST_TMPDIR/whole.sgy"
	/usr/bin/python3 - "$BATS_TEST_TMPDIR/line/image.sgy" "$BATS_TEST_TMPDIR/whole.sgy" <<'PY'
import sys, segyio, numpy as np
a, b = (segyio.tools.collect(segyio.open(f, ignore_geometry=True).trace[:]) for f in sys.argv[1:])
err = np.max(np.abs(a - b)) / np.max(np.abs(b))
sys.exit(0 if err < 1e-5 else "split-sum differs: %g" % err)
PY
}

@test "examples/line: a diffractor that is not in the data is reported as missed" {
	run -2 make -s -C "$BATS_TEST_DIRNAME/../../examples/line" demo W="$BATS_TEST_TMPDIR/line" \
		SHOTS=12 GROUP=6 NT=401 DIFFS="400,0.5" FOCUS_EXTRA="900,1.2"
	[[ "$output" == *"diffractor x=  900.0 m tau=1.200 s"*"MISSED"* ]]
}

@test "examples/regrid3d: parts over taskrun equal one run, and the error is within the bar" {
	run -0 make -s -C "$BATS_TEST_DIRNAME/../../examples/regrid3d" W="$BATS_TEST_TMPDIR/rg"
	[[ "$output" == "regrid3d: 4608 irregular traces -> 48 x 48 grid by linear in 4 taskrun parts; tiles equal one run; E = "* ]]
}

@test "examples/sort: the external sort equals sort -s" {
	run -0 make -s -C "$BATS_TEST_DIRNAME/../../examples/sort" W="$BATS_TEST_TMPDIR/sort"
	[ "$output" = "sort: 11520 traces in cdp,offset order, the same order as sort -s" ]
}

# The real-data flows read ../shared/data/real (never copied into the project).
REAL=$BATS_TEST_DIRNAME/../../../shared/data/real
SUDIR=$BATS_TEST_DIRNAME/../../../shared/tools/su

@test "examples/shotline: the real shot line images coherently at the picked velocities" {
	[ -f "$REAL/servilleta_lomablanca_053018_H1_shots001-120.su" ] || skip "no $REAL"
	local w=$BATS_TEST_TMPDIR/shotline
	run -0 make -s -C "$BATS_TEST_DIRNAME/../../examples/shotline" check W="$w" D="$REAL" SU="$SUDIR"
	local out=$output
	echo "$out"
	[[ "$out" == *"picked v(t): 0.15:"*",0.35:"*",0.55:"* ]]
	[[ "$out" == *"with the pairs subtracted (SH)"*"bar 0.26: ok"* ]]
	[ -s "$w/shot.png" ] && [ -s "$w/image.png" ]
	# 3600 live traces (60 source points x 60 channels), 2916 beyond 6 m.
	[ "$(seginfo -k cdp "$w/sh.sgk" | wc -l)" -eq 3600 ]
	[ "$(seginfo -k cdp "$w/cmp.sgk" | wc -l)" -eq 2916 ]
	# The check fails on gathers without SH signal: the null against itself.
	run -1 /usr/bin/python3 "$BATS_TEST_DIRNAME/../../examples/shotline/semblance.py" check 0.05:0.65 0.26 \
		"$w/null.sgk" "$w/null.sgk"
	[[ "$output" == *"FAILED"* ]]
	if [ -x "$SUDIR/bin/sunmo" ]; then
		[[ "$out" == *"against SU's sunmo+sustack"*"best at lag +0"*" ok"* ]]
		# SU's stack at 600 m/s does not match the image migrated at the picks.
		echo 0.15:600 > "$w/wrong.txt"
		run -1 env SU="$SUDIR" /usr/bin/python3 "$BATS_TEST_DIRNAME/../../examples/shotline/sucheck.py" \
			"$w/image.sgk" "$w/cmp.sgk" "$w/wrong.txt"
		[[ "$output" == *"FAILED"* ]]
	else
		[[ "$out" == *"Seismic Unix not found"* ]]
	fi
}

@test "examples/alaska: the migrated Alaska line focuses and matches Seismic Unix's sustolt" {
	[ -f "$REAL/alaska_31-81_PR_stack.sgy" ] || skip "no $REAL"
	local w=$BATS_TEST_TMPDIR/alaska
	run -0 make -s -C "$BATS_TEST_DIRNAME/../../examples/alaska" W="$w" D="$REAL" SU="$SUDIR"
	echo "$output"
	[[ "$output" == *"kurtosis "*" ok"* ]]
	if [ -x "$SUDIR/bin/sustolt" ]; then
		[[ "$output" == *"against SU's sustolt"*" ok"* ]]
	else
		[[ "$output" == *"Seismic Unix not found"* ]]
	fi
	[ -s "$w/stack.png" ] && [ -s "$w/vel.png" ] && [ -s "$w/image.png" ]
	# The unmigrated stack in place of the image fails both checks.
	run -1 env SU="$SUDIR" /usr/bin/python3 "$BATS_TEST_DIRNAME/../../examples/alaska/focus.py" \
		"$w/stack.sgy" "$w/stack.sgy" "$w/vel.su"
	[[ "$output" == *"FAILED"* ]]
}

@test "README: the real-data flows' commands are flow.sh's, as written" {
	local top=$BATS_TEST_DIRNAME/../.. ex
	for ex in shotline alaska; do
		diff <(awk -v h="### examples/$ex" '$0 == h { s = 1; next } s && /^```sh$/ { b = 1; next }
			b && /^```$/ { exit } b' "$top/README.md") \
			<(sed '1,/^: "/d' "$top/examples/$ex/flow.sh" | sed '/./,$!d')
	done
}
