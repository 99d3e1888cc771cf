"""Figures of a closed round are computed once, when it closes, and pages read them."""

import pytest
from django.contrib.auth import get_user_model

from programme import services
from programme.models import AssessmentRound, MeasureStatus
from programme.progress import round_figures_compute, round_figures_from_data
from programme.selectors import round_figures_for

pytestmark = pytest.mark.django_db


def editor():
    return get_user_model().objects.get(username="toimittaja")


def test_stored_figures_equal_computed_ones_for_every_closed_round(demo_data):
    for assessment_round in AssessmentRound.objects.closed():
        assert assessment_round.figures, assessment_round
        stored = round_figures_from_data(assessment_round, assessment_round.figures)
        assert stored == round_figures_compute(assessment_round)


def test_closed_year_page_reads_stored_figures_and_reopening_recomputes(client, demo_data):
    round_2021 = AssessmentRound.objects.get(year=2021)
    top = round_2021.programme.levels.get(rank=4)
    MeasureStatus.objects.filter(round=round_2021).update(level=top)
    services.round_close(assessment_round=round_2021, user=editor())
    page = client.get("/ohjelma/?vuosi=2021").content.decode()
    assert "29 (100\u00a0%) valmis" in page
    # A raw write that no service makes: the closed year's page keeps its stored figures.
    low = round_2021.programme.levels.get(rank=1)
    MeasureStatus.objects.filter(round=round_2021).update(level=low)
    assert "29 (100\u00a0%) valmis" in client.get("/ohjelma/?vuosi=2021").content.decode()
    # Reopening discards them; closing again computes them from the data as it now is.
    services.round_open(assessment_round=round_2021, user=editor())
    assert AssessmentRound.objects.get(year=2021).figures is None
    services.round_close(assessment_round=round_2021, user=editor())
    page = client.get("/ohjelma/?vuosi=2021").content.decode()
    assert "29 (100\u00a0%) valmis" not in page
    assert "vähintään valmistelussa" in page


def test_closing_a_closed_round_again_leaves_its_stored_figures(client, demo_data):
    """An editor ticks the closed 2020 round with the open one and clicks "close" (or two
    editors close at once). What the public saw of 2020 stays, even when its statuses were
    changed behind the services' back since."""
    round_2020 = AssessmentRound.objects.get(year=2020)
    page = client.get("/ohjelma/?vuosi=2020").content.decode()
    low = round_2020.programme.levels.get(rank=0)
    MeasureStatus.objects.filter(round=round_2020).update(level=low)  # a raw write
    services.round_close(assessment_round=round_2020, user=editor())
    assert AssessmentRound.objects.get(year=2020).figures == round_2020.figures
    assert client.get("/ohjelma/?vuosi=2020").content.decode() == page


def test_open_round_is_computed_live(demo_data):
    round_2021 = AssessmentRound.objects.get(year=2021)
    assert round_2021.is_open and round_2021.figures is None
    before = round_figures_for(round_2021).levels[-1].count
    top = round_2021.programme.levels.get(rank=4)
    MeasureStatus.objects.filter(round=round_2021).update(level=top)
    assert round_figures_for(round_2021).levels[-1].count > before


def test_a_closed_round_page_costs_the_same_queries_at_any_size(demo_data, count_queries):
    """Reading the stored figures: a fixed number of queries for a closed year, any size."""
    from programme.generate import large_programme_generate

    small = count_queries("/ohjelma/?vuosi=2020")
    large_programme_generate(measures=120, networks=40, rounds=2)
    assert count_queries("/ohjelma/") == small
