"""A dead printer and a slow one next to healthy ones: the healthy ones are
polled on time, the dead one goes offline, the slow one still gets read."""
import socket
import textwrap
import threading
import time

import pytest

from conftest import Daemon, gateway_bin, make_config, write_secret
from records import load
from snmp_peers import (SnmpSim, free_udp_port, gateway_has_snmp, need, snmprec_dir,
                        wait_records)

HEALTHY = 4
INTERVAL_S = 5
RUN_S = 32


def rewrite(msg, old, new):
    """A v1/v2c message with its community replaced and the outer length fixed."""
    if len(msg) < 2 or msg[0] != 0x30:
        return msg
    hl = 2 + (msg[1] & 0x7f if msg[1] & 0x80 else 0)
    i = msg.find(bytes([4, len(old)]) + old, hl)
    if i < 0:
        return msg
    body = msg[hl:i] + bytes([4, len(new)]) + new + msg[i + 2 + len(old):]
    n = len(body)
    if n < 0x80:
        head = bytes([0x30, n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x30, 0x80 | len(b)]) + b
    return head + body


class SlowRelay(threading.Thread):
    """Answers of an agent, each held back by `delay` seconds."""

    def __init__(self, host, agent, delay):
        super().__init__(daemon=True)
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind((host, 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind((host, 0))
        self.agent = agent
        self.delay = delay
        self.client = None
        self.stopped = False
        self.rewrite = None     # (old, new) bytes replaced in requests (the community)

    def run(self):
        self.front.settimeout(0.05)
        self.back.settimeout(0.05)
        while not self.stopped:
            try:
                data, self.client = self.front.recvfrom(65535)
                if self.rewrite:
                    data = rewrite(data, *self.rewrite)
                self.back.sendto(data, self.agent)
            except socket.timeout:
                pass
            try:
                data, _ = self.back.recvfrom(65535)
                if self.rewrite:
                    data = rewrite(data, self.rewrite[1], self.rewrite[0])
                to = self.client
                threading.Timer(self.delay, self.front.sendto, (data, to)).start()
            except socket.timeout:
                pass


def test_dead_and_slow_devices_do_not_delay_the_others(tmp_path):
    src = snmprec_dir()
    need("snmpsimd")
    if not gateway_has_snmp(gateway_bin()):
        pytest.skip("the gateway under test is built without the snmp plugin (-Dplugins=snmp)")
    port = free_udp_port()
    hosts = [f"127.0.1.{i + 1}" for i in range(HEALTHY + 1)]
    sim = SnmpSim(tmp_path, src, [(h, port) for h in hosts])
    relay = None
    try:
        sim.wait("epson")
        relay = SlowRelay("127.0.1.20", (hosts[-1], port), delay=0.7)
        relay.start()
        comm = write_secret(tmp_path / "community", "epson")
        devices = [(f"ok{i}", hosts[i], port) for i in range(HEALTHY)]
        devices += [("slow", "127.0.1.20", relay.port), ("dead", "127.0.1.30", free_udp_port())]
        conf = make_config(tmp_path, extra=textwrap.dedent(f"""\
            schedule {{
              status_interval = {INTERVAL_S}s
              jitter_percent = 0
              timeout = 1s
              retries = 1
              offline_after = 2
              power_save_retry = 2s
            }}
            credentials "c" {{
              community_file = "{comm}"
            }}
            """) + "".join(textwrap.dedent(f"""\
            device "{n}" {{
              address = "{h}"
              port = {p}
              credentials = "c"
            }}
            """) for n, h, p in devices))
        d = Daemon(conf)
        try:
            time.sleep(RUN_S)
            log = d.text()
        finally:
            d.stop()
            d.close()
    finally:
        if relay:
            relay.stopped = True
        sim.stop()
    stored = load(tmp_path / "state")
    recs = [r for r in stored if r["kind"] == "snapshot"]
    # nothing changed on the healthy printers: no event records for them
    mine = {"status_change", "error_raised", "error_cleared", "supply_threshold"}
    events = [r for r in stored if r["kind"] == "event" and r["device_id"] <= HEALTHY
              and r["body"].get("event", {}).get("type") in mine]
    assert not events, events
    by_dev = {}
    for r in recs:
        by_dev.setdefault(r["device_id"], []).append(r["collected_ms"])
    # ids follow the order of the device sections
    for i in range(HEALTHY):
        times = sorted(by_dev.get(i + 1, []))
        assert len(times) >= 3, f"ok{i}: {len(times)} snapshots\n{log[-3000:]}"
        gaps = [b - a for a, b in zip(times, times[1:])]
        # every status interval, give or take the poll itself: nobody waits for the dead one
        assert max(gaps) <= INTERVAL_S * 1000 + 1500, f"ok{i}: gaps {gaps}"
    assert by_dev.get(HEALTHY + 1), f"the slow device was never read\n{log[-3000:]}"
    assert HEALTHY + 2 not in by_dev
    assert "dead: offline after 2 missed polls" in log


def test_a_change_between_polls_is_an_event_at_once(tmp_path):
    """A relay turns the printer behind one address from one recording into
    another: status unknown -> idle, and two errors appear (epson.snmprec
    line 144 hrDeviceStatus warning, no hrPrinterStatus; epson_cw_snmp.snmprec
    223 hrPrinterStatus idle, 224 error bits 20, 524-526 alert code 1105)."""
    src = snmprec_dir()
    need("snmpsimd")
    if not gateway_has_snmp(gateway_bin()):
        pytest.skip("the gateway under test is built without the snmp plugin (-Dplugins=snmp)")
    port = free_udp_port()
    sim = SnmpSim(tmp_path, src, [("127.0.2.1", port)])
    relay = None
    try:
        sim.wait("epson")
        relay = SlowRelay("127.0.2.20", ("127.0.2.1", port), delay=0)
        relay.start()
        comm = write_secret(tmp_path / "community", "shared")
        # the relay rewrites nothing but the community, so one device can change recordings
        relay.rewrite = (b"shared", b"epson")
        conf = make_config(tmp_path, extra=textwrap.dedent(f"""\
            schedule {{
              status_interval = 5s
              jitter_percent = 0
            }}
            credentials "c" {{
              community_file = "{comm}"
            }}
            device "p" {{
              address = "127.0.2.20"
              port = {relay.port}
              credentials = "c"
            }}
            """))
        d = Daemon(conf)
        try:
            first = wait_records(tmp_path / "state", lambda r: any(x["kind"] == "snapshot" for x in r), 20)
            assert first, d.text()
            relay.rewrite = (b"shared", b"epson_cw_snmp")
            recs = wait_records(tmp_path / "state",
                                lambda r: sum(x["kind"] == "snapshot" for x in r) >= 2, 20)
            log = d.text()
        finally:
            d.stop()
            d.close()
    finally:
        if relay:
            relay.stopped = True
        sim.stop()
    events = [r for r in recs if r["kind"] == "event" and r["ctype"] == "event"]
    got = {(e["body"]["event"]["type"], e["body"]["event"].get("code"),
            e["body"]["event"].get("to")) for e in events}
    assert ("status_change", None, "idle") in got, (got, log[-2000:])
    assert ("error_raised", "lowToner", None) in got, got
    assert ("error_raised", "markerInkAlmostEmpty", None) in got, got
    # the event names its device, and comes with the snapshot that saw the change
    second = sorted((r for r in recs if r["kind"] == "snapshot"), key=lambda r: r["seq"])[1]
    for e in events:
        assert e["body"]["device"]["model"] == "EPSON CW-C6500Au"
        assert e["collected_ms"] == second["collected_ms"]
