#!/usr/bin/env bash
# The SNMP engine benchmark: the gateway's client and a harness on net-snmp's
# own asynchronous API, in the same run, against the same responder (a local
# net-snmp snmpd), for a GET of 10 varbinds and a GETBULK with
# max-repetitions 10, at windows 1, 16 and 64 (64 saturates snmpd: its
# ceiling). Prints one JSON line per run and a table of medians per model.
# Results and their reading: docs/benchmarks.md (SNMP).
#
# Two network models, both peers measured the same way in each:
#   loopback  snmpd on 127.0.0.1. The sender's system call also runs the
#             receiver's side of the stack, so each client pays for snmpd's
#             receive path (and snmpd for the client's).
#   veth      snmpd in its own network namespace behind a veth pair, pinned
#             to the last CPU, with RPS steering its receive path to that
#             CPU; the clients run on CPU 0. The client's figure then holds
#             its own send path and system calls, but no receive path of
#             either side (answers are received in snmpd's send), as getrusage
#             would show it with a real NIC. Needs root and 2 CPUs.
#
# usage: tests/bench/snmp/run.sh [EXCHANGES [REPEATS]]
#        SNMP_BENCH_MODELS="loopback veth" (default: both; veth skipped
#        without root or with one CPU)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
exchanges=${1:-20000}
repeats=${2:-3}
build=${ECSP_BENCH_BUILD:-$top/build-snmp-bench}
models=${SNMP_BENCH_MODELS:-loopback veth}
agent=
ns=
work=$(mktemp -d)
cleanup() {
	if [ -n "$agent" ]; then
		kill "$agent" 2>/dev/null || true
		wait "$agent" 2>/dev/null || true
	fi
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

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

stop_agent() {
	kill "$agent" 2>/dev/null || true
	wait "$agent" 2>/dev/null || true
	agent=
}

# start_agent ADDR CLIENT_ADDR [COMMAND PREFIX...]: snmpd answering CLIENT_ADDR
start_agent() {
	local addr=$1 client=$2
	shift 2
	rm -rf "$work/persist"
	mkdir "$work/persist"
	printf 'rocommunity public %s\n' "$client" > "$work/snmpd.conf"
	# -Ln: no logging (the default connection log costs the agent more than the answers)
	SNMP_PERSISTENT_DIR="$work/persist" "$@" /usr/sbin/snmpd -f -Ln -C \
		-c "$work/snmpd.conf" "udp:$addr:$port" &
	agent=$!
	sleep 1
}

# run_model NAME HOST [CLIENT COMMAND PREFIX...]
run_model() {
	local model=$1 host=$2 workload window i impl
	shift 2
	for workload in get bulk; do
		for window in 1 16 64; do
			for ((i = 0; i < repeats; i++)); do
				for impl in ours netsnmp; do
					"$@" "$work/bench-$impl" "$host" "$port" public "$workload" \
						"$window" "$exchanges" "$agent" |
						sed "s/^{/{\"model\": \"$model\", /"
				done
			done
		done
	done
}

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "# $(uname -srm), $(nproc) CPUs; snmpd $(/usr/sbin/snmpd -v | awk '/version/ {print $NF; exit}')"
: > "$work/results.jsonl"
for model in $models; do
	case $model in
	loopback)
		start_agent 127.0.0.1 127.0.0.1
		run_model loopback 127.0.0.1 | tee -a "$work/results.jsonl"
		stop_agent
		;;
	veth)
		if [ "$(id -u)" != 0 ] || [ "$(nproc)" -lt 2 ]; then
			echo "# veth model skipped: needs root and 2 CPUs"
			continue
		fi
		last=$(($(nproc) - 1))
		ns=snmpbench$$
		a=sb$$a
		b=sb$$b
		ip netns add "$ns"
		ip link add "$a" type veth peer name "$b" netns "$ns"
		# 198.18.0.0/15: the range set aside for benchmarks (RFC 2544)
		ip addr add 198.18.0.1/30 dev "$a"
		ip link set "$a" up
		ip netns exec "$ns" sh -e -c "ip link set lo up; ip addr add 198.18.0.2/30 dev $b;
			ip link set $b up;
			printf '%x' $((1 << last)) > /sys/class/net/$b/queues/rx-0/rps_cpus"
		start_agent 198.18.0.2 198.18.0.1 taskset -c "$last" ip netns exec "$ns"
		run_model veth 198.18.0.2 taskset -c 0 | tee -a "$work/results.jsonl" ||
			echo "# veth model: a run failed; its rows are missing"
		stop_agent
		ip netns del "$ns"
		ns=
		;;
	*)
		echo "unknown model $model" >&2
		exit 2
		;;
	esac
done

/usr/bin/python3 - "$work/results.jsonl" <<'PY'
import json, statistics, sys
allrows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
for model in dict.fromkeys(r["model"] for r in allrows):
    rows = [r for r in allrows if r["model"] == model]
    keys = sorted({(r["workload"], r["window"]) for r in rows})
    print(f"\nmodel: {model}\n")
    print("| workload | window | impl | exchanges/s | CPU µs/exchange | of which kernel "
          "| CPU µs/varbind | snmpd CPU µs/exchange | snmpd busy |")
    print("|---|---|---|---|---|---|---|---|---|")
    for w, win in keys:
        per, user = {}, {}
        for impl in ("gateway", "net-snmp"):
            sel = [r for r in rows if r["workload"] == w and r["window"] == win and r["impl"] == impl]
            if not sel:
                break
            med = lambda k: statistics.median(r[k] for r in sel)
            per[impl] = med("cpu_us_per_exchange")
            user[impl] = statistics.median(r["cpu_us_per_exchange"] - r["sys_us_per_exchange"]
                                           for r in sel)
            print(f"| {'GET 10 varbinds' if w == 'get' else 'GETBULK max-rep 10'} | {win} | {impl} "
                  f"| {med('exchanges_per_s'):.0f} | {med('cpu_us_per_exchange'):.2f} "
                  f"| {med('sys_us_per_exchange'):.2f} "
                  f"| {med('cpu_us_per_varbind'):.3f} | {med('agent_cpu_us_per_exchange'):.2f} "
                  f"| {med('agent_cpu_share') * 100:.0f} % |")
        if len(per) < 2:
            continue
        print(f"|  |  | ratio gateway / net-snmp | | {per['gateway'] / per['net-snmp']:.2f} "
              f"| user space only: {user['gateway'] / user['net-snmp']:.2f} | | | |")
PY
