#!/usr/bin/python3
"""PNG checks for segplot's tests, with zlib and struct only.

  segplot_png.py size FILE            prints "W H" from the IHDR chunk
  segplot_png.py pixel FILE X Y       prints the pixel as rrggbb
  segplot_png.py dark FILE            prints the bounding box "x0 y0 x1 y1" of
                                      pixels darker than 0x40 inside the image
  segplot_png.py svgtext FILE CLASS   prints "X<tab>TEXT" for each SVG text element
                                      of that class, in document order
  segplot_png.py peaks FILE X0 Y0 W H NCOL NROW C,R ...
                                      for each data cell C,R (0-based) of a
                                      data area at X0,Y0 of W x H pixels split
                                      in NCOL x NROW cells, counts the cells
                                      within 4 columns and 10 rows whose
                                      centre pixel is at the end of the
                                      diverging scale (ff0000 or 0000ff) and
                                      prints "C,R saturated N"
  segplot_png.py spike FILE N NS K I  writes an SU file (little-endian, dt
                                      4000 us) of N traces of NS zero samples
                                      but sample I of trace K (0-based) = 3
"""
import struct
import sys
import zlib


def chunks(data):
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG signature'
    p = 8
    while p < len(data):
        n, = struct.unpack('>I', data[p:p + 4])
        kind = data[p + 4:p + 8]
        body = data[p + 8:p + 8 + n]
        crc, = struct.unpack('>I', data[p + 8 + n:p + 12 + n])
        assert zlib.crc32(kind + body) & 0xffffffff == crc, 'bad CRC'
        yield kind, body
        p += 12 + n


def decode(path):
    data = open(path, 'rb').read()
    idat = b''
    for kind, body in chunks(data):
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
    assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, p = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[p]
        line = bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    if cmd == 'size':
        for kind, body in chunks(open(path, 'rb').read()):
            if kind == b'IHDR':
                print(*struct.unpack('>II', body[:8]))
                return
    if cmd == 'spike':
        n, ns, k, i = map(int, sys.argv[3:7])
        with open(path, 'wb') as f:
            for t in range(n):
                h = bytearray(240)
                struct.pack_into('<i', h, 0, t + 1)
                struct.pack_into('<i', h, 36, 10 * t)
                struct.pack_into('<H', h, 114, ns)
                struct.pack_into('<H', h, 116, 4000)
                s = [0.0] * ns
                if t == k:
                    s[i] = 3.0
                f.write(bytes(h) + struct.pack('<%df' % ns, *s))
        return
    if cmd == 'svgtext':
        import re
        import xml.etree.ElementTree as E
        for t in E.parse(path).getroot().iter('{http://www.w3.org/2000/svg}text'):
            if t.get('class') == sys.argv[3]:
                x = float(re.match(r'translate\(([-0-9.]+) ', t.get('transform')).group(1))
                print('%g\t%s' % (x, t.text))
        return
    w, h, bpp, rows = decode(path)
    if cmd == 'peaks':
        x0, y0, ww, hh = map(float, sys.argv[3:7])
        nc, nr = int(sys.argv[7]), int(sys.argv[8])
        for cr in sys.argv[9:]:
            c, r = map(int, cr.split(','))
            n = 0
            for j in range(max(0, c - 4), min(nc, c + 5)):
                for i in range(max(0, r - 10), min(nr, r + 11)):
                    x, y = int(x0 + (j + 0.5) * ww / nc), int(y0 + (i + 0.5) * hh / nr)
                    px = tuple(rows[y][bpp * x:bpp * x + 3])
                    n += px in ((255, 0, 0), (0, 0, 255))
            print('%d,%d saturated %d' % (c, r, n))
        return
    if cmd == 'pixel':
        x, y = int(sys.argv[3]), int(sys.argv[4])
        print('%02x%02x%02x' % tuple(rows[y][bpp * x:bpp * x + 3]))
    elif cmd == 'dark':
        pts = [(x, y) for y in range(h) for x in range(w) if max(rows[y][bpp * x:bpp * x + 3]) < 0x40]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        print(min(xs), min(ys), max(xs), max(ys))


if __name__ == '__main__':
    main()
