#!/usr/bin/env python3
"""
A scripted server that answers its first four requests well, then with a
Kiss-o'-Death DENY, beside a good tsyncd server: the client stops polling
the first (never asks again), its reach is cleared, and the client
follows the good server alone, within 100 us of the truth, and keeps
updating while it says it is synchronised. (Before, the reach the DENY
server had earned was never cleared, and one fit server was followed only
"while no other answers": the clock free-ran.)
"""
import time

from clienttest import ScriptedServer, client, keeps_updating, reply, sources, status, wait_within
from tsynctest import Tsyncd, check, main

GOOD_REPLIES = 4


def test():
    good = Tsyncd(["listen 127.0.0.1 port 0", "stratum 2", "clock sim offset 0"], name="good")
    answered = []

    def answer(org, rec):
        answered.append(org)
        if len(answered) <= GOOD_REPLIES:
            return reply(org, rec, stratum=1, refid=b"GPS\0")
        return reply(org, rec, stratum=0, leap=3, refid=b"DENY")

    deny = ScriptedServer(answer)
    cl = client([("127.0.0.1", deny.port), ("127.0.0.1", good.port())])
    cl.wait_line(r"^tsyncd: warning: 127\.0\.0\.1:%d: no longer polled" % deny.port, timeout=60)
    wait_within(cl)
    asked = deny.requests
    check(asked == GOOD_REPLIES + 1, "the server was asked %d times, then denied (%d)" %
          (GOOD_REPLIES + 1, asked))
    keeps_updating(cl)
    st = status(cl)
    check(st["selection"] == "single" and st["reference"] == "127.0.0.1:%d" % good.port(),
          "the good server alone is followed (%s, %s)" % (st["selection"], st["reference"]))
    s = sources(cl)["127.0.0.1:%d" % deny.port]
    check(s["state"] == "stopped" and s["reach"] == 0,
          "the DENY server is stopped with reach 0 (%s, %o)" % (s["state"], s["reach"]))
    time.sleep(1)
    check(deny.requests == asked, "and never polled again (%d)" % deny.requests)
    for d in (cl, good):
        code, _ = d.terminate()
        check(code == 0, "%s exits 0" % d.name)
    deny.stop()


main(test)
