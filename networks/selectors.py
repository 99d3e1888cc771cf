"""Reads for the networks' public pages: one function per page, a fixed number of queries."""

from collections import defaultdict
from typing import NamedTuple

from django.db.models import F
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import compiledsql
import fragments
from reversing import reverse_by

from .models import Event, Network, Theme

GROUP_TITLES = {
    Network.Kind.NETWORK: _("Kumppanuusverkostot"),
    Network.Kind.SMART_SPECIALISATION: _("Älykkään erikoistumisen työryhmät"),
}


class ThemeBadge(NamedTuple):
    name: str
    lang: str  # ' lang="fi"' when the name falls back to Finnish


class NetworkCard(NamedTuple):
    name: str
    name_lang: str
    url: str
    short_description: str
    description_lang: str
    themes: tuple  # ThemeBadge


class NetworkGroup(NamedTuple):
    kind: str
    title: str
    networks: tuple  # NetworkCard


def network_groups(with_themes=False):
    """The active networks as plain cards grouped by kind, in listing order (1 query; 2 with
    their themes), read as values. The themes come in one flat query instead of a prefetch:
    the prefetch's per-network querysets cost more than the page's rendering of them."""
    themes_of = defaultdict(list)
    if with_themes:
        names = fragments.TranslatedFields("name")
        for network_pk, *values in _active_network_themes.rows():
            themes_of[network_pk].append(ThemeBadge(*names.texts(values)[0]))
    texts = fragments.TranslatedFields("name", "short_description")
    cards = {}
    for pk, slug, kind, *values in _active_networks.rows():
        (name, name_lang), (description, description_lang) = texts.texts(values)
        cards.setdefault(kind, []).append(
            NetworkCard(
                name=name,
                name_lang=name_lang,
                url=reverse_by("networks:network-detail", slug=slug),
                short_description=description,
                description_lang=description_lang,
                themes=tuple(themes_of[pk]),
            )
        )
    return [
        NetworkGroup(kind, GROUP_TITLES.get(kind, ""), tuple(networks))
        for kind, networks in cards.items()
    ]


@compiledsql.query()
def _active_network_themes():
    linked = Theme.objects.filter(networks__active=True).annotate(network_pk=F("networks"))
    names = fragments.TranslatedFields("name")
    return linked.order_by("name").values_list("network_pk", *names.columns)


@compiledsql.query()
def _active_networks():
    listed = Network.objects.active().order_by("kind", "order", "name")
    texts = fragments.TranslatedFields("name", "short_description")
    return listed.values_list("pk", "slug", "kind", *texts.columns)


def network_cards(groups):
    """network_groups() drawn, once per distinct content."""
    return fragments.draw("includes/network_groups.html", network_groups=groups)


class NetworkLink(NamedTuple):
    name: str
    url: str
    lang: str


class EventRow(NamedTuple):
    url: str
    title: str
    title_lang: str
    start: object  # aware datetime
    end: object
    location_label: str
    place_lang: str
    description: str
    description_lang: str
    network: NetworkLink | None


def event_items(events, *, show_network=False, compact=False):
    """The <li> items of `events`, drawn from plain rows once per distinct content, language
    and time zone; "" when there are none. `events` is a sequence of EventRows (an EventList's
    page), or of models or a published review's stored copies."""
    rows = tuple(event if isinstance(event, EventRow) else _event_row_of(event) for event in events)
    if not rows:
        return ""
    return fragments.draw(
        "includes/event_items.html", events=rows, show_network=show_network, compact=compact
    )


class EventList:
    """The public events that are upcoming (soonest first) or past (latest first) at `now`,
    of every network or of one, as a paginator reads them: `count()` and a slice of EventRows,
    one compiled query each."""

    def __init__(self, when, network=None, now=None):
        self.when = when  # "upcoming" or "past"
        self.network_pk = getattr(network, "pk", network)
        self.now = now or timezone.now()

    def count(self):
        query = _NETWORK_EVENT_COUNT if self.network_pk else _EVENT_COUNT
        ((count,),) = query.rows(self.when, **self._values())
        return count

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step:
            raise TypeError("an EventList is read a slice at a time")
        query = _NETWORK_EVENTS if self.network_pk else _EVENTS
        return _event_rows(query.rows(self.when, index.start, index.stop, **self._values()))

    def _values(self):
        if self.network_pk:
            return {"now": self.now, "network": self.network_pk}
        return {"now": self.now}


def _events_when(when, *, now, network=None):
    events = events_of(network)
    return events.upcoming(now) if when == "upcoming" else events.past(now)


def _event_list_query(when, start, stop, *, now, network=None):
    columns = ("pk", "title", "start", "end", "place", "online", "description", "network__slug")
    events = _events_when(when, now=now, network=network)[start:stop]
    return events.values_list(*columns, *fragments.TranslatedFields("network__name").columns)


def _event_count_query(when, *, now, network=None):
    return compiledsql.count_of(_events_when(when, now=now, network=network))


_ENDS = {"now": Event._meta.get_field("end")}
_OF_NETWORK = {**_ENDS, "network": Event._meta.get_field("network")}
_EVENTS = compiledsql.CompiledQuery(_event_list_query, **_ENDS)
_NETWORK_EVENTS = compiledsql.CompiledQuery(_event_list_query, **_OF_NETWORK)
_EVENT_COUNT = compiledsql.CompiledQuery(_event_count_query, **_ENDS)
_NETWORK_EVENT_COUNT = compiledsql.CompiledQuery(_event_count_query, **_OF_NETWORK)


def _event_rows(rows):
    """EventRows of _event_list_query's rows, in their order."""
    names = fragments.TranslatedFields("network__name")
    events = []
    for pk, title, start, end, place, online, description, slug, *name in rows:
        network = None
        if slug:
            ((network_name, lang),) = names.texts(name)
            url = reverse_by("networks:network-detail", slug=slug)
            network = NetworkLink(network_name, url, lang)
        url = reverse_by("networks:event-detail", pk=pk)
        location = Event.location_text(place, online)
        events.append(_event_row(url, title, start, end, place, location, description, network))
    return tuple(events)


def _event_row_of(event):
    network = event.network and NetworkLink(
        event.network.name, _url(event.network), fragments.fallback_lang(event.network, "name")
    )
    return _event_row(
        _url(event),
        event.title,
        event.start,
        event.end,
        event.place,
        event.location_label,
        event.description,
        network,
    )


def _event_row(url, title, start, end, place, location_label, description, network):
    """Events are kept in Finnish alone: their texts are marked as such on other pages."""
    return EventRow(
        url=url,
        title=title,
        title_lang=fragments.finnish_only(title)[1],
        start=start,
        end=end,
        location_label=str(location_label),
        place_lang=fragments.finnish_only(place)[1],
        description=description,
        description_lang=fragments.finnish_only(description)[1],
        network=network,
    )


def _url(obj):
    url = obj.get_absolute_url  # a stored copy keeps the URL it had as a value
    return url() if callable(url) else url


def network_choices(selected_slug):
    """(slug, name, selected) of the active networks for a filter's <select> (1 query): plain
    options instead of the form widget's template per option."""
    names = fragments.TranslatedFields("name")
    return [
        (slug, names.texts(values)[0][0], slug == selected_slug)
        for slug, *values in Network.objects.active().values_list("slug", *names.columns)
    ]


def network_counts(groups):
    """{kind: number of active networks} of network_groups()."""
    return {group.kind: len(group.networks) for group in groups}


def event_for_page(pk):
    """One event with its network (1 query); 404 when there is none or its network is closed."""
    return get_object_or_404(Event.objects.public(), pk=pk)


def events_of(network=None):
    """All public events, or one network's, with the network joined in."""
    events = Event.objects.public()
    return events.filter(network=network) if network else events


def active_network(slug):
    return get_object_or_404(Network.objects.active(), slug=slug)
