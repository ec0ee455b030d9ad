#!/usr/bin/python3
"""Writes a synthetic SU stream (little-endian) to standard output for the
I/O benchmark: NTRACES traces of NS samples at 4 ms, a 3D grid of inlines and
crosslines with coordinates, each trace a sparse random reflectivity
convolved with a 25 Hz Ricker wavelet, with amplitude decay and weak noise
(band-limited like real seismic, so compression is not trivially easy).

    gen_su.py NTRACES NS
"""
import sys

import numpy as np


def main():
    ntr, ns = int(sys.argv[1]), int(sys.argv[2])
    rng = np.random.default_rng(1)
    dt = 0.004
    t = (np.arange(101) - 50) * dt
    a = (np.pi * 25.0 * t) ** 2
    ricker = (1 - 2 * a) * np.exp(-a)
    nfft = 1 << int(np.ceil(np.log2(ns + ricker.size)))
    wf = np.fft.rfft(ricker, nfft)
    decay = np.exp(-np.arange(ns) * dt / 1.5).astype(np.float32)
    nxl = 250
    hdr = np.zeros(1, dtype=[
        ("tracl", "<i4"), ("tracr", "<i4"), ("fldr", "<i4"), ("tracf", "<i4"), ("ep", "<i4"),
        ("cdp", "<i4"), ("cdpt", "<i4"), ("pad1", "V8"), ("offset", "<i4"), ("pad2", "V28"),
        ("scalel", "<i2"), ("scalco", "<i2"), ("sx", "<i4"), ("sy", "<i4"), ("gx", "<i4"),
        ("gy", "<i4"), ("pad3", "V26"), ("ns", "<u2"), ("dt", "<u2"), ("pad4", "V62"),
        ("cdpx", "<i4"), ("cdpy", "<i4"), ("iline", "<i4"), ("xline", "<i4"), ("pad5", "V44")])
    assert hdr.dtype.itemsize == 240
    out = sys.stdout.buffer
    block = 1000
    for b0 in range(0, ntr, block):
        n = min(block, ntr - b0)
        refl = np.where(rng.random((n, ns)) < 0.05, rng.normal(0, 1, (n, ns)), 0.0)
        tr = np.fft.irfft(np.fft.rfft(refl, nfft) * wf, nfft)[:, 50:50 + ns]
        tr = (tr * decay * 1000 + rng.normal(0, 2, (n, ns))).astype("<f4")
        h = np.zeros(n, dtype=hdr.dtype)
        idx = np.arange(b0, b0 + n)
        il, xl = 100 + idx // nxl, 1000 + idx % nxl
        h["tracl"] = h["tracr"] = idx + 1
        h["fldr"], h["tracf"], h["cdp"] = il, xl, idx + 1
        h["scalco"] = -100
        h["sx"] = h["gx"] = h["cdpx"] = 60000000 + xl * 2500
        h["sy"] = h["gy"] = h["cdpy"] = 700000000 + il * 2500
        h["iline"], h["xline"] = il, xl
        h["ns"], h["dt"] = ns, 4000
        rec = np.empty((n, 240 + 4 * ns), dtype=np.uint8)
        rec[:, :240] = h.view(np.uint8).reshape(n, 240)
        rec[:, 240:] = tr.view(np.uint8).reshape(n, 4 * ns)
        out.write(rec.tobytes())


if __name__ == "__main__":
    main()
