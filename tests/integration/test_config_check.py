#!/usr/bin/env python3
"""
`tsyncd -t` checks more than the syntax: a missing configuration file
(the default one too) fails, and so does each thing the file names that
would stop the daemon at start: the keys file (read and checked as at
start: mode, owner, the keys the servers and the Berkeley group name),
the drift file's directory, the user, the control group and the control
socket's directory. Each failure is one clear line, all of them are
reported, nothing goes to stdout and the exit status is 1.
Run as root (as CI does): the default file's test hides /etc in a mount
namespace of its own, and the keys file is given to another owner.
"""
import os
import re

from tsynctest import check, main, run, tmpdir, tsyncd_path

KEY = "2b7e151628aed2a6abf7158809cf4f3c"


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def check_t(d, name, lines, want_errors):
    """tsyncd -t on a file of lines: OK when want_errors is empty, else
    exit 1 with exactly those messages (regexps), one line each."""
    conf = write(os.path.join(d, name + ".conf"), "".join(l + "\n" for l in lines))
    r = run([tsyncd_path(), "-t", "-f", conf])
    if not want_errors:
        check(r.code == 0 and r.out == "%s: configuration OK\n" % conf and r.err == "",
              "%s: -t says OK (%s, %r)" % (name, r.code, r.err))
        return
    got = r.err.splitlines()
    check(r.code == 1 and r.out == "", "%s: -t exits 1, nothing on stdout (%s)" % (name, r.code))
    check(len(got) == len(want_errors), "%s: %d error lines (got %r)" %
          (name, len(want_errors), got))
    for line, want in zip(got, want_errors):
        rx = r"^tsyncd: error: %s" % want.replace("CONF", re.escape(conf))
        check(re.match(rx, line) is not None, "%s: %r matches %r" % (name, line, rx))


def default_file_missing():
    """No /etc/tsyncd.conf: -t fails (the daemon alone starts on defaults).
    /etc is hidden under an empty tmpfs in a mount namespace of our own."""
    r = run(["unshare", "-m", "sh", "-c",
             "mount -t tmpfs none /etc && exec %s -t" % tsyncd_path()])
    check(r.code == 1 and r.out == "" and
          r.err == "tsyncd: /etc/tsyncd.conf: No such file or directory\n",
          "no /etc/tsyncd.conf: tsyncd -t exits 1 and names it (%s, %r)" % (r.code, r.err))
    missing = os.path.join(tmpdir(), "none.conf")
    r = run([tsyncd_path(), "-t", "-f", missing])
    check(r.code == 1 and r.err == "tsyncd: %s: No such file or directory\n" % missing,
          "-f a missing file: exit 1, named (%r)" % r.err)


def keys(d):
    good = write(os.path.join(d, "good.keys"), "5 SHA1 HEX:%s\n7 hmac-sha256 %s\n" % (KEY, KEY),
                 0o600)
    loose = write(os.path.join(d, "loose.keys"), "5 SHA1 HEX:%s\n" % KEY, 0o644)
    nobodys = write(os.path.join(d, "nobody.keys"), "5 SHA1 HEX:%s\n" % KEY, 0o600)
    os.chown(nobodys, 65534, 65534)
    base = ["listen 127.0.0.1 port 0", "clock sim", "control none"]
    nokeys = os.path.join(d, "absent.keys")
    check_t(d, "keys-absent", base + ["keyfile " + nokeys],
            ["CONF: keyfile %s: No such file or directory$" % re.escape(nokeys)])
    check_t(d, "keys-loose", base + ["keyfile " + loose],
            [r"CONF: keyfile %s: readable by others; refused \(chmod 600 it\)$" % re.escape(loose)])
    check_t(d, "keys-owner", base + ["keyfile " + nobodys],
            [r"CONF: keyfile %s: owned by uid 65534, neither root nor tsyncd's uid 0; refused$"
             % re.escape(nobodys)])
    # The user tsyncd switches to may own it, as at start.
    check_t(d, "keys-owner-user", base + ["keyfile " + nobodys, "user nobody"], [])
    check_t(d, "keys-server", base + ["keyfile " + good, "server 127.0.0.1 port 9 key 6"],
            [r"CONF:\d+: server: key 6 is not in %s$" % re.escape(good)])
    check_t(d, "keys-server-type", base + ["keyfile " + good, "server 127.0.0.1 port 9 key 7"],
            [r"CONF:\d+: server: key 7 in %s is hmac-sha256, not an NTP key type$"
             % re.escape(good)])
    brk = ["berkeley slave", "berkeley group 239.255.9.9 port 5999 interface lo"]
    check_t(d, "keys-berkeley", base + ["keyfile " + good] + brk + ["berkeley key 9"],
            [r"berkeley: key 9 is not in %s \(the group's key\)$" % re.escape(good)])
    # Member keys: our own must be there; another member's may be missing
    # (that member is not heard), not of a type other than hmac-sha256.
    check_t(d, "keys-berkeley-own", base + ["keyfile " + good] + brk +
            ["berkeley node a1", "berkeley member a1 key 9", "berkeley member b2 key 7"],
            [r"berkeley: key 9 is not in %s \(our own key\)$" % re.escape(good)])
    check_t(d, "keys-berkeley-member", base + ["keyfile " + good] + brk +
            ["berkeley key 7", "berkeley member b2 key 5"],
            [r"berkeley: key 5 in %s is \w+, not hmac-sha256$" % re.escape(good)])
    check_t(d, "keys-berkeley-members", base + ["keyfile " + good] + brk +
            ["berkeley node a1", "berkeley member a1 key 7", "berkeley member b2 key 8"], [])
    check_t(d, "keys-good", base + ["keyfile " + good, "server 127.0.0.1 port 9 key 5"] + brk +
            ["berkeley key 7"], [])


def named_things(d):
    base = ["listen 127.0.0.1 port 0", "clock sim"]
    gone = os.path.join(d, "gone")
    check_t(d, "drift", base + ["control none", "driftfile %s/drift" % gone],
            ["CONF: driftfile %s/drift: the directory %s does not exist$" % (gone, gone)])
    check_t(d, "user", base + ["control none", "user tsync-no-such-user"],
            ["CONF: user tsync-no-such-user: no such user$"])
    check_t(d, "user-root", base + ["control none", "user root"],
            ["CONF: user root: is root; name an unprivileged user$"])
    check_t(d, "group", base + ["control none", "controlgroup tsync-no-such-group"],
            ["CONF: controlgroup tsync-no-such-group: no such group$"])
    check_t(d, "control", base + ["control %s/a/b.sock" % gone],
            ["CONF: control %s/a/b.sock: neither the directory %s/a nor its parent %s exists$"
             % (gone, gone, gone)])
    # Every problem is reported, in one run.
    check_t(d, "all", base + ["control %s/a/b.sock" % gone, "driftfile %s/drift" % gone,
                              "user tsync-no-such-user", "controlgroup tsync-no-such-group"],
            ["CONF: user tsync-no-such-user: ", "CONF: controlgroup tsync-no-such-group: ",
             "CONF: driftfile ", "CONF: control "])
    # What exists passes; a missing control directory whose parent exists
    # is made at start, so it passes too.
    check_t(d, "good", base + ["control %s/new/ctl.sock" % d, "driftfile %s/drift" % d,
                               "user nobody", "controlgroup nogroup"], [])


def test():
    check(os.geteuid() == 0, "running as root (as CI does): a mount namespace, chown")
    d = tmpdir()
    default_file_missing()
    keys(d)
    named_things(d)


if __name__ == "__main__":
    main(test)
