"""Contact persons add and edit their own networks' events in the admin, and only those."""

import pytest
from django.contrib.auth import get_user_model

from networks.models import ContactPerson, Event, Network

pytestmark = pytest.mark.django_db

EVENTS = "/admin/networks/event/"


@pytest.fixture
def contact(demo_data, client):
    client.force_login(get_user_model().objects.get(username="yhteyshenkilo"))
    return client


def event_data(network, title="Matkailuaamu"):
    return {
        "title": title,
        "network": network.pk,
        "start_0": "2027-03-01",
        "start_1": "09:00",
        "end_0": "2027-03-01",
        "end_1": "11:00",
        "place": "Turku",
        "description": "",
        "registration_url": "",
    }


def test_contact_person_adds_an_event_for_their_network(contact):
    matkailu = Network.objects.get(slug="matkailu")
    response = contact.post(f"{EVENTS}add/", event_data(matkailu))
    assert response.status_code == 302
    assert Event.objects.filter(title="Matkailuaamu", network=matkailu).exists()


def test_contact_person_cannot_add_an_event_for_another_network(contact):
    other = Network.objects.get(slug="jarjestot")
    before = Event.objects.count()
    response = contact.post(f"{EVENTS}add/", event_data(other, "Väärä verkosto"))
    assert response.status_code == 400  # the form says the choice is not valid
    assert response.context["adminform"].form.errors["network"]
    assert Event.objects.count() == before


def test_contact_person_edits_own_events_only(contact):
    matkailu = Network.objects.get(slug="matkailu")
    own = Event.objects.filter(network=matkailu).first() or Event.objects.create(
        title="Oma",
        network=matkailu,
        start="2027-01-01T10:00Z",
        end="2027-01-01T12:00Z",
        place="Turku",
    )
    other = Event.objects.exclude(network=matkailu).exclude(network=None).first()
    listed = set(contact.get(EVENTS).context["cl"].queryset)
    assert own in listed and other not in listed
    response = contact.post(f"{EVENTS}{own.pk}/change/", event_data(matkailu, "Uusi otsikko"))
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.title == "Uusi otsikko"
    before = other.title
    response = contact.post(f"{EVENTS}{other.pk}/change/", event_data(matkailu, "Kaapattu"))
    assert response.status_code in (302, 403)
    other.refresh_from_db()
    assert other.title == before and other.network != matkailu


def test_removed_contact_loses_event_rights_at_once(contact):
    matkailu = Network.objects.get(slug="matkailu")
    own = Event.objects.create(
        title="Oma",
        network=matkailu,
        start="2027-01-01T10:00Z",
        end="2027-01-01T12:00Z",
        place="Turku",
    )
    ContactPerson.objects.get(user__username="yhteyshenkilo").networks.remove(matkailu)
    response = contact.post(f"{EVENTS}{own.pk}/change/", event_data(matkailu, "Myöhässä"))
    assert response.status_code in (302, 403)
    own.refresh_from_db()
    assert own.title == "Oma"
