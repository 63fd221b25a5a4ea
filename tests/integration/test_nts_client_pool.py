#!/usr/bin/env python3
"""
`pool NAME nts`: each address of the pool does its NTS-KE with its own
server, the certificate verified for NAME. Two tsyncd NTS servers on two
loopback addresses, each with cookie keys of its own (no ntsdumpdir) and
NTS-KE on the same port; a client in a mount namespace whose /etc/hosts
gives ntspool.test both addresses. Each source has one NTS-KE, no NAK and
no refused reply; each server served exactly one NTS-KE and NAKed
nothing: cookies of one member never reach the other (they would, were
both members' NTS-KE made with whatever the name resolves to first).
"""
import os
import socket
import time

from dnstest import in_namespace
from tsynctest import (LoggedProcess, Tsyncd, check, info, load_json, main, nts_certificate,
                       nts_counters, random_loopback_address, slow, tmpdir, tsync, tsyncd_path)

NAME = "ntspool.test"


def common_tcp_port(hosts):
    """A TCP port free on every address of hosts (the kernel's choice on
    the first, tried on the others)."""
    for _ in range(20):
        socks = []
        try:
            s = socket.socket()
            s.bind((hosts[0], 0))
            socks.append(s)
            port = s.getsockname()[1]
            for h in hosts[1:]:
                t = socket.socket()
                socks.append(t)
                t.bind((h, port))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise AssertionError("no common free port")


def test():
    d = tmpdir()
    cert, key = nts_certificate(d, [NAME])
    addrs = [random_loopback_address(), random_loopback_address()]
    keport = common_tcp_port(addrs)
    servers = []
    for i, a in enumerate(addrs):
        servers.append(Tsyncd(["listen %s port 0" % a, "stratum 1", "clock sim",
                               "ntsservercert %s" % cert, "ntsserverkey %s" % key,
                               "ntsport %d" % keport], name="member%d" % i))
    want = sorted("%s:%d" % (a, s.port()) for a, s in zip(addrs, servers))
    hosts = os.path.join(d, "hosts")
    with open(hosts, "w") as f:
        f.write("".join("%s\t%s\n" % (a, NAME) for a in addrs))
    ctl = os.path.join(d, "client.sock")
    conf = os.path.join(d, "client.conf")
    with open(conf, "w") as f:
        f.write("\n".join(["listen 127.0.0.1 port 0", "clock sim offset 0.25",
                           "control " + ctl, "ntstrustedcerts " + cert,
                           "pool %s nts ntsport %d iburst minpoll -2 maxpoll -2" %
                           (NAME, keport)]) + "\n")
    c = LoggedProcess("client", in_namespace([(hosts, "/etc/hosts")],
                                             [tsyncd_path(), "-n", "-f", conf]))
    deadline = time.monotonic() + slow(60)
    while True:
        time.sleep(0.5)
        r = tsync("-s", ctl, "stats", "--json")
        src = load_json(r.out)["source"] if r.code == 0 else []
        if (sorted(x["address"] for x in src) == want and
                all(x["replies"] >= 4 for x in src)):
            break
        check(time.monotonic() < deadline, "both members polled over NTS, 4 replies each, "
              "within 60 s (%s)" % src)
    info("sources: %s" % src)
    for x in src:
        check(x["nts_ke_ok"] == 1 and x["nts_ke_fail"] == 0 and x["nts_naks"] == 0 and
              x["kod"] == 0 and x["nts_auth"] == 0 and x["nts_uid"] == 0,
              "%s: one NTS-KE of its own, no NAK, nothing refused (%s)" % (x["address"], x))
    for s in servers:
        n = nts_counters(s)
        check(n["served"] == 1 and n["nts_nak_cookie"] == 0 and n["nts_nak_auth"] == 0 and
              n["nts_reply"] >= 4, "%s: one NTS-KE served, its own cookies back, no NAK "
              "(%s)" % (s.name, n))
    c.proc.terminate()
    check(c.wait_exit() == 0, "the client exits 0")
    for s in servers:
        code, _ = s.terminate()
        check(code == 0, "%s exits 0" % s.name)


if __name__ == "__main__":
    main(test)
