#!/bin/sh
# Benchmarks taskrun against GNU parallel and xargs, measured in the same
# run (make bench, or sh bench/taskrun.sh from the top directory):
#   1. N `true` tasks on 2 local slots: taskrun (without and with a state
#      directory), parallel -j2 (without and with --joblog), xargs -P2;
#   2. N tasks over one loopback ssh host with 2 slots: taskrun against
#      parallel -S 2/host -M (connection sharing);
#   3. the controller's own CPU time as a fraction of the tasks' CPU time
#      for C one-second CPU-bound tasks on 2 local slots.
# Overhead per task is the CPU time (user + system) of the runner's whole
# process tree, less the tasks' own CPU time (as taskrun's agents measure it
# with wait4), divided by N.  Part 2 needs root (an sshd on loopback and a
# test user, set up and torn down as in tests/cli/lab.bash).
# Environment: BENCH_N (default 1000), BENCH_CPU_TASKS (default 200).
[ -z "${BASH_VERSION:-}" ] && exec bash "$0" "$@"
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
TR=$top/bin/taskrun
N=${BENCH_N:-1000}
C=${BENCH_CPU_TASKS:-200}
W=$(mktemp -d /tmp/taskrun-bench.XXXXXX)
cleanup() {
	if [ -n "${LAB:-}" ]; then lab_stop; fi
	rm -rf "$W"
}
trap cleanup EXIT

# timed NAME CMD...: runs CMD, prints nothing, sets WALL and CPU (seconds).
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$W/time" "$@" >/dev/null 2>"$W/err.$name" || {
		echo "taskrun.sh: $name failed:" >&2
		cat "$W/err.$name" >&2
		exit 1
	}
	WALL=$(awk '{ print $1 }' "$W/time")
	CPU=$(awk '{ print $2 + $3 }' "$W/time")
}

# The tasks' own CPU time, from a taskrun journal.
task_cpu() {
	awk -F'\t' '$2 ~ /^(done|fail|cancel|lost)$/ { c += $9 + $10 } END { printf "%.4f", c }' "$1/journal"
}
ctl_cpu() {
	awk -F'\t' '$2 == "end" { c += $9 + $10 } END { printf "%.4f", c }' "$1/journal"
}

row() {  # NAME WALL CPU TASKCPU
	awk -v n="$1" -v w="$2" -v c="$3" -v t="$4" -v N="$N" \
		'BEGIN { o = (c - t) / N * 1000; if (o < 0.001) o = 0.001
		         printf "  %-30s %8.2f s wall %8.2f s cpu %8.3f ms/task overhead\n", n, w, c, o }'
}
ovh() {  # CPU TASKCPU -> ms per task
	awk -v c="$1" -v t="$2" -v N="$N" 'BEGIN { o = (c - t) / N * 1000; if (o < 0.001) o = 0.001; printf "%.4f", o }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'; }

echo "taskrun benchmark ($N tasks, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
echo "1. $N true tasks on 2 local slots"
seq "$N" >"$W/args"
timed taskrun "$TR" -j2 -a "$W/args" 'true {}'
tr_w=$WALL tr_c=$CPU
timed taskrun_s "$TR" -j2 -s "$W/s1" -a "$W/args" 'true {}'
trs_w=$WALL trs_c=$CPU
# The tasks' CPU time as the agents measured it, and taskrun's own CPU time
# (controller and agents, from getrusage) as the journal recorded it.
tcpu=$(task_cpu "$W/s1")
own=$(awk -F'\t' '$2 == "end" || $2 == "down" { c += $9 + $10 } END { printf "%.4f", c }' "$W/s1/journal")
row "taskrun -j2" "$tr_w" "$tr_c" "$tcpu"
row "taskrun -j2 -s (synced journal)" "$trs_w" "$trs_c" "$tcpu"
echo "  taskrun's own CPU (controller + agent, getrusage): $(awk -v c="$own" -v N="$N" 'BEGIN { printf "%.3f", c / N * 1000 }') ms/task"
timed parallel parallel -j2 -a "$W/args" true
p_w=$WALL p_c=$CPU
row "parallel -j2" "$p_w" "$p_c" "$tcpu"
timed parallel_log parallel -j2 --joblog "$W/joblog" -a "$W/args" true
pl_w=$WALL pl_c=$CPU
row "parallel -j2 --joblog" "$pl_w" "$pl_c" "$tcpu"
timed xargs xargs -P2 -n1 -a "$W/args" true
x_w=$WALL x_c=$CPU
row "xargs -P2" "$x_w" "$x_c" "$tcpu"
o_tr=$(awk -v c="$own" -v N="$N" 'BEGIN { printf "%.4f", c / N * 1000 }')
o_p=$(ovh "$p_c" "$tcpu") o_pl=$(ovh "$pl_c" "$tcpu")
echo "  overhead per task: parallel / taskrun -s $(ratio "$o_p" "$o_tr");" \
	"parallel --joblog / taskrun -s $(ratio "$o_pl" "$o_tr") (bar: 5x)"
echo "  wall: parallel / taskrun $(ratio "$p_w" "$tr_w"); parallel --joblog / taskrun -s" \
	"$(ratio "$pl_w" "$trs_w"); xargs / taskrun $(ratio "$x_w" "$tr_w")"

echo "2. $N tasks over one loopback ssh host with 2 slots"
if [ "$(id -u)" -ne 0 ]; then
	echo "  skipped: needs root (sshd on loopback and a test user)"
else
	BATS_TEST_DIRNAME=$top/tests/cli
	skip() { echo "  skipped: $*"; exit 0; }
	# shellcheck disable=SC1091
	. "$top/tests/cli/lab.bash"
	lab_start >/dev/null
	# parallel runs "ssh"; give it one that reads the lab's ssh_config
	# (a multi-word --ssh makes parallel -M run job 1 twice).
	mkdir "$W/bin"
	printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$LAB/ssh_config" >"$W/bin/ssh"
	chmod 755 "$W/bin/ssh"
	echo 2/node1 >"$W/hosts"
	timed taskrun_ssh "$TR" -H "$W/hosts" --ssh "$W/bin/ssh" --agent "$LAB_AGENT" -s "$W/s2" -a "$W/args" 'true {}'
	ts_w=$WALL ts_c=$CPU
	# Remote CPU: the agent's own (its tasks' is the tasks').
	agent=$(awk -F'\t' '$2 == "down" { c += $9 + $10 } END { printf "%.4f", c }' "$W/s2/journal")
	ts_c=$(awk -v a="$ts_c" -v b="$agent" 'BEGIN { print a + b }')
	row "taskrun -H 2/node1" "$ts_w" "$ts_c" 0
	timed parallel_ssh env PATH="$W/bin:$PATH" parallel -j2 -M -S 2/node1 -a "$W/args" true
	ps_w=$WALL ps_c=$CPU
	row "parallel -M -S 2/node1" "$ps_w" "$ps_c" 0
	echo "  overhead per task (local CPU, remote agent included for taskrun," \
		"remote sshd sessions not counted for parallel): parallel / taskrun" \
		"$(ratio "$(ovh "$ps_c" 0)" "$(ovh "$ts_c" 0)") (bar: 10x)"
	echo "  wall per task: parallel $(awk -v w="$ps_w" -v N="$N" 'BEGIN { printf "%.2f", w / N * 1000 }') ms," \
		"taskrun $(awk -v w="$ts_w" -v N="$N" 'BEGIN { printf "%.2f", w / N * 1000 }') ms:" \
		"$(ratio "$ps_w" "$ts_w")"
	lab_stop
	LAB=""
fi

echo "3. controller CPU for $C one-second CPU-bound tasks on 2 local slots"
# Calibrate an awk loop to about one second of CPU time.
/usr/bin/time -f '%U %S' -o "$W/cal" awk 'BEGIN { for (i = 0; i < 2000000; i++) s += i }'
iters=$(awk '{ t = $1 + $2; if (t < 0.01) t = 0.01; printf "%d", 2000000 / t }' "$W/cal")
seq "$C" >"$W/cargs"
timed cpu "$TR" -j2 -s "$W/s3" -a "$W/cargs" "awk 'BEGIN { for (i = 0; i < $iters; i++) s += i }' {}"
tc=$(task_cpu "$W/s3") cc=$(ctl_cpu "$W/s3")
awk -v t="$tc" -v c="$cc" -v w="$WALL" -v n="$C" 'BEGIN {
	printf "  %d tasks: %.1f s wall, task CPU %.2f s, controller CPU %.3f s = %.3f%% of task CPU (bar: 0.3%%)\n",
		n, w, t, c, 100 * c / t }'
"$TR" report "$W/s3" | sed -n '5p;8p' | sed 's/^/  /'
