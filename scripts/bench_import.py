#!/usr/bin/env python3
"""Benchmark the barometer import: 100,000 respondents × 6 statements, time and peak memory.

Run: `.venv/bin/python scripts/bench_import.py [--responses N]` against the database in
DATABASE_URL (default: a throwaway SQLite file under .bench/). Prints wall time, rows per
second and how much the import raised the process's peak memory (max RSS).
"""

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
KEYS = [f"tuonti-{i}" for i in range(6)]
ORGANISATIONS = [
    "kunta",
    "oppilaitos",
    "yritys",
    "yhdistys tai järjestö",
    "julkinen organisaatio",
    "muu",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    args = parser.parse_args()
    (ROOT / ".bench").mkdir(exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / '.bench' / 'import.sqlite3'}")
    os.environ.update(
        DEBUG="False", SECRET_KEY="bench-only", ALLOWED_HOSTS="localhost", LOG_LEVEL="WARNING"
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kumppanuus.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import OperationalError

    try:
        call_command("migrate", verbosity=0)
    except OperationalError as error:  # e.g. the PostgreSQL database not created yet
        sys.exit(f"Tietokantaan ei saada yhteyttä ({error}). Luo se ensin, esim. createdb.")
    survey = fresh_survey()
    data = export_csv(args.responses)
    from barometer.importing import survey_import_csv

    rss_before = max_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    summary = survey_import_csv(survey=survey, data=data)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started  # the wall time grows when others load the machine
    peak = max_rss_mb() - rss_before  # tracemalloc would slow the import several-fold
    from barometer.models import Answer

    answers = Answer.objects.filter(response__survey=survey).count()  # skipped cells excluded
    vendor = django.db.connection.vendor
    print(
        f"{vendor}: {summary.created} vastaajaa × {len(KEYS)} väittämää "
        f"({len(data) / 1e6:.1f} MB CSV) "
        f"tuotiin {elapsed:.1f} s:ssa (prosessin CPU-aika {cpu:.1f} s; tietokantapalvelimen "
        f"aika ei sisälly) = {summary.created / elapsed:,.0f} vastaajaa/s, "
        f"{answers / elapsed:,.0f} vastausta/s; muistin huippu kasvoi tuonnissa {peak:.0f} MB "
        f"(prosessin max RSS {max_rss_mb():.0f} MB)"
    )
    started = time.perf_counter()
    again = survey_import_csv(survey=survey, data=data)
    print(
        f"Sama tiedosto uudelleen: {again.created} uutta, {again.skipped_existing} ohitettu, "
        f"{time.perf_counter() - started:.1f} s"
    )


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh_survey():
    from django.db import connection

    from barometer.models import Question, Statement, Survey

    with connection.cursor() as cursor:  # the ORM's cascade would load 600,000 rows first
        cursor.execute(
            "DELETE FROM barometer_answer WHERE response_id IN (SELECT r.id FROM barometer_response"
            " r JOIN barometer_survey s ON s.id = r.survey_id WHERE s.year = 2098)"
        )
        cursor.execute(
            "DELETE FROM barometer_response WHERE survey_id IN "
            "(SELECT id FROM barometer_survey WHERE year = 2098)"
        )
    Survey.objects.filter(year=2098).delete()
    survey = Survey.objects.create(year=2098, title="Tuonnin suorituskyky", state="closed")
    for order, key in enumerate(KEYS):
        statement, _ = Statement.objects.get_or_create(key=key, defaults={"text": key})
        Question.objects.create(survey=survey, order=order, kind="likert", statement=statement)
    return survey


def export_csv(responses):
    rng = random.Random(2026)
    lines = ["vastaaja,vastattu,organisaatio," + ",".join(KEYS)]
    for i in range(responses):
        values = ",".join(rng.choice(["1", "2", "3", "4", "5", "EOS", ""]) for _ in KEYS)
        lines.append(f"b{i},2098-11-{1 + i % 28:02d} 12:00,{rng.choice(ORGANISATIONS)},{values}")
    return ("\n".join(lines) + "\n").encode()


if __name__ == "__main__":
    main()
