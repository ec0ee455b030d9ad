#!/bin/sh
# Trace I/O benchmark (issue 2).  On a generated IBM SEG-Y file (default 100k
# traces x 2500 samples, 1 GB) with a warm page cache, in one run:
#   cat FILE > /dev/null                       the anchor
#   segmerge --to sgk FILE > /dev/null         IBM SEG-Y -> sgk
#   segyio_read FILE [mmap]                    segyio's C API, every header and
#                                              trace converted (bench/segyio_read.c)
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
# the generated file.  Each timing is the best of BENCH_REPS (3) runs.
# Bars: SEG-Y -> sgk >= 8x segyio and >= 0.9x cat, sgk+zstd -> SEG-Y >= the
# speed of zstd -d (issue 17); copies >= 0.8x cat.
#
# Into /dev/null cat and segmerge both read every byte of the input and
# write for nothing; the same conversion into a file in /dev/shm, where both
# copy the bytes once more, is printed beside it.  The sgk+zstd decompression and
# zstd -d write into the same sink (/dev/null, then a file in /dev/shm).
#
#   sh bench/io.sh                 (make bench)
#   BENCH_TRACES=10000 sh bench/io.sh   a smaller file
#   BENCH_OLD=DIR sh bench/io.sh   also DIR/segmerge (an older build) on the
#                                  conversion and the decompression, in the
#                                  same run, as new/old time ratios
set -eu
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/bin
ntr=${BENCH_TRACES:-100000}
ns=${BENCH_NS:-2500}
reps=${BENCH_REPS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/segkit-bench.XXXXXX")
trap 'rm -rf "$work" "${out:-}"' EXIT INT TERM
fails=0

now() { date +%s.%N; }

# best CMD: the best wall time in seconds of reps runs of CMD (sh -c).
best() {
	b=""
	i=0
	while [ "$i" -lt "$reps" ]; do
		t0=$(now)
		sh -c "$1" || { echo "io.sh: failed: $1" >&2; exit 1; }
		t1=$(now)
		b=$(awk -v a="$t0" -v z="$t1" -v b="$b" 'BEGIN { t = z - a; if (b == "" || t < b) b = t; printf "%.4f", b }')
		i=$((i + 1))
	done
	echo "$b"
}

mbps() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / 1e6 / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# bar NAME VALUE MIN: prints ok or BELOW and counts failures.
bar() {
	if awk -v v="$2" -v m="$3" 'BEGIN { exit !(v >= m) }'; then
		printf '  bar %-40s %6s >= %s  ok\n' "$1" "$2" "$3"
	else
		printf '  bar %-40s %6s >= %s  BELOW\n' "$1" "$2" "$3"
		fails=$((fails + 1))
	fi
}

for c in segmerge seginfo; do
	[ -x "$bin/$c" ] || { echo "io.sh: $bin/$c missing: run make first" >&2; exit 1; }
done
cc -O2 -Wall -Wextra -o "$work/segyio_read" "$root/bench/segyio_read.c" -lsegyio

echo "== segkit I/O benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
echo "uptime:$(uptime)"
f=$work/bench.sgy
echo "generating $ntr traces x $ns samples (IBM float SEG-Y) ..."
/usr/bin/python3 "$root/bench/gen_su.py" "$ntr" "$ns" |
	"$bin/segmerge" --to segy --format ibm --endian big -o "$f"
size=$(stat -c %s "$f")
"$bin/segmerge" --to sgk -o "$work/bench.sgk" "$f"
"$bin/segmerge" --to sgk --format ieee -o "$work/bench-float.sgk" "$f"
sgksize=$(stat -c %s "$work/bench.sgk")
echo "file: $size bytes ($(awk -v n="$size" 'BEGIN { printf "%.2f", n / 1e9 }') GB), sgk copy $sgksize bytes"
cat "$f" "$work/bench.sgk" "$work/bench-float.sgk" >/dev/null
cat "$f" "$work/bench.sgk" "$work/bench-float.sgk" >/dev/null

t_cat=$(best "cat '$f' >/dev/null")
t_sgk=$(best "'$bin/segmerge' --to sgk '$f' >/dev/null")
t_sio=$(best "'$work/segyio_read' '$f' >/dev/null")
t_siom=$(best "'$work/segyio_read' '$f' mmap >/dev/null")
t_cp_sgk=$(best "'$bin/segmerge' '$work/bench.sgk' >/dev/null")
t_cp_segy=$(best "'$bin/segmerge' '$f' >/dev/null")
t_cat_sgk=$(best "cat '$work/bench.sgk' >/dev/null")
t_sgk_segy=$(best "'$bin/segmerge' --to segy --format ibm '$work/bench.sgk' >/dev/null")
t_rd_segy=$(best "'$bin/segmerge' --to su '$f' >/dev/null")
t_rd_sgk=$(best "'$bin/segmerge' --to su '$work/bench.sgk' >/dev/null")
t_rd_float=$(best "'$bin/segmerge' --to su '$work/bench-float.sgk' >/dev/null")

r_cat=$(mbps "$size" "$t_cat")
r_sgk=$(mbps "$size" "$t_sgk")
r_sio=$(mbps "$size" "$t_sio")
r_siom=$(mbps "$size" "$t_siom")
r_cp_sgk=$(mbps "$sgksize" "$t_cp_sgk")
r_cat_sgk=$(mbps "$sgksize" "$t_cat_sgk")
r_cp_segy=$(mbps "$size" "$t_cp_segy")
r_sgk_segy=$(mbps "$sgksize" "$t_sgk_segy")
sio_best=$r_sio
[ "$r_siom" -gt "$sio_best" ] && sio_best=$r_siom

echo "throughput (MB/s of input, best of $reps; 1 MB = 10^6 bytes):"
printf '  %-40s %6s MB/s  %5.2fs\n' "cat SEG-Y > /dev/null" "$r_cat" "$t_cat"
printf '  %-40s %6s MB/s  %5.2fs\n' "segmerge --to sgk (IBM SEG-Y -> sgk)" "$r_sgk" "$t_sgk"
printf '  %-40s %6s MB/s  %5.2fs\n' "segyio C API, read + convert" "$r_sio" "$t_sio"
printf '  %-40s %6s MB/s  %5.2fs\n' "segyio C API with mmap" "$r_siom" "$t_siom"
printf '  %-40s %6s MB/s  %5.2fs\n' "segmerge SEG-Y -> SEG-Y (copy)" "$r_cp_segy" "$t_cp_segy"
printf '  %-40s %6s MB/s  %5.2fs\n' "cat sgk > /dev/null" "$r_cat_sgk" "$t_cat_sgk"
printf '  %-40s %6s MB/s  %5.2fs\n' "segmerge sgk -> sgk (copy)" "$r_cp_sgk" "$t_cp_sgk"
printf '  %-40s %6s MB/s  %5.2fs\n' "segmerge sgk -> IBM SEG-Y" "$r_sgk_segy" "$t_sgk_segy"
# Reading with decoding, in traces per second terms: the same traces each.
printf '  %-40s %6s MB/s  %5.2fs\n' "segmerge --to su SEG-Y (IBM)" "$(mbps "$size" "$t_rd_segy")" "$t_rd_segy"
printf '  %-40s %6s MB/s  %5.2fs\n' "segmerge --to su sgk v2 (IBM words)" "$(mbps "$size" "$t_rd_sgk")" "$t_rd_sgk"
printf '  %-40s %6s MB/s  %5.2fs\n' "segmerge --to su sgk float32" "$(mbps "$size" "$t_rd_float")" "$t_rd_float"
# Copies into a file in memory (tmpfs), where writing costs a copy too: the
# reading thread of segmerge overlaps it (into /dev/null it reads alone).
shm=${BENCH_SHM:-/dev/shm}
if [ -d "$shm" ] && [ -w "$shm" ] &&
   [ "$(df -Pk "$shm" | awk 'NR == 2 { print $4 }')" -gt $((3 * size / 1024)) ]; then
	out=$shm/segkit-bench-$$.sgy
	t_cat_f=$(best "cat '$f' >'$out'")
	t_cp_f=$(best "'$bin/segmerge' '$f' -o '$out'")
	rm -f "$out"
	printf '  %-40s %6s MB/s  %5.2fs
' "cat SEG-Y > file in $shm" "$(mbps "$size" "$t_cat_f")" "$t_cat_f"
	printf '  %-40s %6s MB/s  %5.2fs  (%.2fx cat)
' "segmerge SEG-Y -o file in $shm" "$(mbps "$size" "$t_cp_f")" \
		"$t_cp_f" "$(ratio "$t_cat_f" "$t_cp_f")"
	t_sgk_f=$(best "'$bin/segmerge' --to sgk '$f' -o '$out'")
	rm -f "$out"
	printf '  %-40s %6s MB/s  %5.2fs  (%.2fx cat)
' "segmerge --to sgk -o file in $shm" "$(mbps "$size" "$t_sgk_f")" \
		"$t_sgk_f" "$(ratio "$t_cat_f" "$t_sgk_f")"
fi
old=${BENCH_OLD:-}
if [ -n "$old" ] && [ -x "$old/segmerge" ]; then
	t_old=$(best "'$old/segmerge' --to sgk '$f' >/dev/null")
	printf '  %-40s %6s MB/s  %5.2fs  (new/old time %.2f)
' "old build: --to sgk > /dev/null" "$(mbps "$size" "$t_old")" "$t_old" "$(ratio "$t_sgk" "$t_old")"
	if [ -n "${out:-}" ]; then
		t_old_f=$(best "'$old/segmerge' --to sgk '$f' -o '$out'")
		rm -f "$out"
		printf '  %-40s %6s MB/s  %5.2fs  (new/old time %.2f)
' "old build: --to sgk -o file in $shm" "$(mbps "$size" "$t_old_f")" "$t_old_f" \
			"$(ratio "$t_sgk_f" "$t_old_f")"
	fi
fi
echo "ratios:"
bar "SEG-Y -> sgk / segyio (best of plain, mmap)" "$(ratio "$r_sgk" "$sio_best")" 8
bar "SEG-Y -> sgk / cat" "$(ratio "$r_sgk" "$r_cat")" 0.9
bar "SEG-Y -> SEG-Y copy / cat" "$(ratio "$r_cp_segy" "$r_cat")" 0.8
bar "sgk -> sgk copy / cat (of the sgk file)" "$(ratio "$r_cp_sgk" "$r_cat_sgk")" 0.8
bar "reading sgk v2 (IBM) / reading SEG-Y" "$(ratio "$t_rd_segy" "$t_rd_sgk")" 0.8
bar "reading sgk v2 (IBM) / reading float32 sgk" "$(ratio "$t_rd_float" "$t_rd_sgk")" 0.8

# zstd: sgk+zstd (level 3, byte-shuffled blocks) against zstd -3 of SEG-Y.
zbench() {
	name=$1 src=$2
	n=$(stat -c %s "$src")
	tz=$(best "'$bin/segmerge' --zstd=3 '$src' >'$work/z.sgk'")
	tx=$(best "zstd -q -3 -T1 -c '$src' >'$work/z.zst'")
	zs=$(stat -c %s "$work/z.sgk")
	xs=$(stat -c %s "$work/z.zst")
	"$bin/segmerge" --to segy "$work/z.sgk" | cmp - "$src"
	td=$(best "'$bin/segmerge' --to segy '$work/z.sgk' >/dev/null")
	txd=$(best "zstd -q -d -c '$work/z.zst' >/dev/null")
	echo "zstd on $name ($n bytes):"
	printf '  %-34s %11s bytes  ratio %5.3f  compress %5s MB/s  decompress to SEG-Y %5s MB/s\n' \
		"segmerge --zstd=3 (sgk)" "$zs" "$(ratio "$zs" "$n")" "$(mbps "$n" "$tz")" "$(mbps "$n" "$td")"
	printf '  %-34s %11s bytes  ratio %5.3f  compress %5s MB/s  decompress            %5s MB/s\n' \
		"zstd -3 -T1 of the SEG-Y file" "$xs" "$(ratio "$xs" "$n")" "$(mbps "$n" "$tx")" "$(mbps "$n" "$txd")"
	echo "  sgk+zstd size / zstd -3 size: $(ratio "$zs" "$xs")"
	if [ -n "${out:-}" ]; then
		tdf=$(best "'$bin/segmerge' --to segy '$work/z.sgk' -o '$out'")
		txdf=$(best "zstd -q -d -c '$work/z.zst' >'$out'")
		rm -f "$out"
		printf '  into a file in %s: segmerge --to segy %5s MB/s, zstd -d %5s MB/s\n' "$shm" \
			"$(mbps "$n" "$tdf")" "$(mbps "$n" "$txdf")"
	fi
	if [ -n "$old" ] && [ -x "$old/segmerge" ]; then
		tdo=$(best "'$old/segmerge' --to segy '$work/z.sgk' >/dev/null")
		printf '  old build: decompress to SEG-Y %5s MB/s (new/old time %.2f)\n' "$(mbps "$n" "$tdo")" \
			"$(ratio "$td" "$tdo")"
	fi
	bar "sgk+zstd -> SEG-Y / zstd -d (speed)" "$(ratio "$txd" "$td")" 1
}
f3=$root/../shared/data/segy/f3.sgy
if [ -f "$f3" ]; then
	# f3.sgy is 165 kB: time 50 conversions per run.
	cat "$f3" "$f3" "$f3" >/dev/null
	zs_reps=$reps
	reps=1
	n=$(stat -c %s "$f3")
	tz=$(best "for i in \$(seq 50); do '$bin/segmerge' --zstd=3 '$f3' >'$work/z.sgk'; done")
	tx=$(best "for i in \$(seq 50); do zstd -q -3 -T1 -c '$f3' >'$work/z.zst'; done")
	reps=$zs_reps
	zs=$(stat -c %s "$work/z.sgk")
	xs=$(stat -c %s "$work/z.zst")
	echo "zstd on f3.sgy ($n bytes, int16; 50 runs, process start included):"
	printf '  %-34s %11s bytes  ratio %5.3f  %5s MB/s\n' "segmerge --zstd=3 (sgk)" "$zs" "$(ratio "$zs" "$n")" "$(mbps $((n * 50)) "$tz")"
	printf '  %-34s %11s bytes  ratio %5.3f  %5s MB/s\n' "zstd -3 -T1 of the SEG-Y file" "$xs" "$(ratio "$xs" "$n")" "$(mbps $((n * 50)) "$tx")"
	echo "  sgk+zstd size / zstd -3 size: $(ratio "$zs" "$xs")"
fi
zbench "the benchmark file" "$f"
echo "uptime:$(uptime)"
echo "io.sh: $fails bars below"
[ "$fails" -eq 0 ]
