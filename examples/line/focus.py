#!/usr/bin/python3
"""Checks that each diffractor of the model focuses in the migrated image.

usage: focus.py IMAGE x,tau ...

For every diffractor it finds the largest |amplitude| of the image within
150 m and 100 ms of the model position, and reports how far that peak is.
It passes when the peak is within one output bin and two samples.  The
image is read through segkit itself (seginfo for positions, segmerge for
samples), so nothing but numpy is needed.
"""
import subprocess
import sys

import numpy as np


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
    print("  focusing (peak of |image| near each diffractor; pass: within %g m and %g ms):" % (dx, 2e3 * dt))
    for x0, tau in diffs:
        ix = np.where(abs(xs - x0) <= 150)[0]
        it = np.where(abs(t - tau) <= 0.1)[0]
        win = np.abs(data[np.ix_(ix, it)])
        i, j = np.unravel_index(np.argmax(win), win.shape)
        px, pt = xs[ix[i]], t[it[j]]
        good = abs(px - x0) <= dx + 1e-6 and abs(pt - tau) <= 2 * dt + 1e-9
        ok &= good
        print("    diffractor x=%7.1f m tau=%5.3f s -> peak x=%7.1f m t=%5.3f s  (%+6.1f m, %+5.1f ms)  %s"
              % (x0, tau, px, pt, px - x0, 1e3 * (pt - tau), "ok" if good else "MISSED"))
    if not ok:
        print("focus.py: a diffractor did not focus where the model put it", file=sys.stderr)
        sys.exit(1)


main()
