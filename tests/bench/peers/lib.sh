# Shell helpers shared by the peer benchmark scripts (sourced, not run).
# Paths are found relative to this file; binaries through environment
# variables, then PATH, then the usual build directories of this tree.

PEERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TREE_DIR=$(cd "$PEERS_DIR/../../.." && pwd)

# find_bin VAR NAME SUBDIR: the path in $VAR, else NAME on PATH, else
# build*/SUBDIR/NAME under the tree (first that exists). Empty if none.
find_bin() {
	local var=$1 name=$2 sub=$3 v c
	v=${!var:-}
	if [ -n "$v" ]; then
		[ -x "$v" ] && { echo "$v"; return 0; }
		echo "$var=$v is not executable" >&2
		return 1
	fi
	c=$(command -v "$name" 2>/dev/null) && { echo "$c"; return 0; }
	for c in "$TREE_DIR"/build-bench/"$sub"/"$name" "$TREE_DIR"/build*/"$sub"/"$name"; do
		[ -x "$c" ] && { echo "$c"; return 0; }
	done
	return 1
}

# free_port [udp|tcp]: a port nobody listens on at 127.0.0.1 right now.
free_port() {
	/usr/bin/python3 - "${1:-udp}" <<'EOF'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

# proc_cpu PID: user+system CPU seconds of the process (all its threads).
proc_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) / hz }' "/proc/$1/stat"
}

# proc_rss_kb PID: resident set size in kB.
proc_rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# proc_hwm_kb PID: peak resident set size in kB.
proc_hwm_kb() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# box_busy_pct SECONDS: how busy the whole machine is (0-100, all CPUs), so a
# run can say it was measured on a loaded box.
box_busy_pct() {
	local a b
	a=$(awk '/^cpu /{ print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8 }' /proc/stat)
	sleep "${1:-1}"
	b=$(awk '/^cpu /{ print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8 }' /proc/stat)
	echo "$a $b" | awk '{ d = $4 - $2; p = (d > 0) ? 100 * ($3 - $1) / d : 0; printf "%.0f\n", p }'
}

# warn_if_busy: a warning on stderr when the box is not quiet before a run.
# With WAIT_QUIET=SECONDS in the environment it first waits (that long at
# most) for the machine to be quiet. Prints the busy percentage.
warn_if_busy() {
	local busy
	if [ -n "${WAIT_QUIET:-}" ]; then wait_quiet "$WAIT_QUIET" || true; fi
	busy=$(box_busy_pct 1)
	if [ "$busy" -gt 10 ]; then
		echo "warning: the machine is ${busy}% busy before the run; figures will be low" >&2
	fi
	echo "$busy"
}

# PIN0 / PIN1: command prefixes that pin a command to CPU 0 / CPU 1 when the
# machine has more than one ("${PIN1[@]}" cmd & keeps $! the command's PID).
if [ "$(nproc)" -gt 1 ] && command -v taskset >/dev/null; then
	PIN0=(taskset -c 0)
	PIN1=(taskset -c 1)
else
	PIN0=()
	PIN1=()
fi

# fcmp A OP B: floating-point comparison, e.g. fcmp "$D" '<' 2
fcmp() {
	awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
		r = (op == "<") ? a < b : (op == ">") ? a > b : (op == "<=") ? a <= b : a >= b
		exit !r }'
}

# pin CPU CMD...: run CMD on one CPU when the machine has more than one.
pin() {
	local cpu=$1
	shift
	if [ "$(nproc)" -gt 1 ] && command -v taskset >/dev/null; then
		taskset -c "$cpu" "$@"
	else
		"$@"
	fi
}

# stop_pid PID: SIGTERM, wait up to 5 s, then SIGKILL. Only for our own children.
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 0
}

# start_sim OUTDIR ARGS...: start ecsp-printer-sim on a free SNMP port (ENPC
# off) and wait for its ready line. Sets SIM_PID and SIM_PORT.
start_sim() {
	local dir=$1 i
	shift
	"$SIM_BIN" --snmp-port 0 --enpc-port 0 "$@" >"$dir/sim.out" 2>"$dir/sim.err" &
	SIM_PID=$!
	for i in $(seq 100); do
		SIM_PORT=$(sed -n 's/.*snmp_port=\([0-9]*\).*/\1/p' "$dir/sim.out" 2>/dev/null)
		[ -n "$SIM_PORT" ] && return 0
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "ecsp-printer-sim did not start:" >&2
	cat "$dir/sim.err" >&2
	return 1
}

# start_snmpd OUTDIR: start net-snmp's snmpd on a free 127.0.0.1 UDP port with
# a private configuration (no system config files, persistent state in
# OUTDIR, log to /dev/null): community "public", a view of the system,
# interfaces, Host Resources and Printer-MIB subtrees, plus the printer
# objects of snmpd-printer.conf. Waits until it answers. Sets SNMPD_PID and
# SNMPD_PORT. SNMPD_BIN overrides the binary.
start_snmpd() {
	local dir=$1 i bin
	bin=${SNMPD_BIN:-$(command -v snmpd || echo /usr/sbin/snmpd)}
	[ -x "$bin" ] || { echo "snmpd not found (Debian package snmpd)" >&2; return 1; }
	SNMPD_PORT=$(free_port udp)
	mkdir -p "$dir/snmpd-persist"
	{
		echo "agentaddress udp:127.0.0.1:$SNMPD_PORT"
		echo "view benchview included .1.3.6.1.2.1.1"
		echo "view benchview included .1.3.6.1.2.1.2"
		echo "view benchview included .1.3.6.1.2.1.25"
		echo "view benchview included .1.3.6.1.2.1.43"
		echo "rocommunity public 127.0.0.1 -V benchview"
		cat "$PEERS_DIR/snmpd-printer.conf"
	} >"$dir/snmpd.conf"
	SNMP_PERSISTENT_DIR="$dir/snmpd-persist" "$bin" -f -Lf /dev/null -C -c "$dir/snmpd.conf" \
		-p "$dir/snmpd.pid" >/dev/null 2>&1 &
	SNMPD_PID=$!
	for i in $(seq 100); do
		SNMP_PERSISTENT_DIR="$dir/snmpd-persist" snmpget -v2c -c public -t 0.2 -r 0 -On \
			"127.0.0.1:$SNMPD_PORT" 1.3.6.1.2.1.1.3.0 >/dev/null 2>&1 && return 0
		kill -0 "$SNMPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "snmpd did not start" >&2
	return 1
}

# wait_quiet [MAX_SECONDS]: wait (up to MAX_SECONDS, default 600) until the
# machine is at most 10% busy over two seconds. Status 1 if it never was.
wait_quiet() {
	local max=${1:-600} t0
	t0=$(date +%s)
	while [ $(($(date +%s) - t0)) -lt "$max" ]; do
		[ "$(box_busy_pct 2)" -le 10 ] && return 0
	done
	return 1
}

# box_jiffies: "busy total" CPU time of the whole machine so far, in clock ticks.
box_jiffies() {
	awk '/^cpu /{ print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat
}

# add_foreign J0 J1 < JSON: add "foreign_cpu_pct" to a harness JSON line: the
# CPU the rest of the machine used during the run (machine busy time less the
# run's own cpu_s and responder_cpu_s), as % of one core. Other work on the
# box makes figures low; runs with a high value should be repeated.
add_foreign() {
	/usr/bin/python3 -c '
import json, os, sys
b0, t0 = map(int, sys.argv[1].split()); b1, t1 = map(int, sys.argv[2].split())
hz = os.sysconf("SC_CLK_TCK")
for line in sys.stdin:
    d = json.loads(line)
    busy = (b1 - b0) / hz
    own = d.get("cpu_s", 0) + d.get("responder_cpu_s", 0)
    d["foreign_cpu_pct"] = round(100 * max(0.0, busy - own) / d["wall_s"], 1) if d.get("wall_s") else None
    print(json.dumps(d))
' "$1" "$2"
}

# sample_loop POLLER_PID SIM_PID HELPER_PIDFILE: once a second, while the
# poller lives, print "unix_time poller_cpu_s poller_rss_kB machine_busy_s
# sim_cpu_s helper_cpu_s" (the helper's PID is read from HELPER_PIDFILE when
# it exists). For fleet_stats.py.
sample_loop() {
	local p=$1 s=$2 hf=$3 hz c r b sc hc h
	hz=$(getconf CLK_TCK)
	while kill -0 "$p" 2>/dev/null; do
		c=$(proc_cpu "$p" 2>/dev/null) || break
		r=$(proc_rss_kb "$p" 2>/dev/null) || break
		b=$(awk -v hz="$hz" '/^cpu /{ print ($2+$3+$4+$7+$8+$9) / hz }' /proc/stat)
		sc=$(proc_cpu "$s" 2>/dev/null || echo 0)
		h=$(cat "$hf" 2>/dev/null || true)
		hc=0
		[ -n "$h" ] && hc=$(proc_cpu "$h" 2>/dev/null || echo 0)
		echo "$(date +%s.%N) $c $r $b $sc $hc"
		sleep 1
	done
}
