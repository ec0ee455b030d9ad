#!/bin/sh
# Benchmarks taskrun's per-task overhead and its scale (make bench, or
# sh bench/taskrun_scale.sh from the top directory):
#   a. N trivial local tasks (`true`) on 2 slots: taskrun, xargs -P2 and
#      parallel -j2 in the same run (bar: taskrun's wall time within 1.2x of
#      xargs's);
#   b. H simulated hosts with 1-4 slots each running T short tasks.  Every
#      host is a real `taskrun agent` process, started through a launcher
#      script given to --ssh that ignores the host name and execs the agent
#      locally (no sshd, no network): what is simulated is only the
#      transport.  The tasks are `true`, exec'd by the agents without a
#      shell.  Measured: the controller's own CPU time and maximum RSS
#      (getrusage RUSAGE_SELF, recorded in the journal's end event, so the
#      agents and tasks are not counted) per task, and journal bytes per task
#      (bars: 30 us of CPU and 300 bytes of RSS per task).  BENCH_HOSTS may
#      list several host counts ("10 50 100"): a block for each, then the
#      least-squares slope of CPU and RSS per task over them (a cost that
#      grows with hosts x tasks shows as a slope);
#   c. resume of a state directory whose journal holds R tasks (generated:
#      every task started and done, some after a failure or with a copy), so
#      that nothing is left to run (bar: 2 s), then the same with one task in
#      a thousand left open by a killed controller, which the resume
#      journals as lost and runs again.
# Environment: BENCH_N (default 1000), BENCH_HOSTS (1000; or a list of
# counts), BENCH_ROUNDS (part b's runs per host count, default 1: medians
# of them), BENCH_OLD (REV or DIR: an older build's taskrun runs part b in
# turn with this one each round, its CPU per task and new/old beside;
# agents of that build too), BENCH_TASKS
# (100000), BENCH_RESUME (1000000), BENCH_PARTS (the parts to run: "a b c"),
# BENCH_KEEP (a directory, created: the state directories, hostfile and
# launcher are kept there instead of removed, to read the journals after),
# BENCH_LEASE (part b's --lease, default taskrun's 30s).  Part b runs every
# simulated agent and its tasks on this machine: past a few hundred hosts on
# 2 cores an agent can wait longer than the lease for the CPU, and is lost
# and started again (the "no heartbeat" lines it prints), which costs the
# controller too; a longer lease measures the controller without them.
# BENCH_WRAP: words put before part b's controller (perf record -i -g --).
[ -z "${BASH_VERSION:-}" ] && exec bash "$0" "$@"
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
TR=$top/bin/taskrun
N=${BENCH_N:-1000}
H=${BENCH_HOSTS:-1000}
T=${BENCH_TASKS:-100000}
R=${BENCH_RESUME:-1000000}
PARTS=${BENCH_PARTS:-a b c}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
if [ -n "${BENCH_KEEP:-}" ]; then
	mkdir -p "$BENCH_KEEP"
	W=$(cd "$BENCH_KEEP" && pwd)
	rm -rf "$W"/sb.* "$W/sc" "$W/so" "$W/old"
	echo "keeping the state in $W"
else
	W=$(mktemp -d /tmp/taskrun-scale.XXXXXX)
	trap 'rm -rf "$W"' EXIT
fi

# BENCH_OLD: an older build's taskrun (DIR/taskrun, DIR/bin/taskrun, or a
# git revision built here) runs part b in turn with this one.
OLD="" OLDNAME=""
if [ -n "${BENCH_OLD:-}" ]; then
	if [ -x "$BENCH_OLD/taskrun" ] && [ -f "$BENCH_OLD/taskrun" ]; then
		OLD=$BENCH_OLD/taskrun
	elif [ -x "$BENCH_OLD/bin/taskrun" ]; then
		OLD=$BENCH_OLD/bin/taskrun
	fi
	if [ -n "$OLD" ]; then
		OLDNAME=$BENCH_OLD
	else
		if ! rev=$(cd "$top" && git rev-parse --verify -q "$BENCH_OLD^{commit}"); then
			echo "taskrun_scale.sh: BENCH_OLD=$BENCH_OLD is neither a build (DIR/taskrun, DIR/bin/taskrun) nor a git revision" >&2
			exit 2
		fi
		OLDNAME=$(cd "$top" && git rev-parse --short "$rev")
		mkdir "$W/old"
		(cd "$top" && git archive "$rev") | tar -x -C "$W/old"
		echo "old build: $OLDNAME, make bin/taskrun at nice 10 in $W/old"
		if ! (cd "$W/old" && nice -n 10 make -s -j2 bin/taskrun) >"$W/old.log" 2>&1; then
			cat "$W/old.log" >&2
			echo "taskrun_scale.sh: the build of $OLDNAME failed" >&2
			exit 1
		fi
		OLD=$W/old/bin/taskrun
	fi
fi

# timed NAME CMD...: runs CMD (output discarded), sets WALL and CPU (seconds).
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$W/time" "$@" >/dev/null 2>"$W/err.$name" || {
		echo "taskrun_scale.sh: $name failed:" >&2
		tail -5 "$W/err.$name" >&2
		exit 1
	}
	WALL=$(awk '{ print $1 }' "$W/time")
	CPU=$(awk '{ print $2 + $3 }' "$W/time")
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / (b > 0 ? b : 0.001) }'; }
# The controller's own CPU seconds and max RSS (KiB): the journal's end event.
end_field() { awk -F'\t' -v f="$2" '$2 == "end" { v = f == "cpu" ? $9 + $10 : $11 } END { print v }' "$1/journal"; }

echo "taskrun scale benchmark ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"

if part a; then
echo "a. $N true tasks on 2 local slots"
seq "$N" >"$W/args"
timed xargs xargs -P2 -n1 -a "$W/args" true
x_w=$WALL x_c=$CPU
timed taskrun "$TR" -j2 --no-progress -a "$W/args" 'true {}'
t_w=$WALL t_c=$CPU
if command -v parallel >/dev/null 2>&1; then
	timed parallel parallel --will-cite -j2 -a "$W/args" true
	p_w=$WALL p_c=$CPU
else
	p_w="" p_c=""
fi
printf '  %-12s %7.2f s wall %7.2f s cpu\n' xargs "$x_w" "$x_c" taskrun "$t_w" "$t_c"
[ -n "$p_w" ] && printf '  %-12s %7.2f s wall %7.2f s cpu\n' parallel "$p_w" "$p_c"
echo "  wall: taskrun / xargs $(ratio "$t_w" "$x_w") (bar: 1.2x)${p_w:+; parallel / xargs $(ratio "$p_w" "$x_w")}"

fi

if part b; then
# One run of part b: hosts_run TR H TAG.  Sets B_CPU (s), B_RSS (KiB),
# B_J (journal bytes), B_WALL, B_UP, B_UPS, B_SLOTS; keeps the journal in
# $W/sb.TAG.H.
hosts_run() {
	local tr=$1 h=$2 tag=$3 d=$W/sb.$3.$2
	awk -v h="$h" 'BEGIN { for (i = 1; i <= h; i++) printf "%d/host%d\n", 1 + i % 4, i }' >"$W/hosts.$h"
	B_SLOTS=$(awk -F/ '{ s += $1 } END { print s }' "$W/hosts.$h")
	rm -rf "$d"
	# shellcheck disable=SC2086
	timed "hosts.$tag.$h" ${BENCH_WRAP:-} "$tr" -H "$W/hosts.$h" --ssh "$W/launch" --agent "$tr agent" \
		--no-progress ${BENCH_LEASE:+--lease "$BENCH_LEASE"} -s "$d" -a "$W/targs" 'true {}'
	B_WALL=$WALL B_CPU=$(end_field "$d" cpu) B_RSS=$(end_field "$d" rss) B_J=$(wc -c <"$d/journal")
	local n
	n=$(awk -F'\t' '$2 == "done" { n++ } END { print n + 0 }' "$d/journal")
	[ "$n" -eq "$T" ] || { echo "taskrun_scale.sh: $tag, $h hosts: $n of $T tasks done" >&2; exit 1; }
	# Hosts whose agent came up at least once, and agents started in all.
	B_UP=$(awk -F'\t' '$2 == "up" && !($5 in u) { u[$5] = 1; n++ } END { print n + 0 }' "$d/journal")
	B_UPS=$(awk -F'\t' '$2 == "up" { n++ } END { print n + 0 }' "$d/journal")
}
median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ROUNDS=${BENCH_ROUNDS:-1}
echo "b. simulated hosts (1-4 slots each): ${H} hosts, $T true tasks, $ROUNDS round(s)${BENCH_LEASE:+, --lease $BENCH_LEASE}${OLD:+; old build $OLDNAME in turn}"
# The launcher: "launch HOST taskrun agent" runs the agent here.
printf '#!/bin/sh\nshift\nexec "$@"\n' >"$W/launch"
chmod 755 "$W/launch"
seq "$T" >"$W/targs"
rows=""
for h in $H; do
	cpus="" rsss="" js="" walls="" ocpus="" ratios=""
	for r in $(seq "$ROUNDS"); do
		hosts_run "$TR" "$h" new
		cpus="$cpus $B_CPU" rsss="$rsss $B_RSS" js="$js $B_J" walls="$walls $B_WALL"
		up=$B_UP ups=$B_UPS slots=$B_SLOTS
		if [ -n "$OLD" ]; then
			ncpu=$B_CPU
			hosts_run "$OLD" "$h" old
			ocpus="$ocpus $B_CPU"
			ratios="$ratios $(awk -v a="$ncpu" -v b="$B_CPU" 'BEGIN { printf "%.4f", a / (b > 0 ? b : 1e-9) }')"
		fi
	done
	c=$(echo "$cpus" | median) rss=$(echo "$rsss" | median) j=$(echo "$js" | median) w=$(echo "$walls" | median)
	awk -v w="$w" -v c="$c" -v r="$rss" -v j="$j" -v t="$T" -v s="$slots" -v up="$up" -v ups="$ups" \
		-v h="$h" -v l="$(cut -d' ' -f1 /proc/loadavg)" -v all="$cpus" 'BEGIN {
		printf "  %d hosts, %d slots; %d of %d hosts came up (%d agent starts); %.1f s wall; load %s\n", h, s, up, h, ups, w, l
		printf "  controller CPU %.2f s = %.1f us/task (bar: 30) [rounds:%s s]\n", c, c / t * 1e6, all
		printf "  controller max RSS %.1f MiB = %.0f bytes/task (bar: 300)\n", r / 1024, r * 1024 / t
		printf "  journal %.1f MiB = %.0f bytes/task\n", j / 1048576, j / t }'
	if [ -n "$OLD" ]; then
		oc=$(echo "$ocpus" | median) ra=$(echo "$ratios" | median)
		awk -v c="$oc" -v t="$T" -v ra="$ra" -v all="$ocpus" 'BEGIN {
			printf "  old build: controller CPU %.2f s = %.1f us/task [rounds:%s s]; new/old CPU %.3f (median of the rounds)\n",
				c, c / t * 1e6, all, ra }'
	fi
	# Why agents went down other than at the end (digits made N, byte
	# counts dropped), and the controller's stalls: under load, lost
	# agents cost CPU.  Of the last round of this build.
	awk -F'\t' '$2 == "stall" { s++ } $2 == "quarantine" { q++ } $2 == "lost" { l++ }
		END { printf "  %d stall(s), %d quarantine(s), %d attempt(s) lost; agents down, by reason:\n", s, q, l }' "$W/sb.new.$h/journal"
	awk -F'\t' '$2 == "down" { r = $12; sub(/; bytes rx=.*/, "", r); gsub(/[0-9]+(\.[0-9]+)?/, "N", r)
		if (r != "finished") n[r]++ }
		END { for (r in n) printf "  %7d  %s\n", n[r], r }' "$W/sb.new.$h/journal" | sort -k1,1nr
	rows="$rows$h $(awk -v c="$c" -v t="$T" 'BEGIN { printf "%.3f", c / t * 1e6 }') $(awk -v r="$rss" -v t="$T" 'BEGIN { printf "%.1f", r * 1024 / t }')
"
done
if [ "$(printf '%s' "$rows" | wc -l)" -ge 2 ]; then
	# What grows with the hosts: the least-squares slope of CPU and
	# memory per task over the host counts (a cost per host and task
	# shows as a slope that does not shrink with more tasks).
	printf '%s' "$rows" | awk '{ n++; x += $1; y += $2; m += $3; xx += $1 * $1; xy += $1 * $2; xm += $1 * $3 }
		END { d = n * xx - x * x
		printf "  per task over the host counts: CPU %+.3f us, RSS %+.1f bytes per 100 hosts (least squares)\n",
			100 * (n * xy - x * y) / d, 100 * (n * xm - x * m) / d }'
fi

fi

if part c; then
echo "c. resume of a journal of $R tasks"
# A state directory as a run of R tasks leaves it: tasks frozen, every task
# started and done on one of 1000 hosts; one in 97 failed once first and one
# in 89 had a speculative copy cancelled.  Open: with "open", one task in
# 1000 has its last start unanswered (the controller was killed).
mkstate() {  # DIR open|closed
	mkdir -m 700 "$1"
	awk -v r="$R" 'BEGIN { print "taskrun tasks 1"; for (i = 1; i <= r; i++) printf "true %d\t\t\n", i }' >"$1/tasks"
	awk -v r="$R" -v open="$2" 'BEGIN {
		t = 1700000000; OFS = "\t"; OFMT = CONVFMT = "%.6f"
		print t, "run", 0, 0, "-", 0, 0, "0.000000", "0.000000", "0.000000", 0, "pid=1 tasks=" r " done=0 hosts=1000"
		for (i = 1; i <= r; i++) {
			h = "host" (i % 1000 + 1); a = 1; t += 0.0001
			if (i % 97 == 0) {
				print t, "start", i, a, h, 0, 0, "0.000000", "0.000000", "0.000000", 0, "slot=1"
				print t, "fail", i, a, h, 1, 0, "0.001000", "0.000500", "0.000300", 1024, "exited with status 1"
				a++
			}
			print t, "start", i, a, h, 0, 0, "0.000000", "0.000000", "0.000000", 0, "slot=1"
			if (i % 89 == 0)
				print t, "start", i, a + 1, "host" ((i + 7) % 1000 + 1), 0, 0, "0.000000", "0.000000", "0.000000", 0, "slot=2 speculative"
			if (open == "open" && i % 1000 == 500)
				continue
			print t, "done", i, a, h, 0, 0, "0.001000", "0.000500", "0.000300", 1024, ""
			if (i % 89 == 0)
				print t, "cancel", i, a + 1, "host" ((i + 7) % 1000 + 1), -1, 15, "0.001000", "0.000500", "0.000300", 1024, "another attempt won"
		}
	}' >"$1/journal"
}
seq "$R" >"$W/rargs"
mkstate "$W/sc" closed
c_j=$(wc -c <"$W/sc/journal")
timed resume "$TR" -j2 --no-progress -s "$W/sc" -a "$W/rargs" 'true {}'
c_w=$WALL c_c=$CPU c_rss=$(end_field "$W/sc" rss)
mkstate "$W/so" open
timed resume_open "$TR" -j2 --no-progress -s "$W/so" -a "$W/rargs" 'true {}'
o_w=$WALL
o_lost=$(awk -F'\t' '$2 == "lost" { n++ } END { print n + 0 }' "$W/so/journal")
o_run=$(awk -F'\t' '$2 == "done" && $1 > 1750000000 { n++ } END { print n + 0 }' "$W/so/journal")
awk -v w="$c_w" -v c="$c_c" -v j="$c_j" -v r="$c_rss" 'BEGIN {
	printf "  nothing left: %.2f s wall (bar: 2), %.2f s CPU, max RSS %.0f MiB, journal %.0f MiB\n",
		w, c, r / 1024, j / 1048576 }'
echo "  one in 1000 open: $o_w s wall, $o_lost attempts journalled lost, $o_run tasks run again"
fi
