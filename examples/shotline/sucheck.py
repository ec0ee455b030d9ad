#!/usr/bin/python3
"""The shot-line image against Seismic Unix's NMO stack of the same CMP data.

usage: sucheck.py IMAGE CMP VEL

Where Seismic Unix is installed (environment SU: its directory, with bin/),
runs sunmo (the t:v list of the file VEL) and sustack on CMP, averages the
traces of CMPs 20-100 (x = 9.75-49.75 m, full fold) of that stack and of
IMAGE (the grid 0.25,0.5,119: trace j is cdp j) over 0.25-0.70 s, and
correlates the two mean traces at lags of -5..5 samples.  Trace by trace the
two differ (migration moves and smears what the stack leaves in place, and
the stack keeps noise that migration spreads out), but the mean trace is the
flat reflectors' times and phases, which both must agree on.  Passes when the
correlation at zero lag is at least 0.75 and no other lag beats it.
"""
import os
import subprocess
import sys

import numpy as np

CDPS = (20, 100)
WINDOW = (0.25, 0.70)
BAR = 0.75


def su_traces(raw):
    ns = int.from_bytes(raw[114:116], "little")
    dt = int.from_bytes(raw[116:118], "little") * 1e-6
    rec = np.frombuffer(raw, np.uint8).reshape(-1, 240 + 4 * ns)
    cdp = rec[:, 20:24].copy().view("<i4").ravel()
    return rec[:, 240:].copy().view("<f4").reshape(len(rec), ns).astype(np.float64), cdp, dt


def corr(a, b):
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    su = os.environ.get("SU", "")
    if not (su and os.path.exists(os.path.join(su, "bin", "sunmo"))):
        print("  Seismic Unix not found (SU=%s): the comparison with sunmo+sustack is skipped" % su)
        return
    image, cmp_file, vel = sys.argv[1:]
    picks = [p.split(":") for p in open(vel).read().split(",")]
    env = dict(os.environ, CWPROOT=su)
    data = subprocess.run(["segmerge", "--to", "su", "--endian", "little", cmp_file],
                          check=True, capture_output=True).stdout
    nmo = subprocess.run([os.path.join(su, "bin", "sunmo"), "tnmo=" + ",".join(t for t, _ in picks),
                          "vnmo=" + ",".join(v.strip() for _, v in picks)],
                         input=data, check=True, capture_output=True, env=env).stdout
    stack = subprocess.run([os.path.join(su, "bin", "sustack")], input=nmo, check=True,
                           capture_output=True, env=env).stdout
    s, scdp, dt = su_traces(stack)
    m, _, _ = su_traces(subprocess.run(["segmerge", "--to", "su", "--endian", "little", image],
                                       check=True, capture_output=True).stdout)
    i0, i1 = int(round(WINDOW[0] / dt)), int(round(WINDOW[1] / dt))
    sel = (scdp >= CDPS[0]) & (scdp <= CDPS[1])
    ms = s[sel, i0:i1].mean(0)
    mm = m[scdp[sel] - 1, i0:i1].mean(0)
    lags = {k: corr(np.roll(mm, k), ms) for k in range(-5, 6)}
    best = max(lags, key=lags.get)
    ok = lags[0] >= BAR and best == 0
    print("  against SU's sunmo+sustack (the same v(t)), mean trace of CMPs %d-%d, %g-%g s: correlation %.3f,"
          " best at lag %+d (bar %g at lag 0)  %s" % (CDPS + WINDOW + (lags[0], best, BAR, "ok" if ok else "FAILED")))
    if not ok:
        sys.exit("sucheck.py: the image's flat reflectors do not match SU's stack")


main()
