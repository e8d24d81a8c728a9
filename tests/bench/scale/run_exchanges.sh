#!/bin/bash
# run_exchanges.sh [REPEATS [DURATION]]
#
# (a) SNMP exchanges per second on one core, for the fixed workloads of the
# engine benchmarks (get10: one GET of the ten objects of
# ../peers/oids_get10.h; bulk10: one GETBULK, max-repetitions 10, from
# prtMarkerSuppliesEntry), side by side in the same run:
#
#   ecsp-gateway     bench-exchanges: the gateway's engine, one socket for
#                    every target, one session per target
#   netsnmp-async    ../peers/netsnmp_async.c with net-snmp's traditional
#                    asynchronous API, both of its session layouts (one
#                    shared session, one session per target)
#   ceiling          ecsp-sim-blast (a minimal C load generator) against the
#                    same simulator: the responder's own limit, and its CPU
#                    per answer
#
# One simulator (ecsp-printer-sim, SIM_COUNT printers, one thread) is
# pinned to CPU 0; every driver runs pinned to CPU 1, one after the other,
# for DURATION seconds each, REPEATS rounds (the order of the tools rotates
# each round). Each run prints one JSON line (exchanges/s, CPU per exchange
# user + system, the responder's CPU); the end prints a table of medians.
#
# Environment: WINDOWS (default "64 256"), SIM_COUNT (default 1000),
# SIM_MODELS (default printers only), BENCH_NETSNMP_ASYNC (the peer
# harness; else found in a build tree or built here from its source),
# FOREIGN_MAX (default 20: the medians are taken over the runs during which
# the rest of the machine used at most this % of one core; a group with no
# such run falls back to all its runs and is marked "*"), RESULTS (keep the
# JSON lines in this file).
#
# SUMMARY_ONLY=FILE prints the table for a file of earlier JSON lines.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

REPEATS=${1:-3}
DURATION=${2:-10}
WINDOWS=${WINDOWS:-64 256}
SIM_COUNT=${SIM_COUNT:-1000}
SIM_MODELS=${SIM_MODELS:-epson-wf:4,hp-lj:2,brother:2,kyocera:1}
if [ "$REPEATS" -lt 1 ] || [ "$REPEATS" -gt 20 ] || [ "$DURATION" -lt 1 ] || [ "$DURATION" -gt 120 ]; then
	echo "usage: $0 [REPEATS (1-20) [DURATION (1-120 s)]]" >&2
	exit 2
fi

summary() {  # FILE: the table of medians
	/usr/bin/python3 - "$1" "${FOREIGN_MAX:-20}" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
fmax = float(sys.argv[2])
for r in rows:
    if r.get("user_s") is not None and r.get("exchanges"):
        r["user_us_per_exchange"] = r["user_s"] * 1e6 / r["exchanges"]
groups, allruns = {}, {}
for r in rows:
    allruns.setdefault((r["mode"], r["window"], r["tool"], r["sessions"]), []).append(r)
fallback = set()
for k, rs in allruns.items():
    quiet = [r for r in rs if r.get("foreign_cpu_pct") is not None and r["foreign_cpu_pct"] <= fmax]
    groups[k] = quiet or rs
    if not quiet:
        fallback.add(k)
med = lambda rs, k: statistics.median(x[k] for x in rs if x.get(k) is not None) if any(x.get(k) is not None for x in rs) else None
print("\nmedians over the runs with foreign CPU <= %g%% of one core (runs: used/all)" % fmax)
print("\n| workload | window | tool | sessions | runs | exchanges/s | CPU us/exchange | of which user | one-core capacity/s | responder CPU % | responder CPU us/exchange | foreign CPU % |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for (mode, w, tool, sess), rs in sorted(groups.items()):
    eps, us, uu = med(rs, "exchanges_per_s"), med(rs, "cpu_us_per_exchange"), med(rs, "user_us_per_exchange")
    if tool == "ecsp-sim-blast":
        us = uu = None
    cap = round(1e6 / us) if us else None
    rus = med(rs, "responder_cpu_us_per_exchange")
    rp = med(rs, "responder_cpu_pct")
    runs = "%d/%d%s" % (len(rs), len(allruns[(mode, w, tool, sess)]),
                        "*" if (mode, w, tool, sess) in fallback else "")
    print("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        mode, w, tool, sess, runs, round(eps) if eps else "-", "%.2f" % us if us else "-",
        "%.2f" % uu if uu else "-", cap or "-", "%.0f" % rp if rp else "-",
        "%.2f" % rus if rus else "-", "%.1f" % med(rs, "foreign_cpu_pct")))
print("\nratios (medians): the gateway's exchanges/s and one-core capacity over net-snmp's best layout")
for mode in ("get10", "bulk10"):
    for w in sorted({k[1] for k in groups}):
        o = groups.get((mode, w, "ecsp-gateway", "engine"))
        n = [groups[k] for k in groups if k[:3] == (mode, w, "netsnmp-async")]
        if not o or not n:
            continue
        best_rate = max(med(x, "exchanges_per_s") for x in n)
        best_us = min(med(x, "cpu_us_per_exchange") for x in n)
        best_uu = min(med(x, "user_us_per_exchange") for x in n)
        print("  %s window %d: rate %.2fx, one-core capacity %.2fx, user-space CPU %.2fx" % (
            mode, w, med(o, "exchanges_per_s") / best_rate, best_us / med(o, "cpu_us_per_exchange"),
            best_uu / med(o, "user_us_per_exchange")))
EOF
}
if [ -n "${SUMMARY_ONLY:-}" ]; then
	summary "$SUMMARY_ONLY"
	exit 0
fi

build_scale || { echo "build failed" >&2; exit 1; }
NETSNMP=$(find_bin BENCH_NETSNMP_ASYNC bench-netsnmp-async tests/bench/peers) || NETSNMP=
if [ -z "$NETSNMP" ]; then
	NETSNMP=$SCALE_BUILD/scale-tools/bench-netsnmp-async
	cc -O2 -o "$NETSNMP" "$PEERS_DIR/netsnmp_async.c" $(net-snmp-config --cflags --libs) || {
		echo "cannot build the net-snmp harness (libsnmp-dev)" >&2
		exit 1
	}
fi

WORK=$(mktemp -d /tmp/ecsp-scale-XXXXXX)
SIM_PID=
cleanup() {
	stop_pid "$SIM_PID"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BUSY=$(warn_if_busy)
start_sim_on 0 "$WORK" --count "$SIM_COUNT" --models "$SIM_MODELS"

# tag TOOL MODE WINDOW SESSIONS ROUND < JSON: the common fields, then the line
tag() {
	/usr/bin/python3 -c '
import json, sys
tool, mode, window, sessions, rnd, busy = sys.argv[1:7]
d = json.loads(sys.stdin.read())
d.update({"tool": tool, "mode": mode, "window": int(window), "sessions": sessions,
          "round": int(rnd), "box_busy_pct_before": int(busy)})
print(json.dumps(d))' "$@" "$BUSY"
}

ours() {  # MODE WINDOW ROUND
	local j0 out
	j0=$(box_jiffies)
	out=$("${PIN1[@]}" "$EXCH_BIN" --mode "$1" --window "$2" --count "$SIM_COUNT" \
		--port "$SIM_PORT" --duration "$DURATION" --responder-pid "$SIM_PID")
	echo "$out" | add_foreign "$j0" "$(box_jiffies)" | tag ecsp-gateway "$1" "$2" engine "$3"
}

netsnmp() {  # MODE WINDOW SESSIONS ROUND
	local j0 out
	j0=$(box_jiffies)
	out=$("${PIN1[@]}" "$NETSNMP" --mode "$1" --window "$2" --sessions "$3" --count "$SIM_COUNT" \
		--port "$SIM_PORT" --duration "$DURATION" --responder-pid "$SIM_PID")
	echo "$out" | add_foreign "$j0" "$(box_jiffies)" | tag netsnmp-async "$1" "$2" "$3" "$4"
}

ceiling() {  # MODE WINDOW ROUND: ecsp-sim-blast, the simulator's limit
	local j0 args out
	[ "$1" = get10 ] && args=(--varbinds 10) || args=(--pdu bulk --varbinds 1 --max-rep 10)
	j0=$(box_jiffies)
	out=$("${PIN1[@]}" "$BLAST_BIN" --count "$SIM_COUNT" --port "$SIM_PORT" --window "$2" \
		--duration "$DURATION" --sim-pid "$SIM_PID" "${args[@]}" 2>&1) || true
	echo "$out" | /usr/bin/python3 -c '
import json, re, sys
t = sys.stdin.read()
ex = re.search(r"exchanges: (\d+) \((\d+)/s\)", t)
cpu = re.search(r"sim CPU: ([\d.]+)% of one core \(([\d.]+) us per exchange", t)
own = re.search(r"blaster CPU: ([\d.]+)%", t)
dur = re.search(r"duration=([\d.]+)s", t)
if not ex or not cpu:
    sys.exit("ecsp-sim-blast output not understood:\n" + t)
us = float(cpu.group(2))
wall = float(dur.group(1)) if dur else 0
print(json.dumps({"exchanges": int(ex.group(1)), "exchanges_per_s": int(ex.group(2)),
    "cpu_pct": float(own.group(1)) if own else None,
    "cpu_s": float(own.group(1)) * wall / 100 if own else 0,
    "responder_cpu_pct": float(cpu.group(1)), "responder_cpu_us_per_exchange": us,
    "responder_cpu_s": float(cpu.group(1)) * wall / 100,
    "responder_one_core_ceiling_per_s": round(1e6 / us) if us > 0 else None, "wall_s": wall}))
' | add_foreign "$j0" "$(box_jiffies)" | tag ecsp-sim-blast "$1" "$2" ceiling "$3"
}

for ((r = 1; r <= REPEATS; r++)); do
	maybe_wait_quiet
	for mode in get10 bulk10; do
		for w in $WINDOWS; do
			# rotate the order so no tool always runs first (or last) in a round
			case $(((r - 1) % 3)) in
			0) ours "$mode" "$w" "$r"; netsnmp "$mode" "$w" shared "$r"; netsnmp "$mode" "$w" per-target "$r" ;;
			1) netsnmp "$mode" "$w" shared "$r"; netsnmp "$mode" "$w" per-target "$r"; ours "$mode" "$w" "$r" ;;
			2) netsnmp "$mode" "$w" per-target "$r"; ours "$mode" "$w" "$r"; netsnmp "$mode" "$w" shared "$r" ;;
			esac
			ceiling "$mode" "$w" "$r"
		done
	done
done | tee "$WORK/results.jsonl"

[ -n "${RESULTS:-}" ] && cp "$WORK/results.jsonl" "$RESULTS"
summary "$WORK/results.jsonl"
