import pytest

from feedback.models import Idea


def test_idea_is_filled_and_sent_by_keyboard_only(page, site, screenshot):
    page.goto(site + "/kehittamisideat/")
    page.get_by_label("kumppanuusfoorumin toiminta").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Verkostojen tapaamisia voisi järjestää myös saaristossa.")
    page.keyboard.press("Tab")
    page.keyboard.type("Kaisa Kokeilija")
    page.keyboard.press("Tab")
    page.keyboard.type("kaisa@example.fi")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # consent
    screenshot(page, "idea-form-keyboard")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kehittamisideat/kiitos/")
    idea = Idea.objects.get(email="kaisa@example.fi")
    assert idea.topic == "toiminta" and idea.email == "kaisa@example.fi" and idea.consent_to_contact


@pytest.mark.parametrize(
    "path",
    ["/kehittamisideat/", "/kehittamisideat/kiitos/", "/kehittamisideat/koonti/", "/tietosuoja/"],
)
def test_feedback_pages_have_no_axe_violations(page, site, path, assert_accessible):
    page.goto(site + path)
    assert_accessible(page)


def test_error_messages_are_announced_and_accessible(page, site, assert_accessible, screenshot):
    page.goto(site + "/kehittamisideat/")
    page.get_by_role("button", name="Lähetä idea").click()
    assert "Kirjoita kehittämisideasi." in page.content()
    assert_accessible(page)
    screenshot(page, "idea-form-errors")
