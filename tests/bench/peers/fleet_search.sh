#!/bin/bash
# fleet_search.sh PEER [START [MAX]]
#
# The largest fleet a peer (collectd or snmp_exporter) polls on time: runs
# its run_*.sh at START printers, doubles until a run is not sustained (or MAX
# is reached), then bisects between the last good and the first bad size
# three times (to 1/8 of the step). At most log2(MAX/START) + 4 runs, each
# lasting (ROUNDS + 1) * INTERVAL seconds plus start-up.
#
# Prints every run's JSON line, then a summary line:
#   {"peer", "interval_s", "largest_sustained_fleet",
#    "equivalent_fleet_at_60s" (= fleet * 60 / interval, same polls/s), ...}
#
# Environment: INTERVAL (default 10), ROUNDS (measured rounds per run,
# default 3), BENCH_LOCK (a lock file: each run takes it with flock(1) and
# lets it go afterwards), plus what the run script takes (READ_THREADS,
# CONCURRENCY...).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PEER=${1:?usage: fleet_search.sh collectd|snmp_exporter [START [MAX]]}
START=${2:-500}
MAX=${3:-200000}
export INTERVAL=${INTERVAL:-10}
ROUNDS=${ROUNDS:-3}
case $PEER in
collectd) RUN=$HERE/collectd/run_collectd.sh ;;
snmp_exporter) RUN=$HERE/snmp_exporter/run_snmp_exporter.sh ;;
*) echo "unknown peer $PEER" >&2; exit 2 ;;
esac
DURATION=$(awk -v i="$INTERVAL" -v r="$ROUNDS" 'BEGIN { print i * (r + 1) + i / 2 }')

RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT

# run N: one run; its JSON goes to stdout and $RESULTS; status 0 when sustained
run() {
	local line
	if [ -n "${BENCH_LOCK:-}" ]; then
		line=$(flock "$BENCH_LOCK" "$RUN" "$1" "$DURATION") || line=
	else
		line=$("$RUN" "$1" "$DURATION") || line=
	fi
	[ -n "$line" ] || { echo "{\"fleet\": $1, \"sustained\": false, \"note\": \"run failed\"}"; return 1; }
	echo "$line"
	echo "$line" >>"$RESULTS"
	echo "$line" | /usr/bin/python3 -c 'import json, sys; sys.exit(0 if json.loads(sys.stdin.read()).get("sustained") else 1)'
}

good=0
bad=0
n=$START
while [ "$n" -le "$MAX" ]; do
	if run "$n"; then good=$n; n=$((n * 2)); else bad=$n; break; fi
done
if [ "$good" -gt 0 ] && [ "$bad" -gt 0 ]; then
	for _ in 1 2 3; do
		mid=$(((good + bad) / 2))
		[ "$mid" -gt "$good" ] && [ "$mid" -lt "$bad" ] || break
		if run "$mid"; then good=$mid; else bad=$mid; fi
	done
fi

/usr/bin/python3 - "$PEER" "$INTERVAL" "$good" "$bad" "$RESULTS" <<'EOF'
import json, sys
peer, iv, good, bad, path = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
runs = [json.loads(l) for l in open(path) if l.strip()]
best = next((r for r in runs if r.get("fleet") == good and r.get("sustained")), {})
print(json.dumps({
    "peer": peer, "interval_s": iv, "largest_sustained_fleet": good,
    "first_unsustained_fleet": bad or None,
    "equivalent_fleet_at_60s": round(good * 60 / iv),
    "polls_per_min": best.get("polls_per_min"), "cpu_pct": best.get("cpu_pct"),
    "cpu_ms_per_poll": best.get("cpu_ms_per_poll"),
    "polls_per_min_at_5pct_core": best.get("polls_per_min_at_5pct_core"),
    "rss_kb_max": best.get("rss_kb_max")}))
EOF
