#!/usr/bin/python3
"""Checks that each diffractor of the model focuses in the migrated image.

usage: focus.py IMAGE x,tau ...

For every diffractor it finds the largest |amplitude| of the image within
150 m and 100 ms of the model position, and reports how far that peak is:
in x the output trace, in time the peak of that trace found by band-limited
interpolation (the trace upsampled 16 times through its spectrum, then a
parabola through the top three values).  It passes when the peak is within
one output bin and a quarter sample, and positive (segsynth's diffractions
image zero phase).  The
image is read through segkit itself (seginfo for positions, segmerge for
samples), so nothing but numpy is needed.
"""
import subprocess
import sys

import numpy as np


def peak_time(tr, j, dt, up=16):
    """The time of the maximum of trace tr near sample j, by band-limited
    interpolation."""
    n = len(tr)
    spec = np.fft.rfft(tr)
    fine = np.fft.irfft(spec, n * up) * up
    k = int(np.argmax(fine[max(0, (j - 2) * up):(j + 2) * up + 1])) + max(0, (j - 2) * up)
    a, b, c = fine[k - 1], fine[k], fine[(k + 1) % (n * up)]
    den = a - 2 * b + c
    return (k + (0.5 * (a - c) / den if den != 0 else 0.0)) * dt / up


def main():
    image, diffs = sys.argv[1], [tuple(map(float, d.split(","))) for d in sys.argv[2:]]
    info = subprocess.run(["seginfo", "--json", image], check=True, capture_output=True, text=True).stdout
    ns = int(info.split('"ns": ')[1].split(",")[0])
    dt = float(info.split('"dt": ')[1].split(",")[0]) * 1e-6
    xs = np.loadtxt(subprocess.run(["seginfo", "-k", "cdpx", image], check=True,
                                   capture_output=True, text=True).stdout.splitlines(), ndmin=1)
    raw = subprocess.run(["segmerge", "--to", "su", "--endian", "little", image],
                         check=True, capture_output=True).stdout
    rec = np.frombuffer(raw, dtype=np.uint8).reshape(len(xs), 240 + 4 * ns)
    data = rec[:, 240:].copy().view("<f4").reshape(len(xs), ns)
    dx = abs(xs[1] - xs[0]) if len(xs) > 1 else 1.0
    t = np.arange(ns) * dt
    ok = True
    print("  focusing (peak of |image| near each diffractor; pass: within %g m and %g ms):" % (dx, 0.25e3 * dt))
    for x0, tau in diffs:
        ix = np.where(abs(xs - x0) <= 150)[0]
        it = np.where(abs(t - tau) <= 0.1)[0]
        win = np.abs(data[np.ix_(ix, it)])
        i, j = np.unravel_index(np.argmax(win), win.shape)
        px = xs[ix[i]]
        tr = data[ix[i]].astype(np.float64)
        pt = peak_time(tr, it[j], dt) if tr[it[j]] > 0 else t[it[j]]
        good = abs(px - x0) <= dx + 1e-6 and abs(pt - tau) <= 0.25 * dt and tr[it[j]] > 0
        ok &= good
        print("    diffractor x=%7.1f m tau=%5.3f s -> peak x=%7.1f m t=%6.4f s  (%+6.1f m, %+5.2f ms)  %s"
              % (x0, tau, px, pt, px - x0, 1e3 * (pt - tau), "ok" if good else "MISSED"))
    if not ok:
        print("focus.py: a diffractor did not focus where the model put it", file=sys.stderr)
        sys.exit(1)


main()
