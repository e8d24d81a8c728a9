#!/bin/bash
# run_discovery.sh [REPEATS [PREFIX]]
#
# (e) Discovery of a /16 of simulated printers at the default rate (200
# addresses a second): how long the run takes and how many datagrams go to
# each address. The simulator plays a printer at every host address of
# PREFIX.0.0/16 (default 127.1), SNMP and ENPC on free ports; the daemon
# (no managed devices) runs one discovery at start
# (discovery.start_on_boot) over that /16 with max_addresses raised to
# 65536, every discovering protocol of the build on, broadcasts off (they
# would leave the loopback interface). One JSON line per run:
#
#   seconds            the run's "started" to its "done" line in the log
#   addresses, answered, candidates   from the "done" line
#   datagrams_per_address, answers_per_address
#                      what the simulator received and sent (SNMP and ENPC
#                      together, its own counters, printed when it stops)
#                      over the addresses probed
#   <plugin>_sent_per_address   the same from the gateway's plugin counters
#   gateway_cpu_s      the daemon's CPU over the whole run
#
# Environment: RATE (default: the built-in default), SIM_MODELS (default
# the printer mix, Epson printers answer ENPC), EXTRA (more discovery
# options, e.g. "snmp=false").
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

REPEATS=${1:-3}
PREFIX=${2:-127.1}
RATE=${RATE:-}
EXTRA=${EXTRA:-}
SIM_MODELS=${SIM_MODELS:-epson-wf:4,hp-lj:2,brother:2,kyocera:1}
case $PREFIX in 127.[0-9]*) ;; *) echo "PREFIX must be inside 127.0.0.0/8" >&2; exit 2 ;; esac

build_scale || { echo "build failed" >&2; exit 1; }
WORK=$(mktemp -d /tmp/ecsp-scale-XXXXXX)
SIM_PID= GW_PID=
cleanup() {
	stop_pid "$GW_PID"
	stop_pid "$SIM_PID"
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work directory: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

one() {
	local round=$1 busy enpc_port i t0 t1 cpu sets kv
	rm -rf "$WORK/state" "$WORK"/sim.*
	maybe_wait_quiet
	busy=$(warn_if_busy)
	enpc_port=$(free_port udp)
	"$SIM_BIN" --base "$PREFIX.0.1" --count 65534 --models "$SIM_MODELS" --snmp-port 0 \
		--enpc-port "$enpc_port" >"$WORK/sim.out" 2>"$WORK/sim.err" &
	SIM_PID=$!
	for i in $(seq 100); do
		SIM_PORT=$(sed -n 's/.*snmp_port=\([0-9]*\).*/\1/p' "$WORK/sim.out")
		[ -n "$SIM_PORT" ] && break
		sleep 0.05
	done
	[ -n "$SIM_PORT" ] || { echo "the simulator did not start" >&2; cat "$WORK/sim.err" >&2; exit 1; }
	[ "$(nproc)" -gt 1 ] && taskset -a -p -c 1 "$SIM_PID" >/dev/null
	sets=(--set discovery.start_on_boot=true --set "discovery.ranges=\"$PREFIX.0.0/16\""
	      --set discovery.max_addresses=65536 --set discovery.broadcast=false
	      --set "discovery.enpc_port=$enpc_port" --set "discovery.snmp_port=$SIM_PORT"
	      --set discovery.credentials=\"sim\")
	[ -n "$RATE" ] && sets+=(--set "discovery.rate=$RATE")
	for kv in $EXTRA; do sets+=(--set "discovery.$kv"); done
	/usr/bin/python3 "$HERE/gen_conf.py" --count 0 --port "$SIM_PORT" --state "$WORK/state" \
		--out "$WORK/gateway.conf" --stats 10 "${sets[@]}"
	start_gateway "$WORK" "$WORK/gateway.conf"
	# a /16 at 200 a second takes 5.5 minutes; give up after 30
	for i in $(seq 1800); do
		grep -q "discovery: run [0-9]* [a-z]*: probed" "$WORK/gateway.log" && break
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 1
	done
	sleep 11 # one more counters line after the end
	cpu=$(proc_cpu "$GW_PID")
	stop_pid "$GW_PID"
	GW_PID=
	stop_pid "$SIM_PID"
	SIM_PID=
	/usr/bin/python3 - "$WORK/gateway.log" "$WORK/sim.err" "$round" "$cpu" "$busy" "$PREFIX" <<'EOF'
import calendar, json, re, sys, time
log, simerr, rnd, cpu, busy, prefix = sys.argv[1:7]
text = open(log, errors="replace").read()
def unix(ts):
    whole, _, frac = ts.partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float("0." + frac)
st = re.search(r"^(\S+)Z notice\s+discovery: run (\d+) started by \S+: (\d+) addresses, with (.*)$", text, re.M)
dn = re.search(r"^(\S+)Z notice\s+discovery: run \d+ (\w+): probed (\d+) of (\d+) addresses, (\d+) answered, "
               r"(\d+) new candidates(?:, (\d+) already managed, (\d+) ignored)?", text, re.M)
sim = open(simerr).read()
rx = re.findall(r"rx=(\d+)", sim)
tx = re.findall(r"tx=(\d+)", sim)
plugin = {}
for name, body in re.findall(r"scheduler: stats (\w+): (\{.*\})$", text, re.M):
    plugin[name] = json.loads(body)
out = {"round": int(rnd), "range": prefix + ".0.0/16", "box_busy_pct_before": int(busy),
       "gateway_cpu_s": float(cpu)}
if not st or not dn:
    out["error"] = "the run did not finish"
else:
    probed = int(dn.group(3))
    out.update({"protocols": st.group(4), "state": dn.group(2), "addresses": probed,
                "answered": int(dn.group(5)), "new_candidates": int(dn.group(6)),
                "ignored": int(dn.group(8)) if dn.group(8) else None,
                "seconds": round(unix(dn.group(1)) - unix(st.group(1)), 1)})
    if rx and tx:
        out["datagrams_to_fleet"] = int(rx[-1])
        out["datagrams_per_address"] = round(int(rx[-1]) / probed, 3)
        out["answers_per_address"] = round(int(tx[-1]) / probed, 3)
    for name, st in plugin.items():
        if "sent" in st:
            out["%s_sent_per_address" % name] = round(st["sent"] / probed, 3)
        for k in ("discovery_probes", "discovery_answers"):
            if k in st:
                out["%s_%s_per_address" % (name, k)] = round(st[k] / probed, 3)
        out["%s_counters" % name] = st
    out["addresses_per_s"] = round(probed / out["seconds"], 1) if out["seconds"] else None
print(json.dumps(out))
EOF
}

for ((r = 1; r <= REPEATS; r++)); do
	one "$r"
done
