#!/bin/sh
# The real 2-D SH shot line of ../shared/data/real, from field records to a
# prestack time-migrated image, in the current directory (examples/shotline's
# Makefile runs it in its work directory).  Environment: D (the real data),
# E (this directory), TMAX (seconds kept), VELS (the velocity scan, m/s),
# SU (Seismic Unix, optional: the check against its NMO stack).
set -eu
: "${D:?}" "${E:?}" "${TMAX:=1}" "${VELS:=100 150 200 250 300 350 400 450 500}"

# The useful window and the live channels (61-64 are not), as SEG-Y (bytes 181-240, SU's d1 f1
# ... in the SU file, are cleared on the way and can hold cdpx).
segedit --where 'tracf <= 60' --time 0:$TMAX --to segy $D/servilleta_lomablanca_053018_H1_shots001-120.su -o line.sgy
# Geometry from the field notes: source point k = records 2k-1 and 2k at x = k-1 m, channel c
# at x = c-0.5 m; the hits from the south-west (even records) negated.
segedit --where 'fldr % 2 == 1' -o ne.sgk \
	'ep = floor((fldr + 1) / 2)' 'sx = ep - 1' 'gx = tracf - 0.5' 'cdpx = (sx + gx) / 2' \
	'cdp = sx + gx + 0.5' 'offset = round(gx - sx)' line.sgy
segedit --where 'fldr % 2 == 0' --scale -1 -o sw.sgk \
	'ep = floor((fldr + 1) / 2)' 'sx = ep - 1' 'gx = tracf - 0.5' 'cdpx = (sx + gx) / 2' \
	'cdp = sx + gx + 0.5' 'offset = round(gx - sx)' line.sgy
# Each pair subtracted: SH doubles, P cancels.
segmerge --sum ne.sgk sw.sgk -o sh.sgk
# A t^2 gain (tgain.py: segkit has none yet); the traces within 6 m of the source (the ringing beam) dropped.
segmerge --to su --endian little sh.sgk | /usr/bin/python3 $E/tgain.py 2 |
	segedit --where 'abs(gx - sx) >= 6' --to sgk -o prep.sgk
# Sorted to CMP: sorted runs, then a merge.
segsplit --count 1000 --sort cdp,offset -d runs prep.sgk
segmerge --key cdp,offset -m runs/manifest.yaml -o cmp.sgk
# Velocity: constant-velocity prestack migrations into offset gathers; per window, the most coherent.
for v in $VELS; do migrate --vel $v --offsets 5,10,6 --grid 0.25,0.5,119 cmp.sgk -o scan$v.sgk; done
/usr/bin/python3 $E/semblance.py pick 0.05:0.25,0.25:0.45,0.45:0.65 vel.txt scan*.sgk
migrate --vel $(cat vel.txt) --grid 0.25,0.5,119 cmp.sgk -o image.sgk
migrate --vel $(cat vel.txt) --offsets 5,10,6 --grid 0.25,0.5,119 cmp.sgk -o gathers.sgk
# The null: each pair added instead (SH cancels), then the same steps; the check.
segedit --scale -1 sw.sgk | segmerge --sum ne.sgk - | segmerge --to su --endian little |
	/usr/bin/python3 $E/tgain.py 2 | segedit --where 'abs(gx - sx) >= 6' |
	migrate --vel $(cat vel.txt) --offsets 5,10,6 --grid 0.25,0.5,119 -o null.sgk
/usr/bin/python3 $E/semblance.py check 0.05:0.65 0.26 gathers.sgk null.sgk
# Against Seismic Unix, where SU names its directory: sunmo and sustack with the same v(t).
/usr/bin/python3 $E/sucheck.py image.sgk cmp.sgk vel.txt
# Pictures: a source point and the image.
segedit --where 'ep == 30' prep.sgk |
	segplot --xkey offset --perc 97 -s 420x520 -T 'source point 30 (x = 29 m)' -o shot.png
segplot image.sgk --xkey cdpx -s 420x520 -T 'prestack time migration' -o image.png
