"""The programme part of the demo data: 2018–2021 programme, 2019–2020 closed, 2021 open."""

import json
from datetime import date
from pathlib import Path

from networks.demo import read_csv
from networks.models import Network

from .models import AssessmentRound, Measure, MeasureStatus, Priority, Programme, StatusLevel
from .services import round_create, round_figures_store

DATA_DIR = Path(__file__).parent / "demo_data"

# rank, label in Finnish, Swedish and English, description, colour
LEVELS = [
    (
        0,
        ("ei toimenpiteitä", "inga åtgärder", "no action"),
        "Toteuttaminen ei ole alkanut.",
        "#f1f1f1",
    ),
    (
        1,
        ("valmistelussa", "under beredning", "in preparation"),
        "Toimenpidettä valmistellaan.",
        "#fde8a6",
    ),
    (2, ("käynnissä", "pågår", "ongoing"), "Toimenpiteen toteutus on käynnissä.", "#cfe3f7"),
    (
        3,
        ("vakiintunutta toimintaa", "etablerad verksamhet", "established"),
        "Osa vakiintunutta toimintaa.",
        "#bfe6cc",
    ),
    (4, ("valmis", "klar", "completed"), "Toimenpide on toteutettu.", "#9fd8b2"),
]


def load(stdout):
    programme, _ = Programme.objects.update_or_create(
        slug="maakuntaohjelma-2018-2021",
        defaults={
            "name": "Varsinais-Suomen maakuntaohjelma 2018–2021",
            "first_year": 2018,
            "last_year": 2021,
            "description": "Maakuntaohjelma toteuttaa maakuntastrategiaa. "
            "Kumppanuusverkostot vievät sen toimenpiteitä eteenpäin.",
        },
    )
    levels = {
        rank: StatusLevel.objects.update_or_create(
            programme=programme,
            rank=rank,
            defaults={
                "label_fi": fi,
                "label_sv": sv,
                "label_en": en,
                "description": description,
                "colour": colour,
            },
        )[0]
        for rank, (fi, sv, en), description, colour in LEVELS
    }
    measures = _load_measures(programme)
    _load_statuses(programme, measures, levels)
    if not AssessmentRound.objects.filter(programme=programme, year=2021).exists():
        round_create(
            programme=programme,
            year=2021,
            opens=date(2021, 10, 1),
            closes=date(2021, 12, 15),
            copy_previous=True,
        )
    stdout.write(f"ohjelma: {len(measures)} toimenpidettä, arviot 2019–2020, 2021 avoinna")


def _load_measures(programme):
    priorities = {}
    for order, row in enumerate(read_csv(DATA_DIR / "priorities.csv"), start=1):
        priorities[row["code"]], _ = Priority.objects.update_or_create(
            programme=programme,
            code=row["code"],
            defaults={
                "title_fi": row["title_fi"],
                "title_sv": row["title_sv"],
                "title_en": row["title_en"],
                "order": order,
            },
        )
    networks = {n.slug: n for n in Network.objects.all()}
    # The five real measures have a description and Swedish and English titles.
    texts = json.loads((DATA_DIR / "measure_texts.json").read_text(encoding="utf-8"))
    measures = {}
    for order, row in enumerate(read_csv(DATA_DIR / "measures.csv"), start=1):
        text = texts.get(row["code"], {})
        description = text.get("description", ["", "", ""])
        measure, _ = Measure.objects.update_or_create(
            programme=programme,
            code=row["code"],
            defaults={
                "priority": priorities[row["priority"]],
                "title_fi": row["title_fi"],
                "title_sv": text.get("title_sv", ""),
                "title_en": text.get("title_en", ""),
                "description_fi": description[0],
                "description_sv": description[1],
                "description_en": description[2],
                "order": order,
            },
        )
        measure.networks.set(networks[slug] for slug in row["networks"].split(";"))
        measures[measure.code] = measure
    return measures


def _load_statuses(programme, measures, levels):
    rounds = {
        year: AssessmentRound.objects.get_or_create(
            programme=programme,
            year=year,
            defaults={"opens": date(year, 10, 1), "closes": date(year, 12, 15)},
        )[0]
        for year in (2019, 2020)
    }
    networks = {n.slug: n for n in Network.objects.all()}
    notes = {
        (row["year"], row["measure"], row["network"]): row["note"]
        for row in read_csv(DATA_DIR / "status_notes.csv")
    }
    for row in read_csv(DATA_DIR / "measure_statuses.csv"):
        MeasureStatus.objects.get_or_create(
            measure=measures[row["measure"]],
            network=networks[row["network"]],
            round=rounds[int(row["year"])],
            defaults={
                "level": levels[int(row["status"])],
                "note": notes.get((row["year"], row["measure"], row["network"]), ""),
            },
        )
    AssessmentRound.objects.filter(pk__in=[r.pk for r in rounds.values()]).update(
        state=AssessmentRound.State.CLOSED
    )
    for assessment_round in rounds.values():
        assessment_round.refresh_from_db()
        if assessment_round.figures is None:  # a stored year stays as the public saw it
            round_figures_store(assessment_round=assessment_round)
