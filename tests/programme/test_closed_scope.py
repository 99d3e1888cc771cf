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


def test_a_round_closed_before_scopes_were_stored_lists_todays_links(client, demo_data):
    """A round closed before figures and scope were stored has only today's links: its network
    page reads those, the same table while they are unchanged, and follows a later edit."""
    closed = AssessmentRound.objects.get(year=2020)
    joining = Network.objects.exclude(measures__code="99").filter(active=True).first()
    page = joining.get_absolute_url()
    stored = table(client.get(page).content.decode())
    AssessmentRound.objects.filter(pk=closed.pk).update(figures=None)
    assert table(client.get(page).content.decode()) == stored

    new = Measure.objects.create(
        programme=closed.programme,
        priority=Priority.objects.filter(programme=closed.programme).first(),
        code="99",
        title="Uusi toimenpide 2021",
        order=999,
    )
    new.networks.add(joining)
    assert "Uusi toimenpide 2021" in table(client.get(page).content.decode())
    AssessmentRound.objects.filter(pk=closed.pk).update(figures=closed.figures)
    assert table(client.get(page).content.decode()) == stored


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


def programme_form_with_new_priority(editor, programme, **first_row):
    """The programme's change form as the editor sends it: a new priority row added and the
    first existing priority's fields replaced by `first_row`."""
    from tests.conftest import admin_form_data

    url = f"/admin/programme/programme/{programme.pk}/change/"
    data = admin_form_data(editor.get(url))
    first = next(
        i
        for i in range(int(data["priorities-TOTAL_FORMS"]))
        if int(data[f"priorities-{i}-id"]) == programme.priorities.order_by("order").first().pk
    )
    data.update({f"priorities-{first}-{name}": value for name, value in first_row.items()})
    new = int(data["priorities-TOTAL_FORMS"])
    data.update(
        {
            f"priorities-{new}-code": "5",
            f"priorities-{new}-title_fi": "Uusi painopiste 2022",
            f"priorities-{new}-order": "5",
            "priorities-TOTAL_FORMS": str(new + 1),
        }
    )
    return editor.post(url, data)


def test_a_priority_code_stays_once_a_round_has_closed_and_new_ones_can_be_added(demo_data):
    """Closed years' matrix filters link by the priority code (?painopiste=1): renaming the
    code would turn a saved link into "no such priority". The forged code is ignored, the
    rest of the form is saved, and a new priority takes any free code."""
    from tests.security.accounts import logged_in

    editor = logged_in("toimittaja")
    programme = AssessmentRound.objects.get(year=2020).programme
    first = programme.priorities.order_by("order").first()
    code = first.code
    filtered = f"{MATRIX_2020}&painopiste={code}"
    before = table(editor.get(filtered).content.decode())

    form = editor.get(f"/admin/programme/programme/{programme.pk}/change/").content.decode()
    assert re.search(r'name="priorities-\d+-code"[^>]*disabled', form)

    response = programme_form_with_new_priority(
        editor, programme, code="1a", title_fi="Korjattu otsikko"
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.code, first.title_fi) == (code, "Korjattu otsikko")
    assert programme.priorities.filter(code="5").exists()
    assert not programme.priorities.filter(code="1a").exists()
    assert table(editor.get(filtered).content.decode()) == before


def test_a_priority_code_is_editable_while_no_round_has_closed(demo_data):
    """Before any closing the structure is a draft: codes can be corrected."""
    from tests.security.accounts import logged_in

    AssessmentRound.objects.update(state=AssessmentRound.State.OPEN)
    programme = AssessmentRound.objects.get(year=2020).programme
    first = programme.priorities.order_by("order").first()
    response = programme_form_with_new_priority(logged_in("toimittaja"), programme, code="1a")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.code == "1a"


def test_a_priority_added_later_is_no_filter_of_the_closed_year(client, demo_data):
    """The 2020 matrix offers the priorities 2020 had; one added for 2022 would filter to an
    empty table."""
    programme = AssessmentRound.objects.get(year=2020).programme
    added = Priority.objects.create(
        programme=programme, code="5", title="Uusi painopiste 2022", order=5
    )
    measure = Measure.objects.create(
        programme=programme, priority=added, code="99", title="Uusi toimenpide", order=999
    )
    measure.networks.set(Network.objects.all()[:2])  # promoted now, not in 2020
    page = client.get(MATRIX_2020).content.decode()
    assert "Uusi painopiste 2022" not in page
    for code in programme.priorities.exclude(code="5").values_list("code", flat=True):
        assert f'<option value="{code}">' in page
