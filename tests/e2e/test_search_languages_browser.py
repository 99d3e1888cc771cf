import pytest


@pytest.mark.parametrize("path", ["/haku/?q=verkosto", "/sv/", "/sv/verkostot/", "/en/ohjelma/"])
def test_search_and_other_languages_have_no_axe_violations(page, site, path, assert_accessible):
    page.goto(site + path)
    assert_accessible(page)


def test_search_from_the_header_by_keyboard(page, site, screenshot):
    page.goto(site + "/")
    page.get_by_role("searchbox", name="Hae sivustolta").fill("matkailu")
    page.keyboard.press("Enter")
    page.wait_for_url("**/haku/?q=matkailu")
    assert page.get_by_role("link", name="Matkailufoorumi").first.is_visible()
    screenshot(page, "search-matkailu")


def test_language_switcher_keeps_the_page(page, site):
    page.goto(site + "/verkostot/matkailu/")
    page.get_by_role("link", name="Svenska").click()
    page.wait_for_url("**/sv/verkostot/matkailu/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", name="Turismforumet").is_visible()
