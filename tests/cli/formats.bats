#!/usr/bin/env bats
# Acceptance tests of the trace I/O core (issue 2): every real file of
# ../shared/data/segy against the README's reference table and python3-segyio,
# the multiformats F3 values, byte-exact round trips, pipes fed in irregular
# chunks, and bad input.  The Python helpers beside this file decode the files
# independently of segkit (numpy); segyio runs one file per process.
bats_require_minimum_version 1.5.0
load helpers

PY=/usr/bin/python3
H=$BATS_TEST_DIRNAME

setup() {
	T=$BATS_TEST_TMPDIR
}

# Every SEG-Y and SU file of the data directory.
data_files() {
	ls "$DATA"/*.sgy "$DATA"/*.su "$DATA"/multiformats/*.sgy
}

# The files segkit reads to the end (the README: no truncated trace, traces
# present), but the format 4 files, which hold IEEE floats.
readable() {
	"$PY" "$H/reftable.py" list "$DATA" | awk '$4 == 0 && $2 != 4 { print $1 }'
}

# dump FILE OUT: our decoding as its trace records alone: 240-byte headers
# with little-endian fields, then float32 little-endian samples (the records
# of a little-endian IEEE SEG-Y file, which keep bytes 181-240 as rev 1
# fields; SU output clears those, as SU reads its own fields there).
dump() {
	local n ns
	segmerge --to segy --format ieee --endian little "$1" >"$2.sgy"
	n=$(seginfo --json "$2.sgy" | sed -n 's/.*"traces": \([0-9]*\),.*/\1/p')
	ns=$(seginfo --json "$2.sgy" | sed -n 's/.*"ns": \([0-9]*\),.*/\1/p')
	tail -c $((n * (240 + 4 * ns))) "$2.sgy" >"$2"
	rm "$2.sgy"
}

# --- 1. the reference table ---------------------------------------------------

@test "formats: seginfo --json gives the README's format, byte order, ns, dt, traces for every file" {
	local f rc out
	for f in $(data_files); do
		rc=0
		out=$(seginfo --json "$f" 2>/dev/null) || rc=$?
		printf '%s\t%s\n' "$rc" "$out"
	done >"$T/got"
	run "$PY" "$H/reftable.py" check "$DATA" <"$T/got"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"files checked, 0 mismatches" ]]
}

@test "formats: seginfo -k of the first trace is the README's trace 1 header" {
	local keys path want got n=0
	keys=$("$PY" "$H/reftable.py" keys "$DATA")
	while IFS=$'\t' read -r path want; do
		got=$(seginfo -k "$keys" "$path" 2>/dev/null | head -n 1)
		if [ "$got" != "$want" ]; then
			echo "$path: got '$got', the README says '$want'"
			return 1
		fi
		n=$((n + 1))
	done < <("$PY" "$H/reftable.py" trace1 "$DATA")
	[ "$n" -ge 70 ]
}

@test "formats: truncated files report the whole traces and exit 1; text.sgy has none; SU files are SU" {
	local f
	for f in broken increment increment-lsb decrement mapping-empty; do
		run -1 --separate-stderr seginfo --json "$DATA/$f.sgy"
		[[ "$stderr" == "seginfo: $DATA/$f.sgy: trace "*" is truncated: "*" bytes" ]]
	done
	run -1 --separate-stderr seginfo --json "$DATA/broken.sgy"
	[[ "$output" == *'"traces": 3,'* ]]
	[ "$stderr" = "seginfo: $DATA/broken.sgy: trace 4 (from byte 10769) is truncated: 68 of 256 bytes" ]
	run -1 --separate-stderr seginfo --json "$DATA/text.sgy"
	[[ "$output" == *'"traces": 0,'* ]]
	[ "$stderr" = "seginfo: $DATA/text.sgy: no traces: the file ends at byte 3600, after its headers" ]
	run -0 seginfo --json "$DATA/small.su" "$DATA/small-lsb.su"
	[[ "${lines[0]}" == *'"format": "su", "byte_order": "big"'* ]]
	[[ "${lines[1]}" == *'"format": "su", "byte_order": "little"'* ]]
}

# --- 2. samples and headers against segyio -----------------------------------

@test "formats: samples (formats 1 2 3 5 8, both byte orders) and headers agree with segyio" {
	local f fmt endian x n=0 fails=0
	while read -r f fmt endian x; do
		dump "$f" "$T/o.su"
		if ! "$PY" "$H/segyio_check.py" "$f" "$endian" "$T/o.su"; then
			fails=$((fails + 1))
		fi
		n=$((n + 1))
	done < <("$PY" "$H/reftable.py" list "$DATA" segyio)
	echo "$n files, $fails failed"
	[ "$fails" -eq 0 ]
	[ "$n" -ge 45 ]
}

@test "formats: files segkit writes read by segyio as segkit reads them: headers, extended text, every sample" {
	"$PY" -c 'import segyio' 2>/dev/null || skip "python3-segyio is not installed"
	local g="--line 4,50,24,25 --vel 0:2000,2:2500 --diffractor 500,0.3 --reflector 0.5 -n 250" x
	cd "$T"
	# segsynth in IBM, IEEE, int16 and int8, both byte orders; a noisy
	# random survey.
	segsynth $g -f ibm -o ibm_big.sgy
	segsynth $g -f ibm -e little -o ibm_little.sgy
	segsynth $g -f ieee -e little -o ieee_little.sgy
	segsynth $g -f 3 -o i16_big.sgy
	segsynth $g -f 8 -e little -o i8_little.sgy
	segsynth --random 300 --area 0,1200,0,1200 --seed 7 --plane 0.4,0.0002 --hyperbola 0.6,2000,600,600 \
		--noise 10 -n 200 -o rand_big.sgy
	# segedit: keys set, a window, a scale, IEEE to IBM little-endian; F3
	# kept in part; an extended textual header carried.
	segedit 'cdpx = sx * 2' 'scalco = -10' -W 0.1:0.6 -s 2.5 -f ibm -e little ieee_little.sgy -o ed_little.sgy
	segedit -w 'cdp % 2 == 0' "$DATA/f3.sgy" -o f3half_big.sgy
	segedit "$DATA/multi-text.sgy" -o mt_big.sgy
	# segmerge of a split, and of zstd sgk back to SEG-Y; regrid; migrate.
	segsplit --parts 3 -d parts ibm_big.sgy
	segmerge -m parts/manifest.yaml -o merged_big.sgy
	segedit -t sgk -z rand_big.sgy -o rand.sgk
	segmerge --to segy rand.sgk -o sgk_big.sgy
	regrid --coords cdp -m linear -g 0,25,20 ieee_little.sgy -o rg_little.sgy 2>/dev/null
	migrate --zero-offset --vel 2000 --grid 0,25,20 ibm_big.sgy -o mig_big.sgy
	for x in ibm_big ibm_little ieee_little i16_big i8_little rand_big ed_little f3half_big mt_big merged_big \
		sgk_big rg_little mig_big; do
		run -0 "$PY" "$H/segyio_written.py" "$x.sgy" "${x##*_}"
		[[ "$output" = *": the same" ]] || { echo "$output"; false; }
	done
	[ "$(seginfo -j mt_big.sgy | grep -o '"extended_headers": [0-9]*')" = '"extended_headers": 4' ]
	# Values that must not change, read by segyio from the new file and
	# by segkit from the old: another byte order, a merge, sgk and back.
	run -0 "$PY" "$H/segyio_written.py" ibm_little.sgy little ibm_big.sgy
	run -0 "$PY" "$H/segyio_written.py" merged_big.sgy big ibm_big.sgy
	run -0 "$PY" "$H/segyio_written.py" sgk_big.sgy big rand_big.sgy
	# The check can fail: a header changed, against the file before.
	segedit 'cdp = cdp + 1' ibm_big.sgy -o cdp1_big.sgy
	run -1 --separate-stderr "$PY" "$H/segyio_written.py" cdp1_big.sgy big ibm_big.sgy
	[[ "$stderr" = "cdp1_big.sgy: trace 1 cdp (byte 21): 1, segyio 2"* ]] || { echo "$stderr"; false; }
}

@test "formats: IBM decoding is the exact formula on vectors and random words, segyio where it is right" {
	local e
	for e in big little; do
		"$PY" "$H/gen.py" ibm "$T/ibm.sgy" "$e"
		dump "$T/ibm.sgy" "$T/ibm.su"
		run -0 "$PY" "$H/segyio_check.py" --exact-only "$T/ibm.sgy" "$e" "$T/ibm.su"
		# segyio agrees on normalised words in float range only.
		run -0 "$PY" "$H/segyio_check.py" "$T/ibm.sgy" "$e" "$T/ibm.su"
	done
}

@test "formats: format 4 (fixed point with gain) decodes to M x 2^-G" {
	local e
	for e in big little; do
		"$PY" "$H/gen.py" fmt4 "$T/f4.sgy" "$e"
		dump "$T/f4.sgy" "$T/f4.su"
		run -0 "$PY" "$H/segyio_check.py" --exact-only "$T/f4.sgy" "$e" "$T/f4.su"
	done
}

@test "formats: the checks can fail (a changed sample, a changed header byte)" {
	dump "$DATA/small.sgy" "$T/o.su"
	cp "$T/o.su" "$T/bad.su"
	printf '\001' | dd of="$T/bad.su" bs=1 seek=$((240 + 4 * 7)) conv=notrunc 2>/dev/null
	run -1 "$PY" "$H/segyio_check.py" "$DATA/small.sgy" big "$T/bad.su"
	[[ "$output" == *"1 IBM samples differ from the exact formula"* ]]
	cp "$T/o.su" "$T/bad.su"
	printf '\007' | dd of="$T/bad.su" bs=1 seek=$((440 + 189)) conv=notrunc 2>/dev/null
	run -1 "$PY" "$H/segyio_check.py" "$DATA/small.sgy" big "$T/bad.su"
	[[ "$output" == *"header byte 189 (INLINE_3D): 1 traces differ"* ]]
}

# --- 3. multiformats: the F3 values ------------------------------------------

@test "formats: every multiformats file decodes to f3.sgy's values where its type holds them" {
	local f
	mkdir "$T/o"
	dump "$DATA/f3.sgy" "$T/o/f3.sgy.su"
	for f in "$DATA"/multiformats/*.sgy; do
		case $f in */Format4*) continue ;; esac
		dump "$f" "$T/o/${f##*/}.su"
	done
	run "$PY" "$H/f3check.py" "$DATA" "$T/o"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "26 files checked, 0 problems" ]
}

@test "formats: Format4 files (IEEE floats labelled format 4 by segyio's writer) are refused" {
	local f
	mkdir "$T/out"
	for f in Format4msb Format4lsb; do
		run -1 --separate-stderr segmerge -o "$T/out/x.sgk" --to sgk "$DATA/multiformats/$f.sgy"
		[ "$stderr" = "segmerge: $DATA/multiformats/$f.sgy: trace 1, sample 20: word 0xc5232000 is not fixed point with gain (format 4 needs a zero first byte)" ]
		[ -z "$(ls -A "$T/out")" ]
	done
}

# --- 4. round trips -------------------------------------------------------------

# rt FILE: FILE -> sgk -> back, plain, zstd, through pipes and with -o; each
# must give FILE's bytes.
rt() {
	local f=$1 to=segy
	case $f in *.su) to=su ;; esac
	segmerge --to sgk "$f" >"$T/a.sgk"
	segmerge --to "$to" "$T/a.sgk" | cmp - "$f"
	segmerge --zstd "$f" >"$T/z.sgk"
	segmerge --to "$to" "$T/z.sgk" | cmp - "$f"
	segmerge --zstd=19 <"$f" | segmerge --to "$to" | cmp - "$f"
	cat "$f" | segmerge --to sgk | segmerge --to "$to" | cmp - "$f"
	segmerge --to sgk -o "$T/b.sgk" "$f"
	segmerge --to "$to" -o "$T/back" "$T/b.sgk"
	cmp "$T/back" "$f"
	segmerge --zstd -o "$T/bz.sgk" "$f"
	segmerge --to "$to" "$T/bz.sgk" | cmp - "$f"
	# sgk decodes its samples to the values the original decodes to.
	segmerge --to su "$T/bz.sgk" | cmp - <(segmerge --to su "$f")
	# A same-format copy is the identity too.
	segmerge "$f" | cmp - "$f"
}

@test "formats: SEG-Y and SU -> sgk (plain, zstd, pipes, -o) -> back is byte-identical" {
	local f n=0
	for f in $(readable); do
		rt "$f" || { echo "round trip of $f"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 72 ]
}

# sgk keeps the source's sample encoding (sgk(5) version 2): Format10 (uint32)
# and Format12 (uint64), whose wrapped negative F3 values no float holds, and
# IBM words that are not normalised (leading hex digit 0, as real files hold
# them) come back as they were.
@test "formats: sgk keeps uint32, uint64 and non-normalised IBM words exactly" {
	local f
	for f in "$DATA"/multiformats/Format1[02]*.sgy; do
		segmerge --to sgk "$f" | segmerge --to segy | cmp - "$f"
		segmerge --zstd "$f" | segmerge --to segy | cmp - "$f"
	done
	# f3's integers as little-endian IBM, every other word then written
	# non-normalised: the same value, other bytes.
	segmerge --format ibm --endian little "$DATA/f3.sgy" -o "$T/ibm.sgy"
	"$PY" - "$T/ibm.sgy" "$T/nn.sgy" <<'PYEOF'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
ns, = struct.unpack_from('<H', b, 3220)
start, rec, n = 3600, 240 + 4 * ns, 0
for t in range((len(b) - start) // rec):
    for i in range(0, ns, 2):
        at = start + t * rec + 240 + 4 * i
        w, = struct.unpack_from('<I', b, at)
        e, f = (w >> 24) & 0x7f, w & 0xffffff
        if f and e < 0x7f and f & 0xf == 0:
            struct.pack_into('<I', b, at, (w & 0x80000000) | (e + 1) << 24 | f >> 4)
            n += 1
assert n > 10000, n
open(sys.argv[2], 'wb').write(b)
PYEOF
	run -0 seginfo --json "$T/nn.sgy"
	[[ "$output" == *'"byte_order": "little"'*'"sample_format": 1,'* ]]
	! cmp -s "$T/nn.sgy" "$T/ibm.sgy"
	rt "$T/nn.sgy"
	# The words decode to the values of the normalised ones.
	segmerge --to su "$T/nn.sgy" | cmp - <(segmerge --to su "$T/ibm.sgy")
	# Through the float32 encoding the values survive, the words do not.
	segmerge --to sgk --format ieee "$T/nn.sgy" | segmerge --to su | cmp - <(segmerge --to su "$T/nn.sgy")
	! segmerge --to sgk --format ieee "$T/nn.sgy" | segmerge --to segy --format ibm | cmp -s - "$T/nn.sgy"
}

@test "formats: f3 int16 -> another sample format -> int16 is byte-identical, other types likewise" {
	local fmt
	for fmt in ibm int32 ieee double int24 int64 1 2 5 6 7 9; do
		segmerge --format "$fmt" "$DATA/f3.sgy" >"$T/x.sgy"
		segmerge --format int16 "$T/x.sgy" | cmp - "$DATA/f3.sgy"
		segmerge --format "$fmt" --endian little "$DATA/f3.sgy" |
			segmerge --to sgk | segmerge --to segy --format int16 --endian big | cmp - "$DATA/f3.sgy"
	done
	# The other integer files through a wider type and back.
	local spec name via back
	for spec in "Format8msb int32 int8" "Format16lsb int16 uint8" "Format11msb int32 uint16" \
		"Format15lsb int32 uint24" "Format9msb double int64" "Format7msb ieee int24" \
		"Format2lsb ibm int32" "Format1lsb double ibm"; do
		read -r name via back <<<"$spec"
		segmerge --format "$via" "$DATA/multiformats/$name.sgy" | segmerge --format "$back" |
			cmp - "$DATA/multiformats/$name.sgy" || { echo "$spec"; return 1; }
	done
	# The format code and byte order are what was asked for.
	segmerge --format double --endian little "$DATA/f3.sgy" >"$T/x.sgy"
	run -0 seginfo --json "$T/x.sgy"
	[[ "$output" == *'"byte_order": "little"'*'"sample_format": 6, "ns": 75'* ]]
	[ "$(stat -c %s "$T/x.sgy")" -eq $((3600 + 414 * (240 + 8 * 75))) ]
}

@test "formats: small.sgy IBM -> ieee -> ibm and big -> little -> big are byte-identical" {
	local f
	for f in small small-lsb shot-gather long; do
		segmerge --format ieee "$DATA/$f.sgy" | segmerge --format ibm | cmp - "$DATA/$f.sgy"
		segmerge --format double "$DATA/$f.sgy" | segmerge --format ibm | cmp - "$DATA/$f.sgy"
	done
	segmerge --endian little "$DATA/small.sgy" | cmp - "$DATA/small-lsb.sgy"
	segmerge --endian big "$DATA/small-lsb.sgy" | cmp - "$DATA/small.sgy"
	segmerge --endian little "$DATA/small.su" | cmp - "$DATA/small-lsb.su"
	segmerge --endian big "$DATA/small-lsb.su" | cmp - "$DATA/small.su"
	segmerge --endian little "$DATA/f3.sgy" | segmerge --endian big | cmp - "$DATA/f3.sgy"
}

@test "formats: sgk from segmerge is the layout of man 5 sgk (an independent reader), blocks, zstd planes" {
	local f i
	for i in 1 2 3 4 5 6 7 8 9 10; do set -- "$@" "$DATA/long.sgy"; done
	segmerge "$@" >"$T/long10.sgy"   # 10 x 3 traces of 240240 bytes: 2 blocks of 4 MiB
	for f in "$DATA/f3.sgy" "$DATA/small.sgy" "$DATA/multi-text.sgy" "$DATA/multiformats/Format5msb.sgy" "$T/long10.sgy"; do
		segmerge --to sgk -o "$T/a.sgk" "$f"
		run -0 "$PY" "$H/sgkcheck.py" "$T/a.sgk" "$f" "$(seginfo --json "$f" | sed 's/.*"traces": \([0-9]*\).*/\1/')"
		# Into a pipe the count is known from the input: the header has it.
		segmerge --zstd "$f" | cat >"$T/z.sgk"
		run -0 "$PY" "$H/sgkcheck.py" "$T/z.sgk" "$f" "$(seginfo --json "$f" | sed 's/.*"traces": \([0-9]*\).*/\1/')"
		cat "$f" | segmerge --zstd | cat >"$T/u.sgk"
		run -0 "$PY" "$H/sgkcheck.py" "$T/u.sgk" "$f" -1
		segmerge --to segy "$T/z.sgk" | cmp - "$f"
		segmerge --to segy "$T/a.sgk" | cmp - "$f"
	done
	[ "$output" = "$T/u.sgk: 30 traces in 2 blocks of B=17, zstd" ]
}

@test "formats: IBM SEG-Y -> sgk read ahead by whole blocks (file, pipe, several inputs) is the layout of man 5 sgk" {
	# 3,000 traces of 4,244 bytes: blocks of 988 traces, three whole and
	# a short one; read ahead in slots of whole blocks into a pipe.
	segsynth --line 30,25,100,12.5 --nt 1001 --reflector 0.5 --noise 4 --format ibm -o "$T/i.sgy"
	segmerge --to sgk "$T/i.sgy" | cat >"$T/a.sgk"
	run -0 "$PY" "$H/sgkcheck.py" "$T/a.sgk" "$T/i.sgy" 3000
	[ "$output" = "$T/a.sgk: 3000 traces in 4 blocks of B=988, plain" ]
	cat "$T/i.sgy" | segmerge --to sgk | cat >"$T/b.sgk"
	run -0 "$PY" "$H/sgkcheck.py" "$T/b.sgk" "$T/i.sgy" -1
	# Inputs after the first start in the middle of a block.
	segmerge "$T/i.sgy" "$T/i.sgy" "$T/i.sgy" -o "$T/i3.sgy"
	cat "$T/i.sgy" | segmerge --to sgk "$T/i.sgy" - "$T/i.sgy" | cat >"$T/c.sgk"
	run -0 "$PY" "$H/sgkcheck.py" "$T/c.sgk" "$T/i3.sgy" -1
	[ "$output" = "$T/c.sgk: 9000 traces in 10 blocks of B=988, plain" ]
	# The same blocks from files into a file (its count fixed at the end).
	segmerge --to sgk "$T/i.sgy" "$T/i.sgy" "$T/i.sgy" -o "$T/d.sgk"
	cmp -n 40 "$T/c.sgk" "$T/d.sgk" && cmp -i 48 "$T/c.sgk" "$T/d.sgk"
	[ "$(od -An -td8 -j40 -N8 "$T/d.sgk" | tr -d ' ')" = 9000 ]
}

# --- 5. pipes in irregular chunks ------------------------------------------------

# samebytes A B: the same bytes, but for sgk's trace count (bytes 41-48), which
# a stream read from a file knows from the start and one read from a pipe may
# not (-1).
samebytes() {
	if [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' ')" = 8953474b ]; then
		cmp -n 40 "$1" "$2" && cmp -i 48 "$1" "$2"
	else
		cmp "$1" "$2"
	fi
}

@test "formats: a pipe fed in 1-997-byte chunks reads exactly as the file (SEG-Y, SU, sgk, sgk+zstd)" {
	local f to
	segmerge --to sgk -o "$T/f3.sgk" "$DATA/f3.sgy"
	segmerge --zstd -o "$T/f3z.sgk" "$DATA/f3.sgy"
	segmerge "$DATA/long.sgy" "$DATA/long.sgy" "$DATA/long.sgy" "$DATA/long.sgy" "$DATA/long.sgy" \
		"$DATA/long.sgy" "$DATA/long.sgy" >"$T/long7.sgy"
	segmerge --zstd -o "$T/longz.sgk" "$T/long7.sgy"   # 2 blocks
	segmerge --to sgk "$DATA/small.su" >"$T/small.sgk"
	segmerge --to su "$DATA/f3.sgy" >"$T/f3.su"
	for f in "$DATA/small.sgy" "$DATA/small-lsb.sgy" "$DATA/f3.sgy" "$DATA/long.sgy" \
		"$DATA/multi-text.sgy" "$DATA/trace-header-extensions.sgy" "$DATA/mapping-all-types-lsb.sgy" \
		"$DATA/multiformats/Format7lsb.sgy" "$DATA/multiformats/Format12msb.sgy" \
		"$DATA/small.su" "$DATA/small-lsb.su" "$T/f3.su" \
		"$T/f3.sgk" "$T/f3z.sgk" "$T/longz.sgk" "$T/small.sgk"; do
		for to in sgk segy su; do
			case $to:$f in su:*long* | su:*extension* | su:*mapping*) continue ;; esac
			segmerge --to "$to" "$f" | cat >"$T/file.out"
			"$PY" "$H/gen.py" feed "$f" | segmerge --to "$to" | cat >"$T/pipe.out"
			samebytes "$T/file.out" "$T/pipe.out" || { echo "$f --to $to"; return 1; }
		done
		seginfo -k tracl,cdp,offset,@115:u2 "$f" >"$T/file.k"
		"$PY" "$H/gen.py" feed "$f" | seginfo -k tracl,cdp,offset,@115:u2 >"$T/pipe.k"
		cmp "$T/file.k" "$T/pipe.k"
	done
}

@test "formats: an SU stream longer than the detection window, dt=0, reads through a pipe as from a file" {
	# small.su has dt = 0 in its trace headers (as the cube's SEG-Y does);
	# 30 copies are 330000 bytes, more than one detection read.
	local i
	for i in $(seq 30); do cat "$DATA/small.su"; done >"$T/big.su"
	segmerge --to sgk "$T/big.su" | cat >"$T/file.out"
	"$PY" "$H/gen.py" feed "$T/big.su" | segmerge --to sgk | cat >"$T/pipe.out"
	samebytes "$T/file.out" "$T/pipe.out"
}

# --- 6. bad input ---------------------------------------------------------------

# bad FILE MESSAGE [OPTION...]: segmerge -o refuses FILE with exactly
# "segmerge: FILE: MESSAGE", exit 1, and leaves nothing in the output
# directory; seginfo gives the same message.
bad() {
	local f=$1 msg=$2
	shift 2
	rm -rf "$T/out" && mkdir "$T/out"
	run -1 --separate-stderr segmerge "$@" -o "$T/out/x.sgy" "$f"
	if [ "$stderr" != "segmerge: $f: $msg" ]; then
		printf 'got:  %s\nwant: %s\n' "$stderr" "segmerge: $f: $msg"
		return 1
	fi
	[ -z "$output" ]
	[ -z "$(ls -A "$T/out")" ] || { ls -la "$T/out"; return 1; }
	# seginfo says the same.
	run -1 --separate-stderr seginfo "$@" "$f"
	[[ "$stderr" == *"seginfo: $f: $msg" ]] || { echo "seginfo: $stderr"; return 1; }
}

@test "formats: bad input: empty file, text file, truncated header, directory, missing file" {
	: >"$T/empty"
	echo "hello world, this is text" >"$T/text.txt"
	head -c 1000 "$DATA/small.sgy" >"$T/head1000.sgy"
	mkdir "$T/dir"
	bad "$T/empty" "empty file"
	bad "$T/text.txt" "not a SEG-Y, SU or sgk file: 26 bytes, shorter than a 3600-byte SEG-Y header, and no SU trace fits"
	bad "$T/head1000.sgy" "not a SEG-Y, SU or sgk file: 1000 bytes, shorter than a 3600-byte SEG-Y header, and no SU trace fits"
	bad "$T/head1000.sgy" "truncated SEG-Y header: 1000 of 3600 bytes" --from segy
	bad "$T/dir" "Is a directory"
	bad "$T/missing.sgy" "No such file or directory"
}

@test "formats: bad input: broken.sgy, text.sgy and the other truncated files" {
	bad "$DATA/broken.sgy" "trace 4 (from byte 10769) is truncated: 68 of 256 bytes"
	bad "$DATA/text.sgy" "no traces: the file ends at byte 3600, after its headers"
	bad "$DATA/increment.sgy" "trace 5 (from byte 4673) is truncated: 208 of 268 bytes"
	bad "$DATA/decrement.sgy" "trace 1 (from byte 3601) is truncated: 1280 of 262348 bytes"
	bad "$DATA/mapping-empty.sgy" "trace 19 (from byte 8209) is truncated: 128 of 256 bytes"
	# Through a pipe the message is the same, the file named <stdin>.
	run -1 --separate-stderr segmerge --to sgk <"$DATA/broken.sgy"
	[ "$stderr" = "segmerge: <stdin>: trace 4 (from byte 10769) is truncated: 68 of 256 bytes" ]
}

# patch FILE OFFSET HEXBYTES: writes bytes at a 0-based offset of a copy.
patch() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

@test "formats: bad input: an impossible format code or ns" {
	cp "$DATA/small.sgy" "$T/fmt99.sgy" && chmod u+w "$T/fmt99.sgy"
	patch "$T/fmt99.sgy" 3224 '\000\143'
	bad "$T/fmt99.sgy" "not a SEG-Y, SU or sgk file: byte 3225 holds no sample format code (99) and no SU trace fits"
	bad "$T/fmt99.sgy" "byte 3225: impossible sample format code 99 (0x0063)" --from segy
	cp "$DATA/small.sgy" "$T/ns0.sgy" && chmod u+w "$T/ns0.sgy"
	patch "$T/ns0.sgy" 3220 '\000\000'
	bad "$T/ns0.sgy" "byte 3221: ns=0 in the binary header and in the first trace header"
	# Rev 2 extended ns (3269) beyond any trace.
	cp "$DATA/small.sgy" "$T/nsbig.sgy" && chmod u+w "$T/nsbig.sgy"
	patch "$T/nsbig.sgy" 3500 '\002\000'
	patch "$T/nsbig.sgy" 3268 '\100\000\000\000'
	bad "$T/nsbig.sgy" "byte 3269: impossible ns=1073741824 (at most 268435456)"
	# ns = 65535: the file holds no whole trace.
	cp "$DATA/small.sgy" "$T/ns65535.sgy" && chmod u+w "$T/ns65535.sgy"
	patch "$T/ns65535.sgy" 3220 '\377\377'
	bad "$T/ns65535.sgy" "trace 1 (from byte 3601) is truncated: 11000 of 262380 bytes"
}

@test "formats: bad input: a truncated sgk stream, cut anywhere, end marker included" {
	local size n stored
	# Written to a pipe: no trace count in the header, so every cut is found
	# while reading.
	segmerge --to sgk "$DATA/small.sgy" | cat >"$T/s.sgk"
	size=$(stat -c %s "$T/s.sgk")
	[ "$size" -eq $((64 + 3600 + 24 + 25 * (240 + 200) + 24)) ]
	head -c 10 "$T/s.sgk" >"$T/c.sgk"
	bad "$T/c.sgk" "truncated sgk stream header: 10 of 64 bytes"
	head -c 64 "$T/s.sgk" >"$T/c.sgk"
	bad "$T/c.sgk" "truncated sgk stream: file header has 0 of 3600 bytes"
	head -c 3000 "$T/s.sgk" >"$T/c.sgk"
	bad "$T/c.sgk" "truncated sgk stream: file header has 2936 of 3600 bytes"
	head -c 3664 "$T/s.sgk" >"$T/c.sgk"
	bad "$T/c.sgk" "truncated sgk stream: no end marker after trace 0 (the stream ends at byte 3664)"
	head -c 3680 "$T/s.sgk" >"$T/c.sgk"
	bad "$T/c.sgk" "truncated sgk stream: no end marker after trace 0 (the stream ends at byte 3680)"
	head -c 5000 "$T/s.sgk" >"$T/c.sgk"
	bad "$T/c.sgk" "truncated sgk stream: the block at byte 3664 (traces 1-25) has 1312 of 11000 bytes"
	for n in 0 1 10 23; do
		head -c $((size - 24 + n)) "$T/s.sgk" >"$T/c.sgk"
		bad "$T/c.sgk" "truncated sgk stream: no end marker after trace 25 (the stream ends at byte $((size - 24 + n)))"
	done
	# With the trace count in the header (written with -o), a cut file is
	# refused where the cut is.
	segmerge --to sgk -o "$T/n.sgk" "$DATA/small.sgy"
	head -c $((size - 100)) "$T/n.sgk" >"$T/c.sgk"
	bad "$T/c.sgk" "truncated sgk stream: the block at byte 3664 (traces 1-25) has 10924 of 11000 bytes"
	# Compressed, with its count: cut inside the zstd block.
	segmerge --zstd "$DATA/small.sgy" >"$T/z.sgk"
	stored=$(od -An -t u8 -j $((3664 + 16)) -N 8 "$T/z.sgk" | tr -d ' ')
	[ "$(stat -c %s "$T/z.sgk")" -eq $((3664 + 24 + stored + 24)) ]
	head -c $((3664 + 24 + stored / 2)) "$T/z.sgk" >"$T/c.sgk"
	bad "$T/c.sgk" "truncated sgk stream: the block at byte 3664 (traces 1-25) has $((stored / 2)) of $stored bytes"
	head -c $((3664 + 24 + stored + 5)) "$T/z.sgk" >"$T/c.sgk"
	bad "$T/c.sgk" "truncated sgk stream: no end marker after trace 25 (the stream ends at byte $((3664 + 24 + stored + 5)))"
}

@test "formats: bad input in the middle of several inputs leaves no output either" {
	rm -rf "$T/out" && mkdir "$T/out"
	run -1 --separate-stderr segmerge -o "$T/out/x.sgy" "$DATA/tiny.sgy" "$DATA/broken.sgy"
	[ "$stderr" = "segmerge: $DATA/broken.sgy: trace 4 (from byte 10769) is truncated: 68 of 256 bytes" ]
	[ -z "$(ls -A "$T/out")" ]
	# An existing output file is left as it was.
	echo keep >"$T/out/x.sgy"
	run -1 --separate-stderr segmerge -o "$T/out/x.sgy" --to sgk "$DATA/tiny.sgy" "$DATA/broken.sgy"
	[ "$(cat "$T/out/x.sgy")" = keep ]
	[ "$(ls -A "$T/out")" = x.sgy ]
}

# with_stanzas IN OUT STANZA ENC: IN with byte 3505 set to -1 (count unknown),
# the revision to 2, and two extended textual headers inserted: a location
# stanza, then STANZA, both in ENC (ascii or cp037, EBCDIC).
with_stanzas() {
	"$PY" - "$@" <<'PYEOF'
import sys
src, dst, stanza, enc = sys.argv[1:5]
b = bytearray(open(src, 'rb').read())
b[3504:3506] = (-1).to_bytes(2, 'big', signed=True)
b[3500] = 2
ext = ('((SEG: Location Data ver 1.0))'.ljust(3200) + stanza.ljust(3200)).encode(enc)
open(dst, 'wb').write(bytes(b[:3600]) + ext + bytes(b[3600:]))
PYEOF
}

@test "formats: the EndText stanza is found in any case and spacing, ASCII or EBCDIC" {
	for stanza in '((  seg: endTEXt  ))' '((SEG:EndText))' '(( SEG : END TEXT ))' '((SEG: EndText))'; do
		for enc in ascii cp037; do
			with_stanzas "$DATA/small.sgy" "$T/x.sgy" "$stanza" $enc
			run -0 seginfo --json "$T/x.sgy"
			[[ "$output" == *'"extended_headers": 2,'*'"traces": 25,'* ]]
			# The traces are small.sgy's, and the file comes back whole.
			segmerge "$T/x.sgy" --to su | cmp - <(segmerge --to su "$DATA/small.sgy")
			segmerge "$T/x.sgy" | cmp - "$T/x.sgy"
		done
	done
	# A stanza that is not EndText leaves the count open: a clear error.
	with_stanzas "$DATA/small.sgy" "$T/x.sgy" '((SEG: EndTextual))' ascii
	run -1 --separate-stderr seginfo "$T/x.sgy"
	[ "$stderr" = "seginfo: $T/x.sgy: byte 3505: extended textual headers (count -1) end without a ((SEG: EndText)) stanza" ]
}

# sgk(5) version 2 keeps int16 samples two bytes wide and compresses headers
# as columns and samples as byte planes: f3 (int16) through --zstd (level 3)
# is no larger than zstd -3 of the SEG-Y file (measured: 49,745 against
# 57,645 bytes), and comes back whole.
@test "formats: sgk+zstd of int16 f3 is no larger than zstd -3 of the SEG-Y file" {
	segmerge --zstd "$DATA/f3.sgy" -o "$T/f3.sgk"
	zstd -3 -q -c "$DATA/f3.sgy" >"$T/f3.zst"
	local sgk zst
	sgk=$(stat -c %s "$T/f3.sgk")
	zst=$(stat -c %s "$T/f3.zst")
	echo "sgk+zstd $sgk, zstd -3 $zst"
	[ "$sgk" -le "$zst" ]
	# Without compression the samples keep their 2 bytes: the file header,
	# 414 x (240 + 2 x 75) bytes of traces, 2 block headers and 64 bytes.
	segmerge --to sgk "$DATA/f3.sgy" -o "$T/f3p.sgk"
	[ "$(stat -c %s "$T/f3p.sgk")" -eq $((64 + 3600 + 414 * (240 + 150) + 2 * 24)) ]
	segmerge --to segy "$T/f3.sgk" | cmp - "$DATA/f3.sgy"
}
