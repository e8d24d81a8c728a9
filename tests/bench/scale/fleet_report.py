#!/usr/bin/python3
"""Turns one run of the daemon on a simulated fleet into one JSON line.

Inputs: the daemon's log, with the scheduler's counters line every few
seconds (schedule.stats_interval; cumulative counters: polls started, ok,
failed, on time, late, and the plugin's counters), and the samples of
sample_loop (../peers/lib.sh: once a second "unix_time daemon_cpu_s
daemon_rss_kB machine_busy_s sim_cpu_s helper_cpu_s").

The measured window runs from the first counters line at or after
--warmup seconds from the daemon's start to the last counters line. In it:

  polls_per_min         good polls (status 0) per minute
  polls_started_per_min polls started per minute (good, failed, in flight)
  cpu_pct               the daemon's CPU (user + system, both threads) in %
                        of one core
  cpu_us_per_poll       CPU per good poll
  polls_per_min_at_5pct_core   60 s * 5% / cpu per poll: the good polls
                        per minute that 5% of one core pays for
  exchanges_per_poll    SNMP requests sent per poll started (retries
                        included), from the plugin's counters
  on_time_share         good scheduled polls that came within one interval
                        (plus jitter, plus 1 s) of the device's previous
                        good poll, over the polls the answering devices
                        should have had in the window (answering devices x
                        window / interval); capped at 1
  late, failed          polls in the window
  late_max_ms           the worst overrun seen in the window
  sim_cpu_pct           the simulator's CPU
  foreign_cpu_pct       what the rest of the machine used meanwhile
"""
import argparse
import bisect
import calendar
import json
import re
import time

LINE = re.compile(r"^(\S+)Z notice\s+scheduler: stats: (.*)$")
PLUGIN = re.compile(r"^(\S+)Z notice\s+scheduler: stats (\w+): (\{.*\})$")


def unix(ts):
    """2026-11-24T04:49:08.521 (UTC) -> unix seconds."""
    whole, _, frac = ts.partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


def interp(samples, t, col):
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
    ap.add_argument("--log", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--interval", type=float, required=True, help="the poll interval, s")
    ap.add_argument("--jitter", type=float, default=10, help="schedule.jitter_percent")
    ap.add_argument("--warmup", type=float, required=True, help="s after start left out")
    ap.add_argument("--fleet", type=int, required=True)
    ap.add_argument("--set", action="append", default=[], help="KEY=VALUE copied to the output")
    a = ap.parse_args()

    started = None
    lines, plugin = [], {}
    with open(a.log, errors="replace") as f:
        for text in f:
            if started is None and " daemon: ecsp-gateway " in text and " running " in text:
                started = unix(text.split("Z ", 1)[0])
            m = LINE.match(text)
            if m:
                fields = m.group(2).split()
                d = {fields[i]: int(fields[i + 1]) for i in range(0, len(fields) - 1, 2)}
                lines.append((unix(m.group(1)), d))
                continue
            m = PLUGIN.match(text)
            if m:
                plugin.setdefault(m.group(2), []).append((unix(m.group(1)), json.loads(m.group(3))))
    samples = []
    with open(a.samples) as f:
        for text in f:
            p = text.split()
            if len(p) >= 6:
                samples.append((float(p[0]), float(p[1]), int(p[2]), float(p[3]), float(p[4]),
                                float(p[5])))
    out = {}
    for kv in a.set:
        k, _, v = kv.partition("=")
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    out.update({"fleet": a.fleet, "interval_s": a.interval})
    if started is None or len(samples) < 2:
        out["error"] = "no start line or no samples"
        print(json.dumps(out))
        return 1
    win = [x for x in lines if x[0] >= started + a.warmup]
    if len(win) < 2:
        out["error"] = "the run is too short for its warm-up: %d counter lines in the window" % len(win)
        print(json.dumps(out))
        return 1
    (t0, c0), (t1, c1) = win[0], win[-1]
    dt = t1 - t0
    d = {k: c1.get(k, 0) - c0.get(k, 0) for k in c1}
    cpu = interp(samples, t1, 1) - interp(samples, t0, 1)
    busy = interp(samples, t1, 3) - interp(samples, t0, 3)
    sim = interp(samples, t1, 4) - interp(samples, t0, 4)
    ok = d.get("ok", 0)
    expected = c1.get("answering", 0) * dt / a.interval
    out.update({
        "window_s": round(dt, 1),
        "devices": c1.get("devices"), "answering": c1.get("answering"),
        "offline": c1.get("offline"),
        "polls_per_min": round(ok * 60 / dt),
        "polls_started_per_min": round(d.get("started", 0) * 60 / dt),
        "failed": d.get("failed", 0), "late": d.get("late", 0),
        "on_time": d.get("on_time", 0),
        "on_time_share": round(min(1.0, d.get("on_time", 0) / expected), 4) if expected else None,
        "late_max_ms": max(x[1].get("late_max_ms", 0) for x in win[1:]),
        "in_flight_max": max(x[1].get("in_flight", 0) for x in win),
        "cpu_pct": round(100 * cpu / dt, 2),
        "cpu_us_per_poll": round(cpu * 1e6 / ok, 1) if ok else None,
        "polls_per_min_at_5pct_core": round(0.05 * 60 / (cpu / ok)) if ok and cpu > 0 else None,
        "sim_cpu_pct": round(100 * sim / dt, 1),
        "foreign_cpu_pct": round(max(0.0, 100 * (busy - cpu - sim) / dt), 1),
        "rss_kb_max": max(s[2] for s in samples),
    })
    snmp = [x for x in plugin.get("snmp", []) if t0 - 1 <= x[0] <= t1 + 1]
    if len(snmp) >= 2:
        p0, p1 = snmp[0][1], snmp[-1][1]
        started_polls = p1["polls"] - p0["polls"]
        if started_polls:
            out["exchanges_per_poll"] = round((p1["sent"] - p0["sent"]) / started_polls, 2)
            out["timeouts_per_poll"] = round((p1["timeouts"] - p0["timeouts"]) / started_polls, 3)
        out["exchanges_per_s"] = round((p1["answers"] - p0["answers"]) / dt)
    rounds_ok = out["on_time_share"] is not None and out["on_time_share"] >= 0.99
    out["sustained"] = bool(rounds_ok and out["polls_per_min"] >= 0.99 * 60 * expected / dt)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
