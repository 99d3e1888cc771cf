"""Reads that build the site app's pages. Each makes a fixed number of queries."""

from dataclasses import dataclass
from typing import NamedTuple

import fragments
from barometer.models import Survey
from barometer.results import trends
from barometer.selectors import survey_results_for
from networks.models import Event
from networks.selectors import network_counts, network_groups
from programme.models import AssessmentRound
from programme.progress import chart_rows, figures_sentence
from programme.selectors import round_figures_for

from .models import AnnualReview


@dataclass
class HomePage:
    programme: object = None  # RoundFigures of the latest closed round
    programme_sentence: str = ""
    programme_chart: list = None
    barometer: object = None  # the headline StatementResult of the latest published survey
    barometer_survey: object = None
    barometer_trend: list = None  # [(year, share agreeing)]
    network_groups: list = None  # networks.selectors.NetworkGroup
    network_counts: dict = None
    upcoming_events: list = None
    latest_review: object = None


def home_page(events=3):
    """Key figures of the latest published year, read through the programme's and the
    barometer's own readers (stored figures for closed rounds and surveys)."""
    page = HomePage()
    assessment_round = AssessmentRound.objects.latest_closed()
    if assessment_round:
        page.programme = round_figures_for(assessment_round)
        page.programme_sentence = figures_sentence(page.programme)
        page.programme_chart = chart_rows(page.programme)
    survey = Survey.objects.published().order_by("-year").first()
    if survey:
        results = survey_results_for(survey)
        page.barometer_survey = survey
        page.barometer = next((r for r in results.statements if r.statement.is_headline), None)
        if page.barometer:
            page.barometer_trend = [
                (year, agree)
                for year, agree, _answers in trends().get(page.barometer.statement.key, [])
            ]
    page.network_groups = network_groups()
    page.network_counts = network_counts(page.network_groups)
    page.upcoming_events = list(Event.objects.public().upcoming()[:events])
    # The teaser shows the title and lead; the stored figures are the review page's.
    page.latest_review = AnnualReview.objects.published().defer("figures").order_by("-year").first()
    return page


class ReviewItem(NamedTuple):
    year: int  # the kept fragment links it, drawn once
    title: str
    title_lang: str
    lead: str  # whole: the kept fragment shortens it
    lead_lang: str


def review_list():
    """The published reviews, newest first (1 query), read as values without their stored
    figures and drawn once per distinct content."""
    texts = fragments.TranslatedFields("title", "lead")
    rows = AnnualReview.objects.published().order_by("-year").values_list("year", *texts.columns)
    reviews = [
        ReviewItem(year, *title, *lead)
        for year, *values in rows
        for title, lead in [texts.texts(values)]
    ]
    return fragments.draw("kumppanuus/includes/review_list_items.html", reviews=reviews)
