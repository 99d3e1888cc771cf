import io
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from networks.models import ContactPerson, Network
from programme import services
from programme.models import AssessmentRound, MeasureStatus, Programme
from tests.factories import UserFactory, programme_with_scale

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_round(demo_data):
    return AssessmentRound.objects.get(year=2021)


@pytest.fixture
def contact_user(demo_data):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="yhteyshenkilo")


def test_opening_2021_copied_2020_statuses(open_round):
    assert open_round.is_open
    assert open_round.statuses.count() == AssessmentRound.objects.get(year=2020).statuses.count()


def test_round_outside_programme_years_is_refused_in_finnish(demo_data):
    programme = Programme.objects.get(slug="maakuntaohjelma-2018-2021")
    with pytest.raises(ValidationError) as error:
        services.round_create(programme=programme, year=2030)
    assert "ohjelmakaudella 2018–2021" in str(error.value)
    assert not AssessmentRound.objects.filter(year=2030).exists()


def test_duplicate_round_is_refused(demo_data):
    programme = Programme.objects.get(slug="maakuntaohjelma-2018-2021")
    with pytest.raises(ValidationError):
        services.round_create(programme=programme, year=2020)


def test_statuses_save_writes_only_changed_rows(open_round, contact_user):
    network = Network.objects.get(slug="matkailu")
    existing = {s.measure_id: s for s in open_round.statuses.filter(network=network)}
    measures = list(network.measures.all())
    levels = {level.rank: level for level in open_round.programme.levels.all()}
    rows = [
        (
            m,
            existing[m.pk].level if m.pk in existing else None,
            existing[m.pk].note if m.pk in existing else "",
        )
        for m in measures
    ]
    assert (
        services.statuses_save(
            user=contact_user, assessment_round=open_round, network=network, rows=rows
        )
        == 0
    )
    rows[0] = (measures[0], levels[4], "Valmistui keväällä")
    assert (
        services.statuses_save(
            user=contact_user, assessment_round=open_round, network=network, rows=rows
        )
        == 1
    )
    saved = open_round.statuses.get(network=network, measure=measures[0])
    assert (saved.level.label, saved.note, saved.updated_by) == (
        "valmis",
        "Valmistui keväällä",
        contact_user,
    )


def test_level_of_another_programme_is_refused_and_nothing_saved(open_round, contact_user):
    network = Network.objects.get(slug="matkailu")
    _, foreign_levels = programme_with_scale(slug="vieras")
    measures = list(network.measures.all())
    before = list(open_round.statuses.values_list("pk", "level_id", "note"))
    good = open_round.programme.levels.get(rank=4)
    rows = [(measures[0], good, "ok"), (measures[1], foreign_levels[0], "väärä")]
    with pytest.raises(ValidationError) as error:
        services.statuses_save(
            user=contact_user, assessment_round=open_round, network=network, rows=rows
        )
    assert "toisen ohjelman asteikkoon" in str(error.value)
    assert list(open_round.statuses.values_list("pk", "level_id", "note")) == before


def test_contact_person_cannot_save_another_network_or_closed_round(open_round, contact_user):
    other = Network.objects.get(slug="jarjestot")
    with pytest.raises(PermissionDenied):
        services.statuses_save(
            user=contact_user, assessment_round=open_round, network=other, rows=[]
        )
    closed = AssessmentRound.objects.get(year=2020)
    own = Network.objects.get(slug="matkailu")
    with pytest.raises(PermissionDenied):
        services.statuses_save(user=contact_user, assessment_round=closed, network=own, rows=[])


def test_history_records_who_changed_what(open_round, contact_user):
    network = Network.objects.get(slug="matkailu")
    status = open_round.statuses.filter(network=network).select_related("level").first()
    old_label = status.level.label
    new_level = open_round.programme.levels.exclude(pk=status.level_id).first()
    services.statuses_save(
        user=contact_user,
        assessment_round=open_round,
        network=network,
        rows=[(status.measure, new_level, status.note)],
    )
    latest, previous = status.history.order_by("-history_date")[:2]
    assert latest.history_user == contact_user
    assert latest.level.label == new_level.label
    assert previous.level.label == old_label


def test_reminders_go_to_contacts_of_networks_with_missing_assessments(open_round):
    MeasureStatus.objects.filter(round=open_round, network__slug="matkailu").delete()
    sent = services.reminders_send(rounds=[open_round], user=None)
    recipients = {address for message in mail.outbox for address in message.to}
    assert len(sent) == len(mail.outbox) >= 1
    assert "laura.nieminen@example.fi" in recipients
    assert "2021" in mail.outbox[0].subject


def test_editor_may_edit_any_network(open_round):
    editor = UserFactory(username="toimittaja")
    network = Network.objects.get(slug="jarjestot")
    assert services.can_edit_statuses(editor, open_round, network)
    assert not ContactPerson.objects.filter(user=editor).exists()


def test_reminders_the_mail_server_refuses_are_a_message_not_an_error_page(
    open_round, settings, client
):
    """The editor's action says in Finnish that the reminders did not go; the scheduled
    command ends with a CommandError (an exit code for the operator), not a traceback."""
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command

    settings.EMAIL_BACKEND = "tests.feedback.broken_mail.BrokenBackend"
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    response = client.post(
        "/admin/programme/assessmentround/",
        {"action": "send_reminders", "_selected_action": [open_round.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Muistutuksia ei voitu lähettää" in response.content.decode()
    with pytest.raises(CommandError, match="Sähköpostipalvelin ei ottanut"):
        call_command("send_assessment_reminders", stdout=io.StringIO())


def test_a_network_no_reminder_can_reach_is_named_to_the_editor_and_the_operator(
    open_round, client
):
    """A network behind in the round whose contact persons have no email address got no
    reminder, and the success message used to say nothing of it."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from programme.progress import unconfirmed_networks

    lagging = unconfirmed_networks(open_round)
    silent = Network.objects.get(pk=lagging[0].pk)
    ContactPerson.objects.filter(networks=silent).update(email="")
    unreached = [
        n.name
        for n in lagging
        if not ContactPerson.objects.filter(networks=n).exclude(email="").exists()
    ]
    reached = [n.name for n in lagging if n.name not in unreached]
    assert unreached and reached
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    page = client.post(
        "/admin/programme/assessmentround/",
        {"action": "send_reminders", "_selected_action": [open_round.pk]},
        follow=True,
    ).content.decode()
    told = re.findall(r'<li class="(success|warning)">(.*?)</li>', page, re.S)
    assert [kind for kind, _text in told] == ["success", "warning"]
    warning = told[1][1]
    assert all(name in warning for name in unreached)
    assert not any(name in warning for name in reached)
    assert "ei ole yhteyshenkilöä, jolla on sähköpostiosoite" in warning
    errors = io.StringIO()
    call_command("send_assessment_reminders", "--dry-run", stdout=io.StringIO(), stderr=errors)
    assert all(name in errors.getvalue() for name in unreached)

    ContactPerson.objects.filter(networks=silent).update(email="uusi@example.fi")
    quiet = io.StringIO()
    call_command("send_assessment_reminders", "--dry-run", stdout=io.StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""
