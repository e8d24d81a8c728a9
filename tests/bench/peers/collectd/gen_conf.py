#!/usr/bin/python3
"""Writes collectd.conf and types.db for the fleet-polling benchmark.

collectd's snmp plugin stores numbers only. A string column can still be
read, as the label of a table row (TypeInstanceOID / PluginInstanceOID), so
every string and octet-string column of the printer profile is read that
way; the numeric columns are the Values. collectd joins the columns of one
Data block by index, which also lets a label column ride along with another
table's numeric column when its own table has none in the profile
(ifPhysAddress, the serial number, the console text): no object outside the
profile is read, and no value fails to convert. The exception is
sysObjectID: collectd cannot use an OID-typed value at all, so it is read as
a value and collectd warns once per poll (on stderr, which goes to a file).

Scalars are read as one-row tables (walking sysDescr's column returns
sysDescr.0): collectd's non-table blocks would have to convert the string
scalars to numbers and fail. Every block is walked with GETBULK (BulkSize).

The last block of every host, "prt_sys2", has exactly one row: its arrival
marks a completed poll of that host.
"""
import argparse
import ipaddress
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import printer_profile as profile  # noqa: E402

# block: (TypeInstanceOID name, PluginInstanceOID name, [value names])
BLOCKS = [
    ("prt_sys1", "sysDescr", "sysName", ["sysUpTime", "sysObjectID"]),
    ("prt_hrdev", "ifPhysAddress", "hrPrinterDetectedErrorState",
     ["hrDeviceStatus", "hrDeviceErrors"]),
    ("prt_printer", "prtGeneralSerialNumber", None, ["hrPrinterStatus"]),
    ("prt_marker", "prtConsoleDisplayBufferText", None, ["prtMarkerLifeCount"]),
    ("prt_supply", "prtMarkerSuppliesDescription", "prtMarkerColorantValue",
     ["prtMarkerSuppliesClass", "prtMarkerSuppliesType", "prtMarkerSuppliesSupplyUnit",
      "prtMarkerSuppliesMaxCapacity", "prtMarkerSuppliesLevel"]),
    ("prt_input", "prtInputName", "prtInputMediaName",
     ["prtInputMaxCapacity", "prtInputCurrentLevel"]),
    ("prt_alert", "prtAlertDescription", None, ["prtAlertSeverityLevel", "prtAlertCode"]),
    ("prt_loc", "prtLocalizationLanguage", "prtLocalizationCountry",
     ["prtLocalizationCharacterSet"]),
    ("prt_sys2", "sysContact", "sysLocation", ["sysServices"]),
]
MARKER = "prt_sys2"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fleet", type=int, required=True)
    ap.add_argument("--base", default="127.0.1.1")
    ap.add_argument("--port", type=int, required=True, help="the simulator's SNMP port")
    ap.add_argument("--interval", type=float, default=60)
    ap.add_argument("--read-threads", type=int, default=16)
    ap.add_argument("--timeout", type=int, default=2)
    ap.add_argument("--retries", type=int, default=1)
    ap.add_argument("--bulk", type=int, default=10)
    ap.add_argument("--server-port", type=int, required=True,
                    help="where the network plugin sends the values")
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()

    objs = {o.name: o for o in profile.load()}
    used = []
    for _, ti, pi, values in BLOCKS:
        for n in [ti, pi] + values:
            if n:
                used.append(objs[n].oid)
    profile.check_same_set(used, "the collectd configuration")

    base = ipaddress.IPv4Address(a.base)
    last = base + (a.fleet - 1)
    if not (base in ipaddress.IPv4Network("127.0.0.0/8") and last in ipaddress.IPv4Network("127.0.0.0/8")):
        raise SystemExit("the fleet must stay inside 127.0.0.0/8")

    w = a.workdir
    with open(os.path.join(w, "types.db"), "w") as f:
        for name, _, _, values in BLOCKS:
            f.write("%-12s %s\n" % (name, ", ".join("v%d:GAUGE:U:U" % i for i in range(len(values)))))

    out = []
    p = out.append
    p('Hostname "collectd-bench"')
    p("FQDNLookup false")
    p('BaseDir "%s"' % w)
    p('PIDFile "%s/collectd.pid"' % w)
    p('PluginDir "/usr/lib/collectd"')
    p('TypesDB "/usr/share/collectd/types.db" "%s/types.db"' % w)
    p("Interval %g" % a.interval)
    p("ReadThreads %d" % a.read_threads)
    p("WriteThreads 1")
    p("CollectInternalStats false")
    # no log plugin: collectd then writes its messages to stderr
    p("LoadPlugin network")
    p("<Plugin network>")
    p('  Server "127.0.0.1" "%d"' % a.server_port)
    p("  ReportStats false")
    p("</Plugin>")
    p("LoadPlugin snmp")
    p("<Plugin snmp>")
    for name, ti, pi, values in BLOCKS:
        p('  <Data "%s">' % name)
        p("    Table true")
        p('    Type "%s"' % name)
        p('    TypeInstanceOID "%s"' % objs[ti].column)
        if pi:
            p('    PluginInstanceOID "%s"' % objs[pi].column)
        p("    Values %s" % " ".join('"%s"' % objs[v].column for v in values))
        p("  </Data>")
    collect = " ".join('"%s"' % b[0] for b in BLOCKS)
    for i in range(a.fleet):
        p('  <Host "p%07d">' % i)
        p('    Address "%s:%d"' % (base + i, a.port))
        p("    Version 2")
        p('    Community "public"')
        p("    Collect %s" % collect)
        p("    Interval %g" % a.interval)
        p("    Timeout %d" % a.timeout)
        p("    Retries %d" % a.retries)
        p("    BulkSize %d" % a.bulk)
        p("  </Host>")
    p("</Plugin>")
    with open(os.path.join(w, "collectd.conf"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
