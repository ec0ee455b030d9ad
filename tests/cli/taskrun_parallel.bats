#!/usr/bin/env bats
# taskrun against GNU parallel as the reference: the same command lines run
# through both, and their output (sorted where the order is not promised,
# exact with -k), exit status, --joblog columns and --dry-run lines are
# compared.  Skipped where GNU parallel is not installed.
bats_require_minimum_version 1.5.0

setup() {
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	command -v parallel >/dev/null || skip "GNU parallel is not installed"
	T=$(mktemp -d)
	export T
	# GNU parallel (20221122) runs a remote task through $SHELL; with
	# SHELL unset, as under cron or CI, every -S task prints nothing and
	# parallel still exits 0 (env -i reproduces it).  taskrun does not
	# need it; the reference does.
	export SHELL="${SHELL:-/bin/sh}"
}

teardown() {
	rm -rf "$T"
}

# both ARGS...: runs "parallel --will-cite ARGS" and "taskrun ARGS"; sets
# P_OUT P_ERR P_RC and T_OUT T_ERR T_RC.  Markers $T/m.* that tasks leave
# are removed before each.
both() {
	P_RC=0 T_RC=0
	rm -f "$T"/m.*
	parallel --will-cite "$@" >"$T/p.out" 2>"$T/p.err" || P_RC=$?
	rm -f "$T"/m.*
	taskrun "$@" >"$T/t.out" 2>"$T/t.err" || T_RC=$?
	P_OUT=$(cat "$T/p.out") P_ERR=$(cat "$T/p.err")
	T_OUT=$(cat "$T/t.out") T_ERR=$(cat "$T/t.err")
}

# same: the outputs and statuses of the last "both" are equal, exactly.
same() {
	if [ "$P_OUT" != "$T_OUT" ] || [ "$P_RC" != "$T_RC" ]; then
		printf 'parallel (status %s):\n%s\ntaskrun (status %s):\n%s\n' "$P_RC" "$P_OUT" "$T_RC" "$T_OUT"
		return 1
	fi
}

# same_sorted: the same lines in any order, and the same status.
same_sorted() {
	P_OUT=$(sort <<<"$P_OUT") T_OUT=$(sort <<<"$T_OUT")
	same
}

@test "parallel and taskrun: several ::: groups give every combination in parallel's order" {
	both -k echo {1}-{2} ::: a b ::: 1 2
	same
	[ "$T_OUT" = $'a-1\na-2\nb-1\nb-2' ]
	[ "$T_ERR" = "" ]
	# Without -k the order is not promised, the set of lines is.
	both -j 2 'sleep 0.0{2}; echo {2} {1} {3}' ::: a b c ::: 3 1 2 ::: p q
	same_sorted
	[ "$(wc -l <<<"$T_OUT")" = 18 ]
}

@test "parallel and taskrun: :::+ links a source to the one before, up to the shortest" {
	both -k echo ::: a b c :::+ 1 2 3
	same
	[ "$T_OUT" = $'a 1\nb 2\nc 3' ]
	both -k echo {4} {3} {2} {1} ::: a b c :::+ 1 2 ::: x y :::+ 7 8 9
	same
	[ "$T_OUT" = $'7 x 1 a\n8 y 1 a\n7 x 2 b\n8 y 2 b' ]
}

@test "parallel and taskrun: :::: files, alone and mixed with :::" {
	printf 'f1\nf 2\n' >"$T/f"
	printf 'g1\n' >"$T/g"
	both -k echo {2} {1} ::: a b :::: "$T/f"
	same
	[ "$T_OUT" = $'f1 a\nf 2 a\nf1 b\nf 2 b' ]
	both -k echo :::: "$T/f" "$T/g" ::::+ "$T/f" ::: z
	same
	[ "$T_OUT" = $'f1 g1 f1 z\nf 2 g1 f1 z' ]
	# Arguments are lines as they are: an empty one counts, a CR stays.
	printf 'a\n\nb\r\n' >"$T/e"
	both -k echo x{}y :::: "$T/e"
	same
	[ "$T_OUT" = $'xay\nxy\nxb\ry' ]
	both -k -a "$T/e" echo x{}y
	same
}

@test "parallel and taskrun: -a more than once, or with ::: and ::::, is a source of its own, first" {
	printf 'x y\nz\n' >"$T/f"
	printf '1\n2\n' >"$T/g"
	both -k -a "$T/f" -a "$T/g" echo {2}-{1}
	same
	[ "$T_OUT" = $'1-x y\n2-x y\n1-z\n2-z' ]
	both -k -a "$T/g" echo ::: p q
	same
	[ "$T_OUT" = $'1 p\n1 q\n2 p\n2 q' ]
	both -k -a "$T/g" echo :::: "$T/f"
	same
	[ "$T_OUT" = $'1 x y\n1 z\n2 x y\n2 z' ]
	# A :::+ right after -a is not linked to it.
	both -k -a "$T/g" echo :::+ p q
	same
	[ "$T_OUT" = $'1 p\n1 q\n2 p\n2 q' ]
}

@test "parallel and taskrun: without a command, the arguments are the command lines" {
	printf 'echo A\nprintf B\n' >"$T/c"
	printf '1\n2\n' >"$T/g"
	both -k ::: 'echo a' 'echo "b  c"'
	same
	[ "$T_OUT" = $'a\nb  c' ]
	both -k ::: echo 'printf %s-' ::: x y
	same
	[ "$T_OUT" = $'x\ny\nx-y-' ]
	both -k :::: "$T/c"
	same
	[ "$T_OUT" = $'A\nB' ]
	both -k -a "$T/c" -a "$T/g"
	same
	[ "$T_OUT" = $'A 1\nA 2\nBB' ]
	both -k --tag ::: 'echo a'
	same
	[ "$T_OUT" = $'echo a\ta' ]
}

@test "parallel and taskrun: {} {.} {/} {//} {/.} and {N} with the same forms" {
	both -k echo '{1},{1.},{1/},{1//},{1/.},{2},{2.},{2/},{2//},{2/.},{},{.},{/},{//},{/.},{#},{3}' \
		::: dir/a.b.c /x/y.tar.gz noext ::: 'sp ace/f.x' .hidden
	same
	[ "$(sed -n 1p <<<"$T_OUT")" = "dir/a.b.c,dir/a.b,a.b.c,dir,a.b,sp ace/f.x,sp ace/f,f.x,sp ace,f,dir/a.b.c sp ace/f.x,dir/a.b sp ace/f,a.b.c f.x,dir sp ace,a.b f,1," ]
	[ "$(sed -n 6p <<<"$T_OUT")" = "noext,noext,noext,.,noext,.hidden,,.hidden,.,,noext .hidden,noext ,noext .hidden,. .,noext ,6," ]
	# Counted from the last source: {-1} is the last, {-2/.} the base
	# name without extension of the one before.
	both -k echo '{-1},{-1.},{-1/},{-1//},{-1/.},{-2},{-2/.},{-3}' ::: dir/a.b.c noext ::: 'sp ace/f.x' ::: z
	same
	[ "$T_OUT" = $'z,z,z,.,z,sp ace/f.x,f,dir/a.b.c\nz,z,z,.,z,sp ace/f.x,f,noext' ]
}

@test "parallel and taskrun: {//} is the directory as dirname gives it, trailing and doubled slashes too" {
	# GNU parallel's {//} is Perl's File::Basename::dirname, which drops
	# trailing slashes first (ls -d */ gives "dir/": its {//} is "."),
	# and the slashes before the last part; {/} is what follows the last
	# slash, empty after a trailing one.
	both -k echo '{//}:{1//}:{/}:{/.}' ::: a/ a//b / // a/b// /a a// ../ 'a b/' //a// x/. ''
	same
	[ "$T_OUT" = $'.:.::\na:a:b:b\n/:/::\n/:/::\na:a::\n/:/:a:a\n.:.::\n.:.::\n.:.::\n/:/::\nx:x:.:\n.:.::' ]
	# dirname(1) agrees on every one.
	while IFS= read -r a; do
		[ "$(taskrun echo '{//}' ::: "$a")" = "$(dirname -- "$a")" ] || { echo "$a"; false; }
	done <<<$'a/\na//b\n/\n//\na/b//\n/a\na//\n../\na b/\n//a//\nx/.\ndir/f.x'
}

@test "parallel and taskrun: arguments with spaces, quotes, \$, * and unicode reach the command unchanged" {
	args=("a b" "it's" "'" '$HOME "x"' '*' 'ünïcødé ✓' '`id`;true' 'back\slash' 'tab	in' '' '-n' 'a,b=c:d@e%f^g~h')
	both -k "printf '[%s]\n'" ::: "${args[@]}"
	same
	[ "$(sed -n 1p <<<"$T_OUT")" = "[a b]" ]
	[ "$(sed -n 5p <<<"$T_OUT")" = "[*]" ]
	[ "$(wc -l <<<"$T_OUT")" = 12 ]
	# --dry-run prints the same command lines: the same quoting.
	both --dry-run -k "printf '[%s]\n'" {} {//} ::: "${args[@]}"
	same
	[ "$(sed -n 2p <<<"$T_OUT")" = "printf '[%s]\n' 'it'\"'\"'s' ." ]
	[ "$(sed -n 3p <<<"$T_OUT")" = "printf '[%s]\n' \"'\" ." ]
	# Nothing ran.
	[ ! -e "$HOME/\$HOME" ]
}

@test "parallel and taskrun: -k keeps task order whatever the finishing order" {
	both -k -j 4 'sleep 0.{}; echo {}' ::: 4 3 2 1
	same
	[ "$T_OUT" = $'4\n3\n2\n1' ]
}

@test "parallel and taskrun: {%}, {#}, PARALLEL_SEQ and PARALLEL_JOBSLOT" {
	both -k -j 1 'echo $PARALLEL_SEQ $PARALLEL_JOBSLOT {%} {#} {}' ::: a b c
	same
	[ "$T_OUT" = $'1 1 1 1 a\n2 1 1 2 b\n3 1 1 3 c' ]
	# With 3 slots and tasks that overlap, slots 1 to 3 are used, and a
	# task's {%} is its PARALLEL_JOBSLOT.
	both -j 3 '[ {%} = $PARALLEL_JOBSLOT ] && sleep 0.3 && echo {%}' ::: 1 2 3 4 5 6
	P_OUT=$(sort -u <<<"$P_OUT") T_OUT=$(sort -u <<<"$T_OUT")
	same
	[ "$T_OUT" = $'1\n2\n3' ]
	# Over several hosts {%} counts over all of them (1 to 4 for two
	# hosts of 2 slots), and TASKRUN_SLOT is the slot on the task's host.
	myssh
	agent="$BATS_TEST_DIRNAME/../../bin/taskrun agent"
	# Each task waits for the four to run (at most 20 s), as the agent of
	# the second host may be slow to start.
	cmd='touch $T/b.{#}; i=0; while [ $(ls $T/b.* | wc -l) -lt 4 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; echo {%} $PARALLEL_JOBSLOT {#}'
	rm -f "$T"/b.*
	parallel --will-cite -S "2/:,2/$T/myssh node4" "$cmd" ::: 1 2 3 4 >"$T/p.out"
	rm -f "$T"/b.*
	taskrun -S "2/:,2/$T/myssh node4" --agent "$agent" --joblog "$T/j.log" "$cmd"' $TASKRUN_SLOT' ::: 1 2 3 4 \
		>"$T/t.out"
	[ "$(cut -d ' ' -f 1,2 "$T/p.out" | sort)" = $'1 1\n2 2\n3 3\n4 4' ]
	[ "$(cut -d ' ' -f 1,2 "$T/t.out" | sort)" = $'1 1\n2 2\n3 3\n4 4' ]
	[ "$(cut -d ' ' -f 4 "$T/t.out" | sort | tr '\n' ' ')" = "1 1 2 2 " ]
	# --joblog writes each task's command with the {%} it ran with.
	[ "$(awk -F'\t' 'NR > 1 { n = split($9, w, " "); print $1, w[n - 3] }' "$T/j.log" | sort)" = \
		"$(awk '{ print $3, $1 }' "$T/t.out" | sort)" ]
}

@test "parallel and taskrun: --dry-run's {%}" {
	# GNU parallel's dry run runs each job as true, which ends about when
	# the next starts: with one slot {%} is always 1, with more mostly 1
	# and 2 (1 2 1 2 ... or 1 1 2 1 2 ...; 3 too on a loaded machine: its
	# timing).  taskrun prints 1 2 1 2 ..., the same set of slot numbers.
	both --dry-run -j 1 'echo {%} {#}' ::: a b c
	same
	[ "$T_OUT" = $'echo 1 1\necho 1 2\necho 1 3' ]
	run -0 taskrun --dry-run -j 3 'echo {%} {#}' ::: a b c d e f
	[ "$output" = $'echo 1 1\necho 2 2\necho 1 3\necho 2 4\necho 1 5\necho 2 6' ]
	run -0 taskrun --dry-run -S 1/:,1/node2 'echo {%}' ::: a b c
	[ "$output" = $'echo 1\necho 2\necho 1' ]
}

@test "taskrun: a command line runs in /bin/sh, as GNU parallel's with PARALLEL_SHELL=/bin/sh" {
	# GNU parallel runs it in the shell that started parallel (here
	# bats's bash); taskrun in /bin/sh on every host.  "; true" keeps the
	# shell from exec'ing readlink in its place.
	run -0 taskrun 'readlink -f /proc/$$/exe; true' ::: a
	[ "$output" = "$(readlink -f /bin/sh)" ]
	PARALLEL_SHELL=/bin/sh both -k 'readlink -f /proc/$$/exe; echo {}' ::: 'a\tb' 'c\\d'
	same
}

@test "parallel and taskrun: --dry-run --tag starts each line with the arguments" {
	both -k --dry-run --tag echo {} ::: a 'b c'
	same
	[ "$T_OUT" = $'a\techo a\nb c\techo \'b c\'' ]
	both -k --dry-run --tag echo {1}{2} ::: a b ::: 1
	same
	[ "$T_OUT" = $'a 1\techo a1\nb 1\techo b1' ]
}

@test "parallel and taskrun: -j N, N%, +N, -N and 0 give the same number of slots" {
	ncpu=$(nproc)
	for j in 50% 150% +1 -1 0; do
		case $j in
		50%) n=$((ncpu / 2)) ;;
		150%) n=$((ncpu * 3 / 2)) ;;
		+1) n=$((ncpu + 1)) ;;
		-1) n=$((ncpu - 1)) ;;
		0) n=3 ;;
		esac
		n=$((n < 1 ? 1 : n > 3 ? 3 : n))
		# Each task waits (at most 20 s) until n have started, so the
		# slots in use do not depend on how fast a busy machine starts
		# them: n slots show n numbers, fewer or more slots do not.
		both -j "$j" 'touch $T/m.{#}; i=0; while [ $(ls $T/m.* | wc -l) -lt '"$n"' ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; echo {%}' ::: $(seq 3)
		P_OUT=$(sort -un <<<"$P_OUT") T_OUT=$(sort -un <<<"$T_OUT")
		same || { echo "-j $j"; false; }
		[ "$(tail -1 <<<"$T_OUT")" = "$n" ]
	done
}

@test "parallel and taskrun: --tag starts each line of stdout and stderr with the arguments" {
	both -k --tag 'echo out {2}; echo err {1} >&2; printf "no newline"' ::: a 'b c' ::: 1 2
	same
	[ "$T_ERR" = "$P_ERR" ]
	[ "$(sed -n 1p <<<"$T_OUT")" = $'a 1\tout 1' ]
	[ "$(sed -n 2p <<<"$T_OUT")" = $'a 1\tno newlinea 2\tout 2' ]
	[ "$(sed -n 4p <<<"$T_ERR")" = $'b c 2\terr b c' ]
}

@test "parallel and taskrun: stdout and stderr are grouped per task" {
	cmd='for i in 1 2 3; do echo {} out $i; echo {} err $i >&2; sleep 0.05; done'
	both -k -j 3 "$cmd" ::: a b c
	same
	[ "$T_ERR" = "$P_ERR" ]
	[ "$(sed -n 4p <<<"$T_OUT")" = "b out 1" ]
	# Without -k each task's lines stay together, in any task order.
	both -j 3 "$cmd" ::: a b c
	for out in "$T_OUT" "$T_ERR" "$P_OUT" "$P_ERR"; do
		[ "$(cut -c1 <<<"$out" | uniq | wc -l)" = 3 ]
	done
	same_sorted
}

@test "parallel and taskrun: --line-buffer passes whole lines as they come" {
	# a prints a1, waits for b to print b1, then prints a2: line by line
	# gives a1 b1 a2; grouped gives b's output, then a's.
	cmd='if [ {} = a ]; then echo a1; touch $T/m1; while [ ! -e $T/m2 ]; do sleep 0.05; done; sleep 0.3; printf "a2 unfinished"
else while [ ! -e $T/m1 ]; do sleep 0.05; done; sleep 0.3; echo b1; touch $T/m2; fi'
	for mode in --line-buffer --group; do
		rm -f "$T/m1" "$T/m2"
		parallel --will-cite $mode -j 2 "$cmd" ::: a b >"$T/p.out"
		rm -f "$T/m1" "$T/m2"
		if [ $mode = --group ]; then taskrun -j 2 "$cmd" ::: a b; else taskrun $mode -j 2 "$cmd" ::: a b; fi >"$T/t.out"
		cmp "$T/p.out" "$T/t.out"
	done
	[ "$(cat "$T/t.out")" = $'b1\na1\na2 unfinished' ]
	rm -f "$T/m1" "$T/m2"
	taskrun --line-buffer -j 2 "$cmd" ::: a b >"$T/t.out"
	[ "$(cat "$T/t.out")" = $'a1\nb1\na2 unfinished' ]
}

@test "parallel and taskrun: --joblog has the same columns, one line per task, for its last run" {
	cmd='echo out {}; echo e >&2; [ {} != 4 ] || kill -TERM $$; exit {}'
	parallel --will-cite -k --joblog "$T/p.log" --retries 2 "$cmd" ::: 0 3 4 0 >/dev/null 2>&1 || true
	run -2 taskrun -k --joblog "$T/t.log" --retries 2 "$cmd" ::: 0 3 4 0
	[ "$(head -1 "$T/t.log")" = "$(head -1 "$T/p.log")" ]
	[ "$(head -1 "$T/t.log")" = $'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand' ]
	cols() { tail -n +2 "$1" | sort -n | cut -f 1,2,5-; }
	[ "$(cols "$T/t.log")" = "$(cols "$T/p.log")" ]
	[ "$(cols "$T/t.log" | sed -n 3p)" = $'3\t:\t0\t6\t0\t15\techo out 4; echo e >&2; [ 4 != 4 ] || kill -TERM $$; exit 4' ]
	# Starttime is seconds since the epoch, JobRuntime seconds, as parallel
	# writes them.
	now=$(date +%s)
	awk -F'\t' -v now="$now" 'NR > 1 && !($3 ~ /^[0-9]+\.[0-9][0-9][0-9]$/ && $3 > now - 60 && $3 <= now + 1 &&
		$4 ~ /^ *[0-9]+\.[0-9][0-9][0-9]$/ && length($4) == 10) { bad = 1 } END { exit bad }' "$T/t.log"
	# {%} is written as it ran.
	both --joblog "$T/j.log" -j 1 true {%} {} ::: a
	[ "$(cut -f 9 "$T/j.log" | tail -1)" = "true 1 a" ]
}

@test "parallel and taskrun: --joblog +FILE appends without a header, a new FILE too" {
	cd "$T"
	both --joblog +p.log echo {} ::: a
	[ "$T_RC" = 0 ] && [ ! -e +p.log ] || { echo "taskrun: status $T_RC, $(ls)"; false; }
	# parallel appended one line to a new file, taskrun after it: no header.
	[ "$(cut -f 1,2,5- p.log)" = $'1\t:\t0\t2\t0\t0\techo a\n1\t:\t0\t2\t0\t0\techo a' ]
	parallel --will-cite --joblog p2.log echo {} ::: a >/dev/null
	parallel --will-cite --joblog +p2.log echo {} ::: b >/dev/null
	taskrun --joblog t.log echo {} ::: a >/dev/null
	taskrun --joblog +t.log echo {} ::: b >/dev/null
	[ "$(cut -f 1,2,5- t.log)" = "$(cut -f 1,2,5- p2.log)" ]
	[ "$(cut -f 9 t.log)" = $'Command\necho a\necho b' ]
	# A file that cannot be opened is named, exit 1.
	run -1 --separate-stderr taskrun --joblog +no/j.log echo ::: a
	[ "$stderr" = "taskrun: no/j.log: No such file or directory" ]
}

@test "parallel and taskrun: --joblog's Send is the bytes of stdin, Receive of stdout" {
	# GNU parallel --pipe sends each task a block of 2 lines; taskrun
	# --stdin streams the same blocks from files; the third is 300 kB, more
	# than taskrun's stdin window and pipe buffers.
	{ printf 'a\nbb\n'; printf 'ccc\ndddd\n'; head -c 150000 /dev/zero | tr '\0' x; echo; head -c 150000 /dev/zero | tr '\0' y; echo; } >"$T/in"
	sed -n 1,2p "$T/in" >"$T/in1"
	sed -n 3,4p "$T/in" >"$T/in2"
	sed -n 5,6p "$T/in" >"$T/in3"
	parallel --will-cite -k --pipe -N 2 --block 1M --joblog "$T/p.log" 'cat; echo out' <"$T/in" >"$T/p.out"
	taskrun -k --joblog "$T/t.log" --stdin "$T/in{}" 'cat; echo out; : {}' ::: 1 2 3 >"$T/t.out"
	cmp "$T/p.out" "$T/t.out"
	cols() { tail -n +2 "$1" | sort -n | cut -f 1,5-8; }
	[ "$(cols "$T/t.log")" = "$(cols "$T/p.log")" ]
	[ "$(cols "$T/t.log")" = $'1\t5\t9\t0\t0\n2\t9\t13\t0\t0\n3\t300002\t300006\t0\t0' ]
	# Without stdin Send is 0; Receive counts output to a --stdout file too.
	taskrun --joblog "$T/t.log" --stdout "$T/o{}" 'echo {}' ::: abc
	[ "$(tail -n +2 "$T/t.log" | cut -f 5,6)" = $'0\t4' ]
}

@test "parallel and taskrun: --retries N is N runs in all" {
	parallel --will-cite --retries 3 "echo run >>$T/runs.p; exit 1" ::: x 2>/dev/null || true
	taskrun --retries 3 "echo run >>$T/runs.t; exit 1" ::: x 2>/dev/null || true
	[ "$(wc -l <"$T/runs.t")" = 3 ]
	[ "$(wc -l <"$T/runs.p")" = 3 ]
	run -1 --separate-stderr taskrun --retries 1 "echo run >>$T/runs.1; exit 1" ::: x
	[ "$(wc -l <"$T/runs.1")" = 1 ]
	# The output printed is the last run's, once.
	both -k --retries 3 'echo $PARALLEL_SEQ; [ -e $T/ok{} ] || { touch $T/ok{}; exit 1; }' ::: 1 2
	same
	[ "$T_OUT" = $'1\n2' ]
	# 0 is no limit, as in GNU parallel: a task that fails 5 times runs a
	# sixth and succeeds (taskrun said 0 is 1 and stopped after one run).
	parallel --will-cite --retries 0 'echo r >>$T/n.{}; [ $(wc -l <$T/n.{}) -ge 6 ] && echo ok' ::: p >"$T/p.out"
	run -0 taskrun --retries 0 'echo r >>$T/n.{}; [ $(wc -l <$T/n.{}) -ge 6 ] && echo ok' ::: t
	[ "$output" = ok ] && [ "$(cat "$T/p.out")" = ok ]
	[ "$(wc -l <"$T/n.p")" = 6 ] && [ "$(wc -l <"$T/n.t")" = 6 ]
}

@test "parallel and taskrun: the exit status is the number of failed tasks, at most 101" {
	both -k 'echo {}; exit {}' ::: 0 1 2 0 7
	same
	[ "$T_RC" = 3 ]
	both true ::: a
	same
	[ "$T_RC" = 0 ]
	# More than 100 failed: 101 (parallel is slow at this, so taskrun alone).
	run -101 --separate-stderr taskrun -r 1 -j 4 'exit {}' ::: $(seq 0 105)
	[ "${#stderr_lines[@]}" = 105 ]
}

@test "parallel and taskrun: --halt now and soon, on failures and successes, counts and percentages" {
	both -j 1 -k --halt now,fail=1 'echo {}; exit {}' ::: 0 2 0 0
	same
	[ "$T_OUT" = $'0\n2' ]
	[ "$T_RC" = 2 ]
	[ "$T_ERR" = $'taskrun: This job failed:\necho 2; exit 2\ntaskrun: task 2: exited with status 2: echo 2; exit 2' ]
	both -j 1 -k --halt soon,fail=2 'echo {}; exit {}' ::: 0 2 3 0 0
	same
	[ "$T_RC" = 2 ]
	both -j 1 -k --halt soon,success=2 'echo {}; exit {}' ::: 1 0 1 0 0
	same
	[ "$T_OUT" = $'1\n0\n1\n0' ]
	# A percentage of all the tasks; the status is then the percentage of
	# failed tasks, rounded up, halted or not.
	both -j 1 -k --halt now,fail=50% 'echo {}; exit {}' ::: 1 0 1 0
	same
	[ "$T_OUT" = $'1\n0\n1' ]
	[ "$T_RC" = 50 ]
	both -j 1 -k --halt now,fail=50% 'echo {}; exit {}' ::: 0 1 0 1 0 0
	same
	[ "$T_RC" = 34 ]
	# done counts both.
	both -j 1 -k --halt soon,done=2 'echo {}; exit {}' ::: 0 5 0 0
	same
	[ "$T_OUT" = $'0\n5' ]
	[ "$T_RC" = 1 ]
	# now kills the running tasks, soon waits for them.
	both -j 2 -k --halt now,fail=1 'sleep 0.{}; echo {}; exit {}' ::: 3 9
	same
	[ "$T_OUT" = "3" ]
	[ "$T_RC" = 3 ]
	both -j 2 -k --halt soon,fail=1 'sleep 0.{}; echo {}; exit {}' ::: 3 6
	same
	[ "$T_OUT" = $'3\n6' ]
}

# same_err: the last "both"'s stderr, taskrun's own lines for each failed
# task (which parallel does not print) left out and parallel's name made
# taskrun's, are the same.
same_err() {
	local p t
	p=$(sed 's/^parallel:/taskrun:/' <<<"$P_ERR")
	t=$(grep -v '^taskrun: task [0-9]*: ' <<<"$T_ERR" || true)
	if [ "$p" != "$t" ]; then
		printf 'parallel stderr:\n%s\ntaskrun stderr:\n%s\n' "$P_ERR" "$T_ERR"
		return 1
	fi
}

@test "parallel and taskrun: --halt's old numeric forms 0, 1, 2, -1, -2 and N%, with parallel's messages" {
	# What each gives, as parallel 20221122 gives it: 0 runs the five
	# tasks, 1 and 2 stop after the first failure with its status, -1 and
	# -2 after the first success, 50% never halts and exits with the
	# percentage failed (2 of 5).
	for h in 0 1 2 -1 -2 50%; do
		both -j 1 -k --halt $h 'echo {}; exit {}' ::: 0 2 0 3 0
		same || { echo "--halt $h"; false; }
		same_err || { echo "--halt $h"; false; }
		case $h in
		0) [ "$T_OUT" = $'0\n2\n0\n3\n0' ] && [ "$T_RC" = 2 ] &&
			[ "$T_ERR" = $'taskrun: task 2: exited with status 2: echo 2; exit 2\ntaskrun: task 4: exited with status 3: echo 3; exit 3' ] ;;
		1 | 2) [ "$T_OUT" = $'0\n2' ] && [ "$T_RC" = 2 ] && [ "$P_ERR" = $'parallel: This job failed:\necho 2; exit 2' ] ;;
		-1 | -2) [ "$T_OUT" = 0 ] && [ "$T_RC" = 0 ] && [ "$T_ERR" = $'taskrun: This job succeeded:\necho 0; exit 0' ] ;;
		50%) [ "$T_OUT" = $'0\n2\n0\n3\n0' ] && [ "$T_RC" = 40 ] && [ "$(grep -c '^taskrun: This job failed:$' <<<"$T_ERR")" = 2 ] ;;
		esac || { echo "--halt $h: $T_OUT, $T_RC, $T_ERR"; false; }
	done
	# A failure before the success: taskrun names it too, in task order
	# with -k.
	both -j 1 -k --halt -2 'echo {}; exit {}' ::: 2 0 3 0
	same
	same_err
	[ "$T_ERR" = $'taskrun: This job succeeded:\necho 0; exit 0\ntaskrun: task 1: exited with status 2: echo 2; exit 2' ]
	# 1 is soon: the running tasks end, each named as it ends, and the
	# ones still running are counted as parallel counts them.  Each task
	# waits (20 s at most) until the three have started, so that a busy
	# machine's slow starts do not change the count.
	w='touch $T/m.{#}; i=0; while [ $(ls $T/m.* | wc -l) -lt 3 ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done'
	both -j 3 --halt 1 "$w; sleep {}; exit 1" ::: 0 1 2
	same
	same_err
	[ "$P_RC" = 1 ]
	[ "$(grep '^taskrun: [SW]' <<<"$T_ERR")" = $'taskrun: Starting no more jobs. Waiting for 2 jobs to finish.\ntaskrun: Starting no more jobs. Waiting for 1 jobs to finish.' ]
	[ "$(grep -c '^taskrun: This job failed:$' <<<"$T_ERR")" = 3 ]
	# 2 is now: the running ones are killed without a word.
	both -j 3 --halt 2 'sleep {}; exit 1' ::: 0.2 3 3
	same
	same_err
	[ "$P_ERR" = $'parallel: This job failed:\nsleep 0.2; exit 1' ]
	# done and success name what they count.
	both -j 1 -k --halt now,done=3 'echo {}; exit {}' ::: 0 2 0 3 0
	same
	same_err
	[ "$(grep -c '^taskrun: This job finished:$' <<<"$T_ERR")" = 3 ]
	both -j 1 -k --halt soon,success=2 'echo {}; exit {}' ::: 0 2 0 3 0
	same
	same_err
	# Not a form parallel knows: a usage error, with the forms.
	for h in 3 -3 01 +1 0% 101% 1.5; do
		run -2 --separate-stderr taskrun --halt "$h" true ::: 1
		[ "$stderr" = "taskrun: invalid halt '$h' (expected now|soon,fail=N|success=N|done=N, N a count or a percentage, or never, 0, 1, 2, -1, -2 or N%)" ]
	done
}

@test "parallel and taskrun: an empty ::: is one empty argument beside other sources, and no task alone" {
	: >"$T/empty"
	for args in "echo x{}y :::" "echo :::" "echo ::: :::" "echo z{} :::: $T/empty" "-a $T/empty echo z{}"; do
		# shellcheck disable=SC2086
		both -k $args
		same || { echo "$args"; false; }
		[ "$T_OUT" = "" ] && [ "$T_RC" = 0 ] && [ "$T_ERR" = "" ]
	done
	both -k echo {1}-{2} ::: a b :::
	same
	[ "$T_OUT" = $'a-\nb-' ]
	both -k echo {1}-{2} ::: ::: a b
	same
	[ "$T_OUT" = $'-a\n-b' ]
	# A linked empty source is one empty argument: linked sources stop at
	# the shortest.
	both -k echo {1}-{2} ::: a b :::+
	same
	[ "$T_OUT" = 'a-' ]
	both -k echo {1}-{2}-{3} ::: :::+ 1 2 ::: x y
	same
	[ "$T_OUT" = $'-1-x\n-1-y' ]
	both -k echo {2}-{1} :::: "$T/empty" ::: a
	same
	[ "$T_OUT" = 'a-' ]
	both -k -a "$T/empty" echo ::: a
	same
	[ "$T_OUT" = ' a' ]
	# The empty argument is quoted as any other: '' on the command line.
	both --dry-run -k echo x {2} ::: a :::
	same
	[ "$T_OUT" = "echo x ''" ]
}

@test "parallel and taskrun: --halt percentages, case by case" {
	# A percentage that is one task (25% of 4) halts with its status.
	both -j 1 -k --halt now,fail=25% 'echo {}; exit {}' ::: 0 3 0 0
	same
	[ "$T_OUT" = $'0\n3' ]
	[ "$T_RC" = 3 ]
	# The status is fixed when it halts: 2 of 4 failed, 50, though the
	# two tasks left running by soon fail too.
	both -j 3 -k --halt soon,fail=50% 'sleep {}; exit 1' ::: 0.1 0.3 0.5 0
	same
	[ "$T_RC" = 50 ]
	# Not halted, any percentage gives the failed share of the tasks: 2
	# of 3 (success=50% never reached): 67.
	both -j 1 -k --halt soon,success=50% 'echo {}; exit {}' ::: 1 1 0
	same
	[ "$T_RC" = 67 ]
	# parallel divides by its jobs started, each retry counted (here 1 of
	# 4 runs: 25, measured with parallel 20221122), taskrun by the tasks
	# (1 of 3: 34), as the man page says.
	run -34 --separate-stderr taskrun -j 1 -k --retries 2 --halt soon,fail=90% 'echo {}; exit {}' ::: 1 0 0
	[ "$output" = $'1\n0\n0' ]
	# parallel computes N% of the tasks in floating point: 28% of 25 is
	# 7.000000000000001, so the 8th failure halts (8 of 25: 32).
	both -j 1 -k --halt now,fail=28% 'echo {#}; exit {}' ::: 1 1 1 1 1 1 1 1 $(yes 0 | head -n 17)
	same
	[ "$T_OUT" = "$(seq 8)" ]
	[ "$T_RC" = 32 ]
}

# myssh: writes $T/myssh, a stand-in for ssh that logs its words and runs
# the command here, as both tools are given it: a host line "N/command
# words host".
myssh() {
	cat >"$T/myssh" <<-'EOF'
	#!/bin/sh
	echo "$*" >>"$T/ssh.log"
	while [ $# -gt 0 ]; do
		case $1 in
		-p | -o | -l) shift 2 ;;
		--) shift; break ;;
		-*) shift ;;
		*) shift; break ;;
		esac
	done
	[ "$1" != -- ] || shift
	exec sh -c "$*"
	EOF
	chmod +x "$T/myssh"
}

@test "parallel and taskrun: -S, --sshloginfile and a host that is a whole ssh command" {
	myssh
	agent="$BATS_TEST_DIRNAME/../../bin/taskrun agent"
	printf '2/%s -p 2222 node4\n' "$T/myssh" >"$T/hosts"
	parallel --will-cite -k --sshloginfile "$T/hosts" echo {} '$PARALLEL_SEQ' ::: a 'b c' d >"$T/p.out"
	[ "$(cat "$T/p.out")" = $'a 1\nb c 2\nd 3' ]
	grep -q -- '-p 2222 node4' "$T/ssh.log"
	: >"$T/ssh.log"
	taskrun -k --sshloginfile "$T/hosts" --agent "$agent" echo {} '$PARALLEL_SEQ' ::: a 'b c' d >"$T/t.out"
	cmp "$T/p.out" "$T/t.out"
	[ "$(cat "$T/t.out")" = $'a 1\nb c 2\nd 3' ]
	# One connection for the run, through the host's own command.
	[ "$(cat "$T/ssh.log")" = "-p 2222 node4 $agent" ]
	# -S: the same hosts, comma-separated, ':' for local slots.
	: >"$T/ssh.log"
	parallel --will-cite -k -S ":,1/$T/myssh -p 2222 node4" echo ::: 1 2 3 4 >"$T/p.out"
	taskrun -k -S ":,1/$T/myssh -p 2222 node4" --agent "$agent" echo ::: 1 2 3 4 >"$T/t.out"
	cmp "$T/p.out" "$T/t.out"
	run -2 --separate-stderr taskrun -S : -H "$T/hosts" echo ::: 1
	[ "$stderr" = "taskrun: -S and -H both name hosts: give one of them; try --help" ]
}

@test "taskrun: GNU parallel's perl expressions {= =} are refused, not run as shell words" {
	run -2 --separate-stderr taskrun echo '{= s:\.[^.]+$:: =}' ::: foo.tar.gz
	[ "$stderr" = "taskrun: GNU parallel's perl expressions ({= ... =}) are not supported: use {} {.} {/} {//} {/.} {N} {-N}, or do it in the command" ]
	[ -z "$output" ]
	# Not an expression: run as written.
	run -0 taskrun echo 'a{=b' ::: x
	[ "$output" = "a{=b x" ]
}

@test "taskrun: GNU parallel options with bad values are usage errors with the value" {
	run -2 --separate-stderr taskrun --halt later,fail=1 true ::: 1
	[ "$stderr" = "taskrun: invalid halt 'later,fail=1' (expected now|soon,fail=N|success=N|done=N, N a count or a percentage, or never, 0, 1, 2, -1, -2 or N%)" ]
	run -2 --separate-stderr taskrun --halt now,fail=101% true ::: 1
	[ "$stderr" = "taskrun: invalid halt 'now,fail=101%' (expected now|soon,fail=N|success=N|done=N, N a count or a percentage, or never, 0, 1, 2, -1, -2 or N%)" ]
	run -2 --separate-stderr taskrun -j 5x true ::: 1
	[ "$stderr" = "taskrun: invalid slot count '5x' (expected N, N%, +N, -N or 0)" ]
	run -2 --separate-stderr taskrun echo ::: a :::: 
	[ "$stderr" = "taskrun: :::: without a file" ]
	run -1 --separate-stderr taskrun echo :::: "$T/none"
	[ "$stderr" = "taskrun: $T/none: No such file or directory" ]
	run -1 --separate-stderr taskrun --joblog "$T/no/dir/log" echo ::: a
	[ "$stderr" = "taskrun: $T/no/dir/log: No such file or directory" ]
	[ "$output" = "" ]
}

@test "taskrun: on a terminal, the progress bar is cleared before task output, never glued to it" {
	command -v script >/dev/null || skip "script(1) is not installed"
	run -0 script -qec "taskrun --progress -j 1 'sleep 0.4; echo out {}; echo err {} >&2' ::: 1 2" /dev/null
	# Every output line starts a line of its own on the screen: after the
	# bar is erased (\r ESC[K), or after a newline.
	[[ "$output" == *$'\r\e[K'"out 1"$'\r\n'"err 1"$'\r\n'* ]]
	[[ "$output" == *$'\r\e[K'"out 2"$'\r\n'"err 2"$'\r\n'* ]]
	[[ "$output" != *[0-9]$'\e[K'"out"* ]]
	[[ "$output" == *"[############............]  50% 1/2 tasks  0 failed, "* ]]
}

# both_in FILE ARGS...: "both" with FILE on standard input.
both_in() {
	local in=$1
	shift
	P_RC=0 T_RC=0
	parallel --will-cite "$@" <"$in" >"$T/p.out" 2>"$T/p.err" || P_RC=$?
	taskrun "$@" <"$in" >"$T/t.out" 2>"$T/t.err" || T_RC=$?
	P_OUT=$(cat "$T/p.out") P_ERR=$(cat "$T/p.err")
	T_OUT=$(cat "$T/t.out") T_ERR=$(cat "$T/t.err")
}

@test "parallel and taskrun: --colsep splits ::::, -a, stdin and ::: arguments into columns {1} {2} ..." {
	# A blank column, blanks around columns (trimmed), an empty line (one
	# empty column), a line without the separator, a leading separator.
	printf 'a,b,c\n1,,3\n x , y \n\nlast\n,lead\n' >"$T/csv"
	both -k --colsep , echo '{3}:{2}:{1}:{-1}' :::: "$T/csv"
	same
	[ "$T_OUT" = $'c:b:a:c\n3::1:3\n:y:x:y\n:::\n::last:last\n:lead::lead' ]
	[ "$T_ERR" = "" ]
	both -k -C , -a "$T/csv" echo '[{}]'
	same
	[ "$(sed -n 3p <<<"$T_OUT")" = "[x y]" ]
	both_in "$T/csv" -k --colsep , echo '{2}.'
	same
	[ "$T_OUT" = $'b.\n.\ny.\n.\n.\nlead.' ]
	# Without a placeholder the columns are appended, each quoted.
	both_in "$T/csv" -k --dry-run --colsep , echo
	same
	[ "$T_OUT" = $'echo a b c\necho 1 \'\' 3\necho x y\necho \'\'\necho last\necho \'\' lead' ]
	# Several sources: the columns of each, in order; -a first.
	both -k --colsep - echo {4} {3} {2} {1} ::: A-B C-D ::: e-f g-h
	same
	[ "$T_OUT" = $'f e B A\nh g B A\nf e D C\nh g D C' ]
	printf '1\n2\n' >"$T/n"
	both -k --colsep , -a "$T/n" echo ::: 'p,q'
	same
	[ "$T_OUT" = $'1 p q\n2 p q' ]
	# Without a command, the columns joined by blanks are the command line.
	printf 'echo\t a\nprintf %%s-\tb c\n' >"$T/cmds"
	both_in "$T/cmds" -k --colsep '\t'
	same
	[ "$T_OUT" = "a"$'\n'"b-c-" ]
}

@test "parallel and taskrun: --colsep is a Perl regular expression, split as Perl splits" {
	both -k --colsep '\s*;\s*' echo '{2}/{1}' ::: 'a ; b' 'c;d;e'
	same
	[ "$T_OUT" = $'b/a\nd/c' ]
	# A group is a column too.
	both -k --colsep '(,)' printf "'%s|'" {1} {2} {3} ::: 'a,b'
	same
	[ "$T_OUT" = 'a|,|b|' ]
	both -k --colsep '(?i)X' echo '{3}{2}{1}' ::: 'axbXc'
	same
	[ "$T_OUT" = 'cba' ]
	# Columns with blanks, quotes, $, * and unicode reach the command
	# unchanged; --tag and --joblog show them as parallel does.
	both -k --colsep '\|' --tag --joblog "$T/j.log" printf "'[%s]'" ::: "it's|\$HOME \"x\"|*|ünï ✓"
	same
	[ "$T_OUT" = "it's \$HOME \"x\" * ünï ✓	[it's][\$HOME \"x\"][*][ünï ✓]" ]
	[ "$(tail -1 "$T/j.log" | cut -f 9)" = "printf '[%s]' 'it'\"'\"'s' '\$HOME \"x\"' '*' 'ünï ✓'" ]
	# A bad expression is a usage error, with PCRE2's reason.
	run -2 --separate-stderr taskrun --colsep 'a(b' echo ::: x
	[ "$stderr" = "taskrun: invalid --colsep 'a(b': missing closing parenthesis at offset 3" ]
	[ "$output" = "" ]
}

@test "parallel and taskrun: --trim, and --colsep's trim undone by --trim n" {
	both -k --colsep , --trim n printf "'<%s>'" {1} {2} ::: ' a , b '
	same
	[ "$T_OUT" = '< a >< b >' ]
	for t in l r lr rl; do
		both -k --trim $t --tag printf "'<%s>'" ::: $' \ta b \t'
		same || { echo "--trim $t"; false; }
	done
	[ "$T_OUT" = 'a b	<a b>' ]
	run -2 --separate-stderr taskrun --trim x echo ::: a
	[ "$stderr" = "taskrun: invalid trim 'x' (expected n, l, r, lr or rl)" ]
}

@test "parallel and taskrun: --link and --xapply link the sources, the shorter ones wrapping" {
	both -k --link echo {1} {2} {3} ::: 1 2 ::: I II III ::: a b c d e f g
	same
	[ "$T_OUT" = $'1 I a\n2 II b\n1 III c\n2 I d\n1 II e\n2 III f\n1 I g' ]
	printf 'a,b,c\n1,,3\n x , y \n\nlast\n,lead\n' >"$T/csv"
	printf '1\n2\n3\n' >"$T/n"
	both -k --xapply -a "$T/n" echo ::: p q
	same
	[ "$T_OUT" = $'1 p\n2 q\n3 p' ]
	both -k --link --colsep , echo '{3}-{1}' :::: "$T/csv" ::: x y
	same
	[ "$T_OUT" = $'c-a\n3-1\nx-x\n-\n-last\ny-' ]
	# One source: as without --link.
	both -k --link echo ::: a b
	same
	[ "$T_OUT" = $'a\nb' ]
	# :::+ under --link is linked as the others (GNU parallel 20221122
	# prints the same lines, then fails on a Perl error: not compared).
	run -0 taskrun -k --link echo ::: a b c :::+ 1 2 ::: x
	[ "$output" = $'a 1 x\nb 2 x\nc 1 x' ]
	# An empty source is one empty argument (parallel 20221122 runs
	# nothing and fails: not compared).
	run -0 taskrun -k --link echo 'x{1}-{2}y' ::: a b :::
	[ "$output" = $'xa-y\nxb-y' ]
}

@test "taskrun: --link and --colsep give the same task list on a resume after kill -9" {
	load lab
	printf 'a,1\nb,2\nc,3\nd,4\n' >"$T/csv"
	cmd='echo {1}{2}{3} >>'"$T"'/ran; echo out {1} {2} {3}'
	TASKRUN_TEST_STOP_AFTER_DONE=2 taskrun -s "$T/s" -j 1 -k --colsep , --link "$cmd" :::: "$T/csv" ::: x y \
		>"$T/out" 2>"$T/err" &
	pid=$!
	lab_wait "[ \"\$(awk '{ print \$3 }' /proc/$pid/stat 2>/dev/null)\" = T ]" 10
	[ "$(j_count "$T/s/journal" done)" = 2 ]
	kill -9 "$pid"
	wait "$pid" || true
	lab_wait "[ \"\$(taskrun status '$T/s' | head -n 1)\" = 'controller: not running' ]" 5
	# The same command resumes: tasks 3 and 4 only, each task run once.
	run -0 --separate-stderr taskrun -s "$T/s" -j 1 -k --colsep , --link "$cmd" :::: "$T/csv" ::: x y
	[ "$output" = $'out c 3 x\nout d 4 y' ]
	[ "$(cat "$T/ran")" = $'a1x\nb2y\nc3x\nd4y' ]
	[ "$(j_count "$T/s/journal" done)" = 4 ]
	# Another separator is another task list: refused without --fresh.
	run -1 --separate-stderr taskrun -s "$T/s" -j 1 --colsep ';' --link "$cmd" :::: "$T/csv" ::: x y
	[ "$stderr" = "taskrun: $T/s: the task list differs from the one in the state directory (--fresh starts over)" ]
}

@test "parallel and taskrun: -0, -d and -E read input records as parallel does, ::: arguments too" {
	printf 'a\nb\0c\0\0' >"$T/nul"
	both -k -0 --dry-run echo :::: "$T/nul"
	same
	[ "$T_OUT" = $'echo \'a\nb\'\necho c\necho \'\'' ]
	both_in "$T/nul" -k --null printf "'[%s]'"
	same
	[ "$T_OUT" = $'[a\nb][c][]' ]
	printf 'a\tb c\t\nd' >"$T/tabs"
	both -k -d '\t' --dry-run echo :::: "$T/tabs"
	same
	[ "$T_OUT" = $'echo a\necho \'b c\'\necho \'\nd\'' ]
	# A delimiter of several bytes; octal escapes.
	printf 'x--y--z' >"$T/dd"
	both -k --delimiter -- --dry-run echo :::: "$T/dd"
	same
	[ "$T_OUT" = $'echo x\necho y\necho z' ]
	both -k -d '\054' --dry-run echo ::: 'p,q'
	same
	[ "$T_OUT" = $'echo p\necho q' ]
	# A ::: argument is re-read at the delimiter, a newline by default.
	both -k -d , --dry-run echo ::: 'a,b' c
	same
	[ "$T_OUT" = $'echo a\necho b\necho c' ]
	both -k --dry-run echo ::: $'a\nb' c
	same
	[ "$T_OUT" = $'echo a\necho b\necho c' ]
	# -E: the record ends its source.
	both -k -E stop --dry-run echo ::: a stop b ::: 1 2
	same
	[ "$T_OUT" = $'echo a 1\necho a 2' ]
	printf '1\nEND\n2\n' >"$T/e"
	both -k --eof END --dry-run echo :::: "$T/e"
	same
	[ "$T_OUT" = 'echo 1' ]
	run -2 --separate-stderr taskrun -d '' echo ::: a
	[ "$stderr" = "taskrun: invalid delimiter '' (GNU parallel's empty -d, Perl's paragraph mode, is not supported)" ]
}

@test "parallel and taskrun: -I names the placeholder of the arguments" {
	both -k -I @@ --dry-run echo @@ {} {1} {.} ::: a.x
	same
	[ "$T_OUT" = 'echo a.x {} {1} a' ]
	# Without it in the command, the arguments are appended.
	both -k -I @@ --dry-run echo ::: a.x 'b c'
	same
	[ "$T_OUT" = $'echo a.x\necho \'b c\'' ]
	both -k -I '{x}' echo 'pre{x}post' ::: 'a b'
	same
	[ "$T_OUT" = 'prea bpost' ]
	run -2 --separate-stderr taskrun -I '' echo ::: a
	[ "$stderr" = "taskrun: invalid replacement string '' (-I needs one)" ]
}

@test "parallel and taskrun: -N n arguments per task, {1} to {n}, a shorter last one" {
	both -k -N 2 echo {1}-{2} ::: a b c d e
	same
	[ "$T_OUT" = $'a-b\nc-d\ne-' ]
	# Without a placeholder they are appended; a word that holds {} is
	# written once per argument, {#} and {-1} once.
	both -k --dry-run -N 3 echo ::: a b c d
	same
	[ "$T_OUT" = $'echo a b c\necho d' ]
	both -k --dry-run -N 2 echo pre{}post {#} {-1} ::: a 'b c' d
	same
	[ "$T_OUT" = "echo preapost pre'b c'post 1 'b c'"$'\n'"echo predpost 2 d" ]
	# Several sources: {1} {2} are the first combination's, {3} {4} the
	# second's.
	both -k -N 2 echo {1}{2}/{3}{4} ::: a b ::: 1 2
	same
	[ "$T_OUT" = $'a1/a2\nb1/b2' ]
	# The exit status counts the failed tasks.
	both -k -N 2 'echo {1}{2}; [ {1} = {2} ]' ::: x x y z p
	same
	[ "$T_OUT" = $'xx\nyz\np' ]
	[ "$T_RC" = 2 ]
}

@test "parallel and taskrun: -n at most n arguments per task, {} all of them where it stands" {
	both -k -n 2 echo pre{}post ::: a b c
	same
	[ "$T_OUT" = $'prea bpost\nprecpost' ]
	both -k --dry-run -n 2 echo {1} {} {2}. ::: a 'b c' d
	same
	[ "$T_OUT" = "echo a a 'b c' 'b c'."$'\n'"echo d d ." ]
	# -N wins over -n.
	both -k -n 3 -N 2 echo ::: 1 2 3 4
	same
	[ "$T_OUT" = $'1 2\n3 4' ]
}

@test "parallel and taskrun: -N 0 and -n 0 run the command once per argument, with none of them" {
	both -k -N 0 echo x ::: a b c
	same
	[ "$T_OUT" = $'x\nx\nx' ]
	both -k --dry-run -n 0 echo x {} ::: a b
	same
	[ "$T_OUT" = $'echo x \necho x ' ]
}

@test "parallel and taskrun: -X and -m put as many arguments as fit, spread over the slots" {
	for j in 1 2 3 10; do
		both -k --dry-run -j $j -X echo pre{}post ::: 1 2 3 4 5 6 7
		same || { echo "-X -j $j"; false; }
		both -k --dry-run -j $j -m echo pre{}post ::: 1 2 3 4 5 6 7
		same || { echo "-m -j $j"; false; }
	done
	both -k --dry-run -j 3 -X echo pre{}post ::: 1 2 3 4 5 6 7
	[ "$T_OUT" = $'echo pre1post pre2post pre3post\necho pre4post pre5post pre6post\necho pre7post' ]
	both -k --dry-run -j 3 -m echo pre{}post ::: 1 2 3 4 5 6 7
	[ "$T_OUT" = $'echo pre1 2 3post\necho pre4 5 6post\necho pre7post' ]
	# --max-chars (parallel's -s) cuts a task where parallel does, and
	# the last ones spread.
	for n in 20 31 45; do
		for t in echo 'echo x{}y' 'echo {}.x {#} {1//}'; do
			both -k --dry-run -j 1 -X --max-chars $n $t ::: $(seq 20)
			same || { echo "-X $n $t"; false; }
			both -k --dry-run -j 2 -m --max-chars $n $t ::: $(seq 20)
			same || { echo "-m $n $t"; false; }
			both -k --dry-run -j 3 --xargs --max-chars $n $t ::: $(seq 20)
			same || { echo "--xargs $n $t"; false; }
		done
	done
	both -k --dry-run -j 1 -X --max-chars 20 echo ::: $(seq 20)
	[ "$T_OUT" = $'echo 1 2 3 4 5 6 7\necho 8 9 10 11 12\necho 13 14 15 16 17\necho 18 19 20' ]
	# With -n: the spread at the end takes over, as in parallel.
	both -k --dry-run -j 2 -X -n 2 echo ::: 1 2 3 4
	same
	[ "$T_OUT" = $'echo 1 2\necho 3\necho 4' ]
	# Run, not only printed.
	both -k -j 2 -X 'echo {#}: {}' ::: a b c d e
	same
	[ "$T_OUT" = $'1: a b c\n2: d e' ]
}

@test "taskrun: an argument too long for --max-chars alone is an error, as in parallel" {
	run -1 --separate-stderr taskrun -X --max-chars 12 echo ::: ab abcdefgh
	[ "$stderr" = "taskrun: command line too long (13 >= 12, --max-chars) at input 2: abcdefgh" ]
	[ "$output" = "" ]
	run -255 --separate-stderr parallel --will-cite -X --max-chars 12 echo ::: ab abcdefgh
	run -2 --separate-stderr taskrun --max-chars 100 echo ::: a
	[ "$stderr" = "taskrun: --max-chars is for -N, -n, -X, -m and --xargs: give one of them; try --help" ]
	run -2 --separate-stderr taskrun -X --max-chars 131072 echo ::: a
	[ "$stderr" = "taskrun: invalid line length '131072' (expected an integer in 1..131071)" ]
	run -2 --separate-stderr taskrun -N x echo ::: a
	[ "$stderr" = "taskrun: invalid argument count 'x' (expected an integer in 0..100000000)" ]
}

@test "parallel and taskrun: arguments with spaces, quotes, \$, * and unicode through -N and -X" {
	args=("a b" "it's" "'" '$HOME "x"' '*' 'ünïcødé ✓' '`id`;true' 'back\slash' 'tab	in' '' '-n')
	both -k -N 3 "printf '[%s]\n'" ::: "${args[@]}"
	same
	[ "$(wc -l <<<"$T_OUT")" = 11 ]
	[ "$(sed -n 5p <<<"$T_OUT")" = "[*]" ]
	both -k -j 3 -X "printf '<%s>\n'" pre{}post ::: "${args[@]}"
	same
	[ "$(sed -n 4p <<<"$T_OUT")" = '<pre$HOME "x"post>' ]
	both -k -j 2 -m "printf '<%s>\n'" pre{}post ::: "${args[@]}"
	same
	both --dry-run -k -X -j 2 "printf '[%s]\n'" {} ::: "${args[@]}"
	same
	both --dry-run -k -N 2 "printf '[%s]\n'" {2} {1} ::: "${args[@]}"
	same
	[ "$(sed -n 1p <<<"$T_OUT")" = "printf '[%s]\n' 'it'\"'\"'s' 'a b'" ]
	[ ! -e "$HOME/\$HOME" ]
}

@test "taskrun: -N and -X give the same task list on a resume after kill -9" {
	load lab
	cd "$T"
	cmd='echo {} >>ran; echo out {}'
	for mode in "-N 2" "-X --max-chars 36"; do
		rm -rf s ran
		# As GNU parallel groups them.
		parallel --will-cite --dry-run -j 1 $mode "$cmd" ::: a b c d e f g h i j k l >p.dry
		run -0 taskrun --dry-run -j 1 $mode "$cmd" ::: a b c d e f g h i j k l
		[ "$output" = "$(cat p.dry)" ]
		TASKRUN_TEST_STOP_AFTER_DONE=2 taskrun -s s -j 1 -k $mode "$cmd" ::: a b c d e f g h i j k l \
			>out 2>err &
		pid=$!
		lab_wait "[ \"\$(awk '{ print \$3 }' /proc/$pid/stat 2>/dev/null)\" = T ]" 10
		[ "$(j_count s/journal done)" = 2 ]
		kill -9 "$pid"
		wait "$pid" || true
		lab_wait "[ \"\$(taskrun status s | head -n 1)\" = 'controller: not running' ]" 5
		# The same command resumes: only the rest, each task run once.
		run -0 --separate-stderr taskrun -s s -j 1 -k $mode "$cmd" ::: a b c d e f g h i j k l
		if [ "$mode" = "-N 2" ]; then
			[ "$output" = $'out e f\nout g h\nout i j\nout k l' ]
			[ "$(cat ran)" = $'a b\nc d\ne f\ng h\ni j\nk l' ]
			[ "$(j_count s/journal done)" = 6 ]
		else
			[ "$output" = $'out g h i\nout j k l' ]
			[ "$(cat ran)" = $'a b c\nd e f\ng h i\nj k l' ]
			[ "$(j_count s/journal done)" = 4 ]
		fi
	done
	# Other groups are another task list: refused without --fresh.
	run -1 --separate-stderr taskrun -s s -j 1 -X --max-chars 40 "$cmd" ::: a b c d e f g h i j k l
	[ "$stderr" = "taskrun: s: the task list differs from the one in the state directory (--fresh starts over)" ]
}

@test "taskrun: GNU parallel options it does not take are usage errors, not misread" {
	for o in -q --tagstring --header -v -u --ungroup --nice --delay --plus --env --results \
		--files --csv --pipe; do
		run -2 --separate-stderr taskrun "$o" 2 echo ::: a b c
		[ "$stderr" = "taskrun: unknown option '$o'; try --help" ] || { echo "$o: $stderr"; false; }
		[ "$output" = "" ]
	done
	# -t and -r as parallel takes them (no value): the command is read as
	# their value.
	run -2 --separate-stderr taskrun -t echo ::: a
	[ "$stderr" = "taskrun: invalid timeout 'echo' (expected a duration like 30s, 5m or 2h)" ]
	run -2 --separate-stderr taskrun -r echo ::: a
	[ "$stderr" = "taskrun: invalid retry count 'echo' (expected an integer in 0..1000000)" ]
	# {-N} before the first input is empty, where parallel wraps around.
	run -0 taskrun -k echo '{-3}.' ::: a ::: b
	[ "$output" = "." ]
	[ "$(parallel --will-cite echo '{-3}.' ::: a ::: b)" = "b." ]
}

@test "taskrun: GNU parallel's names for what taskrun does under another name are refused with that name, not a near miss" {
	# --max-procs was "did you mean --max-args?", which groups arguments:
	# following the hint would have run something else.
	run -2 --separate-stderr taskrun --max-procs 2 echo ::: a b
	[ "$stderr" = "taskrun: unknown option '--max-procs' (GNU parallel's --max-procs is -j here); try --help" ]
	[ "$output" = "" ]
	run -2 --separate-stderr taskrun -P 2 echo ::: a b
	[ "$stderr" = "taskrun: unknown option '-P' (GNU parallel's -P is -j here); try --help" ]
	run -2 --separate-stderr taskrun --max-procs=2 echo ::: a b
	[ "$stderr" = "taskrun: unknown option '--max-procs' (GNU parallel's --max-procs is -j here); try --help" ]
	run -2 --separate-stderr taskrun --halt-on-error 2 echo ::: a
	[ "$stderr" = "taskrun: unknown option '--halt-on-error' (GNU parallel's --halt-on-error is --halt here); try --help" ]
	run -2 --separate-stderr taskrun --slf hosts echo ::: a
	[ "$stderr" = "taskrun: unknown option '--slf' (GNU parallel's --slf is --sshloginfile here); try --help" ]
	for o in --resume --resume-failed --retry-failed; do
		run -2 --separate-stderr taskrun --joblog "$T/j" "$o" echo ::: a
		[ "$stderr" = "taskrun: unknown option '$o' (GNU parallel's $o is -s DIR here: the same command again resumes); try --help" ]
	done
	run -2 --separate-stderr taskrun --will-cite echo ::: a
	[ "$stderr" = "taskrun: unknown option '--will-cite' (GNU parallel's citation notice: taskrun has none, leave it out); try --help" ]
	[ ! -e "$T/j" ]
	# The same lines run through parallel: these are its options.
	[ "$(parallel --will-cite -k --max-procs 2 echo ::: a b)" = $'a\nb' ]
	[ "$(parallel --will-cite -k -P 2 echo ::: a b)" = $'a\nb' ]
	# Other typos keep their nearest option.
	run -2 --separate-stderr taskrun --max-agrs 2 echo ::: a
	[ "$stderr" = "taskrun: unknown option '--max-agrs' (did you mean --max-args?); try --help" ]
}
