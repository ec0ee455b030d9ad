#!/bin/sh
# The real Alaska post-stack line of ../shared/data/real (USGS NPRA 31-81),
# migrated with the velocity picks of its processing, in the current directory
# (examples/alaska's Makefile runs it in its work directory).  Environment:
# D (the real data), E (this directory), SU (Seismic Unix, optional: the
# check against its sustolt).
set -eu
: "${D:?}" "${E:?}"

# No coordinates in the headers: CDPs 101..634 are 55 ft (16.76 m) apart.
segedit 'cdpx = (cdp - 101) * 16.76' 'cdpy = 0' $D/alaska_31-81_PR_stack.sgy -o stack.sgy
# The NMO picks (ft/s) as RMS velocity traces in m/s, one per CDP (migrate's default
# grid: the input's CDPs).
/usr/bin/python3 $E/vpicks.py $D/alaska_31-81_vnmo_picks.txt 101 634 1501 0.004 > vel.su
# Post-stack: each trace is zero-offset at its cdpx.
migrate --zero-offset --vel vel.su stack.sgy -o image.sgy
segplot stack.sgy --xkey cdp -s 480x360 -T 'stack (input)' -o stack.png
segedit --where '(cdp - 181) % 48 == 0 && cdp <= 565' vel.su | segplot --wiggle --cmap none --clip 4300 \
	--xkey cdp -s 480x360 -T 'RMS velocity at the picked CDPs, 0-4300 m/s' -o vel.png
segplot image.sgy --xkey cdp -s 480x360 -T 'post-stack time migration' -o image.png
/usr/bin/python3 $E/focus.py stack.sgy image.sgy vel.su
