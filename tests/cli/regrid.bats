#!/usr/bin/env bats
# regrid: accuracy on segsynth data measured by an independent Python
# implementation of the wavefield (tests/cli/regrid_err.py), parts, threads,
# pipes and spooling, offsets with moveout, lines, grid files, fold, errors.
bats_require_minimum_version 1.5.0

load helpers

ERR="/usr/bin/python3 tests/cli/regrid_err.py"
# The gentle and steep scenarios of notes/regrid.md (the unit test's events):
# 48 x 48 bins of 25 m, events centred on the grid's middle.
GENTLE_SYN="-p tau=0.20,px=0.0001,py=0.00005,x=587.5,y=587.5 -p tau=0.32,px=-0.00015,py=0.00012,x=587.5,y=587.5 -p tau=0.45,px=0.0002,py=-0.0001,x=587.5,y=587.5 -H 0.25,4500,400,700"
GENTLE_REF="--plane 0.20,0.0001,0.00005,587.5,587.5 --plane 0.32,-0.00015,0.00012,587.5,587.5 --plane 0.45,0.0002,-0.0001,587.5,587.5 --hyperbola 0.25,4500,400,700"
STEEP_SYN="-p tau=0.45,px=0.00036,py=0.00018,x=587.5,y=587.5 -p tau=0.50,px=-0.00026,py=0.0003,x=587.5,y=587.5 -p tau=0.55,px=0.00008,py=-0.00039,x=587.5,y=587.5 -H 0.20,2200,600,600"
STEEP_REF="--plane 0.45,0.00036,0.00018,587.5,587.5 --plane 0.50,-0.00026,0.0003,587.5,587.5 --plane 0.55,0.00008,-0.00039,587.5,587.5 --hyperbola 0.20,2200,600,600"
AREA="-a -12.5,1187.5,-12.5,1187.5"
GRID="0,25,48,0,25,48"
BOX="100,1075,100,1075"

# survey NAME COUNT SCENARIO: irregular traces at COUNT random midpoints.
survey() {
	local syn=$GENTLE_SYN nt=160
	[ "$3" = steep ] && { syn=$STEEP_SYN; nt=250; }
	# shellcheck disable=SC2086
	segsynth -r "$2" $AREA -n $nt -d 0.004 $syn -s 11 -o "$BATS_TEST_TMPDIR/$1"
}

# format4 SRC DST [PY]: SRC (IEEE SEG-Y) as format 4, fixed point with
# gain, every sample of its whole traces 0, then the python statements PY
# run on its bytes d (rec: a record's length), written to DST.
format4() {
	/usr/bin/python3 - "$1" "$2" "${3:-}" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
ns = int.from_bytes(d[3220:3222], "big")
d[3224:3226] = (4).to_bytes(2, "big")
rec = 240 + 4 * ns
for i in range((len(d) - 3600) // rec):
    a = 3600 + i * rec + 240
    d[a:a + 4 * ns] = bytes(4 * ns)
exec(sys.argv[3])
open(sys.argv[2], "wb").write(d)
PY
}

# below E BAR: E <= 1.25 x BAR.
below() {
	/usr/bin/python3 -c "import sys; e, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if e <= 1.25 * b else 1)" "$1" "$2" ||
		{ echo "E $1 above 1.25 x $2"; return 1; }
}

@test "--help prints usage on stdout and exits 0" {
	run -0 --separate-stderr regrid --help
	[[ "${lines[0]}" == "usage: regrid "* ]]
	[ -z "$stderr" ]
	run -0 regrid -V
	[[ "$output" == "regrid "* ]]
}

@test "a bad option or value is a usage error" {
	run -2 --separate-stderr regrid --bogus -g 0,1,2
	[ "$stderr" = "regrid: unknown option '--bogus'; try --help" ]
	run -2 --separate-stderr regrid -g 0,1,2 -m cubic
	[ "$stderr" = "regrid: invalid method 'cubic' (expected nearest, bin, idw, linear or dip)" ]
	run -2 --separate-stderr regrid -g 1,2
	[ "$stderr" = "regrid: invalid grid '1,2' (expected x0,dx,nx or x0,dx,nx,y0,dy,ny[,azimuth] or a YAML file)" ]
	run -2 --separate-stderr regrid
	[ "$stderr" = "regrid: missing --grid; try --help" ]
	run -2 --separate-stderr regrid -g 0,1,2 bogus=1
	[ "$stderr" = "regrid: unknown parameter 'bogus=1'; try --help" ]
	run -2 --separate-stderr regrid -g 0,1,2 -P 4/3
	[ "$stderr" = "regrid: invalid part '4/3' (expected K/N with 1 <= K <= N)" ]
	run -2 --separate-stderr regrid -g 0,1,2 -v 2000
	[ "$stderr" = "regrid: --vel needs --offsets; try --help" ]
}

@test "a missing input file" {
	run -1 --separate-stderr regrid -g 0,25,4 nope.sgy
	[ "$stderr" = "regrid: nope.sgy: No such file or directory" ]
}

@test "every long option in --help is in the man page" {
	check_help_in_man regrid
}

@test "key=value operands equal the long options" {
	survey s.sgy 600 gentle
	regrid --grid $GRID --method idw --k 3 "$BATS_TEST_TMPDIR/s.sgy" -o "$BATS_TEST_TMPDIR/a.sgy"
	regrid grid=$GRID method=idw k=3 "$BATS_TEST_TMPDIR/s.sgy" -o "$BATS_TEST_TMPDIR/b.sgy"
	cmp "$BATS_TEST_TMPDIR/a.sgy" "$BATS_TEST_TMPDIR/b.sgy"
}

@test "accuracy on segsynth data, gentle, rho 1: every method within 25% of notes/regrid.md" {
	survey g.sgy 2304 gentle
	for mb in nearest:0.27 idw:0.19 linear:0.13; do
		regrid -g $GRID -m "${mb%:*}" -r 1000 "$BATS_TEST_TMPDIR/g.sgy" -o "$BATS_TEST_TMPDIR/o.sgy"
		# shellcheck disable=SC2086
		read -r e fill dead < <($ERR "$BATS_TEST_TMPDIR/o.sgy" $GENTLE_REF --box $BOX)
		echo "${mb%:*} E $e"
		below "$e" "${mb#*:}"
		[ "$fill" = 1.0000 ] && [ "$dead" = 0 ]
	done
	# dip on every third bin (the grid of 75 m keeps the test short).
	regrid -g 100,75,14,100,75,14 -m dip -r 1000 "$BATS_TEST_TMPDIR/g.sgy" -o "$BATS_TEST_TMPDIR/o.sgy"
	# shellcheck disable=SC2086
	read -r e fill dead < <($ERR "$BATS_TEST_TMPDIR/o.sgy" $GENTLE_REF)
	echo "dip E $e"
	below "$e" 0.12
	# Nearest inside the bin: the empty bins count as zero.
	regrid -g $GRID -m nearest -r bin "$BATS_TEST_TMPDIR/g.sgy" -o "$BATS_TEST_TMPDIR/o.sgy"
	# shellcheck disable=SC2086
	read -r e fill dead < <($ERR "$BATS_TEST_TMPDIR/o.sgy" $GENTLE_REF --box $BOX)
	echo "nearest in bin E $e fill $fill"
	below "$e" 0.63
}

@test "accuracy on segsynth data, steep, rho 1 and 4: linear and dip" {
	survey s1.sgy 2304 steep
	regrid -g $GRID -m linear -r 1000 "$BATS_TEST_TMPDIR/s1.sgy" -o "$BATS_TEST_TMPDIR/o.sgy"
	# shellcheck disable=SC2086
	read -r e1 fill dead < <($ERR "$BATS_TEST_TMPDIR/o.sgy" $STEEP_REF --box $BOX)
	echo "linear rho 1 E $e1"
	below "$e1" 0.45
	regrid -g 100,75,14,100,75,14 -m dip -r 1000 "$BATS_TEST_TMPDIR/s1.sgy" -o "$BATS_TEST_TMPDIR/o.sgy"
	# shellcheck disable=SC2086
	read -r e fill dead < <($ERR "$BATS_TEST_TMPDIR/o.sgy" $STEEP_REF)
	echo "dip rho 1 E $e"
	below "$e" 0.17
	survey s4.sgy 9216 steep
	regrid -g $GRID -m linear -r 1000 "$BATS_TEST_TMPDIR/s4.sgy" -o "$BATS_TEST_TMPDIR/o.sgy"
	# shellcheck disable=SC2086
	read -r e4 fill dead < <($ERR "$BATS_TEST_TMPDIR/o.sgy" $STEEP_REF --box $BOX)
	echo "linear rho 4 E $e4"
	below "$e4" 0.16
	# Second order: four times the density, far less than half the error.
	/usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 0.5 * float(sys.argv[2]) else 1)" "$e4" "$e1"
}

@test "traces at the bin centres are reproduced exactly by every method" {
	# One jittered trace per bin, moved onto the bin centres by a first
	# nearest-in-bin regrid; regridding that (by cdp) gives it back.
	# shellcheck disable=SC2086
	segsynth -j 8,8 -a -12.5,187.5,-12.5,187.5 -n 100 $GENTLE_SYN -o "$BATS_TEST_TMPDIR/j.sgy"
	regrid -g 0,25,8,0,25,8 -m nearest -r bin "$BATS_TEST_TMPDIR/j.sgy" -o "$BATS_TEST_TMPDIR/c.sgy"
	for m in nearest bin idw linear dip; do
		regrid -g 0,25,8,0,25,8 -c cdp -m $m "$BATS_TEST_TMPDIR/c.sgy" -o "$BATS_TEST_TMPDIR/r.sgy"
		/usr/bin/python3 -c "
import sys, segyio, numpy as np
a, b = (segyio.open(f, ignore_geometry=True) for f in sys.argv[1:3])
x, y = a.trace.raw[:], b.trace.raw[:]
e = np.sqrt(np.sum((x - y) ** 2) / np.sum(x * x))
print(sys.argv[3], e)
sys.exit(0 if e < 1e-6 and len(x) == 64 else 1)" "$BATS_TEST_TMPDIR/c.sgy" "$BATS_TEST_TMPDIR/r.sgy" $m
	done
}

@test "--part slices concatenate (segmerge) to the whole; 1 and 2 threads agree" {
	survey p.sgy 500 steep
	# A corner of the survey (dip costs milliseconds a trace): most traces
	# lie outside it on purpose, so -x.
	OMP_NUM_THREADS=2 regrid -x -g 0,25,20,0,25,20 -m dip "$BATS_TEST_TMPDIR/p.sgy" -o "$BATS_TEST_TMPDIR/all.sgy"
	OMP_NUM_THREADS=1 regrid -x -g 0,25,20,0,25,20 -m dip "$BATS_TEST_TMPDIR/p.sgy" -o "$BATS_TEST_TMPDIR/one.sgy"
	cmp "$BATS_TEST_TMPDIR/all.sgy" "$BATS_TEST_TMPDIR/one.sgy"
	for k in 1 2 3; do
		regrid -x -g 0,25,20,0,25,20 -m dip --part $k/3 "$BATS_TEST_TMPDIR/p.sgy" -o "$BATS_TEST_TMPDIR/part$k.sgy"
	done
	segmerge "$BATS_TEST_TMPDIR"/part1.sgy "$BATS_TEST_TMPDIR"/part2.sgy "$BATS_TEST_TMPDIR"/part3.sgy -o "$BATS_TEST_TMPDIR/merged.sgy"
	cmp "$BATS_TEST_TMPDIR/all.sgy" "$BATS_TEST_TMPDIR/merged.sgy"
	run -0 seginfo -k cdp "$BATS_TEST_TMPDIR/part2.sgy"
	[ "${lines[0]}" = 134 ] && [ "${#lines[@]}" -eq 133 ]
}

@test "linear from 20,000 positions (two parts, merged): 1 and 2 threads alike and --part slices equal the whole, on a lattice and at random" {
	T=$BATS_TEST_TMPDIR
	# 22,500 midpoints on a 10 m lattice (one shot, 150 x 150 receivers 20 m
	# apart): every cell's corners cocircular; 22,000 random positions.
	# A whole run triangulates them in two parts; a third's slice holds
	# fewer than 20,000 (one part): slices equal to the whole show the two
	# constructions give the same triangles.
	segsynth -S 1,100,1,100,150,20,150,20 -n 40 -d 0.004 $GENTLE_SYN -o "$T/lat.sgy"
	segsynth -r 22000 $AREA -n 40 -d 0.004 $GENTLE_SYN -s 5 -o "$T/rnd.sgy"
	for f in lat rnd; do
		g=$GRID
		[ $f = lat ] && g=0,25,60,0,25,60
		OMP_NUM_THREADS=1 regrid -g $g -m linear "$T/$f.sgy" -o "$T/$f-1.sgy"
		OMP_NUM_THREADS=2 regrid -g $g -m linear "$T/$f.sgy" -o "$T/$f-2.sgy"
		cmp "$T/$f-1.sgy" "$T/$f-2.sgy"
		for k in 1 2 3; do
			OMP_NUM_THREADS=2 regrid -g $g -m linear --part $k/3 "$T/$f.sgy" -o "$T/$f-p$k.sgy"
		done
		segmerge "$T"/$f-p[1-3].sgy -o "$T/$f-parts.sgy"
		cmp "$T/$f-1.sgy" "$T/$f-parts.sgy"
	done
}

@test "nearest, idw, linear: 1 and 2 threads read alike; --part slices equal the whole" {
	T=$BATS_TEST_TMPDIR
	survey t.sgy 2304 gentle
	for m in nearest idw linear; do
		OMP_NUM_THREADS=1 regrid -g $GRID -m $m "$T/t.sgy" -o "$T/$m-1.sgy"
		OMP_NUM_THREADS=2 regrid -g $GRID -m $m "$T/t.sgy" -o "$T/$m-2.sgy"
		cmp "$T/$m-1.sgy" "$T/$m-2.sgy"
		# Five slices cut rows in the middle.
		for k in 1 2 3 4 5; do
			OMP_NUM_THREADS=2 regrid -g $GRID -m $m --part $k/5 "$T/t.sgy" -o "$T/$m-p$k.sgy"
		done
		segmerge "$T"/$m-p[1-5].sgy -o "$T/$m-parts.sgy"
		cmp "$T/$m-1.sgy" "$T/$m-parts.sgy"
	done
	# In place (--mem 1) on 2 threads reads the same.
	OMP_NUM_THREADS=2 regrid -g $GRID -m linear --mem 1 "$T/t.sgy" -o "$T/linear-m.sgy"
	cmp "$T/linear-1.sgy" "$T/linear-m.sgy"
	# Sparse traces and a short radius: triangles wider than the first box,
	# which linear widens until each is the whole run's.
	survey s.sgy 300 gentle
	regrid -g $GRID -m linear -r 30 "$T/s.sgy" -o "$T/s.sgy.all" 2>/dev/null
	for k in 1 2 3 4; do
		regrid -g $GRID -m linear -r 30 --part $k/4 "$T/s.sgy" -o "$T/s-p$k.sgy" 2>/dev/null
	done
	segmerge "$T"/s-p[1-4].sgy -o "$T/s-parts.sgy"
	cmp "$T/s.sgy.all" "$T/s-parts.sgy"
}

@test "a file is read in place (no samples held); from a pipe --part holds only the traces that reach its slice" {
	if asan_build regrid; then
		skip "ASan's own memory counts on both sides: max RSS says nothing"
	fi
	T=$BATS_TEST_TMPDIR
	# 40,000 traces of 250 samples: 40,000,000 bytes of samples as floats
	# (39,063 KB).  Max RSS in kilobytes (/usr/bin/time).
	segsynth -r 40000 $AREA -n 250 -d 0.004 $GENTLE_SYN -s 3 -o "$T/big.sgy"
	samples=$((40000 * 250 * 4 / 1024))
	# A file is read in place: its samples are read back as the
	# interpolation needs them, so the whole run holds less than they
	# would take alone (the build that held them: 54 MB for nearest).
	# Two threads: each holds its own workspace and ring slots, so the
	# figures are those of the same run wherever the tests run.
	export OMP_NUM_THREADS=2
	for m in nearest linear; do
		whole=$(/usr/bin/time -f %M regrid -g $GRID -m $m "$T/big.sgy" -o "$T/w.sgy" 2>&1)
		echo "$m file: whole $whole KB, samples $samples KB"
		[ "$whole" -lt "$samples" ]
	done
	# A pipe's samples are held (up to --mem): a slice of an eighth of the
	# grid (6 of its 48 rows) keeps the traces within the radius (2 bins)
	# of its rows, at most 10 rows' worth, so it leaves out at least 38/48
	# of the samples (30,900 KB).  Asked: half of them (19,531 KB), the
	# rest a margin for what else the two runs hold differently.
	whole=$(cat "$T/big.sgy" | /usr/bin/time -f %M regrid -g $GRID -m nearest -o "$T/w.sgy" 2>&1)
	part=$(cat "$T/big.sgy" | /usr/bin/time -f %M regrid -g $GRID -m nearest --part 1/8 -o "$T/p.sgy" 2>&1)
	echo "nearest pipe: whole $whole KB, part 1/8 $part KB"
	[ $((whole - part)) -gt $((samples / 2)) ]
}

@test "pipes are spooled; memory, spool and in-place reading (batched or not) give the same output" {
	survey q.sgy 700 gentle
	regrid -g $GRID -m linear "$BATS_TEST_TMPDIR/q.sgy" -o "$BATS_TEST_TMPDIR/mem.sgy"
	cat "$BATS_TEST_TMPDIR/q.sgy" | regrid -g $GRID -m linear -o "$BATS_TEST_TMPDIR/pipe.sgy"
	cat "$BATS_TEST_TMPDIR/q.sgy" | regrid -g $GRID -m linear --mem 100k -o "$BATS_TEST_TMPDIR/spool.sgy"
	regrid -g $GRID -m linear --mem 100k "$BATS_TEST_TMPDIR/q.sgy" -o "$BATS_TEST_TMPDIR/inplace.sgy"
	segmerge --to sgk "$BATS_TEST_TMPDIR/q.sgy" | regrid -g $GRID -m linear --mem 1 --to segy -o "$BATS_TEST_TMPDIR/sgk.sgy"
	# An uncompressed sgk file is read in place (sk_reader_pread), a
	# compressed one spooled.
	segmerge --to sgk "$BATS_TEST_TMPDIR/q.sgy" -o "$BATS_TEST_TMPDIR/q.sgk"
	regrid -g $GRID -m linear --mem 1 --to segy "$BATS_TEST_TMPDIR/q.sgk" -o "$BATS_TEST_TMPDIR/sgkfile.sgy"
	segmerge --to sgk "$BATS_TEST_TMPDIR/q.sgy" | cat >"$BATS_TEST_TMPDIR/qp.sgk"
	regrid -g $GRID -m linear --mem 1 --to segy "$BATS_TEST_TMPDIR/qp.sgk" -o "$BATS_TEST_TMPDIR/sgkpipe.sgy"
	segmerge --zstd "$BATS_TEST_TMPDIR/q.sgy" -o "$BATS_TEST_TMPDIR/qz.sgk"
	regrid -g $GRID -m linear --mem 1 --to segy "$BATS_TEST_TMPDIR/qz.sgk" -o "$BATS_TEST_TMPDIR/sgkz.sgy"
	# In place from IBM SEG-Y and little-endian SU (records read and decoded
	# directly) equals the same data read through the stream reader.
	segmerge -f ibm "$BATS_TEST_TMPDIR/q.sgy" -o "$BATS_TEST_TMPDIR/ibm.sgy"
	regrid -g $GRID -m linear "$BATS_TEST_TMPDIR/ibm.sgy" -o "$BATS_TEST_TMPDIR/ibm-mem.sgy"
	regrid -g $GRID -m linear --mem 1 "$BATS_TEST_TMPDIR/ibm.sgy" -o "$BATS_TEST_TMPDIR/ibm-inplace.sgy"
	cmp "$BATS_TEST_TMPDIR/ibm-mem.sgy" "$BATS_TEST_TMPDIR/ibm-inplace.sgy"
	segmerge --to su "$BATS_TEST_TMPDIR/q.sgy" -o "$BATS_TEST_TMPDIR/q.su"
	regrid -g $GRID -m linear "$BATS_TEST_TMPDIR/q.su" -o "$BATS_TEST_TMPDIR/su-mem.su"
	regrid -g $GRID -m linear --mem 1 "$BATS_TEST_TMPDIR/q.su" -o "$BATS_TEST_TMPDIR/su-inplace.su"
	cmp "$BATS_TEST_TMPDIR/su-mem.su" "$BATS_TEST_TMPDIR/su-inplace.su"
	# In place, the traces read back in batches (io_uring, where the
	# system has it) or one by one (SEGKIT_NO_URING): the same bytes, on 1
	# and 2 threads, SEG-Y, SU and uncompressed sgk.
	for t in 1 2; do
		OMP_NUM_THREADS=$t SEGKIT_NO_URING=1 regrid -g $GRID -m linear "$BATS_TEST_TMPDIR/q.sgy" -o "$BATS_TEST_TMPDIR/noring$t.sgy"
		OMP_NUM_THREADS=$t SEGKIT_NO_URING=1 regrid -g $GRID -m linear "$BATS_TEST_TMPDIR/q.su" -o "$BATS_TEST_TMPDIR/noring$t.su"
		cmp "$BATS_TEST_TMPDIR/su-mem.su" "$BATS_TEST_TMPDIR/noring$t.su"
		OMP_NUM_THREADS=$t SEGKIT_NO_URING=1 regrid -g $GRID -m linear --to segy "$BATS_TEST_TMPDIR/q.sgk" -o "$BATS_TEST_TMPDIR/noringsgk$t.sgy"
		OMP_NUM_THREADS=$t regrid -g $GRID -m linear --to segy "$BATS_TEST_TMPDIR/q.sgk" -o "$BATS_TEST_TMPDIR/ringsgk$t.sgy"
	done
	for f in pipe spool inplace sgk sgkfile sgkpipe sgkz noring1 noring2 noringsgk1 noringsgk2 ringsgk1 ringsgk2; do
		cmp "$BATS_TEST_TMPDIR/mem.sgy" "$BATS_TEST_TMPDIR/$f.sgy"
	done
	# No spool file is left behind.
	[ -z "$(ls -A "$BATS_TEST_TMPDIR" | grep spool-)" ]
}

@test "unused traces scattered through a file, a whole chunk of them: the parallel pass keeps what a pipe's keeps, on 1, 2 and 3 threads" {
	T=$BATS_TEST_TMPDIR
	# Dead (trid 2) and dummy (trid 3) traces leave gaps where each chunk of
	# the parallel pass wrote its kept traces; traces 577-864 (chunk 3 of 8
	# on 2 threads, chunks 4 and 5 of 12 on 3) are all dead.  The pass from
	# start to end (a pipe) keeps the same traces in the same order.
	survey q.sgy 2304 gentle
	/usr/bin/python3 - "$T/q.sgy" "$T/d.sgy" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
ns = int.from_bytes(d[3220:3222], "big")
rec = 240 + 4 * ns
for i in range(2304):
    trid = 2 if i % 7 == 3 or 576 <= i < 864 else 3 if i % 11 == 5 else None
    if trid:
        a = 3600 + i * rec + 28
        d[a:a + 2] = trid.to_bytes(2, "big")
open(sys.argv[2], "wb").write(d)
PY
	for m in nearest bin idw; do
		cat "$T/d.sgy" | regrid -x -g $GRID -m $m -o "$T/$m-pipe.sgy"
		for t in 1 2 3; do
			OMP_NUM_THREADS=$t regrid -x -g $GRID -m $m "$T/d.sgy" -o "$T/$m-$t.sgy"
			cmp "$T/$m-pipe.sgy" "$T/$m-$t.sgy"
		done
		# The unused traces were left out: the full survey reads otherwise.
		regrid -x -g $GRID -m $m "$T/q.sgy" -o "$T/$m-all.sgy"
		! cmp -s "$T/$m-all.sgy" "$T/$m-1.sgy"
	done
}

@test "dead traces are counted and reported; --fold writes the fold table" {
	survey d.sgy 300 gentle
	# The grid overlaps the survey's corner: some traces live, most dead (all
	# dead is an error, tested with bad input); most input traces lie
	# outside it, so -x.
	run -0 --separate-stderr regrid -x -g -100,25,10,0,25,4 -m idw -r 30 -F "$BATS_TEST_TMPDIR/fold.tsv" "$BATS_TEST_TMPDIR/d.sgy" -o "$BATS_TEST_TMPDIR/o.sgy"
	# Dead: no midpoint within 30 m, counted by awk.
	seginfo -k sx,sy,gx,gy "$BATS_TEST_TMPDIR/d.sgy" | awk '
		{ x[NR] = ($1 + $3) / 2; y[NR] = ($2 + $4) / 2 }
		END { for (j = 0; j < 4; j++) for (i = 0; i < 10; i++) {
			px = -100 + 25 * i; py = 25 * j; live = 0
			for (k = 1; k <= NR; k++) if ((x[k] - px) ^ 2 + (y[k] - py) ^ 2 <= 900) live = 1
			print live } }' >"$BATS_TEST_TMPDIR/live"
	dead=$(grep -c '^0$' "$BATS_TEST_TMPDIR/live")
	[ "$dead" -ge 20 ]
	[ "$stderr" = "regrid: $dead of 40 output traces are dead (no input trace within the radius)" ]
	seginfo -k trid "$BATS_TEST_TMPDIR/o.sgy" | awk '{ print $1 == 1 }' | diff - "$BATS_TEST_TMPDIR/live"
	head -n 1 "$BATS_TEST_TMPDIR/fold.tsv" | grep -qx "$(printf 'cdp\tiline\txline\tcdpx\tcdpy\toffset\tfold\tlive')"
	tail -n +2 "$BATS_TEST_TMPDIR/fold.tsv" | cut -f 8 | diff - "$BATS_TEST_TMPDIR/live"
	# The fold column against midpoints counted into bins by awk.
	seginfo -k sx,sy,gx,gy "$BATS_TEST_TMPDIR/d.sgy" | awk '
		{ x = ($1 + $3) / 2; y = ($2 + $4) / 2
		  i = x + 100 + 12.5; j = y + 12.5
		  if (i >= 0 && j >= 0) { i = int(i / 25); j = int(j / 25); if (i < 10 && j < 4) n[j * 10 + i]++ } }
		END { for (k = 0; k < 40; k++) print n[k] + 0 }' >"$BATS_TEST_TMPDIR/expect"
	tail -n +2 "$BATS_TEST_TMPDIR/fold.tsv" | cut -f 7 | diff - "$BATS_TEST_TMPDIR/expect"
	seginfo -k nhs "$BATS_TEST_TMPDIR/o.sgy" | diff - "$BATS_TEST_TMPDIR/expect"
}

# outside X0 DX NX Y0 DY NY R FILE: from the midpoints of FILE, by awk, on
# the grid X0,DX,NX,Y0,DY,NY: the count of those farther than R from every
# grid location (R < 0: outside every bin, the rectangle of the outer bins),
# the distance of the nearest of them from its nearest location (R < 0: from
# the rectangle) as regrid writes it ("12 m", "6,021 km"), and the
# midpoints' extents (%.1f).
outside() {
	seginfo -k sx,sy,gx,gy "$8" | awk -v x0="$1" -v dx="$2" -v nx="$3" -v y0="$4" -v dy="$5" -v ny="$6" -v r="$7" '
		function dist(d,   s, o, n, i) {
			if (d < 1e4) return sprintf("%.0f m", d)
			s = sprintf("%.0f", d / 1000); n = length(s); o = ""
			for (i = 1; i <= n; i++) { if (i > 1 && (n - i + 1) % 3 == 0) o = o ","; o = o substr(s, i, 1) }
			return o " km"
		}
		function at(f, n,   i) {  # the nearest of locations 0..n-1 to f
			i = f < 0 ? 0 : int(f + 0.5); return i > n - 1 ? n - 1 : i
		}
		{ x = ($1 + $3) / 2; y = ($2 + $4) / 2
		  if (NR == 1) { a = b = x; c = d = y }
		  if (x < a) a = x; if (x > b) b = x; if (y < c) c = y; if (y > d) d = y
		  if (r < 0) {
			ex = x0 - dx / 2 - x; if (x - (x0 + (nx - 0.5) * dx) > ex) ex = x - (x0 + (nx - 0.5) * dx); if (ex < 0) ex = 0
			ey = y0 - dy / 2 - y; if (y - (y0 + (ny - 0.5) * dy) > ey) ey = y - (y0 + (ny - 0.5) * dy); if (ey < 0) ey = 0
			far = ex > 0 || ey > 0
		  } else {
			ex = x - (x0 + at((x - x0) / dx, nx) * dx); ey = y - (y0 + at((y - y0) / dy, ny) * dy)
			far = ex * ex + ey * ey > r * r
		  }
		  if (far) { n++; e = sqrt(ex * ex + ey * ey); if (n == 1 || e < near) near = e } }
		END { printf "%d\t%s\t%.1f..%.1f\t%.1f..%.1f\n", n, dist(near), a, b, c, d }'
}

@test "most input traces outside the grid: exit 1 naming the cause, nothing written; -x builds it" {
	T=$BATS_TEST_TMPDIR
	survey d.sgy 300 gentle
	# A corner of the survey, radius 30 m about each location.
	IFS=$'\t' read -r out near xs ys < <(outside -100 25 10 0 25 4 30 "$T/d.sgy")
	[ "$out" -gt 150 ] && [ "$out" -lt 300 ]
	run -1 --separate-stderr regrid -g -100,25,10,0,25,4 -m idw -r 30 "$T/d.sgy" -o "$T/x.sgy"
	[ "$stderr" = "regrid: $T/d.sgy: $out of 300 input traces lie outside the grid (more than 30 m from every grid location; the nearest is $near from one): midpoints in x $xs, y $ys, grid locations in x -100.0..125.0, y 0.0..75.0; a grid over part of the data needs --allow-outside" ]
	[ ! -e "$T/x.sgy" ]
	# With bins: outside the outer bins at all (x, y -50..350).
	IFS=$'\t' read -r out near xs ys < <(outside 0 100 4 0 100 4 -1 "$T/d.sgy")
	[ "$out" -gt 150 ]
	run -1 --separate-stderr regrid -g 0,100,4,0,100,4 -r bin "$T/d.sgy" -o "$T/x.sgy"
	[ "$stderr" = "regrid: $T/d.sgy: $out of 300 input traces lie outside the grid (outside its outer bins; the nearest is $near beyond them): midpoints in x $xs, y $ys, grid locations in x 0.0..300.0, y 0.0..300.0; a grid over part of the data needs --allow-outside" ]
	[ ! -e "$T/x.sgy" ]
	run -0 --separate-stderr regrid --allow-outside -g 0,100,4,0,100,4 -r bin "$T/d.sgy" -o "$T/o.sgy"
	dead=$(seginfo -k sx,sy,gx,gy "$T/d.sgy" | awk '
		{ i = int(($1 + $3) / 2 / 100 + 0.5 + 10) - 10; j = int(($2 + $4) / 2 / 100 + 0.5 + 10) - 10
		  if (i >= 0 && i < 4 && j >= 0 && j < 4) f[i, j] = 1 }
		END { for (i = 0; i < 4; i++) for (j = 0; j < 4; j++) n += !f[i, j]; print n }')
	[ "$stderr" = "regrid: $dead of 16 output traces are dead (no input trace inside the bin)" ]
	# A grid over the whole survey: nothing said (no output trace is dead
	# either with this radius); a --part slice is judged against the whole
	# grid, not against itself.
	run -0 --separate-stderr regrid -g 0,25,48,0,25,48 -m nearest -r 300 "$T/d.sgy" -o "$T/o2.sgy"
	[ "$stderr" = "" ]
	run -0 --separate-stderr regrid -g 0,25,48,0,25,48 -m nearest -r 300 --part 1/8 "$T/d.sgy" -o "$T/o3.sgy"
	[ "$stderr" = "" ]
	# Post-stack data in real coordinates with receivers at 0: midpoints
	# halfway to the origin, named with the flag that helps.
	segedit 'sx = sx + 500000' 'sy = sy + 6000000' 'gx = 0' 'gy = 0' "$T/d.sgy" -o "$T/r0.sgy"
	IFS=$'\t' read -r out near xs ys < <(outside 500000 25 48 6000000 25 48 50 "$T/r0.sgy")
	[ "$out" -eq 300 ]
	run -1 --separate-stderr regrid -x -g 500000,25,48,6000000,25,48 "$T/r0.sgy" -o "$T/x.sgy"
	[ "$stderr" = "regrid: $T/r0.sgy: 300 of 300 input traces lie outside the grid because gx/gy are 0 in 300 of them: their midpoints fall halfway between source and origin, the nearest $near from the nearest grid location; give --coords src or --coords cdp for post-stack data, or set gx/gy (segedit)" ]
	[ ! -e "$T/x.sgy" ]
	run -0 --separate-stderr regrid -c src -m nearest -g 500000,25,48,6000000,25,48 "$T/r0.sgy" -o "$T/o.sgy"
	# CDP coordinates that are 0 in most traces (--coords cdp).
	segedit 'cdpx = (i < 50) * round((sx + gx) / 2)' 'cdpy = (i < 50) * round((sy + gy) / 2)' "$T/r0.sgy" -o "$T/c0.sgy"
	run -1 --separate-stderr regrid -c cdp -g 250000,25,48,3000000,25,48 "$T/c0.sgy" -o "$T/x.sgy"
	# The origin from the nearest location (250000, 3000000): 3,010 km.
	[ "$stderr" = "regrid: $T/c0.sgy: 250 of 300 input traces lie outside the grid because cdpx and cdpy are 0 in 250 of them (the origin is 3,010 km from the nearest grid location); set them (segedit) or give other --coords" ]
}

@test "outside is farther than the radius from every grid location (a circle), not beyond the outer bins per axis" {
	T=$BATS_TEST_TMPDIR
	# Three zero-offset traces: two off the corners of a 4 x 4 grid at
	# 0..75 m, 25 m (x) and 25 m (y) beyond the corner locations: inside the
	# outer bins widened by the radius on each axis, 35.4 m from every
	# location; the third among the locations.
	segsynth --line 1,10,3,10 --nt 50 --vel 2000 -R 0.05 -o "$T/l.sgy"
	segedit 'sx = 100 * (i == 0) - 25 * (i == 1) + 40 * (i == 2)' 'sy = sx' 'gx = sx' 'gy = sx' 'offset = 0' \
		"$T/l.sgy" -o "$T/c.sgy"
	IFS=$'\t' read -r out near xs ys < <(outside 0 25 4 0 25 4 30 "$T/c.sgy")
	[ "$out" = 2 ] && [ "$near" = "35 m" ]
	run -1 --separate-stderr regrid -g 0,25,4,0,25,4 -m nearest -r 30 "$T/c.sgy" -o "$T/x.sgy"
	[ "$stderr" = "regrid: $T/c.sgy: 2 of 3 input traces lie outside the grid (more than 30 m from every grid location; the nearest is 35 m from one): midpoints in x -25.0..100.0, y -25.0..100.0, grid locations in x 0.0..75.0, y 0.0..75.0; a grid over part of the data needs --allow-outside" ]
	[ ! -e "$T/x.sgy" ]
	# A radius of 36 m reaches them: no error.
	run -0 --separate-stderr regrid -g 0,25,4,0,25,4 -m nearest -r 36 "$T/c.sgy" -o "$T/x.sgy"
	# With -x the two add nothing: the output is that of the third alone.
	run -0 --separate-stderr regrid -x -g 0,25,4,0,25,4 -m nearest -r 30 "$T/c.sgy" -o "$T/x.sgy"
	segedit --where 'i == 2' "$T/c.sgy" -o "$T/in.sgy"
	regrid -g 0,25,4,0,25,4 -m nearest -r 30 "$T/in.sgy" -o "$T/y.sgy" 2>/dev/null
	cmp "$T/x.sgy" "$T/y.sgy"
	# On a line only the distance along it counts: 25 m from the end ones.
	run -0 --separate-stderr regrid -g 0,25,4 -m nearest -r 30 "$T/c.sgy" -o "$T/x.sgy"
	[ "$stderr" = "" ]
}

@test "traces all at one position are refused on a grid of several locations, not on a one-location grid" {
	A=$BATS_TEST_DIRNAME/../../../shared/data/real/alaska_31-81_PR_stack.sgy
	[ -r "$A" ] || skip "no $A"
	T=$BATS_TEST_TMPDIR
	run -1 --separate-stderr regrid --coords cdp -g 5900,25,10 "$A" -o "$T/x.sgy"
	[ "$stderr" = "regrid: $A: all 534 live traces are at one position (cdpx 6000, cdpy 65536 in every trace), so every grid location within reach would be built from the same traces: load the geometry first (segedit) or give other --coords" ]
	[ ! -e "$T/x.sgy" ]
	run -1 --separate-stderr sh -c 'cat "$1" | regrid -c cdp -g 5900,25,10,65500,25,4 -o "$2"' sh "$A" "$T/x.sgy"
	[ "$stderr" = "regrid: <stdin>: all 534 live traces are at one position (cdpx 6000, cdpy 65536 in every trace), so every grid location within reach would be built from the same traces: load the geometry first (segedit) or give other --coords" ]
	# Midpoints of prestack traces, one of them dead (not counted).
	segsynth --line 2,10,3,10 --nt 50 --vel 2000 -R 0.05 -o "$T/l.sgy"
	segedit 'sx = 10' 'gx = 30' 'trid = 1 + (i == 1)' "$T/l.sgy" -o "$T/m.sgy"
	run -1 --separate-stderr regrid -g 0,10,5 "$T/m.sgy" -o "$T/x.sgy"
	[ "$stderr" = "regrid: $T/m.sgy: all 5 live traces are at one position (midpoint 20, 0 in every trace), so every grid location within reach would be built from the same traces: load the geometry first (segedit) or give other --coords" ]
	# One location: the bin's mean of the gather, as asked.
	run -0 --separate-stderr regrid -m bin -g 20,10,1 "$T/m.sgy" -o "$T/x.sgy"
	[ "$stderr" = "" ]
}

@test "offsets: classes and moveout-aware interpolation (--vel)" {
	segsynth -r 3000 -a 0,500,0,500 -O 0,1000 -R 0.5 -v 2000 -n 300 -o "$BATS_TEST_TMPDIR/h.sgy"
	regrid -g 100,50,7,100,50,7 -O 50,100,10 -m idw -r 100 "$BATS_TEST_TMPDIR/h.sgy" -o "$BATS_TEST_TMPDIR/plain.sgy"
	regrid -g 100,50,7,100,50,7 -O 50,100,10 -m idw -r 100 -v 2000 "$BATS_TEST_TMPDIR/h.sgy" -o "$BATS_TEST_TMPDIR/nmo.sgy"
	run -0 seginfo -k cdp,offset "$BATS_TEST_TMPDIR/nmo.sgy"
	[ "${#lines[@]}" -eq 490 ]
	[ "${lines[0]}" = "$(printf '1\t50')" ] && [ "${lines[9]}" = "$(printf '1\t950')" ] && [ "${lines[10]}" = "$(printf '2\t50')" ]
	read -r ep fill dead < <($ERR "$BATS_TEST_TMPDIR/plain.sgy" --reflector 0.5,2000)
	read -r en fill dead < <($ERR "$BATS_TEST_TMPDIR/nmo.sgy" --reflector 0.5,2000)
	echo "plain E $ep, moveout-aware E $en"
	/usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 0.06 and float(sys.argv[2]) > 0.2 else 1)" "$en" "$ep"
	[ "$fill" = 1.0000 ]
	# --vel as migrate reads it (lib/geom/velocity): t:v pairs and a file of one trace give the same output.
	regrid -g 100,50,7,100,50,7 -O 50,100,10 -m idw -r 100 -v 0:2000,9:2000 "$BATS_TEST_TMPDIR/h.sgy" | cmp - "$BATS_TEST_TMPDIR/nmo.sgy"
	/usr/bin/python3 "$BATS_TEST_DIRNAME/migrate_ref.py" velsu "$BATS_TEST_TMPDIR/v1.su" 400 0.004 0 2000
	regrid -g 100,50,7,100,50,7 -O 50,100,10 -m idw -r 100 -v "$BATS_TEST_TMPDIR/v1.su" "$BATS_TEST_TMPDIR/h.sgy" | cmp - "$BATS_TEST_TMPDIR/nmo.sgy"
	/usr/bin/python3 "$BATS_TEST_DIRNAME/migrate_ref.py" velsu "$BATS_TEST_TMPDIR/v49.su" 400 0.004 0 2000 0,1,49
	run -2 --separate-stderr regrid -g 100,50,7,100,50,7 -O 50,100,10 -v "$BATS_TEST_TMPDIR/v49.su" "$BATS_TEST_TMPDIR/h.sgy" -o "$BATS_TEST_TMPDIR/x.sgy"
	[ "$stderr" = "regrid: $BATS_TEST_TMPDIR/v49.su: regrid takes one velocity trace (v(t) everywhere), not one per grid location" ]
	[ ! -e "$BATS_TEST_TMPDIR/x.sgy" ]
}

@test "a 2-D line grid and a YAML grid file with inline and crossline numbering" {
	segsynth -l 20,50,48,25 -R 0.4 -n 150 -o "$BATS_TEST_TMPDIR/line.sgy"
	run -0 --separate-stderr regrid -g 200,12.5,80 -m linear "$BATS_TEST_TMPDIR/line.sgy" -o "$BATS_TEST_TMPDIR/l.sgy"
	run -0 seginfo -k cdp,cdpx,cdpy,trid "$BATS_TEST_TMPDIR/l.sgy"
	[ "${#lines[@]}" -eq 80 ] && [ "${lines[1]}" = "$(printf '2\t212.5\t0\t1')" ]
	printf 'x0: 0\ny0: 0\ndx: 25\ndy: 25\nnx: 8\nny: 4\nazimuth: 90\niline: {first: 1000, step: 2}\nxline: {first: 500, step: 1}\n' >"$BATS_TEST_TMPDIR/g.yaml"
	survey y.sgy 300 gentle
	# The grid file's 8 x 4 bins are a corner of the survey: -x.
	regrid --allow-outside -g "$BATS_TEST_TMPDIR/g.yaml" "$BATS_TEST_TMPDIR/y.sgy" -o "$BATS_TEST_TMPDIR/y.out"
	run -0 seginfo -k iline,xline,cdpx,cdpy "$BATS_TEST_TMPDIR/y.out"
	[ "${lines[0]}" = "$(printf '1000\t500\t0\t0')" ] && [ "${lines[9]}" = "$(printf '1002\t501\t25\t25')" ]
}

@test "regridded traces from integer input are IEEE float unless --format asks" {
	# A corner of the data: -x.
	regrid -x -c cdp -g 620200,50,5,6074300,50,5 -m nearest -r 100 "$DATA/f3.sgy" -o "$BATS_TEST_TMPDIR/r.sgy"
	run -0 seginfo --json "$BATS_TEST_TMPDIR/r.sgy"
	[[ "$output" == *'"sample_format": 5, "ns": 75'* ]]
	regrid -x -c cdp -g 620200,50,5,6074300,50,5 -m nearest -r 100 --format int16 "$DATA/f3.sgy" -o "$BATS_TEST_TMPDIR/i.sgy"
	run -0 seginfo --json "$BATS_TEST_TMPDIR/i.sgy"
	[[ "$output" == *'"sample_format": 3, "ns": 75'* ]]
	# Nearest traces hold the input's values exactly either way.
	cmp <(segmerge --to su "$BATS_TEST_TMPDIR/r.sgy" | tail -c +241 | head -c 300) \
	    <(segmerge --to su "$BATS_TEST_TMPDIR/i.sgy" | tail -c +241 | head -c 300)
}

@test "bad input: no coordinates, a grid off the data, a malformed grid file" {
	# A grid over the data with nothing in reach: exit 1, nothing written
	# (every trace lies more than 0.01 m from every location, with -x as
	# well); the count inside the outer bins and the nearest by awk.
	read -r inner near < <(seginfo -k cdpx,cdpy "$DATA/f3.sgy" | awk '
		function at(f) { f = f < 0 ? 0 : int(f + 0.5); return f > 4 ? 4 : f }
		{ x = $1 - 620200; y = $2 - 6074300
		  n += x >= -25 && x <= 225 && y >= -25 && y <= 225
		  dx = x - 50 * at(x / 50); dy = y - 50 * at(y / 50); d = sqrt(dx * dx + dy * dy)
		  if (NR == 1 || d < m) m = d }
		END { printf "%d %.0f\n", n, m }')
	run -1 --separate-stderr regrid -x -c cdp -g 620200,50,5,6074300,50,5 -m nearest -r 0.01 "$DATA/f3.sgy" -o "$BATS_TEST_TMPDIR/d.sgy"
	[ "$stderr" = "regrid: $DATA/f3.sgy: 414 of 414 input traces lie more than 0.01 m (--radius) from every grid location, $inner of them inside the grid's outer bins (the nearest is $near m from a location): give a larger --radius" ]
	[ ! -e "$BATS_TEST_TMPDIR/d.sgy" ]
	run -1 --separate-stderr regrid -g 0,25,4,0,25,4 "$DATA/small.sgy"
	[ "$stderr" = "regrid: $DATA/small.sgy: no coordinates: sx, sy, gx and gy are 0 in all 25 traces (see --coords)" ]
	mkdir "$BATS_TEST_TMPDIR/out"
	run -1 --separate-stderr regrid -g 0,25,4,0,25,4 -c cdp "$DATA/f3.sgy" -o "$BATS_TEST_TMPDIR/out/x.sgy"
	[ "$stderr" = "regrid: $DATA/f3.sgy: the grid does not overlap the data: traces lie in x 620181.9..620622.1, y 6074232.9..6074794.5; grid locations in x 0.0..75.0, y 0.0..75.0" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/out")" ]
	printf 'x0: 0\ndx: [1\n' >"$BATS_TEST_TMPDIR/bad.yaml"
	run -1 --separate-stderr regrid -g "$BATS_TEST_TMPDIR/bad.yaml" "$DATA/f3.sgy"
	[ "$stderr" = "regrid: $BATS_TEST_TMPDIR/bad.yaml: line 3, column 1: did not find expected ',' or ']'" ]
	printf 'x0: 0\ndx: 25\nnx: 4\ncolour: red\n' >"$BATS_TEST_TMPDIR/bad2.yaml"
	run -1 --separate-stderr regrid -g "$BATS_TEST_TMPDIR/bad2.yaml" "$DATA/f3.sgy"
	[ "$stderr" = "regrid: $BATS_TEST_TMPDIR/bad2.yaml: line 4, column 1: unknown grid key 'colour'" ]
	run -1 --separate-stderr regrid -g "$BATS_TEST_TMPDIR/none.yaml" "$DATA/f3.sgy"
	[ "$stderr" = "regrid: $BATS_TEST_TMPDIR/none.yaml: No such file or directory" ]
}

@test "--progress draws a bar on stderr and leaves stdout alone" {
	survey b.sgy 200 gentle
	run -0 --separate-stderr regrid -g 0,25,10,0,25,10 --progress -r 1000 "$BATS_TEST_TMPDIR/b.sgy" -o "$BATS_TEST_TMPDIR/o.sgy"
	[ "$output" = "" ]
	[[ "$stderr" =~ ^"regrid: 100% 100/100 locations, "([0-9.]+" locations/s, ")?"elapsed 0:0"[0-9]$ ]]
}

@test "every method writes the same bytes on 1, 2 and 3 threads, over several output blocks and on real data" {
	T=$BATS_TEST_TMPDIR
	# 2,000 samples a trace: blocks of 1,048 locations, so the 48 x 48 grid
	# is written in three blocks while the next is interpolated.
	segsynth -r 2304 $AREA -n 2000 -d 0.004 $GENTLE_SYN -s 11 -o "$T/t.sgy"
	for m in nearest bin idw linear dip; do
		g=$GRID
		[ $m = dip ] && g=0,25,4,0,25,4
		for t in 1 2 3; do
			OMP_NUM_THREADS=$t regrid -x -g $g -m $m --fold "$T/$m-$t.tsv" "$T/t.sgy" -o "$T/$m-$t.sgy" 2>/dev/null
		done
		cmp "$T/$m-1.sgy" "$T/$m-2.sgy"
		cmp "$T/$m-1.sgy" "$T/$m-3.sgy"
		cmp "$T/$m-1.tsv" "$T/$m-2.tsv"
		cmp "$T/$m-1.tsv" "$T/$m-3.tsv"
	done
	run -0 seginfo "$T/linear-3.sgy"
	[[ "${lines[2]}" == *"traces:  2304,"* ]]
	# F3 onto a grid of its own azimuth shifted by half a bin: every
	# location interpolated, none copied.
	printf 'x0: 620209.7\ny0: 6074245.4\ndx: 25.0036\ndy: 25.0036\nnx: 17\nny: 22\nazimuth: 88.41\n' >"$T/f3.yaml"
	for m in nearest bin idw linear dip; do
		for t in 1 2 3; do
			OMP_NUM_THREADS=$t regrid -g "$T/f3.yaml" -c cdp -m $m -r 40 "$DATA/f3.sgy" -o "$T/f3-$m-$t.sgy"
		done
		cmp "$T/f3-$m-1.sgy" "$T/f3-$m-2.sgy"
		cmp "$T/f3-$m-1.sgy" "$T/f3-$m-3.sgy"
	done
}

@test "a sample that cannot be decoded: exit 1 naming trace and word, nothing written, on 1, 2 and 3 threads" {
	T=$BATS_TEST_TMPDIR
	# Format 4 (fixed point with gain), every sample 0 but sample 3 of trace
	# 200 (live, inside the grid), whose first byte is not 0.  linear reads
	# the headers first and decodes the samples beside its triangulation.
	survey q.sgy 300 gentle
	format4 "$T/q.sgy" "$T/f4.sgy" 'a = 3600 + 199 * rec + 240 + 8; d[a:a + 4] = bytes([1, 0, 0, 0])'
	for m in linear nearest; do
		for t in 1 2 3; do
			OMP_NUM_THREADS=$t run -1 --separate-stderr regrid -g $GRID -m $m "$T/f4.sgy" -o "$T/f4-$m-$t.sgy"
			[ "$stderr" = "regrid: $T/f4.sgy: trace 200, sample 3: word 0x01000000 is not fixed point with gain (format 4 needs a zero first byte)" ]
			[ ! -e "$T/f4-$m-$t.sgy" ]
		done
	done
}

@test "a file is read in place: a bad format 4 word in an unused trace, or outside a --part slice, is still an error" {
	T=$BATS_TEST_TMPDIR
	# Format 4, every sample 0; trace 120 is dead (trid 2: unused) and its
	# sample 7 cannot be decoded.  The samples of a file are read back at
	# interpolation, kept traces only: the header pass decodes every
	# trace's format 4 samples, so the word is found, whatever the method,
	# threads or slice, before anything is written.
	survey q.sgy 300 gentle
	format4 "$T/q.sgy" "$T/f4.sgy" 'a = 3600 + 119 * rec
d[a + 28:a + 30] = (2).to_bytes(2, "big")
d[a + 240 + 24:a + 240 + 28] = bytes([0x7f, 0, 0, 1])'
	for m in nearest idw linear; do
		for t in 1 2 3; do
			for p in "" "--part 8/8"; do
				# shellcheck disable=SC2086
				OMP_NUM_THREADS=$t run -1 --separate-stderr regrid -g $GRID -m $m $p "$T/f4.sgy" -o "$T/x.sgy"
				[ "$stderr" = "regrid: $T/f4.sgy: trace 120, sample 7: word 0x7f000001 is not fixed point with gain (format 4 needs a zero first byte)" ]
				[ ! -e "$T/x.sgy" ]
			done
		done
	done
	# The same file with the word made good reads.
	/usr/bin/python3 - "$T/f4.sgy" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
ns = int.from_bytes(d[3220:3222], "big")
a = 3600 + 119 * (240 + 4 * ns) + 240 + 24
d[a] = 0
open(sys.argv[1], "wb").write(d)
PY
	regrid -g $GRID -m nearest "$T/f4.sgy" -o "$T/x.sgy"
}

# gate_run T IN CUT CMD...: runs CMD (a regrid reading IN, its velocity
# from the FIFO $T/v.fifo) in the background; once regrid opens the FIFO,
# which it does after its pass over IN and before it reads any trace's
# samples back, CUT (a shell command) changes IN; only then is the velocity
# written, so regrid reads the changed file back.  No timing: the FIFO's
# open and read order the two.  Status in $gate_rc, stderr in $T/err.
gate_run() {
	local T=$1 cut=$3
	shift 3
	rm -f "$T/v.fifo"
	mkfifo "$T/v.fifo"
	"$@" 2>"$T/err" &
	local pid=$!
	# If regrid failed before it opened the FIFO, this open would wait for
	# ever: timeout ends it, and the test fails on regrid's status.  Only
	# a guard against that hang: a run that gets there takes milliseconds
	# of CPU, so 600 s is no bound on its speed, whatever the load.
	timeout 600 sh -c 'exec 3>"$1"; eval "$2"; cat "$3" >&3' sh "$T/v.fifo" "$cut" "$T/v1.su" || true
	gate_rc=0
	wait "$pid" || gate_rc=$?
}

@test "a file that shrinks or changes while regrid reads it back: exit 1 naming the file (and the trace), nothing written" {
	T=$BATS_TEST_TMPDIR
	segsynth -r 3000 -a 0,500,0,500 -O 0,1000 -R 0.5 -v 2000 -n 300 -o "$T/h.sgy"
	/usr/bin/python3 "$BATS_TEST_DIRNAME/migrate_ref.py" velsu "$T/v1.su" 400 0.004 0 2000
	rec=$((240 + 4 * 300))
	size=$((3600 + 3000 * rec))
	[ "$(stat -c %s "$T/h.sgy")" -eq $size ]
	# Unchanged, through the gate: the bytes of the velocity read from a file.
	regrid -g 100,50,7,100,50,7 -O 50,100,10 -m idw -r 100 -v "$T/v1.su" "$T/h.sgy" -o "$T/ref.sgy"
	gate_run "$T" "$T/h.sgy" ":" regrid -g 100,50,7,100,50,7 -O 50,100,10 -m idw -r 100 -v "$T/v.fifo" "$T/h.sgy" -o "$T/g.sgy"
	[ "$gate_rc" -eq 0 ]
	cmp "$T/ref.sgy" "$T/g.sgy"
	# Cut 100 bytes into trace 1,501: the first read back of a trace from
	# 1,501 on fails, naming it and the sizes.  Which trace that is depends
	# on the data (the first output location that needs one), not on the
	# threads: the same message on 1, 2 and 3.
	cut=$((3600 + 1500 * rec + 100))
	first=""
	for t in 1 2 3; do
		cp "$T/h.sgy" "$T/c.sgy"
		gate_run "$T" "$T/c.sgy" "truncate -s $cut '$T/c.sgy'" \
			env OMP_NUM_THREADS=$t regrid -g 100,50,7,100,50,7 -O 50,100,10 -m idw -r 100 -v "$T/v.fifo" "$T/c.sgy" -o "$T/x.sgy"
		[ "$gate_rc" -eq 1 ]
		[ ! -e "$T/x.sgy" ]
		msg=$(cat "$T/err")
		echo "$t threads: $msg"
		[[ "$msg" =~ ^regrid:\ $T/c\.sgy:\ trace\ ([0-9]+)\ \(from\ byte\ ([0-9]+)\)\ is\ truncated:\ ([0-9]+)\ of\ $rec\ bytes\;\ the\ file\ changed\ while\ it\ was\ read:\ $cut\ bytes,\ $size\ when\ it\ was\ opened$ ]]
		k=${BASH_REMATCH[1]}
		[ "$k" -ge 1501 ] && [ "$k" -le 3000 ]
		[ "${BASH_REMATCH[2]}" -eq $((3600 + (k - 1) * rec + 1)) ]
		if [ "$k" -eq 1501 ]; then [ "${BASH_REMATCH[3]}" -eq 100 ]; else [ "${BASH_REMATCH[3]}" -eq 0 ]; fi
		[ -z "$first" ] || [ "$msg" = "$first" ]
		first=$msg
	done
	# Rewritten at the same size (the samples of trace 10 changed, in
	# place): every read succeeds, so the check after the last one says it,
	# naming the file.  Its modification time is set far back first, so
	# the rewrite's is another whatever the clock's granularity.
	cp "$T/h.sgy" "$T/c.sgy"
	touch -d '2001-01-01 00:00:00' "$T/c.sgy"
	gate_run "$T" "$T/c.sgy" "printf 'abcd' | dd of='$T/c.sgy' bs=1 seek=$((3600 + 9 * rec + 240)) conv=notrunc status=none" \
		regrid -g 100,50,7,100,50,7 -O 50,100,10 -m idw -r 100 -v "$T/v.fifo" "$T/c.sgy" -o "$T/x.sgy"
	[ "$gate_rc" -eq 1 ]
	[ "$(cat "$T/err")" = "regrid: $T/c.sgy: changed while it was read: modified after it was opened" ]
	[ ! -e "$T/x.sgy" ]
	[ "$(stat -c %s "$T/c.sgy")" -eq $size ]
}

@test "a pipe and compressed sgk: one thread reads, 1, 2 and 3 decode; the file's bytes; errors in input order, nothing written" {
	T=$BATS_TEST_TMPDIR
	# 2,304 records of 8,240 bytes: ten batches of up to 254 (2 MiB);
	# --mem 1 spools them, one after the other.
	segsynth -r 2304 $AREA -n 2000 -d 0.004 $GENTLE_SYN -s 11 -o "$T/q.sgy"
	segmerge --zstd "$T/q.sgy" -o "$T/qz.sgk"
	for m in nearest idw linear; do
		regrid -g $GRID -m $m "$T/q.sgy" -o "$T/$m-file.sgy"
		for t in 1 2 3; do
			cat "$T/q.sgy" | OMP_NUM_THREADS=$t regrid -g $GRID -m $m -o "$T/$m-pipe$t.sgy"
			cmp "$T/$m-file.sgy" "$T/$m-pipe$t.sgy"
			cat "$T/q.sgy" | OMP_NUM_THREADS=$t regrid -g $GRID -m $m --mem 1 -o "$T/$m-spool$t.sgy"
			cmp "$T/$m-file.sgy" "$T/$m-spool$t.sgy"
			OMP_NUM_THREADS=$t regrid -g $GRID -m $m --to segy "$T/qz.sgk" -o "$T/$m-zstd$t.sgy"
			cmp "$T/$m-file.sgy" "$T/$m-zstd$t.sgy"
		done
	done
	# Format 4: trace 1,000 is dead (unused), its sample 2 cannot be
	# decoded; the stream ends inside trace 2,001.  Every trace is
	# decoded, used or not: the bad word is the error, then (without it)
	# the cut.
	format4 "$T/q.sgy" "$T/cut.sgy" 'd = d[:3600 + 2000 * rec + 500]'
	format4 "$T/cut.sgy" "$T/f4.sgy" 'a = 3600 + 999 * rec
d[a + 28:a + 30] = (2).to_bytes(2, "big")
d[a + 244:a + 248] = bytes([0x80, 0, 0, 7])'
	for m in nearest linear; do
		for t in 1 2 3; do
			OMP_NUM_THREADS=$t run -1 --separate-stderr sh -c "cat '$T/f4.sgy' | regrid -g $GRID -m $m -o '$T/x-$m-$t.sgy'"
			[ "$stderr" = "regrid: <stdin>: trace 1000, sample 2: word 0x80000007 is not fixed point with gain (format 4 needs a zero first byte)" ]
			OMP_NUM_THREADS=$t run -1 --separate-stderr sh -c "cat '$T/cut.sgy' | regrid -g $GRID -m $m -o '$T/x-$m-$t.sgy'"
			[ "$stderr" = "regrid: <stdin>: trace 2001 (from byte 16483601) is truncated: 500 of 8240 bytes" ]
			[ ! -e "$T/x-$m-$t.sgy" ]
		done
	done
}

@test "real data: f3.sgy onto its own (rotated) bin grid gives back its traces" {
	# The F3 crop's bins: 18 crosslines x 23 inlines of 25 m, azimuth 88.41
	# degrees; coordinates in the file are rounded to 0.1 m.
	printf 'x0: 620197.2\ny0: 6074232.9\ndx: 25.0036\ndy: 25.0036\nnx: 18\nny: 23\nazimuth: 88.41\niline: {first: 111, step: 1}\nxline: {first: 875, step: 1}\n' >"$BATS_TEST_TMPDIR/f3.yaml"
	for m in nearest bin; do
		run -0 --separate-stderr regrid -g "$BATS_TEST_TMPDIR/f3.yaml" -c cdp -m $m -r 1 "$DATA/f3.sgy" -o "$BATS_TEST_TMPDIR/f3.out"
		[ -z "$stderr" ]
		diff <(seginfo -k iline,xline "$DATA/f3.sgy") <(seginfo -k iline,xline "$BATS_TEST_TMPDIR/f3.out")
		/usr/bin/python3 -c "
import sys, segyio, numpy as np
a, b = (segyio.open(f, ignore_geometry=True) for f in sys.argv[1:3])
sys.exit(0 if np.array_equal(a.trace.raw[:], b.trace.raw[:]) else 1)" "$DATA/f3.sgy" "$BATS_TEST_TMPDIR/f3.out"
	done
	# The output is IEEE float (computed traces from integer input, issue 13)
	# holding the same values, and keeps delrt; --format int16 keeps the input's.
	run -0 seginfo "$BATS_TEST_TMPDIR/f3.out"
	[[ "${lines[1]}" == *"format 5 (ieee), ns 75, dt 4000"* ]]
	[[ "${lines[3]}" == *"delrt 4..4"* ]]
	regrid -g "$BATS_TEST_TMPDIR/f3.yaml" -c cdp -m nearest -r 1 --format int16 "$DATA/f3.sgy" -o "$BATS_TEST_TMPDIR/f3i.out"
	run -0 seginfo "$BATS_TEST_TMPDIR/f3i.out"
	[[ "${lines[1]}" == *"format 3 (int16), ns 75, dt 4000"* ]]
}
