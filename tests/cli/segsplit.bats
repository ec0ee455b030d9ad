#!/usr/bin/env bats
# segsplit: every mode round-trips through segmerge -m to the same bytes,
# loses and duplicates no trace, keeps gathers whole, cleans up on failure.
bats_require_minimum_version 1.5.0
load helpers

GEN=${BATS_TEST_DIRNAME}/gensegy.py
REAL=$BATS_TEST_DIRNAME/../../../shared/data/real

setup() {
	T=$BATS_TEST_TMPDIR
}

# roundtrip FILE SPLIT-ARGS...: split into $T/d, merge -m, compare bytes, and
# check that the pieces hold every source trace exactly once.
roundtrip() {
	local f=$1
	shift
	rm -rf "$T/d"
	segsplit "$@" -d "$T/d" "$f"
	segmerge -m "$T/d/manifest.yaml" -o "$T/back"
	cmp "$T/back" "$f"
	# Through a pipe too: the stream header holds the manifest's count.
	segmerge -m "$T/d/manifest.yaml" | cmp - "$f"
	# The pieces' traces, in any order, are the source's: none lost or doubled.
	diff <(seginfo -k tracl,tracr,fldr,tracf,cdp,offset,iline,xline "$f" | sort) \
	     <(for p in "$T"/d/part-*; do seginfo -k tracl,tracr,fldr,tracf,cdp,offset,iline,xline "$p"; done | sort)
}

@test "segsplit --help prints usage on stdout and exits 0" {
	run -0 --separate-stderr segsplit --help
	[[ "${lines[0]}" == "usage: segsplit "* ]]
	[ -z "$stderr" ]
}

@test "segsplit: bad options and option values are usage errors" {
	run -2 --separate-stderr segsplit -Q
	[ "$stderr" = "segsplit: unknown option '-Q'; try --help" ]
	run -2 --separate-stderr segsplit -d "$T/d" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: no split mode: give one of --count, --key, --parts, --ranges and --round-robin; try --help" ]
	run -2 --separate-stderr segsplit -c 0 -d "$T/d" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: invalid count '0' (expected an integer in 1..1099511627776)" ]
	run -2 --separate-stderr segsplit -c 5 -R 2 -d "$T/d" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: give one of --count, --key, --parts, --ranges and --round-robin; try --help" ]
	run -2 --separate-stderr segsplit -r offset=0:10,5:20 -d "$T/d" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: ranges '0:10' and '5:20' overlap" ]
	run -2 --separate-stderr segsplit -k nosuch -d "$T/d" "$DATA/small.sgy"
	[[ "$stderr" == "segsplit: "*"nosuch"* ]]
	run -2 --separate-stderr segsplit -R 2 -s cdp -d "$T/d" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: --sort works with --count, --parts and --key (it holds one piece in memory at a time)" ]
	run -2 --separate-stderr segsplit -c 5 "$DATA/small.sgy"
	[ "$stderr" = "segsplit: no output directory: give --dir; try --help" ]
	[ ! -e "$T/d" ]
}

@test "segsplit: a missing file" {
	run -1 --separate-stderr segsplit -c 5 -d "$T/d" "$T/none.sgy"
	[ "$stderr" = "segsplit: $T/none.sgy: No such file or directory" ]
	[ ! -e "$T/d" ]
}

@test "segsplit: every long option in --help is in the man page" {
	check_help_in_man segsplit
}

@test "segsplit: key=value operands equal the long options" {
	segsplit --count 7 --dir "$T/a" "$DATA/small.sgy"
	segsplit count=7 dir="$T/b" "$DATA/small.sgy"
	segsplit ranges=xline=21:23 dir="$T/c" "$DATA/small.sgy"
	segsplit --ranges xline=21:23 --dir "$T/e" "$DATA/small.sgy"
	for p in "$T"/a/part-*; do cmp "$p" "$T/b/${p##*/}"; done
	for p in "$T"/c/part-*; do cmp "$p" "$T/e/${p##*/}"; done
	[ "$(ls "$T/a")" = "$(ls "$T/b")" ]
	[ "$(ls "$T/c")" = "$(ls "$T/e")" ]
}

@test "segsplit --count: pieces, manifest fields, identity" {
	roundtrip "$DATA/small.sgy" --count 7
	[ "$(ls "$T/d")" = "$(printf 'manifest.yaml\npart-000001.sgy\npart-000002.sgy\npart-000003.sgy\npart-000004.sgy')" ]
	# Each piece is a SEG-Y file on its own with the source's file header.
	for p in "$T"/d/part-*; do cmp -n 3600 "$p" "$DATA/small.sgy"; done
	[ "$(seginfo -k tracl "$T/d/part-000004.sgy" | wc -l)" -eq 4 ]
	m=$T/d/manifest.yaml
	grep -qx 'manifest: segkit-split' "$m"
	grep -qx "source: \"$DATA/small.sgy\"" "$m"
	grep -qx 'format: segy' "$m"
	grep -qx 'ns: 50' "$m"
	grep -qx 'dt: 4000' "$m"
	grep -qx 'traces: 25' "$m"
	grep -qx 'mode: count' "$m"
	grep -qx 'count: 7' "$m"
	# Sizes and checksums as an independent xxh64 (xxhsum) computes them.
	[ "$(grep -c '^    bytes: 6680$' "$m")" -eq 3 ]
	grep -qx '    bytes: 5360' "$m"
	grep -qx '    first: 21' "$m"
	for p in "$T"/d/part-*; do
		h=$(/usr/bin/python3 "$BATS_TEST_DIRNAME/xxh64.py" "$p")
		[ ${#h} -eq 16 ]
		grep -qx "    xxh64: \"$h\"" "$m"
	done
}

# The checksums are taken as the bytes go out (a count known from the start
# is in the header then), or read back when a count is fixed at the close
# (key mode, a pipe): either way an independent xxh64 of each piece.
@test "segsplit: every piece's checksum is an independent xxh64 of its bytes, taken as written or read back" {
	cd "$T"
	python3 "$BATS_TEST_DIRNAME/gensegy.py" --shots 3 --chans 10 --ns 40 --rev 2 --shuffle 5 >rev2.sgy
	while read -r args; do
		rm -rf d
		# shellcheck disable=SC2086
		if [ "${args%% *}" = pipe ]; then
			segsplit ${args#pipe } -d d <rev2.sgy
		else
			segsplit $args -d d rev2.sgy
		fi
		python3 "$BATS_TEST_DIRNAME/xxh64.py" d/part-* >h
		n=0
		for p in d/part-*; do
			n=$((n + 1))
			grep -qx "    xxh64: \"$(sed -n "${n}p" h)\"" d/manifest.yaml
			grep -qx "    bytes: $(stat -c %s "$p")" d/manifest.yaml
		done
		[ "$n" -eq "$(grep -c '^  - file: ' d/manifest.yaml)" ]
		echo "$args: $n pieces"
	done <<'ARGS'
-c 7 -s offset
-p 4 -s -offset -t sgk
-k fldr -s offset -t sgk
-k fldr -t sgk -z
-c 9 -t sgk
-R 17 -t sgk
pipe -c 8 -s offset -t sgk
pipe -c 8
ARGS
	# rev 2 pieces carry their own count at 3513 (u64, big-endian).
	segsplit -c 7 -d d2 rev2.sgy
	[ "$(od -An -tu1 -j3512 -N8 d2/part-000005.sgy | tr -s ' ')" = " 0 0 0 0 0 0 0 2" ]
}

@test "segsplit: every mode gives back the same bytes, on real files" {
	for f in small.sgy small-lsb.sgy f3.sgy shot-gather.sgy small.su small-lsb.su long.sgy \
		 multiformats/Format7lsb.sgy multiformats/Format16msb.sgy multi-text.sgy; do
		roundtrip "$DATA/$f" --count 5
		roundtrip "$DATA/$f" --parts 3
		roundtrip "$DATA/$f" --round-robin 4
		roundtrip "$DATA/$f" --key fldr
		roundtrip "$DATA/$f" --ranges offset=:1,1:2
	done
	roundtrip "$DATA/f3.sgy" --key iline --group 2
	roundtrip "$DATA/f3.sgy" --ranges xline=880:890,:870,900:
	roundtrip "$DATA/shot-gather.sgy" --key offset
}

@test "segsplit: rev 2 files come back, their trace count recomputed" {
	"$GEN" --shots 6 --chans 5 --rev 2 > "$T/r2.sgy"
	# The source declares 30 traces at byte 3513; each piece its own count.
	[ "$(od -An -tu1 -j3512 -N8 "$T/r2.sgy" | tr -s ' ')" = " 0 0 0 0 0 0 0 30" ]
	roundtrip "$T/r2.sgy" --count 7
	[ "$(od -An -tu1 -j3512 -N8 "$T/d/part-000001.sgy" | tr -s ' ')" = " 0 0 0 0 0 0 0 7" ]
	[ "$(od -An -tu1 -j3512 -N8 "$T/d/part-000005.sgy" | tr -s ' ')" = " 0 0 0 0 0 0 0 2" ]
	roundtrip "$DATA/rotated-small-rev2.sgy" --parts 2
	roundtrip "$DATA/trace-header-extensions.sgy" --round-robin 2
	# Through a pipe the count is the manifest's from the first byte.
	segmerge -m "$T/d/manifest.yaml" | cmp - "$DATA/trace-header-extensions.sgy"
}

@test "segsplit: synthetic survey, every mode, and sgk pieces" {
	"$GEN" --shots 12 --chans 10 > "$T/s.sgy"
	roundtrip "$T/s.sgy" --count 13
	roundtrip "$T/s.sgy" --parts 7
	roundtrip "$T/s.sgy" --parts 500
	[ "$(ls "$T"/d/part-* | wc -l)" -eq 120 ]
	roundtrip "$T/s.sgy" --key fldr --group 5
	roundtrip "$T/s.sgy" --round-robin 7
	roundtrip "$T/s.sgy" --ranges offset=-150:-50,0:1,1000:2000
	# The overflow piece holds exactly the traces outside every range.
	[ ! -e "$T/d/part-000003.sgy" ]
	diff <(seginfo -k offset "$T/d/part-000004.sgy" | sort -nu) <(printf '%s\n' -50 -25 25 50 75 100)
	# sgk pieces, compressed or not, merge back to the SEG-Y source.
	rm -rf "$T/d"
	segsplit --count 50 --to sgk --zstd -d "$T/d" "$T/s.sgy"
	[ "$(head -c 4 "$T/d/part-000001.sgk" | od -An -c | tr -d ' ')" = '211SGK' ]
	segmerge -m "$T/d/manifest.yaml" --to segy | cmp - "$T/s.sgy"
}

@test "segsplit --key never splits a gather" {
	"$GEN" --shots 9 --chans 7 > "$T/s.sgy"
	for g in 1 2 4; do
		rm -rf "$T/d"
		segsplit --key fldr --group $g -d "$T/d" "$T/s.sgy"
		# A gather value appears in exactly one piece, and each piece has
		# g gathers (the last may have fewer).
		for p in "$T"/d/part-*; do seginfo -k fldr "$p" | sort -u | sed "s|^|${p##*/} |"; done > "$T/where"
		[ "$(cut -d' ' -f2 "$T/where" | sort | uniq -d)" = "" ]
		[ "$(wc -l < "$T/where")" -eq 9 ]
		[ "$(cut -d' ' -f1 "$T/where" | uniq -c | awk '{print $1}' | sort -u | head -1)" -le $g ]
		[ "$(cut -d' ' -f1 "$T/where" | head -n $g | sort -u | wc -l)" -eq 1 ]
	done
	# With two keys, a gather is a run of equal (fldr, tracf) pairs: one trace.
	rm -rf "$T/d"
	segsplit --key fldr,tracf --group 10 -d "$T/d" "$T/s.sgy"
	[ "$(ls "$T"/d/part-* | wc -l)" -eq 7 ]
}

@test "segsplit from standard input, segmerge to standard output, in one pipeline" {
	"$GEN" --shots 5 --chans 8 > "$T/s.sgy"
	cat "$T/s.sgy" | segsplit --parts 3 -d "$T/d" && segmerge -m "$T/d/manifest.yaml" | cmp - "$T/s.sgy"
	grep -qx 'source: "-"' "$T/d/manifest.yaml"
	# The spool used to count the traces of the pipe is gone.
	[ "$(ls -A "$T/d")" = "$(printf 'manifest.yaml\npart-000001.sgy\npart-000002.sgy\npart-000003.sgy')" ]
	cat "$DATA/small-lsb.su" | segsplit --ranges cdp=:1 -d "$T/e" && segmerge -m "$T/e/manifest.yaml" | cmp - "$DATA/small-lsb.su"
}

@test "segsplit: a damaged input leaves the directory as it was" {
	mkdir "$T/d"
	segsplit --count 5 -d "$T/d" "$DATA/small.sgy"
	before=$(cd "$T/d" && ls -la --time-style=+ . && sha256sum -- *)
	run -1 --separate-stderr segsplit --count 1 -d "$T/d" "$DATA/broken.sgy"
	[ "$stderr" = "segsplit: $DATA/broken.sgy: trace 4 (from byte 10769) is truncated: 68 of 256 bytes" ]
	# The pieces of the failed run were never renamed into place: the
	# earlier manifest and all its pieces are there, byte for byte, and no
	# temporary is.
	[ "$(cd "$T/d" && ls -la --time-style=+ . && sha256sum -- *)" = "$before" ]
	[ "$(ls "$T/d" | tr '\n' ' ')" = "manifest.yaml part-000001.sgy part-000002.sgy part-000003.sgy part-000004.sgy part-000005.sgy " ]
	run -1 --separate-stderr segsplit --count 1 -d "$T/new" "$DATA/broken.sgy"
	[ ! -e "$T/new" ]
	run -1 --separate-stderr segsplit --count 1 -d "$DATA/small.sgy" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: $DATA/small.sgy: Not a directory" ]
}

@test "segsplit --sort: a run that cannot be written, and a read failing after runs were written" {
	# A run's write errors and a later read error reach the exit status
	# and the message, and nothing is left behind.
	"$GEN" --shots 12 --chans 10 --shuffle 3 > "$T/s.sgy"
	run -1 --separate-stderr bash -c "trap '' XFSZ; ulimit -f 16; segsplit --count 50 --sort cdp,offset -d $T/d $T/s.sgy"
	[ "$stderr" = "segsplit: $T/d/part-000001.sgy: File too large" ]
	[ ! -e "$T/d" ]
	run -1 --separate-stderr segsplit --count 1 --sort cdp -d "$T/d" "$DATA/broken.sgy"
	[ "$stderr" = "segsplit: $DATA/broken.sgy: trace 4 (from byte 10769) is truncated: 68 of 256 bytes" ]
	[ ! -e "$T/d" ]
	# Runs of 7 (the last one short), each sorted stably, the same bytes as
	# the unsorted split's pieces put through a stable sort of their keys.
	segsplit --count 7 --sort cdp,-offset -d "$T/d" "$T/s.sgy"
	segsplit --count 7 -d "$T/u" "$T/s.sgy"
	[ "$(ls "$T/d")" = "$(ls "$T/u")" ]
	for p in "$T"/u/part-*; do
		seginfo -k cdp,offset,tracl "$p" | sort -s -t$'\t' -k1,1n -k2,2nr > "$T/want"
		seginfo -k cdp,offset,tracl "$T/d/${p##*/}" > "$T/got"
		cmp "$T/want" "$T/got"
		[ "$(stat -c %s "$p")" = "$(stat -c %s "$T/d/${p##*/}")" ]
	done
	segmerge --key cdp,-offset -m "$T/d/manifest.yaml" -o "$T/sorted.sgy"
	seginfo -k cdp,offset,tracl "$T/s.sgy" | sort -s -t$'\t' -k1,1n -k2,2nr > "$T/want"
	seginfo -k cdp,offset,tracl "$T/sorted.sgy" > "$T/got"
	cmp "$T/want" "$T/got"
}

@test "segsplit --sort: each piece's bytes are an independent stable sort of its traces, samples and all (real SU)" {
	# 10 records x 64 channels of real big-endian SU: sorted by channel,
	# every key value is shared by 3-4 traces of a piece (fldr breaks no
	# tie: ties keep their input order).  The pieces decoded and written
	# in another byte order (-e little) once lost the first trace's
	# samples of every piece after the first to the previous piece's
	# writing (a scratch buffer shared with the trace just read); headers
	# alone did not show it.  sortref.py reads the bytes itself.
	REF=$BATS_TEST_DIRNAME/sortref.py
	head -c $((640 * (240 + 4 * 1999))) "$REAL/servilleta_lomablanca_053018_H1_shots001-120.su" >"$T/in.su"
	[ "$(seginfo -k tracf "$T/in.su" | sort | uniq -c | awk '{print $1}' | sort -u)" = 10 ]
	# mode | sort keys | byte order of the pieces
	while IFS='|' read -r mode keys order; do
		rm -rf "$T/want"
		"$REF" $mode --keys="$keys" --in-endian big --out-endian "$order" --whole "$T/whole.su" "$T/in.su" "$T/want"
		for src in file pipe; do
			rm -rf "$T/d"
			if [ "$src" = file ]; then
				segsplit $mode --sort="$keys" -e "$order" -d "$T/d" "$T/in.su"
			else
				segsplit $mode --sort="$keys" -e "$order" -d "$T/d" - <"$T/in.su"
			fi
			[ "$(ls "$T/d" | grep -c '^part-')" = "$(ls "$T/want" | wc -l)" ]
			for f in "$T"/want/part-*; do cmp "$f" "$T/d/${f##*/}"; done
			# The merge of the runs is stable too: on equal keys the earlier
			# piece first, so the whole is the input's stable sort.
			segmerge --key="$keys" -m "$T/d/manifest.yaml" | cmp - "$T/whole.su"
		done
	done <<'MODES'
--parts 3|tracf|little
--parts 4|-tracf|big
--parts 5|trid|little
--count 150|tracf,-fldr|little
--key fldr --group 3|-tracf|little
MODES
}

@test "segsplit --sort: pieces written by a thread while the next fills the same buffer: a stable sort's bytes (sortref.py), a buffer that grows meanwhile included" {
	# Pieces of 1 MiB of records and more go out by a thread while the
	# next piece fills the slots already written (split_write.c); smaller
	# ones are written where they are sorted.  7,600 shuffled traces of 440
	# bytes as big-endian SU: --count 2500 gives three pieces of 1.1 MB by
	# the thread, each filling the one before's slots, and a short last one
	# written in place; --key fldr a first piece of 2,600 traces and a
	# second of 5,000, for which the buffer (1,024 records, grown by half:
	# 3,456 after the first) must grow while the first may still be written.
	REF=$BATS_TEST_DIRNAME/sortref.py
	"$GEN" --shots 76 --chans 100 --ns 50 --shuffle 5 > "$T/s.sgy"
	segedit 'fldr = 1 + (i >= 2600)' "$T/s.sgy" -o "$T/k.sgy"
	segmerge --to su --endian big "$T/k.sgy" -o "$T/in.su"
	while IFS='|' read -r mode keys npieces; do
		rm -rf "$T/want" "$T/d"
		"$REF" $mode --keys="$keys" --in-endian big --out-endian big --whole "$T/whole.su" "$T/in.su" "$T/want"
		segsplit $mode --sort="$keys" -e big -d "$T/d" "$T/in.su"
		[ "$(ls "$T/d" | grep -c '^part-')" = "$npieces" ]
		[ "$(ls "$T/want" | wc -l)" = "$npieces" ]
		for f in "$T"/want/part-*; do cmp "$f" "$T/d/${f##*/}"; done
		segmerge --key="$keys" -m "$T/d/manifest.yaml" | cmp - "$T/whole.su"
	done <<'MODES'
--count 2500|cdp,-offset|4
--key fldr --group 1|offset,tracl|2
MODES
}

@test "segsplit --sort: a count of at least the input's traces sorts it in one pass: the external sort's bytes (SEG-Y; SU against sortref.py)" {
	# One piece of every trace is the whole input sorted: the same bytes as
	# the runs of an external sort merged by segmerge --key, and (SU)
	# sortref.py's stable sort of the whole, from a file and from a pipe.
	REF=$BATS_TEST_DIRNAME/sortref.py
	"$GEN" --shots 30 --chans 40 --ns 60 --format 1 --shuffle 7 > "$T/s.sgy"
	segsplit --count 100 --sort cdp,-offset -d "$T/runs" "$T/s.sgy"
	segmerge --key cdp,-offset -m "$T/runs/manifest.yaml" -o "$T/sorted.sgy"
	for n in 1200 5000; do
		rm -rf "$T/one"
		segsplit --count $n --sort cdp,-offset -d "$T/one" "$T/s.sgy"
		[ "$(ls "$T/one")" = "$(printf 'manifest.yaml\npart-000001.sgy')" ]
		cmp "$T/one/part-000001.sgy" "$T/sorted.sgy"
	done
	rm -rf "$T/one"
	segsplit --parts 1 --sort cdp,-offset -d "$T/one" - < "$T/s.sgy"
	cmp "$T/one/part-000001.sgy" "$T/sorted.sgy"
	segmerge --to su --endian big "$T/s.sgy" -o "$T/in.su"
	"$REF" --count 1200 --keys=cdp,-offset --in-endian big --out-endian big --whole "$T/whole.su" "$T/in.su" "$T/want"
	cmp "$T/want/part-000001.su" "$T/whole.su"
	rm -rf "$T/one"
	segsplit --count 1200 --sort cdp,-offset -d "$T/one" "$T/in.su"
	cmp "$T/one/part-000001.su" "$T/whole.su"
}

@test "segsplit --sort holds one piece in memory, not two; of a file, no piece at all (its records stay in the file's pages)" {
	if asan_build segsplit; then
		skip "ASan keeps freed memory in quarantine: max RSS says nothing"
	fi
	S=$REAL/servilleta_lomablanca_053018_H1_shots001-120.su
	# Two pieces of 31.6 MB of real SU read from a pipe: max RSS is one
	# piece and the buffers of reading and writing (about 15 MiB), not
	# two pieces (a writer thread that filled a second buffer took 77,852
	# KiB here, the build before 45,924).  --parts spools a pipe into a
	# file first, which is then sorted as a file is (below).
	rss=$(cat "$S" | /usr/bin/time -f %M segsplit -c 3840 --sort tracf -d "$T/d" - 2>&1)
	piece=$(( $(stat -c %s "$T/d/part-000001.su") / 1024 ))
	echo "max RSS $rss KiB, a piece $piece KiB"
	[ "$piece" -eq 30885 ]
	[ "$(ls "$T/d" | grep -c '^part-')" = 2 ]
	[ "$rss" -lt $((piece + 20 * 1024)) ]
	# Of a file, the records are written from the file's own pages
	# (mapped): the heap holds their keys and the buffers of writing (two
	# of 4 MiB, one written behind), 8,549,733 bytes at its peak here
	# (valgrind's massif; max RSS counts the mapped file's pages, 64,680
	# KiB), against 44,415,234 for the build before the mapping (one
	# piece).  The same pieces, by count and by parts.
	for mode in "-c 3840" "-p 2"; do
		rm -rf "$T/c" "$T/m.out"
		valgrind -q --tool=massif --massif-out-file="$T/m.out" segsplit $mode --sort tracf -d "$T/c" "$S"
		for f in "$T"/d/part-*; do cmp "$f" "$T/c/${f##*/}"; done
		[ "$(ls "$T/c" | grep -c '^part-')" = 2 ]
		heap=$(grep -o 'mem_heap_B=[0-9]*' "$T/m.out" | cut -d= -f2 | sort -n | tail -1)
		echo "$mode: heap peak $heap bytes"
		[ "$heap" -lt $((12 << 20)) ]
	done
}

@test "segsplit --hosts: host files that cannot hold the copies, and options without --hosts, are usage errors" {
	printf 'node1\nnode2\n' >"$T/h2"
	run -2 --separate-stderr segsplit --hosts "$T/h2" --copies 3 -c 10 -d "$T/d" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: $T/h2: --copies 3 needs 3 hosts, the file lists 2" ]
	printf 'node1\n:\n' >"$T/hl"
	run -2 --separate-stderr segsplit -H "$T/hl" -c 10 -d "$T/d" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: $T/hl: :: a host that holds pieces is named by one word (not ':' or localhost: pieces stay on the hosts)" ]
	run -2 --separate-stderr segsplit --copies 2 -c 10 -d "$T/d" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: --copies, --remote-dir, --ssh and --agent need --hosts; try --help" ]
	run -1 --separate-stderr segsplit -H "$T/none" -c 10 -d "$T/d" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: $T/none: No such file or directory" ]
	run -2 --separate-stderr segsplit -H "$T/h2" -C 0 -c 10 -d "$T/d" "$DATA/small.sgy"
	[ "$stderr" = "segsplit: invalid copies '0' (expected an integer in 1..100)" ]
	[ ! -e "$T/d" ]
}

@test "segsplit --remake: a manifest without lineage, a piece it does not have, and usage errors" {
	segsplit -c 10 -d "$T/d" "$DATA/small.sgy"
	run -1 --separate-stderr segsplit --remake 1 -d "$T/r" "$T/d/manifest.yaml"
	[ "$stderr" = "segsplit: $T/d/manifest.yaml: the manifest records no lineage (segsplit --hosts of a file does)" ]
	# A distributed manifest's lineage written by hand (segsplit --hosts
	# writes it: tests/cli/taskrun_keep.bats).
	sed -e 's/^version: 1$/version: 2/' -e "s|^pieces:\$|lineage: {source: \"$DATA/small.sgy\", from: segy, sample-format: 0, little: -1, zstd: 0}\\npieces:|" \
		-e 's|^    xxh64: .*|&\n    at: ["node1:p/x"]|' "$T/d/manifest.yaml" >"$T/d/m2.yaml"
	n=$(grep -c '^  - file: ' "$T/d/m2.yaml")
	for i in $(seq "$n"); do segsplit --remake "$i" -d "$T/r" "$T/d/m2.yaml"; done
	for f in "$T"/d/part-*; do cmp "$T/r/${f##*/}" "$f"; done
	run -1 --separate-stderr segsplit --remake $((n + 1)) -d "$T/r" "$T/d/m2.yaml"
	[ "$stderr" = "segsplit: $T/d/m2.yaml: piece $((n + 1)): the manifest has $n" ]
	run -2 --separate-stderr segsplit --remake 1 "$T/d/m2.yaml"
	[ "$stderr" = "segsplit: no output directory: give --dir; try --help" ]
	run -2 --separate-stderr segsplit --remake 1 -c 10 -d "$T/r" "$T/d/m2.yaml"
	[ "$stderr" = "segsplit: --remake takes -d DIR and a manifest, no split mode or --hosts; try --help" ]
	run -2 --separate-stderr segsplit --remake 0 -d "$T/r" "$T/d/m2.yaml"
	[ "$stderr" = "segsplit: invalid remake '0' (expected an integer in 1..1000000000)" ]
}

# lineage DIR SRC FROM EXTRA: DIR/m2.yaml, DIR/manifest.yaml made a
# distributed one by hand with the lineage segsplit --hosts writes (the
# lab tests in taskrun_keep.bats run segsplit --hosts itself).
lineage() {
	sed -e 's/^version: 1$/version: 2/' \
		-e "s|^pieces:\$|lineage: {source: \"$2\", from: $3, $4}\\npieces:|" \
		-e 's|^    xxh64: .*|&\n    at: ["node1:p/x"]|' "$1/manifest.yaml" >"$1/m2.yaml"
}

@test "segsplit --remake: round-robin, ranges and sorted pieces remade byte for byte; a changed source refused" {
	cd "$T"
	segsynth --line 4,50,30,25 --reflector 0.01 -n 51 -o line.sgy
	w='sample-format: 0, little: -1, zstd: 0'
	# mode-args | the lineage's read fields | piece options
	while IFS='|' read -r args lin opts; do
		rm -rf d r
		segsplit $args $opts -d d line.sgy
		lineage d "$T/line.sgy" segy "${lin//W/$w}"
		n=$(grep -c '^  - file: ' d/m2.yaml)
		for i in $(seq "$n"); do segsplit --remake "$i" -d r d/m2.yaml; done
		for f in d/part-*; do cmp "r/${f##*/}" "$f"; done
		[ "$(ls r | wc -l)" = "$n" ]
	done <<'MODES'
-R 3|W, read: stride, stride: 3|
-R 20|sample-format: 0, little: -1, zstd: 3, read: stride, stride: 20|-t sgk -z
-r offset=:100,100:300,900:|W, read: range, key: offset|
-r offset=0:10,10:20,20:30,30:40,40:50,50:60,60:70,70:80,80:90,90:100,100:110,110:120,120:130,130:140,140:150,150:160,160:170|sample-format: 0, little: -1, zstd: 3, read: range, key: offset|-t sgk -z
-c 17 -s offset,-cdp|W, read: run, sort: "offset,-cdp"|
-p 3 -s -offset|sample-format: 0, little: 1, zstd: 0, read: run, sort: "-offset"|-t su -e little
-k fldr -s offset|sample-format: 0, little: -1, zstd: 3, read: run, sort: offset|-t sgk -z
MODES
	# The lineage must name what the split did.
	segsplit -R 3 -d d2 line.sgy
	lineage d2 "$T/line.sgy" segy "$w, read: run"
	run -1 --separate-stderr segsplit --remake 1 -d r2 d2/m2.yaml
	[[ "$stderr" =~ ^"segsplit: d2/m2.yaml: line 13, column "[0-9]+": read: run, but a round-robin split reads a piece's stride"$ ]]
	lineage d2 "$T/line.sgy" segy "$w, read: stride, stride: 2"
	run -1 --separate-stderr segsplit --remake 1 -d r2 d2/m2.yaml
	[[ "$stderr" =~ ^"segsplit: d2/m2.yaml: line 13, column "[0-9]+": stride: 2, but the split's is 3"$ ]]
	segsplit -c 40 -s cdp -d d3 line.sgy
	lineage d3 "$T/line.sgy" segy "$w"
	run -1 --separate-stderr segsplit --remake 1 -d r2 d3/m2.yaml
	[ "$stderr" = "segsplit: d3/m2.yaml: line 14, column 10: lineage: no sort, but the pieces were sorted by 'cdp'" ]
	# A sample of trace 5 changed (in round-robin piece 2 of 3, ranges
	# piece 1): those pieces are refused with no file left, the others
	# are still remade.
	printf 'X' | dd of=line.sgy bs=1 seek=$((3600 + 4 * 444 + 300)) conv=notrunc 2>/dev/null
	lineage d2 "$T/line.sgy" segy "$w, read: stride, stride: 3"
	run -1 --separate-stderr segsplit --remake 2 -d r2 d2/m2.yaml
	[[ "$stderr" =~ ^"segsplit: part-000002.sgy: remade 21360 bytes with xxh64 "[0-9a-f]{16}", the manifest says 21360 bytes, "[0-9a-f]{16}" (has the source changed?)"$ ]]
	[ ! -e r2/part-000002.sgy ]
	segsplit --remake 1 -d r2 d2/m2.yaml
	cmp r2/part-000001.sgy d2/part-000001.sgy
}

@test "segsplit --remake: round-robin pieces whose traces lie over 1 MiB apart (each read alone) remade byte for byte" {
	cd "$T"
	# 288 traces of 11,440 bytes, 96 pieces: a piece's traces lie
	# 1,098,240 bytes apart.
	segsynth --line 3,50,96,25 --reflector 0.01 -n 2800 -o line.sgy
	while IFS='|' read -r lin opts; do
		rm -rf d r
		segsplit -R 96 $opts -d d line.sgy
		lineage d "$T/line.sgy" segy "$lin, read: stride, stride: 96"
		for i in 1 50 96; do segsplit --remake "$i" -d r d/m2.yaml; done
		for f in r/*; do cmp "$f" "d/${f##*/}"; done
		[ "$(ls r | wc -l)" = 3 ]
	done <<'MODES'
sample-format: 0, little: -1, zstd: 0|
sample-format: 0, little: 1, zstd: 0|-t su -e little
MODES
}

@test "segsplit --remake: sorted sgk pieces in the blocks their lineage records; without block: in the 4 MiB blocks of older splits" {
	cd "$T"
	segsynth --line 4,50,30,25 --reflector 0.01 -n 51 -o line.sgy
	rec=$((240 + 4 * 51))
	w='sample-format: 0, little: -1, zstd: 0, read: run, sort: offset'
	segsplit -c 17 -s offset -t sgk -d d line.sgy
	n=$(grep -c '^  - file: ' d/manifest.yaml)
	[ "$n" -eq 8 ]
	# 64 KiB blocks (sgk(5): traces per block at byte 32), 147 traces.
	[ "$(od -An -tu4 -j32 -N4 d/part-000001.sgk | tr -d ' ')" -eq $((65536 / rec)) ]
	lineage d "$T/line.sgy" segy "$w, block: $((65536 / rec))"
	for i in $(seq "$n"); do segsplit --remake "$i" -d r d/m2.yaml; done
	for f in d/part-*; do cmp "r/${f##*/}" "$f"; done
	# A split from before block: was recorded wrote the same pieces in 4
	# MiB blocks: the same bytes here (17 traces fit one block either
	# way) but for the header's block field, 9446 traces.  Its lineage
	# (no block:) remakes those bytes, not the 64 KiB ones.
	mkdir old
	for f in d/part-*; do
		cp "$f" old/
		printf '\346\044\000\000' | dd of="old/${f##*/}" bs=1 seek=32 conv=notrunc 2>/dev/null
	done
	[ "$(od -An -tu4 -j32 -N4 old/part-000001.sgk | tr -d ' ')" -eq $(((4 << 20) / rec)) ]
	lineage d "$T/line.sgy" segy "$w"
	awk -v dir=old 'BEGIN { c = "python3 '"$BATS_TEST_DIRNAME"'/xxh64.py" }
		/^  - file: / { f = $3 }
		/^    xxh64: / { (c " " dir "/" f) | getline h; close(c " " dir "/" f); $0 = "    xxh64: \"" h "\"" }
		{ print }' d/m2.yaml >old/m2.yaml
	[ "$(grep -c '^    xxh64: ' old/m2.yaml)" -eq "$n" ]
	! grep -q 'block:' old/m2.yaml
	for i in $(seq "$n"); do segsplit --remake "$i" -d rold old/m2.yaml; done
	for f in old/part-*; do cmp "rold/${f##*/}" "$f"; done
	# Each lineage remakes its own blocks only.
	run -1 --separate-stderr segsplit --remake 1 -d rx d/m2.yaml
	[[ "$stderr" =~ ^"segsplit: part-000001.sgk: remade "[0-9]+" bytes with xxh64 "[0-9a-f]{16}", the manifest says "[0-9]+" bytes, "[0-9a-f]{16}" (has the source changed?)"$ ]]
	[ ! -e rx/part-000001.sgk ]
}

@test "segsplit --remake: a ranges piece is remade from its runs in the order file (its traces alone read); without that file, by its keys" {
	cd "$T"
	segsynth --line 4,50,30,25 --reflector 0.01 -n 51 -o line.sgy
	segsplit -r offset=:100,100:300,900: -d d line.sgy
	lineage d "$T/line.sgy" segy 'sample-format: 0, little: -1, zstd: 0, read: range, key: offset'
	[ "$(head -n 2 d/order.tsv)" = $'1\t19\n2\t8' ]
	# Trace 21's offset (138: range 100:300) made 13 (range :100) in the
	# source: piece 1 (runs of traces 1-19, 31-49, ...) is remade byte
	# for byte without reading it; piece 2, whose run holds it, is
	# refused.
	printf '\000\000\000\015' | dd of=line.sgy bs=1 seek=$((3600 + 20 * 444 + 36)) conv=notrunc 2>/dev/null
	segsplit --remake 1 -d r d/m2.yaml
	cmp r/part-000001.sgy d/part-000001.sgy
	run -1 --separate-stderr segsplit --remake 2 -d r d/m2.yaml
	[[ "$stderr" =~ ^"segsplit: part-000002.sgy: remade 17808 bytes with xxh64 "[0-9a-f]{16}", the manifest says 17808 bytes, "[0-9a-f]{16}" (has the source changed?)"$ ]]
	# Without the order file, piece 1's traces are those from its first
	# on whose key is in its range: trace 21 among them, so it is refused.
	mv d/order.tsv d/order.off
	rm r/part-000001.sgy
	run -1 --separate-stderr segsplit --remake 1 -d r d/m2.yaml
	[[ "$stderr" =~ ^"segsplit: part-000001.sgy: remade 37344 bytes with xxh64 "[0-9a-f]{16}", the manifest says 37344 bytes, "[0-9a-f]{16}" (has the source changed?)"$ ]]
	[ ! -e r/part-000001.sgy ]
	# A damaged order file is an error naming it.
	printf '1\tx\n' >d/order.tsv
	run -1 --separate-stderr segsplit --remake 1 -d r d/m2.yaml
	[ "$stderr" = "segsplit: d/order.tsv: line 1: bad run '1	x'" ]
}
