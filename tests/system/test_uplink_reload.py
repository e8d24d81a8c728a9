"""SIGHUP and the uplink: batch limits apply at once; a new base URL, CA
bundle and client certificate (a second test cloud with its own PKI) take
over once the batch on its way is answered, with nothing lost and nothing
duplicated beyond the contract's at-least-once; a new configuration whose
client key cannot be loaded is refused as a whole and uploads go on as
before; a reload that changes nothing of the link keeps the connection."""
import signal
import time
from datetime import datetime

from uplink_fixtures import *  # noqa: F401,F403
from uplink_fixtures import GW, cloud_seqs, feed, store_stats, uplink_conf, wait_acked, \
    wait_until
from client import running_cloud  # noqa: E402 (tests/cloud, put on the path by uplink_fixtures)
from conftest import write_secret

TOTAL = 3000


def at(row):
    return datetime.fromisoformat(row["at"].replace("Z", "+00:00")).timestamp()


def test_reload_moves_uploads_to_a_new_cloud(tmp_path, cloud, gateway, monkeypatch):
    feed(monkeypatch, TOTAL, rate=300)
    d = gateway(uplink_conf(tmp_path, cloud, uplink="batch_records = 50"))
    wait_until(lambda: len(cloud.records(GW)) >= 600, 30, "600 records in the first cloud", d)
    with running_cloud(gateway_id=GW) as second:
        # another URL, another CA, another client certificate, smaller batches
        uplink_conf(tmp_path, second, uplink="batch_records = 20")
        d.signal(signal.SIGHUP)
        d.wait_for("uploading to https://localhost:%d/" % second.port, timeout=20)

        def all_there():
            return len({r["seq"] for r in cloud.records(GW) + second.records(GW)}) >= TOTAL
        wait_until(all_there, 60, "every record in one cloud or the other", d)
        d.wait_for("done: %d records acknowledged" % TOTAL, timeout=30)
        first_seqs, second_seqs = cloud_seqs(cloud), cloud_seqs(second)
        # nothing lost; both in order; what both have is at most the batch on its way
        assert sorted(set(first_seqs) | set(second_seqs)) == list(range(1, TOTAL + 1))
        assert first_seqs == sorted(first_seqs) and second_seqs == sorted(second_seqs)
        assert len(set(first_seqs) & set(second_seqs)) <= 50
        assert len(second_seqs) >= 1000
        # once the second cloud was asked, the first never was again
        first_reqs, second_reqs = cloud.requests(), second.requests()
        assert max(at(r) for r in first_reqs) <= min(at(r) for r in second_reqs)
        # the new limit: only a batch built before the reload may be larger
        sizes = [r["records"] for r in second_reqs if r["status"] == 200]
        assert max(sizes[1:]) <= 20 and sizes.count(20) >= 10
        assert max(r["records"] for r in first_reqs) > 20
        assert all(r["status"] == 200 for r in second_reqs)
        wait_acked(d, TOTAL)
        rc, _ = d.stop()
        assert rc == 0
    st = store_stats(tmp_path / "state")
    assert st["records"] == 0


def test_the_batch_on_its_way_is_answered_before_the_switch(tmp_path, cloud, gateway,
                                                            monkeypatch):
    feed(monkeypatch, 1000, rate=200)
    d = gateway(uplink_conf(tmp_path, cloud, uplink="batch_records = 50"))
    wait_until(lambda: len(cloud.records(GW)) >= 200, 30, "200 records", d)
    with running_cloud(gateway_id=GW) as second:
        # the first cloud keeps the next batch for two seconds before it answers
        cloud.set_faults([{"action": "slow", "delay_ms": 2000, "phase": "after_store",
                           "count": 1}])
        time.sleep(0.6)                          # a batch leaves every 200 ms or so
        uplink_conf(tmp_path, second, uplink="batch_records = 50")
        d.signal(signal.SIGHUP)
        d.wait_for("they take over once the batch on its way is answered", timeout=10)
        wait_until(lambda: len(cloud.records(GW)) + len(second.records(GW)) >= 1000, 60,
                   "every record", d)
        first_seqs, second_seqs = cloud_seqs(cloud), cloud_seqs(second)
        # the held batch was answered where it went, and not sent again
        assert not set(first_seqs) & set(second_seqs)
        assert first_seqs + second_seqs == list(range(1, 1001))
        assert all(r["status"] == 200 for r in cloud.requests() + second.requests())
        wait_acked(d, 1000)
        d.stop()


def test_reload_with_a_key_that_cannot_load_is_refused(tmp_path, cloud, gateway, monkeypatch):
    feed(monkeypatch, TOTAL, rate=300)
    d = gateway(uplink_conf(tmp_path, cloud, uplink="batch_records = 50"))
    wait_until(lambda: len(cloud.records(GW)) >= 300, 30, "300 records", d)
    bad = write_secret(tmp_path / "bad.key",
                       "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----")
    conf = uplink_conf(tmp_path, cloud, uplink="batch_records = 7")
    conf.write_text(conf.read_text().replace(cloud.pki["client_key"], str(bad)))
    d.signal(signal.SIGHUP)
    d.wait_for("the new configuration is refused", timeout=20)
    assert "cannot load the client key %s" % bad in d.text()
    d.wait_for("done: %d records acknowledged" % TOTAL, timeout=60)
    wait_until(lambda: len(cloud.records(GW)) >= TOTAL, 30, "every record", d)
    # the old configuration stayed in force: its certificate, its batch size
    assert cloud_seqs(cloud) == list(range(1, TOTAL + 1))
    assert all(r["status"] == 200 for r in cloud.requests())
    assert not any(r["records"] == 7 for r in cloud.requests()[-5:])
    assert cloud.stats()["connections"] == 1
    wait_acked(d, TOTAL)
    rc, _ = d.stop()
    assert rc == 0


def test_reload_of_limits_only_keeps_the_connection(tmp_path, cloud, gateway, monkeypatch):
    feed(monkeypatch, 2000, rate=400)
    d = gateway(uplink_conf(tmp_path, cloud, uplink="batch_records = 100"))
    wait_until(lambda: len(cloud.records(GW)) >= 400, 30, "400 records", d)
    uplink_conf(tmp_path, cloud, uplink="batch_records = 10\n  compression = none")
    d.signal(signal.SIGHUP)
    d.wait_for("configuration reloaded", timeout=10)
    wait_until(lambda: len(cloud.records(GW)) >= 2000, 30, "2000 records", d)
    assert cloud_seqs(cloud) == list(range(1, 2001))
    reqs = cloud.requests()
    assert cloud.stats()["connections"] == 1
    assert "closing the connection" not in d.text()
    # the new limits, and every body as its Content-Encoding says
    assert all(r["status"] == 200 for r in reqs)
    assert reqs[-1]["records"] <= 10 and reqs[-1]["encoding"] == "identity"
    assert reqs[0]["encoding"] == "gzip"
    wait_acked(d, 2000)
    d.stop()
