#!/usr/bin/env bats
# Exact diffractions and events on time (issue 15, item 2): segsynth's 2-D
# and 3-D diffractions against an independent numpy implementation of the
# formula of segsynth(1); lines and surfaces of them summing to segsynth's
# zero-phase reflector; migrate imaging diffractors and flat reflectors (made
# by segsynth, and built here in numpy by FFT) on time within a tenth of a
# sample and zero phase within 10 degrees (tests/cli/phase_ref.py).
bats_require_minimum_version 1.5.0
load helpers

SYN="/usr/bin/python3 tests/cli/segsynth_ref.py"
PH="/usr/bin/python3 tests/cli/phase_ref.py"

setup() {
	T=$BATS_TEST_TMPDIR
}

@test "segsynth: 2-D and 3-D diffractions sample by sample against the numpy definition" {
	# 2-D on a line (auto), v(t), offsets to 750 m, two diffractors, one off the line.
	segsynth --line 21,100,61,25 --nt 376 --vel 0:2000,1:2500,2:3000 \
		-D 1000,0.8 -D x=1500,y=100,tau=0.5,amp=-2 -o "$T/l2.sgy"
	run -0 $SYN --check 12 "$T/l2.sgy" --line 21,100,61,25 --nt 376 --vel 0:2000,1:2500,2:3000 \
		--diffractor 1000,0.8 --diffractor x=1500,y=100,tau=0.5,amp=-2
	echo "$output"
	[[ "$output" == "ok 1281 traces, "* ]]
	# 3-D on an orthogonal survey (auto), and forced on a line.
	segsynth --survey 3,100,4,50,3,80,5,25 --nt 251 --vel 2200 -D 150,40,0.3 -o "$T/s3.sgy"
	run -0 $SYN --check 20 "$T/s3.sgy" --survey 3,100,4,50,3,80,5,25 --nt 251 --vel 2200 --diffractor 150,40,0.3
	echo "$output"
	segsynth --line 5,50,24,25 --nt 251 --dt 2ms --wavelet ricker:30 --diffraction 3d -D 300,0.2 -o "$T/l3.sgy"
	run -0 $SYN "$T/l3.sgy" --line 5,50,24,25 --nt 251 --dt 0.002 --wavelet ricker:30 --diffraction 3d \
		--diffractor 300,0.2
	# Random pairs on a line are 2-D; the earlier plain wavelet on request.
	segsynth --random 40 --pairs --area 0,1000,0,0 --nt 201 -D 500,0.2 -o "$T/r2.sgy"
	run -0 $SYN "$T/r2.sgy" --random 40 --pairs --area 0,1000,0,0 --nt 201 --diffractor 500,0.2
	segsynth --line 5,50,24,25 --nt 201 --diffraction wavelet -D 300,0.2 -o "$T/w.sgy"
	run -0 $SYN "$T/w.sgy" --line 5,50,24,25 --nt 201 --diffraction wavelet --diffractor 300,0.2
	# The check discriminates between the forms.
	run -1 $SYN "$T/w.sgy" --line 5,50,24,25 --nt 201 --diffractor 300,0.2
	run -1 $SYN "$T/l3.sgy" --line 5,50,24,25 --nt 251 --dt 0.002 --wavelet ricker:30 --diffractor 300,0.2
	run -2 --separate-stderr segsynth --line 5,50,24,25 -D 300,0.2 --diffraction 4d
	[ "$stderr" = "segsynth: unknown diffraction '4d' (expected auto, 2d, 3d or wavelet)" ]
}

@test "segsynth: a line of 2-D diffractors sums to the zero-phase reflector" {
	# Every 5 m over 8 km with amplitude 5/rF: by segsynth(1) the reflector of amplitude 1.
	$PH linesum "$T/line.yaml" - - 0.6 2000 25 5 -3400 4600 0.01
	segsynth --line 1,50,49,25,600 --nt 301 --vel 2000 -m "$T/line.yaml" -o "$T/sum.sgy"
	segsynth --line 1,50,49,25,600 --nt 301 --vel 2000 -R 0.6 -o "$T/refl.sgy"
	run -0 $PH linesum "$T/line.yaml" "$T/sum.sgy" "$T/refl.sgy" 0.6 2000 25 5 -3400 4600 0.01
	echo "$output"
	# The wavelet itself on the curve sums to a rotated reflector.
	segsynth --line 1,50,49,25,600 --nt 301 --vel 2000 -m "$T/line.yaml" --diffraction wavelet -o "$T/w.sgy"
	run -1 $PH linesum "$T/line.yaml" "$T/w.sgy" "$T/refl.sgy" 0.6 2000 25 5 -3400 4600 0.01
}

@test "segsynth: a surface of 3-D diffractors sums to the zero-phase reflector" {
	# Every 12.5 m over 3 x 3 km: the reflector within 2% (the 1/T spreading's
	# own correction is 1/(pi f tau) = 3% at most, of the other phase).
	$PH surfsum "$T/s.yaml" - - 0.4 2000 25 12.5 -1500 1500 0.02
	segsynth --survey 1,50,1,50,1,100,5,50,0,0,-100,0 --nt 201 --vel 2000 -m "$T/s.yaml" -o "$T/sum.sgy"
	segsynth --survey 1,50,1,50,1,100,5,50,0,0,-100,0 --nt 201 --vel 2000 -R 0.4 -o "$T/refl.sgy"
	run -0 $PH surfsum "$T/s.yaml" "$T/sum.sgy" "$T/refl.sgy" 0.4 2000 25 12.5 -1500 1500 0.02
	echo "$output"
	segsynth --survey 1,50,1,50,1,100,5,50,0,0,-100,0 --nt 201 --vel 2000 -m "$T/s.yaml" --diffraction 2d \
		-o "$T/w.sgy"
	run -1 $PH surfsum "$T/s.yaml" "$T/w.sgy" "$T/refl.sgy" 0.4 2000 25 12.5 -1500 1500 0.02
}

@test "migrate: segsynth's 2-D diffractor images on time and zero phase (the survey of the notes)" {
	segsynth --line 81,50,61,25 --nt 376 --vel 0:2000,1:2500,2:3000 -D 2000,1.0 -o "$T/d.sgy"
	migrate --vel 0:2000,1:2500,2:3000 --grid 1500,12.5,81 --nt 376 "$T/d.sgy" -o "$T/i.sgy"
	run -0 $PH event "$T/i.sgy" 2000 1.0
	echo "$output"
	# The wavelet itself on the curve images rotated (the test discriminates).
	segsynth --line 81,50,61,25 --nt 376 --vel 0:2000,1:2500,2:3000 -D 2000,1.0 --diffraction wavelet \
		-o "$T/w.sgy"
	migrate --vel 0:2000,1:2500,2:3000 --grid 1500,12.5,81 --nt 376 "$T/w.sgy" -o "$T/iw.sgy"
	run -1 $PH event "$T/iw.sgy" 2000 1.0
	echo "$output"
	[[ "$output" == *"phase -4"*" degrees" ]]
}

@test "migrate: segsynth's 3-D diffractor images on time and zero phase" {
	segsynth --survey 6,100,9,50,6,100,9,50 --nt 300 --vel 2000 -D 250,200,0.4 -o "$T/d3.sgy"
	migrate --vel 2000 --grid 125,25,11,75,25,11 --nt 251 "$T/d3.sgy" -o "$T/i3.sgy"
	run -0 $PH event "$T/i3.sgy" 250,200 0.4
	echo "$output"
	# The first derivative of the wavelet on the curve is what the 3-D rho filter expects.
	segsynth --survey 6,100,9,50,6,100,9,50 --nt 300 --vel 2000 -D 250,200,0.4 --diffraction 2d -o "$T/w.sgy"
	migrate --vel 2000 --grid 125,25,11,75,25,11 --nt 251 "$T/w.sgy" -o "$T/iw.sgy"
	run -1 $PH event "$T/iw.sgy" 250,200 0.4
	echo "$output"
}

@test "migrate: segsynth's flat reflectors image on time and zero phase, constant v and v(t)" {
	segsynth --line 121,50,61,25 --nt 401 --vel 2000 -R 1.2 -o "$T/f.sgy"
	migrate --vel 2000 --grid 2500,25,41 --t0 0.9 --nt 151 "$T/f.sgy" -o "$T/fi.sgy"
	run -0 $PH flat "$T/fi.sgy" 1.2 2500 3500
	echo "$output"
	segsynth --line 121,50,61,25 --nt 401 --vel 0:2000,2:3000 -R 0.5 -R 1.2 -o "$T/v.sgy"
	migrate --vel 0:2000,2:3000 --grid 2500,25,41 --nt 401 "$T/v.sgy" -o "$T/vi.sgy"
	run -0 $PH flat "$T/vi.sgy" 0.5 2500 3500
	echo "$output"
	run -0 $PH flat "$T/vi.sgy" 1.2 2500 3500
	echo "$output"
	# Without the rho filter the 2-D sum is rotated by 45 degrees.
	migrate --vel 2000 --grid 2500,25,41 --t0 0.9 --nt 151 --rho none "$T/f.sgy" -o "$T/fn.sgy"
	run -1 $PH flat "$T/fn.sgy" 1.2 2500 3500
}

@test "migrate: diffractors and a reflector built in numpy image on time and zero phase" {
	$PH data "$T/d2.sgy" diff2d x=1000 tau=0.8 nt=376
	migrate --vel 2000 --grid 800,12.5,33 --nt 300 "$T/d2.sgy" -o "$T/i2.sgy"
	run -0 $PH event "$T/i2.sgy" 1000 0.8
	echo "$output"
	$PH data "$T/r2.sgy" refl2d tau=0.8 nt=376 shots=81
	migrate --vel 2000 --grid 1700,25,25 --nt 300 "$T/r2.sgy" -o "$T/ri.sgy"
	run -0 $PH flat "$T/ri.sgy" 0.8 1800 2200
	echo "$output"
	# Shallow, with offsets to 750 m (half-opening angles to 51 degrees):
	# each offset's image of the reflector is its wavelet stretched by
	# t/tau; weights that let its amplitude grow as t/tau across that
	# wavelet skewed it early (-0.14 samples, and -0.33 for the 750 m
	# offset alone: docs/migration.md).  Every position between two shots.
	$PH data "$T/r03.sgy" refl2d tau=0.3 nt=200 shots=81
	migrate --vel 2000 --grid 1800,12.5,33 --nt 150 "$T/r03.sgy" -o "$T/r03a.sgy"
	run -0 $PH flat "$T/r03a.sgy" 0.3 1800 2200
	echo "$output"
	migrate --vel 2000 --grid 1800,12.5,33 --nt 150 --no-antialias "$T/r03.sgy" -o "$T/r03i.sgy"
	run -0 $PH flat "$T/r03i.sgy" 0.3 1800 2200
	echo "$output"
	$PH data "$T/d3.sgy" diff3d x=500 y=500 tau=0.4 nt=251 n=41 d=25
	migrate --vel 2000 --grid 400,25,9,400,25,9 --nt 200 "$T/d3.sgy" -o "$T/i3.sgy"
	run -0 $PH event "$T/i3.sgy" 500,500 0.4
	echo "$output"
	# A 3-D flat reflector on a dense grid of zero-offset traces, with
	# migrate's defaults (antialiasing on) and without antialiasing.  In 3-D
	# every ring of the surface sum weighs the same: triangles of whole
	# half-lengths changing in steps put this one +0.18 samples late; the
	# blended triangle of a fractional length puts it +0.03 (docs/migration.md).
	$PH data "$T/r3.sgy" refl3d tau=0.4 nt=201 n=41 d=25
	migrate --vel 2000 --grid 400,25,9,400,25,9 --nt 200 "$T/r3.sgy" -o "$T/r3a.sgy"
	run -0 $PH flat "$T/r3a.sgy" 0.4 450 550
	echo "$output"
	migrate --vel 2000 --grid 400,25,9,400,25,9 --nt 200 --no-antialias "$T/r3.sgy" -o "$T/r3i.sgy"
	run -0 $PH flat "$T/r3i.sgy" 0.4 450 550
	echo "$output"
	# The antialiasing is on in the first image (it differs from the second).
	run -1 /usr/bin/python3 tests/cli/migrate_ref.py close "$T/r3a.sgy" "$T/r3i.sgy" 1e-2
	# The numpy diffraction is segsynth's (the same formula, another road).
	segsynth --line 41,50,61,25 --nt 376 --vel 2000 -D 1000,0.8 -o "$T/s2.sgy"
	run -0 /usr/bin/python3 tests/cli/migrate_ref.py close "$T/s2.sgy" "$T/d2.sgy" 1e-6
	echo "$output"
}
