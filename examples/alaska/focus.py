#!/usr/bin/python3
"""The checks of the Alaska flow: the migrated image against the stack, and
against Seismic Unix's Stolt migration of the same stack.

usage: focus.py STACK IMAGE VEL

Measured below 0.4 s (above it the stack is muted): the kurtosis of the
samples (energy gathered into fewer, stronger samples: diffractions collapse)
and the median correlation of neighbouring traces (lateral coherence).  Passes
when the image's kurtosis is at least 1.12 times the stack's.  Where Seismic
Unix is installed (environment SU: its directory, with bin/), it also runs
sustolt on the stack with the lateral mean of VEL and passes only when the
image correlates with SU's at least 0.90, printing the stack's correlation
with it beside.
"""
import os
import subprocess
import sys

import numpy as np

T0 = 0.4
KURT_BAR = 1.12
CORR_BAR = 0.90


def traces(path, su_bytes=None):
    raw = su_bytes if su_bytes is not None else subprocess.run(
        ["segmerge", "--to", "su", "--endian", "little", path], check=True, capture_output=True).stdout
    ns = int.from_bytes(raw[114:116], "little")
    dt = int.from_bytes(raw[116:118], "little") * 1e-6
    rec = np.frombuffer(raw, np.uint8).reshape(-1, 240 + 4 * ns)
    return rec[:, 240:].copy().view("<f4").reshape(len(rec), ns).astype(np.float64), dt, raw


def kurtosis(a):
    a = a - a.mean()
    return float((a ** 4).mean() / (a ** 2).mean() ** 2)


def coherence(a):
    num = (a[1:] * a[:-1]).sum(1)
    den = np.sqrt((a[1:] ** 2).sum(1) * (a[:-1] ** 2).sum(1))
    return float(np.median(num[den > 0] / den[den > 0]))


def corr(a, b):
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    stack, dt, raw = traces(sys.argv[1])
    image, _, _ = traces(sys.argv[2])
    vel, vdt, _ = traces(sys.argv[3])
    i0 = int(round(T0 / dt))
    s, m = stack[:, i0:], image[:, i0:]
    ks, km = kurtosis(s), kurtosis(m)
    ok = km >= KURT_BAR * ks
    print("  below %g s: kurtosis %.2f -> %.2f (x%.2f, bar x%g), lateral coherence %.3f -> %.3f  %s"
          % (T0, ks, km, km / ks, KURT_BAR, coherence(s), coherence(m), "ok" if ok else "FAILED"))
    su = os.environ.get("SU", "")
    if su and os.path.exists(os.path.join(su, "bin", "sustolt")):
        tv = np.arange(0, (vel.shape[1] - 1) * vdt + 1e-9, 0.25)
        vmean = np.interp(tv, np.arange(vel.shape[1]) * vdt, vel.mean(0))
        cdps = np.frombuffer(raw, np.uint8).reshape(len(stack), -1)[:, 20:24].copy().view("<i4").ravel()
        env = dict(os.environ, CWPROOT=su)
        out = subprocess.run([os.path.join(su, "bin", "sustolt"), "cdpmin=%d" % cdps.min(),
                              "cdpmax=%d" % cdps.max(), "dxcdp=16.76", "smig=0.6",
                              "tmig=" + ",".join("%g" % t for t in tv),
                              "vmig=" + ",".join("%.0f" % v for v in vmean)],
                             input=raw, check=True, capture_output=True, env=env).stdout
        ref = traces(None, out)[0][:, i0:]
        c, c0 = corr(m, ref), corr(s, ref)
        good = c >= CORR_BAR
        ok &= good
        print("  against SU's sustolt (v(t) the lateral mean of the picks, smig=0.6): correlation %.3f"
              " (bar %g; the unmigrated stack: %.3f)  %s" % (c, CORR_BAR, c0, "ok" if good else "FAILED"))
    else:
        print("  Seismic Unix not found (SU=%s): the comparison with sustolt is skipped" % su)
    if not ok:
        sys.exit("focus.py: the image does not pass")


main()
