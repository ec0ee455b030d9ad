#!/usr/bin/python3
"""Interleaved timings for the bench scripts, with their spread.

    timeit.py ROUNDS NAME=CMD ... [-- A/B ...]

Runs every CMD (a /bin/sh command line) once per round, in turns (round 1:
all of them, round 2: all of them, ...), after one unmeasured warm-up run
each, so that a change in the machine's load falls on all of them alike.
Each run is timed by wall clock (around fork and wait) and by CPU (user +
sys from wait4, the command's threads and its waited-for children).  The
shell started for each command costs the same for all (its own figure:
the line `sh`, `:` run the same way).

Prints one line a command:
    time NAME WALL_MEDIAN WALL_MIN WALL_MAX CPU_MEDIAN SPREAD
(seconds; SPREAD is the interquartile range of the wall times over their
median) and one line a ratio A/B asked for after `--`:
    ratio A/B MEDIAN LOW HIGH CPU_MEDIAN
where each round gives the ratio of B's wall time to A's (how many times
faster A ran than B; above 1, A is faster): MEDIAN is the median of the
rounds' ratios, LOW and HIGH their quartiles, CPU_MEDIAN the median of the
rounds' CPU ratios.  A command that fails stops the benchmark (exit 1).
"""
import os
import subprocess
import sys
import time


def run(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(["/bin/sh", "-c", cmd])
    _, status, ru = os.wait4(p.pid, 0)
    t1 = time.perf_counter()
    p.returncode = 0  # reaped here; keeps Popen from waiting again
    if status != 0:
        sys.exit("timeit.py: failed (status %d): %s" % (status, cmd))
    return t1 - t0, ru.ru_utime + ru.ru_stime


def quartiles(v):
    s = sorted(v)
    n = len(s)

    def at(q):
        x = q * (n - 1)
        i = int(x)
        j = min(i + 1, n - 1)
        return s[i] + (s[j] - s[i]) * (x - i)
    return at(0.25), at(0.5), at(0.75)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    rounds = int(argv[1])
    cmds, pairs, i = [("sh", ":")], [], 2
    while i < len(argv) and argv[i] != "--":
        name, _, cmd = argv[i].partition("=")
        if not cmd:
            sys.exit("timeit.py: expected NAME=CMD: %s" % argv[i])
        cmds.append((name, cmd))
        i += 1
    pairs = [a.split("/") for a in argv[i + 1:]]
    wall = {n: [] for n, _ in cmds}
    cpu = {n: [] for n, _ in cmds}
    for n, c in cmds:
        run(c)
    for _ in range(rounds):
        for n, c in cmds:
            w, u = run(c)
            wall[n].append(w)
            cpu[n].append(u)
    for n, _ in cmds:
        q1, med, q3 = quartiles(wall[n])
        print("time %s %.4f %.4f %.4f %.4f %.3f" % (n, med, min(wall[n]), max(wall[n]),
                                                   quartiles(cpu[n])[1], (q3 - q1) / med))
    for a, b in pairs:
        r = [wb / wa for wa, wb in zip(wall[a], wall[b])]
        rc = [cb / ca if ca > 0 else float("inf") for ca, cb in zip(cpu[a], cpu[b])]
        q1, med, q3 = quartiles(r)
        print("ratio %s/%s %.3f %.3f %.3f %.3f" % (a, b, med, q1, q3, quartiles(rc)[1]))


if __name__ == "__main__":
    main(sys.argv)
