import pytest

from programme.models import AssessmentRound, Measure, MeasureStatus, Priority
from tests.factories import NetworkFactory, programme_with_scale


@pytest.fixture
def small_programme(db):
    """3 steps, 4 measures, 2 networks, rounds 2022 (closed) and 2023 (closed)."""
    programme, levels = programme_with_scale()
    priority = Priority.objects.create(programme=programme, code="1", title="P")
    a, b = NetworkFactory(slug="verkosto-a"), NetworkFactory(slug="verkosto-b")
    measures = [
        Measure.objects.create(programme=programme, priority=priority, code=str(i), title=f"T{i}")
        for i in range(1, 5)
    ]
    for measure in measures:
        measure.networks.set([a, b])
    closed = AssessmentRound.State.CLOSED
    r2022 = AssessmentRound.objects.create(programme=programme, year=2022, state=closed)
    r2023 = AssessmentRound.objects.create(programme=programme, year=2023, state=closed)

    def rate(rnd, measure, network, rank):
        MeasureStatus.objects.create(
            round=rnd, measure=measure, network=network, level=levels[rank]
        )

    # 2022: m1 tie at step 1 in both networks, m2 only network A at step 2, m3 step 0, m4 none.
    rate(r2022, measures[0], a, 1)
    rate(r2022, measures[0], b, 1)
    rate(r2022, measures[1], a, 2)
    rate(r2022, measures[2], b, 0)
    # 2023: m1 up to 2 (best of 0 and 2), m2 down to 1, m3 same, m4 first time at 1.
    rate(r2023, measures[0], a, 0)
    rate(r2023, measures[0], b, 2)
    rate(r2023, measures[1], a, 1)
    rate(r2023, measures[2], a, 0)
    rate(r2023, measures[3], b, 1)
    return {
        "programme": programme,
        "levels": levels,
        "measures": measures,
        "networks": (a, b),
        "rounds": (r2022, r2023),
    }
