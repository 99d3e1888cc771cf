"""The programme's headline figures across its closed rounds, for the multi-year chart."""

from django.utils.translation import gettext as _

from .models import AssessmentRound
from .progress import chart_rows, percent_text
from .selectors import round_figures_for


def programme_history(assessment_round):
    """(year, chart rows) per closed round of the round's programme up to its year, oldest
    first. Reads each round through round_figures_for (a closed round's stored figures), so
    the number of queries grows with the number of rounds (one a year), never with the data."""
    rounds = (
        AssessmentRound.objects.closed()
        .filter(programme_id=assessment_round.programme_id, year__lte=assessment_round.year)
        .select_related("programme")
        .prefetch_related("programme__levels")
        .order_by("year")
    )
    return [(r.year, _rows(round_figures_for(r))) for r in rounds]


def history_table(history):
    """The history as table rows: (level label, [(count, share) per year]), the years in the
    order of `history`. Made here: the template would search each year's rows per cell."""
    if not history:
        return []
    labels = [row[0] for row in history[0][1]]
    return [
        (label, [(rows[index][1], rows[index][2]) for _year, rows in history])
        for index, label in enumerate(labels)
    ]


def _rows(figures):
    """chart_rows with the "not assessed" row always present, so the years line up."""
    rows = chart_rows(figures)
    if not figures.not_assessed:
        rows.append((_("ei arvioitu"), 0, figures.not_assessed_share or 0, "#ffffff"))
    return rows


def history_sentence(history):
    """How the share of measures at least at the second step moved from the first year to the
    last, read from the same rows the chart draws (levels lowest first, "not assessed" last)."""
    if len(history) < 2 or len(history[0][1]) < 3:
        return ""

    def at_least_second(rows):
        levels = rows[:-1]  # the last row is "not assessed"
        return sum(share or 0 for _label, _count, share, _colour in levels[1:])

    (first_year, first_rows), (last_year, last_rows) = history[0], history[-1]
    return _(
        "Vähintään tasolla ”%(label)s” olleiden toimenpiteiden osuus oli %(first)s vuonna "
        "%(first_year)s ja %(last)s vuonna %(last_year)s."
    ) % {
        "label": first_rows[1][0],
        "first": percent_text(at_least_second(first_rows)),
        "first_year": first_year,
        "last": percent_text(at_least_second(last_rows)),
        "last_year": last_year,
    }
