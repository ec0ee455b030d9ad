#!/bin/sh
# migrate speed on the sizes of notes/kirchhoff.md (2-D line, 25 m receivers,
# 50 m shots, split spread, dt 4 ms, nt 1001, 12.5 m output spacing):
#   S: 100 shots x 120 channels (12,000 traces), 400 output traces, +-1500 m
#   M: 200 shots x 160 channels (32,000 traces), 800 output traces, +-2000 m
# with linear interpolation (linear-w1: W = 1 and no rho filter, the bare
# kernel; linear: the default weights and rho filter) and with the triangle
# antialiasing (default rho filter and weights), on 1 and 2 threads: nanoseconds per sample update per
# thread, from the wall time (wall x threads / updates) and from the CPU time
# (user + system / updates: the work done, whatever else shares the cores),
# and the 2-thread speed-up, beside the machine's own ceiling for it (two
# 1-thread runs at once: how much of one run's work they do together in the
# same time; the two cores share caches, memory, clock and host), and the
# host's ceiling for work that shares no cache or memory (two loops in awk's
# registers at once: where that stays below 2 too, the host sets the
# ceiling, not what migrate's threads share).  The angle
# limit is off (--angle 90) so that the updates are exactly the pairs within
# the aperture times nt, the notes' cost model.  Each figure comes from
# BENCH_ROUNDS (default 5) rounds, each of 1 thread, 2 threads, two 1-thread
# runs at once and the awk loops, back to back: this machine's speed drifts
# by 10-20% within minutes with the load of its host, and a slow spell then
# falls on the runs of one round alike.  Times are the medians of the
# rounds; the speed-up, the two ceilings and the share of them are taken
# round by round and given as their median with its quartiles
# (bench/common.sh: round_speedups); "best / best", the fastest 1-thread run
# over the fastest 2-thread run, is the figure these lines gave before
# (best of BENCH_REPS rounds).  Against issue 17's bar for antialiased
# migration (1.9) the line says met when the lower quartile reaches it, not
# met when the upper quartile is below it, and not called when they straddle
# it or when the machine's own ceiling in those rounds (median) is below the
# bar (call_bar).  The rounds' times (wall s1 s2, the pair sa sb, cpu c1 c2,
# the loops x1 xa xb, the old build's o1 o2 oc1 oc2) go, one line a round, to
# the file BENCH_RAW (appended to) or to standard error.
# Anchors: the notes' independent implementation on one core of this machine
# (S: 3.6 s linear, 11.8 s antialiased; M: 15.4 s, 42.7 s) and the bars of
# issue 6 (<= 2 ns linear, <= 6 ns antialiased) and issue 17 (antialiased at
# most 2.0x linear per update on one thread, >= 1.9x on 2 threads).
# Then Seismic Unix (../shared/tools/su, or SUDIR) on one input: a
# zero-offset section of 800 traces x 1001 samples (12.5 m, v_rms 2000-3500
# m/s over 4 s): suktmig2d (prestack time migration of a common-offset
# section, antialiased by 16 filtered copies; angmax 60) against migrate
# --angle 60 (its default), antialiased and not, on 1 thread and on all; and
# sukdmig2d (Kirchhoff depth migration from rayt2d traveltime tables, v(z) =
# 2000 + 0.4 z, into 800 x 1001 depth samples) against the same.  SU runs
# once (BENCH_SU_REPS), they take a minute, and migrate's runs beside them
# are the best of BENCH_REPS (3); BENCH_SU=0 skips them.  The
# machine load (uptime) is printed beside every number: the cores are
# shared.  BENCH_SIZES selects sizes (default "S M"), BENCH_MODES the
# modes (default "linear-w1 linear antialiased").
#
# An older build beside this one, in the same run, so that a change's gain
# is a ratio of two runs under the same load, not a comparison across
# sessions:
#   BENCH_OLD=REV sh bench/migrate.sh   builds git revision REV (git archive
#                                       into a temporary directory, make
#                                       bin/migrate at nice 10; removed at
#                                       the end) and runs its migrate in
#                                       turn with this one, each round
#   BENCH_OLD=DIR sh bench/migrate.sh   the same with DIR/migrate (or
#                                       DIR/bin/migrate) built before
# Each mode then also prints the old build's median wall and CPU time on 1
# and 2 threads, its 2-thread speed-up and its share of the ceiling (the
# new build's pair of the same round), the medians of the rounds' new/old
# ratios of wall and CPU time (below 1: the new build is faster), and
# whether the two images are the same bytes; the Seismic Unix part adds the old build's antialiased
# 1-thread run on the zero-offset section.
set -eu
. "$(dirname "$0")/common.sh"
cd "$root"
bench_dir tmp
reps=${BENCH_REPS:-3}
rounds=${BENCH_ROUNDS:-5}
# About 0.5 s of one core in awk's registers (the host's own ceiling below).
spin='BEGIN { for (i = 0; i < 2e7; i++) s += i * 0.5; if (s < 0) print s }'
su=${SUDIR:-$root/../shared/tools/su}

# The older build, when asked for: old is its migrate, oldname what the
# lines call it.
old="" oldname=""
if [ -n "${BENCH_OLD:-}" ]; then
	if [ -x "$BENCH_OLD/migrate" ] && [ -f "$BENCH_OLD/migrate" ]; then
		old=$BENCH_OLD/migrate
	elif [ -x "$BENCH_OLD/bin/migrate" ]; then
		old=$BENCH_OLD/bin/migrate
	fi
	if [ -n "$old" ]; then
		oldname=$BENCH_OLD
	else
		if ! rev=$(git rev-parse --verify -q "$BENCH_OLD^{commit}"); then
			echo "migrate bench: BENCH_OLD=$BENCH_OLD is neither a build (DIR/migrate, DIR/bin/migrate) nor a git revision" >&2
			exit 2
		fi
		oldname=$(git rev-parse --short "$rev")
		mkdir "$tmp/old"
		git archive "$rev" | tar -x -C "$tmp/old"
		echo "old build: $oldname ($(git log -1 --format=%s "$rev" | cut -c1-60)), make bin/migrate at nice 10 in $tmp/old; load $(load)"
		b0=$(date +%s)
		if ! (cd "$tmp/old" && nice -n 10 make -s -j2 bin/migrate) > "$tmp/old.log" 2>&1; then
			cat "$tmp/old.log" >&2
			echo "migrate bench: the build of $oldname failed" >&2
			exit 1
		fi
		echo "old build: made in $(($(date +%s) - b0)) s"
		old=$tmp/old/bin/migrate
	fi
fi

size() {  # size S|M -> shots channels nout aperture ref_linear ref_aa
	case $1 in
	S) echo 100 120 400 1500 3.6 11.8 ;;
	M) echo 200 160 800 2000 15.4 42.7 ;;
	esac
}

for sz in ${BENCH_SIZES:-S M}; do
	set -- $(size "$sz")
	ns=$1 nch=$2 nout=$3 ap=$4 ref_lin=$5 ref_aa=$6
	segsynth --line "$ns,50,$nch,25" --nt 1001 --vel 0:2000,4:3500 --to sgk \
		-D "$((ns * 25)),1.2" -R 1.6 -R 2.8 -o "$tmp/in.sgk"
	echo "size $sz: $ns shots x $nch channels, nt 1001 -> $nout traces at 12.5 m, aperture +-$ap m; load $(load)"
	for mode in ${BENCH_MODES:-linear-w1 linear antialiased}; do
		opt=""
		[ "$mode" = linear ] && opt=--no-antialias
		[ "$mode" = linear-w1 ] && opt="--no-antialias --weights none --rho none"
		# BENCH_ROUNDS rounds, each of 1 thread, 2 threads and the
		# machine's own ceiling for two threads, two 1-thread runs at
		# once (shared caches, memory, clock and host: they do s1/sa +
		# s1/sb times the work of one alone), back to back, so that a
		# slow spell of the host falls on the three runs of a round
		# alike; with BENCH_OLD the old build's run right after the new
		# one's, on the same thread count.  Times are the medians of
		# the rounds; the speed-up, the ceilings and the new/old ratios
		# are taken round by round, then their median and quartiles
		# (bench/common.sh).  One row a round in $tmp/rounds: s1 s2 sa
		# sb c1 c2 x1 xa xb [o1 o2 oc1 oc2] (wall and cpu seconds; x:
		# the awk loops below).
		same=identical
		: >"$tmp/rounds"
		l0=$(load)
		rep=0
		while [ "$rep" -lt "$rounds" ]; do
			rep=$((rep + 1))
			for th in 1 2; do
				for who in new old; do
					exe=migrate pre="" out=$tmp/out-$th.sgk
					if [ "$who" = old ]; then
						[ -n "$old" ] || continue
						exe=$old pre=o out=$tmp/old-$th.sgk
					fi
					# shellcheck disable=SC2086
					OMP_NUM_THREADS=$th /usr/bin/time -f 'cpu %U %S' -o "$tmp/time" "$exe" --progress $opt \
						--vel 0:2000,4:3500 --angle 90 --aperture "$ap" --grid "0,12.5,$nout" "$tmp/in.sgk" \
						-o "$out" 2>"$tmp/err"
					line=$(tr '\r' '\n' < "$tmp/err" | grep 'sample updates')
					upd=$(echo "$line" | sed 's/.*: \([0-9.e+]*\) sample updates.*/\1/')
					sec=$(echo "$line" | sed 's/.* in \([0-9.]*\) s,.*/\1/')
					cpu=$(awk '/^cpu/ { print $2 + $3 }' "$tmp/time")
					eval "${pre}upd_$th=$upd ${pre}sec_$th=$sec ${pre}cpu_$th=$cpu"
				done
				if [ -n "$old" ] && ! cmp -s "$tmp/out-$th.sgk" "$tmp/old-$th.sgk"; then
					same="not the same bytes ($th thread(s))"
				fi
			done
			pids=""
			for r in a b; do
				# shellcheck disable=SC2086
				OMP_NUM_THREADS=1 migrate --progress $opt --vel 0:2000,4:3500 --angle 90 --aperture "$ap" \
					--grid "0,12.5,$nout" "$tmp/in.sgk" -o "$tmp/out-$r.sgk" 2>"$tmp/err-$r" &
				pids="$pids $!"
			done
			for p in $pids; do wait "$p"; done
			ra=$(tr '\r' '\n' < "$tmp/err-a" | sed -n 's/.* in \([0-9.]*\) s,.*/\1/p')
			rb=$(tr '\r' '\n' < "$tmp/err-b" | sed -n 's/.* in \([0-9.]*\) s,.*/\1/p')
			# The same for work that shares nothing but the cores: a
			# loop in awk's registers and L1 cache (no memory traffic),
			# alone, then two at once.  Where it stays below 2 too, the
			# host (its other tenants, its clock) sets the ceiling, not
			# the caches or memory that migrate's two threads share.
			t0=$(now)
			awk "$spin"
			spin1=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
			pids=""
			for r in a b; do
				(t0=$(now); awk "$spin"; awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }' > "$tmp/spin-$r") &
				pids="$pids $!"
			done
			for p in $pids; do wait "$p"; done
			# shellcheck disable=SC2154
			row="$sec_1 $sec_2 $ra $rb $cpu_1 $cpu_2 $spin1 $(cat "$tmp/spin-a") $(cat "$tmp/spin-b")"
			# shellcheck disable=SC2154
			[ -z "$old" ] || row="$row $osec_1 $osec_2 $ocpu_1 $ocpu_2"
			echo "$row" >>"$tmp/rounds"
			raw "size=$sz mode=$mode round=$rep $(echo "$row" | awk '{
				split("s1 s2 sa sb c1 c2 x1 xa xb o1 o2 oc1 oc2", k, " ")
				for (i = 1; i <= NF; i++) printf "%s%s=%s", (i > 1 ? " " : ""), k[i], $i }')"
		done
		tq=$(cut -d' ' -f1-9 "$tmp/rounds" | quartiles)
		sq=$(cut -d' ' -f1-4 "$tmp/rounds" | round_speedups)
		# The host's ceiling x1/xa + x1/xb and migrate's share of it.
		hq=$(awk '{ r = $1 / $2; x = $7 / $8 + $7 / $9; printf "%.17g %.17g\n", x, r / x }' "$tmp/rounds" | quartiles)
		best=$(awk 'NR == 1 || $1 < b1 { b1 = $1 } NR == 1 || $2 < b2 { b2 = $2 } END { printf "%.2f", b1 / b2 }' "$tmp/rounds")
		verdict=""
		# shellcheck disable=SC2086
		[ "$mode" = antialiased ] && verdict="; $(set -- $sq; call_bar 1.9 "$2" "$3" "$4")"
		# shellcheck disable=SC2154
		echo "$tq $sq $hq" | awk -v sz="$sz" -v m="$mode" -v u="$upd_1" -v n="$rounds" -v l0="$l0" -v l="$(load)" \
		    -v rl="$ref_lin" -v ra="$ref_aa" -v cl="${cn_lin:-0}" -v wl="${wn_lin:-0}" -v best="$best" -v v="$verdict" '{
			s1 = $1; s2 = $4; sa = $7; sb = $10; c1 = $13; c2 = $16
			ref = m ~ /^linear/ ? rl : ra; bar = m ~ /^linear/ ? 2 : 6
			ns1 = s1 * 1e9 / u; ns2 = s2 * 2e9 / u; cn1 = c1 * 1e9 / u; cn2 = c2 * 1e9 / u
			printf "  %-11s %.3g updates, 1 thread:  wall %6.2f s = %.2f ns/update, cpu %6.2f s = %.2f ns/update (medians of %d rounds; bar %d: %.2fx; notes %.1f s: %.2fx) [load %s]\n",
			    m, u, s1, ns1, c1, cn1, n, bar, cn1 / bar, ref, c1 / ref, l0
			printf "  %-11s %.3g updates, 2 threads: wall %6.2f s = %.2f ns/update/thread, cpu %6.2f s = %.2f ns/update (medians); speed-up %.2f (median of the rounds'"'"' s1/s2, quartiles %.2f-%.2f; best / best %s)%s [load after the rounds %s]\n",
			    m, u, s2, ns2, c2, cn2, $28, $29, $30, best, v, l
			if (m == "antialiased" && cl > 0)
				printf "  antialiased / linear per update, 1 thread (medians): %.2fx by cpu, %.2fx by wall (bar 2.0)\n",
				    cn1 / cl, ns1 / wl
			printf "  %-11s two 1-thread runs at once: %.2f s and %.2f s (medians), %.2fx the work of one (median of the rounds'"'"' s1/sa + s1/sb, quartiles %.2f-%.2f: the 2-thread ceiling here); migrate reaches %.0f%% of it (quartiles %.0f-%.0f%%)\n",
			    m, sa, sb, $31, $32, $33, 100 * $34, 100 * $35, 100 * $36
			printf "  %-11s a loop in registers (awk), two at once: %.2fx the work of one (median of the rounds, quartiles %.2f-%.2f: the host'"'"'s ceiling for work that shares no cache or memory); migrate reaches %.0f%% of it (quartiles %.0f-%.0f%%)\n",
			    m, $37, $38, $39, 100 * $40, 100 * $41, 100 * $42 }'
		if [ -n "$old" ]; then
			# Per round: the old build's speed-up, its share of the
			# round's ceiling (the new build's pair), and new/old of
			# wall and cpu on 1 and 2 threads (below 1: the new build
			# is faster).
			oq=$(awk '{ r = $10 / $11; printf "%.17g %.17g %.17g %.17g %.17g %.17g\n", r, r / ($1 / $3 + $1 / $4), $1 / $10, $2 / $11, $5 / $12, $6 / $13 }' \
				"$tmp/rounds" | quartiles)
			tqo=$(cut -d' ' -f10-13 "$tmp/rounds" | quartiles)
			# shellcheck disable=SC2154
			echo "$tqo $oq" | awk -v m="$mode" -v nm="$oldname" -v u="$upd_1" -v ou="$oupd_1" -v same="$same" '{
				for (th = 1; th <= 2; th++) {
					w = th == 1 ? $1 : $4; c = th == 1 ? $7 : $10
					printf "  %-11s old build %s, %s wall %6.2f s, cpu %6.2f s (medians)", m, nm,
					    th == 1 ? "1 thread: " : "2 threads:", w, c
					if (th == 2)
						printf "; speed-up %.2f (quartiles %.2f-%.2f), %.0f%% of the ceiling (quartiles %.0f-%.0f%%)",
						    $13, $14, $15, 100 * $16, 100 * $17, 100 * $18
					printf "; new/old, medians of the rounds'"'"' ratios: wall %.3f, cpu %.3f\n", th == 1 ? $19 : $22, th == 1 ? $25 : $28
				}
				printf "  %-11s new and old images: %s%s\n", m, same, u == ou ? "" : sprintf("; updates differ: %.6g new, %.6g old", u, ou)
			}'
		fi
		if [ "$mode" = linear ]; then
			# The medians of linear's 1-thread cpu and wall per update.
			# shellcheck disable=SC2086
			cn_lin=$(set -- $tq; awk -v c="${13}" -v u="$upd_1" 'BEGIN { print c * 1e9 / u }')
			# shellcheck disable=SC2086
			wn_lin=$(set -- $tq; awk -v s="$1" -v u="$upd_1" 'BEGIN { print s * 1e9 / u }')
		fi
	done
done

# Seismic Unix on the same zero-offset section.
if [ "${BENCH_SU:-1}" = 0 ]; then
	exit 0
fi
if [ ! -x "$su/bin/suktmig2d" ] || [ ! -x "$su/bin/sukdmig2d" ] || [ ! -x "$su/bin/rayt2d" ]; then
	echo "migrate bench: Seismic Unix (suktmig2d, sukdmig2d, rayt2d) not found in $su: no SU anchor"
	exit 0
fi
surep=${BENCH_SU_REPS:-1}
best() {  # best wall seconds of N runs of "$@", and "cpu" seconds (user + system) of that run
	n=$1
	shift
	b=999999 bc=0 r=0
	while [ "$r" -lt "$n" ]; do
		r=$((r + 1))
		/usr/bin/time -f '%e %U %S' -o "$tmp/t" "$@" > /dev/null 2>&1
		w=$(awk '{ print $1 }' "$tmp/t")
		c=$(awk '{ print $2 + $3 }' "$tmp/t")
		if awk -v a="$w" -v b="$b" 'BEGIN { exit !(a < b) }'; then
			b=$w bc=$c
		fi
	done
	echo "$b $bc"
}
segsynth --line 800,12.5,1,12.5 --nt 1001 --vel 0:2000,4:3500 -D 5000,1.2 -R 1.6 -R 2.8 --to su -o "$tmp/zo.su"
# v_rms(t) on every CDP for suktmig2d; v(z) on a 50 m grid for rayt2d.
floats() {  # floats N EXPR-of-i: N little-endian floats
	/usr/bin/python3 -c 'import sys, struct; n = int(sys.argv[1])
sys.stdout.buffer.write(struct.pack("<%df" % n, *[eval(sys.argv[2]) for i in range(n)]))' "$@"
}
floats 800800 '2000 + 375 * (i % 1001) * 0.004' > "$tmp/vt.bin"
floats 28341 '2000 + 0.4 * (i % 141) * 50' > "$tmp/vz.bin"
export CWPROOT="$su"
echo "Seismic Unix on one zero-offset section, 800 traces x 1001 samples at 12.5 m; load $(load)"
set -- $(best "$surep" sh -c "$su/bin/suktmig2d vfile=$tmp/vt.bin dx=12.5 angmax=60 < $tmp/zo.su > $tmp/kt.su")
kt=$1 ktc=$2
set -- $(best "$surep" sh -c "$su/bin/rayt2d vfile=$tmp/vz.bin tfile=$tmp/tt.bin nz=141 dz=50 nx=201 dx=50 nt=1001 dt=0.004 nxs=101 fxs=0 dxs=100 aperx=5000")
rt=$1
set -- $(best "$surep" sh -c "$su/bin/sukdmig2d infile=$tmp/zo.su outfile=$tmp/kd.su ttfile=$tmp/tt.bin nzt=141 fzt=0 dzt=50 nxt=201 fxt=0 dxt=50 fs=0 ds=100 ns=101 dxm=12.5 nzo=1001 fzo=0 dzo=7 nxo=800 fxo=0 dxo=12.5 angmax=60 v0=2000 dvz=0.4 aperx=5000")
kd=$1 kdc=$2
lsu=$(load)
set -- $(best "$reps" env OMP_NUM_THREADS=1 migrate --vel 0:2000,4:3500 --grid 0,12.5,800 "$tmp/zo.su" -o "$tmp/m1.su")
m1=$1 m1c=$2
if [ -n "$old" ]; then
	set -- $(best "$reps" env OMP_NUM_THREADS=1 "$old" --vel 0:2000,4:3500 --grid 0,12.5,800 "$tmp/zo.su" -o "$tmp/o1.su")
	cmp -s "$tmp/m1.su" "$tmp/o1.su" && osame=identical || osame="not the same bytes"
	awk -v n="$oldname" -v w="$1" -v c="$2" -v m1="$m1" -v m1c="$m1c" -v s="$osame" -v l="$(load)" 'BEGIN {
		printf "  old build %s, antialiased, 1 thread: wall %6.2f s, cpu %6.2f s; new/old: wall %.3f, cpu %.3f; images %s [load %s]\n",
		    n, w, c, m1 / w, m1c / c, s, l }' > "$tmp/oldsu"
fi
set -- $(best "$reps" env OMP_NUM_THREADS=1 migrate --no-antialias --vel 0:2000,4:3500 --grid 0,12.5,800 "$tmp/zo.su" -o "$tmp/l1.su")
l1=$1 l1c=$2
set -- $(best "$reps" migrate --vel 0:2000,4:3500 --grid 0,12.5,800 "$tmp/zo.su" -o "$tmp/mn.su")
mn=$1 mnc=$2
awk -v kt="$kt" -v ktc="$ktc" -v rt="$rt" -v kd="$kd" -v kdc="$kdc" -v m1="$m1" -v m1c="$m1c" -v l1="$l1" \
    -v l1c="$l1c" -v mn="$mn" -v mnc="$mnc" -v nc="$(nproc)" -v lsu="$lsu" -v lm="$(load)" 'BEGIN {
	printf "  suktmig2d (antialiased)  wall %7.2f s, cpu %7.2f s [load %s]\n", kt, ktc, lsu
	printf "  rayt2d + sukdmig2d       wall %7.2f s (tables %.2f s), cpu %7.2f s for the migration\n", rt + kd, rt, kdc
	printf "  migrate, antialiased, 1 thread: wall %6.2f s, cpu %6.2f s; suktmig2d takes %.1fx its wall, %.1fx its cpu; sukdmig2d %.1fx, %.1fx [load %s]\n",
	    m1, m1c, kt / m1, ktc / m1c, kd / m1, kdc / m1c, lm
	printf "  migrate, linear,      1 thread: wall %6.2f s, cpu %6.2f s; suktmig2d takes %.1fx its wall, %.1fx its cpu; sukdmig2d %.1fx, %.1fx\n",
	    l1, l1c, kt / l1, ktc / l1c, kd / l1, kdc / l1c
	printf "  migrate, antialiased, %d threads: wall %6.2f s, cpu %6.2f s; suktmig2d takes %.1fx its wall, sukdmig2d %.1fx\n",
	    nc, mn, mnc, kt / mn, kd / mn }'
if [ -n "$old" ]; then
	cat "$tmp/oldsu"
fi
