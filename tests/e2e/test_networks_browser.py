import pytest


def test_visitor_goes_home_to_a_network_and_finds_its_contact(page, site, screenshot):
    page.goto(site + "/")
    page.get_by_role("link", name="Matkailufoorumi").first.click()
    page.wait_for_url("**/verkostot/matkailu/")
    contacts = page.get_by_role("region", name="Yhteyshenkilöt")
    assert "Laura Nieminen" in contacts.inner_text()
    screenshot(page, "network-detail")


def test_skip_link_moves_focus_to_main(page, site):
    page.goto(site + "/verkostot/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Siirry sisältöön")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "sisalto"


@pytest.mark.parametrize("path", ["/", "/verkostot/", "/verkostot/matkailu/", "/tapahtumat/"])
def test_public_pages_have_no_axe_violations(page, site, path, assert_accessible, screenshot):
    page.goto(site + path)
    assert_accessible(page)
    screenshot(page, "axe" + path.replace("/", "_"))
