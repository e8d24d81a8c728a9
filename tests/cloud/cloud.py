#!/usr/bin/env python3
"""Test cloud: the cloud side of the cloud protocol, for tests and the demo.

    python3 tests/cloud/cloud.py --listen 127.0.0.1 --port 8443 --pki DIR \
        --db FILE --control-port 8444 [--no-client-auth]

Serves over mutual TLS:
    POST /v1/gateways/{gateway_id}/batches   upload (section 1 of the contract)
    GET  /v1/ca                              the CA bundle (PEM)
and, in plain HTTP on 127.0.0.1:{control-port}, a control API to inspect what
arrived and to inject faults (see README.md). Port 0 picks a free port; the
ports in use are printed on stdout as one JSON line once both listeners are up.
"""
import argparse
import http.server
import json
import os
import re
import signal
import socket
import socketserver
import sqlite3
import ssl
import struct
import sys
import threading
import time
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import batch
import certs
from batch import Reject
from faults import Faults

BATCH_PATH = re.compile(r"^/v1/gateways/([^/]+)/batches$")
HANDSHAKE_TIMEOUT = 10
IDLE_TIMEOUT = 60
DEFAULT_MAX_BODY = 8 * 1024 * 1024
DRAIN_MAX = 256 * 1024 * 1024  # beyond this an oversized body is not drained


def now_rfc3339():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


# --- storage ----------------------------------------------------------------

class Store:
    """SQLite: the records (deduplicated) and one row per request served."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS records (
                agent_id TEXT NOT NULL, store_id TEXT NOT NULL,
                seq INTEGER NOT NULL, kind TEXT NOT NULL,
                collected_at TEXT NOT NULL, received_at TEXT NOT NULL,
                record TEXT NOT NULL,
                PRIMARY KEY (agent_id, store_id, seq));
            CREATE TABLE IF NOT EXISTS requests (
                id INTEGER PRIMARY KEY, at TEXT, method TEXT, path TEXT,
                status INTEGER,  -- NULL: no answer (connection cut)
                fault TEXT, error TEXT, encoding TEXT, content_type TEXT,
                wire_bytes INTEGER, body_bytes INTEGER, records INTEGER,
                accepted INTEGER, duplicates INTEGER, store_id TEXT,
                idempotency_key TEXT, user_agent TEXT, client_cn TEXT,
                agent TEXT);
        """)

    def add_records(self, agent_id, store_id, records):
        received = now_rfc3339()
        accepted = 0
        with self.lock, self.db:
            for r in records:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO records VALUES (?,?,?,?,?,?,?)",
                    (agent_id, store_id, r["seq"], r["kind"], r["collected_at"],
                     received, json.dumps(r, separators=(",", ":"))))
                accepted += cur.rowcount
        return accepted, len(records) - accepted

    def log_request(self, row):
        cols = ",".join(row)
        with self.lock, self.db:
            self.db.execute("INSERT INTO requests (%s) VALUES (%s)"
                            % (cols, ",".join("?" * len(row))), list(row.values()))

    def records(self, agent_id=None, store_id=None):
        q, args = "SELECT record, received_at FROM records WHERE 1", []
        for col, val in (("agent_id", agent_id), ("store_id", store_id)):
            if val is not None:
                q += " AND %s = ?" % col
                args.append(val)
        with self.lock:
            rows = self.db.execute(q + " ORDER BY store_id, seq", args).fetchall()
        return [dict(json.loads(rec), received_at=at) for rec, at in rows]

    def requests(self):
        with self.lock:
            cur = self.db.execute("SELECT * FROM requests ORDER BY id")
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r)) for r in cur.fetchall()]
        for r in rows:
            r["agent"] = json.loads(r["agent"]) if r["agent"] else None
        return rows

    def stats(self):
        one = lambda q: self.db.execute(q).fetchone()[0] or 0  # noqa: E731
        with self.lock:
            by_status = dict(self.db.execute(
                "SELECT CAST(status AS TEXT), COUNT(*) FROM requests"
                " WHERE status IS NOT NULL GROUP BY status").fetchall())
            by_encoding = dict(self.db.execute(
                "SELECT encoding, COUNT(*) FROM requests"
                " WHERE encoding IS NOT NULL GROUP BY encoding").fetchall())
            return {
                "requests": one("SELECT COUNT(*) FROM requests"),
                "by_status": by_status,
                "unanswered": one("SELECT COUNT(*) FROM requests WHERE status IS NULL"),
                "records_stored": one("SELECT COUNT(*) FROM records"),
                "accepted": one("SELECT SUM(accepted) FROM requests"),
                "duplicates": one("SELECT SUM(duplicates) FROM requests"),
                "bytes_received": one("SELECT SUM(wire_bytes) FROM requests"),
                "bytes_decoded": one("SELECT SUM(body_bytes) FROM requests"),
                "by_encoding": by_encoding,
            }

    def reset(self):
        with self.lock, self.db:
            self.db.execute("DELETE FROM records")
            self.db.execute("DELETE FROM requests")


# --- TLS listener -------------------------------------------------------------

class Server(http.server.ThreadingHTTPServer):
    """Threading HTTP server for IPv4 or IPv6, without reverse DNS at bind."""
    daemon_threads = True

    def __init__(self, addr, handler, cloud):
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.cloud = cloud
        super().__init__(addr, handler)

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        # A peer going away mid-request is routine here (cut, refuse, timeouts).
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class TLSServer(Server):
    def finish_request(self, sock, addr):
        # The handshake runs here, in the connection's own thread, so that a
        # client stuck in the handshake cannot stall the accept loop.
        self.cloud.serve_connection(sock, addr, self)


class Cloud:
    def __init__(self, args):
        self.pki = certs.load(args.pki) if os.path.exists(
            os.path.join(args.pki, "pki.json")) else certs.paths(args.pki)
        self.store = Store(args.db)
        self.max_body = args.max_body
        self.host, self.port = args.listen, args.port
        self.lock = threading.Lock()
        self.listener_lock = threading.Lock()
        self.server = None
        self.conns = set()
        self.tls_failures = self.connections = 0
        self.set_tls(args.server_cert, not args.no_client_auth)
        self.faults = Faults(self.update_listener)

    def set_tls(self, server_cert, client_auth):
        """Build the context that new connections use (old ones keep theirs)."""
        if server_cert not in certs.SERVER_CERTS:
            raise ValueError("server_cert must be one of %s" % sorted(certs.SERVER_CERTS))
        leaf = certs.SERVER_CERTS[server_cert]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.pki[leaf + "_cert"], self.pki[leaf + "_key"])
        ctx.load_verify_locations(self.pki["ca_cert"])
        # Without client auth a certificate is still verified if one is sent,
        # and its CN still has to match the gateway id.
        ctx.verify_mode = ssl.CERT_REQUIRED if client_auth else ssl.CERT_OPTIONAL
        with self.lock:
            self.ctx, self.server_cert, self.client_auth = ctx, server_cert, client_auth

    def tls_info(self):
        return {"server_cert": self.server_cert, "client_auth": self.client_auth}

    # The "refuse" fault closes the listening socket (connection attempts
    # then get ECONNREFUSED) and drops open connections, like a cloud that
    # went away; the socket is reopened on the same port afterwards.
    def update_listener(self):
        with self.listener_lock:
            want = not self.faults.refusing()
            if want and self.server is None:
                self.server = TLSServer((self.host, self.port), Handler, self)
                self.port = self.server.server_address[1]
                threading.Thread(target=self.server.serve_forever,
                                 kwargs={"poll_interval": 0.05}, daemon=True).start()
            elif not want and self.server is not None:
                self.server.shutdown()
                self.server.server_close()
                self.server = None
                with self.lock:
                    conns = list(self.conns)
                # The plain socket's shutdown: SSLSocket.shutdown() would also
                # drop the TLS state under the feet of the thread reading it.
                for c in conns:
                    try:
                        socket.socket.shutdown(c, socket.SHUT_RDWR)
                    except OSError:
                        pass

    def listening(self):
        return self.server is not None

    def serve_connection(self, sock, addr, server):
        with self.lock:
            self.connections += 1
            ctx = self.ctx
        sock.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = ctx.wrap_socket(sock, server_side=True)
        except (OSError, ValueError) as e:
            with self.lock:
                self.tls_failures += 1
            log("TLS handshake with %s failed: %s" % (addr[0], e))
            return
        with self.lock:
            self.conns.add(tls)
        try:
            Handler(tls, addr, server)
        except OSError:
            pass
        finally:
            with self.lock:
                self.conns.discard(tls)
            tls.close()

    def stats(self):
        s = self.store.stats()
        with self.lock:
            s.update(connections=self.connections, tls_failures=self.tls_failures)
        return s

    def reset(self):
        self.store.reset()
        with self.lock:
            self.connections = self.tls_failures = 0


def log(msg):
    sys.stderr.write("[%s] %s\n" % (now_rfc3339(), msg))
    sys.stderr.flush()


class JSONHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer has Content-Length
    server_version = "ecsp-test-cloud/1"
    timeout = IDLE_TIMEOUT

    def send_body(self, status, body, ctype="application/json", headers=None,
                  close=False):
        if isinstance(body, (dict, list)):
            body = (json.dumps(body, indent=1) + "\n").encode()
        self.status = status
        self.answering(status)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def answering(self, status):
        """Called once the status is known, before a byte of the answer goes out."""

    def read_body(self, limit):
        """The raw body as sent (Content-Length or chunked), at most limit.

        A body over the limit is read and thrown away before the 413 goes
        out: closing a socket with unread data makes the kernel send a reset,
        which can destroy the answer before the client reads it.
        """
        out, total = bytearray(), 0

        def take(n):
            nonlocal total
            while n > 0:
                chunk = self.rfile.read(min(n, 65536))
                if not chunk:
                    raise Reject(400, "bad_request", "body ends early", close=True)
                n -= len(chunk)
                total += len(chunk)
                if total <= limit:
                    out.extend(chunk)

        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                try:
                    size = int(self.rfile.readline(1024).split(b";")[0], 16)
                except ValueError:
                    raise Reject(400, "bad_request", "bad chunk header", close=True)
                if size == 0:
                    break
                take(size)
                self.rfile.readline()
            while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass  # trailers
        else:
            try:
                n = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                raise Reject(400, "bad_request", "bad Content-Length", close=True)
            if n > DRAIN_MAX:
                raise Reject(413, "too_large", "body of %d bytes over %d" % (n, limit),
                             close=True)
            take(n)
        self.row["wire_bytes"] = total
        if total > limit:
            raise Reject(413, "too_large", "body of %d bytes over %d" % (total, limit))
        return bytes(out)

    def log_message(self, fmt, *args):
        log("%s %s" % (self.address_string(), fmt % args))


class Handler(JSONHandler):
    """Requests on the TLS listener."""

    def handle_expect_100(self):
        # Refuse an oversized body before the client sends it.
        limit = self.server.cloud.max_body
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = 0
        if n <= limit:
            return super().handle_expect_100()
        self.send_body(413, {"error": "too_large", "detail": "body over %d bytes" % limit},
                       close=True)
        self.server.cloud.store.log_request({
            "at": now_rfc3339(), "method": self.command, "path": self.path,
            "status": 413, "error": "body over limit (Expect: 100-continue)"})
        return False

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def peer_cn(self):
        cert = self.connection.getpeercert()
        if not cert:
            return None
        for rdn in cert.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    return v
        return ""

    def dispatch(self):
        cloud = self.server.cloud
        path = urlsplit(self.path).path
        m = BATCH_PATH.match(path)
        endpoint = ("batches" if m and self.command == "POST" else
                    "ca" if path == "/v1/ca" and self.command == "GET" else None)
        self.status = None
        self.row_logged = False
        self.row = {"at": now_rfc3339(), "method": self.command, "path": self.path,
                    "user_agent": self.headers.get("User-Agent"),
                    "client_cn": self.peer_cn()}
        try:
            slows, rule = cloud.faults.take(endpoint) if endpoint else ([], None)
            if rule and rule["action"] == "cut":
                return self.cut()
            body = self.read_body(cloud.max_body)
            self.pause(slows, "before_store")
            if rule:  # a "status" rule
                self.row["fault"] = "status"
                headers = {}
                if rule.get("retry_after") is not None:
                    headers["Retry-After"] = str(rule["retry_after"])
                err = {"error": "injected", "detail": "fault rule: status %d"
                       % rule["status"]}
                self.pause(slows, "after_store")
                return self.send_body(rule["status"], err, headers=headers)
            if endpoint == "ca":
                with open(cloud.pki["ca_cert"], "rb") as f:
                    pem = f.read()
                self.pause(slows, "after_store")
                return self.send_body(200, pem, ctype="application/x-pem-file")
            if endpoint is None:
                raise Reject(404, "not_found", "no such endpoint: %s %s"
                             % (self.command, path))
            answer = self.upload(m.group(1), body)
            self.pause(slows, "after_store")
            self.send_body(200, answer)
        except Reject as e:
            self.row["error"] = e.detail
            self.send_body(e.status, {"error": e.error, "detail": e.detail},
                           close=e.close)
        finally:
            self.log_row(self.status)

    def answering(self, status):
        # Logged before the answer leaves, so that whoever sees the records
        # of a request also sees the request.
        if getattr(self, "row", None) is not None:
            self.log_row(status)

    def log_row(self, status):
        if not self.row_logged:
            self.row_logged = True
            self.row["status"] = status
            self.server.cloud.store.log_request(self.row)

    def pause(self, slows, phase):
        for r in slows:
            if r.get("phase", "before_store") == phase:
                self.row["fault"] = "slow"
                time.sleep(r["delay_ms"] / 1000.0)

    def cut(self):
        """Read half the body, then reset the connection without answering."""
        self.row["fault"] = "cut"
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = 0
        if n:
            self.row["wire_bytes"] = len(self.rfile.read(n // 2))
        # SO_LINGER 0: close() sends a TCP RST instead of an orderly FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
        self.close_connection = True

    def upload(self, gateway_id, body):
        cloud, row = self.server.cloud, self.row
        if row["client_cn"] is not None and row["client_cn"] != gateway_id:
            raise Reject(403, "forbidden", "client certificate CN %r is not gateway %r"
                         % (row["client_cn"], gateway_id))
        ctype = self.headers.get("Content-Type", "")
        row["content_type"] = ctype
        if ctype.split(";")[0].strip().lower() != "application/json":
            raise Reject(415, "bad_content_type",
                         "Content-Type %r is not application/json" % ctype)
        row["encoding"] = (self.headers.get("Content-Encoding") or "identity").strip().lower()
        data = batch.decode_body(body, row["encoding"], cloud.max_body)
        row["body_bytes"] = len(data)
        doc = batch.parse_json(data)
        store_id, records = batch.validate_batch(doc, gateway_id)
        row.update(agent=json.dumps(doc["agent"]), store_id=store_id,
                   records=len(records))
        want = batch.idempotency_key(gateway_id, store_id, records)
        got = self.headers.get("Idempotency-Key")
        row["idempotency_key"] = got
        if got != want:
            raise Reject(400, "idempotency_key",
                         "Idempotency-Key %r, expected %r" % (got, want))
        seq = cloud.faults.poisoned(records)
        if seq is not None:
            row["fault"] = "poison"
            raise Reject(400, "poisoned", "record seq %d is refused (fault rule)" % seq)
        accepted, dups = cloud.store.add_records(gateway_id, store_id, records)
        row.update(accepted=accepted, duplicates=dups)
        return {"accepted": accepted, "duplicates": dups}


# --- control API -----------------------------------------------------------

class ControlHandler(JSONHandler):
    """Plain HTTP on 127.0.0.1: inspect the cloud and inject faults."""

    def reply(self, fn):
        cloud = self.server.cloud
        self.row = {}  # read_body notes the body size here
        try:
            data = self.read_body(1 << 20)
            arg = json.loads(data) if data.strip() else None
            self.send_body(*fn(cloud, urlsplit(self.path), arg))
        except (ValueError, Reject) as e:
            self.send_body(400, {"error": "bad_request", "detail": str(e)})

    def do_GET(self):
        self.reply(self.get)

    def do_POST(self):
        self.reply(self.post)

    def do_DELETE(self):
        self.reply(self.delete)

    @staticmethod
    def get(cloud, url, _):
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/health":
            up = cloud.listening()
            return (200 if up else 503), {"listening": up, "port": cloud.port}
        if url.path == "/records":
            return 200, cloud.store.records(q.get("agent_id"), q.get("store_id"))
        if url.path == "/requests":
            return 200, cloud.store.requests()
        if url.path == "/stats":
            return 200, cloud.stats()
        if url.path == "/faults":
            return 200, cloud.faults.snapshot()
        if url.path == "/tls":
            return 200, cloud.tls_info()
        return 404, {"error": "not_found"}

    @staticmethod
    def post(cloud, url, arg):
        if url.path == "/faults":
            cloud.faults.set(arg if isinstance(arg, list) else [arg])
            return 200, cloud.faults.snapshot()
        if url.path == "/reset":
            cloud.reset()
            return 200, {"reset": True}
        if url.path == "/tls":
            arg = arg or {}
            cloud.set_tls(arg.get("server_cert", cloud.server_cert),
                          bool(arg.get("client_auth", cloud.client_auth)))
            return 200, cloud.tls_info()
        return 404, {"error": "not_found"}

    @staticmethod
    def delete(cloud, url, _):
        if url.path == "/faults":
            cloud.faults.set([])
            return 200, []
        return 404, {"error": "not_found"}


def main(argv=None):
    ap = argparse.ArgumentParser(description="Test cloud (see README.md).")
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8443)
    ap.add_argument("--control-port", type=int, default=8444)
    ap.add_argument("--pki", required=True, help="directory made by certs.py")
    ap.add_argument("--db", default=":memory:", help="SQLite file")
    ap.add_argument("--no-client-auth", action="store_true",
                    help="do not require a client certificate")
    ap.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY,
                    help="body size limit in bytes, before and after decoding")
    ap.add_argument("--server-cert", default="good", choices=sorted(certs.SERVER_CERTS),
                    help="which server certificate to present")
    args = ap.parse_args(argv)

    cloud = Cloud(args)
    cloud.update_listener()
    control = Server(("127.0.0.1", args.control_port), ControlHandler, cloud)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(json.dumps({"ready": True, "listen": args.listen, "port": cloud.port,
                      "control_port": control.server_address[1]}), flush=True)
    try:
        control.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
