#!/usr/bin/env bats
# Issue 16's acceptance flow, end to end on the loopback ssh lab (lab.bash):
# a survey split onto three hosts with two copies of each piece (segsplit
# --hosts), each piece migrated on a host that holds it (taskrun
# --input-manifest, --keep), the partial images summed, and the result compared byte for byte
# with the same flow run locally (segsplit -d, migrate each piece, segmerge
# --sum).  The lab hosts share one file system; each has its own directory
# ($LAB/keep/HOST, the agents' TASKRUN_KEEP_DIR), so a file's directory says
# which host holds it, and cut1 sits in a network namespace behind a veth
# whose byte counters are the traffic between it and the controller.
#
# The sum: the first test sums the kept images near the data (segmerge
# --sum --kept: a partial sum on each host, added in a tree host to host,
# the image read by the controller); the
# fault tests sum the kept files from the hosts' directories, after
# checking each against the local flow's partial image.
bats_require_minimum_version 1.5.0

# Migration parameters: small and cheap (48 output traces, 200 samples).
MIG="--vel 2000 --grid 0,25,48 --nt 200 --aperture 400"

setup_file() {
	load lab
	lab_setup_file
	[ -n "${LAB:-}" ] || return 0
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	# The lab user runs the same migrate binary as the local flow.
	cp "$BATS_TEST_DIRNAME/../../bin/migrate" "$BATS_TEST_DIRNAME/../../bin/segmerge" "$LAB"
	chmod 755 "$LAB/migrate" "$LAB/segmerge"
	FLOW=$LAB/flow
	export FLOW
	mkdir -p "$FLOW/limg"
	# 24 shots x 48 channels x 500 samples: 2.6 MB of SEG-Y, 12 pieces of
	# two shots each.
	segsynth --line 24,50,48,25 --nt 500 --vel 2000 -D 600,0.3 -R 0.5 -o "$FLOW/line.sgy"
	segsplit --key fldr --group 2 -d "$FLOW/local" "$FLOW/line.sgy"
	local p
	for p in "$FLOW"/local/part-*.sgy; do
		migrate $MIG "$p" -o "$FLOW/limg/${p##*/}"
	done
	segmerge --sum "$FLOW"/limg/part-*.sgy -o "$FLOW/local.sgy"
	chmod -R a+rX "$FLOW"
	# The distributed split, shared by the tests: two copies of each piece
	# on node1, node2 and cut1 (a relative -d: each host keeps its copies
	# in parts/ of its own directory), and the bytes cut1's link carried.
	printf '1/node1\n1/node2\n1/cut1\n' >"$FLOW/hosts"
	V0=$(veth_bytes)
	(cd "$FLOW" && segsplit --hosts hosts --copies 2 --ssh "$LAB_SSH" --agent "$LAB_AGENT" \
		--key fldr --group 2 -d parts line.sgy) 2>"$FLOW/split.err" || true
	V1=$(veth_bytes)
	export V0 V1
	# One line per piece: its path on its hosts and the hosts.
	pieces "$FLOW/parts/manifest.yaml" >"$FLOW/pieces.tsv"
	cut -f2 "$FLOW/pieces.tsv" >"$FLOW/where"
}

teardown_file() {
	load lab
	lab_teardown_file
}

setup() {
	load lab
	lab_setup
	if [ -n "${LAB:-}" ]; then
		rm -rf "$LAB"/keep/*/img
		TR=(taskrun --ssh "$LAB_SSH" --agent "$LAB_AGENT" --backoff 1s)
		# The migration task: the piece {} (its path on the host that
		# runs it) migrated to standard output, which --keep puts in
		# img/ there.
		MCMD="$LAB/migrate $MIG {}"
	fi
}

teardown() {
	lab_teardown
}

# pieces MANIFEST: one line per piece, "path<TAB>host,host", the path the
# piece has on its hosts (the same on each) and the hosts that hold it.
pieces() {
	awk '/^    at: / { sub(/^    at: \[/, ""); sub(/\]$/, ""); gsub(/"/, ""); n = split($0, l, /, /);
		hs = ""; for (i = 1; i <= n; i++) { c = index(l[i], ":"); p = substr(l[i], c + 1);
		hs = hs (i > 1 ? "," : "") substr(l[i], 1, c - 1) } print p "\t" hs }' "$1"
}

# migrate_cmd HOSTFILE STATE [OPTION...]: the migration by locality (one
# task per piece of the manifest, run where a copy lies), as the command
# line in the array M.
migrate_cmd() {
	local hosts=$1 state=$2
	shift 2
	M=("${TR[@]}" -H "$hosts" -s "$state" --input-manifest "$FLOW/parts/manifest.yaml" --locality-wait 60s
		--keep 'img/{/}' "$@" "$MCMD")
}

# sum_kept STATE: sums the kept images of `taskrun kept STATE` (checked by
# check_kept) in task order, reading them from the hosts' directories (one
# file system here), into $T/image.sgy.
sum_kept() {
	segmerge --sum $(taskrun kept "$1" | awk -F'\t' -v k="$LAB/keep" '{ print k "/" $2 "/" $5 }') -o "$T/image.sgy"
}

# The task data and all the bytes the controller's connections carried in
# a run: "stdin stdout rx+tx" from the down events of STATE/journal.
carried() {
	awk -F'\t' '$2 == "down" { split($12, f, /[ =]/); rx += f[4]; tx += f[6]; i += f[8]; o += f[10] }
		END { print i + 0, o + 0, rx + tx }' "$1/journal"
}

# cut1_crossing SUMSTATE: what segmerge --sum --kept's rounds (SUMSTATE/r*/)
# sent across cut1's link: prints the bytes of the partial sums read from
# cut1 by another host, read by cut1 from another host (an attempt that
# failed counts too) or fetched from cut1 by this machine, and the count
# of ssh sessions across the link (cut1's agents and those reads).
cut1_crossing() {
	local r need=0 sessions=0 n h peer bytes
	read -r h _ bytes <"$1/fetched"
	[ "$h" != cut1 ] || { need=$bytes; sessions=1; }
	for r in "$1"/r*/; do
		sessions=$((sessions + $(awk -F'\t' '$2 == "up" && $5 == "cut1"' "$r/taskrun/journal" | wc -l)))
		while read -r n h; do
			read -r _ peer bytes _ < <(grep '^peer' "$r/$n.list") || continue
			if [ "$h" = cut1 ] && [ "$peer" != cut1 ] || [ "$h" != cut1 ] && [ "$peer" = cut1 ]; then
				need=$((need + bytes))
				sessions=$((sessions + 1))
			fi
		done < <(awk -F'\t' '$2 == "done" { print $3, $5 }' "$r/taskrun/journal")
	done
	echo "$need $sessions"
}

# Every done of STATE/journal on a host that holds its task's piece (a
# host in its --where list): prints the count of tasks done.
check_local() {
	awk -F'\t' 'NR == FNR { w[NR] = "," $0 ","; next }
		$2 == "done" { n[$3]++; if (index(w[$3], "," $5 ",") == 0) { print "task " $3 " ran on " $5 " away from its piece"; bad = 1 } }
		END { if (!bad) print length(n) }' "$FLOW/where" "$1/journal"
}

# check_kept STATE: `taskrun kept STATE` lists each of the 12 tasks once,
# its file is on its host with the listed size and xxh64 and the bytes of
# the local flow's partial image, and no host holds any other image file
# (no second copy, no temporary).
check_kept() {
	local task host size hash path n=0
	taskrun kept "$1" >"$T/kept" || return 1
	[ "$(cut -f1 "$T/kept" | tr '\n' ' ')" = "$(seq 12 | tr '\n' ' ')" ] || { echo "kept tasks: $(cut -f1 "$T/kept" | tr '\n' ' ')"; return 1; }
	python3 "$BATS_TEST_DIRNAME/xxh64.py" $(awk -F'\t' -v k="$LAB/keep" '{ print k "/" $2 "/" $5 }' "$T/kept") >"$T/kept.xxh" ||
		{ echo "a kept file is missing"; return 1; }
	while IFS=$'\t' read -r task host size hash path; do
		n=$((n + 1))
		[ "$(stat -c %s "$LAB/keep/$host/$path")" = "$size" ] || { echo "task $task: size"; return 1; }
		[ "$(sed -n "${n}p" "$T/kept.xxh")" = "$hash" ] || { echo "task $task: xxh64"; return 1; }
		cmp "$LAB/keep/$host/$path" "$FLOW/limg/${path##*/}" || return 1
	done <"$T/kept"
	[ "$(find "$LAB"/keep/*/img -mindepth 1 | wc -l)" = 12 ] || { echo "image files on the hosts:"; find "$LAB"/keep/*/img -mindepth 1; return 1; }
}

# The live processes of the lab user (not zombies: this machine's init
# does not reap what a killed process leaves).
live_procs() {
	ps -o pid=,stat= -u "$LAB_USER" | awk '$2 !~ /^Z/ { print $1 }'
}

# Whether process PID has ended (gone, or a zombie).
ended() {
	[ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" = Z ]
}

veth_bytes() {
	echo $(($(cat /sys/class/net/"${LAB_VETH}a"/statistics/rx_bytes) + $(cat /sys/class/net/"${LAB_VETH}a"/statistics/tx_bytes)))
}

@test "distflow: split onto 3 hosts with 2 copies, migrate by locality, sum in a tree: the local flow's bytes; the controller carried control frames and the image" {
	lab_need_root
	# The split: every piece has two copies on different hosts, each with
	# the bytes of the local split's piece.
	[ ! -s "$FLOW/split.err" ] || { cat "$FLOW/split.err"; false; }
	[ "$(wc -l <"$FLOW/pieces.tsv")" = 12 ]
	while IFS=$'\t' read -r path hosts; do
		[ "$(tr ',' '\n' <<<"$hosts" | sort -u | wc -l)" = 2 ]
		for h in ${hosts//,/ }; do cmp "$LAB/keep/$h/$path" "$FLOW/local/${path##*/}"; done
	done <"$FLOW/pieces.tsv"
	# cut1's copies crossed its link (at least their bytes went over it).
	oncut=$(awk -F'\t' '$2 ~ /cut1/ { print $1 }' "$FLOW/pieces.tsv" | sed "s|^|$LAB/keep/cut1/|" | xargs cat | wc -c)
	[ "$oncut" -gt 0 ]
	[ $((V1 - V0)) -gt "$oncut" ]
	v1=$(veth_bytes)
	migrate_cmd "$FLOW/hosts" "$T/s"
	run -0 --separate-stderr "${M[@]}"
	[ "$stderr" = "" ]
	v2=$(veth_bytes)
	# Every piece migrated once, on a host that holds it, its image kept
	# there; taskrun counted every piece's bytes as read where it lies.
	[ "$(j_count "$T/s/journal" done)" = 12 ]
	[ "$(check_local "$T/s")" = 12 ]
	check_kept "$T/s"
	data=$(cat "$FLOW"/local/part-*.sgy | wc -c)
	run -0 taskrun status "$T/s"
	grep -qx "inputs: $data bytes read where they lie, 0 bytes moved" <<<"$output"
	# No task data through the controller, and little else: all its
	# connections carried (frames, heartbeats) under 2% of the data.
	run -0 carried "$T/s"
	read -r in out ctl <<<"$output"
	[ "$in $out" = "0 0" ]
	[ "$ctl" -lt $((data / 50)) ]
	# cut1's link carried no piece and no image: less than its smallest
	# piece went over it during the migration.
	small=$(awk -F'\t' '$2 ~ /cut1/ { print $1 }' "$FLOW/pieces.tsv" | sed "s|^|$LAB/keep/cut1/|" | xargs stat -c %s | sort -n | head -1)
	[ $((v2 - v1)) -lt "$small" ]
	# The sum in a tree (segmerge --sum --kept): each host sums the
	# images it keeps and keeps that partial sum, pairs of hosts add
	# theirs, reading one another's through the launcher (the lab user
	# can read the lab's key for that), and the controller receives the
	# last: the image.  The local flow's image, byte for byte.
	chown "$LAB_USER" "$LAB/id"
	run -0 --separate-stderr segmerge --sum --kept "$T/s" --ssh "$LAB_SSH" --agent "$LAB_AGENT" \
		--remote "$LAB/segmerge" --state "$T/st" -o "$T/image.sgy"
	chown root "$LAB/id"
	[ "$stderr" = "" ]
	v3=$(veth_bytes)
	cmp "$T/image.sgy" "$FLOW/local.sgy"
	# The controller received one partial sum, the last: the image's
	# traces (1 byte more each) behind its file header and the text lines
	# of the twelve pieces; taskrun carried the piece and pair lists out
	# and nothing in.
	[ "$(ls "$T"/st/r*/*.out 2>/dev/null | wc -l)" = 0 ]
	[ "$(wc -l <"$T/st/fetched")" = 1 ]
	read -r fh fpath fbytes <"$T/st/fetched"
	text=$(printf 'SKPSUM1\nhost %s\n' "$fh"; for i in $(seq 0 11); do printf 'piece %d ok 200 4000 240 0 48\n' "$i"; done
		printf 'info 1 0 5 200 4000 240 48 0 3600\n')
	[ "$fbytes" = $((${#text} + 1 + $(stat -c %s "$T/image.sgy") + 48 + 1)) ]
	for r in "$T"/st/r*/; do
		run -0 carried "$r/taskrun"
		read -r in out ctl <<<"$output"
		[ "$in $out" = "$(cat "$r"/*.list | wc -c) 0" ]
	done
	# cut1's link carried the partial sums that had to cross it and the
	# ssh sessions that crossed it, and no image: the bytes it carried
	# are under those partial sums plus 24 KiB a session and 4 KiB of
	# stray packets (a session costs 16-21 KB here: an ssh login about 10
	# KB, the rest the agent's frames and the transfer's framing; an image
	# is 53 KB).  The images cut1 keeps are no bound: under load it may
	# keep one or two (the fresh-clone CI of 5d2dd64 failed on that bound).
	read -r need sessions <<<"$(cut1_crossing "$T/st")"
	[ $((v3 - v2)) -lt $((need + sessions * 24576 + 4096)) ] ||
		{ echo "cut1's link: $((v3 - v2)) bytes, partial sums $need bytes, $sessions sessions"; false; }
}

@test "distflow: a host holding pieces is lost in the middle of the migration: its pieces are read from their copies, its images remade, the result identical" {
	lab_need_root
	# The cut lands while tasks run, whatever the load: the first task a
	# host starts runs at once, every later one waits while $T/hold
	# exists.  So cut1 finishes one task and holds its second when its
	# link goes; the hold goes once the controller has lost cut1, so the
	# tasks left (cut1's among them) start after the loss.
	mkdir -m 777 "$T/first"
	touch "$T/hold"
	MCMD="mkdir $T/first/\$(basename \$TASKRUN_KEEP_DIR) 2>/dev/null || while [ -e $T/hold ]; do sleep 0.05; done; $MCMD"
	migrate_cmd "$FLOW/hosts" "$T/s" --lease 2s --no-speculate
	"${M[@]}" 2>"$T/err" &
	BG=$!
	j="$T/s/journal"
	lab_wait "[ -f '$j' ] && [ \$(j_count '$j' done cut1) -ge 1 ] && [ \$(j_count '$j' start cut1) -ge 2 ]" 30
	ip link set "${LAB_VETH}a" down
	lab_wait "[ \$(j_count '$j' lost cut1) -ge 1 ]" 30
	rm "$T/hold"
	wait "$BG"
	BG=""
	ip link set "${LAB_VETH}a" up
	# cut1's images were remade on the other holders of their pieces.
	on_cut=$(j_count "$j" done cut1)
	[ "$on_cut" = 1 ]
	[ "$(j_count "$j" remake cut1)" = 1 ]
	grep -qx "taskrun: cut1: 1 kept output lost with the host: remade" "$T/err"
	[ "$(j_count "$j" done)" = 13 ]
	[ "$(check_local "$T/s")" = 12 ]
	[ "$(awk -F'\t' '$2 == "done" { last[$3] = $5 } END { for (t in last) if (last[t] != "cut1") n++; print n }' "$j")" = 12 ]
	# Every kept image is where taskrun kept says, equal to the local
	# flow's; cut1's stale files are the only others.
	rm -rf "$LAB/keep/cut1/img"
	check_kept "$T/s"
	sum_kept "$T/s"
	cmp "$T/image.sgy" "$FLOW/local.sgy"
	# Nothing was moved between hosts: every piece was read where a copy
	# lies, some from the copy on node1 or node2 because cut1 was lost.
	run -0 taskrun status "$T/s"
	grep -q "^inputs: [0-9]* bytes read where they lie, 0 bytes moved$" <<<"$output"
	# The report names each piece read from a copy and each image remade.
	run -0 taskrun report "$T/s"
	awk -F'\t' '$2 == "input" && / copy lost=cut1/ { print $3 }' "$j" | sort -un >"$T/fromcopy"
	[ -s "$T/fromcopy" ]
	for t in $(cat "$T/fromcopy"); do
		from=$(awk -F'\t' -v t="$t" '$2 == "input" && $3 == t && / copy lost=cut1/ { sub(/.* from=/, "", $12); sub(/ .*/, "", $12); h = $12 } END { print h }' "$j")
		grep -qx "read from a copy: task $t, piece part-$(printf %06d "$t").sgy, from $from (cut1 lost)" <<<"$output"
	done
	for t in $(awk -F'\t' '$2 == "remake" { print $3 }' "$j"); do
		host=$(awk -F'\t' -v t="$t" '$2 == "done" && $3 == t { h = $5 } END { print h }' "$j")
		grep -qx "remade: task $t, img/part-$(printf %06d "$t").sgy, lost on cut1, now on $host" <<<"$output"
	done
}

@test "distflow: kill -9 of the controller in the middle of the migration, then a rerun: every piece migrated and every image kept once" {
	lab_need_root
	MCMD="sleep 0.4; $MCMD"
	migrate_cmd "$FLOW/hosts" "$T/s"
	# The controller stops itself (SIGSTOP, taskrun's test hook) after task
	# 4's done line; the tasks running meanwhile finish on their hosts and
	# put their images in place, but their done lines are never written:
	# the kill -9 comes while it is stopped.
	TASKRUN_TEST_STOP_AFTER_DONE=4 "${M[@]}" 2>"$T/err" &
	BG=$!
	j="$T/s/journal"
	lab_wait "[ \"\$(cut -d' ' -f3 /proc/$BG/stat)\" = T ]" 30
	lab_wait "[ \$(find '$LAB'/keep/*/img -name 'part-*' | wc -l) -gt \$(j_count '$j' done) ]" 10
	kill -9 "$BG"
	wait "$BG" || true
	BG=""
	# The agents lose their controller and stop.
	lab_wait "! pgrep -u $LAB_USER -f 'taskrun agent' >/dev/null" 20
	[ "$(j_count "$j" done)" -lt 12 ]
	# More images in place than done lines: the hard case for a rerun.
	[ "$(find "$LAB"/keep/*/img -name 'part-*' | wc -l)" -gt "$(j_count "$j" done)" ]
	awk -F'\t' '$2 == "done" { print $3 }' "$j" >"$T/before"
	run -0 --separate-stderr "${M[@]}"
	[ "$stderr" = "" ]
	# One done per task, each on a holder of its piece; the rerun ran
	# only the tasks not done before the kill.
	[ "$(j_count "$j" done)" = 12 ]
	[ "$(check_local "$T/s")" = 12 ]
	[ "$(awk -F'\t' 'NR == FNR { d[$1]; next } $2 == "run" { runs++ } runs == 2 && $2 == "start" && ($3 in d) { n++ }
		END { print runs, n + 0 }' "$T/before" "$j")" = "2 0" ]
	check_kept "$T/s"
	run -0 taskrun status "$T/s"
	[ "${lines[1]}" = "tasks: 12 total, 12 done, 0 failed, 0 running, 0 pending" ]
	sum_kept "$T/s"
	cmp "$T/image.sgy" "$FLOW/local.sgy"
}

# Bytes both ways over cut1's link (the one veth behind which cut1 and cut2
# sit): the controller's traffic with those two hosts, and nothing else.
@test "distflow: a piece run away from its holder goes host to host, not through the controller; where that fails, through it" {
	lab_need_root
	# Every piece on cut1 alone; every task placed on cut2, which holds
	# none: each piece goes from cut1 to cut2.
	printf 'cut1\n' >"$T/h1"
	(cd "$T" && segsplit --hosts h1 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --key fldr --group 2 -d p2 "$FLOW/line.sgy")
	data=$(cat "$FLOW"/local/part-*.sgy | wc -c)
	small=$(stat -c %s "$FLOW"/local/part-*.sgy | sort -n | head -1)
	printf '1/cut1\n1/cut2\n' >"$T/hosts"
	# (cut1 takes no task: the wait for cut2 outlasts any load.)
	run_where() {  # STATE KEEPDIR
		"${TR[@]}" -H "$T/hosts" -s "$T/$1" --where cut2 --locality-wait 1h \
			--input-manifest "$T/p2/manifest.yaml" --keep "$2/{/}" 'cat {}'
	}
	# cut2's agent reaches cut1 through the same launcher (the lab user
	# can read the lab's key for that): the pieces cross no link of the
	# controller's; its link carried the control frames, less than the
	# smallest piece.
	chown "$LAB_USER" "$LAB/id"
	v0=$(veth_bytes)
	run -0 --separate-stderr run_where s k
	v1=$(veth_bytes)
	chown root "$LAB/id"
	[ "$stderr" = "" ]
	for f in "$FLOW"/local/part-*.sgy; do cmp "$LAB/keep/cut2/k/${f##*/}" "$f"; done
	# Every piece journalled as moved host to host, its bytes counted.
	[ "$(awk -F'\t' '$2 == "input" && $5 == "cut2" && $6 == 0 && $12 ~ /^moved bytes=[0-9]+ from=cut1 direct$/ { n++; s += substr($12, 13) }
		END { print n, s }' "$T/s/journal")" = "12 $data" ]
	[ "$(awk -F'\t' '$2 == "input"' "$T/s/journal" | wc -l)" = 12 ]
	[ "$(j_count "$T/s/journal" fetch)" = 0 ]
	[ $((v1 - v0)) -lt "$small" ]
	run -0 carried "$T/s"
	read -r in out ctl <<<"$output"
	[ "$in $out" = "0 0" ]
	[ "$ctl" -lt "$small" ]
	run -0 awk -F'\t' '$2 == "down" { split($12, f, /relayed=/); r += f[2] } END { print r + 0 }' "$T/s/journal"
	[ "$output" = 0 ]
	run -0 taskrun status "$T/s"
	grep -qx "inputs: 0 bytes read where they lie, $data bytes moved" <<<"$output"
	# The key unreadable: cut2 cannot reach cut1.  Its first fetch fails
	# (journalled with ssh's words), that piece and every later one come
	# through the controller: each crosses the controller's link twice.
	v2=$(veth_bytes)
	run -0 --separate-stderr run_where f k3
	v3=$(veth_bytes)
	[ "$stderr" = "" ]
	for f in "$FLOW"/local/part-*.sgy; do cmp "$LAB/keep/cut2/k3/${f##*/}" "$f"; done
	run -0 awk -F'\t' '$2 == "fetch" { print $3, $5, $6, $12 }' "$T/f/journal"
	[ "${#lines[@]}" = 1 ]
	[[ "${lines[0]}" =~ ^"1 cut2 1 failed from=cut1 status=255, through the controller now: ".*"Permission denied" ]]
	[ "$(awk -F'\t' '$2 == "input" && $6 == 0 && $12 ~ /^moved bytes=[0-9]+ from=cut1$/' "$T/f/journal" | wc -l)" = 12 ]
	[ $((v3 - v2)) -gt $((2 * data)) ]
	run -0 awk -F'\t' '$2 == "down" { split($12, f, /relayed=/); r += f[2] } END { print r + 0 }' "$T/f/journal"
	[ "$output" = "$data" ]
}

@test "distflow: the pieces a host fetches from one holder share one connection, with a launcher of the user's; nothing is left after the run, nor after kill -9 of the agent" {
	lab_need_root
	printf 'cut1\n' >"$T/h1"
	(cd "$T" && segsplit --hosts h1 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --key fldr --group 2 -d p2 "$FLOW/line.sgy")
	small=$(stat -c %s "$FLOW"/local/part-*.sgy | sort -n | head -1)
	printf '1/cut1\n1/cut2\n' >"$T/hosts"
	# The user's launcher (not called ssh): it logs each start, its pid
	# (ssh's, after the exec) and its words.
	cat >"$T/launch" <<SH
#!/bin/sh
echo "\$\$ \$*" >>$T/launches
exec ssh -F $LAB/ssh_config "\$@"
SH
	chmod 755 "$T/launch"
	: >"$T/launches"
	chmod 666 "$T/launches"
	# Every piece on cut1, every task on cut2: twelve fetches from cut1.
	run_where() {  # STATE KEEPDIR COMMAND
		taskrun --ssh "$T/launch" --agent "$LAB_AGENT" --backoff 1s -H "$T/hosts" -s "$T/$1" --where cut2 \
			--locality-wait 1h --input-manifest "$T/p2/manifest.yaml" --keep "$2/{/}" "$3"
	}
	chown "$LAB_USER" "$LAB/id"
	v0=$(veth_bytes)
	run -0 --separate-stderr run_where s k 'cat {}'
	v1=$(veth_bytes)
	chown root "$LAB/id"
	[ "$stderr" = "" ]
	for f in "$FLOW"/local/part-*.sgy; do cmp "$LAB/keep/cut2/k/${f##*/}" "$f"; done
	[ "$(awk -F'\t' '$2 == "input" && $5 == "cut2" && $12 ~ /^moved bytes=[0-9]+ from=cut1 direct$/' "$T/s/journal" | wc -l)" = 12 ]
	[ "$(j_count "$T/s/journal" fetch)" = 0 ]
	[ $((v1 - v0)) -lt "$small" ]
	# One start of cut1's server for the twelve pieces, beside the two
	# agents' starts.
	cut -d' ' -f2- "$T/launches" | sort >"$T/starts"
	printf '%s\n' "cut1 $LAB_AGENT" "cut1 $LAB_AGENT --serve" "cut2 $LAB_AGENT" | sort | diff - "$T/starts"
	# Nothing left: no process of the lab user (agents, the launchers,
	# the server on cut1), no temporary, no socket.
	lab_wait '[ -z "$(live_procs)" ]' 10
	[ -z "$(find "$LAB/keep" -name '.taskrun-*')" ]
	[ -z "$(find /tmp "$LAB" -maxdepth 3 -user "$LAB_USER" \( -type s -o -name '.taskrun-fetch.*' \))" ]
	# kill -9 of cut2's agent while its link to cut1 is open (its first
	# task holds): the link's ssh and cut1's server go with it.
	: >"$T/launches"
	touch "$T/hold"
	chown "$LAB_USER" "$LAB/id"
	run_where s2 k2 "cat {}; while [ -e $T/hold ]; do sleep 0.05; done" 2>"$T/err" &
	BG=$!
	lab_wait "grep -q -F -- ' --serve' '$T/launches' && [ -f '$T/s2/journal' ] && [ \$(j_count '$T/s2/journal' input cut2) -ge 1 ]" 30
	link=$(grep -F -- ' --serve' "$T/launches" | cut -d' ' -f1)
	agent=$(ps -o ppid= -p "$link" | tr -d ' ')
	[ "$(tr '\0' ' ' </proc/"$agent"/cmdline)" = "$LAB_AGENT " ]
	server=$(pgrep -u "$LAB_USER" -f -x -- "$LAB/taskrun agent --serve")
	[ -n "$server" ]
	kill -9 "$agent"
	lab_wait "ended $link && ended $server" 10
	rm "$T/hold"
	lab_kill_bg
	chown root "$LAB/id"
	lab_wait '[ -z "$(live_procs)" ]' 10
	[ -z "$(find /tmp "$LAB" -maxdepth 3 -user "$LAB_USER" \( -type s -o -name '.taskrun-fetch.*' \))" ]
}
