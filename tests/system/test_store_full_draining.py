"""The store at its byte limit while the uplink drains it: a fast producer
(the test feed) fills a 1 MiB store faster than a slowed cloud takes the
batches, so eviction and uploads run at the same time, round after round.

Checked: no sequence number is both accepted by the cloud and listed in a
dropped range (a record on its way to the cloud is never evicted, and one
evicted is never sent); every number the feed used is either delivered or
reported dropped; the store's payload bytes never passed the limit at any
commit (the store's own high-water mark); and the throttled log lines about
evictions add up to the store's drop counters by kind."""
import re

import pytest

from uplink_fixtures import *  # noqa: F401,F403
from uplink_fixtures import GW, feed, store_stats, uplink_conf, wait_until

LIMIT = 1 << 20


def dropped_ranges(records):
    out = []
    for r in records:
        ev = r.get("event") or {}
        if r["kind"] == "event" and ev.get("type") == "records_dropped":
            out += [tuple(x) for x in ev["ranges"]]
    return out


def logged_drops(text):
    """Per kind, the sum over every eviction log line."""
    got = {}
    pat = re.compile(r"evicted \d+ records \(snapshots (\d+), quarantined (\d+), events (\d+), "
                     r"operations (\d+), inventory (\d+), unknown format (\d+)\)")
    for m in pat.finditer(text):
        for k, v in zip(("snapshot", "quarantined", "event", "operation", "inventory",
                         "unknown_format"), m.groups()):
            got[k] = got.get(k, 0) + int(v)
    return got


@pytest.mark.parametrize("grace", ["0", "300ms"])
def test_full_store_while_draining(tmp_path, cloud, gateway, monkeypatch, grace):
    total = 12000                                 # ~10 MiB of snapshots through 1 MiB
    cloud.set_faults([{"action": "slow", "delay_ms": 40}])
    feed(monkeypatch, total, rate=20000, devices=500)
    d = gateway(uplink_conf(tmp_path, cloud, uplink="batch_records = 150",
                            store="max_size = 1M\n  stage_grace = %s" % grace))
    d.wait_for("done: %d records acknowledged" % total, timeout=60)
    assert "store full (limit %d bytes): evicted" % LIMIT in d.text()
    cloud.clear_faults()

    def settled():
        recs = cloud.records(GW)
        got = [r for r in recs if "test_feed" in r]
        dropped = sum(b - a + 1 for a, b in dropped_ranges(recs))
        return len(got) + dropped >= total and recs
    recs = wait_until(settled, 90, "delivered plus dropped to add up", d, step=0.5)
    ranges = dropped_ranges(recs)
    kept = {r["seq"] for r in recs if "test_feed" in r}
    reports = {r["seq"] for r in recs if r["kind"] == "event"}
    assert ranges and kept

    both = sorted(s for s in kept if any(a <= s <= b for a, b in ranges))
    assert not both, "delivered and reported dropped: %s" % both[:20]
    for seq in range(1, max(kept | reports) + 1):
        if seq in reports:
            continue
        inside = any(a <= seq <= b for a, b in ranges)
        assert inside != (seq in kept), seq

    d.stop()
    st = store_stats(tmp_path / "state")
    assert st["peak_bytes"] <= LIMIT, st
    logged = logged_drops(d.text())
    assert logged.get("snapshot", 0) == st["dropped"]["snapshot"]
    assert logged.get("event", 0) == st["dropped"]["event"]
    assert sum(b - a + 1 for a, b in ranges) == st["dropped"]["snapshot"] + st["dropped"]["event"]
