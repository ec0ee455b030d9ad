#!/bin/sh
# lib/ is grouped by layer; a file may include headers of its own floor and of
# the floors below it, never above: core < format < geom < kernel < flow.
# Prints each violation and exits 1 if there is any.
set -eu
floors="core format geom kernel flow"
rank() { i=0; for f in $floors; do [ "$f" = "$1" ] && { echo $i; return; }; i=$((i + 1)); done; echo -1; }
bad=0
for fl in $floors; do
	r=$(rank "$fl")
	for src in lib/"$fl"/*.[ch]; do
		for h in $(sed -n 's/^#include "\([^"/]*\.h\)".*/\1/p' "$src"); do
			[ "$h" = version.h ] && continue
			hit=$(ls lib/*/"$h" 2>/dev/null | head -n 1)
			if [ -z "$hit" ]; then echo "layers: $src: $h is not in lib/"; bad=1; continue; fi
			hf=$(basename "$(dirname "$hit")")
			if [ "$(rank "$hf")" -gt "$r" ]; then
				echo "layers: $src includes $hf/$h from a higher floor"; bad=1
			fi
		done
	done
done
# A floor's private headers (*_internal.h) are for the files of that floor,
# and for the unit tests of the policy they share (STYLE.md: the policy apart
# from the I/O loop, so that it has unit tests); cmd/ and the fuzzers read
# only public headers.
for src in lib/*/*.[ch] cmd/*/*.[ch] tests/fuzz/*.[ch]; do
	[ -f "$src" ] || continue
	for h in $(sed -n 's/^#include "\([^"/]*_internal\.h\)".*/\1/p' "$src"); do
		hit=$(ls lib/*/"$h" 2>/dev/null | head -n 1)
		if [ -n "$hit" ] && [ "$(dirname "$hit")" != "$(dirname "$src")" ]; then
			echo "layers: $src includes $h, private to $(dirname "$hit")"; bad=1
		fi
	done
done
exit $bad
