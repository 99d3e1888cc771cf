"""Reads that build the site app's pages. Each makes a fixed number of queries."""

from dataclasses import dataclass
from typing import NamedTuple

import compiledsql
import fragments
from barometer.models import Survey
from barometer.results import trends
from barometer.selectors import (
    PublishedBarometer,
    barometer_trends,
    latest_headline,
    published_barometer,
    survey_results_for,
)
from networks.selectors import EventList, event_items, network_counts, network_groups
from programme.models import AssessmentRound
from programme.progress import chart_rows, figures_sentence
from programme.selectors import (
    StoredRound,
    latest_stored_round,
    round_figures_for,
    stored_round_figures,
)

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
    # Plain rows or values, drawn by home_figures: the latest closed round's stored figures
    # (StoredRound), else its live ProgrammeFigure, or None.
    programme: StoredRound | ProgrammeFigure | None = None
    # The published surveys (PublishedBarometer), else the live BarometerFigure of the latest
    # when its results are not stored, or None.
    barometer: PublishedBarometer | BarometerFigure | None = None
    network_groups: list = None  # networks.selectors.NetworkGroup
    network_counts: dict = None
    upcoming_events: tuple = ()  # networks.selectors.EventRow
    latest_review: object = None  # ReviewItem of the latest published review, or None


def home_page(events=3):
    """Key figures of the latest published year, read through the programme's and the
    barometer's own readers: closed rounds' and surveys' stored figures as JSON text, decoded
    only when home_figures draws them anew."""
    page = HomePage()
    page.programme = latest_stored_round()
    if page.programme is None:  # no closed round, or one closed before figures were stored
        assessment_round = AssessmentRound.objects.latest_closed()
        page.programme = assessment_round and programme_figure(round_figures_for(assessment_round))
    barometer = published_barometer()
    if barometer.surveys and fragments.holds_json(barometer.surveys[0][2]):
        page.barometer = barometer
    elif barometer.surveys:  # the latest published survey's results are not stored
        page.barometer = barometer_figure(Survey.objects.published().order_by("-year").first())
    page.network_groups = network_groups()
    page.network_counts = network_counts(page.network_groups)
    page.upcoming_events = EventList("upcoming")[:events]
    page.latest_review = next(iter(review_items(limit=1)), None)
    return page


def home_figures(page):
    """The front page's figure cards and review teaser, drawn once per distinct content."""
    return fragments.draw_with(
        "kumppanuus/includes/home_figures.html",
        _home_figures_context,
        page.programme,
        page.barometer,
        page.network_counts,
        event_items(page.upcoming_events, show_network=True, compact=True),
        page.latest_review,
    )


def _home_figures_context(programme, barometer, network_counts, events, review):
    if isinstance(programme, StoredRound):
        programme = programme_figure(stored_round_figures(programme))
    if isinstance(barometer, PublishedBarometer):
        barometer = stored_barometer_figure(barometer)
    return {
        "programme": programme,
        "barometer": barometer,
        "network_total": sum(network_counts.values()),
        "network_text": network_count_text(network_counts),
        "events": events,
        "review": review,
    }


def programme_figure(figures):
    second = figures.at_least_second
    return ProgrammeFigure(
        year=figures.round.year,
        total=figures.measure_count,
        second=second and (second.share, second.count, second.level.label),
        chart=tuple(chart_rows(figures)),
        sentence=figures_sentence(figures),
    )


def stored_barometer_figure(barometer):
    """The latest published survey's headline result and its trend from a PublishedBarometer
    whose latest survey's results are stored, or None without a headline."""
    headline = latest_headline(barometer)
    if headline is None:
        return None
    year, agree_share, statement = headline
    series, _statements = barometer_trends(barometer)
    return _barometer_figure(year, agree_share, statement, series)


def barometer_figure(survey):
    """The headline statement's result of `survey` and its trend, or None without one."""
    results = survey_results_for(survey)
    headline = next((r for r in results.statements if r.statement.is_headline), None)
    if headline is None:
        return None
    return _barometer_figure(survey.year, headline.agree_share, headline.statement, trends())


def _barometer_figure(year, agree_share, statement, series):
    return BarometerFigure(
        year=year,
        agree_share=agree_share,
        text=statement.text,
        lang=fragments.fallback_lang(statement, "text"),
        trend=tuple((year, agree) for year, agree, _answers in series.get(statement.key, [])),
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
    return [
        ReviewItem(year, *title, *lead)
        for year, *values in _published_reviews.rows(limit)
        for title, lead in [texts.texts(values)]
    ]


@compiledsql.query()
def _published_reviews(limit):
    reviews = AnnualReview.objects.published().order_by("-year")
    return reviews.values_list("year", *fragments.TranslatedFields("title", "lead").columns)[:limit]


def review_list():
    """The review archive's items, drawn once per distinct content."""
    return fragments.draw("kumppanuus/includes/review_list_items.html", reviews=review_items())
