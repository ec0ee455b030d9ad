#!/usr/bin/python3
"""Post-stack checks for migrate.bats, independent of the C code (numpy).

    poststack.py coords IN OUT DX [KEY [X0 Y0 [OFFSET]]]
        IN (big-endian SEG-Y, one trace per CDP) with coordinates: the
        trace's CMP x = X0 + (cdp - cdp of trace 1) DX, y = Y0 (metres,
        scalco -100) in cdpx/cdpy (KEY cdpx, the default) or in sx/sy (KEY
        sx); every other coordinate 0, offset OFFSET (default 0).
    poststack.py corr A B MIN
        Normalised correlation sum(a b) / sqrt(sum a^2 sum b^2) of two
        little-endian SU files over the traces and samples both have (the
        first nt of the shorter); prints it, exits 1 below MIN.
    poststack.py keys FILE
        Prints "cdp0 cdp1 cdpx0 dcdpx n" of a big-endian SEG-Y file: the
        first and last cdp, the first cdpx, the cdpx spacing (scalco applied;
        "uneven" unless all spacings agree within 1 mm) and the trace count.
"""
import struct
import sys

import numpy as np


def segy_layout(b):
    ns = struct.unpack(">H", b[3220:3222])[0]
    fmt = struct.unpack(">H", b[3224:3226])[0]
    size = {1: 4, 2: 4, 3: 2, 5: 4, 6: 8, 8: 1}[fmt]
    rec = 240 + size * ns
    return 3600, rec, (len(b) - 3600) // rec


def coords(args):
    inp, out, dx = args[0], args[1], float(args[2])
    key = args[3] if len(args) > 3 else "cdpx"
    x0 = float(args[4]) if len(args) > 4 else 0.0
    y0 = float(args[5]) if len(args) > 5 else 0.0
    off = int(args[6]) if len(args) > 6 else 0
    b = bytearray(open(inp, "rb").read())
    start, rec, n = segy_layout(b)
    cdp0 = None
    for i in range(n):
        o = start + i * rec
        cdp = struct.unpack(">i", b[o + 20:o + 24])[0]
        cdp0 = cdp if cdp0 is None else cdp0
        b[o + 36:o + 40] = struct.pack(">i", off)
        b[o + 70:o + 72] = struct.pack(">h", -100)
        for p in (73, 77, 81, 85, 181, 185):
            b[o + p - 1:o + p + 3] = struct.pack(">i", 0)
        p = 181 if key == "cdpx" else 73
        b[o + p - 1:o + p + 3] = struct.pack(">i", round((x0 + (cdp - cdp0) * dx) * 100))
        b[o + p + 3:o + p + 7] = struct.pack(">i", round(y0 * 100))
    open(out, "wb").write(b)


def read_su(path):
    b = open(path, "rb").read()
    ns = struct.unpack("<H", b[114:116])[0]
    rec = 240 + 4 * ns
    n = len(b) // rec
    raw = np.frombuffer(b, np.uint8, count=n * rec).reshape(n, rec)
    return raw[:, :240].copy(), raw[:, 240:].copy().view("<f4").astype(np.float64)


def corr(args):
    _, a = read_su(args[0])
    _, b = read_su(args[1])
    n, nt = min(len(a), len(b)), min(a.shape[1], b.shape[1])
    a, b = a[:n, :nt], b[:n, :nt]
    c = float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))
    print(f"correlation {c:.4f} over {n} traces x {nt} samples (bar {args[2]})")
    return 0 if c >= float(args[2]) else 1


def keys(args):
    b = open(args[0], "rb").read()
    start, rec, n = segy_layout(b)
    end = ">"
    cdp, x = [], []
    for i in range(n):
        h = b[start + i * rec:start + i * rec + 240]
        s = struct.unpack(end + "h", h[70:72])[0]
        f = 1.0 if s == 0 else (s if s > 0 else 1.0 / -s)
        cdp.append(struct.unpack(end + "i", h[20:24])[0])
        x.append(struct.unpack(end + "i", h[180:184])[0] * f)
    d = np.diff(x)
    even = len(d) == 0 or np.ptp(d) < 1e-3
    print(cdp[0], cdp[-1], f"{x[0]:g}", f"{d[0]:g}" if even and len(d) else "uneven", n)
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    sys.exit({"coords": coords, "corr": corr, "keys": keys}[cmd](sys.argv[2:]) or 0)
