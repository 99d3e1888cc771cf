"""Reads for the networks' public pages: one function per page, a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from .models import Event, Network, Theme

GROUP_TITLES = {
    Network.Kind.NETWORK: _("Kumppanuusverkostot"),
    Network.Kind.SMART_SPECIALISATION: _("Älykkään erikoistumisen työryhmät"),
}


@dataclass
class NetworkGroup:
    kind: str
    title: str
    networks: list  # Network instances; with themes, each has `theme_list`


def network_groups(with_themes=False):
    """The active networks grouped by kind in listing order (1 query; 2 with their themes).
    The themes come in one flat query instead of a prefetch: the prefetch's per-network
    querysets cost more than the page's rendering of them."""
    groups = {}
    networks = Network.objects.active().order_by("kind", "order", "name")
    for network in networks:
        group = groups.setdefault(
            network.kind, NetworkGroup(network.kind, GROUP_TITLES.get(network.kind, ""), [])
        )
        group.networks.append(network)
    if with_themes:
        themes_of = defaultdict(list)
        linked = Theme.objects.filter(networks__active=True).annotate(network_pk=F("networks"))
        for theme in linked.order_by("name"):
            themes_of[theme.network_pk].append(theme)
        for group in groups.values():
            for network in group.networks:
                network.theme_list = themes_of[network.pk]
    return list(groups.values())


def network_choices(selected_slug):
    """(slug, name, selected) of the active networks for a filter's <select> (1 query): plain
    options instead of the form widget's template per option."""
    return [
        (network.slug, network.name, network.slug == selected_slug)
        for network in Network.objects.active()
    ]


def network_counts(groups):
    """{kind: number of active networks} of network_groups()."""
    return {group.kind: len(group.networks) for group in groups}


def event_for_page(pk):
    """One event with its network (1 query); 404 when there is none or its network is closed."""
    events = Event.objects.with_network().exclude(network__active=False)
    return get_object_or_404(events, pk=pk)


def events_of(network=None):
    """All events, or one network's, with the network joined in."""
    events = Event.objects.with_network()
    return events.filter(network=network) if network else events


def active_network(slug):
    return get_object_or_404(Network.objects.active(), slug=slug)
