#!/usr/bin/python3
"""Velocity evidence and the check of the shot-line flow, from common-offset
image gathers written by migrate --offsets.

usage: semblance.py pick WINDOWS VEL_OUT cigV.sgk ...   (V: the scan's velocity)
       semblance.py check WINDOW MIN IMAGE_CIG NULL_CIG

Semblance of a window: sum over locations and times of (sum over offsets)^2,
divided by the number of offset bins times the sum of squares.  It is 1 when
every offset bin holds the same image (the velocity flattens the gathers) and
1/nbins on average for incoherent data.

pick: prints the semblance of every scan velocity in every window (t0:t1 in
s, comma-separated), picks the velocity of the largest one per window, and
writes the picks as migrate's t:v list (window centres) to VEL_OUT.  A pick at
either end of the scan is an error: the scan does not bracket the velocity.

check: the flow's gathers against the null gathers (the pairs added instead of
subtracted): passes when the flow's semblance in WINDOW is at least MIN and
the null's is below it.
"""
import re
import subprocess
import sys

import numpy as np


def gathers(path):
    """The gathers of PATH as an array (location, offset bin, time) and dt."""
    info = subprocess.run(["seginfo", "-k", "cdpx,offset", path], check=True,
                          capture_output=True, text=True).stdout.split()
    x = np.array(info[0::2], float)
    nbins = int(np.argmax(x != x[0])) or len(x)
    raw = subprocess.run(["segmerge", "--to", "su", "--endian", "little", path],
                         check=True, capture_output=True).stdout
    ns = int.from_bytes(raw[114:116], "little")
    dt = int.from_bytes(raw[116:118], "little") * 1e-6
    rec = np.frombuffer(raw, np.uint8).reshape(len(x), 240 + 4 * ns)
    data = rec[:, 240:].copy().view("<f4").reshape(len(x) // nbins, nbins, ns)
    return data.astype(np.float64), dt


def semblance(g, dt, t0, t1):
    w = g[:, :, int(round(t0 / dt)):int(round(t1 / dt))]
    return float((w.sum(1) ** 2).sum() / (w.shape[1] * (w ** 2).sum()))


def windows(spec):
    return [tuple(map(float, w.split(":"))) for w in spec.split(",")]


def pick(spec, out, paths):
    wins = windows(spec)
    vels = [float(re.search(r"(\d+(\.\d+)?)\.[a-z]+$", p).group(1)) for p in paths]
    order = np.argsort(vels)
    vels = [vels[i] for i in order]
    table = []
    for i in order:
        g, dt = gathers(paths[i])
        table.append([semblance(g, dt, a, b) for a, b in wins])
    table = np.array(table)
    print("  semblance of the offset gathers (1/%d for noise), by velocity and window:" % g.shape[1])
    print("    v (m/s) " + "".join("  %4.2f-%4.2f s" % w for w in wins))
    best = table.argmax(0)
    for i, v in enumerate(vels):
        print("    %7.0f " % v + "".join("  %7.3f%s    " % (table[i, j], "*" if best[j] == i else " ")
                                        for j in range(len(wins))))
    picks = []
    for j, (a, b) in enumerate(wins):
        if best[j] in (0, len(vels) - 1):
            sys.exit("semblance.py: %g-%g s: the largest semblance is at the end of the scan (%g m/s)"
                     % (a, b, vels[best[j]]))
        picks.append("%g:%g" % ((a + b) / 2, vels[best[j]]))
    with open(out, "w") as f:
        f.write(",".join(picks) + "\n")
    print("  picked v(t): " + ",".join(picks) + " (t s: v m/s, the largest semblance of each window)")


def check(spec, least, image, null):
    (a, b), = windows(spec)
    gi, dt = gathers(image)
    gn, _ = gathers(null)
    si, sn = semblance(gi, dt, a, b), semblance(gn, dt, a, b)
    ok = si >= least > sn
    print("  semblance %g-%g s at the picked v(t): %.3f with the pairs subtracted (SH), %.3f added;"
          " noise 1/%d = %.3f; bar %g: %s" % (a, b, si, sn, gi.shape[1], 1 / gi.shape[1], least,
                                               "ok" if ok else "FAILED"))
    if not ok:
        sys.exit("semblance.py: the SH image is not coherent across offsets")


def main():
    if len(sys.argv) >= 5 and sys.argv[1] == "pick":
        pick(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 6 and sys.argv[1] == "check":
        check(sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit(__doc__.split("\n\n")[1])


main()
