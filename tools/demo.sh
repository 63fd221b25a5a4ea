#!/usr/bin/env bash
# The loopback demonstration: build tsync, start tsyncd serving a
# simulated clock 1.5 s fast, measure it with `tsync query` (NTP's
# four timestamps, then Cristian's view of the same exchange); then a
# small lab: a tsyncd client whose simulated clock is 0.25 s fast and
# gains 50 ppm synchronises from three servers while a fourth, 2 s fast,
# is voted out as a falseticker. Nothing here touches the real clock.
#
# Sign convention (tsync(1), "The sign convention"), for every column:
#   offset = the reference clock minus this clock;
#   positive: this clock is behind, and must go forward by that much.
#
# --keep DIR: keep the logs and configurations in DIR (made if missing)
# instead of deleting them at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

keep=
case "${1:-}" in
--keep) keep=${2:?"--keep needs a folder"}; shift 2 ;;
--keep=*) keep=${1#--keep=}; shift ;;
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) echo "usage: $0 [--keep DIR]" >&2; exit 2 ;;
esac

tools/deps.sh build
. tools/buildlib.sh
BUILDLIB_QUIET=1 buildlib_setup build

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d)
fi
pid=
lab=()
cleanup() {
	for p in $pid "${lab[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ -n "$keep" ]; then
		echo "== logs and configurations kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

cat >"$work/tsyncd.conf" <<CONF
# A lab "machine" whose clock is 1.5 s fast, serving on a free port.
listen 127.0.0.1 port 0
stratum 8
clock sim offset 1.5
control $work/tsyncd.sock
CONF

# The address a tsyncd writing its log to $1 listens on, once it does.
address_of() {
	for _ in $(seq 100); do
		grep -q "listening on" "$1" && break
		sleep 0.1
	done
	sed -n 's/.*listening on \(.*\)/\1/p' "$1" | head -n1
}

build/src/tsyncd -n -f "$work/tsyncd.conf" 2>"$work/log" &
pid=$!
server=$(address_of "$work/log")
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

# The lab: four servers (the last one 2 s fast) and a client of all four.
servers=()
start_lab_server() { # name offset
	cat >"$work/$1.conf" <<CONF
listen 127.0.0.1 port 0
stratum 2
clock sim offset $2
control none
CONF
	build/src/tsyncd -n -f "$work/$1.conf" >/dev/null 2>"$work/$1.log" &
	lab+=($!)
	servers+=("$(address_of "$work/$1.log")")
}
for i in 1 2 3; do start_lab_server "server$i" 0; done
start_lab_server ahead 2
{
	echo "listen 127.0.0.1 port 0"
	echo "clock sim offset 0.25 drift 50"
	echo "makestep 0.1 3"
	echo "control $work/client.sock"
	for s in "${servers[@]}"; do
		echo "server ${s%:*} port ${s##*:} minpoll -2 maxpoll -2 iburst"
	done
} >"$work/client.conf"
echo
echo "== a client 0.25 s fast, gaining 50 ppm, polls four servers every 1/4 s:"
echo "   ${servers[*]} (the last one is 2 s fast)"
build/src/tsyncd -n -f "$work/client.conf" >/dev/null 2>"$work/client.log" &
lab+=($!)
client=$(address_of "$work/client.log")
ctl=(build/src/tsync --socket "$work/client.sock")
echo "== offsets are the reference minus the client's clock: + means the client is behind"
echo "== (tsync(1)); 'its offset' is what the client estimates from its servers, 'true"
echo "== offset' is the host's clock minus the client's simulated clock, measured by tsync query"
echo
printf "%6s  %-16s %-16s %s\n" time "its offset" "its frequency" "true offset"
for t in 1 2 3 5 8 12 16 20 25 30; do
	sleep "$((t - ${last:-0}))"
	last=$t
	st=$("${ctl[@]}" status 2>/dev/null || true)
	# tsync query measures the client's clock minus the host's: its
	# negative is the host (the reference) minus the client.
	truth=$(build/src/tsync query -c 2 -i 0.05 "$client" 2>/dev/null |
		awk '$1 == "offset" { v = -$2; printf "%+.9f", v }')
	printf "%5ss  %-16s %-16s %s s\n" "$t" \
		"$(awk '$1 == "offset" {print $2}' <<<"$st") s" \
		"$(awk '$1 == "frequency" {print $2}' <<<"$st") ppm" "${truth:-?}"
done
echo
echo "== tsync status"
"${ctl[@]}" status
echo
echo "== tsync sources"
"${ctl[@]}" sources
echo
echo "== what the client logged"
cat "$work/client.log"
