#!/usr/bin/env bats
# segmerge on pieces that sit on hosts (taskrun's loopback lab, lab.bash):
# --sum sums each host's pieces there and adds the partial sums here; -m of a
# distributed manifest reads the pieces from their hosts.  Each lab host has
# its own directory ($LAB/keep/HOST), where relative paths start.
bats_require_minimum_version 1.5.0

setup_file() {
	load lab
	lab_setup_file
	[ -n "${LAB:-}" ] || return 0
	# segmerge for the lab user (the build tree may be out of its reach).
	cp "$BATS_TEST_DIRNAME/../../bin/segmerge" "$LAB/segmerge"
	chmod 755 "$LAB/segmerge"
}

teardown_file() {
	load lab
	lab_teardown_file
}

setup() {
	load lab
	lab_setup
	if [ -n "${LAB:-}" ]; then
		rm -rf "$LAB"/keep/*/img "$LAB"/keep/*/parts
		R=(--ssh "$LAB_SSH" --agent "$LAB_AGENT" --remote "$LAB/segmerge")
		# The lab's hosts reach one another as the lab user (the tree
		# sum's reads host to host) once it can read the lab's key.
		chown "$LAB_USER" "$LAB/id"
	fi
}

teardown() {
	# A sum left running by a failed test, by its PID (BG).
	lab_teardown
}

# images N [SCALE]: N partial images of one line (the same 24 traces,
# different reflectors) in $T/img/1.sgy ... N.sgy, IEEE floats; with SCALE
# the 2nd is scaled by it.
images() {
	mkdir -p "$T/img"
	for k in $(seq "$1"); do
		segsynth --line 3,50,8,25 --nt 101 --reflector "0.0$k" -f 5 -o "$T/img/$k.sgy"
	done
	if [ -n "${2:-}" ]; then
		segedit -s "$2" "$T/img/2.sgy" -o "$T/img/2b.sgy" && mv "$T/img/2b.sgy" "$T/img/2.sgy"
	fi
}

# keep_images N: the images put on the hosts by taskrun --keep (state
# $T/k): image k at img/k.sgy on node1, node2, node3, node1, ... in turn.
keep_images() {
	local k hosts=()
	printf '1/node1\n1/node2\n1/node3\n' >"$T/hosts"
	for k in $(seq "$1"); do hosts+=("node$(((k - 1) % 3 + 1))"); done
	taskrun --ssh "$LAB_SSH" --agent "$LAB_AGENT" -H "$T/hosts" -s "$T/k" --stdin "$T/img/{1}.sgy" \
		--keep 'img/{1}.sgy' --where '{2}' --locality-wait 60s cat ::: $(seq "$1") :::+ "${hosts[@]}"
}

# psum_text HOST PIECES...: the lines of a partial sum of 24-trace pieces
# of 101 samples (as segmerge --partial writes them).
psum_text() {
	local h=$1 p
	shift
	printf 'SKPSUM1\nhost %s\n' "$h"
	for p in "$@"; do printf 'piece %d ok 101 4000 240 0 24\n' "$p"; done
	printf 'info 1 0 5 101 4000 240 24 0 3600\n'
}

@test "segmerge --sum --kept: a tree over 3 hosts equals the local sum byte for byte; the controller received one image" {
	lab_need_root
	images 6 1.152921504606846976e18
	keep_images 6
	run -0 --separate-stderr segmerge --sum --kept "$T/k" "${R[@]}" --state "$T/st" -o "$T/sum.sgy"
	[ "$stderr" = "" ]
	segmerge --sum "$T"/img/{1,2,3,4,5,6}.sgy -o "$T/local.sgy"
	cmp "$T/sum.sgy" "$T/local.sgy"
	# Rounds: the hosts' partials (pieces 1 and 4 on node1, ...), node1
	# adds node2's, then node3 adds node1's: log2 of 3 rounds of pairs.
	[ "$(ls "$T/st")" = $'fetched\nr1\nr2\nr3\nsummed' ]
	[ "$(cat "$T/st/r1/args")" = $'node1\nnode2\nnode3' ]
	[ "$(cat "$T/st/summed")" = $'node1\tnode1:img/1.sgy\nnode1\tnode1:img/4.sgy\nnode2\tnode2:img/2.sgy\nnode2\tnode2:img/5.sgy\nnode3\tnode3:img/3.sgy\nnode3\tnode3:img/6.sgy' ]
	[ "$(cat "$T/st/r2/args")" = node1 ]
	[ "$(cat "$T/st/r3/args")" = node3 ]
	# The controller received one partial, the last, which carries the
	# image's floats (1 + 240 + 4 x 101 bytes a trace) behind the lines
	# of the six pieces and the file header.
	text=$(psum_text node3 0 1 2 3 4 5)
	want=$((${#text} + 1 + 3600 + 24 * (1 + 240 + 4 * 101) + 1))
	read -r fh fpath fbytes <"$T/st/fetched"
	[ "$(wc -l <"$T/st/fetched")" = 1 ]
	[ "$fh $fbytes" = "node3 $want" ]
	# Through taskrun, the controller carried the piece and pair lists
	# out and nothing in (every partial stayed on its host).
	run -0 awk -F'\t' '$2 == "down" { split($12, f, /[ =]/); i += f[8]; o += f[10] } END { print i, o }' \
		"$T"/st/r*/taskrun/journal
	[ "$output" = "$(cat "$T"/st/r*/*.list | wc -c) 0" ]
	# The star (--reduce=star) receives one partial a host: 3 partials
	# of 8 bytes a sample and extra terms (the 2^60-scaled image), more
	# than 2.5 x the tree's image.
	run -0 --separate-stderr segmerge --sum --kept "$T/k" "${R[@]}" --reduce star --state "$T/st2" -o "$T/sum2.sgy"
	cmp "$T/sum2.sgy" "$T/local.sgy"
	[ "$(ls "$T/st2")" = $'fetched\nr1\nsummed' ]
	[ "$(cut -f1 "$T/st2/fetched" | tr '\n' ' ')" = "node1 node2 node3 " ]
	star=$(awk -F'\t' '{ s += $3 } END { print s }' "$T/st2/fetched")
	[ "$star" -gt $((want * 5 / 2)) ]
	echo "# bytes through the controller: star $star, tree $fbytes" >&3
	# Nothing of the sum is left on the hosts.
	run -0 find "$LAB/keep" -name .segmerge
	[ "$output" = "" ]
}

@test "segmerge --sum --kept: hosts that cannot reach one another fall back to the star, and say so" {
	lab_need_root
	images 4
	keep_images 4
	# The lab user cannot read the key: node1 cannot reach node2.
	chown root "$LAB/id"
	run -0 --separate-stderr segmerge --sum --kept "$T/k" "${R[@]}" --state "$T/st" -o "$T/sum.sgy"
	chown "$LAB_USER" "$LAB/id"
	segmerge --sum "$T"/img/{1,2,3,4}.sgy -o "$T/local.sgy"
	cmp "$T/sum.sgy" "$T/local.sgy"
	[ "$(grep -c '^segmerge: ' <<<"$stderr")" = 1 ]
	[ "$(grep '^segmerge: ' <<<"$stderr")" = "segmerge: node2 and node1 could not read each other's partial sums through '$LAB_SSH': the partial sums come to this machine instead (hosts that reach one another sum in a tree)" ]
	# node1 tried to read node2's partial, then node2 node1's; then each
	# host's partial came here.
	[ "$(ls "$T/st")" = $'fetched\nr1\nr2\nr3\nsummed' ]
	[ "$(cat "$T/st/r2/args")" = node1 ]
	[ "$(cat "$T/st/r3/args")" = node2 ]
	[ "$(cut -f1 "$T/st/fetched" | tr '\n' ' ')" = "node1 node2 node3 " ]
}

@test "segmerge --sum --kept: outputs some here (local slots) and some on hosts: those here summed here, the others on their hosts; the local sum's bytes, one partial received" {
	lab_need_root
	images 6 1.152921504606846976e18
	# The shipped hosts file's case: local slots (':') and hosts.  Tasks
	# 1, 4 and 6 keep their images here, 2 and 5 on node1, 3 on node2.
	printf '2/:\n1/node1\n1/node2\n' >"$T/hosts"
	cd "$T"
	taskrun --ssh "$LAB_SSH" --agent "$LAB_AGENT" -H hosts -s k --stdin 'img/{1}.sgy' --keep 'img/k{1}.sgy' \
		--where '{2}' --locality-wait 60s cat ::: 1 2 3 4 5 6 :::+ : node1 node2 : node1 :
	[ "$(taskrun kept k | cut -f1,2,5 | tr '\t\n' ' |')" = \
		"1 : img/k1.sgy|2 node1 img/k2.sgy|3 node2 img/k3.sgy|4 : img/k4.sgy|5 node1 img/k5.sgy|6 : img/k6.sgy|" ]
	run -0 --separate-stderr segmerge --sum --kept k "${R[@]}" --state st -o sum.sgy
	[ "$stderr" = "" ]
	segmerge --sum img/{1,2,3,4,5,6}.sgy -o local.sgy
	cmp sum.sgy local.sgy
	# Where each image was summed: here first, then on the hosts.
	[ "$(cat st/summed)" = $':\timg/k1.sgy\n:\timg/k4.sgy\n:\timg/k6.sgy\nnode1\tnode1:img/k2.sgy\nnode1\tnode1:img/k5.sgy\nnode2\tnode2:img/k3.sgy' ]
	# The hosts' partials (node1's two images, node2's one), then node1
	# adds node2's, keeping the exact terms (not the last: this machine's
	# own partial is added to it here, and the sum rounded once).
	[ "$(ls st)" = $'fetched\nr1\nr2\nsummed' ]
	[ "$(cat st/r1/args)" = $'node1\nnode2' ]
	[ "$(cat st/r2/args)" = node1 ]
	grep -qx $'final\t0' st/r2/1.list
	# The controller received one partial, node1's: the exact terms of 3
	# images (8 bytes a sample and more), no more than the star's two.
	[ "$(wc -l <st/fetched)" = 1 ]
	read -r fh fpath fbytes <st/fetched
	[ "$fh" = node1 ]
	[ "$fbytes" -gt $((24 * (1 + 240 + 8 * 101 + 4))) ]
	# Through taskrun, the lists out and nothing in.
	run -0 awk -F'\t' '$2 == "down" { split($12, f, /[ =]/); i += f[8]; o += f[10] } END { print i, o }' st/r*/taskrun/journal
	[ "$output" = "$(cat st/r*/*.list | wc -c) 0" ]
	# The star: node1's and node2's partials come here, the same bytes.
	run -0 --separate-stderr segmerge --sum --kept k "${R[@]}" --reduce star --state st2 -o sum2.sgy
	[ "$stderr" = "" ]
	cmp sum2.sgy local.sgy
	[ "$(cut -f1 st2/fetched | tr '\n' ' ')" = "node1 node2 " ]
	star=$(awk -F'\t' '{ s += $3 } END { print s }' st2/fetched)
	[ "$star" -gt "$fbytes" ]
	echo "# bytes through the controller: star $star, tree $fbytes" >&3
	# An image here changed since taskrun kept it: named, as one on a
	# host would be (the hosts' words), nothing written.
	segedit 'cdp = cdp + (i == 2)' img/k4.sgy -o x.sgy && cp img/k4.sgy k4.bak && mv x.sgy img/k4.sgy
	run -1 --separate-stderr segmerge --sum --kept k "${R[@]}" -o bad.sgy
	[ "$stderr" = "segmerge: img/k4.sgy: xxh64 $(python3 "$BATS_TEST_DIRNAME/xxh64.py" img/k4.sgy | cut -c1-16), the manifest says $(python3 "$BATS_TEST_DIRNAME/xxh64.py" k4.bak | cut -c1-16) (changed since the split, or a piece of another split)" ]
	[ ! -e bad.sgy ]
	# Nothing of the sums is left, here or on the hosts.
	[ "$(ls st st2)" = $'st:\nfetched\nr1\nr2\nsummed\n\nst2:\nfetched\nr1\nsummed' ]
	run -0 find "$LAB/keep" -name .segmerge
	[ "$output" = "" ]
}

@test "segmerge --sum -m: a manifest with pieces here and on hosts: the local sum's bytes" {
	lab_need_root
	images 4 1e12
	place 2 node1
	place 4 node2
	manifest "$T/img/m.yaml" 1= 2=node1:img/2.sgy 3= 4=node2:img/4.sgy
	run -0 --separate-stderr segmerge --sum -m "$T/img/m.yaml" "${R[@]}" --state "$T/st" -o "$T/sum.sgy"
	[ "$stderr" = "" ]
	segmerge --sum "$T"/img/{1,2,3,4}.sgy -o "$T/local.sgy"
	cmp "$T/sum.sgy" "$T/local.sgy"
	[ "$(cat "$T/st/summed")" = ":	$T/img/1.sgy
:	$T/img/3.sgy
node1	node1:img/2.sgy
node2	node2:img/4.sgy" ]
	[ "$(wc -l <"$T/st/fetched")" = 1 ]
}

# manifest FILE PIECE...: a version-2 manifest of images whose locations
# are given as "K=LOC,LOC" (image K of $T/img at those host:path places;
# "K=": the file K.sgy beside FILE, here).
manifest() {
	local out=$1 k locs loc q n=0 sep
	local -a hashes
	shift
	printf 'manifest: segkit-split\nversion: 2\nid: "00000000000000a1"\nsource: "img"\nformat: segy\nns: 101\ndt: 4000\nhdrlen: 240\ntraces: %d\nmode: count\ncount: 24\npieces:\n' \
		$((24 * $#)) >"$out"
	# One python start for every file (seconds each on a loaded machine).
	mapfile -t hashes < <(for q in "$@"; do echo "$T/img/${q%%=*}.sgy"; done | xargs python3 "$BATS_TEST_DIRNAME/xxh64.py")
	for q in "$@"; do
		k=${q%%=*}
		locs=${q#*=}
		printf '  - file: "%d.sgy"\n    traces: 24\n    first: 0\n    bytes: %d\n    xxh64: "%s"\n' \
			"$k" "$(stat -c %s "$T/img/$k.sgy")" "${hashes[n]}" >>"$out"
		n=$((n + 1))
		[ -n "$locs" ] || continue
		printf '    at: [' >>"$out"
		sep=""
		for loc in ${locs//,/ }; do
			printf '%s"%s"' "$sep" "$loc" >>"$out"
			sep=", "
		done
		printf ']\n' >>"$out"
	done
}

# place K HOST...: image K into img/K.sgy of each host's directory.
place() {
	local k=$1 h
	shift
	for h in "$@"; do
		mkdir -p "$LAB/keep/$h/img"
		cp "$T/img/$k.sgy" "$LAB/keep/$h/img/$k.sgy"
	done
}

@test "segmerge --sum -m: a geometry mismatch on a host is the local sum's message, naming host:path" {
	lab_need_root
	images 6
	# Image 4 (node1's second) differs at trace 3: found on node1.
	segedit 'cdp = cdp + (i == 2)' "$T/img/4.sgy" -o "$T/x.sgy" && mv "$T/x.sgy" "$T/img/4.sgy"
	for k in 1 2 3 4 5 6; do place "$k" "node$(((k - 1) % 3 + 1))"; done
	manifest "$T/m.yaml" 1=node1:img/1.sgy 2=node2:img/2.sgy 3=node3:img/3.sgy 4=node1:img/4.sgy \
		5=node2:img/5.sgy 6=node3:img/6.sgy
	run -1 --separate-stderr segmerge --sum "$T"/img/{1,2,3,4,5,6}.sgy -o "$T/local.sgy"
	want=${stderr//$T\/img\/4.sgy/node1:img/4.sgy}
	want=${want//$T\/img\/1.sgy/node1:img/1.sgy}
	[ "$want" = "segmerge: node1:img/4.sgy: trace 3: cdp 4 differs from node1:img/1.sgy (cdp 3): not the same traces" ]
	run -1 --separate-stderr segmerge --sum -m "$T/m.yaml" "${R[@]}" -o "$T/sum.sgy"
	[ "$stderr" = "$want" ]
	[ ! -e "$T/sum.sgy" ]
	# Image 2 (node2's first) differs at trace 3 too: found here, against
	# image 1, and it comes first (piece 2 before piece 4).
	segedit 'offset = offset + (i == 2)' "$T/img/2.sgy" -o "$T/x.sgy" && mv "$T/x.sgy" "$T/img/2.sgy"
	place 2 node2
	manifest "$T/m.yaml" 1=node1:img/1.sgy 2=node2:img/2.sgy 3=node3:img/3.sgy 4=node1:img/4.sgy \
		5=node2:img/5.sgy 6=node3:img/6.sgy
	run -1 --separate-stderr segmerge --sum "$T"/img/{1,2,3,4,5,6}.sgy -o "$T/local.sgy"
	want=${stderr//$T\/img\/2.sgy/node2:img/2.sgy}
	want=${want//$T\/img\/1.sgy/node1:img/1.sgy}
	[[ "$want" = "segmerge: node2:img/2.sgy: trace 3: offset "*" differs from node1:img/1.sgy (offset "*"): not the same traces" ]]
	run -1 --separate-stderr segmerge --sum -m "$T/m.yaml" "${R[@]}" -o "$T/sum.sgy"
	[ "$stderr" = "$want" ]
}

@test "segmerge --sum -m: a dead host's pieces are summed from their copies elsewhere" {
	lab_need_root
	images 4 1e12
	place 1 node1
	place 2 node2 node3
	place 3 node3
	place 4 node1
	manifest "$T/m.yaml" 1=dead1:img/1.sgy,node1:img/1.sgy 2=node2:img/2.sgy,node3:img/2.sgy \
		3=dead1:img/3.sgy,node3:img/3.sgy 4=node1:img/4.sgy
	run -0 --separate-stderr segmerge --sum -m "$T/m.yaml" "${R[@]}" --state "$T/st" -o "$T/sum.sgy"
	[ "$stderr" = "taskrun: dead1: agent did not start: ssh: connect to host 127.0.0.1 port 1: Connection refused" ]
	segmerge --sum "$T"/img/{1,2,3,4}.sgy -o "$T/local.sgy"
	cmp "$T/sum.sgy" "$T/local.sgy"
	# dead1's task ran elsewhere and said so (a skip); its pieces went to
	# their copies in a second round, then the four partials (node2's,
	# node1's two, node3's) were added in pairs, in two rounds.
	[ "$(ls "$T/st")" = $'fetched\nr1\nr2\nr3\nr4\nsummed' ]
	[ "$(cat "$T/st/r2/args")" = $'node1\nnode3' ]
	[ "$(cat "$T/st/r3/args")" = $'node2\nnode1' ]
	[ "$(cat "$T/st/r4/args")" = node2 ]
	[ "$(wc -l <"$T/st/fetched")" = 1 ]
	# Every copy's host down: named.
	manifest "$T/m2.yaml" 1=node1:img/1.sgy 2=dead1:img/2.sgy
	run -1 --separate-stderr segmerge --sum -m "$T/m2.yaml" "${R[@]}" -o "$T/sum2.sgy"
	[ "$(tail -n 1 <<<"$stderr")" = "segmerge: dead1:img/2.sgy: no host that holds it answered (dead1)" ]
	[ ! -e "$T/sum2.sgy" ]
}

# split_line: a 6-shot line split by shot onto node1-3 with 2 copies
# (parts/manifest.yaml); local/manifest.yaml: the same pieces here.
split_line() {
	cd "$T"
	segsynth --line 6,50,12,25 --nt 101 --reflector 0.01 -o line.sgy
	printf 'node1\nnode2\nnode3\n' >hosts
	segsplit --hosts hosts --copies 2 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --key fldr -d parts line.sgy
	mkdir local
	grep -v '^    at: ' parts/manifest.yaml | sed 's/^version: 2/version: 1/' >local/manifest.yaml
	for f in $(sed -n 's/^  - file: "\(.*\)"/\1/p' parts/manifest.yaml); do
		cp "$(ls "$LAB"/keep/node*/parts/"$f" | head -n 1)" local/
	done
}

# first_host N: the host of piece N's first copy in parts/manifest.yaml.
first_host() {
	awk '/^    at: /{ n++; if (n == '"$1"') { sub(/.*\["/, ""); sub(/:.*/, ""); print } }' "$T/parts/manifest.yaml"
}

@test "segmerge -m: a distributed manifest's pieces stream from their hosts: the local merge's bytes, nothing spooled here" {
	lab_need_root
	split_line
	segmerge -m local/manifest.yaml -o local.sgy
	cmp local.sgy line.sgy
	mkdir tmp
	TMPDIR=$T/tmp run -0 --separate-stderr segmerge -m parts/manifest.yaml "${R[@]}" -o out.sgy
	[ "$stderr" = "" ]
	cmp out.sgy local.sgy
	# Nothing spooled: no temporary, no state directory, nothing beside.
	[ -z "$(ls -A tmp)" ]
	[ "$(ls)" = "$(printf '%s\n' hosts line.sgy local local.sgy out.sgy parts tmp)" ]
	# To a pipe, and with -n (the senders check sizes only).
	segmerge -m parts/manifest.yaml "${R[@]}" -n | cmp - local.sgy
	# node2 gone (dead1 in its place): said once, every piece it held
	# read from its other copy.
	sed 's/"node2:/"dead1:/g' parts/manifest.yaml >parts/m2.yaml
	run -0 --separate-stderr segmerge -m parts/m2.yaml "${R[@]}" -o out2.sgy
	cmp out2.sgy local.sgy
	[ "$stderr" = "segmerge: dead1: ssh: connect to host 127.0.0.1 port 1: Connection refused: its pieces are read from their other copies" ]
	# A damaged copy (a flipped byte, same size) on piece 2's first host:
	# refused by its sender before a byte is sent, the next copy read.
	h=$(first_host 2)
	f=$(sed -n 's/^  - file: "\(.*\)"/\1/p' parts/manifest.yaml | sed -n 2p)
	printf '\377' | dd of="$LAB/keep/$h/parts/$f" bs=1 seek=5000 conv=notrunc 2>/dev/null
	run -0 --separate-stderr segmerge -m parts/manifest.yaml "${R[@]}" -o out3.sgy
	cmp out3.sgy local.sgy
	[[ "$stderr" = "segmerge: $h:parts/$f: not read there: segmerge: $LAB/keep/$h/parts/$f: xxh64 "*", the record says "*": its next copy is read instead" ]]
	# Every copy of a piece unreadable: named, nothing written.
	sed "s|\"\(node[123]\):parts/$f\"|\"dead1:parts/$f\"|g" parts/manifest.yaml >parts/m3.yaml
	run -1 --separate-stderr segmerge -m parts/m3.yaml "${R[@]}" -o out4.sgy
	[ "$stderr" = "segmerge: dead1: ssh: connect to host 127.0.0.1 port 1: Connection refused: its pieces are read from their other copies
segmerge: dead1:parts/$f: none of its hosts answered (dead1, dead1)" ]
	[ ! -e out4.sgy ]
}

@test "segmerge -m: a holder lost in the middle of a piece: a clear message, exit 1, no output; Ctrl-C leaves nothing" {
	lab_need_root
	split_line
	f=$(sed -n 's/^  - file: "\(.*\)"/\1/p' parts/manifest.yaml | sed -n 2p)
	h=$(first_host 2)
	# The hosts send piece 2 (11,328 bytes) in two parts, the second
	# when the test says so.
	cat >"$LAB/segmerge-hold" <<SH
#!/bin/sh
case "\$1" in --cat=parts/$f)
	"$LAB/segmerge" "\$@" | {
		dd bs=6000 count=1 iflag=fullblock 2>/dev/null
		: >"$LAB/pids/half"
		i=0
		while [ ! -e "$LAB/pids/go" ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i + 1)); done
		cat
	}
	exit ;;
esac
exec "$LAB/segmerge" "\$@"
SH
	chmod 755 "$LAB/segmerge-hold"
	rm -f "$LAB"/pids/half* "$LAB/pids/go"
	mkdir o
	segmerge -m parts/manifest.yaml --ssh "$LAB_SSH" --remote "$LAB/segmerge-hold" -o o/out.sgy 2>err &
	BG=$!
	lab_wait "[ -e '$LAB/pids/half' ]" 120
	# The holder goes: its sshd and every session under it.
	lab_kill_tree "$(cat "$LAB/sshd_$h.pid")"
	st=0
	wait "$BG" || st=$?
	BG=""
	rm -f "$LAB/sshd_$h.pid"
	/usr/sbin/sshd -f "$LAB/sshd_$h.conf" -E "$LAB/sshd_$h.log"
	lab_wait "[ -s '$LAB/sshd_$h.pid' ]" 10
	cat "$LAB/sshd_$h.pid" >>"$LAB/sshd.pids"
	cat err
	[ "$st" = 1 ]
	[[ "$(cat err)" = "segmerge: $h:parts/$f: its sender stopped before the end (status 255)"*": the host or its link was lost" ]]
	[ -z "$(ls -A o)" ]
	# Ctrl-C (SIGINT to the foreground process group, as a terminal sends
	# it; a background job here starts with SIGINT ignored, so python
	# restores it) while a sender waits: no output, no temporary, no
	# process left here; on the host the sender ends once it writes.
	rm -f "$LAB"/pids/half* "$LAB/pids/go"
	python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' \
		segmerge -m parts/manifest.yaml --ssh "$LAB_SSH" --remote "$LAB/segmerge-hold" -o o/out.sgy 2>err &
	BG=$!
	lab_wait "[ -e '$LAB/pids/half' ]" 120
	kill -INT -- "-$BG"
	st=0
	wait "$BG" || st=$?
	BG=""
	[ "$st" = 130 ]
	[ -z "$(ls -A o)" ]
	lab_wait "! pgrep -u root -f -- '--cat=parts/$f' >/dev/null" 20
	: >"$LAB/pids/go"
	lab_wait "! pgrep -u '$LAB_USER' -f -- '--cat=parts/$f' >/dev/null" 20
}

@test "segmerge --sum -m: a host killed in the middle of the tree: its pieces summed again from their copies, the same bytes" {
	lab_need_root
	images 6 1e12
	local k a b locs=()
	for k in 1 2 3 4 5 6; do
		a=$(((k - 1) % 3 + 1)) b=$((k % 3 + 1))
		place "$k" "node$a" "node$b"
		locs+=("$k=node$a:img/$k.sgy,node$b:img/$k.sgy")
	done
	manifest "$T/m.yaml" "${locs[@]}"
	# The pair tasks wait for the test's word, so that node2 dies after
	# its partial is made and before node1 reads it.
	cat >"$LAB/segmerge-hold" <<SH
#!/bin/sh
case "\$1" in --pair=*)
	: >"$LAB/pids/pair.\$TASKRUN_HOST"
	i=0
	while [ ! -e "$LAB/pids/go" ] && [ \$i -lt 1200 ]; do sleep 0.1; i=\$((i + 1)); done ;;
esac
exec "$LAB/segmerge" "\$@"
SH
	chmod 755 "$LAB/segmerge-hold"
	rm -f "$LAB"/pids/pair.* "$LAB/pids/go"
	segmerge --sum -m "$T/m.yaml" --ssh "$LAB_SSH" --agent "$LAB_AGENT" --remote "$LAB/segmerge-hold" \
		--state "$T/st" -o "$T/sum.sgy" 2>"$T/err" &
	BG=$!
	lab_wait "[ -e '$LAB/pids/pair.node1' ]" 120
	# node2 goes: its sshd and every session under it.
	lab_kill_tree "$(cat "$LAB/sshd_node2.pid")"
	: >"$LAB/pids/go"
	st=0
	wait "$BG" || st=$?
	BG=""
	# node2 back for any test after this one.
	rm -f "$LAB/sshd_node2.pid"
	/usr/sbin/sshd -f "$LAB/sshd_node2.conf" -E "$LAB/sshd_node2.log"
	lab_wait "[ -s '$LAB/sshd_node2.pid' ]" 10
	cat "$LAB/sshd_node2.pid" >>"$LAB/sshd.pids"
	cat "$T/err"
	[ "$st" = 0 ]
	segmerge --sum "$T"/img/{1,2,3,4,5,6}.sgy -o "$T/local.sgy"
	cmp "$T/sum.sgy" "$T/local.sgy"
	# node1 could not read node2's partial, nor could the controller.
	[[ "$(cat "$T/err")" = "segmerge: node2: its partial sum cannot be read: ssh: connect to host 127.0.0.1 port "*": Connection refused: its pieces are summed again from their copies" ]]
	# node2's pieces (2 and 5) were summed again on node3, which holds
	# their other copies; then the three partials were added in pairs.
	[ "$(ls "$T/st")" = $'fetched\nleftovers\nr1\nr2\nr3\nr4\nr5\nsummed' ]
	[ "$(cat "$T/st/r1/args")" = $'node1\nnode2\nnode3' ]
	[ "$(cat "$T/st/r2/args")" = node1 ]
	[ "$(cut -f1 "$T/st/r3/1.list" | tr '\n' ' ')" = "1 4 " ]
	[ "$(cat "$T/st/r3/args")" = node3 ]
	[ "$(wc -l <"$T/st/fetched")" = 1 ]
	# node2 was down at the end: its partial stays there, recorded in
	# the state directory; the other hosts have nothing left.
	[ "$(cut -f1 "$T/st/leftovers")" = node2 ]
	id=$(cut -f2 "$T/st/leftovers")
	[ "$(ls "$LAB/keep/node2/.segmerge")" = "$id" ]
	[ -n "$(ls -A "$LAB/keep/node2/.segmerge/$id")" ]
	[ ! -e "$LAB/keep/node1/.segmerge" ] && [ ! -e "$LAB/keep/node3/.segmerge" ]
	# node2 is back: the next sum on that state directory removes it
	# first, and leaves nothing either.
	run -0 --separate-stderr segmerge --sum -m "$T/m.yaml" "${R[@]}" --state "$T/st" -o "$T/sum2.sgy"
	[ "$stderr" = "" ]
	cmp "$T/sum2.sgy" "$T/local.sgy"
	[ ! -e "$T/st/leftovers" ]
	[ -z "$(find "$LAB"/keep -name .segmerge)" ]
}

@test "segmerge -m: a k-way merge of more pieces than --streams reads at most that many at once, the local merge's bytes, nothing left" {
	lab_need_root
	cd "$T"
	# 9 pieces sorted by cdp (a merge by keys reads them all at once),
	# two copies each on node1-3; the same pieces here.
	segsynth --line 6,50,12,25 --nt 101 --reflector 0.01 -o line.sgy
	printf 'node1\nnode2\nnode3\n' >hosts
	segsplit --hosts hosts --copies 2 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --count 8 --sort cdp -d parts line.sgy
	[ "$(grep -c '^  - file: ' parts/manifest.yaml)" = 9 ]
	mkdir local tmp
	grep -v '^    at: ' parts/manifest.yaml | sed 's/^version: 2/version: 1/' >local/manifest.yaml
	for f in $(sed -n 's/^  - file: "\(.*\)"/\1/p' parts/manifest.yaml); do
		cp "$(ls "$LAB"/keep/node*/parts/"$f" | head -n 1)" local/
	done
	segmerge -m local/manifest.yaml -o local.sgy
	# The senders count the senders running as each starts (and wait a
	# little, so that the ones started together overlap).
	cat >"$LAB/segmerge-count" <<SH
#!/bin/sh
case "\$1" in --cat=*)
	: >"$LAB/pids/cat.\$\$"
	ls "$LAB/pids" | grep -c '^cat\.' >>"$LAB/pids/conc"
	sleep 0.3
	"$LAB/segmerge" "\$@"; st=\$?
	rm -f "$LAB/pids/cat.\$\$"
	exit \$st ;;
esac
exec "$LAB/segmerge" "\$@"
SH
	chmod 755 "$LAB/segmerge-count"
	rm -f "$LAB"/pids/cat.* "$LAB/pids/conc"
	TMPDIR=$T/tmp run -0 --separate-stderr segmerge -m parts/manifest.yaml --ssh "$LAB_SSH" \
		--remote "$LAB/segmerge-count" --streams 3 -o out.sgy
	[ "$stderr" = "" ]
	cmp out.sgy local.sgy
	[ "$(wc -l <"$LAB/pids/conc")" = 9 ]
	[ "$(sort -n "$LAB/pids/conc" | tail -n 1)" = 3 ]
	[ -z "$(ls -A tmp)" ]
	# A host gone: said once, its pieces read from their other copies,
	# the same bytes.
	sed 's/"node2:/"dead1:/g' parts/manifest.yaml >parts/m2.yaml
	TMPDIR=$T/tmp run -0 --separate-stderr segmerge -m parts/m2.yaml "${R[@]}" --streams 4 -o out2.sgy
	[ "$stderr" = "segmerge: dead1: ssh: connect to host 127.0.0.1 port 1: Connection refused: its pieces are read from their other copies" ]
	cmp out2.sgy local.sgy
	[ -z "$(ls -A tmp)" ]
	# Within the limit: streamed as before, nothing here.
	TMPDIR=$T/tmp run -0 --separate-stderr segmerge -m parts/manifest.yaml "${R[@]}" -o out3.sgy
	[ "$stderr" = "" ]
	cmp out3.sgy local.sgy
	[ -z "$(ls -A tmp)" ]
	run -2 --separate-stderr segmerge -m parts/manifest.yaml --streams 0
	[ "$stderr" = "segmerge: --streams: expected a count from 1 to 100000" ]
}
