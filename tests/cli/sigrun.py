#!/usr/bin/env python3
"""Interrupts a command at a chosen moment, as a user's Ctrl-C, kill or hang-up does.

usage: sigrun.py SIGNAL MODE [--in SHELLCMD] [--reset SHELLCMD] [--ignore SIG] [--watch DIR]... -- COMMAND [ARG...]

Starts COMMAND with SIGINT, SIGTERM and SIGHUP at their default disposition
(a background job of a non-interactive shell starts with SIGINT ignored), or
with --ignore SIG ignored (as nohup starts it with SIGHUP), its standard input
the output of SHELLCMD when given.  MODE says when to stop it:
  early     a random moment in the first 0.3 s, before the output is
            committed (a temporary seen earlier must still be there);
  mid       a random 0-20 ms after a temporary file (a name starting with '.')
            appears in one of the watched directories, while it is there:
            mid-write.
The command is stopped (SIGSTOP) at that moment, then sent SIGNAL and
continued, so the signal lands exactly there, before the command has begun
to rename its output into place.  A command that ends before its
moment comes is run again (up to 10 times), after the --reset command puts
back what that run changed: early then draws its delay from the first 80% of
the time the command ran (a fast command ended before a delay halved five
times from 0.3 s came: segsynth's 35 ms, 1 run in about 30 of make check),
mid halves its delay.  When no run could be stopped, each run's reason is
printed.
Prints "STATUS SEEN": the shell's exit status of the command (128+n when a
signal killed it) and 1 if a temporary existed when it was stopped.
"""
import os
import random
import signal
import subprocess
import sys
import time


IGNORE = []


def default_signals():
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_IGN if s in IGNORE else signal.SIG_DFL)


def temporaries(dirs):
    n = 0
    for d in dirs:
        try:
            n += sum(1 for e in os.listdir(d) if e.startswith('.'))
        except FileNotFoundError:
            pass
    return n


def targets(dirs):
    """The files other than temporaries, by name, with their inodes."""
    t = {}
    for d in dirs:
        try:
            for e in os.scandir(d):
                if not e.name.startswith('.') and e.is_file(follow_symlinks=False):
                    t[os.path.join(d, e.name)] = e.inode()
        except FileNotFoundError:
            pass
    return t


def wait_stopped(pid):
    """Until the stop has landed: kill() only queues SIGSTOP, and a command
    running on the other core goes on for a moment (long enough to rename
    its output into place after the checks below)."""
    while True:
        try:
            with open('/proc/%d/stat' % pid) as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state in 'TtZX':
            return
        time.sleep(0.0005)


def blocked(pid, sig):
    """Whether the command's main thread holds sig off: it is inside a
    commit (lib/core/ofile.c renames with the signals blocked), and a signal
    sent now lands after the rename."""
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('SigBlk:'):
                    return int(line.split()[1], 16) >> (sig - 1) & 1
    except FileNotFoundError:
        pass
    return 0


def attempt(sig, mode, feed, dirs, cmd, delay):
    before = targets(dirs)
    prod = None
    stdin = None
    if feed:
        prod = subprocess.Popen(feed, shell=True, stdout=subprocess.PIPE, preexec_fn=default_signals)
        stdin = prod.stdout
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=stdin, preexec_fn=default_signals)
    if prod:
        prod.stdout.close()
    was = 0  # a temporary was seen before the stop
    if mode == 'early':
        end = time.monotonic() + delay
        while time.monotonic() < end and p.poll() is None:
            was = was or temporaries(dirs)
            time.sleep(0.002)
    else:
        end = time.monotonic() + 60
        while time.monotonic() < end and p.poll() is None and not was:
            was = temporaries(dirs)
            time.sleep(0.002)
        if was:
            time.sleep(random.uniform(0, delay))
    seen = 0
    ok = p.poll() is None and (mode == 'early' or was)
    why = 'ended after %.1f ms, before the delay of %.1f ms' % ((time.monotonic() - t0) * 1000, delay * 1000)
    ran = time.monotonic() - t0
    if ok:
        os.kill(p.pid, signal.SIGSTOP)
        wait_stopped(p.pid)
        seen = 1 if temporaries(dirs) else 0
        # Not a moment before the end: the command must not have ended just
        # before the stop, nor committed its output (its temporaries gone),
        # nor begun to (a target renamed into place already, or the signals
        # held off for a commit: the signal would land after it).
        held = blocked(p.pid, sig)
        ok = (p.poll() is None and (seen or not was) and targets(dirs) == before
              and not held)
        why = ('stopped after %.1f ms: ended %s, temporary seen before %d and at the stop %d, '
               'target renamed %s, signal held off %s' % (delay * 1000, p.returncode is not None, was, seen,
                                                         targets(dirs) != before, bool(held)))
        ran = None
        if ok:
            os.kill(p.pid, sig)
        # p.poll() above reaps a command that ended just before the stop;
        # its pid is then gone and must not be signalled.
        if p.returncode is None:
            os.kill(p.pid, signal.SIGCONT)
    rc = p.wait()
    if prod:
        if prod.poll() is None:
            prod.kill()
        prod.wait()
    return ok, (128 - rc if rc < 0 else rc), seen, why, ran


def main():
    args = sys.argv[1:]
    sig = getattr(signal, 'SIG' + args[0]) if not args[0].isdigit() else int(args[0])
    mode = args[1]
    feed = reset = None
    dirs = []
    i = 2
    while args[i] != '--':
        if args[i] == '--in':
            feed = args[i + 1]
        elif args[i] == '--reset':
            reset = args[i + 1]
        elif args[i] == '--ignore':
            IGNORE.append(getattr(signal, 'SIG' + args[i + 1]))
        elif args[i] == '--watch':
            dirs.append(args[i + 1])
        i += 2
    cmd = args[i + 1:]
    delay = random.uniform(0.01, 0.3) if mode == 'early' else 0.02
    whys = []
    for _ in range(10):
        ok, status, seen, why, ran = attempt(sig, mode, feed, dirs, cmd, delay)
        if ok:
            print(status, seen)
            return 0
        whys.append(why)
        if mode == 'early' and ran is not None:
            delay = random.uniform(0.001, max(0.002, 0.8 * ran))
        else:
            delay /= 2
        if reset:
            subprocess.run(reset, shell=True, check=True)
    print('command ended before the signal could land:', file=sys.stderr)
    for i, why in enumerate(whys):
        print('  run %d: %s' % (i + 1, why), file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main())
