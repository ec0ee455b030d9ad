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
# the aperture times nt, the notes' cost model.  Each number is the best of
# BENCH_REPS (3) interleaved rounds: this machine's speed drifts by 10-20%
# within minutes with the load of its host.
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
# once (BENCH_SU_REPS), they take a minute; BENCH_SU=0 skips them.  The
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
# Each mode then also prints the old build's best wall and CPU time on 1
# and 2 threads, its 2-thread speed-up, the new/old ratios of wall and CPU
# time (below 1: the new build is faster), and whether the two images are
# the same bytes; the Seismic Unix part adds the old build's antialiased
# 1-thread run on the zero-offset section.
set -eu
. "$(dirname "$0")/common.sh"
cd "$root"
bench_dir tmp
reps=${BENCH_REPS:-3}
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
		# Best of BENCH_REPS rounds, each round 1 thread, 2 threads and
		# the machine's own ceiling for two threads: two 1-thread runs at
		# once (shared caches, memory, clock and host) do s1/sa + s1/sb
		# times the work of one alone.  Interleaved, so that a slow spell
		# of the host hits every kind alike; with BENCH_OLD the old
		# build's run right after the new one's, on the same thread count.
		sec_1=999999 sec_2=999999 pa=0 sec_a=0 sec_b=0 spin_1=999999 px=0
		osec_1=999999 osec_2=999999 same=identical
		rep=0
		while [ "$rep" -lt "$reps" ]; do
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
					if eval "awk -v a=$sec -v b=\$${pre}sec_$th 'BEGIN { exit !(a < b) }'"; then
						eval "${pre}upd_$th=$upd ${pre}sec_$th=$sec ${pre}cpu_$th=$cpu ${pre}load_$th=\"$(load)\""
					fi
				done
				if [ -n "$old" ] && ! cmp -s "$tmp/out-$th.sgk" "$tmp/old-$th.sgk"; then
					same="not the same bytes ($th thread(s))"
				fi
			done
			for r in a b; do
				# shellcheck disable=SC2086
				OMP_NUM_THREADS=1 migrate --progress $opt --vel 0:2000,4:3500 --angle 90 --aperture "$ap" \
					--grid "0,12.5,$nout" "$tmp/in.sgk" -o "$tmp/out-$r.sgk" 2>"$tmp/err-$r" &
			done
			wait
			ra=$(tr '\r' '\n' < "$tmp/err-a" | sed -n 's/.* in \([0-9.]*\) s,.*/\1/p')
			rb=$(tr '\r' '\n' < "$tmp/err-b" | sed -n 's/.* in \([0-9.]*\) s,.*/\1/p')
			if awk -v a="$ra" -v b="$rb" -v p="$pa" 'BEGIN { exit !(1 / a + 1 / b > p) }'; then
				pa=$(awk -v a="$ra" -v b="$rb" 'BEGIN { print 1 / a + 1 / b }')
				sec_a=$ra sec_b=$rb
			fi
			# The same for work that shares nothing but the cores: a
			# loop in awk's registers and L1 cache (no memory traffic),
			# alone, then two at once.  Where it stays below 2 too, the
			# host (its other tenants, its clock) sets the ceiling, not
			# the caches or memory that migrate's two threads share.
			t0=$(now)
			awk "$spin"
			spin1=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }')
			for r in a b; do
				(t0=$(now); awk "$spin"; awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }' > "$tmp/spin-$r") &
			done
			wait
			# Best alone and best pair of the rounds, as for migrate's.
			if awk -v a="$spin1" -v b="$spin_1" 'BEGIN { exit !(a < b) }'; then
				spin_1=$spin1
			fi
			x=$(awk -v a="$(cat "$tmp/spin-a")" -v b="$(cat "$tmp/spin-b")" 'BEGIN { print 1 / a + 1 / b }')
			if awk -v x="$x" -v p="$px" 'BEGIN { exit !(x > p) }'; then
				px=$x
			fi
		done
		# shellcheck disable=SC2154
		awk -v sz="$sz" -v m="$mode" -v u="$upd_1" -v s1="$sec_1" -v s2="$sec_2" -v c1="$cpu_1" \
		    -v c2="$cpu_2" -v l1="$load_1" -v l2="$load_2" -v rl="$ref_lin" -v ra="$ref_aa" \
		    -v sa="$sec_a" -v sb="$sec_b" -v cl="${cn_lin:-0}" -v wl="${wn_lin:-0}" -v px="$px" -v x1="$spin_1" 'BEGIN {
			ref = m ~ /^linear/ ? rl : ra; bar = m ~ /^linear/ ? 2 : 6
			ns1 = s1 * 1e9 / u; ns2 = s2 * 2e9 / u; cn1 = c1 * 1e9 / u; cn2 = c2 * 1e9 / u
			printf "  %-11s %.3g updates, 1 thread:  wall %6.2f s = %.2f ns/update, cpu %6.2f s = %.2f ns/update (bar %d: %.2fx; notes %.1f s: %.2fx) [load %s]\n",
			    m, u, s1, ns1, c1, cn1, bar, cn1 / bar, ref, c1 / ref, l1
			printf "  %-11s %.3g updates, 2 threads: wall %6.2f s = %.2f ns/update/thread, cpu %6.2f s = %.2f ns/update; speed-up %.2f (bar 1.9) [load %s]\n",
			    m, u, s2, ns2, c2, cn2, s1 / s2, l2
			if (m == "antialiased" && cl > 0)
				printf "  antialiased / linear per update, 1 thread: %.2fx by cpu, %.2fx by wall (bar 2.0) [load %s]\n",
				    cn1 / cl, ns1 / wl, l1
			printf "  %-11s two 1-thread runs at once: %.2f s and %.2f s, %.2fx the work of one (the 2-thread ceiling here); migrate reaches %.0f%% of it\n",
			    m, sa, sb, s1 / sa + s1 / sb, 100 * (s1 / s2) / (s1 / sa + s1 / sb)
			printf "  %-11s a loop in registers (awk), two at once: %.2fx the work of one (the host'"'"'s ceiling for work that shares no cache or memory); migrate reaches %.0f%% of it\n",
			    m, x1 * px, 100 * (s1 / s2) / (x1 * px) }'
		if [ -n "$old" ]; then
			# shellcheck disable=SC2154
			awk -v m="$mode" -v n="$oldname" -v u="$upd_1" -v ou="$oupd_1" -v s1="$sec_1" -v s2="$sec_2" \
			    -v c1="$cpu_1" -v c2="$cpu_2" -v o1="$osec_1" -v o2="$osec_2" -v p1="$ocpu_1" -v p2="$ocpu_2" \
			    -v l1="$oload_1" -v l2="$oload_2" -v sa="$sec_a" -v sb="$sec_b" -v same="$same" 'BEGIN {
				for (th = 1; th <= 2; th++) {
					w = th == 1 ? o1 : o2; c = th == 1 ? p1 : p2
					printf "  %-11s old build %s, %s wall %6.2f s, cpu %6.2f s", m, n,
					    th == 1 ? "1 thread: " : "2 threads:", w, c
					if (th == 2)
						printf "; speed-up %.2f (%.0f%% of the ceiling)", o1 / o2, 100 * (o1 / o2) / (s1 / sa + s1 / sb)
					printf "; new/old: wall %.3f, cpu %.3f [load %s]\n", (th == 1 ? s1 : s2) / w, (th == 1 ? c1 : c2) / c,
					    th == 1 ? l1 : l2
				}
				printf "  %-11s new and old images: %s%s\n", m, same, u == ou ? "" : sprintf("; updates differ: %.6g new, %.6g old", u, ou)
			}'
		fi
		if [ "$mode" = linear ]; then
			cn_lin=$(awk -v c="$cpu_1" -v u="$upd_1" 'BEGIN { print c * 1e9 / u }')
			wn_lin=$(awk -v s="$sec_1" -v u="$upd_1" 'BEGIN { print s * 1e9 / u }')
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
