#!/usr/bin/env python3
"""Load and fault test: gunicorn + PostgreSQL (+ Redis) on 127.0.0.1 only, bounded loops.

1. Load: wrk with N connections for D seconds over a mix of public pages; counts socket
   errors and non-2xx answers (both must be 0).
2. PostgreSQL outage: ideas are submitted in a loop while a private PostgreSQL instance (initdb
   in a temporary folder, its own port: the shared cluster is never touched) is stopped and
   started. During the outage pages and /healthz must answer 503 (never a traceback);
   afterwards the app must recover by itself; every idea whose submission got its redirect must
   be in the database exactly once.
3. Redis outage: the same with CACHE_URL on a private redis-server (own port), which is killed
   and restarted: pages answer 200 or the app's own 503 page (never a 500 or a traceback),
   every acknowledged idea is stored once, and the app recovers by itself.

Run: `.venv/bin/python scripts/loadtest.py` (full: 64 connections, 60 s) or `--short`
(what .ci/run does). Needs wrk, PostgreSQL on 127.0.0.1:5432 (the load phase's database,
which scripts/restore_check.py then dumps), PostgreSQL's server binaries
(/usr/lib/postgresql/*/bin) and redis-server.
"""

import argparse
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path

from browser import Browser, FormMissing
from servers import free_port, gunicorn

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATABASE = "kumppanuus_load"
PG_URL = os.environ.get("LOAD_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DATABASE}")
FAULT_DATABASE = "kumppanuus_fault"
OUTAGE_PAGES = ("/healthz", "/verkostot/matkailu/?ohitus=1", "/ohjelma/?vuosi=2019")
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
        failures = load_phase(base, connections, duration)
    with private_postgres() as postgres:
        fault_env = prepare(FAULT_DATABASE, postgres.url(FAULT_DATABASE), port=postgres.port)
        with gunicorn(fault_env, workers=2) as base:
            failures += postgres_outage_phase(base, postgres)
    with private_redis() as redis, gunicorn({**env, "CACHE_URL": redis.url}) as base:
        failures += redis_outage_phase(base, redis)
    if failures:
        print("\nEPÄONNISTUI:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nKuorma- ja vikatesti: kaikki ehdot täyttyivät.")


def prepare(database=DATABASE, database_url=PG_URL, port=5432, **extra):
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
    recreate_database(database, port=port)
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["createcachetable"],  # rate-limit counters when CACHE_URL is not Redis
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


def wrk_failures(figures, in_flight=0):
    """What the client saw fail: any socket error or non-2xx/3xx answer, except up to
    `in_flight` read errors (responses an instance killed on purpose was in the middle of
    sending: the proxy cannot retry those)."""
    failures = []
    errors = socket_error_counts(figures)
    if errors["read"] > in_flight or errors["connect"] or errors["write"] or errors["timeout"]:
        allowed = f"; kesken olleita vain {in_flight}" if in_flight else ""
        failures.append(f"socket-virheitä: {figures['socket_errors']}{allowed}")
    if figures["non_2xx"]:
        failures.append(f"{figures['non_2xx']} ei-2xx-vastausta")
    return failures


def socket_error_counts(figures):
    """wrk's "connect 0, read 1, write 0, timeout 0" as numbers (all 0 when it printed none)."""
    counts = dict.fromkeys(("connect", "read", "write", "timeout"), 0)
    for kind, number in re.findall(r"(\w+) (\d+)", figures["socket_errors"]):
        counts[kind] = int(number)
    return counts


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
                status = Browser().submit(
                    self.base + "/kehittamisideat/",
                    topic="muu",
                    message=f"Kuormatestin idea {token}",
                    submission_token=token,
                )[0]
            except (OSError, FormMissing):  # refused connection, or a 503 page without the form
                status = None
            if status == 302:
                self.accepted.append(token)
            elif status in (503, None):
                self.refused += 1
            else:
                self.errors.append(status)
            time.sleep(0.05)


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temporary folder on its own port, run as the
    postgres user when this script runs as root (PostgreSQL refuses root)."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.data = self.folder / "data"
        self.port = int(os.environ.get("LOAD_PG_PORT", 0)) or free_port()
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.folder, "postgres", "postgres")

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args):
        subprocess.run(
            [*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def init(self):
        subprocess.run(
            [
                *self.as_owner,
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C.UTF-8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off"
        )
        self.pg_ctl("-o", options, "-l", str(self.folder / "postgres.log"), "-w", "start")

    def stop(self):
        self.pg_ctl("-m", "fast", "-w", "stop")


@contextmanager
def private_postgres():
    with tempfile.TemporaryDirectory(prefix="loadtest-pg-") as folder:
        postgres = PrivatePostgres(folder)
        postgres.init()
        postgres.start()
        try:
            yield postgres
        finally:
            with suppress(subprocess.CalledProcessError):
                postgres.stop()


class PrivateRedis:
    """A throwaway redis-server on its own port, no persistence; `stop` kills it (SIGKILL)."""

    def __init__(self, folder):
        self.folder = folder
        self.port = int(os.environ.get("LOAD_REDIS_PORT", 0)) or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.folder,
                "--logfile",
                "redis.log",
            ],
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
                return
            time.sleep(0.1)
        raise SystemExit("redis-server ei käynnistynyt")

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=10)


@contextmanager
def private_redis():
    with tempfile.TemporaryDirectory(prefix="loadtest-redis-") as folder:
        redis = PrivateRedis(folder)
        redis.start()
        try:
            yield redis
        finally:
            if redis.process.poll() is None:
                redis.stop()


def outage(base, service, database_url, acceptable):
    """Ideas are sent by four clients while `service` is stopped for a few seconds and
    started again. Returns (figures, failures); `acceptable(path, status, body)` judges each
    page answered during the outage."""
    stop = threading.Event()
    senders = [IdeaSender(base, stop) for _ in range(4)]
    for sender in senders:
        sender.start()
    for path in MIX:  # pages in the cache before the outage, as in production
        status_of(base + path)
    time.sleep(3)
    service.stop()
    stopped_at = time.monotonic()
    time.sleep(1)
    answers = {path: status_of(base + path) for path in (*OUTAGE_PAGES, *MIX)}
    time.sleep(2)
    service.start()
    started_at = time.monotonic()
    recovered_at = wait_for(base + "/healthz", 200, timeout=60)
    time.sleep(3)
    stop.set()
    for sender in senders:
        sender.join(timeout=20)
    accepted = [t for s in senders for t in s.accepted]
    odd = [e for s in senders for e in s.errors]
    stored = count_stored(accepted, database_url)
    figures = {
        "down": started_at - stopped_at,
        "answers": {path: status for path, (status, _body) in answers.items()},
        "recovered": recovered_at - started_at,
        "accepted": len(accepted),
        "refused": sum(s.refused for s in senders),
        "stored": stored,
    }
    failures = []
    for path, (status, body) in answers.items():
        if b"Traceback" in body:
            failures.append(f"{path}: traceback näkyi")
        elif not acceptable(path, status, body):
            failures.append(f"katkon aikana {path} vastasi {status}")
    if odd:
        failures.append(f"odottamattomia vastauksia ideoihin: {sorted(set(map(str, odd)))}")
    if stored["found"] != len(accepted) or stored["twice"]:
        failures.append(f"hyväksytyistä {len(accepted)} ideasta tietokannassa {stored}")
    if figures["recovered"] > 30:
        failures.append("toipuminen kesti yli 30 s")
    return figures, failures


def report(name, figures):
    statuses = {}
    for status in figures["answers"].values():
        statuses[status] = statuses.get(status, 0) + 1
    print(
        f"Vika: {name} poissa {figures['down']:.1f} s; katkon aikana {len(figures['answers'])} "
        f"sivua vastasi {dict(sorted(statuses.items(), key=str))} "
        f"(/healthz {figures['answers']['/healthz']}); toipui {figures['recovered']:.1f} s "
        f"käynnistyksestä. Ideoita kuitattu {figures['accepted']}, torjuttu katkon aikana "
        f"{figures['refused']}, tietokannassa {figures['stored']['found']} "
        f"(kahdesti {figures['stored']['twice']})."
    )


def unavailable(status, body):
    """The app's own 503 page (never gunicorn's bare error or a 500)."""
    return status == 503 and "tilapäisesti poissa käytöstä" in body.decode("utf-8", "replace")


def postgres_outage_phase(base, postgres):
    """/healthz answers 503 (out of the load balancer); pages answer 200 from the cache or
    the app's own 503 page."""
    figures, failures = outage(
        base,
        postgres,
        postgres.url(FAULT_DATABASE),
        lambda path, status, body: (
            status == 503 if path == "/healthz" else status == 200 or unavailable(status, body)
        ),
    )
    report("PostgreSQL (oma instanssi)", figures)
    return [f"PostgreSQL-katko: {f}" for f in failures]


def redis_outage_phase(base, redis):
    """A cache is a cache: /healthz stays 200 (the instance stays in the load balancer),
    pages answer 200 (or the app's own 503 page), every acknowledged idea is stored."""
    figures, failures = outage(
        base,
        redis,
        PG_URL,
        lambda path, status, body: (
            status == 200 if path == "/healthz" else status == 200 or unavailable(status, body)
        ),
    )
    report("Redis (oma instanssi)", figures)
    return [f"Redis-katko: {f}" for f in failures]


def count_stored(tokens, database_url=PG_URL):
    code = (
        "import sys, json; from feedback.models import Idea; from django.db.models import Count; "
        "tokens = json.load(sys.stdin); rows = Idea.objects.filter(submission_token__in=tokens)"
        ".values('submission_token').annotate(n=Count('pk')); "
        "print(json.dumps({'found': len(rows), 'twice': sum(1 for r in rows if r['n'] > 1)}))"
    )
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "x",
        "ALLOWED_HOSTS": "x",
        "DATABASE_URL": database_url,
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
