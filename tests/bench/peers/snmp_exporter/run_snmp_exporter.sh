#!/bin/bash
# run_snmp_exporter.sh FLEET_SIZE DURATION
#
# Polls FLEET_SIZE simulated printers (ecsp-printer-sim, 127.0.1.1 up, SNMP
# v2c) through Prometheus' snmp_exporter (Debian prometheus-snmp-exporter)
# for DURATION seconds: scraper.py fetches the "printer" module of snmp.yml
# (the full profile of ../printer-oids.txt) for every printer once per
# INTERVAL. Prints one JSON line (see ../fleet_stats.py for the fields); the
# CPU and memory are the exporter's alone.
#
# The exporter is pinned to CPU 0 (so Go runs it with GOMAXPROCS=1); the
# simulator and the scraper share CPU 1.
#
# Environment:
#   INTERVAL     polling interval in s (default 60). A shorter interval with
#                a proportionally smaller fleet is the same scrapes/s.
#   CONCURRENCY  scrapes in flight (default 32)
#   SIM_MODELS   simulator model mix (default: printers only)
#   SNMP_EXPORTER_BIN, ECSP_SIM_BIN, KEEP_WORK=1 (keep the work directory)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib.sh"

[ $# -eq 2 ] || { echo "usage: $0 FLEET_SIZE DURATION" >&2; exit 2; }
FLEET=$1
DURATION=$2
INTERVAL=${INTERVAL:-60}
CONCURRENCY=${CONCURRENCY:-32}
SIM_MODELS=${SIM_MODELS:-epson-wf:4,hp-lj:2,brother:2,kyocera:1}
EXPORTER_BIN=${SNMP_EXPORTER_BIN:-$(command -v prometheus-snmp-exporter || echo /usr/bin/prometheus-snmp-exporter)}
[ -x "$EXPORTER_BIN" ] || { echo "snmp_exporter not found (apt-get install prometheus-snmp-exporter)" >&2; exit 2; }
SIM_BIN=$(find_bin ECSP_SIM_BIN ecsp-printer-sim tests/sim) || { echo "ecsp-printer-sim not found: set ECSP_SIM_BIN" >&2; exit 2; }
if [ "$FLEET" -lt 1 ] || [ "$FLEET" -gt 5000000 ]; then echo "bad fleet size" >&2; exit 2; fi
if fcmp "$DURATION" '<' "$(awk -v i="$INTERVAL" 'BEGIN { print 2 * i }')"; then
	echo "DURATION must cover at least two intervals (one warm-up, one measured)" >&2
	exit 2
fi
if fcmp "$DURATION" '>' 3600; then echo "DURATION is capped at 3600 s" >&2; exit 2; fi

WORK=$(mktemp -d)
SIM_PID= EXP_PID= SCRAPER_PID= SAMPLER_PID=
cleanup() {
	stop_pid "$SCRAPER_PID"
	stop_pid "$SAMPLER_PID"
	stop_pid "$EXP_PID"
	stop_pid "$SIM_PID"
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BUSY=$(warn_if_busy)
/usr/bin/python3 "$HERE/gen_snmp_yml.py" >"$WORK/snmp.yml"
cmp -s "$WORK/snmp.yml" "$HERE/snmp.yml" || echo "note: snmp.yml is out of date with printer-oids.txt; using a fresh one" >&2

start_sim "$WORK" --count "$FLEET" --models "$SIM_MODELS"
if [ "$(nproc)" -gt 1 ]; then taskset -a -p -c 1 "$SIM_PID" >/dev/null; fi

EPORT=$(free_port tcp)
"${PIN0[@]}" "$EXPORTER_BIN" --config.file="$WORK/snmp.yml" --web.listen-address="127.0.0.1:$EPORT" \
	--log.level=warn >"$WORK/exporter.log" 2>&1 &
EXP_PID=$!
for i in $(seq 100); do
	curl -sf "http://127.0.0.1:$EPORT/" >/dev/null 2>&1 && break
	kill -0 "$EXP_PID" 2>/dev/null || { echo "snmp_exporter did not start:" >&2; cat "$WORK/exporter.log" >&2; exit 1; }
	sleep 0.1
done

sample_loop "$EXP_PID" "$SIM_PID" "$WORK/helper.pid" >"$WORK/samples.txt" &
SAMPLER_PID=$!

"${PIN1[@]}" /usr/bin/python3 "$HERE/scraper.py" --exporter "127.0.0.1:$EPORT" --sim-port "$SIM_PORT" \
	--fleet "$FLEET" --interval "$INTERVAL" --duration "$DURATION" --concurrency "$CONCURRENCY" \
	--out "$WORK/markers.json" &
SCRAPER_PID=$!
echo "$SCRAPER_PID" >"$WORK/helper.pid"
wait "$SCRAPER_PID" || { echo "the scraper failed" >&2; exit 1; }
SCRAPER_PID=
sleep 1.2
HWM=$(proc_hwm_kb "$EXP_PID" 2>/dev/null || echo 0)
stop_pid "$SAMPLER_PID"
SAMPLER_PID=
stop_pid "$EXP_PID"
EXP_PID=
stop_pid "$SIM_PID"
SIM_PID=
SIM_RX=$(sed -n 's/.* rx=\([0-9]*\) .*/\1/p' "$WORK/sim.err" | tail -1)
read -r FAILURES MISSED RETRIED SCRAPES BYTES T0 < <(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["failures"], d["missed"], d["retried_packets"], d["scrapes"], d["bytes"], d["t0"])' "$WORK/markers.json")
VERSION=$("$EXPORTER_BIN" --version 2>&1 | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -1 || true)

/usr/bin/python3 "$HERE/../fleet_stats.py" --markers "$WORK/markers.json" --samples "$WORK/samples.txt" \
	--interval "$INTERVAL" --fleet "$FLEET" --errors $((FAILURES + MISSED + RETRIED)) --t0 "$T0" \
	--set peer=snmp_exporter --set "version=\"$VERSION\"" --set "concurrency=$CONCURRENCY" \
	--set "duration_s=$DURATION" --set "failures=$FAILURES" --set "missed=$MISSED" \
	--set "retried_packets=$RETRIED" --set "scrapes=$SCRAPES" --set "bytes_per_scrape=$((SCRAPES ? BYTES / SCRAPES : 0))" \
	--set "sim_requests=${SIM_RX:-0}" --set "rss_kb_peak=$HWM" --set "box_busy_pct_before=$BUSY"
