#!/usr/bin/env bats
# taskrun stopped by SIGINT, SIGTERM and SIGHUP: running attempts are
# cancelled (no task process survives), their partial --stdout files are
# removed, the journal ends every attempt it started, the exit status is
# 128+n, and running the same command again completes the run.  Local slots
# here; taskrun_hosts.bats does the same over ssh.
bats_require_minimum_version 1.5.0

setup() {
	load lab
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	T=$(mktemp -d)
	BG=""
	# A marker in every task's command line, to find leftovers with pgrep.
	MARK="trmark-$$-$RANDOM"
}

teardown() {
	local p
	for p in $BG; do
		kill -9 "$p" 2>/dev/null || true
	done
	pkill -9 -f "$MARK" 2>/dev/null || true
	rm -rf "$T"
}

# Every attempt the journal starts has exactly one end.
journal_consistent() {
	awk -F'\t' '$2 == "start" { s[$3 "." $4]++ } $2 ~ /^(done|fail|lost|cancel)$/ { e[$3 "." $4]++ }
		END { for (k in s) if (e[k] != 1) { print "attempt " k " has " e[k] + 0 " ends"; bad = 1 } exit bad }' "$1"
}

# No process of any task is left: none with the marker, none in a task's
# process group (the agent makes each task a group leader; pids lists them).
# A zombie is no process: it waits for init to collect its status.
no_task_left() {
	! pgrep -f "$MARK" >/dev/null || { pgrep -af "$MARK"; return 1; }
	[ -f "$T/pids" ] || return 0
	ps -e -o pgid=,stat=,pid=,args= | awk 'NR == FNR { g[$1] = 1; next }
		($1 in g) && $2 !~ /^Z/ { print "left: " $0; bad = 1 } END { exit bad }' "$T/pids" -
}

@test "taskrun stops on SIGINT, SIGTERM and SIGHUP: 128+n, nothing partial left, resume completes" {
	# Tasks of 0.5 to 0.9 s on 3 slots, signals after up to 0.8 s: no run
	# can finish all 24 before its signal.  The resume runs them faster.
	cmd='echo $$ >>'"$T"'/pids; echo begin {}; if [ -e '"$T"'/fast ]; then sleep 0.05; else sleep 0.$(( {} % 5 + 5 )); fi; echo end {}; : '"$MARK"
	n=0
	for sig in INT TERM HUP INT TERM HUP; do
		n=$((n + 1))
		delay=$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.8 * rand() }')
		echo "# SIG$sig after ${delay}s" >&3
		taskrun -s "$T/s" -j 3 --stdout "$T/out/{}.txt" "$cmd" ::: $(seq 24) 2>"$T/err" &
		pid=$!
		BG="$pid"
		# The handlers are in place once the run is journalled.
		lab_wait "[ -f '$T/s/journal' ] && [ \$(j_count '$T/s/journal' run) = $n ]" 10
		sleep "$delay"
		kill -"$sig" "$pid"
		status=0
		wait "$pid" || status=$?
		BG=""
		[ "$status" = $((128 + $(kill -l "$sig"))) ]
		ids=$(awk -F'\t' '$2 == "done" { print $3 }' "$T/s/journal" | sort -n)
		done=$(echo $ids | wc -w)
		[ "$(cat "$T/err")" = "taskrun: interrupted: $done of 24 tasks done; run the same command again to resume" ]
		[ "$(tail -n 1 "$T/s/journal" | cut -f2,12)" = "end	done=$done failed=0 interrupted by SIG$sig" ]
		no_task_left
		journal_consistent "$T/s/journal"
		# Only the outputs of done tasks, complete; no temporary.
		[ "$(ls -A "$T/out" 2>/dev/null | wc -l)" = "$done" ]
		if [ "$done" -gt 0 ]; then
			[ "$(cd "$T/out" && cat $(printf '%s.txt ' $ids))" = "$(printf 'begin %s\nend %s\n' $(for i in $ids; do echo $i $i; done))" ]
		fi
	done
	[ "$(j_count "$T/s/journal" cancel)" -ge 1 ]
	touch "$T/fast"
	run -0 --separate-stderr taskrun -s "$T/s" -j 3 --stdout "$T/out/{}.txt" "$cmd" ::: $(seq 24)
	[ "$stderr" = "" ]
	for i in $(seq 24); do
		[ "$(cat "$T/out/$i.txt")" = "$(printf 'begin %s\nend %s' "$i" "$i")" ]
		[ "$(j_count "$T/s/journal" done "" "$i")" = 1 ]
	done
	[ "$(ls -A "$T/out" | wc -l)" = 24 ]
	journal_consistent "$T/s/journal"
}

@test "taskrun without -s leaves nothing of an interrupted run" {
	cmd='echo $$ >>'"$T"'/pids; sleep 3; echo {}; : '"$MARK"
	mkdir "$T/run"
	cd "$T/run"
	taskrun -j 2 --stdout "out/{}.txt" "$cmd" ::: a b c d 2>"$T/err" &
	pid=$!
	BG="$pid"
	lab_wait "[ \$(find out -name '.*.txt.*' 2>/dev/null | wc -l) = 2 ]" 10
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	BG=""
	[ "$status" = 130 ]
	[ "$(cat "$T/err")" = "taskrun: interrupted: 0 of 4 tasks done" ]
	# The output directory the run made, and nothing in it.
	[ "$(find . | sort | tr '\n' ' ')" = ". ./out " ]
	no_task_left
}

@test "a second SIGINT makes taskrun exit at once, still without partial outputs" {
	# Tasks that ignore SIGTERM make the first stop wait for the agent's
	# SIGKILL after its grace period (2 s).
	cmd='trap "" TERM; echo $$ >>'"$T"'/pids; if [ -e '"$T"'/fast ]; then sleep 0.2; else sleep 5; fi; echo {}; : '"$MARK"
	taskrun -s "$T/s" -j 3 --stdout "$T/out/{}.txt" "$cmd" ::: 1 2 3 4 5 6 2>"$T/err" &
	pid=$!
	BG="$pid"
	# Each task writes its pid once its trap is set.
	lab_wait "[ -f '$T/pids' ] && [ \$(wc -l <'$T/pids') = 3 ]" 10
	[ "$(find "$T/out" -name '.*' | wc -l)" = 3 ]
	kill -INT "$pid"
	sleep 0.3
	# Still stopping: the tasks did not die of SIGTERM.
	kill -0 "$pid"
	start=$(date +%s%N)
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	BG=""
	[ "$status" = 130 ]
	# At once: well before the agent's 2 s grace would have ended (1.5 s:
	# room for a loaded machine, still short of the wait it skips).
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 1500 ]
	[ "$(cat "$T/err")" = "" ]
	[ "$(find "$T/out" -type f | wc -l)" = 0 ]
	# The agents see their controller go and kill the tasks.
	lab_wait no_task_left 5
	touch "$T/fast"
	run -0 --separate-stderr taskrun -s "$T/s" -j 3 --stdout "$T/out/{}.txt" "$cmd" ::: 1 2 3 4 5 6
	for i in 1 2 3 4 5 6; do
		[ "$(cat "$T/out/$i.txt")" = "$i" ]
	done
	[ "$(ls -A "$T/out" | wc -l)" = 6 ]
	journal_consistent "$T/s/journal"
	[ "$(j_count "$T/s/journal" lost)" = 3 ]
}

@test "signals ignored at start: SIGINT and SIGTERM still stop taskrun, SIGHUP stays ignored (nohup)" {
	cmd='echo $$ >>'"$T"'/pids; sleep 3; echo {}; : '"$MARK"
	for sig in INT TERM; do
		(trap '' INT TERM; exec taskrun -j 2 --stdout "$T/out/{}.txt" "$cmd" ::: 1 2 3) 2>"$T/err" &
		pid=$!
		BG="$pid"
		lab_wait "[ \$(ls -A '$T/out' 2>/dev/null | wc -l) = 2 ]" 10
		kill -"$sig" "$pid"
		status=0
		wait "$pid" || status=$?
		BG=""
		[ "$status" = $((128 + $(kill -l "$sig"))) ]
		[ "$(cat "$T/err")" = "taskrun: interrupted: 0 of 3 tasks done" ]
		[ "$(ls -A "$T/out")" = "" ]
		no_task_left
	done
	cmd='sleep 0.5; echo {}; : '"$MARK"
	(trap '' HUP; exec taskrun -s "$T/s" -j 2 --stdout "$T/out/{}.txt" "$cmd" ::: 1 2 3 4) 2>"$T/err" &
	pid=$!
	BG="$pid"
	lab_wait "[ -s '$T/s/journal' ]" 10
	kill -HUP "$pid"
	status=0
	wait "$pid" || status=$?
	BG=""
	[ "$status" = 0 ]
	[ "$(cat "$T/err")" = "" ]
	[ "$(j_count "$T/s/journal" done)" = 4 ]
}

@test "SIGUSR1 makes taskrun re-read the host file" {
	# A change that keeps the host file's size, inode and mtime goes
	# unnoticed until SIGUSR1 says so: then the second slot gets work.
	echo 1/: >"$T/hosts"
	touch -d '2000-01-01' "$T/hosts"
	taskrun -H "$T/hosts" -s "$T/s2" 'sleep 0.3; : {} '"$MARK" ::: $(seq 10) 2>"$T/err" &
	pid=$!
	BG="$pid"
	lab_wait "[ -f '$T/s2/journal' ] && [ \$(j_count '$T/s2/journal' done) -ge 1 ]" 10
	echo 2/: >"$T/hosts"
	touch -d '2000-01-01' "$T/hosts"
	sleep 1.2
	[ "$(grep -c 'slot=2' "$T/s2/journal")" = 0 ]
	kill -USR1 "$pid"
	wait "$pid"
	BG=""
	[ "$(cat "$T/err")" = "" ]
	[ "$(j_count "$T/s2/journal" done)" = 10 ]
	[ "$(grep -c 'slot=2' "$T/s2/journal")" -ge 1 ]
}

@test "an error mid-run stops taskrun like a signal: attempts cancelled, outputs removed, exit 1" {
	# Task 2's standard error goes to its log, which is /dev/full.
	cmd='echo $$ >>'"$T"'/pids; if [ {} = 2 ]; then sleep 0.5; echo oops >&2; fi; sleep 3; echo {}; : '"$MARK"
	mkdir -m 700 "$T/s" "$T/s/logs"
	ln -s /dev/full "$T/s/logs/2.1.err"
	run -1 --separate-stderr taskrun -s "$T/s" -j 3 --stdout "$T/out/{}.txt" "$cmd" ::: 1 2 3 4
	[ "${stderr_lines[0]}" = "taskrun: $T/s/logs/2.1.err: No space left on device" ]
	[ "${stderr_lines[1]}" = "taskrun: stopped: 0 of 4 tasks done; run the same command again to resume" ]
	[ "${#stderr_lines[@]}" = 2 ]
	[ "$(ls -A "$T/out")" = "" ]
	no_task_left
	journal_consistent "$T/s/journal"
	[ "$(j_count "$T/s/journal" cancel)" = 3 ]
	[ "$(awk -F'\t' '$2 == "cancel" { print $12 }' "$T/s/journal" | sort -u)" = "stopped by an error" ]
	[ "$(tail -n 1 "$T/s/journal" | cut -f2,12)" = "end	done=0 failed=0 stopped by an error" ]
}
