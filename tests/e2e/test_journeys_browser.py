"""Issue 15's four journeys, end to end in a browser, each as the person who does it.

Each journey counts its steps (a page opened, a form sent, a link followed: what the person
does) in `steps`, so the count stays honest as the screens change."""

import re
import time

import pytest
from django.core import mail
from django.core.cache import caches
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from feedback.models import Idea
from networks.models import ContactPerson, Network
from programme.models import AssessmentConfirmation, MeasureStatus
from tests.e2e.browsing import signed_out

PASSWORD = "kumppanuus-demo-2026"


@pytest.fixture
def two_factor(settings):
    settings.TWO_FACTOR_REQUIRED = True


class Steps:
    def __init__(self):
        self.count = 0

    def __call__(self, action, *args, **kwargs):
        self.count += 1
        return action(*args, **kwargs)


def log_in(page, site, steps, username, password=PASSWORD):
    steps(page.goto, site + "/admin/login/")
    page.get_by_label("Käyttäjätunnus").fill(username)
    page.get_by_label("Salasana").fill(password)
    steps(page.get_by_role("button", name="Kirjaudu sisään").click)


def give_code(page, steps, username):
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key)
    while totp.t() <= device.last_t:  # a code is accepted once: wait for the app's next one
        time.sleep(1)
        totp = TOTP(device.bin_key)
    page.get_by_label("Vahvistuskoodi").fill(f"{totp.token():06d}")
    steps(page.get_by_role("button", name="Vahvista").click)


def run_action(page, steps, pk, action):
    page.locator(f"input[name='_selected_action'][value='{pk}']").check()
    page.locator("select[name='action']").select_option(action)
    steps(page.locator("button[name='index']").click)


def test_contact_person_assesses_confirms_and_is_counted(page, site, screenshot):
    steps = Steps()
    log_in(page, site, steps, "yhteyshenkilo")
    task = page.locator(".assessment-tasks")
    assert "Arvioi verkostosi toimenpiteet 2021" in task.inner_text()
    assert "ei vahvistettu" in task.inner_text()
    steps(page.get_by_role("link", name="Arvioi: Matkailufoorumi 2021").click)
    assert page.locator(".copy-badge").count() > 0  # last year's copies, marked
    page.locator("select[name$='-level']").first.select_option(label="valmis")
    page.locator("textarea[name$='-note']").first.fill("Selaintesti: tarkistettu")
    screenshot(page, "journey-contact-assess")
    steps(page.get_by_role("button", name="Vahvista arvio").click)
    assert "Vuoden 2021 arvio on vahvistettu" in page.locator(".messagelist").inner_text()
    assert page.locator(".copy-badge").count() == 0
    steps(page.locator(".breadcrumbs a").first.click)  # "Etusivu"
    assert "✓ vahvistettu" in page.locator(".assessment-tasks").inner_text()
    assert AssessmentConfirmation.objects.filter(network__slug="matkailu").exists()
    assert MeasureStatus.objects.filter(note="Selaintesti: tarkistettu").count() == 1
    print(f"\njourney contact person: {steps.count} steps")


def test_assessment_screen_fits_a_phone(page, site):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, site, Steps(), "yhteyshenkilo")
    page.get_by_role("link", name="Arvioi: Matkailufoorumi 2021").click()
    # The click starts a navigation; measure the new page, not the one being left.
    page.wait_for_url(re.compile(r"/arvioi/\d+/matkailu/$"))
    page.wait_for_load_state("load")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow} px sideways scroll on a 390 px phone"


def test_editor_triages_forwards_and_the_public_sees_the_response(
    page, site, two_factor, screenshot, settings
):
    settings.SITE_URL = site
    steps = Steps()
    idea = Idea.objects.create(
        topic="toiminta", message="Matkailuverkoston tapaamisia myös Turun saaristoon."
    )
    log_in(page, site, steps, "toimittaja")
    give_code(page, steps, "toimittaja")
    steps(page.goto, site + "/admin/feedback/idea/?state__exact=uusi")
    assert "Matkailuverkoston tapaamisia" in page.locator("#result_list").inner_text()
    run_action(page, steps, idea.pk, "forward_to_network")
    page.get_by_label("Verkosto").select_option(label="Matkailufoorumi")
    steps(page.get_by_role("button", name="Välitä").click)
    expect(page.locator(".messagelist")).to_be_visible()  # the answer to the click is in
    forwarded = mail.outbox[-1]
    assert "Matkailuverkoston tapaamisia myös Turun saaristoon." in forwarded.body
    link = re.search(r"http\S+/admin/feedback/idea/\d+/change/", forwarded.body).group(0)

    signed_out(page)
    contact_steps = Steps()
    log_in(page, site, contact_steps, "yhteyshenkilo")
    contact_steps(page.goto, link)  # the link in the email (SITE_URL is the live server)
    assert "Matkailuverkoston tapaamisia" in page.content()

    signed_out(page)
    log_in(page, site, steps, "toimittaja")
    give_code(page, steps, "toimittaja")
    steps(page.goto, f"{site}/admin/feedback/idea/{idea.pk}/change/")
    page.locator("#id_summary").fill("Toive: tapaamisia saaristoon.")
    page.locator("#id_public_response").fill(
        "Matkailufoorumi järjestää kevään tapaamisen Nauvossa."
    )
    page.locator("#id_state").select_option("vastattu")
    steps(page.locator("input[name='_save']").click)
    steps(page.goto, site + "/kehittamisideat/koonti/")
    text = page.locator("main").inner_text()
    assert "Toive: tapaamisia saaristoon." in text
    assert "Matkailufoorumi järjestää kevään tapaamisen Nauvossa." in text
    assert "Matkailuverkoston tapaamisia myös Turun saaristoon." not in text
    screenshot(page, "journey-editor-summary")
    print(f"\njourney editor: {steps.count} steps (+{contact_steps.count} contact person)")


def test_stakeholder_sends_gets_receipt_keeps_text_and_resend_is_one_idea(page, site, settings):
    settings.IDEA_RATE_LIMIT = "3/m"
    caches["ratelimit"].clear()
    steps = Steps()
    text = "Kumppanuusfoorumin tapahtumat yhteen tilattavaan kalenteriin."
    steps(page.goto, site + "/kehittamisideat/")
    page.get_by_label("verkkosivut").check()
    page.get_by_label("Kehittämisidea").fill(text)
    assert re.match(r"\d+ / 4000 merkkiä", page.locator(".char-counter").inner_text())
    page.get_by_label("Sähköposti (vapaaehtoinen)").fill("sanna@example.fi")
    page.get_by_label("Minuun saa ottaa yhteyttä ideaani liittyen").check()
    steps(page.get_by_role("button", name="Lähetä idea").click)
    page.wait_for_url("**/kehittamisideat/kiitos/")
    receipt = next(m for m in mail.outbox if m.to == ["sanna@example.fi"])
    assert text in receipt.body and "/kehittamisideat/koonti/" in receipt.body

    steps(page.go_back)  # back in the browser and send the same again
    message = page.get_by_label("Kehittämisidea")
    if message.input_value() != text:  # the browser did not keep the form: type it again
        page.get_by_label("verkkosivut").check()
        message.fill(text)
    steps(page.get_by_role("button", name="Lähetä idea").click)
    assert Idea.objects.filter(message=text).count() == 1
    print(f"\njourney stakeholder: {steps.count} steps")

    for n in range(3):  # up to the limit with other texts, then one more
        page.goto(site + "/kehittamisideat/")
        page.get_by_label("muu", exact=True).check()
        page.get_by_label("Kehittämisidea").fill(f"Idea numero {n}, rajan testaamiseksi.")
        page.get_by_role("button", name="Lähetä idea").click()
    expect(page.locator("main")).to_contain_text("Liian monta lähetystä")
    assert (
        page.get_by_label("Kehittämisidea").input_value() == "Idea numero 2, rajan testaamiseksi."
    )


def test_new_contact_person_invited_sets_password_and_assesses(
    page, site, two_factor, settings, browser
):
    settings.SITE_URL = site
    network = Network.objects.get(slug="kulttuuri")
    contact = ContactPerson.objects.filter(networks=network, user=None).exclude(email="").first()
    steps = Steps()
    log_in(page, site, steps, "toimittaja")
    give_code(page, steps, "toimittaja")
    steps(page.goto, site + "/admin/networks/contactperson/")
    run_action(page, steps, contact.pk, "invite")
    assert "Kutsu lähetetty" in page.locator(".messagelist").inner_text()
    link = re.search(r"http\S+/admin/salasana/\S+/\S+/", mail.outbox[-1].body).group(0)

    newcomer = browser.new_page()
    invited = Steps()
    invited(newcomer.goto, link)
    newcomer.locator("input[name='new_password1']").fill("Kulttuuri-2026-salasana")
    newcomer.locator("input[name='new_password2']").fill("Kulttuuri-2026-salasana")
    invited(newcomer.locator("input[type='submit']").click)
    log_in(newcomer, site, invited, contact.email, "Kulttuuri-2026-salasana")
    expect(newcomer.locator("body")).to_contain_text("Arvioi verkostosi toimenpiteet 2021")
    invited(newcomer.get_by_role("link", name=f"Arvioi: {network.name} 2021").click)
    expect(newcomer.get_by_role("button", name="Vahvista arvio")).to_be_visible()
    print(f"\njourney new contact: editor {steps.count} steps, invited {invited.count} steps")
    newcomer.close()
