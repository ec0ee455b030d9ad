#!/usr/bin/python3
"""Checks for phase.bats (events on time, zero phase), independent of the C code (numpy).

    phase_ref.py event IMG x[,y] tau [tol_samples tol_degrees]
        the trace of IMG nearest (x, y): the event near tau (within 0.1 s) must
        peak on time within tol_samples (default 0.1) and be zero phase within
        tol_degrees (default 10).  Time: the peak of the envelope (phase
        free), found by band-limited interpolation (the analytic signal
        upsampled 16 times through its spectrum, then a parabola through the
        top three values).  Phase: the analytic signal's angle there.
    phase_ref.py flat IMG tau x0 x1 [tol_samples tol_degrees]
        the same on every trace with x0 <= cdpx <= x1; prints the worst
    phase_ref.py linesum LINE.yaml SUM REFL tau v f dx x0 x1 tol
        LINE.yaml: writes the events of a line of 2-D diffractors every dx
        metres on [x0, x1] (cosine-tapered over the outer quarter) with
        amplitude dx / rF, rF = (v/2) sqrt(tau/f), which by segsynth(1) sum to
        the unit reflector; then (when SUM and REFL exist) checks that the
        survey SUM of them equals the survey REFL of the reflector within tol
        of its peak on every trace
    phase_ref.py surfsum AREA.yaml SUM REFL tau v f d c0 c1 tol   the 3-D form: a
        grid every d metres on [c0, c1]^2, amplitude d^2 / rF^2
    phase_ref.py data OUT KIND [key=value...]   writes IEEE big-endian SEG-Y built
        here, not by segsynth.  KIND diff2d: a 2-D line (shots, ds, chans, dr;
        split spread from x 0), a point diffractor at (x, tau), each trace the
        causal half-derivative of the Ricker by FFT ((i omega)^(1/2) in numpy's
        sign convention) on the double-square-root time with 1/sqrt(T)
        spreading, checked for causality (nothing 0.15 s before the arrival
        above 1e-6 of the peak); refl2d: the zero-phase Ricker on the
        hyperbola of a flat reflector at tau; diff3d: an orthogonal grid of
        coincident sources and receivers every d metres (n x n), the first
        derivative with 1/T spreading; refl3d: that grid, the zero-phase
        Ricker at tau (a flat reflector).  Keys: v, f, nt, dt, x, y, tau, shots,
        ds, chans, dr, n, d
"""
import math
import struct
import sys

import numpy as np

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from migrate_ref import read_segy  # noqa: E402


def analytic(tr):
    n = len(tr)
    X = np.fft.fft(tr)
    h = np.zeros(n)
    h[0] = 1
    if n % 2 == 0:
        h[n // 2] = 1
        h[1:n // 2] = 2
    else:
        h[1:(n + 1) // 2] = 2
    return np.fft.ifft(X * h)


def measure(tr, t0, dt, tau, up=16):
    """Envelope-peak time (s) and phase (degrees) of the event near tau."""
    n = len(tr)
    m = 1
    while m < 2 * n:
        m *= 2
    a = analytic(np.concatenate([tr, np.zeros(m - n)]))
    # Band-limited upsampling of the analytic signal.
    A = np.fft.fft(a)
    B = np.zeros(m * up, dtype=complex)
    B[:m // 2] = A[:m // 2]
    B[-m // 2:] = A[-m // 2:]
    fine = np.fft.ifft(B) * up
    tf = t0 + dt * np.arange(m * up) / up
    sel = np.where(np.abs(tf - tau) <= 0.1)[0]
    env = np.abs(fine)
    k = sel[np.argmax(env[sel])]
    y0, y1, y2 = env[k - 1], env[k], env[k + 1]
    den = y0 - 2 * y1 + y2
    d = 0.5 * (y0 - y2) / den if den != 0 else 0.0
    # The phase at the interpolated peak: the angle interpolated the same way.
    step = np.angle(fine[k + 1] / fine[k]) if d > 0 else np.angle(fine[k] / fine[k - 1])
    ph = np.angle(fine[k] * np.exp(1j * d * step))
    return tf[k] + d * dt / up, math.degrees(ph)


def event(args):
    h, img, nt, dt = read_segy(args[0])
    xy = [float(v) for v in args[1].split(",")]
    tau = float(args[2])
    tol_s = float(args[3]) if len(args) > 3 else 0.1
    tol_d = float(args[4]) if len(args) > 4 else 10.0
    dist = np.hypot(h["cdpx"] - xy[0], h["cdpy"] - (xy[1] if len(xy) > 1 else h["cdpy"]))
    i = int(np.argmin(dist))
    t, ph = measure(img[i], h["delrt"][i], dt, tau)
    off = (t - tau) / dt
    print(f"trace at ({h['cdpx'][i]:g}, {h['cdpy'][i]:g}): event at {t:.5f} s, {off:+.3f} samples, "
          f"phase {ph:+.1f} degrees")
    return 0 if abs(off) <= tol_s and abs(ph) <= tol_d else 1


def flat(args):
    h, img, nt, dt = read_segy(args[0])
    tau, x0, x1 = map(float, args[1:4])
    tol_s = float(args[4]) if len(args) > 4 else 0.1
    tol_d = float(args[5]) if len(args) > 5 else 10.0
    sel = np.where((h["cdpx"] >= x0) & (h["cdpx"] <= x1))[0]
    offs, phs = [], []
    for i in sel:
        t, ph = measure(img[i], h["delrt"][i], dt, tau)
        offs.append((t - tau) / dt)
        phs.append(ph)
    offs, phs = np.array(offs), np.array(phs)
    wo, wp = offs[np.argmax(np.abs(offs))], phs[np.argmax(np.abs(phs))]
    print(f"{len(sel)} traces: worst time {wo:+.3f} samples (mean {offs.mean():+.3f}), "
          f"worst phase {wp:+.1f} degrees (mean {phs.mean():+.1f})")
    return 0 if len(sel) and abs(wo) <= tol_s and abs(wp) <= tol_d else 1


def taper(d, half, edge):
    return np.where(d > half - edge, 0.5 + 0.5 * np.cos(np.pi * (d - (half - edge)) / edge), 1.0)


def compare(sum_path, refl_path, tol):
    try:
        _, a, _, _ = read_segy(sum_path)
        _, b, _, _ = read_segy(refl_path)
    except FileNotFoundError:
        return 0
    err = np.abs(a - b).max(1) / np.abs(b).max()
    print(f"{len(err)} traces: the sum differs from the reflector by {err.max():.4f} of its peak at most "
          f"(trace {int(np.argmax(err)) + 1}), {err.min():.4f} at least")
    return 0 if err.max() <= tol else 1


def linesum(args):
    yaml, sum_path, refl_path = args[:3]
    tau, v, f, dx, x0, x1, tol = map(float, args[3:10])
    rf = v / 2 * math.sqrt(tau / f)
    xs = np.arange(x0, x1 + dx / 2, dx)
    c, half = (x0 + x1) / 2, (x1 - x0) / 2
    w = taper(np.abs(xs - c), half, half / 4)
    with open(yaml, "w") as fh:
        fh.write("events:\n")
        for x, a in zip(xs, w):
            fh.write(f"  - diffractor: x={x:g},tau={tau:g},amp={a * dx / rf:.17g}\n")
    return compare(sum_path, refl_path, tol)


def surfsum(args):
    yaml, sum_path, refl_path = args[:3]
    tau, v, f, d, c0, c1, tol = map(float, args[3:10])
    rf = v / 2 * math.sqrt(tau / f)
    xs = np.arange(c0, c1 + d / 2, d)
    c, half = (c0 + c1) / 2, (c1 - c0) / 2
    w = taper(np.abs(xs - c), half, half / 4)
    with open(yaml, "w") as fh:
        fh.write("events:\n")
        for x, wx in zip(xs, w):
            for y, wy in zip(xs, w):
                fh.write(f"  - diffractor: x={x:g},y={y:g},tau={tau:g},amp={wx * wy * d * d / rf ** 2:.17g}\n")
    return compare(sum_path, refl_path, tol)


def write_segy(path, traces, nt, dt):
    """traces: list of (sx, sy, gx, gy, samples)."""
    with open(path, "wb") as f:
        b = bytearray(b" " * 3200 + bytes(400))
        struct.pack_into(">H", b, 3216, int(round(dt * 1e6)))
        struct.pack_into(">H", b, 3220, nt)
        struct.pack_into(">h", b, 3224, 5)
        struct.pack_into(">h", b, 3500, 0x0100)
        struct.pack_into(">h", b, 3502, 1)
        f.write(b)
        for i, (sx, sy, gx, gy, x) in enumerate(traces):
            h = bytearray(240)
            struct.pack_into(">i", h, 0, i + 1)
            struct.pack_into(">i", h, 4, i + 1)
            struct.pack_into(">h", h, 28, 1)
            struct.pack_into(">i", h, 36, int(round(math.hypot(gx - sx, gy - sy))))
            struct.pack_into(">h", h, 70, -100)
            for k, val in enumerate((sx, sy, gx, gy)):
                struct.pack_into(">i", h, 72 + 4 * k, int(round(val * 100)))
            struct.pack_into(">H", h, 114, nt)
            struct.pack_into(">H", h, 116, int(round(dt * 1e6)))
            f.write(h)
            f.write(np.asarray(x, dtype=">f4").tobytes())


def ricker_spectrum(f, om):
    """The Ricker's spectrum (zero phase, real): sqrt(pi) om^2 / (2 a^1.5) exp(-om^2 / 4a)."""
    a = (math.pi * f) ** 2
    return math.sqrt(math.pi) * om ** 2 / (2 * a ** 1.5) * np.exp(-om ** 2 / (4 * a))


def fft_event(nt, dt, f, T, p):
    """The Ricker's causal derivative of order p over (2 pi f)^p, delayed by T, on
    nt samples: synthesised from its spectrum on a grid 8 times longer."""
    m = 8 * nt
    om = 2 * math.pi * np.fft.rfftfreq(m, dt)
    # numpy's fft is sum x e^{-i omega t}: d/dt is +i omega, a delay e^{-i omega T}.
    spec = (1j * om) ** p * ricker_spectrum(f, om) * np.exp(-1j * om * T) / (2 * math.pi * f) ** p
    x = np.fft.irfft(spec / dt, m)
    return x[:nt], x


def data(args):
    out, kind = args[0], args[1]
    o = {k: float(v) for k, v in (a.split("=", 1) for a in args[2:])}
    v, f, nt, dt = o.get("v", 2000.0), o.get("f", 25.0), int(o.get("nt", 501)), o.get("dt", 0.004)
    x0, y0, tau = o.get("x", 0.0), o.get("y", 0.0), o.get("tau", 1.0)
    traces = []
    if kind in ("diff2d", "refl2d"):
        shots, ds = int(o.get("shots", 41)), o.get("ds", 50.0)
        chans, dr = int(o.get("chans", 61)), o.get("dr", 25.0)
        pairs = [(i * ds, i * ds + (c - (chans - 1) / 2) * dr) for i in range(shots) for c in range(chans)]
        pairs = [((s, 0.0), (r, 0.0)) for s, r in pairs]
    else:
        n, d = int(o.get("n", 21)), o.get("d", 25.0)
        pairs = [((i * d, j * d), (i * d, j * d)) for j in range(n) for i in range(n)]
    t = dt * np.arange(nt)
    for s, r in pairs:
        if kind in ("refl2d", "refl3d"):
            T = math.sqrt(tau ** 2 + ((r[0] - s[0]) ** 2 + (r[1] - s[1]) ** 2) / v ** 2)
            a = (math.pi * f * (t - T)) ** 2
            x = (1 - 2 * a) * np.exp(-a)
        else:
            T = (math.sqrt(tau ** 2 / 4 + ((s[0] - x0) ** 2 + (s[1] - y0) ** 2) / v ** 2)
                 + math.sqrt(tau ** 2 / 4 + ((r[0] - x0) ** 2 + (r[1] - y0) ** 2) / v ** 2))
            p = 0.5 if kind == "diff2d" else 1.0
            x, full = fft_event(nt, dt, f, T, p)
            # Causal: nothing well before the arrival (the Ricker's own
            # Gaussian tail aside), on the whole synthesis period.
            tt = dt * np.arange(len(full))
            early = np.abs(full[tt < T - 0.15])
            if early.size and early.max() > 1e-6 * np.abs(full).max():
                print(f"not causal: {early.max():.3g} before the arrival")
                return 1
            x = x * ((tau / T) ** 1.5 if kind == "diff2d" else (tau / T) ** 2)
        traces.append((s[0], s[1], r[0], r[1], x))
    write_segy(out, traces, nt, dt)
    return 0


if __name__ == "__main__":
    sys.exit({"event": event, "flat": flat, "linesum": linesum, "surfsum": surfsum,
              "data": data}[sys.argv[1]](sys.argv[2:]))
