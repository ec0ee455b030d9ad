#!/usr/bin/env bats
# taskrun's rough edges, each with its exact message: slots from the CPUs
# the agent may use, -s with missing parents, the local host under two
# names, what status says of hosts after a run.
bats_require_minimum_version 1.5.0

setup() {
	load lab
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	T=$(mktemp -d)
}

teardown() {
	# A cgroup a test made: its processes have ended, so it can go.
	[ -z "${CG:-}" ] || rmdir "$CG" 2>/dev/null || true
	rm -rf "$T"
}

# slots FILE HOST: the slots of HOST's last "up" event.
slots() {
	awk -F'\t' -v h="$2" '$2 == "up" && $5 == h { s = $12; sub(/^slots=/, "", s); sub(/ .*/, "", s) } END { print s }' "$1"
}

@test "taskrun: slots follow the CPUs of the affinity mask, not the machine's; N/ still wins" {
	command -v taskset >/dev/null || skip "taskset (util-linux) is not installed"
	[ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs to restrict"
	# -j's default, and a host without N/.
	run -0 --separate-stderr taskset -c 0 taskrun -s "$T/a" 'echo $TASKRUN_SLOT {}' ::: 1 2 3 4
	[ "$(slots "$T/a/journal" :)" = 1 ]
	[ "$(echo "$output" | awk '{ print $1 }' | sort -u)" = 1 ]
	echo : >"$T/hosts"
	run -0 --separate-stderr taskset -c 1 taskrun -H "$T/hosts" -s "$T/b" 'true {}' ::: 1 2
	[ "$(slots "$T/b/journal" :)" = 1 ]
	run -0 --separate-stderr taskrun -H "$T/hosts" -s "$T/c" 'true {}' ::: 1 2
	[ "$(slots "$T/c/journal" :)" = "$(nproc)" ]
	echo 3/: >"$T/hosts"
	run -0 --separate-stderr taskset -c 0 taskrun -H "$T/hosts" -s "$T/d" 'true {}' ::: 1 2
	[ "$(slots "$T/d/journal" :)" = 3 ]
	# Tasks inherit the mask.
	run -0 --separate-stderr taskset -c 1 taskrun -j 1 'grep Cpus_allowed_list /proc/self/status; : {}' ::: 1
	[ "$output" = "$(printf 'Cpus_allowed_list:\t1')" ]
}

@test "taskrun: slots follow a cgroup's CPU quota (a real cgroup allowed half a CPU: one slot)" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make a cgroup"
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs, so that the quota is what limits"
	# The hierarchy of the cpu controller: v1 (a cgroup mount with the cpu
	# option) or v2 (cgroup2, when cpu is among its controllers).
	local v1 v2
	v1=$(awk '$0 ~ / - cgroup / && $NF ~ /(^|,)cpu(,|$)/ { print $5; exit }' /proc/self/mountinfo)
	v2=$(awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo)
	if [ -n "$v1" ] && [ -w "$v1" ]; then
		CG=$v1/segkit-test.$$
		mkdir "$CG" || skip "cannot make a cgroup under $v1"
		echo 100000 >"$CG/cpu.cfs_period_us"
		echo 50000 >"$CG/cpu.cfs_quota_us"
	elif [ -n "$v2" ] && grep -qw cpu "$v2/cgroup.controllers" 2>/dev/null; then
		grep -qw cpu "$v2/cgroup.subtree_control" || echo +cpu >"$v2/cgroup.subtree_control" ||
			skip "cannot enable the cpu controller under $v2"
		CG=$v2/segkit-test.$$
		mkdir "$CG" || skip "cannot make a cgroup under $v2"
		echo "50000 100000" >"$CG/cpu.max"
	else
		skip "no writable cgroup hierarchy with the cpu controller"
	fi
	run -0 --separate-stderr sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" \
		taskrun -s "$T/a" 'echo $TASKRUN_SLOT {}' ::: 1 2 3 4
	[ "$stderr" = "" ]
	[ "$(slots "$T/a/journal" :)" = 1 ]
	[ "$(echo "$output" | awk '{ print $1 }' | sort -u)" = 1 ]
	# The same command outside the cgroup has every CPU.
	run -0 --separate-stderr taskrun -s "$T/b" 'true {}' ::: 1 2
	[ "$(slots "$T/b/journal" :)" = "$(nproc)" ]
}

@test "taskrun -s creates the state directory's missing parents with mode 0700" {
	run -0 --separate-stderr taskrun -s "$T/runs/today/state" 'echo {}' ::: a
	[ "$output" = "a" ]
	[ "$stderr" = "" ]
	[ "$(stat -c %a "$T/runs")" = 700 ]
	[ "$(stat -c %a "$T/runs/today")" = 700 ]
	[ "$(stat -c %a "$T/runs/today/state")" = 700 ]
	[ "$(j_count "$T/runs/today/state/journal" done)" = 1 ]
	touch "$T/file"
	run -1 --separate-stderr taskrun -s "$T/file/state" 'echo {}' ::: a
	[ "$stderr" = "taskrun: $T/file/state: Not a directory" ]
	[ "$output" = "" ]
}

@test "taskrun: ':' and 'localhost' are one host, their slots merged" {
	printf '2/:\n1/localhost\n' >"$T/hosts"
	run -0 --separate-stderr taskrun -H "$T/hosts" -s "$T/s" 'echo {}' ::: 1 2 3 4 5 6
	[ "$stderr" = "" ]
	[ "$(echo "$output" | sort -n | tr '\n' ' ')" = "1 2 3 4 5 6 " ]
	[ "$(awk -F'\t' '$2 == "up"' "$T/s/journal" | wc -l)" = 1 ]
	[ "$(slots "$T/s/journal" :)" = 3 ]
}

@test "taskrun status shows the hosts as the run ended them" {
	printf '1/:\n' >"$T/hosts"
	run -0 --separate-stderr taskrun -H "$T/hosts" -s "$T/s" 'true {}' ::: 1 2
	run -0 taskrun status "$T/s"
	[ "${lines[2]}" = "$(printf '%-20s %-12s %5s %6s %6s %7s' host state slots done failed running)" ]
	[ "${lines[3]}" = "$(printf '%-20s %-12s %5d %6d %6d %7d' : finished 1 2 0 0)" ]
	# A host whose agent never started stays "down".
	printf '1/:\n1/nohost.invalid\n' >"$T/hosts"
	run -0 --separate-stderr taskrun -H "$T/hosts" --ssh false --backoff 0.1s -s "$T/t" 'true {}' ::: 1 2
	run -0 taskrun status "$T/t"
	[ "$(echo "$output" | grep '^: ')" = "$(printf '%-20s %-12s %5d %6d %6d %7d' : finished 1 2 0 0)" ]
	[ "$(echo "$output" | grep -c '^nohost.invalid ')" = 1 ]
	[ "$(echo "$output" | grep '^nohost.invalid ' | grep -c finished)" = 0 ]
	# Nor one whose agent was still starting when the run ended.
	printf '#!/bin/sh\nexec sleep 60\n' >"$T/slow"
	chmod 755 "$T/slow"
	printf '1/:\n1/slowhost\n' >"$T/hosts"
	run -0 --separate-stderr taskrun -H "$T/hosts" --ssh "$T/slow" -s "$T/u" 'true {}' ::: 1 2
	[ "$stderr" = "" ]
	run -0 taskrun status "$T/u"
	[ "$(echo "$output" | grep '^slowhost ')" = "$(printf '%-20s %-12s %5d %6d %6d %7d' slowhost down 0 0 0 0)" ]
	[ "$(awk -F'\t' '$2 == "down" && $5 == "slowhost" { print $12 }' "$T/u/journal")" = "the run ended while its agent was starting" ]
}

@test "taskrun -H with a missing host file says so once" {
	run -1 --separate-stderr taskrun -H "$T/nohosts" 'true {}' ::: 1
	[ "$stderr" = "taskrun: $T/nohosts: No such file or directory" ]
}

@test "taskrun: a launcher that cannot be run is reported once, as a shell would, and journalled" {
	# Agents start with posix_spawn: exec's failure comes back as an error
	# (no child to write it), and says what a forked child's message said.
	echo node1 >"$T/hosts"
	run -1 --separate-stderr taskrun --ssh /nonexistent/launch --backoff 0.2s -s "$T/s" -H "$T/hosts" 'true {}' ::: 1
	[ "${stderr_lines[0]}" = "taskrun: node1: agent did not start: /nonexistent/launch: No such file or directory" ]
	[ "${stderr_lines[1]}" = "taskrun: no usable host left" ]
	[ "${#stderr_lines[@]}" = 3 ]
	[ "$(awk -F'\t' '$2 == "down" && $5 == "node1" { print $12 }' "$T/s/journal" | sort -u)" = "/nonexistent/launch: No such file or directory" ]
}

@test "taskrun: a task's TASKRUN_* and PARALLEL_* variables replace those it inherits, each once; the rest passes" {
	# The agent builds each task's environment before it starts the task
	# (vfork): a name that only begins like one of them is not replaced.
	run -0 --separate-stderr env TASKRUN_SLOT=zz PARALLEL_SEQ=zz TASKRUN_HOSTX=keep FOO='a  b' taskrun -j 1 -k \
		'echo $TASKRUN_TASK $PARALLEL_SEQ $TASKRUN_ATTEMPT $TASKRUN_SLOT $PARALLEL_JOBSLOT "$FOO" $TASKRUN_HOSTX $(env | grep -c "^TASKRUN_SLOT=\|^PARALLEL_SEQ=\|^TASKRUN_TASK="); : {}' ::: x y
	[ "$output" = "1 1 1 1 1 a  b keep 3
2 2 1 1 1 a  b keep 3" ]
	[ "$stderr" = "" ]
	# A program that is not there: the shell says so, status 127.
	run -1 --separate-stderr taskrun -j 1 'nonexistent-program-s9 {}' ::: 1
	[ "$output" = "" ]
	[ "${stderr_lines[0]}" = "sh: 1: nonexistent-program-s9: not found" ]
	[ "${stderr_lines[1]}" = "taskrun: task 1: exited with status 127: nonexistent-program-s9 1" ]
}
