"""Odd stored figures never give a 500: a closed year's figures as the shell, a migration or an
older version could leave them (an empty or non-object JSON value, JSON null, a language block
missing, a field added or missing) are read live or shown without figures, on every page that
reads them, in every language, with the fragment memo warm and cold."""

import copy

import pytest
from django.db.models import JSONField, Value

import fragments
from barometer.models import Survey
from kumppanuus.models import AnnualReview
from programme.models import AssessmentRound

pytestmark = pytest.mark.django_db

LANGUAGES = ("", "/sv", "/en")
JSON_NULL = "JSON null"  # JSON's own null in the column, not SQL NULL


def assert_no_500(client, paths):
    """Each page answers 200 or 404 in every language; the memo is emptied halfway, so both
    a drawn and a kept body are seen."""
    for round_ in range(2):
        for path in paths:
            for language in LANGUAGES:
                status = client.get(language + path).status_code
                assert status in (200, 404), (round_, language + path, status)
        fragments.forget_all()


def store(model, value, **lookup):
    value = Value(None, JSONField()) if value == JSON_NULL else value
    model.objects.filter(**lookup).update(figures=value)


# Each a function of the review's good stored figures.
REVIEW_VARIANTS = {
    "empty": lambda good: {},
    "null": lambda good: None,
    "json null": lambda good: JSON_NULL,
    "list": lambda good: [],
    "list with items": lambda good: [1, 2],
    "English only": lambda good: {"en": good["en"]},
    "languages null": lambda good: {"fi": None, "sv": None},
    "a field added later": lambda good: {
        code: {**block, "added_later": 1} for code, block in good.items()
    },
}


@pytest.mark.parametrize("variant", list(REVIEW_VARIANTS))
def test_published_review_with_odd_stored_figures(client, demo_data, variant):
    review = AnnualReview.objects.get(year=2020)
    client.get("/vuosikatsaus/2020/")  # kept before the figures change
    store(AnnualReview, REVIEW_VARIANTS[variant](copy.deepcopy(review.figures)), pk=review.pk)
    assert_no_500(client, ["/vuosikatsaus/2020/", "/vuosikatsaus/", "/"])


def test_review_figures_of_an_older_version_still_show(client, demo_data):
    """A field the page no longer knows is ignored; one it does not find keeps its default."""
    review = AnnualReview.objects.get(year=2020)
    figures = copy.deepcopy(review.figures)
    for block in figures.values():
        block["added_later"] = 1
        del block["contacts"]
    store(AnnualReview, figures, pk=review.pk)
    page = client.get("/vuosikatsaus/2020/").content.decode()
    assert "88\u00a0% vastaajista oli samaa mieltä" in page


@pytest.mark.parametrize(
    "variant", [{}, None, JSON_NULL, [], [1], {"respondents": 0, "statements": []}]
)
@pytest.mark.parametrize("year", [2019, 2020])
def test_published_survey_with_odd_stored_results(client, demo_data, variant, year):
    assert_no_500(client, ["/barometri/"])  # kept before the results change
    store(Survey, variant, year=year)
    assert_no_500(client, ["/", "/barometri/", f"/barometri/{year}/"])


def test_survey_stored_as_a_non_object_is_read_live(client, demo_data):
    """Stored results that are not a JSON object are aggregated from the answers instead, to
    the same page."""
    page = client.get("/barometri/2020/").content.decode()
    store(Survey, [], year=2020)
    fragments.forget_all()
    assert client.get("/barometri/2020/").content.decode() == page


@pytest.mark.parametrize(
    "variant", [{}, None, JSON_NULL, [], [1], {"counts": [[1, 2]]}, {"counts": [], "headlines": {}}]
)
def test_latest_closed_round_with_odd_stored_figures(client, demo_data, variant):
    latest = AssessmentRound.objects.latest_closed()
    assert_no_500(client, ["/"])
    store(AssessmentRound, variant, pk=latest.pk)
    assert_no_500(
        client, ["/", "/ohjelma/", f"/ohjelma/?vuosi={latest.year}", "/ohjelma/matriisi/"]
    )


def test_round_stored_as_a_non_object_is_read_live(client, demo_data):
    page = client.get("/").content.decode()
    store(AssessmentRound, [], pk=AssessmentRound.objects.latest_closed().pk)
    fragments.forget_all()
    assert client.get("/").content.decode() == page
