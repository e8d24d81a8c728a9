#!/usr/bin/env python3
"""Regenerate the seed corpora of the SNMP fuzzers.

msg/: real exchanges between net-snmp's tools and a local snmpd (v1, v2c,
GETBULK, v3 discovery, authNoPriv, authPriv, a wrong passphrase), recorded
by a UDP relay, plus edge cases built by hand. st2/: replies built from the
published "@BDC ST2" layout. Nothing here comes from third-party recordings.

usage: make_corpus.py OUTDIR   (needs snmpd and snmpget/snmpbulkget)
"""
import hashlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

OIDS = ["1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0", "1.3.6.1.6.3.10.2.1.1.0"]


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Relay(threading.Thread):
    """Forwards datagrams client <-> agent and keeps a copy of each."""

    def __init__(self, agent_port):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.agent = ("127.0.0.1", agent_port)
        self.up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.up.bind(("127.0.0.1", 0))
        self.packets = []
        self.client = None
        self.stop = False

    def run(self):
        self.sock.settimeout(0.05)
        self.up.settimeout(0.05)
        while not self.stop:
            for s in (self.sock, self.up):
                try:
                    data, addr = s.recvfrom(65535)
                except socket.timeout:
                    continue
                self.packets.append(data)
                if s is self.sock:
                    self.client = addr
                    self.up.sendto(data, self.agent)
                elif self.client:
                    self.sock.sendto(data, self.client)


def record(out):
    tmp = tempfile.mkdtemp()
    port = free_port()
    conf = os.path.join(tmp, "snmpd.conf")
    with open(conf, "w") as f:
        f.write("rocommunity public 127.0.0.1\n"
                'createUser authuser SHA "authpass123"\n'
                'createUser privuser SHA-256 "authpass123" AES "privpass456"\n'
                "rouser authuser auth\nrouser privuser priv\n")
    env = dict(os.environ, SNMP_PERSISTENT_DIR=os.path.join(tmp, "persist"))
    agent = subprocess.Popen(["snmpd", "-f", "-Ln", "-C", "-c", conf,
                              f"udp:127.0.0.1:{port}"], env=env)
    time.sleep(1.0)
    relay = Relay(port)
    relay.start()
    target = f"127.0.0.1:{relay.port}"
    cmds = [
        ["snmpget", "-v1", "-c", "public", target] + OIDS,
        ["snmpget", "-v1", "-c", "public", target, "1.3.6.1.2.1.1.99.0"],
        ["snmpget", "-v2c", "-c", "public", target] + OIDS + ["1.3.6.1.2.1.1.99.0"],
        ["snmpgetnext", "-v2c", "-c", "public", target, "1.3.6.1.2.1.11"],
        ["snmpbulkget", "-v2c", "-c", "public", "-Cr10", target, "1.3.6.1.2.1.11"],
        ["snmpbulkget", "-v2c", "-c", "public", "-Cr10", target, "1.3.6.1.6.3"],
        ["snmpget", "-v3", "-l", "authNoPriv", "-u", "authuser", "-a", "SHA",
         "-A", "authpass123", target] + OIDS,
        ["snmpget", "-v3", "-l", "authPriv", "-u", "privuser", "-a", "SHA-256",
         "-A", "authpass123", "-x", "AES", "-X", "privpass456", target] + OIDS,
        ["snmpget", "-v3", "-l", "authPriv", "-u", "privuser", "-a", "SHA-256",
         "-A", "wrongpass99", "-x", "AES", "-X", "privpass456", "-r0", target] + OIDS,
        ["snmpget", "-v3", "-l", "authNoPriv", "-u", "nobody", "-a", "SHA",
         "-A", "authpass123", "-r0", target] + OIDS,
    ]
    for c in cmds:
        subprocess.run(c, env=env, capture_output=True, timeout=20)
    relay.stop = True
    relay.join()
    agent.terminate()
    agent.wait()
    shutil.rmtree(tmp)
    for p in relay.packets:
        write(out, "msg", p)


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + ber_len(len(body)) + body


def oid(text):
    a = [int(x) for x in text.split(".")]
    out = bytearray()
    for x in [a[0] * 40 + a[1]] + a[2:]:
        enc = [x & 0x7f]
        x >>= 7
        while x:
            enc.append(0x80 | (x & 0x7f))
            x >>= 7
        out += bytes(reversed(enc))
    return tlv(0x06, bytes(out))


def response(vbs, version=1, err=0, idx=0, reqid=b"\x12\x34"):
    vbl = tlv(0x30, b"".join(tlv(0x30, oid(o) + v) for o, v in vbs))
    pdu = tlv(0xa2, tlv(2, reqid) + tlv(2, bytes([err])) + tlv(2, bytes([idx])) + vbl)
    return tlv(0x30, tlv(2, bytes([version])) + tlv(4, b"public") + pdu)


def synthetic(out):
    big = "1.3.6.1.4.1.1248.1.2.2.44.1.1.2.1.115.116.1.0.1"
    cases = [
        response([("1.3.6.1.2.1.1.3.0", tlv(0x43, b"\x00\xff\xff\xff\xff"))]),
        response([("1.3.6.1.2.1.31.1.1.1.6.1", tlv(0x46, b"\x00" + b"\xff" * 8))]),
        response([("1.3.6.1.2.1.1.1.0", tlv(0x80, b"")), ("1.3.6.1.2.1.1.2.0", tlv(0x81, b"")),
                  ("1.3.6.1.2.1.1.3.0", tlv(0x82, b""))]),
        response([("1.3.6.1.2.1.4.20.1.3.192.0.2.7", tlv(0x40, b"\xff\xff\xff\x00"))]),
        response([(big, tlv(4, b"\x00@BDC ST2\r\n\x03\x00\x01\x01\x04"))]),
        response([("1.3.6.1.2.1.1.1.0", tlv(4, b"x" * 300))]),
        response([], err=1),
        response([("1.3.6.1.2.1.1.1.0", tlv(5, b""))], version=0, err=2, idx=1),
        response([("2.999.4294967295", tlv(2, b"\x80"))]),
    ]
    for c in cases:
        write(out, "msg", c)
        write(out, "msg", c[:-1])          # truncated by one byte
        write(out, "msg", c + b"\x00")     # one byte too many


def st2_fields(*fields):
    body = b"".join(bytes([fid, len(d)]) + d for fid, d in fields)
    return b"\x00@BDC ST2\r\n" + struct.pack("<H", len(body)) + body


def st2(out):
    full = st2_fields((0x01, b"\x04"), (0x02, b"\x06"), (0x04, b"\x11\x44"),
                      (0x0f, b"\x03\x01\x00\x4b\x03\x01\x05\x04\x02n"),
                      (0x19, b"\x00" * 5 + b"unknown"), (0x36, struct.pack("<5i", 1, 2, 3, 4, 5)),
                      (0x37, b"\x01\x00\x01"), (0x40, b"ABC1234567"), (0x77, b"\xaa"))
    write(out, "st2", full)
    write(out, "st2", full[:-4])
    write(out, "st2", full[:12] + b"\xff\xff" + full[14:])
    write(out, "st2", st2_fields((0x0f, b"\x00\x01")))
    write(out, "st2", st2_fields((0x37, b"\x02\x00\x05\x01\x06")))
    write(out, "st2", b"@BDC ST2\r\n")
    write(out, "st2", b"\x02^S(ABC,D,EF\x03\r\n")
    write(out, "st2", b"\x00@BDC PS\r\nvi:00:AB12CD;\x0c")
    write(out, "st2", b"\x00\x30MFG:EPSON;CMD:ESCPR;MDL:XP-000;CLS:PRINTER;")
    epson_ctrl(out)


def epson_ctrl(out):
    """cd, ia and ii replies as the reference lays them out, and 1284 ids as
    discovery reads them (lengths that lie, bytes that are not ASCII)."""
    ps = b"\x00@BDC PS\r\n"
    for fmt, off in ((0x08, 31), (0x10, 31), (0x11, 46)):
        data = bytearray(b"Z" * 60)
        data[0] = fmt
        data[off:off + 10] = b"X3B0000001"
        write(out, "st2", ps + b"cd:" + bytes(data) + b";\x0c")
    write(out, "st2", ps + b"cd:\x08" + b"Z" * 20 + b";\x0c")
    write(out, "st2", ps + b"cd:NA;\x0c")
    write(out, "st2", ps + b"cd:;\x0c")
    write(out, "st2", ps + b"IA:00;01,03,04,05;\x0c")
    write(out, "st2", b"ia:00;0B,,K,C2 ,1,2,3,4,5,6,7,8,9,A,B,C,D,E,F,10;")
    write(out, "st2", ps + b"II:03;IC1:0713;IQT:4B;PDY:18;PDM:05;SID:SIM00000011;LOG:EPSON;\x0c")
    write(out, "st2", ps + b"ii:NA;\x0c")
    write(out, "st2", b"II:03;;A:\x01\xff;;B:2")
    write(out, "st2", b"\x1f\xffMFG:EPSON;MDL:PX-\xe6\x97\xa5\xff;SN:X1;")
    write(out, "st2", b"\x01MFG:EPSON;CMD:BDC,ESCPR1;MDL:ET-2850;")
    write(out, "st2", b"manufacturer:HP;model:LaserJet;COMMAND SET:PJL,PCL;SERN:CN1;CLS:PRINTER")
    write(out, "st2", b"0:15:99:7d:b1:6a")
    write(out, "st2", b"\x02\xec\x00\x00\x00\x05")


def write(out, sub, data):
    d = os.path.join(out, sub)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    if shutil.which("snmpd"):
        record(out)
    synthetic(out)
    st2(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
