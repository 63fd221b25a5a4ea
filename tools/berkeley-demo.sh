#!/usr/bin/env bash
# The Berkeley lab on loopback: a master and N slaves, each tsyncd with its
# own simulated clock (offset and drift), one group on IPv4 loopback
# multicast, authenticated with a fresh HMAC-SHA-256 key. Round by round it
# prints the master's view in words (what it read, which clocks it
# averaged, which it left out, what it told each to do) and each clock's
# true offset, until the spread is under 1 ms. By default four clocks
# within the tolerance are averaged together and one 1.5 s off is left out
# of the average, told to come to it, and brought in the next round.
# Nothing here touches the real clock, and no root is needed.
#
# Sign convention (tsync(1), "The sign convention"), for every column:
#   offset = the reference clock minus this clock, here the master's
#   clock minus each clock: positive when the clock is behind the master.
#   An adjustment is what a clock adds to itself: positive moves it forward.
#
# Options:
#   --slaves N          number of slaves (1 to 20; default 5)
#   --offsets LIST      each clock's error in seconds, master first, comma
#                       separated (default 0,-0.012,0.018,-0.006,0.009,1.5)
#   --drifts LIST       each clock's drift in ppm, master first
#                       (default 30,-40,50,-20,10,-30)
#   --tolerance S       the fault-tolerant average's window (default 0.05)
#   --interval S        seconds between rounds (default 2)
#   --rounds N          rounds to show (default 8)
#   --liar NAME         NAME (slaveK) has a clock that runs 1000 ppm fast
#                       (the most a simulated clock may) and learns no
#                       frequency: every round it reads 1 ms per second of
#                       interval away from the others, as a member that
#                       lies about its time would; with a tolerance below
#                       that (and offsets within it), it is left out of
#                       every average: see tsync-lab(7)
#   --lossy NAME:SPEC   NAME (slaveK) reaches the group through tsync-relay
#                       --berkeley with the faults SPEC each way, as
#                       loss=30,delay=5 (see tsync-relay(1)), or OUT/BACK,
#                       the way from the master then the way back, as
#                       delay=8/delay=0; the group then runs without MACs,
#                       which the relay would break
#   --kill-master R     every slave is a candidate; the master is killed
#                       after round R, and a candidate takes over
#   --keep DIR          keep logs, offsets.csv (a row per clock per round),
#                       master.csv (tsync berkeley --csv each round) and
#                       offsets.png (gnuplot) in DIR
# It exits 0 when the clocks that follow the group end within 1 ms of each
# other, else 1.
# With TSYNCD, TSYNC and TSYNC_RELAY set (as the test suite sets them),
# those programs are used as they are: nothing is installed or built.
set -euo pipefail
cd "$(dirname "$0")/.."

nslaves=5
offsets_arg=
drifts_arg=
tolerance=0.05
interval=2
rounds=8
liar=
lossy=
kill_at=0
keep=

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
}
while [ $# -gt 0 ]; do
	case "$1" in
	--slaves) nslaves=$2; shift 2 ;;
	--offsets) offsets_arg=$2; shift 2 ;;
	--drifts) drifts_arg=$2; shift 2 ;;
	--tolerance) tolerance=$2; shift 2 ;;
	--interval) interval=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--liar) liar=$2; shift 2 ;;
	--kill-master) kill_at=$2; shift 2 ;;
	--lossy) lossy=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "$0: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
done
number() { [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "$0: $1 wants a number, not '$2'" >&2; exit 2; }; }
number --slaves "$nslaves"
number --tolerance "$tolerance"
number --interval "$interval"
number --rounds "$rounds"
number --kill-master "$kill_at"
[ "$nslaves" -ge 1 ] && [ "$nslaves" -le 20 ] || { echo "$0: --slaves 1 to 20" >&2; exit 2; }

names=(master)
for i in $(seq "$nslaves"); do names+=("slave$i"); done
default_offsets=(0 -0.012 0.018 -0.006 0.009 1.5)
default_drifts=(30 -40 50 -20 10 -30)
if [ -n "$offsets_arg" ]; then IFS=, read -r -a offsets <<<"$offsets_arg"; else
	offsets=("${default_offsets[@]}"); fi
if [ -n "$drifts_arg" ]; then IFS=, read -r -a drifts <<<"$drifts_arg"; else
	drifts=("${default_drifts[@]}"); fi
# Missing values: 0 s and 0 ppm.
for i in "${!names[@]}"; do
	offsets[i]=${offsets[i]:-0}
	drifts[i]=${drifts[i]:-0}
done
lossy_name=${lossy%%:*} lossy_spec=${lossy#*:}
if [ -n "$lossy" ] && { [[ " ${names[*]:1} " != *" $lossy_name "* ]] ||
	[ "$lossy_spec" = "$lossy" ]; }; then
	echo "$0: --lossy NAME:SPEC, NAME one of slave1 to slave$nslaves (got '$lossy')" >&2
	exit 2
fi
if [ -n "$liar" ] && [[ " ${names[*]:1} " != *" $liar "* ]]; then
	echo "$0: --liar $liar: no such slave (slave1 to slave$nslaves)" >&2
	exit 2
fi

if [ -z "${TSYNCD:-}" ] || [ -z "${TSYNC:-}" ] || [ -z "${TSYNC_RELAY:-}" ]; then
	tools/deps.sh build
	. tools/buildlib.sh
	BUILDLIB_QUIET=1 buildlib_setup build
fi
tsyncd=${TSYNCD:-build/src/tsyncd}
tsync=${TSYNC:-build/src/tsync}
relay=${TSYNC_RELAY:-build/src/tsync-relay}

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	work=$(cd "$keep" && pwd)
	rm -f "$work"/*.log "$work"/*.csv "$work"/offsets.png
else
	work=$(mktemp -d)
fi
pids=()
declare -A pid_of node_of name_of
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ -n "$keep" ]; then echo "== kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

group="239.255.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
port=$((RANDOM % 20000 + 30000))
# A key only the demo can read: the group refuses anything else.
umask 077
printf '1 hmac-sha256 %s\n' "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$work/keys"
umask 022

# The lossy member's own group address, which only the relay sends to.
own_group="239.255.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
while [ "$own_group" = "$group" ]; do own_group="239.255.9.$((RANDOM % 250 + 1))"; done
start() { # name role offset drift [extra line]
	local g=$group auth="keyfile $work/keys
berkeley key 1"
	[ "$1" = "$lossy_name" ] && g=$own_group
	[ -n "$lossy" ] && auth="berkeley auth none"
	cat >"$work/$1.conf" <<CONF
listen 127.0.0.1 port 0
control $work/$1.sock
clock sim offset $3 drift $4
berkeley $2
berkeley group $g port $port interface lo
berkeley interval $interval
berkeley tolerance $tolerance
berkeley step 0.1
$auth
${5:-}
CONF
	"$tsyncd" -n -T -f "$work/$1.conf" 2>"$work/$1.log" &
	pids+=($!)
	pid_of[$1]=$!
	for _ in $(seq 200); do
		grep -q "tsyncd: serving" "$work/$1.log" && return
		kill -0 "${pid_of[$1]}" 2>/dev/null || break
		sleep 0.05
	done
	cat "$work/$1.log" >&2
	exit 1
}

alive=("${names[@]}")
# Each clock's true offset (its sim clock minus the host's) and node id,
# from the line each daemon logs on SIGUSR1.
declare -A off
read_offsets() {
	local n c before
	declare -A before
	for n in "${alive[@]}"; do
		before[$n]=$(grep -c "berkeley clock offset=" "$work/$n.log" || true)
		kill -USR1 "${pid_of[$n]}"
	done
	for n in "${alive[@]}"; do
		for _ in $(seq 300); do
			c=$(grep -c "berkeley clock offset=" "$work/$n.log" || true)
			[ "$c" -gt "${before[$n]}" ] && break
			sleep 0.01
		done
		local line
		line=$(grep "berkeley clock offset=" "$work/$n.log" | tail -n1)
		off[$n]=$(sed -n 's/.*berkeley clock offset=\([-+0-9.]*\) .*/\1/p' <<<"$line")
		node_of[$n]=$(sed -n 's/.* node=\([0-9a-f]*\).*/\1/p' <<<"$line")
		name_of[${node_of[$n]}]=$n
	done
}

if [ -n "$lossy" ]; then
	# As root, real-time scheduling keeps its delays (tsync-relay(1), -P).
	rt=()
	[ "$(id -u)" = 0 ] && rt=(-P 10)
	# OUT/BACK: each way its own faults; else the same both ways.
	faults=(--both "$lossy_spec")
	[[ $lossy_spec == */* ]] && faults=(--out "${lossy_spec%%/*}" --back "${lossy_spec#*/}")
	"$relay" "${rt[@]}" --berkeley --seed 1 "${faults[@]}" "$group:$port" \
		"$own_group:$port" 2>"$work/relay.log" &
	pids+=($!)
	relay_pid=$!
	for _ in $(seq 100); do
		grep -q "bridging" "$work/relay.log" && break
		kill -0 "$relay_pid" 2>/dev/null || { cat "$work/relay.log" >&2; exit 1; }
		sleep 0.05
	done
fi
role() { # the role a slave starts with
	if [ "$kill_at" != 0 ]; then echo candidate; else echo slave; fi
}
for i in $(seq "$nslaves"); do
	n=${names[i]} r=$(role) extra=
	if [ "$n" = "$liar" ]; then
		drifts[i]=1000 extra="berkeley frequency off"
		# The liar is the worst candidate: an honest one takes over first.
		[ "$r" = candidate ] && r="candidate priority 10"
	fi
	start "$n" "$r" "${offsets[i]}" "${drifts[i]}" "$extra"
done
start master master "${offsets[0]}" "${drifts[0]}"
read_offsets

echo "== a Berkeley group of ${#names[@]} clocks on $group port $port (loopback),"
echo "== $([ -n "$lossy" ] && echo "not authenticated" || echo "authenticated (HMAC-SHA-256)"), a round every $interval s, tolerance $tolerance s"
for i in "${!names[@]}"; do
	n=${names[i]}
	printf "==   %-8s clock %+.6f s off the host's, drift %+d ppm%s\n" "$n" "${offsets[i]}" \
		"${drifts[i]}" "$([ "$n" = "$liar" ] && echo " (the liar: runs 1000 ppm fast, learns nothing)")"
done
if [ -n "$lossy" ]; then
	echo "== $lossy_name reaches the group through tsync-relay: $lossy_spec (out/back, or both);"
	echo "== the group runs without MACs (the relay moves the POLLs to its own address)"
fi
echo "== offsets: the master's clock minus each clock (+ = behind the master);"
echo "== adjustments: what a clock adds to itself (+ = forward)"

echo "time_s,round,node,offset_s" >"$work/offsets.csv"
t_start=$(date +%s.%N)
master=master
# One row per clock of the offsets the clocks have now, from the master's.
record() { # round
	local n t
	t=$(date +%s.%N)
	for n in "${alive[@]}"; do echo "$n ${off[$n]}"; done |
		awk -v t="$t" -v t0="$t_start" -v r="$1" -v m="${off[$master]}" \
			'{ printf "%.3f,%s,%s,%+.9f\n", t - t0, r, $1, m - $2 }' >>"$work/offsets.csv"
}
# Each clock's offset from the master's in ms, and the spread of those
# that follow the group (the liar left out).
table() { # title
	local n
	for n in "${alive[@]}"; do echo "$n ${off[$n]}"; done |
		awk -v title="$1" -v m="${off[$master]}" -v liar="$liar" '
		{ printf "%s %s %+.3f", (NR == 1 ? "   " title " (ms):" : ""), $1, (m - $2) * 1000
		  if ($1 != liar) { if (n++ == 0 || $2 < lo) lo = $2; if (n == 1 || $2 > hi) hi = $2 } }
		END { printf "; spread %.3f ms\n", (hi - lo) * 1000 }'
}
spread_ms() {
	table x | sed -n 's/.*; spread \([0-9.]*\) ms$/\1/p'
}

# The master's log of its round R, in words (one awk: this runs each
# round on a loaded machine).
explain_round() { # master-name round
	local n map=""
	for n in "${!name_of[@]}"; do map+="$n=${name_of[$n]} "; done
	awk -v r="$2" -v me="$1" -v tol="$tolerance" -v map="$map" '
	function ms(x) { return sprintf("%.3f", (x < 0 ? -x : x) * 1000) }
	function add(list, x) { return list == "" ? x : list " " x }
	BEGIN { k = split(map, kv, " "); for (i = 1; i <= k; i++) { split(kv[i], p, "="); nm[p[1]] = p[2] } }
	$0 ~ "berkeley: round " r " id [0-9a-f]+: average" {
		for (i = 1; i <= NF; i++) {
			if ($i == "average") avg = $(i + 1)
			if ($i == "of") { split($(i + 1), c, "/"); nin = c[1]; ntot = c[2] }
		}
		ins = (index($0, "(master in)") ? me : ""); outs = (ins == "" ? me : "")
	}
	$0 ~ "berkeley: round " r " member " {
		for (i = 1; i <= NF; i++) {
			if ($i == "member") node = $(i + 1)
			if ($i == "offset") rd = $(i + 1)
			if ($i == "rtt") rtt = $(i + 1)
			if ($i == "adjust") { adj = $(i + 1); io = $(i + 3) }
		}
		who = (node in nm) ? nm[node] : node
		reads = reads sprintf("   read %-8s %s the master by %s ms (round trip %s ms)\n", who,
			(rd > 0) ? "ahead of" : "behind", ms(rd), ms(rtt))
		if (io == "in") ins = add(ins, who); else outs = add(outs, who)
		adjs = adjs sprintf(" %s %+.3f", who, adj * 1000)
	}
	END {
		printf "round %s, as %s (the master) saw it:\n%s", r, me, reads
		printf "   averaged (%s of %s clocks, the largest set within %s s of each other): %s\n", nin, ntot, tol, ins
		if (outs != "") printf "   left out of the average (too far from the others): %s\n", outs
		printf "   the average clock is %s ms %s the master'"'"'s: the master moves by %+.3f ms\n",
			ms(avg), (avg >= 0) ? "ahead of" : "behind", avg * 1000
		printf "   each slave, in or out, is told to move to the average (ms):%s\n", adjs
	}' "$work/$1.log"
}

# Wait for round $next in the master's log; after the master was killed,
# for the first round any other clock logs: the new master, whose rounds
# count from 1 again. Sets master and next.
round_line() { # name round
	grep -qE "berkeley: round $2 id [0-9a-f]+: average" "$work/$1.log"
}
wait_round() {
	local n
	for _ in $(seq $((${interval%.*} * 200 + 2000))); do
		if [ "$orphaned" = 0 ]; then
			round_line "$master" "$next" && return 0
		else
			for n in "${alive[@]}"; do
				if round_line "$n" 1; then
					next=$(grep -cE "berkeley: round [0-9]+ id [0-9a-f]+: average" "$work/$n.log")
					master=$n orphaned=0
					echo "== $n is the master now (it won the election); its round $next:"
					return 0
				fi
			done
		fi
		sleep 0.05
	done
	echo "$0: no round $next for a long time; the logs are in $work" >&2
	return 1
}
next=1
orphaned=0

table "start, true offsets"
record 0
got=0
for k in $(seq "$rounds"); do
	wait_round
	r=$next
	# The master's own view now, then the clocks at 9/10 of the round: the
	# adjustments went out at 4/10 (when it logged the round) and are
	# slewed within half an interval.
	"$tsync" -s "$work/$master.sock" berkeley --csv >"$work/master.now.csv" || true
	sleep "$(awk -v i="$interval" 'BEGIN { print i / 2 }')"
	read_offsets
	explain_round "$master" "$r"
	table "true offsets now"
	record "$k"
	if [ "$k" = 1 ]; then cp "$work/master.now.csv" "$work/master.csv"
	else tail -n +2 "$work/master.now.csv" >>"$work/master.csv"; fi
	rm -f "$work/master.now.csv"
	got=$k
	next=$((next + 1))
	if [ "$k" = "$kill_at" ]; then
		echo "== killing $master (SIGKILL): the candidates hear no POLL for a while and"
		echo "== elect a new master among themselves"
		{ kill -KILL "${pid_of[$master]}" && wait "${pid_of[$master]}"; } 2>/dev/null || true
		new=()
		for n in "${alive[@]}"; do [ "$n" = "$master" ] || new+=("$n"); done
		alive=("${new[@]}")
		orphaned=1
	fi
	echo
done

spread=$(spread_ms)
echo "== after $got rounds the clocks that follow the group are within $spread ms of each"
echo "== other$([ -n "$liar" ] && echo " ($liar, the liar, left out)")"
if [ "$kill_at" != 0 ]; then echo "== master now: $master"; fi
if [ -n "$lossy" ]; then
	n=$(wc -l <"$work/relay.log")
	kill -USR1 "$relay_pid"
	sleep 0.3
	echo "== the relay, out (master to $lossy_name) and back:"
	tail -n +$((n + 1)) "$work/relay.log" | sed 's/^[^ ]* tsync-relay: /   /'
fi
echo
echo "== tsync berkeley, asking $master over its control socket"
"$tsync" -s "$work/$master.sock" berkeley

# The plot: one line a clock, its offset from the master against time;
# above the whole run, below from round 2 on, where the average is.
plot_offsets() {
	local i n cmd_all=() cmd_zoom=()
	for i in "${!names[@]}"; do
		n=${names[i]}
		awk -F, -v n="$n" 'NR > 1 && $3 == n { printf "%s %s %.6f\n", $1, $2, $4 * 1000 }' \
			"$work/offsets.csv" >"$work/$n.dat"
		cmd_all+=("\"$work/$n.dat\" using 1:3 with linespoints title \"$n\"")
		cmd_zoom+=("\"$work/$n.dat\" using 1:(\$2 >= 1 ? \$3 : NaN) with linespoints title \"$n\"")
	done
	gnuplot <<PLOT
set terminal pngcairo size 900,800 noenhanced
set output "$work/offsets.png"
set multiplot layout 2,1 title "Berkeley lab: each clock's offset, the master's clock minus its own (ms)"
set key outside right
set grid
set xlabel "time (s)"
set ylabel "offset (ms)"
set title "the whole run"
plot $(IFS=,; echo "${cmd_all[*]}")
set title "after round 1, zoomed in (a liar, if any, off the scale)"
set yrange [-0.2:0.2]
plot $(IFS=,; echo "${cmd_zoom[*]}")
unset multiplot
PLOT
	rm -f "$work"/*.dat
	echo "== plot: $work/offsets.png"
}
if [ -n "$keep" ]; then
	if command -v gnuplot >/dev/null; then plot_offsets
	else echo "== no gnuplot: no plot (tools/deps.sh build installs it)"; fi
fi
awk -v s="$spread" 'BEGIN { exit (s < 1.0) ? 0 : 1 }'
