#!/usr/bin/python3
"""Every command example of README.md and of the man pages, run as written.

usage: docexamples.py list DOC...
       docexamples.py run [--lab] [--timeout S] --fixture DIR --work DIR DOC...

An example is a code block: in Markdown a fenced block (``` or ~~~) with no
language or sh, bash, shell or console (other languages, such as text or
yaml, are not commands); in a man page every .Bd -literal display, every
.EX/.EE block and every .Dl line.  A block whose lines start with "$ " is a session: each "$"
line (with the lines that complete it: a trailing backslash, pipe, && or an
open for/if/quote) is one command, and the lines after it, up to the next
"$", are the output it shows, which must be exactly what the command writes
on standard output and standard error together.  Without "$", every line is
a command (again grouped until the shell finds it complete).  A command
passes when it exits 0 (or dies of SIGPIPE at the head of a pipe) and prints
what is shown; one whose shown output is a diagnostic ("prog: ...") may exit
non-zero.

The line before a block may mark it, in Markdown as an HTML comment and in a
man page as a roff comment:

    <!-- example: skip REASON -->           .\\" example: skip REASON
    <!-- example: needs NAME... -->         .\\" example: needs NAME...
    <!-- example: file NAME [-- COMMAND] --> .\\" example: file NAME [-- COMMAND]

skip: not run, for the REASON given (mandatory), and listed as such.
needs: run only when each NAME is a command on PATH or a file of the
fixture; otherwise listed as skipped for want of it.
file: the block is the content of file NAME, written into the folder of the
document's later examples; COMMAND, if given, is run on it as a check.
continues: the block runs in the folder of the document's previous example
that ran (a reader following the page), not in a fresh one.

Inline command lines in prose are checked too.  An inline span (Markdown
`code` outside blocks, a man page's .Ql) whose first word is a segkit
command and which has at least two more words is a command line
(`segsplit --key fldr --group 10 -d parts line.sgy`, `taskrun report --html
DIR > report.html`): it runs in a fresh copy of the fixture folder with
standard input from /dev/null and passes unless the command refuses it as a
usage error (exit 2) or does not finish.  Such a span is often a fragment,
with placeholders (DIR, tile1.sgy ... tileN.sgy) or without its input, so a
data error (exit 1) passes: the check is that every option, value and
operand it shows is one the command takes.  A command with one word
(`segmerge --sum`, `taskrun status`), or with options and placeholders alone
(`segsplit -d DIR`), names an option or a subcommand and is not run; neither
is a span whose first word is not a segkit command (`make check`).  A command a reader should run as written goes in a block.

Every example runs in a fresh copy of the fixture folder (made by
examples/docs/Makefile, plus the files of earlier "file" blocks of the same
document).  An example that uses ssh or a host file (-H) needs the loopback
sshd lab: with --lab the caller has started it and put an ssh on PATH that
reaches its hosts; without it such an example is listed as skipped.
"""
import os
import re
import time
import shutil
import signal
import subprocess
import sys

SHELL_LANGS = {"", "sh", "bash", "shell", "console"}
COMMANDS = {"migrate", "regrid", "segedit", "seginfo", "segmerge", "segplot", "segsplit", "segsynth", "taskrun"}
MARK = re.compile(r"^\s*example:\s*(skip|needs|file|continues)\b\s*(.*?)\s*$")
NEEDS_LAB = re.compile(r"(^|[\s|;(])ssh\s|(^|\s)(-H|--hosts)[\s=]")


class Example:
    def __init__(self, doc, line, lines, marker, first=None):
        # line: where the block starts; first: the line of its first text line.
        self.doc, self.line, self.lines = doc, line, lines
        self.first = line + 1 if first is None else first
        self.kind, self.arg = "run", ""
        if marker is not None:
            m = MARK.match(marker)
            if not m:
                raise SyntaxError("%s:%d: bad example marker %r" % (doc, line, marker))
            self.kind, self.arg = m.group(1), m.group(2)
            if self.kind in ("skip", "needs", "file") and not self.arg:
                raise SyntaxError("%s:%d: 'example: %s' needs %s" % (
                    doc, line, self.kind, "a reason" if self.kind == "skip" else "a name"))
        self.commands = [] if self.kind in ("skip", "file") else split_commands(self)
        self.inline = False

    def where(self):
        return "%s:%d" % (self.doc, self.line)


def complete(text):
    """Whether the shell reads text as complete commands."""
    if re.search(r"(\\|\||&&)\s*$", text):
        return False
    r = subprocess.run(["bash", "-n"], input=text, text=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def split_commands(ex):
    """[(line, command, shown output or None)] of a block."""
    out = []
    session = any(l.startswith("$ ") or l == "$" for l in ex.lines)
    cmd, start, shown = None, 0, None
    for i, l in enumerate(ex.lines):
        n = ex.first + i
        if session and (l.startswith("$ ") or l == "$"):
            if cmd is not None:
                out.append((start, cmd, shown))
            cmd, start, shown = l[2:], n, None
            continue
        if cmd is not None and shown is None and not complete(cmd):
            cmd += "\n" + l
            continue
        if session:
            if cmd is None:
                raise SyntaxError("%s:%d: output before the first command" % (ex.doc, n))
            shown = (shown or []) + [l]
            continue
        if cmd is not None and not complete(cmd):
            cmd += "\n" + l
            continue
        if cmd is not None:
            out.append((start, cmd, None))
            cmd = None
        if l.strip():
            cmd, start = l, n
    if cmd is not None:
        out.append((start, cmd, shown))
    # A session command shown without output is not compared (only its
    # exit status is), as a command outside a session.
    return [(n, c, None if not s else "\n".join(s)) for n, c, s in out]


def inline_span(name, n, text):
    """An Example for an inline command line (see above), or None."""
    words = text.split()
    if len(words) < 3 or words[0] not in COMMANDS:
        return None
    if all(w.startswith("-") or (w.isupper() and w.isalpha()) for w in words[1:]):
        return None
    ex = Example(name, n, [], None)
    ex.commands, ex.inline = [(n, text, None)], True
    return ex


def markdown(path, name):
    exs, lines = [], open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(```|~~~)\s*([A-Za-z]*)\s*$", lines[i])
        if not m:
            for s in re.finditer(r"(?<!`)`([^`]+)`(?!`)", lines[i]):
                ex = inline_span(name, i + 1, s.group(1))
                if ex:
                    exs.append(ex)
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith(m.group(1)):
            j += 1
        if m.group(2) in SHELL_LANGS:
            k = i - 1
            while k >= 0 and not lines[k].strip():
                k -= 1
            mk = re.match(r"^\s*<!--\s*(example:.*?)\s*-->\s*$", lines[k]) if k >= 0 else None
            exs.append(Example(name, i + 1, lines[i + 1:j], mk.group(1) if mk else None))
        i = j + 1
    return exs


def unroff(s):
    s = s.replace("\\e", "\x00").replace("\\-", "-").replace("\\&", "")
    s = s.replace("\\(aq", "'").replace("\\(dq", '"').replace("\\(ti", "~")
    s = s.replace("\\(ha", "^").replace("\\(rs", "\x00").replace("\\ ", " ")
    return s.replace("\x00", "\\")


def roff(path, name):
    exs, lines = [], open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        l = lines[i]
        mk = None
        if i > 0:
            m = re.match(r'^\.\\"\s*(example:.*)$', lines[i - 1])
            mk = m.group(1) if m else None
        if l.startswith(".Dl "):
            exs.append(Example(name, i + 1, [unroff(l[4:])], mk, first=i + 1))
            i += 1
            continue
        if l.startswith(".Ql "):
            # Its closing punctuation (words of one character) is not part of it.
            words = unroff(l[4:]).split()
            while words and len(words[-1]) == 1 and not words[-1].isalnum():
                words.pop()
            ex = inline_span(name, i + 1, " ".join(words))
            if ex:
                exs.append(ex)
            i += 1
            continue
        if not l.startswith(".Bd -literal") and not l.startswith(".EX"):
            i += 1
            continue
        end = ".Ed" if l.startswith(".Bd") else ".EE"
        j, body = i + 1, []
        while j < len(lines) and not lines[j].startswith(end):
            if not re.match(r"^\.([A-Za-z]|\\\")", lines[j]):
                body.append(unroff(lines[j]))
            j += 1
        # The display's first line is its start; commands count from there.
        exs.append(Example(name, i + 1, body, mk))
        i = j + 1
    return exs


def extract(path):
    name = os.path.relpath(path)
    if path.endswith(".md"):
        return markdown(path, name)
    return roff(path, name)


def fresh(src, base, tag):
    d = os.path.join(base, tag)
    if os.path.exists(d):
        shutil.rmtree(d)
    shutil.copytree(src, d, symlinks=True)
    # The lab's hosts run tasks as another user in this folder.
    for root, dirs, _ in os.walk(d):
        os.chmod(root, 0o1777)
    return d


def run_command(cmd, cwd, timeout):
    p = subprocess.Popen(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return None, out.decode(errors="replace")
    return p.returncode, out.decode(errors="replace")


def check(n, cmd, shown, cwd, timeout, where, inline=False):
    """None when the command does as shown, else the failure."""
    rc, got = run_command(cmd, cwd, timeout)
    head = "%s: %s" % (where(n), cmd.split("\n")[0] + (" ..." if "\n" in cmd else ""))
    if rc is None:
        return "%s\n  timed out after %d s\n%s" % (head, timeout, indent(got))
    if inline:
        return "%s\n  an inline command refused as a usage error (exit 2):\n%s" % (
            head, indent(got)) if rc == 2 else None
    diag = shown is not None and re.search(r"^[a-z][a-z0-9_-]*: ", shown, re.M)
    if shown is not None and got.rstrip("\n") != shown.rstrip("\n"):
        return "%s\n  exit %d; shown output:\n%s\n  real output:\n%s" % (
            head, rc, indent(shown), indent(got))
    if rc not in (0, 141) and not diag:
        return "%s\n  exit %d:\n%s" % (head, rc, indent(got))
    return None


def indent(s):
    return "\n".join("    | " + l for l in s.rstrip("\n").split("\n")) if s.strip() else "    (nothing)"


def available(name, fixture):
    return shutil.which(name) is not None or os.path.exists(os.path.join(fixture, name))


def cmd_list(docs):
    for doc in docs:
        for ex in extract(doc):
            if ex.kind != "run":
                print("%s\t%s %s" % (ex.where(), ex.kind, ex.arg))
            for n, c, s in ex.commands:
                print("%s:%d\t%s%s" % (ex.doc, n, c.replace("\n", "\\n"),
                                      "" if s is None else "\t=> %d lines" % (s.count("\n") + 1)))
    return 0


def cmd_run(args):
    lab, timeout, fixture, work, docs = False, 60, None, None, []
    while args:
        a = args.pop(0)
        if a == "--lab":
            lab = True
        elif a == "--timeout":
            timeout = int(args.pop(0))
        elif a == "--fixture":
            fixture = args.pop(0)
        elif a == "--work":
            work = args.pop(0)
        else:
            docs.append(a)
    if not fixture or not work or not docs:
        print(__doc__, file=sys.stderr)
        return 2
    counts = {"ran": 0, "failed": 0, "skipped": 0, "commands": 0, "inline": 0}
    failures = []
    for doc in docs:
        exs = extract(doc)
        tag = re.sub(r"[^A-Za-z0-9]+", "_", os.path.basename(doc))
        docfix = fresh(fixture, work, tag + "_fixture")
        prev = None
        for ex in exs:
            if ex.kind == "skip":
                counts["skipped"] += 1
                print("skip %s: %s" % (ex.where(), ex.arg))
                continue
            if ex.kind == "file":
                name, _, after = ex.arg.partition(" -- ")
                with open(os.path.join(docfix, name.strip()), "w", encoding="utf-8") as f:
                    f.write("\n".join(ex.lines) + "\n")
                ex.commands = [(ex.line, after.strip(), None)] if after.strip() else []
            missing = []
            if ex.kind == "needs":
                missing = [n for n in ex.arg.split() if not available(n, docfix)]
            text = "\n".join(c for _, c, _ in ex.commands)
            if not lab and NEEDS_LAB.search(text):
                missing.append("the loopback sshd lab (root)")
            if missing:
                counts["skipped"] += 1
                print("skip %s: needs %s, absent here" % (ex.where(), ", ".join(missing)))
                continue
            if not ex.commands:
                continue
            if ex.inline:
                # In a folder of its own: a later "continues" follows the
                # previous block, not a span of the prose between.
                cwd = fresh(docfix, work, "%s_%d_inline" % (tag, ex.line))
                counts["commands"] += 1
                bad = check(ex.line, ex.commands[0][1], None, cwd, timeout, lambda k: "%s:%d" % (ex.doc, k), True)
                shutil.rmtree(cwd, ignore_errors=True)
                counts["inline"] += 1
                if bad:
                    counts["failed"] += 1
                    failures.append(bad)
                    print("FAIL " + bad)
                else:
                    counts["ran"] += 1
                    print("ok   %s (inline: %s)" % (ex.where(), ex.commands[0][1]))
                continue
            if ex.kind == "continues":
                if prev is None:
                    raise SyntaxError("%s: 'example: continues' with no example before it" % ex.where())
                cwd = prev
            else:
                if prev is not None:
                    shutil.rmtree(prev, ignore_errors=True)
                cwd = fresh(docfix, work, "%s_%d" % (tag, ex.line))
            prev, t0, bad = cwd, time.monotonic(), None
            for n, cmd, shown in ex.commands:
                counts["commands"] += 1
                bad = check(n, cmd, shown, cwd, timeout, lambda k: "%s:%d" % (ex.doc, k), ex.inline)
                if bad:
                    break
            if bad:
                counts["failed"] += 1
                failures.append(bad)
                print("FAIL " + bad)
            else:
                counts["ran"] += 1
                print("ok   %s (%d command%s, %.1f s)" % (
                    ex.where(), len(ex.commands), "" if len(ex.commands) == 1 else "s",
                    time.monotonic() - t0))
        if prev is not None:
            shutil.rmtree(prev, ignore_errors=True)
        shutil.rmtree(docfix, ignore_errors=True)
    print("%d examples ran (%d commands, %d inline), %d failed, %d skipped" % (
        counts["ran"] + counts["failed"], counts["commands"], counts["inline"], counts["failed"],
        counts["skipped"]))
    if failures:
        print("(an example that cannot run here, or a block that is not a command, is marked in its page:"
              " see tests/cli/docexamples.py)")
        return 1
    return 0


def main(argv):
    try:
        if len(argv) >= 2 and argv[0] == "list":
            return cmd_list(argv[1:])
        if len(argv) >= 2 and argv[0] == "run":
            return cmd_run(argv[1:])
    except SyntaxError as e:
        print("docexamples: %s" % e.msg, file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
