#!/usr/bin/env bats
# segsynth: samples and headers against the formulas written independently
# in Python (tests/cli/segsynth_ref.py), errors, determinism, memory.
bats_require_minimum_version 1.5.0

REF="/usr/bin/python3 tests/cli/segsynth_ref.py"

# synth ARGS...: runs segsynth into $BATS_TEST_TMPDIR/x and checks it with
# the reference given the same arguments.
synth() {
	segsynth "$@" -o "$BATS_TEST_TMPDIR/x" || return
	$REF "$BATS_TEST_TMPDIR/x" "$@"
}

@test "--help prints usage on stdout and exits 0" {
	run -0 --separate-stderr segsynth --help
	[[ "$output" == "usage: segsynth "* ]]
	[ -z "$stderr" ]
}

@test "--version" {
	run -0 segsynth -V
	[[ "$output" == "segsynth "* ]]
}

@test "a bad option is a usage error" {
	run -2 --separate-stderr segsynth --bogus
	[ "$stderr" = "segsynth: unknown option '--bogus'; try --help" ]
}

@test "a missing model file" {
	run -1 --separate-stderr segsynth -m nope.yaml
	[ "$stderr" = "segsynth: nope.yaml: No such file or directory" ]
}

@test "every long option in --help is in the man page" {
	for o in $(segsynth --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "Fl ${o#-}" man/segsynth.1 || { echo "missing $o"; return 1; }
	done
}

@test "key=value operands equal the long options" {
	segsynth --line 3,50,8,25 --nt 101 --diffractor 100,0.2 --dt 2ms -o "$BATS_TEST_TMPDIR/a"
	segsynth line=3,50,8,25 nt=101 diffractor=100,0.2 dt=2ms -o "$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	run -2 --separate-stderr segsynth --line 3,50,8,25 --diffractor 1,1 shots=3
	[ "$stderr" = "segsynth: unknown parameter 'shots=3'; try --help" ]
}

@test "line: diffractor in v(t), flat reflector, hyperbola (the migrate test geometry)" {
	run -0 synth --line 81,50,61,25 --nt 376 --vel 0:2000,2:2500 --diffractor 2000,1.0 \
		--reflector 1.2 --hyperbola tau=0.3,v=1800,x=100,amp=-0.5
	[[ "$output" == "ok 4941 traces"* ]]
}

@test "line: dipping reflectors by the mirror source, end-on spread, keyed line" {
	run -0 synth --line shots=30,shot_spacing=50,channels=40,receiver_spacing=25,x0=1000 \
		--spread end-on --near -500 --nt 501 --vel 2500 \
		--reflector z=1500,x=3000,dip=30 --reflector z=400,dip=-15,amp=0.5
	[[ "$output" == "ok 1200 traces"* ]]
}

@test "3-D orthogonal survey: diffractor, 3-D dipping plane, own bins, spreading" {
	run -0 synth --survey 3,100,4,50,3,80,5,25,10,0,-20,5 --nt 251 --vel 2200 --bin 20,30 \
		--diffractor 150,40,0.3 --reflector z=300,x=100,y=50,dip=20,az=30 --amplitude spreading
	[[ "$output" == "ok 180 traces"* ]]
}

@test "random midpoints: plane wave and hyperbola, seeded" {
	run -0 synth --random 500 --area 0,1200,0,1200 --seed 7 --nt 251 \
		--plane 0.3,0.0002,-0.0001 --hyperbola 0.2,1800,600,600
	[[ "$output" == "ok 500 traces"* ]]
}

@test "jittered midpoints with offsets; random pairs on a line with noise" {
	run -0 synth --jitter 12,10 --area 0,300,0,250 --offsets 0,400 --seed 3 --nt 251 \
		--plane tau=0.3,px=0.0003
	[[ "$output" == "ok 120 traces"* ]]
	run -0 synth --random 300 --pairs --area 0,1000,0,0 --nt 251 --diffractor 500,0.2 \
		--amplitude spreading --noise 3 --seed 9
	[[ "$output" == "ok 300 traces"* ]]
}

@test "the reference catches a wrong model" {
	segsynth --line 5,50,10,25 --nt 251 --diffractor 100,0.2 --noise 3 --seed 9 -o "$BATS_TEST_TMPDIR/x"
	run -1 $REF "$BATS_TEST_TMPDIR/x" --line 5,50,10,25 --nt 251 --diffractor 100,0.204 --noise 3 --seed 9
	run -1 $REF "$BATS_TEST_TMPDIR/x" --line 5,50,10,25 --nt 251 --diffractor 100,0.2 --noise 3 --seed 8
	run -1 $REF "$BATS_TEST_TMPDIR/x" --line 5,50,10,25,1 --nt 251 --diffractor 100,0.2 --noise 3 --seed 9
}

@test "spike wavelet as SU, little- and big-endian, and SEG-Y little-endian" {
	run -0 synth --line 10,50,24,25 --nt 251 --diffractor 300,0.2 --wavelet spike --to su
	run -0 synth --line 10,50,24,25 --nt 251 --diffractor 300,0.2 --to su --endian big
	run -0 synth --line 10,50,24,25 --nt 251 --diffractor 300,0.2 --endian little
	[[ "$output" == "ok 240 traces"* ]]
}

@test "sgk output converts back to the same SEG-Y" {
	segsynth --line 6,50,10,25 --nt 201 --reflector 0.3 --to sgk --zstd -o "$BATS_TEST_TMPDIR/a.sgk"
	segmerge --to segy "$BATS_TEST_TMPDIR/a.sgk" -o "$BATS_TEST_TMPDIR/b.sgy"
	segsynth --line 6,50,10,25 --nt 201 --reflector 0.3 -o "$BATS_TEST_TMPDIR/c.sgy"
	cmp <(tail -c +3601 "$BATS_TEST_TMPDIR/b.sgy") <(tail -c +3601 "$BATS_TEST_TMPDIR/c.sgy")
}

@test "a model file equals the same options" {
	cat > "$BATS_TEST_TMPDIR/m.yaml" <<-EOT
	# diffractor and reflectors
	line: {shots: 9, shot_spacing: 50, channels: 11, receiver_spacing: 25}
	nt: 301
	vel: [[0, 2000], [2, 3000]]
	wavelet: ricker:20
	events:
	  - diffractor: {x: 200, tau: 0.6}
	  - reflector: 0.9
	  - hyperbola: {tau: 0.3, v: 1800, x: 100, amp: -0.5}
	EOT
	segsynth -m "$BATS_TEST_TMPDIR/m.yaml" -o "$BATS_TEST_TMPDIR/a"
	segsynth --line 9,50,11,25 --nt 301 --vel 0:2000,2:3000 --wavelet ricker:20 --diffractor 200,0.6 \
		--reflector 0.9 --hyperbola tau=0.3,v=1800,x=100,amp=-0.5 -o "$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	# Options after the file override it.
	segsynth -m "$BATS_TEST_TMPDIR/m.yaml" --nt 101 -o "$BATS_TEST_TMPDIR/c"
	run -0 seginfo "$BATS_TEST_TMPDIR/c"
	[[ "$output" == *"ns 101"* ]]
}

@test "a malformed model file names its line and column" {
	printf 'line: {shots: 9\nevents: [\n' > "$BATS_TEST_TMPDIR/m.yaml"
	run -1 --separate-stderr segsynth -m "$BATS_TEST_TMPDIR/m.yaml"
	[ "$stderr" = "segsynth: $BATS_TEST_TMPDIR/m.yaml: line 2, column 7: did not find expected ',' or '}'" ]
	printf 'line: "3,50,5,25"\nevents:\n  - diffractor: {x: 1, tau: zz}\n' > "$BATS_TEST_TMPDIR/m.yaml"
	run -1 --separate-stderr segsynth -m "$BATS_TEST_TMPDIR/m.yaml"
	[ "$stderr" = "segsynth: $BATS_TEST_TMPDIR/m.yaml: line 3, column 29: diffractor: invalid tau 'zz' (expected a number)" ]
	printf 'line: "3,50,5,25"\nevents:\n  - blob: 1\n' > "$BATS_TEST_TMPDIR/m.yaml"
	run -1 --separate-stderr segsynth -m "$BATS_TEST_TMPDIR/m.yaml"
	[ "$stderr" = "segsynth: $BATS_TEST_TMPDIR/m.yaml: line 3, column 5: unknown event 'blob' (expected diffractor, reflector, plane or hyperbola)" ]
}

@test "usage errors: no events, no geometry, negative spacing, unknown wavelet" {
	run -2 --separate-stderr segsynth --line 9,50,11,25 -o "$BATS_TEST_TMPDIR/x"
	[ "$stderr" = "segsynth: no events: give --diffractor, --reflector, --plane or --hyperbola" ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
	run -2 --separate-stderr segsynth --diffractor 1,1
	[ "$stderr" = "segsynth: no geometry: give --line, --survey, --random or --jitter" ]
	run -2 --separate-stderr segsynth --line 9,-50,11,25 --diffractor 1,1
	[ "$stderr" = "segsynth: line: shot spacing must be positive, got -50" ]
	run -2 --separate-stderr segsynth --survey 2,100,3,50,2,80,4,-25 --diffractor 1,1
	[ "$stderr" = "segsynth: survey: receiver spacing must be positive, got -25" ]
	run -2 --separate-stderr segsynth --line 9,50,11,25 --diffractor 1,1 --wavelet gabor:3
	[ "$stderr" = "segsynth: unknown wavelet 'gabor:3' (expected ricker:HZ or spike)" ]
	run -2 --separate-stderr segsynth --line 9,50,11,25 --reflector z=100,dip=30 --vel 0:2000,1:2500
	[ "$stderr" = "segsynth: reflector 1: a reflector in depth needs a constant velocity" ]
	run -2 --separate-stderr segsynth --line 9,50,11,25 --diffractor 1,2,3,4
	[ "$stderr" = "segsynth: diffractor: cannot read '1,2,3,4' (expected x,tau or x,y,tau or key=value,...)" ]
	run -2 --separate-stderr segsynth --line 9,50,11,25 --diffractor 1,1 --dt 0.0000005
	[ "$stderr" = "segsynth: dt must be a whole number of microseconds from 1 to 65535, got 5e-07 s" ]
	# A typo in dt: the message gives a sample interval's forms, not 5m or 2h.
	run -2 --separate-stderr segsynth --line 9,50,11,25 --diffractor 1,1 --dt 4mz
	[ "$stderr" = "segsynth: invalid dt '4mz' (expected seconds, or milliseconds with ms: 0.004 or 4ms)" ]
	run -2 --separate-stderr segsynth --line 9,50,11,25 --diffractor 1,1 dt=0.004x
	[ "$stderr" = "segsynth: invalid dt '0.004x' (expected seconds, or milliseconds with ms: 0.004 or 4ms)" ]
	run -2 --separate-stderr segsynth --random 10 --diffractor 1,1
	[ "$stderr" = "segsynth: random: the area is missing (give --area x0,x1,y0,y1)" ]
}

@test "an unwritable output is an I/O error" {
	run -1 --separate-stderr segsynth --line 2,50,3,25 --diffractor 1,1 -o /nonexistent/x.sgy
	[ "$stderr" = "segsynth: /nonexistent/x.sgy: No such file or directory" ]
}

@test "the same seed gives the same bytes, another seed other noise" {
	a="--random 200 --area 0,500,0,500 --nt 201 --plane 0.2,0.0001 --noise 2"
	segsynth $a --seed 4 -o "$BATS_TEST_TMPDIR/a"
	OMP_NUM_THREADS=1 segsynth $a --seed 4 -o "$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	segsynth --line 4,50,10,25 --nt 201 --reflector 0.2 --noise 2 --seed 4 -o "$BATS_TEST_TMPDIR/c"
	segsynth --line 4,50,10,25 --nt 201 --reflector 0.2 --noise 2 --seed 5 -o "$BATS_TEST_TMPDIR/d"
	# Same headers, different samples.
	/usr/bin/python3 - "$BATS_TEST_TMPDIR/c" "$BATS_TEST_TMPDIR/d" <<-'EOT'
	import sys, numpy as np
	a, b = (np.frombuffer(open(f, 'rb').read()[3600:], np.uint8).reshape(40, 240 + 804) for f in sys.argv[1:])
	assert (a[:, :240] == b[:, :240]).all()
	x, y = (m[:, 240:].copy().view('>f4') for m in (a, b))
	assert (x != y).mean() > 0.99, (x != y).mean()
	EOT
}

@test "memory stays flat as the survey grows" {
	rss() { /usr/bin/time -f %M segsynth --line "$1",50,120,25 --diffractor 2000,1.0 --reflector 1.2 2>&1 >/dev/null; }
	small=$(rss 10)     # 5 MB
	big=$(rss 300)      # 146 MB
	echo "max RSS $small KB vs $big KB"
	[ $((big - small)) -lt 2048 ]
}

@test "-o names the format when --to does not: x.su is SU, x.SGK sgk, x.segy and others SEG-Y" {
	local d=$BATS_TEST_TMPDIR g=(--line 3,50,4,25 --nt 101 --reflector 0.2)
	segsynth "${g[@]}" --to su >"$d/ref.su"
	segsynth "${g[@]}" --to sgk >"$d/ref.sgk"
	segsynth "${g[@]}" >"$d/ref.sgy"
	segsynth "${g[@]}" -o "$d/x.su"
	segsynth "${g[@]}" -o "$d/x.SGK"
	segsynth "${g[@]}" -o "$d/x.segy"
	segsynth "${g[@]}" -o "$d/x.dat"
	cmp "$d/x.su" "$d/ref.su"
	cmp "$d/x.SGK" "$d/ref.sgk"
	cmp "$d/x.segy" "$d/ref.sgy"
	cmp "$d/x.dat" "$d/ref.sgy"
	# The SU file is 12 traces of 240 + 4 x 101 bytes, no file header.
	[ "$(stat -c %s "$d/x.su")" = $((12 * (240 + 4 * 101))) ]
	# --to wins where the name says nothing; an agreeing --to is fine.
	segsynth "${g[@]}" --to su -o "$d/y.su"
	cmp "$d/y.su" "$d/ref.su"
	segsynth "${g[@]}" -z -o "$d/z.sgk"
	[ "$(seginfo --json "$d/z.sgk" | sed -n 's/.*"format": "\([a-z]*\)".*/\1/p')" = sgk ]
}

@test "a name that says another format than --to or --zstd is a usage error, and nothing is written" {
	local d=$BATS_TEST_TMPDIR/e g=(--line 3,50,4,25 --nt 101 --reflector 0.2)
	mkdir "$d"
	run -2 --separate-stderr segsynth "${g[@]}" --to segy -o "$d/x.su"
	[ "$stderr" = "segsynth: -o $d/x.su: the name says su, --to says segy; try --help" ]
	run -2 --separate-stderr segsynth "${g[@]}" -o "$d/x.sgy" to=sgk
	[ "$stderr" = "segsynth: -o $d/x.sgy: the name says segy, --to says sgk; try --help" ]
	run -2 --separate-stderr segsynth "${g[@]}" --zstd -o "$d/x.su"
	[ "$stderr" = "segsynth: -o $d/x.su: the name says su, --zstd says sgk; try --help" ]
	[ -z "$(ls -A "$d")" ]
}

@test "Seismic Unix reads segsynth -o x.su: surange and sugethw give the headers written" {
	local su
	su=$(cd "$BATS_TEST_DIRNAME/../../../shared/tools/su" 2>/dev/null && pwd) || su=/nonexistent
	[ -x "$su/bin/surange" ] || skip "Seismic Unix is absent ($su): no cross-check"
	export CWPROOT=$su PATH=$PATH:$su/bin
	segsynth --line 3,50,4,25 --nt 101 --reflector 0.2 -o "$BATS_TEST_TMPDIR/x.su"
	run -0 surange <"$BATS_TEST_TMPDIR/x.su"
	[ "${lines[0]}" = "12 traces:" ]
	# SU reads SU's header: 101 samples of 4 ms (a SEG-Y file would give
	# SU the textual header's bytes as its first trace header).
	[[ "$output" == *$'\nns       101\n'* ]]
	[[ "$output" == *$'\ndt       4000\n'* ]]
	[[ "$output" == *$'\noffset   -37 38 (-37 - 38)\n'* ]]
	run -0 --separate-stderr sugethw key=tracl,fldr,tracf,offset,ns,dt output=geom <"$BATS_TEST_TMPDIR/x.su"
	[ "${#lines[@]}" = 12 ]
	[ "$(echo "${lines[0]}" | awk '{ $1 = $1; print }')" = "$(seginfo -k tracl,fldr,tracf,offset,ns,dt "$BATS_TEST_TMPDIR/x.su" | head -n 1 | tr '\t' ' ')" ]
	[ "$(echo "${lines[11]}" | awk '{ $1 = $1; print }')" = "$(seginfo -k tracl,fldr,tracf,offset,ns,dt "$BATS_TEST_TMPDIR/x.su" | tail -n 1 | tr '\t' ' ')" ]
}
