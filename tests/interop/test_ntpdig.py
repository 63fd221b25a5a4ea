#!/usr/bin/env python3
"""
ntpsec's ntpdig (an SNTP client that only prints) against tsyncd. ntpdig
always asks port 123, so tsyncd listens on a random 127.x.y.z:123 (CI runs
as root). A sim clock 1.5 s ahead / 2.25 s behind is printed as +1.5 / -2.25
within 1 ms (JSON and text), stratum 8, no-leap, not adjusted; an
unsynchronised tsyncd is refused (stratum 16, leap 3), as it should be.
"""
import json
import os
import random
import re

from tsynctest import (check, check_close, find_tool, info, main, run, Tsyncd, Failure,
                       random_loopback_address, port_free)

TOL = 0.001


def start_on_123(config, name, rng):
    for attempt in range(5):
        addr = random_loopback_address(rng)
        if not port_free(addr, 123):
            continue
        try:
            return Tsyncd(["listen %s port 123" % addr] + config, name=name), addr
        except Failure as e:
            info("tsyncd on %s:123 did not start (%s); trying another address" % (addr, e))
    raise Failure("could not start tsyncd on a 127.x.y.z:123 in 5 tries")


def test():
    ntpdig = find_tool("ntpdig")
    check(os.geteuid() == 0, "running as root, to bind port 123 (ntpdig cannot choose a port)")
    rng = random.SystemRandom()

    for offset in (1.5, -2.25):
        d, addr = start_on_123(["stratum 8", "clock sim offset %s" % offset],
                               "tsyncd-%s" % offset, rng)
        r = run([ntpdig, "-j", "-p", "4", "-g", "100", "-t", "5", addr], timeout=60)
        check(r.code == 0, "ntpdig -j %s exits 0 (got %s, %r)" % (addr, r.code, r.err))
        try:
            j = json.loads(r.out)
        except ValueError:
            raise Failure("ntpdig -j output is not JSON: %r" % r.out)
        check_close(j["offset"], offset, TOL, "ntpdig's offset to tsyncd at %+g s" % offset)
        check(j["stratum"] == 8 and j["leap"] == "no-leap" and j["adjusted"] is False,
              "ntpdig: stratum 8, no-leap, not adjusted (got %r)" % j)

        r = run([ntpdig, "-p", "4", "-g", "100", "-t", "5", addr], timeout=60)
        check(r.code == 0, "ntpdig %s exits 0" % addr)
        m = re.search(r" ([+-]\d+\.\d+) \+/- (\d+\.\d+) %s s(\d+) (\S+)" % re.escape(addr), r.out)
        check(m is not None, "ntpdig prints 'OFFSET +/- ERR %s sN leap' (got %r)" % (addr, r.out))
        check_close(float(m.group(1)), offset, TOL, "ntpdig's printed offset")
        check(m.group(3) == "8" and m.group(4) == "no-leap", "s8 no-leap")

        code, st = d.terminate()
        check(code == 0, "tsyncd exits 0")
        check(st["received"] == 8 and st["replied"] == 8,
              "tsyncd received and answered ntpdig's 8 requests (%s)" % st)

    d, addr = start_on_123([], "tsyncd-unsync", rng)
    r = run([ntpdig, "-t", "2", addr], timeout=60)
    check(r.code != 0, "ntpdig refuses an unsynchronised tsyncd (exit %s)" % r.code)
    check(re.search(r"Response dropped: (stratum too high|leap not in sync)", r.err) and
          "no eligible servers" in r.err,
          "because of its stratum 16 / leap 3: 'no eligible servers' (got %r %r)" %
          (r.out, r.err))
    code, st = d.terminate()
    check(code == 0 and st["replied"] == 1, "tsyncd answered it, exits 0 (%s)" % st)


if __name__ == "__main__":
    main(test)
