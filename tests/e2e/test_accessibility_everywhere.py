"""axe-core over the contact person's assessment screen, and a keyboard-only journey through
the site. Every public page type in all three languages: test_site_pages.py."""

from playwright.sync_api import expect

from feedback.models import Idea


def test_contact_persons_assessment_screen_has_no_axe_violations(page, site, assert_accessible):
    page.goto(site + "/admin/login/")
    page.get_by_label("Käyttäjätunnus").fill("yhteyshenkilo")
    page.get_by_label("Salasana").fill("kumppanuus-demo-2026")
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.goto(site + "/admin/programme/measurestatus/arvioi/")
    page.get_by_role("link", name="Arvioi: Matkailufoorumi 2021").click()
    assert_accessible(page)


def test_keyboard_journey_skip_link_search_network_idea(page, site, screenshot):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Siirry sisältöön"
    assert page.evaluate("document.activeElement.id") == "sisalto"
    page.goto(site + "/")
    search = page.get_by_role("searchbox", name="Hae sivustolta")
    for _ in range(40):
        page.keyboard.press("Tab")
        if search.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.type("matkailu")
    page.keyboard.press("Enter")
    page.wait_for_url("**/haku/?q=matkailu")
    network_link = page.get_by_role("link", name="Matkailufoorumi").first
    for _ in range(60):
        page.keyboard.press("Tab")
        if network_link.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/verkostot/matkailu/")
    idea_link = page.get_by_role("link", name="Kerro kehittämisideasi").first
    for _ in range(80):
        page.keyboard.press("Tab")
        if idea_link.evaluate("el => el === document.activeElement"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/kehittamisideat/")
    page.get_by_label("muu").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("Näppäimistöllä koko matka etusivulta lomakkeeseen.")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    screenshot(page, "keyboard-journey-form")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kehittamisideat/kiitos/")
    assert Idea.objects.filter(message__startswith="Näppäimistöllä koko matka").count() == 1


def test_a_contact_person_sets_up_the_app_through_the_mailed_code(
    page, site, assert_accessible, mailoutbox
):
    """Opting in, as the person does it: the code to the mailbox first, then the app. Both
    steps' pages pass axe-core."""
    import re
    from base64 import b32decode

    from django_otp.oath import TOTP

    page.goto(site + "/admin/login/")
    page.get_by_label("Käyttäjätunnus").fill("yhteyshenkilo")
    page.get_by_label("Salasana").fill("kumppanuus-demo-2026")
    page.get_by_role("button", name="Kirjaudu sisään").click()
    page.goto(site + "/admin/kaksivaihe/kayttoonotto/")
    assert_accessible(page)
    page.get_by_role("button", name="Lähetä koodi sähköpostiin").click()
    expect(page.get_by_role("status")).to_contain_text("Koodi on lähetetty")
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    page.get_by_label("Vahvistuskoodi").fill(code)
    page.get_by_role("button", name="Vahvista").click()
    secret = page.locator(".otp-secret").inner_text()
    assert_accessible(page)
    page.get_by_label("Vahvistuskoodi").fill(f"{TOTP(b32decode(secret), drift=0).token():06d}")
    page.get_by_role("button", name="Ota käyttöön").click()
    # expect waits for the answer to the click; is_visible() would look at whatever is there
    expect(page.get_by_role("heading", name="Varakoodisi")).to_be_visible()
