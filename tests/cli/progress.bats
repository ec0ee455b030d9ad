#!/usr/bin/env bats
# One progress report for every command with long work (lib/core/progress.c):
# the same options everywhere, a bar in place on a terminal (script(1) gives
# the command one), plain lines into a file or a pipe, nothing when asked.
bats_require_minimum_version 1.5.0
load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	segsynth --no-progress --line 4,50,24,25 --nt 101 --reflector 0.2 -o "$T/a.sgy"
}

# The command lines of the three commands, on small data.
cmdline() {
	case $1 in
	segsynth) echo "segsynth --line 4,50,24,25 --nt 101 --reflector 0.2 -o $T/s.sgy" ;;
	migrate) echo "migrate --vel 2000 --grid 0,25,20 --nt 100 $T/a.sgy -o $T/m.sgy" ;;
	regrid) echo "regrid -m dip -g -125,25,17 -r 100 $T/a.sgy -o $T/r.sgy" ;;
	segsplit) echo "segsplit --count 10 -d $T/parts $T/a.sgy" ;;
	segmerge) echo "segmerge $T/a.sgy $T/a.sgy -o $T/g.sgy" ;;
	esac
}

unit() {
	[ "$1" = regrid ] && echo locations || echo traces
}

total() {
	case $1 in segsynth|migrate|segsplit) echo 96 ;; regrid) echo 17 ;; segmerge) echo 192 ;; esac
}

@test "progress: the same options in every command with long work, and -P is --part wherever there is one" {
	for c in segsynth migrate regrid segsplit segmerge; do
		run -0 $c --help
		[[ "$output" == *$'\n'"  -b, --progress "* ]] || { echo "$c: no -b, --progress"; return 1; }
		[[ "$output" == *$'\n'"      --no-progress "* ]] || { echo "$c: no --no-progress"; return 1; }
		grep -q -- "Fl b , Fl .*progress" man/$c.1
		grep -q -- "no-progress" man/$c.1
	done
	for c in migrate regrid; do
		run -0 $c --help
		[[ "$output" == *$'\n'"  -P, --part=K/N "* ]]
	done
	# taskrun's progress line (tasks, hosts) has the same options.
	run -0 taskrun --help
	[[ "$output" == *$'\n'"  -b, --progress "* ]] && [[ "$output" == *$'\n'"      --no-progress "* ]]
	run -0 segsynth --help
	[[ "$output" != *"-P,"* ]]
	run -0 segsynth --help
	[[ "$output" == *"-B, --bin=DX[,DY]"* ]]
}

@test "progress: into a pipe, one plain line at the end (and one every 5 s before it)" {
	for c in segsynth migrate regrid segsplit segmerge; do
		u=$(unit $c) n=$(total $c)
		run -0 --separate-stderr sh -c "$(cmdline $c) --progress 2>&1 >/dev/null | cat"
		[[ "${lines[0]}" =~ ^"$c: 100% $n/$n $u, "([0-9.]+" $u/s, ")?"elapsed 0:0"[0-9]$ ]] ||
			{ echo "$c: ${lines[0]}"; return 1; }
		[[ "$output" != *$'\r'* ]]
	done
	# migrate adds its summary.
	run -0 --separate-stderr sh -c "$(cmdline migrate) --progress 2>&1 >/dev/null | cat"
	[[ "${lines[1]}" == "migrate: 2-D, 96 of 96 traces migrated into 20 output traces: "*" updates/s" ]]
	# Without --progress, nothing is said into a pipe.
	for c in segsynth migrate regrid segsplit segmerge; do
		run -0 sh -c "$(cmdline $c) 2>&1 >/dev/null | cat"
		[ "$output" = "" ]
	done
}

@test "progress: on a terminal, a bar redrawn in place, ended by a newline; --no-progress is silent" {
	command -v script >/dev/null || skip "script (util-linux) is missing"
	for c in segsynth migrate; do
		u=$(unit $c) n=$(total $c)
		run -0 script -qec "$(cmdline $c)" /dev/null </dev/null
		# Every drawing starts with a carriage return and erases the rest
		# of the line; the last is full and ends the line.
		[[ "$output" == $'\r'"$c: ["* ]] || { echo "$c: $output"; return 1; }
		[[ "$output" =~ $'\r'"$c: [########################] 100% $n/$n $u  "([0-9.]+" $u/s  ")?"elapsed 0:0"[0-9]$'\e[K\r'($'\n'|$) ]] ||
			{ echo "$c: $output"; return 1; }
		run -0 script -qec "$(cmdline $c) --no-progress" /dev/null </dev/null
		[ "$output" = "" ]
	done
	# regrid shows it unasked for dip, its long method, and not for the others.
	run -0 script -qec "$(cmdline regrid)" /dev/null </dev/null
	[[ "$output" =~ $'\r'"regrid: [########################] 100% 17/17 locations  " ]]
	run -0 script -qec "regrid -g -125,25,17 -r 100 $T/a.sgy -o $T/r2.sgy" /dev/null </dev/null
	[ "$output" = "" ]
}

@test "progress: segsplit and segmerge draw a bar on a terminal when asked, and unasked only for work longer than a second" {
	command -v script >/dev/null || skip "script (util-linux) is missing"
	for c in segsplit segmerge; do
		n=$(total $c)
		rm -rf "$T/parts"
		run -0 script -qec "$(cmdline $c) -b" /dev/null </dev/null
		[[ "$output" == $'\r'"$c: ["* ]] || { echo "$c: $output"; return 1; }
		[[ "$output" =~ $'\r'"$c: [########################] 100% $n/$n traces  "([0-9.]+" traces/s  ")?"elapsed 0:0"[0-9]$'\e[K\r'($'\n'|$) ]] ||
			{ echo "$c: $output"; return 1; }
		# Short work, unasked: nothing.
		rm -rf "$T/parts"
		run -0 script -qec "$(cmdline $c)" /dev/null </dev/null
		[ "$output" = "" ] || { echo "$c: $output"; return 1; }
	done
	# Long work, unasked: the bar shows once a second has passed (a reader
	# that starts late holds segmerge's output back), and ends the line.
	segsynth --no-progress --line 20,50,24,25 --nt 1001 --reflector 0.2 -o "$T/c.sgy"
	run -0 script -qec "segmerge $T/c.sgy | (sleep 1.6; cat >/dev/null)" /dev/null </dev/null
	[[ "$output" == $'\r'"segmerge: ["*$'\r'"segmerge: [########################] 100% 480/480 traces  "*$'\e[K\r' ]] ||
		{ echo "$output"; return 1; }
}

@test "progress: segmerge's concatenation reports block by block, not only per input" {
	command -v script >/dev/null || skip "script (util-linux) is missing"
	# One input of 2304 traces (9.8 MB), read slowly from segmerge's pipe:
	# the report follows the copy, which goes a buffer of records at a time
	# (about 2 MB), so a bar with fewer than all the traces shows before the
	# last.  (Reporting once per input drew only the 100% bar.)
	segsynth --no-progress --line 48,50,48,25 --nt 1001 --reflector 0.2 -o "$T/c.sgy"
	run -0 script -qec "segmerge -b $T/c.sgy | /usr/bin/python3 -c 'import sys, time
while sys.stdin.buffer.read(1 << 20): time.sleep(0.05)'" /dev/null </dev/null
	local part=0 last=0 line
	while IFS= read -r line; do
		if [[ "$line" =~ ^"segmerge: ["[#.]+"] "+[0-9]+"% "([0-9]+)"/2304 traces" ]]; then
			[ "${BASH_REMATCH[1]}" -lt 2304 ] && [ "${BASH_REMATCH[1]}" -gt 0 ] && part=$((part + 1))
			[ "${BASH_REMATCH[1]}" -eq 2304 ] && last=1
		fi
	done < <(tr '\r' '\n' <<< "$output")
	echo "$output" | tr '\r' '\n'
	[ "$part" -ge 1 ] && [ "$last" -eq 1 ]
}
