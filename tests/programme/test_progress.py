import pytest

from programme.models import AssessmentRound
from programme.progress import figures_sentence, network_completion, round_figures

pytestmark = pytest.mark.django_db


def demo_round(year):
    return AssessmentRound.objects.get(programme__slug="maakuntaohjelma-2018-2021", year=year)


def counts_by_label(figures):
    return {item.level.label: item.count for item in figures.levels}


def test_demo_2020_gives_the_published_figures(demo_data):
    figures = round_figures(demo_round(2020))
    assert figures.measure_count == 29
    assert counts_by_label(figures) == {
        "ei toimenpiteitä": 1,
        "valmistelussa": 1,
        "käynnissä": 9,
        "vakiintunutta toimintaa": 18,
        "valmis": 0,
    }
    assert figures.at_least_second.count == 28
    assert round(figures.at_least_second.share * 100) == 97
    assert figures_sentence(figures) == (
        "Vuonna 2020 ohjelman 29 toimenpiteestä 28 (97\u00a0%) oli vähintään valmistelussa "
        "vähintään yhdessä verkostossa, 9 (31\u00a0%) käynnissä ja 18 (62\u00a0%) "
        "vakiintunutta toimintaa."
    )


def test_demo_2019_has_12_established_and_one_unassessed(demo_data):
    figures = round_figures(demo_round(2019))
    assert counts_by_label(figures)["vakiintunutta toimintaa"] == 12
    assert figures.not_assessed == 1
    assert figures.transitions is None  # 2019 is the first assessed round


def test_small_case_ties_unassessed_and_single_network(small_programme):
    r2022, r2023 = small_programme["rounds"]
    figures = round_figures(r2022)
    # m1 tie (1,1) → 1; m2 only A → 2; m3 → 0; m4 not assessed.
    assert counts_by_label(figures) == {"ei": 1, "valmistelussa": 1, "käynnissä": 1}
    assert figures.not_assessed == 1
    assert figures.at_least_second.count == 2
    assert figures.at_least_second.share == 0.5


def test_transitions_up_same_down_and_new(small_programme):
    _, r2023 = small_programme["rounds"]
    transitions = round_figures(r2023).transitions
    assert (transitions.up, transitions.same, transitions.down, transitions.newly_assessed) == (
        1,
        1,
        1,
        1,
    )
    assert transitions.previous_year == 2022


def test_network_completion_counts_promoted_and_assessed(small_programme):
    _, r2023 = small_programme["rounds"]
    completion = {n.slug: (n.assessed, n.promoted) for n in network_completion(r2023)}
    assert completion == {"verkosto-a": (3, 4), "verkosto-b": (2, 4)}


def test_another_scale_works_by_data_alone(db):
    from programme.models import Measure, MeasureStatus, Priority
    from tests.factories import NetworkFactory, programme_with_scale

    programme, levels = programme_with_scale(
        labels=("ei ole käynnistynyt", "tarvitsee huomiota", "etenee"), slug="mo-2022"
    )
    priority = Priority.objects.create(programme=programme, code="A", title="A")
    network = NetworkFactory()
    rnd = AssessmentRound.objects.create(programme=programme, year=2023, state="closed")
    for i in range(44):
        measure = Measure.objects.create(
            programme=programme, priority=priority, code=f"{i + 1}", title=f"T{i}"
        )
        measure.networks.add(network)
        MeasureStatus.objects.create(
            measure=measure, network=network, round=rnd, level=levels[2 if i < 30 else 1]
        )
    figures = round_figures(rnd)
    assert figures.measure_count == 44
    assert counts_by_label(figures)["etenee"] == 30
    assert "30 (68\u00a0%) etenee" in figures_sentence(figures)
