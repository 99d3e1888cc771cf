"""Programme data on other apps' pages (a network page lists its statuses)."""

from django import template

from programme import selectors
from programme.models import AssessmentRound

register = template.Library()


@register.inclusion_tag("programme/includes/network_statuses.html")
def network_statuses(network):
    """The network's statuses in the latest closed round, one row per promoted measure."""
    latest = AssessmentRound.objects.latest_closed()
    if latest is None:
        return {"round": None}
    statuses = {
        s.measure_id: s for s in latest.statuses.filter(network=network).select_related("level")
    }
    measures = network.measures.filter(programme_id=latest.programme_id).order_by("order", "code")
    return {
        "round": latest,
        "network": network,
        "rows": [(measure, statuses.get(measure.pk)) for measure in measures],
    }


@register.inclusion_tag("admin/programme/includes/assessment_tasks.html", takes_context=True)
def assessment_tasks(context):
    """The admin index's first block: "Arvioi verkostosi toimenpiteet <year>" per network."""
    user = context["request"].user
    if not user.has_perm("programme.change_measurestatus"):
        return {"tasks": []}
    return {"tasks": selectors.assessment_tasks(user), "heading_level": 2}
