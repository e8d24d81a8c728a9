#!/usr/bin/python3
"""Scrapes every target of a fleet through snmp_exporter, once per interval.

Usage: scraper.py --exporter HOST:PORT --sim-port N --fleet N [--base ADDR]
                  --interval S --duration S [--concurrency N] --out FILE

At the start of each round (every --interval seconds) all targets are queued
and --concurrency worker threads, each with its own keep-alive HTTP
connection, fetch /snmp?module=printer&target=ADDR:PORT. This is the schedule
collectd uses (every host due at the same moment); Prometheus would spread
the scrapes over the interval, which only smooths the load. A target still
queued when the next round starts is dropped from the old round and counted
as missed (what is still queued when the run ends is not). A scrape counts as completed when the exporter answers 200 with
the whole profile (the first and the last object of the module are present).

OUT gets {"markers": {target: [completion unix times]}, "t0": unix time of
the first round's start, "failures": n,
"missed": n, "retried_packets": n, "scrapes": n, "bytes": n}.
"""
import argparse
import http.client
import ipaddress
import json
import queue
import re
import threading
import time

RETRIED = re.compile(rb"^snmp_scrape_packets_retried (\d+)", re.M)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exporter", required=True)
    ap.add_argument("--sim-port", type=int, required=True)
    ap.add_argument("--fleet", type=int, required=True)
    ap.add_argument("--base", default="127.0.1.1")
    ap.add_argument("--module", default="printer")
    ap.add_argument("--interval", type=float, required=True)
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    base = ipaddress.IPv4Address(a.base)
    if not all(x in ipaddress.IPv4Network("127.0.0.0/8") for x in (base, base + (a.fleet - 1))):
        raise SystemExit("targets must stay inside 127.0.0.0/8")
    host, _, port = a.exporter.rpartition(":")
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit("the exporter must listen on 127.0.0.1")
    paths = ["/snmp?module=%s&target=%s:%d" % (a.module, base + i, a.sim_port) for i in range(a.fleet)]

    q = queue.Queue()
    stop = threading.Event()
    lock = threading.Lock()
    markers = {}
    stats = {"failures": 0, "missed": 0, "retried_packets": 0, "scrapes": 0, "bytes": 0}

    def worker():
        conn = None
        while not stop.is_set():
            try:
                i = q.get(timeout=0.2)
            except queue.Empty:
                continue
            ok, retried, n = False, 0, 0
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, int(port), timeout=30)
                conn.request("GET", paths[i])
                r = conn.getresponse()
                body = r.read()
                n = len(body)
                m = RETRIED.search(body)
                retried = int(m.group(1)) if m else 0
                ok = r.status == 200 and b"\nsysServices " in body and b"\nprtLocalizationCharacterSet{" in body
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
            t = time.time()
            with lock:
                stats["scrapes"] += 1
                stats["bytes"] += n
                stats["retried_packets"] += retried
                if ok:
                    markers.setdefault(str(base + i), []).append(t)
                else:
                    stats["failures"] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    t0 = time.monotonic() + 0.2
    t0_unix = time.time() + (t0 - time.monotonic())
    end = t0 + a.duration
    j = 0
    while True:
        start = t0 + j * a.interval
        if start >= end:
            break
        while time.monotonic() < start:
            time.sleep(min(0.05, start - time.monotonic()))
        dropped = 0
        while True:
            try:
                q.get_nowait()
                dropped += 1
            except queue.Empty:
                break
        with lock:
            stats["missed"] += dropped
        for i in range(a.fleet):
            q.put(i)
        j += 1
    while time.monotonic() < end:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=35)
    with lock:
        # the round running at the end is cut short by design: not a miss
        res = dict(stats, unfinished_at_end=q.qsize(), rounds_started=j, t0=t0_unix, markers=markers)
    with open(a.out, "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
