#!/usr/bin/env python3
"""
tools/berkeley-demo.sh, the Berkeley lab, in its default run with --keep:
round 1 averages several clocks and leaves the one 1.5 s off out, which is
in the set of a later round; each round is told in words; the clocks end
within 1 ms of each other (the script's exit status says so too); the
folder holds offsets.csv with a row per clock per round, master.csv (tsync
berkeley --csv, a row per clock per round) and offsets.png, a PNG of a sane
size drawn by gnuplot; the daemons' logs (tsyncd -T) have the time on
every line. With --lossy, one slave behind tsync-relay --berkeley is read
through it and the group still comes within 1 ms.
"""
import csv
import os
import re
import sys

from tsynctest import check, find_tool, info, main, run, tmpdir

ROUNDS = 4
NAMES = ["master"] + ["slave%d" % i for i in range(1, 6)]


def check_output(out):
    rounds = re.split(r"^round (\d+), as (\S+) \(the master\) saw it:$", out, flags=re.M)
    # [before, n, master, text, n, master, text, ...]
    texts = {int(rounds[i]): rounds[i + 2] for i in range(1, len(rounds) - 2, 3)}
    check(sorted(texts) == list(range(1, ROUNDS + 1)), "rounds 1..%d told (got %s)" %
          (ROUNDS, sorted(texts)))
    m = re.search(r"averaged \((\d+) of (\d+) clocks.*\): (.*)$", texts[1], re.M)
    check(m is not None and int(m.group(1)) >= 2, "round 1 averages several clocks (%s)" %
          (m.group(0) if m else texts[1]))
    check(m.group(1) == "5" and m.group(2) == "6" and "slave5" not in m.group(3).split(),
          "round 1: 5 of 6 clocks averaged, slave5 not among them")
    check(re.search(r"left out of the average .*: slave5$", texts[1], re.M) is not None,
          "round 1 says slave5 was left out")
    later = [r for r in range(2, ROUNDS + 1)
             if re.search(r"averaged \(6 of 6 clocks.*\): .*\bslave5\b", texts[r])]
    check(len(later) > 0, "slave5 is brought in: averaged in round(s) %s" % later)
    for r, t in texts.items():
        check(re.search(r"read slave\d +(ahead of|behind) the master by [\d.]+ ms", t) and
              "is told to move to the average (ms):" in t,
              "round %d says what the master read and what it told each slave" % r)
    m = re.search(r"after %d rounds the clocks that follow the group are within ([\d.]+) ms" %
                  ROUNDS, out)
    check(m is not None and float(m.group(1)) < 1.0, "the spread ends under 1 ms (%s ms)" %
          (m.group(1) if m else "?"))
    info("final spread %s ms" % m.group(1))


def check_files(keep):
    # The daemons ran with -T: every line they logged starts with the time.
    with open(os.path.join(keep, "master.log")) as f:
        lines = f.read().splitlines()
    bad = [l for l in lines if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z tsyncd: ", l)]
    check(len(lines) > 10 and not bad, "tsyncd -T: all %d lines of master.log start with the "
          "UTC time to the microsecond (not: %r)" % (len(lines), bad[:3]))
    png = os.path.join(keep, "offsets.png")
    check(os.path.isfile(png), "offsets.png is kept")
    size = os.path.getsize(png)
    with open(png, "rb") as f:
        magic = f.read(8)
    check(magic == b"\x89PNG\r\n\x1a\n", "offsets.png is a PNG")
    check(5000 <= size <= 5000000, "offsets.png is of a sane size (%d bytes)" % size)
    with open(os.path.join(keep, "offsets.csv")) as f:
        rows = list(csv.reader(f))
    check(rows[0] == ["time_s", "round", "node", "offset_s"], "offsets.csv header %r" % rows[0])
    seen = sorted((int(r[1]), r[2]) for r in rows[1:])
    want = sorted((r, n) for r in range(ROUNDS + 1) for n in NAMES)
    check(seen == want, "offsets.csv: one row per clock per round 0..%d (%d rows)" %
          (ROUNDS, len(rows) - 1))
    for r in rows[1:]:
        float(r[0]), float(r[3])
    with open(os.path.join(keep, "master.csv")) as f:
        rows = list(csv.reader(f))
    check(rows[0][:3] == ["time", "round", "node"] and
          sum(1 for r in rows if r[0] == "time") == 1, "master.csv has one header")
    per_round = {}
    for r in rows[1:]:
        per_round.setdefault(r[0], []).append(r)
    check(len(per_round) == ROUNDS and all(len(v) == 6 for v in per_round.values()),
          "master.csv: %d snapshots of 6 clocks each (%s)" %
          (ROUNDS, [len(v) for v in per_round.values()]))


def check_lossy(script):
    """--lossy: slave3 behind tsync-relay --berkeley, 30 % lost and 2 ms
    each way: read with a round trip over 4 ms, the relay's drops told,
    and the group still within 1 ms."""
    r = run(["bash", script, "--rounds", str(ROUNDS), "--lossy", "slave3:loss=30,delay=2"],
            timeout=240)
    check(r.code == 0, "berkeley-demo.sh --lossy exits 0 (spread under 1 ms): %s\n%s" %
          (r.code, r.err))
    rtts = [float(x) for x in re.findall(r"read slave3 .* \(round trip ([\d.]+) ms\)", r.out)]
    others = [float(x) for x in re.findall(r"read slave[1245] .* \(round trip ([\d.]+) ms\)",
                                           r.out)]
    check(rtts and min(rtts) >= 4.0 and min(others) < 4.0,
          "slave3 is read through the relay (round trips %s ms), the others not" % rtts)
    m = re.search(r"out +received (\d+), forwarded \d+, dropped (\d+).*\n.*back +received "
                  r"(\d+), forwarded \d+, dropped (\d+)", r.out)
    check(m is not None and int(m.group(2)) > 0 and int(m.group(4)) > 0,
          "the relay's drops both ways are told (%s)" % (m.group(0) if m else r.out[-400:]))


def test():
    find_tool("gnuplot")
    script = sys.argv[1]
    keep = os.path.join(tmpdir(), "lab")
    r = run(["bash", script, "--rounds", str(ROUNDS), "--keep", keep], timeout=240)
    check(r.code == 0, "berkeley-demo.sh exits 0 (spread under 1 ms): %s\n%s" % (r.code, r.err))
    check_output(r.out)
    check_files(keep)
    check_lossy(script)


if __name__ == "__main__":
    main(test)
