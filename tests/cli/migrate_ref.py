#!/usr/bin/python3
"""Checks for migrate.bats, written independently of the C code (numpy).

    migrate_ref.py ref IN IMG [key=value...]   migrates IN here (double precision,
        straight from the formulas of notes/kirchhoff.md) at IMG's output
        locations and time axis, and compares with IMG; prints the relative
        error and fails above tol (default 1e-4).  Keys: vel (constant m/s),
        aa (0/1), aal, rho (none|half|first), weights (none|obliquity|
        spreading|both), angle, aperture, dim (2|3), dx, dy, tol
    migrate_ref.py diffractor IMG x[,y] tau     peak within one trace and dt of
        the diffractor, peak / background (outside +-250 m and +-0.2 s) > 20
    migrate_ref.py flat IMG tau x0 x1           reflector phase and amplitude on
        the traces with x0 <= cdpx <= x1: peak within dt/10 (band-limited
        interpolation), side-lobe ratio in [0.85, 1.15], amplitude spread < 2%
    migrate_ref.py dip IMG deg v x0 x1          dipping plane through (3000 m,
        1500 m): slope error < 1%, time error <= dt/10 (band-limited peak)
    migrate_ref.py close A B tol                max |A - B| <= tol max |B|
    migrate_ref.py stack GATHERS STACK noff tol gathers summed over offset = stack
    migrate_ref.py grid IMG x0,dx,nx,y0,dy,ny,az  cdpx/cdpy/iline/xline/tracl of IMG
    migrate_ref.py velsu OUT nt dt T0 t:v,...|V [x0,dx,nx[,shift]]  an SU file of RMS
        velocity traces (little-endian): one, or one per location of the line
        grid with cdpx = x0 + i dx (+ shift metres); SEG-Y when OUT ends in .sgy
    migrate_ref.py nocoords IN OUT              IN with sx sy gx gy cdpx cdpy zeroed
    migrate_ref.py dead IN OUT                  IN with every trace dead (trid 2)
    migrate_ref.py rotate IN OUT DEG            IN with sx sy gx gy turned DEG degrees
        counter-clockwise about the origin (scalco -100)
"""
import struct
import sys

import numpy as np


def read_segy(path):
    with open(path, "rb") as f:
        b = f.read()
    ns = struct.unpack(">H", b[3220:3222])[0]
    fmt = struct.unpack(">H", b[3224:3226])[0]
    assert fmt == 5, "IEEE float SEG-Y expected"
    rec = 240 + 4 * ns
    n = (len(b) - 3600) // rec
    raw = np.frombuffer(b, dtype=np.uint8, offset=3600, count=n * rec).reshape(n, rec)
    hdr = raw[:, :240].copy()
    data = raw[:, 240:].copy().view(">f4").astype(np.float64)

    def i4(byte):
        return hdr[:, byte - 1:byte + 3].copy().view(">i4").ravel().astype(np.float64)

    def i2(byte):
        return hdr[:, byte - 1:byte + 1].copy().view(">i2").ravel().astype(np.float64)

    def scaled(v, s):
        return np.where(s < 0, v / np.where(s < 0, -s, 1), v * np.where(s > 0, s, 1))

    scalco, scalt = i2(71), i2(215)
    h = {k: scaled(i4(p), scalco) for k, p in (("sx", 73), ("sy", 77), ("gx", 81), ("gy", 85),
                                               ("cdpx", 181), ("cdpy", 185))}
    h["delrt"] = scaled(i2(109), scalt) * 1e-3
    for k, p in (("tracl", 1), ("tracr", 5), ("cdp", 21), ("offset", 37), ("iline", 189), ("xline", 193)):
        h[k] = i4(p)
    h["trid"] = i2(29)
    dt = struct.unpack(">H", b[3216:3218])[0] * 1e-6
    return h, data, ns, dt


def rho_filter(x, mode):
    n = len(x)
    if mode == "none":
        return x
    L = 1
    while L < 2 * n:
        L *= 2
    w = 2 * np.pi * np.arange(L) / L
    if mode == "half":
        # The exact anticausal half derivative (-i w)^(1/2), w in (-pi, pi],
        # real at Nyquist.
        ws = np.where(np.arange(L) < L // 2, w, w - 2 * np.pi)
        H = np.sqrt(np.abs(ws) / 2) * (1 - 1j * np.sign(ws))
        H[L // 2] = np.sqrt(np.pi / 2)
    else:
        ws = np.where(np.arange(L) < L // 2, w, w - 2 * np.pi)
        ws[L // 2] = 0
        H = -1j * ws
    return np.real(np.fft.ifft(np.fft.fft(x, L) * H))[:n]


def ref(args):
    inp, img_path = args[0], args[1]
    o = dict(a.split("=", 1) for a in args[2:])
    v = float(o.get("vel", 2000))
    aa = int(o.get("aa", 1))
    aal = float(o.get("aal", 1))
    rho = o.get("rho", "none")
    weights = o.get("weights", "none")
    angle = float(o.get("angle", 60))
    aperture = float(o.get("aperture", 0))
    dim = int(o.get("dim", 2))
    tol = float(o.get("tol", 1e-4))
    h, d, ns, dti = read_segy(inp)
    ih, img, nt, dt = read_segy(img_path)
    t0 = ih["delrt"][0]
    tau = t0 + dt * np.arange(nt)
    X, Y = ih["cdpx"], ih["cdpy"]
    dx = float(o.get("dx", np.hypot(X[1] - X[0], Y[1] - Y[0])))
    dy = float(o.get("dy", dx))
    if dim == 2:
        # Distances along the output line.
        u = np.array([X[-1] - X[0], Y[-1] - Y[0]])
        u /= np.hypot(*u)
        proj = lambda x, y: (x - X[0]) * u[0] + (y - Y[0]) * u[1]
        ox, oy = proj(X, Y), np.zeros_like(X)
        sx, sy, rx, ry = proj(h["sx"], h["sy"]), 0 * h["sx"], proj(h["gx"], h["gy"]), 0 * h["sx"]
    else:
        # The frame of the grid's axes (the antialiasing slope is split
        # along them): u from trace 0 to trace 1, v perpendicular.
        u = np.array([X[1] - X[0], Y[1] - Y[0]])
        u /= np.hypot(*u)
        fu = lambda x, y: (x - X[0]) * u[0] + (y - Y[0]) * u[1]
        fv = lambda x, y: -(x - X[0]) * u[1] + (y - Y[0]) * u[0]
        ox, oy = fu(X, Y), fv(X, Y)
        sx, sy, rx, ry = fu(h["sx"], h["sy"]), fv(h["sx"], h["sy"]), fu(h["gx"], h["gy"]), fv(h["gx"], h["gy"])
    out = np.zeros((len(X), nt))
    KMAX = 64
    tan1 = np.tan(np.radians(angle))
    tan0 = np.tan(np.radians(max(angle - 10, 0)))
    for i in range(len(h["sx"])):
        x = rho_filter(d[i], rho)
        dsx, dsy = sx[i] - ox[:, None], sy[i] - oy[:, None]
        drx, dry = rx[i] - ox[:, None], ry[i] - oy[:, None]
        # 1e-12 s^2 keeps t > 0 at tau = 0 under the source (as the kernel).
        ts = np.sqrt(tau ** 2 / 4 + (dsx ** 2 + dsy ** 2) / v ** 2 + 1e-12)
        tr = np.sqrt(tau ** 2 / 4 + (drx ** 2 + dry ** 2) / v ** 2 + 1e-12)
        t = ts + tr
        f = (t - h["delrt"][i]) / dti
        if aa:
            c = np.cumsum(x)
            S = np.cumsum(c[::-1])[::-1]
            px = (dsx / ts + drx / tr) / v ** 2
            py = (dsy / ts + dry / tr) / v ** 2
            # The half-length kf, not rounded: between whole lengths k and
            # k + 1 the two triangles blend, (1 - b) tri_k + b tri_(k+1).
            kf = aal * (np.abs(px) * dx + (np.abs(py) * dy if dim == 3 else 0)) / dti
            kf = np.minimum(np.maximum(kf.astype(np.float32), 1), KMAX)
            k = np.minimum(np.floor(kf), KMAX - 1)
            b = kf - k

            def Sat(q):
                fl = np.floor(q)
                r = q - fl
                fl = fl.astype(np.int64)

                def g(j):
                    return np.where(j < 0, S[0], np.where(j >= ns, 0.0, S[np.clip(j, 0, ns - 1)]))
                return g(fl) + r * (g(fl + 1) - g(fl))
            val = ((1 - b) * (2 * Sat(f) - Sat(f - k) - Sat(f + k)) / k ** 2 +
                   b * (2 * Sat(f) - Sat(f - k - 1) - Sat(f + k + 1)) / (k + 1) ** 2)
        else:
            fl = np.floor(f)
            r = f - fl
            fl = fl.astype(np.int64)
            xp = np.concatenate([x, [0.0, 0.0]])
            g = lambda j: np.where((j < 0) | (j >= ns), 0.0, xp[np.clip(j, 0, ns)])
            val = g(fl) + r * (g(fl + 1) - g(fl))
        W = np.ones_like(t)
        if weights in ("obliquity", "both"):
            # The mean of the two rays' cosines from the vertical.
            cs, cr = (tau / 2) / ts, (tau / 2) / tr
            W = W * (cs + cr) / 2
        if weights in ("spreading", "both"):
            W = W * (1 / np.sqrt(v * t) if dim == 2 else 1 / (v * t))
        dist = np.hypot((sx[i] + rx[i]) / 2 - ox, (sy[i] + ry[i]) / 2 - oy)[:, None]
        if angle < 90:
            tana = np.where(tau > 0, dist / (v * np.maximum(tau, 1e-30) / 2), np.where(dist > 0, 1e30, 0))
            uu = np.clip((tana - tan0) / (tan1 - tan0), 0, 1)
            W = W * (0.5 + 0.5 * np.cos(np.pi * uu))
        if aperture > 0:
            a0 = 0.9 * aperture
            wa = np.where(dist <= a0, 1.0, 0.5 + 0.5 * np.cos(np.pi * (dist - a0) / (aperture - a0)))
            W = W * np.where(dist > aperture, 0.0, wa)
        out += W * val
    scale = np.abs(out).max()
    err = np.abs(out - img).max() / scale
    rms = np.sqrt(np.mean((out - img) ** 2)) / np.sqrt(np.mean(out ** 2))
    print(f"max error {err:.3g} of the peak, rms error {rms:.3g}")
    return 0 if err <= tol and scale > 0 else 1


def diffractor(args):
    h, img, nt, dt = read_segy(args[0])
    xy = [float(v) for v in args[1].split(",")]
    taud = float(args[2])
    tau = h["delrt"][0] + dt * np.arange(nt)
    pos = np.stack([h["cdpx"], h["cdpy"]], 1)
    i, j = np.unravel_index(np.argmax(img), img.shape)
    spacing = np.sort(np.hypot(*(pos[1:] - pos[:-1]).T))
    spacing = spacing[spacing > 0][0]
    dist = np.hypot(pos[:, 0] - xy[0], pos[:, 1] - (xy[1] if len(xy) > 1 else pos[:, 1]))
    bg = np.abs(img[(dist[:, None] > 250) | (np.abs(tau - taud)[None, :] > 0.2)]).max()
    ratio = img[i, j] / bg
    print(f"peak at ({pos[i, 0]:g}, {pos[i, 1]:g}), tau {tau[j]:.3f}, peak/background {ratio:.1f}")
    ok = dist[i] <= spacing * 1.0001 and abs(tau[j] - taud) <= dt + 1e-9 and ratio > 20
    return 0 if ok else 1


def parabolic_peak(tr, j, up=16):
    """The maximum of trace tr near sample j (fractional sample, value): the
    trace upsampled 16 times through its spectrum (band-limited), then a
    parabola through the top three values."""
    n = len(tr)
    fine = np.fft.irfft(np.fft.rfft(tr, 2 * n), 2 * n * up)[:n * up] * up
    lo = max(1, (j - 2) * up)
    k = lo + int(np.argmax(fine[lo:min((j + 2) * up + 1, n * up - 1)]))
    a, b, c = fine[k - 1], fine[k], fine[k + 1]
    den = a - 2 * b + c
    dd = 0.5 * (a - c) / den if den != 0 else 0
    return (k + dd) / up, b - 0.25 * (a - c) * dd


def flat(args):
    h, img, nt, dt = read_segy(args[0])
    taur, x0, x1 = map(float, args[1:4])
    t0 = h["delrt"][0]
    sel = (h["cdpx"] >= x0) & (h["cdpx"] <= x1)
    worst_t, worst_r, amps = 0, 1, []
    for tr in img[sel]:
        j = int(np.argmax(tr))
        jj, amp = parabolic_peak(tr, j)
        a = j
        while a > 0 and tr[a - 1] < tr[a]:
            a -= 1
        b = j
        while b < nt - 1 and tr[b + 1] < tr[b]:
            b += 1
        r = tr[a] / tr[b]
        worst_r = r if abs(r - 1) > abs(worst_r - 1) else worst_r
        worst_t = max(worst_t, abs(t0 + jj * dt - taur))
        amps.append(amp)
    spread = (max(amps) - min(amps)) / max(amps)
    print(f"{sel.sum()} traces: peak time off by {worst_t * 1e3:.2f} ms, side-lobe ratio {worst_r:.3f}, "
          f"amplitude spread {100 * spread:.2f}%")
    return 0 if worst_t <= dt / 10 and 0.85 <= worst_r <= 1.15 and spread < 0.02 else 1


def dip(args):
    h, img, nt, dt = read_segy(args[0])
    deg, v, x0, x1 = map(float, args[1:5])
    t0 = h["delrt"][0]
    sel = (h["cdpx"] >= x0) & (h["cdpx"] <= x1)
    xs, ts = [], []
    for x, tr in zip(h["cdpx"][sel], img[sel]):
        jj, _ = parabolic_peak(tr, int(np.argmax(tr)))
        xs.append(x)
        ts.append(t0 + jj * dt)
    xs, ts = np.array(xs), np.array(ts)
    want = 2 * (1500 + (xs - 3000) * np.tan(np.radians(deg))) / v
    slope = np.polyfit(xs, ts, 1)[0]
    wslope = 2 * np.tan(np.radians(deg)) / v
    err = abs(slope / wslope - 1)
    worst = np.abs(ts - want).max()
    print(f"dip {deg:g}: slope error {100 * err:.3f}%, worst time error {worst * 1e3:.2f} ms")
    return 0 if err < 0.01 and worst <= dt / 10 else 1


def close(args):
    _, a, _, _ = read_segy(args[0])
    _, b, _, _ = read_segy(args[1])
    tol = float(args[2])
    if a.shape != b.shape:
        print(f"shapes differ: {a.shape} {b.shape}")
        return 1
    e = np.abs(a - b).max() / np.abs(b).max()
    print(f"max difference {e:.3g} of the peak")
    return 0 if e <= tol else 1


def stack(args):
    hg, g, nt, _ = read_segy(args[0])
    hs, s, _, _ = read_segy(args[1])
    noff, tol = int(args[2]), float(args[3])
    gs = g.reshape(-1, noff, nt).sum(1)
    e = np.abs(gs - s).max() / np.abs(s).max()
    offs = hg["offset"].reshape(-1, noff)
    print(f"max difference {e:.3g} of the peak; offsets {offs[0].astype(int).tolist()}")
    same = (hg["cdp"].reshape(-1, noff) == hs["cdp"][:, None]).all()
    return 0 if e <= tol and same else 1


def grid(args):
    h, _, _, _ = read_segy(args[0])
    x0, dx, nx, y0, dy, ny, az = map(float, args[1].split(","))
    nx, ny = int(nx), int(ny)
    a = np.radians(az)
    u = np.array([np.sin(a), np.cos(a)])
    w = np.array([-np.cos(a), np.sin(a)])
    i = np.arange(nx * ny)
    p = np.array([x0, y0])[None, :] + (i % nx)[:, None] * dx * u + (i // nx)[:, None] * dy * w
    ok = (len(h["cdpx"]) == nx * ny and np.abs(h["cdpx"] - p[:, 0]).max() < 0.01
          and np.abs(h["cdpy"] - p[:, 1]).max() < 0.01
          and (h["iline"] == 1 + i // nx).all() and (h["xline"] == 1 + i % nx).all()
          and (h["tracl"] == i + 1).all() and (h["cdp"] == i + 1).all())
    print("grid ok" if ok else f"grid mismatch: {len(h['cdpx'])} traces, first {h['cdpx'][0]}, {h['cdpy'][0]}, "
          f"last {h['cdpx'][-1]}, {h['cdpy'][-1]}")
    return 0 if ok else 1


def velsu(args):
    out, nt, dt, t0 = args[0], int(args[1]), float(args[2]), float(args[3])
    spec = args[4]
    t = t0 + dt * np.arange(nt)
    if ":" in spec:
        tv = np.array([[float(x) for x in p.split(":")] for p in spec.split(",")])
        v = np.interp(t, tv[:, 0], tv[:, 1])
    else:
        v = np.full(nt, float(spec))
    locs = [None]
    if len(args) > 5:
        g = [float(x) for x in args[5].split(",")]
        shift = g[3] if len(g) > 3 else 0.0
        locs = [g[0] + i * g[1] + shift for i in range(int(g[2]))]
    with open(out, "wb") as f:
        if out.endswith(".sgy"):
            # Little-endian SEG-Y, IEEE floats: bytes 181-240 are SEG-Y's
            # (cdpx); in SU they are SU's own fields (d1 f1 ...).
            b = bytearray(b" " * 3200 + bytes(400))
            struct.pack_into("<H", b, 3216, int(round(dt * 1e6)))
            struct.pack_into("<H", b, 3220, nt)
            struct.pack_into("<h", b, 3224, 5)
            f.write(b)
        for i, x in enumerate(locs):
            h = bytearray(240)
            struct.pack_into("<i", h, 0, i + 1)
            struct.pack_into("<h", h, 70, -100)
            if x is not None:
                struct.pack_into("<i", h, 180, int(round(x * 100)))
            struct.pack_into("<h", h, 108, int(round(t0 * 1000)))
            struct.pack_into("<H", h, 114, nt)
            struct.pack_into("<H", h, 116, int(round(dt * 1e6)))
            f.write(h)
            f.write(v.astype("<f4").tobytes())
    return 0


def nocoords(args, dead=False):
    with open(args[0], "rb") as f:
        b = bytearray(f.read())
    ns = struct.unpack(">H", b[3220:3222])[0]
    rec = 240 + 4 * ns
    for o in range(3600, len(b), rec):
        if dead:
            struct.pack_into(">h", b, o + 28, 2)
        else:
            b[o + 72:o + 88] = bytes(16)
            b[o + 180:o + 188] = bytes(8)
    with open(args[1], "wb") as f:
        f.write(b)
    return 0


def rotate(args):
    with open(args[0], "rb") as f:
        b = bytearray(f.read())
    a = np.radians(float(args[2]))
    ns = struct.unpack(">H", b[3220:3222])[0]
    rec = 240 + 4 * ns
    for o in range(3600, len(b), rec):
        sc = struct.unpack(">h", b[o + 70:o + 72])[0]
        f = 1 / -sc if sc < 0 else (sc or 1)
        for px, py in ((72, 76), (80, 84)):
            x = struct.unpack(">i", b[o + px:o + px + 4])[0] * f
            y = struct.unpack(">i", b[o + py:o + py + 4])[0] * f
            xr, yr = x * np.cos(a) - y * np.sin(a), x * np.sin(a) + y * np.cos(a)
            struct.pack_into(">i", b, o + px, int(round(xr * 100)))
            struct.pack_into(">i", b, o + py, int(round(yr * 100)))
        struct.pack_into(">h", b, o + 70, -100)
        b[o + 180:o + 188] = bytes(8)
    with open(args[1], "wb") as f:
        f.write(b)
    return 0


if __name__ == "__main__":
    sys.exit({"ref": ref, "diffractor": diffractor, "flat": flat, "dip": dip, "close": close,
              "stack": stack, "grid": grid, "velsu": velsu, "nocoords": nocoords,
              "dead": lambda a: nocoords(a, True),
              "rotate": rotate}[sys.argv[1]](sys.argv[2:]))
