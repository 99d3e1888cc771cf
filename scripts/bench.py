#!/usr/bin/env python3
"""Benchmark: gunicorn (2 workers, production settings) on 127.0.0.1, loaded with wrk.

Every page is reported as requests per second, p50/p99 latency and the ratio of its
throughput to a static file served by the same gunicorn + WhiteNoise in the same run, so
the figures compare across machines. Run: `make bench` or `.venv/bin/python scripts/bench.py
[--large] [--duration 10] [--connections 16]`. Needs Debian's wrk (`apt-get install wrk`).
"""

import argparse
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
    ("matriisi (300k tilaa)", "/ohjelma/matriisi/"),
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
    parser.add_argument("--no-cache", action="store_true", help="turn the page cache off")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk puuttuu: apt-get install wrk")
    WORK.mkdir(exist_ok=True)
    env = production_env(WORK / "demo.sqlite3")
    prepare_database(env, large=False)
    manage(env, "collectstatic", "--noinput", "-v0")
    static_path = "/static/" + hashed_static_name("css/site.css")
    if args.no_cache:
        env["PAGE_CACHE_SECONDS"] = "0"
    results = run_pages(env, [("staattinen tiedosto", static_path), *DEMO_PAGES], args)
    if args.large:
        large_env = {
            **production_env(WORK / "large.sqlite3"),
            "PAGE_CACHE_SECONDS": env.get("PAGE_CACHE_SECONDS", "300"),
        }
        prepare_database(large_env, large=True)
        pages = [("staattinen tiedosto", static_path), *LARGE_PAGES, *LARGE_SURVEY_PAGES]
        results += run_pages(large_env, pages, args)
    print_table(results, args)
    print_transfer(env)


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


def run_pages(env, pages, args):
    with gunicorn(env, workers=2) as base:
        results = []
        for label, path in pages:
            warm(base + path)
            results.append((label, path, wrk(base + path, args)))
        return results


def warm(url):
    for _ in range(3):
        with urllib.request.urlopen(url, timeout=30) as response:
            if response.status != 200:
                raise SystemExit(f"{url}: {response.status}")
            response.read()


def wrk(url, args):
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--timeout",
            "10s",
            "--latency",
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
    print(
        f"\nwrk -t2 -c{args.connections} -d{args.duration}s, gunicorn 2 workers, "
        f"{os.cpu_count()} CPU cores\n"
    )
    print(f"| {'sivu':<28} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | {'/ staattinen':>12} |")
    print(f"|{'-' * 30}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 14}|")
    static_rps = None
    for label, _path, result in results:
        if label == "staattinen tiedosto":
            static_rps = result["rps"]
        ratio = result["rps"] / static_rps if static_rps else 0
        flag = " (virheitä!)" if result["errors"] else ""
        print(
            f"| {label:<28} | {result['rps']:>8.0f} | {result['p50']:>7.1f} | "
            f"{result['p99']:>7.1f} | {ratio:>12.2f} |{flag}"
        )


def print_transfer(env):
    """First load of the front page: HTML compressed as a proxy would, CSS and JS as
    WhiteNoise serves them (pre-compressed)."""
    import gzip

    with gunicorn(env, workers=1) as base:
        html = urllib.request.urlopen(base + "/", timeout=30).read()
        total = len(gzip.compress(html))
        rows = [("/ (HTML, gzip)", total)]
        for asset in re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
            request = urllib.request.Request(
                base + asset.decode(), headers={"Accept-Encoding": "br, gzip"}
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                size = len(response.read())
                rows.append(
                    (f"{asset.decode()} ({response.headers.get('Content-Encoding', '-')})", size)
                )
                total += size
        print("\nEnsimmäinen lataus (etusivu, CSS ja JS pakattuina):")
        for name, size in rows:
            print(f"  {size / 1024:7.1f} KB  {name}")
        print(f"  {total / 1024:7.1f} KB  yhteensä")


if __name__ == "__main__":
    main()
