"""Headline figures of an assessment round, computed by the database.

A measure's *headline status* for a round is its most advanced status over all networks that
assessed it; a measure no network assessed has none ("ei arvioitu", not the lowest step).
Every function here makes a fixed number of queries, whatever the number of status rows.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

import compiledsql
import fragments
from networks.models import Network

from .models import AssessmentConfirmation, AssessmentRound, Measure, MeasureStatus


def share(part, whole):
    return part / whole if whole else None


def headline_rank(assessment_round, measure_ref=None):
    """Subquery: the highest level rank any network gave the outer measure in the round."""
    return Subquery(
        MeasureStatus.objects.filter(round=assessment_round, measure=measure_ref or OuterRef("pk"))
        .order_by()  # the model's ordering would join five more tables into every subquery
        .values("measure")
        .annotate(top=Max("level__rank"))
        .values("top"),
        output_field=IntegerField(),
    )


def measures_with_headline(assessment_round):
    return Measure.objects.filter(programme_id=assessment_round.programme_id).annotate(
        headline_rank=headline_rank(assessment_round)
    )


@dataclass
class LevelCount:
    level: object
    count: int
    share: float | None


@dataclass
class Transitions:
    previous_year: int
    up: int
    same: int
    down: int
    newly_assessed: int


@dataclass
class RoundFigures:
    round: AssessmentRound
    measure_count: int
    not_assessed: int
    levels: list = field(default_factory=list)
    at_least_second: LevelCount | None = None
    transitions: Transitions | None = None

    @property
    def not_assessed_share(self):
        return share(self.not_assessed, self.measure_count)


def round_figures(assessment_round):
    """The round's figures: a closed round's stored ones (1 query), an open round's computed.

    Every page reads figures through here; only round_figures_compute aggregates the data."""
    if not assessment_round.is_open and fragments.holds_object(assessment_round.figures):
        return round_figures_from_data(assessment_round, assessment_round.figures)
    return round_figures_compute(assessment_round)


def round_figures_compute(assessment_round):
    """Count and share per level, and the share at least at the second step (3 queries)."""
    counts = dict(
        measures_with_headline(assessment_round)
        .order_by()
        .values_list("headline_rank")
        .annotate(n=Count("pk"))
    )
    levels = list(assessment_round.programme.levels.order_by("rank"))
    return _figures(assessment_round, counts, levels, round_transitions(assessment_round))


def _figures(assessment_round, counts, levels, transitions):
    """RoundFigures from {headline rank or None: measures}, the live or the stored counts."""
    measure_count = sum(counts.values())
    figures = RoundFigures(
        round=assessment_round,
        measure_count=measure_count,
        not_assessed=counts.get(None, 0),
        levels=[
            LevelCount(
                level, counts.get(level.rank, 0), share(counts.get(level.rank, 0), measure_count)
            )
            for level in levels
        ],
        transitions=transitions,
    )
    if len(levels) >= 2:
        second = levels[1]
        reached = sum(n for rank, n in counts.items() if rank is not None and rank >= second.rank)
        figures.at_least_second = LevelCount(second, reached, share(reached, measure_count))
    return figures


def round_figures_data(assessment_round):
    """What a closed round stores: its figures as JSON, computed here and nowhere else."""
    counts = (
        measures_with_headline(assessment_round)
        .order_by()
        .values_list("headline_rank")
        .annotate(n=Count("pk"))
    )
    transitions = round_transitions(assessment_round)
    return {
        "counts": [[rank, n] for rank, n in counts],
        "transitions": None if transitions is None else vars(transitions),
        "headlines": dict(
            measures_with_headline(assessment_round).order_by().values_list("pk", "headline_rank")
        ),
    }


def round_figures_from_data(assessment_round, data, levels=None):
    """RoundFigures of a closed round from its stored JSON; the level names stay live (`levels`
    in rank order, read here unless given: 1 query)."""
    if levels is None:
        # all(): a caller reading many rounds prefetches the levels once (programme__levels)
        levels = sorted(assessment_round.programme.levels.all(), key=lambda level: level.rank)
    transitions = data.get("transitions")  # .get: a block stored by an older version
    return _figures(
        assessment_round,
        dict(data.get("counts", [])),
        levels,
        None if transitions is None else Transitions(**transitions),
    )


def previous_round(assessment_round):
    return (
        AssessmentRound.objects.filter(
            programme_id=assessment_round.programme_id, year__lt=assessment_round.year
        )
        .order_by("-year")
        .first()
    )


def round_transitions(assessment_round):
    """How many measures' headline moved up, stayed or moved down since the previous round."""
    previous = previous_round(assessment_round)
    if previous is None:
        return None
    totals = (
        measures_with_headline(assessment_round)
        .annotate(previous_rank=headline_rank(previous))
        .aggregate(
            up=Count("pk", filter=Q(headline_rank__gt=Coalesce("previous_rank", -1))),
            same=Count("pk", filter=Q(headline_rank=Coalesce("previous_rank", -1))),
            down=Count("pk", filter=Q(headline_rank__lt=Coalesce("previous_rank", -1))),
            newly_assessed=Count(
                "pk", filter=Q(headline_rank__isnull=False, previous_rank__isnull=True)
            ),
        )
    )
    totals["up"] -= totals["newly_assessed"]
    return Transitions(previous_year=previous.year, **totals)


def chart_rows(figures):
    """(label, count, share, colour) per level, then the unassessed, for the bar chart."""
    rows = [(i.level.label, i.count, i.share, i.level.colour) for i in figures.levels]
    if figures.not_assessed:
        rows.append((_("ei arvioitu"), figures.not_assessed, figures.not_assessed_share, "#ffffff"))
    return rows


def figures_sentence(figures):
    """One Finnish sentence of the headline figures, as in the printed review."""
    if not figures.measure_count or figures.at_least_second is None:
        return ""
    parts = [
        _("%(count)s (%(percent)s) %(label)s")
        % {"count": item.count, "percent": percent_text(item.share), "label": item.level.label}
        for item in figures.levels
        if item.level.rank > figures.at_least_second.level.rank and item.count
    ]
    levels_text = _(" ja ").join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
    return _(
        "Vuonna %(year)s ohjelman %(total)s toimenpiteestä %(count)s (%(percent)s) oli vähintään "
        "%(label)s vähintään yhdessä verkostossa%(rest)s."
    ) % {
        "year": figures.round.year,
        "total": figures.measure_count,
        "count": figures.at_least_second.count,
        "percent": percent_text(figures.at_least_second.share),
        "label": figures.at_least_second.level.label,
        "rest": (", " + levels_text) if levels_text else "",
    }


def percent_text(value):
    return "–" if value is None else f"{round(value * 100)}\u00a0%"


def network_completion(assessment_round):
    """Per network promoting the round's measures: how many it promotes, has rows for, how
    many of those rows are unchecked copies of last year, and whether it confirmed the year."""
    programme_id = assessment_round.programme_id
    rows = MeasureStatus.objects.filter(
        round=assessment_round, network=OuterRef("pk"), measure__networks=OuterRef("pk")
    ).order_by()

    def count(queryset):
        counted = queryset.values("network").annotate(n=Count("pk")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return (
        Network.objects.filter(measures__programme_id=programme_id)
        .annotate(
            promoted=Count(
                "measures", filter=Q(measures__programme_id=programme_id), distinct=True
            ),
            assessed=count(rows),
            copied=count(rows.filter(copied=True)),
            confirmed=Exists(
                AssessmentConfirmation.objects.filter(
                    round=assessment_round, network=OuterRef("pk")
                )
            ),
        )
        .order_by("order", "name")
        .distinct()
    )


def unconfirmed_networks(assessment_round):
    """The networks that have not confirmed the round's assessment (the one rule for
    reminders, the missing list and closing)."""
    return [n for n in network_completion(assessment_round) if not n.confirmed]


def networks_no_reminder_reaches(rounds):
    """The networks behind in any of `rounds` that no contact person with an email address
    represents: a reminder cannot reach them, and whoever sends reminders is told so."""
    unreached = {}
    for assessment_round in rounds:
        lagging = {network.pk: network for network in unconfirmed_networks(assessment_round)}
        reached = set(
            Network.objects.filter(pk__in=lagging, contacts__email__gt="").values_list(
                "pk", flat=True
            )
        )
        unreached.update({pk: n for pk, n in lagging.items() if pk not in reached})
    return sorted(unreached.values(), key=lambda network: (network.order, network.name))


def headline_history(measure):
    """The measure's headline rank per closed round, oldest first (1 query)."""
    return _headline_history.rows(measure=measure.pk)


@compiledsql.query(measure=MeasureStatus._meta.get_field("measure"))
def _headline_history(*, measure):
    statuses = MeasureStatus.objects.public().filter(measure=measure).values("round__year")
    return (
        statuses.annotate(top=Max("level__rank"))
        .order_by("round__year")
        .values_list("round__year", "top")
    )
