"""The local HTTP API on its Unix socket, against the real daemon: the status
numbers move as records are produced, refused and uploaded; the quarantine
endpoint gives back the record the cloud refused; the drop counters appear
when the store is at its limit; the device list holds no secret; every
answer is JSON, 404 and 405 included; the socket is 0660, bounded in request
size, connections and idle time, replaced when stale, moved on SIGHUP and
removed at the stop."""
import http.client
import json
import os
import signal
import socket
import stat
import subprocess
import time

import pytest

from conftest import make_config, write_secret
from uplink_fixtures import *  # noqa: F401,F403
from uplink_fixtures import feed, no_feed, uplink_conf, wait_until


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over a Unix domain socket."""

    def __init__(self, path, timeout=5.0):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = str(path)

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def call(sock, path, method="GET", headers=None):
    """(status, headers, parsed JSON body)."""
    c = UnixHTTPConnection(sock)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        return r.status, r, json.loads(body) if body else None
    finally:
        c.close()


def get(sock, path):
    status, r, body = call(sock, path)
    assert status == 200, (path, status, body)
    assert r.getheader("Content-Type") == "application/json"
    return body


def api_sock(tmp_path):
    return tmp_path / "state" / "api.sock"


def started(d, sock):
    d.wait_for("local API on %s" % sock)
    return sock


def test_status_moves_as_records_are_held_then_uploaded(tmp_path, cloud, gateway,
                                                         monkeypatch):
    cloud.set_faults([{"action": "refuse"}])          # the cloud is away at first
    feed(monkeypatch, 300)
    d = gateway(uplink_conf(tmp_path, cloud))
    sock = started(d, api_sock(tmp_path))

    def held():
        st = get(sock, "/api/v1/status")
        up = st["uplink"]
        return st if (st["store"]["records"] == 300 and up["connect_failures"] > 0 and
                      up["state"] == "backing_off") else None
    st = wait_until(held, 20, "300 records held while the cloud is away", d)
    assert st["gateway_id"] == "gw-test-0001" and st["version"]
    assert st["uplink"]["enabled"] is True and st["uplink"]["backlog"] == 300
    assert st["uplink"]["records_accepted"] == 0 and st["uplink"]["last_error"]
    assert st["store"]["oldest_seq"] == 1 and st["store"]["last_seq"] == 300
    assert st["store"]["bytes"] <= st["store"]["peak_bytes"] <= st["store"]["max_bytes"]
    assert st["store"]["waiting"]["snapshot"] + st["store"]["staged"] >= 300
    assert st["uptime_s"] >= 0 and st["devices"]["managed"] == 0
    assert st["discovery"]["state"] == "idle" and st["discovery"]["ignored"] == 0

    cloud.clear_faults()

    def drained():
        s = get(sock, "/api/v1/status")
        return s if s["uplink"]["records_accepted"] == 300 and s["store"]["records"] == 0 \
            else None
    st = wait_until(drained, 30, "the 300 records uploaded", d)
    assert st["uplink"]["backlog"] == 0 and st["uplink"]["batches_accepted"] >= 1
    assert st["uplink"]["last_status"] == 200
    assert st["store"]["acked_total"] == 300 and st["store"]["oldest_seq"] is None
    assert st["store"]["dropped"]["snapshot"] == 0


def test_quarantine_returns_the_record_the_cloud_refused(tmp_path, cloud, gateway,
                                                         monkeypatch):
    cloud.set_faults([{"action": "poison", "seqs": [37]}])
    feed(monkeypatch, 100)
    d = gateway(uplink_conf(tmp_path, cloud))
    sock = started(d, api_sock(tmp_path))
    st = wait_until(lambda: (lambda s: s if s["store"]["quarantined"] == 1 and
                             s["uplink"]["records_accepted"] == 99 else None)(
                                 get(sock, "/api/v1/status")),
                    30, "record 37 quarantined, the others accepted", d)
    assert st["uplink"]["quarantined"] == 1 and st["uplink"]["refused"] >= 1
    assert st["store"]["quarantine_bytes"] > 0 and st["store"]["quarantined_total"] == 1

    q = get(sock, "/api/v1/quarantine")
    assert q["count"] == 1 and q["quarantined"] == 1 and q["next"] is None
    rec = q["records"][0]
    assert rec["seq"] == 37 and rec["kind"] == "snapshot"
    assert rec["collection_type"] == "scheduled" and rec["test_feed"]["n"] == 37
    assert rec["collected_at"].endswith("Z") and rec["device"]
    assert get(sock, "/api/v1/quarantine?from=38&max=10")["records"] == []
    assert get(sock, "/api/v1/quarantine?from=37&max=1")["records"][0]["seq"] == 37
    for bad in ("max=0", "max=1001", "from=-1", "from=1&from=2", "seq=1", "max=", "max"):
        status, r, body = call(sock, "/api/v1/quarantine?" + bad)
        assert status == 400 and body["error"] == "bad_request", bad
        assert r.getheader("Content-Type") == "application/json"


def test_dropped_counters_at_the_store_limit(tmp_path, gateway, monkeypatch):
    # no uplink: every record is written at once, ~2.5 MiB into 1 MiB
    feed(monkeypatch, 3000, rate=20000)
    d = gateway(make_config(tmp_path, extra="store {\n  max_size = 1M\n}\n"))
    sock = started(d, api_sock(tmp_path))
    d.wait_for("done: 3000 records acknowledged", timeout=60)
    st = get(sock, "/api/v1/status")["store"]
    assert st["max_bytes"] == 1 << 20 and st["bytes"] <= 1 << 20
    assert st["dropped"]["snapshot"] > 0 and st["drop_reports"] > 0
    assert st["dropped"]["event"] == 0 and st["waiting"]["event"] == st["drop_reports"]
    # what is kept plus what was dropped is what was produced (drop reports aside)
    assert st["waiting"]["snapshot"] + st["dropped"]["snapshot"] == 3000
    assert st["last_seq"] == 3000 + st["drop_reports"]
    assert st["oldest_seq"] > 1 and st["commits"] > 0


COMMUNITY = "s3cret-community-Zq9"


def test_device_list_has_names_but_no_secret(tmp_path, gateway, monkeypatch):
    no_feed(monkeypatch)
    secret = write_secret(tmp_path / "office.community", COMMUNITY)
    conf = make_config(tmp_path, extra="""
credentials "office" {
  community_file = "%s"
}
device "lobby" {
  address = "127.0.0.1"
  port = 9
  credentials = "office"
}
device "annex" {
  address = "127.0.0.2"
  port = 9
  credentials = "office"
  enabled = false
}
""" % secret)
    d = gateway(conf)
    sock = started(d, api_sock(tmp_path))
    status, r, body = call(sock, "/api/v1/devices")
    assert status == 200
    text = json.dumps(body)
    assert COMMUNITY not in text and "community" not in text
    assert body["count"] == body["managed"] == 2 and body["next"] is None
    devs = {x["name"]: x for x in body["devices"]}
    dev = devs["lobby"]
    assert dev["address"] == "127.0.0.1" and dev["port"] == 9
    assert dev["credentials"] == "office" and dev["origin"] == "config"
    assert dev["enabled"] is True and dev["identity"] == "none"
    assert devs["annex"]["enabled"] is False
    # pages in id order
    first = get(sock, "/api/v1/devices?max=1")
    assert first["count"] == 1 and first["managed"] == 2 and first["next"]
    rest = get(sock, "/api/v1/devices?from=%d" % first["next"])
    assert rest["count"] == 1 and rest["next"] is None
    assert {first["devices"][0]["name"], rest["devices"][0]["name"]} == {"lobby", "annex"}
    assert first["devices"][0]["id"] < rest["devices"][0]["id"]
    assert get(sock, "/api/v1/status")["devices"]["managed"] == 2
    assert get(sock, "/api/v1/candidates") == {"count": 0, "candidates": []}
    audit = get(sock, "/api/v1/audit?max=5")
    assert audit["count"] >= 1
    assert any(e["action"] == "device.add" and e["target"] == "lobby"
               for e in audit["entries"])
    assert COMMUNITY not in json.dumps(audit)


def sim_bin():
    path = os.environ.get("ECSP_SIM_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("ECSP_SIM_BIN is not set: the printer simulator is needed")
    return path


def test_fleet_counts_follow_the_simulated_printers(tmp_path, gateway, monkeypatch):
    no_feed(monkeypatch)
    sim = subprocess.Popen([sim_bin(), "--base", "127.0.61.1", "--count", "2",
                            "--models", "epson-wf:1", "--snmp-port", "0", "--enpc-port", "0",
                            "--community", COMMUNITY, "--dead-addrs", "127.0.61.2"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready = sim.stdout.readline()
        port = int(ready.split("snmp_port=")[1].split()[0])
        secret = write_secret(tmp_path / "office.community", COMMUNITY)
        conf = make_config(tmp_path, extra="""
credentials "office" {
  community_file = "%s"
}
schedule {
  status_interval = 5s
  retries = 0
  timeout = 300ms
  offline_after = 1
}
device "alive" {
  address = "127.0.61.1"
  port = %d
  credentials = "office"
}
device "dead" {
  address = "127.0.61.2"
  port = %d
  credentials = "office"
}
""" % (secret, port, port))
        d = gateway(conf)
        sock = started(d, api_sock(tmp_path))
        # online counts the devices not offline (a device is online until it misses)
        st = wait_until(lambda: (lambda s: s if s["devices"]["online"] == 1 and
                                 s["devices"]["offline"] == 1 and
                                 s["devices"]["polls_ok"] >= 1 and
                                 s["store"]["records"] >= 1 else None)(
                                     get(sock, "/api/v1/status")),
                        30, "one device online, one offline", d, step=0.5)
        assert st["devices"]["managed"] == 2 and st["devices"]["polls_ok"] >= 1
        assert st["store"]["records"] >= 1 and st["plugins"]["snmp"]["answers"] >= 1
        devs = {x["name"]: x for x in get(sock, "/api/v1/devices")["devices"]}
        assert devs["alive"]["serial_number"] and devs["alive"]["last_seen_at"]
        assert devs["dead"]["last_seen_at"] is None
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(timeout=10)


def test_errors_are_json_and_the_socket_is_0660(tmp_path, gateway, monkeypatch):
    no_feed(monkeypatch)
    d = gateway(make_config(tmp_path))
    sock = started(d, api_sock(tmp_path))
    mode = os.lstat(sock).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o660
    status, r, body = call(sock, "/api/v1/nothing")
    assert status == 404 and body["error"] == "not_found"
    assert r.getheader("Content-Type") == "application/json"
    status, r, body = call(sock, "/")
    assert status == 404 and body["error"] == "not_found"
    for method in ("POST", "DELETE", "PUT", "HEAD"):
        status, r, body = call(sock, "/api/v1/status", method=method)
        assert status == 405 and r.getheader("Allow") == "GET", method
        assert r.getheader("Content-Type") == "application/json"
        if method != "HEAD":
            assert body["error"] == "method_not_allowed"
    rc, _ = d.stop()
    assert rc == 0 and not sock.exists()


def raw(sock, data, timeout=3.0):
    """Send bytes, return everything the daemon answers before it closes."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(sock))
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    return out


def test_oversized_requests_are_refused(tmp_path, gateway, monkeypatch):
    no_feed(monkeypatch)
    d = gateway(make_config(tmp_path))
    sock = started(d, api_sock(tmp_path))
    big = b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 16384 + b"\r\n\r\n"
    out = raw(sock, big)
    # refused by evhttp before it reaches the API: its own answer, and the end
    assert out.startswith(b"HTTP/1.1 400") and b"Connection: close" in out, out[:80]
    out = raw(sock, b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400"), out[:80]
    body = b"x" * 8192
    out = raw(sock, b"POST /api/v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
              b"Connection: close\r\n\r\n" % len(body) + body)
    assert out.startswith(b"HTTP/1.1 413"), out[:80]
    long_query = "/api/v1/audit?max=" + "1" * 600
    assert call(sock, long_query)[0] == 400
    assert get(sock, "/api/v1/status")["version"]   # still serving


def test_connection_cap_and_idle_timeout(tmp_path, gateway, monkeypatch):
    no_feed(monkeypatch)
    d = gateway(make_config(tmp_path, extra="api {\n  max_connections = 2\n"
                                            "  timeout = 1s\n}\n"))
    sock = started(d, api_sock(tmp_path))
    idle = []
    t0 = time.monotonic()
    for _ in range(2):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(sock))
        idle.append(s)
    time.sleep(0.2)
    third = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    third.connect(str(sock))                      # waits in the backlog
    third.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    third.settimeout(0.5)
    with pytest.raises(socket.timeout):
        third.recv(100)                           # not served while two are open
    # the idle ones are closed after the timeout, and then the third is served
    for s in idle:
        s.settimeout(5)
        assert s.recv(100) == b""
    assert 0.9 < time.monotonic() - t0 < 4
    third.settimeout(5)
    out = b""
    while True:
        chunk = third.recv(65536)
        if not chunk:
            break
        out += chunk
    assert out.startswith(b"HTTP/1.1 200"), out[:80]
    for s in idle + [third]:
        s.close()
    # the count went down again: two at once still work
    assert get(sock, "/api/v1/status") and get(sock, "/api/v1/devices")


def test_stale_socket_is_replaced_live_one_and_files_left_alone(tmp_path, gateway,
                                                               monkeypatch):
    no_feed(monkeypatch)
    sock = api_sock(tmp_path)
    killed = gateway(make_config(tmp_path))
    started(killed, sock)
    killed.proc.kill()                            # SIGKILL: no chance to remove it
    killed.proc.wait()
    assert stat.S_ISSOCK(os.lstat(sock).st_mode)
    d = gateway(make_config(tmp_path))
    started(d, sock)
    assert "a stale socket (nobody answers on it) is replaced" in d.text()
    assert get(sock, "/api/v1/status")
    d.stop()
    assert not sock.exists()

    # a socket another process listens on is not taken over, nor a plain file
    other = tmp_path / "other.sock"
    live = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    live.bind(str(other))
    live.listen(1)
    plain = tmp_path / "plain"
    plain.write_text("keep me")
    for path in (other, plain):
        d = gateway(make_config(tmp_path, extra='api {\n  socket = "%s"\n}\n' % path))
        d.wait_for("the local API is off")
        d.wait_for("running as")                   # the gateway runs without it
        d.stop()
    assert other.exists() and plain.read_text() == "keep me"
    live.close()


def test_sighup_moves_the_socket_and_keeps_it_otherwise(tmp_path, gateway, monkeypatch):
    no_feed(monkeypatch)
    first = api_sock(tmp_path)
    conf = make_config(tmp_path)
    d = gateway(conf)
    started(d, first)
    ino = os.lstat(first).st_ino
    d.signal(signal.SIGHUP)
    d.wait_for("configuration reloaded")
    assert os.lstat(first).st_ino == ino and get(first, "/api/v1/status")

    moved = tmp_path / "moved.sock"
    conf.write_text(conf.read_text() + 'api {\n  socket = "%s"\n}\n' % moved)
    d.signal(signal.SIGHUP)
    d.wait_for("local API on %s" % moved)
    assert get(moved, "/api/v1/status") and not first.exists()

    conf.write_text(conf.read_text().replace('socket = "%s"' % moved, "enabled = false"))
    d.signal(signal.SIGHUP)
    d.wait_for("the local API is disabled")
    assert not moved.exists()
    rc, _ = d.stop()
    assert rc == 0
