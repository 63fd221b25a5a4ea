#!/usr/bin/env python3
"""
A master that is also an NTP client: its clock follows NTP, and the group
follows it, so every member ends up on UTC (here the host's clock, served
by a stratum 1 tsyncd with a sim clock at offset 0). The master never
applies the average to itself, says so in its log and in `tsync berkeley`,
and the slaves, 2 and 3 s off, end within 1 ms of true time.
"""
import time

from brktest import Node, group_port, random_group, true_offsets, wait_round
from tsynctest import Tsyncd, check, info, load_json, main, tsync

DEADLINE = 60.0


def test():
    ntp = Tsyncd(["listen 127.0.0.1 port 0", "stratum 1", "clock sim offset 0"], name="ntp")
    group, port = random_group(), group_port()
    slaves = [Node("slave%d" % i, "slave", off, 0, group, port)
              for i, off in enumerate([-2.0, 3.0])]
    master = Node("master", "master", 1.5, 0, group, port,
                  extra=["server 127.0.0.1 port %d minpoll -2 maxpoll -2 iburst" % ntp.port(),
                         "makestep 0.1 3"])
    check(any(l.endswith("berkeley: the clock follows NTP; as master, the group's average "
                         "moves the slaves only") for l in master.lines), "the master says so")
    nodes = [master] + slaves
    t0 = time.monotonic()
    while True:
        offs = true_offsets(nodes)
        if max(abs(o) for o in offs) < 1e-3 or time.monotonic() - t0 > DEADLINE:
            break
        time.sleep(0.5)
    info("after %.1f s: true offsets %s" % (time.monotonic() - t0,
                                            " ".join("%+.6f" % o for o in offs)))
    check(max(abs(o) for o in offs) < 1e-3, "master and slaves within 1 ms of UTC")
    wait_round(master, 1)
    check(all("master follows NTP" in l for l in master.lines if " clocks (master " in l),
          "every round line says the master follows NTP")
    check(not any("master adjusted itself" in l for l in master.lines),
          "the master never applied the average to itself")
    st = load_json(tsync("-s", master.socket, "berkeley", "--json").out)
    check(st["ntp_synchronised"] is True and st["last_applied"] == 0,
          "tsync berkeley: ntp_synchronised, no adjustment of its own")
    for x in nodes + [ntp]:
        x.terminate()


if __name__ == "__main__":
    main(test)
