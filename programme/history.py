"""The programme's headline figures across its closed rounds, for the multi-year chart."""

from django.utils.translation import gettext as _

import compiledsql
import fragments

from .models import AssessmentRound
from .progress import chart_rows, percent_text
from .selectors import StoredRound, level_rows, round_figures_for, stored_round_figures

SECTION = "programme/includes/history_section.html"


def history_section(assessment_round):
    """The programme page's years section (chart, sentence, table) up to the round's year,
    drawn once per distinct content: kept by the closed rounds' stored figures as JSON text and
    the levels' rows, decoded only when drawn anew (2 queries); read live when some round's
    figures are not stored."""
    rounds = _closed_rounds_up_to.rows(
        programme=assessment_round.programme_id, year=assessment_round.year
    )
    if rounds and all(fragments.holds_json(figures) for _year, figures in rounds):
        levels = tuple(level_rows.rows(programme_id=assessment_round.programme_id))
        return fragments.draw_with(SECTION, _stored_section_context, tuple(rounds), levels)
    return fragments.draw(SECTION, **_section_context(programme_history(assessment_round)))


@compiledsql.query(
    programme=AssessmentRound._meta.get_field("programme"),
    year=AssessmentRound._meta.get_field("year"),
)
def _closed_rounds_up_to(*, programme, year):
    rounds = AssessmentRound.objects.closed().filter(programme_id=programme, year__lte=year)
    return (
        fragments.with_json_text(rounds, "figures")
        .order_by("year")
        .values_list("year", "figures_json")
    )


def _stored_section_context(rounds, levels):
    return _section_context(
        [
            (year, _rows(stored_round_figures(StoredRound(year, figures, levels))))
            for year, figures in rounds
        ]
    )


def _section_context(history):
    return {
        "history": history,
        "history_sentence": history_sentence(history),
        "history_table": history_table(history),
        "history_title": _("Toimenpiteiden osuudet tilan mukaan vuosittain"),
    }


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
