#!/usr/bin/env python3
"""The independent answer for segsplit --sort KEYS of an SU file.

Reads an SU file (240-byte headers, IEEE float samples, ns from bytes
115-116) in the byte order given, cuts it into pieces as segsplit(1) says
(--parts N: part k holds traces floor(k T / N) to floor((k + 1) T / N) - 1,
an empty part gives no file and no gap in the numbers; --count N: N traces a
piece; --key K --group G: G gathers a piece, a gather being a run of equal
values of K), sorts each piece stably by the
keys (ties keep their input order, as segsplit(1) and DESIGN.md say: the
sort of Python's sorted() is stable), and writes DIR/part-NNNNNN.su in the
output byte order.  With --whole FILE it also writes the whole input sorted
stably by the keys: what segmerge --key of the pieces must give (its merge
is stable: on equal keys the earlier piece first).

Byte order: a field is reversed as a whole, by its width in Seismic Unix's
segy.h (bytes 1-28 seven 4-byte ints, 29-36 four shorts, 37-68 eight ints,
69-72 two shorts, 73-88 four ints, 89-180 46 shorts, 181-208 six floats and
ntr, 209-240 mark, shortpad and 14 shorts); samples 4 bytes each.

Only unscaled integer keys are known here (a key with a scalar would need
its scaled value): tracl tracr fldr tracf ep cdp cdpt offset trid ns dt;
"-key" sorts that key descending.

usage: sortref.py (--parts N | --count N | --key K --group G) --keys K1[,-K2...]
                  --in-endian big|little --out-endian big|little [--whole FILE] IN.su DIR
"""
import argparse
import array
import os
import struct
import sys

# name: (0-based offset, width); every field is a signed integer.
KEYS = {
    "tracl": (0, 4), "tracr": (4, 4), "fldr": (8, 4), "tracf": (12, 4),
    "ep": (16, 4), "cdp": (20, 4), "cdpt": (24, 4), "trid": (28, 2),
    "offset": (36, 4), "ns": (114, 2), "dt": (116, 2),
}


def su_fields():
    """(offset, width) of every field of an SU header, in order."""
    f = [(4 * i, 4) for i in range(7)]            # tracl .. cdpt
    f += [(28 + 2 * i, 2) for i in range(4)]      # trid nvs nhs duse
    f += [(36 + 4 * i, 4) for i in range(8)]      # offset .. gwdep
    f += [(68, 2), (70, 2)]                       # scalel scalco
    f += [(72 + 4 * i, 4) for i in range(4)]      # sx sy gx gy
    f += [(88 + 2 * i, 2) for i in range(46)]     # counit .. otrav
    f += [(180 + 4 * i, 4) for i in range(7)]     # d1 f1 d2 f2 ungpow unscale ntr
    f += [(208 + 2 * i, 2) for i in range(16)]    # mark shortpad unass[14]
    assert sum(w for _, w in f) == 240 and f[-1][0] + f[-1][1] == 240
    return f


FIELDS = su_fields()


def swap_record(rec, ns):
    out = bytearray(rec[:240])
    for off, w in FIELDS:
        out[off:off + w] = rec[off:off + w][::-1]
    samples = array.array("I")
    assert samples.itemsize == 4
    samples.frombytes(rec[240:240 + 4 * ns])
    samples.byteswap()
    return bytes(out) + samples.tobytes()


def main():
    ap = argparse.ArgumentParser()
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--parts", type=int)
    mode.add_argument("--count", type=int)
    mode.add_argument("--key")
    ap.add_argument("--group", type=int, default=1)
    ap.add_argument("--keys", required=True)
    ap.add_argument("--in-endian", choices=("big", "little"), required=True)
    ap.add_argument("--out-endian", choices=("big", "little"), required=True)
    ap.add_argument("--whole")
    ap.add_argument("src")
    ap.add_argument("dir")
    a = ap.parse_args()

    e = ">" if a.in_endian == "big" else "<"
    data = open(a.src, "rb").read()
    ns = struct.unpack_from(e + "h", data, 114)[0]
    rl = 240 + 4 * ns
    if ns <= 0 or len(data) % rl:
        sys.exit("sortref.py: %s: %d bytes is not a whole number of %d-byte records" % (a.src, len(data), rl))
    recs = [data[i:i + rl] for i in range(0, len(data), rl)]

    def parse(text):
        keys = []
        for k in text.split(","):
            name = k.lstrip("-")
            if name not in KEYS:
                sys.exit("sortref.py: key '%s' is not one this reference knows" % name)
            off, w = KEYS[name]
            keys.append((off, e + ("i" if w == 4 else "h"), -1 if k.startswith("-") else 1))
        return lambda rec: tuple(s * struct.unpack_from(fmt, rec, off)[0] for off, fmt, s in keys)

    key = parse(a.keys)

    def out(recs_sorted):
        if a.in_endian == a.out_endian:
            return b"".join(recs_sorted)
        return b"".join(swap_record(r, ns) for r in recs_sorted)

    total = len(recs)
    if a.parts:
        cuts = [k * total // a.parts for k in range(a.parts + 1)]
    elif a.count:
        cuts = list(range(0, total, a.count)) + [total]
    else:
        gather = parse(a.key)
        starts = [i for i in range(total) if i == 0 or gather(recs[i]) != gather(recs[i - 1])]
        cuts = starts[::a.group] + [total]
    os.makedirs(a.dir, exist_ok=True)
    num = 0
    for lo, hi in zip(cuts, cuts[1:]):
        if hi == lo:
            continue
        num += 1
        with open(os.path.join(a.dir, "part-%06d.su" % num), "wb") as f:
            f.write(out(sorted(recs[lo:hi], key=key)))
    if a.whole:
        with open(a.whole, "wb") as f:
            f.write(out(sorted(recs, key=key)))


if __name__ == "__main__":
    main()
