#!/usr/bin/python3
"""A time gain: multiplies every sample by t**POW (t in seconds from delrt).

usage: tgain.py POW < in.su > out.su

Reads and writes little-endian SU (segmerge --to su --endian little), a trace
at a time.  segkit has no gain yet; this is the one step of the shot-line flow
that is not a segkit command, and it does nothing else.
"""
import sys

import numpy as np


def main():
    power = float(sys.argv[1])
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    gain = None
    while True:
        hdr = inp.read(240)
        if not hdr:
            break
        ns = int.from_bytes(hdr[114:116], "little")
        dt = int.from_bytes(hdr[116:118], "little") * 1e-6
        delrt = int.from_bytes(hdr[108:110], "little", signed=True) * 1e-3
        raw = inp.read(4 * ns)
        if len(hdr) < 240 or len(raw) < 4 * ns:
            sys.exit("tgain.py: truncated trace")
        if gain is None or gain[0] != (ns, dt, delrt):
            gain = (ns, dt, delrt), np.abs(delrt + dt * np.arange(ns)) ** power
        out.write(hdr)
        out.write((np.frombuffer(raw, "<f4") * gain[1]).astype("<f4").tobytes())


main()
