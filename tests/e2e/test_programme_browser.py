import pytest

from programme.models import MeasureStatus
from tests.e2e.browsing import signed_out

PASSWORD = "kumppanuus-demo-2026"


def admin_login(page, site, username):
    page.goto(site + "/admin/login/")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(PASSWORD)
    page.get_by_role("button", name="Kirjaudu sisään").click()


def test_contact_person_updates_three_statuses_and_editor_sees_them(page, site, screenshot):
    admin_login(page, site, "yhteyshenkilo")
    page.goto(site + "/admin/programme/measurestatus/arvioi/")
    page.get_by_role("link", name="Arvioi: Matkailufoorumi 2021").click()
    selects = page.locator("select[name$='-level']")
    notes = page.locator("textarea[name$='-note']")
    for index in range(3):
        selects.nth(index).select_option(label="valmis")
        notes.nth(index).fill(f"Selaintesti {index}")
    screenshot(page, "contact-person-assessment")
    page.get_by_role("button", name="Tallenna keskeneräisenä").click()
    assert "3 arviota tallennettu." in page.content()
    saved = MeasureStatus.objects.filter(
        round__year=2021, network__slug="matkailu", note__startswith="Selaintesti"
    )
    assert saved.count() == 3

    signed_out(page)
    admin_login(page, site, "toimittaja")
    page.goto(site + "/admin/programme/measurestatus/?q=Selaintesti")
    assert page.get_by_text("valmis").count() >= 3
    assert (
        "3 toimenpiteiden tilaa" in page.content()
        or page.locator("#result_list tbody tr").count() == 3
    )


@pytest.mark.parametrize(
    "path",
    [
        "/ohjelma/",
        "/ohjelma/?vuosi=2019",
        "/ohjelma/matriisi/?vuosi=2020",
        "/ohjelma/toimenpiteet/14/",
        "/avoin-data/",
    ],
)
def test_programme_pages_have_no_axe_violations(page, site, path, assert_accessible, screenshot):
    page.goto(site + path)
    assert_accessible(page)
    screenshot(page, "axe" + path.replace("/", "_").replace("?", "_"))


def test_matrix_readable_on_a_phone(page, site, screenshot, assert_accessible):
    """At 390 px the matrix is a list per measure; nothing scrolls sideways."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(site + "/ohjelma/matriisi/?vuosi=2020")
    assert page.get_by_role("heading", name="Toimenpiteet ja verkostojen arviot 2020").is_visible()
    first = page.locator(".matrix-list-item").first
    assert first.is_visible() and "Ympäristöverkosto" in first.inner_text()
    assert not page.locator(".matrix-scroll").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    screenshot(page, "matrix-phone")


def test_matrix_header_row_and_first_column_stay_in_view(page, site, screenshot):
    """On a desktop the table scrolls in its own region; after scrolling it down and right
    the network names and the measure names are still where they were."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(site + "/ohjelma/matriisi/?vuosi=2020")
    region = page.get_by_role(
        "region", name="Toimenpiteet (rivit) ja verkostot (sarakkeet), arvio 2020"
    )
    assert region.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    head = page.locator(".table-matrix thead th").nth(3)
    row_head = page.locator(".table-matrix tbody th").nth(5)
    head_before, row_before = head.bounding_box(), row_head.bounding_box()
    scrolled = region.evaluate(
        "el => { el.scrollTop = 400; el.scrollLeft = 300; return [el.scrollTop, el.scrollLeft]; }"
    )
    assert scrolled[0] > 100 and scrolled[1] > 100  # the region really scrolls both ways
    head_after, row_after = head.bounding_box(), row_head.bounding_box()
    assert abs(head_after["y"] - region.bounding_box()["y"]) < 3  # header stuck to the top
    assert head_after["y"] < head_before["y"]  # the caption above it scrolled away
    assert abs(row_after["x"] - row_before["x"]) < 1  # first column did not move sideways
    assert row_after["y"] < row_before["y"]  # while the rows did scroll up
    screenshot(page, "matrix-scrolled")
