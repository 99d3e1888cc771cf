"""A large synthetic programme for query-count tests and the benchmark (not demo data)."""

import random

from django.db import transaction

from networks.models import Network

from .models import AssessmentRound, Measure, MeasureStatus, Priority, Programme, StatusLevel
from .services import round_figures_store

LEVEL_LABELS = ["ei käynnistynyt", "tarvitsee huomiota", "etenee", "vakiintunut", "valmis"]


@transaction.atomic
def large_programme_generate(*, measures=300, networks=100, rounds=10, seed=2026):
    """A closed programme of `measures` × `networks` × `rounds` statuses (every network
    promotes every measure). Returns the programme."""
    rng = random.Random(seed)
    first_year = 2100
    programme = Programme.objects.create(
        name=f"Suuri testiohjelma {first_year}",
        slug=f"suuri-{first_year}",
        first_year=first_year,
        last_year=first_year + rounds - 1,
    )
    levels = StatusLevel.objects.bulk_create(
        StatusLevel(programme=programme, rank=rank, label=label)
        for rank, label in enumerate(LEVEL_LABELS)
    )
    priority = Priority.objects.create(programme=programme, code="1", title="Testipainopiste")
    measure_rows = Measure.objects.bulk_create(
        Measure(
            programme=programme,
            priority=priority,
            code=f"T{i}",
            title=f"Testitoimenpide {i}",
            order=i,
        )
        for i in range(measures)
    )
    network_rows = Network.objects.bulk_create(
        Network(slug=f"testiverkosto-{i}", name=f"Testiverkosto {i}", order=100 + i)
        for i in range(networks)
    )
    Measure.networks.through.objects.bulk_create(
        Measure.networks.through(measure=m, network=n) for m in measure_rows for n in network_rows
    )
    round_rows = AssessmentRound.objects.bulk_create(
        AssessmentRound(
            programme=programme, year=first_year + i, state=AssessmentRound.State.CLOSED
        )
        for i in range(rounds)
    )
    MeasureStatus.objects.bulk_create(
        (
            MeasureStatus(measure=m, network=n, round=r, level=rng.choice(levels))
            for r in round_rows
            for m in measure_rows
            for n in network_rows
        ),
        batch_size=5000,
    )
    for assessment_round in round_rows:  # closed: their figures are stored, as on closing
        round_figures_store(assessment_round=assessment_round)
    return programme
