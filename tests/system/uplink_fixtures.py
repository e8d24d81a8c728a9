"""Helpers for the upload and store system tests: a test cloud, a gateway
configured for it, the daemon's test feed (synthetic printer snapshots,
enabled by ECSP_TEST_FEED) and a look into the store once the daemon is down
(gw-storetool)."""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "cloud"))

from client import running_cloud  # noqa: E402
from conftest import Daemon, gateway_bin, make_config  # noqa: E402

GW = "gw-test-0001"


def build_dir():
    env = os.environ.get("ECSP_BUILD_DIR")
    return Path(env) if env else Path(gateway_bin()).parent


def storetool():
    return str(build_dir() / "tests" / "bench" / "store" / "gw-storetool")


def store_stats(state):
    out = subprocess.run([storetool(), "stats", str(state)], capture_output=True, text=True,
                         timeout=60, check=True)
    return json.loads(out.stdout)


def store_list(state, quarantine=False):
    args = [storetool(), "list", str(state)] + (["quarantine"] if quarantine else [])
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, check=True)
    rows = []
    for line in out.stdout.splitlines():
        seq, cls, size = line.split()
        rows.append((int(seq), cls, int(size)))
    return rows


def store_ingest(state, n, devices=100, max_bytes=None):
    args = [storetool(), "ingest", str(state), str(n), str(devices)]
    if max_bytes:
        args.append(str(max_bytes))
    subprocess.run(args, capture_output=True, text=True, timeout=600, check=True)


def uplink_conf(tmp_path, cloud, uplink="", store="", extra="", client="client"):
    """A gateway configuration uploading to the test cloud."""
    cert = ""
    if client:
        cert = 'cert_file = "%s"\n  key_file = "%s"' % (cloud.pki[client + "_cert"],
                                                         cloud.pki[client + "_key"])
    return make_config(tmp_path, gateway_id=GW, extra="""
uplink {
  enabled = true
  base_url = "%s"
  ca_file = "%s"
  %s
  batch_age = 200ms
  backoff_max = 2s
  auth_retry = 1s
  timeout = 5s
  %s
}
store {
  %s
}
%s
""" % (cloud.base_url, cloud.pki["ca_cert"], cert, uplink, store, extra))


def feed(monkeypatch, total, rate=5000, devices=50, run="r1", log=None):
    """Have the next daemon started feed `total` synthetic records."""
    monkeypatch.setenv("ECSP_TEST_FEED", "rate=%d,total=%d,devices=%d,run=%s"
                       % (rate, total, devices, run))
    if log:
        monkeypatch.setenv("ECSP_TEST_FEED_LOG", str(log))
    else:
        monkeypatch.delenv("ECSP_TEST_FEED_LOG", raising=False)


def no_feed(monkeypatch):
    monkeypatch.delenv("ECSP_TEST_FEED", raising=False)
    monkeypatch.delenv("ECSP_TEST_FEED_LOG", raising=False)


def wait_until(fn, timeout, what, daemon=None, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        if daemon is not None and daemon.proc.poll() is not None:
            break
        time.sleep(step)
    log = ("\n--- gateway log ---\n" + daemon.text()[-6000:]) if daemon else ""
    raise AssertionError("timed out waiting for %s%s" % (what, log))


def cloud_seqs(cloud):
    return [r["seq"] for r in cloud.records(GW)]


def wait_records(cloud, n, timeout=30, daemon=None):
    return wait_until(lambda: len(cloud.records(GW)) >= n, timeout,
                      "%d records in the cloud" % n, daemon)


def wait_acked(daemon, last, timeout=30):
    """Until the gateway has seen the cloud accept the batch ending at seq `last`."""
    pat = re.compile(r"records \d+-%d \(\d+\) accepted" % last)
    return wait_until(lambda: pat.search(daemon.text()), timeout,
                      "the batch ending at %d to be accepted" % last, daemon)


def feed_numbers(cloud):
    """The test feed's (run, n) of every record the cloud stored, in seq order."""
    return [(r["test_feed"]["run"], r["test_feed"]["n"]) for r in cloud.records(GW)
            if "test_feed" in r]


@pytest.fixture(scope="module")
def cloud_mod():
    with running_cloud(gateway_id=GW) as c:
        yield c


@pytest.fixture
def cloud(cloud_mod):
    """The module's cloud, wiped and without faults for each test."""
    cloud_mod.clear_faults()
    cloud_mod.reset()
    cloud_mod.set_tls(server_cert="good", client_auth=True)
    yield cloud_mod
    cloud_mod.clear_faults()


@pytest.fixture
def gateway(daemons):
    """start(conf) -> Daemon; stopped (and checked for a clean exit) at the end."""
    started = []

    def start(conf, **kw):
        d = daemons(conf, **kw)
        started.append(d)
        return d

    yield start
    for d in started:
        if d.proc.poll() is None:
            d.stop(timeout=10)


__all__ = ["Daemon", "GW", "cloud", "cloud_mod", "cloud_seqs", "feed", "feed_numbers",
           "gateway", "no_feed", "store_ingest", "store_list", "store_stats", "uplink_conf",
           "wait_acked", "wait_records", "wait_until"]
