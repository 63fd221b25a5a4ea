#!/usr/bin/env bash
# The Berkeley lab on loopback: a master and five slaves, each tsyncd with
# its own simulated clock (-3 s ... +5 s, different drifts), one group on
# IPv4 loopback multicast, authenticated with a fresh HMAC-SHA-256 key.
# Round by round it prints each clock's true offset from the master's and
# the spread, until the spread is under 1 ms (and two rounds more, which
# show the drifts at work between rounds); then it stops everything it
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

names=(master slave1 slave2 slave3 slave4 slave5)
offsets=(0.7 -3 5 -1.2 2.4 4.1)
drifts=(15 -60 80 -25 40 -90)
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
berkeley interval 1
berkeley step 0.001
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
echo "== a Berkeley group on $group port $port (loopback), authenticated, interval 1 s"
echo "== offsets from the master's clock, in milliseconds (true, from each sim clock)"
printf "%-8s" round
printf " %12s" "${names[@]}" spread
echo
declare -a counts offs
read_offsets
print_row start || true
round=0
converged=
while [ "$round" -lt 30 ]; do
	round=$((round + 1))
	for _ in $(seq 300); do
		grep -q "berkeley: round $round id" "$work/master.log" && break
		sleep 0.02
	done
	sleep 0.3 # the slaves apply their adjustments
	read_offsets
	if print_row "$round" && [ -z "$converged" ]; then
		converged=$round
	fi
	# Two more rounds show that the group stays together.
	[ -n "$converged" ] && [ "$round" -ge $((converged + 2)) ] && break
done
[ -n "$converged" ] || { echo "== no convergence in $round rounds" >&2; exit 1; }
echo "== spread under 1 ms after round $converged"
round=$converged
echo
echo "== the master's log of round $round"
id=$(sed -n "s/.*berkeley: round $round id \([0-9a-f]*\):.*/\1/p" "$work/master.log")
grep -E "berkeley: round $round |adjusted itself .* in round $id" "$work/master.log"
echo
echo "== tsync berkeley, asking the master over its control socket"
build/src/tsync -s "$work/master.sock" berkeley
