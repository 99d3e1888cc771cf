import pytest
from django.utils import timezone

from barometer.models import Answer, Question, Response, Statement, Survey
from barometer.results import survey_results, trends

pytestmark = pytest.mark.django_db


def result_for(results, key):
    return next(r for r in results.statements if r.statement.key == key)


def test_2020_visio_is_88_percent(demo_data):
    results = survey_results(Survey.objects.get(year=2020))
    assert round(result_for(results, "visio").agree_share * 100) == 88


def test_2019_has_146_respondents_and_89_percent(demo_data):
    results = survey_results(Survey.objects.get(year=2019))
    assert results.respondents == 146
    assert round(result_for(results, "visio").agree_share * 100) == 89


def test_visio_trend_in_year_order(demo_data):
    trend = trends()["visio"]
    assert [year for year, _share, _n in trend] == [2014, 2015, 2018, 2019, 2020, 2021]
    assert [round(share * 100) for _year, share, _n in trend] == [68, 78, 89, 89, 88, 80]


def test_unpublished_survey_is_not_in_the_trend(demo_data):
    Survey.objects.filter(year=2021).update(results_published=False)
    assert [year for year, _s, _n in trends()["visio"]][-1] == 2020


def make_survey(groups):
    """groups: {organisation type: [values…]} for one statement."""
    statement = Statement.objects.create(key="pieni", text="Pieni väittämä")
    survey = Survey.objects.create(year=2030, title="Pieni", state="closed", results_published=True)
    question = Question.objects.create(survey=survey, kind="likert", statement=statement)
    for organisation, values in groups.items():
        for value in values:
            response = Response.objects.create(
                survey=survey, organisation_type=organisation, submitted=timezone.now()
            )
            if value == "EOS":
                Answer.objects.create(response=response, question=question, dont_know=True)
            elif value is not None:
                Answer.objects.create(response=response, question=question, value=value)
    return survey


def test_groups_under_five_answers_are_not_broken_out(db):
    survey = make_survey(
        {"kunta": [5, 5, 4, 2, 1], "yritys": [5, 5, 5, 5], "oppilaitos": [4, 1, 1, 2, 5, 3]}
    )
    result = survey_results(survey)
    # yritys has 4 answers: hidden; kunta, the next smallest, goes with it.
    assert [group.label for group in result.statements[0].breakdown] == ["oppilaitos"]
    assert result.statements[0].suppressed and result.suppressed
    assert result.statements[0].breakdown[0].agree_share == pytest.approx(2 / 6)


def test_dont_know_counts_as_an_answer_and_skipped_does_not(db):
    survey = make_survey({"kunta": [5, 4, "EOS", 1, None]})
    result = survey_results(survey).statements[0]
    assert result.total == 4
    assert result.agree_share == 0.5
    assert result.dont_know == 1
