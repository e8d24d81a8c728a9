#!/usr/bin/python3
"""Turns a fleet-polling run into one JSON line.

Inputs: the completion time of every poll, per device (a JSON object
{"markers": {device: [unix time, ...]}}), and samples taken once a second
(lines "unix_time poller_cpu_s poller_rss_kB machine_busy_s sim_cpu_s
helper_cpu_s", see sample_loop in lib.sh).

The peers poll every device once per interval, all at the start of the
interval (collectd schedules every host's read at the same moment; the
scraper here does the same), so the run is cut into rounds: round j starts
at T0 + j * interval. T0 is given (--t0, the scraper knows it) or found from
the data: completions cluster after each round's start, so the start is the
end of the longest idle gap in the completion times modulo the interval
(less 10 ms). Round 0
(start-up: sessions, connections, caches) is left out; the window is rounds
1..k, the whole rounds that fit in the run. Reported:

  polls_expected   fleet * k
  polls_completed  completions that fall in rounds 1..k
  polls_per_min    polls_completed over the window, per minute
  round_s_p50/max  how long a round took (its last completion), in seconds
  cpu_pct          the poller's CPU (user + system) over the window, % of one core
  cpu_ms_per_poll  CPU per completed poll
  polls_per_min_at_5pct_core   polls_per_min scaled to 5% of one core
  sim_cpu_pct, helper_cpu_pct   the simulator's and the scraper's/counter's CPU
  foreign_cpu_pct  what the rest of the machine used meanwhile (other work
                   makes the figures low; repeat such runs)
  sustained        at least 99% of the expected polls completed, every round
                   finished within 95% of its interval (a poller that is
                   busy to the end of every round has no headroom and falls
                   behind at the slightest disturbance), no round was
                   credited with more polls than the fleet has (polls of an
                   earlier round finishing late), and no errors were counted
"""
import argparse
import bisect
import json
import math


def interp(samples, t, col=1):
    """Column col (a CPU time) at time t, interpolated between the samples around it."""
    ts = [s[0] for s in samples]
    i = bisect.bisect_left(ts, t)
    if i <= 0:
        return samples[0][col]
    if i >= len(samples):
        return samples[-1][col]
    t0, c0, t1, c1 = samples[i - 1][0], samples[i - 1][col], samples[i][0], samples[i][col]
    return c0 + (c1 - c0) * (t - t0) / (t1 - t0) if t1 > t0 else c1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--markers", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--interval", type=float, required=True)
    ap.add_argument("--fleet", type=int, required=True)
    ap.add_argument("--errors", type=int, default=0, help="timeouts and failed polls seen")
    ap.add_argument("--t0", type=float, help="unix time of the start of round 0")
    ap.add_argument("--set", action="append", default=[], help="KEY=VALUE copied to the output")
    a = ap.parse_args()

    with open(a.markers) as f:
        markers = json.load(f).get("markers", {})
    samples = []
    with open(a.samples) as f:
        for line in f:
            p = line.split()
            if len(p) >= 6:
                samples.append((float(p[0]), float(p[1]), int(p[2]), float(p[3]),
                                float(p[4]), float(p[5])))
    out = {}
    for kv in a.set:
        k, _, v = kv.partition("=")
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    out.update({"fleet": a.fleet, "interval_s": a.interval})

    times = sorted(t for ts in markers.values() for t in ts)
    if not times or len(samples) < 2:
        out.update({"polls_completed": 0, "sustained": False, "note": "no poll completed"})
        print(json.dumps(out))
        return
    iv = a.interval
    if a.t0 is not None:
        t0 = a.t0
    else:
        tf = times[0]
        offs = sorted((t - tf) % iv for t in times)
        gaps = [(offs[0] + iv - offs[-1], offs[0])]
        gaps += [(offs[i + 1] - offs[i], offs[i + 1]) for i in range(len(offs) - 1)]
        start = max(gaps)[1]
        t0 = tf + start - (iv if start > 0 else 0) - 0.010
    t_end = samples[-1][0]
    k = int(math.floor((t_end - t0) / iv)) - 1
    if k < 1:
        out.update({"sustained": False, "note": "run shorter than two intervals"})
        print(json.dumps(out))
        return
    rounds = [0] * (k + 1)
    last = [0.0] * (k + 1)
    for t in times:
        j = int((t - t0) // iv)
        if 1 <= j <= k:
            rounds[j] += 1
            last[j] = max(last[j], t - (t0 + j * iv))
    done = sum(rounds[1:])
    expected = a.fleet * k
    w0, w1 = t0 + iv, t0 + (k + 1) * iv
    cpu = interp(samples, w1) - interp(samples, w0)
    win = w1 - w0
    box = interp(samples, w1, 3) - interp(samples, w0, 3)
    sim = interp(samples, w1, 4) - interp(samples, w0, 4)
    helper = interp(samples, w1, 5) - interp(samples, w0, 5)
    durs = sorted(last[1:])
    rss = [s[2] for s in samples if w0 <= s[0] <= w1] or [samples[-1][2]]
    ppm = done / win * 60
    out.update({
        "rounds": k,
        "window_s": round(win, 1),
        "polls_expected": expected,
        "polls_completed": done,
        "completion": round(done / expected, 4) if expected else 0,
        "per_round": rounds[1:],
        "polls_per_min": round(ppm),
        "round_s_p50": round(durs[len(durs) // 2], 2),
        "round_s_max": round(durs[-1], 2),
        "cpu_s": round(cpu, 2),
        "cpu_pct": round(100 * cpu / win, 2),
        "cpu_ms_per_poll": round(1000 * cpu / done, 3) if done else None,
        "polls_per_min_at_5pct_core": round(done / cpu * 0.05 * 60) if cpu > 0 else None,
        "rss_kb_max": max(rss),
        "sim_cpu_pct": round(100 * sim / win, 1),
        "helper_cpu_pct": round(100 * helper / win, 1),
        "foreign_cpu_pct": round(100 * max(0.0, box - cpu - sim - helper) / win, 1),
        "errors": a.errors,
        "sustained": bool(expected and done >= 0.99 * expected and durs[-1] < 0.95 * iv
                          and max(rounds[1:]) <= a.fleet and a.errors == 0),
    })
    print(json.dumps(out))


if __name__ == "__main__":
    main()
