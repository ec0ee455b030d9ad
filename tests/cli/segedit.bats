#!/usr/bin/env bats
# segedit: assignments, --where, --time, --scale, --table, formats and pipes;
# its results against Seismic Unix's sushw, suchw, suwind and sugain on the
# real shot line of ../shared/data/real and on SU conversions of
# ../shared/data/segy files; the error table; the man page's and the
# README's examples as written.
bats_require_minimum_version 1.5.0
load helpers

REAL=$(cd "$BATS_TEST_DIRNAME/../../../shared/data/real" 2>/dev/null && pwd || echo /nonexistent)
LINE=$REAL/servilleta_lomablanca_053018_H1_shots001-120.su
SUDIR=$(cd "$BATS_TEST_DIRNAME/../../../shared/tools/su" 2>/dev/null && pwd || echo /nonexistent)

setup_file() {
	# The real line as little-endian SU (the byte order of this SU build),
	# once for the file, and its first 24 records (1,536 traces).
	if [ -f "$LINE" ]; then
		segmerge --endian little "$LINE" -o "$BATS_FILE_TMPDIR/line.su"
		head -c $((1536 * (240 + 1999 * 4))) "$BATS_FILE_TMPDIR/line.su" >"$BATS_FILE_TMPDIR/line24.su"
	fi
}

setup() {
	T=$BATS_TEST_TMPDIR
	L=$BATS_FILE_TMPDIR/line.su
	L24=$BATS_FILE_TMPDIR/line24.su
}

# Seismic Unix on PATH, or skip saying why.
need_su() {
	[ -x "$SUDIR/bin/sushw" ] || skip "Seismic Unix is absent ($SUDIR): no cross-check"
	export CWPROOT=$SUDIR PATH=$PATH:$SUDIR/bin
}

line_le() {
	[ -f "$LINE" ] || skip "the real shot line is absent ($LINE)"
}

# run_block: runs the "$ " commands of a documentation block (stdin) in the
# current directory, continuation lines joined; the lines after a command
# are its expected output (stdout and stderr); a command with none must
# succeed.
run_block() {
	local cmd="" want="" line have
	flush() {
		[ -n "$cmd" ] || return 0
		if [ -n "$want" ]; then
			have=$(sh -c "$cmd" 2>&1) || true
			[ "$have" = "${want%$'\n'}" ] || { printf 'command: %s\nwant: %s\nhave: %s\n' "$cmd" "$want" "$have"; return 1; }
		else
			sh -c "$cmd" || { echo "failed: $cmd"; return 1; }
		fi
		cmd="" want=""
	}
	while IFS= read -r line; do
		if [ "${line#\$ }" != "$line" ]; then
			flush || return 1
			cmd=${line#\$ }
			while [ "${cmd%\\}" != "$cmd" ] && IFS= read -r line; do
				cmd="$cmd"$'\n'"$line"
			done
		elif [ -n "$cmd" ]; then
			want="$want$line"$'\n'
		fi
	done
	flush
}

@test "segedit --help prints usage on stdout and exits 0" {
	run -0 --separate-stderr segedit --help
	[[ "${lines[0]}" == "usage: segedit "* ]]
	[ -z "$stderr" ]
}

@test "segedit: a bad option and bad option values are usage errors" {
	run -2 --separate-stderr segedit -Q "$DATA/small.sgy"
	[ "$stderr" = "segedit: unknown option '-Q'; try --help" ]
	run -2 --separate-stderr segedit --time 0.5:0.1 "$DATA/small.sgy"
	[ "$stderr" = "segedit: invalid --time '0.5:0.1' (expected T0:T1 in seconds, T0 <= T1)" ]
	run -2 --separate-stderr segedit --time 0.5 "$DATA/small.sgy"
	[ "$stderr" = "segedit: invalid --time '0.5' (expected T0:T1 in seconds, T0 <= T1)" ]
	run -2 --separate-stderr segedit --scale x "$DATA/small.sgy"
	[ "$stderr" = "segedit: invalid --scale 'x' (expected a number)" ]
	run -2 --separate-stderr segedit --table "$T/t.tsv" "$DATA/small.sgy"
	[ "$stderr" = "segedit: --table needs --by KEYS; try --help" ]
	run -2 --separate-stderr segedit --missing keep "$DATA/small.sgy"
	[ "$stderr" = "segedit: --missing needs --table; try --help" ]
	run -2 --separate-stderr segedit --table "$T/t.tsv" --by cdp --missing maybe "$DATA/small.sgy"
	[ "$stderr" = "segedit: invalid --missing 'maybe' (error, keep or drop)" ]
	# name=value with no such option: an assignment to an unknown key.
	run -2 --separate-stderr segedit bogus=3 "$DATA/small.sgy"
	[ "$stderr" = "segedit: column 1: unknown header key 'bogus'
  bogus=3
  ^" ]
}

@test "segedit: a missing file" {
	run -1 --separate-stderr segedit 'cdp = 1' "$T/none.sgy"
	[ "$stderr" = "segedit: $T/none.sgy: No such file or directory" ]
	run -1 --separate-stderr segedit --table "$T/none.tsv" --by cdp "$DATA/small.sgy"
	[ "$stderr" = "segedit: $T/none.tsv: No such file or directory" ]
}

@test "segedit: every long option in --help is in the man page" {
	check_help_in_man segedit
}

@test "segedit: key=value operands equal the long options; name=expr operands are assignments" {
	segedit --where 'xline > 21' --to su --scale 2 'cdp=xline*2' "$DATA/small.sgy" -o "$T/a.su"
	segedit where='xline > 21' to=su scale=2 cdp=xline*2 "$DATA/small.sgy" output="$T/b.su"
	cmp "$T/a.su" "$T/b.su"
	segedit 'cdp = xline * 2' "$DATA/small.sgy" | seginfo -k cdp,xline | awk '$1 != 2 * $2 { exit 1 }'
}

@test "segedit: a header edit copies everything else byte for byte, from a file or a pipe" {
	# small.sgy: IBM big-endian; small-lsb: little-endian; f3: int16;
	# rev 2 with extra headers; SU; sgk.
	for f in small.sgy small-lsb.sgy f3.sgy rotated-small-rev2.sgy trace-header-extension1.sgy small.su \
		 small-lsb.su long.sgy; do
		segedit 'tracl = tracl' "$DATA/$f" | cmp - "$DATA/$f"
		segedit 'tracl = tracl' <"$DATA/$f" | cmp - "$DATA/$f"
	done
	segmerge --to sgk "$DATA/f3.sgy" -o "$T/f3.sgk"
	segedit 'cdp = cdp' "$T/f3.sgk" | cmp - <(segmerge "$T/f3.sgk")
	# Only the edited bytes change: cdp (21-24) of every trace.
	segedit 'cdp = cdp + 1000' "$DATA/f3.sgy" -o "$T/f3e.sgy"
	cmp -l "$DATA/f3.sgy" "$T/f3e.sgy" | awk '{ b = ($1 - 3601) % 390; if (b < 20 || b > 23) exit 1 }'
	diff <(seginfo -k cdp "$DATA/f3.sgy" | awk '{ print $1 + 1000 }') <(seginfo -k cdp "$T/f3e.sgy")
}

@test "segedit: @BYTE keys outside the key table are in the file's byte order, little-endian too" {
	local f o
	# Bytes 233-238 of a SEG-Y header are unassigned: no header swap
	# reorders them, so little-endian files hold them little-endian.
	for o in "" "--scale 2"; do
		# shellcheck disable=SC2086
		segedit $o '@233:i4 = 123456 + i' '@237:i2 = -2' "$DATA/small-lsb.sgy" -o "$T/le.sgy"
		[ "$(od -An -tx1 -j $((3600 + 232)) -N 6 "$T/le.sgy")" = " 40 e2 01 00 fe ff" ]
		[ "$(od -An -tx1 -j $((3600 + 240 + 200 + 232)) -N 4 "$T/le.sgy")" = " 41 e2 01 00" ]
		# shellcheck disable=SC2086
		segedit $o '@233:i4 = 123456 + i' '@237:i2 = -2' "$DATA/small.sgy" -o "$T/be.sgy"
		[ "$(od -An -tx1 -j $((3600 + 232)) -N 6 "$T/be.sgy")" = " 00 01 e2 40 ff fe" ]
	done
	# Read back as written, in --where, in expressions and by seginfo -k.
	run -0 --separate-stderr sh -c "segedit --where '@233:i4 == 123457 && @237:i2 == -2' '$T/le.sgy' | seginfo -k @233:i4,@237:i2"
	[ "$output" = $'123457\t-2' ]
	diff <(seginfo -k @233:i4 "$T/le.sgy") <(seq 123456 123480)
	segedit '@233:i4 = @233:i4 * 2 + @237:i2' "$T/le.sgy" -o "$T/le2.sgy"
	[ "$(od -An -tx1 -j $((3600 + 232)) -N 4 "$T/le2.sgy")" = " 7e c4 03 00" ]
	# An @BYTE key on a field of the table is that field.
	segedit '@21:i4 = 7' "$DATA/small-lsb.sgy" | seginfo -k cdp | sort -u | diff - <(echo 7)
}

@test "segedit: assignments run left to right, each seeing the ones before; i counts traces from 0" {
	segedit 'cdp = 5' 'offset = cdp * 2' 'tracl = i + 1' 'cdp = cdp + offset' "$DATA/f3.sgy" -o "$T/o.sgy"
	diff <(seginfo -k cdp,offset,tracl "$T/o.sgy") <(seq 414 | awk '{ print 15 "\t" 10 "\t" $1 }')
	# i runs on over several inputs.
	segedit 'tracr = i' "$DATA/small.sgy" "$DATA/small.sgy" | seginfo -k tracr | diff - <(seq 0 49)
}

@test "segedit: coordinates are read and written in metres, with an exact scalar" {
	# f3: scalco -10; sx 620197.2 ...
	segedit 'gx = sx + 12.25' 'sy = sy' "$DATA/f3.sgy" -o "$T/g.sgy"
	diff <(seginfo -k sx,gx,sy "$T/g.sgy") <(seginfo -k sx,sy "$DATA/f3.sgy" | awk '{ printf "%s\t%.2f\t%s\n", $1, $1 + 12.25, $2 }')
	seginfo -k scalco "$T/g.sgy" | sort -u | diff - <(echo -100)
	# An integer value keeps the header's scalar.
	segedit 'gx = 100' "$DATA/f3.sgy" | seginfo -k scalco,gx | sort -u | diff - <(printf -- '-10\t100\n')
	# @BYTE:TYPE is raw: gx's raw integer, 10 x metres here.
	segedit '@81:i4 = 1001' "$DATA/f3.sgy" | seginfo -k gx | sort -u | diff - <(echo 100.1)
	# A key sharing the scalar that forces a coarse one (a leftover cdpx) is
	# named, rather than the value rounded silently; set it first and it works.
	segedit 'cdpx = 2000000000' "$DATA/small.sgy" -o "$T/big.sgy"
	run -1 --separate-stderr segedit 'gx = 0.5' "$T/big.sgy" -o "$T/c.sgy"
	[ "$stderr" = "segedit: $T/big.sgy: trace 1: gx = 0.5 would be written as 1: the scalar at byte 71 is shared with cdpx = 2000000000, which needs 1; set cdpx first in 'gx = 0.5'" ]
	[ ! -e "$T/c.sgy" ]
	segedit 'cdpx = 0' 'gx = 0.5' "$T/big.sgy" | seginfo -k gx,scalco | sort -u | diff - <(printf -- '0.5\t-10\n')
}

@test "segedit --where keeps the traces for which the expression holds" {
	segedit --where 'iline % 2 == 0 && xline >= 880 || i == 0' "$DATA/f3.sgy" -o "$T/w.sgy"
	diff <(seginfo -k iline,xline "$T/w.sgy") \
	     <(seginfo -k iline,xline "$DATA/f3.sgy" | awk '($1 % 2 == 0 && $2 >= 880) || NR == 1')
	# The where sees the edits.
	segedit 'cdp = iline * 1000 + xline' --where 'cdp < 112000' "$DATA/f3.sgy" | seginfo -k iline | sort -u | diff - <(echo 111)
	# Nothing kept: exit 1 and nothing written, to a file, a pipe or a
	# terminal's stand-in (a SEG-Y or SU file of no traces is one that no
	# reader takes: seginfo says so below).
	run -1 --separate-stderr segedit --where '0' --to su "$DATA/f3.sgy" -o "$T/none.su"
	[ "$stderr" = "segedit: no trace kept: of the 414 read, none satisfies --where '0'; nothing written" ]
	[ ! -e "$T/none.su" ]
	run -1 --separate-stderr bash -c "set -o pipefail; segedit --where 'cdp > 1e9' '$DATA/f3.sgy' | wc -c"
	[ "$output" = 0 ]
	[ "$stderr" = "segedit: no trace kept: of the 414 read, none satisfies --where 'cdp > 1e9'; nothing written" ]
	printf 'iline\txline\tcdp\n1\t1\t1\n' >"$T/none.tsv"
	run -1 --separate-stderr segedit -T "$T/none.tsv" -b iline,xline -m drop "$DATA/f3.sgy" -o "$T/none.sgy"
	[ "$stderr" = "segedit: no trace kept: of the 414 read, none has a table row (--missing drop); nothing written" ]
	run -1 --separate-stderr segedit -T "$T/none.tsv" -b iline,xline -m drop -w 'cdp > 0' "$DATA/f3.sgy" -o "$T/none.sgy"
	[ "$stderr" = "segedit: no trace kept: of the 414 read, none satisfies --where 'cdp > 0' and has a table row (--missing drop); nothing written" ]
	[ ! -e "$T/none.sgy" ]
	# sgk holds a stream of no traces: written, and read as one.
	segedit --where '0' --to sgk "$DATA/f3.sgy" -o "$T/none.sgk"
	seginfo "$T/none.sgk" | grep -qx "  traces:  0, 240-byte headers"
	# What segedit would have written, made by hand: refused.
	head -c 3600 "$DATA/f3.sgy" >"$T/hdr.sgy"
	run -1 --separate-stderr seginfo "$T/hdr.sgy"
	[ "$stderr" = "seginfo: $T/hdr.sgy: no traces: the file ends at byte 3600, after its headers" ]
}

@test "segedit --time cuts a window; ns and delrt follow; --scale multiplies" {
	# f3: dt 4 ms, delrt 4, ns 75: 0.1-0.2 s are samples 24-49.
	segedit --time 0.1:0.2 --to su --endian little "$DATA/f3.sgy" -o "$T/w.su"
	seginfo -k ns,delrt "$T/w.su" | sort -u | diff - <(printf '26\t100\n')
	segmerge --to su --endian little "$DATA/f3.sgy" -o "$T/f3.su"
	for k in 0 1 413; do
		cmp <(tail -c +$((k * 540 + 241 + 24 * 4)) "$T/f3.su" | head -c 104) \
		    <(tail -c +$((k * 344 + 241)) "$T/w.su" | head -c 104)
	done
	segedit --scale -1 "$T/f3.su" -o "$T/neg.su"
	# Negation flips the sign bit of every non-zero float, nothing else.
	cmp -l "$T/f3.su" "$T/neg.su" | awk '{ b = ($1 - 1) % 540; if (b < 240 || b % 4 != 3) exit 1 }'
}

@test "segedit --table sets the columns of each trace's row" {
	printf 'iline\txline\tcdpx\tcdpy\n' >"$T/t.tsv"
	seginfo -k iline,xline "$DATA/f3.sgy" | awk '{ printf "%s\t%s\t%s\t%s\n", $1, $2, $1 * 100 + 0.5, -$2 }' >>"$T/t.tsv"
	segedit --table "$T/t.tsv" --by iline,xline "$DATA/f3.sgy" -o "$T/t.sgy"
	diff <(seginfo -k iline,xline,cdpx,cdpy "$T/t.sgy") <(tail -n +2 "$T/t.tsv")
	# A row missing: an error naming the trace, or kept, or dropped.
	sed -i '3d' "$T/t.tsv"
	run -1 --separate-stderr segedit -T "$T/t.tsv" -b iline,xline "$DATA/f3.sgy" -o "$T/x.sgy"
	[ "$stderr" = "segedit: $T/t.tsv: no row for trace 2 (iline 111, xline 876)" ]
	segedit -T "$T/t.tsv" -b iline,xline -m drop "$DATA/f3.sgy" | seginfo -k xline | head -2 | diff - <(printf '875\n877\n')
	segedit -T "$T/t.tsv" -b iline,xline -m keep "$DATA/f3.sgy" | seginfo -k cdpx | sed -n 2p |
		diff - <(seginfo -k cdpx "$DATA/f3.sgy" | sed -n 2p)
}

@test "segedit: the error table: exact messages, exit status, nothing written with -o" {
	mkdir "$T/out"
	f=$DATA/f3.sgy
	err() {  # err STATUS MESSAGE ARGS...
		local st=$1 msg=$2
		shift 2
		run --separate-stderr segedit "$@" -o "$T/out/x.sgy"
		[ "$status" -eq "$st" ] || { echo "status $status for $*: $stderr"; return 1; }
		[ "$stderr" = "$msg" ] || { printf 'want: %s\nhave: %s\n' "$msg" "$stderr"; return 1; }
		[ -z "$(ls -A "$T/out")" ]
	}
	err 2 "segedit: column 15: expected a number, a key, a function or '(' but found '*'
  offset = gx - * sx
                ^" 'offset = gx - * sx' "$f"
	err 2 "segedit: --where: column 9: expected ')' to close the '(' at column 1 but found the end
  (cdp > 3
          ^" --where '(cdp > 3' "$f"
	err 2 "segedit: column 10: unknown header key 'ofset'
  offset = ofset + 1
           ^" 'offset = ofset + 1' "$f"
	err 2 "segedit: column 1: unknown header key 'ofset'
  ofset = 1
  ^" 'ofset = 1' "$f"
	err 2 "segedit: $f: 'ns = 10': ns is the stream's samples per trace (--time changes it)" 'ns = 10' "$f"
	err 2 "segedit: $f: 'cdp = @241:i4' reaches byte 244, beyond the 240-byte trace headers" 'cdp = @241:i4' "$f"
	err 1 "segedit: $f: trace 18: division by zero at column 14 in 'cdp = 0 * (1 / (xline - 892))'" \
		'cdp = 0 * (1 / (xline - 892))' "$f"
	err 1 "segedit: $f: trace 4: division by zero at column 7 in --where 'xline % (xline - 878)'" \
		--where 'xline % (xline - 878)' "$f"
	err 1 "segedit: $f: trace 1: trid = 56875 is out of range (trid is i2) in 'trid = xline * 65'" \
		'trid = xline * 65' "$f"
	err 1 "segedit: $f: trace 1: cdp = 437.5 is not an integer (cdp is i4) in 'cdp = xline / 2'" 'cdp = xline / 2' "$f"
	printf 'iline\txline\tcdp\n111\t875\t1\n111\t876\t2\n111\t875\t3\n' >"$T/dup.tsv"
	err 1 "segedit: $T/dup.tsv: line 4: the same iline 111, xline 875 as line 2" -T "$T/dup.tsv" -b iline,xline "$f"
	printf 'iline\txline\tcdp\n111\t875\t1\n' >"$T/one.tsv"
	err 1 "segedit: $T/one.tsv: no row for trace 2 (iline 111, xline 876)" -T "$T/one.tsv" -b iline,xline "$f"
	printf 'iline\tcdp\n111\tx\n' >"$T/nan.tsv"
	err 1 "segedit: $T/nan.tsv: line 2, column 2: 'x' is not a number" -T "$T/nan.tsv" -b iline "$f"
	printf 'iline\tcdq\n' >"$T/key.tsv"
	err 2 "segedit: $T/key.tsv: line 1, column 2: unknown header key 'cdq'" -T "$T/key.tsv" -b iline "$f"
	# Bytes 181-240 by the stream's meaning: SEG-Y rev 1 fields, or SU's own.
	err 2 "segedit: $f: d1 in 'd1 = 0.004': SEG-Y streams and sgk made from SEG-Y hold cdpx cdpy iline xline ... at bytes 181-240, not d1" \
		'd1 = 0.004' "$f"
	segmerge --to su "$f" -o "$T/f3.su"
	err 2 "segedit: $T/f3.su: iline in --where 'iline > 3': SU streams and sgk made from SU hold d1 f1 d2 f2 ungpow unscale ntr mark at bytes 181-240, not iline" \
		--where 'iline > 3' "$T/f3.su"
	err 1 "segedit: $f: trace 1: the window 0.2-0.4 s is outside the trace (0.004-0.3 s, ns 75)" --time 0.2:0.4 "$f"
	err 1 "segedit: $f: trace 1: the window 0-0.1 s is outside the trace (0.004-0.3 s, ns 75)" --time 0:0.1 "$f"
}

@test "segedit: pipes, formats and several inputs" {
	cat "$DATA/f3.sgy" | segedit 'cdp = i' --to sgk --zstd | segedit --where 'cdp < 10' --to su | segedit --to segy --format ieee -o "$T/p.sgy"
	seginfo -k cdp "$T/p.sgy" | diff - <(seq 0 9)
	# Conversions on the way are segmerge's, byte for byte.
	for o in "--to su" "--zstd" "--format ieee --endian little" "--to su --endian big"; do
		segedit $o "$DATA/f3.sgy" | cmp - <(segmerge $o "$DATA/f3.sgy")
	done
	run -1 --separate-stderr segedit "$DATA/small.sgy" "$DATA/tiny.sgy"
	[ "$stderr" = "segedit: $DATA/tiny.sgy: ns=4 differs from $DATA/small.sgy's ns=50" ]
}

@test "segedit against sushw and suchw on the real shot line: identical bytes" {
	need_su
	line_le
	sushw key=scalco,sx,gx a=-10,0,5 b=0,0,10 c=0,10,0 j=1,128,64 <"$L" >"$T/su.su"
	segedit 'sx = floor((fldr - 1) / 2)' 'gx = tracf - 0.5' "$L" -o "$T/ed.su"
	cmp "$T/su.su" "$T/ed.su"
	# suchw's arithmetic is on raw values: offset in decimetres here.
	suchw key1=cdp key2=gx key3=sx a=5 b=1 c=1 d=10 <"$T/su.su" | suchw key1=offset key2=gx key3=sx b=1 c=-1 >"$T/su2.su"
	segedit 'cdp = round(sx + gx)' 'offset = (gx - sx) * 10' "$T/ed.su" -o "$T/ed2.su"
	cmp "$T/su2.su" "$T/ed2.su"
	# The values are what the field notes say, by sugethw.
	sugethw key=fldr,tracf,sx,gx,offset,cdp output=geom <"$T/ed2.su" | sed -n '1p;7680p' | awk -v OFS='\t' '{ $1 = $1; print }' |
		diff - <(printf '1\t1\t0\t5\t5\t1\n120\t64\t590\t635\t45\t123\n')
}

@test "segedit --where and --time against suwind on the real shot line: identical bytes" {
	need_su
	line_le
	suwind key=tracf min=3 max=60 <"$L24" >"$T/su.su"
	segedit --where 'tracf >= 3 && tracf <= 60' "$L24" -o "$T/ed.su"
	cmp "$T/su.su" "$T/ed.su"
	suwind key=fldr min=17 max=40 <"$L24" >"$T/su.su"
	segedit --where 'fldr >= 17 && fldr <= 40' "$L24" -o "$T/ed.su"
	cmp "$T/su.su" "$T/ed.su"
	# delrt is -11 ms: windows start and end on samples 111 and 511, ...
	for w in 0.1:0.5 0.2504:0.7497 -0.011:1.987 0:0; do
		suwind tmin=${w%:*} tmax=${w#*:} <"$L24" >"$T/su.su"
		segedit --time "$w" "$L24" -o "$T/ed.su"
		cmp "$T/su.su" "$T/ed.su"
	done
	sugain scale=-2.5 <"$L24" >"$T/su.su"
	segedit --scale -2.5 "$L24" -o "$T/ed.su"
	cmp "$T/su.su" "$T/ed.su"
}

@test "segedit against sushw and suwind on SU conversions of ../shared/data/segy files" {
	need_su
	for f in f3.sgy small.sgy shot-gather.sgy small-ps.sgy; do
		segmerge --to su --endian little "$DATA/$f" -o "$T/in.su"
		sushw key=cdp,tracl a=1000,0 b=2,1 <"$T/in.su" >"$T/su.su"
		segedit 'cdp = 1000 + 2 * i' 'tracl = i' "$T/in.su" -o "$T/ed.su"
		cmp "$T/su.su" "$T/ed.su"
		n=$(seginfo -k tracl "$T/in.su" | wc -l)
		suwind key=tracl min=0 max=$((n / 2)) <"$T/ed.su" >"$T/su.su"
		segedit --where "tracl <= $((n / 2))" "$T/ed.su" -o "$T/ed2.su"
		cmp "$T/su.su" "$T/ed2.su"
		ns=$(seginfo -k ns "$T/in.su" | head -1)
		dt=$(seginfo -k dt "$T/in.su" | head -1)
		d0=$(seginfo -k delrt "$T/in.su" | head -1)
		t0=$(awk -v d="$d0" -v dt="$dt" 'BEGIN { print d / 1000 + 2 * dt / 1e6 }')
		t1=$(awk -v d="$d0" -v dt="$dt" -v n="$ns" 'BEGIN { print d / 1000 + (n - 3) * dt / 1e6 }')
		suwind tmin="$t0" tmax="$t1" <"$T/in.su" >"$T/su.su"
		segedit --time "$t0:$t1" "$T/in.su" -o "$T/ed.su"
		cmp "$T/su.su" "$T/ed.su"
	done
}

@test "segedit: the man page's examples run as written" {
	[ -f "$LINE" ] || skip "the real shot line is absent ($LINE)"
	cd "$T"
	ln -s "$LINE" line.su
	awk '/^\.Sh EXAMPLES/ { on = 1 } /^\.Sh SEE ALSO/ { on = 0 } on && /^\.Bd -literal/ { b = 1; next }
	     /^\.Ed/ { b = 0 } on && b' "$BATS_TEST_DIRNAME/../../man/segedit.1" | sed 's/\\e/\\/g' >examples.txt
	[ "$(grep -c '^\$ ' examples.txt)" -eq 5 ]
	run_block <examples.txt
	# What they made: the geometry, one table row, the odd records.
	seginfo -k fldr,tracf,sx,gx,offset,cdp geom.su | sed -n '1p;130p' | diff - <(printf '1\t1\t0\t0.5\t1\t1\n3\t2\t1\t1.5\t1\t3\n')
	seginfo -k fldr,tracf,sx,gx one.su | diff - <(printf '1\t1\t0\t0.5\n')
	seginfo odd.sgy | sed -n 2,3p | diff - <(printf '  samples: format 5 (ieee), ns 1001, dt 1000\n  traces:  3600, 240-byte headers\n')
}

@test "segedit: the README's example runs as written" {
	[ -f "$LINE" ] || skip "the real shot line is absent ($LINE)"
	cd "$T"
	ln -s "$LINE" line.su
	awk '/^### segedit/ { on = 1; next } /^### / { on = 0 } on && /^```/ { b = !b; next } on && b' \
		"$BATS_TEST_DIRNAME/../../README.md" >readme.txt
	[ "$(grep -c '^\$ ' readme.txt)" -eq 6 ]
	run_block <readme.txt
}

@test "segedit: SU and SEG-Y inputs mixed, each read as its own kind (as segmerge merges them)" {
	T=$BATS_TEST_TMPDIR
	segsynth --line 2,100,4,25,1000 --nt 50 --vel 2000 -R 0.1 -o "$T/a0.sgy"
	segedit 'cdpx = 1000 + i' 'iline = 7' "$T/a0.sgy" -o "$T/a.sgy"
	segsynth --line 1,100,3,25,1500 --nt 50 --vel 2000 -R 0.1 --to su -o "$T/b0.su"
	segedit 'd1 = 0.004' 'f1 = 0.5' "$T/b0.su" -o "$T/b.su"
	# SU's d1 and f1 never become cdpx and cdpy, nor a's cdpx SU's d1.
	segedit 'cdp = 5' "$T/a.sgy" "$T/b.su" -o "$T/e.sgy"
	segmerge "$T/a.sgy" "$T/b.su" | segedit 'cdp = 5' | cmp - "$T/e.sgy"
	segedit 'cdp = 5' "$T/b.su" "$T/a.sgy" -o "$T/e.su"
	cat <(segedit 'cdp = 5' "$T/b.su") <(segmerge --to su "$T/a.sgy" | segedit 'cdp = 5') | cmp - "$T/e.su"
	run -0 seginfo -k cdp,cdpx,iline "$T/e.sgy"
	[ "${lines[0]}" = "$(printf '5\t1000\t7')" ] && [ "${lines[8]}" = "$(printf '5\t0\t0')" ]
	# A key of bytes 181-240 names a field of one kind only: refused for an
	# input of the other kind, naming it; nothing written.
	run -2 --separate-stderr segedit 'iline = 3' "$T/a.sgy" "$T/b.su" -o "$T/x.sgy"
	[ "$stderr" = "segedit: $T/b.su: iline in 'iline = 3': SU streams and sgk made from SU hold d1 f1 d2 f2 ungpow unscale ntr mark at bytes 181-240, not iline" ]
	run -2 --separate-stderr segedit 'd1 = 3' "$T/b.su" "$T/a.sgy" -o "$T/x.sgy"
	[ "$stderr" = "segedit: $T/a.sgy: d1 in 'd1 = 3': SEG-Y streams and sgk made from SEG-Y hold cdpx cdpy iline xline ... at bytes 181-240, not d1" ]
	[ ! -e "$T/x.sgy" ]
}

@test "segedit: into a file, written behind in 4 MiB buffers by a second thread, the bytes of a pipe (segkit(7); its failures: interrupt.bats)" {
	T=$BATS_TEST_TMPDIR
	# 16 MB of SEG-Y with IBM samples: three full buffers, edited raw, and
	# decoded (--scale), to SEG-Y and to SU.
	segsynth --line 40,25,96,12.5 --nt 1001 -R 0.5 -N 2 -s 1 --format ibm -o "$T/in.sgy"
	for opts in "cdp=cdp+1" "cdp=cdp+1 --scale 2" "cdp=cdp+1 --to su --endian little"; do
		segedit $opts "$T/in.sgy" -o "$T/f.out"
		segedit $opts "$T/in.sgy" | cat >"$T/p.out"
		[ "$(stat -c %s "$T/f.out")" -gt $((12 << 20)) ]
		cmp "$T/f.out" "$T/p.out"
		segedit $opts "$T/in.sgy" >"$T/s.out"
		cmp "$T/s.out" "$T/p.out"
	done
	# The helper thread is there once segedit has written a buffer into a
	# regular file (a raw edit: no read-ahead thread).
	mkfifo "$T/fifo"
	(head -c 9000000 "$T/in.sgy" && exec sleep 60) >"$T/fifo" &
	w=$!
	segedit cdp=cdp+1 -o "$T/x.sgy" <"$T/fifo" &
	p=$!
	for k in $(seq 6000); do
		n=$(awk '$1 == "wchar:" { print $2 }' "/proc/$p/io" 2>/dev/null || echo 0)
		[ "${n:-0}" -ge $((1 << 20)) ] && break
		sleep 0.01
	done
	threads=$(ls "/proc/$p/task" | wc -l)
	kill "$p" "$w"
	wait "$p" "$w" 2>/dev/null || true
	echo "segedit wrote ${n:-0} bytes, $threads threads"
	[ "$threads" -eq 2 ]
	[ ! -e "$T/x.sgy" ]
}
