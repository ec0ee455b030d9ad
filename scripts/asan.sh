#!/bin/sh
# The sanitizers' options of make asan, and the check that no report hid.
#
# Usage: sh scripts/asan.sh LOGDIR COMMAND...
#
# Runs COMMAND (make asan: the sanitized make check) with ASAN_OPTIONS,
# UBSAN_OPTIONS and LSAN_OPTIONS set alike: a report halts the process with
# exit status 99 (so it cannot pass for a command's own exit 1, which the
# tests expect of bad input) and is written to LOGDIR/san.PID, not to
# stderr, where a test's `run` or an agent's stderr file would swallow it.
# LOGDIR is emptied first and made writable by every user (the lab's hosts
# run as a throw-away user: tests/cli/lab.bash hands them these variables
# through sshd's SetEnv).  The end status is COMMAND's, or 1 when LOGDIR
# holds any report at the end, whatever COMMAND said.
#
# The three variables carry the same common options because each sanitizer
# runtime reads all three and the last one read wins (ASan, then LSan, then
# UBSan).  Leak detection is on for the unit tests and off in the bats tests
# (SK_BATS_ASAN_OPTIONS, read by scripts/check.sh): a command's memory left
# at exit is not a defect, memory that grows with its input is
# (scripts/valgrind.sh checks that).
set -u
[ $# -ge 2 ] || { echo "usage: sh scripts/asan.sh LOGDIR COMMAND..." >&2; exit 2; }
log=$1
shift
case $log in /*) ;; *) log=$PWD/$log ;; esac
rm -rf "$log" && mkdir -p "$log" && chmod 1777 "$log" || exit 1
top=$(cd "$(dirname "$0")/.." && pwd)
common="halt_on_error=1:exitcode=99:log_path=$log/san"
ASAN_OPTIONS="$common:detect_leaks=1:abort_on_error=0"
UBSAN_OPTIONS="$common:print_stacktrace=1"
LSAN_OPTIONS="$common:suppressions=$top/tests/lsan.supp:print_suppressions=0"
SK_BATS_ASAN_OPTIONS="$common:detect_leaks=0:abort_on_error=0"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS SK_BATS_ASAN_OPTIONS
"$@"
rc=$?
if [ -n "$(ls -A "$log")" ]; then
	echo "asan: sanitizer reports in $log:"
	for f in "$log"/*; do
		echo "== $f"
		head -n 40 "$f"
	done
	exit 1
fi
exit $rc
