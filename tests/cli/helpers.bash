# Shared by the bats files: real data, a scratch directory, and the
# help-versus-man-page check.
DATA=${DATA:-$BATS_TEST_DIRNAME/../../../shared/data/segy}
DATA=$(cd "$DATA" 2>/dev/null && pwd || echo "$DATA")

# Every long option the command's --help lists appears in its man page.
check_help_in_man() {
	local cmd=$1 page=$BATS_TEST_DIRNAME/../../man/$1.1 opt missing=""
	for opt in $("$cmd" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		grep -q -- "Fl Fl ${opt#--}" "$page" || missing="$missing $opt"
	done
	[ -z "$missing" ] || { echo "missing in $page:$missing"; return 1; }
}

# asan_build CMD: CMD was built by make asan (ASan linked in statically,
# so ldd does not show it: its symbols are in the binary).
asan_build() {
	grep -qa __asan_init "$(command -v "$1")"
}
