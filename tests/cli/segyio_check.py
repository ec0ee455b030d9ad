#!/usr/bin/python3
"""Cross-checks segkit's decoding of one SEG-Y file against python3-segyio.

    segyio_check.py FILE ENDIAN OURS.su
    segyio_check.py --exact-only FILE ENDIAN OURS.su

OURS.su is the trace records of `segmerge --to segy --format ieee --endian little
FILE` (formats.bats: dump): 240-byte trace headers
with little-endian fields, then ns little-endian float32 samples.  Checks:

- the trace count and ns agree with segyio's;
- every sample is bitwise segyio's (f.trace.raw), except for IBM (format 1)
  words segyio 1.8.3 decodes wrongly (README: non-normalised words, -0,
  overflow): for format 1 every sample is compared with the exact IBM formula
  computed here from the file's bytes, value = (-1)^s x F x 2^(4(E-64)-24),
  exact in double and rounded to float32 by numpy (nearest, overflow to inf),
  and with segyio where the word is normalised and in float range;
- every trace header field segyio knows (TraceField, bytes 1-232) is
  the file's own bytes (decoded here) and segyio's value, except ns and dt
  (115, 117), which an SU writer sets, the unassigned bytes 233-240, and the
  2-byte fields of little-endian files, which segyio 1.8.3 misreads.

--exact-only skips segyio (for synthetic IBM files segyio decodes wrongly,
and format 4, which it cannot read: then the samples are compared with
M x 2^-G, M the mantissa in bytes 3-4 and G the gain in byte 2 of a word).
Run one file per process: segyio aborts the process on some inputs.
"""
import sys

import numpy as np

# i32 fields of the standard trace header (notes/segy.md); the rest are i16.
I32 = {1, 5, 9, 13, 17, 21, 25, 37, 41, 45, 49, 53, 57, 61, 65, 73, 77, 81, 85,
       181, 185, 189, 193, 197, 205, 219, 225, 233, 237}
SKIP = {115, 117, 233, 237}


def ibm_exact(words):
    """IBM words (uint32 array) to float32, exactly rounded."""
    w = words.astype(np.uint64)
    sign = (w >> 31) & 1
    e = ((w >> 24) & 0x7F).astype(np.int64)
    frac = (w & 0xFFFFFF).astype(np.float64)
    mag = np.ldexp(frac, (4 * (e - 64) - 24).astype(np.int32))  # exact in double
    val = np.where(sign == 1, -mag, mag)
    with np.errstate(over="ignore"):
        return val.astype(np.float32)


def main():
    args = sys.argv[1:]
    exact_only = bool(args) and args[0] == "--exact-only"
    if exact_only:
        args = args[1:]
    if len(args) != 3:
        sys.exit(__doc__)
    path, endian, ours_path = args
    little = endian == "little"
    e = "<" if little else ">"
    raw = np.fromfile(path, dtype=np.uint8)
    fmt = int(raw[3224:3226].view(e + "i2")[0])
    next_ = int(raw[3504:3506].view(e + "i2")[0])
    ns = int(raw[3220:3222].view(e + "u2")[0])
    bps = {1: 4, 2: 4, 3: 2, 4: 4, 5: 4, 8: 1}[fmt]
    rec = 240 + ns * bps
    start = 3600 + 3200 * next_
    ntr = (raw.size - start) // rec
    ours = np.fromfile(ours_path, dtype=np.uint8)
    bad = 0

    def fail(msg):
        nonlocal bad
        bad += 1
        print("%s: %s" % (path, msg))

    if ours.size != ntr * (240 + 4 * ns):
        print("%s: our SU output has %d bytes, want %d traces x %d" % (path, ours.size, ntr, 240 + 4 * ns))
        return 1
    ours = ours.reshape(ntr, 240 + 4 * ns)
    oh = ours[:, :240]
    osmp = ours[:, 240:].copy().view("<f4")
    fsmp = raw[start:start + ntr * rec].reshape(ntr, rec)[:, 240:].copy()

    if fmt == 1:
        exact = ibm_exact(fsmp.view(e + "u4").astype(np.uint32))
        diff = exact.view(np.uint32) != osmp.view(np.uint32)
        if diff.any():
            i, j = np.argwhere(diff)[0]
            w = int(fsmp.view(e + "u4")[i, j])
            fail("%d IBM samples differ from the exact formula; first: trace %d sample %d word 0x%08x: "
                 "ours %r, exact %r" % (diff.sum(), i + 1, j + 1, w, float(osmp[i, j]), float(exact[i, j])))
    if fmt == 4:
        # Fixed point with gain: byte 1 zero, byte 2 the gain G, bytes 3-4
        # a two's complement mantissa M; value M x 2^-G.
        w = fsmp.view(e + "u4").astype(np.int64)
        m = ((w & 0xFFFF) ^ 0x8000) - 0x8000
        exact = np.ldexp(m.astype(np.float64), -((w >> 16) & 0xFF).astype(np.int32)).astype(np.float32)
        diff = exact.view(np.uint32) != osmp.view(np.uint32)
        if diff.any():
            i, j = np.argwhere(diff)[0]
            fail("%d format 4 samples differ from M x 2^-G; first: trace %d sample %d word 0x%08x: ours %r, exact %r"
                 % (diff.sum(), i + 1, j + 1, int(w[i, j]), float(osmp[i, j]), float(exact[i, j])))
    if exact_only:
        print("%s: %d traces x %d samples, exact" % (path, ntr, ns))
        return 1 if bad else 0

    import segyio  # pylint: disable=import-outside-toplevel

    with segyio.open(path, ignore_geometry=True, endian=endian) as f:
        if f.tracecount != ntr or len(f.samples) != ns:
            fail("segyio reads %d traces x %d samples, the file size says %d x %d"
                 % (f.tracecount, len(f.samples), ntr, ns))
            return 1
        ref = np.asarray(f.trace.raw[:], dtype=np.float32).reshape(ntr, ns)
        cmpmask = np.ones(ref.shape, dtype=bool)
        if fmt == 1:
            w = fsmp.view(e + "u4").astype(np.uint32)
            normalised = (w & 0x00F00000) != 0
            finite = np.isfinite(ibm_exact(w)) & (np.abs(ibm_exact(w)) >= np.finfo(np.float32).tiny)
            cmpmask = normalised & finite
        diff = (ref.view(np.uint32) != osmp.view(np.uint32)) & cmpmask
        if diff.any():
            i, j = np.argwhere(diff)[0]
            fail("%d samples differ from segyio's; first: trace %d sample %d: ours %r, segyio %r"
                 % (diff.sum(), i + 1, j + 1, float(osmp[i, j]), float(ref[i, j])))
        nfield = 0
        fh = raw[start:start + ntr * rec].reshape(ntr, rec)[:, :240]
        for k in segyio.TraceField.enums():
            b = int(k)
            if b in SKIP:
                continue
            size = 4 if b in I32 else 2
            typ = "i4" if size == 4 else "i2"
            mine = oh[:, b - 1:b - 1 + size].copy().view("<" + typ).ravel().astype(np.int64)
            inf = fh[:, b - 1:b - 1 + size].copy().view(e + typ).ravel().astype(np.int64)
            theirs = np.asarray(f.attributes(b)[:], dtype=np.int64)
            d = mine != inf
            if d.any():
                i = int(np.argmax(d))
                fail("header byte %d (%s): %d traces differ from the file's bytes; first: trace %d ours %d, file %d"
                     % (b, k, d.sum(), i + 1, int(mine[i]), int(inf[i])))
            # segyio 1.8.3 misreads 2-byte header fields of little-endian
            # files (trid 1 comes back as 65536, scalco -10 as -589825):
            # there the file's bytes decide.
            if little and size == 2:
                continue
            d = mine != theirs
            if d.any():
                i = int(np.argmax(d))
                fail("header byte %d (%s): %d traces differ from segyio; first: trace %d ours %d, segyio %d"
                     % (b, k, d.sum(), i + 1, int(mine[i]), int(theirs[i])))
            nfield += 1
    print("%s: %d traces x %d samples, %d of them compared with segyio, %d header fields also with segyio: %s"
          % (path, ntr, ns, int(cmpmask.sum()), nfield, "mismatch" if bad else "ok"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
