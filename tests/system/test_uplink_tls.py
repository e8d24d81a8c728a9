"""TLS refusals of the real daemon, each with a reason an operator can act
on, and the records kept: a server certificate from another CA, one for
another host name, an expired one, and a server with no certificate at all
(anonymous Diffie-Hellman, which the distribution's wolfSSL would accept
by default)."""
import shutil
import socket
import subprocess
import time

import pytest

from uplink_fixtures import *  # noqa: F401,F403
from uplink_fixtures import GW, cloud_seqs, feed, store_stats, uplink_conf, wait_records


@pytest.mark.parametrize("server_cert,reason", [
    ("wrong_ca", "is not signed by a CA in the configured bundle"),
    ("wrong_host", "does not name the host localhost (host name mismatch)"),
    ("expired", "certificate of localhost has expired"),
    ("not_yet_valid", "is not valid yet"),
])
def test_refused_with_a_clear_reason(tmp_path, cloud, gateway, monkeypatch, server_cert,
                                     reason):
    cloud.set_tls(server_cert=server_cert)
    feed(monkeypatch, 100)
    d = gateway(uplink_conf(tmp_path, cloud))
    d.wait_for(reason, timeout=20)
    assert any("cannot upload: " in line and reason in line for line in d.text().splitlines())
    assert cloud.records(GW) == []
    # the operator fixes the cloud side: the records that waited go out
    cloud.set_tls(server_cert="good")
    wait_records(cloud, 100, timeout=30, daemon=d)
    assert cloud_seqs(cloud) == list(range(1, 101))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs openssl")
def test_anonymous_server_is_refused(tmp_path, cloud, gateway, monkeypatch):
    port = free_port()
    srv = subprocess.Popen(["openssl", "s_server", "-accept", "127.0.0.1:%d" % port,
                            "-nocert", "-tls1_2", "-quiet",
                            "-cipher", "ADH-AES256-GCM-SHA384:ADH-AES128-SHA:@SECLEVEL=0"],
                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        feed(monkeypatch, 20)
        conf = uplink_conf(tmp_path, cloud)
        conf.write_text(conf.read_text().replace(cloud.base_url,
                                                 "https://localhost:%d" % port))
        d = gateway(conf)
        d.wait_for("localhost refused the handshake (alert handshake_failure)", timeout=20)
        d.stop()
        assert store_stats(tmp_path / "state")["records"] == 20
    finally:
        srv.kill()
        srv.wait()
