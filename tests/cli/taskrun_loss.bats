#!/usr/bin/env bats
# taskrun's lost hosts, whose fault they are (issue 14, man/taskrun.1): a
# host lost by no doing of its tasks (no heartbeat, a launcher that says the
# link went, an agent that quits because it lost the controller or idled
# past the lease) spends no retry and counts toward no limit, however often;
# an agent that dies running one task alone counts against that task, which
# fails the third time, named; an agent that dies running several makes each
# run alone next (a busy host is emptied for it, with several hosts too);
# a link that goes silent before it closes is no task's doing either.
# Local agents only (no ssh): the hosts are simulated by a launcher given
# to --ssh, as in bench/taskrun_scale.sh.  Also: a task run again keeps its
# {%}, as in GNU parallel.  Every process started here is stopped by PID in
# teardown.
bats_require_minimum_version 1.5.0

setup() {
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	T=$(mktemp -d)
	BG=""
	: >"$T/agents"
}

teardown() {
	local p
	for p in $BG; do
		kill -9 "$p" 2>/dev/null || true
	done
	# Agents a test stopped or killed, and their tasks' process groups.
	for p in $(cat "$T/agents"); do
		kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}

# wait_file FILE: waits up to 30 s for FILE to exist.
wait_file() {
	local i
	for i in $(seq 300); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	echo "# no $1" >&3
	return 1
}

# A launcher that runs the agent here and, when the agent ends with an
# error, says so as ssh does when the host goes away (and exits 255 as ssh).
make_launcher() {
	cat >"$T/launch" <<'EOF'
#!/bin/sh
h=$1
shift
# The shell's own report of a killed child ("Killed") is not ssh's: the
# agent runs in the background, its standard input kept.
exec 3>&2 2>/dev/null 4<&0
"$@" <&4 2>&3 3>&- 4<&- &
wait $!
st=$?
[ "$st" -eq 0 ] && exit 0
echo "Connection to $h closed by remote host." >&3
exit 255
EOF
	chmod +x "$T/launch"
}

@test "taskrun: an innocent task whose hosts are lost 4 times is not failed: it finishes" {
	make_launcher
	printf '1/h1\n1/h2\n' >"$T/hosts"
	# Attempts 1-4 wait; each is hit by a host fault while it runs alone
	# on its host: the agent stopped (no heartbeat for the lease) or the
	# link gone (the launcher says so).  The fifth finishes.
	cmd='echo $PPID >>'"$T"'/agents; echo $PPID >'"$T"'/a.$TASKRUN_ATTEMPT; [ $TASKRUN_ATTEMPT -gt 4 ] || sleep 30; echo finished'
	echo "$cmd" >"$T/tasks"
	(
		for n in 1 2 3 4; do
			wait_file "$T/a.$n" || exit 1
			sleep 0.2
			case $n in
			1 | 3) kill -STOP "$(cat "$T/a.$n")" ;;
			*) kill -9 "$(cat "$T/a.$n")" ;;
			esac
		done
	) &
	BG=$!
	run -0 --separate-stderr taskrun -H "$T/hosts" --ssh "$T/launch" --agent "$BATS_TEST_DIRNAME/../../bin/taskrun agent" \
		--lease 1s --backoff 0.2s -s "$T/s" --no-speculate --no-progress -a "$T/tasks"
	[ "$output" = finished ]
	# Four losses of task 1, none of them its fault, then done (a load
	# that starves an agent past the lease may add a loss: it is no fault
	# of the task either).
	run -0 awk -F'\t' '$2 == "lost" || $2 == "failed" || $2 == "done" { sub(/h[12]/, "HOST", $12); print $2, $3, $4, $12 }' "$T/s/journal"
	local n=${#lines[@]}
	[ "$n" -ge 5 ]
	[ "${lines[$((n - 1))]}" = "done 1 $n " ]
	[ "$(grep -c '^lost 1 [0-9]* host lost: no heartbeat for 1s$' <<<"$output")" -ge 2 ]
	[ "$(grep -c '^lost 1 [0-9]* host lost: Connection to HOST closed by remote host\.$' <<<"$output")" = 2 ]
	[ "$(grep -c '^lost ' <<<"$output")" = $((n - 1)) ]
}

@test "taskrun: a task that takes its agent down each time fails, named; the tasks beside it finish" {
	# One local agent, 2 slots: the first death takes tasks 1 and 2 (each
	# then runs alone), the next three are task 2's alone.
	printf '%s\n' 'sleep 0.3; echo a' 'echo $PPID >>'"$T"'/agents; kill -9 $PPID' 'sleep 0.3; echo c' >"$T/tasks"
	run -1 --separate-stderr taskrun -j2 --backoff 0.1s -s "$T/s" --no-progress -a "$T/tasks"
	[ "$(sort <<<"$output")" = "$(printf 'a\nc')" ]
	[ "${stderr_lines[-1]}" = "taskrun: task 2: took its agent down 3 times running alone (last on host ':': killed by signal 9): echo \$PPID >>$T/agents; kill -9 \$PPID" ]
	[ "$(grep -c 'took its agent down' <<<"$stderr")" = 1 ]
	run -0 awk -F'\t' '$2 == "lost" || $2 == "failed" || $2 == "done" { print $2, $3, $4, $12 }' "$T/s/journal"
	local shared="host lost: killed by signal 9; the agent died running other tasks too: it runs alone next"
	[ "${lines[0]}" = "lost 1 1 $shared" ] || [ "${lines[0]}" = "lost 2 1 $shared" ]
	[ "${lines[1]}" = "lost 1 1 $shared" ] || [ "${lines[1]}" = "lost 2 1 $shared" ]
	[ "${lines[2]}" = "done 1 2 " ]
	[ "${lines[3]}" = "lost 2 2 host lost: killed by signal 9; the agent died running this task alone (1 of 3)" ]
	[ "${lines[4]}" = "lost 2 3 host lost: killed by signal 9; the agent died running this task alone (2 of 3)" ]
	[ "${lines[5]}" = "lost 2 4 host lost: killed by signal 9; the agent died running this task alone (3 of 3)" ]
	[ "${lines[6]}" = "failed 2 4 took its agent down 3 times running alone (last on host ':': killed by signal 9)" ]
	[ "${lines[7]}" = "done 3 1 " ]
	[ "${#lines[@]}" = 8 ]
}

@test "taskrun: a link that goes silent, then closes without a word (ssh at LogLevel ERROR), blames no task" {
	# The launcher carries the agent's frames through a relay (cat), as
	# ssh carries them; the test stops the relay (the link goes silent)
	# and 4.5 s later ends the launcher as ssh ends when its ServerAlive
	# checks give up: status 255, nothing said.  An agent killed under
	# its task ends its connection at once (the test above); this one
	# was silent for more than two heartbeats (lease 10 s: 1.7 s each).
	cat >"$T/slink" <<EOF
#!/bin/sh
shift
exec 4<&0
"\$@" <&4 4<&- 2>/dev/null | cat &
echo \$! >>$T/agents
echo \$! >$T/relay.\$\$
trap 'kill -9 \$(cat $T/relay.\$\$) 2>/dev/null; exit 255' TERM
wait \$!
EOF
	chmod +x "$T/slink"
	printf '1/h1\n1/h2\n' >"$T/hosts"
	echo 'echo $PPID >>'"$T"'/agents; echo $PPID >'"$T"'/a.$TASKRUN_ATTEMPT; [ $TASKRUN_ATTEMPT -gt 1 ] || sleep 30; echo finished' >"$T/tasks"
	(
		wait_file "$T/a.1" || exit 1
		l=$(ps -o ppid= -p "$(cat "$T/a.1")" | tr -d ' ')
		kill -STOP "$(cat "$T/relay.$l")"
		sleep 4.5
		kill -TERM "$l"
	) &
	BG=$!
	run -0 --separate-stderr taskrun -H "$T/hosts" --ssh "$T/slink" --agent "$BATS_TEST_DIRNAME/../../bin/taskrun agent" \
		--lease 10s --backoff 0.1s -s "$T/s" --no-speculate --no-progress -a "$T/tasks"
	[ "$output" = finished ]
	run -0 awk -F'\t' '$2 == "lost" || $2 == "failed" || $2 == "done" { print $2, $3, $4, $12 }' "$T/s/journal"
	printf '%s\n' "${lines[@]}"   # shown when it fails
	[[ "${lines[0]}" =~ ^"lost 1 1 host lost: exited with status 255 after "[0-9]+\.[0-9]"s without a frame (a silent link)"$ ]]
	[ "${lines[1]}" = "done 1 2 " ]
	[ "${#lines[@]}" = 2 ]
}

@test "taskrun: three hosts of two slots: a busy host is emptied for a task that must run alone, the others go on" {
	# The launcher is the agent (exec), so that its death by kill -9 is
	# one without a word.  Once all six slots run, the agent of the first
	# task is killed: its two tasks run alone next (a second attempt, 2 s;
	# the rest take 1 s).  Its host comes back empty and takes one; for the
	# other, a host that was busy takes no more tasks until it is empty,
	# while the third goes on taking tasks.
	printf '#!/bin/sh\nshift\nexec "$@"\n' >"$T/exec"
	chmod +x "$T/exec"
	printf '2/h1\n2/h2\n2/h3\n' >"$T/hosts"
	for i in $(seq 12); do
		echo "echo $i \$PPID >>$T/log; echo \$PPID >>$T/agents; sleep \$TASKRUN_ATTEMPT"
	done >"$T/tasks"
	(
		for i in $(seq 300); do
			[ -e "$T/log" ] && [ "$(wc -l <"$T/log")" -ge 6 ] && break
			sleep 0.1
		done
		kill -9 "$(awk 'NR == 1 { print $2 }' "$T/log")"
	) &
	BG=$!
	run -0 --separate-stderr taskrun -H "$T/hosts" --ssh "$T/exec" --agent "$BATS_TEST_DIRNAME/../../bin/taskrun agent" \
		--backoff 0.1s -s "$T/s" --no-speculate --no-progress -a "$T/tasks"
	# Per host, what runs; at the death, who was busy; then each attempt
	# of a task that must run alone, and each host emptied for one.
	run -0 awk -F'\t' '
		$2 == "lost" && $12 ~ /runs alone next$/ {
			alone[$3] = 1; run[$5]--
			if (!dead) for (h in run) if (run[h] > 0 && h != $5) busy[h] = 1
			dead = 1; next
		}
		$2 == "start" {
			if (($3 in alone) && $4 == 2) {
				print "alone " (run[$5] == 0 ? "on an empty host" : "beside " run[$5])
				if (busy[$5] && !took[$5]) print "emptied for it: a host busy at the death"
				solo[$5] = $3
			} else {
				if (solo[$5]) print "task " $3 " started beside it"
				if (dead) took[$5] = 1
			}
			run[$5]++
		}
		$2 == "done" || $2 == "lost" || $2 == "failed" {
			run[$5]--
			if (solo[$5] == $3) solo[$5] = 0
		}' "$T/s/journal"
	printf '%s\n' "${lines[@]}"   # shown when it fails
	[ "$(grep -c '^alone on an empty host$' <<<"$output")" = 2 ]
	[ "$(grep -c '^emptied for it' <<<"$output")" = 1 ]
	[ "${#lines[@]}" = 3 ]
	[ "$(awk -F'\t' '$2 == "done" { print $3 }' "$T/s/journal" | sort -n | uniq | wc -l)" = 12 ]
	[ "$(grep -c 'runs alone next$' "$T/s/journal")" = 2 ]
}

@test "taskrun: an agent that quits, idle or not, after nothing from the controller for the lease says why; its host is not quarantined" {
	make_launcher
	printf '1/h1\n1/h2\n' >"$T/hosts"
	# One task: one host runs it, the other is idle.  The controller is
	# stopped past the lease: both agents quit; the one with the task
	# reports it lost (its exit frame says why), the idle one says why on
	# its stderr, which the controller's message carries.  The controller
	# knows it stalled (its clock jumped past the lease): neither host is
	# quarantined, and the task runs again at once.
	echo 'echo $PPID >'"$T"'/busy; [ -e '"$T"'/go ] || sleep 30; echo one' >"$T/tasks"
	taskrun -H "$T/hosts" --ssh "$T/launch" --agent "$BATS_TEST_DIRNAME/../../bin/taskrun agent" --lease 1s \
		--backoff 0.1s -s "$T/s" --no-speculate --no-progress -a "$T/tasks" >"$T/out" 2>"$T/err" &
	BG=$!
	wait_file "$T/busy"
	local agents i
	agents=$(awk -F'\t' '$2 == "up" { sub(/.*agent_pid=/, "", $12); print $12 }' "$T/s/journal")
	[ "$(wc -w <<<"$agents")" = 2 ]
	echo "$agents" >>"$T/agents"
	kill -STOP "$BG"
	for i in $(seq 100); do
		kill -0 $agents 2>/dev/null || break
		sleep 0.1
	done
	touch "$T/go"
	kill -CONT "$BG"
	wait "$BG"
	BG=""
	[ "$(cat "$T/out")" = one ]
	run -0 grep -E '^taskrun: h[12]: connection lost' "$T/err"
	[ "${#lines[@]}" = 2 ]
	# Which host had the task is the controller's choice.
	local busy=h1 idle=h2
	grep -q "^taskrun: h2: connection lost: the agent" "$T/err" && busy=h2 idle=h1
	local stalled=" \(the controller stalled for [0-9]+\.[0-9]s: not the host's doing\)"
	grep -Ex "taskrun: $busy: connection lost: the agent lost the controller: no frame for the lease$stalled" "$T/err"
	grep -Ex "taskrun: $idle: connection lost: taskrun agent: idle, nothing from the controller for 1s \(the lease\): quitting$stalled" "$T/err"
	[ "$(grep -c '' "$T/err")" = 2 ]
	run -0 awk -F'\t' '{ print $2 }' "$T/s/journal"
	[ "$(grep -c '^stall$' <<<"$output")" = 1 ]
	[ "$(grep -c '^quarantine$' <<<"$output")" = 0 ]
	[ "$(grep -c '^done$' <<<"$output")" = 1 ]
}

@test "taskrun: a task run again keeps its {%}, as in GNU parallel; the slot is not given to another task meanwhile" {
	# GNU parallel (20221122) frees a job's slot only when the job will
	# not be retried (Job::free_slot), so a retry keeps {%} and a job
	# started meanwhile takes a new number.  Two hosts of one slot: task 1
	# fails once on one host; its retry waits for the other host (busy
	# with task 2); task 3 takes the free host meanwhile, as slot 3.
	make_launcher
	printf '1/h1\n1/h2\n' >"$T/hosts"
	cat >"$T/job" <<EOF
#!/bin/sh
echo "\$1 \$2" >>$T/log
# Each waits for the other (30 s at most): 1 fails once task 2 runs,
# 2 ends once task 3 has run.
w() { i=0; until [ -e \$1 ] || [ \$i -ge 300 ]; do sleep 0.1; i=\$((i + 1)); done; }
case \$1 in
1) [ -e $T/f1 ] || { touch $T/f1; w $T/r2; exit 1; } ;;
2) touch $T/r2; w $T/r3 ;;
3) touch $T/r3 ;;
esac
EOF
	chmod +x "$T/job"
	run -0 --separate-stderr taskrun -H "$T/hosts" --ssh "$T/launch" --agent "$BATS_TEST_DIRNAME/../../bin/taskrun agent" \
		--retries 2 --no-speculate --no-progress "$T/job {} {%}" ::: 1 2 3
	# Shown when it fails.
	cat "$T/log"; echo "$stderr"
	# Tasks 1 and 2 start together (their lines in either order).
	[ "$(sed -n 3,4p "$T/log")" = "$(printf '3 3\n1 1')" ]
	[ "$(sed -n 1,2p "$T/log" | sort)" = "$(printf '1 1\n2 2')" ]
}
