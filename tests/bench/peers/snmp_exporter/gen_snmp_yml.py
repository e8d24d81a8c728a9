#!/usr/bin/python3
"""Writes snmp.yml (snmp_exporter 0.21 format) from ../printer-oids.txt.

Debian's prometheus-snmp-exporter ships a placeholder snmp.yml, and its
generator needs MIB files Debian cannot ship, so the "printer" module is
written here with numeric OIDs: the profile's scalars are "get" (one GET),
its columns are "walk" (GETBULK, max-repetitions 10), and every object is
exposed as a metric (numbers as gauges or counters, strings as DisplayString,
binary strings as OctetString, MAC addresses as PhysAddress48, sysObjectID as
DisplayString, which the exporter renders as the dotted OID). Table rows are
labelled by their index columns.

Usage: gen_snmp_yml.py > snmp.yml
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import printer_profile as profile  # noqa: E402

# table entry OID -> index labels, as RFC 1213 / 2790 / 3805 define them
INDEXES = {
    "1.3.6.1.2.1.2.2.1": ["ifIndex"],
    "1.3.6.1.2.1.25.3.2.1": ["hrDeviceIndex"],
    "1.3.6.1.2.1.25.3.5.1": ["hrDeviceIndex"],
    "1.3.6.1.2.1.43.5.1.1": ["hrDeviceIndex"],
    "1.3.6.1.2.1.43.7.1.1": ["hrDeviceIndex", "prtLocalizationIndex"],
    "1.3.6.1.2.1.43.8.2.1": ["hrDeviceIndex", "prtInputIndex"],
    "1.3.6.1.2.1.43.10.2.1": ["hrDeviceIndex", "prtMarkerIndex"],
    "1.3.6.1.2.1.43.11.1.1": ["hrDeviceIndex", "prtMarkerSuppliesIndex"],
    "1.3.6.1.2.1.43.12.1.1": ["hrDeviceIndex", "prtMarkerColorantIndex"],
    "1.3.6.1.2.1.43.16.5.1": ["hrDeviceIndex", "prtConsoleDisplayBufferIndex"],
    "1.3.6.1.2.1.43.18.1.1": ["hrDeviceIndex", "prtAlertIndex"],
}
METRIC_TYPE = {
    "int": "gauge",
    "timeticks": "gauge",
    "counter": "counter",
    "string": "DisplayString",
    "oid": "DisplayString",
    "octets": "OctetString",
    "mac": "PhysAddress48",
}


def main():
    objs = profile.load()
    gets = [o.oid for o in objs if o.kind == "get"]
    walks = [o.oid for o in objs if o.kind == "walk"]
    profile.check_same_set(gets + walks, "snmp.yml")
    w = sys.stdout.write
    w("# snmp_exporter 0.21 configuration for the fleet-polling benchmark.\n")
    w("# Written by gen_snmp_yml.py from ../printer-oids.txt; do not edit by hand.\n")
    w("printer:\n")
    w("  version: 2\n")
    w("  max_repetitions: 10\n")
    w("  retries: 1\n")
    w("  timeout: 2s\n")
    w("  auth:\n")
    w("    community: public\n")
    w("  get:\n")
    for oid in gets:
        w("  - %s\n" % oid)
    w("  walk:\n")
    for oid in walks:
        w("  - %s\n" % oid)
    w("  metrics:\n")
    for o in objs:
        w("  - name: %s\n" % o.name)
        w("    oid: %s\n" % o.column)
        w("    type: %s\n" % METRIC_TYPE[o.type])
        w("    help: %s - %s\n" % (o.name, o.oid))
        if o.kind == "walk":
            entry = o.oid.rsplit(".", 1)[0]
            w("    indexes:\n")
            for label in INDEXES[entry]:
                w("    - labelname: %s\n" % label)
                w("      type: gauge\n")


if __name__ == "__main__":
    main()
