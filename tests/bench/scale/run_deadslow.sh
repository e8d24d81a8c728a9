#!/bin/bash
# run_deadslow.sh [FLEET [REPEATS]]
#
# (c) A fleet with 30% of its printers dead (never answer) and 10% slow
# (every answer 500 ms late), against the same fleet healthy, in the same
# run, alternating: the share of the live printers polled within their
# interval, and the daemon's CPU per good (live) poll. Each run is one
# run_fleet.sh (full polls every INTERVAL, default 60 s) and prints its JSON
# line; the end prints a table of medians.
#
# The dead printers need about two minutes to be declared offline (three
# missed polls, 10 s apart, each with its retries) and are then tried every
# 5 minutes, so a mixed run leaves out WARMUP_MIXED seconds (default 150)
# and measures MEASURE_MIXED seconds (default 300: every offline retry
# once). A healthy run leaves out INTERVAL + 15 s and measures 3 intervals.
#
# Environment: INTERVAL, GW_SET (e.g. "snmp.window=1024"), SLOW_MS (500),
# DEAD_PCT (30), SLOW_PCT (10), MIXES (default "healthy dead+slow"; one of
# them alone to measure one side again), plus what run_fleet.sh takes.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

FLEET=${1:-10000}
REPEATS=${2:-3}
INTERVAL=${INTERVAL:-60}
DEAD_PCT=${DEAD_PCT:-30}
SLOW_PCT=${SLOW_PCT:-10}
SLOW_MS=${SLOW_MS:-500}
WARMUP_MIXED=${WARMUP_MIXED:-150}
MEASURE_MIXED=${MEASURE_MIXED:-300}
MIXES=${MIXES:-healthy dead+slow}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

for ((r = 1; r <= REPEATS; r++)); do
	case " $MIXES " in *" healthy "*)
		INTERVAL=$INTERVAL "$HERE/run_fleet.sh" "$FLEET" |
			sed 's/^{/{"mix": "healthy", /' | tee -a "$OUT" ;;
	esac
	case " $MIXES " in *" dead+slow "*)
		INTERVAL=$INTERVAL WARMUP=$WARMUP_MIXED \
			SIM_ARGS="--dead $DEAD_PCT --slow $SLOW_PCT --slow-ms $SLOW_MS" \
			"$HERE/run_fleet.sh" "$FLEET" $((WARMUP_MIXED + MEASURE_MIXED + 5)) |
			sed 's/^{/{"mix": "dead+slow", /' | tee -a "$OUT" ;;
	esac
done

/usr/bin/python3 - "$OUT" "$DEAD_PCT" "$SLOW_PCT" "$SLOW_MS" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def med(rs, k):
    v = [r[k] for r in rs if r.get(k) is not None]
    return statistics.median(v) if v else None
def f(v, fmt):
    return "-" if v is None else fmt % v
cols = [("answering", "%d"), ("offline", "%d"), ("polls_per_min", "%d"), ("on_time_share", "%.4f"),
        ("late", "%d"), ("failed", "%d"), ("cpu_pct", "%.2f"), ("cpu_us_per_poll", "%.1f"),
        ("exchanges_per_poll", "%.2f"), ("timeouts_per_poll", "%.3f"), ("foreign_cpu_pct", "%.1f")]
print("\n| fleet | mix | runs | answering | offline | good polls/min | on-time share | late | failed "
      "| CPU % | CPU us per good poll | exchanges/poll | timeouts/poll | foreign CPU % |")
print("|---|---|---|" + "---|" * len(cols))
by = {}
for r in rows:
    by.setdefault((r["fleet"], r["mix"]), []).append(r)
for (fleet, mix), rs in sorted(by.items()):
    print("| %d | %s | %d | %s |" % (fleet, mix, len(rs),
                                     " | ".join(f(med(rs, k), fmt) for k, fmt in cols)))
for fleet in sorted({k[0] for k in by}):
    h, m = by.get((fleet, "healthy")), by.get((fleet, "dead+slow"))
    if h and m and med(m, "on_time_share") is not None and med(h, "cpu_us_per_poll"):
        print("\n%d printers, %s%% dead and %s%% slow (%s ms): on time %.1f%% of live polls "
              "(healthy %.1f%%); CPU per good poll %.2fx the healthy fleet's" % (
                  fleet, sys.argv[2], sys.argv[3], sys.argv[4], 100 * med(m, "on_time_share"),
                  100 * med(h, "on_time_share"),
                  med(m, "cpu_us_per_poll") / med(h, "cpu_us_per_poll")))
EOF
