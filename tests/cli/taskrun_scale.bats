#!/usr/bin/env bats
# taskrun at scale: the resume of a long journal, checked against an
# independent reading of the journal (awk) that applies the rules of
# man/taskrun.1: a task with a done event is done; an attempt started and
# never ended (done, fail, lost, cancel) was left by a killed controller and
# is journalled lost; every other task runs again, its attempt numbers
# going on from the highest one journalled.  The speed of all this is
# measured by bench/taskrun_scale.sh, not here.
bats_require_minimum_version 1.5.0

setup() {
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	T=$(mktemp -d)
}

teardown() {
	rm -rf "$T"
}

# gen_journal N: a journal of N tasks on stdout, tasks in blocks of 50 whose
# starts all come before their ends (so that many attempts are open at
# once), with every case a resume meets, chosen by the task number mod 1000:
#   1 never started; 2 failed twice and finally; 3 started, then the
#   controller was killed (its --stdout temporary is left behind);
#   4 done, with a speculative copy left open; 5 lost with its host, then
#   started again and left open; 6 failed, then done; 7 left open (a torn
#   "done" line at the end of the journal does not count); others done.
gen_journal() {
	awk -v n="$1" 'function ev(e, t, a, h, note) {
			printf "1700000000.%06d\t%s\t%d\t%d\t%s\t0\t0\t0.001000\t0.000000\t0.000000\t0\t%s\n",
				++clock, e, t, a, h, note
		}
		BEGIN {
			ev("run", 0, 0, "-", "pid=1 tasks=" n " done=0 hosts=3")
			ev("start", n + 5, 1, "h1", "slot=1")    # not a task of this list
			for (b = 1; b <= n; b += 50) {
				for (i = b; i < b + 50 && i <= n; i++) {
					m = i % 1000; h = "h" (i % 3 + 1)
					if (m == 1) continue
					if (m == 2) {
						ev("start", i, 1, h, "slot=1"); ev("fail", i, 1, h, "exited with status 1")
						ev("start", i, 2, h, "slot=1"); ev("fail", i, 2, h, "exited with status 1")
						ev("failed", i, 2, "-", "exited with status 1")
						continue
					}
					if (m == 3) { ev("start", i, 1, h, "slot=2 tmp=." i ".Ab3dEf"); continue }
					if (m == 5) { ev("start", i, 1, h, "slot=1"); ev("lost", i, 1, h, "host lost: x") }
					if (m == 6) { ev("start", i, 1, h, "slot=1"); ev("fail", i, 1, h, "exited with status 2") }
					ev("start", i, m == 5 || m == 6 ? 2 : 1, h, "slot=1")
					if (m == 4) ev("start", i, 2, "h9", "slot=3 speculative")
				}
				for (i = b; i < b + 50 && i <= n; i++) {
					m = i % 1000
					if (m == 1 || m == 2 || m == 3 || m == 5 || m == 7) continue
					ev("done", i, m == 6 ? 2 : 1, "h" (i % 3 + 1), "")
				}
			}
			ev("end", 0, 0, "-", "done=0 failed=0")
		}'
}

# ref_resume N JOURNAL: what a resume must do, as "run TASK ATTEMPT" (sorted
# by task) and "lost TASK ATTEMPT HOST" (journal order) lines.
ref_resume() {
	awk -F'\t' -v n="$1" '
		$3 < 1 || $3 > n { next }
		{ t = $3; a = $4; k = t " " a; if (a > max[t]) max[t] = a }
		$2 == "start" && !(k in open) { open[k] = ++seq; host[k] = $5 }
		$2 ~ /^(done|fail|lost|cancel)$/ { delete open[k] }
		$2 == "done" { done[t] = 1 }
		END {
			for (t = 1; t <= n; t++) if (!(t in done)) printf "run %d %d\n", t, max[t] + 1
			for (k in open) byseq[open[k]] = k
			for (s = 1; s <= seq; s++) if (s in byseq) printf "lost %s %s\n", byseq[s], host[byseq[s]]
		}' "$2"
}

@test "taskrun resumes a journal of 20000 tasks as an independent reading of it says" {
	n=20000
	seq "$n" >"$T/args"
	mkdir -m 700 "$T/s"
	awk -v n="$n" -v d="$T/out" 'BEGIN { print "taskrun tasks 1"
		for (i = 1; i <= n; i++) printf "echo %d\t\t%s/%d\n", i, d, i }' >"$T/s/tasks"
	gen_journal "$n" >"$T/s/journal"
	ref_resume "$n" "$T/s/journal" >"$T/expected"
	[ "$(grep -c '^run ' "$T/expected")" -eq 100 ]
	[ "$(grep -c '^lost ' "$T/expected")" -eq 80 ]
	# The torn line, and the temporaries of the open attempts (one with a
	# name that is not one, which stays).
	printf '1700000999.000000\tdone\t7\t1\th2\t0\t0\t0.0' >>"$T/s/journal"
	mkdir "$T/out"
	for i in $(seq 3 1000 "$n"); do : >"$T/out/.$i.Ab3dEf"; done
	: >"$T/out/.3.Ab3dEfg"
	len=$(wc -c <"$T/s/journal")

	run -0 --separate-stderr taskrun -j2 --no-progress -s "$T/s" --stdout "$T/out/{}" -a "$T/args" 'echo {}'
	[ "$stderr" = "" ] || { echo "stderr: $stderr"; false; }
	tail -c +$((len + 1)) "$T/s/journal" >"$T/new"
	{
		awk -F'\t' '$2 == "start" { printf "run %d %d\n", $3, $4 }' "$T/new" | sort -k2,2n
		awk -F'\t' '$2 == "lost" { printf "lost %d %d %s\n", $3, $4, $5 }' "$T/new"
	} >"$T/got"
	diff "$T/expected" "$T/got"
	# Every lost line says why; each task run wrote its output, and only
	# those; the temporaries of the killed attempts are gone.
	[ "$(awk -F'\t' '$2 == "lost" && $12 != "controller stopped"' "$T/new")" = "" ]
	[ "$(cd "$T/out" && ls | sort -n | tr '\n' ' ')" = "$(awk '/^run/ { printf "%d ", $2 }' "$T/expected")" ]
	[ "$(cat "$T/out/1001")" = "1001" ]
	[ "$(cd "$T/out" && ls -A | grep '^\.' | tr '\n' ' ')" = ".3.Ab3dEfg " ]

	# A second resume has nothing left to do.
	len=$(wc -c <"$T/s/journal")
	run -0 --separate-stderr taskrun -j2 --no-progress -s "$T/s" --stdout "$T/out/{}" -a "$T/args" 'echo {}'
	[ "$stderr" = "" ]
	[ "$(tail -c +$((len + 1)) "$T/s/journal" | awk -F'\t' '$2 == "start" || $2 == "lost"')" = "" ]
}

@test "taskrun's resume finishes the commits of a killed run, and only of the last run" {
	seq 4 >"$T/args"
	mkdir -m 700 "$T/s" "$T/out"
	awk -v d="$T/out" 'BEGIN { print "taskrun tasks 1"
		for (i = 1; i <= 4; i++) printf "echo %d\t\t%s/%d\n", i, d, i }' >"$T/s/tasks"
	ev() { printf '1700000000.%06d\t%s\t%d\t%d\th1\t0\t0\t0.0\t0.0\t0.0\t0\t%s\n' "$@"; }
	{
		ev 1 run 0 0 "pid=1 tasks=4 done=0 hosts=1"
		ev 2 start 1 1 "slot=1 tmp=.1.AAAAAA"
		ev 3 done 1 1 ""
		ev 4 end 0 0 "done=1 failed=0"
		ev 5 run 0 0 "pid=2 tasks=4 done=1 hosts=1"
		ev 6 start 2 1 "slot=1 tmp=.2.BBBBBB"
		ev 7 start 3 1 "slot=2 tmp=.3.CCCCCC"
		ev 8 start 4 1 "slot=3 tmp=.4.DDDDDD"
		ev 9 done 2 1 ""
		ev 10 done 3 1 ""
		ev 11 fail 3 1 "$T/out/3: No space left on device"
	} >"$T/s/journal"
	echo stale >"$T/out/.1.AAAAAA"    # an ended run: left alone
	echo kept >"$T/out/.2.BBBBBB"     # done, not renamed yet: renamed
	echo partial >"$T/out/.4.DDDDDD"  # never ended: removed, run again
	run -0 --separate-stderr taskrun -j1 --no-progress -s "$T/s" --stdout "$T/out/{}" -a "$T/args" 'echo {}'
	[ "$stderr" = "" ]
	[ "$(cat "$T/out/2")" = "kept" ]
	[ "$(cat "$T/out/3")" = "3" ]
	[ "$(cat "$T/out/4")" = "4" ]
	[ ! -e "$T/out/1" ]
	[ "$(cd "$T/out" && ls -A | tr '\n' ' ')" = ".1.AAAAAA 2 3 4 " ]
	[ "$(awk -F'\t' '$2 == "start" || $2 == "lost" { print $2, $3, $4 }' "$T/s/journal" | tail -n 3 | tr '\n' ,)" = "lost 4 1,start 3 2,start 4 2," ]
}

@test "taskrun makes room for the open files of many hosts, and says when the hard limit is short" {
	# 20 simulated hosts (agents started here through a launcher, as in
	# bench/taskrun_scale.sh) hold 3 descriptors each in the controller:
	# with its own, more than a soft limit of 40, which taskrun raises.
	printf '#!/bin/sh\nshift\nexec "$@"\n' >"$T/launch"
	chmod +x "$T/launch"
	seq -f '1/node%g' 20 >"$T/hosts"
	agent="$BATS_TEST_DIRNAME/../../bin/taskrun agent"
	run -0 --separate-stderr bash -c 'ulimit -Sn 40 && exec taskrun -H "$1/hosts" --ssh "$1/launch" --agent "$2" \
		"echo {}" ::: $(seq 40)' _ "$T" "$agent"
	[ "$stderr" = "" ]
	[ "$(sort -n <<<"$output")" = "$(seq 40)" ]
	# A hard limit of 40 cannot be raised: said once, and the run goes on
	# with the hosts that fit: 16 descriptors of its own, 3 per host and
	# 4 per slot: 3 hosts of one slot.
	run -0 --separate-stderr bash -c 'ulimit -Sn 40 && ulimit -Hn 40 && exec taskrun -H "$1/hosts" --ssh "$1/launch" \
		--agent "$2" -s "$1/s" "echo {}" ::: $(seq 40)' _ "$T" "$agent"
	[ "$stderr" = "taskrun: 20 hosts need 124 open files or more, but the hard limit is 40: running on the hosts that fit (raise it: ulimit -Hn as root, or nofile in /etc/security/limits.conf)" ]
	[ "$(sort -n <<<"$output")" = "$(seq 40)" ]
	[ "$(awk -F'\t' '$2 == "up" { print $5 }' "$T/s/journal" | sort -u | wc -l)" = 3 ]
}
