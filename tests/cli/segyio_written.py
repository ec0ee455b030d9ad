#!/usr/bin/python3
"""Reads a SEG-Y file that segkit wrote with python3-segyio and compares it
with segkit's own reading of it, or of the file it was made from.

    segyio_written.py WRITTEN ENDIAN [SOURCE]

WRITTEN is opened by segyio (ENDIAN: big or little); SOURCE (default
WRITTEN) is read by segkit, which must be on PATH:
- the textual header and each extended one, line by line, as `seginfo -t`
  prints them ('?' where segkit has no ASCII for an EBCDIC code, as 0x6A,
  which segyio shows as '|');
- every binary header field both name (`seginfo -b`), by byte; segyio 1.8.3
  reads the rev 2 bytes 3501-3502 as one 2-byte field;
- every trace header key of `seginfo -l` but SU's float aliases, raw
  (`seginfo -k @BYTE:TYPE,...`), of every trace;
- every sample, bitwise: segyio's float32 against segkit's decoding, the
  records of `segmerge --to segy --format ieee --endian little SOURCE`.
Prints one summary line; exit 1 with the first mismatches on stderr.
Run one file per process: segyio aborts the process on some inputs.
"""
import subprocess
import sys

import numpy as np
import segyio


def seg(*args):
    return subprocess.run(args, check=True, capture_output=True).stdout


def main():
    path, endian = sys.argv[1], sys.argv[2]
    src = sys.argv[3] if len(sys.argv) > 3 else path
    bad = []

    def fail(msg):
        bad.append(msg)

    with segyio.open(path, ignore_geometry=True, endian=endian) as f:
        n, ns, next_ = f.tracecount, len(f.samples), f.ext_headers
        # Textual headers: the first and each extended one.
        ours = seg('seginfo', '-t', src).decode('latin-1').split('\n')
        for k in range(next_ + 1):
            t = f.text[k].decode('latin-1')
            for i in range(40):
                a = ours[40 * k + i].rstrip() if 40 * k + i < len(ours) else ''
                b = t[80 * i:80 * i + 80].rstrip()
                same = len(a) == len(b) and all(x == y or (x == '?' and (y == '|' or ord(y) > 126))
                                                for x, y in zip(a, b))
                if not same:
                    fail('text %d line %d: %r, segyio %r' % (k, i + 1, a, b))
        # Binary header, by byte.
        binf = {}
        for line in seg('seginfo', '-b', src).decode().splitlines():
            name, byte, val = line.split()[:3]
            binf[int(byte)] = (name, int(val))
        if 3501 in binf:
            mj, mn = binf[3501][1], binf.get(3502, ('', 0))[1]
            binf[3501] = ('rev', mj * 256 + mn if endian == 'big' else mj + 256 * mn)
        nb = 0
        for field, val in f.bin.items():
            if int(field) in binf:
                nb += 1
                if binf[int(field)][1] != val:
                    fail('binary %s (byte %d): %d, segyio %d' % (binf[int(field)][0], int(field),
                                                                  binf[int(field)][1], val))
        # Trace headers, raw.
        keys = [line.split('\t') for line in seg('seginfo', '-l').decode().splitlines()]
        keys = [(k[0], int(k[1]), k[2]) for k in keys if k[-1] != 'su' and k[2] != 'f4']
        rows = seg('seginfo', '-k', ','.join('@%d:%s' % (b, t) for _, b, t in keys), src).decode().splitlines()
        if len(rows) != n:
            fail('%d traces, segyio %d' % (len(rows), n))
        nk = 0
        for i, row in enumerate(rows[:n]):
            h = f.header[i]
            for (name, b, t), v in zip(keys, row.split('\t')):
                if b not in h:
                    continue
                sv = h[b] + (65536 if t == 'u2' and h[b] < 0 else 0)
                nk += 1
                if int(v) != sv:
                    fail('trace %d %s (byte %d): %s, segyio %d' % (i + 1, name, b, v, sv))
        # Samples, bitwise.
        dump = seg('segmerge', '--to', 'segy', '--format', 'ieee', '--endian', 'little', src)
        rec = np.frombuffer(dump, dtype=np.uint8, offset=3600 + 3200 * next_)
        if rec.size != n * (240 + 4 * ns):
            fail('%d bytes of trace records, segyio %d traces of %d samples' % (rec.size, n, ns))
        else:
            ourv = rec.reshape(n, 240 + 4 * ns)[:, 240:].copy().view('<u4')
            theirs = segyio.tools.collect(f.trace[:]).astype('<f4').reshape(n, ns).view('<u4')
            d = np.argwhere(ourv != theirs)
            if len(d):
                i, j = d[0]
                fail('%d of %d samples differ, first trace %d sample %d: %r, segyio %r' %
                     (len(d), ourv.size, i + 1, j + 1, ourv[i, j:j + 1].view('<f4')[0],
                      theirs[i, j:j + 1].view('<f4')[0]))
    print('%s: %d extended headers, %d traces, %d binary fields, %d header values, %d samples: %s' %
          (path, next_, n, nb, nk, n * ns, 'mismatch' if bad else 'the same'))
    for m in bad[:10]:
        print('%s: %s' % (path, m), file=sys.stderr)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
