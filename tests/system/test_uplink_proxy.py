"""Uploads through a real HTTP CONNECT proxy: Debian's squid with Basic
authentication (basic_ncsa_auth, a password file made by htpasswd) and a
password holding '@', ':' and '%'; stunnel4 in front of it for TLS to the
proxy itself (TLS to the cloud inside TLS to the proxy); https_proxy and
no_proxy from the environment."""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from uplink_fixtures import *  # noqa: F401,F403
from uplink_fixtures import GW, cloud_seqs, feed, uplink_conf, wait_records, wait_until
from conftest import write_secret

PASSWORD = "p@ss:w%rd"
USER = "gwuser"

pytestmark = pytest.mark.skipif(
    not (shutil.which("squid") or os.path.exists("/usr/sbin/squid")) or
    not shutil.which("htpasswd") or not os.path.exists("/usr/lib/squid/basic_ncsa_auth"),
    reason="needs squid and apache2-utils")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


class Squid:
    def __init__(self):
        # squid drops to the 'proxy' user: its files live outside pytest's 0700 dirs
        self.dir = Path(tempfile.mkdtemp(prefix="ecsp-squid-"))
        self.dir.chmod(0o755)
        (self.dir / "logs").mkdir(mode=0o777)
        (self.dir / "logs").chmod(0o777)
        subprocess.run(["htpasswd", "-b", "-c", str(self.dir / "passwd"), USER, PASSWORD],
                       check=True, capture_output=True)
        (self.dir / "passwd").chmod(0o644)
        self.port = free_port()
        conf = self.dir / "squid.conf"
        conf.write_text(f"""\
http_port 127.0.0.1:{self.port}
pid_filename {self.dir}/logs/squid.pid
cache deny all
cache_mem 8 MB
access_log stdio:{self.dir}/logs/access.log
cache_log {self.dir}/logs/cache.log
coredump_dir {self.dir}/logs
auth_param basic program /usr/lib/squid/basic_ncsa_auth {self.dir}/passwd
auth_param basic realm ecsp-test
acl authed proxy_auth REQUIRED
http_access allow authed
http_access deny all
shutdown_lifetime 1 seconds
""")
        squid = shutil.which("squid") or "/usr/sbin/squid"
        self.proc = subprocess.Popen([squid, "-N", "-f", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(self.port, self.proc):
            self.stop()
            pytest.fail("squid did not start:\n" + self.cache_log())

    def access_log(self):
        p = self.dir / "logs" / "access.log"
        return p.read_text() if p.exists() else ""

    def cache_log(self):
        p = self.dir / "logs" / "cache.log"
        return p.read_text() if p.exists() else ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def squid():
    s = Squid()
    yield s
    s.stop()


@pytest.fixture
def stunnel(squid, cloud_mod, tmp_path):
    """TLS in front of squid, with the test PKI's server certificate (localhost)."""
    exe = shutil.which("stunnel4") or shutil.which("stunnel")
    if not exe:
        pytest.skip("needs stunnel4")
    port = free_port()
    conf = tmp_path / "stunnel.conf"
    conf.write_text(f"""\
foreground = yes
pid =
[proxy]
accept = 127.0.0.1:{port}
connect = 127.0.0.1:{squid.port}
cert = {cloud_mod.pki["server_cert"]}
key = {cloud_mod.pki["server_key"]}
""")
    proc = subprocess.Popen([exe, str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if not wait_port(port, proc):
        pytest.fail("stunnel did not start")
    yield port
    proc.terminate()
    proc.wait(10)


def connects(squid, user=USER):
    return [line for line in squid.access_log().splitlines()
            if " CONNECT localhost:" in line and (" %s " % user) in line and
            "TCP_TUNNEL/200" in line]


def tunnelled(squid, before, d):
    """squid logs a tunnel when it closes: stop the gateway, then look."""
    d.stop()
    wait_until(lambda: len(connects(squid)) > before, 10, "the tunnel in squid's log")


def proxy_section(url, tmp_path, password=PASSWORD, extra=""):
    pw = write_secret(tmp_path / "proxy.password", password)
    return f"""proxy {{
  url = "{url}"
  user = "{USER}"
  password_file = "{pw}"
  {extra}
}}"""


def test_squid_basic_auth_password_from_file(tmp_path, cloud, gateway, monkeypatch, squid):
    before = len(connects(squid))
    monkeypatch.delenv("https_proxy", raising=False)
    feed(monkeypatch, 500)
    d = gateway(uplink_conf(tmp_path, cloud,
                            extra=proxy_section(f"http://127.0.0.1:{squid.port}", tmp_path)))
    wait_records(cloud, 500, daemon=d)
    assert cloud_seqs(cloud) == list(range(1, 501))
    assert "through the proxy 127.0.0.1" in d.text()
    assert PASSWORD not in d.text()
    tunnelled(squid, before, d)


def test_https_proxy_from_environment_percent_encoded(tmp_path, cloud, gateway, monkeypatch,
                                                      squid):
    before = len(connects(squid))
    monkeypatch.setenv("https_proxy", "http://%s:p%%40ss%%3Aw%%25rd@127.0.0.1:%d"
                       % (USER, squid.port))
    monkeypatch.delenv("no_proxy", raising=False)
    feed(monkeypatch, 300)
    d = gateway(uplink_conf(tmp_path, cloud))
    wait_records(cloud, 300, daemon=d)
    assert "(from https_proxy)" in d.text()
    tunnelled(squid, before, d)


def test_wrong_password_is_reported(tmp_path, cloud, gateway, monkeypatch, squid):
    monkeypatch.delenv("https_proxy", raising=False)
    feed(monkeypatch, 50)
    d = gateway(uplink_conf(tmp_path, cloud, extra=proxy_section(
        f"http://127.0.0.1:{squid.port}", tmp_path, password="p@ss:w%rdX")))
    d.wait_for("the proxy refused the tunnel: HTTP 407", timeout=20)
    assert cloud.records(GW) == []


def test_no_proxy_goes_direct(tmp_path, cloud, gateway, monkeypatch, squid):
    before = len(squid.access_log().splitlines())
    monkeypatch.setenv("https_proxy", "http://%s:x@127.0.0.1:%d" % (USER, squid.port))
    monkeypatch.setenv("no_proxy", "example.org,localhost")
    feed(monkeypatch, 200)
    d = gateway(uplink_conf(tmp_path, cloud))
    wait_records(cloud, 200, daemon=d)
    d.stop()
    time.sleep(1)
    assert len(squid.access_log().splitlines()) == before


def test_tls_to_the_proxy_through_stunnel(tmp_path, cloud, gateway, monkeypatch, squid,
                                          stunnel):
    before = len(connects(squid))
    monkeypatch.delenv("https_proxy", raising=False)
    feed(monkeypatch, 500)
    extra = proxy_section(f"https://localhost:{stunnel}", tmp_path,
                          extra='ca_file = "%s"' % cloud.pki["ca_cert"])
    d = gateway(uplink_conf(tmp_path, cloud, extra=extra))
    wait_records(cloud, 500, daemon=d)
    assert cloud_seqs(cloud) == list(range(1, 501))
    assert "through the TLS proxy localhost" in d.text()
    tunnelled(squid, before, d)
