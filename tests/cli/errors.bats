#!/usr/bin/env bats
# Every message names its file (issue 12): a table of bad inputs for every
# command, each with its exact standard error and exit status (1 for data and
# I/O errors, 2 for usage errors), and nothing written where -o was given.
bats_require_minimum_version 1.5.0
load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	cd "$T"
	: >empty
	head -c 5000 "$DATA/f3.sgy" >trunc.sgy
	# An SU file cut short (f3's 414 traces of 540 bytes, 100 bytes less):
	# its size is no whole number of traces, its first two headers agree.
	segmerge --to su "$DATA/f3.sgy" | head -c 223460 >trunc.su
	echo "hello world" >text.txt
	mkdir dir
}

# check STATUS 'COMMAND' 'STDERR': runs COMMAND (a shell line, in $T, with
# $DATA set) and compares; on a mismatch says which row.
check() {
	run --separate-stderr sh -c "$2"
	[ "$status" -eq "$1" ] && [ "$stderr" = "$3" ] && return 0
	echo "row: $2"
	echo "status $status (want $1)"
	echo "stderr: $stderr"
	echo "want:   $3"
	return 1
}

@test "errors: missing, directory, empty, truncated and foreign inputs name the file, for every reading command" {
	local c
	for c in "seginfo" "segmerge" "segsplit -c 10 -d out" "segplot -o x.png" "migrate --vel 2000" \
		"regrid --grid 0,10,5" "segedit cdp=1"; do
		check 1 "$c nofile" "${c%% *}: nofile: No such file or directory"
		check 1 "$c dir" "${c%% *}: dir: Is a directory"
		check 1 "$c empty" "${c%% *}: empty: empty file"
		check 1 "$c trunc.sgy" "${c%% *}: trunc.sgy: trace 4 (from byte 4771) is truncated: 230 of 390 bytes"
		check 1 "$c text.txt" \
			"${c%% *}: text.txt: not a SEG-Y, SU or sgk file: 12 bytes, shorter than a 3600-byte SEG-Y header, and no SU trace fits"
		check 1 "$c - <trunc.sgy" "${c%% *}: <stdin>: trace 4 (from byte 4771) is truncated: 230 of 390 bytes"
		# A file and a pipe of the same bytes say the same (a pipe that
		# ends within the first read has a known size too).
		check 1 "$c trunc.su" "${c%% *}: trunc.su: trace 414 (from byte 223021) is truncated: 440 of 540 bytes"
		check 1 "cat trunc.su | $c -" "${c%% *}: <stdin>: trace 414 (from byte 223021) is truncated: 440 of 540 bytes"
	done
	[ ! -e out ] && [ ! -e x.png ]
}

@test "errors: bad option values and key=value typos are usage errors (2) with the value" {
	check 2 "seginfo --from xx $DATA/f3.sgy" "seginfo: unknown format 'xx' (segy, su or sgk)"
	check 2 "seginfo -k nokey $DATA/f3.sgy" "seginfo: unknown header key 'nokey'"
	check 2 "segmerge --format 99 $DATA/f3.sgy" \
		"segmerge: invalid sample format '99' (1 ibm, 2 int32, 3 int16, 5 ieee, 6 double, 7 int24, 8 int8, 9 int64, 10 uint32, 11 uint16, 12 uint64, 15 uint24, 16 uint8)"
	check 2 "segmerge endian=middle $DATA/f3.sgy" "segmerge: invalid endian 'middle' (big or little)"
	check 2 "segsplit -c 0 -d out $DATA/f3.sgy" "segsplit: invalid count '0' (expected an integer in 1..1099511627776)"
	check 2 "segsplit count=x dir=out $DATA/f3.sgy" "segsplit: invalid count 'x' (expected an integer in 1..1099511627776)"
	check 2 "segplot -o x.xyz $DATA/f3.sgy" "segplot: x.xyz: unknown picture type (name it .png, .svg or .pdf, or give --type)"
	check 2 "migrate --vel 2000 --grid 1,2 $DATA/f3.sgy" \
		"migrate: invalid grid '1,2' (expected x0,dx,nx or x0,dx,nx,y0,dy,ny[,azimuth] or a YAML file)"
	check 2 "regrid --grid 0,10,5 --method magic $DATA/f3.sgy" \
		"regrid: invalid method 'magic' (expected nearest, bin, idw, linear or dip)"
	check 2 "segsynth --line 2,50,4 --reflector 0.01" \
		"segsynth: line: cannot read '2,50,4' (expected shots,shot_spacing,channels,receiver_spacing[,x0] or key=value,...)"
	check 2 "taskrun --retries x echo ::: a" "taskrun: invalid retry count 'x' (expected an integer in 0..1000000)"
	check 2 "segedit 'nokey = 1' $DATA/f3.sgy" "segedit: column 1: unknown header key 'nokey'
  nokey = 1
  ^"
	[ ! -e out ]
}

@test "errors: files named by options (velocity, grid, hosts, tasks, outputs) are named in their messages" {
	check 1 "migrate --vel abc --grid 0,10,5 $DATA/f3.sgy -o o.sgy" "migrate: abc: No such file or directory"
	check 1 "regrid --grid x $DATA/f3.sgy -o o.sgy" "regrid: x: No such file or directory"
	check 1 "taskrun -a nofile" "taskrun: nofile: No such file or directory"
	check 1 "taskrun -H nofile echo ::: a" "taskrun: nofile: No such file or directory"
	check 1 "segmerge $DATA/f3.sgy -o /nonexistent/x.sgy" "segmerge: /nonexistent/x.sgy: No such file or directory"
	check 1 "segsplit -c 10 -d /nonexistent/a/b $DATA/f3.sgy" "segsplit: /nonexistent/a/b: No such file or directory"
	check 1 "segplot -o /nonexistent/x.png $DATA/f3.sgy" "segplot: /nonexistent/x.png: No such file or directory"
	check 1 "segsynth --line 2,50,4,25 --reflector 0.01 -n 11 -o /nonexistent/x.sgy" \
		"segsynth: /nonexistent/x.sgy: No such file or directory"
	check 1 "segedit 'cdp = 1 / (i - 2)' $DATA/f3.sgy -o o.sgy" \
		"segedit: $DATA/f3.sgy: trace 1: cdp = -0.5 is not an integer (cdp is i4) in 'cdp = 1 / (i - 2)'"
	check 1 "regrid --grid 0,10,5 $DATA/small.sgy -o o.sgy" \
		"regrid: $DATA/small.sgy: no coordinates: sx, sy, gx and gy are 0 in all 25 traces (see --coords)"
	check 1 "migrate --vel 2000 $DATA/shot-gather.sgy -o o.sgy" \
		"migrate: $DATA/shot-gather.sgy: no coordinates in the headers (sx, sy, gx, gy and cdpx, cdpy are all 0)"
	# A pipe spooled to a $TMPDIR that is missing: the directory is the file.
	check 1 "cat $DATA/small.sgy | TMPDIR=/nonexistent migrate --vel 2000 -o o.sgy" \
		"migrate: /nonexistent: No such file or directory"
	check 1 "cat $DATA/small.sgy | TMPDIR=/nonexistent regrid --grid 0,10,5 --mem 1k -o o.sgy" \
		"regrid: /nonexistent: No such file or directory"
	[ ! -e o.sgy ]
}

@test "errors: a mistyped number where a number or a file is taken is a bad value, exit 2" {
	# Not a number, and no file of that name: the value is wrong (exit 2),
	# whichever spelling of the option.
	check 2 "migrate --vel 25OO --grid 0,10,5 $DATA/f3.sgy -o o.sgy" \
		"migrate: invalid vel '25OO' (not a number, and no file of that name)"
	check 2 "regrid --grid 0,10,5 --vel 2OOO --offsets 0,100,3 $DATA/f3.sgy -o o.sgy" \
		"regrid: invalid vel '2OOO' (not a number, and no file of that name)"
	check 2 "regrid -g 17x22 $DATA/f3.sgy -o o.sgy" \
		"regrid: invalid grid '17x22' (not x0,dx,nx or x0,dx,nx,y0,dy,ny[,azimuth], and no file of that name)"
	check 2 "regrid grid=100 $DATA/f3.sgy -o o.sgy" \
		"regrid: invalid grid '100' (not x0,dx,nx or x0,dx,nx,y0,dy,ny[,azimuth], and no file of that name)"
	check 2 "migrate --vel 2000 --grid 1e3x5 $DATA/f3.sgy -o o.sgy" \
		"migrate: invalid grid '1e3x5' (not x0,dx,nx or x0,dx,nx,y0,dy,ny[,azimuth], and no file of that name)"
	# A name (an extension, a directory) that is missing is a missing file.
	check 1 "regrid -g 2d.yaml $DATA/f3.sgy -o o.sgy" "regrid: 2d.yaml: No such file or directory"
	check 1 "migrate --vel 2000.su --grid 0,10,5 $DATA/f3.sgy -o o.sgy" "migrate: 2000.su: No such file or directory"
	# A file of that name is read, whatever its name looks like.
	printf 'dx: 10\n' >17x22
	echo x >25OO
	check 1 "regrid -g 17x22 $DATA/f3.sgy -o o.sgy" "regrid: 17x22: grid file needs at least dx and nx"
	check 1 "migrate --vel 25OO --grid 0,10,5 $DATA/f3.sgy -o o.sgy" \
		"migrate: 25OO: not a SEG-Y, SU or sgk file: 2 bytes, shorter than a 3600-byte SEG-Y header, and no SU trace fits"
	[ ! -e o.sgy ]
}

@test "errors: a trace file given where a text file (YAML, hosts) is taken is named for what it is, exit 1" {
	segsynth --line 2,50,4,25 --nt 11 --reflector 0.02 -o s.sgk
	printf 'dx: 10\nnx: 5\n\001' >ctl.yaml
	check 1 "segmerge -m $DATA/f3.sgy" "segmerge: $DATA/f3.sgy: not a segsplit manifest: a SEG-Y file"
	check 1 "segmerge --manifest $DATA/small.su" "segmerge: $DATA/small.su: not a segsplit manifest: an SU file"
	check 1 "segmerge -m s.sgk -o o.sgy" "segmerge: s.sgk: not a segsplit manifest: an sgk file"
	check 1 "segmerge -m ctl.yaml" "segmerge: ctl.yaml: not a segsplit manifest: binary data, not YAML text (byte 14 is 0x01)"
	check 1 "segsplit --remake=1 -d d $DATA/f3.sgy" "segsplit: $DATA/f3.sgy: not a segsplit manifest: a SEG-Y file"
	check 1 "taskrun --input-manifest $DATA/f3.sgy echo" "taskrun: $DATA/f3.sgy: not a segsplit manifest: a SEG-Y file"
	check 1 "regrid -g $DATA/small.sgy $DATA/f3.sgy -o o.sgy" "regrid: $DATA/small.sgy: not a YAML grid file: a SEG-Y file"
	check 1 "migrate --vel 2000 --grid ctl.yaml $DATA/f3.sgy -o o.sgy" \
		"migrate: ctl.yaml: not a YAML grid file: binary data, not YAML text (byte 14 is 0x01)"
	check 1 "segsynth -m $DATA/f3.sgy -o o.sgy" "segsynth: $DATA/f3.sgy: not a YAML model file: a SEG-Y file"
	check 1 "taskrun -H $DATA/f3.sgy echo ::: a" "taskrun: $DATA/f3.sgy: not a host file: a SEG-Y file"
	check 1 "segsplit -c 5 -H $DATA/small.su -d d $DATA/f3.sgy" "segsplit: $DATA/small.su: not a host file: an SU file"
	# The directory of a split, for its manifest: the manifest is named.
	segsplit -c 200 -d sp "$DATA/f3.sgy"
	check 1 "segmerge -m sp" "segmerge: sp: Is a directory (its manifest is sp/manifest.yaml)"
	check 1 "segmerge -m sp/ -o o.sgy" "segmerge: sp/: Is a directory (its manifest is sp/manifest.yaml)"
	check 1 "segsplit --remake=1 -d d sp" "segsplit: sp: Is a directory (its manifest is sp/manifest.yaml)"
	check 1 "segmerge -m dir" "segmerge: dir: Is a directory"
	# A job file is the command line's continuation: a usage error.
	check 2 "taskrun -J $DATA/f3.sgy" "taskrun: $DATA/f3.sgy: not a YAML job file: a SEG-Y file"
	[ ! -e o.sgy ] && [ ! -e d ]
}

@test "errors: a misspelt option is one line naming the closest option and --help, in every command" {
	check 2 "migrate --aperature 500 --vel 2000 $DATA/f3.sgy" \
		"migrate: unknown option '--aperature' (did you mean --aperture?); try --help"
	check 2 "migrate aperature=500 --vel 2000 $DATA/f3.sgy" \
		"migrate: unknown parameter 'aperature=500' (did you mean aperture=?); try --help"
	check 2 "migrate --a 5 --vel 2000 $DATA/f3.sgy" \
		"migrate: ambiguous option '--a' (--aal, --allow-outside, --angle, --antialias, --aperture?); try --help"
	check 2 "migrate --vel" "migrate: option '--vel' needs an argument; try --help"
	check 2 "regrid --metod dip -g 0,10,5 $DATA/f3.sgy" "regrid: unknown option '--metod' (did you mean --method?); try --help"
	check 2 "segedit --were 'cdp > 1' $DATA/f3.sgy" "segedit: unknown option '--were' (did you mean --where?); try --help"
	check 2 "seginfo --jsno $DATA/f3.sgy" "seginfo: unknown option '--jsno' (did you mean --json?); try --help"
	check 2 "seginfo -k" "seginfo: option '-k' needs an argument; try --help"
	check 2 "segmerge --sun $DATA/f3.sgy" "segmerge: unknown option '--sun' (did you mean --sum?); try --help"
	check 2 "segplot --wigle -o x.png $DATA/f3.sgy" "segplot: unknown option '--wigle' (did you mean --wiggle?); try --help"
	check 2 "segsplit --cuont 5 -d out $DATA/f3.sgy" "segsplit: unknown option '--cuont' (did you mean --count?); try --help"
	check 2 "segsynth --diffracter 100,0.2" "segsynth: unknown option '--diffracter' (did you mean --diffractor?); try --help"
	check 2 "segsynth diffracter=100,0.2" "segsynth: unknown parameter 'diffracter=100,0.2' (did you mean diffractor=?); try --help"
	check 2 "taskrun --retrys 2 true" "taskrun: unknown option '--retrys' (did you mean --retries?); try --help"
	check 2 "taskrun -Q true" "taskrun: unknown option '-Q'; try --help"
	check 2 "segplot --help=yes" "segplot: option '--help' takes no argument; try --help"
	check 2 "segsplit -Q" "segsplit: unknown option '-Q'; try --help"
	[ ! -e out ] && [ ! -e x.png ]
}

@test "errors: misused operands and options (too many inputs, a missing operand or option, a clash) are one line and --help, in every command" {
	# The whole usage is for --help alone; an option value that is wrong
	# says what was expected instead (above).  seginfo takes any number of
	# files and has no such error.
	check 2 "migrate --vel 2000 a.sgy b.sgy" "migrate: one input at most ('a.sgy' and 'b.sgy' given); try --help"
	check 2 "migrate $DATA/f3.sgy" "migrate: missing --vel; try --help"
	check 2 "regrid -g 0,10,5 a.sgy b.sgy" "regrid: one input at most ('a.sgy' and 'b.sgy' given); try --help"
	check 2 "regrid $DATA/f3.sgy" "regrid: missing --grid; try --help"
	check 2 "regrid -g 0,10,5 --vel 2000 $DATA/f3.sgy" "regrid: --vel needs --offsets; try --help"
	check 2 "segsplit -c 5 -d out a.sgy b.sgy" "segsplit: one input at most ('a.sgy' and 'b.sgy' given); try --help"
	check 2 "segsplit -d out $DATA/f3.sgy" \
		"segsplit: no split mode: give one of --count, --key, --parts, --ranges and --round-robin; try --help"
	check 2 "segsplit -c 5 $DATA/f3.sgy" "segsplit: no output directory: give --dir; try --help"
	check 2 "segsplit -c 5 -p 2 -d out $DATA/f3.sgy" \
		"segsplit: give one of --count, --key, --parts, --ranges and --round-robin; try --help"
	check 2 "segsplit -c 5 -g 2 -d out $DATA/f3.sgy" "segsplit: --group needs --key; try --help"
	check 2 "segplot -o x.png a.sgy b.sgy" "segplot: one input at most ('a.sgy' and 'b.sgy' given); try --help"
	check 2 "segplot $DATA/f3.sgy" "segplot: no output: give -o FILE.png, FILE.svg or FILE.pdf; try --help"
	check 2 "segsynth --line 2,50,4,25 -R 0.1 $DATA/f3.sgy" \
		"segsynth: unexpected operand '$DATA/f3.sgy' (segsynth reads no input); try --help"
	check 2 "segmerge -k cdp -s a.sgy" "segmerge: --key and --sum exclude each other; try --help"
	check 2 "segmerge -m m.yaml a.sgy" "segmerge: -m takes no INPUT operands; try --help"
	check 2 "segmerge -s --kept st -m m.yaml" "segmerge: --kept takes no -m or INPUT operands; try --help"
	check 2 "segmerge -n a.sgy" "segmerge: --no-verify needs -m; try --help"
	check 2 "segedit -T t.tsv $DATA/f3.sgy" "segedit: --table needs --by KEYS; try --help"
	check 2 "segedit -b cdp $DATA/f3.sgy" "segedit: --by needs --table FILE; try --help"
	check 2 "segedit -m keep $DATA/f3.sgy" "segedit: --missing needs --table; try --help"
	check 2 "taskrun status" "taskrun: status needs one state directory (taskrun status DIR); try --help"
	check 2 "taskrun status a b" "taskrun: status needs one state directory (taskrun status DIR); try --help"
	check 2 "taskrun status -x" "taskrun: unknown option '-x' of status (taskrun status DIR); try --help"
	check 2 "taskrun report" "taskrun: report needs one state directory (taskrun report [--html] DIR); try --help"
	check 2 "taskrun agent x" "taskrun: agent takes no operands ('x' given); try --help"
	check 2 "taskrun -S : -H h echo ::: 1" "taskrun: -S and -H both name hosts: give one of them; try --help"
	check 2 "taskrun -H - echo ::: 1" "taskrun: -H: the host file must be a file (it is re-read); try --help"
	check 2 "taskrun --keep 'k/{}' --stdout 'o/{}' echo ::: 1" \
		"taskrun: --keep and --stdout both say where output goes: give one of them; try --help"
	check 2 "taskrun --slurm -S : echo ::: 1" \
		"taskrun: --slurm and -H or -S are exclusive (a host file may list the line 'slurm'); try --help"
	# Nothing on standard output, and nothing made.
	run --separate-stderr migrate --vel 2000 a.sgy b.sgy
	[ "$output" = "" ]
	[ ! -e out ] && [ ! -e x.png ] && [ ! -e k ] && [ ! -e o ]
}
