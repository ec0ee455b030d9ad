#!/usr/bin/env bats
# segmerge's modes beyond concatenation: -m with verification, --key k-way
# merge (external sort with segsplit --sort), --sum stacking, many inputs.
bats_require_minimum_version 1.5.0
load helpers

GEN=${BATS_TEST_DIRNAME}/gensegy.py
# Size of the shuffled survey of the external sort test, in MB (bench/split.sh
# runs 2 GB).
SORT_MB=${SK_SORT_TEST_MB:-200}

setup() {
	T=$BATS_TEST_TMPDIR
}

split_set() {  # a 7-piece split of a 120-trace survey in $T/d
	"$GEN" --shots 12 --chans 10 > "$T/s.sgy"
	segsplit --count 17 -d "$T/d" "$T/s.sgy"
	mkdir -p "$T/out"
}

@test "segmerge -m: a missing piece is named, nothing is written" {
	split_set
	rm "$T/d/part-000003.sgy"
	run -1 --separate-stderr segmerge -m "$T/d/manifest.yaml" -o "$T/out/x.sgy"
	[ "$stderr" = "segmerge: $T/d/part-000003.sgy: No such file or directory
segmerge: $T/d/manifest.yaml: 1 problem in a set of 8 pieces: nothing written" ]
	[ -z "$(ls -A "$T/out")" ]
	# To standard output too: the check comes before any trace.
	run -1 --separate-stderr segmerge -m "$T/d/manifest.yaml"
	[ -z "$output" ]
}

@test "segmerge -m: a truncated piece and a changed byte are named" {
	split_set
	truncate -s -100 "$T/d/part-000002.sgy"
	printf 'X' | dd of="$T/d/part-000005.sgy" bs=1 seek=5000 conv=notrunc status=none
	run -1 --separate-stderr segmerge -m "$T/d/manifest.yaml" -o "$T/out/x.sgy"
	h=$(/usr/bin/python3 "$BATS_TEST_DIRNAME/xxh64.py" "$T/d/part-000005.sgy")
	want=$(grep -A5 'part-000005' "$T/d/manifest.yaml" | sed -n 's/^    xxh64: "\(.*\)"$/\1/p')
	[ "$stderr" = "segmerge: $T/d/part-000002.sgy: 10980 bytes, the manifest says 11080 (truncated)
segmerge: $T/d/part-000005.sgy: xxh64 $h, the manifest says $want (changed since the split, or a piece of another split)
segmerge: $T/d/manifest.yaml: 2 problems in a set of 8 pieces: nothing written" ]
	[ -z "$(ls -A "$T/out")" ]
	# --no-verify skips the checksums, not the sizes.
	run -1 --separate-stderr segmerge --no-verify -m "$T/d/manifest.yaml" -o "$T/out/x.sgy"
	[ "$stderr" = "segmerge: $T/d/part-000002.sgy: 10980 bytes, the manifest says 11080 (truncated)
segmerge: $T/d/manifest.yaml: 1 problem in a set of 8 pieces: nothing written" ]
}

@test "segmerge -m: a piece of another split is named" {
	split_set
	"$GEN" --shots 12 --chans 10 --shuffle 3 > "$T/other.sgy"
	segsplit --count 17 -d "$T/e" "$T/other.sgy"
	segsplit --count 20 -d "$T/f" "$T/s.sgy"
	cp "$T/e/part-000004.sgy" "$T/d/part-000004.sgy"   # same size, other content
	cp "$T/f/part-000006.sgy" "$T/d/part-000006.sgy"   # other size
	run -1 --separate-stderr segmerge -m "$T/d/manifest.yaml" -o "$T/out/x.sgy"
	[[ "${lines[0]}" == "" ]]
	[ "$(echo "$stderr" | sed -n 1p | sed 's/xxh64 [0-9a-f]*, the manifest says [0-9a-f]*/xxh64 H, the manifest says H/')" = \
	  "segmerge: $T/d/part-000004.sgy: xxh64 H, the manifest says H (changed since the split, or a piece of another split)" ]
	[ "$(echo "$stderr" | sed -n 2p)" = "segmerge: $T/d/part-000006.sgy: 12400 bytes, the manifest says 11080 (longer than written)" ]
	[ -z "$(ls -A "$T/out")" ]
}

@test "segmerge -m: a manifest with a syntax error, or not a manifest" {
	split_set
	sed -i 's/^ns: 50$/ns: [50/' "$T/d/manifest.yaml"
	run -1 --separate-stderr segmerge -m "$T/d/manifest.yaml" -o "$T/out/x.sgy"
	[[ "$stderr" == "segmerge: $T/d/manifest.yaml: line "*", column "* ]]
	[ -z "$(ls -A "$T/out")" ]
	run -1 --separate-stderr segmerge -m "$T/s.sgy"
	[[ "$stderr" == "segmerge: $T/s.sgy: "* ]]
	run -1 --separate-stderr segmerge -m "$T/none.yaml"
	[ "$stderr" = "segmerge: $T/none.yaml: No such file or directory" ]
	printf 'manifest: segkit-split\nversion: 1\n' > "$T/m.yaml"
	run -1 --separate-stderr segmerge -m "$T/m.yaml"
	[ "$stderr" = "segmerge: $T/m.yaml: line 1, column 1: no 'id' field" ]
}

@test "segmerge: option combinations" {
	run -2 --separate-stderr segmerge --key cdp --sum a b
	[ "$stderr" = "segmerge: --key and --sum exclude each other; try --help" ]
	run -2 --separate-stderr segmerge -m x.yaml a.sgy
	[ "$stderr" = "segmerge: -m takes no INPUT operands; try --help" ]
	run -2 --separate-stderr segmerge --no-verify a.sgy
	[ "$stderr" = "segmerge: --no-verify needs -m; try --help" ]
	run -2 --separate-stderr segmerge --key nosuch "$DATA/small.sgy"
	[[ "$stderr" == "segmerge: "*"nosuch"* ]]
}

@test "segmerge: key=value operands equal the long options for the new modes" {
	split_set
	segmerge manifest="$T/d/manifest.yaml" no-verify output="$T/a.sgy" 2>/dev/null ||
		segmerge manifest="$T/d/manifest.yaml" output="$T/a.sgy"
	cmp "$T/a.sgy" "$T/s.sgy"
	segmerge key=tracl "$T/s.sgy" "$T/s.sgy" -o "$T/b.sgy"
	segmerge --key=tracl "$T/s.sgy" "$T/s.sgy" -o "$T/c.sgy"
	cmp "$T/b.sgy" "$T/c.sgy"
}

@test "external sort: segsplit --sort + segmerge --key equals sort -s of seginfo -k" {
	# A shuffled survey of about SORT_MB megabytes, IEEE samples (ns 1000).
	shots=$(( SORT_MB * 1000000 / 4240 / 100 + 1 ))
	"$GEN" --shots $shots --chans 100 --ns 1000 --format 5 --shuffle 7 > "$T/big.sgy"
	segsplit --count $(( shots * 100 / 8 + 1 )) --sort cdp,offset -d "$T/runs" "$T/big.sgy"
	[ "$(ls "$T"/runs/part-* | wc -l)" -eq 8 ]
	segmerge --key cdp,offset -m "$T/runs/manifest.yaml" -o "$T/sorted.sgy"
	# Without --key, a sorted manifest is merged by its own keys.
	segmerge -m "$T/runs/manifest.yaml" | cmp - "$T/sorted.sgy"
	# The reference order: the input's keys through a stable sort.
	seginfo -k cdp,offset,tracl "$T/big.sgy" | sort -s -t$'\t' -k1,1n -k2,2n > "$T/want"
	seginfo -k cdp,offset,tracl "$T/sorted.sgy" > "$T/got"
	cmp "$T/want" "$T/got"
	# Trace by trace, every output record is the input's record of that tracl.
	/usr/bin/python3 - "$T/big.sgy" "$T/sorted.sgy" <<'PY'
import struct, sys
a, b = (open(p, 'rb').read() for p in sys.argv[1:3])
rec = 240 + 4 * 1000
n = (len(a) - 3600) // rec
assert len(a) == len(b) and a[:3600] == b[:3600]
pos = {struct.unpack_from('>i', a, 3600 + i * rec)[0]: i for i in range(n)}
for j in range(n):
    t = struct.unpack_from('>i', b, 3600 + j * rec)[0]
    i = pos.pop(t)
    assert a[3600 + i * rec:3600 + (i + 1) * rec] == b[3600 + j * rec:3600 + (j + 1) * rec], t
assert not pos
PY
}

@test "segmerge --key: stable, refuses unsorted inputs, reads a pipe" {
	"$GEN" --shots 4 --chans 6 > "$T/s.sgy"
	segsplit --round-robin 3 --dir "$T/rr" "$T/s.sgy"
	# Each round-robin piece is sorted by fldr; merged, ties keep input order.
	segmerge --key fldr "$T"/rr/part-* -o "$T/m.sgy"
	seginfo -k fldr,tracl "$T/m.sgy" > "$T/got"
	for p in "$T"/rr/part-*; do seginfo -k fldr,tracl "$p" | sed "s|\$|	${p##*/}|"; done |
		sort -s -t$'\t' -k1,1n -k3,3 | cut -f1,2 > "$T/want"
	cmp "$T/want" "$T/got"
	# cdp is not monotonic in the survey (shot s, channel c: 2s + c + 1).
	segsplit --count 1000 --sort cdp -d "$T/cs" "$T/s.sgy"
	run -1 --separate-stderr segmerge --key cdp "$T/cs/part-000001.sgy" "$T/s.sgy" -o "$T/x.sgy"
	[ "$stderr" = "segmerge: $T/s.sgy: trace 7: not sorted by cdp (cdp=3 after cdp=6)" ]
	[ ! -e "$T/x.sgy" ]
	cat "$T/rr/part-000002.sgy" | segmerge --key fldr "$T/rr/part-000001.sgy" - "$T/rr/part-000003.sgy" | cmp - "$T/m.sgy"
}

@test "segmerge --sum: partial images sum to the whole, exactly" {
	for k in 1 2 3 6; do "$GEN" --shots 8 --chans 12 --scale $k > "$T/p$k.sgy"; done
	segmerge --sum "$T/p1.sgy" "$T/p2.sgy" "$T/p3.sgy" -o "$T/sum.sgy"
	cmp "$T/sum.sgy" "$T/p6.sgy"
	# The headers are the first input's, the samples in its format (IBM).
	segmerge --sum "$T/p3.sgy" "$T/p3.sgy" | cmp - "$T/p6.sgy"
	# A split's pieces stacked against a second copy of the same pieces.
	segsplit --key fldr -d "$T/a" "$T/p1.sgy"
	for p in "$T"/a/part-*; do segmerge --sum "$p" "$p" -o "$T/a2-${p##*/}"; done
	segmerge "$T"/a2-part-* | cmp - "$T/p2.sgy"
}

@test "segmerge --sum: mismatched geometry is refused naming the trace and key" {
	"$GEN" --shots 4 --chans 6 > "$T/a.sgy"
	"$GEN" --shots 4 --chans 6 --shuffle 1 > "$T/b.sgy"
	"$GEN" --shots 4 --chans 5 > "$T/c.sgy"
	"$GEN" --shots 3 --chans 6 > "$T/d.sgy"
	mkdir "$T/out"
	run -1 --separate-stderr segmerge --sum "$T/a.sgy" "$T/b.sgy" -o "$T/out/x.sgy"
	[ "$stderr" = "segmerge: $T/b.sgy: trace 1: cdp 9 differs from $T/a.sgy (cdp 1): not the same traces" ]
	run -1 --separate-stderr segmerge --sum "$T/a.sgy" "$T/c.sgy" -o "$T/out/x.sgy"
	[ "$stderr" = "segmerge: $T/c.sgy: trace 1: offset -50 differs from $T/a.sgy (offset -75): not the same traces" ]
	run -1 --separate-stderr segmerge --sum "$T/a.sgy" "$T/d.sgy" -o "$T/out/x.sgy"
	[ "$stderr" = "segmerge: $T/d.sgy: 18 traces, but $T/a.sgy has more" ]
	run -1 --separate-stderr segmerge --sum "$T/a.sgy" "$T/a.sgy" "$DATA/tiny.sgy" -o "$T/out/x.sgy"
	[ "$stderr" = "segmerge: $DATA/tiny.sgy: ns=4 differs from $T/a.sgy's ns=50" ]
	run -1 --separate-stderr segmerge --sum "$T/a.sgy" "$DATA/small.sgy" -o "$T/out/x.sgy"
	[ "$stderr" = "segmerge: $DATA/small.sgy: trace 1: cdp 0 differs from $T/a.sgy (cdp 1): not the same traces" ]
	# Coordinates compare with scalco applied: trace 2 written with scalco
	# -100 and ten times the integer is the same place; trace 3 moved 0.1 m.
	/usr/bin/python3 - "$T/a.sgy" "$T/e.sgy" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
rec = 240 + 4 * 50
t2, t3 = 3600 + rec, 3600 + 2 * rec
struct.pack_into('>h', b, t2 + 70, -100)
for off in (72, 76, 80, 84, 180, 184):
    v = struct.unpack_from('>i', b, t2 + off)[0]
    struct.pack_into('>i', b, t2 + off, v * 10)
x = struct.unpack_from('>i', b, t3 + 180)[0]
struct.pack_into('>i', b, t3 + 180, x + 1)
open(sys.argv[2], 'wb').write(b)
PY
	run -1 --separate-stderr segmerge --sum "$T/a.sgy" "$T/e.sgy" -o "$T/out/x.sgy"
	[ "$stderr" = "segmerge: $T/e.sgy: trace 3: cdpx -12.9 differs from $T/a.sgy (cdpx -13): not the same traces" ]
	[ -z "$(ls -A "$T/out")" ]
}

@test "segmerge --sum: values said as seginfo prints them; SU's d1, f1 (bytes 181-188) are not cdpx" {
	mkdir "$T/out"
	segedit 'cdpx = cdpx + 0.1' "$DATA/f3.sgy" -o "$T/f3x.sgy"
	run -1 --separate-stderr segmerge --sum "$DATA/f3.sgy" "$T/f3x.sgy" -o "$T/out/x.sgy"
	[ "$stderr" = "segmerge: $T/f3x.sgy: trace 1: cdpx 620197.3 differs from $DATA/f3.sgy (cdpx 620197.2): not the same traces" ]
	# The same SU traces, coordinates written with scalco -100 instead of
	# -10 (ten times the integers), d1 = 0.004 in both: summed, as the
	# same places.
	"$GEN" --shots 4 --chans 6 | segmerge --to su | segedit '@181:f4 = 0.004' -o "$T/a.su"
	/usr/bin/python3 - "$T/a.su" "$T/b.su" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
rec = 240 + 4 * 50
for t in range(len(b) // rec):
    h = t * rec
    assert struct.unpack_from('<h', b, h + 70)[0] == -10
    struct.pack_into('<h', b, h + 70, -100)
    for off in (72, 76, 80, 84):
        struct.pack_into('<i', b, h + off, struct.unpack_from('<i', b, h + off)[0] * 10)
open(sys.argv[2], 'wb').write(b)
PY
	diff <(seginfo -k sx,sy,gx,gy "$T/a.su") <(seginfo -k sx,sy,gx,gy "$T/b.su")
	segmerge --sum "$T/a.su" "$T/b.su" -o "$T/ab.su"
	segedit --scale 2 "$T/a.su" | cmp - "$T/ab.su"
	[ -z "$(ls -A "$T/out")" ]
}

@test "segmerge: 3000 inputs, the open-file limit raised or explained" {
	"$GEN" --shots 300 --chans 10 --ns 4 > "$T/s.sgy"
	segsplit --round-robin 3000 -d "$T/rr" "$T/s.sgy"
	[ "$(ls "$T"/rr/part-* | wc -l)" -eq 3000 ]
	# Interleaving 3000 pieces with a soft limit of 1024: raised, and said.
	run -0 --separate-stderr bash -c "ulimit -Sn 1024 && segmerge -m '$T/rr/manifest.yaml' -o '$T/back.sgy'"
	[ "$stderr" = "segmerge: raised the open-file limit from 1024 to $(ulimit -Hn) for 3000 inputs" ]
	cmp "$T/back.sgy" "$T/s.sgy"
	# A k-way merge of them by tracl gives the source too.
	segmerge --key tracl "$T"/rr/part-* | cmp - "$T/s.sgy"
	# A hard limit too low: what to do.
	run -1 --separate-stderr bash -c "ulimit -n 1000 && segmerge --key tracl '$T'/rr/part-* -o '$T/x.sgy'"
	[ "$stderr" = "segmerge: 3000 inputs need 3016 open files, but the hard limit is 1000: merge in stages of at most 984 inputs, or raise the hard limit (ulimit -Hn 3016 as root, or nofile in /etc/security/limits.conf)" ]
	[ ! -e "$T/x.sgy" ]
	# Merge in stages, as it says.
	segmerge --key tracl "$T"/rr/part-00[0-1]* -o "$T/s1.sgy"
	segmerge --key tracl "$T"/rr/part-00[2-3]* -o "$T/s2.sgy"
	bash -c "ulimit -n 1000 && segmerge --key tracl '$T/s1.sgy' '$T/s2.sgy'" | cmp - "$T/s.sgy"
	# segsplit says so too when it needs more files for its pieces.
	run -0 --separate-stderr bash -c "ulimit -Sn 1024 && segsplit --round-robin 2000 -d '$T/r2' '$T/s.sgy'"
	[ "$stderr" = "segsplit: raised the open-file limit from 1024 to $(ulimit -Hn) for 2000 pieces" ]
}

# Streams keep their counts (issue 13): the rev 2 trace count at byte 3513
# and sgk's count are the stream's total from the first byte wherever the
# writer can know it, so a pipe carries what a file gets when it is closed.
@test "segmerge: a pipe carries the trace count a file gets (manifest, inputs' counts, sgk)" {
	"$GEN" --shots 12 --chans 10 --rev 2 >"$T/r2.sgy"
	count() { od -An -tu1 -j3512 -N8 "$1" | tr -s ' '; }
	[ "$(count "$T/r2.sgy")" = " 0 0 0 0 0 0 0 120" ]
	segsplit --parts 4 -d "$T/d" "$T/r2.sgy"
	[ "$(count "$T/d/part-000001.sgy")" = " 0 0 0 0 0 0 0 30" ]
	segmerge -m "$T/d/manifest.yaml" >"$T/pipe.sgy"
	segmerge -m "$T/d/manifest.yaml" -o "$T/file.sgy"
	cmp "$T/pipe.sgy" "$T/r2.sgy"
	cmp "$T/file.sgy" "$T/r2.sgy"
	# Several files: the sum of their counts, through a pipe as into a file.
	segmerge "$T"/d/part-*.sgy | cat >"$T/cat.sgy"
	cmp "$T/cat.sgy" "$T/r2.sgy"
	# --key merges, and sgk to a pipe: its header holds the count too.
	segmerge --key tracl "$T"/d/part-*.sgy | cmp - "$T/r2.sgy"
	segmerge --to sgk "$T"/d/part-*.sgy | cat >"$T/p.sgk"
	[ "$(od -An -td8 -j40 -N8 "$T/p.sgk" | tr -d ' ')" = 120 ]
	segmerge --to sgk -o "$T/f.sgk" "$T"/d/part-*.sgy
	cmp "$T/p.sgk" "$T/f.sgk"
	# An input on standard input has no count known in advance: the
	# header keeps the first input's declared count as SEG-Y allows no
	# later fix through a pipe; sgk says -1.
	cat "$T/d/part-000002.sgy" | segmerge --to sgk "$T/d/part-000001.sgy" - | cat >"$T/u.sgk"
	[ "$(od -An -td8 -j40 -N8 "$T/u.sgk" | tr -d ' ')" = -1 ]
	run -0 seginfo --json "$T/u.sgk"
	[[ "$output" == *'"traces": 60,'* ]]
}

@test "segmerge: the pipes of the man pages equal their file forms" {
	"$GEN" --shots 20 --chans 12 --rev 2 >"$T/line.sgy"
	cd "$T"
	# segmerge(1): reassemble a split and compare with the source.
	segsplit --count 100 -d parts line.sgy
	segmerge -m parts/manifest.yaml | cmp - line.sgy
	# segsplit(1): near, mid and far offsets, and everything else.
	segsplit --ranges offset=0:50,50:100,100:5000 -d offsets line.sgy
	segmerge -m offsets/manifest.yaml | cmp - line.sgy
}

# Issue 17: a merge of many inputs holds about 64 KiB and a record per input.
# Format detection reads 260 KiB of each; that used to stay buffered (100
# inputs of 300 KB took 22 MiB more than one input of all the traces).
@test "segmerge --key: 100 inputs hold about 64 KiB each, not what detection read" {
	if asan_build segmerge; then
		skip "ASan keeps freed memory in quarantine: max RSS says nothing"
	fi
	segsynth --line 100,25,100,12.5 --nt 700 --format ibm --reflector 1.0 -o "$T/s.sgy"
	segsplit --count 100 --sort offset,tracl -d "$T/r" "$T/s.sgy"
	[ "$(ls "$T"/r/part-*.sgy | wc -l)" -eq 100 ]
	[ "$(stat -c %s "$T/r/part-000001.sgy")" -eq $((3600 + 100 * (240 + 4 * 700))) ]
	many=$(/usr/bin/time -f %M segmerge --key offset,tracl "$T"/r/part-*.sgy -o "$T/sorted.sgy" 2>&1)
	one=$(/usr/bin/time -f %M segmerge --key offset,tracl "$T/sorted.sgy" -o "$T/again.sgy" 2>&1)
	cmp "$T/sorted.sgy" "$T/again.sgy"
	echo "max RSS: 100 inputs $many KiB, one input $one KiB"
	# 100 x (64 KiB buffer + 32 KiB for the record and the reader).
	[ $((many - one)) -lt $((100 * 96)) ]
}

@test "segmerge --key: 16 inputs or fewer are read 256 KiB at a time, not 4 MiB" {
	command -v strace >/dev/null || skip "strace is not installed (scripts/deps.sh installs it)"
	# Two runs of 5 MB: each read() after format detection's first (260
	# KiB) takes at most 256 KiB (4 MiB reads into cold buffers took 30% of
	# a 5-run merge's CPU).
	"$GEN" --shots 24 --chans 100 --ns 1000 --shuffle 5 > "$T/s.sgy"
	segsplit --count 1200 --sort cdp,offset -d "$T/r" "$T/s.sgy"
	ASAN_OPTIONS=detect_leaks=0 strace -f -o "$T/trace" -e trace=read \
		segmerge --key cdp,offset "$T"/r/part-*.sgy -o "$T/sorted.sgy"
	max=$(awk '/ read\(/ { if ($NF + 0 > m) m = $NF + 0 } END { print m + 0 }' "$T/trace")
	echo "largest read: $max bytes"
	[ "$max" -le $((260 * 1024)) ]
	[ "$(awk '/ read\(/ && $NF + 0 > 262144' "$T/trace" | wc -l)" -le 2 ]
	seginfo -k cdp,offset,tracl "$T/s.sgy" | sort -s -t$'\t' -k1,1n -k2,2n > "$T/want"
	seginfo -k cdp,offset,tracl "$T/sorted.sgy" | cmp - "$T/want"
}

# sgk inputs: an uncompressed block is read where it lies in the input
# buffer, so each input holds one block (it held two: 1,000 runs of 336 KB
# took 676 MB), plus the 64 KiB of the others.  Still a block, not 64 KiB:
# the block layout puts a trace's header and samples apart; so segsplit
# --sort writes sgk runs in 64 KiB blocks, compressed or not (in 4 MiB
# blocks, 986 runs of 207 KB took 274 MB and 1,000 runs of 2 MB would hold
# 4 MiB each).
@test "segmerge --key: 100 sgk inputs hold one 64 KiB block each, not two" {
	if asan_build segmerge; then
		skip "ASan keeps freed memory in quarantine: max RSS says nothing"
	fi
	segsynth --line 100,25,100,12.5 --nt 700 --format ibm --reflector 1.0 -o "$T/s.sgy"
	segsplit --count 100 --sort offset,tracl --to sgk -d "$T/r" "$T/s.sgy"
	[ "$(ls "$T"/r/part-*.sgk | wc -l)" -eq 100 ]
	# 21 traces of 240 + 4 x 700 bytes a block (64 KiB): 5 blocks a run.
	[ "$(od -An -tu4 -j32 -N4 "$T/r/part-000001.sgk" | tr -d ' ')" -eq 21 ]
	block=$((21 * (240 + 4 * 700)))
	[ "$(stat -c %s "$T/r/part-000001.sgk")" -eq $((64 + 3600 + 5 * 24 + 100 * (240 + 4 * 700) + 24)) ]
	many=$(/usr/bin/time -f %M segmerge --key offset,tracl "$T"/r/part-*.sgk -o "$T/sorted.sgk" 2>&1)
	one=$(/usr/bin/time -f %M segmerge --key offset,tracl "$T/sorted.sgk" -o "$T/again.sgk" 2>&1)
	cmp "$T/sorted.sgk" "$T/again.sgk"
	# The same traces as sorting the whole in memory.
	segsplit --count 10000 --sort offset,tracl -d "$T/one" "$T/s.sgy"
	segmerge --to segy "$T/sorted.sgk" | cmp - "$T/one/part-000001.sgy"
	echo "max RSS: 100 sgk inputs $many KiB, one input $one KiB, a block $((block / 1024)) KiB"
	# 100 x (the block + 96 KiB); runs of one 297 KiB block each held
	# 100 x 393 KiB and more.
	[ $((many - one)) -lt $((100 * (block / 1024 + 96))) ]
}

# Compressed sgk runs: segsplit --sort writes 64 KiB blocks (a merge reads a
# compressed block whole), and a merge of many reads each block's stored
# bytes past a 16 KiB input buffer and frees the frame's output and the zstd
# context after it: one small block each.  Before, each input held its
# stored block, the frame's output and the block (three blocks of 4 MiB
# runs: 1,000 runs of 424 KB took 1.25 GB).
@test "segmerge --key: 100 sgk+zstd runs hold one 64 KiB block each" {
	if asan_build segmerge; then
		skip "ASan keeps freed memory in quarantine: max RSS says nothing"
	fi
	segsynth --line 100,25,100,12.5 --nt 700 --format ibm --reflector 1.0 --noise 4 --seed 7 -o "$T/s.sgy"
	segsplit --count 100 --sort offset,tracl --zstd -d "$T/r" "$T/s.sgy"
	[ "$(ls "$T"/r/part-*.sgk | wc -l)" -eq 100 ]
	# 21 traces of 240 + 4 x 700 bytes a block: 64 KiB.
	[ "$(od -An -tu4 -j32 -N4 "$T/r/part-000001.sgk" | tr -d ' ')" -eq 21 ]
	many=$(/usr/bin/time -f %M segmerge --key offset,tracl "$T"/r/part-*.sgk -o "$T/sorted.sgk" 2>&1)
	one=$(/usr/bin/time -f %M segmerge --key offset,tracl "$T/sorted.sgk" -o "$T/again.sgk" 2>&1)
	cmp "$T/sorted.sgk" "$T/again.sgk"
	segsplit --count 10000 --sort offset,tracl -d "$T/one" "$T/s.sgy"
	segmerge --to segy "$T/sorted.sgk" | cmp - "$T/one/part-000001.sgy"
	echo "max RSS: 100 sgk+zstd inputs $many KiB, one input $one KiB"
	# 100 x (the block + 16 KiB buffer + 32 KiB for the record and the
	# reader); three blocks each would be 100 x 187 KiB and more.
	[ $((many - one)) -lt $((100 * (62 + 16 + 32))) ]
}
