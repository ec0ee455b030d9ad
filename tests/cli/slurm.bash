# A Slurm cluster on one machine, for the taskrun tests: munged with its own
# key and socket, slurmctld, and three slurmd (slurmd -N n1, n2, n3) on
# 127.0.0.1 with their own ports, 2 CPUs each, everything (configuration,
# state, spool, logs, pid files) in one temporary directory.  slurm_start
# starts it and waits until sinfo shows the nodes idle; slurm_stop cancels
# every job of the cluster and stops each daemon by the PID in its pid file,
# then any slurmstepd that the cluster left (found by its SLURM_CONF).
# Started by hand with slurm_start, a cluster is stopped with slurm_stop in
# the same shell (it reads SLURM_DIR).
#
# After slurm_start:
#   SLURM_DIR   the directory
#   SLURM_CONF  its slurm.conf (exported: sinfo, salloc, sbatch, srun use it)

# N free loopback ports, one per line (one python start: they are slow here).
slurm_free_ports() {
	python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print("\n".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# Why the cluster cannot run here, or nothing.
slurm_why_not() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root: runs munged, slurmctld and slurmd"
		return
	fi
	local p
	for p in munged slurmctld slurmd srun salloc sbatch sinfo squeue scancel; do
		command -v "$p" >/dev/null || PATH="$PATH:/usr/sbin" command -v "$p" >/dev/null ||
			{ echo "$p is missing (scripts/deps.sh installs slurm-wlm and munge)"; return; }
	done
}

slurm_start() {
	local d host cport n ports
	d=$(mktemp -d /tmp/taskrun-slurm.XXXXXX)
	SLURM_DIR=$d
	SLURM_CONF=$d/slurm.conf
	export SLURM_DIR SLURM_CONF
	mkdir -p "$d/state" "$d/log" "$d/spool"
	# munged: its own key and socket.
	dd if=/dev/urandom of="$d/munge.key" bs=1024 count=1 2>/dev/null
	chmod 600 "$d/munge.key"
	/usr/sbin/munged --force --socket="$d/munge.sock" --key-file="$d/munge.key" \
		--pid-file="$d/munged.pid" --log-file="$d/log/munged.log" --seed-file="$d/munged.seed" ||
		return 1
	host=$(hostname)
	ports=$(slurm_free_ports 4)
	cport=$(echo "$ports" | sed -n 1p)
	# An empty plug-in stack file of our own (slurmctld warns about
	# /dev/null's world-writable directory).
	: >"$d/plugstack.conf"
	cat >"$SLURM_CONF" <<CONF
ClusterName=taskrun
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$cport
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge.sock
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool/%n
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.%n.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
PlugStackConfig=$d/plugstack.conf
ReturnToService=2
SlurmdTimeout=60
InactiveLimit=0
KillWait=2
MessageTimeout=30
UnkillableStepTimeout=180
CONF
	for n in 1 2 3; do
		echo "NodeName=n$n NodeHostname=$host NodeAddr=127.0.0.1 Port=$(echo "$ports" | sed -n "$((n + 1))p")" \
			"CPUs=2 State=UNKNOWN" >>"$SLURM_CONF"
		mkdir -p "$d/spool/n$n"
	done
	echo "PartitionName=p Nodes=n[1-3] Default=YES MaxTime=INFINITE State=UP" >>"$SLURM_CONF"
	/usr/sbin/slurmctld -f "$SLURM_CONF" -i || return 1
	for n in 1 2 3; do
		/usr/sbin/slurmd -f "$SLURM_CONF" -N "n$n" || return 1
	done
	# Every node idle before the tests start.
	for _ in $(seq 300); do
		[ "$(sinfo -h -N -o '%N %t' 2>/dev/null | sort | tr '\n' ' ')" = "n1 idle n2 idle n3 idle " ] && return 0
		sleep 0.1
	done
	echo "slurm: the nodes did not come up: $(sinfo -h -N -o '%N %t' 2>&1 | tr '\n' ' ')" >&2
	return 1
}

# For setup_file: starts the cluster where it can run, and records why it
# failed (slurm_need reports it).
slurm_start_file() {
	local why
	why=$(slurm_why_not)
	[ -z "$why" ] || return 0
	if ! slurm_start >"$BATS_FILE_TMPDIR/slurm_start.log" 2>&1; then
		echo "failed" >"$BATS_FILE_TMPDIR/slurm_failed"
	fi
	echo "$SLURM_DIR" >"$BATS_FILE_TMPDIR/slurm_dir"
}

# For a test that needs the cluster: skips where it cannot run (not root),
# fails where it should have run and did not.
slurm_need() {
	local why
	why=$(slurm_why_not)
	[ -z "$why" ] || skip "$why"
	if [ -e "$BATS_FILE_TMPDIR/slurm_failed" ]; then
		cat "$BATS_FILE_TMPDIR/slurm_start.log" >&2
		cat "$(cat "$BATS_FILE_TMPDIR/slurm_dir")"/log/*.log >&2 2>/dev/null || true
		false
	fi
	SLURM_DIR=$(cat "$BATS_FILE_TMPDIR/slurm_dir")
	SLURM_CONF=$SLURM_DIR/slurm.conf
	export SLURM_DIR SLURM_CONF
	slurm_idle
}

# Waits (60 s at most) until the three nodes are idle: an earlier test's
# job may still be completing.  A node drained since (a step that did not
# end within UnkillableStepTimeout, as happens when the machine is loaded
# to hundreds) is named on stderr and resumed, so that one slow test does
# not fail the ones after it.
slurm_idle() {
	local s=""
	for _ in $(seq 600); do
		s=$(sinfo -h -N -o '%N %t' 2>/dev/null | sort | tr '\n' ' ')
		[ "$s" = "n1 idle n2 idle n3 idle " ] && return 0
		case $s in
		*drain* | *drng* | *down*)
			sinfo -h -N -o 'slurm: %N %t: %E' | grep -v ' idle: ' >&2
			scontrol update nodename='n[1-3]' state=resume 2>/dev/null || true
			;;
		esac
		sleep 0.1
	done
	echo "slurm: the nodes are not idle: $s" >&2
	return 1
}

# Waits until job JOB has left the queue (up to $2 seconds, default 60).
slurm_wait_job() {
	local i
	for i in $(seq $((${2:-60} * 10))); do
		[ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

# Sends SIGTERM to each PID, waits up to 5 s for all, then SIGKILL.
slurm_kill_wait() {
	local p left
	[ $# -gt 0 ] || return 0
	kill "$@" 2>/dev/null || true
	for _ in $(seq 50); do
		left=""
		for p in "$@"; do
			kill -0 "$p" 2>/dev/null && left="$left $p"
		done
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	for p in $left; do
		kill -9 "$p" 2>/dev/null || true
	done
}

slurm_stop() {
	local d p f
	if [ -z "${SLURM_DIR:-}" ] && [ -n "${BATS_FILE_TMPDIR:-}" ] && [ -f "$BATS_FILE_TMPDIR/slurm_dir" ]; then
		SLURM_DIR=$(cat "$BATS_FILE_TMPDIR/slurm_dir")
	fi
	d=${SLURM_DIR:-}
	[ -n "$d" ] && [ -d "$d" ] || return 0
	export SLURM_CONF=$d/slurm.conf
	# The jobs first (their steps end with them), while slurmctld runs.
	if [ -f "$d/slurmctld.pid" ]; then
		for p in $(squeue -h -o %i 2>/dev/null); do
			scancel "$p" 2>/dev/null || true
		done
		for _ in $(seq 50); do
			[ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
			sleep 0.1
		done
	fi
	# The daemons, all at once (each takes a second or two to go).
	slurm_kill_wait $(for f in "$d"/slurmd.n*.pid "$d/slurmctld.pid" "$d/munged.pid"; do
		cat "$f" 2>/dev/null
	done)
	# Step daemons this cluster left: the ones started with its SLURM_CONF.
	for p in $(pgrep -x slurmstepd 2>/dev/null); do
		if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$d/slurm.conf"; then
			kill -9 "$p" 2>/dev/null || true
		fi
	done
	rm -rf "$d"
}
