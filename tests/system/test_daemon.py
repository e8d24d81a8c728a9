"""The daemon's life cycle: start, stop, reload, check-config, one per state dir."""
import os
import signal
import subprocess
import time

from conftest import ROOT, check_config, gateway_cmd, make_config, scaled, write_secret

EXAMPLE = ROOT / "rootfs" / "etc" / "ecsp-gateway" / "gateway.conf"


def test_version_and_help():
    out = subprocess.run(gateway_cmd("--version"), capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.startswith("ecsp-gateway ")
    out = subprocess.run(gateway_cmd("--help"), capture_output=True, text=True)
    assert out.returncode == 0 and "--check-config" in out.stdout
    out = subprocess.run(gateway_cmd("--no-such-flag"), capture_output=True, text=True)
    assert out.returncode == 2


def test_example_config_is_accepted_as_it_is():
    out = check_config(EXAMPLE)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""


def test_bad_config_names_file_line_and_key(tmp_path):
    conf = make_config(tmp_path, extra="""\
        schedule {
          status_interval = 60s
          timeout = soon
        }
        """)
    out = check_config(conf)
    assert out.returncode == 2
    assert out.stderr.strip() == f"{conf}:8: timeout: not a duration (such as 500ms, 60s, 5m, 24h)"


def test_proxy_url_is_checked_by_the_parser_that_uses_it(tmp_path):
    for url, reason in (("http://[::1", "bad IPv6 address in the proxy URL"),
                        ("http://proxy.example:99999", "bad port in the proxy URL"),
                        ("http://:3128", "the proxy URL has no host")):
        conf = make_config(tmp_path, extra=f"""\
            proxy {{
              url = "{url}"
            }}
            """)
        out = check_config(conf)
        assert out.returncode == 2, url
        assert out.stderr.strip() == f"{conf}:7: url: {reason}", url
    conf = make_config(tmp_path, extra="""\
        proxy {
          url = "http://[::1]:3128"
        }
        """)
    assert check_config(conf).returncode == 0


def test_bad_secret_mode_is_refused_and_never_echoed(tmp_path):
    secret = write_secret(tmp_path / "office.community", "Sup3rS3cret")
    secret.chmod(0o644)
    conf = make_config(tmp_path, extra=f"""\
        credentials "office" {{
          community_file = "{secret}"
        }}
        """)
    out = check_config(conf)
    assert out.returncode == 2
    assert f"{conf}:7: community_file: secret file must have mode 0600" in out.stderr
    assert "Sup3rS3cret" not in out.stderr + out.stdout
    # a secret pasted where a key belongs is not echoed either
    conf.write_text(conf.read_text() + "Sup3rS3cret\n")
    secret.chmod(0o600)
    out = check_config(conf)
    assert out.returncode == 2 and "Sup3rS3cret" not in out.stderr


def test_start_and_stop_within_5s(tmp_path, daemons):
    conf = make_config(tmp_path)
    d = daemons(conf)
    d.wait_for("running as gw-test-0001")
    rc, took = d.stop(timeout=5)
    assert rc == 0
    assert took < 5
    assert "stopped" in d.text()
    assert (tmp_path / "state" / "data.mdb").exists()


def test_sigint_stops_too(tmp_path, daemons):
    d = daemons(make_config(tmp_path))
    d.wait_for("running as")
    d.signal(signal.SIGINT)
    assert d.proc.wait(timeout=scaled(5)) == 0


def test_second_instance_on_same_state_dir_is_refused(tmp_path, daemons):
    conf = make_config(tmp_path)
    first = daemons(conf)
    first.wait_for("running as")
    second = daemons(conf)
    assert second.proc.wait(timeout=scaled(5)) == 1
    assert "is in use by another ecsp-gateway (pid %d)" % first.proc.pid in second.text()
    assert first.proc.poll() is None
    assert first.stop()[0] == 0


def test_sighup_with_bad_file_keeps_the_old_configuration(tmp_path, daemons):
    secret = write_secret(tmp_path / "c", "public")
    good = f"""\
        credentials "office" {{
          community_file = "{secret}"
        }}
        device "lobby" {{
          address = "127.0.0.1"
          port = 9
          credentials = "office"
        }}
        """
    conf = make_config(tmp_path, extra=good)
    d = daemons(conf)
    d.wait_for("running as")
    assert "1 managed devices" in d.text()
    conf.write_text(conf.read_text() + "schedule {\n  retries = lots\n}\n")
    d.signal(signal.SIGHUP)
    d.wait_for("configuration is refused")
    assert "retries: not a whole number" in d.text()
    assert d.proc.poll() is None
    # a good file is then taken, and the device list follows it
    conf.write_text(make_config(tmp_path).read_text())
    d.signal(signal.SIGHUP)
    d.wait_for("configuration reloaded")
    d.wait_for("config device.remove lobby")
    assert d.stop()[0] == 0


def test_device_list_persists_across_restart(tmp_path, daemons):
    secret = write_secret(tmp_path / "c", "public")
    conf = make_config(tmp_path, extra=f"""\
        credentials "office" {{
          community_file = "{secret}"
        }}
        device "a" {{
          address = "127.0.0.1"
          port = 9
          credentials = "office"
        }}
        device "b" {{
          address = "::1"
          port = 9
          credentials = "office"
        }}
        """)
    d = daemons(conf)
    d.wait_for("running as")
    assert d.text().count("device.add") == 2
    assert d.stop()[0] == 0
    d = daemons(conf)
    d.wait_for("running as")
    assert "2 managed devices" in d.text()
    assert "device.add" not in d.text()  # already known: nothing to change
    assert d.stop()[0] == 0


def test_state_dir_is_private(tmp_path, daemons):
    d = daemons(make_config(tmp_path))
    d.wait_for("running as")
    mode = (tmp_path / "state").stat().st_mode & 0o777
    assert mode == 0o700
    assert d.stop()[0] == 0


def test_background_start_reports_its_outcome(tmp_path):
    """Without --foreground the parent exits with the child's start result."""
    conf = make_config(tmp_path)
    out = subprocess.run(gateway_cmd("--config", conf), timeout=scaled(10))
    assert out.returncode == 0
    pid = int((tmp_path / "state" / "lock").read_text())
    try:
        # a second one on the same state dir: the parent reports the refusal
        out = subprocess.run(gateway_cmd("--config", conf), timeout=scaled(10))
        assert out.returncode == 1
    finally:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + scaled(5)
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the background daemon did not stop within 5 s")


def test_bad_config_refused_before_backgrounding(tmp_path):
    conf = make_config(tmp_path, extra="store {\n  max_size = lots\n}\n")
    out = subprocess.run(gateway_cmd("--config", conf), capture_output=True,
                         text=True, timeout=scaled(10))
    assert out.returncode == 2
