#!/usr/bin/python3
"""The reference answers of ../shared/data/segy/README.md, read from its table.

    reftable.py list DATA [segyio]   one line per file: PATH FMT ENDIAN TRUNCATED
                                     (segyio: only files segyio 1.8.3 reads
                                     right, in formats 1, 2, 3, 5 and 8)
    reftable.py trace1 DATA          one line per file with traces: PATH, then
                                     the first trace header's fields of the
                                     table as raw integers, tab-separated, in
                                     the order of TRACE1_KEYS
    reftable.py check DATA           reads "RC<TAB>JSON" lines (seginfo --json
                                     output and its exit status), compares
                                     them with the table, exits 1 on a mismatch

The table is the reference: this script never hard-codes an answer except the
two SU files, which the table lists without values and the README describes
as "the same cube [as small.sgy] as SU files (big and little endian)": their
ns and trace count are taken from the small.sgy row, and dt (an SU file
keeps it in the trace headers only) from that row's first trace header.
"""
import json
import os
import re
import sys

# The "trace 1 header" column of the table, with the byte and type of each
# field (notes/segy.md) for seginfo -k @BYTE:TYPE.
TRACE1_KEYS = [("tracl", "@1:i4"), ("cdp", "@21:i4"), ("iline", "@189:i4"), ("xline", "@193:i4"),
               ("offset", "@37:i4"), ("scalco", "@71:i2"), ("sx", "@73:i4"), ("cdpx", "@181:i4"),
               ("delrt", "@109:i2"), ("ns", "@115:u2"), ("dt", "@117:u2")]


def parse(data):
    rows = {}
    with open(os.path.join(data, "README.md"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("| ") or line.startswith("| file") or line.startswith("|---"):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 11 or not re.search(r"\.(sgy|su)$", cells[0]):
                continue
            name = cells[0]
            r = {"file": name, "bytes": int(cells[1]), "segyio": cells[-1]}
            if cells[3].startswith("SU"):
                r["su"] = True
                rows[name] = r
                continue
            if len(cells) != 12:
                sys.exit("reftable.py: the row of %s has %d cells, not 12" % (name, len(cells)))
            text, endian = cells[3].split("/")
            m = re.fullmatch(r"(\d+)(?: \(\+(\d+) B\))? x(\d+)hdr", cells[9])
            if not m:
                sys.exit("reftable.py: cannot parse the traces cell %r of %s" % (cells[9], name))
            r.update(text=text, byte_order=endian, sample_format=int(cells[4]), ns=int(cells[5]),
                     dt=float(cells[6]), extended_headers=int(cells[8]), traces=int(m.group(1)),
                     trailing_bytes=int(m.group(2) or 0), header_length=240 * int(m.group(3)))
            if cells[10] != "-":
                r["trace1"] = dict(kv.split("=") for kv in cells[10].split())
            rows[name] = r
    if not rows:
        sys.exit("reftable.py: no table in %s/README.md" % data)
    small = rows["small.sgy"]
    for name, r in rows.items():
        if r.get("su"):
            # README: "small.su / small-lsb.su: the same cube as SU files (big
            # and little endian)".
            r.update(byte_order="little" if "-lsb" in name else "big", sample_format=5,
                     ns=small["ns"], dt=float(small["trace1"]["dt"]), traces=small["traces"], trailing_bytes=0,
                     header_length=240)
            rec = 240 + 4 * small["ns"]
            if r["bytes"] != rec * small["traces"]:
                sys.exit("reftable.py: %s has %d bytes, not %d traces of %d" % (name, r["bytes"], small["traces"], rec))
    return rows


def expected_fail(r):
    """seginfo exits 1 for a truncated last trace or a SEG-Y file without traces."""
    return not r.get("su") and (r["trailing_bytes"] > 0 or r["traces"] == 0)


def files_in(data):
    out = []
    for sub in ("", "multiformats"):
        d = os.path.join(data, sub)
        for n in sorted(os.listdir(d)):
            if n.endswith(".sgy") or n.endswith(".su"):
                out.append(os.path.join(sub, n) if sub else n)
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd, data = sys.argv[1], sys.argv[2]
    rows = parse(data)
    if cmd == "list":
        only_segyio = len(sys.argv) > 3 and sys.argv[3] == "segyio"
        for name in files_in(data):
            if name not in rows:
                sys.exit("reftable.py: %s is not in the README table" % name)
            r = rows[name]
            if only_segyio and (r.get("su") or not r["segyio"].startswith("OK")
                                or r["sample_format"] not in (1, 2, 3, 5, 8)):
                continue
            print(os.path.join(data, name), r.get("sample_format", 5), r["byte_order"],
                  int(expected_fail(r)))
        return 0
    if cmd == "keys":
        print(",".join(k for _, k in TRACE1_KEYS))
        return 0
    if cmd == "trace1":
        for name in files_in(data):
            r = rows[name]
            if r.get("su") or not r["traces"]:
                continue
            print("\t".join([os.path.join(data, name)] + [r["trace1"][k] for k, _ in TRACE1_KEYS]))
        return 0
    if cmd != "check":
        sys.exit(__doc__)
    bad = 0
    seen = set()
    for line in sys.stdin:
        rc, _, js = line.rstrip("\n").partition("\t")
        try:
            got = json.loads(js)
        except ValueError:
            print("not one JSON object: %r" % js)
            bad += 1
            continue
        path = got.get("file", "")
        name = os.path.relpath(path, data)
        if name not in rows:
            print("%s: not in the README table" % path)
            bad += 1
            continue
        seen.add(name)
        r = rows[name]
        want = {"format": "su" if r.get("su") else "segy", "byte_order": r["byte_order"],
                "ns": r["ns"], "dt": r["dt"], "traces": r["traces"],
                "trailing_bytes": r["trailing_bytes"], "header_length": r["header_length"],
                "sample_format": r["sample_format"]}
        if not r.get("su"):
            want.update(text=r["text"], extended_headers=r["extended_headers"])
        for k, v in want.items():
            g = got.get(k)
            if isinstance(v, (int, float)) and not isinstance(g, (int, float)) or g != v:
                print("%s: %s is %r, the README says %r" % (name, k, g, v))
                bad += 1
        want_rc = 1 if expected_fail(r) else 0
        if int(rc) != want_rc:
            print("%s: exit status %s, want %d" % (name, rc, want_rc))
            bad += 1
    for name in files_in(data):
        if name not in seen:
            print("%s: no seginfo output" % name)
            bad += 1
    print("%d files checked, %d mismatches" % (len(seen), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
