#!/bin/sh
# segsynth throughput against cat moving the same number of bytes, in the
# same run; and segsynth's max RSS for a ~1 GB survey (flat memory).
# BENCH_SHOTS (default 1100) sets the shots of the timed survey, the RSS
# survey has twice as many.
set -eu
. "$(dirname "$0")/common.sh"
bench_dir tmp
shots=${BENCH_SHOTS:-1100}
args="--line $shots,50,120,25 --nt 1001 --diffractor 2000,1.0 --reflector 1.2 --reflector 1.6"
echo "load $(load)"
t0=$(now); segsynth $args > "$tmp/a.sgy"; t1=$(now)
bytes=$(wc -c < "$tmp/a.sgy")
t2=$(now); cat "$tmp/a.sgy" > "$tmp/b.sgy"; t3=$(now)
rm -f "$tmp/b.sgy"
rss=$( { /usr/bin/time -f %M segsynth --line $((2 * shots)),50,120,25 --nt 1001 --diffractor 2000,1.0 >/dev/null; } 2>&1 )
awk -v b="$bytes" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v r="$rss" 'BEGIN {
	s = t1 - t0; c = t3 - t2
	printf "segsynth: %.0f MB in %.2f s (%.0f MB/s); cat of the same file %.2f s; ratio segsynth/cat %.1f\n",
	    b / 1e6, s, b / 1e6 / s, c, s / c
	printf "segsynth: max RSS for a %.1f GB survey: %d KB\n", 2 * b / 1e9, r }'
