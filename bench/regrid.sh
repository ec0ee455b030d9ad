#!/bin/sh
# regrid throughput: output traces per second per method for a 100k-trace
# irregular 3-D survey onto a 200 x 200 grid (25 m bins), with 1 and 2
# threads, and the 2-thread speed-up.  The anchor measured in the same run is
# a plain copy of the input (segmerge, same bytes read and written), so the
# ratios say how much work each method adds over moving the data.  The
# machine load (uptime) is printed beside the numbers: the cores are shared.
# dip is measured on a slice (--part) of the grid: it costs milliseconds per
# trace.  BENCH_N and BENCH_NT override the input size, BENCH_ROUNDS the
# rounds of each speed-up (default 5; it replaces BENCH_REPS, the rounds of
# the best-of figures before), BENCH_METHODS the methods of the speed-up
# figures (default nearest bin idw linear dip; empty skips them), and
# BENCH_PART_N=0 skips the --part memory figures.  The speed-up figures are
# given again for 4 times the input traces (BENCH_BIG_N, default 4 x
# BENCH_N; 0 skips them) on the same grid, for BENCH_BIG_METHODS (default
# nearest bin idw): at 100,000 traces a run takes about 0.2 s, of which the
# process's start and end, the index and the commit (fsync, rename) are a
# fixed part that a second thread cannot shorten; more input traces add
# work that it can (the pass over the headers, the fetches) while the
# output stays the same.  BENCH_SHM_METHODS (default nearest bin idw
# linear) gives them again with input and output in /dev/shm (no fsync
# wait).  Each speed-up is the median, with its quartiles, of BENCH_ROUNDS
# rounds' own speed-ups: a round is 1 thread, 2 threads and two 1-thread
# runs at once, back to back, so that a slow spell of the host (this
# paravirtualised VM's speed drifts by tens of percent within minutes) falls
# on the three runs of the round alike; its ceiling and the share of it
# likewise (bench/common.sh: round_speedups).  Against issue 17's bar (1.6
# for nearest, idw and linear) the line says met when the lower quartile
# reaches it (three rounds in four did), not met when the upper quartile is
# below it, and not called when the quartiles straddle it or when the
# machine's own ceiling in those rounds (median) is below the bar
# (call_bar); beside it, the disk's floor: the output's bytes made durable
# alone (a copy's sync --data), under which no run can end, and the
# speed-up it allows (t1 / floor), the lower of the two caps being the one a
# bar is called against.  The rounds' times go, one line a round, to the file BENCH_RAW
# (appended to) or to standard error.  BENCH_OLD=DIR runs
# DIR/regrid (or DIR/bin/regrid), an older build, in turn with this one on
# the same file: wall and CPU by bench/timeit.py (BENCH_ROUNDS interleaved
# rounds, default 5, medians; new/old ratios above 1: the new build is
# faster), max RSS, cmp of the outputs; and the --part memory figures of
# both builds.
set -eu
. "$(dirname "$0")/common.sh"
cd "$root"
bench_dir tmp
n=${BENCH_N:-100000}
nt=${BENCH_NT:-500}
new=$bin/regrid
old=$(old_build regrid)
old=${old:+$old/regrid}

segsynth -r "$n" -a -12.5,4987.5,-12.5,4987.5 -n "$nt" -d 0.004 \
	-p tau=0.6,px=0.0002,py=0.0001,x=2500,y=2500 -p tau=1.2,px=-0.0003,py=0.0002,x=2500,y=2500 \
	-H 0.4,2500,2000,3000 -s 5 -o "$tmp/in.sgy"
echo "regrid bench: $n traces x $nt samples -> 200 x 200 grid (40000 traces); load $(load)"

t0=$(now); segmerge "$tmp/in.sgy" -o "$tmp/copy.sgy"; t1=$(now)
anchor=$(echo "$t0 $t1" | awk '{ print $2 - $1 }')
echo "anchor: segmerge copy of the input: ${anchor} s"

inp=$tmp/in.sgy
out=$tmp
run() {  # run METHOD THREADS PART [SUFFIX] -> seconds, output traces (input $inp)
	part=""
	[ "$3" = all ] || part="--part $3"
	# The last run's output goes first, untimed: a rename over it frees its
	# pages inside the run (27-46 ms for 90 MB here), which is rm's work.
	rm -f "$out/out${4:-}.sgy"
	s=$(now)
	# shellcheck disable=SC2086
	OMP_NUM_THREADS=$2 regrid -g 0,25,200,0,25,200 -m "$1" -r 100 $part "$inp" -o "$out/out${4:-}.sgy" 2>/dev/null
	e=$(now)
	tr=$(seginfo "$out/out${4:-}.sgy" | sed -n 's/^  traces: *\([0-9]*\),.*/\1/p')
	echo "$s $e $tr" | awk '{ printf "%.4f %d\n", $2 - $1, $3 }'
}

# Each method: BENCH_ROUNDS rounds, each of 1 thread, 2 threads and the
# machine's own ceiling for two threads, two 1-thread runs at once (they
# share caches, memory bandwidth, clock and host), which do t1/ta + t1/tb
# times the work of one alone, back to back.  The speed-up, the ceiling and
# the speed-up's share of it are taken round by round (a slow spell of the
# host falls on a round's three runs alike) and given as the median of the
# rounds with its quartiles; times are medians too.  "best / best" is the
# fastest 1-thread run over the fastest 2-thread run, the figure this line
# gave before (it mixes rounds: one run that caught a quiet moment sets it).
rounds=${BENCH_ROUNDS:-5}
speedups() {  # speedups METHODS...: the figures below for each, on $inp ($sect: the raw lines' section)
for m in "$@"; do
	part=all
	[ "$m" = dip ] && part=1/40
	: >"$tmp/rounds"
	l0=$(load)
	r=0
	while [ "$r" -lt "$rounds" ]; do
		r=$((r + 1))
		# shellcheck disable=SC2046
		set -- $(run "$m" 1 "$part"); t1=$1 tr=$2
		# shellcheck disable=SC2046
		set -- $(run "$m" 2 "$part"); t2=$1
		run "$m" 1 "$part" a >"$tmp/ca" &
		pa=$!
		run "$m" 1 "$part" b >"$tmp/cb" &
		pb=$!
		wait "$pa"
		wait "$pb"
		ta=$(cut -d' ' -f1 "$tmp/ca") tb=$(cut -d' ' -f1 "$tmp/cb")
		# The disk's floor: the output's bytes, copied (untimed), then
		# made durable alone (sync --data: fdatasync, as regrid's commit
		# and its sync behind do).  A run cannot end before its output is
		# on the disk, and the disk does this much work for it.
		rm -f "$out/floor.sgy"
		cp "$out/out.sgy" "$out/floor.sgy"
		s=$(now)
		sync --data "$out/floor.sgy"
		tf=$(echo "$s $(now)" | awk '{ printf "%.4f", $2 - $1 }')
		rm -f "$out/floor.sgy"
		echo "$t1 $t2 $ta $tb" >>"$tmp/rounds"
		echo "$t1 $tf" >>"$tmp/floor"
		raw "$sect method=$m round=$r t1=$t1 t2=$t2 ta=$ta tb=$tb tf=$tf"
	done
	tq=$(quartiles <"$tmp/rounds")
	sq=$(round_speedups <"$tmp/rounds")
	# The floor's cap on the speed-up, round by round: t1 / tf.
	fq=$(awk '{ print $2, $1 / $2 }' "$tmp/floor" | quartiles)
	: >"$tmp/floor"
	best=$(awk 'NR == 1 || $1 < b1 { b1 = $1 } NR == 1 || $2 < b2 { b2 = $2 } END { printf "%.2f", b1 / b2 }' "$tmp/rounds")
	verdict=""
	# The bar is called against the lower of the two caps: the machine's
	# two runs at once and the disk's floor.
	# shellcheck disable=SC2086
	case $m in nearest|idw|linear) verdict="; $(set -- $sq; c=$4; set -- $fq; c=$(awk -v a="$c" -v b="$4" 'BEGIN { print (b < a ? b : a) }'); set -- $sq; call_bar 1.6 "$2" "$3" "$c")" ;; esac
	echo "$tq $sq" | awk -v m="$m" -v tr="$tr" -v a="$anchor" -v n="$rounds" -v best="$best" -v v="$verdict" \
	    -v l0="$l0" -v l="$(load)" '{
		t1 = $1; t2 = $4; ta = $7; tb = $10
		printf "%-8s %6d traces, medians of %d rounds: 1 thread %8.3f s (%9.0f traces/s, %5.1f x anchor), 2 threads %8.3f s (%9.0f traces/s), speed-up %.2f (median of the rounds'"'"' t1/t2, quartiles %.2f-%.2f; best / best %s)%s [load %s; after the rounds %s]\n",
		    m, tr, n, t1, tr / t1, t1 / a, t2, tr / t2, $13, $14, $15, best, v, l0, l
		printf "%-8s two 1-thread runs at once: %.3f s and %.3f s, %.2fx the work of one (median of the rounds'"'"' t1/ta + t1/tb, quartiles %.2f-%.2f: the 2-thread ceiling here); regrid reaches %.0f%% of it (quartiles %.0f-%.0f%%)\n",
		    m, ta, tb, $16, $17, $18, 100 * $19, 100 * $20, 100 * $21 }'
	echo "$tq $fq" | awk -v m="$m" '{
		printf "%-8s its output made durable alone (sync --data of a copy): %.3f s (quartiles %.3f-%.3f), a floor under any run: speed-up at most %.2f (median of the rounds'"'"' t1/floor, quartiles %.2f-%.2f)\n",
		    m, $13, $14, $15, $16, $17, $18 }'
done
}
sect="section=disk traces=$n"
# shellcheck disable=SC2086
speedups ${BENCH_METHODS-nearest bin idw linear dip}
bn=${BENCH_BIG_N:-$((4 * n))}
if [ "$bn" -gt 0 ] && [ -n "${BENCH_BIG_METHODS-nearest bin idw}" ]; then
	segsynth -r "$bn" -a -12.5,4987.5,-12.5,4987.5 -n "$nt" -d 0.004 \
		-p tau=0.6,px=0.0002,py=0.0001,x=2500,y=2500 -p tau=1.2,px=-0.0003,py=0.0002,x=2500,y=2500 \
		-H 0.4,2500,2000,3000 -s 5 -o "$tmp/big_in.sgy"
	echo "the same at $bn traces x $nt samples -> the same grid; load $(load)"
	inp=$tmp/big_in.sgy sect="section=disk traces=$bn"
	# shellcheck disable=SC2086
	speedups ${BENCH_BIG_METHODS-nearest bin idw}
	rm -f "$tmp/big_in.sgy"
	inp=$tmp/in.sgy
fi

# The same speed-ups with the input and the output in a memory file system
# (BENCH_SHM_METHODS, default nearest bin idw linear; empty skips them): the
# output's commit waits for the disk (fsync of 90 MB: 20-175 ms here, a
# serial part that a second thread cannot shorten, in every line above); in
# tmpfs what is left is regrid's own work.
if [ -d /dev/shm ] && [ -n "${BENCH_SHM_METHODS-nearest bin idw linear}" ]; then
	shm=$(mktemp -d /dev/shm/segkit-bench-regrid.XXXXXX)
	trap 'rm -rf "$tmp" "$shm"' EXIT
	cp "$tmp/in.sgy" "$shm/in.sgy"
	echo "the same speed-ups with input and output in tmpfs ($shm); load $(load)"
	inp=$shm/in.sgy out=$shm sect="section=tmpfs traces=$n"
	# shellcheck disable=SC2086
	speedups ${BENCH_SHM_METHODS-nearest bin idw linear}
	rm -rf "$shm"
	inp=$tmp/in.sgy out=$tmp
fi

# The older build against this one (BENCH_OLD), reading the same file on
# 2 threads: medians of interleaved rounds, then each build's max RSS
# (/usr/bin/time -f %M, one run each) and cmp of the outputs.
if [ -n "$old" ]; then
	g="-g 0,25,200,0,25,200 -r 100"
	for m in nearest idw linear; do
		echo "$m: old build $old; load before $(load)"
		/usr/bin/python3 bench/timeit.py "${BENCH_ROUNDS:-5}" \
			"new=OMP_NUM_THREADS=2 '$new' $g -m $m '$tmp/in.sgy' -o '$tmp/new.sgy'" \
			"old=OMP_NUM_THREADS=2 '$old' $g -m $m '$tmp/in.sgy' -o '$tmp/old.sgy'" -- new/old | sed "s/^/$m /"
		# shellcheck disable=SC2086
		kn=$(OMP_NUM_THREADS=2 /usr/bin/time -f %M "$new" $g -m $m "$tmp/in.sgy" -o "$tmp/new.sgy" 2>&1 | tail -n 1)
		# shellcheck disable=SC2086
		ko=$(OMP_NUM_THREADS=2 /usr/bin/time -f %M "$old" $g -m $m "$tmp/in.sgy" -o "$tmp/old.sgy" 2>&1 | tail -n 1)
		cmp "$tmp/new.sgy" "$tmp/old.sgy" || { echo "$m: the builds' outputs differ" >&2; exit 1; }
		awk -v m="$m" -v kn="$kn" -v ko="$ko" -v l="$(load)" 'BEGIN {
			printf "%s max RSS new %.1f MB, old %.1f MB (new/old %.3f); outputs the same bytes; load after %s\n",
			    m, kn / 1024, ko / 1024, kn / ko, l }'
	done
fi

# --part memory (issue 17): linear and nearest on BENCH_PART_N traces
# (default 4,000,000, BENCH_PART_NT samples each) over the same 200 x 200
# grid, the whole grid against its first eighth (--part 1/8): max RSS
# (/usr/bin/time -f %M) and wall time, 2 threads.  A slice keeps only the
# traces that can reach it, so its memory should be at most a quarter of the
# whole run's.  Beside it Seismic Unix's susort (../shared/tools/su, or
# SUDIR) sorting the same traces by cdp, the SU way to gather them for
# binning: its max RSS and wall time on the same input as SU.
pn=${BENCH_PART_N:-4000000}
[ "$pn" -gt 0 ] || exit 0
pnt=${BENCH_PART_NT:-25}
segsynth -r "$pn" -a -12.5,4987.5,-12.5,4987.5 -n "$pnt" -d 0.004 \
	-p tau=0.04,px=0.00002,py=0.00001,x=2500,y=2500 -s 7 -o "$tmp/big.sgy"
echo "regrid --part memory: $pn traces x $pnt samples -> 200 x 200 grid; load $(load)"
rss() {  # rss LABEL CMD... -> "LABEL KB SECONDS"
	l=$1
	shift
	s=$(now)
	k=$(OMP_NUM_THREADS=2 /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1)
	e=$(now)
	echo "$l $k $(echo "$s $e" | awk '{ printf "%.2f", $2 - $1 }')"
}
for b in new ${old:+old}; do
	x=$new
	[ "$b" = old ] && x=$old
	for m in linear nearest; do
		# shellcheck disable=SC2046
		set -- $(rss whole "$x" -g 0,25,200,0,25,200 -m "$m" -r 100 "$tmp/big.sgy" -o "$tmp/w.sgy")
		wk=$2 ws=$3
		# shellcheck disable=SC2046
		set -- $(rss part "$x" -g 0,25,200,0,25,200 -m "$m" -r 100 --part 1/8 "$tmp/big.sgy" -o "$tmp/p.sgy")
		pk=$2 ps=$3
		lab=$m
		[ -n "$old" ] && lab="$b $m"
		awk -v m="$lab" -v wk="$wk" -v ws="$ws" -v pk="$pk" -v ps="$ps" -v l="$(load)" 'BEGIN {
			printf "%-8s whole %8.1f MB %7.2f s, --part 1/8 %7.1f MB %6.2f s: memory ratio %.3f (bar 0.25), time ratio %.3f; load %s\n",
			    m, wk / 1024, ws, pk / 1024, ps, pk / wk, ps / ws, l }'
		[ "$b" = new ] && [ "$m" = linear ] && lwk=$wk lws=$ws lpk=$pk lps=$ps
	done
done
su=${SUDIR:-$root/../shared/tools/su}
if [ -x "$su/bin/susort" ]; then
	segmerge --to su "$tmp/big.sgy" -o "$tmp/big.su"
	rm -f "$tmp/w.sgy" "$tmp/p.sgy"
	set -- $(rss susort sh -c "exec '$su/bin/susort' cdp < '$tmp/big.su' > '$tmp/sorted.su'")
	awk -v k="$2" -v s="$3" -v wk="$lwk" -v ws="$lws" -v pk="$lpk" -v ps="$lps" -v l="$(load)" 'BEGIN {
		printf "susort cdp (Seismic Unix) %8.1f MB %7.2f s; regrid linear whole / susort: memory %.2f, time %.2f; --part 1/8 / susort: memory %.2f, time %.2f; load %s\n",
		    k / 1024, s, wk / k, ws / s, pk / k, ps / s, l }'
else
	echo "susort: Seismic Unix not found in $su: no comparison"
fi
