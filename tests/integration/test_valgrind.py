"""
tsyncd and tsync under valgrind: a daemon that serves good and bad
requests and is shut down by SIGTERM, a second one that is its client, a
query and a status request must all end with no memory error and no leak
(every libuv handle closed, uv_loop_close == 0).
"""
import os
import re
import socket
import time

from tsynctest import (Failure, LoggedProcess, check, decode, exchange, find_tool, main,
                       request, run, tmpdir, tsync_path, tsyncd_path, udp_socket)

VALGRIND_ARGS = ["--error-exitcode=99", "--leak-check=full", "--show-leak-kinds=all",
                 "--errors-for-leak-kinds=all"]


def check_clean(text, what):
    check(re.search(r"ERROR SUMMARY: 0 errors", text) is not None,
          "%s: valgrind reports no errors" % what)
    check("All heap blocks were freed" in text, "%s: every heap block was freed" % what)


def client_role(valgrind, tmp, port):
    """A second tsyncd, the first one's client (one server by address, one
    by name, resolved by libuv's thread pool), synchronises, answers the
    control socket, saves its drift file and exits clean."""
    conf = tmp + "/client.conf"
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nclock sim offset -0.5\nmakestep 0.1 3\n"
                "control %s/client.sock\ndriftfile %s/drift\n"
                "server 127.0.0.1 port %d minpoll -3 maxpoll -3 iburst\n"
                "pool localhost port %d minpoll -3 maxpoll -3\n" % (tmp, tmp, port, port))
    c = LoggedProcess("tsyncd-client", [valgrind] + VALGRIND_ARGS +
                      [tsyncd_path(), "-n", "-f", conf])
    c.wait_line(r"^tsyncd: synchronised to ", timeout=120)
    st = run([tsync_path(), "--socket", tmp + "/client.sock", "status"], timeout=60)
    check(st.code == 0 and "stratum" in st.out, "the client answers tsync status")
    c.proc.send_signal(15)
    code = c.wait_exit(timeout=120)
    check(code == 0, "the client under valgrind exits 0 after SIGTERM (got %s)" % code)
    check("handles left open" not in c.text(), "the client closed every libuv handle")
    check_clean(c.text(), "tsyncd as a client")


def test():
    valgrind = find_tool("valgrind")
    sock = tmpdir() + "/tsyncd.sock"
    conf = sock + ".conf"
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nlisten ::1 port 0\nstratum 8\nclock sim offset 1.5\n"
                "control %s\n" % sock)
    d = LoggedProcess("tsyncd", [valgrind] + VALGRIND_ARGS + [tsyncd_path(), "-n", "-f", conf])
    # valgrind is slow to start on a small machine: wait generously.
    _, m = d.wait_line(r"^tsyncd: listening on 127\.0\.0\.1:(\d+)$", timeout=120)
    port = int(m.group(1))
    d.wait_line(r"^tsyncd: serving ", timeout=120)

    s = udp_socket("127.0.0.1")
    for pkt in (request(), b"\x1b", request(version=0), request(mode=6), request() + b"\0" * 7):
        s.sendto(pkt, ("127.0.0.1", port))
    reply, _ = exchange(s, ("127.0.0.1", port), request(), timeout=30)
    check(reply is not None and decode(reply)["mode"] == 4, "tsyncd under valgrind answers")

    q = run([valgrind] + VALGRIND_ARGS + [tsync_path(), "query", "-c", "2", "-t", "10",
                                          "127.0.0.1:%d" % port], timeout=180)
    check(q.code == 0, "tsync query under valgrind exits 0 (got %s)" % q.code)
    check_clean(q.err, "tsync query")

    client_role(valgrind, tmpdir(), port)
    st = run([valgrind] + VALGRIND_ARGS + [tsync_path(), "-s", sock, "status"], timeout=180)
    check(st.code == 0 and "stratum" in st.out, "tsync status under valgrind exits 0")
    check_clean(st.err, "tsync status")
    # A refused request, and two connections still open at shutdown (one
    # silent, one half a request): all must be closed and freed.
    bad = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    bad.settimeout(60)
    bad.connect(sock)
    bad.sendall(b"NTP!" + bytes(8))
    check(len(bad.recv(100)) == 12, "a bad request gets its error reply")
    pending = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(2)]
    for p in pending:
        p.connect(sock)
    pending[1].sendall(b"TSYC\x01")
    time.sleep(0.5)

    d.proc.send_signal(15)
    code = d.wait_exit(timeout=120)
    check(code == 0, "tsyncd under valgrind exits 0 after SIGTERM (got %s)" % code)
    check("handles left open" not in d.text(), "tsyncd closed every libuv handle")
    check_clean(d.text(), "tsyncd")
    check(not os.path.exists(sock), "the control socket is removed")


if __name__ == "__main__":
    main(test)
