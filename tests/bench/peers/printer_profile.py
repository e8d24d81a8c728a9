"""Reads printer-oids.txt, the printer profile of the fleet-polling benchmark.

Used by the collectd and snmp_exporter set-ups, which check that their
configurations read exactly this set of objects.
"""
import os

PEERS_DIR = os.path.dirname(os.path.abspath(__file__))
PROFILE = os.path.join(PEERS_DIR, "printer-oids.txt")

KINDS = ("get", "walk")
TYPES = ("int", "counter", "timeticks", "oid", "string", "octets", "mac")


class Obj:
    def __init__(self, kind, oid, typ, name):
        self.kind, self.oid, self.type, self.name = kind, oid, typ, name

    @property
    def column(self):
        """The OID a walk starts from: a scalar's column is its OID less '.0'."""
        return self.oid[:-2] if self.kind == "get" and self.oid.endswith(".0") else self.oid

    def __repr__(self):
        return "%s %s %s %s" % (self.kind, self.oid, self.type, self.name)


def load(path=PROFILE):
    objs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            body, _, comment = line.partition("#")
            fields = body.split()
            if not fields:
                continue
            if len(fields) != 3 or fields[0] not in KINDS or fields[2] not in TYPES:
                raise ValueError("%s:%d: expected 'KIND OID TYPE # name'" % (path, n))
            name = comment.strip().split()[0] if comment.strip() else fields[1]
            objs.append(Obj(fields[0], fields[1].lstrip("."), fields[2], name))
    oids = [o.oid for o in objs]
    if len(set(oids)) != len(oids):
        raise ValueError("%s: an OID is listed twice" % path)
    return objs


def check_same_set(used, what):
    """Raise unless the OIDs in `used` are exactly the profile's."""
    want = {o.oid for o in load()}
    got = {u.lstrip(".") for u in used}
    if want != got:
        raise SystemExit("%s does not read the printer profile: missing %s, extra %s"
                         % (what, sorted(want - got), sorted(got - want)))
