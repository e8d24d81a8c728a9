"""Self-tests of the test cloud, using Python's own ssl and http.client.

    /usr/bin/python3 -m pytest tests/cloud
"""
import gzip
import http.client
import json
import socket
import ssl
import time

import pytest

import client

GW = "gw-test-0001"
STORE = "9c1e04d2a7b35f60"
MAX_BODY = 256 * 1024


@pytest.fixture(scope="module")
def cloud():
    with client.running_cloud(gateway_id=GW, max_body=MAX_BODY) as c:
        yield c


@pytest.fixture(autouse=True)
def clean(cloud):
    cloud.clear_faults()
    cloud.set_tls(server_cert="good", client_auth=True)
    cloud.reset()
    yield


def record(seq, model="ET-2850", serial="X5E%07d", kind="snapshot"):
    return {"seq": seq, "kind": kind, "collected_at": "2026-11-24T08:14:57Z",
            "device": {"model": model, "serial_number": serial % seq,
                       "printer_status": "idle", "source": ["snmp"]}}


def make_batch(seqs, store=STORE, gw=GW, **rec):
    return {"agent": {"agent_id": gw, "store_id": store, "agent_type": "edge-gateway",
                      "agent_version": "1.2.0", "collection_type": "scheduled",
                      "sent_at": "2026-11-24T08:15:02.123+01:00", "os": "Linux"},
            "records": [record(s, **rec) for s in seqs]}


def key_of(doc, gw=GW):
    r = doc["records"]
    return "%s:%s:%d-%d" % (gw, doc["agent"]["store_id"], r[0]["seq"], r[-1]["seq"])


def connect(cloud, cert="client", host="localhost", timeout=10):
    return http.client.HTTPSConnection(host, cloud.port, timeout=timeout,
                                       context=cloud.ssl_context(cert))


def post(cloud, doc=None, raw=None, key=None, gw=GW, cert="client", conn=None,
         headers=None, encoding=None):
    """POST a batch; returns (status, headers, decoded JSON body)."""
    body = raw if raw is not None else json.dumps(doc).encode()
    h = {"Content-Type": "application/json", "User-Agent": "ecsp-gateway/1.2.0",
         "Idempotency-Key": key if key is not None else (key_of(doc, gw) if doc else "x")}
    if encoding:
        h["Content-Encoding"] = encoding
    h.update(headers or {})
    c = conn or connect(cloud, cert)
    try:
        c.request("POST", "/v1/gateways/%s/batches" % gw, body=body, headers=h)
        resp = c.getresponse()
        data = resp.read()
        return resp.status, resp, (json.loads(data) if data else None)
    finally:
        if conn is None:
            c.close()


# --- accepted batches and deduplication --------------------------------------

def test_accepted_batch(cloud):
    status, resp, body = post(cloud, make_batch([1, 2, 3]))
    assert (status, body) == (200, {"accepted": 3, "duplicates": 0})
    assert resp.getheader("Content-Length")
    recs = cloud.records(GW)
    assert [r["seq"] for r in recs] == [1, 2, 3]
    assert recs[0]["device"]["serial_number"] == "X5E0000001"
    assert recs[0]["received_at"].endswith("Z")
    req = [r for r in cloud.requests() if r["status"] == 200][0]
    assert req["records"] == 3 and req["encoding"] == "identity"
    assert req["user_agent"] == "ecsp-gateway/1.2.0" and req["agent"]["os"] == "Linux"


def test_duplicate_seq_stored_once(cloud):
    doc = make_batch([1, 2])
    assert post(cloud, doc)[2] == {"accepted": 2, "duplicates": 0}
    # At-least-once delivery: a resend is accepted (200, never 409).
    assert post(cloud, doc)[:3:2] == (200, {"accepted": 0, "duplicates": 2})
    assert len(cloud.records(GW)) == 2
    s = cloud.stats()
    assert (s["records_stored"], s["duplicates"], s["accepted"]) == (2, 2, 2)


def test_overlap_and_new_store(cloud):
    post(cloud, make_batch([1, 2]))
    assert post(cloud, make_batch([2, 3]))[:3:2] == (200, {"accepted": 1, "duplicates": 1})
    # A new store starts at seq 1 again and does not collide with the old one.
    other = "00112233aabbccdd"
    assert post(cloud, make_batch([1], store=other))[2] == {"accepted": 1, "duplicates": 0}
    assert [(r["seq"]) for r in cloud.records(GW)] == [1, 1, 2, 3]  # by (store, seq)
    assert len(cloud.records(GW, store_id=other)) == 1


def test_keep_alive(cloud):
    conn = connect(cloud)
    try:
        assert post(cloud, make_batch([1]), conn=conn)[0] == 200
        assert post(cloud, make_batch([2]), conn=conn)[0] == 200
    finally:
        conn.close()
    assert cloud.stats()["connections"] == 1


def test_ca_bundle_and_404(cloud):
    conn = connect(cloud)
    conn.request("GET", "/v1/ca")
    resp = conn.getresponse()
    with open(cloud.pki["ca_cert"], "rb") as f:
        assert (resp.status, resp.read()) == (200, f.read())
    conn.request("GET", "/v1/nothing")
    resp = conn.getresponse()
    assert resp.status == 404 and json.loads(resp.read())["error"] == "not_found"
    conn.close()


# --- authentication ---------------------------------------------------------

def test_missing_client_cert_refused_at_tls(cloud):
    # With TLS 1.3 the client learns of the refusal on its first read.
    with pytest.raises((ssl.SSLError, ConnectionError)):
        post(cloud, make_batch([1]), cert=None)
    assert cloud.stats()["tls_failures"] == 1
    assert cloud.records(GW) == []


def test_client_cert_of_wrong_ca_refused_at_tls(cloud):
    with pytest.raises((ssl.SSLError, ConnectionError)):
        post(cloud, make_batch([1]), cert="wrong_ca_client")


def test_wrong_cn_forbidden(cloud):
    status, _, body = post(cloud, make_batch([1]), cert="other_client")
    assert status == 403 and body["error"] == "forbidden"
    assert cloud.records(GW) == []


def test_no_client_auth_mode(cloud):
    cloud.set_tls(client_auth=False)
    assert post(cloud, make_batch([1]), cert=None)[0] == 200
    # A certificate that is sent is still checked against the URL.
    assert post(cloud, make_batch([2]), cert="other_client")[0] == 403


@pytest.mark.parametrize("name,error", [
    ("wrong_ca", "CERTIFICATE_VERIFY_FAILED"),
    ("wrong_host", "Hostname mismatch"),
    ("expired", "expired"),
    ("not_yet_valid", "not yet valid"),
])
def test_bad_server_certs_fail_verification(cloud, name, error):
    cloud.set_tls(server_cert=name)
    with pytest.raises(ssl.SSLCertVerificationError, match=error):
        post(cloud, make_batch([1]))
    cloud.set_tls(server_cert="good")
    assert post(cloud, make_batch([1]))[0] == 200


def test_server_cert_valid_for_ip_addresses(cloud):
    assert post(cloud, make_batch([1]), conn=connect(cloud, host="127.0.0.1"))[0] == 200


# --- refused bodies -----------------------------------------------------------

def test_bad_json(cloud):
    status, _, body = post(cloud, raw=b'{"agent": ', key="x")
    assert status == 400 and body["error"] == "bad_json"
    assert post(cloud, raw=b'\xff\xfe{}', key="x")[0] == 400
    assert post(cloud, raw=b'{"a": NaN}', key="x")[0] == 400


def _drop(path):
    def f(doc):
        *parents, last = path
        obj = doc
        for p in parents:
            obj = obj[p]
        del obj[last]
    return f


def _set(path, value):
    def f(doc):
        *parents, last = path
        obj = doc
        for p in parents:
            obj = obj[p]
        obj[last] = value
    return f


SCHEMA_BREAKS = {
    "not an object": lambda d: d.clear() or d.update(x=[]),
    "agent_id differs": _set(("agent", "agent_id"), "gw-someone-else"),
    "store_id not hex": _set(("agent", "store_id"), "xyz"),
    "store_id too short": _set(("agent", "store_id"), "9c1e04d2"),
    "no agent_type": _drop(("agent", "agent_type")),
    "no agent_version": _drop(("agent", "agent_version")),
    "bad collection_type": _set(("agent", "collection_type"), "sometimes"),
    "bad sent_at": _set(("agent", "sent_at"), "24/11/2026 08:15"),
    "impossible sent_at": _set(("agent", "sent_at"), "2026-13-45T08:15:02Z"),
    "empty records": _set(("records",), []),
    "seq zero": _set(("records", 0, "seq"), 0),
    "seq string": _set(("records", 0, "seq"), "1"),
    "seq bool": _set(("records", 0, "seq"), True),
    "seq not increasing": _set(("records", 1, "seq"), 1),
    "bad kind": _set(("records", 0, "kind"), "gossip"),
    "no collected_at": _drop(("records", 0, "collected_at")),
    "snapshot without device": _drop(("records", 0, "device")),
    "no model": _drop(("records", 0, "device", "model")),
    "no identity": _drop(("records", 0, "device", "serial_number")),
    "bad printer_status": _set(("records", 0, "device", "printer_status"), "busy"),
    "level_percent string": _set(("records", 0, "device", "consumables"),
                                 [{"color": "cyan", "level_percent": "50"}]),
    "document name in job": _set(("records", 0, "device", "job_history"),
                                 [{"job_id": "1", "document_name": "salaries.xlsx"}]),
    "bad ip": _set(("records", 0, "device", "address"), {"ip": "999.1.1.1"}),
}


@pytest.mark.parametrize("name", sorted(SCHEMA_BREAKS))
def test_schema_break_is_422(cloud, name):
    doc = make_batch([1, 2])
    key = key_of(doc)
    SCHEMA_BREAKS[name](doc)
    status, _, body = post(cloud, doc, key=key)
    assert status == 422, body
    assert body["error"] == "schema" and body["detail"]
    assert cloud.records(GW) == []


@pytest.mark.parametrize("device", [
    {"model": "M", "address": {"mac": "00:26:ab:01:02:03"}},
    {"model": "M", "address": {"ip": "192.0.2.7"}},
    {"model": "M", "serial_number": "S", "future_field": {"x": 1}},
])
def test_weaker_identities_and_extra_fields_accepted(cloud, device):
    doc = make_batch([1])
    doc["records"][0]["device"] = device
    assert post(cloud, doc)[0] == 200


def test_operation_and_inventory_records_need_no_device(cloud):
    doc = make_batch([1, 2])
    doc["records"] = [
        {"seq": 1, "kind": "operation", "collected_at": "2026-11-24T08:20:03Z",
         "collection_type": "on_demand", "id": "c0ffee00", "state": "succeeded"},
        {"seq": 2, "kind": "inventory", "collected_at": "2026-11-24T08:20:04Z"}]
    assert post(cloud, doc)[2] == {"accepted": 2, "duplicates": 0}


@pytest.mark.parametrize("key", ["", "gw-test-0001:9c1e04d2a7b35f60:1-3",
                                 "gw-test-0001:9c1e04d2a7b35f60:1-2 "])
def test_idempotency_key_mismatch(cloud, key):
    status, _, body = post(cloud, make_batch([1, 2]), key=key)
    assert status == 400 and body["error"] == "idempotency_key"
    assert cloud.records(GW) == []


def test_wrong_content_type_and_encoding(cloud):
    doc = make_batch([1])
    assert post(cloud, doc, headers={"Content-Type": "text/plain"})[0] == 415
    assert post(cloud, doc, encoding="br")[0] == 415


def test_body_over_limit_is_413(cloud):
    doc = make_batch([1])
    doc["records"][0]["device"]["padding"] = "x" * MAX_BODY
    conn = connect(cloud)
    status, _, body = post(cloud, doc, conn=conn)
    assert status == 413 and body["error"] == "too_large"
    # The body was drained, so the connection is still usable.
    assert post(cloud, make_batch([1]), conn=conn)[0] == 200
    conn.close()


def test_decoded_body_over_limit_is_413(cloud):
    doc = make_batch([1])
    doc["records"][0]["device"]["padding"] = "x" * MAX_BODY
    raw = gzip.compress(json.dumps(doc).encode())
    assert len(raw) < MAX_BODY
    assert post(cloud, raw=raw, key=key_of(doc), encoding="gzip")[0] == 413


# --- encodings ---------------------------------------------------------------

def test_gzip_body(cloud):
    doc = make_batch(range(1, 51))
    raw = gzip.compress(json.dumps(doc).encode())
    assert post(cloud, raw=raw, key=key_of(doc), encoding="gzip")[2]["accepted"] == 50
    s = cloud.stats()
    assert s["by_encoding"] == {"gzip": 1} and s["bytes_received"] == len(raw)
    assert s["bytes_decoded"] > len(raw)
    assert post(cloud, raw=raw[:-10], key=key_of(doc), encoding="gzip")[0] == 400


def test_zstd_body(cloud):
    zstd = pytest.importorskip("zstandard")
    doc = make_batch(range(1, 51))
    raw = zstd.ZstdCompressor().compress(json.dumps(doc).encode())
    assert post(cloud, raw=raw, key=key_of(doc), encoding="zstd")[2]["accepted"] == 50
    assert cloud.stats()["by_encoding"] == {"zstd": 1}
    assert post(cloud, raw=raw[:-10], key=key_of(doc), encoding="zstd")[0] == 400


def test_chunked_body(cloud):
    doc = make_batch([1, 2])
    data = json.dumps(doc).encode()
    conn = connect(cloud)
    conn.request("POST", "/v1/gateways/%s/batches" % GW, body=iter([data[:50], data[50:]]),
                 headers={"Content-Type": "application/json",
                          "Idempotency-Key": key_of(doc)}, encode_chunked=True)
    resp = conn.getresponse()
    assert (resp.status, json.loads(resp.read())["accepted"]) == (200, 2)
    conn.close()


# --- fault injection -----------------------------------------------------------

def test_fault_status_with_retry_after(cloud):
    cloud.set_faults([{"action": "status", "status": 503, "retry_after": "7", "count": 1}])
    status, resp, body = post(cloud, make_batch([1]))
    assert (status, resp.getheader("Retry-After"), body["error"]) == (503, "7", "injected")
    assert cloud.records(GW) == []
    assert post(cloud, make_batch([1]))[0] == 200  # the count is spent
    assert cloud.set_faults([]) == []


def test_fault_status_until_cleared(cloud):
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    cloud.set_faults([{"action": "status", "status": 429, "retry_after": date}])
    for _ in range(3):
        status, resp, _ = post(cloud, make_batch([1]))
        assert (status, resp.getheader("Retry-After")) == (429, date)
    cloud.clear_faults()
    assert post(cloud, make_batch([1]))[0] == 200
    assert cloud.stats()["by_status"] == {"429": 3, "200": 1}


def test_fault_endpoint_filter(cloud):
    cloud.set_faults([{"action": "status", "status": 500, "count": 1}])
    conn = connect(cloud)
    conn.request("GET", "/v1/ca")  # batches-only rule: the CA is unaffected
    assert conn.getresponse().status == 200
    conn.close()
    assert post(cloud, make_batch([1]))[0] == 500


def test_fault_slow(cloud):
    cloud.set_faults([{"action": "slow", "delay_ms": 600, "count": 1}])
    t = time.monotonic()
    assert post(cloud, make_batch([1]))[0] == 200
    assert time.monotonic() - t >= 0.6
    t = time.monotonic()
    assert post(cloud, make_batch([2]))[0] == 200
    assert time.monotonic() - t < 0.5


def test_fault_slow_timeout_then_duplicate(cloud):
    # Stored, then answered late: the client times out and resends.
    cloud.set_faults([{"action": "slow", "delay_ms": 1500, "phase": "after_store",
                       "count": 1}])
    with pytest.raises((socket.timeout, TimeoutError)):
        post(cloud, make_batch([1]), conn=connect(cloud, timeout=0.5))
    assert post(cloud, make_batch([1]))[2] == {"accepted": 0, "duplicates": 1}


def test_fault_cut(cloud):
    cloud.set_faults([{"action": "cut", "count": 1}])
    with pytest.raises((ConnectionError, ssl.SSLError, http.client.HTTPException)):
        post(cloud, make_batch(range(1, 20)))
    assert cloud.records(GW) == []
    assert cloud.stats()["unanswered"] == 1
    assert post(cloud, make_batch([1]))[0] == 200


def _refused(cloud):
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", cloud.port))
        return False
    except ConnectionRefusedError:
        return True
    finally:
        s.close()


def test_fault_refuse_for_seconds(cloud):
    conn = connect(cloud)
    assert post(cloud, make_batch([1]), conn=conn)[0] == 200
    cloud.set_faults([{"action": "refuse", "seconds": 1}])
    assert _refused(cloud) and not cloud.health()
    # An open keep-alive connection is dropped too.
    with pytest.raises((ConnectionError, ssl.SSLError, http.client.HTTPException)):
        post(cloud, make_batch([2]), conn=conn)
    conn.close()
    deadline = time.monotonic() + 5
    while not cloud.health():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert cloud.faults() == []  # the rule expired
    assert post(cloud, make_batch([2]))[0] == 200


def test_fault_refuse_until_cleared(cloud):
    cloud.set_faults([{"action": "refuse"}])
    time.sleep(0.3)
    assert _refused(cloud)
    cloud.clear_faults()
    assert cloud.health() and post(cloud, make_batch([1]))[0] == 200


def test_fault_poison_by_model(cloud):
    cloud.set_faults([{"action": "poison"}])
    doc = make_batch([1, 2, 3])
    doc["records"][1]["device"]["model"] = "POISON"
    status, _, body = post(cloud, doc)
    assert status == 400 and "seq 2" in body["detail"]
    # Split as a gateway would: the halves without the record go through.
    assert post(cloud, make_batch([1]))[0] == 200
    single = make_batch([2])
    single["records"][0]["device"]["model"] = "POISON"
    assert post(cloud, single)[0] == 400
    assert post(cloud, make_batch([3]))[0] == 200
    assert [r["seq"] for r in cloud.records(GW)] == [1, 3]


def test_fault_poison_by_seq_and_value(cloud):
    cloud.set_faults([{"action": "poison", "seqs": [5], "value": "BAD-MODEL"}])
    assert post(cloud, make_batch([4, 5, 6]))[0] == 400
    assert post(cloud, make_batch([4]))[0] == 200
    assert post(cloud, make_batch([6], model="BAD-MODEL"))[0] == 400
    assert post(cloud, make_batch([7], model="POISON"))[0] == 200  # value replaced


def test_fault_rules_are_checked(cloud):
    for rule in ({"action": "explode"}, {"action": "status"},
                 {"action": "slow"}, {"action": "cut", "count": 0},
                 {"action": "status", "status": 500, "endpoint": "nowhere"},
                 {"action": "refuse", "count": 1}):
        status, body = client.control(cloud, "POST", "/faults", [rule], ok=None)
        assert status == 400, rule
    assert cloud.set_faults([]) == []


def test_reset_wipes_records_and_stats(cloud):
    post(cloud, make_batch([1]))
    cloud.reset()
    assert cloud.records() == [] and cloud.stats()["requests"] == 0
