#!/usr/bin/python3
"""Independent error measure of a regrid output (notes/regrid.md).

Reads FILE (SEG-Y) with segyio, recomputes at every output trace's cdpx,
cdpy (scalco applied) and offset the analytic wavefield the input was
synthesised from (man segsynth: Ricker events; plane waves t = tau +
px (x - x0) + py (y - y0), hyperbolas t = sqrt(tau^2 + |m - c|^2 / v^2), flat
reflectors with moveout t = sqrt(tau^2 + h^2 / v^2)), and prints

    E FILL DEAD

E = sqrt(sum (u_hat - u)^2 / sum u^2) over the traces whose cdpx and cdpy
lie inside --box (all by default), FILL the fraction of live traces there
(trid 1), and DEAD the number of dead traces (trid 2) in the whole file.
"""
import argparse
import math

import numpy as np
import segyio


def ricker(f, t):
    a = (math.pi * f * t) ** 2
    return (1 - 2 * a) * np.exp(-a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('file')
    ap.add_argument('--plane', action='append', default=[], help='tau,px,py,x0,y0')
    ap.add_argument('--hyperbola', action='append', default=[], help='tau,v,x,y')
    ap.add_argument('--reflector', action='append', default=[], help='tau,v')
    ap.add_argument('--hz', type=float, default=25.0)
    ap.add_argument('--box', default=None, help='x0,x1,y0,y1')
    a = ap.parse_args()
    with segyio.open(a.file, ignore_geometry=True) as f:
        dt = segyio.tools.dt(f) * 1e-6
        ns = len(f.samples)
        t = np.arange(ns) * dt
        sc = f.attributes(segyio.TraceField.SourceGroupScalar)[:].astype(float)
        fac = np.where(sc > 0, sc, np.where(sc < 0, -1.0 / np.where(sc == 0, 1, sc), 1.0))
        fac = np.where(sc == 0, 1.0, fac)
        x = f.attributes(segyio.TraceField.CDP_X)[:] * fac
        y = f.attributes(segyio.TraceField.CDP_Y)[:] * fac
        h = np.abs(f.attributes(segyio.TraceField.offset)[:].astype(float))
        trid = f.attributes(segyio.TraceField.TraceIdentificationCode)[:]
        data = f.trace.raw[:]
    box = [float(v) for v in a.box.split(',')] if a.box else None
    num = den = 0.0
    n = live = 0
    for i in range(len(x)):
        if box and not (box[0] <= x[i] <= box[1] and box[2] <= y[i] <= box[3]):
            continue
        u = np.zeros(ns)
        for p in a.plane:
            tau, px, py, x0, y0 = [float(v) for v in p.split(',')]
            u += ricker(a.hz, t - (tau + px * (x[i] - x0) + py * (y[i] - y0)))
        for p in a.hyperbola:
            tau, v, cx, cy = [float(v) for v in p.split(',')]
            r2 = (x[i] - cx) ** 2 + (y[i] - cy) ** 2
            u += ricker(a.hz, t - math.sqrt(tau * tau + r2 / (v * v)))
        for p in a.reflector:
            tau, v = [float(v) for v in p.split(',')]
            u += ricker(a.hz, t - math.sqrt(tau * tau + h[i] * h[i] / (v * v)))
        num += float(np.sum((data[i] - u) ** 2))
        den += float(np.sum(u * u))
        n += 1
        live += int(trid[i] == 1)
    print('%.4f %.4f %d' % (math.sqrt(num / den), live / max(n, 1), int(np.sum(trid == 2))))


main()
