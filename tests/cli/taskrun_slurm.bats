#!/usr/bin/env bats
# taskrun and Slurm.  The first tests stand a script in for srun (what
# taskrun asks of it, and a launcher that fails); the others run a real
# Slurm cluster on this machine (slurm.bash): munged, slurmctld and three
# slurmd on loopback ports, all in a temporary directory, started in
# setup_file and stopped by PID in teardown_file.
bats_require_minimum_version 1.5.0

setup_file() {
	load slurm
	slurm_start_file
}

teardown_file() {
	load slurm
	slurm_stop
}

setup() {
	load lab
	load slurm
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	T=$(mktemp -d)
	BG=""
	TASKRUN=$(readlink -f "$BATS_TEST_DIRNAME/../../bin/taskrun")
}

# $T/barrier JOURNAL N: waits (30 s at most) until N agents are up, so that
# a run cannot end before every agent started.
barrier() {
	cat >"$T/barrier" <<'EOF'
#!/bin/sh
i=0
while [ "$(awk -F'\t' '$2 == "up"' "$1" | wc -l)" -lt "$2" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
EOF
	chmod 755 "$T/barrier"
}

teardown() {
	local p
	for p in $BG; do
		lab_kill_tree "$p"
	done
	rm -rf "$T"
}

# A stand-in for srun in $T/fake: logs its arguments, then runs what
# follows "-w NODE" as node NODE.
fake_srun() {
	mkdir -p "$T/fake"
	cat >"$T/fake/srun" <<'EOF'
#!/bin/sh
echo "$*" >>"$FAKE_SRUN_LOG"
while [ $# -gt 0 ] && [ "$1" != -w ]; do shift; done
node=$2
shift 2
SLURMD_NODENAME=$node exec "$@"
EOF
	chmod 755 "$T/fake/srun"
	export FAKE_SRUN_LOG="$T/srun.log"
}

@test "taskrun --slurm: one agent per node of SLURM_JOB_NODELIST through srun -u, slots from SLURM_JOB_CPUS_PER_NODE" {
	fake_srun
	export SLURM_JOB_NODELIST='n[1-2],gpu[08-09]' SLURM_JOB_CPUS_PER_NODE='3,1(x3)'
	barrier
	PATH="$T/fake:$PATH" run -0 --separate-stderr taskrun --slurm -s "$T/s" \
		"$T/barrier $T/s/journal 4; "'echo {} $SLURMD_NODENAME $TASKRUN_HOST' ::: $(seq 40)
	[ "$stderr" = "" ]
	# Every task once, on the node it was sent to.
	[ "$(echo "$output" | awk '{ print $1 }' | sort -n | tr '\n' ' ')" = "$(seq 40 | tr '\n' ' ')" ]
	[ "$(echo "$output" | awk '$2 != $3' | wc -l)" = 0 ]
	# The launcher of each node, and this very taskrun as the agent.
	run -0 sort "$T/srun.log"
	[ "$output" = "$(printf -- '-u -N1 -n1 --whole -w %s %s agent\n' \
		gpu08 "$TASKRUN" gpu09 "$TASKRUN" n1 "$TASKRUN" n2 "$TASKRUN")" ]
	# Slots as the allocation gives them.
	run -0 awk -F'\t' '$2 == "up" { sub(/ .*/, "", $12); print $5, $12 }' "$T/s/journal"
	[ "$(echo "$output" | sort)" = "$(printf 'gpu08 slots=1\ngpu09 slots=1\nn1 slots=3\nn2 slots=1')" ]
	# The same from a host file line "slurm", here beside a local slot,
	# and "N/slurm" for N slots on every node.
	printf '1/:\nslurm\n' >"$T/hosts"
	PATH="$T/fake:$PATH" run -0 --separate-stderr taskrun -H "$T/hosts" -s "$T/s2" --agent "$TASKRUN agent" 'echo {}' ::: $(seq 10)
	[ "$(echo "$output" | sort -n | tr '\n' ' ')" = "$(seq 10 | tr '\n' ' ')" ]
	[ "$(grep -c -- "--whole -w n1 $TASKRUN agent\$" "$T/srun.log")" = 2 ]
	printf '2/slurm\n' >"$T/hosts"
	PATH="$T/fake:$PATH" run -0 --separate-stderr taskrun -H "$T/hosts" -s "$T/s3" 'echo {}' ::: $(seq 10)
	run -0 awk -F'\t' '$2 == "up" { sub(/ .*/, "", $12); print $12 }' "$T/s3/journal"
	[ "$(echo "$output" | sort -u)" = "slots=2" ]
}

@test "taskrun --slurm: the node list expands as scontrol show hostnames does" {
	command -v scontrol >/dev/null || skip "scontrol (slurm-client) is not installed"
	fake_srun
	printf 'ClusterName=t\nSlurmctldHost=localhost\n' >"$T/slurm.conf"
	list='n[1-3,7],gpu[08-10],login,r[1-2]n[1-2],x[9-11],y[001-3]'
	want=$(SLURM_CONF="$T/slurm.conf" scontrol show hostnames "$list" | sort)
	[ "$(echo "$want" | wc -l)" = 18 ]
	# Tasks long enough for every node's agent to be started.
	SLURM_JOB_NODELIST=$list SLURM_JOB_CPUS_PER_NODE='1(x18)' PATH="$T/fake:$PATH" \
		run -0 --separate-stderr taskrun --slurm 'sleep 1; echo {}' ::: $(seq 18)
	[ "$(awk '{ print $6 }' "$T/srun.log" | sort)" = "$want" ]
}

@test "taskrun --slurm outside an allocation, and with -H, are errors" {
	unset SLURM_JOB_NODELIST SLURM_JOB_CPUS_PER_NODE
	run -1 --separate-stderr taskrun --slurm echo ::: 1
	[ "$stderr" = "taskrun: --slurm: SLURM_JOB_NODELIST is not set: not inside a Slurm allocation" ]
	[ "$output" = "" ]
	SLURM_JOB_NODELIST='n[1-2]' SLURM_JOB_CPUS_PER_NODE=4 run -1 --separate-stderr taskrun --slurm echo ::: 1
	[ "$stderr" = "taskrun: --slurm: SLURM_JOB_CPUS_PER_NODE: '4' gives 1 CPU count for 2 nodes" ]
	SLURM_JOB_NODELIST='n[2-1]' SLURM_JOB_CPUS_PER_NODE=4 run -1 --separate-stderr taskrun --slurm echo ::: 1
	[ "$stderr" = "taskrun: --slurm: SLURM_JOB_NODELIST: invalid hostlist 'n[2-1]': invalid range" ]
	echo : >"$T/hosts"
	run -2 --separate-stderr taskrun --slurm -H "$T/hosts" echo ::: 1
	[ "$stderr" = "taskrun: --slurm and -H or -S are exclusive (a host file may list the line 'slurm'); try --help" ]
	printf 'slurm\n' >"$T/hosts"
	run -1 --separate-stderr taskrun -H "$T/hosts" echo ::: 1
	[ "$stderr" = "taskrun: $T/hosts: line 1: slurm: SLURM_JOB_NODELIST is not set: not inside a Slurm allocation" ]
	# One message for one problem (no "no hosts" after it).
	printf 'node1\n0/node2\n' >"$T/hosts"
	run -1 --separate-stderr taskrun -H "$T/hosts" echo ::: 1
	[ "$stderr" = "taskrun: $T/hosts: line 2: invalid slot count '0' (expected an integer in 1..100000)" ]
}

@test "taskrun: an agent that does not start is reported with the launcher's last lines of stderr" {
	mkdir -p "$T/fake"
	cat >"$T/fake/srun" <<'EOF'
#!/bin/sh
echo "srun: job 7 queued and waiting for resources" >&2
echo "slurmstepd: error: execve(): taskrun: No such file or directory" >&2
echo "srun: error: n1: task 0: Exited with exit code 2" >&2
exit 2
EOF
	chmod 755 "$T/fake/srun"
	SLURM_JOB_NODELIST=n1 SLURM_JOB_CPUS_PER_NODE=1 PATH="$T/fake:$PATH" \
		run -2 --separate-stderr taskrun --slurm --backoff 0.1s -s "$T/s" 'true {}' ::: 1 2
	[ "${stderr_lines[0]}" = "taskrun: n1: agent did not start: srun: job 7 queued and waiting for resources; slurmstepd: error: execve(): taskrun: No such file or directory; srun: error: n1: task 0: Exited with exit code 2" ]
	[ "${stderr_lines[1]}" = "taskrun: no usable host left" ]
	[ "${stderr_lines[2]}" = "taskrun: task 1: not run: no usable host: true 1" ]
	[ "${stderr_lines[3]}" = "taskrun: task 2: not run: no usable host: true 2" ]
	[ "${#stderr_lines[@]}" = 4 ]
	# The journal keeps the reason too.
	[ "$(awk -F'\t' '$2 == "down" { print $12; exit }' "$T/s/journal")" = "srun: job 7 queued and waiting for resources; slurmstepd: error: execve(): taskrun: No such file or directory; srun: error: n1: task 0: Exited with exit code 2" ]
}

@test "taskrun: an agent lost after it started is reported with the launcher's last lines; its tasks run again" {
	# The launcher runs the agent, and the first time kills it after a
	# moment and says why, as srun does when its step is cancelled.
	mkdir -p "$T/fake"
	cat >"$T/fake/launch" <<EOF
#!/bin/sh
shift
# A background job's stdin is /dev/null unless it is passed on.
exec 3<&0
"\$@" 0<&3 3<&- &
agent=\$!
if mkdir "$T/killed" 2>/dev/null; then
	sleep 1
	kill -9 \$agent
	echo "srun: Job step aborted: Waiting up to 32 seconds for job step to finish." >&2
	echo "slurmstepd: error: *** STEP 9.0 ON vm CANCELLED AT 2026-12-05T11:00:00 ***" >&2
	exit 143
fi
wait \$agent
EOF
	chmod 755 "$T/fake/launch"
	echo 2/n1 >"$T/hosts"
	run -0 --separate-stderr taskrun -H "$T/hosts" --ssh "$T/fake/launch" --agent "$TASKRUN agent" \
		--backoff 0.1s -s "$T/s" --stdout "$T/out/{}" 'sleep 0.4; echo {}' ::: $(seq 6)
	why="srun: Job step aborted: Waiting up to 32 seconds for job step to finish.; slurmstepd: error: *** STEP 9.0 ON vm CANCELLED AT 2026-12-05T11:00:00 ***"
	[ "${stderr_lines[0]}" = "taskrun: n1: connection lost: $why" ] || { echo "$stderr"; cat "$T/s/journal"; false; }
	[ "${stderr_lines[1]}" = "taskrun: n1: quarantined for 0.1s: $why" ]
	[ "${stderr_lines[2]}" = "taskrun: n1: quarantine over" ]
	[ "${#stderr_lines[@]}" = 3 ]
	for i in $(seq 6); do
		[ "$(cat "$T/out/$i")" = "$i" ]
		[ "$(j_count "$T/s/journal" done "" "$i")" = 1 ]
	done
	[ "$(j_count "$T/s/journal" lost n1)" -ge 1 ]
	[ "$(j_count "$T/s/journal" fail)" = 0 ]
}

@test "taskrun: a host file's slurm beside other hosts: the allocation's end gives up its nodes, said once, and the run goes on on the others" {
	mkdir -p "$T/fake"
	cat >"$T/fake/srun" <<'EOF'
#!/bin/sh
echo "srun: error: Slurm job 12 has expired" >&2
echo "srun: Check SLURM_JOB_ID environment variable. Expired or invalid job 12" >&2
exit 1
EOF
	chmod 755 "$T/fake/srun"
	printf '1/:\nslurm\n' >"$T/hosts"
	SLURM_JOB_NODELIST='n[1-2]' SLURM_JOB_CPUS_PER_NODE='1(x2)' PATH="$T/fake:$PATH" \
		run -0 --separate-stderr taskrun -H "$T/hosts" -s "$T/s" 'sleep 0.2; echo {}' ::: $(seq 6)
	[ "$stderr" = "taskrun: the Slurm allocation has ended: n1: srun: error: Slurm job 12 has expired; srun: Check SLURM_JOB_ID environment variable. Expired or invalid job 12; the run goes on on the other hosts" ] ||
		[ "$stderr" = "taskrun: the Slurm allocation has ended: n2: srun: error: Slurm job 12 has expired; srun: Check SLURM_JOB_ID environment variable. Expired or invalid job 12; the run goes on on the other hosts" ]
	[ "$(echo "$output" | sort -n | tr '\n' ' ')" = "$(seq 6 | tr '\n' ' ')" ]
	[ "$(j_count "$T/s/journal" done :)" = 6 ]
	[ "$(tail -1 "$T/s/journal" | cut -f2,12)" = "$(printf 'end\tdone=6 failed=0')" ]
}

@test "taskrun: a task killed in the same sweep as its agent (slurmstepd's order: the task, then the agent) is lost, not failed" {
	# The launcher kills the task's process group, and its agent 0.3 s
	# later, as slurmstepd does at a step's cancellation (the deepest
	# processes first).  An agent that reported the task's death at once
	# made it a failure (killed by signal 15).
	mkdir -p "$T/fake"
	cat >"$T/fake/launch" <<EOF
#!/bin/sh
shift
exec 3<&0
"\$@" 0<&3 3<&- &
agent=\$!
if mkdir "$T/swept" 2>/dev/null; then
	i=0
	while [ ! -s "$T/pid" ] && [ \$i -lt 300 ]; do sleep 0.1; i=\$((i + 1)); done
	kill -TERM "-\$(cat "$T/pid")"
	sleep 0.3
	kill -TERM \$agent
	echo "slurmstepd: error: *** STEP 9.0 ON n1 CANCELLED AT 2026-12-05T11:00:00 ***" >&2
	# (The shell's own "Terminated" for its job, off.)
	wait \$agent 2>/dev/null
	exit 143
fi
wait \$agent
EOF
	chmod 755 "$T/fake/launch"
	echo 1/n1 >"$T/hosts"
	run -0 --separate-stderr taskrun -H "$T/hosts" --ssh "$T/fake/launch" --agent "$TASKRUN agent" \
		--backoff 0.1s -s "$T/s" "[ -e $T/pid ] && exit; echo \$\$ >$T/pid; exec sleep 30" ::: 1
	why="slurmstepd: error: *** STEP 9.0 ON n1 CANCELLED AT 2026-12-05T11:00:00 ***"
	[ "${stderr_lines[0]}" = "taskrun: n1: connection lost: $why" ]
	run -0 awk -F'\t' '$2 == "fail" || $2 == "lost" || $2 == "done" { print $2, $3, $4, $12 }' "$T/s/journal"
	[ "$output" = "$(printf 'lost 1 1 host lost: %s\ndone 1 2 ' "$why")" ]
}

@test "slurm cluster: sinfo shows three idle nodes of 2 CPUs" {
	slurm_need
	run -0 sinfo -h -N -o '%N %c %t'
	[ "$output" = "$(printf 'n1 2 idle\nn2 2 idle\nn3 2 idle')" ]
}

# maxrun FILE HOST: the most attempts that ran at once on HOST.
maxrun() {
	awk -F'\t' -v h="$2" '$5 == h && $2 == "start" { n++; if (n > m) m = n }
		$5 == h && $2 ~ /^(done|fail|lost|cancel)$/ { n-- } END { print m + 0 }' "$1"
}

# upslots FILE: "HOST slots=N" of each "up" event, sorted.
upslots() {
	awk -F'\t' '$2 == "up" { sub(/ .*/, "", $12); print $5, $12 }' "$1" | sort
}

@test "slurm cluster: taskrun --slurm inside salloc runs every task once, with the slots and CPUs allocated" {
	slurm_need
	barrier
	cmd="$T/barrier $T/s/journal 3; "'sleep 0.2; echo {} $SLURMD_NODENAME $TASKRUN_HOST $(nproc) $(grep Cpus_allowed_list /proc/self/status | cut -f2)'
	# What the allocation gives, as Slurm says it, before taskrun runs.
	cat >"$T/alloc" <<-EOF
	#!/bin/sh
	echo "\$SLURM_JOB_NODELIST \$SLURM_JOB_CPUS_PER_NODE" >"$T/env"
	scontrol show job -d "\$SLURM_JOB_ID" >"$T/job"
	exec "\$@"
	EOF
	chmod 755 "$T/alloc"
	# 4 CPUs over 3 nodes: 2 on n1, 1 on n2 and n3.
	run -0 --separate-stderr salloc -I120 -N3 -n4 -w 'n[1-3]' "$T/alloc" taskrun --slurm -s "$T/s" "$cmd" ::: $(seq 30)
	# The compressed form of the CPU counts, N(xM), is what taskrun read.
	[ "$(cat "$T/env")" = "n[1-3] 2,1(x2)" ]
	# Nothing from taskrun on stderr: only salloc's lines (how many
	# depends on whether the job waited for the nodes).
	[ "$(echo "$stderr" | grep -v '^salloc: ')" = "" ]
	echo "$stderr" | grep -q '^salloc: Granted job allocation [0-9]*$'
	echo "$output" >"$T/out"
	# Every task once, on the node whose agent ran it.
	[ "$(awk '{ print $1 }' "$T/out" | sort -n | tr '\n' ' ')" = "$(seq 30 | tr '\n' ' ')" ]
	[ "$(awk '$2 != $3' "$T/out" | wc -l)" = 0 ]
	[ "$(j_count "$T/s/journal" done)" = 30 ]
	# Slots as allocated, and never more tasks at once.
	[ "$(upslots "$T/s/journal")" = "$(printf 'n1 slots=2\nn2 slots=1\nn3 slots=1')" ]
	[ "$(maxrun "$T/s/journal" n1)" -le 2 ]
	[ "$(maxrun "$T/s/journal" n2)" = 1 ]
	[ "$(maxrun "$T/s/journal" n3)" = 1 ]
	# Tasks confined to the CPUs of the job on their node.
	[ "$(awk '$2 == "n1" { print $4 }' "$T/out" | sort -u)" = 2 ]
	[ "$(awk '$2 == "n2" || $2 == "n3" { print $4 }' "$T/out" | sort -u)" = 1 ]
	# Each task's affinity mask is the CPUs Slurm gave the job on its node
	# (scontrol show job -d: "Nodes=n[2-3] CPU_IDs=1 ...").
	awk '$1 ~ /^Nodes=/ && $2 ~ /^CPU_IDs=/ { sub(/^Nodes=/, "", $1); sub(/^CPU_IDs=/, "", $2); print $1, $2 }' \
		"$T/job" >"$T/cpuids"
	[ "$(wc -l <"$T/cpuids")" -ge 1 ]
	while read -r nodes ids; do
		for n in $(scontrol show hostnames "$nodes"); do
			echo "$n $ids"
		done
	done <"$T/cpuids" | sort >"$T/want"
	[ "$(wc -l <"$T/want")" = 3 ]
	[ "$(awk '{ print $2, $5 }' "$T/out" | sort -u)" = "$(cat "$T/want")" ] ||
		{ cat "$T/job"; awk '{ print $2, $5 }' "$T/out" | sort -u; false; }
}

@test "slurm cluster: the documented --ssh 'srun -u -N1 -n1 -w' works; an agent's slots are its step's CPUs, N/ wins" {
	slurm_need
	printf 'n1\nn2\n3/n3\n' >"$T/hosts"
	barrier
	run -0 --separate-stderr salloc -I120 -N3 -n3 -w 'n[1-3]' taskrun -H "$T/hosts" --ssh 'srun -u -N1 -n1 -w' \
		--agent "$TASKRUN agent" -s "$T/s" "$T/barrier $T/s/journal 3; "'echo {} $SLURMD_NODENAME $(nproc)' ::: $(seq 20)
	[ "$(echo "$output" | awk '{ print $1 }' | sort -n | tr '\n' ' ')" = "$(seq 20 | tr '\n' ' ')" ]
	# A step of one task gets one CPU (steps are exclusive): the agent
	# offers the CPUs of its affinity mask, not the node's 2.
	[ "$(upslots "$T/s/journal")" = "$(printf 'n1 slots=1\nn2 slots=1\nn3 slots=3')" ]
	[ "$(echo "$output" | awk '{ print $3 }' | sort -u)" = 1 ]
}

@test "slurm cluster: taskrun in an sbatch script, with a host file of slurm" {
	slurm_need
	barrier
	# Here through a host file of the line "slurm" (--slurm in salloc above).
	echo slurm >"$T/hosts"
	cat >"$T/job.sh" <<EOF
#!/bin/sh
taskrun -H "$T/hosts" -s "$T/s" "$T/barrier $T/s/journal 3; "'echo {} \$SLURMD_NODENAME \$(nproc)' ::: \$(seq 20) >"$T/out"
echo "status \$?" >"$T/status"
EOF
	run -0 sbatch --parsable -N3 -n3 -o "$T/job.log" "$T/job.sh"
	job=$output
	slurm_wait_job "$job" 60
	[ "$(cat "$T/status")" = "status 0" ]
	[ "$(cat "$T/job.log")" = "" ]
	[ "$(awk '{ print $1 }' "$T/out" | sort -n | tr '\n' ' ')" = "$(seq 20 | tr '\n' ' ')" ]
	[ "$(awk '{ print $3 }' "$T/out" | sort -u)" = 1 ]
	[ "$(upslots "$T/s/journal")" = "$(printf 'n1 slots=1\nn2 slots=1\nn3 slots=1')" ]
	for n in n1 n2 n3; do
		[ "$(awk -v n=$n '$2 == n' "$T/out" | wc -l)" -ge 1 ]
	done
}

@test "slurm cluster: scancel of one agent's step requeues its tasks; none lost, none run twice to the end" {
	slurm_need
	mkdir "$T/out"
	salloc -I120 -N3 -n3 -w 'n[1-3]' taskrun --slurm --backoff 1s -s "$T/s" --stdout "$T/out/{}" \
		'sleep 1; echo {} $SLURMD_NODENAME' ::: $(seq 12) >"$T/stdout" 2>"$T/err" &
	BG=$!
	lab_wait "[ -f '$T/s/journal' ] && awk -F'\t' '\$2 == \"start\" && \$5 == \"n2\"' '$T/s/journal' | grep -q ." 60
	step=$(squeue -h -s -o '%i %N' | awk '$2 == "n2" && $1 ~ /^[0-9]+\.[0-9]+$/ { print $1 }')
	[ -n "$step" ]
	scancel "$step"
	status=0
	wait "$BG" || status=$?
	BG=""
	[ "$status" = 0 ]
	# The launcher's words say what happened to n2: slurmstepd's
	# cancellation (srun's own lines around it depend on timing).
	grep -qE "^taskrun: n2: connection lost: (.*; )?slurmstepd[^:]*: error: \*\*\* STEP $step ON n2 CANCELLED AT [^;]* \*\*\*(; srun: .*)?\$" "$T/err" ||
		{ cat "$T/err"; false; }
	# Said once, when n2's next agent answered (srun asked Slurm: the
	# allocation lives); no quarantine: n2 was not at fault.
	[ "$(grep -vc '^salloc: ' "$T/err")" = 1 ] || { cat "$T/err"; false; }
	j=$T/s/journal
	[ "$(j_count "$j" quarantine)" = 0 ]
	# n2 took tasks again, through a new agent.
	[ "$(awk -F'\t' '$2 == "up" && $5 == "n2"' "$j" | wc -l)" = 2 ]
	[ "$(awk -F'\t' '$2 == "up" && $5 == "n2" { u++ } u == 2 && $2 == "start" && $5 == "n2"' "$j" | wc -l)" -ge 1 ]
	[ "$(j_count "$j" lost n2)" -ge 1 ]
	[ "$(j_count "$j" fail)" = 0 ]
	for i in $(seq 12); do
		[ "$(awk '{ print $1 }' "$T/out/$i")" = "$i" ]
		[ "$(j_count "$j" done "" "$i")" = 1 ]
	done
	# Every task lost with n2 ran again, elsewhere or on n2's new agent.
	for t in $(awk -F'\t' '$2 == "lost" && $5 == "n2" { print $3 }' "$j"); do
		[ "$(j_count "$j" done "" "$t")" = 1 ]
		[ "$(j_count "$j" start "" "$t")" -ge 2 ]
	done
}

@test "slurm cluster: a node that dies under its tasks (slurmd and the step killed) is a lost host; every task runs once, elsewhere" {
	slurm_need
	mkdir "$T/out"
	# A short lease: srun does not end when its step's node dies, so the
	# heartbeat is what finds it (30 s by default).
	salloc -I120 -N3 -n6 -w 'n[1-3]' taskrun --slurm --lease 3s --backoff 1s -s "$T/s" --stdout "$T/out/{}" \
		'sleep 1; echo {} $SLURMD_NODENAME' ::: $(seq 18) >"$T/stdout" 2>"$T/err" &
	BG=$!
	lab_wait "[ -f '$T/s/journal' ] && awk -F'\t' '\$2 == \"start\" && \$5 == \"n2\"' '$T/s/journal' | grep -q ." 60
	agent=$(awk -F'\t' '$2 == "up" && $5 == "n2" { sub(/.*agent_pid=/, "", $12); print $12 }' "$T/s/journal" | tail -1)
	step=$(ps -o ppid= -p "$agent" | tr -d ' ')
	[ "$(ps -o comm= -p "$step")" = slurmstepd ]
	kill -9 "$(cat "$SLURM_DIR/slurmd.n2.pid")"
	lab_kill_tree "$step"
	status=0
	wait "$BG" || status=$?
	BG=""
	# n2 back for the tests after this one.
	/usr/sbin/slurmd -f "$SLURM_CONF" -N n2
	[ "$status" = 0 ] || { cat "$T/err"; false; }
	grep -q '^taskrun: n2: connection lost: ' "$T/err" || { cat "$T/err"; false; }
	j=$T/s/journal
	[ "$(j_count "$j" lost n2)" -ge 1 ]
	[ "$(j_count "$j" fail)" = 0 ]
	for i in $(seq 18); do
		[ "$(awk '{ print $1 }' "$T/out/$i")" = "$i" ]
		[ "$(j_count "$j" done "" "$i")" = 1 ]
	done
	# What n2 lost ran again on n1 or n3.
	for t in $(awk -F'\t' '$2 == "lost" && $5 == "n2" { print $3 }' "$j"); do
		[ "$(awk -F'\t' -v t="$t" '$2 == "done" && $3 == t { print $5 }' "$j")" != n2 ]
	done
}

# second_run JOURNAL: the tasks started after the journal's second "run"
# line (a resume's), sorted and unique, on one line.
second_run() {
	awk -F'\t' '$2 == "run" { n++ } n == 2 && $2 == "start" { print $3 }' "$1" | sort -nu | tr '\n' ' '
}

# not_done N JOURNAL: the tasks of 1..N without a done line, on one line.
not_done() {
	for i in $(seq "$1"); do
		[ "$(j_count "$2" done "" "$i")" = 1 ] || printf '%s ' "$i"
	done
}

@test "slurm cluster: the allocation ended under the run (scancel of the job): said once, what ran is lost, not failed; a new allocation runs exactly the rest" {
	slurm_need
	mkdir "$T/out"
	salloc -I120 -N3 -n3 -w 'n[1-3]' taskrun --slurm --backoff 1s -s "$T/s" --stdout "$T/out/{}" \
		'sleep 1; echo {} $SLURMD_NODENAME' ::: $(seq 12) >"$T/stdout" 2>"$T/err" &
	BG=$!
	lab_wait "[ -f '$T/s/journal' ] && awk -F'\t' '\$2 == \"start\"' '$T/s/journal' | grep -q ." 60
	job=$(squeue -h -o %i)
	[ -n "$job" ]
	scancel "$job"
	status=0
	wait "$BG" || status=$?
	BG=""
	j=$T/s/journal
	done1=$(j_count "$j" done)
	# One line from taskrun (salloc says its own): what Slurm says of the
	# job, how far the run got, how to go on; no quarantine, no "connection
	# lost", no "agent did not start", no task "not run".
	# (The job's state as scontrol gives it: CANCELLED, or COMPLETING
	# while its nodes clean up.)
	grep -v '^salloc: ' "$T/err" >"$T/said"
	[ "$(wc -l <"$T/said")" = 1 ] || { cat "$T/err"; cat "$T/s/journal"; false; }
	grep -qE "^taskrun: the Slurm allocation has ended \(job $job: (CANCELLED|COMPLETING)\): $done1 of 12 tasks done; run the same command in a new allocation to resume\$" "$T/said" ||
		{ cat "$T/err"; false; }
	[ "$status" = 1 ]
	# The tasks killed with the allocation are lost with their hosts, not
	# failed (one run in two journalled them failed, before the agent held
	# the report of a task killed from outside); the others wait.
	[ "$(j_count "$j" fail)" = 0 ] || { cat "$j"; false; }
	[ "$(j_count "$j" failed)" = 0 ]
	[ "$(j_count "$j" lost)" -ge 1 ]
	[ "$(j_count "$j" quarantine)" = 0 ]
	tail -1 "$j" | cut -f2,12 | grep -qE "^end	done=$done1 failed=0 the Slurm allocation ended: job $job: (CANCELLED|COMPLETING)\$"
	# No host tried the ended allocation again after srun said so: at most
	# one such failed start each (three hosts may try at the same moment);
	# before, each went on through its quarantines (5 each).
	for n in n1 n2 n3; do
		[ "$(awk -F'\t' -v n=$n '$2 == "down" && $5 == n && /Expired or invalid job|already completing or completed|Invalid job id/' "$j" | wc -l)" -le 1 ]
	done
	# The same command in a new allocation runs exactly the rest, each
	# task done once.
	rest=$(not_done 12 "$j")
	slurm_idle
	run -0 --separate-stderr salloc -I120 -N3 -n3 -w 'n[1-3]' taskrun --slurm --backoff 1s -s "$T/s" --stdout "$T/out/{}" \
		'sleep 1; echo {} $SLURMD_NODENAME' ::: $(seq 12)
	[ "$(second_run "$j")" = "$rest" ]
	for i in $(seq 12); do
		[ "$(awk '{ print $1 }' "$T/out/$i")" = "$i" ]
		[ "$(j_count "$j" done "" "$i")" = 1 ]
	done
}

@test "slurm cluster: the allocation's time limit (sbatch -t 1, salloc -t 1) ends the run cleanly: said once, status 124, what ran is lost; a new allocation runs exactly the rest" {
	slurm_need
	# Tasks 1-3 end at once, the others run until the limit (or, once
	# $T/mark exists, at once too).
	cmd="if [ {} -le 3 ] || [ -e $T/mark ]; then echo {}; else exec sleep 300; fi"
	printf '%s\n' $(seq 8) >"$T/args"
	# As a user would: a batch job on n3, and salloc on n1 and n2, at once
	# (each limit is found at slurmctld's next look, within 30 s of it).
	run -0 sbatch --parsable -t 1 -N1 -w n3 -o "$T/job.out" -e "$T/job.log" \
		--wrap "taskrun --slurm -s $T/b -a $T/args '$cmd'; echo status \$? >$T/bstatus"
	bjob=$output
	salloc -I120 -t 1 -N2 -w 'n[1-2]' taskrun --slurm -s "$T/a" -a "$T/args" "$cmd" >"$T/aout" 2>"$T/aerr" &
	BG=$!
	status=0
	wait "$BG" || status=$?
	BG=""
	slurm_wait_job "$bjob" 60
	# salloc: taskrun's status, one line of it after salloc's own.
	ajob=$(sed -n 's/^salloc: Granted job allocation \([0-9]*\)$/\1/p' "$T/aerr")
	[ -n "$ajob" ]
	[ "$status" = 124 ] || { cat "$T/aerr"; false; }
	a=$T/a/journal
	# (The job's state as scontrol gives it: TIMEOUT, or COMPLETING
	# while its nodes clean up; the reason is TimeLimit in both.)
	grep -v '^salloc: ' "$T/aerr" >"$T/said"
	[ "$(wc -l <"$T/said")" = 1 ] || { cat "$T/aerr"; false; }
	[[ "$(cat "$T/said")" =~ ^"taskrun: the Slurm allocation reached its time limit (job $ajob: "(COMPLETING|TIMEOUT)", reason TimeLimit): $(j_count "$a" done) of 8 tasks done; run the same command in a new allocation to resume"$ ]] ||
		{ cat "$T/aerr"; false; }
	# sbatch: Slurm's SIGTERM reached taskrun, which ended cleanly before
	# the SIGKILL (KillWait); the script's shell died of it (no status).
	b=$T/b/journal
	[ ! -e "$T/bstatus" ]
	[ "$(sort -n "$T/job.out" | tr '\n' ' ')" = "1 2 3 " ]
	run -0 cat "$T/job.log"
	[ "${#lines[@]}" = 2 ] || { echo "$output"; false; }
	[[ "${lines[0]}" == "slurmstepd-n3: error: *** JOB $bjob ON n3 CANCELLED AT "*" DUE TO TIME LIMIT ***" ]]
	[[ "${lines[1]}" =~ ^"taskrun: the Slurm allocation reached its time limit (job $bjob: "(COMPLETING|TIMEOUT)", reason TimeLimit): $(j_count "$b" done) of 8 tasks done; run the same command in a new allocation to resume"$ ]]
	for j in "$a" "$b"; do
		# The quick tasks done, the others lost (those running) or not
		# started; none failed; the journal ends with why.
		for i in 1 2 3; do
			[ "$(j_count "$j" done "" "$i")" = 1 ]
		done
		[ "$(j_count "$j" done)" = 3 ]
		[ "$(j_count "$j" fail)" = 0 ] || { cat "$j"; false; }
		[ "$(j_count "$j" failed)" = 0 ]
		[ "$(j_count "$j" lost)" -ge 1 ]
		[ "$(j_count "$j" quarantine)" = 0 ]
		tail -1 "$j" | cut -f2,12 | grep -qE "^end	done=3 failed=0 the Slurm allocation ended: job [0-9]+: (COMPLETING|TIMEOUT), reason TimeLimit\$"
	done
	# The same commands in a new allocation run exactly the rest.
	touch "$T/mark"
	slurm_idle
	run -0 --separate-stderr salloc -I120 -N3 -w 'n[1-3]' taskrun --slurm -s "$T/a" -a "$T/args" "$cmd"
	[ "$(echo "$output" | sort -n | tr '\n' ' ')" = "4 5 6 7 8 " ]
	run -0 --separate-stderr salloc -I120 -N3 -w 'n[1-3]' taskrun --slurm -s "$T/b" -a "$T/args" "$cmd"
	[ "$(echo "$output" | sort -n | tr '\n' ' ')" = "4 5 6 7 8 " ]
	for j in "$a" "$b"; do
		[ "$(second_run "$j")" = "4 5 6 7 8 " ]
		for i in $(seq 8); do
			[ "$(j_count "$j" done "" "$i")" = 1 ]
		done
	done
}
