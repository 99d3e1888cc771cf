"""The barometer's part of the demo data: statements, surveys 2014–2021 imported, 2022 open."""

import csv
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from .importing import OPEN_COLUMN, survey_import_csv
from .models import Question, Statement, Survey
from .services import survey_figures_store

DATA_DIR = Path(__file__).parent / "demo_data"
IMPORTED_YEARS = [2014, 2015, 2018, 2019, 2020, 2021]
INVITED = {2019: 420, 2020: 450}


def load(stdout):
    statements = _load_statements()
    for year in IMPORTED_YEARS:
        path = DATA_DIR / f"barometer_{year}.csv"
        survey = _survey(year, _header(path), statements)
        if survey.results_first_published or survey.frozen_by_review:  # loaded, answers final
            continue
        summary = survey_import_csv(survey=survey, data=path.read_bytes())
        Survey.objects.filter(pk=survey.pk).update(
            state=Survey.State.CLOSED,
            results_published=True,
            results_first_published=timezone.now(),
        )
        survey.refresh_from_db()
        survey_figures_store(survey=survey)
        stdout.write(f"barometri {year}: {summary.created} uutta vastausta")
    survey = _survey(2022, [s.key for s in statements.values()] + [OPEN_COLUMN], statements)
    if survey.state == Survey.State.DRAFT:
        now = timezone.now()
        Survey.objects.filter(pk=survey.pk).update(
            state=Survey.State.OPEN, opens=now - timedelta(days=1), closes=now + timedelta(days=365)
        )


def _load_statements():
    with (DATA_DIR / "barometer_statements.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        row["key"]: Statement.objects.update_or_create(
            key=row["key"], defaults={"text": row["text_fi"], "is_headline": row["key"] == "visio"}
        )[0]
        for row in rows
    }


def _header(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def _survey(year, columns, statements):
    survey, created = Survey.objects.get_or_create(
        year=year,
        defaults={
            "title": f"Kumppanuusbarometri {year}",
            "intro": "Kerro, miten kumppanuus toimii Varsinais-Suomessa.",
            "invited": INVITED.get(year),
        },
    )
    if created:
        order = 0
        for column in columns:
            if column in statements:
                order += 1
                Question.objects.create(
                    survey=survey,
                    order=order,
                    kind=Question.Kind.LIKERT,
                    statement=statements[column],
                )
        Question.objects.create(
            survey=survey,
            order=0,
            kind=Question.Kind.ORGANISATION,
            text="Mitä organisaatiota edustat?",
        )
        if OPEN_COLUMN in columns:
            Question.objects.create(
                survey=survey,
                order=order + 1,
                kind=Question.Kind.OPEN_TEXT,
                text="Mitä muuta haluat sanoa kumppanuustyöstä?",
            )
    return survey
