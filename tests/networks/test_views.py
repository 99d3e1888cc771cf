import io

import pytest
from django.contrib.auth import get_user_model
from icalendar import Calendar

from networks.models import Event, Network

pytestmark = pytest.mark.django_db


def test_home_lists_networks_grouped_by_kind(client, demo_data):
    page = client.get("/").content.decode()
    assert "Kumppanuusverkostot" in page
    assert "Älykkään erikoistumisen työryhmät" in page
    assert "Matkailufoorumi" in page
    assert "S3 Innovatiiviset ruokaketjut" in page


def test_network_list_shows_all_13_groups_with_themes(client, demo_data):
    response = client.get("/verkostot/")
    page = response.content.decode()
    assert response.status_code == 200
    for network in Network.objects.all():
        assert network.name in page
    assert Network.objects.count() == 13
    assert "merialuesuunnittelu" in page


def test_network_page_shows_contact_person_and_how_to_join(client, demo_data):
    page = client.get("/verkostot/matkailu/").content.decode()
    assert "Laura Nieminen" in page
    assert "Varsinais-Suomen liitto" in page
    assert "Miten mukaan?" in page
    assert "Koronasta elpyminen: matkailun webinaari" in page  # a past event


def test_network_description_markdown_is_rendered_safely(client, demo_data):
    Network.objects.filter(slug="matkailu").update(
        description="**Lihava** <script>alert(1)</script> [linkki](javascript:alert(1))"
    )
    page = client.get("/verkostot/matkailu/").content.decode()
    assert "<strong>Lihava</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert 'href="javascript:' not in page


def test_unknown_network_is_a_finnish_404(client, demo_data):
    response = client.get("/verkostot/ei-ole/")
    assert response.status_code == 404
    assert "Sivua ei löytynyt" in response.content.decode()


def test_inactive_network_is_hidden(client, demo_data):
    Network.objects.filter(slug="matkailu").update(active=False)
    assert client.get("/verkostot/matkailu/").status_code == 404
    assert "Matkailufoorumi" not in client.get("/verkostot/").content.decode()


def test_events_filter_by_network(client, demo_data):
    page = client.get("/tapahtumat/?verkosto=jarjestot").content.decode()
    assert "Järjestöfoorumi 2020" in page
    assert "Merialuesuunnitelman julkistus" not in page


@pytest.mark.parametrize("query", ["verkosto=ei-ole", "verkosto=%00", "verkosto[]=x", "page=abc"])
def test_bad_event_filter_never_500(client, demo_data, query):
    response = client.get(f"/tapahtumat/?{query}")
    assert response.status_code in (200, 400, 404)  # NUL: the 400 page
    if "verkosto" in query and response.status_code == 200:
        assert "Merialuesuunnitelman julkistus" in response.content.decode()


def test_ical_feed_parses_and_holds_the_events(client, demo_data):
    response = client.get("/tapahtumat.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    summaries = {str(component["summary"]) for component in calendar.walk("VEVENT")}
    assert summaries == set(Event.objects.values_list("title", flat=True))
    assert "Älykkäästi, Varsinais-Suomi!" in summaries


def test_network_ical_feed_holds_only_its_events(client, demo_data):
    calendar = Calendar.from_ical(client.get("/verkostot/jarjestot/tapahtumat.ics").content)
    summaries = [str(component["summary"]) for component in calendar.walk("VEVENT")]
    assert summaries == ["Järjestöfoorumi 2020"]


def test_base_layout_has_skip_link_and_finnish_lang(client, demo_data):
    page = client.get("/verkostot/").content.decode()
    assert '<html lang="fi">' in page
    assert 'href="#sisalto"' in page and "Siirry sisältöön" in page
    assert '<main id="sisalto"' in page
    assert "Saavutettavuusseloste" in page
    assert "cdn" not in page.lower()


def test_accessibility_statement_page(client, db):
    response = client.get("/saavutettavuusseloste/")
    assert response.status_code == 200
    assert "WCAG 2.1" in response.content.decode()


def test_demo_load_is_idempotent(demo_data):
    from django.core.management import call_command

    counts = (Network.objects.count(), Event.objects.count(), get_user_model().objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (
        Network.objects.count(),
        Event.objects.count(),
        get_user_model().objects.count(),
    ) == counts


@pytest.mark.django_db
def test_demo_texts_are_finnish_whatever_language_the_last_request_used(client):
    """The test client, like a worker thread, keeps the language of the last request it served;
    the demo loader must still write its Finnish texts into the Finnish fields."""
    import io

    from django.core.management import call_command

    from barometer.models import Statement

    assert client.get("/en/").status_code == 200
    call_command("load_demo", stdout=io.StringIO())
    assert Statement.objects.exclude(text_fi="").count() == Statement.objects.count() > 0
    page = client.get("/barometri/2020/").content.decode()
    assert Statement.objects.get(key="visio").text_fi in page
