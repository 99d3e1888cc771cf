"""Reads for the networks' public pages: one function per page, a fixed number of queries."""

from django.shortcuts import get_object_or_404

from .models import Event, Network


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
