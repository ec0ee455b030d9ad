#!/usr/bin/env python3
"""Reads segmerge's partial sums (segmerge(1), PARTIAL SUMS) independently of
lib/flow/psum.c and prints, per file: its size, the bytes of its text and
file header, its traces, its extra terms and its host, after checking that
the file is exactly that (the layout's byte count, nothing before or after).
"""
import struct
import sys


def parse(path):
    b = open(path, "rb").read()
    pos = 0

    def line():
        nonlocal pos
        e = b.index(b"\n", pos)
        s = b[pos:e].decode()
        pos = e + 1
        return s

    assert line() == "SKPSUM1"
    host = line().split(" ", 1)[1]
    while True:
        s = line()
        if s.startswith("info "):
            f = s.split()
            ns, hdrlen, fhdr = int(f[4]), int(f[6]), int(f[9])
            pos += fhdr
            break
        assert s.startswith("piece ") and " ok " in s, s
    head = pos
    traces = extras = 0
    while True:
        tag = b[pos:pos + 1]
        pos += 1
        if tag == b"Z":
            break
        assert tag == b"T", tag
        pos += hdrlen + 8 * ns
        (n,) = struct.unpack_from("<I", b, pos)
        pos += 4 + 12 * n
        traces += 1
        extras += n
    assert pos == len(b), (pos, len(b))
    assert len(b) == head + traces * (1 + hdrlen + 8 * ns + 4) + 12 * extras + 1
    return len(b), head, traces, extras, host


for p in sys.argv[1:]:
    print(*parse(p))
