from datetime import timedelta

import pytest
from django.utils import timezone

from networks.models import ContactPerson, Event, Network, Theme

pytestmark = pytest.mark.django_db


def grow_networks(groups=300, events_each=10):
    """300 more groups with 10 events each, themes and a contact person."""
    theme = Theme.objects.create(name="Kasvuteema", slug="kasvuteema")
    networks = Network.objects.bulk_create(
        Network(slug=f"kasvu-{i}", name=f"Kasvuverkosto {i}") for i in range(groups)
    )
    Network.themes.through.objects.bulk_create(
        Network.themes.through(network=network, theme=theme) for network in networks
    )
    now = timezone.now()
    Event.objects.bulk_create(
        Event(
            title=f"Kasvutapahtuma {n.pk}-{i}",
            network=n,
            start=now + timedelta(days=i - 5),
            end=now + timedelta(days=i - 5, hours=2),
            place="Turku",
        )
        for n in networks
        for i in range(events_each)
    )
    contact = ContactPerson.objects.create(name="Kasvu Yhteys")
    contact.networks.set(networks)
    return networks


@pytest.mark.parametrize("url", ["/", "/verkostot/", "/verkostot/matkailu/", "/tapahtumat/"])
def test_query_count_does_not_grow_with_data(demo_data, count_queries, url):
    small = count_queries(url)
    grown = grow_networks()
    Event.objects.filter(network=grown[0]).update(network=Network.objects.get(slug="matkailu"))
    assert count_queries(url) == small
