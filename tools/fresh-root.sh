#!/usr/bin/env bash
# CI's fresh-machine step: README's commands, verbatim, on a minimal Debian
# 12 (mmdebstrap) as a newcomer with sudo would run them: the demo, a meson
# setup that fails half-way, the tests (which must recover from it), the
# demo again, the Berkeley demo, the Quick start in a fresh copy, then the
# Debian package built there from debian/control alone, installed, and
# `tsyncd -t` on its default configuration. lintian checks the package
# here, on the host.
#   tools/fresh-root.sh      as root; output and timings in build-fresh/
# The root's tarball and apt's downloads are cached in TSYNC_FRESH_CACHE
# (default /var/cache/tsync-fresh, the tarball renewed weekly). The root's
# processes are stopped and its mounts undone on any exit, and a run cleans
# up what a killed one left.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "$0: run as root: it builds a root and enters it with chroot" >&2; exit 1; }
tools/deps.sh ci

cache=${TSYNC_FRESH_CACHE:-/var/cache/tsync-fresh}
top=/var/tmp/tsync-fresh
root=$top/root
out=$PWD/build-fresh
user=newcomer
home=/home/$user
mkdir -p "$cache/apt" "$top" "$out"
start=$(date +%s)

# One run at a time: two would share $root.
exec 9>"$top/lock"
flock -w 3600 9 || { echo "$0: another run holds $top/lock" >&2; exit 1; }

# Every mount point under the root, the deepest first.
fresh_mounts() {
	awk -v r="$root" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# The processes running inside the root (what a killed run left, daemons
# of a test cut short): each by its id.
fresh_kill() {
	local p pids=()
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && pids+=("${p#/proc/}")
	done
	[ ${#pids[@]} -eq 0 ] && return 0
	echo "$0: stopping what still runs in $root: ${pids[*]}" >&2
	kill -KILL "${pids[@]}" 2>/dev/null || true
	sleep 1
}

# Undo the mounts, then remove the root, never crossing into a mount that
# would not go (it would delete the host's /dev or /proc).
fresh_teardown() {
	local m
	fresh_kill
	for m in $(fresh_mounts); do
		umount "$m" 2>/dev/null || umount -l "$m" || true
	done
	if [ -n "$(fresh_mounts)" ]; then
		echo "$0: still mounted under $root, not removing it:" >&2
		fresh_mounts >&2
		return 1
	fi
	rm -rf --one-file-system "$root"
}

# Each phase's run time, for the summary at the end (also after a failure).
phases=()
current=
phase() { # summary-name heading command...
	local t0
	t0=$(date +%s)
	current=$1
	echo
	echo "=== fresh root: $2"
	shift 2
	# In the background, so that a TERM ends the run at once (bash waits for
	# a foreground command before it runs a trap); without the lock, which
	# must die with this script, not with what it started.
	"$@" 9>&- &
	wait $!
	phases+=("$(printf '%-46s %5ss' "$current" "$(($(date +%s) - t0))")")
	current=
}
fresh_summary() {
	echo
	echo "=== fresh root: run times"
	{
		printf '%s\n' "${phases[@]}"
		[ -z "$current" ] || printf '%-46s FAILED\n' "$current"
		printf '%-46s %5ss\n' "total" "$(($(date +%s) - start))"
	} | tee "$out/times.txt"
}

fresh_teardown # what a killed run left
trap 'fresh_summary; fresh_teardown || exit 1' EXIT
trap 'exit 130' INT TERM

# The minimal Debian 12, as the brief of issue 12 and INTEROP.md say.
fresh_tarball() {
	local tar=$cache/bookworm.tar
	if [ -n "$(find "$tar" -mtime -7 2>/dev/null)" ]; then
		echo "cached: $tar"
		return 0
	fi
	rm -f "$tar.new.tar"
	mmdebstrap --variant=apt --include=ca-certificates,sudo,git bookworm "$tar.new.tar"
	mv "$tar.new.tar" "$tar"
}

# Unpack it and make it what a Debian install has: /etc/hosts as the
# installer writes it (localhost on 127.0.0.1 and ::1, the host's name on
# 127.0.1.1), a resolver, /proc, /sys, /dev; a /run of its own (a bind of
# the host's would show the host's systemd and sockets to the root's
# maintainer scripts and tests); and a user who may sudo.
fresh_unpack() {
	mkdir "$root"
	# A mount point of its own, as / is on a machine: `unshare -m` (a test
	# hides /etc that way) changes the propagation of / and fails on a
	# plain directory.
	mount --bind "$root" "$root"
	tar -C "$root" -xpf "$cache/bookworm.tar"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
		"$(uname -n)" >"$root/etc/hosts"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
	mount -t proc proc "$root/proc"
	mount --bind /sys "$root/sys"
	mount --bind /dev "$root/dev"
	mount --bind /dev/pts "$root/dev/pts"
	mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
	mount --bind "$cache/apt" "$root/var/cache/apt/archives"
	chroot "$root" useradd -m -s /bin/bash "$user"
	echo "$user ALL=(ALL) NOPASSWD: ALL" >"$root/etc/sudoers.d/$user"
	chmod 0440 "$root/etc/sudoers.d/$user"
}

# A clean checkout of HEAD (what is committed, nothing else) in $1.
fresh_checkout() {
	mkdir -p "$root$home/$1"
	git archive --format=tar HEAD | tar -C "$root$home/$1" -x
	chroot "$root" chown -R "$user:$user" "$home/$1"
}

# A command as the user, in $1 under their home, with a login's environment.
as_user() { # dir commands
	chroot "$root" runuser -l "$user" -c "set -e; cd ~/$1; $2"
}

# The commands README shows, checked to be there word for word: an
# indented line of its own.
readme_cmd() {
	grep -qxF "    $1" README.md || { echo "$0: README.md no longer shows '$1'" >&2; exit 1; }
	echo "$1"
}
demo=$(readme_cmd "tools/demo.sh")
tests=$(readme_cmd "sudo tools/test.sh")
berkeley=$(readme_cmd "tools/berkeley-demo.sh")
quick1=$(readme_cmd "tools/deps.sh build          # gcc, meson, libuv, check... from Debian")
quick2=$(readme_cmd "meson setup build && ninja -C build")
deb1=$(readme_cmd "tools/deps.sh deb")
deb2=$(readme_cmd "dpkg-buildpackage -us -uc -b")
deb3=$(readme_cmd "sudo apt-get install ../tsync_*.deb")
deb4=$(readme_cmd "sudo tsyncd -t")
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
	echo "note: uncommitted changes are not part of this run (it takes HEAD)"

# A build directory as a failed `meson setup` leaves it (the state of
# issue 12: a dependency missing), which the next command must get past.
half_made() {
	as_user tsync "rm -rf build; ! PKG_CONFIG_LIBDIR=/nonexistent meson setup build >/dev/null 2>&1
test -d build/meson-private; ! test -f build/build.ninja"
}

# README's package commands in a fresh copy; the .deb comes out for lintian.
package() {
	fresh_checkout tsync-deb
	# apt-get asks before it removes another time daemon: the newcomer says
	# yes (and yes ends on SIGPIPE, which is no failure).
	{ yes || true; } | as_user tsync-deb "$deb1"$'\n'"$deb2"$'\n'"$deb3"$'\n'"$deb4"
	cp "$root$home"/tsync*_*.deb "$root$home"/tsync_*.changes "$root$home"/tsync_*.buildinfo "$out/"
	echo "conffiles: $(chroot "$root" dpkg-query -W -f='${Conffiles}' tsync)"
	echo "user: $(chroot "$root" getent passwd _tsyncd)"
	chroot "$root" getent passwd _tsyncd >/dev/null
	if chroot "$root" test -e /lib/systemd/system/tsyncd-wait.service; then
		echo "tsyncd-wait.service: in the package"
	else
		echo "tsyncd-wait.service: NOT in the package (meson does not install it yet)"
	fi
}

# lintian on the host: errors fail the step; its whole output is kept.
lint() {
	rm -f "$out/lintian.txt"
	lintian --pedantic --display-info "$out"/tsync_*_"$(dpkg --print-architecture)".changes 2>&1 |
		grep -v '^running with root privileges' | tee "$out/lintian.txt"
	! grep -q '^E:' "$out/lintian.txt"
}

rm -f "$out"/tsync*_* "$out"/lintian.txt
phase "mmdebstrap bookworm (or the cached tarball)" "a minimal Debian 12" fresh_tarball
phase "unpack, mount, user $user" "a root of its own" fresh_unpack
fresh_checkout tsync
phase "$demo (first time)" "$demo, in a clean checkout, the first time" as_user tsync "$demo"
phase "a meson setup that fails half-way" "a half-made build/, as issue 12 found it" half_made
phase "$tests (after the failed setup)" "$tests" as_user tsync "$tests"
phase "$demo (again, after the tests)" "$demo, again" as_user tsync "$demo"
phase "$berkeley" "$berkeley" as_user tsync "$berkeley"
fresh_checkout tsync-quick
phase "Quick start (fresh copy)" "Quick start: $quick1; $quick2" as_user tsync-quick "$quick1"$'\n'"$quick2"
phase "package: build, install, tsyncd -t" "the Debian package: $deb1; $deb2; $deb3; $deb4" package
phase "lintian (host)" "lintian" lint
