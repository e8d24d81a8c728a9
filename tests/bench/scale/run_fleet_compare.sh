#!/bin/bash
# run_fleet_compare.sh [FLEET [REPEATS]]
#
# (b) Full printer polls per minute at 5% of one core, side by side in one
# run: the gateway daemon (run_fleet.sh: FLEET printers, default 50,000,
# every one fully polled every 60 s, REPEATS runs) against collectd's snmp
# plugin and Prometheus' snmp_exporter, each at the largest fleet it
# sustains (../peers/fleet_search.sh: doubling, then bisecting; the peers
# read ../peers/printer-oids.txt). Prints every run's JSON line, then a
# table: polls per minute, CPU, CPU per poll, and the polls per minute 5% of
# one core pays for (60 s x 5% / CPU per poll).
#
# The peers' harnesses belong to ../peers; they are called as they are, with
# the search settings their README uses: collectd at INTERVAL=5 from 2,000
# up to 19,500 hosts (one socket per host, and 20,000 descriptors here),
# snmp_exporter at INTERVAL=10 from 2,000 up to 100,000. A short interval
# with a smaller fleet is the same load per second as the fleet x 60 /
# interval at 60 s; fleet_search.sh reports both.
# Environment: PEERS (default "collectd snmp_exporter"), COLLECTD_SEARCH
# ("INTERVAL START MAX", default "5 2000 19500"), EXPORTER_SEARCH (default
# "10 2000 100000"), DEFAULT_RUNS (runs of the daemon with the default part
# intervals, the deployed shape, default 1), BENCH_LOCK (a lock file: each
# run takes it with flock(1) and lets it go afterwards, so other benchmarks
# on the machine can run in between; unset: no locking), plus what
# run_fleet.sh and fleet_search.sh take (ROUNDS, READ_THREADS, ...).
# RESULTS=FILE keeps every run's JSON line; SUMMARY_ONLY=FILE prints the
# table for such a file (or several runs' files put together) and runs
# nothing.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

FLEET=${1:-50000}
REPEATS=${2:-3}
PEERS=${PEERS:-collectd snmp_exporter}
COLLECTD_SEARCH=${COLLECTD_SEARCH:-5 2000 19500}
EXPORTER_SEARCH=${EXPORTER_SEARCH:-10 2000 100000}
DEFAULT_RUNS=${DEFAULT_RUNS:-1}

summary() {  # FILE: the table
	/usr/bin/python3 - "$1" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print("\n| tool | fleet (at 60 s) | polls/min | CPU % of one core | CPU ms per poll | polls/min at 5% of one core | SNMP exchanges per poll |")
print("|---|---|---|---|---|---|---|")
for parts, name in ((1, "ecsp-gateway, full polls"), (0, "ecsp-gateway, default schedule")):
    ours = [r for r in rows if r.get("peer") == "ecsp-gateway" and r.get("all_parts") == parts
            and "polls_per_min" in r]
    if not ours:
        continue
    m = lambda k: statistics.median(r[k] for r in ours if r.get(k) is not None)
    print("| %s (%d runs) | %d | %d | %.2f | %.3f | %d | %s |" % (
        name, len(ours), m("fleet"), m("polls_per_min"), m("cpu_pct"), m("cpu_us_per_poll") / 1000,
        m("polls_per_min_at_5pct_core"), m("exchanges_per_poll")))
for r in rows:
    if "largest_sustained_fleet" in r:
        cpu_ms = r.get("cpu_ms_per_poll")
        print("| %s | %s | %s | %s | %s | %s | - |" % (
            r["peer"], r.get("equivalent_fleet_at_60s"), r.get("polls_per_min"), r.get("cpu_pct"),
            cpu_ms, r.get("polls_per_min_at_5pct_core")))
EOF
}
if [ -n "${SUMMARY_ONLY:-}" ]; then
	summary "$SUMMARY_ONLY"
	exit 0
fi

# the same simulator for every tool (build_scale exports ECSP_SIM_BIN)
build_scale || { echo "build failed" >&2; exit 1; }
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

# locked CMD...: CMD under flock $BENCH_LOCK when it is set
locked() {
	if [ -n "${BENCH_LOCK:-}" ]; then flock "$BENCH_LOCK" "$@"; else "$@"; fi
}

for ((r = 1; r <= REPEATS; r++)); do
	INTERVAL=60 ALL_PARTS=1 locked "$HERE/run_fleet.sh" "$FLEET" | tee -a "$OUT"
done
for ((r = 1; r <= DEFAULT_RUNS; r++)); do
	INTERVAL=60 ALL_PARTS=0 locked "$HERE/run_fleet.sh" "$FLEET" | tee -a "$OUT"
done
for p in $PEERS; do
	# shellcheck disable=SC2086
	case $p in
	collectd) set -- $COLLECTD_SEARCH ;;
	*) set -- $EXPORTER_SEARCH ;;
	esac
	INTERVAL=$1 BENCH_LOCK=${BENCH_LOCK:-} "$PEERS_DIR/fleet_search.sh" "$p" "$2" "$3" | tee -a "$OUT" || \
		echo "{\"peer\": \"$p\", \"error\": \"fleet_search.sh failed\"}" | tee -a "$OUT"
done

[ -n "${RESULTS:-}" ] && cp "$OUT" "$RESULTS"
summary "$OUT"
