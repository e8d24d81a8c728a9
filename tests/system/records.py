#!/usr/bin/env python3
"""Read the records a gateway stored: msgpack in the LMDB database "records".

As a tool: records.py STATE_DIR  prints one JSON object per record.
As a module: load(state_dir) returns a list of dicts with the envelope
(format, kind, ctype, seq, collected_ms, created_ms, device_id) and body.
LMDB allows this while the daemon runs (read-only transaction).
"""
import json
import sys

import lmdb
import msgpack

KINDS = {1: "snapshot", 2: "event", 3: "operation", 4: "inventory"}
CTYPES = {0: "scheduled", 1: "on_demand", 2: "event"}
FIELDS = ("format", "kind", "ctype", "seq", "collected_ms", "created_ms", "device_id", "body")


def load(state_dir):
    env = lmdb.open(str(state_dir), readonly=True, lock=False, max_dbs=16, subdir=True)
    try:
        db = env.open_db(b"records", create=False)
        out = []
        with env.begin(db=db) as txn:
            for _key, val in txn.cursor():
                arr = msgpack.unpackb(val, raw=False, strict_map_key=False)
                rec = dict(zip(FIELDS, arr))
                rec["kind"] = KINDS.get(rec["kind"], rec["kind"])
                rec["ctype"] = CTYPES.get(rec["ctype"], rec["ctype"])
                out.append(rec)
        return out
    finally:
        env.close()


def main():
    if len(sys.argv) != 2:
        print("usage: records.py STATE_DIR", file=sys.stderr)
        return 2
    for rec in load(sys.argv[1]):
        print(json.dumps(rec, ensure_ascii=False, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
