import pytest
from django.contrib.auth.models import Group

from networks.models import ContactPerson
from programme.models import AssessmentRound, MeasureStatus
from tests.conftest import admin_form_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STATUS_ADMIN = "/admin/programme/measurestatus/"


@pytest.fixture
def roles(demo_data, client):
    """anonymous, contact of A (matkailu), contact of B (jarjestot), editor."""
    contact_b = UserFactory(username="yhteys-b")
    contact_b.groups.add(Group.objects.get(name="Yhteyshenkilöt"))
    ContactPerson.objects.filter(email="jussi.makela@example.fi").update(user=contact_b)
    return {
        "anonymous": None,
        "contact_a": "yhteyshenkilo",
        "contact_b": "yhteys-b",
        "editor": "toimittaja",
    }


def login(client, username):
    if username:
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.get(username=username))
    return client


def row(network_slug, year):
    return MeasureStatus.objects.filter(network__slug=network_slug, round__year=year).first()


@pytest.mark.parametrize(
    "role, expected",
    [("anonymous", 302), ("contact_a", 200), ("contact_b", 200), ("editor", 200)],
)
def test_status_list_access(client, roles, role, expected):
    response = login(client, roles[role]).get(STATUS_ADMIN)
    assert response.status_code == expected


def test_contact_person_lists_only_own_networks_rows(client, roles):
    login(client, roles["contact_a"])
    listed = {s.network.slug for s in client.get(STATUS_ADMIN).context["cl"].queryset}
    assert listed == {"matkailu"}


def test_editor_lists_every_network(client, roles):
    login(client, roles["editor"])
    assert client.get(STATUS_ADMIN).context["cl"].queryset.count() == MeasureStatus.objects.count()


@pytest.mark.parametrize(
    "role, can_edit",
    [("contact_a", True), ("contact_b", False), ("editor", True)],
)
def test_change_open_round_row(client, roles, role, can_edit):
    status = row("matkailu", 2021)
    new_level = status.round.programme.levels.get(rank=4)
    login(client, roles[role])
    url = f"{STATUS_ADMIN}{status.pk}/change/"
    page = client.get(url)
    if role == "contact_b":
        assert page.status_code == 302  # not in their queryset: "does not exist"
        response = client.post(url, {"level": new_level.pk, "note": "murto"})
        assert response.status_code in (302, 403)
    else:
        assert page.status_code == 200
        response = client.post(url, admin_form_data(page, level=new_level.pk, note="Päivitetty"))
        assert response.status_code == 302
    status.refresh_from_db()
    assert (status.level_id == new_level.pk) is can_edit


@pytest.mark.parametrize("role", ["contact_a", "contact_b"])
def test_closed_round_is_frozen_for_contact_persons(client, roles, role):
    status = row("matkailu", 2020)
    before = (status.level_id, status.note)
    login(client, roles[role])
    url = f"{STATUS_ADMIN}{status.pk}/change/"
    other_level = status.round.programme.levels.exclude(pk=status.level_id).first()
    response = client.post(url, {"level": other_level.pk, "note": "muutettu"})
    assert response.status_code in (302, 403)
    status.refresh_from_db()
    assert (status.level_id, status.note) == before


def test_contact_person_cannot_add_a_row_for_another_network(client, roles):
    login(client, roles["contact_a"])
    open_round = AssessmentRound.objects.get(year=2021)
    jarjestot_status = row("jarjestot", 2021)
    jarjestot_status.delete()
    before = MeasureStatus.objects.count()
    response = client.post(
        f"{STATUS_ADMIN}add/",
        {
            "measure": jarjestot_status.measure_id,
            "network": jarjestot_status.network_id,
            "round": open_round.pk,
            "level": open_round.programme.levels.first().pk,
        },
    )
    assert response.status_code == 400
    assert "Valitse oikea vaihtoehto" in response.content.decode()
    assert MeasureStatus.objects.count() == before


@pytest.mark.parametrize(
    "role, network, year, expected",
    [
        ("anonymous", "matkailu", 2021, 302),
        ("contact_a", "matkailu", 2021, 200),
        ("contact_a", "jarjestot", 2021, 403),
        ("contact_a", "matkailu", 2020, 403),
        ("contact_b", "matkailu", 2021, 403),
        ("editor", "jarjestot", 2021, 200),
    ],
)
def test_assessment_screen_access(client, roles, role, network, year, expected):
    assessment_round = AssessmentRound.objects.get(year=year)
    login(client, roles[role])
    response = client.get(f"{STATUS_ADMIN}arvioi/{assessment_round.pk}/{network}/")
    assert response.status_code == expected


def test_assessment_screen_saves_a_whole_year_in_one_post(client, roles):
    login(client, roles["contact_a"])
    assessment_round = AssessmentRound.objects.get(year=2021)
    url = f"{STATUS_ADMIN}arvioi/{assessment_round.pk}/matkailu/"
    page = client.get(url)
    formset = page.context["formset"]
    data = {f"tila-{key}": value for key, value in formset.management_form.initial.items()}
    levels = list(assessment_round.programme.levels.order_by("rank"))
    for index, form in enumerate(formset.forms):
        data[f"tila-{index}-level"] = form.initial["level"] or ""
        data[f"tila-{index}-note"] = form.initial["note"]
    for index in range(3):
        data[f"tila-{index}-level"] = levels[4].pk
        data[f"tila-{index}-note"] = f"Valmis {index}"
    response = client.post(url, data, follow=True)
    assert "3 arviota tallennettu." in response.content.decode()
    done = MeasureStatus.objects.filter(
        round=assessment_round, network__slug="matkailu", level=levels[4]
    )
    assert done.count() >= 3
    assert set(done.values_list("updated_by__username", flat=True)) == {"yhteyshenkilo"}


def test_assessment_screen_rejects_tampered_row_count(client, roles):
    login(client, roles["contact_a"])
    assessment_round = AssessmentRound.objects.get(year=2021)
    url = f"{STATUS_ADMIN}arvioi/{assessment_round.pk}/matkailu/"
    before = list(MeasureStatus.objects.values_list("pk", "level_id"))
    response = client.post(
        url, {"tila-TOTAL_FORMS": "1", "tila-INITIAL_FORMS": "0", "tila-0-level": "999999"}
    )
    assert response.status_code == 400
    assert list(MeasureStatus.objects.values_list("pk", "level_id")) == before


def test_history_is_visible_in_admin(client, roles):
    status = row("matkailu", 2021)
    login(client, roles["editor"])
    response = client.get(f"{STATUS_ADMIN}{status.pk}/history/")
    assert response.status_code == 200


def test_editor_closes_a_round_with_an_admin_action(client, roles):
    login(client, roles["editor"])
    open_round = AssessmentRound.objects.get(year=2021)
    client.post(
        "/admin/programme/assessmentround/",
        {"action": "close_rounds", "_selected_action": [open_round.pk]},
    )
    open_round.refresh_from_db()
    assert not open_round.is_open


def test_round_page_shows_which_networks_are_missing(client, roles):
    login(client, roles["editor"])
    open_round = AssessmentRound.objects.get(year=2021)
    MeasureStatus.objects.filter(round=open_round, network__slug="matkailu").delete()
    page = client.get(f"/admin/programme/assessmentround/{open_round.pk}/change/").content.decode()
    assert "Matkailufoorumi" in page and "ei vahvistettu" in page


@pytest.mark.parametrize("action", ["open_rounds", "close_rounds", "send_reminders"])
def test_contact_person_cannot_run_round_actions(client, roles, action):
    """Forged POSTs of the round actions by a contact person change and send nothing."""
    from django.core import mail

    closed_round = AssessmentRound.objects.get(year=2019)
    open_round = AssessmentRound.objects.get(year=2021)
    MeasureStatus.objects.filter(round=open_round, network__slug="matkailu").delete()
    login(client, roles["contact_a"])
    client.post(
        "/admin/programme/assessmentround/",
        {"action": action, "_selected_action": [closed_round.pk, open_round.pk]},
    )
    assert AssessmentRound.objects.get(year=2019).state == "closed"
    assert AssessmentRound.objects.get(year=2021).state == "open"
    assert mail.outbox == []
