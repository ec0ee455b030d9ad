#!/bin/sh
# valgrind (memcheck) on the commands as a user runs them on the real data of
# ../shared/data (make valgrind-cmds; not part of make check).  Two things:
#
# - memory errors: every command runs under valgrind --track-origins=yes
#   --error-exitcode=99, so an invalid read or write, a jump on an
#   uninitialised value, or uninitialised bytes passed to write(2) (output
#   that would differ run to run) fails its step; outputs that must agree
#   (-j1 against -j2, a split merged back against its source) are compared;
# - leaks that grow with the input: the whole flow runs at two sizes, N and
#   4N traces (and N and 4N taskrun tasks), and each step's "definitely",
#   "indirectly", "possibly" lost and "still reachable" bytes at exit (all its
#   processes: taskrun's agents are traced too) must be the same at both
#   sizes.  A constant exit-time remainder is not a defect; one that grows is
#   a per-trace or per-task leak.
#
# Usage: sh scripts/valgrind.sh [SIZE]   (SIZE: N in shot records of the
# Servilleta line, 64 traces each; default 2, so 128 and 512 traces)
# Environment: VG_KEEP=1 keeps the work directory (logs in W/log/SIZE/STEP/),
# VG_ONLY=REGEX runs only the steps whose names match under valgrind (the
# others run as they are, for the next steps' inputs), VG_BIN=DIR another
# build's programs (default bin/ of a normal build: make all).  Everything
# runs at nice 19.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
REAL=${REAL:-$TOP/../shared/data/real}
SU=$REAL/servilleta_lomablanca_053018_H1_shots001-120.su
AK=$REAL/alaska_31-81_PR_stack.sgy
N=${1:-2}
BIN=${VG_BIN:-$TOP/bin}
for p in seginfo segedit segmerge segsplit migrate regrid segplot segsynth taskrun; do
	[ -x "$BIN/$p" ] || { echo "valgrind.sh: $BIN/$p: not built (make all)" >&2; exit 2; }
done
for f in "$SU" "$AK"; do
	[ -r "$f" ] || { echo "valgrind.sh: $f: not readable" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not installed (scripts/deps.sh)" >&2; exit 2; }
PATH=$BIN:$PATH
export PATH
W=$(mktemp -d "${TMPDIR:-/tmp}/segkit-vg.XXXXXX")
if [ "${VG_KEEP:-0}" = 1 ]; then echo "valgrind.sh: work directory $W"; else trap 'rm -rf "$W"' EXIT; fi
trap 'exit 130' INT TERM
start=$(date +%s)
: >"$W/fails"
: >"$W/steps"

# Messages go to stderr (a step's stdout can be its output) and to W/fails
# (a step in a pipeline runs in a subshell).
fail() {
	echo "FAIL $*" >&2
	echo "$*" >>"$W/fails"
}

# vg SIZE STEP COMMAND...: COMMAND under memcheck, its processes' logs in
# W/log/SIZE/STEP/PID.log.  Traced children: taskrun's agents and anything
# else of bin/; the tasks' own programs (/bin, /usr/bin) are not, and so
# neither is what they start: a step's redirections and pipes are the
# calling shell's, never an sh -c.
vg() {
	size=$1 step=$2
	shift 2
	if [ -n "${VG_ONLY:-}" ] && ! echo "$step" | grep -Eq "$VG_ONLY"; then
		"$@" || fail "$size/$step: exit $? (without valgrind): $*"
		return 0
	fi
	echo "$step" >>"$W/steps"
	mkdir -p "$W/log/$size/$step"
	nice -n 19 valgrind --error-exitcode=99 --track-origins=yes --leak-check=full \
		--show-leak-kinds=all --errors-for-leak-kinds=none --num-callers=30 \
		--trace-children=yes --trace-children-skip='/bin/*,/usr/bin/*,/usr/sbin/*' \
		--child-silent-after-fork=yes --log-file="$W/log/$size/$step/%p.log" "$@"
	rc=$?
	if grep -Eq 'ERROR SUMMARY: [1-9]' "$W/log/$size/$step"/*.log; then
		fail "$size/$step: memcheck errors (exit $rc): $*"
		grep -h -v '^==[0-9]*== *$' "$W/log/$size/$step"/*.log |
			grep -A28 -m 3 -E '^==[0-9]+== [A-Z][a-z]' | head -n 80 >&2
	elif [ "$rc" -ne 0 ]; then
		fail "$size/$step: exit $rc: $*"
	fi
	return 0
}

same() {  # same SIZE WHAT A B: A and B must be the same bytes
	cmp -s "$3" "$4" || fail "$1: $2: $(basename "$3") and $(basename "$4") differ"
}

flow() {  # flow SIZE: every step on SIZE shot records (64 traces each)
	r=$1 d=$W/$1
	mkdir -p "$d"
	ntr=$((r * 64))
	head -c $((ntr * (240 + 4 * 1999))) "$SU" >"$d/raw.su"
	# Alaska: 32 traces a record's worth (534 in the file: 4 x 32 x 2 = 256 at the default).
	nak=$((r * 32))
	head -c $((3600 + nak * (240 + 4 * 1501))) "$AK" >"$d/ak.sgy"

	# seginfo on each format.
	vg "$r" seginfo-su seginfo "$d/raw.su"
	vg "$r" seginfo-segy seginfo --text --binary --json "$d/ak.sgy"
	vg "$r" seginfo-keys seginfo -k fldr,tracf,cdp,ns "$d/raw.su" >"$d/keys.tsv"
	[ "$(wc -l <"$d/keys.tsv")" -eq "$ntr" ] || fail "$r: seginfo -k: $(wc -l <"$d/keys.tsv") lines for $ntr traces"

	# The shot line's flow (examples/shotline/flow.sh): window, geometry, the
	# polarity pairs subtracted, near traces dropped into compressed sgk.
	vg "$r" segedit-window segedit --where 'tracf <= 60' --time 0:1 --to segy "$d/raw.su" -o "$d/line.sgy"
	vg "$r" segedit-ne segedit --where 'fldr % 2 == 1' -o "$d/ne.sgk" \
		'ep = floor((fldr + 1) / 2)' 'sx = ep - 1' 'gx = tracf - 0.5' 'cdpx = (sx + gx) / 2' \
		'cdp = sx + gx + 0.5' 'offset = round(gx - sx)' "$d/line.sgy"
	vg "$r" segedit-sw segedit --where 'fldr % 2 == 0' --scale -1 -o "$d/sw.sgk" \
		'ep = floor((fldr + 1) / 2)' 'sx = ep - 1' 'gx = tracf - 0.5' 'cdpx = (sx + gx) / 2' \
		'cdp = sx + gx + 0.5' 'offset = round(gx - sx)' "$d/line.sgy"
	vg "$r" segmerge-sum segmerge --sum "$d/ne.sgk" "$d/sw.sgk" -o "$d/sh.sgk"
	vg "$r" segedit-zstd segedit --where 'abs(gx - sx) >= 6' --to sgk -z "$d/sh.sgk" -o "$d/prep.sgk"

	# External sort (sorted runs, a k-way merge) and a split by key merged back.
	vg "$r" segsplit-sort segsplit --count 100 --sort cdp,offset -d "$d/runs" "$d/prep.sgk"
	vg "$r" segmerge-key segmerge --key cdp,offset -m "$d/runs/manifest.yaml" -o "$d/cmp.sgk"
	vg "$r" segsplit-key segsplit --key fldr -d "$d/byfldr" "$d/line.sgy"
	vg "$r" segmerge-m segmerge -m "$d/byfldr/manifest.yaml" -o "$d/back.sgy"
	same "$r" "split by key and merged" "$d/line.sgy" "$d/back.sgy"
	vg "$r" segsplit-pipe segsplit --count 50 --to sgk -z -d "$d/bycount" <"$d/raw.su"
	vg "$r" segmerge-pipe segmerge -m "$d/bycount/manifest.yaml" --to su |
		vg "$r" segmerge-stdin segmerge --to su -o "$d/back.su"
	same "$r" "SU split to zstd sgk from a pipe and merged" "$d/raw.su" "$d/back.su"

	# Conversions: sgk -> SU, SU -> SEG-Y IBM, SEG-Y -> sgk+zstd -> SEG-Y, and
	# the real IBM SEG-Y to sgk (IBM words kept) and back.
	vg "$r" conv-sgk-su segmerge --to su --endian little "$d/sh.sgk" -o "$d/sh.su"
	vg "$r" conv-su-ibm segmerge --to segy --format ibm "$d/sh.su" -o "$d/sh.sgy"
	vg "$r" conv-segy-zstd segmerge --to sgk -z "$d/sh.sgy" -o "$d/shz.sgk"
	vg "$r" conv-zstd-segy segmerge --to segy "$d/shz.sgk" -o "$d/sh2.sgy"
	same "$r" "SEG-Y through sgk+zstd" "$d/sh.sgy" "$d/sh2.sgy"
	vg "$r" conv-ibm-sgk segmerge --to sgk "$d/ak.sgy" -o "$d/ak.sgk"
	vg "$r" conv-sgk-ibm segmerge --to segy "$d/ak.sgk" -o "$d/ak2.sgy"
	same "$r" "IBM SEG-Y through sgk" "$d/ak.sgy" "$d/ak2.sgy"
	vg "$r" conv-ieee segmerge --to segy --format ieee --endian little "$d/ak.sgy" -o "$d/akle.sgy"

	# Migration of the CMP-sorted line, 1 and 2 threads, stack and gathers.
	for j in 1 2; do
		OMP_NUM_THREADS=$j vg "$r" migrate-j$j migrate --vel 0:150,0.5:250 --grid 0.25,0.5,119 \
			"$d/cmp.sgk" -o "$d/image$j.sgk"
		OMP_NUM_THREADS=$j vg "$r" migrate-gathers-j$j migrate --vel 200 --offsets 5,10,6 -N \
			--grid 0.25,0.5,119 "$d/cmp.sgk" -o "$d/gathers$j.sgk"
	done
	same "$r" "migrate -j1 and -j2" "$d/image1.sgk" "$d/image2.sgk"
	same "$r" "migrate --offsets -j1 and -j2" "$d/gathers1.sgk" "$d/gathers2.sgk"

	# The Alaska stack (examples/alaska/flow.sh): CDP coordinates, post-stack
	# migration, regridding along the line by every method.
	vg "$r" segedit-alaska segedit 'cdpx = (cdp - 101) * 16.76' 'cdpy = 0' "$d/ak.sgy" -o "$d/stack.sgy"
	for j in 1 2; do
		OMP_NUM_THREADS=$j vg "$r" migrate-zo-j$j migrate --zero-offset --vel 0:2400,6:4300 \
			"$d/stack.sgy" -o "$d/zo$j.sgy"
	done
	same "$r" "migrate --zero-offset -j1 and -j2" "$d/zo1.sgy" "$d/zo2.sgy"
	nx=$(( (nak - 1) * 1676 / 2500 + 1 ))
	for m in nearest bin idw linear dip; do
		for j in 1 2; do
			OMP_NUM_THREADS=$j vg "$r" regrid-$m-j$j regrid --coords cdp -g 0,25,$nx -m $m \
				"$d/stack.sgy" -o "$d/rg-$m-$j.sgy"
		done
		same "$r" "regrid -m $m -j1 and -j2" "$d/rg-$m-1.sgy" "$d/rg-$m-2.sgy"
	done
	# regrid from a pipe and from compressed sgk (the sequential scan).
	vg "$r" regrid-pipe regrid --coords cdp -g 0,25,$nx -m idw -o "$d/rg-pipe.sgy" <"$d/stack.sgy"
	same "$r" "regrid from a pipe" "$d/rg-idw-1.sgy" "$d/rg-pipe.sgy"
	OMP_NUM_THREADS=2 vg "$r" regrid-zstd regrid -g 0.25,0.5,119 -m linear -F "$d/fold.tsv" "$d/prep.sgk" -o "$d/rg-prep.sgk"

	# Pictures, each format.
	vg "$r" segplot-png segplot "$d/stack.sgy" --xkey cdp -s 480x360 -T 'stack (input)' -o "$d/stack.png"
	vg "$r" segplot-svg segplot --wiggle --cmap none "$d/image1.sgk" -s 420x520 -o "$d/image.svg"
	vg "$r" segplot-pdf segplot "$d/zo1.sgy" --perc 97 -o "$d/zo.pdf"

	# Synthetics: a line (SEG-Y) and random positions into compressed sgk.
	vg "$r" segsynth-line segsynth --line $((r * 2)),50,48,25 --nt 400 --vel 2200 -D 700,0.6 -R 0.9 -o "$d/syn.sgy"
	vg "$r" segsynth-random segsynth -r $((r * 64)) -a 0,500,0,500 -O 0,1000 -R 0.5 -v 2000 -n 300 \
		-t sgk -z -o "$d/synr.sgk"

	# taskrun on 2 local slots: 25 x SIZE tasks, then the split's pieces
	# streamed through cat (--stdin/--stdout), with a state directory.
	vg "$r" taskrun-true taskrun -j2 -s "$d/state" true ::: $(seq $((r * 25)))
	mkdir -p "$d/tr"
	vg "$r" taskrun-stream taskrun -j2 -s "$d/state2" --stdin "$d/bycount/{}" --stdout "$d/tr/{}" \
		cat ::: $(cd "$d/bycount" && ls part-*)
	for f in "$d"/bycount/part-*; do
		same "$r" "taskrun --stdin/--stdout" "$f" "$d/tr/$(basename "$f")"
	done
}

# leaks SIZE STEP: "definite indirect possible reachable" bytes, summed over the step's processes.
leaks() {
	cat "$W/log/$1/$2"/*.log 2>/dev/null | awk '
		/definitely lost:/ { gsub(",", "", $4); d += $4 }
		/indirectly lost:/ { gsub(",", "", $4); i += $4 }
		/possibly lost:/ { gsub(",", "", $4); p += $4 }
		/still reachable:/ { gsub(",", "", $4); s += $4 }
		END { printf "%d %d %d %d\n", d, i, p, s }'
}

big=$((N * 4))
echo "valgrind.sh: $N and $big shot records ($((N * 64)) and $((big * 64)) traces), load $(cut -d' ' -f1-3 /proc/loadavg)"
flow "$N"
flow "$big"
printf '%-22s %-32s %-32s %s\n' "step" "N: definite indirect possible reachable" "4N" ""
for s in $(ls "$W/log/$N"); do
	a=$(leaks "$N" "$s") b=$(leaks "$big" "$s")
	verdict=constant
	if [ "$a" != "$b" ]; then
		verdict=GROWS
		fail "$s: what is left at exit differs with the input: $a at $N records, $b at $big"
	fi
	printf '%-22s %-32s %-32s %s\n' "$s" "$a" "$b" "$verdict"
done
fails=$(wc -l <"$W/fails")
echo "valgrind.sh: $(wc -l <"$W/steps") runs, $fails failed, $(( $(date +%s) - start )) s"
[ "$fails" -eq 0 ]
