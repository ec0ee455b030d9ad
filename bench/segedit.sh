#!/bin/sh
# segedit benchmark (issue 13).  A header-only edit of a generated IBM SEG-Y
# file (default 100k traces x 2500 samples, 1.02 GB, made by segsynth
# --format 1), with a warm page cache, in one run against
#   cat FILE                                      the anchor
#   sushw key=tracl,cdp ... < FILE.su             Seismic Unix (on the same
#                                                 traces as little-endian SU)
# into /dev/null and into a file in memory (tmpfs; writing costs a copy
# there).  segedit sets 'tracl = i + 1' and 'cdp = cdp + 1000' on every
# trace: the samples pass through raw.  Each timing is the best of
# BENCH_REPS (3) runs.  Bar: segedit >= 0.7x cat's speed, into /dev/null and
# into a file.
#
#   sh bench/segedit.sh                  (make bench)
#   BENCH_TRACES=20000 sh bench/segedit.sh   a smaller file
set -eu
export LC_ALL=C
. "$(dirname "$0")/common.sh"
ntr=${BENCH_TRACES:-100000}
ns=${BENCH_NS:-2500}
reps=${BENCH_REPS:-3}
shm=${BENCH_SHM:-/dev/shm}
su=$root/../shared/tools/su

bench_need segedit segsynth segmerge
# The files live in memory when there is room for three of them.
need=$(( (ntr * (240 + 4 * ns)) / 1024 * 3 ))
if [ -d "$shm" ] && [ -w "$shm" ] && [ "$(df -Pk "$shm" | awk 'NR == 2 { print $4 }')" -gt "$need" ]; then
	bench_dir work "$shm"
else
	bench_dir work
fi

# best CMD: the best wall time in seconds of reps runs of CMD (sh -c).
best() {
	b=""
	i=0
	while [ "$i" -lt "$reps" ]; do
		t0=$(now)
		sh -c "$1" || { echo "segedit.sh: failed: $1" >&2; exit 1; }
		t1=$(now)
		b=$(awk -v a="$t0" -v z="$t1" -v b="$b" 'BEGIN { t = z - a; if (b == "" || t < b) b = t; printf "%.4f", b }')
		i=$((i + 1))
	done
	echo "$b"
}

echo "== segedit benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, files in $work"
echo "uptime:$(uptime)"
f=$work/bench.sgy
shots=$((ntr / 250))
echo "generating $((shots * 250)) traces x $ns samples (IBM float SEG-Y, segsynth --format 1) ..."
"$bin/segsynth" --line "$shots,25,250,12.5" --nt "$ns" --dt 2ms --reflector 1.2 --diffractor 2500,0.8 \
	--format 1 -o "$f"
size=$(stat -c %s "$f")
echo "file: $size bytes ($(awk -v n="$size" 'BEGIN { printf "%.2f", n / 1e9 }') GB)"
edit="'$bin/segedit' 'tracl = i + 1' 'cdp = cdp + 1000'"
# The edit is what it says, and leaves the samples byte for byte.
sh -c "$edit '$f' -o '$work/out.sgy'"
cmp -l "$f" "$work/out.sgy" | awk -v n="$ns" '{ b = ($1 - 3601) % (240 + 4 * n); if (b >= 24) exit 1 }' ||
	{ echo "segedit.sh: the edit changed more than tracl and cdp" >&2; exit 1; }
rm -f "$work/out.sgy"
cat "$f" >/dev/null
cat "$f" >/dev/null

t_cat=$(best "cat '$f' >/dev/null")
t_ed=$(best "$edit '$f' >/dev/null")
t_cat_f=$(best "cat '$f' >'$work/out'")
t_ed_f=$(best "$edit '$f' -o '$work/out'")
rm -f "$work/out"

echo "throughput (MB/s of input, best of $reps; 1 MB = 10^6 bytes):"
printf '  %-46s %6s MB/s  %6.2fs\n' "cat SEG-Y > /dev/null" "$(mbps "$size" "$t_cat")" "$t_cat"
printf '  %-46s %6s MB/s  %6.2fs  (%.2fx cat)\n' "segedit SEG-Y > /dev/null" "$(mbps "$size" "$t_ed")" "$t_ed" \
	"$(ratio "$t_cat" "$t_ed")"
printf '  %-46s %6s MB/s  %6.2fs\n' "cat SEG-Y > file" "$(mbps "$size" "$t_cat_f")" "$t_cat_f"
printf '  %-46s %6s MB/s  %6.2fs  (%.2fx cat)\n' "segedit SEG-Y -o file" "$(mbps "$size" "$t_ed_f")" "$t_ed_f" \
	"$(ratio "$t_cat_f" "$t_ed_f")"

r_su=""
if [ -x "$su/bin/sushw" ]; then
	export CWPROOT=$su
	g=$work/bench.su
	"$bin/segmerge" --to su --endian little "$f" -o "$g"
	rm -f "$f"   # room for the SU copy and its output
	sz=$(stat -c %s "$g")
	cat "$g" >/dev/null
	shw="'$su/bin/sushw' key=tracl,cdp a=1,0 b=1,0 <'$g'"
	t_sucat=$(best "cat '$g' >/dev/null")
	t_shw=$(best "$shw >/dev/null")
	t_edsu=$(best "$edit '$g' >/dev/null")
	t_shw_f=$(best "$shw >'$work/out'")
	t_edsu_f=$(best "$edit '$g' -o '$work/out'")
	rm -f "$work/out"
	echo "on the same traces as little-endian SU ($sz bytes):"
	printf '  %-46s %6s MB/s  %6.2fs\n' "cat SU > /dev/null" "$(mbps "$sz" "$t_sucat")" "$t_sucat"
	printf '  %-46s %6s MB/s  %6.2fs\n' "sushw (Seismic Unix) > /dev/null" "$(mbps "$sz" "$t_shw")" "$t_shw"
	printf '  %-46s %6s MB/s  %6.2fs  (%.2fx sushw)\n' "segedit SU > /dev/null" "$(mbps "$sz" "$t_edsu")" "$t_edsu" \
		"$(ratio "$t_shw" "$t_edsu")"
	printf '  %-46s %6s MB/s  %6.2fs\n' "sushw (Seismic Unix) > file" "$(mbps "$sz" "$t_shw_f")" "$t_shw_f"
	printf '  %-46s %6s MB/s  %6.2fs  (%.2fx sushw)\n' "segedit SU -o file" "$(mbps "$sz" "$t_edsu_f")" "$t_edsu_f" \
		"$(ratio "$t_shw_f" "$t_edsu_f")"
	r_su=$(ratio "$t_shw" "$t_ed")
else
	echo "Seismic Unix is absent ($su): no sushw timing"
fi
echo "ratios:"
bar "segedit / cat, into /dev/null" "$(ratio "$t_cat" "$t_ed")" 0.7
bar "segedit / cat, into a file" "$(ratio "$t_cat_f" "$t_ed_f")" 0.7
[ -n "$r_su" ] && printf '  %-48s %6s  (speed of segedit on SEG-Y over sushw on SU)\n' "segedit / sushw, into /dev/null" "$r_su"
echo "uptime:$(uptime)"
echo "segedit.sh: $fails bars below"
[ "$fails" -eq 0 ]
