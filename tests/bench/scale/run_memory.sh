#!/bin/bash
# run_memory.sh [FLEETS [REPEATS]]
#
# (d) The daemon's memory with FLEETS managed printers (default "10000
# 50000") in steady state, with the uplink connected to the test cloud and
# a backlog in the store: RSS and PSS, each split into anonymous and
# file-backed (/proc/PID/smaps_rollup), plus the largest mappings.
#
# Each run: the simulator (CPU 1), the test cloud (tests/cloud/cloud.py,
# mutual TLS, CPU 1) with a "slow" fault (every batch answered after
# CLOUD_DELAY_MS, default 10 s: at 1,000 records a batch the cloud takes at
# most 100 records/s, less than the fleet produces, so the backlog grows
# while the connection stays up), the daemon (CPU 0) polling every printer
# every INTERVAL (60 s; default part intervals, as deployed). After WARMUP
# (INTERVAL + 30 s: every printer polled, the uplink connected, a backlog)
# the memory is sampled every 5 s for MEASURE seconds (default 60); the JSON
# line gives the last sample and the largest, and start_s: how long the
# daemon took from its start to its "running" line (the managed list loaded
# and every device scheduled).
#
# Environment: INTERVAL, WARMUP, MEASURE, CLOUD_DELAY_MS, GW_SET, SIM_MODELS.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

FLEETS=${1:-10000 50000}
REPEATS=${2:-3}
INTERVAL=${INTERVAL:-60}
WARMUP=${WARMUP:-$((INTERVAL + 30))}
MEASURE=${MEASURE:-60}
CLOUD_DELAY_MS=${CLOUD_DELAY_MS:-10000}
SIM_MODELS=${SIM_MODELS:-epson-wf:4,hp-lj:2,brother:2,kyocera:1}
GW_SET=${GW_SET:-}
GW_ID=gw-bench-0001

build_scale || { echo "build failed" >&2; exit 1; }
WORK=$(mktemp -d /tmp/ecsp-scale-XXXXXX)
SIM_PID= GW_PID= CLOUD_PID=
cleanup() {
	stop_pid "$GW_PID"
	stop_pid "$CLOUD_PID"
	stop_pid "$SIM_PID"
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

/usr/bin/python3 "$TREE_DIR/tests/cloud/certs.py" --gateway-id "$GW_ID" "$WORK/pki" >/dev/null

control() {  # METHOD PATH [JSON]
	/usr/bin/python3 - "$CLOUD_CONTROL" "$1" "$2" "${3:-}" <<'EOF'
import http.client, sys
port, method, path, body = sys.argv[1:5]
c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
c.request(method, path, body=body.encode() if body else None,
          headers={"Content-Type": "application/json"} if body else {})
r = c.getresponse()
sys.stdout.write(r.read().decode())
EOF
}

start_cloud() {
	local i
	: >"$WORK/cloud.out"
	"${PIN1[@]}" /usr/bin/python3 "$TREE_DIR/tests/cloud/cloud.py" --listen 127.0.0.1 --port 0 \
		--pki "$WORK/pki" --db "$WORK/cloud.sqlite" --control-port 0 \
		>"$WORK/cloud.out" 2>"$WORK/cloud.log" &
	CLOUD_PID=$!
	for i in $(seq 100); do
		CLOUD_PORT=$(sed -n 's/.*"port": \([0-9]*\).*/\1/p' "$WORK/cloud.out")
		CLOUD_CONTROL=$(sed -n 's/.*"control_port": \([0-9]*\).*/\1/p' "$WORK/cloud.out")
		[ -n "$CLOUD_PORT" ] && [ -n "$CLOUD_CONTROL" ] && return 0
		kill -0 "$CLOUD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "the test cloud did not start:" >&2
	cat "$WORK/cloud.log" >&2
	return 1
}

# top_maps PID: the five mappings with the most PSS, as a JSON object name -> kB
top_maps() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { n = ($6 == "") ? "[anon]" : $6; sub(".*/", "", n) }
	     /^Pss:/ { p[n] += $2 }
	     END { for (k in p) print p[k], k }' "/proc/$1/smaps" | sort -rn | head -5 |
		awk 'BEGIN { printf "{" } { printf "%s\"%s\": %d", (NR > 1 ? ", " : ""), $2, $1 } END { print "}" }'
}

one() {  # FLEET ROUND
	local fleet=$1 round=$2 busy sets kv last max t pss t0 start_s
	rm -rf "$WORK/state" "$WORK/cloud.sqlite"
	maybe_wait_quiet
	busy=$(warn_if_busy)
	start_sim_on 1 "$WORK" --count "$fleet" --models "$SIM_MODELS"
	start_cloud
	control POST /faults "[{\"action\": \"slow\", \"delay_ms\": $CLOUD_DELAY_MS}]" >/dev/null
	"$SEED_BIN" "$WORK/state" "$fleet" 127.0.1.1 "$SIM_PORT" sim >/dev/null
	cp "$WORK/pki/client.key" "$WORK/client.key"
	chmod 600 "$WORK/client.key"
	sets=(--set uplink.enabled=true --set "uplink.base_url=\"https://localhost:$CLOUD_PORT\""
	      --set "uplink.ca_file=\"$WORK/pki/ca.crt\"" --set "uplink.cert_file=\"$WORK/pki/client.crt\""
	      --set "uplink.key_file=\"$WORK/client.key\"" --set store.max_size=2G)
	for kv in $GW_SET; do sets+=(--set "$kv"); done
	/usr/bin/python3 "$HERE/gen_conf.py" --count 0 --port "$SIM_PORT" --state "$WORK/state" \
		--out "$WORK/gateway.conf" --interval "$INTERVAL" --stats 10 --gateway-id "$GW_ID" \
		"${sets[@]}"
	t0=$(date +%s.%N)
	start_gateway "$WORK" "$WORK/gateway.conf"
	start_s=$(echo "$(date +%s.%N) - $t0" | bc)
	sleep "$WARMUP"
	max=0
	for ((t = 0; t < MEASURE; t += 5)); do
		last=$(smaps "$GW_PID")
		pss=$(echo "$last" | sed 's/.*"pss_kb": \([0-9]*\).*/\1/')
		[ "$pss" -gt "$max" ] && max=$pss
		sleep 5
	done
	last=$(smaps "$GW_PID")
	local maps records accepted
	maps=$(top_maps "$GW_PID")
	records=$(grep "scheduler: stats: " "$WORK/gateway.log" | tail -1 | sed 's/.* records \([0-9]*\).*/\1/')
	control GET /stats >"$WORK/cloud-stats.json"
	accepted=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("accepted", 0))' "$WORK/cloud-stats.json")
	[ "$accepted" -gt 0 ] || echo "warning: the cloud accepted nothing: is the uplink connected?" >&2
	(/usr/bin/python3 - "$last" "$maps" <<EOF
import json, sys
d = {"fleet": $fleet, "round": $round, "interval_s": $INTERVAL, "cloud_delay_ms": $CLOUD_DELAY_MS,
     "cloud_requests": json.load(open("$WORK/cloud-stats.json")).get("requests"),
     "records_made": ${records:-0}, "records_accepted": ${accepted:-0},
     "backlog_records": ${records:-0} - ${accepted:-0}, "pss_kb_max": $max,
     "store_file_kb": $(du -k "$WORK/state/data.mdb" | cut -f1), "gw_set": "$GW_SET",
     "start_s": round($start_s, 2),
     "box_busy_pct_before": $busy}
d.update(json.loads(sys.argv[1]))
d["top_pss_kb"] = json.loads(sys.argv[2])
print(json.dumps(d))
EOF
	) | tee -a "$WORK/results.jsonl"
	stop_pid "$GW_PID"
	GW_PID=
	stop_pid "$CLOUD_PID"
	CLOUD_PID=
	stop_pid "$SIM_PID"
	SIM_PID=
}

# (not in a pipeline: the processes a run starts must stay known to cleanup)
for ((r = 1; r <= REPEATS; r++)); do
	for f in $FLEETS; do
		one "$f" "$r"
	done
done

/usr/bin/python3 - "$WORK/results.jsonl" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print("\n| devices | RSS kB | anon | file | PSS kB | anon | file | PSS max kB | backlog records |")
print("|---|---|---|---|---|---|---|---|---|")
for f in sorted({r["fleet"] for r in rows}):
    rs = [r for r in rows if r["fleet"] == f]
    m = lambda k: round(statistics.median(r[k] for r in rs))
    print("| %d | %d | %d | %d | %d | %d | %d | %d | %d |" % (
        f, m("rss_kb"), m("rss_anon_kb"), m("rss_file_kb"), m("pss_kb"), m("pss_anon_kb"),
        m("pss_file_kb"), m("pss_kb_max"), m("backlog_records")))
EOF
