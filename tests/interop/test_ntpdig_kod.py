#!/usr/bin/env python3
"""
ntpsec's ntpdig against tsyncd's refusals: it reads tsyncd's KoD DENY
(`deny all kod`) and KoD RATE (`ratelimit burst 1 leak 0`: the first of
its 4 samples answered, the other 3 a KoD) as Kiss-o'-Death packets and
drops them; a plain `deny` gets it nothing at all. The counters move by
exactly ntpdig's requests.
"""
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_ntpdig import start_on_123  # noqa: E402
from tsynctest import check, check_close, find_tool, main, run  # noqa: E402

KOD_LINE = "Response dropped: stratum 0, probable KOD packet"


def test():
    ntpdig = find_tool("ntpdig")
    check(os.geteuid() == 0, "running as root, to bind port 123 (ntpdig cannot choose a port)")
    rng = random.SystemRandom()

    d, addr = start_on_123(["stratum 8", "clock sim", "deny all kod"], "tsyncd-deny-kod", rng)
    r = run([ntpdig, "-p", "2", "-t", "2", addr], timeout=60)
    check(r.code == 1, "ntpdig exits 1 when denied with a KoD (got %s)" % r.code)
    check(r.err.count(KOD_LINE) == 2, "ntpdig saw its 2 answers as KoD packets (%r)" % r.err)
    code, st = d.terminate()
    check(code == 0 and st["received"] == 2 and st["kod_deny"] == 2 and st["replied"] == 2,
          "tsyncd: 2 received, 2 KoD DENY sent (%s)" % st)

    d, addr = start_on_123(["stratum 8", "clock sim offset 1.5",
                            "ratelimit interval 6 burst 1 leak 0"], "tsyncd-rate", rng)
    r = run([ntpdig, "-p", "4", "-t", "2", addr], timeout=60)
    check(r.code == 0, "ntpdig exits 0 on the one sample answered (got %s, %r)" % (r.code, r.err))
    check(r.err.count(KOD_LINE) == 3, "ntpdig dropped the 3 KoD RATE (%r)" % r.err)
    m = re.search(r" ([+-]\d+\.\d+) \+/- (\d+\.\d+) %s s8 no-leap" % re.escape(addr), r.out)
    check(m is not None, "ntpdig prints the answered sample (got %r)" % r.out)
    # One sample, not the best of 4: within its own error bound (half its
    # round trip, which a loaded machine stretches) and 1 ms.
    check_close(float(m.group(1)), 1.5, float(m.group(2)) + 0.001,
                "ntpdig's offset from the answered sample")
    code, st = d.terminate()
    check(code == 0 and st["received"] == 4 and st["kod_rate"] == 3 and st["replied"] == 4 and
          st["ratelimited"] == 0, "tsyncd: 4 received, 1 answered, 3 KoD RATE (%s)" % st)

    d, addr = start_on_123(["stratum 8", "clock sim", "deny all"], "tsyncd-deny", rng)
    r = run([ntpdig, "-p", "1", "-t", "2", addr], timeout=60)
    check(r.code == 1 and KOD_LINE not in r.err, "ntpdig gets nothing and exits 1 (%s, %r)" %
          (r.code, r.err))
    code, st = d.terminate()
    check(code == 0 and st["received"] >= 1 and st["denied"] == st["received"] and
          st["replied"] == 0, "tsyncd: everything denied, nothing sent (%s)" % st)


if __name__ == "__main__":
    main(test)
