#!/bin/sh
# segsplit / segmerge throughput against cat, and an external sort against
# reading and writing the data once (and Seismic Unix's susort when it is
# installed), and a one-pass sort (one piece of every trace) against the
# same copy.  Peak memory of each step from /usr/bin/time -v.
#   SPLIT_MB (default 1024): size of the survey for split and merge (0: skip)
#   SORT_MB  (default 2048): size of the shuffled survey for the sort
#   BENCH_DIR (default TMPDIR or /tmp): where the fresh working directory
#     is made (and removed at the end)
#   SORT_DIR (default a fresh directory under /dev/shm; "none": skip): the
#     external sort again in a memory file system (tmpfs), where no disk's
#     writeback throttles whoever writes: the steady anchor (below)
#   BENCH_ROUNDS (default 5): interleaved rounds there (bench/timeit.py)
#   BENCH_OLD=DIR: DIR/segsplit and DIR/segmerge (or DIR/bin/...), an older
#     build, sort in turn with this one there (old/new ratios, outputs cmp'd)
set -eu
. "$(dirname "$0")/common.sh"
cd "$root"
SPLIT_MB=${SPLIT_MB:-1024}
SORT_MB=${SORT_MB:-2048}
if [ -n "${BENCH_DIR:-}" ]; then
	mkdir -p "$BENCH_DIR"
fi
bench_dir W "${BENCH_DIR:-}"
S=""
trap 'rm -rf "$W" ${S:+"$S"}' EXIT
old=$(old_build segsplit)
GEN=tests/cli/gensegy.py

# run NAME CMD...: wall seconds and max RSS (kB) of CMD, into $W/NAME.t.
# (ratio here takes two run NAMEs, not common.sh's two figures.)
run() {
	name=$1
	shift
	/usr/bin/time -v -o "$W/$name.time" sh -c "$*"
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$W/$name.time" |
		awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/$name.time")
	cpu=$(sed -n 's/.*\(User\|System\) time (seconds): //p' "$W/$name.time" | awk '{ s += $1 } END { print s }')
	echo "$wall $rss $cpu" > "$W/$name.t"
}
wall() { cut -d' ' -f1 "$W/$1.t"; }
rss() { cut -d' ' -f2 "$W/$1.t"; }
cpu() { cut -d' ' -f3 "$W/$1.t"; }
ratio() { awk -v a="$(wall "$1")" -v b="$(wall "$2")" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 0.001) }'; }
mbs() { awk -v s="$(wall "$1")" -v m="$2" 'BEGIN { printf "%.0f", m / (s > 0 ? s : 0.001) }'; }
line() { printf '%-44s %8.2f s %7s MB/s %8s kB max RSS %6.2f s CPU  %s\n' "$1" "$(wall "$2")" "$(mbs "$2" "$3")" "$(rss "$2")" "$(cpu "$2")" "$4"; }

if [ "$SPLIT_MB" -gt 0 ]; then
shots=$(( SPLIT_MB * 1000000 / 4240 / 100 + 1 ))
"$GEN" --shots $shots --chans 100 --ns 1000 --format 5 > "$W/in.sgy"
size=$(stat -c %s "$W/in.sgy")
mb=$(( size / 1000000 ))
echo "== segsplit / segmerge on a $mb MB SEG-Y survey ($((shots * 100)) traces x 1000 samples, warm cache)"
cat "$W/in.sgy" > /dev/null
run cat "cat '$W/in.sgy' > '$W/cat.out'"
run split "segsplit --count 10000 -d '$W/parts' '$W/in.sgy'"
run merge "segmerge -m '$W/parts/manifest.yaml' -o '$W/merged.sgy'"
run mergenv "segmerge --no-verify -m '$W/parts/manifest.yaml' -o '$W/merged2.sgy'"
run splitrr "segsplit --round-robin 64 -d '$W/rr' '$W/in.sgy'"
run mergerr "segmerge --no-verify -m '$W/rr/manifest.yaml' -o '$W/merged3.sgy'"
cmp "$W/merged.sgy" "$W/in.sgy" && cmp "$W/merged3.sgy" "$W/in.sgy"
line "cat (anchor)" cat $mb "1.00 x cat"
line "segsplit --count 10000 (+xxh64)" split $mb "$(ratio split cat) x cat"
line "segmerge -m (verify xxh64, concat)" merge $mb "$(ratio merge cat) x cat"
line "segmerge -m --no-verify" mergenv $mb "$(ratio mergenv cat) x cat"
line "segsplit --round-robin 64" splitrr $mb "$(ratio splitrr cat) x cat"
line "segmerge -m --no-verify (interleave 64)" mergerr $mb "$(ratio mergerr cat) x cat"
echo "identity: merged files equal the input byte for byte"
rm -rf "$W/parts" "$W/rr" "$W"/*.out "$W"/merged*.sgy "$W/in.sgy"
fi

shots=$(( SORT_MB * 1000000 / 4240 / 100 + 1 ))
"$GEN" --shots $shots --chans 100 --ns 1000 --format 5 --shuffle 11 > "$W/big.sgy"
size=$(stat -c %s "$W/big.sgy")
mb=$(( size / 1000000 ))
n=$((shots * 100))
SU=${SU:-../shared/tools/su}
if [ -x "$SU/bin/susort" ]; then
	export CWPROOT="$SU" PATH="$SU/bin:$PATH"
fi
sortcmd="--count 100000 --sort cdp,offset"
# The one-pass sort: one piece of every trace (--count at least the input's
# traces), sorted in memory and written once, the same bytes as the
# external sort's output (cmp'd below).
onecmd="--count $n --sort cdp,offset"

# The external sort in a memory file system: no disk, so no writeback
# throttles any writer and fsync has nothing to wait for; what is left is
# the programs' own work (the copies through the kernel and user space, the
# sort), which is what the bar (at most 1.4x one copy) is about.  On a disk,
# the anchor itself moved 7x between quiet runs (cat 0.36-2.72 s): a 2 GB
# copy is throttled or not by whatever dirty data the steps before it left,
# and ours syncs 4 GB (the runs, the output) where cat syncs nothing.  Every
# command is timed by bench/timeit.py: the median of BENCH_ROUNDS
# interleaved rounds (each round: cat, dd, ours, the old build's), wall and
# CPU, with the removals of each output timed apart (freeing 2 GB of tmpfs
# is not the copy's work).  Space: the input, the runs and two sorted
# outputs, 8 GB at most for 2 GB (the machine has 24 GiB).  The bar's
# anchor is one copy there, `cat big > copy` (GNU cat: copy_file_range, a
# copy inside the kernel); dd's read and write through user space beside.
if [ "${SORT_DIR:-}" != none ] && { [ -n "${SORT_DIR:-}" ] || [ -d /dev/shm ]; }; then
	if [ -n "${SORT_DIR:-}" ]; then
		mkdir -p "$SORT_DIR"
		S=$(mktemp -d "$SORT_DIR/segkit-bench-sort.XXXXXX")
	else
		S=$(mktemp -d /dev/shm/segkit-bench-sort.XXXXXX)
	fi
	rounds=${BENCH_ROUNDS:-5}
	cp "$W/big.sgy" "$S/big.sgy"
	echo "== external sort by cdp,offset of a shuffled $mb MB survey ($n traces) in $(df --output=fstype "$S" | tail -1) ($S): medians of $rounds interleaved rounds"
	echo "load:$(uptime | sed 's/.*load average://')"
	set -- "cat=cat '$S/big.sgy' > '$S/copy.sgy'" "rmcat=rm -f '$S/copy.sgy'" \
		"dd=dd if='$S/big.sgy' of='$S/copy.sgy' bs=4M status=none" "rmdd=rm -f '$S/copy.sgy'" \
		"sort=segsplit $sortcmd -d '$S/runs' '$S/big.sgy' && segmerge --no-verify --key cdp,offset -m '$S/runs/manifest.yaml' -o '$S/sorted.sgy'" \
		"rmsort=mv '$S/sorted.sgy' '$S/sorted.last' && rm -rf '$S/runs'" \
		"one=segsplit $onecmd -d '$S/one' '$S/big.sgy'" \
		"rmone=cmp '$S/one/part-000001.sgy' '$S/sorted.last' && rm -rf '$S/one'"
	pairs="cat/sort dd/sort cat/dd cat/one dd/one"
	if [ -n "$old" ]; then
		set -- "$@" "old=$old/segsplit $sortcmd -d '$S/oruns' '$S/big.sgy' && $old/segmerge --no-verify --key cdp,offset -m '$S/oruns/manifest.yaml' -o '$S/osorted.sgy'" \
			"rmold=cmp '$S/osorted.sgy' '$S/sorted.last' && rm -rf '$S/osorted.sgy' '$S/oruns'"
		set -- "$@" "oldone=$old/segsplit $onecmd -d '$S/oone' '$S/big.sgy'" \
			"rmoldone=cmp '$S/oone/part-000001.sgy' '$S/sorted.last' && rm -rf '$S/oone'"
		pairs="$pairs sort/old cat/old one/oldone cat/oldone"
	fi
	# shellcheck disable=SC2086
	/usr/bin/python3 bench/timeit.py "$rounds" "$@" -- $pairs > "$S/timeit.out"
	echo "load:$(uptime | sed 's/.*load average://')"
	med() { awk -v n="$1" '$1 == "time" && $2 == n { print $3 " s wall, " $6 " s CPU (min " $4 ", max " $5 ", spread " $7 ")" }' "$S/timeit.out"; }
	rat() { awk -v p="$1" '$1 == "ratio" && $2 == p { print $3 " (quartiles " $4 "-" $5 "), CPU " $6 }' "$S/timeit.out"; }
	echo "one copy: cat in > copy (anchor)            $(med cat)"
	echo "dd bs=4M in -> copy (read, write)           $(med dd)"
	echo "external sort (segsplit $sortcmd, segmerge --key): $(med sort)"
	echo "  external sort / one copy (cat), per round: $(rat cat/sort) x copy"
	echo "  external sort / dd, per round:             $(rat dd/sort) x dd"
	echo "  dd / cat, per round:                       $(rat cat/dd)"
	echo "one-pass sort (segsplit $onecmd): $(med one)"
	echo "  one-pass sort / one copy (cat), per round: $(rat cat/one) x copy"
	echo "  one-pass sort / dd, per round:             $(rat dd/one) x dd"
	# Issue 17's bar, at most 1.4x one copy, on the median of the rounds'
	# ratios: two passes (the runs, then their merge) write and read the
	# data twice, so only the one-pass sort can reach it.
	for p in sort one; do
		awk -v p="$p" '$1 == "ratio" && $2 == "cat/" p {
			printf "bar: %s / one copy at most 1.4: %.2f, %s\n", p == "sort" ? "external sort" : "one-pass sort",
				$3, $3 <= 1.4 ? "ok" : "ABOVE" }' "$S/timeit.out"
	done
	if [ -n "$old" ]; then
		echo "old build ($old):                $(med old)"
		echo "  old / new (above 1: the new build is faster): $(rat sort/old)"
		echo "  old build / one copy (cat):                 $(rat cat/old) x copy"
		echo "  the old and new sorted outputs were the same bytes in every round (cmp)"
		echo "old build's one-pass sort:                  $(med oldone)"
		echo "  old / new one-pass (above 1: the new build is faster): $(rat one/oldone)"
		echo "  old build's one-pass / one copy (cat):      $(rat cat/oldone) x copy"
		echo "  every one-pass piece, old and new, was the external sort's output byte for byte (cmp)"
	fi
	# One more run of each step alone, for their shares and peak memory.
	run shm1 "segsplit $sortcmd -d '$S/runs' '$S/big.sgy'"
	run shm2 "segmerge --no-verify --key cdp,offset -m '$S/runs/manifest.yaml' -o '$S/sorted.sgy'"
	cmp "$S/sorted.sgy" "$S/sorted.last"
	rm -rf "$S/runs" "$S/sorted.last"
	line "  segsplit $sortcmd" shm1 $mb ""
	line "  segmerge --key cdp,offset -m (k-way merge)" shm2 $mb ""
	if command -v susort >/dev/null 2>&1; then
		segmerge --to su --endian little "$S/big.sgy" -o "$S/su.in"
		rm -f "$S/big.sgy"
		run shmsu "susort cdp offset < '$S/su.in' > '$S/su.out'"
		rm -f "$S/su.in" "$S/su.out"
		line "susort cdp offset (Seismic Unix, one run)" shmsu $mb ""
	fi
	rm -rf "$S"
	S=""
fi

echo "== external sort by cdp,offset of a shuffled $mb MB survey ($n traces) on $(df --output=fstype "$W" | tail -1) ($W): one run each"
echo "load:$(uptime | sed 's/.*load average://')"
cat "$W/big.sgy" > /dev/null
# The anchor, one copy of the data: cat of the same file to the same file
# system as the runs and the output (a new file each time, as theirs are).
# segkit also syncs what it commits (fsync before the rename); cat does not,
# and the line after the anchor shows what that costs.
run copy "cat '$W/big.sgy' > '$W/copy.sgy'"
rm -f "$W/copy.sgy"
run cat2 "segmerge '$W/big.sgy' -o '$W/copy.sgy'"
rm -f "$W/copy.sgy"
# GNU cat copies a file into a file with copy_file_range, in the kernel; a
# filter's bytes pass through its memory: dd's read and write is that copy.
run dd "dd if='$W/big.sgy' of='$W/copy.sgy' bs=4M status=none"
rm -f "$W/copy.sgy"
# One durable copy, as ours are (fsync before it ends).
run ddsync "dd if='$W/big.sgy' of='$W/copy.sgy' bs=4M conv=fsync status=none"
rm -f "$W/copy.sgy"
run sort1 "segsplit $sortcmd -d '$W/runs' '$W/big.sgy'"
run sort2 "segmerge --no-verify --key cdp,offset -m '$W/runs/manifest.yaml' -o '$W/sorted.sgy'"
run onepass "segsplit $onecmd -d '$W/one' '$W/big.sgy'"
cmp "$W/one/part-000001.sgy" "$W/sorted.sgy"
rm -rf "$W/one"
if [ -n "$old" ]; then
	run oldone "$old/segsplit $onecmd -d '$W/oone' '$W/big.sgy'"
	cmp "$W/oone/part-000001.sgy" "$W/sorted.sgy"
	rm -rf "$W/oone"
fi
awk -v a="$(wall sort1)" -v b="$(wall sort2)" -v c="$(cpu sort1)" -v d="$(cpu sort2)" 'BEGIN { print a + b, 0, c + d }' > "$W/sort.t"
line "one copy: cat in > copy (anchor)" copy $mb "1.00 x copy"
line "segmerge in -o copy (read, write, fsync)" cat2 $mb "$(ratio cat2 copy) x copy"
line "dd bs=4M in -> copy (read, write)" dd $mb "$(ratio dd copy) x copy"
line "dd bs=4M conv=fsync (one durable copy)" ddsync $mb "$(ratio ddsync copy) x copy"
line "segsplit --count 100000 --sort cdp,offset" sort1 $mb "$(ratio sort1 copy) x copy"
line "segmerge --key cdp,offset -m (k-way merge)" sort2 $mb "$(ratio sort2 copy) x copy"
# A sort of a file maps it (segsplit(1)): max RSS counts the input's pages
# it wrote from, which are the page cache's, not memory of its own.
printf '%-44s %8.2f s %7s MB/s  %s x copy (%s x dd); max RSS %s kB of a %s MB input (its pages mapped); CPU %.2f s\n' "external sort in all" \
	"$(wall sort)" "$(mbs sort $mb)" "$(ratio sort copy)" "$(ratio sort dd)" "$(rss sort1)" "$mb" "$(cpu sort)"
echo "external sort / one durable copy (dd conv=fsync): $(ratio sort ddsync) (ours syncs the runs and the output: twice the data)"
line "one-pass sort (segsplit $onecmd)" onepass $mb "$(ratio onepass copy) x copy, $(ratio onepass dd) x dd, $(ratio onepass ddsync) x durable copy"
if [ -n "$old" ]; then
	line "  the old build's one-pass sort" oldone $mb "$(ratio oldone copy) x copy; old/new $(ratio oldone onepass)"
fi
echo "the one-pass piece equals the external sort's output byte for byte (cmp)"
# Seismic Unix's susort (the build in ../shared/tools/su, else one on PATH):
# its input is SU in this machine's byte order, made beforehand, so the
# figure is the sort's alone; the output is checked against segkit's.
if command -v susort >/dev/null 2>&1; then
	segmerge --to su --endian little "$W/big.sgy" -o "$W/su.in"
	run susort "susort cdp offset < '$W/su.in' > '$W/su.out'"
	# susort numbers tracl and tracr anew in its output order: the other
	# keys and every sample must agree with segkit's.
	segedit 'tracl = 0' 'tracr = 0' "$W/su.out" -o "$W/su.a"
	segedit 'tracl = 0' 'tracr = 0' -t su -e little "$W/sorted.sgy" -o "$W/su.b"
	cmp "$W/su.a" "$W/su.b"
	rm -f "$W/su.a" "$W/su.b"
	rm -f "$W/su.in" "$W/su.out"
	line "susort cdp offset (Seismic Unix)" susort $mb "$(ratio susort copy) x copy"
else
	echo "susort: Seismic Unix is neither in $SU nor on PATH: no comparison"
fi
# A merge of 1,000 runs (issue 17): about 64 KiB and a record per input, so
# at most 100 MiB whatever the runs' size.
rm -rf "$W/runs"
run split1k "segsplit --count $(( (n + 999) / 1000 )) --sort cdp,offset -d '$W/runs1k' '$W/big.sgy'"
run merge1k "segmerge --no-verify --key cdp,offset -m '$W/runs1k/manifest.yaml' -o '$W/sorted1k.sgy'"
cmp "$W/sorted.sgy" "$W/sorted1k.sgy"
rm -rf "$W/runs1k" "$W/sorted1k.sgy"
line "segmerge --key of $(( (n + 999) / 1000 )) traces x 1,000 runs" merge1k $mb "$(ratio merge1k copy) x copy"
if [ "$(rss merge1k)" -le 102400 ]; then
	echo "bar: merge of 1,000 runs at most 100 MiB: $(rss merge1k) kB, ok"
else
	echo "bar: merge of 1,000 runs at most 100 MiB: $(rss merge1k) kB, ABOVE"
fi
seginfo -k cdp,offset,tracl "$W/big.sgy" | sort -s -t"$(printf '\t')" -k1,1n -k2,2n > "$W/want"
seginfo -k cdp,offset,tracl "$W/sorted.sgy" > "$W/got"
if cmp -s "$W/want" "$W/got" && [ "$(stat -c %s "$W/sorted.sgy")" -eq "$size" ]; then
	echo "check: the sorted order equals seginfo -k cdp,offset,tracl | sort -s (all $n traces, tracl unique)"
else
	echo "check: FAILED: the sorted order differs from seginfo -k | sort -s"
	exit 1
fi
