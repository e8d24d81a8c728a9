"""Real SNMP peers for the system tests: snmpsim serving recordings, net-snmp's snmpd.

Both run as separate processes on loopback addresses; nothing here speaks
SNMP itself except a tiny GET used to wait until a peer answers.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def snmprec_dir():
    """The third-party recordings: never copied into the repository."""
    d = os.environ.get("ECSP_SNMPREC_DIR")
    if not d:
        pytest.skip("ECSP_SNMPREC_DIR is not set: the printer recordings are not available")
    if not Path(d).is_dir():
        pytest.skip(f"ECSP_SNMPREC_DIR={d} is not a directory")
    return Path(d)


def need(tool):
    path = shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)
    if not path:
        pytest.skip(f"{tool} is not installed")
    return path


def free_udp_port(host="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _tlv(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(b)]) + b + body


def snmp_ping(host, port, community, timeout=0.3):
    """True when a v2c GET of sysUpTime.0 gets any answer."""
    oid = bytes([0x2b, 6, 1, 2, 1, 1, 3, 0])
    vbl = _tlv(0x30, _tlv(0x30, _tlv(0x06, oid) + b"\x05\x00"))
    pdu = _tlv(0xa0, _tlv(2, b"\x01") + _tlv(2, b"\x00") + _tlv(2, b"\x00") + vbl)
    msg = _tlv(0x30, _tlv(2, b"\x01") + _tlv(4, community.encode()) + pdu)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(msg, (host, port))
        s.recvfrom(65535)
        return True
    except OSError:
        return False
    finally:
        s.close()


class SnmpSim:
    """snmpsimd serving a copy of the recordings on several loopback endpoints."""

    def __init__(self, tmp, src, endpoints):
        # a directory of its own: pytest's are closed to the "nobody" it runs as
        self.tmp = Path(tempfile.mkdtemp(prefix="ecsp-snmpsim-"))
        self.data = self.tmp / "snmpsim-data"
        shutil.copytree(src, self.data)
        # snmpsimd refuses to run as root and then reads as nobody
        for p in [self.data, *self.data.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        self.tmp.chmod(0o755)
        cache = self.tmp / "snmpsim-cache"
        cache.mkdir()
        cache.chmod(0o777)
        self.endpoints = endpoints
        cmd = [need("snmpsimd"), f"--data-dir={self.data}", f"--cache-dir={cache}"]
        cmd += [f"--agent-udpv4-endpoint={h}:{p}" for h, p in endpoints]
        if os.geteuid() == 0:
            cmd += ["--process-user=nobody", "--process-group=nogroup"]
        self.log = open(self.tmp / "snmpsim.log", "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, community, timeout=60):
        host, port = self.endpoints[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("snmpsimd exited:\n" + (self.tmp / "snmpsim.log").read_text())
            if snmp_ping(host, port, community):
                return
            time.sleep(0.2)
        raise AssertionError("snmpsimd did not answer")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


SNMPD_USERS = """\
rocommunity public 127.0.0.1
createUser authuser SHA "authpass123"
createUser privuser SHA-256 "authpass123" AES "privpass456"
createUser sha512user SHA-512 "authpass123" AES "privpass456"
rouser authuser auth
rouser privuser priv
rouser sha512user priv
"""


class Snmpd:
    """net-snmp's snmpd on a loopback port with v2c and v3 USM users."""

    def __init__(self, tmp, host="127.0.0.1", port=None):
        self.tmp = Path(tmp)
        self.host = host
        self.port = port or free_udp_port(host)
        conf = self.tmp / "snmpd.conf"
        conf.write_text(SNMPD_USERS)
        persist = self.tmp / "snmpd-persist"
        persist.mkdir(exist_ok=True)
        env = dict(os.environ, SNMP_PERSISTENT_DIR=str(persist))
        self.log = open(self.tmp / "snmpd.log", "w")
        # log to the file only: the default connection logging is a flood
        self.proc = subprocess.Popen(
            [need("snmpd"), "-f", "-Ln", "-C", "-c", str(conf), "-p", str(self.tmp / "snmpd.pid"),
             f"udp:{host}:{self.port}"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not snmp_ping(host, self.port, "public"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("snmpd did not start:\n" + (self.tmp / "snmpd.log").read_text())
            time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.log.close()


def gateway_has_snmp(binary):
    out = subprocess.run([binary, "--config-reference"], capture_output=True, text=True)
    return out.returncode == 0 and "snmp" in out.stdout and "max_repetitions" in out.stdout


def wait_records(state_dir, pred, timeout):
    """Poll the store until pred(records) is true; returns the records."""
    from records import load
    deadline = time.monotonic() + timeout
    recs = []
    while time.monotonic() < deadline:
        if (Path(state_dir) / "data.mdb").exists():
            try:
                recs = load(state_dir)
            except Exception:  # the environment may be mid-creation
                recs = []
            if pred(recs):
                return recs
        time.sleep(0.5)
    return recs
