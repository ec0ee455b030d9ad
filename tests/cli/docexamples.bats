#!/usr/bin/env bats
# Every command example of README.md and of the man pages runs as written
# (tests/cli/docexamples.py extracts them: a new example is picked up without
# touching this file), on the small files of examples/docs, with the hosts of
# the loopback sshd lab (lab.bash) where an example names hosts.  The examples
# that cannot run here are marked in their page, with the reason, and listed.
# Inline command lines in prose (a `code` span or .Ql that starts with a
# segkit command and has more than one option or operand, not only options
# and placeholders such as DIR) run too, and must not be refused as usage
# errors (exit 2); being fragments, they may fail on data (exit 1).  Spans of
# one word after the command (`segmerge --sum`) name an option and do not
# run; docexamples.py's header has the whole rule.
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
	lab_setup_file
	if [ -n "${LAB:-}" ]; then
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
	lab_teardown_file
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

# The extractor itself, on pages made here: sessions with shown output,
# commands spread over lines, markers, roff escapes, inline command lines; a
# failing example, a wrong shown output, an unmarked non-command and an
# inline command refused as a usage error all fail the run.
@test "docexamples.py: extraction, markers and failures on a made-up page" {
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/fix" "$d/wk"
	cat >"$d/t.md" <<-'EOF'
		```
		$ echo hi
		hi
		$ printf 'a\n'
		b
		```

		```sh
		for k in 1 2; do
		    echo $k
		done | cat
		false
		```

		<!-- example: skip it is a picture -->
		```
		rm -rf /
		```

		<!-- example: needs no-such-tool-here -->
		```
		no-such-tool-here --now
		```

		```yaml
		not: a command
		```

		<!-- example: file f.txt -- grep -q two f.txt -->
		```
		one
		two
		```

		```
		$ ssh host true
		```

		<!-- example: continues -->
		```
		$ wc -l < f.txt
		2
		$ segfoo: a message without a marker
		segfoo: a message without a marker
		```

		Inline: `segsplit --count 5 -d parts` (no input here: a data error
		passes), `segsplit --cuont 5 -d parts` (refused), `segmerge --sum`
		and `make check` (not command lines).
	EOF
	cd "$d"
	run -1 /usr/bin/python3 "$EX" run --fixture fix --work wk t.md
	echo "$output"
	[ "$(sed 's/, [0-9.]* s)$/)/' <<<"$output")" = "$(cat <<-'EOF'
		FAIL t.md:4: printf 'a\n'
		  exit 0; shown output:
		    | b
		  real output:
		    | a
		FAIL t.md:12: false
		  exit 1:
		    (nothing)
		skip t.md:16: it is a picture
		skip t.md:21: needs no-such-tool-here, absent here
		ok   t.md:30 (1 command)
		skip t.md:35: needs the loopback sshd lab (root), absent here
		FAIL t.md:43: segfoo: a message without a marker
		  exit 127; shown output:
		    | segfoo: a message without a marker
		  real output:
		    | bash: line 1: segfoo:: command not found
		ok   t.md:47 (inline: segsplit --count 5 -d parts)
		FAIL t.md:48: segsplit --cuont 5 -d parts
		  an inline command refused as a usage error (exit 2):
		    | segsplit: unknown option '--cuont' (did you mean --count?); try --help
		6 examples ran (9 commands, 2 inline), 4 failed, 3 skipped
		(an example that cannot run here, or a block that is not a command, is marked in its page: see tests/cli/docexamples.py)
	EOF
	)" ]
	# Every command, grouped as the shell reads it; man page escapes undone.
	cat >"$d/t.1" <<-'EOF'
		.Sh EXAMPLES
		.Bd -literal -offset indent
		$ printf 'a\etb\en' | \e
		    cut -f2
		b
		.Ed
		.Dl echo \(aqone\(aq \-two
		.EX
		echo ex
		.EE
		.\" example: skip a formula
		.Bd -literal
		t = sqrt(x)
		.Ed
	EOF
	run -0 /usr/bin/python3 "$EX" list t.1
	[ "$output" = "$(printf '%s\n' "t.1:3	printf 'a\\tb\\n' | \\\\n    cut -f2	=> 1 lines" \
		"t.1:7	echo 'one' -two" "t.1:9	echo ex" "t.1:12	skip a formula")" ]
	run -0 /usr/bin/python3 "$EX" run --fixture fix --work wk t.1
	[ "${lines[-1]}" = "3 examples ran (3 commands, 0 inline), 0 failed, 1 skipped" ]
	# A skip needs its reason.
	sed -i 's/skip a formula/skip/' t.1
	run -1 --separate-stderr /usr/bin/python3 "$EX" run --fixture fix --work wk t.1
	[ "$stderr" = "docexamples: t.1:12: 'example: skip' needs a reason" ]
}

# The model of man segsynth is examples/docs/model.yaml, which the README's
# segsynth -m model.yaml reads.
@test "man segsynth's model file is examples/docs/model.yaml" {
	diff <(awk '/^\.\\" example: file model.yaml/ { m = 1; next } m && /^\.Bd/ { b = 1; next }
		b && /^\.Ed/ { exit } b' "$TOP/man/segsynth.1") "$TOP/examples/docs/model.yaml"
}
