"""The figures block of an annual review.

A draft shows live figures from its round and survey (the stored ones of a closed round or
survey, else computed). Publishing stores what the block shows, in every language, with the
review (and so in its history); a published review renders only those stored figures, so
nothing done to the data afterwards changes what it says.
"""

import json
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from barometer.results import trends
from barometer.selectors import survey_results_for
from networks.models import Event, Network
from programme.progress import chart_rows, figures_sentence
from programme.selectors import round_figures_for


@dataclass
class ReviewFigures:
    programme_year: int | None = None
    programme_sentence: str = ""
    programme_chart: list = field(default_factory=list)
    barometer_year: int | None = None
    barometer_sentence: str = ""
    barometer_answers: int | None = None
    barometer_trend: list = field(default_factory=list)  # [(year, share, answers)]
    network_counts: dict = field(default_factory=dict)
    network_names: list = field(default_factory=list)
    events: list = field(default_factory=list)

    @property
    def programme(self):
        return self.programme_year is not None

    @property
    def barometer(self):
        return bool(self.barometer_sentence)

    @property
    def barometer_chart(self):
        return [(year, agree) for year, agree, _answers in self.barometer_trend]


def review_figures(review):
    """The review's figures: stored when it is published, live for a draft (preview)."""
    if review.is_published and review.figures:
        stored = review.figures.get(translation.get_language()) or review.figures.get(
            settings.LANGUAGE_CODE
        )
        figures = ReviewFigures(**stored)
        figures.barometer_trend = [tuple(point) for point in figures.barometer_trend]
    else:
        figures = live_review_figures(review)
    figures.events = list(Event.objects.with_network().in_year(review.year).order_by("start"))
    return figures


def live_review_figures(review):
    figures = ReviewFigures()
    if review.assessment_round:
        programme = round_figures_for(review.assessment_round)
        figures.programme_year = review.assessment_round.year
        figures.programme_sentence = figures_sentence(programme)
        figures.programme_chart = [list(row) for row in chart_rows(programme)]
    if review.survey:
        results = survey_results_for(review.survey)
        headline = next((r for r in results.statements if r.statement.is_headline), None)
        if headline:
            figures.barometer_year = review.survey.year
            figures.barometer_sentence = headline.sentence
            figures.barometer_answers = headline.total
            figures.barometer_trend = [
                (year, agree, answers)
                for year, agree, answers in trends().get(headline.statement.key, [])
                if year <= review.year
            ]
    networks = list(Network.objects.active().order_by("kind", "order", "name"))
    figures.network_counts = dict(
        Network.objects.active().order_by().values_list("kind").annotate(n=Count("pk"))
    )
    figures.network_names = [network.name for network in networks]
    return figures


def review_figures_snapshot(review):
    """What publishing stores: the figures block as it reads in each language."""
    snapshot = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            data = asdict(live_review_figures(review))
        del data["events"]
        snapshot[code] = data
    return json.loads(json.dumps(snapshot))  # exactly what the JSON field gives back


def network_count_text(counts):
    networks = counts.get(Network.Kind.NETWORK, 0)
    groups = counts.get(Network.Kind.SMART_SPECIALISATION, 0)
    return _("%(networks)s kumppanuusverkostoa ja %(groups)s älykkään erikoistumisen työryhmää") % {
        "networks": networks,
        "groups": groups,
    }
