#!/usr/bin/env python3
"""Benchmark: gunicorn (2 workers, production settings) on 127.0.0.1, loaded with wrk.

Every page is reported as requests per second, p50/p99 latency and the ratio of its
throughput to a static file served by the same gunicorn + WhiteNoise in the same run, so
the figures compare across machines. One run measures every public page with the page cache
on and off (off: with and without the fragment memo of fragments.py), with the demo data and
(`--large`) with 300,000 statuses / 100,000 respondents,
`/ohjelma/?x=<unique>` with the cache on, and (`--import`) the barometer import of 100,000
respondents on SQLite and, given `--import-postgres URL`, on PostgreSQL. Run: `make bench` or
`.venv/bin/python scripts/bench.py [--large] [--import] [--duration 10] [--connections 16]
[--accept-encoding "gzip, br"]`.
Needs Debian's wrk (`apt-get install wrk`).
"""

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from servers import gunicorn

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".bench"
PYTHON = sys.executable

DEMO_PAGES = [
    ("etusivu", "/"),
    ("verkostot", "/verkostot/"),
    ("verkoston sivu", "/verkostot/matkailu/"),
    ("tapahtumat", "/tapahtumat/"),
    ("ohjelma", "/ohjelma/"),
    ("matriisi 2020", "/ohjelma/matriisi/?vuosi=2020"),
    ("toimenpide", "/ohjelma/toimenpiteet/14/"),
    ("barometri", "/barometri/"),
    ("barometri 2020", "/barometri/2020/"),
    ("vuosikatsaukset", "/vuosikatsaus/"),
    ("vuosikatsaus 2020", "/vuosikatsaus/2020/"),
    ("haku", "/haku/?q=verkosto"),
    ("ideoiden koonti", "/kehittamisideat/koonti/"),
    ("idealomake", "/kehittamisideat/"),
    ("avoin data", "/avoin-data/"),
    ("etusivu ruotsiksi", "/sv/"),
]
LARGE_SURVEY_PAGES = [("barometri 2099 (100k vastaajaa)", "/barometri/2099/")]
LARGE_PAGES = [
    ("ohjelma (300k tilaa)", "/ohjelma/"),
    ("matriisi (300k tilaa, 15 saraketta)", "/ohjelma/matriisi/"),
    ("toimenpide (300k tilaa)", "/ohjelma/toimenpiteet/T14/"),
    ("verkoston sivu (300k tilaa)", "/verkostot/testiverkosto-7/"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--large", action="store_true", help="also 300,000 statuses and 100,000 survey responses"
    )
    parser.add_argument("--no-cache", action="store_true", help="only with the page cache off")
    parser.add_argument("--cache-only", action="store_true", help="only with the page cache on")
    parser.add_argument(
        "--import", dest="imports", action="store_true", help="also time the barometer import"
    )
    parser.add_argument("--import-postgres", metavar="URL", help="time the import here too")
    parser.add_argument(
        "--accept-encoding",
        metavar="VALUE",
        help='ask as browsers do, e.g. "gzip, br": pages gzipped, static files pre-compressed',
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk puuttuu: apt-get install wrk")
    WORK.mkdir(exist_ok=True)
    env = production_env(WORK / "demo.sqlite3")
    prepare_database(env, large=False)
    manage(env, "collectstatic", "--noinput", "-v0")
    static_path = "/static/" + hashed_static_name("css/site.css")
    static = ("staattinen tiedosto", static_path)
    # (title, page cache seconds, fragment memo size): the production default keeps drawn
    # fragments (fragments.py); the first mode draws everything on every request.
    modes = [
        ("välimuisti ja fragmenttimuisti pois", "0", "0"),
        ("välimuisti pois", "0", "512"),
        ("välimuisti päällä", "300", "512"),
    ]
    if args.no_cache:
        modes = modes[:2]
    elif args.cache_only:
        modes = modes[2:]
    large_env = production_env(WORK / "large.sqlite3")
    if args.large:
        prepare_database(large_env, large=True)
    tables = []
    for mode, seconds, fragments in modes:
        settings = {"PAGE_CACHE_SECONDS": seconds, "FRAGMENT_MEMO_SIZE": fragments}
        results = run_pages({**env, **settings}, [static, *DEMO_PAGES], args)
        if seconds != "0":
            results += run_pages(
                {**env, **settings},
                [static, ("ohjelma ?x=<joka kerta uusi>", "/ohjelma/?x=")],
                args,
                unique_query=True,
            )
        if args.large:
            pages = [static, *LARGE_PAGES, *LARGE_SURVEY_PAGES]
            results += run_pages({**large_env, **settings}, pages, args)
        tables.append((mode, results))
    for mode, results in tables:
        print(f"\n## {mode}")
        print_table(results, args)
    print_transfer(env)
    if args.imports:
        print_imports(args)


def print_imports(args):
    """The barometer import's own benchmark, as a child process per database."""
    print("\n## Barometrin tuonti (100 000 vastaajaa × 6 väittämää)")
    targets = [("SQLite", {"DATABASE_URL": f"sqlite:///{WORK / 'import.sqlite3'}"})]
    if args.import_postgres:
        targets.append(("PostgreSQL", {"DATABASE_URL": args.import_postgres}))
    for label, extra in targets:
        result = subprocess.run(
            [PYTHON, str(ROOT / "scripts" / "bench_import.py")],
            cwd=ROOT,
            env={**os.environ, **extra},
            capture_output=True,
            text=True,
        )
        print(f"{label}: {result.stdout.strip() or result.stderr.strip().splitlines()[-1]}")


def production_env(database):
    return {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "benchmark-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{database}"),
        "LOG_LEVEL": "WARNING",
        "SECURE_SSL_REDIRECT": "False",  # TLS ends at the proxy; gunicorn is reached over http
    }


def manage(env, *command):
    subprocess.run([PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True)


def prepare_database(env, *, large):
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo")
    if large and not large_programme_exists(env):
        manage(
            env, "generate_programme", "--measures", "300", "--networks", "100", "--rounds", "10"
        )
        manage(env, "generate_survey", "--responses", "100000", "--year", "2099")


def large_programme_exists(env):
    check = (
        "from programme.models import Programme as P; "
        "print(P.objects.filter(slug__startswith='suuri').exists())"
    )
    result = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", check],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1] == "True"  # after the shell's own notice


def hashed_static_name(name):
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    return manifest["paths"][name]


def run_pages(env, pages, args, unique_query=False):
    with gunicorn(env, workers=2) as base:
        results = []
        for label, path in pages:
            unique = unique_query and label != "staattinen tiedosto"
            warm(base + path + ("0" if unique else ""))
            results.append((label, path, wrk(base + path, args, unique=unique)))
        return results


def warm(url):
    for _ in range(3):
        with urllib.request.urlopen(url, timeout=30) as response:
            if response.status != 200:
                raise SystemExit(f"{url}: {response.status}")
            response.read()


UNIQUE_QUERY_LUA = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. tostring(math.random(1, 1000000000)) .. "-" .. counter)
end
"""


def wrk(url, args, unique=False):
    """wrk's figures for `url`; `unique`: every request ends with a new value (a cache bypass)."""
    script = []
    if unique:
        lua = WORK / "unique-query.lua"
        lua.write_text(UNIQUE_QUERY_LUA)
        script = ["-s", str(lua)]
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--timeout",
            "10s",
            "--latency",
            *script,
            *(["-H", f"Accept-Encoding: {args.accept_encoding}"] if args.accept_encoding else []),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": latency_ms(output, "50%"),
        "p99": latency_ms(output, "99%"),
        "errors": bool(re.search(r"Non-2xx|Socket errors", output)),
    }


def latency_ms(output, percentile):
    value, unit = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def print_table(results, args):
    encoding = f", Accept-Encoding: {args.accept_encoding}" if args.accept_encoding else ""
    print(
        f"\nwrk -t2 -c{args.connections} -d{args.duration}s{encoding}, gunicorn 2 workers, "
        f"{os.cpu_count()} CPU cores\n"
    )
    print(f"| {'sivu':<36} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'/ staattinen':>12} |")
    print(f"|{'-' * 38}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 14}|")
    static_rps = None
    for label, _path, result in results:
        if label == "staattinen tiedosto":
            static_rps = result["rps"]
        ratio = result["rps"] / static_rps if static_rps else 0
        flag = " (virheitä!)" if result["errors"] else ""
        print(
            f"| {label:<36} | {result['rps']:>8.0f} | {result['p50']:>7.1f} | "
            f"{result['p99']:>7.1f} | {ratio:>12.2f} |{flag}"
        )


def print_transfer(env):
    """First load of the front page as a browser gets it: every file asked for with
    Accept-Encoding, so the HTML comes gzipped by the app and CSS and JS pre-compressed."""

    def fetch(url):
        request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read(), response.headers.get("Content-Encoding", "-")

    with gunicorn(env, workers=1) as base:
        packed, encoding = fetch(base + "/")
        html = gzip.decompress(packed) if encoding == "gzip" else packed
        rows = [(f"/ (HTML, {encoding})", len(packed))]
        total = len(packed)
        for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
            body, encoding = fetch(base + asset.decode())
            rows.append((f"{asset.decode()} ({encoding})", len(body)))
            total += len(body)
        print("\nEnsimmäinen lataus (etusivu selaimen tapaan, Accept-Encoding: br, gzip):")
        for name, size in rows:
            print(f"  {size / 1024:7.1f} KB  {name}")
        print(f"  {total / 1024:7.1f} KB  yhteensä")


if __name__ == "__main__":
    main()
