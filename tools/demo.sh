#!/usr/bin/env bash
# The loopback demonstration: build tsync, start tsyncd serving a
# simulated clock 1.5 s fast, measure it with `tsync query` (NTP's
# four timestamps, then Cristian's view of the same exchange), stop.
# Nothing here touches the real clock.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/deps.sh build
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null

work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/tsyncd.conf" <<CONF
# A lab "machine" whose clock is 1.5 s fast, serving on a free port.
listen 127.0.0.1 port 0
stratum 8
clock sim offset 1.5
control $work/tsyncd.sock
CONF

build/src/tsyncd -n -f "$work/tsyncd.conf" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do
	grep -q "listening on" "$work/log" && break
	sleep 0.1
done
server=$(sed -n 's/.*listening on \(.*\)/\1/p' "$work/log" | head -n1)
[ -n "$server" ] || { cat "$work/log" >&2; exit 1; }

echo "== tsyncd on $server, its clock simulated 1.5 s fast"
cat "$work/log"
echo
echo "== tsync query $server"
build/src/tsync query "$server"
echo
echo "== tsync query --cristian $server"
build/src/tsync query --cristian "$server"
echo
echo "== tsync status, over tsyncd's control socket"
build/src/tsync -s "$work/tsyncd.sock" status
echo
kill -TERM "$pid"
wait "$pid"
pid=
echo "== tsyncd stopped"
tail -n 2 "$work/log"
