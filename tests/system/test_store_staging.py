"""Routine snapshots staged in memory (store.stage_grace): with a healthy
cloud they leave without ever being written; with the cloud away they are
written once the grace period ends; a clean stop writes what waits; a
SIGKILL loses what had neither reached the cloud nor the store, and the next
start reports those sequence numbers instead of leaving a silent gap."""
import signal
import sys
import time
from pathlib import Path

from uplink_fixtures import *  # noqa: F401,F403
from uplink_fixtures import GW, cloud_seqs, feed, no_feed, store_stats, uplink_conf, \
    wait_acked, wait_records, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parent))
import records  # noqa: E402


def test_healthy_cloud_takes_them_from_memory(tmp_path, cloud, gateway, monkeypatch):
    feed(monkeypatch, 2000, rate=500)
    d = gateway(uplink_conf(tmp_path, cloud))
    wait_records(cloud, 2000, timeout=30, daemon=d)
    assert cloud_seqs(cloud) == list(range(1, 2001))
    # acknowledged by the cloud's acceptance, never written
    d.wait_for("done: 2000 records acknowledged", timeout=10)
    assert records.load(tmp_path / "state") == []
    wait_acked(d, 2000)
    rc, _ = d.stop()
    assert rc == 0
    assert "2000 routine snapshots staged: 2000 taken by the cloud from memory, " \
           "0 written to the store" in d.text()
    st = store_stats(tmp_path / "state")
    assert st["records"] == 0 and st["acked_total"] == 2000 and st["next_seq"] == 2001


def test_cloud_away_they_are_written_after_the_grace(tmp_path, cloud, gateway, monkeypatch):
    cloud.set_faults([{"action": "refuse"}])
    feed(monkeypatch, 300, rate=1000)
    d = gateway(uplink_conf(tmp_path, cloud, store="stage_grace = 1s"))
    d.wait_for("TEST HOOK active", timeout=10)
    time.sleep(0.5)
    assert len(records.load(tmp_path / "state")) < 300     # still in memory
    d.wait_for("done: 300 records acknowledged", timeout=20)
    stored = records.load(tmp_path / "state")
    assert [r["seq"] for r in stored] == list(range(1, 301))
    cloud.clear_faults()
    wait_records(cloud, 300, timeout=30, daemon=d)
    wait_acked(d, 300)
    d.stop()
    assert "300 written to the store" in d.text()


def test_clean_stop_writes_what_waits(tmp_path, cloud, gateway, monkeypatch):
    cloud.set_faults([{"action": "refuse"}])
    feed(monkeypatch, 200, rate=1000)
    d = gateway(uplink_conf(tmp_path, cloud, store="stage_grace = 60s"))
    d.wait_for("TEST HOOK active", timeout=10)
    time.sleep(1)
    assert records.load(tmp_path / "state") == []
    rc, _ = d.stop()
    assert rc == 0
    assert [r["seq"] for r in records.load(tmp_path / "state")] == list(range(1, 201))
    st = store_stats(tmp_path / "state")
    assert st["next_seq"] == 201


def test_sigkill_loses_staged_snapshots_and_reports_them(tmp_path, cloud, gateway,
                                                         monkeypatch):
    cloud.set_faults([{"action": "refuse"}])
    feed(monkeypatch, 300, rate=1000)
    conf = uplink_conf(tmp_path, cloud, store="stage_grace = 60s")
    d = gateway(conf)
    d.wait_for("TEST HOOK active", timeout=10)
    time.sleep(1.5)                                          # all 300 handed over, none written
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait()
    assert records.load(tmp_path / "state") == []
    no_feed(monkeypatch)
    cloud.clear_faults()
    d = gateway(conf)
    d.wait_for("the last stop was not clean", timeout=10)
    wait_until(lambda: cloud.records(GW), 30, "the report", d)
    recs = cloud.records(GW)
    assert len(recs) == 1
    ev = recs[0]
    assert ev["kind"] == "event" and ev["device"]["serial_number"] == GW
    assert ev["event"]["type"] == "records_unaccounted"
    assert ev["event"]["reason"] == "unclean_stop"
    first, last = ev["event"]["ranges"][0]
    assert first == 1 and last >= 300                        # the lost ones, and unused numbers
    assert ev["seq"] > last                                  # numbering went on above them
    wait_acked(d, ev["seq"])
    d.stop()
