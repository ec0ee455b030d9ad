#!/bin/sh
# run.sh FUZZER SECONDS: runs a libFuzzer harness for SECONDS, seeded from the
# real files in ../shared/data/segy (read, never copied) and the small corpus
# beside the harness.  Fails on any crash, leak or sanitizer report.
set -eu
fz=$1 secs=$2
name=$(basename "$fz")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
seeds=""
[ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
[ -d ../shared/data/segy ] && seeds="$seeds ../shared/data/segy ../shared/data/segy/multiformats"
# shellcheck disable=SC2086
"$fz" -max_total_time="$secs" -max_len=262144 -rss_limit_mb=2048 -timeout=10 \
	-artifact_prefix="$work/" "$work/corpus" $seeds
