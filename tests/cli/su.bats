#!/usr/bin/env bats
# SU's bytes 181-240 (issue 13): SU streams hold SU's own fields there (d1 f1
# d2 f2 ungpow unscale ntr mark, SU's segy.h), never SEG-Y rev 1 values that
# SU programs would read as garbage floats.  Cross-checked with Seismic Unix
# (../shared/tools/su) where it is present.
bats_require_minimum_version 1.5.0
load helpers

PY=/usr/bin/python3
H=$BATS_TEST_DIRNAME
SU=$BATS_TEST_DIRNAME/../../../shared/tools/su
REAL=$BATS_TEST_DIRNAME/../../../shared/data/real

setup() {
	T=$BATS_TEST_TMPDIR
}

need_su() {
	[ -x "$SU/bin/sugethw" ] || skip "Seismic Unix is not in ../shared/tools/su"
	export CWPROOT=$SU PATH=$SU/bin:$PATH
}

# The files segkit reads to the end (as formats.bats), that SU can hold (no
# rev 2 extra trace headers).
su_files() {
	"$PY" "$H/reftable.py" list "$DATA" | awk '$4 == 0 && $2 != 4 { print $1 }' |
		while read -r f; do
			[ "$(seginfo --json "$f" | sed -n 's/.*"header_length": \([0-9]*\).*/\1/p')" = 240 ] && echo "$f"
		done
}

@test "su: SEG-Y -> SU leaves bytes 181-240 zero and every byte of 1-180 as it was" {
	segmerge --to su "$DATA/f3.sgy" -o "$T/f3.su"
	# f3 has cdpx, cdpy, iline and xline in 181-196.
	[ "$(seginfo -k cdpx,iline "$DATA/f3.sgy" | head -n 1)" = $'620197.2\t111' ]
	[ "$(od -An -v -tx1 -j 180 -N 60 "$T/f3.su" | tr -d ' \n')" = "$(printf '0%.0s' $(seq 120))" ]
	# Bytes 1-180 of every header: the same values as the SEG-Y file's.
	local keys
	keys=$(seginfo -l | awk -F'\t' '$2 < 181 && $1 != "ns" { printf "%s%s", s, $1; s = "," }')
	diff <(seginfo -k "$keys" "$DATA/f3.sgy") <(seginfo -k "$keys" "$T/f3.su")
	run -0 seginfo -k d1,f1,d2,f2,ungpow,unscale,ntr,mark "$T/f3.su"
	[ "${lines[0]}" = $'0\t0\t0\t0\t0\t0\t0\t0' ]
	[ "${#lines[@]}" -eq 414 ]
	# seginfo's summary of an SU stream shows no rev 1 keys.
	run -0 seginfo "$T/f3.su"
	[[ "$output" != *cdpx* && "$output" != *iline* ]]
	[[ "$output" == *"tracl 576..593"* ]]
}

@test "su: SU -> SEG-Y clears SU's fields; SU -> sgk -> SU and SU -> SU keep them byte for byte" {
	# The real big-endian SU line holds d1 = -0.010625 and f2 = 0.001.
	head -c $((5 * (240 + 4 * 1999))) "$REAL/servilleta_lomablanca_053018_H1_shots001-120.su" >"$T/line.su"
	run -0 seginfo -k d1,f1,d2,f2 "$T/line.su"
	[ "${lines[0]}" = $'-0.01062499546\t0\t0\t0.001000000047' ]
	segmerge --to segy "$T/line.su" -o "$T/line.sgy"
	run -0 seginfo -k cdpx,cdpy,iline,xline,sp,tdmant "$T/line.sgy"
	[ "${lines[0]}" = $'0\t0\t0\t0\t0\t0' ]
	segmerge --to sgk "$T/line.su" -o "$T/line.sgk"
	segmerge --to su "$T/line.sgk" | cmp - "$T/line.su"
	segmerge --to sgk "$T/line.sgk" | segmerge --to su | cmp - "$T/line.su"
	segmerge --zstd "$T/line.su" | segmerge --to su | cmp - "$T/line.su"
	segmerge --endian little "$T/line.su" | segmerge --endian big | cmp - "$T/line.su"
	segmerge "$T/line.su" | cmp - "$T/line.su"
	# An sgk made from SEG-Y keeps the rev 1 fields, and SU output clears them.
	segmerge --to sgk "$DATA/f3.sgy" | segmerge --to segy | cmp - "$DATA/f3.sgy"
	run -0 sh -c "segmerge --to sgk '$DATA/f3.sgy' | segmerge --to su | seginfo -k d1,f2 - | sort -u"
	[ "$output" = $'0\t0' ]
}

@test "su: SU's sugethw reads segkit's d1 f1 d2 f2 ntr mark, and SU's sushw values come back through segkit" {
	need_su
	head -c $((4 * (240 + 4 * 1999))) "$REAL/servilleta_lomablanca_053018_H1_shots001-120.su" |
		segmerge --endian little >"$T/le.su"
	sushw key=d2,f2,ntr,mark,unscale a=0.5,12.25,4,1,0.125 b=0.25,0,0,0,0 <"$T/le.su" >"$T/set.su"
	diff <(sugethw key=d1,f1,d2,f2,ntr,mark,unscale output=geom <"$T/set.su" | sed 's/ *$//' | tr ' ' '\t') \
	     <(seginfo -k d1,f1,d2,f2,ntr,mark,unscale "$T/set.su" | awk -F'\t' -v OFS='\t' '{
		for (i = 1; i <= 4; i++) $i = sprintf("%.6f", $i); $7 = sprintf("%.6f", $7); print }')
	segmerge --to sgk "$T/set.su" | segmerge --to su | cmp - "$T/set.su"
}

@test "su: SU output of every readable file: sugethw and surange show finite d1 f1 d2 f2, supswigb has a time axis" {
	need_su
	local f n=0 dt f1
	for f in $(su_files); do
		segmerge --to su --endian little "$f" -o "$T/x.su"   # the byte order of this SU build
		run -0 sugethw key=d1,f1,d2,f2,ungpow,unscale output=geom <"$T/x.su"
		[ -z "$(echo "$output" | tr ' ' '\n' | grep -v '^$' | grep -v '^0\.000000$')" ] ||
			{ echo "$f: $output" | head -n 3; return 1; }
		run -0 surange <"$T/x.su"
		[[ "$output" != *nan* && "$output" != *inf* ]] || { echo "$f: $output"; return 1; }
		# The axis comes from dt and delrt, as when they are given.
		dt=$(seginfo -k dt "$T/x.su" | head -n 1)
		f1=$(seginfo -k delrt "$T/x.su" | head -n 1)
		supswigb <"$T/x.su" >"$T/a.ps" 2>/dev/null
		supswigb d1="$(awk -v d="$dt" 'BEGIN { print d / 1e6 }')" f1="$(awk -v d="$f1" 'BEGIN { print d / 1e3 }')" \
			<"$T/x.su" >"$T/b.ps" 2>/dev/null
		cmp -s "$T/a.ps" "$T/b.ps" || { echo "$f: supswigb's axis"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 60 ]
}

@test "su: segsplit --sort orders real SU as Seismic Unix's susort does (the same bytes but tracl and tracr, which susort numbers anew), in one pass of a file and as runs merged from pipe to pipe, which susort refuses" {
	need_su
	segmerge --to su --endian little "$REAL/servilleta_lomablanca_053018_H1_shots001-120.su" -o "$T/le.su"
	# By channel, then shot: 7,680 traces, every key pair once.
	[ "$(seginfo -k tracf,fldr "$T/le.su" | sort -u | wc -l)" = 7680 ]
	susort tracf fldr <"$T/le.su" >"$T/su.su"
	[ "$(seginfo -k tracl,tracr "$T/su.su" | sed -n '1p;7680p' | tr '\t\n' ',,')" = "1,1,7680,7680," ]
	segedit 'tracl = 0' 'tracr = 0' "$T/su.su" -o "$T/want.su"
	# A file: sorted where it lies (mapped), one piece.
	segsplit -p 1 --sort tracf,fldr -d "$T/one" "$T/le.su"
	segedit 'tracl = 0' 'tracr = 0' "$T/one/part-000001.su" | cmp - "$T/want.su"
	# From a pipe to a pipe: sorted runs of 1,000 traces, then their merge.
	cat "$T/le.su" | segsplit -c 1000 --sort tracf,fldr -d "$T/runs" -
	segmerge --key tracf,fldr -m "$T/runs/manifest.yaml" | segedit 'tracl = 0' 'tracr = 0' | cmp - "$T/want.su"
	run -1 --separate-stderr bash -c "set -o pipefail; cat '$T/le.su' | susort tracf fldr | cat >'$T/pp.su'"
	[ "$stderr" = "susort: OK IO types are: DISK->ANYTHING, PIPE->DISK" ]
	[ ! -s "$T/pp.su" ]
}
