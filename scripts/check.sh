#!/bin/sh
# The test runner behind `make check`: unit tests, bats tests, man page lint
# and a short fuzz run.  Every check counts; the last line is
# "N passed, N failed" and the exit status is 1 when anything failed.
O=${1:-build}
pass=0 fail=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

count() {  # count PASSES FAILS
	pass=$((pass + $1)); fail=$((fail + $2))
}

echo "== unit tests"
for t in "$O"/tests/unit/test_*; do
	case $t in *.o|*.d) continue;; esac
	[ -x "$t" ] || continue
	"$t" >"$log/unit" 2>&1
	rc=$?
	line=$(grep -E '^# [0-9]+ passed, [0-9]+ failed$' "$log/unit" | tail -n 1)
	p=$(echo "$line" | sed -n 's/^# \([0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
	if [ -z "$line" ] || [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		f=$((${f:-0} + 1)); p=${p:-0}   # a crash or a missing summary is a failure
	fi
	grep -v '^# [0-9]* passed' "$log/unit" | grep -E '^(not ok|FAIL)' | head -n 20
	echo "$(basename "$t"): $p passed, $f failed"
	count "$p" "$f"
done

echo "== bats tests"
export PATH="$PWD/bin:$PATH"
# No fsync in the commands' output files (lib/core/ofile.h), as git's suite
# runs with GIT_TEST_FSYNC=0: on this disk a sync costs 7-14 ms and the suite
# commits thousands of files.  The tests of the syncs unset it.
export SEGKIT_TEST_FSYNC=0
# make asan (scripts/asan.sh) checks leaks in the unit tests, not in the
# commands the bats tests run: their ASan options come in SK_BATS_ASAN_OPTIONS.
if [ -n "${SK_BATS_ASAN_OPTIONS:-}" ]; then
	ASAN_OPTIONS=$SK_BATS_ASAN_OPTIONS bats --tap tests/cli >"$log/bats" 2>&1
else
	bats --tap tests/cli >"$log/bats" 2>&1
fi
grep -E '^not ok' -A 15 "$log/bats" | grep -vE '^ok ' | head -n 200
p=$(grep -cE '^ok ' "$log/bats")
f=$(grep -cE '^not ok ' "$log/bats")
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log/bats" | head -n 1)
if [ -n "$plan" ] && [ $((p + f)) -lt "$plan" ]; then
	f=$((f + plan - p - f)); echo "bats: $((plan - p)) tests did not run"
fi
grep -cE '^ok .*# skip' "$log/bats" | sed 's/^/bats skipped: /'
grep -E '^ok .*# skip' "$log/bats" | head -n 20
echo "bats: $p passed, $f failed"
count "$p" "$f"

echo "== man pages"
if make --no-print-directory -s manlint >"$log/man" 2>&1; then count 1 0; echo "manlint: ok"
else cat "$log/man"; count 0 1; fi

echo "== fuzz (short)"
for fz in "$O"/fuzz/fuzz_*; do
	[ -x "$fz" ] || continue
	if sh tests/fuzz/run.sh "$fz" "${FUZZ_SHORT:-20}" >"$log/fuzz" 2>&1; then
		count 1 0; echo "$(tail -n 1 "$log/fuzz")"
	else
		tail -n 30 "$log/fuzz"; count 0 1; echo "$(basename "$fz"): FAILED"
	fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
