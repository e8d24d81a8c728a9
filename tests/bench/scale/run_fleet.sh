#!/bin/bash
# run_fleet.sh FLEET_SIZE [DURATION]
#
# The gateway daemon (release build) managing FLEET_SIZE simulated printers
# (ecsp-printer-sim, 127.0.1.1 up, SNMP v2c) for DURATION seconds (default:
# warm-up plus three intervals), then one JSON line (fleet_report.py):
# good polls per minute, the daemon's CPU, CPU per poll, the polls per
# minute 5% of one core pays for, SNMP exchanges per poll, the share of
# polls on time, memory.
#
# Every poll is a full printer poll: all five part intervals are set to
# INTERVAL, so each poll reads every table of the profile (status, supplies,
# counters, settings, jobs). The devices are written into the state
# directory by seed-devices (origin "local"), not as configuration
# sections. The daemon runs pinned to CPU 0 (its loop and its store writer),
# the simulator to CPU 1, as the peers' runs do. The uplink is off: records
# stay in the store (store.max_size 4G, so nothing is evicted).
#
# Environment:
#   INTERVAL     poll interval in s (default 60)
#   WARMUP       s left out at the start (default INTERVAL + 15: the first
#                polls are spread over one interval)
#   SIM_MODELS   simulator model mix (default printers only, as the peers)
#   SIM_ARGS     more simulator options, e.g. "--dead 30 --slow 10"
#   GW_SET       more gateway options, space-separated SECTION.KEY=VALUE,
#                e.g. "snmp.epson=false schedule.timeout=1s"
#   ALL_PARTS    1 (default): full polls; 0: the default part intervals
#   PERF_S       profile the daemon with `perf record -g` for this many
#                seconds after the warm-up; the report (perf report
#                --stdio: shares by thread, by object, by symbol with its
#                callers) goes to PERF_OUT (default ./perf-fleet.txt).
#                Sampling costs the daemon some CPU: take the figures from
#                runs without it.
#   KEEP_WORK=1  keep the work directory
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

[ $# -ge 1 ] || { echo "usage: $0 FLEET_SIZE [DURATION]" >&2; exit 2; }
FLEET=$1
INTERVAL=${INTERVAL:-60}
WARMUP=${WARMUP:-$((INTERVAL + 15))}
DURATION=${2:-$((WARMUP + 3 * INTERVAL + 5))}
SIM_MODELS=${SIM_MODELS:-epson-wf:4,hp-lj:2,brother:2,kyocera:1}
SIM_ARGS=${SIM_ARGS:-}
GW_SET=${GW_SET:-}
ALL_PARTS=${ALL_PARTS:-1}
STATS=${STATS:-5}
if [ "$FLEET" -lt 1 ] || [ "$FLEET" -gt 1000000 ]; then echo "bad fleet size" >&2; exit 2; fi
if [ "$DURATION" -gt 3600 ]; then echo "DURATION is capped at 3600 s" >&2; exit 2; fi
if [ "$DURATION" -lt $((WARMUP + 2 * STATS)) ]; then echo "DURATION must cover the warm-up" >&2; exit 2; fi

build_scale || { echo "build failed" >&2; exit 1; }
WORK=$(mktemp -d /tmp/ecsp-scale-XXXXXX)
SIM_PID= GW_PID= SAMPLER_PID= PERF_PID=
PERF_S=${PERF_S:-}
PERF_OUT=${PERF_OUT:-$PWD/perf-fleet.txt}
if [ -n "$PERF_S" ] && ! command -v perf >/dev/null; then echo "PERF_S needs perf" >&2; exit 2; fi
cleanup() {
	stop_pid "$PERF_PID"
	stop_pid "$SAMPLER_PID"
	stop_pid "$GW_PID"
	stop_pid "$SIM_PID"
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

maybe_wait_quiet
BUSY=$(warn_if_busy)
# shellcheck disable=SC2086
start_sim_on 1 "$WORK" --count "$FLEET" --models "$SIM_MODELS" $SIM_ARGS
"$SEED_BIN" "$WORK/state" "$FLEET" 127.0.1.1 "$SIM_PORT" sim >/dev/null
sets=(--set store.max_size=4G)
for kv in $GW_SET; do sets+=(--set "$kv"); done
parts=()
[ "$ALL_PARTS" = 1 ] && parts=(--all-parts)
/usr/bin/python3 "$HERE/gen_conf.py" --count 0 --port "$SIM_PORT" --state "$WORK/state" \
	--out "$WORK/gateway.conf" --interval "$INTERVAL" --stats "$STATS" "${parts[@]}" "${sets[@]}"
JITTER=$(sed -n 's/^ *jitter_percent = \([0-9]*\)/\1/p' "$WORK/gateway.conf")

start_gateway "$WORK" "$WORK/gateway.conf"
sample_loop "$GW_PID" "$SIM_PID" /nonexistent >"$WORK/samples.txt" &
SAMPLER_PID=$!

t_start=$(date +%s)
end=$((t_start + DURATION))
while [ "$(date +%s)" -lt "$end" ]; do
	if [ -n "$PERF_S" ] && [ -z "$PERF_PID" ] && [ "$(date +%s)" -ge $((t_start + ${WARMUP%.*})) ]; then
		perf record -q -g -p "$GW_PID" -o "$WORK/perf.data" -- sleep "$PERF_S" >/dev/null 2>&1 &
		PERF_PID=$!
	fi
	kill -0 "$GW_PID" 2>/dev/null || { echo "the gateway exited early:" >&2; tail -5 "$WORK/gateway.log" >&2; exit 1; }
	sleep 1
done
if [ -n "$PERF_PID" ]; then
	wait "$PERF_PID" || true
	PERF_PID=
	{
		for key in pid dso; do
			echo "### by $key"
			perf report -i "$WORK/perf.data" --stdio --no-children -g none --sort "$key" 2>/dev/null |
				grep -v '^#' | grep -v '^$' | head -12
		done
		echo "### by symbol, with callers"
		perf report -i "$WORK/perf.data" --stdio --no-children --percent-limit 0.5 2>/dev/null
	} >"$PERF_OUT" || echo "perf report failed" >&2
fi
MEM=$(smaps "$GW_PID")
HWM=$(proc_hwm_kb "$GW_PID")
stop_pid "$SAMPLER_PID"
SAMPLER_PID=
stop_pid "$GW_PID"
GW_PID=
stop_pid "$SIM_PID"
SIM_PID=

/usr/bin/python3 "$HERE/fleet_report.py" --log "$WORK/gateway.log" --samples "$WORK/samples.txt" \
	--interval "$INTERVAL" --jitter "${JITTER:-10}" --warmup "$WARMUP" --fleet "$FLEET" \
	--set peer=ecsp-gateway --set "all_parts=$ALL_PARTS" --set "duration_s=$DURATION" \
	--set "sim_args=\"$SIM_ARGS\"" --set "gw_set=\"$GW_SET\"" --set "rss_kb_peak=$HWM" \
	--set "memory=$MEM" --set "box_busy_pct_before=$BUSY"
