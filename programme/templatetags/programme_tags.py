"""Programme data on other apps' pages (a network page lists its statuses)."""

from django import template

from programme import selectors

register = template.Library()


@register.simple_tag
def network_statuses(network):
    """The network's statuses in the latest closed round, one row per promoted measure."""
    return selectors.network_statuses(network)


@register.inclusion_tag("admin/programme/includes/assessment_tasks.html", takes_context=True)
def assessment_tasks(context):
    """The admin index's first block: "Arvioi verkostosi toimenpiteet <year>" per network."""
    user = context["request"].user
    if not user.has_perm("programme.change_measurestatus"):
        return {"tasks": []}
    return {"tasks": selectors.assessment_tasks(user), "heading_level": 2}
