#!/usr/bin/env bats
# taskrun --cluster: runs of tasks go to a slot as one request; each task
# keeps its own attempts, status and output.  Local slots only.
bats_require_minimum_version 1.5.0

setup() {
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	T=$(mktemp -d)
	cd "$T"
}

teardown() {
	rm -rf "$T"
}

# requests JOURNAL: the run requests the controller sent (down events).
requests() {
	awk -F'\t' '$2 == "down" { sub(/.*requests=/, "", $12); n += $12 } END { print n + 0 }' "$1"
}

# per_task JOURNAL: each task's events in order, with status and note, and
# without times, hosts, slots or wall times.
per_task() {
	awk -F'\t' '$3 > 0 && $2 != "start" { print $3, $4, $2, $6, $7, ($2 == "done" ? "" : $12) }
		$2 == "start" { print $3, $4, "start" }' "$1" | sort -n -s -k1,1
}

@test "taskrun --cluster 8: fewer requests, the same outputs and journal per task as without" {
	cmd='echo {} $TASKRUN_TASK $TASKRUN_ATTEMPT; [ {} != 5 ] && [ {} != 12 -o $TASKRUN_ATTEMPT = 2 ]'
	run -1 --separate-stderr taskrun -j 2 -s A -r 2 --cluster 8 --stdout 'a/{}' "$cmd" ::: $(seq 40)
	[ "$stderr" = "taskrun: task 5: exited with status 1: ${cmd//\{\}/5}" ]
	run -1 --separate-stderr taskrun -j 2 -s B -r 2 --stdout 'b/{}' "$cmd" ::: $(seq 40)
	# Every task's output, and its attempts, statuses and failures, as
	# without clustering: task 5 fails twice, task 12 once then succeeds.
	diff -r a b
	[ "$(ls a | wc -l)" = 39 ]
	[ "$(cat a/12)" = "12 12 2" ]
	diff <(per_task A/journal) <(per_task B/journal)
	[ "$(awk -F'\t' '$2 == "fail"' A/journal | wc -l)" = 3 ]
	[ "$(awk -F'\t' '$2 == "failed" { print $3 }' A/journal)" = 5 ]
	# One request per attempt without --cluster (42), at most one per
	# eight attempts (and a few for the retries) with it.
	[ "$(requests B/journal)" = 42 ]
	[ "$(requests A/journal)" -le 10 ]
	[ "$(awk -F'\t' '$2 == "start"' A/journal | wc -l)" = 42 ]
}

@test "taskrun --cluster auto: short tasks share requests once their time is known" {
	run -0 --separate-stderr taskrun -j 2 -s C --cluster auto true ::: $(seq 120)
	[ "$stderr" = "" ]
	[ "$(awk -F'\t' '$2 == "done"' C/journal | wc -l)" = 120 ]
	[ "$(awk -F'\t' '$2 == "done" { print $3 }' C/journal | sort -n | uniq | wc -l)" = 120 ]
	[ "$(requests C/journal)" -lt 60 ]
}

@test "taskrun --cluster: a bad size is a usage error" {
	run -2 --separate-stderr taskrun --cluster 0 true ::: 1
	[ "$stderr" = "taskrun: invalid cluster size '0' (expected auto or an integer in 1..100)" ]
}
