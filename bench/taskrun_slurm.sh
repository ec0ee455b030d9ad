#!/bin/sh
# Benchmarks taskrun on a Slurm cluster against the same over ssh, measured
# in the same run (make bench, or sh bench/taskrun_slurm.sh from the top
# directory): N tasks on 6 slots,
#   1. taskrun --slurm inside salloc -N3 -n6 on three local slurmd (each
#      agent started with srun -u, one per node);
#   2. taskrun -H over ssh to three loopback sshd hosts with 2 slots each
#      (tests/cli/lab.bash);
#   3. the anchor a Slurm user reaches for without taskrun: one srun step per
#      task (xargs -P6 srun -N1 -n1), inside the same kind of allocation.
# Each row: the wall time of the run (inside the allocation: the allocation
# itself is not counted), the time until every agent was up, and the wall
# per task after that.  Needs root (munged, slurmctld, slurmd, sshd and a
# test user, started and stopped as the tests do).
# Environment: BENCH_SLURM_N (default 200).
[ -z "${BASH_VERSION:-}" ] && exec bash "$0" "$@"
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
TR=$top/bin/taskrun
N=${BENCH_SLURM_N:-200}
W=$(mktemp -d /tmp/taskrun-bench-slurm.XXXXXX)
BATS_TEST_DIRNAME=$top/tests/cli
skip() { echo "  skipped: $*"; exit 0; }
# shellcheck disable=SC1091
. "$top/tests/cli/lab.bash"
# shellcheck disable=SC1091
. "$top/tests/cli/slurm.bash"
cleanup() {
	if [ -n "${LAB:-}" ]; then lab_stop; fi
	if [ -n "${SLURM_DIR:-}" ]; then slurm_stop; fi
	rm -rf "$W"
}
trap cleanup EXIT

echo "taskrun over Slurm against ssh ($N tasks, 6 slots, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
why=$(slurm_why_not)
[ -z "$why" ] || skip "$why"
slurm_start >"$W/slurm_start.log" 2>&1 || { cat "$W/slurm_start.log" "$SLURM_DIR"/log/*.log >&2; exit 1; }
lab_start >/dev/null
seq "$N" >"$W/args"

# The journal's view of a run: seconds from the run's start until its last
# agent was up, and the wall per task from then to the last task's end.
phases() {
	awk -F'\t' '$2 == "run" { t0 = $1 } $2 == "up" { up = $1 } $2 == "done" { end = $1; n++ }
		END { printf "%.3f %.3f", up - t0, (end - up) / n * 1000 }' "$1/journal"
}
row() {  # NAME WALL STATEDIR
	local p
	p=$(phases "$3")
	printf '  %-36s %7.2f s wall %7.3f s until all agents up %7.3f ms/task after\n' "$1" "$2" \
		"${p% *}" "${p#* }"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
wall() { awk '{ print $1 }' "$1"; }
check() {  # NAME STATEDIR: every task done once
	local d
	d=$(awk -F'\t' '$2 == "done"' "$2/journal" | wc -l)
	[ "$d" = "$N" ] || { echo "taskrun_slurm.sh: $1: $d of $N tasks done" >&2; exit 1; }
}

# 1. Slurm: the time of taskrun alone, inside the allocation.
salloc -N3 -n6 -w 'n[1-3]' /usr/bin/time -f '%e' -o "$W/t.slurm" \
	"$TR" --slurm -s "$W/s.slurm" -a "$W/args" 'true {}' >/dev/null 2>"$W/err.slurm" ||
	{ cat "$W/err.slurm" >&2; exit 1; }
check slurm "$W/s.slurm"
s_w=$(wall "$W/t.slurm")
row "taskrun --slurm (salloc -N3 -n6)" "$s_w" "$W/s.slurm"

# 2. ssh to three loopback hosts, 2 slots each.
printf '2/node1\n2/node2\n2/node3\n' >"$W/hosts"
/usr/bin/time -f '%e' -o "$W/t.ssh" "$TR" -H "$W/hosts" --ssh "$LAB_SSH" --agent "$LAB_AGENT" \
	-s "$W/s.ssh" -a "$W/args" 'true {}' >/dev/null 2>"$W/err.ssh" || { cat "$W/err.ssh" >&2; exit 1; }
check ssh "$W/s.ssh"
h_w=$(wall "$W/t.ssh")
row "taskrun -H over ssh (3 x 2/nodeN)" "$h_w" "$W/s.ssh"

# 3. One srun step per task.
salloc -N3 -n6 -w 'n[1-3]' /usr/bin/time -f '%e' -o "$W/t.srun" \
	xargs -P6 -a "$W/args" -I{} srun -N1 -n1 true >/dev/null 2>"$W/err.srun" ||
	{ cat "$W/err.srun" >&2; exit 1; }
r_w=$(wall "$W/t.srun")
printf '  %-36s %7.2f s wall %7.3f ms/task\n' "xargs -P6 srun -N1 -n1 (per task)" "$r_w" \
	"$(awk -v w="$r_w" -v n="$N" 'BEGIN { printf "%.3f", w / n * 1000 }')"

echo "  wall: taskrun --slurm / taskrun over ssh $(ratio "$s_w" "$h_w");" \
	"srun per task / taskrun --slurm $(ratio "$r_w" "$s_w")"
