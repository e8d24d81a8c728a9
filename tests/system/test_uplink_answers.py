"""Every row of the contract's answer table, against the test cloud: what
the gateway does with each answer, and that it never loses a record."""
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from uplink_fixtures import *  # noqa: F401,F403
from uplink_fixtures import (GW, cloud_seqs, feed, store_list, store_stats, uplink_conf,
                             wait_acked, wait_records, wait_until)


def at(row):
    return datetime.fromisoformat(row["at"].replace("Z", "+00:00")).timestamp()


def run(tmp_path, cloud, gateway, monkeypatch, total, uplink="", wait=True, timeout=30):
    feed(monkeypatch, total)
    d = gateway(uplink_conf(tmp_path, cloud, uplink=uplink))
    if wait:
        wait_records(cloud, total, timeout=timeout, daemon=d)
    return d


def test_accepted_records_arrive_in_order_and_leave_the_store(tmp_path, cloud, gateway,
                                                              monkeypatch):
    d = run(tmp_path, cloud, gateway, monkeypatch, 3000)
    assert cloud_seqs(cloud) == list(range(1, 3001))
    reqs = cloud.requests()
    assert all(r["status"] == 200 for r in reqs)
    assert all(r["encoding"] == "gzip" for r in reqs)
    assert all(r["user_agent"].startswith("ecsp-gateway/") for r in reqs)
    for r in reqs:
        first, last = r["idempotency_key"].rsplit(":", 1)[1].split("-")
        assert r["idempotency_key"].startswith(GW + ":" + r["store_id"] + ":")
        assert int(last) - int(first) + 1 == r["records"]
    assert cloud.stats()["connections"] == 1    # one kept-alive connection
    wait_acked(d, 3000)
    rc, _ = d.stop()
    assert rc == 0
    st = store_stats(tmp_path / "state")
    assert st["records"] == 0 and st["acked_total"] == 3000


def test_409_counts_as_accepted(tmp_path, cloud, gateway, monkeypatch):
    cloud.set_faults([{"action": "status", "status": 409, "count": 1}])
    d = run(tmp_path, cloud, gateway, monkeypatch, 500, uplink="batch_records = 100",
            wait=False)
    wait_until(lambda: len(cloud.records(GW)) >= 400, 30, "400 records", d)
    wait_acked(d, 500)
    reqs = cloud.requests()
    assert reqs[0]["status"] == 409
    keys = [r["idempotency_key"] for r in reqs]
    assert len(keys) == len(set(keys))          # the 409 batch is not sent again
    d.stop()
    assert store_stats(tmp_path / "state")["records"] == 0


def test_400_poisoned_record_is_split_out_and_quarantined(tmp_path, cloud, gateway,
                                                          monkeypatch):
    cloud.set_faults([{"action": "poison", "seqs": [137]}])
    d = run(tmp_path, cloud, gateway, monkeypatch, 1000, wait=False)
    wait_until(lambda: len(cloud.records(GW)) >= 999, 40, "999 records", d)
    seqs = cloud_seqs(cloud)
    assert seqs == [s for s in range(1, 1001) if s != 137]
    statuses = [r["status"] for r in cloud.requests()]
    assert statuses.count(400) >= 2             # halved down to the one record
    d.wait_for("record 137 refused (HTTP 400")
    wait_acked(d, 1000)
    d.stop()
    assert [q[0] for q in store_list(tmp_path / "state", quarantine=True)] == [137]
    st = store_stats(tmp_path / "state")
    assert st["quarantined"] == 1 and st["records"] == 0


def test_413_splits_without_loss(tmp_path, cloud, gateway, monkeypatch):
    cloud.set_faults([{"action": "status", "status": 413, "count": 1}])
    d = run(tmp_path, cloud, gateway, monkeypatch, 800)
    assert cloud_seqs(cloud) == list(range(1, 801))
    reqs = cloud.requests()
    assert reqs[0]["status"] == 413
    wait_acked(d, 800)
    d.stop()
    assert store_stats(tmp_path / "state")["quarantined"] == 0


def test_422_down_to_one_record_quarantines_it(tmp_path, cloud, gateway, monkeypatch):
    # 8 -> 4 -> 2 -> 1: the fourth refusal is about record 1 alone
    cloud.set_faults([{"action": "status", "status": 422, "count": 4}])
    d = run(tmp_path, cloud, gateway, monkeypatch, 40, uplink="batch_records = 8",
            wait=False)
    wait_until(lambda: len(cloud.records(GW)) >= 39, 30, "39 records", d)
    assert cloud_seqs(cloud) == list(range(2, 41))
    wait_acked(d, 40)
    d.stop()
    assert [q[0] for q in store_list(tmp_path / "state", quarantine=True)] == [1]


def test_breaker_stops_quarantining_and_raises_an_alarm(tmp_path, cloud, gateway,
                                                        monkeypatch):
    cloud.set_faults([{"action": "status", "status": 400}])
    d = run(tmp_path, cloud, gateway, monkeypatch, 50,
            uplink="batch_records = 4\n  quarantine_breaker = 3", wait=False)
    d.wait_for("ALARM: the cloud refused 3 records in a row", timeout=30)
    time.sleep(2.5)                              # slow retries; no more quarantines
    assert d.text().count("moved to the quarantine") == 3
    cloud.clear_faults()
    wait_records(cloud, 47, timeout=30, daemon=d)
    d.wait_for("quarantining resumes")
    wait_acked(d, 50)
    d.stop()
    st = store_stats(tmp_path / "state")
    assert st["quarantined"] == 3 and st["records"] == 0
    assert cloud_seqs(cloud) == list(range(4, 51))


def test_401_keeps_data_and_retries_slowly(tmp_path, cloud, gateway, monkeypatch):
    cloud.set_faults([{"action": "status", "status": 401, "count": 3}])
    d = run(tmp_path, cloud, gateway, monkeypatch, 300, timeout=30)
    assert cloud_seqs(cloud) == list(range(1, 301))
    reqs = cloud.requests()
    assert [r["status"] for r in reqs[:3]] == [401] * 3
    gaps = [at(reqs[i + 1]) - at(reqs[i]) for i in range(3)]
    assert min(gaps) >= 0.9                      # auth_retry = 1s
    assert "refused the gateway's credentials (HTTP 401" in d.text()


def test_403_wrong_identity_keeps_everything(tmp_path, cloud, gateway, monkeypatch):
    # a certificate for another gateway: the cloud answers 403 forever
    feed(monkeypatch, 100)
    d = gateway(uplink_conf(tmp_path, cloud, client="other_client"))
    d.wait_for("refused the gateway's credentials (HTTP 403", timeout=20)
    time.sleep(1.5)
    assert cloud.records(GW) == []
    assert len(cloud.requests()) >= 2            # it keeps trying, slowly
    d.stop()
    assert store_stats(tmp_path / "state")["records"] == 100


def test_429_retry_after_seconds(tmp_path, cloud, gateway, monkeypatch):
    cloud.set_faults([{"action": "status", "status": 429, "retry_after": "2", "count": 1}])
    d = run(tmp_path, cloud, gateway, monkeypatch, 200)
    reqs = cloud.requests()
    assert reqs[0]["status"] == 429
    assert at(reqs[1]) - at(reqs[0]) >= 1.9
    assert cloud_seqs(cloud) == list(range(1, 201))
    assert "Retry-After: 2" in d.text()


def test_503_retry_after_http_date(tmp_path, cloud, gateway, monkeypatch):
    until = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=4)
    cloud.set_faults([{"action": "status", "status": 503,
                       "retry_after": format_datetime(until, usegmt=True), "count": 1}])
    run(tmp_path, cloud, gateway, monkeypatch, 200, timeout=40)
    reqs = cloud.requests()
    assert reqs[0]["status"] == 503
    assert at(reqs[1]) >= until.timestamp() - 0.05   # not before the date it named
    assert cloud_seqs(cloud) == list(range(1, 201))


def test_503_without_retry_after_backs_off(tmp_path, cloud, gateway, monkeypatch):
    cloud.set_faults([{"action": "status", "status": 503, "count": 2}])
    run(tmp_path, cloud, gateway, monkeypatch, 200)
    assert [r["status"] for r in cloud.requests()[:3]] == [503, 503, 200]
    assert cloud_seqs(cloud) == list(range(1, 201))


def test_500_and_unnamed_statuses_are_transient(tmp_path, cloud, gateway, monkeypatch):
    cloud.set_faults([{"action": "status", "status": 500, "count": 1},
                      {"action": "status", "status": 418, "count": 1},
                      {"action": "status", "status": 302, "count": 1},
                      {"action": "status", "status": 404, "count": 1}])
    d = run(tmp_path, cloud, gateway, monkeypatch, 300)
    assert [r["status"] for r in cloud.requests()[:5]] == [500, 418, 302, 404, 200]
    assert cloud_seqs(cloud) == list(range(1, 301))
    wait_acked(d, 300)
    d.stop()
    st = store_stats(tmp_path / "state")
    assert st["quarantined"] == 0 and st["records"] == 0


def test_timeout_then_duplicate_is_deduplicated(tmp_path, cloud, gateway, monkeypatch):
    # stored, then no answer in time: the resend is a duplicate the cloud drops
    cloud.set_faults([{"action": "slow", "delay_ms": 2500, "phase": "after_store",
                       "count": 1}])
    d = run(tmp_path, cloud, gateway, monkeypatch, 300, uplink="timeout = 1s", timeout=40)
    assert cloud_seqs(cloud) == list(range(1, 301))
    wait_until(lambda: cloud.stats()["duplicates"] > 0, 20, "the resend", d)
    assert "no answer within 1000 ms" in d.text()


def test_cut_connection_and_refused_listener(tmp_path, cloud, gateway, monkeypatch):
    cloud.set_faults([{"action": "cut", "count": 2}])
    d = run(tmp_path, cloud, gateway, monkeypatch, 300, timeout=40)
    assert cloud_seqs(cloud) == list(range(1, 301))
    cloud.reset()
    cloud.set_faults([{"action": "refuse", "seconds": 2}])
    d.stop()
    feed(monkeypatch, 300, run="r2")
    d = gateway(uplink_conf(tmp_path, cloud))
    d.wait_for("cannot connect", timeout=20)
    wait_records(cloud, 300, timeout=30, daemon=d)
    assert cloud_seqs(cloud) == list(range(301, 601))
