import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback.models import Idea
from feedback.services import ideas_erase_personal_data
from networks.models import ContactPerson, Network
from tests.conftest import reset_rate_limits
from tests.factories import IdeaFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM = "/kehittamisideat/"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def valid(**changes):
    data = {
        "topic": "verkkosivut",
        "message": "Sivuille voisi lisätä hakutoiminnon.",
        "name": "Maija Meikäläinen",
        "email": "maija@example.fi",
        "organisation": "Turun kaupunki",
        "consent_to_contact": "on",
        "submission_token": str(uuid.uuid4()),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_valid_idea_is_stored_once_with_prg(client, settings):
    settings.FEEDBACK_NOTIFY_EMAILS = ["toimitus@example.fi"]
    data = valid()
    response = client.post(FORM, data)
    assert response.status_code == 302 and response["Location"] == "/kehittamisideat/kiitos/"
    assert Idea.objects.count() == 1
    again = client.post(FORM, data)  # a double click sends the same token twice
    assert again.status_code == 302
    assert Idea.objects.count() == 1
    assert "Kiitos ideastasi!" in client.get(response["Location"]).content.decode()
    editors = [m for m in mail.outbox if m.to == ["toimitus@example.fi"]]
    assert len(editors) == 1
    assert "maija@example.fi" not in editors[0].body  # no personal data in the email


@pytest.mark.parametrize(
    "changes, field_message",
    [
        ({"message": ""}, "Kirjoita kehittämisideasi."),
        ({"message": "lyhyt"}, "vähintään 10 merkillä"),
        # Invisible characters are no text: an editor would get an empty-looking idea.
        ({"message": "\u2063" * 12}, "vähintään 10 merkillä"),
        ({"message": "hei" + "\u200b" * 10 + "\u00a0" * 3}, "vähintään 10 merkillä"),
        ({"message": "\u202e\u2066" * 8}, "vähintään 10 merkillä"),
        ({"message": "x" * 4001}, "enintään 4000 merkkiä"),
        ({"email": "ei-osoite"}, "Tarkista sähköpostiosoite"),
        ({"consent_to_contact": None}, "anna myös lupa ottaa sinuun yhteyttä"),
        ({"topic": "politiikka"}, "Valitse aihe annetuista vaihtoehdoista."),
        ({"topic": None}, "Valitse, mitä ideasi koskee."),
        ({"submission_token": "ei-uuid"}, "Lomake on vanhentunut."),
    ],
)
def test_bad_input_gets_finnish_message_and_stores_nothing(client, changes, field_message):
    response = client.post(FORM, valid(**changes))
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert Idea.objects.count() == 0


def test_ten_visible_characters_among_invisible_ones_are_enough(client):
    response = client.post(FORM, valid(message="\u200bIdea: lisää\u2063 haku"))
    assert response.status_code == 302
    assert Idea.objects.get().message == "\u200bIdea: lisää\u2063 haku"


def test_html_is_stored_as_text_and_shown_escaped(client):
    script = "<script>alert('x')</script> Parempi haku sivuille"
    client.post(FORM, valid(message=script))
    idea = Idea.objects.get()
    assert idea.message == script
    idea.public_response = "<b>Kiitos</b> <script>alert(1)</script>"
    idea.save()
    page = client.get("/kehittamisideat/koonti/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_honeypot_is_silently_dropped(client):
    response = client.post(FORM, valid(kotisivu="http://roskapostia.example"))
    assert response.status_code == 302
    assert Idea.objects.count() == 0


def test_rate_limit_gives_429_in_finnish(client):
    for n in range(5):
        assert client.post(FORM, valid(message=f"Idea numero {n}: lisää")).status_code == 302
    response = client.post(FORM, valid(message="Kuudes idea, joka ei mahdu rajaan."))
    assert response.status_code == 429
    page = response.content.decode()
    assert "Liian monta lähetystä" in page
    assert "Kuudes idea, joka ei mahdu rajaan." in page  # the form again, text kept
    assert Idea.objects.count() == 5


def test_missing_csrf_token_is_refused(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(FORM, valid())
    assert response.status_code == 403
    assert Idea.objects.count() == 0


def test_get_with_odd_query_parameters_is_fine(client):
    assert client.get(FORM + "?topic=<script>&message[]=x&%00=1").status_code == 200


def test_failing_mail_server_keeps_the_idea(client, settings, caplog):
    settings.FEEDBACK_NOTIFY_EMAILS = ["toimitus@example.fi"]
    settings.EMAIL_BACKEND = "tests.feedback.broken_mail.BrokenBackend"
    response = client.post(FORM, valid())
    assert response.status_code == 302
    assert Idea.objects.count() == 1
    assert "notification for idea" in caplog.text
    assert "maija@example.fi" not in caplog.text and "Maija" not in caplog.text


def test_summary_shows_counts_and_public_responses_without_personal_data(client, demo_data):
    Idea.objects.filter(email="esimerkki@example.fi").update(message="Yksityinen viesti 123")
    page = client.get("/kehittamisideat/koonti/").content.decode()
    assert "Tapahtumat voi nyt tilata iCal-kalenterina" in page
    for secret in ["Esimerkki Henkilö", "esimerkki@example.fi", "Yksityinen viesti 123"]:
        assert secret not in page


def test_personal_data_absent_from_every_public_page(client, demo_data):
    Idea.objects.update(name="Salainen Nimi", organisation="Salainen Oy")
    for url in [
        "/",
        "/verkostot/",
        "/verkostot/matkailu/",
        "/tapahtumat/",
        "/ohjelma/",
        "/barometri/",
        "/kehittamisideat/",
        "/kehittamisideat/koonti/",
        "/avoin-data/",
        "/avoin-data/toimenpiteiden-tilat.json",
        "/avoin-data/barometri.json",
    ]:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for secret in ["Salainen Nimi", "Salainen Oy", "esimerkki@example.fi"]:
            assert secret not in body.decode(), url


def test_purge_erases_personal_data_of_old_ideas_only(db, settings):
    settings.FEEDBACK_RETENTION_MONTHS = 24
    old = Idea.objects.create(
        topic="muu",
        message="Vanha idea tässä",
        name="Vanha",
        email="v@example.fi",
        consent_to_contact=True,
    )
    new = Idea.objects.create(
        topic="muu",
        message="Uusi idea tässä",
        name="Uusi",
        email="u@example.fi",
        consent_to_contact=True,
    )
    Idea.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=800))
    call_command("purge_feedback_personal_data", stdout=__import__("io").StringIO())
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.name, old.email, old.organisation) == ("", "", "")
    assert old.message == "Vanha idea tässä" and old.personal_data_purged_at
    assert (new.name, new.email) == ("Uusi", "u@example.fi")


def test_contact_person_sees_only_ideas_forwarded_to_own_networks(client, demo_data):
    from feedback.services import idea_forward

    jarjestot_idea = Idea.objects.exclude(forwarded_to__slug="matkailu").first()
    idea_forward(idea=jarjestot_idea, network=Network.objects.get(slug="jarjestot"))
    client.login(username="yhteyshenkilo", password="kumppanuus-demo-2026")
    listed = set(client.get("/admin/feedback/idea/").context["cl"].queryset)
    assert listed == set(Idea.objects.filter(forwarded_to__slug="matkailu"))
    assert client.get(f"/admin/feedback/idea/{jarjestot_idea.pk}/change/").status_code == 302
    own = Idea.objects.filter(forwarded_to__slug="matkailu").first()
    page = client.get(f"/admin/feedback/idea/{own.pk}/change/").content.decode()
    assert "network_note" in page
    assert 'name="staff_note"' not in page and 'name="state"' not in page


def test_forwarding_emails_the_networks_contacts(demo_data):
    from feedback.services import idea_forward

    idea = Idea.objects.filter(forwarded_to=None).first()
    idea_forward(idea=idea, network=Network.objects.get(slug="kulttuuri"))
    contact = ContactPerson.objects.filter(networks__slug="kulttuuri").first()
    assert mail.outbox[-1].to == [contact.email]
    assert idea.state in ("kasittelyssa", "vastattu", "arkistoitu")


def test_csv_export_has_personal_data_for_editors_only(client, demo_data):
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    ids = list(Idea.objects.values_list("pk", flat=True))
    editor_csv = client.post(
        "/admin/feedback/idea/", {"action": "export_csv", "_selected_action": ids}
    )
    assert "esimerkki@example.fi" in editor_csv.content.decode()
    client.logout()
    client.login(username="yhteyshenkilo", password="kumppanuus-demo-2026")
    own_ids = list(Idea.objects.filter(forwarded_to__slug="matkailu").values_list("pk", flat=True))
    Idea.objects.filter(pk__in=own_ids).update(
        email="piilo@example.fi",
        consent_to_contact=True,
        message="Hyvä idea verkostolle. Terveisin piilo@example.fi",  # the sender signed it
    )
    contact_csv = client.post(
        "/admin/feedback/idea/", {"action": "export_csv", "_selected_action": own_ids}
    )
    assert contact_csv.status_code == 200
    assert "piilo@example.fi" not in contact_csv.content.decode()
    assert "Hyvä idea verkostolle. Terveisin [poistettu]" in contact_csv.content.decode()


def test_user_without_role_cannot_open_ideas(client, demo_data):
    client.force_login(UserFactory(username="tavallinen"))
    assert client.get("/admin/feedback/idea/").status_code == 403


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=st.fixed_dictionaries(
        {},
        optional={
            "topic": st.one_of(
                st.sampled_from(["verkkosivut", "toiminta", "muu"]), st.text(max_size=10)
            ),
            "message": st.text(max_size=120),
            "name": st.text(max_size=30),
            "email": st.one_of(st.emails(), st.text(max_size=20)),
            "organisation": st.text(max_size=30),
            "consent_to_contact": st.sampled_from(["on", "", "false"]),
            "submission_token": st.one_of(st.uuids().map(str), st.text(max_size=10)),
            "kotisivu": st.text(max_size=5),
        },
    )
)
def test_random_posts_never_500_and_never_store_invalid(client, payload):
    cache.clear()
    reset_rate_limits()
    before = Idea.objects.count()
    response = client.post(FORM, payload)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert Idea.objects.count() == before
    for idea in Idea.objects.all():
        idea.full_clean(exclude=["submission_token"])


@pytest.mark.parametrize("forwarded", ["", "not-an-ip", "203.0.113.7", "10.0.0.1, 198.51.100.2"])
def test_rate_limit_survives_any_forwarded_header(client, forwarded):
    response = client.post(FORM, valid(), HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 302


def test_editor_erases_a_senders_data_on_request_and_a_contact_person_cannot(client, demo_data):
    """ "Voit pyytää tietojesi poistamista": the idea stays, its sender's data goes, in its
    fields and where they signed it; a contact person's forged POST of the action does nothing."""
    from django.contrib.auth import get_user_model

    from networks.models import Network

    idea = Idea.objects.create(
        topic="muu",
        message="Hyvä idea. Terveisin Maija Meikäläinen, maija@example.fi",
        name="Maija Meikäläinen",
        email="maija@example.fi",
        organisation="Esimerkki Oy",
        consent_to_contact=True,
        forwarded_to=Network.objects.get(slug="matkailu"),
    )
    data = {"action": "erase_personal_data", "_selected_action": [idea.pk]}
    client.force_login(get_user_model().objects.get(username="yhteyshenkilo"))
    client.post("/admin/feedback/idea/", data)
    assert Idea.objects.get(pk=idea.pk).email == "maija@example.fi"
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    response = client.post("/admin/feedback/idea/", data, follow=True)
    assert "Lähettäjän tiedot poistettu 1 ideasta." in response.content.decode()
    idea.refresh_from_db()
    assert (idea.name, idea.email, idea.organisation, idea.consent_to_contact) == (
        "",
        "",
        "",
        False,
    )
    assert idea.message == "Hyvä idea. Terveisin [poistettu], [poistettu]"
    assert idea.personal_data_purged_at is not None


def test_the_public_texts_never_keep_the_senders_details(client, demo_data):
    """A careless editor types the sender's name or address into the texts the public summary
    shows: the admin refuses it in Finnish and saves nothing; texts saved before the rule lose
    them when the sender's data is erased (found by the outside tester)."""
    from django.contrib.auth import get_user_model

    idea = IdeaFactory(message="Kalenteri kaikille. Sanna Salainen")
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    url = f"/admin/feedback/idea/{idea.pk}/change/"
    form = {"state": "vastattu", "summary": "Kalenteri", "staff_note": "", "network_note": ""}
    careless = {**form, "public_response": "Kiitos Sanna Salainen (sanna@example.org)!"}
    response = client.post(url, careless)
    assert response.status_code == 400
    assert "Julkinen teksti ei saa sisältää henkilötietoja" in response.content.decode()
    assert Idea.objects.get(pk=idea.pk).public_response == ""
    assert client.post(url, {**form, "public_response": "Kiitos ideasta!"}).status_code == 302

    Idea.objects.filter(pk=idea.pk).update(  # saved before the rule, or past the admin
        summary="Sanna Salainen toivoo kalenteria", public_response="Kiitos, sanna@example.org!"
    )
    ideas_erase_personal_data(ideas=Idea.objects.filter(pk=idea.pk))
    page = client.get("/kehittamisideat/koonti/").content.decode()
    assert "[poistettu] toivoo kalenteria" in page and "Kiitos, [poistettu]!" in page
    assert "Salainen" not in page and "sanna@example.org" not in page
