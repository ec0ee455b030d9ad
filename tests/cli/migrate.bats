#!/usr/bin/env bats
# migrate: the acceptance tests of notes/kirchhoff.md on segsynth data
# (point diffractors 2-D and 3-D, flat reflector phase and amplitude,
# dipping reflectors, thread determinism, split-sum through segsplit and
# segmerge --sum), a sample-by-sample comparison with an independent numpy
# implementation (tests/cli/migrate_ref.py), velocity forms, parts, gathers,
# default grids, pipes and bad input.  The adjoint and constant-trace tests
# are unit tests (tests/unit/test_kirchhoff.c).
bats_require_minimum_version 1.5.0
load helpers

REF="/usr/bin/python3 tests/cli/migrate_ref.py"

setup() {
	T=$BATS_TEST_TMPDIR
}

# A small 2-D line: 12 shots every 100 m from 1000 m, 24 channels every
# 25 m, a diffractor and a flat reflector.
small_line() {
	segsynth --line 12,100,24,25,1000 --nt 300 --vel 2000 -D 1400,0.4 -R 0.6 -o "$T/s.sgy"
}

@test "--help, --version, bad options" {
	run -0 migrate --help
	[[ "$output" == usage:\ migrate* ]]
	run -0 migrate -V
	[[ "$output" == "migrate "* ]]
	run -2 --separate-stderr migrate --bogus --vel 2000
	[ "$stderr" = "migrate: unknown option '--bogus'; try --help" ]
	run -2 --separate-stderr migrate
	[ "$stderr" = "migrate: missing --vel; try --help" ]
	run -2 --separate-stderr migrate --vel 2000 --rho sideways x.sgy
	[ "$stderr" = "migrate: invalid rho 'sideways'" ]
	run -2 --separate-stderr migrate --vel 2000 --weights all x.sgy
	[ "$stderr" = "migrate: invalid weights 'all'" ]
	run -2 --separate-stderr migrate --vel 2000 --angle 95 x.sgy
	[ "$stderr" = "migrate: invalid angle '95' (expected degrees in (0, 90])" ]
	run -2 --separate-stderr migrate --vel 2000 --offsets 0,0,4 x.sgy
	[ "$stderr" = "migrate: invalid offsets '0,0,4' (expected o0,do,no with do > 0 and no >= 1)" ]
	run -2 --separate-stderr migrate --vel 2000 bogus=1 x.sgy
	[ "$stderr" = "migrate: unknown parameter 'bogus=1'; try --help" ]
}

@test "every long option of --help is in the man page" {
	check_help_in_man migrate
}

@test "a missing input file" {
	run -1 --separate-stderr migrate --vel 2000 "$T/nosuch.sgy"
	[ "$stderr" = "migrate: $T/nosuch.sgy: No such file or directory" ]
}

@test "key=value operands equal the long options" {
	small_line
	migrate --vel 2000 --grid 1000,25,40 --nt 250 "$T/s.sgy" -o "$T/a.sgy"
	migrate vel=2000 grid=1000,25,40 nt=250 "$T/s.sgy" -o "$T/b.sgy"
	cmp "$T/a.sgy" "$T/b.sgy"
}

@test "2-D: sample by sample against an independent implementation" {
	small_line
	migrate --vel 2000 --grid 1000,25,40 --nt 250 --no-antialias --rho none --weights none \
		--angle 90 "$T/s.sgy" -o "$T/a.sgy"
	run -0 $REF ref "$T/s.sgy" "$T/a.sgy" vel=2000 aa=0 rho=none weights=none angle=90 tol=1e-4
	echo "$output"
	migrate --vel 2000 --grid 1000,25,40 --nt 250 --rho half --weights both --angle 50 \
		--aperture 400 "$T/s.sgy" -o "$T/b.sgy"
	run -0 $REF ref "$T/s.sgy" "$T/b.sgy" vel=2000 aa=1 rho=half weights=both angle=50 aperture=400 tol=1e-3
	echo "$output"
	# The default is the same operator: antialiasing, half derivative, both weights, 60 degrees.
	migrate --vel 2000 --grid 1000,25,40 --nt 250 --aal 2 "$T/s.sgy" -o "$T/c.sgy"
	run -0 $REF ref "$T/s.sgy" "$T/c.sgy" vel=2000 aa=1 aal=2 rho=half weights=both tol=1e-3
	echo "$output"
}

@test "3-D on a rotated grid: sample by sample against an independent implementation" {
	segsynth --survey 3,100,5,50,3,100,5,50 --nt 200 --vel 2000 -D 100,110,0.3 -o "$T/s3.sgy"
	migrate --vel 2000 --grid 60,20,5,40,25,4,60 --nt 180 "$T/s3.sgy" -o "$T/a.sgy"
	run -0 $REF grid "$T/a.sgy" 60,20,5,40,25,4,60
	run -0 $REF ref "$T/s3.sgy" "$T/a.sgy" vel=2000 dim=3 aa=1 rho=first weights=both dx=20 dy=25 tol=1e-3
	echo "$output"
}

# The kinematic tests of the notes (W = 1, no rho filter): the wavelet
# itself on the diffraction curve.
@test "point diffractor, 2-D: the survey of the notes, through a pipe" {
	segsynth --line 81,50,61,25 --nt 626 --vel 0:2000,1:2500,2:3000 -D 2000,1.0 --diffraction wavelet |
		migrate --vel 0:2000,1:2500,2:3000 --grid 1500,12.5,81 --nt 376 --rho none --weights none \
			-o "$T/d.sgy"
	run -0 $REF diffractor "$T/d.sgy" 2000 1.0
	echo "$output"
}

@test "point diffractor, 3-D" {
	segsynth --survey 6,100,9,50,6,100,9,50 --nt 300 --vel 2000 -D 250,200,0.4 --diffraction wavelet \
		-o "$T/d3.sgy"
	migrate --vel 2000 --grid 125,25,11,75,25,11 --nt 200 --rho none --weights none "$T/d3.sgy" \
		-o "$T/i3.sgy"
	run -0 $REF diffractor "$T/i3.sgy" 250,200 0.4
	echo "$output"
}

@test "flat reflector: phase and amplitude with the rho filter" {
	segsynth --line 121,50,61,25 --nt 401 --vel 2000 -R 1.2 -o "$T/f.sgy"
	migrate --vel 2000 --grid 2500,25,41 --t0 0.9 --nt 151 "$T/f.sgy" -o "$T/fi.sgy"
	run -0 $REF flat "$T/fi.sgy" 1.2 2500 3500
	echo "$output"
	# Without the rho filter the 2-D sum rotates the phase: the test discriminates.
	migrate --vel 2000 --grid 2500,25,41 --t0 0.9 --nt 151 --rho none "$T/f.sgy" -o "$T/fn.sgy"
	run -1 $REF flat "$T/fn.sgy" 1.2 2500 3500
}

@test "dipping reflectors at 15, 30 and 45 degrees" {
	for dip in 15 30 45; do
		segsynth --line 141,50,61,25 --nt 1001 --vel 2500 -R z=1500,x=3000,dip=$dip,az=90 \
			-o "$T/p.sgy"
		migrate --vel 2500 --grid 2500,25,41 --t0 0.5 --nt 301 "$T/p.sgy" -o "$T/pi.sgy"
		run -0 $REF dip "$T/pi.sgy" $dip 2500 2500 3500
		echo "$output"
	done
	# The unmigrated section is off: the check discriminates.
	run -1 $REF dip "$T/p.sgy" 45 2500 2500 3500
}

@test "1 and 2 threads give the same bytes" {
	segsynth --line 30,50,48,25 --nt 400 --vel 2200 -D 700,0.6 -R 0.9 -o "$T/t.sgy"
	OMP_NUM_THREADS=1 migrate --vel 2200 "$T/t.sgy" -o "$T/one.sgy"
	OMP_NUM_THREADS=2 migrate --vel 2200 "$T/t.sgy" -o "$T/two.sgy"
	cmp "$T/one.sgy" "$T/two.sgy"
	OMP_NUM_THREADS=2 migrate --vel 2200 --no-antialias --offsets 0,300,3 "$T/t.sgy" -o "$T/g2.sgy"
	OMP_NUM_THREADS=1 migrate --vel 2200 --no-antialias --offsets 0,300,3 "$T/t.sgy" -o "$T/g1.sgy"
	cmp "$T/g1.sgy" "$T/g2.sgy"
}

@test "split-sum: segsplit, migrate the pieces, segmerge --sum equals the whole" {
	segsynth --line 30,50,48,25 --nt 400 --vel 2200 -D 700,0.6 -R 0.9 -o "$T/t.sgy"
	migrate --vel 2200 --grid 0,12.5,150 "$T/t.sgy" -o "$T/whole.sgy"
	segsplit --key fldr --group 7 -d "$T/parts" "$T/t.sgy"
	n=0
	for p in "$T"/parts/*.sgy; do
		migrate --vel 2200 --grid 0,12.5,150 --t0 0 "$p" -o "$T/img$n.sgy"
		n=$((n + 1))
	done
	[ "$n" -ge 4 ]
	segmerge --sum "$T"/img*.sgy -o "$T/sum.sgy"
	run -0 $REF close "$T/sum.sgy" "$T/whole.sgy" 1e-5
	echo "$output"
}

@test "the velocity forms agree when they describe the same velocity" {
	small_line
	args="--grid 1000,25,40 --nt 250 $T/s.sgy"
	migrate --vel 2000 $args -o "$T/c.sgy"
	migrate --vel 0:2000,3:2000 $args -o "$T/p.sgy"
	$REF velsu "$T/v1.su" 300 0.004 0 2000
	migrate --vel "$T/v1.su" $args -o "$T/f1.sgy"
	$REF velsu "$T/v40.su" 100 0.012 0 2000 1000,25,40
	migrate --vel "$T/v40.su" $args -o "$T/f40.sgy"
	cmp "$T/c.sgy" "$T/p.sgy"
	cmp "$T/c.sgy" "$T/f1.sgy"
	cmp "$T/c.sgy" "$T/f40.sgy"
	# v(t): pairs and a file on another time axis, resampled.
	migrate --vel 0:1800,1.2:2600 $args -o "$T/vp.sgy"
	$REF velsu "$T/vt.su" 301 0.004 0 0:1800,1.2:2600 1000,25,40
	migrate --vel "$T/vt.su" $args -o "$T/vf.sgy"
	run -0 $REF close "$T/vf.sgy" "$T/vp.sgy" 1e-5
	run -1 $REF close "$T/vf.sgy" "$T/c.sgy" 1e-2
}

@test "--part slices concatenate to the whole image" {
	small_line
	migrate --vel 2000 --grid 1000,25,40 --nt 250 "$T/s.sgy" -o "$T/whole.sgy"
	for k in 1 2 3; do
		migrate --vel 2000 --grid 1000,25,40 --nt 250 --part $k/3 "$T/s.sgy" -o "$T/p$k.sgy"
	done
	segmerge "$T/p1.sgy" "$T/p2.sgy" "$T/p3.sgy" -o "$T/cat.sgy"
	cmp "$T/cat.sgy" "$T/whole.sgy"
	run -2 --separate-stderr migrate --vel 2000 --grid 1000,25,40 --part 4/3 "$T/s.sgy"
	[ "$stderr" = "migrate: invalid part '4/3' (expected K/N with 1 <= K <= N)" ]
}

@test "offset gathers stacked over offset equal the stacked image" {
	small_line
	migrate --vel 2000 --grid 1000,25,40 --nt 250 "$T/s.sgy" -o "$T/st.sgy"
	migrate --vel 2000 --grid 1000,25,40 --nt 250 --offsets 0,200,3 "$T/s.sgy" -o "$T/g.sgy"
	run -0 $REF stack "$T/g.sgy" "$T/st.sgy" 3 1e-5
	echo "$output"
	[[ "$output" == *"offsets [0, 200, 400]"* ]]
}

@test "default grid: the input's midpoint line at half the receiver spacing; pipes spool" {
	small_line
	migrate --vel 2000 --nt 250 "$T/s.sgy" -o "$T/a.sgy"
	# Midpoints 1000 - 287.5/2 ... 2100 + 287.5/2: 1143.75 - 143.75 = 856.25 .. 2243.75 every 12.5 m.
	run -0 $REF grid "$T/a.sgy" 856.25,12.5,112,0,12.5,1,90
	migrate --vel 2000 --grid 856.25,12.5,112 --nt 250 "$T/s.sgy" -o "$T/b.sgy"
	cmp "$T/a.sgy" "$T/b.sgy"
	migrate --vel 2000 --nt 250 < "$T/s.sgy" > "$T/c.sgy"
	cmp "$T/a.sgy" "$T/c.sgy"
}

@test "a 2-D line along a diagonal: the default grid follows it" {
	segsynth --line 8,100,16,25 --nt 200 --vel 2000 -D 400,0.3 -o "$T/l.sgy"
	migrate --vel 2000 --nt 150 "$T/l.sgy" -o "$T/a.sgy"
	run -0 $REF grid "$T/a.sgy" -93.75,12.5,72,0,12.5,1,90
	# The same survey turned by 30 degrees about the origin (the synthetic
	# depends on distances only): the same image, on the turned line.
	$REF rotate "$T/l.sgy" "$T/r.sgy" 30
	migrate --vel 2000 --nt 150 "$T/r.sgy" -o "$T/b.sgy"
	run -0 $REF grid "$T/b.sgy" -81.1899,12.5,72,-46.875,12.5,1,60
	run -0 $REF close "$T/b.sgy" "$T/a.sgy" 2e-3
	echo "$output"
}

@test "--progress reports the rate; output formats" {
	small_line
	run -0 --separate-stderr migrate --progress --vel 2000 --grid 1000,25,40 --nt 250 --to su \
		"$T/s.sgy" -o "$T/a.su"
	[[ "$stderr" == *"2-D, 288 of 288 traces migrated into 40 output traces: "*" sample updates in "*" updates/s" ]]
	run -0 seginfo "$T/a.su"
	[[ "$output" == *"su"* ]]
}

@test "bad input: no coordinates, empty input, velocity stream and velocity errors" {
	small_line
	$REF nocoords "$T/s.sgy" "$T/nc.sgy"
	run -1 --separate-stderr migrate --vel 2000 "$T/nc.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/nc.sgy: no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)" ]
	run -1 --separate-stderr migrate --vel 2000 --grid 1000,25,40 "$T/nc.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/nc.sgy: no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)" ]
	[ ! -e "$T/out.sgy" ]
	head -c 3600 "$T/s.sgy" > "$T/empty.sgy"
	run -1 --separate-stderr migrate --vel 2000 "$T/empty.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/empty.sgy: no traces: the file ends at byte 3600, after its headers" ]
	run -1 --separate-stderr migrate --vel 2000 --grid 1000,25,40 -o "$T/out.sgy" < /dev/null
	[ "$stderr" = "migrate: <stdin>: empty file" ]
	$REF dead "$T/s.sgy" "$T/dead.sgy"
	run -1 --separate-stderr migrate --vel 2000 -o "$T/out.sgy" "$T/dead.sgy"
	[ "$stderr" = "migrate: $T/dead.sgy: no live traces (all are dead or dummy: trid 2 or 3)" ]
	run -1 --separate-stderr migrate --vel 2000 --grid 1000,25,40 -o "$T/out.sgy" < "$T/dead.sgy"
	[ "$stderr" = "migrate: <stdin>: no live traces (all are dead or dummy: trid 2 or 3)" ]
	[ ! -e "$T/out.sgy" ]
	$REF velsu "$T/v7.su" 100 0.012 0 2000 1000,25,7
	run -1 --separate-stderr migrate --vel "$T/v7.su" --grid 1000,25,40 "$T/s.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/v7.su: 7 velocity traces for a grid of 40 locations (expected 1 or 40)" ]
	$REF velsu "$T/vs.sgy" 100 0.012 0 2000 1000,25,40,30
	run -1 --separate-stderr migrate --vel "$T/vs.sgy" --grid 1000,25,40 "$T/s.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/vs.sgy: trace 1: cdpx/cdpy (1030, 0) is not grid location 1 (1000, 0)" ]
	# In SU those bytes are SU's d1 f1 (segkit(7)), which say nothing of the location.
	$REF velsu "$T/vs.su" 100 0.012 0 2000 1000,25,40,30
	run -0 --separate-stderr migrate --vel "$T/vs.su" --grid 1000,25,40 "$T/s.sgy" -o "$T/ok.sgy"
	$REF velsu "$T/v0.su" 100 0.012 0 0:2000,0.5:0 1000,25,40
	run -1 --separate-stderr migrate --vel "$T/v0.su" --grid 1000,25,40 "$T/s.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/v0.su: trace 1: non-positive velocity 0 at 0.504 s" ]
	[ ! -e "$T/out.sgy" ]
	run -2 --separate-stderr migrate --vel 0 "$T/s.sgy"
	[ "$stderr" = "migrate: invalid vel '0' (expected a positive velocity)" ]
	run -2 --separate-stderr migrate --vel 0:2000,1:-5 "$T/s.sgy"
	[ "$stderr" = "migrate: invalid vel '0:2000,1:-5' (non-positive velocity -5 at 1 s)" ]
	run -2 --separate-stderr migrate --vel 1:2000,0.5:2500 "$T/s.sgy"
	[ "$stderr" = "migrate: invalid vel '1:2000,0.5:2500' (times must increase)" ]
	run -1 --separate-stderr migrate --vel "$T/novel.su" "$T/s.sgy"
	[ "$stderr" = "migrate: $T/novel.su: No such file or directory" ]
}

@test "a 3-D survey needs --grid" {
	segsynth --survey 2,100,3,50,2,100,3,50 --nt 100 -D 50,50,0.2 -o "$T/s3.sgy"
	run -2 --separate-stderr migrate --vel 2000 "$T/s3.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: a 3-D survey (sources and receivers up to 50 m off a line) needs --grid" ]
	[ ! -e "$T/out.sgy" ]
}

# Post-stack data: the real Alaska stack (../shared/data/real/README.md: 534
# CDPs 16.76 m apart, no usable coordinates, IBM floats, 6 s), given its
# coordinates by tests/cli/poststack.py.  Seismic Unix for the cross-check
# (../shared/tools/su/README.md).
PS="/usr/bin/python3 tests/cli/poststack.py"
REAL=$BATS_TEST_DIRNAME/../../../shared/data/real
SUDIR=$BATS_TEST_DIRNAME/../../../shared/tools/su
NOTICE="every trace has offset 0 and gx = gy = 0: migrating the input as post-stack data, each trace at its CMP (--zero-offset)"
ONEPOS="all 534 live traces are at one position (cdpx 6000, cdpy 65536 in every trace), so all would be migrated from one place: load the geometry first (segedit; for a stack, segedit 'cdpx = cdp * SPACING' 'cdpy = 0')"

alaska() {
	[ -r "$REAL/alaska_31-81_PR_stack.sgy" ] || skip "no $REAL/alaska_31-81_PR_stack.sgy"
	$PS coords "$REAL/alaska_31-81_PR_stack.sgy" "$T/ak.sgy" 16.76 "$@"
}

@test "post-stack: the real Alaska stack against Seismic Unix's sustolt at constant velocity" {
	[ -x "$SUDIR/bin/sustolt" ] || skip "no Seismic Unix in $SUDIR"
	alaska
	# The first 3 s of the image (751 samples) from the whole input: the
	# same window of Stolt's image of the whole input.
	run -0 --separate-stderr migrate --zero-offset --vel 3000 --nt 751 --to su "$T/ak.sgy" -o "$T/k.su"
	[ "$stderr" = "" ]
	CWPROOT=$SUDIR "$SUDIR/bin/segyread" tape="$T/ak.sgy" endian=0 > "$T/in.su" 2>/dev/null
	CWPROOT=$SUDIR "$SUDIR/bin/sustolt" cdpmin=101 cdpmax=634 dxcdp=16.76 tmig=0 vmig=3000 \
		< "$T/in.su" > "$T/stolt.su"
	run -0 $PS corr "$T/k.su" "$T/stolt.su" 0.95
	echo "$output"
	# The unmigrated section is far from Stolt's image: the check discriminates.
	run -1 $PS corr "$T/in.su" "$T/stolt.su" 0.95
	echo "$output"
}

@test "post-stack: offset 0 and gx = gy = 0 is detected and said; the default grid follows the input" {
	alaska
	$PS coords "$REAL/alaska_31-81_PR_stack.sgy" "$T/aks.sgy" 16.76 sx
	migrate --zero-offset --vel 3000 --nt 251 "$T/ak.sgy" -o "$T/a.sgy"
	# The CMP from sx/sy (gx = gy = 0, offset 0), without the flag: the same bytes.
	run -0 --separate-stderr migrate --vel 3000 --nt 251 "$T/aks.sgy" -o "$T/b.sgy"
	[ "$stderr" = "migrate: $T/aks.sgy: $NOTICE" ]
	cmp "$T/a.sgy" "$T/b.sgy"
	# The grid starts at the first trace, 16.76 m apart, and carries the input's cdp.
	run -0 $PS keys "$T/a.sgy"
	[ "$output" = "101 634 0 16.76 534" ]
	# Float input keeps its format (IBM here); iline and xline, 0 in the
	# input, are the grid's numbering.
	run -0 seginfo "$T/a.sgy"
	[[ "$output" == *"format 1 (ibm), ns 251, dt 4000"* ]]
	[[ "$output" == *"cdp 101..634, trid 1..1, iline 1..1, xline 1..534"* ]]
	# Read from a pipe onto the same grid given explicitly: the same
	# samples; the cdp is then the grid's running number.
	run -0 --separate-stderr migrate --vel 3000 --nt 251 --grid 0,16.76,534 -o "$T/c.sgy" < "$T/aks.sgy"
	[ "$stderr" = "migrate: <stdin>: $NOTICE" ]
	run -0 $PS keys "$T/c.sgy"
	[ "$output" = "1 534 0 16.76 534" ]
	cmp -l "$T/a.sgy" "$T/c.sgy" | awk '{ o = ($1 - 3601) % (240 + 4 * 251); if (o < 20 || o > 23) bad++ }
		END { exit bad > 0 }'
	# The line in reverse (the last CDP at x = 0): the grid starts at the
	# first trace all the same.
	$PS coords "$REAL/alaska_31-81_PR_stack.sgy" "$T/rev.sgy" -16.76 cdpx 8933.08
	migrate --vel 3000 --nt 251 "$T/rev.sgy" -o "$T/r.sgy" 2>/dev/null
	run -0 $PS keys "$T/r.sgy"
	[ "$output" = "101 634 8933.08 -16.76 534" ]
}

@test "post-stack: no silent empty image; the messages name the cause" {
	alaska
	# The file as it is: every cdpx 6000, every cdpy 65536.
	run -1 --separate-stderr migrate --vel 3000 "$REAL/alaska_31-81_PR_stack.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $REAL/alaska_31-81_PR_stack.sgy: $ONEPOS" ]
	# An explicit grid 91 km away from the data.
	run -1 --separate-stderr migrate --zero-offset --vel 3000 --grid 100000,16.76,100 "$T/ak.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/ak.sgy: 534 of 534 traces lie beyond the migration's reach of the grid (16 km, from --aperture and --angle; the nearest is 91 km away): midpoints in x 0.0..8933.1, y 0.0..0.0, grid locations in x 100000.0..101659.2, y 0.0..0.0" ]
	[ ! -e "$T/out.sgy" ]
	# Sources at the CMP in real coordinates, receivers 0, offsets 1 (not
	# detected as post-stack): named, on a given grid and on the default one.
	$PS coords "$REAL/alaska_31-81_PR_stack.sgy" "$T/utm.sgy" 16.76 sx 500000 6000000 1
	run -1 --separate-stderr migrate --vel 3000 --grid 500000,16.76,534,6000000,25,1,90 "$T/utm.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/utm.sgy: receivers 6,021 km from the grid because gx/gy are 0 (534 of 534 traces); give --zero-offset for post-stack data" ]
	run -1 --separate-stderr migrate --vel 3000 "$T/utm.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/utm.sgy: every trace has gx = gy = 0, and offsets that are not 0: the receivers are missing; give --zero-offset for post-stack data, or set gx/gy" ]
	[ ! -e "$T/out.sgy" ]
	# With the flag, the same file migrates.
	run -0 --separate-stderr migrate --zero-offset --vel 3000 --nt 101 --grid 500000,16.76,534,6000000,25,1,90 \
		"$T/utm.sgy" -o "$T/out.sgy"
	[ "$stderr" = "" ]
}

@test "traces all at one position are refused before any work, from a file or a pipe; a CMP gather and one trace are not" {
	A=$REAL/alaska_31-81_PR_stack.sgy
	[ -r "$A" ] || skip "no $A"
	# The real stack as it is (cdpx 6000, cdpy 65536 in every trace, left
	# by a SEG-2 conversion) on a given grid, a file and a pipe: refused,
	# nothing written, no trace migrated.
	run -1 --separate-stderr migrate --progress --vel 0:2000 --grid 0,25,50 "$A" -o "$T/m.sgk"
	[ "$stderr" = "migrate: 534 traces read, 0 migrated: 0 sample updates before the error
migrate: $A: $ONEPOS" ]
	run -1 --separate-stderr sh -c 'cat "$1" | migrate --vel 0:2000 --grid 0,25,50 -o "$2"' sh "$A" "$T/m.sgk"
	[ "$stderr" = "migrate: <stdin>: $ONEPOS" ]
	[ ! -e "$T/m.sgk" ]
	# A stack whose CMP is in sx/sy (cdpx, cdpy 0): named by those keys.
	segedit 'cdpx = 0' 'cdpy = 0' 'sx = 7.5' 'sy = -2' "$A" -o "$T/s.sgy"
	run -1 --separate-stderr migrate --vel 2000 --grid 0,25,50 "$T/s.sgy" -o "$T/m.sgy"
	[ "$stderr" = "migrate: $T/s.sgy: all 534 live traces are at one position (sx 7.5, sy -2 in every trace), so all would be migrated from one place: load the geometry first (segedit; for a stack, segedit 'cdpx = cdp * SPACING' 'cdpy = 0')" ]
	# Prestack traces that all share one source and one receiver, one of
	# them dead (not counted), on the default grid and a given one.
	small_line
	segedit 'sx = 1100' 'gx = 1300' 'trid = 1 + (i == 5)' "$T/s.sgy" -o "$T/one.sgy"
	msg="migrate: $T/one.sgy: all 287 live traces are at one position (sx 1100, sy 0, gx 1300, gy 0 in every trace), so all would be migrated from one place: load the geometry first (segedit; for a stack, segedit 'cdpx = cdp * SPACING' 'cdpy = 0')"
	run -1 --separate-stderr migrate --vel 2000 "$T/one.sgy" -o "$T/m.sgy"
	[ "$stderr" = "$msg" ]
	run -1 --separate-stderr migrate --vel 2000 --grid 1000,25,40 "$T/one.sgy" -o "$T/m.sgy"
	[ "$stderr" = "$msg" ]
	[ ! -e "$T/m.sgy" ]
	# One CMP gather (one midpoint, offsets that differ) and a single
	# trace are data, not an error.
	segedit --where 'sx + gx == 2812.5' "$T/s.sgy" -o "$T/cmp.sgy"
	[ "$(seginfo -k offset "$T/cmp.sgy" | sort -u | wc -l)" -gt 2 ]
	run -0 --separate-stderr migrate --vel 2000 --grid 1000,25,40 "$T/cmp.sgy" -o "$T/m.sgy"
	[ "$stderr" = "" ]
	segedit --where 'i == 0' "$T/s.sgy" -o "$T/t1.sgy"
	run -0 --separate-stderr migrate --vel 2000 --grid 1000,25,40 "$T/t1.sgy" -o "$T/m.sgy"
	[ "$stderr" = "" ]
}

@test "prestack: most traces beyond the reach, an output axis after the data, offsets outside every bin" {
	small_line
	run -1 --separate-stderr migrate --vel 2000 --aperture 300 --grid 3000,25,40 "$T/s.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/s.sgy: 288 of 288 traces lie beyond the migration's reach of the grid (300 m, from --aperture and --angle; the nearest is 756 m away): midpoints in x 856.2..2243.8, y 0.0..0.0, grid locations in x 3000.0..3975.0, y 0.0..0.0" ]
	run -1 --separate-stderr migrate --vel 2000 --t0 2 --nt 10 --grid 1000,25,40 "$T/s.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/s.sgy: the input ends at 1.196 s, before the output's first time 2 s (--t0)" ]
	run -1 --separate-stderr migrate --vel 2000 --offsets 1000,100,3 --grid 1000,25,40 "$T/s.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/s.sgy: no trace has an offset in the bins of --offsets (950 to 1250 m)" ]
	[ ! -e "$T/out.sgy" ]
	# ... with -x too: no trace within reach is an empty image.
	run -1 --separate-stderr migrate -x --vel 2000 --aperture 300 --grid 3000,25,40 "$T/s.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/s.sgy: 288 of 288 traces lie beyond the migration's reach of the grid (300 m, from --aperture and --angle; the nearest is 756 m away): midpoints in x 856.2..2243.8, y 0.0..0.0, grid locations in x 3000.0..3975.0, y 0.0..0.0" ]
	# Most but not all beyond the reach of a grid over x 2000..2975: the
	# count and the nearest from awk, and the flag that allows it.
	read -r far near < <(seginfo -k sx,gx "$T/s.sgy" | awk '
		{ m = ($1 + $2) / 2; d = m < 2000 ? 2000 - m : m > 2975 ? m - 2975 : 0
		  if (d > 300) { n++; if (n == 1 || d < best) best = d } }
		END { printf "%d %.0f\n", n, best }')
	[ "$far" -gt 144 ] && [ "$far" -lt 288 ]
	run -1 --separate-stderr migrate --vel 2000 --aperture 300 --grid 2000,25,40 "$T/s.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: $T/s.sgy: $far of 288 traces lie beyond the migration's reach of the grid (300 m, from --aperture and --angle; the nearest is $near m away): midpoints in x 856.2..2243.8, y 0.0..0.0, grid locations in x 2000.0..2975.0, y 0.0..0.0; a grid over part of the data needs --allow-outside" ]
	[ ! -e "$T/out.sgy" ]
	run -0 --separate-stderr migrate --allow-outside --vel 2000 --aperture 300 --grid 2000,25,40 "$T/s.sgy" -o "$T/out.sgy"
	[ "$stderr" = "" ]
	# The traces beyond the reach add nothing: the image is that of the
	# traces within it alone.
	segedit --where '(sx + gx) / 2 >= 1700' "$T/s.sgy" -o "$T/near.sgy"
	migrate --vel 2000 --aperture 300 --grid 2000,25,40 "$T/near.sgy" -o "$T/near_img.sgy"
	cmp "$T/out.sgy" "$T/near_img.sgy"
	# A part of the grid beyond the data is empty, not an error: the other parts hold the image.
	run -0 --separate-stderr migrate --vel 2000 --aperture 300 --grid 0,25,200 --part 5/5 "$T/s.sgy" -o "$T/p5.sgy"
	[ "$stderr" = "" ]
}

@test "a pipe mostly beyond the reach fails as the file does, before migrating anything" {
	small_line
	read -r far near < <(seginfo -k sx,gx "$T/s.sgy" | awk '
		{ m = ($1 + $2) / 2; d = m < 2000 ? 2000 - m : m > 2975 ? m - 2975 : 0
		  if (d > 300) { n++; if (n == 1 || d < best) best = d } }
		END { printf "%d %.0f\n", n, best }')
	[ "$far" -gt 144 ] && [ "$far" -lt 288 ]
	why="$far of 288 traces lie beyond the migration's reach of the grid (300 m, from --aperture and --angle; the nearest is $near m away): midpoints in x 856.2..2243.8, y 0.0..0.0, grid locations in x 2000.0..2975.0, y 0.0..0.0; a grid over part of the data needs --allow-outside"
	# --progress says, on failure, how much was read and migrated: all of
	# it read, none of it migrated, from a pipe as from the file.
	run -1 --separate-stderr sh -c 'cat "$1" | migrate --progress --vel 2000 --aperture 300 --grid 2000,25,40 -o "$2"' \
		sh "$T/s.sgy" "$T/out.sgy"
	[ "$stderr" = "migrate: 288 traces read, 0 migrated: 0 sample updates before the error
migrate: <stdin>: $why" ]
	[ ! -e "$T/out.sgy" ]
	run -1 --separate-stderr migrate --progress --vel 2000 --aperture 300 --grid 2000,25,40 "$T/s.sgy" -o "$T/out.sgy"
	[ "$stderr" = "migrate: 288 traces read, 0 migrated: 0 sample updates before the error
migrate: $T/s.sgy: $why" ]
	# The work it spares: with -x the same pipe migrates every trace.
	run -0 --separate-stderr sh -c 'cat "$1" | migrate -x --progress --vel 2000 --aperture 300 --grid 2000,25,40 -o "$2"' \
		sh "$T/s.sgy" "$T/out.sgy"
	updates=$(printf '%s\n' "$stderr" | sed -n 's/^migrate: 2-D, 288 of 288 traces migrated into 40 output traces: \([0-9.e+]*\) sample updates in .*/\1/p')
	awk -v u="$updates" 'BEGIN { exit !(u + 0 > 100000) }'
}

@test "integer input gives a float image unless --format says otherwise" {
	segsynth --line 12,100,24,25,1000 --nt 300 --vel 2000 -D 1400,0.4 --format 3 -o "$T/i16.sgy"
	migrate --vel 2000 --grid 1000,25,40 --nt 250 "$T/i16.sgy" -o "$T/a.sgy"
	run -0 seginfo "$T/a.sgy"
	[[ "$output" == *"format 5 (ieee), ns 250"* ]]
	migrate --vel 2000 --grid 1000,25,40 --nt 250 --format 3 "$T/i16.sgy" -o "$T/b.sgy"
	run -0 seginfo "$T/b.sgy"
	[[ "$output" == *"format 3 (int16), ns 250"* ]]
}
