#!/usr/bin/env python3
"""
tsyncd as a client of NTPsec's ntpd in orphan mode on 127.0.0.1. ntpd
comes from `apt-get download ntpsec`, unpacked into the test's folder
(it conflicts with chrony, so it is never installed), and runs without
the right to set the clock (setpriv --bounding-set -sys_time) with `tos
orphan 8 orphanwait 0`: it serves stratum 8 with its own address,
127.0.0.1, as refid, which is also the client's own address towards it.
That is no loop: the client (sim clock 2 s off, 10 ppm fast) follows
it, comes within 100 us of the truth (ntpd serves the host clock) and
keeps updating while it says it is synchronised, at stratum 9.
"""
import glob
import os

from clienttest import POLL, client, keeps_updating, sources, status, wait_within
from tsynctest import (LoggedProcess, check, decode, find_tool, info, main, port_free, run,
                       tmpdir, wait_answering)


def unpack_ntpd(d):
    """ntpsec's ntpd from its package, unpacked under d; a failure (no
    apt, no network) fails the test."""
    r = run(["sh", "-c", "cd '%s' && apt-get download ntpsec" % d], timeout=120)
    debs = glob.glob(os.path.join(d, "ntpsec_*.deb"))
    check(r.code == 0 and len(debs) == 1, "apt-get download ntpsec (%r)" % r.err[-300:])
    root = os.path.join(d, "root")
    r = run(["dpkg-deb", "-x", debs[0], root])
    ntpd = os.path.join(root, "usr", "sbin", "ntpd")
    check(r.code == 0 and os.access(ntpd, os.X_OK), "ntpd unpacked from %s" %
          os.path.basename(debs[0]))
    return ntpd


def start_ntpd(ntpd, d):
    conf = os.path.join(d, "ntp.conf")
    with open(conf, "w") as f:
        f.write("tos orphan 8 orphanwait 0\n"
                "interface ignore wildcard\ninterface ignore ipv6\n"
                "interface listen 127.0.0.1\n"
                # Without these, this ntpd stops answering a client polling
                # four times a second after about 20 replies.
                "restrict default\nrestrict 127.0.0.1\n")
    check(port_free("127.0.0.1", 123), "127.0.0.1:123 is free for ntpd")
    p = LoggedProcess("ntpd", [find_tool("setpriv"), "--bounding-set", "-sys_time", "--",
                               ntpd, "-n", "-c", conf], cwd=d)
    r = wait_answering("127.0.0.1", 123, timeout=60, want_sync=True)
    info("ntpd answers: stratum %d, refid %08x" % (r["stratum"], r["refid"]))
    check(r["stratum"] == 8 and r["refid"] == 0x7f000001,
          "ntpd serves stratum 8 with refid 127.0.0.1 in orphan mode")
    return p


def test():
    check(os.geteuid() == 0, "run as root (ntpd takes port 123)")
    d = tmpdir()
    ntpd = start_ntpd(unpack_ntpd(d), d)
    cl = client([("127.0.0.1", 123)])
    wait_within(cl)
    keeps_updating(cl, rounds=4)
    st = status(cl)
    check(st["stratum"] == 9 and st["reference"] == "127.0.0.1:123",
          "the client follows ntpd at stratum 9 (%s, %s)" % (st["stratum"], st["reference"]))
    s = sources(cl)["127.0.0.1:123"]
    check(s["state"] == "selected", "ntpd is selected, not a loop (%s)" % s["state"])
    check("loop" not in cl.text(), "nothing said of a loop")
    code, _ = cl.terminate()
    check(code == 0, "the client exits 0")
    ntpd.kill()


main(test)
