#!/usr/bin/python3
"""Checks that every multiformats file decodes to the F3 values of f3.sgy.

    f3check.py DATA OURS_DIR
    f3check.py roundtrip ORIG BACK

roundtrip: BACK is ORIG (an integer format) through sgk and back.  Samples
carried as float32 come back exact below 2^24; larger ones come back as the
nearest float32, saturated to the type (uint32 and uint64 files hold the
negative F3 values wrapped, near 2^32 and 2^64).  Everything else (file
header, trace headers, smaller samples) is identical.

OURS_DIR/NAME.su is the trace records of `segmerge --to segy --format ieee
--endian little DATA/multiformats/NAME` (formats.bats: dump)
for every NAME but the format 4 files (which segmerge refuses).  f3.sgy
(int16, big-endian) and each file's own samples are decoded here with numpy,
independently of segkit.  Checks, for every sample:

- ours is the file's own value rounded to the nearest float32 (exact for
  every type but 32- and 64-bit integers and double, whose values here are
  small enough to be exact anyway except the wrapped unsigned ones);
- the file's value is the F3 value where the type can hold it, and the F3
  value wrapped modulo 2^bits elsewhere (int8, and negative values in the
  unsigned types: segyio's writer wrapped them);
- so ours equals the F3 value exactly wherever the type holds it;
- our trace headers are those of f3.sgy, byte for byte.
"""
import os
import sys

import numpy as np

TYPES = {  # code: (numpy type or None for 24-bit, bytes, signed integer?, bits)
    1: ("u4", 4), 2: ("i4", 4), 3: ("i2", 2), 5: ("f4", 4), 6: ("f8", 8), 7: (None, 3),
    8: ("i1", 1), 9: ("i8", 8), 10: ("u4", 4), 11: ("u2", 2), 12: ("u8", 8), 15: (None, 3),
    16: ("u1", 1),
}


def f32_nearest(v):
    """A Python int rounded to the nearest float32 (ties to even), exactly."""
    if v == 0:
        return np.float32(0)
    s = -1 if v < 0 else 1
    m = abs(v)
    shift = max(m.bit_length() - 24, 0)
    q, r = divmod(m, 1 << shift)
    half = (1 << shift) >> 1 if shift else 0
    if shift and (r > half or (r == half and q & 1)):
        q += 1
    return np.float32(s * float(q << shift))


def file_samples(path, code, little, ntr, ns):
    typ, bps = TYPES[code]
    raw = np.fromfile(path, dtype=np.uint8)
    d = raw[3600:3600 + ntr * (240 + ns * bps)].reshape(ntr, 240 + ns * bps)
    s = d[:, 240:].copy()
    e = "<" if little else ">"
    if code == 1:
        w = s.view(e + "u4").astype(np.uint64)
        mag = np.ldexp((w & 0xFFFFFF).astype(np.float64), (4 * (((w >> 24) & 0x7F).astype(np.int64) - 64) - 24).astype(np.int32))
        return np.where((w >> 31) == 1, -mag, mag), d[:, :240]
    if typ is None:
        b = s.reshape(ntr, ns, 3).astype(np.int64)
        if little:
            b = b[..., ::-1]
        v = (b[..., 0] << 16) | (b[..., 1] << 8) | b[..., 2]
        if code == 7:
            v = np.where(v >= 1 << 23, v - (1 << 24), v)
        return v.astype(object), d[:, :240]
    v = s.view(e + typ)
    if typ[0] in "iu":
        return v.astype(object), d[:, :240]   # exact Python ints
    return v.astype(np.float64), d[:, :240]


def sat_f32(v, lo, hi):
    x = int(f32_nearest(v))
    return min(max(x, lo), hi)


def roundtrip(orig, back):
    a = np.fromfile(orig, dtype=np.uint8)
    b = np.fromfile(back, dtype=np.uint8)
    little = int(a[3224:3226].view(">i2")[0]) not in TYPES
    e = "<" if little else ">"
    code = int(a[3224:3226].view(e + "i2")[0])
    ns = int(a[3220:3222].view(e + "u2")[0])
    typ, bps = TYPES[code]
    ntr = (a.size - 3600) // (240 + ns * bps)
    if a.size != b.size or not np.array_equal(a[:3600], b[:3600]):
        print("%s: the file header or the size differs" % back)
        return 1
    ra, rb = a[3600:].reshape(ntr, -1), b[3600:].reshape(ntr, -1)
    if not np.array_equal(ra[:, :240], rb[:, :240]):
        print("%s: trace headers differ" % back)
        return 1
    va, _ = file_samples(orig, code, little, ntr, ns)
    vb, _ = file_samples(back, code, little, ntr, ns)
    bits = 8 * bps
    small = np.vectorize(lambda x: abs(x) < (1 << 24), otypes=[bool])(va)
    want = np.vectorize(lambda x: sat_f32(x, 0, (1 << bits) - 1), otypes=[object])(va)
    bad = (small & (va != vb)) | (vb != want)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        print("%s: %d samples wrong; first: trace %d sample %d: %d, was %d" % (back, bad.sum(), i + 1, j + 1, vb[i, j], va[i, j]))
        return 1
    print("%s: %d samples exact below 2^24, %d above it rounded to float32" % (back, small.sum(), (~small).sum()))
    return 0


def main():
    if sys.argv[1] == "roundtrip":
        return roundtrip(sys.argv[2], sys.argv[3])
    data, ours_dir = sys.argv[1:3]
    f3raw = np.fromfile(os.path.join(data, "f3.sgy"), dtype=np.uint8)
    ns = int(f3raw[3220:3222].view(">u2")[0])
    ntr = (f3raw.size - 3600) // (240 + 2 * ns)
    f3 = f3raw[3600:].reshape(ntr, 240 + 2 * ns)[:, 240:].copy().view(">i2").astype(np.int64)
    f3ours = np.fromfile(os.path.join(ours_dir, "f3.sgy.su"), dtype=np.uint8).reshape(ntr, 240 + 4 * ns)
    bad = checked = 0
    for code in sorted(TYPES):
        for order in ("msb", "lsb"):
            name = "Format%d%s.sgy" % (code, order)
            path = os.path.join(data, "multiformats", name)
            mine = np.fromfile(os.path.join(ours_dir, name + ".su"), dtype=np.uint8)
            if mine.size != ntr * (240 + 4 * ns):
                print("%s: our output has %d bytes, want %d" % (name, mine.size, ntr * (240 + 4 * ns)))
                bad += 1
                continue
            mine = mine.reshape(ntr, 240 + 4 * ns)
            ours = mine[:, 240:].copy().view("<f4")
            vals, _ = file_samples(path, code, order == "lsb", ntr, ns)
            typ, bps = TYPES[code]
            n_fit = 0
            if vals.dtype == object:
                bits = 8 * bps
                signed = code in (2, 3, 7, 8, 9)
                lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
                want_ours = np.vectorize(f32_nearest, otypes=[np.float32])(vals)
                fits = (f3 >= lo) & (f3 <= hi)
                wrapped = np.vectorize(lambda x: ((x - lo) % (1 << bits)) + lo, otypes=[object])(f3)
                e1 = fits & (vals != f3)
                e2 = vals != wrapped
                if e1.any() or e2.any():
                    print("%s: the file's values are not F3's (%d) nor F3's wrapped (%d)" % (name, e1.sum(), e2.sum()))
                    bad += 1
            else:
                want_ours = vals.astype(np.float32)
                fits = np.ones(f3.shape, dtype=bool)
                if (vals != f3).any():
                    print("%s: %d file values differ from F3" % (name, (vals != f3).sum()))
                    bad += 1
            d = want_ours.view(np.uint32) != ours.view(np.uint32)
            if d.any():
                i, j = np.argwhere(d)[0]
                print("%s: %d samples are not the file's values; first: trace %d sample %d ours %r, file %r"
                      % (name, d.sum(), i + 1, j + 1, float(ours[i, j]), vals[i, j]))
                bad += 1
            d = fits & (ours.astype(np.float64) != f3)
            n_fit = int(fits.sum())
            if d.any():
                i, j = np.argwhere(d)[0]
                print("%s: %d samples differ from F3 where the type holds it; first: trace %d sample %d ours %r, F3 %d"
                      % (name, d.sum(), i + 1, j + 1, float(ours[i, j]), f3[i, j]))
                bad += 1
            if not np.array_equal(mine[:, :240], f3ours[:, :240]):
                i = int(np.argmax((mine[:, :240] != f3ours[:, :240]).any(axis=1)))
                j = int(np.argmax(mine[i, :240] != f3ours[i, :240]))
                print("%s: trace %d header byte %d differs from f3.sgy's" % (name, i + 1, j + 1))
                bad += 1
            checked += 1
            print("%s: %d samples, %d equal to F3 (the type holds them)" % (name, ours.size, n_fit))
    print("%d files checked, %d problems" % (checked, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
