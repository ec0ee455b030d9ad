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
