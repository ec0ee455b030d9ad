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
	[ "$stderr" = "segplot: no output: give -o FILE.png, FILE.svg or FILE.pdf" ]
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
