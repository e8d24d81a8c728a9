#!/usr/bin/python3
"""Writes a gateway configuration that manages N simulated printers.

The printers are ecsp-printer-sim's fleet: N consecutive addresses from
--base (default 127.0.1.1) on one UDP port. One `device` section each,
named p0000001.. in address order, all with one v2c credentials profile.

  gen_conf.py --count N --port PORT --state DIR --out FILE [--interval S]
              [--all-parts] [--stats S] [--set SECTION.KEY=VALUE ...]

--all-parts makes every part of the profile due at every poll (all five
part intervals equal to --interval), so each poll is a full printer poll.
--set adds or overrides one option, e.g. --set snmp.epson=false or
--set uplink.enabled=true; values are written as given (quote strings).
"""
import argparse
import ipaddress
import os
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--base", default="127.0.1.1")
    ap.add_argument("--state", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", type=int, default=60)
    ap.add_argument("--all-parts", action="store_true")
    ap.add_argument("--stats", type=int, default=10)
    ap.add_argument("--gateway-id", default="gw-bench-0001")
    ap.add_argument("--log-level", default="notice")
    ap.add_argument("--set", action="append", default=[])
    a = ap.parse_args()

    base = ipaddress.IPv4Address(a.base)
    if a.count < 0 or not (base.is_loopback and (base + max(a.count - 1, 0)).is_loopback):
        sys.exit("the fleet must stay inside 127.0.0.0/8")
    secrets = os.path.join(os.path.dirname(os.path.abspath(a.out)), "secrets")
    os.makedirs(secrets, exist_ok=True)
    comm = os.path.join(secrets, "public.community")
    with open(comm, "w") as f:
        f.write("public\n")
    os.chmod(comm, 0o600)

    sections = {
        "gateway": {"id": '"%s"' % a.gateway_id, "state_dir": '"%s"' % a.state,
                    "log_level": a.log_level},
        "schedule": {"status_interval": "%ds" % a.interval,
                     "stats_interval": "%ds" % a.stats},
    }
    if a.all_parts:
        for k in ("supplies", "counters", "settings", "jobs"):
            sections["schedule"][k + "_interval"] = "%ds" % a.interval
    for kv in a.set:
        key, _, val = kv.partition("=")
        sec, _, opt = key.partition(".")
        if not sec or not opt or not val:
            sys.exit("--set SECTION.KEY=VALUE, got %r" % kv)
        sections.setdefault(sec, {})[opt] = val

    with open(a.out, "w") as f:
        for sec, opts in sections.items():
            f.write("%s {\n" % sec)
            for k, v in opts.items():
                f.write("  %s = %s\n" % (k, v))
            f.write("}\n")
        f.write('credentials "sim" {\n  snmp_version = 2c\n  community_file = "%s"\n}\n'
                % comm)
        for i in range(a.count):
            f.write('device "p%07d" {\n  address = "%s"\n  port = %d\n  credentials = "sim"\n}\n'
                    % (i + 1, base + i, a.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
