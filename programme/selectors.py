"""Page reads of the programme: stored figures for a closed round, live for an open one;
the contact person's admin pages."""

from dataclasses import dataclass

from networks.models import Network, networks_of_user

from .models import AssessmentRound
from .progress import network_completion, previous_round, round_figures
from .rules import sees_all_networks


def round_figures_for(assessment_round):
    """The round's RoundFigures: a closed round's stored figures (1 query), else computed."""
    return round_figures(assessment_round)


def round_headline_ranks(assessment_round):
    """{measure pk: headline rank or None} when the round has stored figures, else None."""
    if not assessment_round.is_open and assessment_round.figures:
        return {int(pk): rank for pk, rank in assessment_round.figures["headlines"].items()}
    return None


def assessable_networks(user):
    """The networks whose statuses the user rates: all for editors, their own for contacts."""
    if sees_all_networks(user):
        return Network.objects.all()
    return networks_of_user(user)


def assessment_tasks(user):
    """Per open round, the networks the user assesses with their progress and confirmation
    (one query per open round; there is normally one)."""
    rounds = AssessmentRound.objects.open().select_related("programme").order_by("-year")
    mine = assessable_networks(user).values("pk")
    return [
        (assessment_round, list(network_completion(assessment_round).filter(pk__in=mine)))
        for assessment_round in rounds
    ]


@dataclass
class AssessRow:
    measure: object
    form: object
    current: object  # this year's MeasureStatus or None
    previous: object  # last year's MeasureStatus or None

    @property
    def unchecked_copy(self):
        return self.current is not None and self.current.copied


def assess_screen(assessment_round, network):
    """The measures the network promotes in the round's programme, its statuses this year and
    last year (3 queries)."""
    measures = list(
        network.measures.filter(programme=assessment_round.programme_id)
        .select_related("priority")
        .order_by("order", "code")
    )
    current = {
        s.measure_id: s
        for s in assessment_round.statuses.filter(network=network).select_related("level")
    }
    earlier = previous_round(assessment_round)
    previous = (
        {
            s.measure_id: s
            for s in earlier.statuses.filter(network=network).select_related("level")
        }
        if earlier
        else {}
    )
    return measures, current, previous, earlier
