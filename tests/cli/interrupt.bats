#!/usr/bin/env bats
# Interrupted or out of space, every writer leaves nothing half-written:
# SIGINT, SIGTERM and SIGHUP at random moments (before and in the middle of
# the write) kill the command with status 128+n and leave the target, its
# directory and $TMPDIR exactly as they were; a full disk (a full device, a
# small tmpfs, a file size limit) or a failing one (EIO from a FUSE file
# system, eiofs.c) is "prog: FILE: <errno text>", exit 1, and nothing left
# behind.
bats_require_minimum_version 1.5.0
load helpers

SIGRUN="/usr/bin/python3 $BATS_TEST_DIRNAME/sigrun.py"
LINE="--line 50,50,48,25 --reflector 1.2 -n 1001"   # 2400 traces, 10 MB

setup_file() {
	local F=$BATS_FILE_TMPDIR
	segsynth $LINE -o "$F/line.sgy"
	segsplit --count 500 -d "$F/parts" "$F/line.sgy"
	segsynth --line 12,50,24,25 --diffractor 300,0.6 -n 501 -o "$F/m.sgy"
	segsynth --random 3000 --area 0,1000,0,1000 --plane 0.4,0.0002 -n 501 -o "$F/r.sgy"
	# The EIO file system (needs libfuse3-dev; the tests say so when absent).
	if pkg-config --exists fuse3 2>/dev/null; then
		cc -O1 -o "$F/eiofs" "$BATS_TEST_DIRNAME/eiofs.c" $(pkg-config --cflags --libs fuse3) || true
	fi
}

setup() {
	T=$BATS_TEST_TMPDIR
	F=$BATS_FILE_TMPDIR
	mkdir -p "$T/out" "$T/tmp"
	export TMPDIR=$T/tmp
	printf 'old bytes\n' > "$T/out/target"
	MNT=
	EIOPID=
}

teardown() {
	if [ -n "$MNT" ]; then umount "$MNT" || umount -l "$MNT" || true; fi
	# eiofs ends when unmounted; by its PID if it has not.
	if [ -n "$EIOPID" ]; then
		kill "$EIOPID" 2>/dev/null || true
		wait "$EIOPID" 2>/dev/null || true
	fi
}

# full_tmpfs: mounts a tmpfs of 2 MB at $T/full (MNT, unmounted by teardown);
# skips without root.
full_tmpfs() {
	[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
	MNT=$T/full
	mkdir "$MNT"
	mount -t tmpfs -o size=2m tmpfs "$MNT" || { MNT=; skip "cannot mount a tmpfs here"; }
}

# eio_mount MODE: mounts eiofs at $T/eio (MNT, unmounted by teardown) over
# $T/eio.back: every write(2) of a file fails with EIO, or every close(2) of
# a file written to (as NFS reports a failed write-back), ... (eiofs.c).
eio_mount() {
	[ "$(id -u)" = 0 ] || skip "mounting a FUSE file system needs root"
	[ -c /dev/fuse ] || skip "no /dev/fuse (FUSE is not in this kernel)"
	[ -x "$F/eiofs" ] || skip "tests/cli/eiofs.c not built: libfuse3-dev is missing (scripts/deps.sh installs it)"
	mkdir -p "$T/eio.back" "$T/eio"
	"$F/eiofs" "$1" "$T/eio.back" "$T/eio" 2>"$T/eiofs.err" &
	EIOPID=$!
	for _ in $(seq 200); do
		mountpoint -q "$T/eio" && break
		sleep 0.05
	done
	mountpoint -q "$T/eio" || skip "cannot mount FUSE here: $(cat "$T/eiofs.err")"
	MNT=$T/eio
}

# eio_writers MESSAGE-TEXT: every writer, its output on $MNT, exits 1 with
# "prog: FILE: MESSAGE-TEXT" and leaves $MNT as it was.
eio_writers() {
	local c before
	mkdir "$MNT/tr"
	before=$(state "$MNT")
	# segmerge --to su: 10 MB, its full buffers written behind by a thread.
	for c in "segsynth $LINE -o" "segmerge $F/line.sgy -o" "segmerge -m $F/parts/manifest.yaml -o" \
		 "segmerge --to su $F/line.sgy -o" "segedit cdp=1 $F/line.sgy -o" "regrid -g 0,10,100,0,10,100 -m nearest $F/r.sgy -o" \
		 "migrate --vel 2000 $F/m.sgy -o" "segplot $F/line.sgy -o"; do
		run -1 --separate-stderr $c "$MNT/out.png"
		echo "$c: $stderr"
		[ "$stderr" = "${c%% *}: $MNT/out.png: $1" ]
		[ "$(state "$MNT")" = "$before" ]
	done
	run -1 --separate-stderr segsplit --count 900 -d "$MNT/parts" "$F/line.sgy"
	[ "$stderr" = "segsplit: $MNT/parts/part-000001.sgy: $1" ]
	# Sorted pieces of 3.8 MB: written by a thread while the next fills.
	run -1 --separate-stderr segsplit --count 900 --sort cdp -d "$MNT/parts" "$F/line.sgy"
	[ "$stderr" = "segsplit: $MNT/parts/part-000001.sgy: $1" ]
	# One sorted piece of 10 MB, its full buffers written behind.
	run -1 --separate-stderr segsplit --count 3000 --sort cdp -d "$MNT/parts" "$F/line.sgy"
	[ "$stderr" = "segsplit: $MNT/parts/part-000001.sgy: $1" ]
	run -1 --separate-stderr taskrun --retries 1 --stdout "$MNT/tr/{/}" cat ::: "$F/m.sgy"
	[ "$stderr" = "taskrun: task 1: $MNT/tr/m.sgy: $1: cat $F/m.sgy" ]
	[ "$(state "$MNT")" = "$before" ]
	[ -z "$(ls -A "$T/tmp")" ]
}

# state DIR: every file and directory under DIR with its type, mode, size
# (files) and checksum; a directory's own size is left out (it grows with
# the entries it held a moment, and does not shrink).
state() {
	(cd "$1" && find . -mindepth 1 -type d -printf 'd %m %p\n' | sort &&
	 find . -type f -printf 'f %m %s %p\n' | sort && find . -type f -exec sha256sum {} + | sort -k 2)
}

# interrupt [SIGRUN-OPTIONS] -- COMMAND...: for each of SIGINT, SIGTERM and
# SIGHUP, one random moment early and one in the middle of the write; each
# time the status is 128+n, a mid-write stop saw the temporary, and $T/out
# and $TMPDIR are as before.
interrupt() {
	local before sig n mode out status seen
	before=$(state "$T/out")
	for sig in INT:2 TERM:15 HUP:1; do
		n=${sig#*:}
		sig=${sig%:*}
		for mode in early mid; do
			out=$($SIGRUN $sig $mode --watch "$T/out" "$@")
			status=${out% *}
			seen=${out#* }
			echo "SIG$sig $mode: status $status, temporary seen $seen"
			[ "$status" -eq $((128 + n)) ]
			[ "$mode" = early ] || [ "$seen" = 1 ]
			[ "$(state "$T/out")" = "$before" ] ||
				{ echo "SIG$sig $mode: $T/out changed"; diff <(echo "$before") <(state "$T/out"); false; }
			[ -z "$(ls -A "$T/tmp")" ] || { echo "SIG$sig $mode: left in \$TMPDIR:" "$T"/tmp/*; false; }
		done
	done
}

@test "segsynth -o: interrupted, the target keeps its bytes" {
	interrupt --reset "printf 'old bytes\n' > $T/out/target" -- segsynth $LINE -o "$T/out/target"
}

@test "segmerge --zstd -o fed by a pipe: interrupted, nothing changes" {
	interrupt --in "segsynth $LINE" --reset "printf 'old bytes\n' > $T/out/target" -- \
		segmerge --zstd -o "$T/out/target"
}

@test "segmerge -m MANIFEST -o: interrupted, nothing changes" {
	# zstd at level 19 makes the write long enough to land in, even on a
	# busy machine.
	interrupt --reset "printf 'old bytes\n' > $T/out/target" -- \
		segmerge -m "$F/parts/manifest.yaml" --zstd=19 -o "$T/out/target"
}

@test "segmerge -m of pieces on hosts, more than --streams (brought to TMPDIR first): interrupted, nothing changes, nothing left" {
	# 5 pieces sorted by cdp, each "on" two hosts that a launcher reaches
	# here (it drops the host word): a merge by keys of more pieces than
	# --streams 2 spools them into $TMPDIR as they arrive, then merges.
	# The early stop lands while they come (or before), the mid-write one
	# while the output is written, the spooled pieces still in $TMPDIR.
	segsplit --count 500 --sort cdp -d "$T/parts" "$F/line.sgy"
	awk -v d="$T/parts" '{ print } /^  - file: /{ f = $3; gsub(/"/, "", f) }
		/^    xxh64: /{ printf "    at: [\"node1:%s/%s\", \"node2:%s/%s\"]\n", d, f, d, f }' \
		"$T/parts/manifest.yaml" | sed 's/^version: 1$/version: 2/' >"$T/hosts.yaml"
	[ "$(grep -c '^    at: ' "$T/hosts.yaml")" = 5 ]
	interrupt --reset "printf 'old bytes\n' > $T/out/target" -- \
		segmerge --key cdp -m "$T/hosts.yaml" --ssh "sh -c 'shift; exec \"\$@\"' launcher" \
		--remote "$(command -v segmerge)" --streams 2 --zstd=19 -o "$T/out/target"
	# No sender is left behind.
	! pgrep -f -- "--cat=$T/parts/" >/dev/null
}

@test "segmerge --key into a file, its full buffers written behind by a thread: interrupted, nothing changes" {
	# Two runs of 5 MB sorted by cdp, merged into 10 MB of SU: the
	# signals land while a buffer is in the helper's hands, or before.
	segsplit --count 1200 --sort cdp -d "$T/runs" "$F/line.sgy"
	interrupt --reset "printf 'old bytes\n' > $T/out/target" -- \
		segmerge --key cdp --to su -m "$T/runs/manifest.yaml" -o "$T/out/target"
}

@test "segedit -o, its full buffers written behind by a thread: interrupted, nothing changes" {
	interrupt --reset "printf 'old bytes\n' > $T/out/target" -- \
		segedit cdp=cdp+1 --scale 2 "$F/line.sgy" -o "$T/out/target"
}

@test "segsplit -d over an earlier split: interrupted, the directory is as it was" {
	segsplit --count 700 -d "$T/saved" "$F/line.sgy"
	cp -a "$T/saved" "$T/out/split"
	interrupt --watch "$T/out/split" --in "cat $F/line.sgy" --reset "rm -rf $T/out/split && cp -a $T/saved $T/out/split" -- \
		segsplit --count 100 -d "$T/out/split"
}

@test "segsplit -d into a new directory: interrupted, no directory" {
	interrupt --watch "$T/out/new" --in "segsynth $LINE" --reset "rm -rf $T/out/new" -- \
		segsplit --count 100 -d "$T/out/new"
	[ ! -e "$T/out/new" ]
}

@test "segsplit --sort -d into a new directory, pieces written by a thread: interrupted, no directory" {
	# Pieces of 300 traces (1.27 MB) go out by a thread while the next
	# fills the sort buffer (split_write.c): the signals land in either.
	interrupt --watch "$T/out/new" --in "segsynth $LINE" --reset "rm -rf $T/out/new" -- \
		segsplit --count 300 --sort cdp,offset -d "$T/out/new"
	[ ! -e "$T/out/new" ]
}

@test "segsplit --sort of a file (mapped, pieces written from its pages by a thread): interrupted, no directory" {
	interrupt --watch "$T/out/new" --reset "rm -rf $T/out/new" -- \
		segsplit --count 300 --sort cdp,offset -d "$T/out/new" "$F/line.sgy"
	[ ! -e "$T/out/new" ]
}

@test "regrid -o fed by a pipe (spooled to TMPDIR): interrupted, nothing changes" {
	# zstd at level 19 makes the write long enough to land in, even on an
	# idle machine (a plain write can end within the watcher's 2 ms).  The
	# reset puts back both outputs: a run that ended before its moment
	# (more often under load) committed the fold table too.
	interrupt --in "cat $F/r.sgy" --reset "rm -f $T/out/fold.tsv && printf 'old bytes\n' > $T/out/target" -- \
		regrid -g 0,10,100,0,10,100 -m nearest -M 100k -t sgk -z19 -F "$T/out/fold.tsv" -o "$T/out/target"
}

@test "migrate -o fed by a pipe (spooled to TMPDIR): interrupted, nothing changes" {
	interrupt --in "cat $F/m.sgy" --reset "printf 'old bytes\n' > $T/out/target" -- \
		migrate --vel 2000 --grid 0,2,600 --zstd=19 -o "$T/out/target"
}

@test "segplot -o: interrupted, nothing changes" {
	interrupt --reset "printf 'old bytes\n' > $T/out/target" -- \
		segplot -s 2000x1500 --type png -o "$T/out/target" "$F/line.sgy"
}

@test "a full device: every writer says so, exit 1" {
	for c in "segsynth $LINE -o" "segmerge $F/line.sgy -o" "segmerge -m $F/parts/manifest.yaml -o" \
		 "segmerge --to su $F/line.sgy -o" \
		 "regrid -g 0,10,100,0,10,100 -m nearest $F/r.sgy -o" "migrate --vel 2000 $F/m.sgy -o" \
		 "segplot --type png $F/line.sgy -o"; do
		run -1 --separate-stderr $c /dev/full
		echo "$c: $stderr"
		[ "$stderr" = "${c%% *}: /dev/full: No space left on device" ]
	done
	run -1 --separate-stderr regrid -g 0,10,100,0,10,100 -m nearest -F /dev/full "$F/r.sgy" -o "$T/out/x"
	[ "$stderr" = "regrid: /dev/full: No space left on device" ]
	[ "$(ls -A "$T/out")" = target ]
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "a full standard output: said once, exit 1, also for --help, --version and taskrun's tasks" {
	local c
	for c in seginfo segmerge segsplit segedit regrid migrate segplot segsynth taskrun; do
		run -1 --separate-stderr sh -c "$c --help > /dev/full"
		echo "$c --help: $stderr"
		[ "$stderr" = "$c: <stdout>: No space left on device" ]
		run -1 --separate-stderr sh -c "$c --version > /dev/full"
		echo "$c --version: $stderr"
		[ "$stderr" = "$c: <stdout>: No space left on device" ]
	done
	for c in "-l" "-k cdp,offset $F/line.sgy" "$F/line.sgy" "--json $F/line.sgy"; do
		run -1 --separate-stderr sh -c "seginfo $c > /dev/full"
		echo "seginfo $c: $stderr"
		[ "$stderr" = "seginfo: <stdout>: No space left on device" ]
	done
	# Standard output is named one way, "<stdout>" (as "<stdin>"), whoever
	# finds it full: the traces a writer streams there, and what main
	# prints itself (it was "stdout" there).
	for c in "segsynth $LINE" "segmerge $F/line.sgy" "segplot --type png $F/line.sgy -o -"; do
		run -1 --separate-stderr sh -c "$c > /dev/full"
		echo "$c: $stderr"
		[ "$stderr" = "${c%% *}: <stdout>: No space left on device" ]
	done
	# Every task succeeds, but what they printed is lost: not a success.
	run -1 --separate-stderr sh -c "taskrun -j 1 echo ::: a b > /dev/full"
	[ "$stderr" = "taskrun: <stdout>: No space left on device" ]
	# A reader that has gone (its end closed before taskrun starts, so the
	# first write fails whatever the timing): taskrun ignores SIGPIPE and
	# gets EPIPE.
	run -1 --separate-stderr /usr/bin/python3 -c '
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.run(["taskrun", "-j", "1", "echo", ":::", "a", "b"], stdout=w).returncode)'
	[ "$stderr" = "taskrun: <stdout>: Broken pipe" ]
}

@test "a file size limit: File too large, exit 1, nothing left" {
	run -1 --separate-stderr bash -c "trap '' XFSZ; ulimit -f 64; segsynth $LINE -o $T/out/big.sgy"
	[ "$stderr" = "segsynth: $T/out/big.sgy: File too large" ]
	run -1 --separate-stderr bash -c "trap '' XFSZ; ulimit -f 64; segsplit --count 9000 -d $T/out/parts $F/line.sgy"
	[ "$stderr" = "segsplit: $T/out/parts/part-000001.sgy: File too large" ]
	# Sorted pieces of 1.27 MB, written by a thread: the limit (1 MiB)
	# stops the first while the second fills.
	run -1 --separate-stderr bash -c "trap '' XFSZ; ulimit -f 1024; segsplit --count 300 --sort cdp -d $T/out/parts $F/line.sgy"
	[ "$stderr" = "segsplit: $T/out/parts/part-000001.sgy: File too large" ]
	[ "$(ls -A "$T/out")" = target ]
}

@test "a full file system (a 2 MB tmpfs): every writer says so, exit 1, nothing left" {
	full_tmpfs
	# Full but for 16 KiB: every output below is larger.
	head -c $((2048 - 16))k /dev/zero > "$MNT/filler"
	before=$(state "$MNT")
	for c in "segsynth $LINE -o" "segmerge $F/line.sgy -o" "segmerge -m $F/parts/manifest.yaml -o" \
		 "segmerge --to su $F/line.sgy -o" \
		 "regrid -g 0,10,100,0,10,100 -m nearest $F/r.sgy -o" "migrate --vel 2000 $F/m.sgy -o" \
		 "segplot -s 2000x1500 $F/line.sgy -o"; do
		run -1 --separate-stderr $c "$MNT/out.png"
		echo "$c: $stderr"
		[ "$stderr" = "${c%% *}: $MNT/out.png: No space left on device" ]
		[ "$(state "$MNT")" = "$before" ]
	done
	run -1 --separate-stderr regrid -g 0,10,100,0,10,100 -m nearest -F "$MNT/fold.tsv" "$F/r.sgy" -o "$T/out/x"
	[ "$stderr" = "regrid: $MNT/fold.tsv: No space left on device" ]
	run -1 --separate-stderr segsplit --count 9000 -d "$MNT/parts" "$F/line.sgy"
	[ "$stderr" = "segsplit: $MNT/parts/part-000001.sgy: No space left on device" ]
	[ "$(state "$MNT")" = "$before" ]
	# Sorted pieces of 2.1 MB, written by a thread while the next fills:
	# with 3 MB free the second fails (the first was written), and the
	# split leaves nothing.
	rm "$MNT/filler"
	mount -o remount,size=8m "$MNT"
	head -c $((5 * 1024))k /dev/zero > "$MNT/filler"
	before=$(state "$MNT")
	run -1 --separate-stderr segsplit --count 500 --sort cdp -d "$MNT/parts" "$F/line.sgy"
	[ "$stderr" = "segsplit: $MNT/parts/part-000002.sgy: No space left on device" ]
	[ "$(state "$MNT")" = "$before" ]
	# One sorted piece of 10 MB, its full buffers written behind: the
	# first (4 MiB) does not fit in the 3 MB left.
	run -1 --separate-stderr segsplit --count 3000 --sort cdp -d "$MNT/parts" "$F/line.sgy"
	[ "$stderr" = "segsplit: $MNT/parts/part-000001.sgy: No space left on device" ]
	[ "$(state "$MNT")" = "$before" ]
	rm "$MNT/filler"
	mount -o remount,size=2m "$MNT"
	head -c $((2048 - 16))k /dev/zero > "$MNT/filler"
	before=$(state "$MNT")
	# A pipe spooled to a full $TMPDIR: the spool is named, and gone.
	run -1 --separate-stderr env TMPDIR="$MNT" sh -c "cat $F/m.sgy | migrate --vel 2000 -o $T/out/x"
	echo "$stderr"
	[[ "$stderr" == "migrate: "*"No space left on device" ]]
	[ "$(state "$MNT")" = "$before" ]
	[ "$(ls -A "$T/out")" = target ]
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "taskrun: a journal that fills its disk stops the run; what was printed is what the journal says done, once" {
	full_tmpfs
	# 128 KiB free: the task list (16 KB) fits, the journal's two lines a
	# task (about 200 bytes) do not for 3,000 tasks (600 KB): the disk
	# fills mid-run, wherever the scheduling puts it.  With 8 slots,
	# tasks still end after the first failed write, in the stop's grace:
	# each of those was printed though its done line was lost (then the
	# resume printed it again), and counted as done.
	head -c $((2048 - 128))k /dev/zero > "$MNT/filler"
	run -1 --separate-stderr sh -c "taskrun -j 8 -s $MNT/s echo {} ::: \$(seq 3000) > $T/out1"
	[ "${stderr_lines[0]}" = "taskrun: $MNT/s/journal: No space left on device" ]
	[ "${#stderr_lines[@]}" = 2 ]
	n=$(wc -l < "$T/out1")
	[ "$n" -gt 0 ] && [ "$n" -lt 3000 ]
	[ "${stderr_lines[1]}" = "taskrun: stopped: $n of 3000 tasks done; run the same command again to resume" ]
	# The journal's done lines (a torn last line is no event) are the
	# tasks printed.
	j=$MNT/s/journal
	if [ -n "$(tail -c 1 "$j")" ]; then head -n -1 "$j"; else cat "$j"; fi |
		awk -F'\t' '$2 == "done" { print $3 }' | sort -n > "$T/jdone"
	sort -n "$T/out1" | cmp - "$T/jdone"
	# Room again: the resume runs the rest, and every task was printed once.
	rm "$MNT/filler"
	run -0 --separate-stderr sh -c "taskrun -j 8 -s $MNT/s echo {} ::: \$(seq 3000) > $T/out2"
	[ "$stderr" = "" ]
	[ "$(wc -l < "$T/out2")" = $((3000 - n)) ]
	cat "$T/out1" "$T/out2" | sort -n | cmp - <(seq 3000)
}

@test "a disk that fails every write (EIO): every writer says so, exit 1, nothing left" {
	eio_mount write
	eio_writers "Input/output error"
}

@test "a file system that fails at close (EIO, as NFS does): every writer says so, exit 1, nothing left" {
	eio_mount close
	eio_writers "Input/output error"
	# With the syncs on (check.sh turns them off), a split keeps its pieces
	# open until they are synced: still the first piece is named, not the
	# manifest written after it.
	run -1 --separate-stderr env -u SEGKIT_TEST_FSYNC segsplit --count 900 -d "$MNT/parts" "$F/line.sgy"
	[ "$stderr" = "segsplit: $MNT/parts/part-000001.sgy: Input/output error" ]
	[ -z "$(ls -A "$MNT" | grep -v '^tr$')" ]
}

@test "a file system whose write-back fails (fsync EIO, as NFS reports it): every writer says so, exit 1, the target untouched" {
	eio_mount fsync
	unset SEGKIT_TEST_FSYNC   # scripts/check.sh turns the syncs off for speed
	printf 'old bytes\n' > "$MNT/out.png"
	eio_writers "Input/output error"
	[ "$(cat "$MNT/out.png")" = "old bytes" ]
}

@test "a directory sync that fails after the rename names the directory and says the file is in place, exit 1" {
	local p
	eio_mount dirsync
	unset SEGKIT_TEST_FSYNC
	printf 'old bytes\n' > "$MNT/out.sgy"
	run -1 --separate-stderr segsynth $LINE -o "$MNT/out.sgy"
	[ "$stderr" = "segsynth: $MNT: out.sgy is in place, but syncing the directory failed (a system crash may undo the rename): Input/output error" ]
	cmp "$MNT/out.sgy" "$F/line.sgy"
	[ "$(ls -A "$MNT")" = out.sgy ]
	# A split: every piece and the manifest in place, as a good split's.
	run -1 --separate-stderr segsplit --count 500 -d "$MNT/parts" "$F/line.sgy"
	[ "$stderr" = "segsplit: $MNT/parts: part-000001.sgy and the other files written are in place, but syncing the directory failed (a system crash may undo the renames): Input/output error" ]
	[ "$(ls -A "$MNT/parts")" = "$(ls -A "$F/parts")" ]
	for p in "$F"/parts/part-*; do cmp "$p" "$MNT/parts/${p##*/}"; done
	[ "$(ls -A "$MNT")" = "$(printf 'out.sgy\nparts')" ]
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "a disk that fails reads past 4 MiB (EIO): a copy says read error, exit 1; a sort of the file (mapped) dies of SIGBUS naming it; nothing left" {
	eio_mount read
	cp "$F/line.sgy" "$T/eio.back/in.sgy"
	run -1 --separate-stderr segmerge "$MNT/in.sgy" -o "$T/out/copy.sgy"
	[[ "$stderr" =~ ^"segmerge: $MNT/in.sgy: read error at byte "[0-9]+": Input/output error"$ ]]
	# segsplit --sort reads a file through a mapping of it (its pieces are
	# written from the file's pages): a page that cannot be read is a bus
	# error, not a short read.  It says which file, and ends as the
	# signal would, its temporaries and DIR removed.
	run -135 --separate-stderr segsplit --count 500 --sort cdp -d "$T/out/runs" "$MNT/in.sgy"
	[ "$stderr" = "segsplit: $MNT/in.sgy: could not be read (a bus error): it was cut short while being read, or reading it failed" ]
	[ "$(ls -A "$T/out")" = target ]
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "the same disk with direct I/O (no file can be mapped): the sort reads the file as a copy does, and says read error, exit 1" {
	eio_mount readdirect
	cp "$F/line.sgy" "$T/eio.back/in.sgy"
	run -1 --separate-stderr segsplit --count 500 --sort cdp -d "$T/out/runs" "$MNT/in.sgy"
	[[ "$stderr" =~ ^"segsplit: $MNT/in.sgy: read error at byte "[0-9]+": Input/output error"$ ]]
	[ "$(ls -A "$T/out")" = target ]
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "a file size limit (EFBIG): every writer says File too large, exit 1, nothing left" {
	local c
	# segmerge --to su: 10 MB, its full buffers written behind by a thread.
	for c in "segsynth $LINE -o" "segmerge $F/line.sgy -o" "segmerge -m $F/parts/manifest.yaml -o" \
		 "segmerge --to su $F/line.sgy -o" "segedit cdp=1 $F/line.sgy -o" "regrid -g 0,10,100,0,10,100 -m nearest $F/r.sgy -o" \
		 "migrate --vel 2000 $F/m.sgy -o" "segplot $F/line.sgy -o"; do
		run -1 --separate-stderr bash -c "trap '' XFSZ; ulimit -f 4; $c $T/out/big.png"
		echo "$c: $stderr"
		[ "$stderr" = "${c%% *}: $T/out/big.png: File too large" ]
		# SIGXFSZ at its default: caught, so the same (it killed the
		# command, status 153, its temporary left, before).
		run -1 --separate-stderr bash -c "ulimit -f 4; $c $T/out/big.png"
		[ "$stderr" = "${c%% *}: $T/out/big.png: File too large" ]
	done
	mkdir "$T/out/tr"
	run -1 --separate-stderr bash -c "trap '' XFSZ; ulimit -f 4; taskrun --retries 1 --stdout '$T/out/tr/{/}' cat ::: $F/m.sgy"
	[ "$stderr" = "taskrun: task 1: $T/out/tr/m.sgy: File too large: cat $F/m.sgy" ]
	# A task starts with SIGXFSZ at its default (taskrun's handler is
	# not inherited): the shell's head is killed by it (the argument, 1,
	# is appended to the task's echo).
	run -0 --separate-stderr bash -c "ulimit -f 4; taskrun -j 1 'head -c 100000 /dev/zero > $T/out/tr/z; echo \$?' ::: 1"
	[ "$output" = "153 1" ]
	rm -f "$T/out/tr/z"
	rmdir "$T/out/tr"
	[ "$(ls -A "$T/out")" = target ]
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "a signal the command was started with ignored stays ignored (nohup)" {
	# Hung up mid-write, it writes on and commits.
	out=$($SIGRUN HUP mid --ignore HUP --watch "$T/out" --reset "printf 'old bytes\n' > $T/out/target" -- \
		segsynth $LINE -o "$T/out/target")
	[ "$out" = "0 1" ]
	cmp "$T/out/target" "$F/line.sgy"
	[ "$(ls -A "$T/out")" = target ]
}

@test "a commit syncs the temporary, renames it over the target, then syncs the directory" {
	command -v strace >/dev/null || skip "strace is not installed (scripts/deps.sh installs it)"
	unset SEGKIT_TEST_FSYNC   # scripts/check.sh turns the syncs off for speed
	# LeakSanitizer cannot run under ptrace (make asan): no leak check here.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -o "$T/trace" -e trace=openat,rename,renameat,renameat2,fsync \
		segsynth --line 2,50,4,25 --reflector 0.01 -n 11 -o "$T/out/target"
	cat "$T/trace"
	# The temporary: made beside the target, exclusively, and synced
	# before the rename.
	t=$(grep -nE "openat\(AT_FDCWD, \"$T/out/\.target\.[A-Za-z0-9]{6}\", O_RDWR\|O_CREAT\|O_EXCL, 0600\) = [0-9]+$" "$T/trace" | cut -d: -f1)
	tfd=$(sed -n "${t}s/.* = //p" "$T/trace")
	ts=$(grep -nE "fsync\($tfd\) += 0$" "$T/trace" | cut -d: -f1 | head -n 1)
	# Renamed over the target, then the directory opened and synced.
	r=$(grep -nE "rename[a-z0-9]*\(.*\"$T/out/\.target\.[A-Za-z0-9]{6}\", .*\"$T/out/target\".*= 0$" "$T/trace" | cut -d: -f1)
	o=$(grep -nE "openat\(AT_FDCWD, \"$T/out\", [A-Z_|]*O_DIRECTORY[A-Z_|]*\) = [0-9]+$" "$T/trace" | cut -d: -f1)
	fd=$(sed -n "${o}s/.* = //p" "$T/trace")
	s=$(grep -nE "fsync\($fd\) += 0$" "$T/trace" | cut -d: -f1 | tail -n 1)
	[ -n "$t" ] && [ -n "$ts" ] && [ -n "$r" ] && [ -n "$o" ] && [ -n "$s" ]
	[ "$t" -lt "$ts" ] && [ "$ts" -lt "$r" ] && [ "$r" -lt "$o" ] && [ "$o" -lt "$s" ]
}
