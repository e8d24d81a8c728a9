# Shell helpers of the scale benchmarks (sourced, not run). They build on
# the peers' helpers (../peers/lib.sh: ports, pinning, CPU readers, start
# and stop by PID) and add the gateway's side: a release build without
# sanitizers, the two small tools here, the daemon's start and its
# counters.

SCALE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$SCALE_DIR/../peers/lib.sh"

# The release tree the figures come from (no sanitizers).
SCALE_BUILD=${ECSP_SCALE_BUILD:-$TREE_DIR/build-scale}

# build_scale: configure and build $SCALE_BUILD if needed, then the tools
# bench-exchanges and seed-devices into $SCALE_BUILD/scale-tools. Sets
# GATEWAY_BIN, SIM_BIN, BLAST_BIN, EXCH_BIN, SEED_BIN.
build_scale() {
	local libs out
	if [ ! -d "$SCALE_BUILD" ]; then
		meson setup "$SCALE_BUILD" --buildtype=release -Db_sanitize=none \
			-Dplugins=snmp,enpc >/dev/null || return 1
	fi
	if ! ninja -C "$SCALE_BUILD" >"$SCALE_BUILD/.build.log" 2>&1; then
		grep -E "error|FAILED" "$SCALE_BUILD/.build.log" | head -20 >&2
		return 1
	fi
	out=$SCALE_BUILD/scale-tools
	mkdir -p "$out"
	libs=$(pkg-config --libs libevent_core libevent_extra libevent_pthreads wolfssl msgpack \
		lmdb libconfuse jansson zlib libmosquitto) || return 1
	cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$TREE_DIR/plugins/snmp" -I"$TREE_DIR/gateway" \
		"$SCALE_DIR/bench_exchanges.c" "$SCALE_BUILD/libgw.a" $libs -lhttp_parser -lpthread -lm \
		-o "$out/bench-exchanges" || return 1
	cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$TREE_DIR/gateway" \
		"$SCALE_DIR/seed_devices.c" "$SCALE_BUILD/libgw.a" $libs -lhttp_parser -lpthread -lm \
		-o "$out/seed-devices" || return 1
	GATEWAY_BIN=${ECSP_GATEWAY_BIN:-$SCALE_BUILD/ecsp-gateway}
	SIM_BIN=${ECSP_SIM_BIN:-$SCALE_BUILD/tests/sim/ecsp-printer-sim}
	BLAST_BIN=${ECSP_SIM_BLAST_BIN:-$SCALE_BUILD/tests/sim/ecsp-sim-blast}
	EXCH_BIN=$out/bench-exchanges
	SEED_BIN=$out/seed-devices
	export ECSP_SIM_BIN=$SIM_BIN ECSP_SIM_BLAST_BIN=$BLAST_BIN
}

# maybe_wait_quiet: with WAIT_QUIET=SECONDS, wait up to that long for a
# quiet machine (at most 10% busy) before a run; a run on a busy machine
# says so in its box_busy_pct_before and foreign_cpu_pct anyway.
maybe_wait_quiet() {
	if [ -n "${WAIT_QUIET:-}" ]; then
		wait_quiet "$WAIT_QUIET" || echo "warning: the machine never got quiet" >&2
	fi
	return 0
}

# start_sim_on CPU OUTDIR ARGS...: the simulator on one CPU (all its
# threads), SNMP on a free port, ENPC off unless ARGS say --enpc-port.
# Sets SIM_PID and SIM_PORT.
start_sim_on() {
	local cpu=$1
	shift
	start_sim "$@" || return 1
	[ "$(nproc)" -gt 1 ] && taskset -a -p -c "$cpu" "$SIM_PID" >/dev/null
	return 0
}

# start_gateway OUTDIR CONF: the daemon in the foreground, pinned to CPU 0
# (its loop and its store writer both), log in OUTDIR/gateway.log. Waits
# for its "running" line. Sets GW_PID.
start_gateway() {
	local dir=$1 conf=$2 i
	"${PIN0[@]}" "$GATEWAY_BIN" --foreground --config "$conf" >"$dir/gateway.log" 2>&1 &
	GW_PID=$!
	for i in $(seq 600); do
		grep -q "daemon: ecsp-gateway .* running" "$dir/gateway.log" 2>/dev/null && return 0
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "the gateway did not start:" >&2
	tail -20 "$dir/gateway.log" >&2
	return 1
}

# smaps PID: one JSON object, kB: Rss and Pss split into anonymous and
# file-backed (smaps_rollup; file-backed RSS is Rss less Anonymous: the
# daemon maps no shared memory, Pss_Shmem shows it if that changes).
smaps() {
	awk '
		/^Rss:/ { rss = $2 } /^Pss:/ { pss = $2 } /^Pss_Anon:/ { pa = $2 }
		/^Pss_File:/ { pf = $2 } /^Pss_Shmem:/ { ps = $2 } /^Anonymous:/ { an = $2 }
		END { printf "{\"rss_kb\": %d, \"rss_anon_kb\": %d, \"rss_file_kb\": %d, " \
			"\"pss_kb\": %d, \"pss_anon_kb\": %d, \"pss_file_kb\": %d, \"pss_shmem_kb\": %d}\n",
			rss, an, rss - an, pss, pa, pf, ps }' "/proc/$1/smaps_rollup"
}
