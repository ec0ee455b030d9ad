#!/usr/bin/env bats
# taskrun --keep: each task's output stays on the host that ran it.  Real
# ssh hosts on loopback and one in a network namespace (lab.bash); each lab
# host has a directory of its own ($LAB/keep/HOST, the agents'
# TASKRUN_KEEP_DIR), so a file's directory says which host wrote it.
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
	lab_setup
	XXH="$BATS_TEST_DIRNAME/xxh64.py"
	if [ -n "${LAB:-}" ]; then
		rm -rf "$LAB"/keep/*/k "$LAB"/keep/*/parts
		TR=(taskrun --ssh "$LAB_SSH" --agent "$LAB_AGENT" --backoff 1s)
	fi
}

teardown() {
	lab_teardown
}

# check_kept JOURNAL: every task's last done names a file on its host whose
# size and xxh64 (tests/cli/xxh64.py, independent of libxxhash) are those
# journalled, and no other host (but IGNORE, a lost host's) holds that
# file; prints the task count.
check_kept() {  # JOURNAL [IGNORE]
	local j=$1 n=0 task host size hash path d
	awk -F'\t' '$2 == "done" { split($12, f, /[ =]/); last[$3] = $3 "\t" $5 "\t" f[2] "\t" f[4] "\t" f[6] }
		END { for (t in last) print last[t] }' "$j" >"$T/kept.tsv"
	# One python start for every file (it takes seconds on a loaded machine).
	python3 "$XXH" $(awk -F'\t' -v k="$LAB/keep" '{ print k "/" $2 "/" $5 }' "$T/kept.tsv") >"$T/kept.xxh" ||
		{ echo "a kept file is missing"; return 1; }
	while IFS=$'\t' read -r task host size hash path; do
		n=$((n + 1))
		[ "$(stat -c %s "$LAB/keep/$host/$path")" = "$size" ] || { echo "task $task: size"; return 1; }
		[ "$(sed -n "${n}p" "$T/kept.xxh")" = "$hash" ] || { echo "task $task: xxh64"; return 1; }
		for d in "$LAB"/keep/*; do
			[ "$d" = "$LAB/keep/$host" ] || [ "$d" = "$LAB/keep/${2:-}" ] && continue
			[ ! -e "$d/$path" ] || { echo "task $task: also on $d"; return 1; }
		done
	done <"$T/kept.tsv"
	echo "$n"
}

@test "taskrun --keep and --stdout together is a usage error" {
	run -2 --separate-stderr taskrun --keep 'k/{}' --stdout 'o/{}' echo ::: 1
	[ "$stderr" = "taskrun: --keep and --stdout both say where output goes: give one of them; try --help" ]
}

@test "taskrun --keep: outputs stay on the hosts that ran them; the controller carries none of their bytes" {
	lab_need_root
	printf '2/node1\n2/node2\n2/node3\n' >"$T/hosts"
	# Each task takes 0.3 s, so that the first host up cannot run all 18
	# (2.7 s on its 2 slots) before the others are: without it, on a fast
	# machine one host ran them all in 4 runs of 6 (base18 too).
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/s" --keep 'k/{}.bin' \
		'sleep 0.3; head -c $(({} * 5000)) /dev/urandom' ::: $(seq 18)
	[ "$stderr" = "" ]
	j="$T/s/journal"
	[ "$(check_kept "$j")" = 18 ]
	[ "$(j_count "$j" done)" = 18 ]
	# The work was spread: at least two hosts kept outputs.
	[ "$(awk -F'\t' '$2 == "done" { h[$5] } END { print length(h) }' "$j")" -ge 2 ]
	# Task data through the controller: none; everything it read and wrote
	# (frames, task stderr, heartbeats) is small beside the 855,000 bytes
	# kept.
	run -0 awk -F'\t' '$2 == "down" { split($12, f, /[ =]/); n++; rx += f[4]; tx += f[6]; d += f[8] + f[10] }
		END { print n, d, (rx + tx < 30000) }' "$j"
	[ "$output" = "3 0 1" ]
	# status and report say where the files are, with sums from the journal.
	bytes=$(awk -F'\t' '$2 == "done" { split($12, f, /[ =]/); b += f[2] } END { print b }' "$j")
	[ "$bytes" = 855000 ]
	run -0 taskrun status "$T/s"
	[ "${lines[7]}" = "kept: 18 outputs, 855000 bytes, on their hosts" ]
	for h in node1 node2 node3; do
		n=$(j_count "$j" done "$h")
		b=$(awk -F'\t' -v h=$h '$2 == "done" && $5 == h { split($12, f, /[ =]/); b += f[2] } END { print b + 0 }' "$j")
		if [ "$n" -gt 0 ]; then
			grep -qx "$(printf '  %-20s %6d outputs %14d bytes' "$h" "$n" "$b")" <<<"$output"
		fi
	done
	run -0 taskrun report "$T/s"
	rx=$(awk -F'\t' '$2 == "down" { split($12, f, /[ =]/); s += f[4] } END { print s }' "$j")
	tx=$(awk -F'\t' '$2 == "down" { split($12, f, /[ =]/); s += f[6] } END { print s }' "$j")
	grep -qx "controller traffic: $rx bytes in, $tx bytes out (task data: 0 stdin, 0 stdout)" <<<"$output"
	line=$(awk -F'\t' '$2 == "done" && $3 == 7 { split($12, f, /[ =]/); printf "%6d %-20s %14d %-16s %6d %s", 7, $5, f[2], f[4], 0, f[6] }' "$j")
	grep -qxF "$line" <<<"$output"
	[ "$(ls -A "$LAB"/keep/*/k | grep -c '^\.')" = 0 ]
}

@test "taskrun --keep: kill -9 of the controller, then a resume: every output accounted for once" {
	lab_need_root
	printf '1/node1\n1/node2\n1/node3\n' >"$T/hosts"
	cmd='sleep 0.3; head -c $(({} * 3000)) /dev/urandom'
	"${TR[@]}" -H "$T/hosts" -s "$T/s" --keep 'k/{}.bin' "$cmd" ::: $(seq 24) 2>"$T/err" &
	BG=$!
	j="$T/s/journal"
	lab_wait "[ -f '$j' ] && [ \$(j_count '$j' done) -ge 6 ]" 30
	kill -9 "$BG"
	wait "$BG" || true
	# The agents lose their controller and stop.
	lab_wait "! pgrep -u $LAB_USER -f 'taskrun agent' >/dev/null" 20
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/s" --keep 'k/{}.bin' "$cmd" ::: $(seq 24)
	[ "$stderr" = "" ]
	# One done per task, each file where its done says, and no temporary
	# left on any host.
	[ "$(awk -F'\t' '$2 == "done" { n[$3]++ } END { for (t in n) if (n[t] == 1) k++; print k }' "$j")" = 24 ]
	[ "$(j_count "$j" done)" = 24 ]
	[ "$(check_kept "$j")" = 24 ]
	[ "$(ls -A "$LAB"/keep/*/k | grep -c '^\.')" = 0 ]
	run -0 taskrun status "$T/s"
	[ "${lines[1]}" = "tasks: 24 total, 24 done, 0 failed, 0 running, 0 pending" ]
	grep -qx "kept: 24 outputs, $((3000 * 300)) bytes, on their hosts" <<<"$output"
}

@test "taskrun --keep: a resume runs a task whose done line was lost on its host first, leaving no second copy" {
	lab_need_root
	printf '1/node1\n1/node2\n1/node3\n' >"$T/hosts"
	cmd='sleep 0.2; head -c $(({} * 1000)) /dev/urandom'
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/s" --keep 'k/{}.bin' "$cmd" ::: $(seq 6)
	j="$T/s/journal"
	[ "$(check_kept "$j")" = 6 ]
	# A controller killed after node2's and node3's agents renamed their
	# files into place but before their done lines: those lines go.
	awk -F'\t' '$2 == "done" && $5 != "node1" { print $3 "\t" $5 }' "$j" | sort >"$T/lost"
	[ "$(wc -l <"$T/lost")" -ge 1 ]
	awk -F'\t' '!($2 == "done" && $5 != "node1")' "$j" >"$T/j"
	cat "$T/j" >"$j"
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/s" --keep 'k/{}.bin' --locality-wait 60s \
		"$cmd" ::: $(seq 6)
	[ "$stderr" = "" ]
	# Each ran again on the host that holds its file (which it replaced):
	# one copy of every file (without the pin, node1's free slot took some).
	[ "$(awk -F'\t' '$2 == "done" && $5 != "node1" { print $3 "\t" $5 }' "$j" | sort)" = "$(cat "$T/lost")" ]
	[ "$(check_kept "$j")" = 6 ]
	[ "$(ls -A "$LAB"/keep/*/k | grep -c '^\.')" = 0 ]
}

@test "taskrun --keep: a host lost with outputs on it: their tasks are remade elsewhere at the end" {
	lab_need_root
	printf '1/node1\n1/cut1\n' >"$T/hosts"
	cmd='sleep 0.4; head -c $(({} * 1000)) /dev/urandom'
	"${TR[@]}" -H "$T/hosts" -s "$T/s" --lease 2s --no-speculate --keep 'k/{}.bin' "$cmd" ::: $(seq 12) \
		2>"$T/err" &
	BG=$!
	j="$T/s/journal"
	lab_wait "[ -f '$j' ] && [ \$(j_count '$j' done cut1) -ge 2 ]" 30
	ip link set "${LAB_VETH}a" down
	wait "$BG"
	BG=""
	ip link set "${LAB_VETH}a" up
	on_cut=$(awk -F'\t' '$2 == "done" && $5 == "cut1" { n++ } END { print n }' "$j")
	[ "$on_cut" -ge 2 ]
	# Each of cut1's outputs was remade, on node1.
	[ "$(j_count "$j" remake cut1)" = "$on_cut" ]
	grep -qx "taskrun: cut1: $on_cut kept outputs lost with the host: remade" "$T/err"
	[ "$(awk -F'\t' '$2 == "done" { last[$3] = $5 } END { for (t in last) if (last[t] == "node1") n++; print n }' "$j")" = 12 ]
	[ "$(check_kept "$j" cut1)" = 12 ]
	run -0 taskrun report "$T/s"
	t=$(awk -F'\t' '$2 == "remake" { print $3; exit }' "$j")
	line=$(awk -F'\t' -v t="$t" '$2 == "done" && $3 == t { split($12, f, /[ =]/); l = sprintf("%6d %-20s %14d %-16s %6d %s", t, $5, f[2], f[4], 1, f[6]) } END { print l }' "$j")
	grep -qxF "$line" <<<"$output"
}

# check_scatter DIR LOCAL COPIES: every piece of DIR/manifest.yaml has
# COPIES locations on different hosts, each a file on its host (the lab's
# $LAB/keep/HOST) with the bytes of the local split's piece LOCAL/NAME;
# prints the copies per host ("host count" lines, sorted).
check_scatter() {
	local dir=$1 loc=$2 copies=$3 file locs l host path n
	awk '/^  - file: / { gsub(/"/, "", $3); f = $3 } /^    at: / { sub(/^    at: \[/, ""); sub(/\]$/, ""); gsub(/"/, ""); gsub(/, /, " "); print f "\t" $0 }' \
		"$dir/manifest.yaml" >"$T/at.tsv"
	[ "$(wc -l <"$T/at.tsv")" = "$(ls "$loc"/part-* | wc -l)" ] || { echo "pieces without locations"; return 1; }
	: >"$T/hosts.txt"
	while IFS=$'\t' read -r file locs; do
		n=0
		for l in $locs; do
			host=${l%%:*}
			path=${l#*:}
			n=$((n + 1))
			cmp "$LAB/keep/$host/$path" "$loc/$file" || { echo "$l differs from $loc/$file"; return 1; }
			echo "$host" >>"$T/hosts.txt"
		done
		[ "$n" = "$copies" ] || { echo "$file: $n copies"; return 1; }
		[ "$(tr ' ' '\n' <<<"$locs" | cut -d: -f1 | sort -u | wc -l)" = "$copies" ] ||
			{ echo "$file: two copies on one host: $locs"; return 1; }
	done <"$T/at.tsv"
	sort "$T/hosts.txt" | uniq -c | awk '{ print $2, $1 }'
}

@test "segsplit --hosts: pieces streamed to the hosts by slot count, two copies on different hosts, the bytes of a local split" {
	lab_need_root
	cd "$T"
	segsynth --line 12,50,24,25 --reflector 0.01 -n 101 -o line.sgy
	segsplit --key fldr -d local line.sgy
	printf '2/node1\n1/node2\n1/node3\n' >hosts
	run -0 --separate-stderr segsplit --hosts hosts --copies 2 --ssh "$LAB_SSH" --agent "$LAB_AGENT" \
		--key fldr -d parts line.sgy
	[ "$stderr" = "" ]
	# By slots, 2:1:1 with two copies: node1 holds every piece, node2 and
	# node3 half each (the plan; every host was up).
	run -0 check_scatter parts local 2
	[ "$output" = $'node1 12\nnode2 6\nnode3 6' ]
	# The manifest is the local split's, plus the locations (version 2).
	grep -qx 'version: 2' parts/manifest.yaml
	diff <(grep -v '^id:\|^version:\|^    at:\|^lineage:' parts/manifest.yaml) \
	     <(grep -v '^id:\|^version:' local/manifest.yaml)
	# Its lineage: the source file and the write options; each piece
	# remade from it (segsplit --remake) is the local piece's bytes.
	grep -qx "lineage: {source: \"$T/line.sgy\", from: segy, sample-format: 0, little: -1, zstd: 0, read: run}" parts/manifest.yaml
	for i in $(seq 12); do segsplit --remake "$i" -d remade parts/manifest.yaml; done
	for f in local/part-*; do cmp "remade/${f##*/}" "$f"; done
	# A source changed since (one sample of piece 3): no file, and why.
	printf 'X' | dd of=line.sgy bs=1 seek=$((3600 + 2 * 24 * 644 + 300)) conv=notrunc 2>/dev/null
	run -1 --separate-stderr segsplit --remake 3 -d remade2 parts/manifest.yaml
	[[ "$stderr" =~ ^"segsplit: part-000003.sgy: remade $(stat -c %s local/part-000003.sgy) bytes with xxh64 "[0-9a-f]{16}", the manifest says $(stat -c %s local/part-000003.sgy) bytes, "[0-9a-f]{16}" (has the source changed?)"$ ]]
	[ "$(ls -A remade2)" = "" ]
	# No piece is left here; the scatter's taskrun state stays.
	[ "$(ls -A parts)" = $'.scatter\nmanifest.yaml' ]
	# Each copy crossed the controller once: its task data is the pieces'
	# bytes times two.
	bytes=$(cat local/part-* | wc -c)
	run -0 awk -F'\t' '$2 == "down" { split($12, f, /[ =]/); d += f[8] } END { print d }' parts/.scatter/journal
	[ "$output" = $((2 * bytes)) ]
	run -0 taskrun status parts/.scatter
	[ "${lines[1]}" = "tasks: 24 total, 24 done, 0 failed, 0 running, 0 pending" ]
	grep -qx "kept: 24 outputs, $((2 * bytes)) bytes, on their hosts" <<<"$output"
	# segmerge -m reads the pieces from their hosts (tests/cli/segmerge_hosts.bats).
}

@test "segsplit --hosts: a dead host's copies go to the live hosts at once, never two of a piece on one host" {
	lab_need_root
	segsynth --line 8,50,24,25 --reflector 0.01 -n 101 -o "$T/line.sgy"
	segsplit --count 40 -d "$T/local" "$T/line.sgy"
	printf 'node1\nnode2\ndead1\n' >"$T/hosts"
	cd "$T"
	run -0 --separate-stderr segsplit --hosts hosts -C 2 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --remote-dir /tmp/"${LAB##*/}"-p \
		-c 40 -d parts line.sgy
	[ "$stderr" = "taskrun: dead1: agent did not start: ssh: connect to host 127.0.0.1 port 1: Connection refused" ]
	# An absolute --remote-dir: the same path on every host (one file
	# system here, so the two copies are one file: checked by name).
	grep -c '^    at: \["node[12]:/tmp/'"${LAB##*/}"'-p/part-0000[0-9][0-9].sgy", "node[12]:/tmp/' parts/manifest.yaml >"$T/n"
	[ "$(cat "$T/n")" = 5 ]
	run -0 awk -F'\t' '$2 == "done" { h[$5]++ } END { for (k in h) print k, h[k] }' parts/.scatter/journal
	[ "$(sort <<<"$output")" = $'node1 5\nnode2 5' ]
	for f in local/part-*; do cmp "$f" /tmp/"${LAB##*/}"-p/"${f##*/}"; done
	rm -rf /tmp/"${LAB##*/}"-p
}

@test "taskrun --where: tasks wait for the host that holds their data; --locality-wait 0 or a dead host lets others take them" {
	lab_need_root
	printf '1/node1\n1/node2\n' >"$T/hosts"
	# A long wait: node2 is up with a free slot, but every task waits
	# for node1.
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/a" --where node1 --locality-wait 60s \
		'sleep 0.2; echo {}' ::: 1 2 3 4 5
	[ "$output" = $'1\n2\n3\n4\n5' ]
	[ "$(j_count "$T/a/journal" done node1)" = 5 ]
	[ "$(j_count "$T/a/journal" start node2)" = 0 ]
	# No wait: any free slot.
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts" -s "$T/b" --where node1 --locality-wait 0 \
		'sleep 1; echo {}' ::: 1 2 3 4 5 6
	[ "$(j_count "$T/b/journal" done)" = 6 ]
	[ "$(j_count "$T/b/journal" done node2)" -ge 1 ]
	# Data on a host that cannot be reached: not waited for.
	printf '1/node2\n1/dead1\n' >"$T/hosts2"
	run -0 --separate-stderr "${TR[@]}" -H "$T/hosts2" -s "$T/c" --where dead1 --locality-wait 60s \
		'echo {}' ::: 1 2 3
	[ "$(j_count "$T/c/journal" done node2)" = 3 ]
}

# The "inputs:" lines of taskrun status for HOST: local count and bytes,
# moved count and bytes.
in_line() {  # HOST NLOCAL LOCAL NMOVED MOVED
	printf '  %-20s %6d local %14d bytes %6d moved %14d bytes' "$@"
}

@test "taskrun --input-manifest: a task reads its piece where it lies; one streamed to a host without a copy is the same bytes, counted exactly" {
	lab_need_root
	cd "$T"
	# Three pieces of 1.5 MB (more than the 1 MiB relay window).
	segsynth --line 3,50,300,25 --reflector 0.01 -n 1201 -o line.sgy
	segsplit --key fldr -d local line.sgy
	printf 'node1\n' >h1
	segsplit --hosts h1 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --key fldr -d parts line.sgy
	bytes=$(cat local/part-* | wc -c)
	printf '1/node1\n1/node2\n' >hosts
	# By locality: every task on node1, which holds every piece; {} is
	# its copy there (cksum of each equals the local split's).
	run -0 --separate-stderr "${TR[@]}" -H hosts -s a -k --locality-wait 60s --input-manifest parts/manifest.yaml \
		'cksum < {}'
	[ "$stderr" = "" ]
	[ "$output" = "$(for f in local/part-*; do cksum <"$f"; done)" ]
	[ "$(j_count a/journal done node1)" = 3 ]
	run -0 taskrun status a
	grep -qx "inputs: $bytes bytes read where they lie, 0 bytes moved" <<<"$output"
	grep -qx "$(in_line node1 3 "$bytes" 0 0)" <<<"$output"
	# Placed on node2 by --where: every piece streamed from node1's agent
	# through the controller to node2's, which keeps it in a temporary
	# until its task ends.
	run -0 --separate-stderr "${TR[@]}" -H hosts -s b --where node2 --locality-wait 60s \
		--input-manifest parts/manifest.yaml --keep 'k/{/}' 'cat {}'
	[ "$stderr" = "" ]
	for f in local/part-*; do cmp "$LAB/keep/node2/k/${f##*/}" "$f"; done
	[ "$(ls -A "$LAB/keep/node2")" = k ]
	[ "$(awk -F'\t' '$2 == "input" && $5 == "node2" && $12 ~ /^moved bytes=[0-9]+ from=node1$/' b/journal | wc -l)" = 3 ]
	run -0 taskrun status b
	grep -qx "inputs: 0 bytes read where they lie, $bytes bytes moved" <<<"$output"
	grep -qx "$(in_line node2 0 0 3 "$bytes")" <<<"$output"
	# The controller's own count of the bytes it relayed (down events).
	run -0 awk -F'\t' '$2 == "down" { split($12, f, /relayed=/); r += f[2] } END { print r }' b/journal
	[ "$output" = "$bytes" ]
	# The report says so too.
	run -0 taskrun report b
	grep -qx "$(in_line node2 0 0 3 "$bytes")" <<<"$output"
	# A resume (nothing left to run) keeps them: they are in the journal.
	run -0 --separate-stderr "${TR[@]}" -H hosts -s b --where node2 --locality-wait 60s \
		--input-manifest parts/manifest.yaml --keep 'k/{/}' 'cat {}'
	[ "$(j_count b/journal run)" = 2 ]
	run -0 taskrun status b
	grep -qx "$(in_line node2 0 0 3 "$bytes")" <<<"$output"
}

@test "taskrun --input-manifest: --timeout counts the task's own run, not the time its piece takes to arrive" {
	lab_need_root
	cd "$T"
	segsynth --line 2,50,24,25 --reflector 0.01 -n 101 -o line.sgy
	segsplit --key fldr -d local line.sgy
	printf 'node1\n' >h1
	segsplit --hosts h1 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --key fldr -d parts line.sgy
	# node1's copy of piece 1 becomes a pipe that gives its first 1000
	# bytes, then the rest 3 s later: streaming it to node2 takes longer
	# than the 2 s timeout; the task itself takes milliseconds.
	p="$LAB/keep/node1/parts/part-000001.sgy"
	mv "$p" p1
	mkfifo -m 666 "$p"
	(exec 3>"$p"; head -c 1000 p1 >&3; sleep 3; tail -c +1001 p1 >&3) &
	BG=$!
	printf '1/node1\n1/node2\n' >hosts
	run -0 --separate-stderr timeout 60 "${TR[@]}" -H hosts -s a -k --where node2 --locality-wait 60s \
		--timeout 2s --retries 1 --input-manifest parts/manifest.yaml 'cksum < {}'
	[ "$stderr" = "" ]
	[ "$output" = "$(for f in local/part-*; do cksum <"$f"; done)" ]
	wait "$BG"
	BG=""
	[ "$(awk -F'\t' '$2 == "input" && $5 == "node2" && $6 == 0 && $12 ~ /^moved bytes=[0-9]+ from=node1$/' a/journal | wc -l)" = 2 ]
	[ "$(j_count a/journal done)" = 2 ]
}

@test "taskrun --input-manifest: a holder lost mid-run: its pieces are read from the other copy, the result is the same, the report names them" {
	lab_need_root
	cd "$T"
	segsynth --line 6,50,24,25 --reflector 0.01 -n 101 -o line.sgy
	segsplit --key fldr -d local line.sgy
	printf 'node1\ncut1\n' >h2
	segsplit --hosts h2 --copies 2 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --key fldr -d parts line.sgy
	printf '1/node1\n1/cut1\n1/node2\n' >hosts
	"${TR[@]}" -H hosts -s s --lease 2s --no-speculate -k --input-manifest parts/manifest.yaml \
		'sleep 1; cksum < {}' >out 2>err &
	BG=$!
	j=s/journal
	# cut1 runs a task on its own copy; then its link goes.
	lab_wait "[ -f $j ] && [ \$(j_count $j input cut1) -ge 1 ]" 30
	ip link set "${LAB_VETH}a" down
	wait "$BG"
	BG=""
	ip link set "${LAB_VETH}a" up
	[ "$(cat out)" = "$(for f in local/part-*; do cksum <"$f"; done)" ]
	# The task lost with cut1 ran again and read node1's copy.
	lost=$(awk -F'\t' '$2 == "lost" && $5 == "cut1" { print $3 }' "$j" | sort -u)
	[ -n "$lost" ]
	# The report names every piece read from a copy because cut1 was
	# lost: the tasks whose last read says so, the lost ones among them.
	awk -F'\t' '$2 == "input" && $6 == 0 { last[$3] = $12 } END { for (t in last) if (last[t] ~ / copy lost=cut1$/) print t }' "$j" |
		sort -n >copies
	for t in $lost; do grep -qx "$t" copies; done
	run -0 taskrun report s
	[ "$(grep -c '^read from a copy: ' <<<"$output")" = "$(wc -l <copies)" ]
	for t in $(cat copies); do
		p=$(printf 'part-%06d.sgy' "$t")
		grep -qx "read from a copy: task $t, piece $p, from node1 (cut1 lost)" <<<"$output"
	done
}

@test "taskrun --keep: a host removed from the host file mid-run: its outputs are remade on the other hosts" {
	lab_need_root
	printf '1/node1\n1/node2\n1/node3\n' >"$T/hosts"
	cmd='sleep 0.5; head -c $(({} * 1000)) /dev/urandom'
	"${TR[@]}" -H "$T/hosts" -s "$T/s" --no-speculate --keep 'k/{}.bin' "$cmd" ::: $(seq 9) 2>"$T/err" &
	BG=$!
	j="$T/s/journal"
	lab_wait "[ -f '$j' ] && [ \$(j_count '$j' done node3) -ge 2 ]" 30
	printf '1/node1\n1/node2\n' >"$T/hosts.new"
	mv "$T/hosts.new" "$T/hosts"
	# Read again now (SIGUSR1), not at the next look a second later.
	kill -USR1 "$BG"
	wait "$BG"
	BG=""
	# Every output node3 made (before or while it drained) was remade
	# elsewhere, and the last done of every task is on node1 or node2.
	[ "$(j_count "$j" drain node3)" = 1 ]
	on3=$(j_count "$j" done node3)
	[ "$(j_count "$j" remake node3)" = "$on3" ]
	grep -qx "taskrun: node3: $on3 kept outputs on a host removed from the host file: remade" "$T/err"
	[ "$(awk -F'\t' '$2 == "done" { last[$3] = $5 } END { for (t in last) if (last[t] != "node3") n++; print n }' "$j")" = 9 ]
	[ "$(check_kept "$j" node3)" = 9 ]
	run -0 taskrun kept "$T/s"
	[ "$(grep -c $'\tnode3\t' <<<"$output")" = 0 ]
	run -0 taskrun report "$T/s"
	for t in $(awk -F'\t' '$2 == "remake" { print $3 }' "$j"); do
		h=$(awk -F'\t' -v t="$t" '$2 == "done" && $3 == t { h = $5 } END { print h }' "$j")
		grep -qx "remade: task $t, k/$t.bin, lost on node3, now on $h" <<<"$output"
	done
}

@test "taskrun --input-manifest: one task per piece (--dry-run shows {} on the first copy); ::: with it, a local manifest and a copy of another name are refused" {
	cd "$T"
	segsynth --line 2,50,4,25 --reflector 0.01 -n 11 -o line.sgy
	segsplit --key fldr -d p line.sgy
	run -2 --separate-stderr taskrun --input-manifest p/manifest.yaml cat {} ::: a
	[ "$stderr" = "taskrun: --input-manifest gives one task per piece: give a command and no ::: or :::: inputs; try --help" ]
	run -2 --separate-stderr taskrun --input-manifest p/manifest.yaml --stdin x cat
	[ "$stderr" = "taskrun: --input-manifest and --stdin both give the tasks their input: give one of them; try --help" ]
	run -1 --separate-stderr taskrun --dry-run --input-manifest p/manifest.yaml cat {}
	[ "$stderr" = "taskrun: p/manifest.yaml: piece 1 (part-000001.sgy) is not on any host: --input-manifest takes a distributed manifest (segsplit --hosts)" ]
	# The same pieces placed by hand (version 2).
	awk '/^version:/ { print "version: 2"; next } /^  - file: / { f = $3; gsub(/"/, "", f) } { print }
		/^    xxh64: / { print "    at: [\"node1:parts/" f "\", \"node2:/scratch/" f "\"]" }' p/manifest.yaml >m2.yaml
	run -0 --separate-stderr taskrun --dry-run --input-manifest m2.yaml 'cksum < {} > {/.}.ck'
	[ "$output" = $'cksum < \'parts/part-000001.sgy\' > part-000001.ck\ncksum < \'parts/part-000002.sgy\' > part-000002.ck' ]
	sed 's|node2:/scratch/part-000002.sgy|node2:/scratch/other.sgy|' m2.yaml >m3.yaml
	run -1 --separate-stderr taskrun --dry-run --input-manifest m3.yaml cat {}
	[ "$stderr" = "taskrun: m3.yaml: part-000002.sgy: copy node2:/scratch/other.sgy is not named part-000002.sgy" ]
}

@test "taskrun --input-manifest: a copy missing on its holder, or not what the manifest says: the task reads another copy without spending a retry; none left: not run" {
	lab_need_root
	cd "$T"
	segsynth --line 3,50,24,25 --reflector 0.01 -n 101 -o line.sgy
	segsplit --key fldr -d local line.sgy
	printf 'node1\nnode2\n' >hosts
	segsplit --hosts hosts --copies 2 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --key fldr -d parts line.sgy
	size=$(stat -c %s local/part-000001.sgy)
	# The manifest as split, for the runs below that must not see the
	# copies the ones before them place.
	cp parts/manifest.yaml parts/orig.yaml
	# node1's copy of piece 1 is gone; every task placed on node1.
	rm "$LAB/keep/node1/parts/part-000001.sgy"
	run -0 --separate-stderr "${TR[@]}" -H hosts -s a -k --where node1 --locality-wait 60s \
		--input-manifest parts/manifest.yaml 'cksum < {}'
	[ "$stderr" = "" ]
	[ "$output" = "$(for f in local/part-*; do cksum <"$f"; done)" ]
	run -0 awk -F'\t' '$2 == "input" || $2 == "lost" || $2 == "fail" { print $2, $3, $5, $6, $12 }' a/journal
	[ "${lines[0]}" = "input 1 node1 1 failed local from=node1: $LAB/keep/node1/parts/part-000001.sgy: No such file or directory" ]
	[ "${lines[1]}" = "lost 1 node1 0 input piece: $LAB/keep/node1/parts/part-000001.sgy: No such file or directory" ]
	[ "$(grep '^input 1 ' <<<"$output" | sed -n 2p)" = "input 1 node1 0 moved bytes=$size from=node2" ]
	[ "$(j_count a/journal fail)" = 0 ]
	# The piece streamed there is node1's copy again.
	cmp "$LAB/keep/node1/parts/part-000001.sgy" local/part-000001.sgy
	[ "$(awk -F'\t' '$2 == "copy" { print $3, $5, $12 }' a/journal)" = "1 node1 size=$size xxh64=$(python3 "$XXH" local/part-000001.sgy) path=parts/part-000001.sgy" ]
	# Piece 2's first copy damaged (same size); every task placed on
	# node3 (one slot), which holds none: piece 2 is streamed from its
	# first copy (the holders are equally idle), refused by its xxh64,
	# then streamed from the other.
	first=$(awk '/^    at: / { n++ } n == 2 { sub(/^    at: \["/, ""); sub(/:.*/, ""); print; exit }' parts/manifest.yaml)
	other=$([ "$first" = node1 ] && echo node2 || echo node1)
	printf 'X' | dd of="$LAB/keep/$first/parts/part-000002.sgy" bs=1 seek=3000 conv=notrunc 2>/dev/null
	printf '1/node1\n1/node2\n1/node3\n' >hosts3
	run -0 --separate-stderr "${TR[@]}" -H hosts3 -s b -k --where node3 --locality-wait 60s \
		--input-manifest parts/manifest.yaml 'cksum < {}'
	[ "$stderr" = "" ]
	[ "$output" = "$(for f in local/part-*; do cksum <"$f"; done)" ]
	run -0 awk -F'\t' '$2 == "input" && $3 == 2 { print $6, $12 }' b/journal
	# Under load the first holder's agent may not be up when node3 takes
	# the task, and the intact copy is streamed at once: the damaged one
	# is then never read (the cksums above say it was not used).
	if [ "${#lines[@]}" = 2 ]; then
		[[ "${lines[0]}" = "1 failed moved bytes=$size from=$first: "*"/part-000002.sgy: relayed $size bytes with xxh64 "*", the manifest says $size bytes, "* ]]
	fi
	[ "${lines[-1]}" = "0 moved bytes=$size from=$other" ]
	[ "$(j_count b/journal fail)" = 0 ]
	# Every task placed on that holder: its copy of piece 2 in place has
	# the right size but not the xxh64, so it is not used (the agent
	# hashes it before the task reads it) and the piece comes from the
	# other copy.
	good=$(awk '/^    xxh64: / { n++ } n == 2 { gsub(/[" ]|xxh64:/, ""); print; exit }' parts/manifest.yaml)
	bad=$(python3 "$XXH" "$LAB/keep/$first/parts/part-000002.sgy")
	[ "$bad" != "$good" ]
	run -0 --separate-stderr "${TR[@]}" -H hosts -s d -k --where "$first" --locality-wait 60s \
		--input-manifest parts/orig.yaml 'cksum < {}'
	[ "$stderr" = "" ]
	[ "$output" = "$(for f in local/part-*; do cksum <"$f"; done)" ]
	run -0 awk -F'\t' '$2 == "input" && $3 == 2 { print $5, $6, $12 }' d/journal
	[ "${lines[0]}" = "$first 1 failed local from=$first: $LAB/keep/$first/parts/part-000002.sgy: xxh64 $bad, the manifest says $good" ]
	[ "${lines[1]}" = "$first 0 moved bytes=$size from=$other" ]
	[ "${#lines[@]}" = 2 ]
	[ "$(j_count d/journal fail)" = 0 ]
	# No copy of piece 1 left and no lineage (a manifest without it): its
	# task is not run, the others are.
	rm "$LAB/keep/node1/parts/part-000001.sgy" "$LAB/keep/node2/parts/part-000001.sgy"
	grep -v '^lineage:' parts/orig.yaml >parts/nolin.yaml
	run -1 --separate-stderr "${TR[@]}" -H hosts -s c -k --locality-wait 0 \
		--input-manifest parts/nolin.yaml 'cksum < {}'
	# The log of its last attempt is named when that attempt made one
	# (whether it did depends on when the agent found the copy missing).
	[[ "$stderr" =~ ^"taskrun: task 1: not run: no holder of its input piece is left"( \(log\ c/logs/1\.[0-9]+\.err\))?": cksum < 'parts/part-000001.sgy'"$ ]]
	[ "$(j_count c/journal done)" = 2 ]
}

@test "taskrun --input-manifest: both holders of pieces removed mid-run: the controller remakes each piece from its lineage, once, and the result is the same" {
	lab_need_root
	cd "$T"
	segsynth --line 3,50,24,25 --reflector 0.01 -n 101 -o line.sgy
	segsplit --key fldr -d local line.sgy
	printf 'node1\nnode2\n' >h2
	segsplit --hosts h2 --copies 2 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --key fldr -d parts line.sgy
	cp parts/manifest.yaml parts/orig.yaml
	size=$(stat -c %s local/part-000002.sgy)
	# Every task on node3, which holds no copy: piece 1 is streamed from
	# a holder and its task waits on a file; once the piece is there
	# (node3 first tries to fetch it itself, which fails here: the lab
	# user cannot read the key), both holders leave the host file, so
	# pieces 2 and 3 have no copy left.
	printf '1/node1\n1/node2\n1/node3\n' >hosts
	touch hold
	"${TR[@]}" -H hosts -s s -k --where node3 --locality-wait 60s --no-speculate \
		--input-manifest parts/manifest.yaml "while [ -e $T/hold ]; do sleep 0.05; done; cksum < {}" >out 2>err &
	BG=$!
	lab_wait "[ -f s/journal ] && [ \$(j_count s/journal input node3 1) -ge 1 ]" 30
	printf '1/node3\n' >hosts.new
	mv hosts.new hosts
	kill -USR1 "$BG"
	lab_wait "[ \$(j_count s/journal drain) -ge 2 ]" 30
	rm hold
	wait "$BG"
	BG=""
	[ "$(cat err)" = "" ]
	[ "$(cat out)" = "$(for f in local/part-*; do cksum <"$f"; done)" ]
	# Pieces 2 and 3 remade once each (segsplit --remake into the state
	# directory), streamed to node3, the bytes of the local split.
	run -0 awk -F'\t' '$2 == "input" { print $3, $5, $6, $12 }' s/journal
	[ "${#lines[@]}" = 3 ]
	[[ "${lines[0]}" =~ ^"1 node3 0 moved bytes=$(stat -c %s local/part-000001.sgy) from=node"[12]$ ]]
	[[ "${lines[1]}" =~ ^"2 node3 0 remade bytes=$size from=lineage copy lost=node"[12]",node"[12]$ ]]
	[[ "${lines[2]}" =~ ^"3 node3 0 remade bytes=$(stat -c %s local/part-000003.sgy) from=lineage copy lost=node"[12]",node"[12]$ ]]
	for i in 2 3; do cmp "s/remade/part-00000$i.sgy" "local/part-00000$i.sgy"; done
	[ "$(j_count s/journal done)" = 3 ]
	run -0 taskrun report s
	grep -qx "remade from its lineage: task 2, piece part-000002.sgy, on node3 (no copy left)" <<<"$output"
	grep -qx "remade from its lineage: task 3, piece part-000003.sgy, on node3 (no copy left)" <<<"$output"
	# The remade pieces stay on node3 as copies (tested below).
	[ "$(awk -F'\t' '$2 == "copy" { print $3, $5 }' s/journal | tr '\n' ' ')" = "2 node3 3 node3 " ]
	# A source changed since (and the manifest as split, without the
	# copies on node3): the remake fails, the task is not run.
	printf 'X' | dd of=line.sgy bs=1 seek=$((3600 + 24 * 644 + 300)) conv=notrunc 2>/dev/null
	run -1 --separate-stderr "${TR[@]}" -H hosts -s t -k --locality-wait 0 \
		--input-manifest parts/orig.yaml 'cksum < {}'
	[ "$(j_count t/journal done)" = 2 ]
	grep -q "^segsplit: part-000002.sgy: remade $size bytes with xxh64 [0-9a-f]*, the manifest says $size bytes, [0-9a-f]* (has the source changed?)$" <<<"$stderr"
	grep -q "^taskrun: task 2: not run: no holder of its input piece is left" <<<"$stderr"
	[ "$(awk -F'\t' '$2 == "input" && $3 == 2 { print $6, $12 }' t/journal)" = "1 failed remade from=lineage: segsplit --remake 2 $T/parts/orig.yaml exited with status 1" ]
}

@test "taskrun --input-manifest: a piece remade for want of a copy stays on its runner as a new copy in the manifest; a second run remakes nothing; a listed holder whose agent cannot start counts as gone at once" {
	lab_need_root
	cd "$T"
	segsynth --line 2,50,24,25 --reflector 0.01 -n 101 -o line.sgy
	segsplit -R 4 -d local line.sgy
	printf 'node1\nnode2\n' >h2
	segsplit --hosts h2 --ssh "$LAB_SSH" --agent "$LAB_AGENT" -R 4 -d parts line.sgy
	grep -qx "lineage: {source: \"$T/line.sgy\", from: segy, sample-format: 0, little: -1, zstd: 0, read: stride, stride: 4}" parts/manifest.yaml
	cp parts/manifest.yaml before.yaml
	# node1's pieces said to be on dead1 (nothing listens there), for the
	# last run.
	sed 's/"node1:/"dead1:/' parts/manifest.yaml >parts/dead.yaml
	# node1 (pieces 1 and 3, the plan's alternation) is not in the host
	# file: those pieces have no copy left and are remade.
	printf '1/node2\n1/node3\n' >hosts
	want=$(for f in local/part-*; do cksum <"$f"; done)
	run -0 --separate-stderr "${TR[@]}" -H hosts -s a -k --locality-wait 0 \
		--input-manifest parts/manifest.yaml 'cksum < {}'
	[ "$stderr" = "" ]
	[ "$output" = "$want" ]
	[ "$(awk -F'\t' '$2 == "input" && $12 ~ /^remade / { print $3 }' a/journal | tr '\n' ' ')" = "1 3 " ]
	# Each became a copy on the host that ran its task: journalled with
	# host, path, size and xxh64, and added to the manifest's locations.
	run -0 awk -F'\t' '$2 == "copy" { print $3, $5, $12 }' a/journal
	[ "${#lines[@]}" = 2 ]
	for i in 1 3; do
		f=$(printf 'part-%06d.sgy' "$i")
		h=$(awk -F'\t' -v t="$i" '$2 == "copy" && $3 == t { print $5 }' a/journal)
		x=$(python3 "$XXH" "local/$f")
		grep -qx "$i $h size=$(stat -c %s "local/$f") xxh64=$x path=parts/$f" <<<"$output"
		cmp "$LAB/keep/$h/parts/$f" "local/$f"
		grep -qx "    at: \[\"node1:parts/$f\", \"$h:parts/$f\"\]" parts/manifest.yaml
	done
	# Nothing else of the manifest changed.
	diff <(grep -v '^    at: ' before.yaml) <(grep -v '^    at: ' parts/manifest.yaml)
	# The same command again resumes its state directory (the pieces
	# have more copies, the tasks are the same): all done, nothing run.
	starts=$(j_count a/journal start)
	run -0 --separate-stderr "${TR[@]}" -H hosts -s a -k --locality-wait 0 \
		--input-manifest parts/manifest.yaml 'cksum < {}'
	[ "$stderr" = "" ]
	[ "$(j_count a/journal start)" = "$starts" ]
	# A second flow on the same manifest: every piece read where it lies
	# or streamed from a live copy, none remade, the same result.  (A
	# piece streamed while a copy of it is lost, 1 or 3 here, becomes a
	# copy on its runner too; 2 and 4 lost none.)
	run -0 --separate-stderr "${TR[@]}" -H hosts -s b -k --locality-wait 0 \
		--input-manifest parts/manifest.yaml 'cksum < {}'
	[ "$stderr" = "" ]
	[ "$output" = "$want" ]
	[ "$(awk -F'\t' '$2 == "input" && $12 ~ /^remade / { n++ } END { print n + 0 }' b/journal)" = 0 ]
	[ "$(awk -F'\t' '$2 == "input" && $6 == 0 { n++ } END { print n + 0 }' b/journal)" = 4 ]
	[ "$(awk -F'\t' '$2 == "copy" && $3 != 1 && $3 != 3 { n++ } END { print n + 0 }' b/journal)" = 0 ]
	# dead1 listed, its agent cannot start: its pieces (1 and 3) count as
	# gone at once and are remade before it is quarantined a third time
	# (when it would be given up on: the rule before), then placed as
	# copies on the live hosts, in dead.yaml.
	printf 'dead1\n1/node2\n1/node3\n' >hosts
	run -0 --separate-stderr "${TR[@]}" -H hosts -s c -k --locality-wait 0 \
		--input-manifest parts/dead.yaml 'cksum < {}'
	[ "$output" = "$want" ]
	[ "$stderr" = "taskrun: dead1: agent did not start: ssh: connect to host 127.0.0.1 port 1: Connection refused" ]
	[ "$(awk -F'\t' '$2 == "input" && $12 ~ /^remade / { print $3 }' c/journal | tr '\n' ' ')" = "1 3 " ]
	run -0 awk -F'\t' '$2 == "quarantine" && $5 == "dead1" { q++ } $2 == "input" && $12 ~ /^remade / { print q + 0; exit }' c/journal
	[ "$output" -lt 3 ]
	[ "$(j_count c/journal copy)" = 2 ]
	[ "$(grep -c '^    at: \["dead1:parts/part-00000[13].sgy", "node[23]:parts/part-00000[13].sgy"\]$' parts/dead.yaml)" = 2 ]
}
