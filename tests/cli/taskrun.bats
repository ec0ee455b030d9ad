#!/usr/bin/env bats
# taskrun on local slots: options, task input, quoting, streaming, the state
# directory, resume after kill -9, reports.  The multi-host tests (real
# sshd processes, network namespaces) are in taskrun_hosts.bats.
bats_require_minimum_version 1.5.0

setup() {
	load lab
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	T=$(mktemp -d)
	BG=""
}

teardown() {
	local p
	for p in $BG; do
		kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}

@test "taskrun --help prints usage on stdout and exits 0" {
	run -0 --separate-stderr taskrun --help
	[ "${lines[0]}" = "usage: taskrun [-0bhkmVX] [-a file] [-C regex] [-d delim] [-E eof]" ]
	[ "$stderr" = "" ]
	[[ "$output" == *"--stdout=TEMPLATE"* ]]
}

@test "taskrun with a bad option exits 2 with one line on stderr" {
	run -2 --separate-stderr taskrun --bogus true
	[ "$stderr" = "taskrun: unknown option '--bogus'; try --help" ]
	[ "$output" = "" ]
}

@test "taskrun -V prints the version; --progress prints progress lines" {
	run -0 --separate-stderr taskrun -V
	[[ "$output" =~ ^taskrun\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run -0 --separate-stderr taskrun --progress -j 1 true ::: 1 2
	# The shared progress report (lib/core/progress.c) with taskrun's counts.
	[[ "${stderr_lines[${#stderr_lines[@]} - 1]}" =~ ^"taskrun: 100% 2/2 tasks, 0 failed, 0 running, 1 host up, "([0-9.]+" tasks/s, ")?"elapsed 0:0"[0-9]$ ]]
	run -0 --separate-stderr taskrun -j 1 true ::: 1 2
	[ "$stderr" = "" ]
}

@test "taskrun draws a progress bar on a terminal and ends it with a newline" {
	run -0 script -qec "taskrun -j 1 'sleep 0.3; : {}' ::: 1 2" /dev/null
	[[ "$output" == *$'\r'"taskrun: [############............]  50% 1/2 tasks  0 failed, "*" ETA 0:0"*$'\e[K'* ]]
	[[ "$output" =~ $'\r'"taskrun: [########################] 100% 2/2 tasks  0 failed, 0 running, 1 host up  "[0-9.]+" tasks/s  elapsed 0:0"[0-9]$'\e[K\r'$ ]]
}

@test "taskrun rejects bad values and unknown key=value operands" {
	run -2 --separate-stderr taskrun -j x true
	[ "$stderr" = "taskrun: invalid slot count 'x' (expected N, N%, +N, -N or 0)" ]
	run -2 --separate-stderr taskrun bogus=1 true
	[ "$stderr" = "taskrun: unknown parameter 'bogus=1'; try --help" ]
	run -2 --separate-stderr taskrun --timeout 5x true
	[ "$stderr" = "taskrun: invalid timeout '5x' (expected a duration like 30s, 5m or 2h)" ]
	run -2 --separate-stderr taskrun echo ::: a ::::
	[ "$stderr" = "taskrun: :::: without a file" ]
}

@test "every long option in taskrun --help is in the man page" {
	man="$BATS_TEST_DIRNAME/../../man/taskrun.1"
	[ -f "$man" ]
	opts=$(taskrun --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	[ -n "$opts" ]
	for o in $opts; do
		name=${o#--}
		grep -qE "^\.It .*Fl \\\\?-$name|Fl \\\\?-$name|Fl -(\\[no-\\])?$name" "$man" ||
			grep -qF -- "-$name" "$man" || { echo "missing in man page: $o"; false; }
	done
}

@test "taskrun runs command lines from stdin and a template over ::: arguments" {
	run -0 --separate-stderr taskrun -j 3 <<-'IN'
	echo one
	echo two | tr a-z A-Z
	printf '%s\n' three
	IN
	[ "$stderr" = "" ]
	[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" = "TWO one three " ]
	run -0 --separate-stderr taskrun -j 2 echo {#} {} {.} {/} {//} {/.} ::: dir/a.sgy b.txt
	[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' '|')" = "1 dir/a.sgy dir/a a.sgy dir a|2 b.txt b b.txt . b|" ]
	# Without :::, arguments come from stdin, and a template without a
	# placeholder gets the argument appended.
	run -0 --separate-stderr taskrun -j 2 echo arg <<<$'x\ny'
	[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' '|')" = "arg x|arg y|" ]
}

@test "taskrun key=value operands are the long options" {
	run -1 --separate-stderr taskrun retries=2 state="$T/a" 'exit 4' ::: x
	[ "$stderr" = "taskrun: task 1: exited with status 4: exit 4 x" ]
	run -1 --separate-stderr taskrun --retries=2 --state="$T/b" 'exit 4' ::: x
	[ "$stderr" = "taskrun: task 1: exited with status 4: exit 4 x" ]
	[ "$(j_count "$T/a/journal" fail)" = 2 ]
	[ "$(j_count "$T/b/journal" fail)" = 2 ]
}

@test "taskrun quotes arguments with spaces, quotes, \$ and unicode" {
	args=("a b" "it's" '$HOME "x"' 'ünïcødé ✓' '`id`;rm -rf /' 'back\slash' '*')
	run -0 --separate-stderr taskrun -j 2 --stdout "$T/out/{#}" printf '%s' ::: "${args[@]}"
	[ "$stderr" = "" ]
	for i in "${!args[@]}"; do
		[ "$(cat "$T/out/$((i + 1))")" = "${args[$i]}" ]
	done
}

@test "taskrun streams --stdin files to tasks and commits --stdout files" {
	mkdir "$T/in"
	head -c 3000000 /dev/urandom >"$T/in/big"
	printf 'small\n' >"$T/in/small"
	: >"$T/in/empty"
	run -0 --separate-stderr taskrun -j 2 --stdin "$T/in/{}" --stdout "$T/out/{}.copy" cat ::: big small empty
	[ "$stderr" = "" ]
	cmp "$T/in/big" "$T/out/big.copy"
	cmp "$T/in/small" "$T/out/small.copy"
	cmp "$T/in/empty" "$T/out/empty.copy"
	[ "$(ls -A "$T/out" | tr '\n' ' ')" = "big.copy empty.copy small.copy " ]
	run -1 --separate-stderr taskrun -j 1 --stdin "$T/in/{}" cat ::: missing
	[ "$stderr" = "taskrun: task 1: $T/in/missing: No such file or directory: cat" ]
}

@test "taskrun: a failing task is retried, ends failed with exit 1, its stderr in the logs" {
	run -1 --separate-stderr taskrun -s "$T/s" -r 3 -j 2 'echo oops {} >&2; exit 3' ::: x
	[ "$stderr" = "taskrun: task 1: exited with status 3 (log $T/s/logs/1.3.err): echo oops x >&2; exit 3" ]
	[ "$(j_count "$T/s/journal" start)" = 3 ]
	[ "$(j_count "$T/s/journal" fail)" = 3 ]
	[ "$(j_count "$T/s/journal" failed)" = 1 ]
	for a in 1 2 3; do
		[ "$(cat "$T/s/logs/1.$a.err")" = "oops x" ]
	done
	run -1 --separate-stderr taskrun -r 1 -j 1 'kill -9 $$' ::: x
	[ "$stderr" = "taskrun: task 1: killed by signal 9: kill -9 \$\$ x" ]
	run -1 --separate-stderr taskrun -r 1 -j 1 -t 0.5 sleep ::: 30
	[ "$stderr" = "taskrun: task 1: timed out after 0.5s: sleep 30" ]
}

@test "taskrun state directory: 0700, owner and lock checked, task list frozen" {
	run -0 --separate-stderr taskrun -s "$T/s" -j 2 true ::: 1 2
	[ "$(stat -c %a "$T/s")" = 700 ]
	[ "$(head -n 1 "$T/s/tasks")" = "taskrun tasks 1" ]
	run -1 --separate-stderr taskrun -s "$T/s" -j 2 true ::: 1 2 3
	[ "$stderr" = "taskrun: $T/s: the task list differs from the one in the state directory (--fresh starts over)" ]
	run -0 --separate-stderr taskrun -s "$T/s" --fresh -j 2 true ::: 1 2 3
	[ -f "$T/s/old.1/journal" ]
	[ "$(j_count "$T/s/journal" done)" = 3 ]
	mkdir -m 700 "$T/other"
	chown nobody "$T/other"
	run -1 --separate-stderr taskrun -s "$T/other" true ::: 1
	[ "$stderr" = "taskrun: $T/other: owned by another user" ]
	taskrun -s "$T/l" -j 1 sleep ::: 30 &
	BG="$BG $!"
	lab_wait "[ -s '$T/l/journal' ]" 10
	run -1 --separate-stderr taskrun -s "$T/l" -j 1 sleep ::: 30
	[ "$stderr" = "taskrun: $T/l: in use by process ${BG# }" ]
}

@test "taskrun resumes: done tasks are skipped, failed ones run again" {
	mkdir "$T/flag"
	cmd='if [ {} = 3 ] && [ ! -e '"$T"'/flag/ok ]; then exit 1; fi; echo run {} >>'"$T"'/ran; echo {}'
	run -1 --separate-stderr taskrun -s "$T/s" -r 1 -j 2 "$cmd" ::: 1 2 3 4
	[ "$stderr" = "taskrun: task 3: exited with status 1: ${cmd//\{\}/3}" ]
	touch "$T/flag/ok"
	run -0 --separate-stderr taskrun -s "$T/s" -r 1 -j 2 "$cmd" ::: 1 2 3 4
	[ "$output" = "3" ]
	[ "$(sort "$T/ran" | tr '\n' ' ')" = "run 1 run 2 run 3 run 4 " ]
	[ "$(j_count "$T/s/journal" done)" = 4 ]
	[ "$(j_count "$T/s/journal" run)" = 2 ]
}

@test "taskrun survives kill -9 of the controller at several points" {
	mkdir "$T/out"
	cmd='sleep 0.$(( {} % 4 )); echo "task {} output"'
	# Four kills at random moments of a run (printed, should one ever fail).
	k=0
	for delay in $(awk 'BEGIN { srand(); for (i = 0; i < 4; i++) printf "%.2f ", 0.2 + 1.2 * rand() }'); do
		echo "# kill -9 after ${delay}s" >&3
		k=$((k + 1))
		taskrun -s "$T/s" -j 3 --no-speculate --stdout "$T/out/{}" "$cmd" ::: $(seq 40) 2>/dev/null &
		pid=$!
		BG="$BG $pid"
		# The delay counts from the run's start in the journal: a loaded
		# machine, or ASan (make asan), can take longer than the shortest
		# delay to get there, and a kill before it tests nothing.
		lab_wait "[ -f '$T/s/journal' ] && [ \"\$(j_count '$T/s/journal' run)\" = $k ]" 30
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" || true
		lab_wait "[ \"\$(taskrun status '$T/s' | head -n 1)\" = 'controller: not running' ]" 5
		# The orphaned agent sees its controller go and exits at once.
		agent=$(awk -F'\t' '$2 == "up" { sub(/.*agent_pid=/, "", $12); p = $12 } END { print p }' "$T/s/journal")
		if [ -n "$agent" ]; then
			lab_wait "! kill -0 $agent 2>/dev/null" 5
		fi
	done
	run -0 --separate-stderr taskrun -s "$T/s" -j 3 --stdout "$T/out/{}" "$cmd" ::: $(seq 40)
	j="$T/s/journal"
	[ "$(j_count "$j" run)" = 5 ]
	for i in $(seq 40); do
		[ "$(cat "$T/out/$i")" = "task $i output" ]
		[ "$(j_count "$j" done "" "$i")" = 1 ]
	done
	# No temporary files left, and every attempt started has an end.
	[ "$(ls -A "$T/out" | wc -l)" = 40 ]
	run -0 awk -F'\t' '$2 == "start" { s[$3 "." $4]++ } $2 ~ /^(done|fail|lost|cancel)$/ { e[$3 "." $4]++ }
		END { for (k in s) if (e[k] != 1) { print "attempt " k " has " e[k] + 0 " ends"; bad = 1 } exit bad }' "$j"
	[ "$(j_count "$j" lost)" -ge 1 ]
}

# stop_after_done N ARGS...: starts taskrun ARGS in the background (output
# in $T/out and $T/err, PID in $pid) with the test hook that stops it
# (SIGSTOP) right after task N's done line is synced and before its output
# is printed, and returns once it has stopped.
stop_after_done() {
	TASKRUN_TEST_STOP_AFTER_DONE=$1 taskrun "${@:2}" >"$T/out" 2>"$T/err" &
	pid=$!
	BG="$BG $pid"
	lab_wait "[ \"\$(awk '{ print \$3 }' /proc/$pid/stat 2>/dev/null)\" = T ]" 10
}

# kill_stopped: kill -9 of that controller; returns once its state
# directory $T/s says it is not running.
kill_stopped() {
	kill -9 "$pid"
	wait "$pid" || true
	lab_wait "[ \"\$(taskrun status '$T/s' | head -n 1)\" = 'controller: not running' ]" 5
}

@test "taskrun prints a task's output after its done line: a kill -9 between never prints it twice" {
	cmd='echo "out {}"; echo {} >>'"$T"'/ran'
	stop_after_done 2 -s "$T/s" -j 1 "$cmd" ::: 1 2 3
	# Stopped there: the journal says done, stdout has only task 1.
	[ "$(j_count "$T/s/journal" done "" 2)" = 1 ]
	[ "$(cat "$T/out")" = "out 1" ]
	kill_stopped
	# The resume runs task 3 only and prints its output: task 2's output
	# is not printed again (at most once), and task 2 did not run again.
	taskrun -s "$T/s" -j 1 "$cmd" ::: 1 2 3 >>"$T/out" 2>>"$T/err"
	[ "$(cat "$T/out")" = $'out 1\nout 3' ]
	[ "$(cat "$T/ran")" = $'1\n2\n3' ]
	[ "$(cat "$T/err")" = "" ]
	[ "$(j_count "$T/s/journal" done)" = 3 ]
	# With -k the same: the output of a done task goes out after its line.
	rm -rf "$T/s" "$T/ran"
	stop_after_done 1 -k -s "$T/s" -j 1 "$cmd" ::: 1 2
	[ "$(j_count "$T/s/journal" done "" 1)" = 1 ]
	[ "$(cat "$T/out")" = "" ]
	kill_stopped
	taskrun -k -s "$T/s" -j 1 "$cmd" ::: 1 2 >>"$T/out"
	[ "$(cat "$T/out")" = "out 2" ]
	[ "$(cat "$T/ran")" = $'1\n2' ]
}

@test "taskrun status and report agree with the journal; CPU-bound efficiency near 1" {
	burn='i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'
	# The machine may be busy with other work: the efficiency taskrun
	# reports is compared with that of the same loop run directly, before
	# and after the run (the lower of the two, as the load may change).
	eff() { { /usr/bin/time -f '%e %U %S' sh -c "$burn"; } 2>&1 | tail -n 1 |
		awk '{ print ($1 > 0) ? ($2 + $3) / $1 : 1 }'; }
	eref=$(eff)
	run -0 --separate-stderr taskrun -s "$T/s" -j 1 "$burn; : {}" ::: 1 2 3 4
	eref=$(awk -v a="$eref" -v b="$(eff)" 'BEGIN { print (a < b) ? a : b }')
	j="$T/s/journal"
	run -0 taskrun status "$T/s"
	[ "${lines[0]}" = "controller: not running" ]
	[ "${lines[1]}" = "tasks: 4 total, 4 done, 0 failed, 0 running, 0 pending" ]
	# The local host was up until the end: "finished", not "down".
	[ "${lines[3]}" = "$(printf '%-20s %-12s %5d %6d %6d %7d' : finished 1 4 0 0)" ]
	[ "${lines[4]}" = "eta: finished" ]
	run -0 taskrun report "$T/s"
	cpu=$(awk -F'\t' '$2 ~ /^(done|fail|cancel|lost)$/ { c += $9 + $10 } END { printf "%.3f", c }' "$j")
	ctl=$(awk -F'\t' '$2 == "end" { c += $9 + $10 } END { printf "%.3f", c }' "$j")
	[ "${lines[0]}" = "tasks: 4 total, 4 done, 0 failed, 0 not done" ]
	[ "${lines[1]}" = "attempts: 4 (0 failed, 0 lost, 0 cancelled)" ]
	[[ "${lines[3]}" == "task cpu: $cpu s "* ]]
	[[ "${lines[4]}" == "controller cpu: $ctl s "* ]]
	for t in 1 2 3 4; do
		row=$(printf '%s\n' "${lines[@]}" | awk -v t=$t '$1 == t && $2 == "done"')
		want=$(awk -F'\t' -v t=$t '$2 == "done" && $3 == t { printf "%.3f %.3f %.3f", $8, $9 + $10, ($9 + $10) / $8 }' "$j")
		[ "$(echo "$row" | awk '{ print $6, $7, $9 }')" = "$want" ]
		# CPU / wall of a CPU-bound loop under taskrun: near 1 on an
		# idle machine, and never far below the loop run directly.
		awk -v e="$(echo "$row" | awk '{ print $9 }')" -v r="$eref" \
			'BEGIN { exit !(e > 0.6 * r && e <= 1.05) }'
	done
	host=$(printf '%s\n' "${lines[@]}" | awk '$1 == ":"')
	awk -v e="$(echo "$host" | awk '{ print $9 }')" -v r="$eref" 'BEGIN { exit !(e > 0.5 * r && e <= 1.05) }'
	run -0 taskrun report --html "$T/s"
	[[ "$output" == "<!DOCTYPE html>"* ]]
	[[ "$output" == *"<svg"* ]]
	[[ "$output" == *"Efficiency per host"* ]]
	! grep -qE '(src|href)=|https?://[^w]|@import' <<<"$output"
}

@test "taskrun reads a YAML job file and reports its errors with line and column" {
	cat >"$T/job.yaml" <<-EOF
	command: "echo {}"
	args: [alpha, "b c"]
	tasks:
	  - echo first
	  - {cmd: "tr a-z A-Z", stdin: "$T/job.yaml", stdout: "$T/upper"}
	hosts: ["2/:"]
	options: {retries: 1, speculate: false}
	EOF
	run -0 --separate-stderr taskrun -J "$T/job.yaml" -s "$T/s"
	[ "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' '|')" = "alpha|b c|first|" ]
	[ "$(head -n 1 "$T/upper")" = 'COMMAND: "ECHO {}"' ]
	printf 'tasks:\n  - [a, b]\n' >"$T/bad.yaml"
	run -2 --separate-stderr taskrun -J "$T/bad.yaml"
	[ "$stderr" = "taskrun: $T/bad.yaml: line 2, column 5: expected a command line or a mapping with cmd" ]
	printf 'tasks: [a\n' >"$T/bad2.yaml"
	run -2 --separate-stderr taskrun -J "$T/bad2.yaml"
	[[ "$stderr" == "taskrun: $T/bad2.yaml: line 2, column 1: "* ]]
	printf 'options: {bogus: 1}\n' >"$T/bad3.yaml"
	run -2 --separate-stderr taskrun -J "$T/bad3.yaml"
	[ "$stderr" = "taskrun: $T/bad3.yaml: unknown option 'bogus'" ]
}
