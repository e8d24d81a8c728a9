"""Helpers for system tests: run the test cloud and drive its control API.

    from client import running_cloud, set_faults

    with running_cloud(gateway_id="gw-test-0001") as cloud:
        cloud.base_url            # https://localhost:PORT, for the gateway
        cloud.pki["ca_cert"]      # CA bundle the gateway should trust
        cloud.pki["client_cert"], cloud.pki["client_key"]
        set_faults(cloud, [{"action": "status", "status": 503, "count": 1}])
        ...
        assert len(cloud.records("gw-test-0001")) == 3

Each function below takes the Cloud handle or the control API's base URL
("http://127.0.0.1:PORT").
"""
import contextlib
import http.client
import importlib.util
import json
import os
import select
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))


def _load_certs():
    # Loaded by path so that callers need not put this directory on sys.path.
    spec = importlib.util.spec_from_file_location(
        "ecsp_test_cloud_certs", os.path.join(HERE, "certs.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


certs = _load_certs()


class ControlError(Exception):
    pass


def control(target, method, path, body=None, ok=(200,)):
    """One control API call; returns (status, decoded JSON)."""
    base = target.control_url if isinstance(target, Cloud) else target
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        status, text = resp.status, resp.read()
    finally:
        conn.close()
    obj = json.loads(text) if text else None
    if ok and status not in ok:
        raise ControlError("%s %s -> %d %s" % (method, path, status, obj))
    return status, obj


def set_faults(target, rules):
    """Replace the fault rules (a list of rule objects, see README.md)."""
    return control(target, "POST", "/faults", list(rules))[1]


def faults(target):
    """The current fault rules, with the counts they have left."""
    return control(target, "GET", "/faults")[1]


def clear_faults(target):
    return control(target, "DELETE", "/faults")[1]


def records(target, agent_id=None, store_id=None):
    """Stored records, ordered by (store_id, seq), each with received_at."""
    q = [(k, v) for k, v in (("agent_id", agent_id), ("store_id", store_id)) if v]
    path = "/records" + ("?" + "&".join("%s=%s" % (k, quote(v)) for k, v in q) if q else "")
    return control(target, "GET", path)[1]


def requests(target):
    """One row per request the cloud served (status, sizes, headers, agent)."""
    return control(target, "GET", "/requests")[1]


def stats(target):
    return control(target, "GET", "/stats")[1]


def reset(target):
    """Wipe records and statistics (fault rules stay; see clear_faults)."""
    return control(target, "POST", "/reset")[1]


def set_tls(target, server_cert=None, client_auth=None):
    """Switch the server certificate ("good", "wrong_ca", "wrong_host",
    "expired", "not_yet_valid") or client auth, for new connections."""
    body = {k: v for k, v in (("server_cert", server_cert),
                              ("client_auth", client_auth)) if v is not None}
    return control(target, "POST", "/tls", body)[1]


def health(target):
    """True while the TLS listener accepts connections."""
    try:
        return control(target, "GET", "/health", ok=None)[0] == 200
    except OSError:
        return False


class Cloud:
    """A running test cloud; the module's functions are also methods here."""

    def __init__(self, proc, host, port, control_port, pki, workdir, log_path):
        self.proc, self.host, self.port = proc, host, port
        self.control_port, self.pki = control_port, pki
        self.workdir, self.log_path = workdir, log_path
        self.gateway_id = pki["gateway_id"]
        self.base_url = "https://localhost:%d" % port
        self.control_url = "http://127.0.0.1:%d" % control_port

    set_faults = set_faults
    faults = faults
    clear_faults = clear_faults
    records = records
    requests = requests
    stats = stats
    reset = reset
    set_tls = set_tls
    health = health

    def ssl_context(self, client="client"):
        """A client context trusting the test CA, with the named client
        certificate ("client", "other_client", "wrong_ca_client" or None)."""
        ctx = ssl.create_default_context(cafile=self.pki["ca_cert"])
        if client:
            ctx.load_cert_chain(self.pki[client + "_cert"], self.pki[client + "_key"])
        return ctx

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


def _read_ready(proc, deadline):
    buf = b""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        r, _, _ = select.select([proc.stdout], [], [], 0.1)
        if r:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            if b"\n" in buf:
                return json.loads(buf.split(b"\n", 1)[0])
    return None


@contextlib.contextmanager
def running_cloud(gateway_id="gw-test-0001", client_auth=True, max_body=None,
                  listen="127.0.0.1", server_cert="good", workdir=None,
                  extra_args=(), timeout=20):
    """Start the cloud on free ports with a fresh PKI; stop it on exit.

    The PKI, the SQLite file and the cloud's log (cloud.log) go to workdir,
    or to a temporary directory that is removed afterwards unless the
    environment sets ECSP_KEEP_CLOUD=1.
    """
    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="ecsp-cloud-")
    pki = certs.make_pki(os.path.join(workdir, "pki"), gateway_id)
    log_path = os.path.join(workdir, "cloud.log")
    cmd = [sys.executable, os.path.join(HERE, "cloud.py"), "--listen", listen,
           "--port", "0", "--control-port", "0", "--pki", pki["dir"],
           "--db", os.path.join(workdir, "cloud.sqlite"), "--server-cert", server_cert]
    if not client_auth:
        cmd.append("--no-client-auth")
    if max_body is not None:
        cmd += ["--max-body", str(max_body)]
    cmd += list(extra_args)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log,
                                stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        ready = _read_ready(proc, deadline)
        if not ready:
            raise RuntimeError("test cloud did not start:\n" + open(log_path).read())
        cloud = Cloud(proc, listen, ready["port"], ready["control_port"], pki,
                      workdir, log_path)
        while not cloud.health():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("test cloud not healthy:\n" + cloud.log())
            time.sleep(0.05)
        yield cloud
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        if own and os.environ.get("ECSP_KEEP_CLOUD") != "1":
            shutil.rmtree(workdir, ignore_errors=True)
