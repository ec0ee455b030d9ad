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
	images 6
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
	# The second image scaled by 2^60: sums that need more than a double
	# (extra terms), still the local sum's bytes.
	images 6 1.152921504606846976e18
	rm -rf "$T/k"
	keep_images 6
	run -0 --separate-stderr segmerge --sum --kept "$T/k" "${R[@]}" --state "$T/st2" -o "$T/sum2.sgy"
	segmerge --sum "$T"/img/{1,2,3,4,5,6}.sgy -o "$T/local2.sgy"
	cmp "$T/sum2.sgy" "$T/local2.sgy"
	run -0 python3 "$BATS_TEST_DIRNAME/psum.py" "$T/st2/r1/2.out"
	[ "$(cut -d' ' -f4 <<<"$output")" -gt 100 ]
}

@test "segmerge --sum --kept: a geometry mismatch on a host is the local sum's message, naming host:path" {
	lab_need_root
	images 6
	# Image 4 (node1's second) differs at trace 3: found on node1.
	segedit 'cdp = cdp + (i == 2)' "$T/img/4.sgy" -o "$T/x.sgy" && mv "$T/x.sgy" "$T/img/4.sgy"
	keep_images 6
	run -1 --separate-stderr segmerge --sum "$T"/img/{1,2,3,4,5,6}.sgy -o "$T/local.sgy"
	want=${stderr//$T\/img\/4.sgy/node1:img/4.sgy}
	want=${want//$T\/img\/1.sgy/node1:img/1.sgy}
	[ "$want" = "segmerge: node1:img/4.sgy: trace 3: cdp 4 differs from node1:img/1.sgy (cdp 3): not the same traces" ]
	run -1 --separate-stderr segmerge --sum --kept "$T/k" "${R[@]}" -o "$T/sum.sgy"
	[ "$stderr" = "$want" ]
	[ ! -e "$T/sum.sgy" ]
	# Image 2 (node2's first) differs at trace 3 too: found here, against
	# image 1, and it comes first (piece 2 before piece 4).
	segedit 'offset = offset + (i == 2)' "$T/img/2.sgy" -o "$T/x.sgy" && mv "$T/x.sgy" "$T/img/2.sgy"
	rm -rf "$T/k"
	keep_images 6
	run -1 --separate-stderr segmerge --sum "$T"/img/{1,2,3,4,5,6}.sgy -o "$T/local.sgy"
	want=${stderr//$T\/img\/2.sgy/node2:img/2.sgy}
	want=${want//$T\/img\/1.sgy/node1:img/1.sgy}
	[[ "$want" = "segmerge: node2:img/2.sgy: trace 3: offset "*" differs from node1:img/1.sgy (offset "*"): not the same traces" ]]
	run -1 --separate-stderr segmerge --sum --kept "$T/k" "${R[@]}" -o "$T/sum.sgy"
	[ "$stderr" = "$want" ]
}
