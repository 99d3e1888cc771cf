"""A published review keeps saying what it said: every way to change its inputs is refused
or leaves the page byte-identical (per-request tokens aside)."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import ProtectedError

from barometer import services as barometer_services
from barometer.importing import survey_import_csv
from barometer.models import Response, Survey
from kumppanuus import services
from kumppanuus.models import AnnualReview
from networks.models import Network
from programme import services as programme_services
from programme.models import AssessmentRound, MeasureStatus, StatusLevel

pytestmark = pytest.mark.django_db

URL = "/vuosikatsaus/2020/"
NEW_ROW = b"vastaaja,vastattu,organisaatio,visio\nuusi-1,2020-11-30 10:00,kunta,1\n"
REFUSAL = "julkaistu vuosikatsaus ”Kumppanuusvuosikatsaus 2020"


def user(username):
    return get_user_model().objects.get(username=username)


def content(client, url=URL):
    """The page without what changes per request (CSRF tokens, CSP nonces)."""
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'nonce="[^"]*"', "", page)


@pytest.fixture
def published(demo_data, client):
    """The demo's 2020 review, published through the service; the page as it reads then."""
    review = AnnualReview.objects.get(year=2020)
    assert review.is_published and review.figures  # the demo publishes through the service
    page = content(client)
    assert "9 (31\u00a0%) käynnissä ja 18 (62\u00a0%) vakiintunutta toimintaa" in page
    assert "88\u00a0% vastaajista oli samaa mieltä" in page
    assert "10 kumppanuusverkostoa ja 3 älykkään erikoistumisen työryhmää" in page
    return page


def editor_client(client):
    client.force_login(user("toimittaja"))
    return client


def test_reopening_the_round_is_refused_on_every_path(client, published):
    round_2020 = AssessmentRound.objects.get(year=2020)
    with pytest.raises(ValidationError) as refusal:
        programme_services.round_open(assessment_round=round_2020, user=user("toimittaja"))
    assert REFUSAL in " ".join(refusal.value.messages)
    editor = editor_client(client)
    response = editor.post(
        "/admin/programme/assessmentround/",
        {"action": "open_rounds", "_selected_action": [round_2020.pk]},
        follow=True,
    )
    assert REFUSAL in response.content.decode()
    assert AssessmentRound.objects.get(year=2020).state == "closed"
    editor.logout()
    assert content(client) == published


def test_statuses_of_the_round_cannot_be_edited(client, published):
    round_2020 = AssessmentRound.objects.get(year=2020)
    status = MeasureStatus.objects.filter(round=round_2020).select_related("network").first()
    editor = editor_client(client)
    assess = f"/admin/programme/measurestatus/arvioi/{round_2020.pk}/{status.network.slug}/"
    assert editor.get(assess).status_code == 403
    assert editor.post(assess, {"form-TOTAL_FORMS": "0"}).status_code == 403
    change = f"/admin/programme/measurestatus/{status.pk}/change/"
    top = StatusLevel.objects.get(programme=round_2020.programme, rank=4)
    editor.post(change, {"level": top.pk, "note": "muutettu"})
    status.refresh_from_db()
    assert status.level_id != top.pk and status.note != "muutettu"
    editor.logout()
    assert content(client) == published


def test_importing_into_the_survey_is_refused_in_admin_cli_and_service(client, published, tmp_path):
    survey = Survey.objects.get(year=2020)
    count = Response.objects.filter(survey=survey).count()
    with pytest.raises(barometer_services.SurveyFrozen) as refusal:
        survey_import_csv(survey=survey, data=NEW_ROW)
    assert REFUSAL in " ".join(refusal.value.messages)
    path = tmp_path / "uusi.csv"
    path.write_bytes(NEW_ROW)
    with pytest.raises(CommandError, match="julkaistu vuosikatsaus"):
        call_command("import_barometer", "2020", str(path), stdout=io.StringIO())
    editor = editor_client(client)
    response = editor.post(
        f"/admin/barometer/survey/{survey.pk}/tuo/",
        {"file": SimpleUploadedFile("uusi.csv", NEW_ROW, content_type="text/csv")},
    )
    assert response.status_code == 409
    assert REFUSAL in response.content.decode()
    # Opening it for answers or unpublishing its results is refused too.
    editor.post(
        "/admin/barometer/survey/", {"action": "open_surveys", "_selected_action": [survey.pk]}
    )
    survey.refresh_from_db()
    assert survey.state == "closed" and survey.results_published
    assert Response.objects.filter(survey=survey).count() == count
    editor.logout()
    assert content(client) == published


def test_deleting_a_network_of_the_round_is_refused(client, published):
    network = Network.objects.filter(statuses__round__year=2020).first()
    with pytest.raises(ProtectedError):
        network.delete()
    editor = editor_client(client)
    editor.post(f"/admin/networks/network/{network.pk}/delete/", {"post": "yes"})
    assert Network.objects.filter(pk=network.pk).exists()
    editor.logout()
    assert content(client) == published


def test_level_labels_and_new_networks_do_not_change_the_page(client, published):
    StatusLevel.objects.filter(label="käynnissä").update(label_fi="etenee", label="etenee")
    for level in StatusLevel.objects.all():
        level.label = level.label + " (uusi nimi)"
        level.save()
    Network.objects.create(slug="uusi", name="Uusi verkosto", kind="network", active=True)
    MeasureStatus.objects.filter(round__year=2020).delete()  # even a raw delete: page is stored
    assert content(client) == published
    assert content(client, "/sv" + URL) == content(client, "/sv" + URL)


def test_contact_person_cannot_open_or_close_rounds_anywhere(client, published):
    contact = user("yhteyshenkilo")
    round_2019 = AssessmentRound.objects.get(year=2019)
    round_2021 = AssessmentRound.objects.get(year=2021)
    with pytest.raises(PermissionDenied):
        programme_services.round_open(assessment_round=round_2019, user=contact)
    with pytest.raises(PermissionDenied):
        programme_services.round_close(assessment_round=round_2021, user=contact)
    with pytest.raises(PermissionDenied):
        programme_services.reminders_send(rounds=[round_2021], user=contact)


def test_unpublishing_thaws_and_history_records_it(client, published):
    review = AnnualReview.objects.get(year=2020)
    editor = user("toimittaja")
    with pytest.raises(PermissionDenied):
        services.review_unpublish(review=review, user=user("yhteyshenkilo"))
    editor_client(client).post(
        "/admin/kumppanuus/annualreview/",
        {"action": "unpublish", "_selected_action": [review.pk]},
    )
    latest = review.history.order_by("-history_date").first()
    assert latest.state == "draft" and latest.history_user == editor
    published_record = review.history.filter(state="published").order_by("-history_date").first()
    assert "9 (31\u00a0%) käynnissä" in published_record.figures["fi"]["programme_sentence"]
    round_2020 = AssessmentRound.objects.get(year=2020)
    assert round_2020.frozen_by_review == ""
    programme_services.round_open(assessment_round=round_2020, user=editor)
    assert AssessmentRound.objects.get(year=2020).state == "open"


def test_stored_figures_equal_live_ones_for_every_language(client, published):
    """The stored figures read exactly as the figures computed from the data did."""
    from kumppanuus.reviews import review_figures_snapshot

    review = AnnualReview.objects.get(year=2020)
    assert review.figures == review_figures_snapshot(review)
    assert set(review.figures) == {"fi", "sv", "en"}
    assert review.figures["fi"]["network_names"]


def test_reverting_to_a_published_version_does_not_republish(client, published):
    """The history revert form saves an old version: it cannot publish around the service."""
    review = AnnualReview.objects.get(year=2020)
    published_version = review.history.filter(state="published").first()
    editor = editor_client(client)
    editor.post(
        "/admin/kumppanuus/annualreview/", {"action": "unpublish", "_selected_action": [review.pk]}
    )
    revert_url = (
        f"/admin/kumppanuus/annualreview/{review.pk}/history/{published_version.history_id}/"
    )
    from tests.conftest import _field_data

    form_page = editor.get(revert_url)
    assert form_page.status_code == 200
    response = editor.post(revert_url, _field_data(form_page.context["adminform"].form))
    assert response.status_code == 302  # the old version was saved
    review.refresh_from_db()
    assert review.state == "draft"
    assert AssessmentRound.objects.get(year=2020).frozen_by_review == ""


def test_store_figures_command_freezes_reviews_published_before_the_upgrade(demo_data):
    """Data from before this change: published reviews without stored figures get them."""
    AnnualReview.objects.update(figures=None)
    AssessmentRound.objects.update(figures=None, frozen_by_review="")
    Survey.objects.update(figures=None, frozen_by_review="")
    call_command("store_figures", stdout=io.StringIO())
    review = AnnualReview.objects.get(year=2020)
    assert review.figures["fi"]["programme_year"] == 2020
    assert AssessmentRound.objects.get(year=2020).frozen_by_review
    assert Survey.objects.get(year=2020).frozen_by_review
    assert AssessmentRound.objects.get(year=2019).figures
    call_command("store_figures", stdout=io.StringIO())  # idempotent


def test_store_figures_completes_a_copy_stored_before_events_and_contacts_were(demo_data, client):
    """A review published by an older version stored only the figures: the command adds the
    events, highlights and contacts and keeps the figures it stored, even if they now differ."""
    review = AnnualReview.objects.get(year=2020)
    page = content(client)
    old = {
        code: {
            key: value
            for key, value in parts.items()
            if key not in ("events", "highlight_groups", "contacts")
        }
        for code, parts in review.figures.items()
    }
    sentence = old["fi"]["programme_sentence"]
    old["fi"]["programme_sentence"] = "Tallennettu lause."
    AnnualReview.objects.filter(pk=review.pk).update(figures=old)
    call_command("store_figures", stdout=io.StringIO())
    review.refresh_from_db()
    assert review.figures["fi"]["programme_sentence"] == "Tallennettu lause."
    assert review.figures["fi"]["events"] and review.figures["sv"]["contacts"]
    assert sentence in page
    assert content(client) == page.replace(sentence, "Tallennettu lause.")


def test_publishing_again_keeps_what_the_public_saw(client, published):
    review = AnnualReview.objects.get(year=2020)
    Network.objects.filter(pk=Network.objects.first().pk).update(name="Uusi nimi")
    services.review_publish(review=review, user=user("toimittaja"))
    editor_client(client).post(
        "/admin/kumppanuus/annualreview/",
        {"action": "publish", "_selected_action": [review.pk], "confirm": "yes"},
    )
    client.logout()
    assert content(client) == published


def test_highlights_and_contacts_of_a_published_review_are_not_editable(client, published):
    """They are part of what the public saw: the change form shows them read-only, and a
    forged POST adding a highlight or dropping the contacts changes nothing."""
    from tests.conftest import admin_form_data

    review = AnnualReview.objects.get(year=2020)
    contacts = sorted(review.contacts.values_list("pk", flat=True))
    highlights = review.highlights.count()
    editor = editor_client(client)
    url = f"/admin/kumppanuus/annualreview/{review.pk}/change/"
    form = editor.get(url)
    assert 'name="contacts"' not in form.content.decode()
    data = admin_form_data(
        form,
        contacts=[],
        **{
            "highlights-TOTAL_FORMS": "1",
            "highlights-INITIAL_FORMS": "0",
            "highlights-0-order": "1",
            "highlights-0-category": "hanke",
            "highlights-0-title": "Väärennetty nosto",
        },
    )
    editor.post(url, data)
    assert sorted(review.contacts.values_list("pk", flat=True)) == contacts
    assert review.highlights.count() == highlights
    client.logout()
    assert content(client) == published


def test_the_revert_button_shows_only_where_reverting_is_allowed(client, published):
    """A published review's old versions can be looked at; the button that would be refused is
    not offered. Once unpublished, the same screen offers it."""
    review = AnnualReview.objects.get(year=2020)
    draft_version = review.history.filter(state="draft").first()
    revert_url = f"/admin/kumppanuus/annualreview/{review.pk}/history/{draft_version.history_id}/"
    editor = editor_client(client)
    screen = editor.get(revert_url)
    assert screen.status_code == 200
    assert 'name="_save"' not in screen.content.decode()
    assert editor.post(revert_url, {"title_fi": "x"}).status_code == 403
    editor.post(
        "/admin/kumppanuus/annualreview/", {"action": "unpublish", "_selected_action": [review.pk]}
    )
    assert 'name="_save"' in editor.get(revert_url).content.decode()
