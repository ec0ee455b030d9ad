# Sourced by the benchmarks that time an older build beside this one.
# old_build PROG: the directory of BENCH_OLD's PROG (BENCH_OLD itself, or
# BENCH_OLD/bin of a checkout), empty without BENCH_OLD; exits 2 naming
# BENCH_OLD when it holds no PROG.
old_build() {
	[ -n "${BENCH_OLD:-}" ] || return 0
	if [ -x "$BENCH_OLD/$1" ] && [ -f "$BENCH_OLD/$1" ]; then
		echo "$BENCH_OLD"
	elif [ -x "$BENCH_OLD/bin/$1" ]; then
		echo "$BENCH_OLD/bin"
	else
		echo "$(basename "$0" .sh) bench: BENCH_OLD=$BENCH_OLD holds no $1 build" >&2
		exit 2
	fi
}
