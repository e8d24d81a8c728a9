#!/bin/bash
# run_netsnmp_async.sh [DURATION]
#
# The net-snmp side of the fixed-workload comparison: bench-netsnmp-async
# (pinned to CPU 1) doing get10 and bulk10, with both of its session layouts,
# against snmpd and against ecsp-printer-sim (each pinned to CPU 0). One JSON
# line per run, from the harness, with "responder" added and the responder's
# CPU over the same run.
#
# Windows (requests in flight): WINDOWS against the simulator (default
# "64 256"), SNMPD_WINDOW against snmpd (default 32; snmpd drops requests
# from a deeper window, see responder_ceiling.sh). Our engine's benchmark must
# be run with the same windows, targets and workloads.
#
# Environment: DURATION (default 10 s), WINDOWS, SNMPD_WINDOW, SESSIONS
# (default "shared per-target"), SIM_COUNT (targets on the simulator, default
# 1000), SIM_MODELS, ECSP_SIM_BIN, BENCH_NETSNMP_ASYNC, SNMPD_BIN.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${1:-${DURATION:-10}}
WINDOWS=${WINDOWS:-64 256}
SNMPD_WINDOW=${SNMPD_WINDOW:-32}
SESSIONS=${SESSIONS:-shared per-target}
SIM_COUNT=${SIM_COUNT:-1000}
SIM_MODELS=${SIM_MODELS:-epson-wf:4,hp-lj:2,brother:2,kyocera:1}
SIM_BIN=$(find_bin ECSP_SIM_BIN ecsp-printer-sim tests/sim) || { echo "ecsp-printer-sim not found: set ECSP_SIM_BIN" >&2; exit 2; }
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

# one RESPONDER PID MODE WINDOW SESSIONS ARGS...
one() {
	local responder=$1 pid=$2 mode=$3 window=$4 sessions=$5 j0 out
	shift 5
	j0=$(box_jiffies)
	out=$("${PIN1[@]}" "$HARNESS" --mode "$mode" --window "$window" --sessions "$sessions" \
		--duration "$DURATION" --responder-pid "$pid" --label "$responder" "$@")
	echo "$out" | sed "s/^{/{\"responder\":\"$responder\",/" | add_foreign "$j0" "$(box_jiffies)"
}

start_snmpd "$WORK" || exit 1
if [ "$(nproc)" -gt 1 ]; then taskset -a -p -c 0 "$SNMPD_PID" >/dev/null; fi
for mode in get10 bulk10; do
	for s in $SESSIONS; do
		one snmpd "$SNMPD_PID" "$mode" "$SNMPD_WINDOW" "$s" --base 127.0.0.1 --count 1 --port "$SNMPD_PORT"
	done
done
stop_pid "$SNMPD_PID"
SNMPD_PID=

start_sim "$WORK" --count "$SIM_COUNT" --models "$SIM_MODELS" || exit 1
if [ "$(nproc)" -gt 1 ]; then taskset -a -p -c 0 "$SIM_PID" >/dev/null; fi
for mode in get10 bulk10; do
	for w in $WINDOWS; do
		for s in $SESSIONS; do
			one ecsp-printer-sim "$SIM_PID" "$mode" "$w" "$s" --count "$SIM_COUNT" --port "$SIM_PORT"
		done
	done
done
