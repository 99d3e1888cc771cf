"""A closed round's pages list the measures and the networks promoting them as they were when
the round closed: a measure added or a network linked or unlinked later is next year's news,
not a rewrite of 2020."""

import re

import pytest

from networks.models import Network
from programme import services
from programme.models import AssessmentRound, Measure, Priority
from tests.security.accounts import user

pytestmark = pytest.mark.django_db

MATRIX_2020 = "/ohjelma/matriisi/?vuosi=2020"


def table(html):
    """The page's status table, as a visitor reads it."""
    match = re.search(r"<table.*?</table>", html, re.S)
    assert match, "no table on the page"
    return match.group(0)


def later_programme_edits():
    """What editors do during 2021: a new measure, a network taking on a measure, another
    network dropping one."""
    programme = AssessmentRound.objects.get(year=2020).programme
    first, second = Measure.objects.filter(programme=programme).order_by("order")[:2]
    joining = Network.objects.exclude(measures=first).first()
    first.networks.add(joining)
    second.networks.remove(second.networks.first())
    new = Measure.objects.create(
        programme=programme,
        priority=Priority.objects.filter(programme=programme).first(),
        code="99",
        title="Uusi toimenpide 2021",
        order=999,
    )
    new.networks.set(Network.objects.all()[:3])
    return joining


def test_the_closed_matrix_keeps_its_rows_and_cells(client, demo_data):
    before = table(client.get(MATRIX_2020).content.decode())
    assert before.count("<tr") >= 29

    joining = later_programme_edits()

    after = table(client.get(MATRIX_2020).content.decode())
    assert "Uusi toimenpide 2021" not in after
    assert after == before
    filtered = client.get(f"{MATRIX_2020}&verkosto={joining.slug}").content.decode()
    assert "Uusi toimenpide 2021" not in filtered


def test_the_programme_page_of_the_closed_year_keeps_its_measures(client, demo_data):
    page = "/ohjelma/?vuosi=2020"
    before = client.get(page).content.decode()

    later_programme_edits()

    after = client.get(page).content.decode()
    assert "Uusi toimenpide 2021" not in after
    assert table(after) == table(before)
    assert "28 (97\u00a0%) oli vähintään valmistelussa" in after


def test_a_network_page_lists_what_it_promoted_in_the_closed_year(client, demo_data):
    programme = AssessmentRound.objects.get(year=2020).programme
    second = Measure.objects.filter(programme=programme).order_by("order")[1]
    leaving = second.networks.first()
    page = leaving.get_absolute_url()
    before = client.get(page).content.decode()
    assert f">{second.code}" in before or second.title[:30] in before

    later_programme_edits()

    assert table(client.get(page).content.decode()) == table(before)


def test_reopening_and_closing_again_takes_the_links_of_that_moment(client, demo_data):
    """Reopening is the editor's deliberate step: the round then closes with today's links."""
    editor = user("toimittaja")
    round_2020 = AssessmentRound.objects.get(year=2020)
    round_2020.frozen_by_review = ""  # the demo's published review freezes 2020
    round_2020.save(update_fields=["frozen_by_review"])
    later_programme_edits()
    services.round_open(assessment_round=round_2020, user=editor)
    assert not round_2020.promotions.exists()
    services.round_close(assessment_round=round_2020, user=editor)
    assert "Uusi toimenpide 2021" in client.get(MATRIX_2020).content.decode()


def test_the_editor_is_told_why_the_structure_is_fixed(demo_data):
    """Once a round has closed, the measure's code and priority and the scale's ranks are not
    inputs, and the form says why (in the editor's language)."""
    from tests.security.accounts import logged_in

    editor = logged_in("toimittaja")
    measure = Measure.objects.get(code="9")
    page = editor.get(f"/admin/programme/measure/{measure.pk}/change/").content.decode()
    assert "toimenpiteen tunnusta ja painopistettä ei voi muuttaa" in page
    assert 'name="code"' not in page and 'name="priority"' not in page
    assert 'name="title_fi"' in page
    programme = measure.programme
    page = editor.get(f"/admin/programme/programme/{programme.pk}/change/").content.decode()
    assert "asteikon tasoja ei voi lisätä, poistaa eikä järjestää uudelleen" in page
    assert 'name="levels-0-rank"' not in page and 'name="levels-0-label_fi"' in page
    assert 'name="priorities-0-title_fi"' in page  # priorities can still be added
    english = editor.get(f"/en/admin/programme/measure/{measure.pk}/change/")
    assert "code and priority cannot be changed" in english.content.decode()
