# bats runs this around every run of files in tests/cli (`bats tests/cli`,
# as make check does, or `bats tests/cli/F.bats`).  The loopback lab
# (lab.bash) is shared by the files of a run: the first file that needs it
# starts it, and teardown_suite stops it, after the last file, a failure
# or Ctrl-C.  A run without a lab file starts nothing.
source "${BASH_SOURCE[0]%/*}/lab.bash"

setup_suite() {
	# bats --jobs N runs files at once, and a file's faults (a cut link,
	# a killed sshd) would reach another's tests: then each has its own.
	if [ "${BATS_NUMBER_OF_PARALLEL_JOBS:-1}" -le 1 ]; then
		export LAB_SUITE=$BATS_SUITE_TMPDIR
	fi
}

teardown_suite() {
	if [ -n "${LAB_SUITE:-}" ] && [ -f "$LAB_SUITE/lab.env" ]; then
		. "$LAB_SUITE/lab.env"
		lab_stop
	fi
}
