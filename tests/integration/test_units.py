#!/usr/bin/env python3
"""
The systemd units as built (argv: tsyncd.service, tsyncd-wait.service):
`systemd-analyze verify` finds nothing to say about either (it exits 0
even for a line it ignores, so its output must be empty too), with their
ExecStart= pointed at the programs under test; a broken copy shows that
the check sees problems. Then what the units promise: Type=notify for
tsyncd, and a wait service ordered between tsyncd and time-sync.target
that runs `tsync waitsync` with a timeout.
"""
import os
import re
import shutil
import sys

from tsynctest import check, find_tool, main, run, tmpdir, tsync_path, tsyncd_path


def lines(path):
    with open(path) as f:
        return [l.rstrip("\n") for l in f]


def localise(src, d):
    """A copy whose ExecStart= runs the programs under test (verify checks
    that the command exists)."""
    text = "\n".join(lines(src)) + "\n"
    text = re.sub(r"^ExecStart=\S*/tsyncd ", "ExecStart=%s " % tsyncd_path(), text, flags=re.M)
    text = re.sub(r"^ExecStart=\S*/tsync ", "ExecStart=%s " % tsync_path(), text, flags=re.M)
    path = os.path.join(d, os.path.basename(src))
    with open(path, "w") as f:
        f.write(text)
    return path


def verify(analyze, paths):
    return run([analyze, "verify", "--man=no"] + paths, timeout=120)


def test():
    unit, wait = sys.argv[1], sys.argv[2]
    analyze = find_tool("systemd-analyze")
    d = tmpdir()
    paths = [localise(unit, d), localise(wait, d)]
    r = verify(analyze, paths)
    check(r.code == 0 and r.out == "" and r.err == "",
          "systemd-analyze verify: both units clean (%s, %r, %r)" % (r.code, r.out, r.err))
    bad = os.path.join(tmpdir(), "tsyncd.service")
    shutil.copy(paths[0], bad)
    with open(bad, "a") as f:
        f.write("[Service]\nType=notfy\n")
    r = verify(analyze, [bad])
    check("Failed to parse service type" in r.out + r.err,
          "a broken copy is reported (%r)" % (r.out + r.err))
    u, w = lines(unit), lines(wait)
    for want in ("Type=notify", "NotifyAccess=main", "Before=time-sync.target"):
        check(want in u, "tsyncd.service: %s" % want)
    for want in ("After=tsyncd.service", "Requires=tsyncd.service", "Before=time-sync.target",
                 "Wants=time-sync.target", "Type=oneshot", "RemainAfterExit=yes",
                 "WantedBy=multi-user.target"):
        check(want in w, "tsyncd-wait.service: %s" % want)
    ex = [l for l in w if l.startswith("ExecStart=")]
    check(len(ex) == 1 and re.match(r"^ExecStart=/\S+/tsync waitsync --timeout \d+ ", ex[0]),
          "tsyncd-wait.service runs tsync waitsync with a timeout (%r)" % ex)
    secs = int(re.search(r"--timeout (\d+)", ex[0]).group(1))
    tss = [int(l.split("=")[1]) for l in w if l.startswith("TimeoutStartSec=")]
    check(tss and tss[0] > secs, "systemd's own timeout (%s) is longer than waitsync's (%d)" %
          (tss, secs))


if __name__ == "__main__":
    main(test)
