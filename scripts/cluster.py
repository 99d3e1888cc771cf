#!/usr/bin/env python3
"""Scale-out rehearsal: nginx (Debian's, run in the foreground from a generated config in a
temporary folder) in front of two gunicorn instances on 127.0.0.1, sharing one PostgreSQL
database and one Redis database, as two machines would.

It proves, and exits non-zero when any of these fails:
1. an editor's save on instance A shows on instance B (the public page, at once for the editor,
   within PAGE_CACHE_VERSION_SECONDS for anonymous visitors);
2. a session made on A works on B;
3. the development ideas' rate limit counts across both instances;
4. the admin login lockout counts across both instances;
5. wrk through nginx over the public page mix gives 0 errors;
6. instance B killed (SIGKILL, its whole process group) in the middle of a wrk run: nginx sends
   the rest to A; the failed requests the client saw are counted (must be 0 beyond the ones
   in flight at the kill) from wrk and from nginx's logs: a request B had not answered yet is
   retried on A; a response B was in the middle of sending cannot be (nginx has passed its
   headers on) and reaches the client cut, as a wrk read error.

Run: `.venv/bin/python scripts/cluster.py` (full) or `--short` (CI). Needs nginx and wrk
(`apt-get install nginx wrk`), PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379. Uses
its own database (kumppanuus_cluster) and Redis database 11, which it empties key by key.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

from browser import Browser, form_fields
from loadtest import MIX, prepare, run_wrk, wrk_failures
from servers import _wait_until_up, free_port, gunicorn_process

DATABASE = "kumppanuus_cluster"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_DB = 11
CACHE_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
IDEA_LIMIT = 4
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    log_format upstreams '$status "$upstream_addr" "$upstream_status" $request_time';
    access_log {tmp}/access.log upstreams;

    upstream portal {{
        server 127.0.0.1:{port_a} max_fails=1 fail_timeout=10s;
        server 127.0.0.1:{port_b} max_fails=1 fail_timeout=10s;
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://portal;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # A refused or cut connection (an instance gone) is retried on the other instance.
            # POSTs are retried only when they never reached the app (nginx's default).
            proxy_next_upstream error timeout http_502 http_504;
            proxy_next_upstream_tries 2;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
        }}
    }}
}}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="CI form: shorter wrk runs")
    args = parser.parse_args()
    connections, duration = (8, 6) if args.short else (32, 30)
    for tool in ("wrk", NGINX):
        if not shutil.which(tool):
            sys.exit(f"{tool} puuttuu: apt-get install nginx wrk")
    started = time.monotonic()
    clear_redis()
    env = prepare(
        DATABASE,
        PG_URL,
        CACHE_URL=CACHE_URL,
        TRUSTED_PROXY_COUNT="1",  # nginx in front: the client is the last X-Forwarded-For
        IDEA_RATE_LIMIT=f"{IDEA_LIMIT}/10m",
        # The editor's saves here prove that the instances share data; the second factor
        # itself is proven by the two-factor tests and the browser journeys.
        TWO_FACTOR_REQUIRED="False",
    )
    with ExitStack() as stack:
        a, _process_a = stack.enter_context(gunicorn_process(env))
        b, process_b = stack.enter_context(gunicorn_process(env))
        front, logs = stack.enter_context(nginx(a, b))
        print(f"Klusteri: nginx {front} → A {a}, B {b}; PostgreSQL {DATABASE}, Redis db {REDIS_DB}")
        failures = [
            *editor_save_shows_on_the_other_instance(a, b),
            *idea_rate_limit_counts_across_instances(a, b),
            *admin_lockout_counts_across_instances(a, b),
            *load_through_nginx(front, connections, duration),
            *instance_killed_mid_load(front, process_b, logs, connections, duration),
        ]
    clear_redis()
    print(f"Kesto {time.monotonic() - started:.0f} s")
    if failures:
        print("\nEPÄONNISTUI:\n  " + "\n  ".join(failures))
        sys.exit(1)
    print("\nKahden instanssin harjoitus: kaikki ehdot täyttyivät.")


def clear_redis():
    """Empties this rehearsal's Redis database key by key (never FLUSHALL: Redis is shared)."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    for key in client.scan_iter(count=500):
        client.delete(key)


@contextmanager
def nginx(a, b):
    """Yields (nginx's base URL, its log folder) for a config generated in a temp dir."""
    with tempfile.TemporaryDirectory(prefix="cluster-nginx-") as tmp:
        os.chmod(tmp, 0o755)  # nginx's workers (nobody when started as root) read and write
        port = int(os.environ.get("CLUSTER_NGINX_PORT", 0)) or free_port()
        config = Path(tmp) / "nginx.conf"
        config.write_text(
            NGINX_CONF.format(
                tmp=tmp, port=port, port_a=a.rsplit(":", 1)[1], port_b=b.rsplit(":", 1)[1]
            )
        )
        subprocess.run([NGINX, "-t", "-q", "-p", tmp, "-c", str(config)], check=True)
        server = subprocess.Popen([NGINX, "-p", tmp, "-c", str(config)], start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, 15)
            yield base, Path(tmp)
        finally:
            server.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def editor_save_shows_on_the_other_instance(a, b):
    """The editor renames a theme of the Matkailu network in the admin on A; B's public page
    (cached in the shared Redis before the save) and B's admin show the new name."""
    page = "/verkostot/matkailu/"
    anonymous = Browser()
    before = anonymous.get(b + page)[1]  # puts the page into the shared cache
    editor = Browser()
    failures = []
    if editor.log_in(a, "toimittaja", "kumppanuus-demo-2026") != 302:
        return ["toimittaja ei päässyt kirjautumaan A:lla"]
    # Sessions: the session made on A is valid on B.
    status, html, _loc = editor.get(b + "/admin/")
    if status != 200 or 'id="logout-form"' not in html:
        failures.append(f"A:n istunto ei kelvannut B:llä ({status})")
    theme_id = first_theme_id(editor, a)
    name = f"Klusteriteema {uuid.uuid4().hex[:8]}"
    status, _html, _loc = editor.submit(
        f"{a}/admin/networks/theme/{theme_id}/change/", "theme_form", name_fi=name
    )
    saved_at = time.monotonic()
    if status != 302:
        return [*failures, f"teeman tallennus A:lla vastasi {status}"]
    editor_sees = name in editor.get(b + page)[1]  # logged in: never the page cache
    attempts, seen_after = 0, None
    while seen_after is None and time.monotonic() - saved_at < 5:
        attempts += 1
        if name in anonymous.get(b + page)[1]:
            seen_after = time.monotonic() - saved_at
        else:
            time.sleep(0.05)
    print(
        "Toimittajan tallennus A:lla: B:n sivu toimittajalle heti "
        f"{'kyllä' if editor_sees else 'EI'}; anonyymille (välimuistista) "
        + (
            f"{attempts}. pyynnöllä, {seen_after:.2f} s tallennuksesta"
            if seen_after is not None
            else "ei 5 s:ssa"
        )
        + f"; istunto A → B: {'toimii' if not failures else 'EI'}"
    )
    if name in before:
        failures.append("nimi näkyi jo ennen tallennusta?")
    if not editor_sees:
        failures.append("toimittaja ei nähnyt tallennustaan B:llä heti")
    if seen_after is None or seen_after > 1.5:  # PAGE_CACHE_VERSION_SECONDS=1 + a margin
        failures.append(f"anonyymi B:llä ei nähnyt muutosta sekunnissa ({seen_after})")
    return failures


def first_theme_id(editor, base):
    """The id of a theme shown on the Matkailu network's page, from the admin's own list."""
    _s, html, _l = editor.get(f"{base}/admin/networks/network/?q=matkailu")
    network = re.search(r'href="/admin/networks/network/(\d+)/change/', html).group(1)
    _s, html, _l = editor.get(f"{base}/admin/networks/network/{network}/change/")
    fields = form_fields(html, "network_form")
    themes = fields.get("themes")
    return themes[0] if isinstance(themes, list) else themes


def idea_rate_limit_counts_across_instances(a, b):
    """IDEA_LIMIT ideas from one client address, alternating A and B: the next is refused
    (429) on either, because both count in the shared store."""
    client = f"192.0.2.{uuid.uuid4().int % 250 + 1}"  # a header value only (TEST-NET-1)
    visitor = Browser({"X-Forwarded-For": client})
    statuses = []
    for i in range(IDEA_LIMIT + 1):
        base = (a, b)[i % 2]
        status, _html, _loc = visitor.submit(
            base + "/kehittamisideat/",
            topic="muu",
            message=f"Klusterin rajoitustesti {i}",
            submission_token=str(uuid.uuid4()),
        )
        statuses.append(status)
    print(f"Ideoiden rajoitus {IDEA_LIMIT}/10 min, vuorotellen A ja B: {statuses}")
    if statuses[:IDEA_LIMIT] != [302] * IDEA_LIMIT or statuses[IDEA_LIMIT] != 429:
        return [f"ideoiden rajoitus ei laske yhteen instanssien yli: {statuses}"]
    return []


def admin_lockout_counts_across_instances(a, b):
    """Five failed logins for one user, alternating A and B, lock that user out on both."""
    username = f"klusteri-{uuid.uuid4().hex[:8]}"
    statuses = []
    for i in range(6):
        # a fresh visitor each time: no cookie ties the attempts together
        statuses.append(Browser().log_in((a, b)[i % 2], username, "väärä-salasana"))
    print(f"Kirjautumisen lukitus, vuorotellen A ja B: {statuses}")
    if statuses[:4] != [400] * 4 or statuses[4:] != [429, 429]:  # a wrong password: a 400
        return [f"kirjautumisen lukitus ei laske yhteen instanssien yli: {statuses}"]
    return []


def load_through_nginx(front, connections, duration):
    figures = run_wrk(front, connections, duration)
    print(
        f"Kuorma nginxin läpi: {connections} yhteyttä, {duration} s, {len(MIX)} sivua: "
        f"{figures['requests']} pyyntöä, {figures['rps']} req/s, p99 {figures['p99']}, "
        f"socket-virheet: {figures['socket_errors'] or 0}, ei-2xx: {figures['non_2xx']}"
    )
    return wrk_failures(figures)


def instance_killed_mid_load(front, process_b, logs, connections, duration):
    """SIGKILL to B's process group a third of the way into a wrk run through nginx."""
    access_log, error_log = logs / "access.log", logs / "error.log"
    access_before, errors_before = line_count(access_log), line_count(error_log)
    killer = threading.Timer(duration / 3, os.killpg, (process_b.pid, signal.SIGKILL))
    killer.start()
    figures = run_wrk(front, connections, duration)
    killer.join()
    logged = access_log.read_text().splitlines()[access_before:]
    retried = [line for line in logged if "," in line.split('"')[1]]
    failed = [line for line in logged if line.startswith("5")]
    closed = [line for line in logged if line.startswith("499")]  # wrk stopping mid-request
    cut = [
        line
        for line in error_log.read_text().splitlines()[errors_before:]
        if "upstream prematurely closed connection while reading upstream" in line
    ]
    print(
        f"B tapettiin (SIGKILL) {duration / 3:.0f} s kohdalla {duration} s:n ajosta: "
        f"{figures['requests']} pyyntöä, {figures['rps']} req/s; asiakkaalle epäonnistui "
        f"{figures['non_2xx']} (nginxin lokissa {len(failed)}), socket-virheet: "
        f"{figures['socket_errors'] or 0}; nginx ohjasi A:lle uudelleen {len(retried)} pyyntöä "
        f"(B ei ollut vielä vastannut); kesken lähetyksen katkenneita vastauksia {len(cut)}; "
        f"wrk:n lopussa katkaisemia {len(closed)}"
    )
    failures = wrk_failures(figures, in_flight=len(cut))
    if failed:
        failures.append(f"nginx vastasi 5xx {len(failed)} kertaa: {failed[:3]}")
    if not retried and not cut:
        failures.append("B:n tappaminen ei näkynyt nginxin lokeissa")
    return failures


def line_count(path):
    return len(path.read_text().splitlines()) if path.exists() else 0


if __name__ == "__main__":
    main()
