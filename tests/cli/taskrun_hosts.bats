#!/usr/bin/env bats
# taskrun over real ssh: sshd processes on loopback ports and one in a
# network namespace (lab.bash), started in setup_file and stopped by PID in
# teardown_file.  Short leases keep the fault tests quick.
bats_require_minimum_version 1.5.0

setup_file() {
	load lab
	lab_setup_file
}

teardown_file() {
	load lab
	lab_teardown_file
}

setup() {
	load lab
	lab_need_root
	lab_setup
	rm -f "$LAB"/pids/*
	TR=(taskrun --ssh "$LAB_SSH" --agent "$LAB_AGENT" --backoff 1s)
}

teardown() {
	lab_teardown
}

# started FILE HOST: the number of start events on HOST.
started() { j_count "$1" start "$2"; }

@test "taskrun: 200 tasks over 3 ssh hosts and local slots, outputs committed once" {
	printf '2/node1\n2/node2\n2/node3\n2/:\n' >"$T/hosts"
	mkdir "$T/in"
	for i in $(seq 200); do
		head -c $((i * 97)) /dev/urandom >"$T/in/$i"
	done
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/s" --stdin "$T/in/{}" \
		--stdout "$T/out/{}" 'md5sum; echo $TASKRUN_TASK' ::: $(seq 200)
	[ "$stderr" = "" ]
	for i in $(seq 200); do
		[ "$(cat "$T/out/$i")" = "$(md5sum <"$T/in/$i")"$'\n'"$i" ]
	done
	[ "$(ls "$T/out" | wc -l)" = 200 ]
	[ "$(j_count "$T/s/journal" done)" = 200 ]
	[ "$(j_count "$T/s/journal" start)" = 200 ]
	for h in node1 node2 node3 :; do
		[ "$(j_count "$T/s/journal" done "$h")" -gt 0 ]
	done
}

@test "taskrun over ssh: arguments with spaces, quotes, \$ and unicode arrive intact" {
	args=("a b" "it's" '$HOME "x"' 'ünïcødé ✓' '`id`;x' 'back\slash')
	run -0 --separate-stderr "${TR[@]}" -H <(echo 1/node1) -s "$T/s" --stdout "$T/out/{#}" \
		printf '%s' ::: "${args[@]}"
	[ "$stderr" = "" ]
	for i in "${!args[@]}"; do
		[ "$(cat "$T/out/$((i + 1))")" = "${args[$i]}" ]
	done
}

@test "taskrun: a killed agent and a cut link requeue their tasks without spending retries" {
	printf '2/node1\n2/node2\n2/cut1\n' >"$T/hosts"
	cmd='echo $$ > '"$LAB"'/pids/{}.$TASKRUN_HOST.$TASKRUN_ATTEMPT; sleep 4; echo done {}'
	"${TR[@]}" -H "$T/hosts" -s "$T/s" --lease 3s -r 1 --no-speculate --stdout "$T/out/{}" \
		"$cmd" ::: $(seq 12) 2>"$T/err" &
	BG=$!
	j="$T/s/journal"
	lab_wait "[ -f '$j' ] && [ \$(started '$j' node2) -ge 2 ] && [ \$(started '$j' cut1) -ge 2 ]" 30
	# Kill node2's agent: its tasks are lost at once.
	agent=$(awk -F'\t' '$2 == "up" && $5 == "node2" { sub(/.*agent_pid=/, "", $12); p = $12 } END { print p }' "$j")
	kill -9 "$agent"
	# Cut cut1's link: its tasks are lost when the lease runs out.
	lab_wait "[ \$(ls '$LAB/pids' | grep -c 'cut1') -ge 2 ]" 10
	cutpids=$(cat "$LAB"/pids/*.cut1.*)
	[ -n "$cutpids" ]
	ip link set "${LAB_VETH}a" down
	cut_at=$(date +%s.%N)
	# The remote task processes behind the cut link die within the lease
	# (3s) plus the kill grace (1.5s), checked by PID.
	lab_wait "! kill -0 $(echo $cutpids | sed 's/ / \&\& ! kill -0 /g') 2>/dev/null" 10
	gone_at=$(date +%s.%N)
	awk -v a="$cut_at" -v b="$gone_at" 'BEGIN { exit !(b - a < 3 + 1.5 + 1.5) }'
	wait "$BG"
	BG=""
	[ "$(grep -c '' "$T/err")" -ge 2 ]
	grep -qx "taskrun: node2: connection lost: .*" "$T/err"
	grep -qx "taskrun: cut1: connection lost: no heartbeat for 3s" "$T/err"
	for i in $(seq 12); do
		[ "$(cat "$T/out/$i")" = "done $i" ]
		[ "$(j_count "$j" done "" "$i")" = 1 ]
	done
	[ "$(j_count "$j" fail)" = 0 ]
	[ "$(j_count "$j" lost node2)" -ge 2 ]
	[ "$(j_count "$j" lost cut1)" -ge 2 ]
	[ "$(j_count "$j" quarantine node2)" -ge 1 ]
	[ "$(j_count "$j" quarantine cut1)" -ge 1 ]
}

@test "taskrun: failing tasks retry on another host; a failing host is quarantined and probed" {
	printf '2/node1\n2/node2\n1/node3\n' >"$T/hosts"
	# Every task fails on node3, and the first attempt of task 1 fails
	# wherever it runs.
	cmd='[ "$TASKRUN_HOST" != node3 ] || exit 9; [ {} != 1 ] || [ $TASKRUN_ATTEMPT != 1 ] || exit 4; sleep 0.3'
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/s" -r 5 --no-speculate "$cmd" ::: $(seq 40)
	# Each quarantine of node3 is announced when it starts and ends.
	[ "${stderr_lines[0]}" = "taskrun: node3: quarantined for 1.0s: 3 task failures in a row" ]
	[ "$(grep -cvE '^taskrun: node3: (quarantined for [0-9.]+s: [0-9]+ task failures in a row|quarantine over)$' <<<"$stderr")" = 0 ]
	j="$T/s/journal"
	[ "$(grep -c ': quarantined for ' <<<"$stderr")" = "$(j_count "$j" quarantine node3)" ]
	[ "$(grep -c ': quarantine over$' <<<"$stderr")" = "$(j_count "$j" release node3)" ]
	[ "$(j_count "$j" done)" = 40 ]
	[ "$(j_count "$j" done node3)" = 0 ]
	# Task 1's retry went to another host.
	h1=$(awk -F'\t' '$2 == "fail" && $3 == 1 && $4 == 1 { print $5 }' "$j")
	h2=$(awk -F'\t' '$2 == "start" && $3 == 1 && $4 == 2 { print $5 }' "$j")
	[ -n "$h1" ] && [ -n "$h2" ] && [ "$h1" != "$h2" ]
	# node3 was quarantined, got no work while quarantined, then was probed.
	[ "$(j_count "$j" quarantine node3)" -ge 1 ]
	[ "$(j_count "$j" probe node3)" -ge 1 ]
	run -0 awk -F'\t' '$5 == "node3" && $2 == "quarantine" { q = 1 } $5 == "node3" && $2 == "probe" { q = 0 }
		$5 == "node3" && $2 == "start" && q { bad = 1 } END { exit bad }' "$j"
	# Fewer attempts went to node3 than a round-robin would give it.
	[ "$(started "$j" node3)" -lt 10 ]
}

@test "taskrun: a task that always fails ends failed after its retries, with its stderr logged" {
	printf '1/node1\n1/node2\n1/node3\n' >"$T/hosts"
	run -1 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/s" -r 3 'echo "broken on $TASKRUN_HOST" >&2; exit 3' ::: x
	[ "$stderr" = "taskrun: task 1: exited with status 3 (log $T/s/logs/1.3.err): echo \"broken on \$TASKRUN_HOST\" >&2; exit 3 x" ]
	j="$T/s/journal"
	[ "$(j_count "$j" fail)" = 3 ]
	[ "$(awk -F'\t' '$2 == "start" { print $5 }' "$j" | sort -u | wc -l)" = 3 ]
	for a in 1 2 3; do
		h=$(awk -F'\t' -v a=$a '$2 == "start" && $4 == a { print $5 }' "$j")
		[ "$(cat "$T/s/logs/1.$a.err")" = "broken on $h" ]
	done
}

@test "taskrun: a slow host's tail task is duplicated on a fast host, the slow copy killed" {
	echo 1/node1 >"$T/hosts"
	cmd='echo $$ > '"$LAB"'/pids/{}.$TASKRUN_HOST; if [ "$TASKRUN_HOST" = node1 ]; then sleep 60; else sleep 0.3; fi; echo {} $TASKRUN_HOST'
	"${TR[@]}" -H "$T/hosts" -s "$T/s" --stdout "$T/out/{}" "$cmd" ::: 1 2 3 4 2>"$T/err" &
	BG=$!
	j="$T/s/journal"
	lab_wait "[ -f '$j' ] && [ \$(started '$j' node1) -ge 1 ]" 20
	printf '1/node1\n1/node2\n' >"$T/hosts"
	kill -USR1 "$BG"
	lab_wait "! kill -0 $BG 2>/dev/null" 40
	wait "$BG"
	BG=""
	[ "$(cat "$T/err")" = "" ]
	[ "$(cat "$T/out/1")" = "1 node2" ]
	for i in 2 3 4; do
		[ "$(cat "$T/out/$i")" = "$i node2" ]
	done
	[[ "$(awk -F'\t' '$2 == "start" && $3 == 1 && $5 == "node2" { print $12 }' "$j")" =~ ^slot=1\ speculative\ tmp=\.1\.[A-Za-z0-9]{6}$ ]]
	[ "$(j_count "$j" cancel node1 1)" = 1 ]
	[ "$(j_count "$j" done "" 1)" = 1 ]
	! kill -0 "$(cat "$LAB/pids/1.node1")" 2>/dev/null
}

@test "taskrun: editing the host file adds a host (it gets work) and removes one (it drains)" {
	echo 1/node1 >"$T/hosts"
	"${TR[@]}" -H "$T/hosts" -s "$T/s" --no-speculate 'sleep 0.4; : {}' ::: $(seq 24) 2>"$T/err" &
	BG=$!
	j="$T/s/journal"
	lab_wait "[ -f '$j' ] && [ \$(j_count '$j' done node1) -ge 2 ]" 20
	printf '1/node2\n1/node3\n' >"$T/hosts.new"
	mv "$T/hosts.new" "$T/hosts"
	lab_wait "! kill -0 $BG 2>/dev/null" 40
	wait "$BG"
	BG=""
	[ "$(cat "$T/err")" = "" ]
	[ "$(j_count "$j" done)" = 24 ]
	[ "$(j_count "$j" drain node1)" = 1 ]
	[ "$(j_count "$j" add node2)" = 1 ]
	[ "$(j_count "$j" done node2)" -gt 0 ]
	[ "$(j_count "$j" done node3)" -gt 0 ]
	# node1 started nothing after it was drained, and finished what it ran.
	run -0 awk -F'\t' '$5 == "node1" && $2 == "drain" { d = 1 } $5 == "node1" && $2 == "start" && d { bad = 1 }
		END { exit bad }' "$j"
	[ "$(j_count "$j" lost node1)" = 0 ]
}

@test "taskrun: a host whose agent cannot start is reported once and the job finishes" {
	printf '1/node1\n1/dead1\n' >"$T/hosts"
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/s" 'sleep 0.3; : {}' ::: $(seq 16)
	[ "$stderr" = "taskrun: dead1: agent did not start: ssh: connect to host 127.0.0.1 port 1: Connection refused" ]
	[ "$(j_count "$T/s/journal" done node1)" = 16 ]
	[ "$(j_count "$T/s/journal" quarantine dead1)" -ge 2 ]
	run -1 --separate-stderr taskrun --ssh "$LAB_SSH" --agent /nonexistent/taskrun --backoff 0.5s -H <(echo node1) 'true {}' ::: 1
	[ "${stderr_lines[0]}" = "taskrun: node1: agent did not start: sh: 1: /nonexistent/taskrun: not found" ]
	[ "${stderr_lines[1]}" = "taskrun: no usable host left" ]
	[ "${stderr_lines[2]}" = "taskrun: task 1: not run: no usable host: true 1" ]
	[ "${#stderr_lines[@]}" = 3 ]
}

@test "taskrun over ssh: SIGINT cancels the tasks on every host; a host that does not answer is given up on" {
	printf '2/node1\n2/node2\n' >"$T/hosts"
	cmd='echo $$ > '"$LAB"'/pids/{}.$TASKRUN_HOST; if [ ! -e '"$T"'/fast ]; then sleep 30; fi; echo {}'
	"${TR[@]}" -H "$T/hosts" -s "$T/s" --no-speculate --stdout "$T/out/{}" "$cmd" ::: $(seq 6) 2>"$T/err" &
	BG=$!
	j="$T/s/journal"
	lab_wait "[ \$(ls '$LAB/pids' | wc -l) = 4 ]" 30
	# node2's agent stops answering (its tasks keep running).
	agent=$(awk -F'\t' '$2 == "up" && $5 == "node2" { sub(/.*agent_pid=/, "", $12); p = $12 } END { print p }' "$j")
	kill -STOP "$agent"
	start=$(date +%s.%N)
	kill -INT "$BG"
	status=0
	wait "$BG" || status=$?
	BG=""
	[ "$status" = 130 ]
	# The cancel grace (2 s) and 3 s more for node2, then 3 s for the
	# agents to quit.
	awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { exit !(b - a < 10) }'
	[ "$(cat "$T/err")" = "taskrun: interrupted: 0 of 6 tasks done; run the same command again to resume" ]
	[ "$(ls -A "$T/out")" = "" ]
	[ "$(awk -F'\t' '$2 == "cancel" { print $5 ": " $12 }' "$j" | sort | uniq -c | sed 's/^ *//')" = \
		"$(printf '2 node1: interrupted\n2 node2: interrupted; no answer from the host')" ]
	for p in $(cat "$LAB"/pids/*.node1); do
		! kill -0 "$p" 2>/dev/null
	done
	# Once it runs again, node2's agent finds its controller gone and
	# kills its tasks.
	kill -CONT "$agent"
	lab_wait "! kill -0 $(cat "$LAB"/pids/*.node2 | sed -n 1p) 2>/dev/null && ! kill -0 $(cat "$LAB"/pids/*.node2 | sed -n 2p) 2>/dev/null" 10
	touch "$T/fast"
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/s" --stdout "$T/out/{}" "$cmd" ::: $(seq 6)
	[ "$stderr" = "" ]
	for i in $(seq 6); do
		[ "$(cat "$T/out/$i")" = "$i" ]
	done
	[ "$(ls -A "$T/out" | wc -l)" = 6 ]
}

@test "taskrun: a host line that is a whole ssh command, against GNU parallel over the same ssh" {
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	# No --ssh: the host's own command reaches it, as in GNU parallel.
	printf '2/%s node1\n1/%s node2\n' "$LAB_SSH" "$LAB_SSH" >"$T/hosts"
	args=("a b" "it's" '$HOME' '*' 'ünï ✓')
	run -0 --separate-stderr taskrun --agent "$LAB_AGENT" -H "$T/hosts" -s "$T/s" -k \
		'printf "[%s] " {}; echo $PARALLEL_SEQ' ::: "${args[@]}"
	[ "$stderr" = "" ]
	[ "${lines[0]}" = "[a b] 1" ]
	[ "${lines[4]}" = "[ünï ✓] 5" ]
	tr_out=$output
	# Every task ran through one of the two commands.
	[ "$(j_count "$T/s/journal" done)" = 5 ]
	[ "$(awk -F'\t' '$2 == "done" { print $5 }' "$T/s/journal" | grep -cvxF -e "$LAB_SSH node1" -e "$LAB_SSH node2")" = 0 ]
	cd "$T"
	run -0 --separate-stderr parallel --will-cite --sshloginfile "$T/hosts" -k \
		'printf "[%s] " {}; echo $PARALLEL_SEQ' ::: "${args[@]}"
	[ "$output" = "$tr_out" ]
}

# make asan (scripts/asan.sh) sends every sanitizer report to a file in one
# directory and fails when it is not empty; sshd gives a session a fresh
# environment, so lab_sshd hands the options on through SetEnv, and the
# hosts' throw-away user must be able to write there.
@test "lab: a host's sessions get make asan's sanitizer options, and write to its log directory" {
	mkdir -m 1777 "$T/sanlog"
	local o="halt_on_error=1:exitcode=99:log_path=$T/sanlog/san" pid
	ASAN_OPTIONS="$o:detect_leaks=0" UBSAN_OPTIONS="$o:print_stacktrace=1" \
		LSAN_OPTIONS="$o:suppressions=$BATS_TEST_DIRNAME/../lsan.supp" lab_sshd sanhost 127.0.0.1 "$(lab_free_port)"
	pid=$(cat "$LAB/sshd_sanhost.pid")
	run -0 --separate-stderr $LAB_SSH sanhost "printenv ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; id -un; touch $T/sanlog/san.1 && echo written"
	kill "$pid"
	[ "$stderr" = "" ]
	[ "${lines[0]}" = "$o:detect_leaks=0" ]
	[ "${lines[1]}" = "$o:print_stacktrace=1" ]
	[ "${lines[2]}" = "$o:suppressions=$BATS_TEST_DIRNAME/../lsan.supp" ]
	[ "${lines[3]}" = "$LAB_USER" ]
	[ "${lines[4]}" = "written" ]
	[ "$(stat -c %U "$T/sanlog/san.1")" = "$LAB_USER" ]
}
