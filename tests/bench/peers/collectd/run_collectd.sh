#!/bin/bash
# run_collectd.sh FLEET_SIZE DURATION
#
# Polls FLEET_SIZE simulated printers (ecsp-printer-sim, 127.0.1.1 up, SNMP
# v2c) with collectd's snmp plugin for DURATION seconds, reading the full
# printer profile (../printer-oids.txt) from every printer once per INTERVAL,
# and prints one JSON line (see ../fleet_stats.py for the fields).
#
# collectd runs pinned to CPU 0; the simulator and the value counter share
# CPU 1. Its values go through the network plugin to count_values.py, which
# counts completed polls (a poll is complete when the host's last Data block,
# which always has exactly one row, arrives). No other write plugin is
# loaded. Its messages go to stderr (no log plugin), kept in a file and
# counted: timeouts and failures make the run "not sustained".
#
# Environment:
#   INTERVAL      polling interval in s (default 60). A shorter interval with
#                 a proportionally smaller fleet is the same polls/s: fleet F
#                 at INTERVAL=6 is the load of 10*F printers at 60 s.
#   READ_THREADS  collectd's ReadThreads (default 16; each thread polls one
#                 host at a time, synchronously)
#   SIM_MODELS    simulator model mix (default: printers only)
#   COLLECTD_BIN, ECSP_SIM_BIN, KEEP_WORK=1 (keep the work directory)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 FLEET_SIZE DURATION" >&2; exit 2; }
FLEET=$1
DURATION=$2
INTERVAL=${INTERVAL:-60}
READ_THREADS=${READ_THREADS:-16}
SIM_MODELS=${SIM_MODELS:-epson-wf:4,hp-lj:2,brother:2,kyocera:1}
COLLECTD_BIN=${COLLECTD_BIN:-$(command -v collectd || echo /usr/sbin/collectd)}
[ -x "$COLLECTD_BIN" ] || { echo "collectd not found (apt-get install collectd-core libsnmp40)" >&2; exit 2; }
[ -f /usr/lib/collectd/snmp.so ] || { echo "collectd's snmp plugin is missing" >&2; exit 2; }
SIM_BIN=$(find_bin ECSP_SIM_BIN ecsp-printer-sim tests/sim) || { echo "ecsp-printer-sim not found: set ECSP_SIM_BIN" >&2; exit 2; }
if [ "$FLEET" -lt 1 ] || [ "$FLEET" -gt 5000000 ]; then echo "bad fleet size" >&2; exit 2; fi
if fcmp "$DURATION" '<' "$(awk -v i="$INTERVAL" 'BEGIN { print 2 * i }')"; then
	echo "DURATION must cover at least two intervals (one warm-up, one measured)" >&2
	exit 2
fi
if fcmp "$DURATION" '>' 3600; then echo "DURATION is capped at 3600 s" >&2; exit 2; fi

WORK=$(mktemp -d)
SIM_PID= CD_PID= RX_PID= SAMPLER_PID=
cleanup() {
	stop_pid "$SAMPLER_PID"
	stop_pid "$CD_PID"
	stop_pid "$RX_PID"
	stop_pid "$SIM_PID"
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BUSY=$(warn_if_busy)
start_sim "$WORK" --count "$FLEET" --models "$SIM_MODELS"
if [ "$(nproc)" -gt 1 ]; then taskset -a -p -c 1 "$SIM_PID" >/dev/null; fi

RPORT=$(free_port udp)
/usr/bin/python3 "$HERE/gen_conf.py" --fleet "$FLEET" --port "$SIM_PORT" --interval "$INTERVAL" \
	--read-threads "$READ_THREADS" --server-port "$RPORT" --workdir "$WORK"
"$COLLECTD_BIN" -t -C "$WORK/collectd.conf" 2>"$WORK/config-test.err" || {
	echo "collectd rejects the configuration:" >&2
	cat "$WORK/config-test.err" >&2
	exit 1
}

"${PIN1[@]}" /usr/bin/python3 "$HERE/count_values.py" "$RPORT" "$WORK/markers.json" prt_sys2 \
	"$(awk -v d="$DURATION" 'BEGIN { print d + 120 }')" &
RX_PID=$!
echo "$RX_PID" >"$WORK/helper.pid"
sleep 0.3

# collectd may open one socket per host
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"${PIN0[@]}" "$COLLECTD_BIN" -f -B -C "$WORK/collectd.conf" 2>"$WORK/collectd.err" &
CD_PID=$!

sample_loop "$CD_PID" "$SIM_PID" "$WORK/helper.pid" >"$WORK/samples.txt" &
SAMPLER_PID=$!

end=$(($(date +%s) + ${DURATION%.*}))
while [ "$(date +%s)" -lt "$end" ]; do
	kill -0 "$CD_PID" 2>/dev/null || { echo "collectd exited early:" >&2; tail -5 "$WORK/collectd.err" >&2; break; }
	sleep 1
done
HWM=$(proc_hwm_kb "$CD_PID" 2>/dev/null || echo 0)
FDS=$(ls "/proc/$CD_PID/fd" 2>/dev/null | wc -l)
stop_pid "$SAMPLER_PID"
SAMPLER_PID=
stop_pid "$CD_PID"
CD_PID=
sleep 0.5
stop_pid "$RX_PID"
RX_PID=
stop_pid "$SIM_PID"
SIM_PID=
SIM_RX=$(sed -n 's/.* rx=\([0-9]*\) .*/\1/p' "$WORK/sim.err" | tail -1)

# messages: one "unknown ASN type" warning per poll is expected (sysObjectID)
ASN_WARN=$(grep -c "I don't know the ASN type" "$WORK/collectd.err" || true)
TIMEOUTS=$(grep -ci 'timeout' "$WORK/collectd.err" || true)
FAILED=$(grep -v "I don't know the ASN type" "$WORK/collectd.err" | grep -ci 'fail\|error' || true)
VERSION=$("$COLLECTD_BIN" -h 2>&1 | sed -n 's/^collectd \([^,]*\),.*/\1/p' || true)

/usr/bin/python3 "$HERE/../fleet_stats.py" --markers "$WORK/markers.json" --samples "$WORK/samples.txt" \
	--interval "$INTERVAL" --fleet "$FLEET" --errors $((TIMEOUTS + FAILED)) \
	--set peer=collectd --set "version=\"$VERSION\"" --set "read_threads=$READ_THREADS" \
	--set "duration_s=$DURATION" --set "timeouts=$TIMEOUTS" --set "failures=$FAILED" \
	--set "asn_type_warnings=$ASN_WARN" --set "sim_requests=${SIM_RX:-0}" \
	--set "rss_kb_peak=$HWM" --set "open_fds=$FDS" --set "box_busy_pct_before=$BUSY"
