"""Discovery over ENPC: the real daemon sweeps a loopback range, candidates
appear with progress, nothing but identification is asked of them, and an
approve section of the configuration puts one on the managed list (audited).

The printers are a small ENPC responder written here. It is MODELLED, not
captured: it follows the published frame (the 14-byte "EPSON" header) and
places fields where public captures and code find them (probe reply: 68
bytes, MAC at 54; basic-information reply: 147 bytes, model at 19). A third
device answers in a layout nobody published. The project's printer
simulator is used as well when it is built (ECSP_SIM_BIN, or
tests/sim/ecsp-printer-sim beside the gateway binary).
"""
import os
import re
import select
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import check_config, gateway_bin, make_config, write_secret

PROBE = b"EPSONP" + bytes(8)
QUERY = bytes([0x45, 0x50, 0x53, 0x4F, 0x4E, 0x51, 0x03, 0x00,
               0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00])


def probe_reply(mac):
    b = bytearray(68)
    b[0:6] = b"EPSONp"
    b[6] = 0x03
    b[13] = 54
    b[54:60] = mac
    return bytes(b)


def basic_reply(model):
    b = bytearray(147)
    b[0:19] = b"EPSONq" + bytes([3, 0, 0, 0, 0, 0, 0, 0x85, 0x00, 0x05, 0x20, 0x02, 0x64])
    b[19:19 + len(model)] = model.encode()
    return bytes(b)


def unsupported(req):
    return b"EPSON" + bytes([req[5] | 0x20]) + bytes([3, 0]) + req[8:10] + b"\xff\xff\x00\x00"


class Responder(threading.Thread):
    """ENPC devices, one socket each on 127.0.0.x, all on one port."""

    def __init__(self, devices):
        super().__init__(daemon=True)
        self.devices = devices            # ip -> (mac bytes, model) or "unknown"
        self.received = []                # (ip, bytes)
        self.lock = threading.Lock()
        self.stopping = False
        for _ in range(20):
            self.socks = {}
            try:
                first = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                ips = sorted(devices)
                first.bind((ips[0], 0))
                self.port = first.getsockname()[1]
                self.socks[first] = ips[0]
                for ip in ips[1:]:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.bind((ip, self.port))
                    self.socks[s] = ip
                break
            except OSError:
                for s in self.socks:
                    s.close()
        else:
            raise RuntimeError("no common free UDP port on loopback")

    def answer(self, ip, req):
        dev = self.devices[ip]
        if dev == "unknown":
            if req[5:6] == b"P":
                b = bytearray(76)      # the scanner path: a layout nobody published
                b[0:6] = b"EPSONp"
                b[13] = 62
                return bytes(b)
            return unsupported(req)
        mac, model = dev
        if req == PROBE:
            return probe_reply(mac)
        if req[:10] == QUERY[:10]:
            return basic_reply(model)
        return unsupported(req)

    def run(self):
        while not self.stopping:
            ready, _, _ = select.select(list(self.socks), [], [], 0.1)
            for s in ready:
                data, src = s.recvfrom(2048)
                ip = self.socks[s]
                with self.lock:
                    self.received.append((ip, data))
                if data[:5] == b"EPSON" and data[5:6].isupper():
                    s.sendto(self.answer(ip, data), src)

    def log(self):
        with self.lock:
            return list(self.received)

    def stop(self):
        self.stopping = True
        self.join(2)
        for s in self.socks:
            s.close()


DEVICES = {
    "127.0.0.2": (bytes.fromhex("0026ab000002"), "TM-T88V"),
    "127.0.0.3": (bytes.fromhex("0026ab000003"), "TM-m30III"),
    "127.0.0.4": "unknown",
}


@pytest.fixture
def responder():
    r = Responder(DEVICES)
    r.start()
    yield r
    r.stop()


def discovery_conf(tmp_path, port, start=True, approve=""):
    secret = write_secret(tmp_path / "office.community", "public")
    return make_config(tmp_path, extra=f"""\
        credentials "office" {{
          community_file = "{secret}"
        }}
        discovery {{
          start_on_boot = {"true" if start else "false"}
          ranges = "127.0.0.0/27"
          rate = 20
          broadcast = false
          snmp = false
          enpc_port = {port}
          wait = 1s
        }}
        """ + approve)


def need_enpc(d):
    d.wait_for("running as")
    if "enpc started" not in d.text():
        d.stop()
        pytest.skip("the gateway under test is built without the enpc plugin")


def test_sweep_finds_candidates_reads_nothing_more_then_approval(tmp_path, daemons,
                                                                 responder):
    conf = discovery_conf(tmp_path, responder.port)
    d = daemons(conf)
    need_enpc(d)
    d.wait_for("run 1 done", timeout=15)
    log = d.text()

    # progress: addresses probed of the total, never going back
    probed = [int(m.group(1)) for m in re.finditer(r"run 1: probed (\d+) of 30 addresses", log)]
    assert probed and probed == sorted(probed) and probed[-1] == 30
    assert any(p < 30 for p in probed), "no intermediate progress was reported"
    assert "run 1 done: probed 30 of 30 addresses, 3 answered, 3 new candidates" in log
    assert re.search(r'127\.0\.0\.2 answered enpc: candidate \d+ \w+ \(model "TM-T88V", '
                     r'serial "", mac "00:26:ab:00:00:02"\)', log)
    assert re.search(r'127\.0\.0\.3 answered enpc: candidate \d+ \w+ \(model "TM-m30III", '
                     r'serial "", mac "00:26:ab:00:00:03"\)', log)
    assert re.search(r'127\.0\.0\.4 answered enpc: candidate \d+ new .*details unknown', log)
    assert "discovery.start" in log and "audit: config" in log

    # identification only: each device got the probe and the basic query, once
    got = responder.log()
    assert {data for _, data in got} <= {PROBE, QUERY}
    for ip in DEVICES:
        assert sorted(data for a, data in got if a == ip) == sorted([PROBE, QUERY])
    assert "device.add" not in log

    # approval through the configuration file, applied on reload and audited
    conf.write_text(conf.read_text() + """\
approve "front-desk" {
  mac = "00:26:AB:00:00:02"
  credentials = "office"
}
""")
    d.signal(signal.SIGHUP)
    d.wait_for("candidate.approve front-desk", timeout=5)
    log = d.text()
    assert re.search(r"audit: config device\.add front-desk: id \d+ address 127\.0\.0\.2 "
                     r"port 161 origin local", log)
    assert re.search(r"audit: config candidate\.approve front-desk: candidate \d+ "
                     r"\(identity mac 00:26:ab:00:00:02\) at 127\.0\.0\.2", log)
    # ENPC still asks nothing more of anyone
    assert {data for _, data in responder.log()} <= {PROBE, QUERY}
    assert d.stop()[0] == 0

    # kept across a restart; no discovery unless started
    before = len(responder.log())
    conf.write_text(conf.read_text().replace("start_on_boot = true", "start_on_boot = false"))
    d = daemons(conf)
    d.wait_for("running as")
    log = d.text()
    assert "2 candidates waiting for approval" in log
    assert "1 managed devices" in log
    time.sleep(1.5)
    assert len(responder.log()) == before
    assert "discovery.start" not in d.text()
    assert d.stop()[0] == 0


def test_found_again_elsewhere_is_the_same_candidate(tmp_path, daemons, responder):
    conf = discovery_conf(tmp_path, responder.port)
    d = daemons(conf)
    need_enpc(d)
    d.wait_for("run 1 done", timeout=15)
    assert d.stop()[0] == 0
    # the same two printers (by MAC) now answer at other addresses
    other = Responder({"127.0.0.5": DEVICES["127.0.0.2"], "127.0.0.6": DEVICES["127.0.0.3"]})
    other.start()
    try:
        conf.write_text(conf.read_text().replace(f"enpc_port = {responder.port}",
                                                 f"enpc_port = {other.port}"))
        d = daemons(conf)
        d.wait_for("run 2 done", timeout=15)    # run numbers go on across restarts
        log = d.text()
        assert "0 new candidates" in log
        assert re.search(r"candidate \d+ moved from 127\.0\.0\.2 to 127\.0\.0\.5", log)
        assert re.search(r"candidate \d+ moved from 127\.0\.0\.3 to 127\.0\.0\.6", log)
        assert "3 candidates kept" in log
        assert d.stop()[0] == 0
    finally:
        other.stop()


def test_bad_discovery_settings_are_refused(tmp_path):
    for ranges, why in [("fe80::/64", "IPv6 ranges are not swept"),
                        ("192.0.2.1/24", "host bits are set"),
                        ("10.0.0.0/21", "more addresses than max_addresses allows"),
                        ("10.0.0.0/24, 10.0.0.0/25", "ranges overlap")]:
        conf = make_config(tmp_path, extra=f"""\
            discovery {{
              ranges = "{ranges}"
            }}
            """)
        out = check_config(conf)
        assert out.returncode == 2, ranges
        assert why in out.stderr, out.stderr
        assert f"{conf}:" in out.stderr and "ranges" in out.stderr
    secret = write_secret(tmp_path / "c", "public")
    conf = make_config(tmp_path, extra=f"""\
        credentials "office" {{
          community_file = "{secret}"
        }}
        approve "x" {{
          credentials = "office"
        }}
        approve "y" {{
          serial = "S1"
          credentials = "nobody"
        }}
        """)
    out = check_config(conf)
    assert out.returncode == 2
    assert f"{conf}:9: approve: needs serial, mac or address" in out.stderr
    assert f"{conf}:12: credentials: no credentials section of that name" in out.stderr
    conf.write_text(conf.read_text().replace('serial = "S1"', 'mac = "00:26:ab"'))
    out = check_config(conf)
    assert out.returncode == 2
    assert f"{conf}:13: mac: a MAC address is written 00:26:ab:01:02:03" in out.stderr


def sim_bin():
    path = os.environ.get("ECSP_SIM_BIN")
    if path:
        return path
    guess = Path(gateway_bin()).resolve().parent / "tests" / "sim" / "ecsp-printer-sim"
    return str(guess) if guess.exists() else None


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_against_the_printer_simulator(tmp_path, daemons):
    sim = sim_bin()
    if not sim or not os.access(sim, os.X_OK):
        pytest.skip("the printer simulator is not built")
    port = free_udp_port()
    proc = subprocess.Popen([sim, "--base", "127.0.3.1", "--count", "8",
                             "--models", "epson-wf:1,hp-lj:1", "--enpc-port", str(port),
                             "--snmp-port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        assert "ready" in line, line
        conf = make_config(tmp_path, extra=f"""\
            discovery {{
              start_on_boot = true
              ranges = "127.0.3.0/28"
              rate = 100
              broadcast = false
              snmp = false
              enpc_port = {port}
              wait = 1s
            }}
            """)
        d = daemons(conf)
        need_enpc(d)
        d.wait_for("run 1 done", timeout=15)
        log = d.text()
        # four Epson devices of eight: only they speak ENPC
        assert "probed 14 of 14 addresses, 4 answered, 4 new candidates" in log
        assert len(re.findall(r"answered enpc: candidate \d+ new", log)) == 4
        full = re.findall(r'answered enpc: candidate (\d+) \w+ \(model "[^"]+", serial "", '
                          r'mac "[0-9a-f:]{17}"\)', log)
        assert len(set(full)) == 4
        assert d.stop()[0] == 0
    finally:
        proc.terminate()
        proc.wait(5)
