"""Decoding and strict validation of an upload batch (cloud protocol, section 1).

Kept apart from the server so that the rules can be read in one place. Every
check raises Reject with the HTTP status the cloud answers and a message
saying exactly what is wrong and where, so that a failing gateway test points
at the offending field.
"""
import io
import ipaddress
import json
import re
import zlib
from datetime import datetime


class Reject(Exception):
    """A request the cloud refuses: HTTP status, short error code, detail."""

    def __init__(self, status, error, detail, close=False):
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail
        self.close = close  # the connection cannot be reused (body unread)


# --- decoding -----------------------------------------------------------

def decode_body(body, encoding, limit):
    """Undo Content-Encoding; the decoded size is capped too (no zip bombs)."""
    enc = (encoding or "identity").strip().lower()
    if enc == "identity":
        return body
    if enc == "gzip":
        return _gunzip(body, limit)
    if enc == "zstd":
        return _unzstd(body, limit)
    raise Reject(415, "unsupported_encoding",
                 "Content-Encoding %r: only gzip and zstd are accepted" % encoding)


def _gunzip(body, limit):
    out, data = bytearray(), body
    while True:  # gzip allows several members back to back
        d = zlib.decompressobj(wbits=31)
        try:
            out += d.decompress(data, limit + 1 - len(out))
        except zlib.error as e:
            raise Reject(400, "bad_encoding", "gzip: %s" % e)
        if len(out) > limit:
            raise Reject(413, "too_large", "decoded body over %d bytes" % limit)
        if not d.eof:
            raise Reject(400, "bad_encoding", "gzip: truncated stream")
        data = d.unused_data
        if not data:
            return bytes(out)


def _unzstd(body, limit):
    try:
        import zstandard  # Debian's python3-zstandard; optional
    except ImportError:
        raise Reject(415, "unsupported_encoding",
                     "zstd: the test cloud lacks the zstandard module")
    out = bytearray()
    try:
        # A streaming reader honours the size cap even when a frame header
        # announces a huge content size.
        with zstandard.ZstdDecompressor().stream_reader(
                io.BytesIO(body), read_across_frames=True) as r:
            while len(out) <= limit:
                chunk = r.read(min(65536, limit + 1 - len(out)))
                if not chunk:
                    break
                out += chunk
    except zstandard.ZstdError as e:
        raise Reject(400, "bad_encoding", "zstd: %s" % e)
    if len(out) > limit:
        raise Reject(413, "too_large", "decoded body over %d bytes" % limit)
    if body and not out:
        raise Reject(400, "bad_encoding", "zstd: no complete frame")
    return bytes(out)


def parse_json(data):
    def no_constants(name):
        raise ValueError("%s is not JSON" % name)
    try:
        return json.loads(data.decode("utf-8"), parse_constant=no_constants)
    except UnicodeDecodeError as e:
        raise Reject(400, "bad_json", "body is not UTF-8: %s" % e)
    except ValueError as e:
        raise Reject(400, "bad_json", "body is not JSON: %s" % e)


# --- schema ---------------------------------------------------------------

COLLECTION_TYPES = {"scheduled", "on_demand", "event"}
KINDS = {"snapshot", "event", "operation", "inventory"}
PRINTER_STATUS = {"idle", "printing", "warming_up", "error", "offline",
                  "unknown", "other"}
CONSUMABLE_STATES = {"ok", "low", "empty", "full", "missing", "unknown"}
SEVERITIES = {"error", "warning"}
JOB_FIELDS = {"job_id", "submitted_at", "completed_at", "state", "pages",
              "copies", "media", "user_hash"}
STORE_ID = re.compile(r"^[0-9a-fA-F]{16}$")
RFC3339 = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?"
                     r"(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)

# Device fields of the contract's table, by JSON type. Fields not named here
# are allowed: the contract lets the gateway add optional fields.
DEVICE_STRINGS = ("manufacturer", "model", "serial_number", "region_code",
                  "country_code", "firmware_version", "printer_status")
DEVICE_TIMES = ("time", "acquired_at")
DEVICE_OBJECTS = ("panel_settings", "printer_settings", "maintenance_settings",
                  "media_settings", "network_settings", "cumulative_ink_usage",
                  "cumulative_print_area", "page_counters", "address")
DEVICE_ARRAYS = ("errors", "status_history", "consumables", "cleaning_history",
                 "maintenance_history", "job_history", "source")


def _bad(where, why):
    raise Reject(422, "schema", "%s: %s" % (where, why))


def is_rfc3339(v):
    if not isinstance(v, str):
        return False
    m = RFC3339.match(v)
    if not m:
        return False
    try:  # the pattern accepts 2026-13-45; the calendar does not
        datetime.fromisoformat(m.group(1).upper())
    except ValueError:
        return False
    return True


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _string(obj, key, where, required=False, enum=None):
    if key not in obj:
        if required:
            _bad(where, "missing %r" % key)
        return
    v = obj[key]
    if not isinstance(v, str) or not v:
        _bad("%s.%s" % (where, key), "must be a non-empty string")
    if enum is not None and v not in enum:
        _bad("%s.%s" % (where, key), "%r not one of %s" % (v, sorted(enum)))


def _time(obj, key, where, required=False):
    if key not in obj:
        if required:
            _bad(where, "missing %r" % key)
        return
    if not is_rfc3339(obj[key]):
        _bad("%s.%s" % (where, key), "%r is not an RFC 3339 time" % (obj[key],))


def _objects(arr, where):
    for i, item in enumerate(arr):
        if not isinstance(item, dict):
            _bad("%s[%d]" % (where, i), "must be an object")
        yield "%s[%d]" % (where, i), item


def validate_device(dev, where, need_identity):
    if not isinstance(dev, dict):
        _bad(where, "must be an object")
    for k in DEVICE_STRINGS:
        _string(dev, k, where, enum=PRINTER_STATUS if k == "printer_status" else None)
    for k in DEVICE_TIMES:
        _time(dev, k, where)
    for k in DEVICE_OBJECTS:
        if k in dev and not isinstance(dev[k], dict):
            _bad("%s.%s" % (where, k), "must be an object")
    for k in DEVICE_ARRAYS:
        if k in dev and not isinstance(dev[k], list):
            _bad("%s.%s" % (where, k), "must be an array")
    if "cumulative_print_time_s" in dev and not _is_number(dev["cumulative_print_time_s"]):
        _bad(where + ".cumulative_print_time_s", "must be a number")

    addr = dev.get("address", {})
    for k in ("ip", "mac", "hostname"):
        _string(addr, k, where + ".address")
    if "ip" in addr:
        try:
            ipaddress.ip_address(addr["ip"])
        except ValueError:
            _bad(where + ".address.ip", "%r is not an IP address" % addr["ip"])
    if need_identity:
        _string(dev, "model", where, required=True)
        if not any(isinstance(x, str) and x for x in
                   (dev.get("serial_number"), addr.get("mac"), addr.get("ip"))):
            _bad(where, "no identity: needs serial_number, address.mac or address.ip")

    for w, e in _objects(dev.get("errors", []), where + ".errors"):
        _string(e, "severity", w, enum=SEVERITIES)
        _time(e, "since", w)
    for w, c in _objects(dev.get("consumables", []), where + ".consumables"):
        _string(c, "state", w, enum=CONSUMABLE_STATES)
        lp = c.get("level_percent", 0)
        if not _is_number(lp) or not 0 <= lp <= 100:
            _bad(w + ".level_percent", "must be a number from 0 to 100")
    for k in ("status_history", "cleaning_history", "maintenance_history"):
        for w, h in _objects(dev.get(k, []), where + "." + k):
            _time(h, "at", w)
    # The contract forbids document names or contents in job history; any
    # field beyond the listed ones is refused rather than silently stored.
    for w, j in _objects(dev.get("job_history", []), where + ".job_history"):
        extra = sorted(set(j) - JOB_FIELDS)
        if extra:
            _bad(w, "fields not allowed in job history: %s" % ", ".join(extra))
        for k in ("submitted_at", "completed_at"):
            _time(j, k, w)
    for i, s in enumerate(dev.get("source", [])):
        if not isinstance(s, str):
            _bad("%s.source[%d]" % (where, i), "must be a string")
    for k in ("page_counters", "cumulative_ink_usage"):
        for name, v in dev.get(k, {}).items():
            if not _is_number(v) and not (name == "unit" and isinstance(v, str)):
                _bad("%s.%s.%s" % (where, k, name), "must be a number")
    area = dev.get("cumulative_print_area")
    if area is not None and not _is_number(area.get("value")):
        _bad(where + ".cumulative_print_area.value", "must be a number")


def validate_batch(doc, gateway_id):
    """Check a parsed body; returns (store_id, records)."""
    if not isinstance(doc, dict):
        _bad("body", "must be a JSON object")
    agent = doc.get("agent")
    if not isinstance(agent, dict):
        _bad("body", "missing agent object")
    _string(agent, "agent_id", "agent", required=True)
    if agent["agent_id"] != gateway_id:
        _bad("agent.agent_id", "%r differs from the URL's gateway id %r"
             % (agent["agent_id"], gateway_id))
    store_id = agent.get("store_id")
    if not isinstance(store_id, str) or not STORE_ID.match(store_id):
        _bad("agent.store_id", "%r is not 16 hex digits" % (store_id,))
    for k in ("agent_type", "agent_version"):
        _string(agent, k, "agent", required=True)
    _string(agent, "collection_type", "agent", required=True, enum=COLLECTION_TYPES)
    _time(agent, "sent_at", "agent", required=True)
    for k in ("os", "os_version", "os_product_type"):
        _string(agent, k, "agent")

    records = doc.get("records")
    if not isinstance(records, list) or not records:
        _bad("records", "must be a non-empty array")
    last = 0
    for w, r in _objects(records, "records"):
        seq = r.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            _bad(w + ".seq", "must be an integer >= 1, got %r" % (seq,))
        if seq <= last:  # seq is strictly increasing in the store
            _bad(w + ".seq", "%d does not follow %d" % (seq, last))
        last = seq
        _string(r, "kind", w, required=True, enum=KINDS)
        _time(r, "collected_at", w, required=True)
        _string(r, "collection_type", w, enum=COLLECTION_TYPES)
        if r["kind"] in ("snapshot", "event"):
            if "device" not in r:
                _bad(w, "a %s record needs a device object" % r["kind"])
            validate_device(r["device"], w + ".device", need_identity=True)
        elif "device" in r:
            validate_device(r["device"], w + ".device", need_identity=False)
    return store_id, records


def idempotency_key(gateway_id, store_id, records):
    return "%s:%s:%d-%d" % (gateway_id, store_id, records[0]["seq"],
                            records[-1]["seq"])
