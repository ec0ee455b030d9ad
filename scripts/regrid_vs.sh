#!/bin/sh
# regrid_vs.sh OLD: this build's regrid (bin/) against another build's
# regrid binary OLD, byte for byte, over what changes how regrid reads its
# input: every method, 1-3 threads, --part slices, --mem (memory, spool,
# the old in-place path), and SEG-Y (IEEE and IBM), little-endian SU, sgk
# (a file, compressed, a pipe), a file on stdin, a pipe, and the real F3
# crop; the fold tables too.  Both binaries run the same command lines on
# the same inputs; nothing is compared with stored output.  Prints one line
# per input and the count of comparisons; exit 1 at the first difference
# (named) or failure.  BENCH_CMP_N sets the survey's size (default 6,000
# traces x 250 samples).
set -eu
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: scripts/regrid_vs.sh OLD_REGRID_BINARY" >&2
	exit 2
fi
old=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
new=$PWD/bin/regrid
PATH=$PWD/bin:$PATH
data=${DATA:-$PWD/../shared/data/segy}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=${BENCH_CMP_N:-6000}
count=0

segsynth -r "$n" -a -12.5,1187.5,-12.5,1187.5 -n 250 -d 0.004 \
	-p tau=0.20,px=0.0001,py=0.00005,x=587.5,y=587.5 -H 0.25,4500,400,700 -s 11 -o "$tmp/q.sgy"
segmerge -f ibm "$tmp/q.sgy" -o "$tmp/ibm.sgy"
segmerge --to su "$tmp/q.sgy" -o "$tmp/q.su"
segmerge --to sgk "$tmp/q.sgy" -o "$tmp/q.sgk"
segmerge --zstd "$tmp/q.sgy" -o "$tmp/qz.sgk"

# same LABEL THREADS ARGS...: both builds on THREADS threads, the same
# arguments (the last is the input, or "<FILE" for a file on stdin, or
# "|FILE" for a pipe); outputs and fold tables compared.
same() {
	label=$1 th=$2
	shift 2
	for b in new old; do
		bin=$new
		[ "$b" = old ] && bin=$old
		last=""
		for a in "$@"; do last=$a; done
		args=""
		i=0
		for a in "$@"; do
			i=$((i + 1))
			[ $i -lt $# ] && args="$args '$a'"
		done
		case $last in
		"<"*) cmd="OMP_NUM_THREADS=$th '$bin' $args --fold '$tmp/$b.tsv' -o '$tmp/$b.out' <'${last#<}'" ;;
		"|"*) cmd="cat '${last#|}' | OMP_NUM_THREADS=$th '$bin' $args --fold '$tmp/$b.tsv' -o '$tmp/$b.out'" ;;
		*) cmd="OMP_NUM_THREADS=$th '$bin' $args --fold '$tmp/$b.tsv' '$last' -o '$tmp/$b.out'" ;;
		esac
		sh -c "$cmd" 2>"$tmp/$b.err" || { echo "$label: $b failed: $(cat "$tmp/$b.err")" >&2; exit 1; }
	done
	cmp "$tmp/new.out" "$tmp/old.out" || { echo "$label: outputs differ" >&2; exit 1; }
	cmp "$tmp/new.tsv" "$tmp/old.tsv" || { echo "$label: fold tables differ" >&2; exit 1; }
	count=$((count + 1))
}

G=0,25,48,0,25,48
for f in "$tmp/q.sgy" "$tmp/ibm.sgy" "$tmp/q.su" "$tmp/q.sgk" "$tmp/qz.sgk" "<$tmp/q.sgy" "|$tmp/q.sgy"; do
	c0=$count
	to=""
	case $f in *.sgk) to="--to segy" ;; esac
	for m in nearest bin idw linear dip; do
		g=$G
		[ $m = dip ] && g=0,25,6,0,25,6
		for t in 1 2 3; do
			# shellcheck disable=SC2086
			same "$f $m -j$t" $t -x -g $g -m $m $to "$f"
		done
		for p in 1/3 2/3 3/3 5/8; do
			# shellcheck disable=SC2086
			same "$f $m --part $p" 2 -x -g $g -m $m --part $p $to "$f"
		done
		for mem in 1 100k; do
			# shellcheck disable=SC2086
			same "$f $m --mem $mem" 2 -x -g $g -m $m --mem $mem $to "$f"
		done
	done
	# Offsets with moveout, and a short radius (linear widens its boxes).
	# shellcheck disable=SC2086
	same "$f idw offsets" 2 -x -g 100,50,7,100,50,7 -O 0,100,3 -m idw -r 100 -v 2000 $to "$f"
	# shellcheck disable=SC2086
	same "$f linear -r 30 --part 2/4" 2 -x -g $G -m linear -r 30 --part 2/4 $to "$f"
	echo "$f: $((count - c0)) comparisons, same bytes"
done
printf 'x0: 620209.7\ny0: 6074245.4\ndx: 25.0036\ndy: 25.0036\nnx: 17\nny: 22\nazimuth: 88.41\n' >"$tmp/f3.yaml"
for m in nearest bin idw linear dip; do
	for t in 1 2 3; do
		same "f3 $m -j$t" $t -g "$tmp/f3.yaml" -c cdp -m $m -r 40 "$data/f3.sgy"
	done
	same "f3 $m --part 2/3" 2 -g "$tmp/f3.yaml" -c cdp -m $m -r 40 --part 2/3 "$data/f3.sgy"
done
echo "f3.sgy: 20 comparisons, same bytes"
echo "regrid_vs: $count comparisons of $new against $old: all the same bytes"
