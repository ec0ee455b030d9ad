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
