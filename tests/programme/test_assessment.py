"""The contact person's yearly assessment, as they and the editor see it in the admin."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail

from networks.models import ContactPerson, Network
from programme import services
from programme.models import AssessmentConfirmation, AssessmentRound, MeasureStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(demo_data, client):
    client.force_login(get_user_model().objects.get(username="yhteyshenkilo"))
    return client


@pytest.fixture
def open_round(demo_data):
    return AssessmentRound.objects.get(year=2021)


def assess_url(assessment_round, slug):
    return f"/admin/programme/measurestatus/arvioi/{assessment_round.pk}/{slug}/"


def screen_data(page):
    """What the browser sends back from the assessment screen `page`, unchanged."""
    formset = page.context["formset"]
    data = {
        f"{formset.prefix}-TOTAL_FORMS": len(formset.forms),
        f"{formset.prefix}-INITIAL_FORMS": len(formset.forms),
    }
    for form in formset.forms:
        data[form["level"].html_name] = form["level"].value() or ""
        data[form["note"].html_name] = form["note"].value() or ""
    return data


def screen_post(client, url, **extra):
    """What the browser sends back from the screen unchanged, plus `extra`."""
    return client.post(url, {**screen_data(client.get(url)), **extra})


def test_admin_index_shows_the_years_assessment_first(contact, open_round):
    page = contact.get("/admin/").content.decode()
    heading = page.index("Arvioi verkostosi toimenpiteet 2021")
    assert heading < page.index("app-programme")  # before the app list
    assert "Matkailufoorumi" in page[heading:]
    assert "15.12.2021" in page[heading:]
    assert assess_url(open_round, "matkailu") in page
    assert assess_url(open_round, "jarjestot") not in page  # not their network
    promoted = Network.objects.get(slug="matkailu").measures.count()
    rows = MeasureStatus.objects.filter(round=open_round, network__slug="matkailu").count()
    assert f"{rows} / {promoted} arvioitu" in page
    assert "ei vahvistettu" in page


def test_copied_statuses_are_not_an_assessment(demo_data, client, open_round):
    """The round was opened with last year's statuses copied: no network is done yet."""
    assert MeasureStatus.objects.filter(round=open_round, copied=True).exists()
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    page = client.get(f"/admin/programme/assessmentround/{open_round.pk}/change/")
    text = page.content.decode()
    assert "valmis" not in text.split("Arvioinnin tilanne")[1]
    assert (
        text.count("ei vahvistettu")
        == Network.objects.filter(measures__programme=open_round.programme).distinct().count()
    )


def test_screen_marks_copies_and_shows_last_year_beside_this_year(contact, open_round):
    last_year = MeasureStatus.objects.filter(round__year=2020, network__slug="matkailu").first()
    last_year.note = "Viime vuoden muistiinpano"
    last_year.save()
    page = contact.get(assess_url(open_round, "matkailu")).content.decode()
    assert "Viime vuonna (2020)" in page
    assert "Viime vuoden muistiinpano" in page
    assert "kopio, tarkistamatta" in page
    assert 'name="confirm"' in page and "Vahvista arvio" in page


def test_confirm_saves_the_screen_and_counts_the_network(contact, open_round):
    matkailu = Network.objects.get(slug="matkailu")
    first = matkailu.measures.order_by("order", "code").first()
    level = open_round.programme.levels.order_by("rank").last()
    response = screen_post(
        contact,
        assess_url(open_round, "matkailu"),
        **{"tila-0-level": level.pk, "tila-0-note": "Uusi arvio", "confirm": "1"},
    )
    assert response.status_code == 302
    confirmation = AssessmentConfirmation.objects.get(round=open_round, network=matkailu)
    assert confirmation.confirmed_by.username == "yhteyshenkilo"
    status = MeasureStatus.objects.get(round=open_round, network=matkailu, measure=first)
    assert (status.level, status.note) == (level, "Uusi arvio")
    assert not MeasureStatus.objects.filter(round=open_round, network=matkailu, copied=True)
    page = contact.get("/admin/").content.decode()
    assert "✓ vahvistettu" in page
    # Reminders go to the networks that have not confirmed, no longer to this one.
    sent = services.reminders_send(rounds=[open_round], user=None)
    recipients = {a for r in sent for a in r.message.to}
    assert "laura.nieminen@example.fi" not in recipients
    assert recipients


def test_confirm_with_an_unassessed_measure_saves_nothing(contact, open_round):
    before = list(MeasureStatus.objects.filter(round=open_round).values_list("pk", "level", "note"))
    response = screen_post(
        contact,
        assess_url(open_round, "matkailu"),
        **{"tila-0-level": "", "tila-1-note": "ei saa tallentua", "confirm": "1"},
    )
    assert response.status_code == 200
    assert "Anna tila jokaiselle toimenpiteelle ennen vahvistusta" in response.content.decode()
    assert not AssessmentConfirmation.objects.exists()
    after = list(MeasureStatus.objects.filter(round=open_round).values_list("pk", "level", "note"))
    assert after == before


def test_plain_save_does_not_confirm(contact, open_round):
    response = screen_post(contact, assess_url(open_round, "matkailu"), save="1")
    assert response.status_code == 302
    assert not AssessmentConfirmation.objects.exists()


def test_reminder_names_unconfirmed_networks_with_links(open_round, settings):
    settings.SITE_URL = "https://portaali.example.fi"
    dry = services.reminders_send(rounds=[open_round], user=None, dry_run=True)
    assert dry and not mail.outbox
    sent = services.reminders_send(rounds=[open_round], user=None)
    assert len(mail.outbox) == len(sent) == len(dry)
    laura = next(m for m in mail.outbox if "laura.nieminen@example.fi" in m.to)
    assert f"https://portaali.example.fi{assess_url(open_round, 'matkailu')}" in laura.body
    html = laura.alternatives[0][0]
    assert f'href="https://portaali.example.fi{assess_url(open_round, "matkailu")}"' in html


@pytest.mark.parametrize("case", ["closed_round", "other_network"])
def test_forbidden_screen_explains_in_finnish_inside_the_admin(contact, open_round, case):
    if case == "closed_round":
        url = assess_url(AssessmentRound.objects.get(year=2020), "matkailu")
        reason = "arviointikierros on suljettu"
    else:
        url = assess_url(open_round, "jarjestot")
        reason = "Et ole verkoston"
    response = contact.get(url)
    assert response.status_code == 403
    page = response.content.decode()
    assert reason in page
    assert 'id="site-name"' in page  # the admin's header, not the public site's
    assert assess_url(open_round, "matkailu") in page  # what they may do instead


def test_status_list_has_year_column_distinct_filters_and_only_own_networks(contact):
    ContactPerson.objects.get(user__username="yhteyshenkilo").networks.add(
        Network.objects.get(slug="jarjestot")
    )
    page = contact.get("/admin/programme/measurestatus/")
    text = page.content.decode()
    assert "column-year" in text
    titles = [spec.title for spec in page.context["cl"].filter_specs]
    assert len(titles) == len(set(titles)), titles
    network_filter = next(s for s in page.context["cl"].filter_specs if s.title == "verkosto")
    listed = {name for _pk, name in network_filter.lookup_choices}
    assert listed == set(
        Network.objects.filter(slug__in=["matkailu", "jarjestot"]).values_list("name", flat=True)
    )


def test_closing_names_the_networks_that_did_not_confirm(demo_data, client, open_round):
    editor = UserFactory(username="paatoimittaja")
    editor.groups.add(Group.objects.get(name="Toimitus"))
    client.force_login(editor)
    response = client.post(
        "/admin/programme/assessmentround/",
        {"action": "close_rounds", "_selected_action": [open_round.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert re.search(r"Arviotaan ei vahvistaneet: [^<]*Matkailufoorumi", text)


def test_removing_a_contact_from_the_network_removes_the_screen(contact, open_round):
    ContactPerson.objects.get(user__username="yhteyshenkilo").networks.clear()
    assert contact.get(assess_url(open_round, "matkailu")).status_code == 403


def test_index_and_screen_make_the_same_queries_at_two_sizes(contact, open_round, count_queries):
    from programme.models import Measure

    urls = ["/admin/", assess_url(open_round, "matkailu")]
    small = [count_queries(url, contact) for url in urls]
    matkailu = Network.objects.get(slug="matkailu")
    priority = open_round.programme.priorities.first()
    level = open_round.programme.levels.first()
    for n in range(15):
        measure = Measure.objects.create(
            programme=open_round.programme, priority=priority, code=f"X{n}", title=f"Lisä {n}"
        )
        measure.networks.add(matkailu)
        MeasureStatus.objects.create(
            round=open_round, measure=measure, network=matkailu, level=level, copied=True
        )
    large = [count_queries(url, contact) for url in urls]
    assert large == small
