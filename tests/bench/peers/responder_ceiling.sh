#!/bin/bash
# responder_ceiling.sh [DURATION]
#
# The responders' own ceilings for the fixed workloads (get10, bulk10):
# net-snmp's snmpd (started here with a private configuration on a free
# 127.0.0.1 port, logging to /dev/null) and ecsp-printer-sim. Each responder
# is pinned to CPU 0 and driven from CPU 1 by
#   * ecsp-sim-blast (a C load generator far cheaper per exchange than any
#     SNMP library, so it can saturate a responder; its own 10-OID GET list
#     and a GETBULK from sysUpTime, see tests/sim/blast.c), and
#   * bench-netsnmp-async with the exact workload (oids_get10.h) at a large
#     window.
# For each run it prints one JSON line: answers/s, the responder's CPU (user +
# system from /proc/PID/stat) as % of one core and per answer, and the
# one-core ceiling that CPU cost implies (1e6 / us per answer).
#
# Environment: DURATION (default 10 s per run), WINDOW (window against the
# simulator, both drivers, default 256), SNMPD_WINDOW (window against snmpd,
# default 32: snmpd's socket buffer overflows at 128 and more, and the lost
# requests then show up as 1 s timeouts), SIM_COUNT (default 1000),
# SIM_MODELS (default printers only), ECSP_SIM_BIN, ECSP_SIM_BLAST_BIN,
# BENCH_NETSNMP_ASYNC, SNMPD_BIN.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${1:-${DURATION:-10}}
WINDOW=${WINDOW:-256}
SNMPD_WINDOW=${SNMPD_WINDOW:-32}
SIM_COUNT=${SIM_COUNT:-1000}
SIM_MODELS=${SIM_MODELS:-epson-wf:4,hp-lj:2,brother:2,kyocera:1}

SIM_BIN=$(find_bin ECSP_SIM_BIN ecsp-printer-sim tests/sim) || { echo "ecsp-printer-sim not found: set ECSP_SIM_BIN" >&2; exit 2; }
BLAST_BIN=$(find_bin ECSP_SIM_BLAST_BIN ecsp-sim-blast tests/sim) || { echo "ecsp-sim-blast not found: set ECSP_SIM_BLAST_BIN" >&2; exit 2; }
HARNESS=$(find_bin BENCH_NETSNMP_ASYNC bench-netsnmp-async tests/bench/peers) || { echo "bench-netsnmp-async not found: set BENCH_NETSNMP_ASYNC (see README.md)" >&2; exit 2; }

WORK=$(mktemp -d)
SIM_PID= SNMPD_PID=
cleanup() {
	stop_pid "$SIM_PID"
	stop_pid "$SNMPD_PID"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

warn_if_busy >/dev/null

# blast_json RESPONDER PID WORKLOAD WINDOW ARGS...: one ecsp-sim-blast run as a JSON line.
blast_json() {
	local responder=$1 pid=$2 workload=$3 window=$4 out j0
	shift 4
	j0=$(box_jiffies)
	out=$("${PIN1[@]}" "$BLAST_BIN" --window "$window" --duration "$DURATION" --sim-pid "$pid" "$@") || true
	echo "$out" | /usr/bin/python3 -c '
import json, re, sys
t = sys.stdin.read()
responder, workload, window = sys.argv[1:4]
ex = re.search(r"exchanges: (\d+) \((\d+)/s\)", t)
vb = re.search(r"varbinds: (\d+)/s", t)
to = re.search(r"timeouts: (\d+)", t)
cpu = re.search(r"sim CPU: ([\d.]+)% of one core \(([\d.]+) us per exchange", t)
bad = re.search(r"bad: (\d+)", t)
dur = re.search(r"duration=([\d.]+)s", t)
own = re.search(r"blaster CPU: ([\d.]+)%", t)
if not ex or not cpu:
    sys.exit("blast output not understood:\n" + t)
us = float(cpu.group(2))
print(json.dumps({"responder": responder, "driver": "ecsp-sim-blast", "workload": workload,
    "window": int(window), "answers_per_s": int(ex.group(2)), "varbinds_per_s": int(vb.group(1)),
    "timeouts": int(to.group(1)), "bad": int(bad.group(1)),
    "responder_cpu_pct": float(cpu.group(1)), "responder_cpu_us_per_answer": us,
    "one_core_ceiling_per_s": round(1e6 / us) if us > 0 else None,
    "driver_cpu_pct": float(own.group(1)), "wall_s": float(dur.group(1)),
    "cpu_s": round(float(own.group(1)) * float(dur.group(1)) / 100, 3),
    "responder_cpu_s": round(float(cpu.group(1)) * float(dur.group(1)) / 100, 3)}))
' "$responder" "$workload" "$window" | add_foreign "$j0" "$(box_jiffies)"
}

# harness_json RESPONDER PID MODE WINDOW ARGS...: one bench-netsnmp-async run.
harness_json() {
	local responder=$1 pid=$2 mode=$3 window=$4 j0
	shift 4
	j0=$(box_jiffies)
	"${PIN1[@]}" "$HARNESS" --mode "$mode" --window "$window" --duration "$DURATION" \
		--responder-pid "$pid" --label "ceiling-$responder" "$@" |
		/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
us = d.get("responder_cpu_us_per_exchange", 0)
print(json.dumps({"responder": sys.argv[1], "driver": "bench-netsnmp-async", "workload": d["mode"],
    "window": d["window"], "sessions": d["sessions"], "answers_per_s": round(d["exchanges_per_s"]),
    "varbinds_per_s": round(d["varbinds_per_s"]), "timeouts": d["timeouts"],
    "exceptions": d["exceptions"], "driver_cpu_pct": d["cpu_pct"],
    "responder_cpu_pct": d.get("responder_cpu_pct"), "responder_cpu_us_per_answer": us,
    "one_core_ceiling_per_s": round(1e6 / us) if us else None,
    "wall_s": d["wall_s"], "cpu_s": d["cpu_s"], "responder_cpu_s": d.get("responder_cpu_s", 0)}))
' "$responder" | add_foreign "$j0" "$(box_jiffies)"
}

# ---- snmpd
start_snmpd "$WORK" || exit 1
if [ "$(nproc)" -gt 1 ]; then taskset -a -p -c 0 "$SNMPD_PID" >/dev/null; fi
"${SNMPD_BIN:-$(command -v snmpd || echo /usr/sbin/snmpd)}" -v | sed -n 's/^NET-SNMP version: *\(.*\)/# snmpd \1/p' >&2 || true

harness_json snmpd "$SNMPD_PID" get10 "$SNMPD_WINDOW" --base 127.0.0.1 --count 1 --port "$SNMPD_PORT"
harness_json snmpd "$SNMPD_PID" bulk10 "$SNMPD_WINDOW" --base 127.0.0.1 --count 1 --port "$SNMPD_PORT"
blast_json snmpd "$SNMPD_PID" get10-blast-oids "$SNMPD_WINDOW" --base 127.0.0.1 --count 1 --port "$SNMPD_PORT" --varbinds 10
blast_json snmpd "$SNMPD_PID" bulk10-from-sysUpTime "$SNMPD_WINDOW" --base 127.0.0.1 --count 1 --port "$SNMPD_PORT" --pdu bulk --varbinds 1 --max-rep 10
echo "# snmpd RSS after the runs: $(proc_rss_kb "$SNMPD_PID") kB" >&2
stop_pid "$SNMPD_PID"
SNMPD_PID=

# ---- ecsp-printer-sim
start_sim "$WORK" --count "$SIM_COUNT" --models "$SIM_MODELS" || exit 1
if [ "$(nproc)" -gt 1 ]; then taskset -a -p -c 0 "$SIM_PID" >/dev/null; fi
harness_json ecsp-printer-sim "$SIM_PID" get10 "$WINDOW" --count "$SIM_COUNT" --port "$SIM_PORT"
harness_json ecsp-printer-sim "$SIM_PID" bulk10 "$WINDOW" --count "$SIM_COUNT" --port "$SIM_PORT"
blast_json ecsp-printer-sim "$SIM_PID" get10-blast-oids "$WINDOW" --count "$SIM_COUNT" --port "$SIM_PORT" --varbinds 10
blast_json ecsp-printer-sim "$SIM_PID" bulk10-from-sysUpTime "$WINDOW" --count "$SIM_COUNT" --port "$SIM_PORT" --pdu bulk --varbinds 1 --max-rep 10
echo "# ecsp-printer-sim RSS after the runs: $(proc_rss_kb "$SIM_PID") kB" >&2
