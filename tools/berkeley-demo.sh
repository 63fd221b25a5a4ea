#!/usr/bin/env bash
# The Berkeley lab on loopback: a master and five slaves, each tsyncd with
# its own simulated clock, one group on IPv4 loopback multicast,
# authenticated with a fresh HMAC-SHA-256 key. Five clocks within the
# tolerance are averaged together and one 40 s off is left out (and
# brought in); round by round it prints each clock's true offset from the
# master's just before the next round, so the drifts show, and then shrink
# as the clocks learn their frequencies. Then it stops everything it
# started. Nothing here touches the real clock, and no root is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/deps.sh build
. tools/buildlib.sh
BUILDLIB_QUIET=1 buildlib_setup build

work=$(mktemp -d)
pids=()
declare -A pid_of
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Five clocks within the tolerance (0.5 s) of each other, averaged
# together; one 40 s off, left out of the average but brought in.
names=(master slave1 slave2 slave3 slave4 outlier)
offsets=(0.1 -0.15 0.3 -0.05 0.2 40)
drifts=(60 -90 100 -40 80 -70)
interval=2
group="239.255.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
port=$((RANDOM % 20000 + 30000))

# A key only the demo can read: the group refuses anything else.
umask 077
printf '1 hmac-sha256 %s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$work/keys"

start() { # name role offset drift
	cat >"$work/$1.conf" <<CONF
listen 127.0.0.1 port 0
control $work/$1.sock
clock sim offset $3 drift $4
keyfile $work/keys
berkeley $2
berkeley group $group port $port interface lo
berkeley interval $interval
berkeley tolerance 0.5
berkeley key 1
CONF
	build/src/tsyncd -n -f "$work/$1.conf" 2>"$work/$1.log" &
	pids+=($!)
	pid_of[$1]=$!
	for _ in $(seq 100); do
		grep -q "tsyncd: serving" "$work/$1.log" && return
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.05
	done
	cat "$work/$1.log" >&2
	exit 1
}

# Each clock's true offset (the sim clock minus the host's), from the
# line each daemon logs on SIGUSR1.
read_offsets() {
	local i n
	for i in "${!names[@]}"; do
		counts[i]=$(grep -c "berkeley clock offset=" "$work/${names[i]}.log" || true)
		kill -USR1 "${pid_of[${names[i]}]}"
	done
	for i in "${!names[@]}"; do
		for _ in $(seq 200); do
			n=$(grep -c "berkeley clock offset=" "$work/${names[i]}.log" || true)
			[ "$n" -gt "${counts[i]}" ] && break
			sleep 0.01
		done
		offs[i]=$(sed -n 's/.*berkeley clock offset=\([-+0-9.]*\) .*/\1/p' \
			"$work/${names[i]}.log" | tail -n1)
	done
}

# One row: each clock's offset from the master's in ms, and the spread.
print_row() {
	echo "$1 ${offs[*]}" | awk '{
		printf "%-8s", $1
		lo = hi = $2
		for (i = 2; i <= NF; i++) {
			printf " %+12.3f", ($i - $2) * 1000
			if ($i < lo) lo = $i
			if ($i > hi) hi = $i
		}
		printf " %12.3f\n", (hi - lo) * 1000
		exit (hi - lo < 0.001) ? 0 : 1 }'
}

for i in 1 2 3 4 5; do start "${names[i]}" slave "${offsets[i]}" "${drifts[i]}"; done
start master master "${offsets[0]}" "${drifts[0]}"
echo "== a Berkeley group on $group port $port (loopback), authenticated, interval $interval s,"
echo "== tolerance 0.5 s; drifts ${drifts[*]} ppm"
echo "== offsets from the master's clock in milliseconds (true, from each sim clock),"
echo "== read just before each round: what the clocks drifted apart since the last"
printf "%-8s" before
printf " %12s" "${names[@]}" spread
printf "  %s\n" "the master's average of that round"
declare -a counts offs
read_offsets
print_row start || true
round=0
while [ "$round" -lt 12 ]; do
	round=$((round + 1))
	for _ in $(seq 500); do
		grep -q "berkeley: round $round id" "$work/master.log" && break
		sleep 0.02
	done
	avg=$(sed -n "s/.*berkeley: round $round id [0-9a-f]*: \(average .*\)/\1/p" \
		"$work/master.log")
	# The adjustments were sent at 4/10 of the round; read 9/10 in.
	sleep "$(echo "$interval" | awk '{ print $1 / 2 }')"
	read_offsets
	print_row "$((round + 1))" | tr -d '\n' || true
	echo "  round $round: $avg"
done
echo
echo "== round 1, as the master logged it: the five clocks within 0.5 s averaged"
echo "== (in), the outlier left out (out) and still brought to the average"
grep -E "berkeley: round 1 " "$work/master.log"
echo
echo "== the frequencies the clocks learnt from their adjustments (drift + correction"
echo "== should be about the same for all: the group's mean)"
for i in "${!names[@]}"; do
	f=$(sed -n 's/.*frequency correction \([-+0-9.]*\) ppm.*/\1/p' "$work/${names[i]}.log" |
		tail -n1)
	printf "%-8s drift %+5d ppm, correction %+9s ppm\n" "${names[i]}" "${drifts[i]}" "${f:-none}"
done
echo
echo "== tsync berkeley, asking the master over its control socket"
build/src/tsync -s "$work/master.sock" berkeley
