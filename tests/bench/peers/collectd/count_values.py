#!/usr/bin/python3
"""Receives collectd's network-plugin packets and counts completed polls.

Usage: count_values.py PORT OUT.json MARKER_TYPE MAX_SECONDS

It listens on 127.0.0.1:PORT, decodes collectd's binary protocol (only the
parts needed: host, time, type, values), and for every value list of type
MARKER_TYPE records (host, time). On SIGTERM/SIGINT, or after MAX_SECONDS,
it writes OUT.json: {"value_lists": n, "by_type": {...},
"markers": {host: [t, ...]}} and exits.
"""
import json
import signal
import socket
import struct
import sys
import time

TYPE_HOST, TYPE_TIME, TYPE_TYPE, TYPE_VALUES, TYPE_TIME_HR = 0x0000, 0x0001, 0x0004, 0x0006, 0x0008


def main():
    port, out, marker, max_s = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode(), float(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("127.0.0.1", port))
    s.settimeout(0.2)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    markers, by_type, n_vl, n_pkt = {}, {}, 0, 0
    deadline = time.monotonic() + max_s
    unpack = struct.unpack_from
    while not stop and time.monotonic() < deadline:
        try:
            buf = s.recv(65536)
        except socket.timeout:
            continue
        n_pkt += 1
        host = typ = b""
        t = 0.0
        i, n = 0, len(buf)
        while i + 4 <= n:
            ptype, plen = unpack("!HH", buf, i)
            if plen < 4 or i + plen > n:
                break
            if ptype == TYPE_HOST:
                host = buf[i + 4:i + plen - 1]
            elif ptype == TYPE_TYPE:
                typ = buf[i + 4:i + plen - 1]
            elif ptype == TYPE_TIME_HR:
                t = unpack("!Q", buf, i + 4)[0] / 1073741824.0
            elif ptype == TYPE_TIME:
                t = float(unpack("!Q", buf, i + 4)[0])
            elif ptype == TYPE_VALUES:
                n_vl += 1
                by_type[typ] = by_type.get(typ, 0) + 1
                if typ == marker:
                    markers.setdefault(host, []).append(t)
            i += plen
    res = {
        "packets": n_pkt,
        "value_lists": n_vl,
        "by_type": {k.decode(errors="replace"): v for k, v in by_type.items()},
        "markers": {k.decode(errors="replace"): v for k, v in markers.items()},
    }
    with open(out, "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
