"""Discovery over SNMP against the project's printer simulator.

The real daemon sweeps a loopback range where ecsp-printer-sim plays Epson
inkjets, two lasers and an Epson projector. Every datagram goes through a
relay written here, which listens on UDP 161 at the devices' addresses,
forwards to the simulator's port and keeps a log of every OID the gateway
asked for, per address and PDU type: the simulator itself keeps no such log.

It checks that the printers become candidates with model, serial and MAC,
that the projector answers but is not one (counted as ignored, no
candidate), that nothing but identification
is asked of anyone before approval, and that an approve section of the
configuration puts a printer on the managed list, which is then polled
(a snapshot record appears in the store, its inks from ST2 with the
EPSON-CTRL ia/ii answers merged in).

Needs ECSP_SIM_BIN (skipped without it) and UDP port 161 on loopback
addresses (root): an approved device is polled on the standard port.
"""
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import make_config, write_secret
from snmp_peers import wait_records

BASE = "127.0.5"
COUNT = 6            # .1 .2 Epson, .3 HP, .4 Brother, .5 projector, .6 Epson
MODELS = "epson-wf:2,hp-lj:1,brother:1,epson-proj:1"
RANGE = f"{BASE}.0/28"   # 14 addresses, 8 of them silent

EPSON_COL = "1.3.6.1.4.1.1248.1.2.2.1.1.1.1"
PWG_COL = "1.3.6.1.4.1.2699.1.2.1.2.1.1.3"
SERIAL = "1.3.6.1.2.1.43.5.1.1.17.1"
SYSOBJ = "1.3.6.1.2.1.1.2.0"
HRTYPE = "1.3.6.1.2.1.25.3.2.1.2.1"
IFPHYS = "1.3.6.1.2.1.2.2.1.6"

GET, GETNEXT, GETBULK = 0xA0, 0xA1, 0xA5


def sim_bin():
    path = os.environ.get("ECSP_SIM_BIN")
    if not path:
        pytest.skip("ECSP_SIM_BIN is not set: the printer simulator is needed")
    if not os.access(path, os.X_OK):
        pytest.skip(f"ECSP_SIM_BIN={path} is not an executable")
    return path


# ---- just enough BER to read a request --------------------------------------

def _tlv(buf, i):
    tag = buf[i]
    n = buf[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(buf[i:i + k], "big")
        i += k
    return tag, buf[i:i + n], i + n


def _oid(b):
    arcs, v = [], 0
    for c in b:
        v = (v << 7) | (c & 0x7F)
        if not c & 0x80:
            arcs.append(v)
            v = 0
    first = arcs.pop(0)
    return ".".join(str(a) for a in [min(first // 40, 2), first - 40 * min(first // 40, 2)] + arcs)


def parse_request(msg):
    """(pdu type, request id, [oids]) of a v1/v2c message."""
    _, body, _ = _tlv(msg, 0)
    _, _, i = _tlv(body, 0)            # version
    _, _, i = _tlv(body, i)            # community
    ptype, pdu, _ = _tlv(body, i)
    _, rid, j = _tlv(pdu, 0)
    _, _, j = _tlv(pdu, j)
    _, _, j = _tlv(pdu, j)
    _, vbl, _ = _tlv(pdu, j)
    oids, k = [], 0
    while k < len(vbl):
        _, vb, k = _tlv(vbl, k)
        _, o, _ = _tlv(vb, 0)
        oids.append(_oid(o))
    return ptype, int.from_bytes(rid, "big", signed=True), oids


class Relay(threading.Thread):
    """UDP 161 at each device address, forwarded to the simulator's port."""

    def __init__(self, addrs, sim_port):
        super().__init__(daemon=True)
        self.sim_port = sim_port
        self.front = {}
        try:
            for a in addrs:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self.front[s] = a
                s.bind((a, 161))
        except OSError as e:
            self.close()
            pytest.skip(f"cannot listen on UDP 161 at {BASE}.x ({e}): run as root")
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.bind(("127.0.0.1", 0))
        self.by_addr = {a: s for s, a in self.front.items()}
        self.pending = {}      # (device address, request id) -> gateway address
        self.log = []          # (device address, pdu type, [oids])
        self.lock = threading.Lock()
        self.stopping = False

    def run(self):
        socks = list(self.front) + [self.back]
        while not self.stopping:
            ready, _, _ = select.select(socks, [], [], 0.05)
            for s in ready:
                data, src = s.recvfrom(65535)
                if s is self.back:
                    try:
                        _, rid, _ = parse_request(data)
                    except (IndexError, ValueError):
                        continue
                    to = self.pending.pop((src[0], rid), None)
                    if to:
                        self.by_addr[src[0]].sendto(data, to)
                    continue
                dev = self.front[s]
                try:
                    ptype, rid, oids = parse_request(data)
                except (IndexError, ValueError):
                    continue
                with self.lock:
                    self.log.append((dev, ptype, oids))
                self.pending[(dev, rid)] = src
                self.back.sendto(data, (dev, self.sim_port))

    def requests(self):
        with self.lock:
            return list(self.log)

    def close(self):
        self.stopping = True
        if self.is_alive():
            self.join(2)
        for s in list(self.front) + ([self.back] if hasattr(self, "back") else []):
            s.close()


def identification_only(reqs):
    """The requests that asked for anything but identification."""
    bad = []
    for dev, ptype, oids in reqs:
        for o in oids:
            if ptype == GETNEXT and (o in (EPSON_COL, PWG_COL) or o == IFPHYS
                                     or o.startswith(IFPHYS + ".")):
                continue
            if ptype == GET and o in (SERIAL, SYSOBJ, HRTYPE):
                continue
            bad.append((dev, hex(ptype), o))
    return bad


@pytest.fixture
def fleet():
    sim = sim_bin()
    proc = subprocess.Popen([sim, "--base", f"{BASE}.1", "--count", str(COUNT), "--models", MODELS,
                             "--snmp-port", "0", "--enpc-port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    relay = None
    try:
        line = proc.stdout.readline()
        m = re.search(r"snmp_port=(\d+)", line)
        assert m, line
        relay = Relay([f"{BASE}.{i}" for i in range(1, COUNT + 1)], int(m.group(1)))
        relay.start()
        yield relay
    finally:
        if relay:
            relay.close()
        proc.terminate()
        proc.wait(5)


def conf_for(tmp_path, approve=""):
    secret = write_secret(tmp_path / "office.community", "public")
    return make_config(tmp_path, extra=f"""\
        credentials "office" {{
          community_file = "{secret}"
        }}
        discovery {{
          start_on_boot = true
          ranges = "{RANGE}"
          rate = 50
          broadcast = false
          enpc = false
          snmp = true
          wait = 1s
        }}
        """ + approve)


def need_snmp(d):
    d.wait_for("running as")
    if "snmp started" not in d.text():
        d.stop()
        pytest.skip("the gateway under test is built without the snmp plugin")


def candidate(log, ip):
    m = re.search(re.escape(ip) + r' answered snmp: candidate (\d+) \w+ \(model "([^"]*)", '
                  r'serial "([^"]*)", mac "([^"]*)"(, details unknown)?\)', log)
    assert m, f"no candidate at {ip}:\n{log}"
    return m.group(2), m.group(3), m.group(4), bool(m.group(5))


def test_sweep_identifies_then_approval_polls(tmp_path, daemons, fleet):
    conf = conf_for(tmp_path)
    d = daemons(conf)
    need_snmp(d)
    d.wait_for("run 1 done", timeout=20)
    log = d.text()

    # five printers of fourteen addresses; the projector answers, is ignored
    assert ("run 1 done: probed 14 of 14 addresses, 6 answered, 5 new candidates, "
            "0 already managed, 1 ignored (not printers), 5 candidates kept") in log, log
    assert candidate(log, f"{BASE}.1") == ("WF-C5790 Series", "EWF0000000",
                                           "02:ec:00:00:00:00", False)
    assert candidate(log, f"{BASE}.2") == ("WF-C5790 Series", "EWF0000001",
                                           "02:ec:00:00:00:01", False)
    assert candidate(log, f"{BASE}.6") == ("WF-C5790 Series", "EWF0000005",
                                           "02:ec:00:00:00:05", False)
    # the lasers have no 1284 id: serial and MAC (past HP's loopback row), no model
    assert candidate(log, f"{BASE}.3") == ("", "HLJ0000002", "02:ec:00:00:00:02", True)
    assert candidate(log, f"{BASE}.4") == ("", "BHL0000003", "02:ec:00:00:00:03", True)
    assert re.search(re.escape(f"{BASE}.5") + r" answers SNMP but is not a printer .*"
                     r"1\.3\.6\.1\.4\.1\.1248\.4\.1.*not a candidate", log)
    assert f"{BASE}.5 answered snmp: not a printer, ignored" in log, log
    assert not re.search(re.escape(f"{BASE}.5") + r" answered snmp: candidate", log), log

    # identification only, of everyone, as the devices saw it
    reqs = fleet.requests()
    assert reqs, "the relay saw nothing"
    assert not identification_only(reqs), identification_only(reqs)
    for i in range(1, COUNT + 1):
        mine = [r for r in reqs if r[0] == f"{BASE}.{i}"]
        assert mine and len(mine) <= 6, (i, mine)
    # the gateway's own debug log says the same
    assert re.search(r"GET prtGeneralSerialNumber\.1, sysObjectID\.0, hrDeviceType\.1; "
                     r"GETNEXT ifPhysAddress", log)
    assert "device.add" not in log

    # approval through the configuration: polled from then on
    conf.write_text(conf.read_text() + """\
approve "front-desk" {
  mac = "02:EC:00:00:00:00"
  credentials = "office"
}
""")
    d.signal(signal.SIGHUP)
    d.wait_for("candidate.approve front-desk", timeout=5)
    log = d.text()
    m = re.search(r"audit: config device\.add front-desk: id (\d+) address "
                  + re.escape(f"{BASE}.1") + r" port 161", log)
    assert m, log
    dev_id = int(m.group(1))
    recs = wait_records(tmp_path / "state",
                        lambda r: any(x["kind"] == "snapshot" and x["device_id"] == dev_id
                                      for x in r), 20)
    snaps = [r for r in recs if r["kind"] == "snapshot" and r["device_id"] == dev_id]
    assert snaps, f"no snapshot of the approved printer:\n{d.text()[-4000:]}"
    dev = snaps[0]["body"]["device"]
    assert dev["serial_number"] == "EWF0000000"
    assert dev["address"]["mac"] == "02:ec:00:00:00:00"

    # EPSON-CTRL ia/ii merged into ST2's inks: four inks, each once, each with its slot
    inks = [c for c in dev["consumables"] if c["type"] == "ink"]
    assert sorted(c["color"] for c in inks) == ["black", "cyan", "magenta", "yellow"], inks
    assert sorted(c["description"] for c in inks) == [
        f"Cartridge type {t}, slot {n}" for n, t in ((1, "01"), (2, "03"), (3, "04"), (4, "05"))]
    assert all("level_percent" in c for c in inks)
    ms = dev["maintenance_settings"]
    for n in range(1, 5):
        assert re.fullmatch(r"IC1:[0-9A-F]{4};IQT:[0-9A-F]{2};.*", ms[f"ink_cartridge_{n}"]), ms
    assert "epson_ctrl" in dev["source"]

    # the approved printer is read in full now; the others still only identified
    after = fleet.requests()
    polled = [r for r in after if r[0] == f"{BASE}.1"]
    assert identification_only(polled), "the approved printer was never polled"
    others = [r for r in after if r[0] != f"{BASE}.1"]
    assert not identification_only(others), identification_only(others)
    assert d.stop()[0] == 0
