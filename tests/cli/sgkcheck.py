#!/usr/bin/python3
"""Reads an sgk stream by the layout of man/sgk.5 (version 2), independently
of segkit, and checks it against the big-endian SEG-Y file it was made from.

    sgkcheck.py SGK ORIG.sgy COUNT

COUNT is the trace count the stream header must hold (-1 for a stream
written to a pipe).  Checks the stream header fields (version 2, the sample
encoding ORIG's format code, big-endian), the carried file header (ORIG's
first 3600 + 3200 n bytes), every block (B traces but the last, raw and
stored lengths, zstd frames decompressed by the zstd program, their header
columns and w byte planes put back), the end marker and nothing after it, and that the
headers are ORIG's trace headers and the samples ORIG's sample bytes.
"""
import struct
import subprocess
import sys

import numpy as np


WIDTH = {1: 4, 2: 4, 3: 2, 5: 4, 6: 8, 7: 3, 8: 1, 9: 8, 10: 4, 11: 2, 12: 8, 15: 3, 16: 1}


def orig_traces(path):
    raw = np.fromfile(path, dtype=np.uint8)
    fmt = int(raw[3224:3226].view(">i2")[0])
    ns = int(raw[3220:3222].view(">u2")[0])
    nxt = int(raw[3504:3506].view(">i2")[0])
    start = 3600 + 3200 * nxt
    rec = 240 + WIDTH[fmt] * ns
    ntr = (raw.size - start) // rec
    d = raw[start:start + ntr * rec].reshape(ntr, rec)
    return raw[:start].tobytes(), d[:, :240].copy(), d[:, 240:].copy(), ns, fmt


def main():
    sgk_path, orig, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fhdr, hdrs, vals, ns, fmt = orig_traces(orig)
    with open(sgk_path, "rb") as f:
        data = f.read()
    errs = []
    magic, version, flags, sns, hl, dt, B, origin, cnt, L, code, order, res = struct.unpack_from(
        "<8sIIIIdIIqQHB5s", data, 0)
    w = WIDTH.get(code, 0)
    if magic != b"\x89SGK\r\n\x1a\n" or version != 2:
        errs.append("magic or version")
    if sns != ns or hl != 240 or B < 1 or B > 65536 or origin != 1 or res != bytes(5):
        errs.append("ns %d hl %d B %d origin %#x reserved %r" % (sns, hl, B, origin, res))
    if code != fmt or order != 0:
        errs.append("sample encoding %d, byte order %d: want %d, 0" % (code, order, fmt))
    if cnt != count:
        errs.append("trace count %d, want %d" % (cnt, count))
    if data[64:64 + L] != fhdr:
        errs.append("the carried file header is not the original's (%d bytes)" % L)
    pos = 64 + L
    hs, ss = [], []
    nblocks = 0
    while True:
        n, bflags, raw, stored = struct.unpack_from("<IIQQ", data, pos)
        pos += 24
        if n == 0:
            if (bflags, raw, stored) != (0, 0, 0):
                errs.append("end marker fields not 0")
            break
        nblocks += 1
        payload = data[pos:pos + stored]
        pos += stored
        if raw != n * (hl + w * ns):
            errs.append("block %d: raw length %d" % (nblocks, raw))
        if bflags & 1:
            if not flags & 1:
                errs.append("compressed block in an uncompressed stream")
            payload = subprocess.run(["zstd", "-q", "-d", "-c"], input=payload, stdout=subprocess.PIPE,
                                     check=True).stdout
            planes = np.frombuffer(payload[n * hl:], dtype=np.uint8).reshape(w, n * ns)
            samples = planes.T.copy().reshape(-1)
            # The headers as hl columns: column b holds byte b of every header.
            cols = np.frombuffer(payload[:n * hl], dtype=np.uint8).reshape(hl, n)
            payload = cols.T.tobytes() + payload[n * hl:]
        else:
            if stored != raw:
                errs.append("block %d: stored %d != raw %d" % (nblocks, stored, raw))
            samples = np.frombuffer(payload[n * hl:], dtype=np.uint8)
        if len(payload) != raw:
            errs.append("block %d: payload %d bytes, want %d" % (nblocks, len(payload), raw))
        hs.append(np.frombuffer(payload[:n * hl], dtype=np.uint8).reshape(n, hl))
        ss.append(samples.reshape(n, ns * w))
        if len(hs) > 1 and hs[-2].shape[0] != B:
            errs.append("a block before the last holds %d traces, not B=%d" % (hs[-2].shape[0], B))
    if pos != len(data):
        errs.append("%d bytes after the end marker" % (len(data) - pos))
    h = np.concatenate(hs) if hs else np.zeros((0, 240), np.uint8)
    s = np.concatenate(ss) if ss else np.zeros((0, ns * w), np.uint8)
    if h.shape[0] != hdrs.shape[0]:
        errs.append("%d traces, the original has %d" % (h.shape[0], hdrs.shape[0]))
    else:
        if not np.array_equal(h, hdrs):
            errs.append("trace headers differ from the original's")
        if not np.array_equal(s, vals):
            errs.append("samples differ from the original's")
    for e in errs:
        print("%s: %s" % (sgk_path, e))
    print("%s: %d traces in %d blocks of B=%d, %s" % (sgk_path, h.shape[0], nblocks, B,
                                                      "zstd" if flags & 1 else "plain"))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
