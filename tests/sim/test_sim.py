"""Cross-checks of ecsp-printer-sim against net-snmp's own tools.

Run:  ECSP_SIM_BIN=<build>/tests/sim/ecsp-printer-sim /usr/bin/python3 -m pytest tests/sim

The tests start the simulator themselves on free ports and talk to it with
snmpget/snmpwalk/snmpbulkwalk (Debian package "snmp") and with small raw
UDP exchanges where the tools cannot show what we need (source address,
timing, message size, ENPC).
"""

import hashlib
import hmac
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

SIM = os.environ.get("ECSP_SIM_BIN")
pytestmark = [
    pytest.mark.skipif(not SIM, reason="ECSP_SIM_BIN is not set (path of the built ecsp-printer-sim)"),
    pytest.mark.skipif(shutil.which("snmpget") is None,
                       reason="net-snmp tools missing (apt-get install snmp)"),
]

BASE = "127.0.50.1"
COUNT = 64
MODELS = "epson-wf:1,hp-lj:1,brother:1,kyocera:1,epson-proj:1"   # index % 5 picks the model
PREFIX = {0: "EWF", 1: "HLJ", 2: "BHL", 3: "KEC", 4: "EPJ"}
SYSOBJ = {0: ".1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50", 1: ".1.3.6.1.4.1.11.2.3.9.1",
          2: ".1.3.6.1.4.1.2435.2.3.9.1", 3: ".1.3.6.1.4.1.1347.41", 4: ".1.3.6.1.4.1.1248.4.1"}
V3_USER, V3_AUTH = "gwmonitor", "auth-secret-1"
V3_USER2, V3_AUTH2, V3_PRIV2 = "gwsecure", "auth-secret-256", "priv-secret-aes"

DEAD, SLOW, V1ONLY, JAM, BULKLIM = 10, 11, 12, 15, 16   # device indexes with knobs
SLOW_MS = 400

SYS_DESCR, SYS_OBJID, SYS_UPTIME, SYS_NAME = ("1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0",
                                             "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.5.0")
PRT_SERIAL = "1.3.6.1.2.1.43.5.1.1.17.1"
HR_PRN_STATUS, HR_ERRSTATE, HR_DEV_STATUS = ("1.3.6.1.2.1.25.3.5.1.1.1", "1.3.6.1.2.1.25.3.5.1.2.1",
                                             "1.3.6.1.2.1.25.3.2.1.5.1")
LIFECOUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"
ST2_OID = "1.3.6.1.4.1.1248.1.2.2.1.1.1.4.1"
CTRL = "1.3.6.1.4.1.1248.1.2.2.44.1.1.2.1"


def addr(idx):
    a = BASE.split(".")
    return "%s.%s.%s.%d" % (a[0], a[1], a[2], int(a[3]) + idx)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sim:
    def __init__(self, *args):
        self.enpc_port = free_udp_port()
        cmd = [SIM, "--base", BASE, "--count", str(COUNT), "--models", MODELS,
               "--snmp-port", "0", "--enpc-port", str(self.enpc_port)] + list(args)
        # stderr goes to a file: a pipe nobody reads could fill up and stall the simulator
        self.errf = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.errf, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"ready: snmp_port=(\d+) enpc_port=(\d+)", line)
        if not m:
            self.proc.kill()
            self.proc.wait()
            self.errf.seek(0)
            raise RuntimeError("simulator did not start: %r %r" % (line, self.errf.read()))
        self.port = int(m.group(1))

    def stop(self):
        """Stop the simulator; fail if a sanitizer build reported anything."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.errf.seek(0)
        err = self.errf.read()
        self.errf.close()
        assert "runtime error:" not in err and "Sanitizer" not in err, err

    def alive(self):
        return self.proc.poll() is None


@pytest.fixture(scope="module")
def snmpenv(tmp_path_factory):
    d = tmp_path_factory.mktemp("netsnmp")
    env = dict(os.environ)
    # Keep net-snmp away from the user's config and persistent state.
    env.update(SNMP_PERSISTENT_DIR=str(d), SNMPCONFPATH=str(d), MIBS="", HOME=str(d))
    return env


@pytest.fixture(scope="module")
def sim():
    s = Sim("--v3-user", V3_USER, "--v3-auth", "sha", "--v3-auth-pass", V3_AUTH,
            "--dead-addrs", addr(DEAD), "--set", "%s slow=%d" % (addr(SLOW), SLOW_MS),
            "--v1-only-addrs", addr(V1ONLY), "--error-addrs", addr(JAM) + "=jam",
            "--set", "%s bulk-limit=5" % addr(BULKLIM))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def sim256():
    s = Sim("--v3-user", V3_USER2, "--v3-auth", "sha256", "--v3-auth-pass", V3_AUTH2,
            "--v3-priv-pass", V3_PRIV2)
    yield s
    s.stop()


def run(env, tool, *args, timeout=20):
    p = subprocess.run([tool, "-On"] + list(args), capture_output=True, text=True, env=env,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def v2(sim, idx):
    return ["-v2c", "-c", "public", "-t", "1", "-r", "1", "%s:%d" % (addr(idx), sim.port)]


def v1(sim, idx):
    return ["-v1", "-c", "public", "-t", "1", "-r", "1", "%s:%d" % (addr(idx), sim.port)]


def values(out):
    """snmpget -On output -> {oid: value text} (without the leading dot)."""
    res, key = {}, None
    for line in out.splitlines():
        if line.startswith(".") and " = " in line:
            k, v = line.split(" = ", 1)
            key = k[1:]
            res[key] = v
        elif key is not None:              # continuation of a multi-line Hex-STRING
            res[key] += "\n" + line
    return res


def walk_oids(out):
    return [tuple(int(x) for x in line.split(" = ")[0][1:].split("."))
            for line in out.splitlines() if line.startswith(".") and " = " in line
            and "No more variables" not in line]


def intval(v):
    return int(re.search(r"-?\d+", v.split(":", 1)[1]).group(0))


def strval(v):
    return re.match(r'STRING: "(.*)"$', v).group(1)


def hexval(v):
    return bytes.fromhex(v.split(":", 1)[1].replace("\n", " ").strip()) if "Hex-STRING" in v \
        else strval(v).encode()


# --------------------------------------------------------------- raw SNMP

def _len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _tlv(tag, body):
    return bytes([tag]) + _len(len(body)) + body


def _int(v):
    return _tlv(2, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big", signed=True))


def _oid(s):
    arcs = [int(x) for x in s.strip(".").split(".")]
    out = bytearray([arcs[0] * 40 + arcs[1]])
    for a in arcs[2:]:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.insert(0, 0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(chunk)
    return _tlv(6, bytes(out))


def snmp_packet(oids, pdu=0xA0, reqid=4242, version=1, community=b"public", e1=0, e2=0):
    vbl = b"".join(_tlv(0x30, _oid(o) + b"\x05\x00") for o in oids)
    body = _int(reqid) + _int(e1) + _int(e2) + _tlv(0x30, vbl)
    return _tlv(0x30, _int(version) + _tlv(4, community) + _tlv(pdu, body))


def _rd(b, i):
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, b[i:i + n], i + n


def decode_response(data):
    """v1/v2c message -> (pdu tag, error status, [(value tag, value bytes), ...])."""
    _, body, _ = _rd(data, 0)
    _, _, i = _rd(body, 0)                     # version
    _, _, i = _rd(body, i)                     # community
    tag, pdu, _ = _rd(body, i)
    _, _, i = _rd(pdu, 0)                      # request id
    _, err, i = _rd(pdu, i)
    _, _, i = _rd(pdu, i)
    _, vbl, _ = _rd(pdu, i)
    vbs, j = [], 0
    while j < len(vbl):
        _, vb, j = _rd(vbl, j)
        _, _, k = _rd(vb, 0)
        vtag, val, _ = _rd(vb, k)
        vbs.append((vtag, val))
    return tag, int.from_bytes(err, "big"), vbs


def v3_discovery_packet():
    glob = _tlv(0x30, _int(99) + _int(65507) + _tlv(4, b"\x04") + _int(3))
    sec = _tlv(4, _tlv(0x30, _tlv(4, b"") + _int(0) + _int(0) + _tlv(4, b"") * 3))
    scoped = _tlv(0x30, _tlv(4, b"") + _tlv(4, b"") +
                  _tlv(0xA0, _int(77) + _int(0) + _int(0) + _tlv(0x30, b"")))
    return _tlv(0x30, _int(3) + glob + sec + scoped)


def exchange(port, dst, payload, timeout=1.0):
    """Send one datagram; return (data, source address, elapsed) or (None, None, elapsed)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    t0 = time.monotonic()
    s.sendto(payload, (dst, port))
    try:
        data, src = s.recvfrom(65535)
        return data, src, time.monotonic() - t0
    except socket.timeout:
        return None, None, time.monotonic() - t0
    finally:
        s.close()


# ----------------------------------------------------------------- tests

def test_identity_serial_and_mac_per_model(sim, snmpenv):
    for idx in range(5):
        rc, out, err = run(snmpenv, "snmpget", *v2(sim, idx), SYS_DESCR, SYS_OBJID, SYS_NAME,
                           "1.3.6.1.2.1.25.3.2.1.3.1")
        assert rc == 0, err
        v = values(out)
        assert v[SYS_OBJID] == "OID: " + SYSOBJ[idx]
        assert strval(v[SYS_NAME])
        if idx != 4:
            rc, out, err = run(snmpenv, "snmpget", *v2(sim, idx), PRT_SERIAL)
            assert strval(values(out)[PRT_SERIAL]) == "%s%07d" % (PREFIX[idx], idx)
    # ifPhysAddress = 02:EC + the 32-bit index (HP lists a loopback first, so Ethernet is ifIndex 2)
    for idx, ifidx in ((7, 1), (6, 2)):
        oid = "1.3.6.1.2.1.2.2.1.6.%d" % ifidx
        rc, out, err = run(snmpenv, "snmpget", *v2(sim, idx), oid)
        assert hexval(values(out)[oid]) == bytes([2, 0xEC, 0, 0, 0, idx])
    rc, out, err = run(snmpenv, "snmpget", *v2(sim, 1), SYS_DESCR)
    assert "SN:HLJ0000001" in out          # HP-style sysDescr carries the serial


def test_uptime_is_live(sim, snmpenv):
    a = intval(values(run(snmpenv, "snmpget", *v2(sim, 0), SYS_UPTIME)[1])[SYS_UPTIME])
    time.sleep(0.3)
    b = intval(values(run(snmpenv, "snmpget", *v2(sim, 0), SYS_UPTIME)[1])[SYS_UPTIME])
    assert 20 <= b - a <= 200


def test_v1_get_and_nosuchname(sim, snmpenv):
    rc, out, err = run(snmpenv, "snmpget", *v1(sim, 3), SYS_NAME, LIFECOUNT)
    assert rc == 0, err
    assert intval(values(out)[LIFECOUNT]) > 0
    rc, out, err = run(snmpenv, "snmpget", "-Cf", *v1(sim, 3), "1.3.6.1.2.1.43.11.1.1.9.1.99")
    assert rc != 0 and "noSuchName" in out + err


def test_v2c_exceptions(sim, snmpenv):
    rc, out, err = run(snmpenv, "snmpget", *v2(sim, 0), "1.3.6.1.2.1.1.99.0", "1.3.6.1.2.1.1.1.7")
    v = values(out)
    assert "No Such Object" in v["1.3.6.1.2.1.1.99.0"]
    assert "No Such Instance" in v["1.3.6.1.2.1.1.1.7"]
    rc, out, err = run(snmpenv, "snmpgetnext", *v2(sim, 0), "1.3.6.1.4.1.9999")
    assert "No more variables left" in out


@pytest.mark.parametrize("idx", [0, 1, 2, 3, 4])
def test_full_walk_terminates_in_order(sim, snmpenv, idx):
    rc, w2, err = run(snmpenv, "snmpwalk", *v2(sim, idx), ".1")
    assert rc == 0, err
    oids = walk_oids(w2)
    assert len(oids) > 40
    assert all(a < b for a, b in zip(oids, oids[1:])), "walk not in lexicographic order"
    rc, wb, err = run(snmpenv, "snmpbulkwalk", "-Cr25", *v2(sim, idx), ".1")
    assert rc == 0, err
    assert walk_oids(wb) == oids
    rc, w1, err = run(snmpenv, "snmpwalk", *v1(sim, idx), ".1")
    assert rc == 0, err
    assert walk_oids(w1) == oids


def test_answer_comes_from_the_device_address(sim):
    for idx in (0, 1, 4, 33):
        data, src, _ = exchange(sim.port, addr(idx), snmp_packet([SYS_NAME]))
        assert data is not None and src == (addr(idx), sim.port)
    data, _, _ = exchange(sim.port, addr(COUNT + 5), snmp_packet([SYS_NAME]), timeout=0.4)
    assert data is None                     # outside the fleet: silence


def test_wrong_community_gets_no_answer(sim, snmpenv):
    rc, out, err = run(snmpenv, "snmpget", "-v2c", "-c", "private", "-t", "0.5", "-r", "0",
                       "%s:%d" % (addr(0), sim.port), SYS_NAME)
    assert rc != 0 and "Timeout" in out + err


def test_v3_authnopriv_sha(sim, snmpenv):
    base = ["-v3", "-l", "authNoPriv", "-a", "SHA", "-t", "1", "-r", "1"]
    rc, out, err = run(snmpenv, "snmpget", *base, "-u", V3_USER, "-A", V3_AUTH,
                       "%s:%d" % (addr(2), sim.port), SYS_NAME, PRT_SERIAL)
    assert rc == 0, err
    assert strval(values(out)[PRT_SERIAL]) == "BHL0000002"
    rc, out, err = run(snmpenv, "snmpget", *base, "-u", V3_USER, "-A", "not-the-password",
                       "%s:%d" % (addr(2), sim.port), SYS_NAME)
    assert rc != 0 and "Authentication failure" in err
    rc, out, err = run(snmpenv, "snmpget", *base, "-u", "intruder", "-A", V3_AUTH,
                       "%s:%d" % (addr(2), sim.port), SYS_NAME)
    assert rc != 0 and "Unknown user name" in err
    # privacy requested but this user has no privacy password
    rc, out, err = run(snmpenv, "snmpget", "-v3", "-l", "authPriv", "-a", "SHA", "-x", "AES",
                       "-X", "whatever-123", "-u", V3_USER, "-A", V3_AUTH, "-t", "1", "-r", "0",
                       "%s:%d" % (addr(2), sim.port), SYS_NAME)
    assert rc != 0


def test_v3_authpriv_sha256_aes(sim256, snmpenv):
    base = ["-v3", "-l", "authPriv", "-a", "SHA-256", "-x", "AES", "-u", V3_USER2, "-A", V3_AUTH2,
            "-t", "1", "-r", "1"]
    rc, out, err = run(snmpenv, "snmpget", *base, "-X", V3_PRIV2, "%s:%d" % (addr(0), sim256.port),
                       SYS_NAME, PRT_SERIAL, ST2_OID)
    assert rc == 0, err
    assert strval(values(out)[PRT_SERIAL]) == "EWF0000000"
    rc, out, err = run(snmpenv, "snmpbulkwalk", *base, "-X", V3_PRIV2,
                       "%s:%d" % (addr(1), sim256.port), ".1")
    assert rc == 0, err
    oids = walk_oids(out)
    assert len(oids) > 40 and all(a < b for a, b in zip(oids, oids[1:]))
    rc, out, err = run(snmpenv, "snmpget", *base, "-X", "wrong-priv-pass",
                       "%s:%d" % (addr(0), sim256.port), SYS_NAME)
    assert rc != 0
    rc, out, err = run(snmpenv, "snmpget", "-v3", "-l", "authNoPriv", "-a", "SHA-256", "-u",
                       V3_USER2, "-A", "wrong-auth-pass", "-t", "1", "-r", "0",
                       "%s:%d" % (addr(0), sim256.port), SYS_NAME)
    assert rc != 0 and "Authentication failure" in err


def decode_v3(data):
    """SNMPv3 message -> dict of the header fields and the (plaintext) scoped PDU."""
    _, body, _ = _rd(data, 0)
    _, ver, i = _rd(body, 0)
    _, glob, i = _rd(body, i)
    _, secp, i = _rd(body, i)
    dtag, scoped, _ = _rd(body, i)
    _, msgid, j = _rd(glob, 0)
    _, _, j = _rd(glob, j)
    _, flags, j = _rd(glob, j)
    _, usm, _ = _rd(secp, 0)
    f = []
    j = 0
    for _ in range(6):
        _, v, j = _rd(usm, j)
        f.append(v)
    out = dict(version=int.from_bytes(ver, "big"), msgid=int.from_bytes(msgid, "big"),
               flags=flags[0], eid=f[0], boots=int.from_bytes(f[1], "big"),
               time=int.from_bytes(f[2], "big"), user=f[3], authp=f[4], privp=f[5])
    if dtag == 0x30:
        _, ctx_eid, k = _rd(scoped, 0)
        _, _, k = _rd(scoped, k)
        tag, pdu, _ = _rd(scoped, k)
        _, _, m = _rd(pdu, 0)
        _, _, m = _rd(pdu, m)
        _, _, m = _rd(pdu, m)
        _, vbl, _ = _rd(pdu, m)
        _, vb, _ = _rd(vbl, 0)
        _, oid, n = _rd(vb, 0)
        vtag, val, _ = _rd(vb, n)
        out.update(ctx_eid=ctx_eid, pdu=tag, oid=oid, vtag=vtag, value=val)
    return out


@pytest.mark.parametrize("which", ["sha", "sha256"])
def test_v3_usm_by_hand(request, which):
    """Discovery, time window and HMAC checked with Python's own hashlib/hmac."""
    if which == "sha":
        s, user, pw, h, maclen = request.getfixturevalue("sim"), V3_USER, V3_AUTH, hashlib.sha1, 12
    else:
        s, user, pw, h, maclen = (request.getfixturevalue("sim256"), V3_USER2, V3_AUTH2,
                                  hashlib.sha256, 24)
    idx = 6                                                              # an HP device
    data, src, _ = exchange(s.port, addr(idx), v3_discovery_packet())
    rep = decode_v3(data)
    assert src[0] == addr(idx) and rep["pdu"] == 0xA8 and rep["flags"] == 0
    assert rep["oid"] == _oid("1.3.6.1.6.3.15.1.1.4.0")[2:]          # usmStatsUnknownEngineIDs
    # engine ID: enterprise (HP = 11) with the high bit, format 3 (MAC), then the MAC
    assert rep["eid"] == bytes([0x80, 0, 0, 11, 3, 2, 0xEC, 0, 0, 0, idx])
    kul = h(_pw_key(h, pw) + rep["eid"] + _pw_key(h, pw)).digest()

    def authed(etime, reqid):
        ph = b"\xaa" * maclen
        glob = _tlv(0x30, _int(reqid) + _int(65507) + _tlv(4, b"\x05") + _int(3))
        sec = _tlv(4, _tlv(0x30, _tlv(4, rep["eid"]) + _int(rep["boots"]) + _int(etime) +
                           _tlv(4, user.encode()) + _tlv(4, ph) + _tlv(4, b"")))
        scoped = _tlv(0x30, _tlv(4, rep["eid"]) + _tlv(4, b"") +
                      _tlv(0xA0, _int(reqid) + _int(0) + _int(0) +
                           _tlv(0x30, _tlv(0x30, _oid(SYS_NAME) + b"\x05\x00"))))
        msg = _tlv(0x30, _int(3) + glob + sec + scoped)
        i = msg.index(ph)
        zeroed = msg[:i] + bytes(maclen) + msg[i + maclen:]
        return msg[:i] + hmac.new(kul, zeroed, h).digest()[:maclen] + msg[i + maclen:]

    def check_mac(raw, dec):
        i = raw.index(dec["authp"])
        zeroed = raw[:i] + bytes(maclen) + raw[i + maclen:]
        assert hmac.new(kul, zeroed, h).digest()[:maclen] == dec["authp"]

    data, _, _ = exchange(s.port, addr(idx), authed(rep["time"] + 1000, 501))
    late = decode_v3(data)
    assert late["pdu"] == 0xA8 and late["flags"] == 1                   # authenticated report
    assert late["oid"] == _oid("1.3.6.1.6.3.15.1.1.2.0")[2:]          # usmStatsNotInTimeWindows
    check_mac(data, late)
    data, _, _ = exchange(s.port, addr(idx), authed(late["time"], 502))
    ok = decode_v3(data)
    assert ok["pdu"] == 0xA2 and ok["flags"] == 1 and ok["msgid"] == 502
    assert ok["value"] == b"NPI000006"
    check_mac(data, ok)


def _pw_key(h, pw, cache={}):
    key = (h, pw)
    if key not in cache:
        pwb = pw.encode()
        cache[key] = h((pwb * (1048576 // len(pwb) + 1))[:1048576]).digest()
    return cache[key]


def test_dead_device_never_answers(sim, snmpenv):
    rc, out, err = run(snmpenv, "snmpget", "-v2c", "-c", "public", "-t", "0.4", "-r", "1",
                       "%s:%d" % (addr(DEAD), sim.port), SYS_NAME)
    assert rc != 0 and "Timeout" in out + err
    rc, out, err = run(snmpenv, "snmpget", "-v3", "-l", "authNoPriv", "-a", "SHA", "-u", V3_USER,
                       "-A", V3_AUTH, "-t", "0.4", "-r", "0", "%s:%d" % (addr(DEAD), sim.port),
                       SYS_NAME)
    assert rc != 0
    data, _, _ = exchange(sim.enpc_port, addr(DEAD), b"EPSONQ\x03\x00\x00\x00\x00\x00\x00\x00", 0.4)
    assert data is None


def test_slow_device_answers_late(sim):
    data, src, dt = exchange(sim.port, addr(SLOW), snmp_packet([SYS_NAME]), timeout=3)
    assert data is not None and src[0] == addr(SLOW)
    assert SLOW_MS / 1000 * 0.9 <= dt < SLOW_MS / 1000 + 1.0
    data, src, dt = exchange(sim.port, addr(SLOW + 5), snmp_packet([SYS_NAME]), timeout=3)
    assert data is not None and dt < 0.2


def test_v1_only_device(sim, snmpenv):
    rc, out, err = run(snmpenv, "snmpget", "-v2c", "-c", "public", "-t", "0.4", "-r", "0",
                       "%s:%d" % (addr(V1ONLY), sim.port), SYS_NAME)
    assert rc != 0 and "Timeout" in out + err
    rc, out, err = run(snmpenv, "snmpget", *v1(sim, V1ONLY), SYS_NAME)
    assert rc == 0 and SYS_NAME in values(out)


def test_getbulk_toobig_above_limit(sim, snmpenv):
    rc, out, err = run(snmpenv, "snmpbulkget", "-Cr10", *v2(sim, BULKLIM), "1.3.6.1.2.1.1")
    assert "tooBig" in out + err
    rc, out, err = run(snmpenv, "snmpbulkget", "-Cr5", *v2(sim, BULKLIM), "1.3.6.1.2.1.1")
    assert rc == 0 and len(values(out)) == 5


def test_getbulk_truncates_to_message_size(sim):
    pkt = snmp_packet(["1.3.6.1"], pdu=0xA5, e1=0, e2=500)
    data, _, _ = exchange(sim.port, addr(0), pkt)
    assert data is not None and 400 < len(data) <= 1472
    tag, err, vbs = decode_response(data)
    assert tag == 0xA2 and err == 0 and len(vbs) > 10


def test_supplies_per_model(sim, snmpenv):
    col = "1.3.6.1.2.1.43.11.1.1"
    # Epson: four inks plus a maintenance box counted as a receptacle
    rc, out, err = run(snmpenv, "snmpwalk", *v2(sim, 0), col)
    v = values(out)
    assert [strval(v["%s.6.1.%d" % (col, i)]).split()[0] for i in range(1, 5)] == \
        ["Black", "Cyan", "Magenta", "Yellow"]
    assert intval(v[col + ".4.1.5"]) == 4 and "Maintenance" in v[col + ".6.1.5"]
    assert all(0 <= intval(v["%s.9.1.%d" % (col, i)]) <= 100 for i in range(1, 6))
    # HP: one black toner, one supply reporting -3 ("some remaining")
    v = values(run(snmpenv, "snmpwalk", *v2(sim, 1), col)[1])
    assert intval(v[col + ".9.1.2"]) == -3 and "Black" in v[col + ".6.1.1"]
    # Brother: toners, waste toner box (receptacle), belt and drum
    v = values(run(snmpenv, "snmpwalk", *v2(sim, 2), col)[1])
    descr = [strval(v["%s.6.1.%d" % (col, i)]) for i in range(1, 8)]
    assert "Waste Toner Box" in descr and "Belt Unit" in descr and "Drum Unit" in descr
    assert intval(v[col + ".4.1.%d" % (descr.index("Waste Toner Box") + 1)]) == 4


def test_epson_st2_matches_printer_mib(sim, snmpenv):
    rc, out, err = run(snmpenv, "snmpget", "-Ox", *v2(sim, 5), ST2_OID, PRT_SERIAL,
                       *["1.3.6.1.2.1.43.11.1.1.9.1.%d" % i for i in range(1, 5)])
    assert rc == 0, err
    v = values(out)
    blob = hexval(v[ST2_OID])
    assert blob.startswith(b"@BDC ST2\r\n")
    total = blob[10] | blob[11] << 8
    assert total == len(blob) - 12
    fields, p = {}, 12
    while p < len(blob):
        fields[blob[p]] = blob[p + 2:p + 2 + blob[p + 1]]
        p += 2 + blob[p + 1]
    assert fields[0x01] == b"\x04"                                  # idle
    assert fields[0x40].decode() == hexval(v[PRT_SERIAL]).decode() == "EWF0000005"
    ink = fields[0x0F]
    assert ink[0] == 3
    levels = [ink[1 + 3 * k + 2] for k in range(4)]
    colours = [ink[1 + 3 * k + 1] for k in range(4)]
    assert colours == [0, 1, 2, 3]
    assert levels == [intval(v["1.3.6.1.2.1.43.11.1.1.9.1.%d" % i]) for i in range(1, 5)]


def test_epson_ctrl_commands(sim, snmpenv):
    oids = {"st": CTRL + ".115.116.1.0.1", "vi": CTRL + ".118.105.1.0.0",
            "ia": CTRL + ".105.97.1.0.0", "ii": CTRL + ".105.105.2.0.1.1",
            "ii9": CTRL + ".105.105.2.0.1.9", "di": CTRL + ".100.105.1.0.1",
            "zz": CTRL + ".122.122.1.0.0", "bad": CTRL + ".115.116.5.0.1"}
    rc, out, err = run(snmpenv, "snmpget", "-Ox", *v1(sim, 0),
                       *[o for k, o in oids.items() if k != "bad"])
    assert rc == 0, err
    v = {k: hexval(values(out)[o]) for k, o in oids.items() if k != "bad"}
    assert v["st"].startswith(b"\x00@BDC ST2\r\n")
    assert v["vi"].startswith(b"\x00@BDC PS\r\nvi:00:") and v["vi"].endswith(b";\x0c")
    assert b"IA:00;" in v["ia"]
    assert b"II:03;" in v["ii"] and b"IQT:" in v["ii"]
    assert b"ii:NA;" in v["ii9"]
    assert b"MFG:EPSON;" in v["di"] and b"MDL:WF-C5790 Series;" in v["di"]
    assert v["zz"].endswith(b"zz:;\x0c")
    rc, out, err = run(snmpenv, "snmpget", *v2(sim, 0), oids["bad"])   # length mismatch
    assert "No Such Instance" in out
    rc, out, err = run(snmpenv, "snmpget", *v2(sim, 1), oids["st"])    # not on HP
    assert "No Such" in out


def test_projector_is_not_a_printer(sim, snmpenv):
    rc, out, err = run(snmpenv, "snmpwalk", *v2(sim, 4), ".1")
    v = values(out)
    assert v[SYS_OBJID].startswith("OID: .1.3.6.1.4.1.1248.")
    assert v["1.3.6.1.2.1.25.3.2.1.2.1"] != "OID: .1.3.6.1.2.1.25.3.1.5"
    assert not [k for k in v if k.startswith("1.3.6.1.2.1.43.")]
    assert not [k for k in v if k.startswith("1.3.6.1.2.1.25.3.5.")]


def test_error_device_reports_everywhere(sim, snmpenv):
    rc, out, err = run(snmpenv, "snmpget", "-Ox", *v2(sim, JAM), HR_PRN_STATUS, HR_DEV_STATUS,
                       HR_ERRSTATE, ST2_OID)
    v = values(out)
    assert intval(v[HR_PRN_STATUS]) == 1 and intval(v[HR_DEV_STATUS]) == 5
    assert hexval(v[HR_ERRSTATE])[0] & 0x04                            # jammed
    blob = hexval(v[ST2_OID])
    assert blob[12:15] == b"\x01\x01\x00" and blob[15:18] == b"\x02\x01\x04"
    rc, out, err = run(snmpenv, "snmpwalk", *v2(sim, JAM), "1.3.6.1.2.1.43.18.1.1")
    v = values(out)
    assert intval(v["1.3.6.1.2.1.43.18.1.1.7.1.1"]) == 8             # jam
    assert intval(v["1.3.6.1.2.1.43.18.1.1.4.1.1"]) == 13            # mediaPath
    assert "jam" in v["1.3.6.1.2.1.43.18.1.1.8.1.1"].lower()
    rc, out, err = run(snmpenv, "snmpwalk", *v2(sim, 0), "1.3.6.1.2.1.43.18")
    assert not [k for k in values(out) if k.startswith("1.3.6.1.2.1.43.18.1.")]   # no error: no rows


def test_job_monitoring_has_owner_and_name(sim, snmpenv):
    rc, out, err = run(snmpenv, "snmpwalk", *v2(sim, 1), "1.3.6.1.4.1.2699.1.1.1")
    v = values(out)
    owners = [strval(x) for k, x in v.items() if k.startswith("1.3.6.1.4.1.2699.1.1.1.3.1.1.9.1.")]
    names = [strval(x) for k, x in v.items()
             if re.match(r"1\.3\.6\.1\.4\.1\.2699\.1\.1\.1\.4\.1\.1\.4\.1\.\d+\.23\.1$", k)]
    assert owners == ["owner-1-1", "owner-1-2", "owner-1-3"]
    assert names == ["Payroll-1-1.pdf", "Payroll-1-2.pdf", "Payroll-1-3.pdf"]


def test_enpc_discovery_and_basic_info(sim):
    data, src, _ = exchange(sim.enpc_port, addr(5), b"EPSONQ\x03\x00\x00\x00\x10\x00\x00\x00\x00\x00")
    assert data is not None and src == (addr(5), sim.enpc_port)
    assert data[:6] == b"EPSONq" and len(data) == 147
    assert data[8:12] == b"\x00\x00\x00\x00" and int.from_bytes(data[12:14], "big") == 133
    assert data[19:54].rstrip(b"\x00") == b"WF-C5790 Series"
    assert data[54:60] == bytes([2, 0xEC, 0, 0, 0, 5])
    data, src, _ = exchange(sim.enpc_port, addr(5), b"EPSONP\x00\xff\x00\x00\x00\x00\x00\x00")
    assert data[:6] == b"EPSONp" and len(data) == 68 and data[54:60] == bytes([2, 0xEC, 0, 0, 0, 5])
    data, _, _ = exchange(sim.enpc_port, addr(5), b"EPSONQ\x03\x00\x00\x01\x00\x00\x00\x00")
    assert len(data) == 184 and data[56:].split(b"\x00")[0] == b"EPSON000005"
    data, _, _ = exchange(sim.enpc_port, addr(5), b"EPSONQ\x03\x00\x01\x23\x00\x00\x00\x00")
    assert data[10:12] == b"\xff\xff"                                  # not supported
    for idx in (1, 4):                                                   # HP, projector: no ENPC
        data, _, _ = exchange(sim.enpc_port, addr(idx), b"EPSONQ\x03\x00\x00\x00\x00\x00\x00\x00", 0.4)
        assert data is None


def test_flap_status_pages_grow():
    s = Sim("--flap-status", "1")
    try:
        seen, counts = set(), []
        t_end = time.monotonic() + 4
        while time.monotonic() < t_end:
            data, _, _ = exchange(s.port, addr(0), snmp_packet([LIFECOUNT, HR_PRN_STATUS]))
            _, _, vbs = decode_response(data)
            assert vbs[0][0] == 0x41                                     # Counter32
            counts.append(int.from_bytes(vbs[0][1], "big"))
            seen.add(int.from_bytes(vbs[1][1], "big"))
            time.sleep(0.1)
        assert counts == sorted(counts) and counts[-1] > counts[0]
        assert 4 in seen and 3 in seen                                   # printing and idle
    finally:
        s.stop()


def test_malformed_input_never_kills_it(sim):
    rnd = random.Random(7)
    good = [snmp_packet([SYS_NAME, LIFECOUNT]), snmp_packet(["1.3.6.1"], pdu=0xA5, e2=20),
            snmp_packet([SYS_NAME], version=0), v3_discovery_packet(),
            b"EPSONQ\x03\x00\x00\x00\x00\x00\x00\x00"]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(4000):
        p = bytearray(rnd.choice(good))
        for _ in range(rnd.randint(1, 6)):
            op = rnd.randint(0, 2)
            j = rnd.randrange(len(p))
            if op == 0:
                p[j] = rnd.randrange(256)
            elif op == 1:
                del p[j:j + rnd.randint(1, 4)]
            else:
                p[j:j] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
            if not p:
                p = bytearray(b"\x30")
        port = sim.enpc_port if p.startswith(b"EPS") else sim.port
        s.sendto(bytes(p), (addr(i % 10), port))
    s.close()
    time.sleep(0.3)
    assert sim.alive()
    data, _, _ = exchange(sim.port, addr(0), snmp_packet([SYS_NAME]))
    assert data is not None
