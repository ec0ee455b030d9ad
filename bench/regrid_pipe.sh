#!/bin/sh
# regrid reading from start to end (issue 17): a pipe (`cat f | regrid`),
# a file on standard input (`regrid < f`, read at random like a named
# file) and compressed sgk, on 1 and 2 threads, for the cheap methods.  The
# survey is bench/regrid.sh's (BENCH_N traces of BENCH_NT samples onto a
# 200 x 200 grid).  Every command is timed by bench/timeit.py: the median
# of BENCH_ROUNDS (default 7) interleaved rounds after a warm-up, wall and
# CPU (user + sys of the command and its children), with the load
# (uptime) before and after.  The anchor in the same run: `cat f >
# /dev/null` and `cat f | cat > /dev/null` (moving the bytes through a
# pipe).  BENCH_OLD=DIR runs DIR/regrid (or DIR/bin/regrid), an older
# build, in turn with this one: the new/old ratios (above 1: the new build
# is faster) of wall and CPU, and cmp of their outputs.  BENCH_METHODS picks
# the methods (default nearest idw linear).
set -eu
. "$(dirname "$0")/common.sh"
bench_dir tmp
n=${BENCH_N:-100000}
nt=${BENCH_NT:-500}
rounds=${BENCH_ROUNDS:-7}
methods=${BENCH_METHODS:-nearest idw linear}
new=$bin/regrid
old=$(old_build regrid)
old=${old:+$old/regrid}

segsynth -r "$n" -a -12.5,4987.5,-12.5,4987.5 -n "$nt" -d 0.004 \
	-p tau=0.6,px=0.0002,py=0.0001,x=2500,y=2500 -p tau=1.2,px=-0.0003,py=0.0002,x=2500,y=2500 \
	-H 0.4,2500,2000,3000 -s 5 -o "$tmp/in.sgy"
segmerge --zstd "$tmp/in.sgy" -o "$tmp/in.sgk"
echo "regrid pipe bench: $n traces x $nt samples -> 200 x 200 grid; $rounds rounds; old build: ${old:-none}; load $(load)"
g="-g 0,25,200,0,25,200 -r 100"
for m in $methods; do
	set -- "cat=cat '$tmp/in.sgy' >/dev/null" "catpipe=cat '$tmp/in.sgy' | cat >/dev/null"
	pairs=""
	for t in 1 2; do
		for b in new old; do
			[ "$b" = old ] && [ -z "$old" ] && continue
			x=$new
			[ "$b" = old ] && x=$old
			set -- "$@" \
				"$b-pipe-$t=cat '$tmp/in.sgy' | OMP_NUM_THREADS=$t '$x' $g -m $m -o '$tmp/$b-pipe-$t.sgy'" \
				"$b-stdin-$t=OMP_NUM_THREADS=$t '$x' $g -m $m -o '$tmp/$b-stdin-$t.sgy' < '$tmp/in.sgy'" \
				"$b-zstd-$t=OMP_NUM_THREADS=$t '$x' $g -m $m --to segy '$tmp/in.sgk' -o '$tmp/$b-zstd-$t.sgy'"
		done
		if [ -n "$old" ]; then
			pairs="$pairs new-pipe-$t/old-pipe-$t new-stdin-$t/old-stdin-$t new-zstd-$t/old-zstd-$t"
		fi
	done
	# shellcheck disable=SC2086
	pairs="$pairs new-pipe-2/new-pipe-1 new-stdin-2/new-stdin-1 new-zstd-2/new-zstd-1"
	[ -n "$old" ] && pairs="$pairs old-pipe-2/old-pipe-1 old-zstd-2/old-zstd-1"
	echo "$m: load before $(load)"
	# shellcheck disable=SC2086
	/usr/bin/python3 bench/timeit.py "$rounds" "$@" -- $pairs | sed "s/^/$m /"
	echo "$m: load after $(load)"
	for f in "$tmp"/*-*-*.sgy; do
		cmp "$tmp/new-pipe-1.sgy" "$f" || { echo "$m: $f differs from new-pipe-1" >&2; exit 1; }
	done
	echo "$m: every output the same bytes"
	rm -f "$tmp"/*-*-*.sgy
done
