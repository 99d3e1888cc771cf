from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from networks.models import Event
from tests.factories import EventFactory, NetworkFactory

pytestmark = pytest.mark.django_db


def test_event_cannot_end_before_it_starts_explained_in_finnish():
    start = timezone.now()
    event = Event(title="X", start=start, end=start - timedelta(hours=1), place="Turku")
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "Tapahtuma ei voi päättyä ennen kuin se alkaa." in error.value.message_dict["end"]


def test_database_refuses_event_ending_before_start():
    network = NetworkFactory()
    start = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.create(
            title="X", network=network, start=start, end=start - timedelta(hours=1), place="Turku"
        )


def test_event_needs_a_place_or_online():
    event = EventFactory.build(place="", online=False, network=None)
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "place" in error.value.message_dict


def test_upcoming_and_past_split_on_end_time():
    now = timezone.now()
    ongoing = EventFactory(start=now - timedelta(hours=1), end=now + timedelta(hours=1))
    past = EventFactory(start=now - timedelta(days=2), end=now - timedelta(days=2, hours=-1))
    assert list(Event.objects.upcoming()) == [ongoing]
    assert list(Event.objects.past()) == [past]


def test_network_url_uses_finnish_slug():
    assert NetworkFactory(slug="matkailu").get_absolute_url() == "/verkostot/matkailu/"
