#!/bin/sh
# Trace I/O benchmark (issue 2).  On a generated IBM SEG-Y file (default 100k
# traces x 2500 samples, 1 GB) with a warm page cache, in one run:
#   cat FILE > /dev/null                       the anchor
#   segmerge --to sgk FILE > /dev/null         IBM SEG-Y -> sgk (IBM words
#                                              kept: a reformatting copy)
#   segyio_read FILE [mmap]                    segyio's C API (libsegyio):
#                                              segy_traceheader, segy_get_field
#                                              and segy_readtrace of every
#                                              trace, by stdio or from a
#                                              mapping (segy_mmap), each trace
#                                              converted by segy_to_native to
#                                              native float (bench/segyio_read.c)
#   segmerge --to su FILE > /dev/null          the same work as segyio's: IBM
#                                              decoded to native float
#   segmerge FILE.sgk > /dev/null              sgk -> sgk copy
#   segmerge FILE > /dev/null                  SEG-Y -> SEG-Y copy
#   segmerge --to su FILE / FILE.sgk / FILE-float.sgk > /dev/null
#                                              reading with decoding: SEG-Y,
#                                              sgk version 2 (IBM words kept,
#                                              decoded on reading) and float32
#                                              sgk (--format ieee, the layout
#                                              of version 1)
# and sgk+zstd (level 3) against `zstd -3 -T1` of the SEG-Y file: sizes,
# compression and decompression speeds, on ../shared/data/segy/f3.sgy and on
# the generated file; the decompressions into /dev/null, through a pipe into
# cat and into a file in /dev/shm, each with its bar.  Into the file also
# `zstd -d` into a temporary renamed over it, which replaces the file as
# segmerge -o does: the new bytes need as much memory again as the old file
# holds until the rename, where `> file` frees the old pages first and
# writes into them.  On this project's virtual machines fresh pages cost
# far more at their first touch than recycled ones (free page reporting:
# one run of segmerge spent 1.24 s of its 2.31 s of CPU in
# copy_folio_from_iter_atomic against 0.12 s in a fast run; perf record,
# 1 GB, load 9), so the file bar compares unlike replacements; the third
# line says how much of the gap the replacement alone makes.  The fourth
# pair writes a new file (the last one removed before each, untimed), as
# both tools do when the target is not there: its bar compares like with
# like.
# Bars: SEG-Y -> sgk >= 8x segyio and >= 0.9x cat, sgk+zstd -> SEG-Y >= the
# speed of zstd -d (issue 17); copies >= 0.8x cat.
#
# Timings (bench/timeit.py): the commands of a table run in turns, one
# unmeasured run each and then BENCH_ROUNDS rounds (15; BENCH_ZROUNDS, 5,
# for the zstd tables, whose runs take seconds), so that a change of the
# machine's load falls on all of them alike.  A figure is the median of
# the rounds, wall clock and CPU (user + sys, every thread); "spread" is the
# interquartile range of the wall times over their median.  A ratio is the
# median of the rounds' own ratios (each round's commands ran within
# seconds of one another), with its quartiles: a 1 GB conversion takes
# ~80 ms, and a best of 3 moved the segyio ratio by 5-10% from run to run.
#
# Into /dev/null cat and segmerge both read every byte of the input and
# write for nothing; the same conversion into a file in /dev/shm, where both
# copy the bytes once more, is printed beside it.  The sgk+zstd decompression and
# zstd -d write into the same sink (/dev/null, a pipe read by cat, a file in
# /dev/shm).
#
#   sh bench/io.sh                 (make bench)
#   BENCH_TRACES=10000 sh bench/io.sh   a smaller file
#   BENCH_INPUT=FILE sh bench/io.sh     FILE (big-endian IBM SEG-Y) instead of a
#                                  generated one
#   BENCH_OLD=DIR sh bench/io.sh   also DIR/segmerge or DIR/bin/segmerge (an older build) on the
#                                  conversion and the decompression, in the
#                                  same rounds, as new/old time ratios
set -eu
export LC_ALL=C
. "$(dirname "$0")/common.sh"
ntr=${BENCH_TRACES:-100000}
ns=${BENCH_NS:-2500}
rounds=${BENCH_ROUNDS:-15}
zrounds=${BENCH_ZROUNDS:-5}
bench_dir work
trap 'rm -rf "$work" "${out:-}"' EXIT

# timeit ROUNDS NAME=CMD ... [-- A/B ...]: bench/timeit.py's lines into $work/t.
timeit() {
	/usr/bin/python3 "$root/bench/timeit.py" "$@" >"$work/t" || { echo "io.sh: timing failed" >&2; exit 1; }
}
# tm NAME FIELD: a field of NAME's time line (3 median wall, 6 median CPU,
# 7 spread); rt A/B FIELD: of a ratio line (3 median, 4 and 5 quartiles,
# 6 median CPU ratio).
tm() { awk -v n="$1" -v f="$2" '$1 == "time" && $2 == n { print $f }' "$work/t"; }
rt() { awk -v n="$1" -v f="$2" '$1 == "ratio" && $2 == n { printf "%.2f", $f }' "$work/t"; }

# row LABEL NAME BYTES: MB/s of BYTES at NAME's median wall time, the
# median wall and CPU times and the spread.
row() {
	printf '  %-40s %6s MB/s  %6.3fs  cpu %6.3fs  spread %4.1f%%\n' "$1" "$(mbps "$3" "$(tm "$2" 3)")" \
		"$(tm "$2" 3)" "$(tm "$2" 6)" "$(awk -v s="$(tm "$2" 7)" 'BEGIN { print 100 * s }')"
}
# rline LABEL A/B: the median of the rounds' ratios, its quartiles, the CPU ratio.
rline() {
	printf '  %-46s %6s  (quartiles %s-%s; CPU time ratio %s)\n' "$1" "$(rt "$2" 3)" "$(rt "$2" 4)" \
		"$(rt "$2" 5)" "$(rt "$2" 6)"
}

bench_need segmerge seginfo
cc -O2 -Wall -Wextra -o "$work/segyio_read" "$root/bench/segyio_read.c" -lsegyio

echo "== segkit I/O benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
echo "uptime:$(uptime)"
f=${BENCH_INPUT:-$work/bench.sgy}
if [ -z "${BENCH_INPUT:-}" ]; then
	echo "generating $ntr traces x $ns samples (IBM float SEG-Y) ..."
	/usr/bin/python3 "$root/bench/gen_su.py" "$ntr" "$ns" |
		"$bin/segmerge" --to segy --format ibm --endian big -o "$f"
fi
size=$(stat -c %s "$f")
"$bin/segmerge" --to sgk -o "$work/bench.sgk" "$f"
"$bin/segmerge" --to sgk --format ieee -o "$work/bench-float.sgk" "$f"
sgksize=$(stat -c %s "$work/bench.sgk")
echo "file: $size bytes ($(awk -v n="$size" 'BEGIN { printf "%.2f", n / 1e9 }') GB), sgk copy $sgksize bytes"
cat "$f" "$work/bench.sgk" "$work/bench-float.sgk" >/dev/null
cat "$f" "$work/bench.sgk" "$work/bench-float.sgk" >/dev/null

old=$(old_build segmerge)
set -- "cat=cat '$f' >/dev/null" \
	"sgk='$bin/segmerge' --to sgk '$f' >/dev/null" \
	"sio='$work/segyio_read' '$f' >/dev/null" \
	"siom='$work/segyio_read' '$f' mmap >/dev/null" \
	"cp_segy='$bin/segmerge' '$f' >/dev/null" \
	"cat_sgk=cat '$work/bench.sgk' >/dev/null" \
	"cp_sgk='$bin/segmerge' '$work/bench.sgk' >/dev/null" \
	"sgk_segy='$bin/segmerge' --to segy --format ibm '$work/bench.sgk' >/dev/null" \
	"ieee='$bin/segmerge' --to sgk --format ieee '$f' >/dev/null" \
	"rd_segy='$bin/segmerge' --to su '$f' >/dev/null" \
	"rd_sgk='$bin/segmerge' --to su '$work/bench.sgk' >/dev/null" \
	"rd_float='$bin/segmerge' --to su '$work/bench-float.sgk' >/dev/null"
[ -n "$old" ] && set -- "$@" "old='$old/segmerge' --to sgk '$f' >/dev/null" \
	"old_rd_segy='$old/segmerge' --to su '$f' >/dev/null" "old_rd_sgk='$old/segmerge' --to su '$work/bench.sgk' >/dev/null"
set -- "$@" -- cat/sio cat/siom sgk/cat sgk/sio sgk/siom cp_segy/cat cp_sgk/cat_sgk rd_sgk/rd_segy rd_sgk/rd_float \
	rd_segy/sio rd_segy/siom ieee/sio ieee/siom
[ -n "$old" ] && set -- "$@" sgk/old rd_segy/old_rd_segy rd_sgk/old_rd_sgk
timeit "$rounds" "$@"
# segyio's faster form in this run.
sio=$(awk '$1 == "time" && $2 == "sio" { a = $3 } $1 == "time" && $2 == "siom" { b = $3 }
	END { print (b < a ? "siom" : "sio") }' "$work/t")

echo "into /dev/null (MB/s of input at the median wall time of $rounds rounds; 1 MB = 10^6 bytes):"
row "sh -c : (each command's shell)" sh 0
row "cat SEG-Y > /dev/null" cat "$size"
row "segmerge --to sgk (IBM SEG-Y -> sgk)" sgk "$size"
row "segyio C API, read + convert" sio "$size"
row "segyio C API with mmap" siom "$size"
row "segmerge SEG-Y -> SEG-Y (copy)" cp_segy "$size"
row "cat sgk > /dev/null" cat_sgk "$sgksize"
row "segmerge sgk -> sgk (copy)" cp_sgk "$sgksize"
row "segmerge sgk -> IBM SEG-Y" sgk_segy "$sgksize"
row "segmerge --to sgk --format ieee (decoded)" ieee "$size"
# Reading with decoding, in traces per second terms: the same traces each.
row "segmerge --to su SEG-Y (IBM)" rd_segy "$size"
row "segmerge --to su sgk v2 (IBM words)" rd_sgk "$size"
row "segmerge --to su sgk float32" rd_float "$size"
[ -n "$old" ] && row "old build: --to sgk > /dev/null" old "$size"
echo "ratios of speed (median of the rounds' ratios; segyio's faster form: $sio):"
rline "SEG-Y -> sgk / cat" sgk/cat
rline "SEG-Y -> sgk / segyio" "sgk/$sio"
# The copy's own ceiling against segyio: the 8x bar is about cat's speed.
rline "cat / segyio" "cat/$sio"
rline "IBM decoded: --to su / segyio" "rd_segy/$sio"
rline "IBM decoded: --to sgk --format ieee / segyio" "ieee/$sio"
if [ -n "$old" ]; then
	rline "SEG-Y -> sgk: new / old build" sgk/old
	rline "--to su SEG-Y: new / old build" rd_segy/old_rd_segy
	rline "--to su sgk v2: new / old build" rd_sgk/old_rd_sgk
fi
r_sio=$(rt "sgk/$sio" 3)
r_cat=$(rt sgk/cat 3)
r_cp_segy=$(rt cp_segy/cat 3)
r_cp_sgk=$(rt cp_sgk/cat_sgk 3)
r_rd_segy=$(rt rd_sgk/rd_segy 3)
r_rd_float=$(rt rd_sgk/rd_float 3)

# Copies into a file in memory (tmpfs), where writing costs a copy too: the
# reading thread of segmerge overlaps it (into /dev/null it reads alone).
shm=${BENCH_SHM:-/dev/shm}
if [ -d "$shm" ] && [ -w "$shm" ] &&
   [ "$(df -Pk "$shm" | awk 'NR == 2 { print $4 }')" -gt $((3 * size / 1024)) ]; then
	out=$shm/segkit-bench-$$.sgy
	set -- "cat_f=cat '$f' >'$out'" \
		"cp_f='$bin/segmerge' '$f' -o '$out'" \
		"sgk_f='$bin/segmerge' --to sgk '$f' -o '$out'" \
		"ieee_f='$bin/segmerge' --to sgk --format ieee '$f' -o '$out'" \
		"su_f='$bin/segmerge' --to su '$f' -o '$out'"
	[ -n "$old" ] && set -- "$@" "old_f='$old/segmerge' --to sgk '$f' -o '$out'" \
		"old_su_f='$old/segmerge' --to su '$f' -o '$out'" \
		"old_ieee_f='$old/segmerge' --to sgk --format ieee '$f' -o '$out'"
	set -- "$@" -- cp_f/cat_f sgk_f/cat_f ieee_f/cat_f su_f/cat_f
	[ -n "$old" ] && set -- "$@" sgk_f/old_f su_f/old_su_f ieee_f/old_ieee_f
	timeit "$rounds" "$@"
	rm -f "$out"
	echo "into a file in $shm ($rounds rounds):"
	row "cat SEG-Y > file" cat_f "$size"
	row "segmerge SEG-Y -o file (copy)" cp_f "$size"
	row "segmerge --to sgk -o file" sgk_f "$size"
	row "segmerge --to sgk --format ieee -o file" ieee_f "$size"
	row "segmerge --to su -o file" su_f "$size"
	[ -n "$old" ] && row "old build: --to sgk -o file" old_f "$size"
	rline "SEG-Y -o file (copy) / cat" cp_f/cat_f
	rline "SEG-Y -> sgk -o file / cat" sgk_f/cat_f
	rline "--to sgk --format ieee -o file / cat" ieee_f/cat_f
	rline "--to su -o file / cat" su_f/cat_f
	if [ -n "$old" ]; then
		rline "SEG-Y -> sgk -o file: new / old build" sgk_f/old_f
		rline "--to su -o file: new / old build" su_f/old_su_f
		rline "--format ieee -o file: new / old build" ieee_f/old_ieee_f
	fi
fi
echo "ratios:"
bar "SEG-Y -> sgk / segyio (faster of plain, mmap)" "$r_sio" 8
bar "SEG-Y -> sgk / cat" "$r_cat" 0.9
bar "SEG-Y -> SEG-Y copy / cat" "$r_cp_segy" 0.8
bar "sgk -> sgk copy / cat (of the sgk file)" "$r_cp_sgk" 0.8
bar "reading sgk v2 (IBM) / reading SEG-Y" "$r_rd_segy" 0.8
bar "reading sgk v2 (IBM) / reading float32 sgk" "$r_rd_float" 0.8

# zstd: sgk+zstd (level 3, byte-shuffled blocks) against zstd -3 of SEG-Y.
zbench() {
	name=$1 src=$2
	n=$(stat -c %s "$src")
	"$bin/segmerge" --zstd=3 "$src" >"$work/z.sgk"
	zstd -q -3 -T1 -c "$src" >"$work/z.zst"
	"$bin/segmerge" --to segy "$work/z.sgk" | cmp - "$src"
	zs=$(stat -c %s "$work/z.sgk")
	xs=$(stat -c %s "$work/z.zst")
	set -- "tz='$bin/segmerge' --zstd=3 '$src' >'$work/z1.sgk'" \
		"tx=zstd -q -3 -T1 -c '$src' >'$work/z1.zst'" \
		"td='$bin/segmerge' --to segy '$work/z.sgk' >/dev/null" \
		"txd=zstd -q -d -c '$work/z.zst' >/dev/null" \
		"tdp='$bin/segmerge' --to segy '$work/z.sgk' | cat >/dev/null" \
		"txdp=zstd -q -d -c '$work/z.zst' | cat >/dev/null"
	[ -n "${out:-}" ] && set -- "$@" "tdf='$bin/segmerge' --to segy '$work/z.sgk' -o '$out'" \
		"txdf=zstd -q -d -c '$work/z.zst' >'$out'" \
		"txdfa=zstd -q -d -c '$work/z.zst' >'$out.tmp' && mv '$out.tmp' '$out'" \
		"rmn1=rm -f '$out'" "tdn='$bin/segmerge' --to segy '$work/z.sgk' -o '$out'" \
		"rmn2=rm -f '$out'" "txdn=zstd -q -d -c '$work/z.zst' >'$out'"
	[ -n "$old" ] && set -- "$@" "tdo='$old/segmerge' --to segy '$work/z.sgk' >/dev/null" \
		"tdpo='$old/segmerge' --to segy '$work/z.sgk' | cat >/dev/null"
	[ -n "$old" ] && [ -n "${out:-}" ] && set -- "$@" "tdfo='$old/segmerge' --to segy '$work/z.sgk' -o '$out'"
	set -- "$@" -- td/txd tdp/txdp
	[ -n "${out:-}" ] && set -- "$@" tdf/txdf tdf/txdfa txdfa/txdf tdn/txdn
	[ -n "$old" ] && set -- "$@" td/tdo tdp/tdpo
	[ -n "$old" ] && [ -n "${out:-}" ] && set -- "$@" tdf/tdfo
	timeit "$zrounds" "$@"
	rm -f "$work/z1.sgk" "$work/z1.zst" "${out:-}" "${out:-}.tmp"
	echo "zstd on $name ($n bytes, $zrounds rounds, MB/s at the median):"
	printf '  %-34s %11s bytes  ratio %5.3f  compress %5s MB/s  decompress to SEG-Y %5s MB/s\n' \
		"segmerge --zstd=3 (sgk)" "$zs" "$(ratio "$zs" "$n")" "$(mbps "$n" "$(tm tz 3)")" "$(mbps "$n" "$(tm td 3)")"
	printf '  %-34s %11s bytes  ratio %5.3f  compress %5s MB/s  decompress            %5s MB/s\n' \
		"zstd -3 -T1 of the SEG-Y file" "$xs" "$(ratio "$xs" "$n")" "$(mbps "$n" "$(tm tx 3)")" "$(mbps "$n" "$(tm txd 3)")"
	echo "  sgk+zstd size / zstd -3 size: $(ratio "$zs" "$xs")"
	row "segmerge --to segy of sgk+zstd" td "$n"
	row "zstd -d" txd "$n"
	rline "sgk+zstd -> SEG-Y / zstd -d" td/txd
	row "segmerge --to segy | cat > /dev/null" tdp "$n"
	row "zstd -d | cat > /dev/null" txdp "$n"
	rline "into a pipe: sgk+zstd -> SEG-Y / zstd -d" tdp/txdp
	if [ -n "${out:-}" ]; then
		row "segmerge --to segy -o file in $shm" tdf "$n"
		row "zstd -d > file in $shm" txdf "$n"
		row "zstd -d > temporary, mv over the file" txdfa "$n"
		rline "into a file: sgk+zstd -> SEG-Y / zstd -d" tdf/txdf
		rline "the same / zstd -d > temporary && mv" tdf/txdfa
		rline "zstd -d > temporary && mv / zstd -d > file" txdfa/txdf
		row "segmerge --to segy -o new file in $shm" tdn "$n"
		row "zstd -d > new file in $shm" txdn "$n"
		rline "into a new file: sgk+zstd -> SEG-Y / zstd -d" tdn/txdn
	fi
	if [ -n "$old" ]; then
		rline "sgk+zstd -> SEG-Y: new / old build" td/tdo
		rline "into a pipe: new / old build" tdp/tdpo
		[ -n "${out:-}" ] && rline "into a file: new / old build" tdf/tdfo
	fi
	bar "sgk+zstd -> SEG-Y / zstd -d (speed)" "$(rt td/txd 3)" 1
	bar "the same into a pipe" "$(rt tdp/txdp 3)" 1
	if [ -n "${out:-}" ]; then
		bar "the same into a file in $shm" "$(rt tdf/txdf 3)" 1
		bar "the same into a new file in $shm" "$(rt tdn/txdn 3)" 1
	fi
}
f3=$root/../shared/data/segy/f3.sgy
if [ -f "$f3" ]; then
	# f3.sgy is 165 kB: 50 conversions a run.
	cat "$f3" "$f3" "$f3" >/dev/null
	n=$(stat -c %s "$f3")
	timeit "$zrounds" "tz=for i in \$(seq 50); do '$bin/segmerge' --zstd=3 '$f3' >'$work/z.sgk'; done" \
		"tx=for i in \$(seq 50); do zstd -q -3 -T1 -c '$f3' >'$work/z.zst'; done"
	zs=$(stat -c %s "$work/z.sgk")
	xs=$(stat -c %s "$work/z.zst")
	echo "zstd on f3.sgy ($n bytes, int16; 50 runs a round, process start included):"
	printf '  %-34s %11s bytes  ratio %5.3f  %5s MB/s\n' "segmerge --zstd=3 (sgk)" "$zs" "$(ratio "$zs" "$n")" "$(mbps $((n * 50)) "$(tm tz 3)")"
	printf '  %-34s %11s bytes  ratio %5.3f  %5s MB/s\n' "zstd -3 -T1 of the SEG-Y file" "$xs" "$(ratio "$xs" "$n")" "$(mbps $((n * 50)) "$(tm tx 3)")"
	echo "  sgk+zstd size / zstd -3 size: $(ratio "$zs" "$xs")"
fi
zbench "the benchmark file" "$f"
echo "uptime:$(uptime)"
echo "io.sh: $fails bars below"
[ "$fails" -eq 0 ]
