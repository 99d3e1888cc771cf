"""The Docker image, checked statically (no Docker engine here): what goes in, how its health
is probed, and that each request is logged once."""

import fnmatch
import json
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.http.request import validate_host

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instruction(name):
    """The text of each Dockerfile instruction `name`, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line[len(name) :].strip() for line in joined.splitlines() if line.startswith(name)]


def documented(variable):
    """A variable's value as .env.example documents it for production."""
    text = (ROOT / ".env.example").read_text()
    return re.search(rf"^{variable}=(.*)$", text, re.M).group(1)


def dockerignored(path):
    """Whether the build context leaves `path` out, by .dockerignore's rules (last match wins,
    `!` re-includes, a pattern matching a folder leaves out everything under it)."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern.lstrip("!")
        candidates = [glob, glob.removeprefix("**/")]
        if any(fnmatch.fnmatchcase(p, g) for p in prefixes for g in candidates):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        "db.sqlite3",
        ".venv/bin/python",
        ".git/config",
        ".git",  # a worktree's .git is a file
        "staticfiles/css/site.css",
        "test-artifacts/screenshot.png",
        ".bench/mix.lua",
        "kumppanuus/__pycache__/settings.cpython-311.pyc",
        ".hypothesis/examples/x",
    ],
)
def test_secrets_databases_and_leftovers_stay_out_of_the_image(path):
    assert dockerignored(path), f"{path} would be copied into the image"


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "requirements.txt",
        "kumppanuus/settings.py",
        "templates/base.html",
        "static/css/site.css",
        "locale/sv/LC_MESSAGES/django.mo",
        "scripts/healthcheck.py",
        ".env.example",
    ],
)
def test_what_the_app_needs_is_in_the_image(path):
    assert not dockerignored(path), f"{path} is missing from the image"


class _RecordingHandler(BaseHTTPRequestHandler):
    hosts = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.hosts.append(self.headers["Host"])
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *args):
        pass


def run_healthcheck(allowed_hosts):
    """Runs the Dockerfile's HEALTHCHECK command against a server that records the Host header
    it receives; returns (exit code, that Host)."""
    (healthcheck,) = instruction("HEALTHCHECK")
    command = json.loads(healthcheck.split(" CMD ", 1)[1])
    assert command[0] == "python"
    server = HTTPServer(("127.0.0.1", 0), _RecordingHandler)
    _RecordingHandler.hosts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/healthz"
        result = subprocess.run(
            [sys.executable, *command[1:], url],
            cwd=ROOT,
            env={"ALLOWED_HOSTS": allowed_hosts, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            timeout=20,
        )
    finally:
        server.shutdown()
    return result.returncode, (_RecordingHandler.hosts or [None])[0]


@pytest.mark.parametrize(
    "allowed_hosts",
    [
        documented("ALLOWED_HOSTS"),
        "portaali.example.fi,kumppanuusfoorumi.example.fi",
        ".example.fi",
        "*",
    ],
)
def test_healthcheck_sends_a_host_that_allowed_hosts_accepts(allowed_hosts):
    code, host = run_healthcheck(allowed_hosts)
    assert code == 0
    accepted = [h.strip() for h in allowed_hosts.split(",")]
    assert validate_host(host.rsplit(":", 1)[0] if ":" in host else host, accepted), host


@pytest.mark.django_db
def test_the_probed_healthz_answers_200_under_the_documented_settings(client, settings):
    """The Host the probe sends, given to the real /healthz with the documented ALLOWED_HOSTS."""
    settings.ALLOWED_HOSTS = documented("ALLOWED_HOSTS").split(",")
    _code, host = run_healthcheck(documented("ALLOWED_HOSTS"))
    response = client.get("/healthz", HTTP_HOST=host)
    assert response.status_code == 200
    # What the old probe sent is refused by the same settings.
    assert not validate_host("127.0.0.1", settings.ALLOWED_HOSTS)


def test_each_request_is_logged_once():
    """The request-log middleware writes the one access line; gunicorn's stays off."""
    assert "kumppanuus.middleware.RequestLogMiddleware" in settings.MIDDLEWARE
    (command,) = instruction("CMD ")
    assert "gunicorn" in command
    assert "--access-logfile" not in command and "--access-logformat" not in command
    assert not (ROOT / "gunicorn.conf.py").exists()


def test_image_installs_the_locked_requirements_with_hashes():
    runs = " ".join(instruction("RUN "))
    assert "--require-hashes -r requirements.txt" in runs
    assert "pip install ." not in runs


def test_hadolint_is_clean():
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run([hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
