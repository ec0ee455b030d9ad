#!/usr/bin/python3
"""Velocity traces from the Alaska line's NMO picks, for migrate --vel FILE.

usage: vpicks.py PICKS CDP0 CDP1 NS DT > vel.su

PICKS is a Madagascar-style file (cdp=c1,c2,... then one tnmo=/vnmo= pair of
lines per cdp, in s and ft/s).  Writes one little-endian SU trace per cdp from
CDP0 to CDP1 (cdp set), NS samples of DT seconds from time 0: the picks in m/s
(1 ft = 0.3048 m), linear in time between picks and constant beyond them, and
linear in cdp between picked cdps and constant beyond the outer ones.  For a
stack, NMO velocities stand in for RMS velocities.
"""
import re
import sys

import numpy as np


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.split("\n\n")[1])
    text = open(sys.argv[1]).read().replace("\\\n", " ")
    cdp0, cdp1, ns, dt = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    cdps = [int(c) for c in re.search(r"cdp=([\d,]+)", text).group(1).split(",")]
    tnmo = [np.array(s.split(","), float) for s in re.findall(r"tnmo=([\d.,]+)", text)]
    vnmo = [np.array(s.split(","), float) * 0.3048 for s in re.findall(r"vnmo=([\d.,]+)", text)]
    if not len(cdps) == len(tnmo) == len(vnmo) or any(len(t) != len(v) for t, v in zip(tnmo, vnmo)):
        sys.exit("vpicks.py: %s: cdp, tnmo and vnmo do not match" % sys.argv[1])
    t = np.arange(ns) * dt
    picked = np.array([np.interp(t, tp, vp) for tp, vp in zip(tnmo, vnmo)])
    out = sys.stdout.buffer
    for i, cdp in enumerate(range(cdp0, cdp1 + 1)):
        v = np.array([np.interp(cdp, cdps, picked[:, j]) for j in range(ns)], "<f4")
        hdr = np.zeros(240, np.uint8)
        hdr[0:4] = np.frombuffer(np.int32(i + 1).astype("<i4").tobytes(), np.uint8)
        hdr[20:24] = np.frombuffer(np.int32(cdp).astype("<i4").tobytes(), np.uint8)
        hdr[114:116] = np.frombuffer(np.uint16(ns).astype("<u2").tobytes(), np.uint8)
        hdr[116:118] = np.frombuffer(np.uint16(round(dt * 1e6)).astype("<u2").tobytes(), np.uint8)
        out.write(hdr.tobytes())
        out.write(v.tobytes())


main()
