#!/usr/bin/python3
"""Writes the seed corpus of the reader fuzzers (make runs it into
$(O)/fuzz/corpus; nothing it writes is committed):

    tests/fuzz/mkcorpus.py DIR [REAL]

DIR/fuzz_segy: SEG-Y in every sample format and both byte orders, rev 0, 1
and 2 binary headers (byte-order word, extended ns, extra trace headers,
trace count and trailer, first-trace offset), extended textual headers
counted and -1 with an ((SEG: EndText)) stanza in EBCDIC and ASCII, ns only
in the trace header, ns above 32767, a truncated last trace, no traces.
DIR/fuzz_su: SU in both byte orders, dt set and 0.  DIR/fuzz_sgk: sgk
(man 5 sgk) with and without a carried file header, several blocks, a known
and an unknown count, a count smaller than the traces held, blocks shorter
than B, and zstd blocks (compressed by the zstd program).  Each seed is a
few traces of a few samples, so that it fits the fuzzers' input cap
(run.sh, 8 KiB; only the seeds with several extended textual headers are
longer, and are cut there).
REAL, a directory of real files (../shared/data/segy), adds cut-down
copies of them: the file header and the first three traces (SU: traces),
as real-NAME in fuzz_segy and fuzz_su.  They are read, never copied whole.
Every synthetic byte is made here.  The output is the same on every run.
"""
import os
import random
import struct
import subprocess
import sys

RND = random.Random(2)
SIZES = {1: 4, 2: 4, 3: 2, 4: 4, 5: 4, 6: 8, 7: 3, 8: 1, 9: 8, 10: 4, 11: 2, 12: 8, 15: 3, 16: 1}


def text(ebcdic=True):
    # 40 cards of "C nn" and spaces, in EBCDIC (digits F0-F9, C = C3) or ASCII.
    out = bytearray()
    for i in range(40):
        card = "C%2d" % (i + 1)
        if ebcdic:
            b = bytes(0xC3 if c == "C" else 0xF0 + int(c) if c.isdigit() else 0x40 for c in card)
            out += b + bytes([0x40]) * (80 - len(b))
        else:
            out += card.encode("ascii") + b" " * (80 - len(card))
    return bytes(out)


def endtext(ebcdic=True):
    s = "((SEG: EndText))"
    if not ebcdic:
        return s.encode("ascii") + b" " * (3200 - len(s))
    # ( 4D, ) 5D, S E G E2 C5 C7, : 7A, space 40, E n d T e x t.
    m = {"(": 0x4D, ")": 0x5D, "S": 0xE2, "E": 0xC5, "G": 0xC7, ":": 0x7A, " ": 0x40,
         "n": 0x95, "d": 0x84, "T": 0xE3, "e": 0x85, "x": 0xA7, "t": 0xA3}
    return bytes(m[c] for c in s) + bytes([0x40]) * (3200 - len(s))


def sample_bytes(code, little, n):
    e = "<" if little else ">"
    out = bytearray()
    for _ in range(n):
        v = RND.randint(-300, 300)
        if code == 1:
            out += struct.pack(e + "I", RND.getrandbits(32) & 0xC2FFFFFF | 0x40100000)
        elif code == 4:
            out += struct.pack(e + "I", RND.randint(0, 20) << 16 | (v & 0xFFFF))
        elif code in (5, 6):
            out += struct.pack(e + ("f" if code == 5 else "d"), v / 7)
        elif code in (7, 15):
            w = (v if code == 7 else abs(v)) & 0xFFFFFF
            b = w.to_bytes(3, "big")
            out += b[::-1] if little else b
        else:
            f = {2: "i", 3: "h", 8: "b", 9: "q", 10: "I", 11: "H", 12: "Q", 16: "B"}[code]
            if f.isupper():
                v = abs(v) % 256 if f == "B" else abs(v)
            else:
                v = max(-128, min(127, v)) if f == "b" else v
            out += struct.pack(e + f, v)
    return bytes(out)


def segy(code=1, little=False, ns=8, ntr=3, rev=(0, 0), bow=False, ext=0, ext_stanzas=0,
         extra=0, count=0, first=0, ext_ns=0, bin_ns=True, cut=0, ebcdic=True, fixed=1):
    e = "<" if little else ">"
    b = bytearray(400)
    struct.pack_into(e + "iii", b, 0, 1, 2, 3)
    struct.pack_into(e + "hhHHHHh", b, 12, 1, 0, 4000, 4000, ns if bin_ns and not ext_ns else 0, ns, code)
    struct.pack_into(e + "h", b, 54, 1)                          # 3255 measurement system
    if bow:
        struct.pack_into(e + "I", b, 96, 0x01020304)
    if ext_ns:
        struct.pack_into(e + "i", b, 68, ns)                     # 3269
        struct.pack_into(e + "d", b, 72, 4000.0)                 # 3273
    b[300], b[301] = rev
    struct.pack_into(e + "hhh", b, 302, fixed, ext, extra)       # 3503, 3505, 3507
    if count:
        struct.pack_into(e + "Q", b, 312, count)                 # 3513
    if first:
        struct.pack_into(e + "Q", b, 320, first)                 # 3521
    out = bytearray(text(ebcdic) + bytes(b))
    nstz = ext_stanzas if ext_stanzas else max(ext, 0)
    for i in range(nstz):
        out += endtext(ebcdic) if i == nstz - 1 and ext == -1 else text(ebcdic)
    if first:
        out += bytes(first - len(out))
    for t in range(ntr):
        h = bytearray(240 * (1 + extra))
        struct.pack_into(e + "iiii", h, 0, t + 1, t + 1, 7, t + 1)
        struct.pack_into(e + "i", h, 20, 100 + t)                # cdp
        struct.pack_into(e + "i", h, 36, 25 * t)                 # offset
        struct.pack_into(e + "hh", h, 68, -10, -100)             # scalel, scalco
        struct.pack_into(e + "iiii", h, 72, 6201972, 60742329, 6202000, 60742400)
        struct.pack_into(e + "h", h, 108, 4)                     # delrt
        struct.pack_into(e + "HH", h, 114, ns & 0xFFFF, 4000)
        struct.pack_into(e + "ii", h, 180, 6201972, 60742329)    # cdpx, cdpy
        struct.pack_into(e + "ii", h, 188, 111, 875 + t)         # iline, xline
        struct.pack_into(e + "h", h, 214, -10)                   # scalt
        if extra:
            struct.pack_into(e + "QQ", h, 240, t + 1, t + 1)
            struct.pack_into(e + "I", h, 240 + 136, ns)
            h[240 + 232:240 + 240] = b"SEG00001"
        out += h + sample_bytes(code, little, ns)
    if cut:
        out = out[:-cut]
    return bytes(out)


def su(little=False, ns=8, ntr=3, dt=4000):
    e = "<" if little else ">"
    out = bytearray()
    for t in range(ntr):
        h = bytearray(240)
        struct.pack_into(e + "ii", h, 0, t + 1, t + 1)
        struct.pack_into(e + "i", h, 20, 100 + t)
        struct.pack_into(e + "HH", h, 114, ns, dt)
        out += h + sample_bytes(5, little, ns)
    return bytes(out)


def sgk(ns=8, ntr=5, block=2, fhdr=b"", count=True, zstd=False, origin_little=False, declared=None,
        head_block=None, hdrlen=240):
    head = bytearray(64)
    head[0:8] = b"\x89SGK\r\n\x1a\n"
    struct.pack_into("<IIIId", head, 8, 1, 1 if zstd else 0, ns, hdrlen, 4000.0)
    if declared is None:
        declared = ntr if count else -1
    struct.pack_into("<IIqQ", head, 32, head_block or block, 1 | (origin_little << 8), declared, len(fhdr))
    out = bytearray(head) + fhdr
    t = 0
    while t < ntr:
        n = min(block, ntr - t)
        hdrs = bytearray()
        smp = bytearray()
        for i in range(n):
            h = bytearray(hdrlen)
            struct.pack_into(">iiHH", h, 0, t + i + 1, t + i + 1, 0, 0)
            struct.pack_into(">HH", h, 114, ns, 4000)
            hdrs += h
            smp += struct.pack("<%df" % ns, *[RND.uniform(-1, 1) for _ in range(ns)])
        raw = bytes(hdrs + smp)
        if zstd:
            # Byte planes of the samples (man 5 sgk), then one zstd frame.
            planes = b"".join(bytes(smp[b::4]) for b in range(4))
            payload = subprocess.run(["zstd", "-q", "-c", "-3"], input=bytes(hdrs) + planes,
                                     stdout=subprocess.PIPE, check=True).stdout
        else:
            payload = raw
        out += struct.pack("<IIQQ", n, 1 if zstd else 0, len(raw), len(payload)) + payload
        t += n
    out += struct.pack("<IIQQ", 0, 0, 0, 0)
    return bytes(out)


def cut_real(data, su_file):
    """The first three records of a real file, with its file header."""
    if su_file:
        for e in "<>":
            ns = struct.unpack_from(e + "H", data, 114)[0] if len(data) >= 240 else 0
            if ns and len(data) % (240 + 4 * ns) == 0:
                return data[:3 * (240 + 4 * ns)]
        return data[:3 * 240]
    if len(data) < 3600:
        return data
    for e in "><":
        code = struct.unpack_from(e + "h", data, 3224)[0]
        if code in SIZES:
            break
    else:
        return data[:8192]
    ns = struct.unpack_from(e + "H", data, 3220)[0]
    nxt = max(struct.unpack_from(e + "h", data, 3504)[0], 0)
    extra = min(max(struct.unpack_from(e + "h", data, 3506)[0], 0), 4) if data[3500] == 2 else 0
    return data[:min(3600 + 3200 * nxt + 3 * (240 * (1 + extra) + ns * SIZES[code]), 16384)]


def main():
    top = sys.argv[1]
    seeds = {"fuzz_segy": {}, "fuzz_su": {}, "fuzz_sgk": {}}
    s = seeds["fuzz_segy"]
    for code in SIZES:
        for little in (False, True):
            s["fmt%d-%s" % (code, "le" if little else "be")] = segy(code, little, ns=6, ntr=2)
    s["rev1-bow-le"] = segy(3, True, rev=(1, 0), bow=True)
    s["rev1-varlen"] = segy(3, False, rev=(1, 0), fixed=0, ntr=2)
    s["rev2-extra"] = segy(5, False, rev=(2, 0), bow=True, extra=1, count=3)
    s["rev2-extra2-le"] = segy(6, True, rev=(2, 1), bow=True, extra=2, ns=3, ntr=2)
    s["rev2-count-trailer"] = segy(1, False, rev=(2, 0), count=2, ntr=3)
    s["rev2-extns"] = segy(2, False, rev=(2, 0), ext_ns=True, ns=5)
    s["rev2-first"] = segy(8, False, rev=(2, 0), first=3800)
    s["rev2-ext1-le"] = segy(16, True, rev=(2, 0), bow=True, ext=1, ns=4, ntr=2)
    s["ext2"] = segy(1, False, ext=2, ntr=2)
    s["ext-minus1"] = segy(1, False, rev=(1, 0), ext=-1, ext_stanzas=1, ntr=2)
    s["ext-minus1-2"] = segy(1, False, rev=(1, 0), ext=-1, ext_stanzas=2, ntr=1)
    s["ext-minus1-ascii"] = segy(1, True, rev=(1, 0), ext=-1, ext_stanzas=1, ebcdic=False, ntr=2)
    s["ns-in-trace"] = segy(1, False, bin_ns=False)
    s["ns-33000-int8"] = segy(8, False, ns=33000, ntr=1)
    s["truncated"] = segy(1, False, cut=5)
    s["notraces"] = segy(1, False, ntr=0)
    s = seeds["fuzz_su"]
    s["su-be"] = su(False)
    s["su-le"] = su(True)
    s["su-dt0"] = su(False, dt=0, ns=3, ntr=4)
    s["su-one"] = su(True, ns=1, ntr=1)
    s["su-cut"] = su(True, ns=5, ntr=3)[:-7]
    s = seeds["fuzz_sgk"]
    fh = segy(1, False, ntr=0)
    s["sgk-plain"] = sgk()
    s["sgk-fhdr"] = sgk(fhdr=fh, origin_little=True)
    s["sgk-pipe"] = sgk(count=False, block=3)
    s["sgk-zstd"] = sgk(zstd=True)
    s["sgk-zstd-fhdr"] = sgk(zstd=True, fhdr=fh, count=False, block=4, ntr=9)
    s["sgk-empty"] = sgk(ntr=0)
    s["sgk-extra"] = sgk(hdrlen=480, ns=3, ntr=3)
    # Declares fewer traces than it holds: a seek to the declared end must not
    # read on (found by fuzz_sgk).
    s["sgk-count-short"] = sgk(ntr=5, block=2, declared=4)
    # Blocks of 2 traces in a stream that says B = 4: a seek must not read
    # past the block it loads (found by fuzz_sgk).
    s["sgk-short-blocks"] = sgk(ntr=7, block=2, head_block=4)
    if len(sys.argv) > 2 and os.path.isdir(sys.argv[2]):
        real = sys.argv[2]
        for sub in ("", "multiformats"):
            d = os.path.join(real, sub)
            if not os.path.isdir(d):
                continue
            for f in sorted(os.listdir(d)):
                if not f.endswith((".sgy", ".su")):
                    continue
                with open(os.path.join(d, f), "rb") as fp:
                    data = fp.read()
                kind = "fuzz_su" if f.endswith(".su") else "fuzz_segy"
                seeds[kind]["real-" + f.rsplit(".", 1)[0]] = cut_real(data, kind == "fuzz_su")
    for name, files in seeds.items():
        d = os.path.join(top, name)
        os.makedirs(d, exist_ok=True)
        for f, data in files.items():
            with open(os.path.join(d, f), "wb") as out:
                out.write(data)


if __name__ == "__main__":
    main()
