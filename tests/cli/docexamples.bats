#!/usr/bin/env bats
# Every command example of README.md and of the man pages runs as written
# (tests/cli/docexamples.py extracts them: a new example is picked up without
# touching this file), on the small files of examples/docs, with the hosts of
# the loopback sshd lab (lab.bash) where an example names hosts.  The examples
# that cannot run here are marked in their page, with the reason, and listed.
bats_require_minimum_version 1.5.0
load helpers
load lab

TOP=$BATS_TEST_DIRNAME/../..
EX=$BATS_TEST_DIRNAME/docexamples.py
SUBIN=$BATS_TEST_DIRNAME/../../../shared/tools/su/bin

setup_file() {
	export FIX=$BATS_FILE_TMPDIR/fixture
	make -s -C "$TOP/examples/docs" W="$FIX" >&3
	export WORK=$BATS_FILE_TMPDIR/work LABOPT=
	if [ "$(id -u)" -eq 0 ]; then
		lab_start
		# The hosts of the examples (node1, node2 and "host") are the lab's; an
		# ssh first on PATH reaches them, as the lab user, in the same folder
		# (a shared file system) and with segkit on the remote PATH.
		cat >>"$LAB/ssh_config" <<-CONF
			Host host
				HostName 127.0.0.1
				Port $(awk '$1 == "Host" { h = $2 } h == "node1" && $1 == "Port" { print $2; exit }' "$LAB/ssh_config")
		CONF
		mkdir -p "$LAB/bin" "$LAB/wrap" "$LAB/work"
		chmod 755 "$LAB/bin" "$LAB/wrap"
		chmod 1777 "$LAB/work"
		cp "$TOP"/bin/* "$LAB/bin/"
		chmod 755 "$LAB"/bin/*
		cat >"$LAB/wrap/ssh" <<-'SH'
			#!/bin/bash
			# ssh [options] host [command...] into the lab: the options kept, the
			# command run in the caller's folder with segkit on PATH.
			opts=()
			while [ $# -gt 0 ]; do
				case $1 in
				-[BbcDEeFIiJLlmOoPpQRSWw]) opts+=("$1" "$2"); shift 2 ;;
				-*) opts+=("$1"); shift ;;
				*) break ;;
				esac
			done
			host=$1; shift
			exec /usr/bin/ssh -F "$LAB/ssh_config" "${opts[@]}" "$host" \
				"cd $(printf %q "$PWD") || exit 1; PATH=$LAB/bin:\$PATH; export PATH; $*"
		SH
		chmod 755 "$LAB/wrap/ssh"
		WORK=$LAB/work LABOPT=--lab
	fi
	mkdir -p "$WORK"
}

teardown_file() {
	lab_stop
}

run_examples() {
	local path=${LAB:+$LAB/wrap:}$PATH
	[ -d "$SUBIN" ] && path=$path:$SUBIN
	PATH=$path CWPROOT=${SUBIN%/bin} run /usr/bin/python3 "$EX" run $LABOPT --fixture "$FIX" \
		--work "$WORK" "$@"
	echo "$output"
	# The examples that did not run here, and why (DOCEX_SHOW=1: every one).
	if [ -n "${DOCEX_SHOW:-}" ]; then
		sed 's/^/# /' <<<"$output" >&3
	else
		grep '^skip ' <<<"$output" | sed 's/^/# /' >&3 || true
	fi
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == *" examples ran ("*"), 0 failed, "*" skipped" ]]
}

@test "README.md and docs/: every example runs as written and shows the real output" {
	cd "$TOP"
	run_examples README.md docs/*.md
}

@test "man pages: every example runs as written and shows the real output" {
	cd "$TOP"
	run_examples man/*.[1-9]
}
