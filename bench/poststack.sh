#!/bin/sh
# Post-stack migration benchmark (issue 13): migrate --zero-offset on the real
# Alaska stack (534 CDPs x 1501 samples, ../shared/data/real; cdpx given as
# (cdp - 101) x 16.76 m) at 3000 m/s against Seismic Unix's sustolt (Stolt,
# f-k) and sumigtk (t-k) on the same input in the same run: wall seconds (best
# of BENCH_REPS, default 3), the ratios, and each image's correlation with
# segkit's.  Skipped when the data or Seismic Unix is missing.
#
#   sh bench/poststack.sh          (make bench)
set -eu
export LC_ALL=C
. "$(dirname "$0")/common.sh"
reps=${BENCH_REPS:-3}
bench_dir tmp
cd "$root"
real=${REAL:-$root/../shared/data/real}/alaska_31-81_PR_stack.sgy
su=${SUDIR:-$root/../shared/tools/su}
if [ ! -r "$real" ] || [ ! -x "$su/bin/sustolt" ]; then
	echo "post-stack: skipped (needs $real and Seismic Unix in $su)"
else
	/usr/bin/python3 tests/cli/poststack.py coords "$real" "$tmp/ak.sgy" 16.76
	CWPROOT=$su "$su/bin/segyread" tape="$tmp/ak.sgy" endian=0 > "$tmp/ak.su" 2>/dev/null
	best() {  # best wall seconds of BENCH_REPS runs of "$@"
		b=999999
		r=0
		while [ "$r" -lt "$reps" ]; do
			r=$((r + 1))
			s=$(date +%s.%N)
			"$@" > /dev/null 2>&1
			e=$(date +%s.%N)
			b=$(awk -v b="$b" -v s="$s" -v e="$e" 'BEGIN { d = e - s; print d < b ? d : b }')
		done
		echo "$b"
	}
	tk=$(best sh -c "CWPROOT=$su $su/bin/sumigtk dxcdp=16.76 vmig=3000 < $tmp/ak.su > $tmp/tk.su")
	st=$(best sh -c "CWPROOT=$su $su/bin/sustolt cdpmin=101 cdpmax=634 dxcdp=16.76 tmig=0 vmig=3000 < $tmp/ak.su > $tmp/st.su")
	km=$(best migrate --zero-offset --vel 3000 --to su "$tmp/ak.sgy" -o "$tmp/km.su")
	kn=$(best migrate --zero-offset --vel 3000 --no-antialias --to su "$tmp/ak.sgy" -o "$tmp/kn.su")
	c1=$(/usr/bin/python3 tests/cli/poststack.py corr "$tmp/km.su" "$tmp/st.su" 0 | cut -d' ' -f2)
	c2=$(/usr/bin/python3 tests/cli/poststack.py corr "$tmp/km.su" "$tmp/tk.su" 0 | cut -d' ' -f2)
	echo "post-stack: Alaska 31-81 stack, 534 x 1501 samples, 3000 m/s, $(nproc) cores; load $(load)"
	awk -v km="$km" -v kn="$kn" -v st="$st" -v tk="$tk" -v c1="$c1" -v c2="$c2" 'BEGIN {
		printf "  migrate --zero-offset (antialiased) %6.2f s; --no-antialias %6.2f s\n", km, kn
		printf "  sustolt  %6.2f s: migrate takes %.1fx its time (image correlation %s)\n", st, km / st, c1
		printf "  sumigtk  %6.2f s: migrate takes %.2fx its time (image correlation %s)\n", tk, km / tk, c2 }'
fi
