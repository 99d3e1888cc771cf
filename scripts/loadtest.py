#!/usr/bin/env python3
"""Load and fault test: gunicorn + PostgreSQL on 127.0.0.1 only, bounded loops.

1. Load: wrk with N connections for D seconds over a mix of public pages; counts socket
   errors and non-2xx answers (both must be 0).
2. Fault: ideas are submitted in a loop while PostgreSQL is restarted. During the outage
   pages and /healthz must answer 503 (never a traceback); afterwards the app must recover by
   itself; every idea whose submission got its redirect must be in the database exactly once.

Run: `.venv/bin/python scripts/loadtest.py` (full: 64 connections, 60 s) or `--short`
(what .ci/run does). Needs wrk and a local PostgreSQL cluster that pg_ctlcluster controls.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from servers import gunicorn

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "kumppanuus_load"
PG_URL = os.environ.get("LOAD_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DATABASE}")
MIX = [
    "/",
    "/verkostot/",
    "/verkostot/matkailu/",
    "/tapahtumat/",
    "/ohjelma/",
    "/ohjelma/matriisi/?vuosi=2020",
    "/ohjelma/toimenpiteet/14/",
    "/barometri/",
    "/barometri/2020/",
    "/vuosikatsaus/2020/",
    "/haku/?q=verkosto",
    "/sv/verkostot/",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="16 connections for 10 s")
    args = parser.parse_args()
    connections, duration = (16, 10) if args.short else (64, 60)
    if not shutil.which("wrk"):
        sys.exit("wrk puuttuu: apt-get install wrk")
    env = prepare()
    with gunicorn(env, workers=2) as base:
        failures = load_phase(base, connections, duration) + fault_phase(base)
    if failures:
        print("\nEPÄONNISTUI:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nKuorma- ja vikatesti: kaikki ehdot täyttyivät.")


def prepare(database=DATABASE, database_url=PG_URL, **extra):
    """A fresh database with the demo data and collected static files; returns the app's
    environment (production-like, 127.0.0.1 only)."""
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "loadtest-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": database_url,
        "IDEA_RATE_LIMIT": "100000/m",
        "LOG_LEVEL": "WARNING",
        **extra,
    }
    recreate_database(database)
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["load_demo"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run(
            [PYTHON, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return env


def recreate_database(database, host="127.0.0.1", port=5432):
    for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
        subprocess.run(
            ["psql", "-h", host, "-p", str(port), "-U", "postgres", "-qc", sql], check=True
        )


def status_of(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return None, b""


def wait_for(url, status, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if status_of(url, timeout=3)[0] == status:
            return time.monotonic()
        time.sleep(0.2)
    raise SystemExit(f"{url} ei vastannut {status} {timeout} sekunnissa")


def run_wrk(base, connections, duration, paths=MIX):
    """wrk over `paths` in turn; returns its figures (requests, req/s, p99, errors)."""
    script = ROOT / ".bench" / "mix.lua"
    script.parent.mkdir(exist_ok=True)
    quoted = ", ".join(f'"{p}"' for p in paths)
    script.write_text(
        f"paths = {{{quoted}}}\ni = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
    )
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    socket_errors = re.search(r"Socket errors: (.*)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p99": re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1),
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def load_phase(base, connections, duration):
    figures = run_wrk(base, connections, duration)
    print(
        f"Kuorma: {connections} yhteyttä, {duration} s, {len(MIX)} sivun sekoitus: "
        f"{figures['requests']} pyyntöä, {figures['rps']} req/s, p99 {figures['p99']}, "
        f"socket-virheet: {figures['socket_errors'] or 0}, ei-2xx: {figures['non_2xx']}"
    )
    return wrk_failures(figures)


def wrk_failures(figures):
    failures = []
    if figures["socket_errors"]:
        failures.append(f"socket-virheitä: {figures['socket_errors']}")
    if figures["non_2xx"]:
        failures.append(f"{figures['non_2xx']} ei-2xx-vastausta")
    return failures


class IdeaSender(threading.Thread):
    """Submits ideas, each with its own token, until told to stop; remembers what was accepted."""

    def __init__(self, base, stop):
        super().__init__(daemon=True)
        self.base, self.stop = base, stop
        self.accepted, self.refused, self.errors = [], 0, []

    def run(self):
        while not self.stop.is_set():
            token = str(uuid.uuid4())
            try:
                status = self.submit(token)
            except OSError:
                status = None
            if status == 302:
                self.accepted.append(token)
            elif status in (503, None):
                self.refused += 1
            else:
                self.errors.append(status)
            time.sleep(0.05)

    def submit(self, token):
        """As a browser behind the TLS proxy would: the proxy's X-Forwarded-Proto makes the
        request https, so the Secure CSRF cookie is sent back by hand."""
        opener = urllib.request.build_opener(NoRedirect)
        https = {"X-Forwarded-Proto": "https"}
        form = urllib.request.Request(self.base + "/kehittamisideat/", headers=https)
        with opener.open(form, timeout=10) as page:
            html = page.read().decode()
            cookie = page.headers.get("Set-Cookie", "").split(";")[0]
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": csrf,
                "topic": "muu",
                "message": f"Kuormatestin idea {token}",
                "submission_token": token,
            }
        ).encode()
        headers = {**https, "Cookie": cookie, "Referer": self.base.replace("http:", "https:") + "/"}
        post = urllib.request.Request(self.base + "/kehittamisideat/", data=data, headers=headers)
        try:
            with opener.open(post, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fault_phase(base):
    stop = threading.Event()
    senders = [IdeaSender(base, stop) for _ in range(4)]
    for sender in senders:
        sender.start()
    time.sleep(3)
    cluster = subprocess.run(
        ["ls", "/etc/postgresql"], capture_output=True, text=True
    ).stdout.split()[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "stop", "-m", "fast"],
        check=True,
    )
    stopped_at = time.monotonic()
    time.sleep(1)
    outage = {
        path: status_of(base + path)
        for path in ("/healthz", "/verkostot/matkailu/?ohitus=1", "/ohjelma/?vuosi=2019")
    }
    time.sleep(2)
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"], check=True
    )
    started_at = time.monotonic()
    recovered_at = wait_for(base + "/healthz", 200, timeout=60)
    time.sleep(3)
    stop.set()
    for sender in senders:
        sender.join(timeout=20)
    accepted = [t for s in senders for t in s.accepted]
    refused = sum(s.refused for s in senders)
    odd = [e for s in senders for e in s.errors]
    stored = count_stored(accepted)
    answers = ", ".join(f"{p} → {s}" for p, (s, _b) in outage.items())
    print(
        f"Vika: PostgreSQL pysäytettiin {started_at - stopped_at:.1f} s ajaksi; katkon aikana "
        f"{answers}; toipui {recovered_at - started_at:.1f} s käynnistyksestä. "
        f"Ideoita hyväksytty {len(accepted)}, torjuttu katkon aikana {refused}, "
        f"tietokannassa {stored['found']} (kahdesti {stored['twice']})."
    )
    failures = []
    for path, (status, body) in outage.items():
        if status != 503:
            failures.append(f"katkon aikana {path} vastasi {status}, odotettiin 503")
        if b"Traceback" in body:
            failures.append(f"{path}: traceback näkyi")
    if odd:
        failures.append(f"odottamattomia vastauksia ideoihin: {sorted(set(map(str, odd)))}")
    if stored["found"] != len(accepted) or stored["twice"]:
        failures.append(f"hyväksytyistä {len(accepted)} ideasta tietokannassa {stored}")
    if recovered_at - started_at > 30:
        failures.append("toipuminen kesti yli 30 s")
    return failures


def count_stored(tokens):
    code = (
        "import sys, json; from feedback.models import Idea; from django.db.models import Count; "
        "tokens = json.load(sys.stdin); rows = Idea.objects.filter(submission_token__in=tokens)"
        ".values('submission_token').annotate(n=Count('pk')); "
        "print(json.dumps({'found': len(rows), 'twice': sum(1 for r in rows if r['n'] > 1)}))"
    )
    import json

    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "x",
        "ALLOWED_HOSTS": "x",
        "DATABASE_URL": PG_URL,
    }
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        input=json.dumps(tokens),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
