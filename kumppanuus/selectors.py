"""Reads that build the site app's pages. Each makes a fixed number of queries."""

from dataclasses import dataclass
from typing import NamedTuple

import fragments
from barometer.models import Survey
from barometer.results import trends
from barometer.selectors import survey_results_for
from networks.models import Event
from networks.selectors import event_items, network_counts, network_groups
from programme.models import AssessmentRound
from programme.progress import chart_rows, figures_sentence
from programme.selectors import round_figures_for

from .models import AnnualReview
from .reviews import network_count_text


class ProgrammeFigure(NamedTuple):
    year: int
    total: int  # measures
    second: tuple | None  # (share, count, label) at least at the second step
    chart: tuple  # (label, count, share, colour) per level
    sentence: str


class BarometerFigure(NamedTuple):
    year: int
    agree_share: float | None
    text: str  # the headline statement
    lang: str
    trend: tuple  # (year, share agreeing)


@dataclass
class HomePage:
    programme: ProgrammeFigure | None = None  # of the latest closed round
    barometer: BarometerFigure | None = None  # of the latest published survey
    network_groups: list = None  # networks.selectors.NetworkGroup
    network_counts: dict = None
    upcoming_events: object = None  # a queryset, read by event_items
    latest_review: object = None  # ReviewItem of the latest published review, or None


def home_page(events=3):
    """Key figures of the latest published year as plain values, read through the programme's
    and the barometer's own readers (stored figures for closed rounds and surveys)."""
    page = HomePage()
    assessment_round = AssessmentRound.objects.latest_closed()
    if assessment_round:
        page.programme = programme_figure(round_figures_for(assessment_round))
    survey = Survey.objects.published().order_by("-year").first()
    if survey:
        page.barometer = barometer_figure(survey)
    page.network_groups = network_groups()
    page.network_counts = network_counts(page.network_groups)
    page.upcoming_events = Event.objects.public().upcoming()[:events]  # read as values
    page.latest_review = next(iter(review_items(limit=1)), None)
    return page


def home_figures(page):
    """The front page's figure cards and review teaser, drawn once per distinct content."""
    return fragments.draw(
        "kumppanuus/includes/home_figures.html",
        programme=page.programme,
        barometer=page.barometer,
        network_total=sum(page.network_counts.values()),
        network_text=network_count_text(page.network_counts),
        events=event_items(page.upcoming_events, show_network=True, compact=True),
        review=page.latest_review,
    )


def programme_figure(figures):
    second = figures.at_least_second
    return ProgrammeFigure(
        year=figures.round.year,
        total=figures.measure_count,
        second=second and (second.share, second.count, second.level.label),
        chart=tuple(chart_rows(figures)),
        sentence=figures_sentence(figures),
    )


def barometer_figure(survey):
    """The headline statement's result of `survey` and its trend, or None without one."""
    results = survey_results_for(survey)
    headline = next((r for r in results.statements if r.statement.is_headline), None)
    if headline is None:
        return None
    trend = trends().get(headline.statement.key, [])
    return BarometerFigure(
        year=survey.year,
        agree_share=headline.agree_share,
        text=headline.statement.text,
        lang=fragments.fallback_lang(headline.statement, "text"),
        trend=tuple((year, agree) for year, agree, _answers in trend),
    )


class ReviewItem(NamedTuple):
    year: int  # the kept fragment links it, drawn once
    title: str
    title_lang: str
    lead: str  # whole: the kept fragment shortens it
    lead_lang: str


def review_items(limit=None):
    """The published reviews' titles and leads, newest first (1 query), read as values
    without their stored figures."""
    texts = fragments.TranslatedFields("title", "lead")
    rows = AnnualReview.objects.published().order_by("-year").values_list("year", *texts.columns)
    return [
        ReviewItem(year, *title, *lead)
        for year, *values in rows[:limit]
        for title, lead in [texts.texts(values)]
    ]


def review_list():
    """The review archive's items, drawn once per distinct content."""
    return fragments.draw("kumppanuus/includes/review_list_items.html", reviews=review_items())
