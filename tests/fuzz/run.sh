#!/bin/sh
# run.sh FUZZER SECONDS: runs a libFuzzer harness for SECONDS from the seeds
# tests/fuzz/mkcorpus.py made beside it (FUZZER's directory, corpus/NAME)
# and the committed text seeds in tests/fuzz/corpus/NAME, if any,
# with the dictionary tests/fuzz/NAME.dict when there is one, on inputs of
# up to FUZZ_MAX_LEN bytes (8192: the seeds reach as many edges cut there as
# whole, see mkcorpus.py).  Fails on any crash, leak, timeout or sanitizer
# report, and keeps the input that caused it in FUZZER's directory
# (artifacts/NAME/).  The last line says what the run did:
#   NAME: RUNS runs in SECS s (EXEC/s), cov EDGES ft FEATURES, corpus N inputs
set -eu
fz=$1 secs=$2
name=$(basename "$fz")
dir=$(dirname "$fz")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/art"
set --
[ -d "$dir/corpus/$name" ] && set -- "$dir/corpus/$name"
[ -d "tests/fuzz/corpus/$name" ] && set -- "$@" "tests/fuzz/corpus/$name"
dict=tests/fuzz/$name.dict
[ -f "$dict" ] || dict=/dev/null
# A small quarantine: a fuzzer's allocations are small and many, and the
# default 256 MB keeps touching fresh memory (2x the time per input).  A
# header may announce records of up to 1 GiB (ns 2^28) that the readers
# allocate before they find the input too short; under ASan such a buffer
# takes seconds, so allocations above 256 MiB fail (the library's
# out-of-memory paths) instead.  Options already set (make asan's halt,
# exit status and log_path) come after these and so are kept.
export ASAN_OPTIONS="quarantine_size_mb=16:allocator_may_return_null=1:max_allocation_size_mb=256${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
rc=0
"$fz" -max_total_time="$secs" -max_len="${FUZZ_MAX_LEN:-8192}" -rss_limit_mb=2048 -timeout=10 \
	-dict="$dict" -print_final_stats=1 -artifact_prefix="$work/art/" \
	"$work/corpus" "$@" >"$work/log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ] || [ -n "$(ls "$work/art")" ]; then
	tail -n 60 "$work/log"
	mkdir -p "$dir/artifacts/$name"
	cp "$work/art/"* "$dir/artifacts/$name/" 2>/dev/null || true
	echo "$name: FAILED (exit $rc); inputs kept in $dir/artifacts/$name/"
	exit 1
fi
awk -v name="$name" '
	/^#[0-9]+[ \t]+DONE/ { for (i = 1; i <= NF; i++) { if ($i == "cov:") cov = $(i + 1); if ($i == "ft:") ft = $(i + 1); if ($i == "corp:") { split($(i + 1), c, "/"); corp = c[1] } } }
	/^stat::number_of_executed_units:/ { runs = $2 }
	/^stat::average_exec_per_sec:/ { eps = $2 }
	/^Done [0-9]+ runs in [0-9]+ second/ { secs = $5 }
	END { printf "%s: %s runs in %s s (%s/s), cov %s ft %s, corpus %s inputs\n", name, runs, secs, eps, cov, ft, corp }
' "$work/log"
