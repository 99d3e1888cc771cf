"""The one way the scripts start the app: gunicorn on a free 127.0.0.1 port, up when /healthz
answers, stopped (with its workers) when the block ends."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env, workers=2, startup_seconds=30):
    """Yields the server's base URL, e.g. http://127.0.0.1:40123."""
    with gunicorn_process(env, workers=workers, startup_seconds=startup_seconds) as (base, _p):
        yield base


@contextmanager
def gunicorn_process(env, workers=2, startup_seconds=30, port=None):
    """Yields (base URL, the master's Popen); the process group is ended when the block ends
    (a group already killed, e.g. by a crash rehearsal, is fine)."""
    port = port or free_port()
    server = subprocess.Popen(
        [
            GUNICORN,
            "kumppanuus.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "30",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, startup_seconds)
        yield base, server
    finally:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _wait_until_up(base, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn ei käynnistynyt")
