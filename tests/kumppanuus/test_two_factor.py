"""Editors sign in with a second factor; contact persons may opt in; recovery by command."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.security.accounts import prove_mailbox

pytestmark = pytest.mark.django_db

PASSWORD = "kumppanuus-demo-2026"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def code_for(device):
    return f"{TOTP(device.bin_key, drift=0).token():06d}"


def sign_in(client, username):
    assert client.login(username=username, password=PASSWORD)


def test_editor_password_alone_does_not_open_the_admin(demo_data, client):
    sign_in(client, "toimittaja")
    response = client.get("/admin/feedback/idea/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/kaksivaihe/?next=/admin/feedback/idea/")
    page = client.get(response["Location"]).content.decode()
    assert "Kaksivaiheinen tunnistus" in page and 'id="site-name"' in page


def test_editor_with_the_apps_code_gets_in(demo_data, client):
    sign_in(client, "toimittaja")
    wrong = client.post("/admin/kaksivaihe/", {"token": "000000", "next": "/admin/"})
    assert "Koodi ei kelpaa" in wrong.content.decode()
    device = TOTPDevice.objects.get(user__username="toimittaja")
    assert device.throttling_failure_count == 1  # wrong codes slow the next tries down
    device.throttle_reset()  # instead of waiting out the delay
    response = client.post("/admin/kaksivaihe/", {"token": code_for(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/feedback/idea/").status_code == 200


def test_next_cannot_leave_the_site(demo_data, client):
    sign_in(client, "toimittaja")
    device = TOTPDevice.objects.get(user__username="toimittaja")
    response = client.post(
        "/admin/kaksivaihe/", {"token": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/admin/"


def test_contact_person_is_not_asked_until_they_opt_in(demo_data, client):
    sign_in(client, "yhteyshenkilo")
    assert client.get("/admin/").status_code == 200
    prove_mailbox(client, "yhteyshenkilo@example.fi")
    page = client.get("/admin/kaksivaihe/kayttoonotto/").content.decode()
    secret = re.search(r'class="otp-secret">([A-Z2-7]+)<', page).group(1)
    device = TOTPDevice.objects.get(user__username="yhteyshenkilo", confirmed=False)
    codes = client.post("/admin/kaksivaihe/kayttoonotto/", {"token": code_for(device)})
    assert secret and "Varakoodisi" in codes.content.decode()
    recovery = re.findall(r"<li><code>(\w+)</code></li>", codes.content.decode())
    assert len(recovery) == 10
    client.logout()
    sign_in(client, "yhteyshenkilo")
    assert client.get("/admin/").status_code == 302  # now they are asked
    ok = client.post("/admin/kaksivaihe/", {"token": recovery[0], "next": "/admin/"})
    assert ok["Location"] == "/admin/"
    client.logout()
    sign_in(client, "yhteyshenkilo")
    again = client.post("/admin/kaksivaihe/", {"token": recovery[0], "next": "/admin/"})
    assert "Koodi ei kelpaa" in again.content.decode()  # a recovery code works once


def test_editor_without_a_device_is_sent_to_set_one_up(db, client):
    from django.contrib.auth.models import Group

    from kumppanuus.roles import roles_setup

    editors, _contacts = roles_setup()
    user = get_user_model().objects.create_user("uusi", password=PASSWORD, is_staff=True)
    user.groups.add(editors)
    sign_in(client, "uusi")
    response = client.get("/admin/")
    assert response["Location"].startswith("/admin/kaksivaihe/kayttoonotto/")
    assert Group.objects.filter(name="Toimitus").exists()


def test_abandoned_setups_do_not_pile_up(db, client, settings):
    """Every sign-in that opens the setup page and leaves makes an unconfirmed app; one older
    than a session can live is removed when the next setup starts, a newer one (another
    browser's setup still under way) stays."""
    from datetime import timedelta

    from django.utils import timezone

    user = get_user_model().objects.create_user(
        "uusi", email="uusi@example.fi", password=PASSWORD, is_staff=True
    )
    old = TOTPDevice.objects.create(user=user, confirmed=False, name="sovellus")
    recent = TOTPDevice.objects.create(user=user, confirmed=False, name="sovellus")
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    TOTPDevice.objects.filter(pk=old.pk).update(created_at=timezone.now() - age - timedelta(1))
    sign_in(client, "uusi")
    prove_mailbox(client, "uusi@example.fi")
    assert client.get("/admin/kaksivaihe/kayttoonotto/").status_code == 200
    left = set(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True))
    assert old.pk not in left and recent.pk in left and len(left) == 2


def test_reset_command_recovers_a_locked_out_editor(demo_data, client):
    out = io.StringIO()
    call_command("reset_two_factor", "toimittaja", stdout=out)
    codes = re.findall(r"^  (\w+)$", out.getvalue(), re.MULTILINE)
    assert len(codes) == 10
    assert not TOTPDevice.objects.filter(user__username="toimittaja").exists()
    sign_in(client, "toimittaja")
    response = client.post("/admin/kaksivaihe/", {"token": codes[0], "next": "/admin/"})
    assert response["Location"].startswith("/admin/kaksivaihe/kayttoonotto/")


def test_login_and_password_pages_stay_open(demo_data, client):
    assert client.get("/admin/login/").status_code == 200
    sign_in(client, "toimittaja")
    assert client.get("/admin/salasana/").status_code == 200


# --- The first app is registered only by someone who also holds the account's mailbox -------

SETUP = "/admin/kaksivaihe/kayttoonotto/"


def new_editor_signed_in(client, username="uusi", email=None):
    from tests.security.accounts import new_editor

    account = new_editor(username, PASSWORD, email=email)
    sign_in(client, username)
    return account


def test_a_password_alone_sees_no_secret_and_registers_no_app(db, client, mailoutbox):
    """Someone who has only the new editor's password (phished, guessed) gets no secret and
    cannot confirm an app; guessing the mailed code is refused."""
    user = new_editor_signed_in(client)
    page = client.get(SETUP)
    text = page.content.decode()
    assert page.status_code == 200 and "otp-secret" not in text
    assert "u…i@example.fi" in text and "uusi@example.fi" not in text
    client.post(SETUP, {"send": "1"})
    guessed = client.post(SETUP, {"token": "123456"})
    assert guessed.status_code == 400
    assert "Koodi ei kelpaa tai on vanhentunut" in guessed.content.decode()
    assert "otp-secret" not in client.get(SETUP).content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert [m.to for m in mailoutbox] == [["uusi@example.fi"]]


def test_the_mailed_code_proves_its_own_account_once(db, client, mailoutbox):
    from tests.security.accounts import mailed_code

    user = new_editor_signed_in(client)
    other = Client()
    new_editor_signed_in(other, "toinen", "toinen@example.fi")
    client.post(SETUP, {"send": "1"})
    other.post(SETUP, {"send": "1"})
    message = mailoutbox[0]
    assert "Vahvistuskoodi" in message.subject and "(tunnus uusi)" in message.body
    code = mailed_code("uusi@example.fi")
    assert other.post(SETUP, {"token": code}).status_code == 400  # not toinen's code

    assert client.post(SETUP, {"token": code})["Location"].startswith(SETUP)
    secret = re.search(r'class="otp-secret">([A-Z2-7]+)<', client.get(SETUP).content.decode())
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    codes = client.post(SETUP, {"token": code_for(device)})
    assert secret and "Varakoodisi" in codes.content.decode()

    again = Client()
    sign_in(again, "uusi")
    from django_otp.plugins.otp_static.models import StaticDevice

    TOTPDevice.objects.filter(user=user).delete()  # as if the app were gone: setup again
    StaticDevice.objects.filter(user=user).delete()
    assert again.post(SETUP, {"token": code}).status_code == 400  # a used code proves nothing


def test_proving_the_mailbox_gives_the_session_a_new_id(db, client, mailoutbox):
    """Someone with the password fixes a session id in the person's browser; the person then
    proves their mailbox there. The fixed id must not carry the proof (or the secret shown
    next) back to the attacker's browser."""
    from tests.security.accounts import prove_mailbox

    new_editor_signed_in(client)
    fixed = client.cookies["sessionid"].value
    prove_mailbox(client, "uusi@example.fi")
    assert client.cookies["sessionid"].value != fixed
    attacker = Client()
    attacker.cookies["sessionid"] = fixed
    page = attacker.get(SETUP)
    assert "otp-secret" not in page.content.decode()
    assert "otp-secret" in client.get(SETUP).content.decode()


def test_a_proof_for_an_old_address_does_not_count(db, client, mailoutbox):
    """An administrator corrects a wrong address: a code sent to the old one, and a session
    proven with it, prove nothing for the account any more."""
    from tests.security.accounts import mailed_code, prove_mailbox

    user = new_editor_signed_in(client)
    client.post(SETUP, {"send": "1"})
    old_code = mailed_code("uusi@example.fi")
    user.email = "oikea@example.fi"
    user.save()
    assert client.post(SETUP, {"token": old_code}).status_code == 400
    prove_mailbox(client, "oikea@example.fi", wait_out=True)
    user.email = "kolmas@example.fi"
    user.save()
    assert "otp-secret" not in client.get(SETUP).content.decode()


def test_an_expired_code_and_wrong_guesses_are_refused(db, client, mailoutbox):
    from datetime import timedelta

    from django.utils import timezone
    from django_otp.plugins.otp_email.models import EmailDevice

    from tests.security.accounts import mailed_code

    user = new_editor_signed_in(client)
    client.post(SETUP, {"send": "1"})
    code = mailed_code("uusi@example.fi")
    client.post(SETUP, {"token": "000000"})
    device = EmailDevice.objects.get(user=user)
    assert device.throttling_failure_count == 1  # the next try waits, as for app codes
    device.throttle_reset()
    EmailDevice.objects.filter(pk=device.pk).update(
        valid_until=timezone.now() - timedelta(seconds=1)
    )
    assert client.post(SETUP, {"token": code}).status_code == 400


def test_one_code_a_minute(db, client, mailoutbox):
    new_editor_signed_in(client)
    assert client.post(SETUP, {"send": "1"}).status_code == 200
    again = client.post(SETUP, {"send": "1"})
    assert again.status_code == 429
    assert "Uuden koodin voi pyytää" in again.content.decode()
    assert len(mailoutbox) == 1


def test_an_account_without_an_address_is_told_whom_to_ask(db, client, mailoutbox):
    new_editor_signed_in(client, email="")
    for response in (client.get(SETUP), client.post(SETUP, {"send": "1"})):
        assert response.status_code == 403
        assert "Pyydä ylläpitäjää" in response.content.decode()
    assert mailoutbox == []


def test_a_mail_server_failure_is_a_message_and_can_be_retried_at_once(
    db, client, mailoutbox, settings, caplog
):
    new_editor_signed_in(client)
    settings.EMAIL_BACKEND = "tests.feedback.broken_mail.BrokenBackend"
    failed = client.post(SETUP, {"send": "1"})
    assert failed.status_code == 503
    assert "Koodia ei lähetetty. Sähköpostipalvelin ei ottanut" in failed.content.decode()
    assert "uusi@example.fi" not in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert client.post(SETUP, {"send": "1"}).status_code == 200  # no wait after a failure
    assert len(mailoutbox) == 1


def test_after_a_reset_the_recovery_code_is_the_second_thing(demo_data, client, mailoutbox):
    """The reset's recovery code, handed over in person, is a factor: no mail needed."""
    out = io.StringIO()
    call_command("reset_two_factor", "toimittaja", stdout=out)
    codes = re.findall(r"^  (\w+)$", out.getvalue(), re.MULTILINE)
    sign_in(client, "toimittaja")
    client.post("/admin/kaksivaihe/", {"token": codes[0], "next": "/admin/"})
    assert "otp-secret" in client.get(SETUP).content.decode()
    assert mailoutbox == []
