#!/usr/bin/env bash
# The SNMP engine benchmark: the gateway's client and a harness on net-snmp's
# own asynchronous API, in the same run, against the same responder (a local
# net-snmp snmpd), for a GET of 10 varbinds and a GETBULK with
# max-repetitions 10, at windows 1, 16 and 64 (64 saturates snmpd: its ceiling). Prints one JSON line per run and
# a table of medians. Results and their reading: docs/benchmarks.md (SNMP).
#
# usage: tests/bench/snmp/run.sh [EXCHANGES [REPEATS]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
exchanges=${1:-20000}
repeats=${2:-3}
build=${ECSP_BENCH_BUILD:-$top/build-snmp-bench}
agent=
work=$(mktemp -d)
trap '[ -n "$agent" ] && { kill "$agent" 2>/dev/null; wait "$agent" 2>/dev/null; } ; rm -rf "$work"' EXIT

# a release build without sanitizers: the numbers are for the code, not ASan
if [ ! -d "$build" ]; then
	meson setup "$build" -Dplugins=snmp -Dbuildtype=release -Dtests=false >/dev/null
fi
ninja -C "$build" libgw.a >/dev/null
libs=$(pkg-config --libs libevent_core libevent_extra libevent_pthreads wolfssl msgpack lmdb \
	libconfuse jansson zlib libmosquitto)
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$top/plugins/snmp" -I"$top/gateway" \
	"$here/bench_ours.c" "$build/libgw.a" $libs -lhttp_parser -lpthread -lm -o "$work/bench-ours"
cc -O2 -std=gnu11 -D_GNU_SOURCE "$here/bench_netsnmp.c" $(net-snmp-config --libs) \
	-o "$work/bench-netsnmp"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'rocommunity public 127.0.0.1\n' > "$work/snmpd.conf"
mkdir "$work/persist"
# -Ln: no logging (the default connection log costs the agent more than the answers)
SNMP_PERSISTENT_DIR="$work/persist" /usr/sbin/snmpd -f -Ln -C -c "$work/snmpd.conf" \
	"udp:127.0.0.1:$port" &
agent=$!
sleep 1

echo "# $(uname -srm), $(nproc) CPUs; snmpd $(/usr/sbin/snmpd -v | awk '/version/ {print $NF; exit}')"
for workload in get bulk; do
	for window in 1 16 64; do
		for ((i = 0; i < repeats; i++)); do
			for impl in ours netsnmp; do
				"$work/bench-$impl" 127.0.0.1 "$port" public "$workload" "$window" \
					"$exchanges" "$agent"
			done
		done
	done
done | tee "$work/results.jsonl"

/usr/bin/python3 - "$work/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
keys = sorted({(r["workload"], r["window"]) for r in rows})
print("\n| workload | window | impl | exchanges/s | CPU µs/exchange | of which kernel | CPU µs/varbind | snmpd CPU µs/exchange | snmpd busy |")
print("|---|---|---|---|---|---|---|---|---|")
for w, win in keys:
    per = {}
    for impl in ("gateway", "net-snmp"):
        sel = [r for r in rows if r["workload"] == w and r["window"] == win and r["impl"] == impl]
        med = lambda k: statistics.median(r[k] for r in sel)
        per[impl] = med("cpu_us_per_exchange")
        print(f"| {'GET 10 varbinds' if w == 'get' else 'GETBULK max-rep 10'} | {win} | {impl} "
              f"| {med('exchanges_per_s'):.0f} | {med('cpu_us_per_exchange'):.2f} "
              f"| {med('sys_us_per_exchange'):.2f} "
              f"| {med('cpu_us_per_varbind'):.3f} | {med('agent_cpu_us_per_exchange'):.2f} "
              f"| {med('agent_cpu_share') * 100:.0f} % |")
    user = {}
    for impl in ("gateway", "net-snmp"):
        sel = [r for r in rows if r["workload"] == w and r["window"] == win and r["impl"] == impl]
        user[impl] = statistics.median(r["cpu_us_per_exchange"] - r["sys_us_per_exchange"] for r in sel)
    print(f"|  |  | ratio gateway / net-snmp | | {per['gateway'] / per['net-snmp']:.2f} "
          f"| user space only: {user['gateway'] / user['net-snmp']:.2f} | | | |")
PY
