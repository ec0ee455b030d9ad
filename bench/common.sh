# Sourced by the benchmarks (bench/*.sh, after `set -eu`): what each of them
# had written again.  It also sources bench/old.sh (old_build: BENCH_OLD's
# build).
#   root, bin           the checkout above bench/ and its bin/, put first in PATH
#   bench_dir VAR [DIR] a fresh directory under DIR (default TMPDIR or /tmp)
#                       in $VAR, removed when the script exits or is
#                       interrupted (INT exits 130, TERM 143)
#   bench_need PROG...  exits 1 naming the first PROG that bin/ lacks
#   now                 the time in seconds, with nanoseconds
#   load                the load averages (uptime's), printed beside figures
#   mbps BYTES SECONDS  MB/s, no decimals
#   ratio A B           A / B, two decimals
#   bar NAME VALUE MIN  prints ok, or BELOW and counts it in $fails
#   quartiles           reads rows of numbers on standard input (one or more
#                       columns, as many in every row) and prints one line:
#                       each column's median, lower and upper quartile in
#                       turn (MED Q1 Q3 [MED Q1 Q3 ...], %.6g).  A quartile
#                       interpolates linearly between the sorted values
#                       (numpy.percentile's default, as bench/timeit.py): of
#                       5 values the 2nd, 3rd and 4th.  No row, rows of
#                       different lengths or a field that is not a number:
#                       a message naming the row and field on standard
#                       error, exit 1
#   round_speedups      reads one row a round, "T1 T2 TA TB": the seconds of
#                       1 thread, of 2 threads and of two 1-thread runs at
#                       once (each > 0), and prints, as quartiles does, the
#                       round's speed-up T1/T2, its ceiling T1/TA + T1/TB
#                       (how many times the work of one run alone the pair
#                       did) and the speed-up's share of that ceiling, each
#                       taken round by round, so that a slow spell of the
#                       host, which falls on all three runs of a round,
#                       cancels: 9 numbers
#   call_bar BAR Q1 Q3 [CEIL]
#                       calls a bar on a speed-up's quartiles over the rounds:
#                       "bar BAR: met" when the lower quartile Q1 reaches it
#                       (three rounds in four did), "not met" when the upper
#                       quartile Q3 is below it, and "not called" when they
#                       straddle it (more rounds narrow them), with the
#                       quartile that decided, 3 decimals.  With CEIL, the
#                       median of the machine's own ceiling in the same
#                       rounds: a bar not met is "not called" when CEIL is
#                       below it (a busy host: two 1-thread runs at once did
#                       not reach it either)
#   raw WORDS...        one line of a round's raw figures, "raw SCRIPT
#                       WORDS...", appended to the file BENCH_RAW, or without
#                       it written to standard error, for a reader to
#                       recompute the medians from
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/bin
PATH=$bin:$PATH
fails=0
. "$root/bench/old.sh"

bench_dir() {
	_bench_d=$(mktemp -d "${2:-${TMPDIR:-/tmp}}/segkit-bench.XXXXXX")
	eval "$1=\$_bench_d"
	# shellcheck disable=SC2064
	trap "rm -rf '$_bench_d'" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

bench_need() {
	for _bench_c in "$@"; do
		[ -x "$bin/$_bench_c" ] || { echo "$(basename "$0"): $bin/$_bench_c missing: run make first" >&2; exit 1; }
	done
}

now() { date +%s.%N; }
load() { uptime | sed 's/.*load average: //'; }
mbps() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / 1e6 / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

bar() {
	if awk -v v="$2" -v m="$3" 'BEGIN { exit !(v >= m) }'; then
		printf '  bar %-44s %6s >= %s  ok\n' "$1" "$2" "$3"
	else
		printf '  bar %-44s %6s >= %s  BELOW\n' "$1" "$2" "$3"
		fails=$((fails + 1))
	fi
}

# The rows' quartiles, column by column (see the header): each column sorted
# by insertion (a bench has tens of rounds, not thousands).
quartiles() {
	awk 'function q(c, p,  x, i, j) {
		x = p * (n - 1); i = int(x); j = i + 1 < n ? i + 1 : n - 1
		return v[c, i] + (v[c, j] - v[c, i]) * (x - i)
	}
	BEGIN { n = 0 }
	NF == 0 { next }
	{
		if (!n) nc = NF
		else if (NF != nc) { printf "quartiles: row %d has %d fields, row 1 has %d\n", NR, NF, nc > "/dev/stderr"; bad = 1; exit 1 }
		for (c = 1; c <= NF; c++) {
			if ($c !~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/) {
				printf "quartiles: row %d, field %d: \"%s\" is not a number\n", NR, c, $c > "/dev/stderr"; bad = 1; exit 1
			}
			x = $c + 0
			for (i = n; i > 0 && v[c, i - 1] > x; i--) v[c, i] = v[c, i - 1]
			v[c, i] = x
		}
		n++
	}
	END {
		if (bad) exit 1
		if (!n) { print "quartiles: no rows" > "/dev/stderr"; exit 1 }
		for (c = 1; c <= nc; c++) printf "%s%.6g %.6g %.6g", (c > 1 ? " " : ""), q(c, 0.5), q(c, 0.25), q(c, 0.75)
		printf "\n"
	}'
}

round_speedups() {
	_bench_r=$(awk 'NF == 0 { next }
	{
		if (NF != 4) { printf "round_speedups: row %d has %d fields, not 4 (T1 T2 TA TB)\n", NR, NF > "/dev/stderr"; exit 1 }
		for (c = 1; c <= 4; c++)
			if ($c !~ /^([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/ || $c + 0 <= 0) {
				printf "round_speedups: row %d, field %d: \"%s\" is not a time above 0\n", NR, c, $c > "/dev/stderr"; exit 1
			}
		r = $1 / $2; c = $1 / $3 + $1 / $4
		printf "%.17g %.17g %.17g\n", r, c, r / c
	}') || return 1
	[ -n "$_bench_r" ] || { echo "round_speedups: no rows" >&2; return 1; }
	printf '%s\n' "$_bench_r" | quartiles
}

call_bar() {
	awk -v b="$1" -v lo="$2" -v hi="$3" -v c="${4:-}" 'BEGIN {
		if (lo + 0 >= b + 0) printf "bar %s: met, lower quartile %.3f\n", b, lo
		else if (c != "" && c + 0 < b + 0)
			printf "bar %s: not called, the ceiling here (median %.3f) is below it\n", b, c
		else if (hi + 0 < b + 0) printf "bar %s: not met, upper quartile %.3f\n", b, hi
		else printf "bar %s: not called, quartiles %.3f-%.3f straddle it\n", b, lo, hi
	}'
}

raw() {
	if [ -n "${BENCH_RAW:-}" ]; then
		echo "raw $(basename "$0") $*" >>"$BENCH_RAW"
	else
		echo "raw $(basename "$0") $*" >&2
	fi
}
