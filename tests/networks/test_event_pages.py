"""Each event has its own page and .ics; filtered lists offer the network's feed; past events
have an archive; iCal fields follow RFC 5545."""

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from networks.models import Event, Network
from tests.factories import EventFactory, NetworkFactory

pytestmark = pytest.mark.django_db


def _vevents(content):
    return [c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT"]


def test_event_has_its_own_page(client, demo_data):
    event = Event.objects.get(title="Koronasta elpyminen: matkailun webinaari")
    response = client.get(f"/tapahtumat/{event.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in page and event.title in page
    assert "Matkailufoorumi" in page  # the organiser, linked
    assert f'href="/tapahtumat/{event.pk}/tapahtuma.ics"' in page
    assert "Mennyt tapahtuma" in page


def test_event_lists_link_to_the_event_pages(client, demo_data):
    event = Event.objects.get(title="Avoimen tiedon aamukahvit")
    for url in ("/", "/tapahtumat/", "/verkostot/avoin-tieto/"):
        assert f'href="/tapahtumat/{event.pk}/"' in client.get(url).content.decode(), url


def test_unknown_event_or_closed_network_is_404(client, db):
    assert client.get("/tapahtumat/999999/").status_code == 404
    hidden = EventFactory(network=NetworkFactory(active=False))
    assert client.get(f"/tapahtumat/{hidden.pk}/").status_code == 404
    assert client.get(f"/tapahtumat/{hidden.pk}/tapahtuma.ics").status_code == 404


def test_a_closed_networks_events_leave_every_list_feed_and_search(client, demo_data):
    """Its page answers 404, so no list, calendar feed or search may still offer the event."""
    title = "Koronasta elpyminen: matkailun webinaari"
    places = ["/tapahtumat/arkisto/", "/tapahtumat.ics", "/haku/?q=koronasta+elpyminen"]
    assert all(title in client.get(url).content.decode() for url in places)
    Network.objects.filter(slug="matkailu").update(active=False)
    still = [url for url in places if title in client.get(url).content.decode()]
    assert still == []


def test_single_event_ics_has_stamp_uid_and_url_from_site_url(client, settings, demo_data):
    settings.SITE_URL = "https://kumppanuus.example.fi/"
    event = Event.objects.get(title="Järjestöfoorumi 2020")
    before = timezone.now().replace(microsecond=0)
    response = client.get(f"/tapahtumat/{event.pk}/tapahtuma.ics")
    assert response["Content-Type"].startswith("text/calendar")
    (component,) = _vevents(response.content)
    stamp = component.decoded("dtstamp")
    assert stamp != component.decoded("dtstart")
    assert before <= stamp <= timezone.now() + timedelta(seconds=1)  # when it was generated
    assert str(component["url"]) == f"https://kumppanuus.example.fi/tapahtumat/{event.pk}/"
    again = _vevents(client.get("/tapahtumat.ics").content)
    assert str(component["uid"]) in {str(c["uid"]) for c in again}  # stable across feeds


def test_uid_is_stable_when_the_event_changes(client, demo_data):
    event = Event.objects.get(title="Järjestöfoorumi 2020")
    first = _vevents(client.get(f"/tapahtumat/{event.pk}/tapahtuma.ics").content)[0]["uid"]
    Event.objects.filter(pk=event.pk).update(title="Järjestöfoorumi 2020 (siirretty)")
    second = _vevents(client.get(f"/tapahtumat/{event.pk}/tapahtuma.ics").content)[0]["uid"]
    assert first == second


def test_filtered_list_offers_the_networks_feed_not_only_all_events(client, demo_data):
    page = client.get("/tapahtumat/?verkosto=matkailu").content.decode()
    assert 'href="/verkostot/matkailu/tapahtumat.ics"' in page
    main = page.split('id="sisalto"')[1].split("<footer")[0]
    assert 'href="/tapahtumat.ics"' not in main
    unfiltered = client.get("/tapahtumat/").content.decode().split('id="sisalto"')[1]
    assert 'href="/tapahtumat.ics"' in unfiltered.split("<footer")[0]


def test_archive_lists_past_events_only_newest_first_and_filters(client, demo_data):
    page = client.get("/tapahtumat/arkisto/").content.decode()
    assert "Ruokakehittäjien verkostotapaaminen" in page
    assert "Avoimen tiedon aamukahvit" not in page  # upcoming
    assert page.index("Ruokakehittäjien") < page.index("Järjestöfoorumi 2020")  # 2021 first
    filtered = client.get("/tapahtumat/arkisto/?verkosto=matkailu").content.decode()
    assert "Koronasta elpyminen: matkailun webinaari" in filtered
    assert "Järjestöfoorumi 2020" not in filtered
    assert 'href="/verkostot/matkailu/tapahtumat.ics"' in filtered


def test_archive_query_count_is_constant(demo_data, count_queries):
    small = count_queries("/tapahtumat/arkisto/")
    network = Network.objects.get(slug="matkailu")
    now = timezone.now()
    Event.objects.bulk_create(
        Event(
            title=f"Vanha {i}",
            network=network,
            start=now - timedelta(days=i + 400),
            end=now - timedelta(days=i + 400) + timedelta(hours=1),
            place="Turku",
        )
        for i in range(200)
    )
    assert count_queries("/tapahtumat/arkisto/") == small
    event = Event.objects.filter(network=network).first()
    single = count_queries(f"/tapahtumat/{event.pk}/")
    assert single <= 4


def test_sitemap_lists_event_pages_and_archive(client, demo_data):
    sitemap = client.get("/sitemap.xml").content.decode()
    for event in Event.objects.all():
        assert f"/tapahtumat/{event.pk}/</loc>" in sitemap
    assert "/tapahtumat/arkisto/</loc>" in sitemap
