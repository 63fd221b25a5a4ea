#!/usr/bin/env python3
"""
The control socket's directory (issue 12): tsyncd refuses, with a line
naming the directory and what is wrong, to put its socket in a directory
owned by another user (chown nobody), writable by its group, by others, or
by everyone with the sticky bit (/tmp's mode), or in something that is not a
directory; it exits 1 and leaves nothing there. A directory of tsyncd's
`user` is taken. Run as root (as CI runs the suites), so that the test can
give a directory to another user.
"""
import os
import pwd

from tsynctest import LoggedProcess, Tsyncd, check, main, tmpdir, tsync, tsyncd_path

NOBODY = pwd.getpwnam("nobody")


def refused(dir_path, want, what):
    base = tmpdir()
    conf = os.path.join(base, "t.conf")
    sock = os.path.join(dir_path, "t.sock")
    with open(conf, "w") as f:
        f.write("listen 127.0.0.1 port 0\nclock sim\ncontrol %s\n" % sock)
    before = sorted(os.listdir(dir_path)) if os.path.isdir(dir_path) else None
    p = LoggedProcess("tsyncd-" + what.replace(" ", "-"), [tsyncd_path(), "-n", "-f", conf])
    code = p.wait_exit()
    line = "tsyncd: error: control socket directory %s: %s" % (dir_path, want)
    check(code == 1 and line in p.lines, "%s: exit 1 (%s) saying %r" % (what, code, line))
    check("tsyncd: serving" not in p.text(), "%s: it never served" % what)
    after = sorted(os.listdir(dir_path)) if os.path.isdir(dir_path) else None
    check(before == after, "%s: nothing made in it (%s)" % (what, after))


def test():
    check(os.geteuid() == 0, "runs as root, to give a directory to nobody")
    base = tmpdir()
    theirs = os.path.join(base, "theirs")
    os.mkdir(theirs, 0o755)
    os.chown(theirs, NOBODY.pw_uid, NOBODY.pw_gid)
    refused(theirs, "owned by uid %d, neither root nor tsyncd's uid 0; refused" % NOBODY.pw_uid,
            "another user's directory")
    for mode, who in ((0o775, "its group"), (0o757, "others"), (0o1777, "others")):
        d = os.path.join(base, "m%o" % mode)
        os.mkdir(d)
        os.chmod(d, mode)
        refused(d, "writable by %s (mode %04o); refused (chmod go-w it)" % (who, mode),
                "a directory of mode %04o" % mode)
    plain = os.path.join(base, "plain")
    with open(plain, "w") as f:
        f.write("not a directory\n")
    refused(plain, "a regular file, not a directory", "a regular file")
    # The same directory of nobody's is taken when nobody is tsyncd's user.
    sock = os.path.join(theirs, "t.sock")
    d = Tsyncd(["listen 127.0.0.1 port 0", "clock sim", "user nobody", "control " + sock],
               name="tsyncd-user")
    r = tsync("-s", sock, "status")
    check(r.code == 0, "with `user nobody`, nobody's directory holds the socket, answered")
    code, _ = d.terminate()
    check(code == 0 and not os.path.exists(sock), "SIGTERM: exit 0, the socket removed")


if __name__ == "__main__":
    main(test)
