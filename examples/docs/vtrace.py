#!/usr/bin/python3
"""One RMS velocity trace v(t) as IEEE big-endian SEG-Y, for migrate --vel.

usage: vtrace.py NT DT T:V,T:V,... OUT   (DT in seconds; v linear in t,
constant beyond the first and last pairs)
"""
import struct
import sys

nt, dt, spec, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
pairs = [tuple(float(x) for x in p.split(":")) for p in spec.split(",")]


def v(t):
    if t <= pairs[0][0]:
        return pairs[0][1]
    for (t0, v0), (t1, v1) in zip(pairs, pairs[1:]):
        if t <= t1:
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return pairs[-1][1]


dtus = round(dt * 1e6)
text = b"\x40" * 3200  # EBCDIC blanks
binary = bytearray(400)
struct.pack_into(">hhh", binary, 16, dtus, dtus, nt)
struct.pack_into(">h", binary, 24, 5)  # IEEE float
struct.pack_into(">h", binary, 54, 1)  # time units
struct.pack_into(">hh", binary, 300, 0x0100, 1)  # rev 1, fixed length
header = bytearray(240)
struct.pack_into(">ii", header, 0, 1, 1)  # tracl, tracr
struct.pack_into(">h", header, 28, 1)  # trid
struct.pack_into(">HH", header, 114, nt, dtus)
samples = struct.pack(">%df" % nt, *(v(i * dt) for i in range(nt)))
with open(out, "wb") as f:
    f.write(text + bytes(binary) + bytes(header) + samples)
