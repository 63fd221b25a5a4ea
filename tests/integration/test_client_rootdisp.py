#!/usr/bin/env python3
"""
Two servers, one of them with a huge root dispersion (2 s, past the 1.5 s
a source may have): a tsyncd server at the truth, and a scripted server,
also at the truth, that says so. The second answers but is never fit; the
client follows the first alone, comes within 100 us of the truth and
keeps updating while it says it is synchronised ("single").
"""
from clienttest import ScriptedServer, client, keeps_updating, reply, sources, status, wait_within
from tsynctest import Tsyncd, check, main


def test():
    good = Tsyncd(["listen 127.0.0.1 port 0", "stratum 2", "clock sim offset 0"], name="good")
    wide = ScriptedServer(lambda org, rec: reply(org, rec, stratum=2, refid=b"\x0a\0\0\x01",
                                                 root_disp=2 << 16))
    cl = client([("127.0.0.1", good.port()), ("127.0.0.1", wide.port)])
    wait_within(cl)
    keeps_updating(cl)
    st = status(cl)
    check(st["selection"] == "single" and st["reference"] == "127.0.0.1:%d" % good.port(),
          "the good server alone is followed (%s, %s)" % (st["selection"], st["reference"]))
    s = sources(cl)["127.0.0.1:%d" % wide.port]
    check(s["state"] == "not-fit" and s["reach"] != 0,
          "the wide server answers (reach %o) but is not fit (%s)" % (s["reach"], s["state"]))
    check(wide.requests > 10, "it was polled throughout (%d requests)" % wide.requests)
    for d in (cl, good):
        code, _ = d.terminate()
        check(code == 0, "%s exits 0" % d.name)
    wide.stop()


main(test)
