#!/usr/bin/env python3
"""Where an uncached page spends its time: every public page of the benchmark, rendered with
the page cache off through Django's test client (full middleware, DEBUG off), profiled with
the standard library's cProfile.

Per page: milliseconds per request, SQL queries per request, the shares spent waiting for the
database and rendering templates, and the three functions with the most time of their own.
Run after `scripts/bench.py` has prepared its databases (it uses .bench/demo.sqlite3, and
.bench/large.sqlite3 with `--large`):
`.venv/bin/python scripts/profile_pages.py [--large] [--requests 20]`.

With `--split`, no profiler: each page's time (direct WSGI calls, best of 5 rounds) split into
the ORM (compiling and running queries and making their rows, wherever they run, templates
included), templates (without the ORM run inside them) and the rest (middleware, views,
selectors' Python, querysets being put together with filter() and annotate()). A compiled
query (compiledsql.py) is ORM time as a whole. Writes (INSERT, DELETE) and raw
`connection.cursor()` queries are not timed as ORM; public pages make none. What another
template engine could save is at most the template column.
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = ROOT / ".bench"

# (label, function whose cumulative time it is) — cProfile counts a recursive call once.
SHARES = [
    ("SQL", "django/db/backends/utils.py", "_execute"),
    ("mallipohjat", "django/template/base.py", "render"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="the 300k / 100k pages too")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--split", action="store_true", help="ORM / templates / rest, timed")
    args = parser.parse_args()
    database = WORK / ("large.sqlite3" if args.large else "demo.sqlite3")
    if not database.exists():
        sys.exit(f"{database} puuttuu: aja ensin scripts/bench.py" + (" --large" * args.large))
    os.environ.update(
        DEBUG="False",
        SECRET_KEY="profile-only-not-secret",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{database}",
        LOG_LEVEL="WARNING",
        SECURE_SSL_REDIRECT="False",
        PAGE_CACHE_SECONDS="0",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kumppanuus.settings")
    import django

    django.setup()
    sys.path.insert(0, str(ROOT / "scripts"))
    from bench import DEMO_PAGES, LARGE_PAGES, LARGE_SURVEY_PAGES

    pages = [*LARGE_PAGES, *LARGE_SURVEY_PAGES] if args.large else DEMO_PAGES
    if args.split:
        return print_split(pages, args.requests)
    print(f"cProfile, testiasiakas, välimuisti pois, {args.requests} pyyntöä sivua kohden\n")
    print("| sivu | ms / pyyntö | kyselyjä | SQL | mallipohjat | eniten omaa aikaa |")
    print("|---|---:|---:|---:|---:|---|")
    for label, path in pages:
        print(profile(label, path, args.requests))


def profile(label, path, requests):
    from django.db import connection
    from django.test import Client

    client = Client()
    assert client.get(path).status_code == 200, path  # warm: imports, template loading
    queries = []  # counted by a wrapper: each request's start empties Django's own query log

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get(path)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    elapsed = (time.perf_counter() - started) / requests
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values())  # every function's own time
    shares = " | ".join(f"{share(stats, total, *where):.0%}" for _name, *where in SHARES)
    top = top_own_time(stats, total)
    return f"| {label} | {elapsed * 1000:.1f} | {len(queries)} | {shares} | {top} |"


class Timer:
    """Time spent in the outermost call of the functions it wraps (nested calls and
    recursion are counted once); `inside` is the part spent while `within` was running."""

    def __init__(self, within=None):
        self.total = self.inside = 0.0
        self.depth = 0
        self.within = within

    def wrap(self, function):
        def timed(*args, **kwargs):
            self.depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    spent = time.perf_counter() - started
                    self.total += spent
                    if self.within and self.within.depth:
                        self.inside += spent

        return timed

    def reset(self):
        self.total = self.inside = 0.0


def print_split(pages, requests):
    import io

    from django.core.wsgi import get_wsgi_application
    from django.db.models.query import QuerySet
    from django.db.models.sql.compiler import SQLCompiler
    from django.template.backends.django import Template

    import compiledsql

    templates = Timer()
    orm = Timer(within=templates)
    Template.render = templates.wrap(Template.render)
    QuerySet._fetch_all = orm.wrap(QuerySet._fetch_all)
    SQLCompiler.execute_sql = orm.wrap(SQLCompiler.execute_sql)
    # A compiled query's whole call: finding its plan (compiling it the first time),
    # running its SQL and converting the rows.
    compiledsql.CompiledQuery.rows = orm.wrap(compiledsql.CompiledQuery.rows)
    application = get_wsgi_application()

    def call(path):
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            "REMOTE_ADDR": "127.0.0.1",
        }
        status = []
        body = application(environ, lambda s, h, e=None: status.append(s))
        b"".join(body)
        body.close()
        return status[0]

    print(f"Suorat WSGI-kutsut, välimuisti pois, paras 5 × {requests} pyynnöstä, ms / pyyntö\n")
    print("| sivu | yhteensä | ORM | mallipohjat ilman ORM:ää | muu |")
    print("|---|---:|---:|---:|---:|")
    for label, path in [("tietosuoja (pelkkä kehys)", "/tietosuoja/"), *pages]:
        assert call(path).startswith("200"), path
        best = None
        for _round in range(5):
            templates.reset()
            orm.reset()
            started = time.perf_counter()
            for _ in range(requests):
                call(path)
            total = time.perf_counter() - started
            parts = (total, orm.total, templates.total - orm.inside)
            best = min(best or parts, parts)
        total, in_orm, in_templates = (part / requests * 1000 for part in best)
        rest = total - in_orm - in_templates
        print(f"| {label} | {total:.2f} | {in_orm:.2f} | {in_templates:.2f} | {rest:.2f} |")


def share(stats, total, file_suffix, function):
    """The largest cumulative time of `function` in a file ending `file_suffix`, of the total."""
    times = [
        row[3]
        for (filename, _line, name), row in stats.stats.items()
        if name == function and filename.endswith(file_suffix)
    ]
    return max(times, default=0) / total if total else 0


def top_own_time(stats, total, count=3):
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:count]
    return ", ".join(
        f"{short(filename)}:{name} {own / total:.0%}"
        for (filename, _line, name), (_c, _n, own, *_r) in rows
    )


def short(filename):
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return Path(filename).name


if __name__ == "__main__":
    main()
