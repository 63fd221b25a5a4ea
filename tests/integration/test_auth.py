#!/usr/bin/env python3
"""
Symmetric-key authentication (RFC 5905 MACs, RFC 8573) in tsyncd and tsync
query on loopback. Server: a request signed with a key of the keys file
gets a reply signed with it (SHA1 and SHA256 MACs checked here with
hashlib, AES128 through tsync query); an unknown key or a bad MAC gets a
crypto-NAK; the counters move exactly. Client: behind `server ... key 2`, a
scripted server's unsigned, NAKed, wrongly keyed and forged replies are
refused and counted, and the clock never moves; signed replies are taken.
Refusals: a keys file others may read, one owned by another user, and a
server key missing from the file stop tsyncd with a clear message; bad
--key/--keyfile arguments stop tsync query.
"""
import hashlib
import json
import os
import struct
import time

from tsynctest import (Tsyncd, check, decode, drain, exchange, info, main, ntp_ts_now,
                       parse_query_text, parse_seconds, request, run, source_counters, tmpdir,
                       tsync, tsyncd_path, udp_socket)

AES_KEY = "2b7e151628aed2a6abf7158809cf4f3c"
SHA1_KEY = bytes.fromhex("933f62be1d604e68a81b557f18cfa200483f5b70")
SHA256_KEY = b"averylongsecretpassphrase"
KEYS = ("1 AES128 HEX:%s\n2 SHA1 HEX:%s\n3 SHA256 ASCII:%s\n7 hmac-sha256 %s\n" %
        (AES_KEY, SHA1_KEY.hex(), SHA256_KEY.decode(), AES_KEY))
POLL = -3


def keyfile(text=KEYS, mode=0o600, name="keys"):
    path = os.path.join(tmpdir(), name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def mac(key_id, secret, data, hash_fn):
    """The legacy NTP MAC: key id, then H(key || data) cut to 20 bytes."""
    return struct.pack("!I", key_id) + hash_fn(secret + data).digest()[:20]


def server_side(path):
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "stratum 3", "keyfile " + path])
    addr = ("127.0.0.1", d.port())
    s = udp_socket("127.0.0.1")
    before = d.stats()
    for key_id, secret, fn in ((2, SHA1_KEY, hashlib.sha1), (3, SHA256_KEY, hashlib.sha256)):
        req = request()
        req += mac(key_id, secret, req, fn)
        r, _ = exchange(s, addr, req, timeout=10)
        check(r is not None and len(r) == 72, "a %s-signed request gets a 72-byte reply (%s)" %
              (fn().name, None if r is None else len(r)))
        check(r[48:] == mac(key_id, secret, r[:48], fn),
              "the reply carries key %d and a %s MAC that hashlib verifies" % (key_id, fn().name))
        check(decode(r)["mode"] == 4 and decode(r)["org"] == decode(req)["xmt"],
              "and answers the request")
    naks = [(request() + mac(9, SHA1_KEY, b"", hashlib.sha1), "unknown key 9"),
            (request() + mac(7, SHA1_KEY, b"", hashlib.sha1), "Berkeley's key 7"),
            (request() + mac(2, SHA1_KEY, b"x", hashlib.sha1), "a bad SHA1 MAC"),
            (request() + struct.pack("!I", 2), "a lone key id")]
    for req, what in naks:
        r, _ = exchange(s, addr, req, timeout=10)
        check(r is not None and len(r) == 52 and r[48:] == bytes(4),
              "%s gets a crypto-NAK (%s)" % (what, None if r is None else r[48:].hex()))
    cut = request() + mac(2, SHA1_KEY, b"", hashlib.sha1)[:-3]
    r, _ = exchange(s, addr, cut, timeout=1)
    check(r is None, "a MAC cut short gets nothing back")
    q = tsync("query", "-c", "2", "--key", "1", "--keyfile", path, "127.0.0.1:%d" % d.port())
    f, _ = parse_query_text(q.out)
    check(q.code == 0 and f.get("key") == "1 (every sample's MAC verified)",
          "tsync query --key 1 (AES128) exits 0 and says the MAC verified (%r)" % q.err)
    wrong = keyfile("1 AES128 HEX:%s\n" % ("00" * 16), name="wrong")
    q = tsync("query", "-c", "1", "--key", "1", "--keyfile", wrong, "127.0.0.1:%d" % d.port())
    check(q.code == 1 and "(last reply: crypto-NAK: the server refused our key or MAC)" in q.err,
          "tsync query with a wrong AES128 key exits 1 with the crypto-NAK (%r)" % q.err)
    after = d.stats()
    got = {k: after[k] - before[k] for k in after}
    want = dict.fromkeys(after, 0)
    want.update(received=10, replied=9, trailer=1, auth_reply=4, nak_unknown_key=2,
                nak_bad_mac=3)
    check(got == want, "the counters moved by exactly %s (got %s)" % (want, got))
    s.close()
    code, _ = d.terminate()
    check(code == 0, "tsyncd exits 0")


def signed_reply(q, key_id=2, secret=SHA1_KEY, fn=hashlib.sha1, ahead=5.0, tamper=False):
    t = ntp_ts_now() + int(ahead * 2**32)
    r = struct.pack("!BBbbIII", (4 << 3) | 4, 2, POLL, -20, 0, 0, 0x7f000001) + \
        struct.pack("!QQQQ", t, q["xmt"], t, t)
    m = mac(key_id, secret, r, fn)
    return r + (m[:-1] + bytes([m[-1] ^ 1]) if tamper else m)


def client_side(path):
    srv = udp_socket("127.0.0.1")
    srv.settimeout(20)
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim offset 0", "stratum 10",
                "keyfile " + path, "server 127.0.0.1 port %d minpoll %d maxpoll %d key 2" %
                (srv.getsockname()[1], POLL, POLL)])

    def next_request():
        data, a = srv.recvfrom(1000)
        return data, decode(data), a

    bad = [lambda q: signed_reply(q)[:48],                                  # no MAC
           lambda q: signed_reply(q)[:48] + bytes(4),                       # crypto-NAK
           lambda q: signed_reply(q, 3, SHA256_KEY, hashlib.sha256),        # another key
           lambda q: signed_reply(q, tamper=True)]                          # forged digest
    for i in range(8):
        data, q, a = next_request()
        check(len(data) == 72 and data[48:] == mac(2, SHA1_KEY, data[:48], hashlib.sha1),
              "request %d is signed with key 2 (SHA1), as hashlib computes it" % i)
        srv.sendto(bad[i % 4](q), a)
    time.sleep(0.3)
    c = source_counters(d)
    info("counters: %s" % c)
    for k, want in (("unauth", 2), ("nak", 2), ("wrong_key", 2), ("bad_mac", 2),
                    ("replies", 0), ("updates", 0)):
        check(c[k] == want, "%s %d (got %d)" % (k, want, c[k]))
    r = tsync("--socket", d.socket, "sources", "--json")
    src = json.loads(r.out)["sources"][0]
    check(src["key"] == 2 and src["auth_rejected"] == 8 and src["reach"] == 0,
          "tsync sources --json: key 2, auth_rejected 8, reach 0 (%s)" % src)
    r = tsync("query", "127.0.0.1:%d" % d.port())
    off = parse_seconds(parse_query_text(r.out)[0]["offset"])
    check(r.code == 0 and abs(off) < 0.01, "the clock did not move: %+.6f s" % off)
    # Requests queued while we looked are stale: drop them, then answer
    # each fresh one as it comes.
    drain(srv)
    srv.settimeout(20)
    for _ in range(3):
        _, q, a = next_request()
        srv.sendto(signed_reply(q, ahead=0.0), a)
    time.sleep(0.3)
    c = source_counters(d)
    check(c["replies"] == 3 and c["bad_mac"] == 2,
          "three replies signed with key 2 are taken (replies %d)" % c["replies"])
    code, _ = d.terminate()
    check(code == 0, "tsyncd exits 0")


def refused(conf_lines, what, message):
    conf = os.path.join(tmpdir(), "refused.conf")
    with open(conf, "w") as f:
        f.write("\n".join(conf_lines + ["control none", "clock sim"]) + "\n")
    r = run([tsyncd_path(), "-n", "-f", conf], timeout=30)
    check(r.code == 1 and message % {"conf": conf} in r.err,
          "%s: tsyncd exits 1 saying %r (%d, %r)" % (what, message % {"conf": conf}, r.code,
                                                    r.err))


def refusals():
    loose = keyfile(mode=0o644, name="loose")
    refused(["listen 127.0.0.1 port 0", "keyfile " + loose], "a keys file of mode 0644",
            "keyfile %s: readable by others; refused (chmod 600 it)" % loose)
    theirs = keyfile(name="theirs")
    os.chown(theirs, 4242, -1)
    refused(["listen 127.0.0.1 port 0", "keyfile " + theirs], "a keys file owned by uid 4242",
            "keyfile %s: owned by uid 4242, neither root nor tsyncd's uid %d; refused" %
            (theirs, os.geteuid()))
    good = keyfile(name="good")
    refused(["listen 127.0.0.1 port 0", "keyfile " + good, "server 127.0.0.1 port 9 key 5"],
            "a server key not in the keys file",
            "%%(conf)s:3: server: key 5 is not in %s" % good)
    refused(["listen 127.0.0.1 port 0", "keyfile " + good, "pool localhost port 9 key 7"],
            "Berkeley's key on a pool", "%%(conf)s:3: pool: key 7 in %s is hmac-sha256, "
            "not an NTP key type" % good)
    for args, code, message in (
            (["--key", "1"], 2, "tsync query: --key and --keyfile go together"),
            (["--keyfile", good], 2, "tsync query: --key and --keyfile go together"),
            (["--key", "0", "--keyfile", good], 2, "tsync query: bad value for --key: '0'"),
            (["--key", "5", "--keyfile", good], 1, "tsync: key 5 is not in %s" % good),
            (["--key", "7", "--keyfile", good], 1,
             "tsync: key 7 is not an NTP key type in %s" % good),
            (["--key", "1", "--keyfile", loose], 1,
             "tsync: keyfile %s: readable by others; refused (chmod 600 it)" % loose)):
        r = tsync("query", *(args + ["127.0.0.1:9"]))
        check(r.code == code and message in r.err,
              "tsync query %s: exit %d, %r (%d, %r)" % (" ".join(args), code, message, r.code,
                                                       r.err))
    bad = keyfile("1 MD5 HEX:%s\n" % AES_KEY, name="md5")
    refused(["listen 127.0.0.1 port 0", "keyfile " + bad], "an MD5 key",
            "%s:1: MD5 is refused (RFC 8573 deprecates it): use AES128" % bad)


def test():
    path = keyfile()
    server_side(path)
    client_side(path)
    refusals()


main(test)
