#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
load helpers

@test "segmerge --help prints usage on stdout and exits 0" {
	run -0 --separate-stderr segmerge --help
	[[ "${lines[0]}" == "usage: segmerge "* ]]
}

@test "segmerge: a bad option is a usage error" {
	run -2 --separate-stderr segmerge -Q
	[ "$stderr" = "segmerge: unknown option '-Q'; try --help" ]
}

@test "segmerge: bad option values are usage errors" {
	run -2 --separate-stderr segmerge --to rsf "$DATA/small.sgy"
	[ "$stderr" = "segmerge: unknown format 'rsf' (segy, su or sgk)" ]
	run -2 --separate-stderr segmerge --zstd=25 "$DATA/small.sgy"
	[ "$stderr" = "segmerge: invalid zstd level '25' (1-19)" ]
	run -2 --separate-stderr segmerge --format 4 "$DATA/small.sgy"
	[[ "$stderr" == "segmerge: invalid sample format '4' (1 ibm,"* ]]
	run -2 --separate-stderr segmerge --to su --format 1 "$DATA/small.sgy"
	[ "$stderr" = "segmerge: SU holds float samples only (format 5, not 1)" ]
}

@test "segmerge: a missing file" {
	run -1 --separate-stderr segmerge "$BATS_TEST_TMPDIR/none.sgy"
	[ "$stderr" = "segmerge: $BATS_TEST_TMPDIR/none.sgy: No such file or directory" ]
}

@test "segmerge: every long option in --help is in the man page" {
	check_help_in_man segmerge
}

@test "segmerge: key=value operands equal the long options" {
	segmerge --to sgk --zstd=5 "$DATA/small.sgy" -o "$BATS_TEST_TMPDIR/a.sgk"
	segmerge to=sgk zstd=5 "$DATA/small.sgy" output="$BATS_TEST_TMPDIR/b.sgk"
	cmp "$BATS_TEST_TMPDIR/a.sgk" "$BATS_TEST_TMPDIR/b.sgk"
}

@test "segmerge concatenates inputs in order" {
	segmerge "$DATA/small.sgy" "$DATA/small.sgy" -o "$BATS_TEST_TMPDIR/two.sgy"
	run -0 seginfo -k tracl,iline,xline "$BATS_TEST_TMPDIR/two.sgy"
	[ "${#lines[@]}" -eq 50 ]
	diff <(seginfo -N -k iline,xline "$DATA/small.sgy" "$DATA/small.sgy") <(seginfo -k iline,xline "$BATS_TEST_TMPDIR/two.sgy")
	# The data of the second half is the data of the file.
	tail -c $((25 * 440)) "$BATS_TEST_TMPDIR/two.sgy" | cmp - <(tail -c $((25 * 440)) "$DATA/small.sgy")
}

@test "segmerge refuses inputs whose ns differ, naming both files and values" {
	mkdir "$BATS_TEST_TMPDIR/out"
	run -1 --separate-stderr segmerge "$DATA/small.sgy" "$DATA/tiny.sgy" -o "$BATS_TEST_TMPDIR/out/x.sgy"
	[ "$stderr" = "segmerge: $DATA/tiny.sgy: ns=4 differs from $DATA/small.sgy's ns=50" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/out")" ]
}

@test "segmerge refuses inputs whose dt or header length differ" {
	run -1 --separate-stderr segmerge "$DATA/tiny.sgy" "$DATA/trace-header-extension1.sgy"
	[ "$stderr" = "segmerge: $DATA/trace-header-extension1.sgy: trace header length 480 differs from $DATA/tiny.sgy's 240" ]
	segmerge --to su "$DATA/tiny.sgy" -o "$BATS_TEST_TMPDIR/t.su"
	run -1 --separate-stderr segmerge "$DATA/tiny.sgy" "$DATA/interval-pos-bin-neg-trace.sgy"
	[ "$stderr" = "segmerge: $DATA/interval-pos-bin-neg-trace.sgy: ns=1 differs from $DATA/tiny.sgy's ns=4" ]
}

@test "segmerge: SEG-Y to sgk and back is byte-identical, also compressed and through pipes" {
	for f in small.sgy small-lsb.sgy f3.sgy long.sgy multi-text.sgy rotated-small-rev2.sgy; do
		segmerge --to sgk "$DATA/$f" | segmerge --to segy | cmp - "$DATA/$f"
		segmerge --zstd=9 "$DATA/$f" | segmerge --to segy | cmp - "$DATA/$f"
	done
}

@test "segmerge: a truncated trace fails with exit 1 and leaves no output" {
	mkdir "$BATS_TEST_TMPDIR/out"
	run -1 --separate-stderr segmerge --to sgk "$DATA/broken.sgy" -o "$BATS_TEST_TMPDIR/out/b.sgk"
	[ "$stderr" = "segmerge: $DATA/broken.sgy: trace 4 (from byte 10769) is truncated: 68 of 256 bytes" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/out")" ]
}

@test "segmerge: a directory, an empty file and a text file" {
	run -1 --separate-stderr segmerge "$BATS_TEST_TMPDIR"
	[ "$stderr" = "segmerge: $BATS_TEST_TMPDIR: Is a directory" ]
	: > "$BATS_TEST_TMPDIR/empty"
	run -1 --separate-stderr segmerge "$BATS_TEST_TMPDIR/empty"
	[ "$stderr" = "segmerge: $BATS_TEST_TMPDIR/empty: empty file" ]
	printf 'just some text\n' > "$BATS_TEST_TMPDIR/t.txt"
	run -1 --separate-stderr segmerge "$BATS_TEST_TMPDIR/t.txt"
	[ "$stderr" = "segmerge: $BATS_TEST_TMPDIR/t.txt: not a SEG-Y, SU or sgk file: 15 bytes, shorter than a 3600-byte SEG-Y header, and no SU trace fits" ]
}

@test "segmerge and segedit: an sgk stream is of the kind it was made from (its origin), SU or SEG-Y" {
	T=$BATS_TEST_TMPDIR
	segsynth --line 2,100,4,25,1000 --nt 50 --vel 2000 -R 0.1 -o "$T/a0.sgy"
	segedit 'cdpx = 1000 + i' 'iline = 7' "$T/a0.sgy" -o "$T/a.sgy"
	segsynth --line 1,100,3,25,1500 --nt 50 --vel 2000 -R 0.1 --to su -o "$T/b0.su"
	segedit 'd1 = 0.004' 'f1 = 0.5' "$T/b0.su" -o "$T/b.su"
	segmerge --to sgk "$T/b.su" -o "$T/b.sgk"
	segmerge --to sgk "$T/a.sgy" -o "$T/a.sgk"
	# The sgk made from SU holds SU's d1 and f1 (its origin, at offset 36 of the
	# stream header, is 2: SU) ...
	[ "$(od -An -tu1 -j36 -N1 "$T/b.sgk" | tr -d ' ')" = 2 ]
	run -0 seginfo -k d1,f1 "$T/b.sgk"
	[ "${lines[0]}" = "$(printf '0.00400000019	0.5')" ]
	# ... so it merges with SEG-Y as the SU file does, and the sgk made from
	# SEG-Y as the SEG-Y file does, byte for byte.
	segmerge "$T/a.sgy" "$T/b.su" -o "$T/m.sgy"
	segmerge "$T/a.sgy" "$T/b.sgk" | cmp - "$T/m.sgy"
	segmerge "$T/a.sgk" "$T/b.su" --to segy | cmp - "$T/m.sgy"
	segmerge "$T/b.su" "$T/a.sgy" -o "$T/m.su"
	segmerge "$T/b.sgk" "$T/a.sgk" --to su | cmp - "$T/m.su"
	# An sgk output is of the first input's kind: SU's fields kept from b,
	# a's rev 1 fields cleared.
	segmerge "$T/b.su" "$T/a.sgy" --to sgk -o "$T/m.sgk"
	[ "$(od -An -tu1 -j36 -N1 "$T/m.sgk" | tr -d ' ')" = 2 ]
	segmerge "$T/m.sgk" --to su | cmp - "$T/m.su"
	# Keys of bytes 181-240 and segedit's keys follow the kind, naming the file.
	run -1 --separate-stderr segmerge --key iline "$T/a.sgk" "$T/b.sgk" -o "$T/k.sgk"
	[ "$stderr" = "segmerge: $T/b.sgk: byte 189 (iline) holds one of SU's fields in this stream but a SEG-Y rev 1 field in $T/a.sgk: merge by keys outside bytes 181-240" ]
	[ ! -e "$T/k.sgk" ]
	run -2 --separate-stderr segedit 'iline = 3' "$T/a.sgk" "$T/b.sgk" -o "$T/x.sgk"
	[ "$stderr" = "segedit: $T/b.sgk: iline in 'iline = 3': SU streams and sgk made from SU hold d1 f1 d2 f2 ungpow unscale ntr mark at bytes 181-240, not iline" ]
	run -2 --separate-stderr segedit 'd1 = 3' "$T/b.sgk" "$T/a.sgk" -o "$T/x.sgk"
	[ "$stderr" = "segedit: $T/a.sgk: d1 in 'd1 = 3': SEG-Y streams and sgk made from SEG-Y hold cdpx cdpy iline xline ... at bytes 181-240, not d1" ]
	[ ! -e "$T/x.sgk" ]
}

@test "segmerge: SU and SEG-Y inputs mixed, each read as its own format and byte order" {
	T=$BATS_TEST_TMPDIR
	# A SEG-Y line with rev 1 fields in bytes 181-240 (cdpx, iline), an SU
	# file with SU's there (d1, f1), and the same SU file big-endian.
	segsynth --line 2,100,4,25,1000 --nt 50 --vel 2000 -R 0.1 -o "$T/a0.sgy"
	segedit 'cdpx = 1000 + i' 'iline = 7' "$T/a0.sgy" -o "$T/a.sgy"
	segsynth --line 1,100,3,25,1500 --nt 50 --vel 2000 -R 0.1 --to su -o "$T/b0.su"
	segedit 'd1 = 0.004' 'f1 = 0.5' "$T/b0.su" -o "$T/b.su"
	segmerge --to su --endian big "$T/b.su" -o "$T/c.su"
	# To SEG-Y: a's records unchanged, then b's and c's as each converts on
	# its own (SU's fields cleared, not read as cdpx or iline).
	segmerge "$T/a.sgy" "$T/b.su" "$T/c.su" -o "$T/m.sgy"
	segmerge --to segy "$T/b.su" -o "$T/b.sgy"
	cat "$T/a.sgy" <(tail -c +3601 "$T/b.sgy") <(tail -c +3601 "$T/b.sgy") | cmp - "$T/m.sgy"
	run -0 seginfo -k tracl,cdpx,iline "$T/m.sgy"
	[ "${lines[7]}" = "$(printf '8\t1007\t7')" ] && [ "${lines[8]}" = "$(printf '1\t0\t0')" ] && [ "${#lines[@]}" -eq 14 ]
	/usr/bin/python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
rec = 240 + 4 * 50
tails = [d[3600 + k * rec + 180:3600 + k * rec + 240] for k in range(14)]
sys.exit(0 if all(t == bytes(60) for t in tails[8:]) and tails[0] != bytes(60) else 1)' "$T/m.sgy"
	# To SU (like the first input, little-endian): b's records unchanged,
	# then a's with the rev 1 fields cleared, as a alone converts.
	segmerge "$T/b.su" "$T/a.sgy" -o "$T/m.su"
	cat "$T/b.su" <(segmerge --to su "$T/a.sgy") | cmp - "$T/m.su"
	run -0 seginfo -k tracl,d1,f1 "$T/m.su"
	[ "${lines[0]}" = "$(printf '1\t0.00400000019\t0.5')" ] && [ "${lines[3]}" = "$(printf '1\t0\t0')" ]
	# Through sgk (records batched into blocks) the same as straight to SEG-Y.
	segmerge "$T/a.sgy" "$T/b.su" --to sgk -z -o "$T/m.sgk"
	segmerge "$T/a.sgy" "$T/b.su" -o "$T/m2.sgy"
	segmerge "$T/m.sgk" --to segy | cmp - "$T/m2.sgy"
	# A k-way merge by a key outside bytes 181-240 works; by one inside, the
	# key would mean different things: refused, nothing written.
	run -0 seginfo -k tracl,cdpx <(segmerge --key tracl "$T/a.sgy" "$T/b.su")
	[ "$(echo "$output" | tr '\n\t' ' :')" = "1:1000 1:0 2:1001 2:0 3:1002 3:0 4:1003 5:1004 6:1005 7:1006 8:1007 " ]
	run -1 --separate-stderr segmerge --key iline "$T/a.sgy" "$T/b.su" -o "$T/k.sgy"
	[ "$stderr" = "segmerge: $T/b.su: byte 189 (iline) holds one of SU's fields in this stream but a SEG-Y rev 1 field in $T/a.sgy: merge by keys outside bytes 181-240" ]
	run -1 --separate-stderr segmerge --key tracl,d1 "$T/b.su" "$T/a.sgy" -o "$T/k.sgy"
	[ "$stderr" = "segmerge: $T/a.sgy: byte 181 (d1) holds a SEG-Y rev 1 field in this stream but one of SU's fields in $T/b.su: merge by keys outside bytes 181-240" ]
	[ ! -e "$T/k.sgy" ]
	# A sum of a line and its SU copy (cdpx and iline gone) equals the sum
	# of the line with itself.
	segmerge --to su "$T/a.sgy" -o "$T/a.su"
	segmerge --sum "$T/a.sgy" "$T/a.su" -o "$T/s1.sgy"
	segmerge --sum "$T/a.sgy" "$T/a.sgy" -o "$T/s2.sgy"
	cmp "$T/s1.sgy" "$T/s2.sgy"
}

# What segmerge_threads starts (a fifo's writer, segmerge), stopped by PID
# also when a test fails.
teardown() {
	if [ -f "$BATS_TEST_TMPDIR/pids" ]; then
		while read -r p; do kill "$p" 2>/dev/null || true; done <"$BATS_TEST_TMPDIR/pids"
		while read -r p; do wait "$p" 2>/dev/null || true; done <"$BATS_TEST_TMPDIR/pids"
	fi
}

# segmerge_threads FILE OPTS...: the threads of `segmerge OPTS` reading FILE
# through a fifo whose writer, after 9 MB (or half the file if smaller: the
# stream must not end), holds it open: counted once segmerge has read them
# and written WROTE bytes (default 0; a 60 s hang guard, no bound on speed),
# into OUT (default /dev/null).
segmerge_threads() {
	local f=$1 fifo=$BATS_TEST_TMPDIR/fifo p w n=0 k m o=0
	shift
	m=$(($(stat -c %s "$f") / 2))
	[ "$m" -le 9000000 ] || m=9000000
	rm -f "$fifo"
	mkfifo "$fifo"
	(head -c "$m" "$f" && exec sleep 60) >"$fifo" &
	w=$!
	echo "$w" >>"$BATS_TEST_TMPDIR/pids"
	segmerge "$@" <"$fifo" >"${OUT:-/dev/null}" 2>/dev/null &
	p=$!
	echo "$p" >>"$BATS_TEST_TMPDIR/pids"
	for k in $(seq 6000); do
		n=$(awk '$1 == "rchar:" { print $2 }' "/proc/$p/io" 2>/dev/null || echo 0)
		o=$(awk '$1 == "wchar:" { print $2 }' "/proc/$p/io" 2>/dev/null || echo 0)
		[ "${n:-0}" -ge "$m" ] && [ "${o:-0}" -ge "${WROTE:-0}" ] && break
		sleep 0.01
	done
	[ "${n:-0}" -ge "$m" ] && [ "${o:-0}" -ge "${WROTE:-0}" ] && ls "/proc/$p/task" | wc -l ||
		echo "segmerge read ${n:-0} of $m bytes, wrote ${o:-0}"
	kill "$p" "$w"
	wait "$p" "$w" 2>/dev/null || true
}

@test "segmerge: input is read ahead in a second thread; uncompressed sgk only when it is decoded, not when its blocks pass unchanged (segkit(7))" {
	T=$BATS_TEST_TMPDIR
	# 3840 traces of 1001 IBM samples in blocks of about 4 MiB: 16 MB (with
	# noise: 12 MB compressed).
	segsynth --line 40,25,96,12.5 --nt 1001 -R 0.5 -N 2 -s 1 --to sgk --format ibm -o "$T/in.sgk"
	want=2
	[ "$(nproc)" -ge 2 ] || want=1  # sgk is read in one thread on one CPU
	[ "$(segmerge_threads "$T/in.sgk" --to su)" -eq "$want" ]
	[ "$(segmerge_threads "$T/in.sgk" --to sgk --format ieee)" -eq "$want" ]
	[ "$(segmerge_threads "$T/in.sgk")" -eq 1 ]
	[ "$(segmerge_threads "$T/in.sgk" --to segy --format ibm)" -eq 1 ]
	# Compressed sgk: decompressed ahead; SEG-Y read ahead (on any CPUs).
	segmerge --zstd=1 "$T/in.sgk" -o "$T/z.sgk"
	[ "$(segmerge_threads "$T/z.sgk" --to su)" -eq "$want" ]
	segmerge --to segy --format ibm "$T/in.sgk" -o "$T/in.sgy"
	[ "$(segmerge_threads "$T/in.sgy" --to su)" -eq 2 ]
	# Into a regular file, full buffers are written behind by a third
	# thread, there once the first buffer is written (1 MiB of it seen:
	# 4 MiB less a part record); into a pipe, by segmerge itself.
	[ "$(OUT=$T/out.su WROTE=$((1 << 20)) segmerge_threads "$T/in.sgy" --to su)" -eq 3 ]
	[ "$(OUT=>(cat >/dev/null) WROTE=$((1 << 20)) segmerge_threads "$T/in.sgy" --to su)" -eq 2 ]
}
