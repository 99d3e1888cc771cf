"""The programme's headline figures across its closed rounds, for the multi-year chart."""

from django.utils.translation import gettext as _

from .models import AssessmentRound
from .progress import chart_rows, round_figures


def programme_history(assessment_round):
    """(year, chart rows) per closed round of the round's programme up to its year, oldest
    first. Reads each round through round_figures (stored figures for closed years), so the
    number of queries grows with the number of rounds (one a year), never with the data."""
    rounds = (
        AssessmentRound.objects.closed()
        .filter(programme_id=assessment_round.programme_id, year__lte=assessment_round.year)
        .select_related("programme")
        .prefetch_related("programme__levels")
        .order_by("year")
    )
    return [(r.year, _rows(round_figures(r))) for r in rounds]


def _rows(figures):
    """chart_rows with the "not assessed" row always present, so the years line up."""
    rows = chart_rows(figures)
    if not figures.not_assessed:
        rows.append((_("ei arvioitu"), 0, figures.not_assessed_share or 0, "#ffffff"))
    return rows
