"""An editor invites a contact person; the person sets a password from a one-time link."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from networks.models import ContactPerson, Network

pytestmark = pytest.mark.django_db

CONTACTS = "/admin/networks/contactperson/"


@pytest.fixture
def editor(demo_data, client):
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    return client


def link_in(message):
    return re.search(r"https?://\S+/admin/salasana/\S+/\S+/", message.body).group(0)


def test_editor_invites_a_contact_who_sets_a_password_and_assesses(editor, settings, client):
    settings.SITE_URL = "http://testserver"
    contact = ContactPerson.objects.filter(user=None).exclude(email="").first()
    network_slugs = set(contact.networks.values_list("slug", flat=True))
    response = editor.post(
        CONTACTS, {"action": "invite", "_selected_action": [contact.pk]}, follow=True
    )
    assert "Kutsu lähetetty" in response.content.decode()
    contact.refresh_from_db()
    user = contact.user
    assert user.groups.filter(name="Yhteyshenkilöt").exists()
    assert not user.has_usable_password()
    invitation = mail.outbox[-1]
    assert invitation.to == [contact.email]
    url = link_in(invitation)
    assert url in invitation.alternatives[0][0]

    client.logout()
    form = client.get(url.removeprefix("http://testserver"), follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url,
        {"new_password1": "Uusi-salasana-2026!", "new_password2": "Uusi-salasana-2026!"},
    )
    assert done.status_code == 302
    assert client.login(username=contact.email, password="Uusi-salasana-2026!")
    page = client.get("/admin/").content.decode()
    for slug in network_slugs:
        network = Network.objects.get(slug=slug)
        if network.measures.exists():
            assert f"/{slug}/" in page  # their assessment link on the index
    # The link worked once: it is no longer valid.
    client.logout()
    again = client.get(url.removeprefix("http://testserver"), follow=True)
    assert not again.context.get("validlink")


def test_network_action_invites_its_contacts_without_accounts(editor):
    network = Network.objects.filter(contacts__user=None).first()
    editor.post(
        "/admin/networks/network/",
        {"action": "invite_contacts", "_selected_action": [network.pk]},
    )
    invited = ContactPerson.objects.filter(networks=network).exclude(email="")
    assert all(c.user_id for c in invited)
    assert {m.to[0] for m in mail.outbox} >= {c.email for c in invited if c.user.email}


def test_contact_person_cannot_invite(demo_data, client):
    client.force_login(get_user_model().objects.get(username="yhteyshenkilo"))
    contact = ContactPerson.objects.filter(user=None).exclude(email="").first()
    client.post(CONTACTS, {"action": "invite", "_selected_action": [contact.pk]})
    contact.refresh_from_db()
    assert contact.user is None and not mail.outbox


def test_forgotten_password_link_on_admin_login(demo_data, client, settings):
    settings.SITE_URL = "https://portaali.example.fi"
    page = client.get("/admin/login/").content.decode()
    assert "/admin/salasana/" in page
    user = get_user_model().objects.get(username="yhteyshenkilo")
    user.email = "laura.nieminen@example.fi"
    user.save()
    response = client.post("/admin/salasana/", {"email": user.email})
    assert response.status_code == 302
    message = mail.outbox[-1]
    assert "https://portaali.example.fi/admin/salasana/" in message.body
    assert message.alternatives and "Hei," in message.body


def test_an_invitation_the_mail_server_refuses_creates_no_account(editor, settings, caplog):
    """The editor is told in Finnish, no account is left without its invitation, and the log
    line does not name the person's address."""
    settings.EMAIL_BACKEND = "tests.feedback.broken_mail.BrokenBackend"
    contact = ContactPerson.objects.filter(user=None).exclude(email="").first()
    response = editor.post(
        CONTACTS, {"action": "invite", "_selected_action": [contact.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Sähköpostipalvelin ei ottanut viestiä vastaan" in response.content.decode()
    contact.refresh_from_db()
    assert contact.user is None
    assert not get_user_model().objects.filter(username=contact.email).exists()
    assert contact.email not in caplog.text
