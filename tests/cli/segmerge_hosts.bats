#!/usr/bin/env bats
# segmerge on pieces that sit on hosts (taskrun's loopback lab, lab.bash):
# --sum sums each host's pieces there and adds the partial sums here; -m of a
# distributed manifest reads the pieces from their hosts.  Each lab host has
# its own directory ($LAB/keep/HOST), where relative paths start.
bats_require_minimum_version 1.5.0

setup_file() {
	load lab
	[ "$(id -u)" -eq 0 ] || return 0
	lab_start
	# segmerge for the lab user (the build tree may be out of its reach).
	cp "$BATS_TEST_DIRNAME/../../bin/segmerge" "$LAB/segmerge"
	chmod 755 "$LAB/segmerge"
}

teardown_file() {
	load lab
	lab_stop
}

setup() {
	load lab
	export PATH="$BATS_TEST_DIRNAME/../../bin:$PATH"
	T=$(mktemp -d)
	chmod 755 "$T"
	if [ -n "${LAB:-}" ]; then
		rm -rf "$LAB"/keep/*/img "$LAB"/keep/*/parts
		R=(--ssh "$LAB_SSH" --agent "$LAB_AGENT" --remote "$LAB/segmerge")
	fi
}

teardown() {
	rm -rf "$T"
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

@test "segmerge --sum --kept: pieces summed on 3 hosts equal the local sum byte for byte; the controller carried the partial sums only" {
	lab_need_root
	images 6 1.152921504606846976e18
	keep_images 6
	run -0 --separate-stderr segmerge --sum --kept "$T/k" "${R[@]}" --state "$T/st" -o "$T/sum.sgy"
	[ "$stderr" = "" ]
	segmerge --sum "$T"/img/{1,2,3,4,5,6}.sgy -o "$T/local.sgy"
	cmp "$T/sum.sgy" "$T/local.sgy"
	# One round, one partial sum a host (pieces 1 and 4 on node1, ...).
	[ "$(ls "$T/st")" = r1 ]
	run -0 python3 "$BATS_TEST_DIRNAME/psum.py" "$T"/st/r1/{1,2,3}.out
	read -r s1 h1 t1 x1 n1 <<<"${lines[0]}"
	read -r s2 h2 t2 x2 n2 <<<"${lines[1]}"
	read -r s3 h3 t3 x3 n3 <<<"${lines[2]}"
	[ "$n1 $n2 $n3" = "node1 node2 node3" ]
	[ "$t1 $t2 $t3" = "24 24 24" ]
	# Each partial: its lines, the first piece's 3600-byte file header,
	# 24 traces of 1 + 240 + 8 x 101 + 4 bytes, 12 bytes an extra term
	# (samples whose sum a double does not hold), the end byte.
	for k in 1 2 3; do
		text=$(printf 'SKPSUM1\nhost node%d\npiece %d ok 101 4000 240 0 24\npiece %d ok 101 4000 240 0 24\ninfo 1 0 5 101 4000 240 24 0 3600\n' \
			"$k" $((k - 1)) $((k + 2)))
		eval "h=\$h$k s=\$s$k x=\$x$k"
		[ "$h" = $((${#text} + 1 + 3600)) ]
		[ "$s" = $((h + 24 * (1 + 240 + 808 + 4) + 12 * x + 1)) ]
	done
	# The controller's task data: those bytes in, the piece lists out.
	run -0 awk -F'\t' '$2 == "down" { split($12, f, /[ =]/); i += f[8]; o += f[10] } END { print i, o }' \
		"$T/st/r1/taskrun/journal"
	[ "$output" = "$(cat "$T"/st/r1/*.list | wc -c) $((s1 + s2 + s3))" ]
	# The second image is scaled by 2^60: sums a double does not hold
	# (extra terms) on its host, still the local sum's bytes.
	[ "$x2" -gt 100 ]
}

# manifest FILE PIECE...: a version-2 manifest of images whose locations
# are given as "K=LOC,LOC" (image K of $T/img at those host:path places).
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
		printf '  - file: "%d.sgy"\n    traces: 24\n    first: 0\n    bytes: %d\n    xxh64: "%s"\n    at: [' \
			"$k" "$(stat -c %s "$T/img/$k.sgy")" "${hashes[n]}" >>"$out"
		n=$((n + 1))
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
	# their copies in a second round.
	[ "$(ls "$T/st")" = $'r1\nr2' ]
	[ "$(cat "$T/st/r2/args")" = $'node1\nnode3' ]
	# Every copy's host down: named.
	manifest "$T/m2.yaml" 1=node1:img/1.sgy 2=dead1:img/2.sgy
	run -1 --separate-stderr segmerge --sum -m "$T/m2.yaml" "${R[@]}" -o "$T/sum2.sgy"
	[ "$(tail -n 1 <<<"$stderr")" = "segmerge: dead1:img/2.sgy: no host that holds it answered (dead1)" ]
	[ ! -e "$T/sum2.sgy" ]
}

@test "segmerge -m: a distributed manifest's pieces read from their hosts equal the local merge, a dead host's from their copies" {
	lab_need_root
	cd "$T"
	segsynth --line 6,50,12,25 --nt 101 --reflector 0.01 -o line.sgy
	printf 'node1\nnode2\nnode3\n' >hosts
	segsplit --hosts hosts --copies 2 --ssh "$LAB_SSH" --agent "$LAB_AGENT" --key fldr -d parts line.sgy
	run -0 --separate-stderr segmerge -m parts/manifest.yaml "${R[@]}" -o out.sgy
	[ "$stderr" = "" ]
	cmp out.sgy line.sgy
	# node2 gone: every piece it held has its other copy.
	sed 's/"node2:/"dead1:/g' parts/manifest.yaml >parts/m2.yaml
	run -0 --separate-stderr segmerge -m parts/m2.yaml "${R[@]}" --state st -o out2.sgy
	cmp out2.sgy line.sgy
	# Each piece was read from a live host.
	[ "$(awk -F'\t' '$2 == "done" { print $5 }' st/fetch/taskrun/journal | sort -u | tr '\n' ' ')" = "node1 node3 " ]
}
