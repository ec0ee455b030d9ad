#!/usr/bin/python3
"""Independent check of a segsynth output file.

Reads FILE (SEG-Y or SU, as written by segsynth), recomputes the geometry,
headers and samples from the documented formulas (man segsynth) with numpy,
and compares: every header of every trace exactly, and every sample of
--check N randomly chosen traces to float rounding.  Takes the same model
options as segsynth (the subset the tests use).  Prints "ok N traces" or the
first mismatches, exit status 1 on a mismatch.
"""
import argparse
import math
import sys

import numpy as np

M64 = (1 << 64) - 1


def mix(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def rbase(seed, stream, i):
    return mix(mix(seed ^ ((stream * 0xD1B54A32D192ED03) & M64)) ^ i)


def ru(base, k):
    return (mix(base ^ k) >> 11) * 2.0 ** -53


def rnd(v):
    return math.floor(v + 0.5)


def items(spec):
    parts = spec.split(',')
    if all('=' in p for p in parts):
        return {p.split('=')[0]: float(p.split('=')[1]) for p in parts}
    return [float(p) for p in parts]


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument('file')
    ap.add_argument('--check', type=int, default=20)
    ap.add_argument('--to', default='segy')
    ap.add_argument('--endian')
    ap.add_argument('--line')
    ap.add_argument('--survey')
    ap.add_argument('--random', type=int)
    ap.add_argument('--jitter')
    ap.add_argument('--area')
    ap.add_argument('--pairs', action='store_true')
    ap.add_argument('--offsets')
    ap.add_argument('--spread', default='split')
    ap.add_argument('--near', type=float)
    ap.add_argument('--bin')
    ap.add_argument('--nt', type=int, default=1001)
    ap.add_argument('--dt', type=float, default=0.004)
    ap.add_argument('--vel', default='2000')
    ap.add_argument('--wavelet', default='ricker:25')
    ap.add_argument('--amplitude', default='unit')
    ap.add_argument('--diffraction', default='auto')
    ap.add_argument('--noise', type=float, default=0)
    ap.add_argument('--seed', type=int, default=1)
    for k in ('diffractor', 'reflector', 'plane', 'hyperbola'):
        ap.add_argument('--' + k, action='append', default=[])
    return ap.parse_args()


class Vel:
    def __init__(self, spec):
        if ':' in spec:
            pairs = [p.split(':') for p in spec.split(',')]
            self.t = np.array([float(a) for a, b in pairs])
            self.v = np.array([float(b) for a, b in pairs])
        else:
            self.t = np.array([0.0])
            self.v = np.array([float(spec)])

    def __call__(self, t):
        return float(np.interp(t, self.t, self.v))


def geometry(a):
    """Yields per trace: s, r, shot, chan; and returns bin layout + scalco."""
    tr = []
    if a.line:
        v = items(a.line)
        if isinstance(v, dict):
            v = [v['shots'], v['shot_spacing'], v['channels'], v['receiver_spacing'], v.get('x0', 0.0)]
        ns_, ds, nc, dr = int(v[0]), v[1], int(v[2]), v[3]
        x0 = v[4] if len(v) > 4 else 0.0
        near = a.near if a.near is not None else (-(nc - 1) * dr / 2 if a.spread == 'split' else 0.0)
        for i in range(ns_):
            for j in range(nc):
                sx = x0 + i * ds
                tr.append(((sx, 0.0), (sx + near + j * dr, 0.0), i + 1, j + 1))
        bdx = float(a.bin.split(',')[0]) if a.bin else dr / 2
        b = dict(kind='line', bx0=x0 + near / 2, by0=0.0, bdx=bdx, bdy=1.0)
        xs = [t[0][0] for t in tr] + [t[1][0] for t in tr]
        b['nbx'] = rnd((max((s[0] + r[0]) / 2 for s, r, _, _ in tr) - b['bx0']) / bdx) + 1
        b['nby'] = 1
        vals = [x0, ds, dr / 2, near / 2, x0 + near / 2, min(xs), max(xs)]
        b['scalco'] = scalco_exact(vals)
    elif a.survey:
        v = [float(x) for x in a.survey.split(',')]
        nsl, dsl, nsp, dsp, nrl, drl, nrp, drp = v[:8]
        sx0, sy0, rx0, ry0 = v[8:12] if len(v) > 8 else (0.0, 0.0, 0.0, 0.0)
        shot = 0
        for i in range(int(nsl)):
            for j in range(int(nsp)):
                shot += 1
                ch = 0
                for k in range(int(nrl)):
                    for m in range(int(nrp)):
                        ch += 1
                        tr.append(((sx0 + i * dsl, sy0 + j * dsp), (rx0 + m * drp, ry0 + k * drl), shot, ch))
        bd = [float(x) for x in a.bin.split(',')] if a.bin else [drp / 2, dsp / 2]
        if len(bd) == 1:
            bd = bd * 2
        b = dict(kind='ortho', bx0=(sx0 + rx0) / 2, by0=(sy0 + ry0) / 2, bdx=bd[0], bdy=bd[1])
        mx1 = (sx0 + (nsl - 1) * dsl + rx0 + (nrp - 1) * drp) / 2
        my1 = (sy0 + (nsp - 1) * dsp + ry0 + (nrl - 1) * drl) / 2
        b['nbx'] = rnd((mx1 - b['bx0']) / bd[0]) + 1
        b['nby'] = rnd((my1 - b['by0']) / bd[1]) + 1
        b['scalco'] = scalco_exact([sx0, sy0, rx0, ry0, dsl, dsp, drl, drp, dsl / 2, dsp / 2, drl / 2, drp / 2,
                                    (sx0 + rx0) / 2, (sy0 + ry0) / 2])
    else:
        ax0, ax1, ay0, ay1 = [float(x) for x in a.area.split(',')]
        w, h = ax1 - ax0, ay1 - ay0
        omin = omax = 0.0
        if a.offsets:
            o = [float(x) for x in a.offsets.split(',')]
            omin, omax = o[0], o[-1]
        # The finest power-of-ten resolution (up to 0.1 mm) whose scaled
        # extremes fit in 32 bits.
        ext = max(abs(ax0 - omax / 2), abs(ax1 + omax / 2), abs(ay0 - omax / 2), abs(ay1 + omax / 2))
        sc = 1
        for k in range(5):
            if ext * 10 ** k <= 2147483647:
                sc = -(10 ** k) if k else 1
        q = 1.0 / 10 ** (len(str(-sc)) - 1) if sc != 1 else 1.0
        if a.jitter:
            jx, jy = [int(x) for x in a.jitter.split(',')]
            n = jx * jy
        else:
            n = a.random
        for i in range(n):
            bs = rbase(a.seed, 1, i)
            qq = lambda v: math.floor(v / (2 * q) + 0.5) * (2 * q)
            if a.pairs:
                s = (qq(ax0 + ru(bs, 0) * w), qq(ay0 + ru(bs, 1) * h))
                r = (qq(ax0 + ru(bs, 2) * w), qq(ay0 + ru(bs, 3) * h))
            else:
                if a.jitter:
                    cx, cy = i % jx, i // jx
                    mx = ax0 + (cx + ru(bs, 0)) * w / jx
                    my = ay0 + (cy + ru(bs, 1)) * h / jy
                else:
                    mx = ax0 + ru(bs, 0) * w
                    my = ay0 + ru(bs, 1) * h
                if omax > 0:
                    off = omin + ru(bs, 2) * (omax - omin)
                    az = 2 * math.pi * ru(bs, 3)
                    hx, hy = off / 2 * math.sin(az), off / 2 * math.cos(az)
                    s = (qq(mx - hx), qq(my - hy))
                    r = (qq(mx + hx), qq(my + hy))
                else:
                    s = r = (qq(mx), qq(my))
            tr.append((s, r, i + 1, 1))
        if a.bin:
            bd = [float(x) for x in a.bin.split(',')]
            bdx, bdy = bd[0], bd[-1]
        else:
            if a.jitter:
                nbx, nby = jx, jy
            elif w > 0 and h > 0:
                nbx = max(1, rnd(math.sqrt(n * w / h)))
                nby = max(1, rnd(n / nbx))
            else:
                nbx = n if w > 0 else 1
                nby = n if h > 0 else 1
            bdx = w / nbx if w > 0 else 1.0
            bdy = h / nby if h > 0 else 1.0
        b = dict(kind='random', bx0=ax0 + bdx / 2, by0=ay0 + bdy / 2, bdx=bdx, bdy=bdy,
                 nbx=max(1, math.ceil(w / bdx)), nby=max(1, math.ceil(h / bdy)), scalco=sc)
    return tr, b


def scalco_exact(vals):
    for sc, f in ((1, 1), (-10, 10), (-100, 100), (-1000, 1000), (-10000, 10000)):
        if all(abs(v * f - round(v * f)) < 1e-6 for v in vals):
            return sc
    return -10000


def ricker(f, t):
    a = (math.pi * f * t) ** 2
    return (1 - 2 * a) * np.exp(-a)


def diffraction(f, p, t):
    """The Ricker wavelet's causal fractional derivative of order p, over
    (2 pi f)^p, at times t (array, s), straight from its definition in the
    frequency domain: (1/pi) int_0^inf omega^p W(omega) cos(omega t + p pi/2)
    domega (time dependence exp(-i omega t); (-i omega)^p is causal), W the
    Ricker's spectrum sqrt(pi) omega^2 / (2 a^(3/2)) exp(-omega^2 / (4 a)),
    a = (pi f)^2.  The trapezoidal rule over an even integrand that decays
    like exp(-omega^2/4a) (in s = sqrt(omega) for p = 1/2) converges
    geometrically once its step resolves the oscillation."""
    t = np.asarray(t, dtype=np.float64)
    a = (math.pi * f) ** 2
    wmax = math.sqrt(4 * a * 45)
    half = p != int(p)
    top = math.sqrt(wmax) if half else wmax
    tmax = float(np.abs(t).max()) if t.size else 0.0
    # The integrand's highest frequency in x, plus its envelope's width.
    band = 2 * top * tmax + 10 / (4 * a) ** 0.25 if half else tmax + 10 / math.sqrt(a)
    h = 1.0 / band
    x = np.arange(0, top + h, h)
    om = x * x if half else x
    W = math.sqrt(math.pi) * om ** 2 / (2 * a ** 1.5) * np.exp(-om ** 2 / (4 * a))
    g = om ** p * W * (2 * x if half else 1.0)
    wts = np.full(len(x), h)
    wts[0] = h / 2
    out = np.empty(t.shape)
    for i0 in range(0, t.size, 256):
        tt = t.ravel()[i0:i0 + 256]
        out.ravel()[i0:i0 + 256] = (np.cos(np.outer(tt, om) + p * math.pi / 2) * (g * wts)).sum(1) / math.pi
    return out / (2 * math.pi * f) ** p


def diffraction_dim(a):
    if a.diffraction != 'auto':
        return a.diffraction
    if a.line:
        return '2d'
    if a.survey:
        return '3d'
    ax0, ax1, ay0, ay1 = [float(x) for x in a.area.split(',')]
    offs = [float(x) for x in a.offsets.split(',')] if a.offsets else [0.0]
    return '2d' if (ax0 == ax1 or ay0 == ay1) and (a.pairs or offs[-1] <= 0) else '3d'


def events(a, vel):
    ev = []
    for spec in a.diffractor:
        p = items(spec)
        if isinstance(p, list):
            p = dict(zip(['x', 'tau'] if len(p) == 2 else ['x', 'y', 'tau'], p))
        ev.append(('d', p))
    for spec in a.reflector:
        p = items(spec)
        if isinstance(p, list):
            p = {'tau': p[0]}
        ev.append(('r', p))
    for spec in a.plane:
        p = items(spec)
        if isinstance(p, list):
            p = dict(zip(['tau', 'px', 'py'], p))
        ev.append(('p', p))
    for spec in a.hyperbola:
        p = items(spec)
        if isinstance(p, list):
            p = dict(zip(['tau', 'v', 'x', 'y'], p))
        ev.append(('h', p))
    return ev


def traveltime(kind, p, s, r, vel):
    """Returns (t, v) or None."""
    if kind == 'd':
        v = vel(p['tau'])
        px, py = p['x'], p.get('y', 0.0)
        ts = math.sqrt(p['tau'] ** 2 / 4 + ((s[0] - px) ** 2 + (s[1] - py) ** 2) / v ** 2)
        tr = math.sqrt(p['tau'] ** 2 / 4 + ((r[0] - px) ** 2 + (r[1] - py) ** 2) / v ** 2)
        return ts + tr, v
    if kind == 'r' and 'tau' in p:
        v = vel(p['tau'])
        return math.sqrt(p['tau'] ** 2 + ((r[0] - s[0]) ** 2 + (r[1] - s[1]) ** 2) / v ** 2), v
    if kind == 'r':
        v = vel(0.0)
        dip, az = math.radians(p.get('dip', 0.0)), math.radians(p.get('az', 90.0))
        x0, y0, z0 = p.get('x', 0.0), p.get('y', 0.0), p['z']
        # Depth of the plane below each end; the event exists when both ends
        # are above it.  Mirror the source through the plane.
        depth = lambda q: z0 + math.tan(dip) * ((q[0] - x0) * math.sin(az) + (q[1] - y0) * math.cos(az))
        if depth(s) < 0 or depth(r) < 0:
            return None
        n = np.array([-math.sin(dip) * math.sin(az), -math.sin(dip) * math.cos(az), math.cos(dip)])
        d = n @ np.array([x0, y0, z0])
        S = np.array([s[0], s[1], 0.0])
        Sm = S - 2 * (n @ S - d) * n
        return float(np.linalg.norm(np.array([r[0], r[1], 0.0]) - Sm)) / v, v
    if kind == 'p':
        mx, my = (s[0] + r[0]) / 2, (s[1] + r[1]) / 2
        return p['tau'] + p['px'] * (mx - p.get('x', 0.0)) + p.get('py', 0.0) * (my - p.get('y', 0.0)), 0.0
    if kind == 'h':
        v = p['v'] if 'v' in p else vel(p['tau'])
        mx, my = (s[0] + r[0]) / 2 - p['x'], (s[1] + r[1]) / 2 - p.get('y', 0.0)
        return math.sqrt(p['tau'] ** 2 + (mx * mx + my * my) / v ** 2), v


def clean_trace(a, ev, vel, s, r):
    t = np.arange(a.nt) * a.dt
    out = np.zeros(a.nt)
    for kind, p in ev:
        tv = traveltime(kind, p, s, r, vel)
        if tv is None:
            continue
        T, v = tv
        amp = p.get('amp', 1.0)
        form = diffraction_dim(a) if kind == 'd' and a.wavelet != 'spike' else 'wavelet'
        if form != 'wavelet':
            c = p['tau'] / T if T > 0 else 1.0
            amp *= c ** 1.5 if form == '2d' else c ** 2
        elif a.amplitude == 'spreading' and kind != 'p' and T > 0:
            amp = amp / (v * T)
        if form != 'wavelet':
            f = float(a.wavelet.split(':')[1])
            out += amp * diffraction(f, 0.5 if form == '2d' else 1.0, t - T)
        elif a.wavelet == 'spike':
            k = math.floor(T / a.dt + 0.5)
            if 0 <= k < a.nt:
                out[k] += amp
        else:
            out += amp * ricker(float(a.wavelet.split(':')[1]), t - T)
    return out


def noise(a, i, sigma):
    bs = rbase(a.seed, 2, i)
    z = np.zeros(a.nt)
    for j in range(0, a.nt, 2):
        u1, u2 = ru(bs, j), ru(bs, j + 1)
        rho = math.sqrt(-2 * math.log(1 - u1))
        z[j] = rho * math.cos(2 * math.pi * u2)
        if j + 1 < a.nt:
            z[j + 1] = rho * math.sin(2 * math.pi * u2)
    return sigma * z


def read(a):
    raw = open(a.file, 'rb').read()
    su = a.to == 'su'
    little = a.endian == 'little' or (su and a.endian != 'big')
    e = '<' if little else '>'
    off = 0 if su else 3600
    recl = 240 + 4 * a.nt
    n = (len(raw) - off) // recl
    if (len(raw) - off) % recl:
        raise SystemExit('file size is not a whole number of traces')
    rec = np.frombuffer(raw, dtype=np.uint8, count=n * recl, offset=off).reshape(n, recl)
    hdr = rec[:, :240].copy()
    data = rec[:, 240:].copy().view(e + 'f4').reshape(n, a.nt)
    return hdr, data, e


def field(hdr, byte, size, e):
    col = hdr[:, byte - 1:byte - 1 + size].copy()
    return col.view(e + ('i4' if size == 4 else 'i2')).ravel().astype(np.int64)


def main():
    a = parse()
    vel = Vel(a.vel)
    tr, b = geometry(a)
    ev = events(a, vel)
    hdr, data, e = read(a)
    bad = []
    if len(tr) != len(hdr):
        print(f'trace count {len(hdr)}, expected {len(tr)}')
        return 1
    fac = 10.0 ** (len(str(-b['scalco'])) - 1) if b['scalco'] != 1 else 1.0
    exp = {k: [] for k in ('tracl', 'tracr', 'fldr', 'tracf', 'ep', 'cdp', 'cdpt', 'trid', 'offset', 'scalco',
                           'sx', 'sy', 'gx', 'gy', 'counit', 'ns', 'dt', 'cdpx', 'cdpy', 'iline', 'xline')}
    fold = {}
    for i, (s, r, shot, chan) in enumerate(tr):
        mx, my = (s[0] + r[0]) / 2, (s[1] + r[1]) / 2
        ix = min(max(math.floor((mx - b['bx0']) / b['bdx'] + 0.5), 0), b['nbx'] - 1)
        iy = min(max(math.floor((my - b['by0']) / b['bdy'] + 0.5), 0), b['nby'] - 1)
        cdp = iy * b['nbx'] + ix + 1
        fold[cdp] = fold.get(cdp, 0) + 1
        off = r[0] - s[0] if b['kind'] == 'line' else math.hypot(r[0] - s[0], r[1] - s[1])
        for k, v in (('tracl', i + 1), ('tracr', i + 1), ('fldr', shot), ('tracf', chan), ('ep', shot),
                     ('cdp', cdp), ('cdpt', fold[cdp]), ('trid', 1), ('offset', math.floor(off + 0.5)),
                     ('scalco', b['scalco']), ('sx', s[0]), ('sy', s[1]), ('gx', r[0]), ('gy', r[1]),
                     ('counit', 1), ('ns', a.nt), ('dt', rnd(a.dt * 1e6)), ('cdpx', mx), ('cdpy', my),
                     ('iline', iy + 1 if b['kind'] != 'line' else 0),
                     ('xline', ix + 1 if b['kind'] != 'line' else 0)):
            exp[k].append(v)
    pos = dict(tracl=(1, 4), tracr=(5, 4), fldr=(9, 4), tracf=(13, 4), ep=(17, 4), cdp=(21, 4), cdpt=(25, 4),
               trid=(29, 2), offset=(37, 4), scalco=(71, 2), sx=(73, 4), sy=(77, 4), gx=(81, 4), gy=(85, 4),
               counit=(89, 2), ns=(115, 2), dt=(117, 2), cdpx=(181, 4), cdpy=(185, 4), iline=(189, 4),
               xline=(193, 4))
    for k, (byte, size) in pos.items():
        if (a.to == 'su') and byte > 180:
            got = field(hdr, byte, size, e)
            if got.any():
                bad.append(f'{k}: SU output should leave bytes 181-240 zero')
            continue
        got = field(hdr, byte, size, e)
        if k in ('sx', 'sy', 'gx', 'gy', 'cdpx', 'cdpy'):
            # Coordinates after scalco must equal the geometry.
            gotv = got * (1.0 / fac)
            want = np.array(exp[k])
            if not np.all(np.abs(gotv - want) <= 1e-9 * np.maximum(1, np.abs(want))):
                i = int(np.argmax(np.abs(gotv - want)))
                bad.append(f'{k}: trace {i + 1}: {gotv[i]!r} != {want[i]!r}')
        else:
            want = np.array(exp[k], dtype=np.int64)
            if k == 'ns' and a.nt > 65535:
                continue
            if not np.array_equal(got, want):
                i = int(np.argmax(got != want))
                bad.append(f'{k}: trace {i + 1}: {got[i]} != {want[i]}')
    sigma = 0.0
    if a.noise > 0:
        ss = sum(float(np.sum(clean_trace(a, ev, vel, s, r) ** 2)) for s, r, _, _ in tr)
        sigma = math.sqrt(ss / (len(tr) * a.nt)) / a.noise
    rng = np.random.default_rng(12345)
    pick = sorted(set(rng.integers(0, len(tr), size=min(a.check, len(tr))).tolist()) | {0, len(tr) - 1})
    worst = 0.0
    for i in pick:
        s, r = tr[i][0], tr[i][1]
        want = clean_trace(a, ev, vel, s, r)
        if sigma > 0:
            want = want + noise(a, i, sigma)
        want32 = want.astype(np.float32).astype(np.float64)
        got = data[i].astype(np.float64)
        scale = max(1e-30, float(np.max(np.abs(want))))
        err = float(np.max(np.abs(got - want32))) / scale
        worst = max(worst, err)
        if err > 4e-7:
            j = int(np.argmax(np.abs(got - want32)))
            bad.append(f'samples: trace {i + 1} sample {j}: {got[j]!r} != {want32[j]!r}')
    if bad:
        print('\n'.join(bad[:20]))
        return 1
    print(f'ok {len(tr)} traces, {len(pick)} checked, worst relative error {worst:.2e}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
