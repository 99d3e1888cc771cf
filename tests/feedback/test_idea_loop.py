"""The editor's idea loop: triage list, forwarding email, public summary, sender's receipt."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache

from feedback.models import Idea
from feedback.services import idea_forward
from networks.models import Network

pytestmark = pytest.mark.django_db

IDEAS = "/admin/feedback/idea/"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


@pytest.fixture
def editor(demo_data, client):
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    return client


def post_idea(client, path="/kehittamisideat/", **changes):
    data = {
        "topic": "verkkosivut",
        "message": "Tapahtumakalenteriin voisi lisätä suodatuksen teemoittain.",
        "name": "Maija Meikäläinen",
        "email": "maija@example.fi",
        "organisation": "Turun kaupunki",
        "consent_to_contact": "on",
        "submission_token": str(uuid.uuid4()),
        **changes,
    }
    return client.post(path, {k: v for k, v in data.items() if v is not None})


def test_ideas_list_shows_beginning_topic_state_network_and_filters_by_year(editor):
    idea = Idea.objects.exclude(forwarded_to=None).first()
    page = editor.get(IDEAS)
    text = page.content.decode()
    assert idea.excerpt[:40] in text
    assert idea.forwarded_to.name in text
    assert idea.get_state_display() in text
    titles = [spec.title for spec in page.context["cl"].filter_specs]
    assert "tila" in titles and "saapumisvuosi" in titles
    year = idea.created.year
    filtered = editor.get(IDEAS, {"vuosi": year, "state": idea.state}).context["cl"].queryset
    assert idea in filtered
    assert all(i.created.year == year and i.state == idea.state for i in filtered)


def test_forwarding_email_has_the_text_and_a_working_link(editor, settings):
    settings.SITE_URL = "https://portaali.example.fi"
    idea = Idea.objects.create(
        topic="muu", message="Yhteinen tapahtumakalenteri kaikille verkostoille.", name="Pekka"
    )
    idea_forward(idea=idea, network=Network.objects.get(slug="matkailu"))
    message = mail.outbox[-1]
    assert "Yhteinen tapahtumakalenteri kaikille verkostoille." in message.body
    link = f"https://portaali.example.fi/admin/feedback/idea/{idea.pk}/change/"
    assert link in message.body and link in message.alternatives[0][0]
    assert "Pekka" not in message.body  # no consent: the name stays with the editors
    assert editor.get(link.removeprefix("https://portaali.example.fi")).status_code == 200


def test_forwarding_says_consent_was_given_but_not_the_contact_details(demo_data):
    """The network's contacts learn that they may ask the editors for the sender's details;
    the details themselves stay with the editors (a mail is out of the purge's reach)."""
    idea = Idea.objects.create(
        topic="muu",
        message="Haluaisin esitellä hankkeemme verkostolle. Terveisin Maija Meikäläinen",
        name="Maija Meikäläinen",
        email="maija@example.fi",
        consent_to_contact=True,
    )
    idea_forward(idea=idea, network=Network.objects.get(slug="matkailu"))
    forwarded = mail.outbox[-1]
    html = forwarded.alternatives[0][0]
    for part in (forwarded.body, html):
        assert "Yhteystiedot saat toimitukselta" in part
        assert "maija@example.fi" not in part and "Meikäläinen" not in part
        assert "Haluaisin esitellä hankkeemme verkostolle. Terveisin [poistettu]" in part


def test_public_summary_shows_the_editors_summary_not_the_senders_text(client, demo_data):
    """The summary follows an editor's change even when the page drawn before it is kept."""
    first = client.get("/kehittamisideat/koonti/").content.decode()
    idea = Idea.objects.exclude(public_response="").first()
    assert "Toive: enemmän tapaamisia saaristossa." not in first
    idea.message = "Lähettäjän oma pitkä teksti, jota ei julkaista."
    idea.summary = "Toive: enemmän tapaamisia saaristossa."
    idea.save()
    page = client.get("/kehittamisideat/koonti/").content.decode()
    assert "Toive: enemmän tapaamisia saaristossa." in page
    assert idea.public_response in page
    assert "Lähettäjän oma pitkä teksti" not in page


def test_sender_with_consent_gets_a_receipt_in_their_language(client, db, settings):
    settings.SITE_URL = "https://portaali.example.fi"
    response = post_idea(client, path="/sv/kehittamisideat/")
    assert response.status_code == 302
    receipt = next(m for m in mail.outbox if m.to == ["maija@example.fi"])
    assert "Tapahtumakalenteriin voisi lisätä suodatuksen teemoittain." in receipt.body
    assert "https://portaali.example.fi/sv/kehittamisideat/koonti/" in receipt.body
    assert "Tack" in receipt.subject
    html = receipt.alternatives[0][0]
    assert (
        'lang="sv"' in html
        and 'href="https://portaali.example.fi/sv/kehittamisideat/koonti/"' in html
    )


def test_no_receipt_without_email_and_consent(client, db):
    post_idea(client, email="", consent_to_contact=None)
    assert Idea.objects.count() == 1
    assert not [m for m in mail.outbox if "maija@example.fi" in m.to]
