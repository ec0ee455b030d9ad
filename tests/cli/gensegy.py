#!/usr/bin/python3
"""Writes a synthetic prestack SEG-Y survey to stdout for segsplit/segmerge tests.

gensegy.py [--shots N] [--chans N] [--ns N] [--rev 1|2] [--shuffle SEED]
           [--format 1|5] [--value int|float] [--scale K]

Traces: shot s (0-based) and channel c give tracl = tracr = s*chans+c+1,
fldr = s+1, tracf = c+1, offset = (c - chans//2) * 25, cdp = 2*s + c + 1,
sx = 100*s, gx = sx + offset, iline/xline, cdpx/cdpy with scalco -10.
Samples: integer-valued floats (--value int, the default: exact in IBM and
IEEE, so sums are exact) tracl*1000 + i, times --scale.  --shuffle permutes
the traces with a seeded generator (for external sort tests); --rev 2 writes
a rev 2.0 binary header with the trace count at 3513 (u64).  Big-endian,
EBCDIC-free ASCII text.  Writes in chunks: memory stays small for big files.
"""
import argparse
import random
import struct
import sys


def ibm(values):
    """IEEE doubles -> IBM single words (exact for integers below 2^24)."""
    out = []
    for v in values:
        if v == 0:
            out.append(0)
            continue
        sign = 0x80000000 if v < 0 else 0
        a = abs(v)
        e = 64
        while a >= 1.0:
            a /= 16.0
            e += 1
        while a < 1.0 / 16.0:
            a *= 16.0
            e -= 1
        f = int(round(a * (1 << 24)))
        if f == 1 << 24:
            f = 1 << 20
            e += 1
        out.append(sign | (e << 24) | f)
    return struct.pack('>%dI' % len(out), *out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--shots', type=int, default=10)
    ap.add_argument('--chans', type=int, default=12)
    ap.add_argument('--ns', type=int, default=50)
    ap.add_argument('--rev', type=int, default=1)
    ap.add_argument('--format', type=int, default=1)
    ap.add_argument('--shuffle', type=int, default=None)
    ap.add_argument('--scale', type=float, default=1.0)
    ap.add_argument('--value', default='int')
    a = ap.parse_args()
    n = a.shots * a.chans
    text = ('C 1 segkit test survey: %d shots x %d channels' % (a.shots, a.chans)).ljust(3200).encode('ascii')
    binh = bytearray(400)
    struct.pack_into('>hhHHHHh', binh, 12, a.chans, 0, 4000, 4000, a.ns, a.ns, a.format)
    if a.rev == 2:
        binh[300] = 2
        binh[301] = 0
        struct.pack_into('>h', binh, 302, 1)
        struct.pack_into('>Q', binh, 312, n)
    else:
        binh[300] = 1
        struct.pack_into('>h', binh, 302, 1)
    out = sys.stdout.buffer
    out.write(text)
    out.write(bytes(binh))
    order = list(range(n))
    if a.shuffle is not None:
        random.Random(a.shuffle).shuffle(order)
    chunk = []
    for t in order:
        s, c = divmod(t, a.chans)
        h = bytearray(240)
        off = (c - a.chans // 2) * 25
        sx = 100 * s
        struct.pack_into('>iiiiiii', h, 0, t + 1, t + 1, s + 1, c + 1, s + 1, 2 * s + c + 1, c + 1)
        struct.pack_into('>h', h, 28, 1)
        struct.pack_into('>i', h, 36, off)
        struct.pack_into('>hh', h, 68, 1, -10)
        struct.pack_into('>iiii', h, 72, sx * 10, 0, (sx + off) * 10, 0)
        struct.pack_into('>HH', h, 114, a.ns, 4000)
        struct.pack_into('>iiii', h, 180, (sx + off // 2) * 10, 0, s + 1, c + 1)
        vals = [((t + 1) * 1000 + i) * a.scale if a.value == 'int' else (t + 1) + i / 7.0
                for i in range(a.ns)]
        if a.format == 1:
            data = ibm(vals)
        else:
            data = struct.pack('>%df' % a.ns, *vals)
        chunk.append(bytes(h) + data)
        if len(chunk) >= 256:
            out.write(b''.join(chunk))
            chunk = []
    out.write(b''.join(chunk))


if __name__ == '__main__':
    main()
