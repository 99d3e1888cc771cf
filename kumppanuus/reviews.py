"""The live figures block of an annual review, from the data of its round and survey."""

from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _

from barometer.results import survey_results, trends
from networks.models import Event, Network
from programme.progress import chart_rows, figures_sentence, round_figures


@dataclass
class ReviewFigures:
    programme: object = None
    programme_sentence: str = ""
    programme_chart: list = None
    barometer: object = None
    barometer_trend: list = None
    network_counts: dict = None
    events: list = None


def review_figures(review):
    figures = ReviewFigures()
    if review.assessment_round:
        programme = round_figures(review.assessment_round)
        figures.programme = programme
        figures.programme_sentence = figures_sentence(programme)
        figures.programme_chart = chart_rows(programme)
    if review.survey:
        results = survey_results(review.survey)
        headline = next((r for r in results.statements if r.statement.is_headline), None)
        figures.barometer = headline
        if headline:
            figures.barometer_trend = [
                (year, share)
                for year, share, _answers in trends().get(headline.statement.key, [])
                if year <= review.year
            ]
    figures.network_counts = dict(
        Network.objects.active().order_by().values_list("kind").annotate(n=Count("pk"))
    )
    figures.events = list(Event.objects.with_network().in_year(review.year).order_by("start"))
    return figures


def network_count_text(counts):
    networks = counts.get(Network.Kind.NETWORK, 0)
    groups = counts.get(Network.Kind.SMART_SPECIALISATION, 0)
    return _("%(networks)s kumppanuusverkostoa ja %(groups)s älykkään erikoistumisen työryhmää") % {
        "networks": networks,
        "groups": groups,
    }
