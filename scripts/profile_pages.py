#!/usr/bin/env python3
"""Where an uncached page spends its time: every public page of the benchmark, rendered with
the page cache off through Django's test client (full middleware, DEBUG off), profiled with
the standard library's cProfile.

Per page: milliseconds per request, SQL queries per request, the shares spent waiting for the
database and rendering templates, and the three functions with the most time of their own.
Run after `scripts/bench.py` has prepared its databases (it uses .bench/demo.sqlite3, and
.bench/large.sqlite3 with `--large`):
`.venv/bin/python scripts/profile_pages.py [--large] [--requests 20]`.
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
