#!/usr/bin/env bats
# segplot: picture sizes, where a spike lands, valid SVG and PDF, real files.
bats_require_minimum_version 1.5.0

PNG="/usr/bin/python3 tests/cli/segplot_png.py"
DATA=../shared/data/segy

setup() {
	T=$BATS_TEST_TMPDIR
}

@test "--help prints usage on stdout and exits 0" {
	run -0 --separate-stderr segplot --help
	[[ "$output" == "usage: segplot "* ]]
	[ -z "$stderr" ]
}

@test "--version" {
	run -0 segplot --version
	[[ "$output" == "segplot "* ]]
}

@test "a bad option is a usage error" {
	run -2 --separate-stderr segplot --bogus -o "$T/a.png"
	[ "$stderr" = "segplot: unknown option '--bogus'; try --help" ]
}

@test "a missing input file" {
	run -1 --separate-stderr segplot nope.sgy -o "$T/a.png"
	[ "$stderr" = "segplot: nope.sgy: No such file or directory" ]
	[ ! -e "$T/a.png" ]
}

@test "usage errors: no output, unknown type, bad size, unknown colour map, unknown key" {
	run -2 --separate-stderr segplot "$DATA/f3.sgy"
	[ "$stderr" = "segplot: no output: give -o FILE.png, FILE.svg or FILE.pdf; try --help" ]
	run -2 --separate-stderr segplot "$DATA/f3.sgy" -o "$T/a.gif"
	[ "$stderr" = "segplot: $T/a.gif: unknown picture type (name it .png, .svg or .pdf, or give --type)" ]
	run -2 --separate-stderr segplot "$DATA/f3.sgy" -o "$T/a.png" -s 10x10
	[ "$stderr" = "segplot: invalid size '10x10' (expected WxH, each 16 to 32768)" ]
	run -2 --separate-stderr segplot "$DATA/f3.sgy" -o "$T/a.png" --cmap jet
	[ "$stderr" = "segplot: unknown colour map 'jet' (expected grey, diverging or none)" ]
	run -2 --separate-stderr segplot "$DATA/f3.sgy" -o "$T/a.png" --perc 0
	[ "$stderr" = "segplot: invalid perc '0' (expected a percentile in (0, 100])" ]
	run -2 --separate-stderr segplot "$DATA/f3.sgy" -o "$T/a.png" --xkey nokey
	[[ "$stderr" == "segplot: "*"nokey"* ]]
	[ ! -e "$T/a.png" ]
}

@test "every long option in --help is in the man page" {
	for o in $(segplot --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "Fl ${o#-}" man/segplot.1 || { echo "missing $o"; return 1; }
	done
}

@test "a PNG of the requested size" {
	segsynth --line 4,50,30,25 --nt 251 --diffractor 300,0.3 | segplot -o "$T/a.png" -s 640x480
	run -0 $PNG size "$T/a.png"
	[ "$output" = "640 480" ]
	segplot -o "$T/b.png" "$DATA/f3.sgy"
	run -0 $PNG size "$T/b.png"
	[ "$output" = "1000 700" ]
}

@test "one spike lands at its pixel column and row, bare and with axes" {
	$PNG spike "$T/s.su" 12 18 5 9
	segplot "$T/s.su" -o "$T/bare.png" -s 400x300 --clip 3 --bare
	# Column 5 of 12 across 400 px, row 9 of 18 down 300 px; a pixel shows
	# the cell under its centre.
	run -0 $PNG dark "$T/bare.png"
	[ "$output" = "167 150 199 166" ]
	segplot "$T/s.su" -o "$T/axes.png" -s 400x300 --clip 3
	# Data area x 72..288 and y 36..252: 18 x 12 px per cell.
	for xy in "163 145" "178 154" "171 150"; do
		run -0 $PNG pixel "$T/axes.png" $xy
		[ "$output" = "000000" ]
	done
	for xy in "160 150" "182 150" "171 142" "171 158"; do
		run -0 $PNG pixel "$T/axes.png" $xy
		[ "$output" = "808080" ]
	done
	segplot "$T/s.su" -o "$T/div.png" -s 400x300 --clip 3 --cmap diverging
	run -0 $PNG pixel "$T/div.png" 171 150
	[ "$output" = "ff0000" ]
	run -0 $PNG pixel "$T/div.png" 100 100
	[ "$output" = "ffffff" ]
}

@test "key=value operands equal the long options" {
	segplot "$DATA/f3.sgy" -o "$T/a.png" --perc 90 --cmap diverging --size 300x200
	segplot "$DATA/f3.sgy" -o "$T/b.png" perc=90 cmap=diverging size=300x200
	cmp "$T/a.png" "$T/b.png"
}

@test "SVG is valid XML and PDF a PDF" {
	segsynth --line 2,50,24,25 --nt 201 --reflector 0.3 -o "$T/g.sgy"
	segplot "$T/g.sgy" -o "$T/g.svg" --wiggle --xkey offset
	/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg"), r.tag; assert r.get("width").startswith("1000")' "$T/g.svg"
	segplot "$T/g.sgy" -o "$T/g.pdf" --cmap none --wiggle
	head -c 5 "$T/g.pdf" | grep -q '^%PDF-'
	tail -c 7 "$T/g.pdf" | grep -q '%%EOF'
	segplot "$T/g.sgy" --type pdf -o - > "$T/h.pdf"
	head -c 5 "$T/h.pdf" | grep -q '^%PDF-'
}

@test "real files plot, from a file and from a pipe, by header key" {
	segplot "$DATA/f3.sgy" -o "$T/f3.png" --xkey cdp --title "F3 crop"
	cat "$DATA/f3.sgy" | segplot -o "$T/f3p.png" --xkey cdp --title "F3 crop"
	cmp "$T/f3.png" "$T/f3p.png"
	run -0 $PNG size "$T/f3.png"
	[ "$output" = "1000 700" ]
	segplot "$DATA/small.su" -o "$T/su.png" --wiggle -s 300x300
	run -0 $PNG size "$T/su.png"
	[ "$output" = "300 300" ]
}

@test "long inputs are decimated and a lone spike survives" {
	# 3000 traces into a 200 px wide bare picture: columns of 8 traces.
	$PNG spike "$T/long.su" 3000 50 1234 20
	segplot "$T/long.su" -o "$T/long.png" -s 200x100 --bare --clip 3
	run -0 $PNG dark "$T/long.png"
	# Trace 1234 is in column 154 of 375 (8 traces each), sample 20 of 50.
	[ "$output" = "82 40 82 41" ]
}

@test "axis titles carry units, and SVG keeps the text as text" {
	segsynth --line 1,50,48,25 --nt 201 --reflector 0.3 -o "$T/s.sgy"
	segplot "$T/s.sgy" --xkey offset -o "$T/o.svg"
	run -0 $PNG svgtext "$T/o.svg" xlabel
	[ "$output" = $'480\toffset (m)' ]
	run -0 $PNG svgtext "$T/o.svg" tlabel
	[ "$output" = $'14\ttime (ms)' ]
	run -0 $PNG svgtext "$T/o.svg" title
	[ "$output" = $'480\t'"$T/s.sgy" ]
	for k in "gx:gx (m)" "cdpy:cdpy (m)" "gelev:gelev (m)" "delrt:delrt (ms)" "fldr:fldr" ":trace number"; do
		if [ -n "${k%%:*}" ]; then
			segplot "$T/s.sgy" --xkey "${k%%:*}" -o "$T/k.svg"
		else
			segplot "$T/s.sgy" -o "$T/k.svg"
		fi
		run -0 $PNG svgtext "$T/k.svg" xlabel
		[ "${output#*$'\t'}" = "${k#*:}" ] || { echo "$k: $output"; return 1; }
	done
}

@test "--xkey offset labels a split-spread shot with increasing values, and a line shot by shot" {
	segsynth --line 1,50,48,25 --nt 201 --reflector 0.3 -o "$T/s1.sgy"
	segplot "$T/s1.sgy" --xkey offset -o "$T/s1.svg"
	run -0 $PNG svgtext "$T/s1.svg" xtick
	[ "$(cut -f2 <<< "$output" | tr '\n' ' ')" = "-500 -400 -300 -200 -100 0 100 200 300 400 500 " ]
	# Left to right: the positions rise with the values.
	cut -f1 <<< "$output" | sort -c -g
	# Three shots: each gather's offsets labelled on their own, in order,
	# never the jumble of one trace's value here and another's there.
	segsynth --line 3,50,48,25 --nt 201 --reflector 0.3 -o "$T/s3.sgy"
	segplot "$T/s3.sgy" --xkey offset -o "$T/s3.svg"
	run -0 $PNG svgtext "$T/s3.svg" xtick
	[ "$(cut -f2 <<< "$output" | tr '\n' ' ')" = "-500 0 500 -500 0 500 -500 0 500 " ]
	cut -f1 <<< "$output" | sort -c -g
}

@test "windows by traces, time and key range draw the pixels of the windowed data" {
	segsynth --line 4,50,24,25 --nt 251 --diffractor 300,0.3 --reflector 0.6 -o "$T/l.sgy"
	segplot "$T/l.sgy" --traces 30:60 --tmin 0.2 --tmax 700ms --bare --clip 0.5 -s 300x200 -o "$T/w.png"
	segedit --where 'i >= 29 && i <= 59' --time 0.2:0.7 "$T/l.sgy" |
		segplot --bare --clip 0.5 -s 300x200 -o "$T/e.png"
	cmp "$T/w.png" "$T/e.png"
	segplot "$T/l.sgy" --bare --clip 0.5 -s 300x200 -o "$T/all.png"
	! cmp -s "$T/all.png" "$T/e.png"
	segplot "$T/l.sgy" --range fldr=2:3 tmax=0.5 --bare --clip 0.5 -s 300x200 -o "$T/r.png"
	segedit --where 'fldr >= 2 && fldr <= 3' --time 0:0.5 "$T/l.sgy" |
		segplot --bare --clip 0.5 -s 300x200 -o "$T/re.png"
	cmp "$T/r.png" "$T/re.png"
	# A spike at trace 6 (1-based), 36 ms: traces 4..7 and 24..52 ms are
	# 4 columns of 100 px and 8 rows of 40 px; it is column 2, row 3.
	$PNG spike "$T/s.su" 12 18 5 9
	segplot "$T/s.su" --traces 4:7 --tmin 24ms --tmax 52ms --bare --clip 3 -s 400x320 -o "$T/s.png"
	run -0 $PNG dark "$T/s.png"
	[ "$output" = "200 120 299 159" ]
	# The axis keeps the input's trace numbers and times.
	segplot "$T/s.su" --traces 4:7 --tmin 24ms --tmax 52ms -o "$T/s.svg"
	run -0 $PNG svgtext "$T/s.svg" xtick
	[ "$(cut -f2 <<< "$output" | tr '\n' ' ')" = "4 5 6 7 " ]
}

@test "windows that hold nothing, and bad windows" {
	segsynth --line 2,50,8,25 --nt 51 --reflector 0.1 -o "$T/l.sgy"
	run -1 --separate-stderr segplot "$T/l.sgy" --range fldr=5:9 -o "$T/a.png"
	[ "$stderr" = "segplot: $T/l.sgy: no trace in the window (16 traces read)" ]
	run -1 --separate-stderr segplot "$T/l.sgy" --tmin 2 -o "$T/a.png"
	[ "$stderr" = "segplot: $T/l.sgy: no sample in the time window (the traces span 0 to 200 ms)" ]
	run -2 --separate-stderr segplot "$T/l.sgy" --traces 5:2 -o "$T/a.png"
	[ "$stderr" = "segplot: invalid traces '5:2' (FIRST is after LAST)" ]
	run -2 --separate-stderr segplot "$T/l.sgy" --range fldr -o "$T/a.png"
	[ "$stderr" = "segplot: invalid range 'fldr' (expected KEY=LO:HI)" ]
	run -2 --separate-stderr segplot "$T/l.sgy" --tmin 1 --tmax 0.5 -o "$T/a.png"
	[ "$stderr" = "segplot: invalid time window: --tmin is after --tmax" ]
	[ ! -e "$T/a.png" ]
}

@test "wiggles over the density: both the grey levels and the black trace lines" {
	$PNG spike "$T/s.su" 6 18 2 9
	segplot "$T/s.su" --wiggle --bare --clip 3 -s 300x180 -o "$T/w.png"
	# Column 2 of 6 (x 100..149, centre 125): the density cell is black,
	# and the wiggle's filled lobe reaches into column 3 at the spike's row.
	run -0 $PNG pixel "$T/w.png" 110 95
	[ "$output" = "000000" ]
	run -0 $PNG pixel "$T/w.png" 160 95
	[ "$output" = "000000" ]
	run -0 $PNG pixel "$T/w.png" 160 40
	[ "$output" = "808080" ]
}
