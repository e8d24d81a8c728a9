"""A long cloud outage: tens of thousands of records wait in the store, then
drain completely, in order and exactly once, when the cloud comes back. And
the store at its byte limit: routine snapshots are evicted, every dropped
range is reported to the cloud in an event record, nothing else is lost.

ECSP_OUTAGE_RECORDS sets the outage's size (default 30,000)."""
import os
import time

from uplink_fixtures import *  # noqa: F401,F403
from uplink_fixtures import (GW, feed, store_stats, uplink_conf, wait_acked, wait_records,
                             wait_until)

OUTAGE = int(os.environ.get("ECSP_OUTAGE_RECORDS", "30000"))


def test_outage_then_full_drain(tmp_path, cloud, gateway, monkeypatch):
    cloud.set_faults([{"action": "refuse"}])      # the cloud is gone until cleared
    feed(monkeypatch, OUTAGE, rate=20000, devices=1000)
    d = gateway(uplink_conf(tmp_path, cloud))
    d.wait_for("done: %d records acknowledged" % OUTAGE, timeout=120)
    d.wait_for("cannot connect", timeout=20)
    time.sleep(1)
    assert cloud.records(GW) == []
    t0 = time.monotonic()
    cloud.clear_faults()
    wait_records(cloud, OUTAGE, timeout=300, daemon=d)
    drain_s = time.monotonic() - t0
    seqs = [r["seq"] for r in cloud.records(GW)]
    assert seqs == list(range(1, OUTAGE + 1))
    ns = [r["test_feed"]["n"] for r in cloud.records(GW)]
    assert ns == list(range(1, OUTAGE + 1))
    wait_acked(d, OUTAGE)
    d.stop()
    assert store_stats(tmp_path / "state")["records"] == 0
    print("drained %d records in %.1f s (Python test cloud)" % (OUTAGE, drain_s))


def dropped_ranges(records):
    out = []
    for r in records:
        ev = r.get("event") or {}
        if r["kind"] == "event" and ev.get("type") == "records_dropped":
            out += [tuple(x) for x in ev["ranges"]]
    return out


def test_store_full_evicts_snapshots_and_reports_the_ranges(tmp_path, cloud, gateway,
                                                            monkeypatch):
    cloud.set_faults([{"action": "refuse"}])
    total = 6000                                 # ~5 MiB of snapshots into 1 MiB
    feed(monkeypatch, total, rate=20000)
    d = gateway(uplink_conf(tmp_path, cloud, store="max_size = 1M"))
    d.wait_for("done: %d records acknowledged" % total, timeout=60)
    d.wait_for("store full (limit 1048576 bytes): evicted", timeout=10)
    cloud.clear_faults()

    def settled():
        recs = cloud.records(GW)
        got = [r for r in recs if "test_feed" in r]
        ranges = dropped_ranges(recs)
        dropped = sum(b - a + 1 for a, b in ranges)
        return len(got) + dropped == total and recs
    recs = wait_until(settled, 120, "kept plus dropped to add up", d, step=0.5)
    ranges = dropped_ranges(recs)
    kept = {r["seq"] for r in recs if "test_feed" in r}
    reports = [r for r in recs if r["kind"] == "event"]
    assert reports and all(r["device"]["model"] == "ecsp-gateway" for r in reports)
    assert all(r["device"]["serial_number"] == GW for r in reports)
    # every snapshot seq is either delivered or inside a reported range, never both
    for seq in range(1, max(kept) + 1):
        if seq in {r["seq"] for r in reports}:
            continue
        inside = any(a <= seq <= b for a, b in ranges)
        assert inside != (seq in kept), seq
    # the oldest went first: what is kept is the newest
    assert max(kept) == max(r["seq"] for r in recs if "test_feed" in r)
    assert min(kept) > max(b for a, b in ranges if b < min(kept)) if ranges else True
    wait_acked(d, max(r["seq"] for r in recs))
    d.stop()
    st = store_stats(tmp_path / "state")
    assert st["dropped"]["snapshot"] == total - len(kept)
    assert st["dropped"]["event"] == 0
    assert st["drop_events"] == len(reports)
