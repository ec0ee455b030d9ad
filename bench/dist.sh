#!/bin/sh
# Benchmarks issue 16's distributed flow (make bench, or sh bench/dist.sh
# from the top directory): four hosts and the controller, each in a network
# namespace, joined by a bridge in a fifth; every link (the controller's and
# each host's, both directions) shaped by tc tbf to BENCH_DIST_RATE (default
# 200mbit).  The same survey goes through split -> migrate -> sum twice, in
# one run:
#   streamed: segsplit -d on the controller, taskrun --stdin/--stdout (every
#             piece to a host and every partial image back through the
#             controller's link), segmerge --sum on the controller;
#   locality: the pieces already on the hosts (placed once by segsplit
#             --hosts, timed and counted on a line of its own), taskrun
#             --input-manifest/--keep (each piece migrated where it lies,
#             the image kept there), then the sum near the data
#             (segmerge --sum --kept: each host sums its images, the
#             hosts add their partial sums in pairs, reading one another's
#             through ssh, and the controller receives the image).
# Bytes through the controller are its interface's counters (rx + tx, all
# traffic: ssh, frames, data).  The bars (issue 16): locality's controller
# traffic at most 2% of the survey's bytes, and its wall time at least 3x
# shorter than the streamed flow's.  The placement crosses the controller's
# link once (the data has to reach the hosts once); the bars compare the
# flows on data at rest where each keeps it.
# The migration is made cheap on purpose (16 output traces, 200 m aperture,
# --allow-outside, --rho none, one thread per task), so that the flow is
# bound by the links, not the CPUs: it still reads and decodes every trace
# (about 8 s of CPU per GB here).
# A third flow, host to host, runs the migration without regard to where
# the pieces lie (each task on the first free slot), so that most pieces
# are fetched by their runner from their holder host to host, one
# connection per pair of hosts (BENCH_DIST_FETCH=0 leaves it out).
# Environment: BENCH_DIST_MB (survey size, default 2048), BENCH_DIST_RATE,
# BENCH_DIST_PIECES (default 32), BENCH_DIST_TIMEOUT (seconds per step,
# default 900), BENCH_DIST_FETCH (default 1).  Needs root (namespaces, sshd, tc, a throw-away user); all
# of it is removed on exit, also after a failure or a signal.
[ -z "${BASH_VERSION:-}" ] && exec bash "$0" "$@"
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
MB=${BENCH_DIST_MB:-2048}
RATE=${BENCH_DIST_RATE:-200mbit}
PIECES=${BENCH_DIST_PIECES:-32}
TMO=${BENCH_DIST_TIMEOUT:-900}
NH=4
echo "distributed flow benchmark (survey ${MB} MB, $NH hosts, links $RATE, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
if [ "$(id -u)" -ne 0 ]; then
	echo "  skipped: needs root (network namespaces, sshd, tc, a test user)"
	exit 0
fi
for t in ip tc /usr/sbin/sshd ssh-keygen; do
	command -v "$t" >/dev/null || { echo "  skipped: $t not installed"; exit 0; }
done

W=$(mktemp -d /tmp/dist-bench.XXXXXX)
chmod 755 "$W"
BATS_TEST_DIRNAME=$top/tests/cli
# shellcheck disable=SC1091
. "$top/tests/cli/lab.bash"
NETNS=""
cleanup() {
	local ns
	trap - EXIT INT TERM HUP
	# sshd and the user's processes by PID, the user, the lab directory;
	# then the namespaces by name (their veths, bridge and tc qdiscs go
	# with them).
	if [ -n "${LAB:-}" ]; then lab_stop; fi
	for ns in $NETNS; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$W"
}
# Each step runs in the background and is waited for, so that a signal
# reaches the trap at once: the trap stops the step (timeout passes the
# signal on to its command) and cleans up.
CUR=""
step() {
	local rc=0
	timeout "$TMO" "$@" &
	CUR=$!
	wait "$CUR" || rc=$?
	CUR=""
	return "$rc"
}
on_signal() {
	if [ -n "$CUR" ]; then
		kill -TERM "$CUR" 2>/dev/null || true
		wait "$CUR" 2>/dev/null || true
	fi
	exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
trap 'on_signal 129' HUP

fail() {
	echo "dist.sh: $*" >&2
	exit 1
}

lab_init
suf=$(cat "$LAB/suffix")
cp "$top/bin/migrate" "$top/bin/segmerge" "$LAB"
chmod 755 "$LAB/migrate" "$LAB/segmerge"
net=10.$((0x${suf:0:2} % 200 + 20)).$((0x${suf:2:2}))
SW=ds${suf}s
CTL=ds${suf}c
NETNS="$SW $CTL"
ip netns add "$SW"
ip netns add "$CTL"
ip -n "$SW" link add br0 type bridge
ip -n "$SW" link set br0 up
# link NS ADDR PORT: a veth from namespace NS (end e0, address ADDR) to the
# bridge (end PORT), shaped both ways; made inside the namespaces, so that
# nothing of it is left outside them.
link() {
	local ns=$1 addr=$2 port=$3
	ip link add e0 netns "$ns" type veth peer name "$port" netns "$SW"
	ip -n "$ns" addr add "$addr/24" dev e0
	ip -n "$ns" link set e0 up
	ip -n "$ns" link set lo up
	ip -n "$SW" link set "$port" master br0
	ip -n "$SW" link set "$port" up
	tc -n "$ns" qdisc add dev e0 root tbf rate "$RATE" burst 256kb latency 100ms
	tc -n "$SW" qdisc add dev "$port" root tbf rate "$RATE" burst 256kb latency 100ms
}
link "$CTL" "$net.1" pc
: >"$W/hosts"
for i in $(seq "$NH"); do
	ns=ds${suf}h$i
	NETNS="$NETNS $ns"
	ip netns add "$ns"
	link "$ns" "$net.$((10 + i))" "p$i"
	lab_sshd "h$i" "$net.$((10 + i))" 22 "$ns"
	echo "1/h$i" >>"$W/hosts"
done
lab_client_config
SSH=$LAB_SSH
# in_ctl CMD...: runs CMD in the controller's namespace, bounded in time.
in_ctl() {
	step ip netns exec "$CTL" "$@"
}
for i in $(seq "$NH"); do
	in_ctl $SSH "h$i" true || fail "h$i does not answer"
done
ctl_bytes() {
	ip netns exec "$CTL" sh -c 'echo $(($(cat /sys/class/net/e0/statistics/rx_bytes) + $(cat /sys/class/net/e0/statistics/tx_bytes)))'
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# The survey: a line of shots with 120 channels of 1000 samples (4,240
# bytes a trace), MB megabytes, split by shot into PIECES pieces.
ch=120
traces=$((MB * 1048576 / 4240))
shots=$(((traces + ch - 1) / ch))
group=$(((shots + PIECES - 1) / PIECES))
len=$((shots * 50))
dx=$((len / 16))
MIG="--vel 2000 --grid $((dx / 2)),$dx,16 --nt 1000 --aperture 200 --allow-outside --rho none"
# Four hosts share this machine's CPUs: one thread per task (OpenMP's
# spinning threads would take CPU time from the other hosts' tasks).
RUN="env OMP_NUM_THREADS=1 $LAB/migrate"
step "$top/bin/segsynth" --line "$shots,50,$ch,25" --nt 1000 --vel 2000 -R 0.5 -D "$((len / 2)),0.6" \
	-o "$W/line.sgy" || fail "segsynth failed"
data=$(stat -c %s "$W/line.sgy")
cd "$W"
PATH=$top/bin:$PATH
export PATH

# Placement, once: the pieces to the hosts (one copy each).
b0=$(ctl_bytes) t0=$(now)
in_ctl segsplit --hosts hosts --ssh "$SSH" --agent "$LAB_AGENT" --key fldr --group "$group" -d parts line.sgy \
	2>"$W/place.err" || { cat "$W/place.err" >&2; fail "segsplit --hosts failed"; }
t1=$(now) b1=$(ctl_bytes)
place_w=$(secs "$t0" "$t1") place_b=$((b1 - b0))
npieces=$(grep -c '^  - file: ' parts/manifest.yaml)
awk '/^    at: / { sub(/^    at: \[/, ""); sub(/\]$/, ""); gsub(/"/, ""); n = split($0, l, /, /);
	hs = ""; for (i = 1; i <= n; i++) { c = index(l[i], ":"); p = substr(l[i], c + 1);
	hs = hs (i > 1 ? "," : "") substr(l[i], 1, c - 1) } print p "\t" hs }' parts/manifest.yaml >pieces.tsv
cut -f2 pieces.tsv >where

# Streamed: split here, every piece and image through the controller.
b0=$(ctl_bytes) t0=$(now)
step segsplit --key fldr --group "$group" -d local line.sgy || fail "segsplit -d failed"
in_ctl taskrun -H hosts --ssh "$SSH" --agent "$LAB_AGENT" -s s1 --stdin 'local/{}' --stdout 'img1/{}' \
	$RUN $MIG ::: $(cd local && ls part-*) 2>"$W/s1.err" || { cat "$W/s1.err" >&2; fail "streamed migration failed"; }
step segmerge --sum img1/part-* -o streamed.sgy || fail "streamed sum failed"
t1=$(now) b1=$(ctl_bytes)
str_w=$(secs "$t0" "$t1") str_b=$((b1 - b0))

# Locality: each piece migrated on its host, the image kept there; the sum.
b0=$(ctl_bytes) t0=$(now)
in_ctl taskrun -H hosts --ssh "$SSH" --agent "$LAB_AGENT" -s s2 --input-manifest parts/manifest.yaml --locality-wait 60s \
	--keep 'img/{/}' $RUN $MIG {} 2>"$W/s2.err" ||
	{ cat "$W/s2.err" >&2; fail "migration by locality failed"; }
bm=$(ctl_bytes) tm=$(now)
# The sum near the data: each host sums the images it keeps, the hosts
# add their partial sums in a tree (the lab user reads the lab's key to
# reach the other hosts), the controller receives the image (segmerge
# --sum --kept).
chown "$LAB_USER" "$LAB/id"
tf=$(now)
in_ctl segmerge --sum --kept s2 --ssh "$SSH" --agent "$LAB_AGENT" --remote "$LAB/segmerge" --state sum -o locality.sgy \
	2>"$W/sum.err" || { cat "$W/sum.err" >&2; fail "the sum near the data failed"; }
t1=$(now) b1=$(ctl_bytes)
loc_w=$(secs "$t0" "$t1") loc_b=$((b1 - b0))
away=$(awk -F'\t' 'NR == FNR { w[NR] = "," $0 ","; next } $2 == "done" && index(w[$3], "," $5 ",") == 0 { n++ } END { print n + 0 }' where s2/journal)
cmp -s streamed.sgy locality.sgy && same="the same bytes" || same="DIFFERENT images"

# Host to host: the same migration placed without regard to the data
# (--where names no host of the run, so each task takes the first free
# slot), then the sum near the data.  A task on a host that does not hold
# its piece has it fetched from the holder host to host (one connection per
# pair of hosts), not through the controller.  The lab user can read the
# lab's key (chown above), as the sum needs too.
if [ "${BENCH_DIST_FETCH:-1}" = 1 ]; then
	fb0=$(ctl_bytes) f0=$(now)
	in_ctl taskrun -H hosts --ssh "$SSH" --agent "$LAB_AGENT" -s s3 --input-manifest parts/manifest.yaml \
		--where 'nohost-{/.}' --keep 'img3/{/}' $RUN $MIG {} 2>"$W/s3.err" ||
		{ cat "$W/s3.err" >&2; fail "migration with fetches failed"; }
	in_ctl segmerge --sum --kept s3 --ssh "$SSH" --agent "$LAB_AGENT" --remote "$LAB/segmerge" --state sum3 \
		-o fetched.sgy 2>"$W/sum3.err" || { cat "$W/sum3.err" >&2; fail "the sum of the fetched flow failed"; }
	f1=$(now) fb1=$(ctl_bytes)
	fet_w=$(secs "$f0" "$f1") fet_b=$((fb1 - fb0))
	cmp -s streamed.sgy fetched.sgy && fsame="the same bytes" || fsame="DIFFERENT images"
	# Pieces moved host to host and relayed, and the pairs of hosts that
	# fetched (each one connection).
	fet_n=$(awk -F'\t' '$2 == "input" && $12 ~ /^moved .* direct/ { n++ } END { print n + 0 }' s3/journal)
	fet_r=$(awk -F'\t' '$2 == "input" && $12 ~ /^moved / && $12 !~ / direct/ { n++ } END { print n + 0 }' s3/journal)
	fet_pairs=$(awk -F'\t' '$2 == "input" && $12 ~ /^moved .* direct/ { split($12, f, /from=/); sub(/ .*/, "", f[2]); p[$5 " " f[2]] }
		END { print length(p) }' s3/journal)
	fet_f=$(awk -F'\t' '$2 == "fetch"' s3/journal | wc -l)
fi

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f%%", 100 * a / b }'; }
echo "  survey: $data bytes, $traces traces, $npieces pieces; migrate $MIG"
printf '  %-44s %8s s wall %14d bytes through the controller (%s of the data)\n' \
	"placement (segsplit --hosts, once)" "$place_w" "$place_b" "$(pct "$place_b" "$data")"
printf '  %-44s %8s s wall %14d bytes through the controller (%s of the data)\n' \
	"streamed (segsplit -d, --stdin/--stdout, sum)" "$str_w" "$str_b" "$(pct "$str_b" "$data")"
printf '  %-44s %8s s wall %14d bytes through the controller (%s of the data)\n' \
	"locality (--input-manifest/--keep, sum --kept)" "$loc_w" "$loc_b" "$(pct "$loc_b" "$data")"
echo "  locality's $(taskrun status s2 | grep '^inputs:' || echo 'inputs: not counted')"
echo "  images: $same; tasks run away from their piece: $away; locality's bytes: $((bm - b0)) in the migration run," \
	"$((b1 - bm)) in the sum ($(taskrun kept s2 | wc -l) images of $(taskrun kept s2 | awk -F'\t' '{ s += $3 } END { print s }') bytes on the hosts," \
	"$(wc -l <sum/fetched) partial sums of $(awk -F'\t' '{ s += $3 } END { print s + 0 }' sum/fetched) bytes received," \
	"$(ls -d sum/r* | wc -l) rounds)"
if [ "${BENCH_DIST_FETCH:-1}" = 1 ]; then
	printf '  %-44s %8s s wall %14d bytes through the controller (%s of the data)\n' \
		"host to host (no locality, fetches, sum --kept)" "$fet_w" "$fet_b" "$(pct "$fet_b" "$data")"
	echo "  host to host: $fet_n of $npieces pieces fetched host to host over $fet_pairs pairs of hosts (one connection" \
		"each), $fet_r relayed by the controller, $fet_f failed fetches; images: $fsame;" \
		"streamed/host-to-host wall $(awk -v s="$str_w" -v f="$fet_w" 'BEGIN { printf "%.2fx", s / f }')"
fi
awk -v s="$str_w" -v l="$loc_w" -v b="$loc_b" -v d="$data" 'BEGIN {
	r = s / l; p = 100 * b / d
	printf "  streamed/locality wall %.2fx (bar >= 3x: %s); locality controller traffic %.2f%% of the data (bar <= 2%%: %s)\n",
		r, (r >= 3 ? "met" : "NOT met"), p, (p <= 2 ? "met" : "NOT met") }'
# The tasks' CPU time (user + system, as the agents measured it) and wall.
tcpu() { awk -F'\t' '$2 == "done" { c += $9 + $10; w += $8 } END { printf "%.2f s CPU in %.2f s of task wall", c, w }' "$1/journal"; }
if [ "${BENCH_DIST_FETCH:-1}" = 1 ]; then echo "  host-to-host tasks: $(tcpu s3)"; fi
echo "  streamed tasks: $(tcpu s1); locality tasks: $(tcpu s2); locality steps: migration $(secs "$t0" "$tm") s," \
	"sum near the data $(secs "$tf" "$t1") s"
echo "  load at the end $(cut -d' ' -f1 /proc/loadavg)"
