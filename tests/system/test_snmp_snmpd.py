"""The daemon against net-snmp's snmpd: v2c, SNMPv3 authNoPriv and authPriv
(SHA-1, SHA-256, SHA-512 with AES-128), and wrong credentials, which must end
in a clear error in the log and no snapshot, quickly, never a hang."""
import subprocess
import textwrap
import time

import pytest

from conftest import Daemon, gateway_bin, make_config, write_secret
from records import load
from snmp_peers import Snmpd, gateway_has_snmp, need, wait_records

CREDS = {
    "v2c": 'snmp_version = 2c\n  community_file = "{d}/community"',
    "v3auth": 'snmp_version = 3\n  user = "authuser"\n  auth = sha\n'
              '  auth_pass_file = "{d}/authpass"\n  priv = none',
    "v3priv": 'snmp_version = 3\n  user = "privuser"\n  auth = sha256\n'
              '  auth_pass_file = "{d}/authpass"\n  priv = aes\n  priv_pass_file = "{d}/privpass"',
    "v3sha512": 'snmp_version = 3\n  user = "sha512user"\n  auth = sha512\n'
                '  auth_pass_file = "{d}/authpass"\n  priv = aes\n  priv_pass_file = "{d}/privpass"',
    "badauth": 'snmp_version = 3\n  user = "privuser"\n  auth = sha256\n'
               '  auth_pass_file = "{d}/wrongpass"\n  priv = aes\n  priv_pass_file = "{d}/privpass"',
    "badpriv": 'snmp_version = 3\n  user = "privuser"\n  auth = sha256\n'
               '  auth_pass_file = "{d}/authpass"\n  priv = aes\n  priv_pass_file = "{d}/wrongpass"',
    "nouser": 'snmp_version = 3\n  user = "nobody"\n  auth = sha\n'
              '  auth_pass_file = "{d}/authpass"\n  priv = none',
    "badcomm": 'snmp_version = 2c\n  community_file = "{d}/wrongpass"',
}


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    need("snmpd")
    if not gateway_has_snmp(gateway_bin()):
        pytest.skip("the gateway under test is built without the snmp plugin (-Dplugins=snmp)")
    tmp = tmp_path_factory.mktemp("snmpd")
    a = Snmpd(tmp)
    yield a
    a.stop()


def sysdescr(agent):
    """What snmpd says it is, asked with net-snmp's own tool."""
    need("snmpget")
    out = subprocess.run(["snmpget", "-v2c", "-c", "public", "-Oqv",
                          f"{agent.host}:{agent.port}", "1.3.6.1.2.1.1.1.0"],
                         capture_output=True, text=True, timeout=10)
    return out.stdout.strip().strip('"')


def run_daemon(tmp, agent, cred, wait_for, timeout):
    write_secret(tmp / "community", "public")
    write_secret(tmp / "authpass", "authpass123")
    write_secret(tmp / "privpass", "privpass456")
    write_secret(tmp / "wrongpass", "wrongpass99")
    conf = make_config(tmp, extra=textwrap.dedent(f"""\
        credentials "{cred}" {{
          {CREDS[cred].format(d=tmp)}
        }}
        device "agent" {{
          address = "{agent.host}"
          port = {agent.port}
          credentials = "{cred}"
        }}
        schedule {{
          timeout = 1s
          retries = 1
        }}
        """))
    d = Daemon(conf)
    try:
        t0 = time.monotonic()
        if wait_for:
            recs = wait_records(tmp / "state", wait_for, timeout)
        else:
            time.sleep(timeout)
            recs = load(tmp / "state") if (tmp / "state" / "data.mdb").exists() else []
        return recs, d.text(), time.monotonic() - t0
    finally:
        d.stop()
        d.close()


@pytest.mark.parametrize("cred", ["v2c", "v3auth", "v3priv", "v3sha512"])
def test_poll(tmp_path, agent, cred):
    recs, log, _ = run_daemon(tmp_path, agent, cred, lambda r: len(r) > 0, timeout=30)
    snaps = [r for r in recs if r["kind"] == "snapshot"]
    assert snaps, log
    dev = snaps[0]["body"]["device"]
    # snmpd's sysDescr carries no ';' ',' or ' / ', so it is the model whole
    assert dev["model"] == sysdescr(agent)
    assert dev["address"]["ip"] == agent.host
    assert dev["source"] == ["snmp"]
    assert "refused" not in log


@pytest.mark.parametrize("cred,reason", [
    ("badauth", "wrong digest (authentication passphrase)"),
    # snmpd drops what it cannot decrypt, without a report
    ("badpriv", "no answer to encrypted requests (wrong privacy passphrase?)"),
    ("nouser", "unknown user name"),
])
def test_wrong_credentials_are_a_clear_error(tmp_path, agent, cred, reason):
    recs, log, took = run_daemon(
        tmp_path, agent, cred, None, timeout=14)
    line = f'SNMP credentials "{cred}" refused: {reason}'
    assert line in log, log
    # the refusal comes with the first answers, not after timeouts
    assert "poll failed: Permission denied" in log
    assert not [r for r in recs if r["kind"] == "snapshot"]


def test_wrong_community_times_out(tmp_path, agent):
    # v2c has no refusal on the wire: an agent ignores a wrong community
    recs, log, _ = run_daemon(tmp_path, agent, "badcomm", None, timeout=14)
    assert "poll failed: Connection timed out" in log, log
