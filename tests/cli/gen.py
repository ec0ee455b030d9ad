#!/usr/bin/python3
"""Small synthetic inputs for formats.bats.

    gen.py ibm OUT [little]   a SEG-Y file in IBM float (format 1) holding the
                              test vectors of notes/segy.md and 20000 random
                              words (a fixed seed), non-normalised ones among
                              them; big-endian unless "little"
    gen.py fmt4 OUT [little]  a SEG-Y file in format 4 (fixed point with gain)
                              with random gains 0-60 and mantissas
    gen.py feed FILE          copies FILE to standard output in chunks of
                              1-997 bytes (a fixed seed), flushing each and
                              yielding the CPU (sleep(0)) between them
"""
import random
import signal
import struct
import sys
import time

# notes/segy.md, "Test vectors".
VECTORS = [0x41100000, 0xC1100000, 0x42640000, 0xC276A000, 0x40800000, 0x3F100000, 0x46800000,
           0x40199999, 0x4019999A, 0x60FFFFFF, 0x61100000, 0x7FFFFFFF, 0x00100000, 0x21100000,
           0x21300000, 0x22100000, 0x41000001, 0x41080000, 0x42010000, 0x40000000, 0x80000000,
           0xFFFFFFFF, 0xC0000000, 0x3DCCCCCD]


def segy(out, little, code, words, ns):
    ntr = len(words) // ns
    e = "<" if little else ">"
    text = bytes([0x40]) * 3200          # EBCDIC spaces
    binh = bytearray(400)
    struct.pack_into(e + "hhh", binh, 16, 4000, 4000, ns)   # 3217 dt, 3219 dt orig, 3221 ns
    struct.pack_into(e + "h", binh, 22, ns)                 # 3223 ns orig
    struct.pack_into(e + "h", binh, 24, code)               # 3225 format
    with open(out, "wb") as f:
        f.write(text + bytes(binh))
        for t in range(ntr):
            h = bytearray(240)
            struct.pack_into(e + "ii", h, 0, t + 1, t + 1)      # tracl, tracr
            struct.pack_into(e + "i", h, 20, 1000 + t)          # cdp
            struct.pack_into(e + "HH", h, 114, ns, 4000)        # ns, dt
            f.write(bytes(h))
            f.write(struct.pack(e + "%dI" % ns, *words[t * ns:(t + 1) * ns]))


def ibm(out, little):
    rnd = random.Random(20261121)
    words = VECTORS + [rnd.getrandbits(32) for _ in range(20000 - len(VECTORS))]
    # One word in eight non-normalised (top fraction digit 0), whatever the draw.
    for i in range(len(VECTORS), len(words), 8):
        words[i] &= 0xFF0FFFFF
    segy(out, little, 1, words, 1000)


def fmt4(out, little):
    rnd = random.Random(4)
    words = [0, 0x0000FFFF, 0x00007FFF, 0x00008000, 0x000F0001, 0x003C8000]
    words += [rnd.randint(0, 60) << 16 | rnd.getrandbits(16) for _ in range(256 - len(words))]
    segy(out, little, 4, words, 64)


def feed(path):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # a reader that stops is no error here
    rnd = random.Random(997)
    out = sys.stdout.buffer
    with open(path, "rb") as f:
        data = f.read()
    i = 0
    while i < len(data):
        n = rnd.randint(1, 997)
        out.write(data[i:i + n])
        out.flush()
        time.sleep(0)
        i += n


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "ibm":
        ibm(sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == "little")
    elif len(sys.argv) >= 3 and sys.argv[1] == "fmt4":
        fmt4(sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == "little")
    elif len(sys.argv) == 3 and sys.argv[1] == "feed":
        feed(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
