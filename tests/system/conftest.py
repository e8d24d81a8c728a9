"""Fixtures for system tests: the real daemon with a temporary state dir.

The daemon binary comes from ECSP_GATEWAY_BIN (set by tests/run), else
build/ecsp-gateway next to the sources. ECSP_GATEWAY_WRAPPER, when set, is a
command prefix for every daemon the tests start (e.g. "valgrind --log-file=
/tmp/vg.%p"); the daemon's timeouts are then scaled by ECSP_TIMEOUT_SCALE
(default 10), because a daemon under valgrind runs that much slower.
"""
import os
import shlex
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def gateway_bin():
    return os.environ.get("ECSP_GATEWAY_BIN", str(ROOT / "build" / "ecsp-gateway"))


def gateway_cmd(*args):
    """The command line that runs the daemon: the wrapper, if any, then the binary."""
    wrapper = shlex.split(os.environ.get("ECSP_GATEWAY_WRAPPER", ""))
    return wrapper + [gateway_bin()] + [str(a) for a in args]


def scaled(seconds):
    """A timeout for the daemon, stretched when it runs under a wrapper."""
    if not os.environ.get("ECSP_GATEWAY_WRAPPER"):
        return seconds
    return seconds * float(os.environ.get("ECSP_TIMEOUT_SCALE", "10"))


def write_secret(path, value):
    """A secret file as the gateway wants it: mode 0600."""
    path = Path(path)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return path


def make_config(tmp_path, gateway_id="gw-test-0001", extra=""):
    """A minimal good configuration, plus extra sections."""
    state = tmp_path / "state"
    conf = tmp_path / "gateway.conf"
    conf.write_text(textwrap.dedent(f"""\
        gateway {{
          id = "{gateway_id}"
          state_dir = "{state}"
          log_level = debug
        }}
        """) + textwrap.dedent(extra))
    return conf


class Daemon:
    """One running ecsp-gateway, its log captured to a file."""

    def __init__(self, conf, state_dir=None, args=()):
        self.conf = Path(conf)
        self.log_path = self.conf.parent / f"gateway-{time.monotonic_ns()}.log"
        cmd = ["--foreground", "--config", str(conf)]
        if state_dir:
            cmd += ["--state-dir", str(state_dir)]
        cmd = gateway_cmd(*cmd, *args)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)

    def text(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_for(self, needle, timeout=10.0):
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.text():
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not in the log within {timeout}s:\n{self.text()}")

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=5.0):
        """SIGTERM; returns (exit code, seconds taken)."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        timeout = scaled(timeout)
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"did not exit within {timeout}s:\n{self.text()}")
        return rc, time.monotonic() - t0

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def daemons():
    """Start daemons with daemons(conf, ...); all are killed at the end."""
    started = []

    def start(conf, **kw):
        d = Daemon(conf, **kw)
        started.append(d)
        return d

    yield start
    for d in started:
        d.close()


def check_config(conf):
    return subprocess.run(gateway_cmd("--check-config", "--config", conf),
                          capture_output=True, text=True, timeout=scaled(10))
