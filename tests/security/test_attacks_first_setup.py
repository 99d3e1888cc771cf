"""Outside attacks on the first setup of an authenticator app (kumppanuus/twofactor.py): "a
stolen password alone registers no authenticator app". The real login form and setup page;
mail codes read from the outbox as the mailbox owner would. Each test states the promise it
checks; one that finds a hole fails. `time_passes` moves the mail code's stored timestamps
back (as the project's own tests reset throttles) instead of sleeping."""

import contextlib
import io
import logging
import re
import smtplib
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .accounts import mailed_code, new_editor, user
from .pausing import People, sqlite_lock_refusal
from .test_attacks_second_factor import (
    code_for,
    is_verified_in,
    password_login,
    secret_on,
)

pytestmark = pytest.mark.django_db

PASSWORD = "kumppanuus-demo-2026"
CONTACT_EMAIL = "yhteyshenkilo@example.fi"
REFUSED = (400, 429)  # a wrong code; a code sent while wrong ones make the person wait
NEW_EMAIL = "uusi@example.fi"  # new_editor("uusi")
EVIL = "hyokkaaja@evil.example"
VERIFY = "/admin/kaksivaihe/"
SETUP = "/admin/kaksivaihe/kayttoonotto/"
WRONG = "Koodi ei kelpaa tai on vanhentunut"
FINNISH_ERRORS = (WRONG, "Anna vahvistuskoodi", "Virheellinen pyyntö", "merkkiä pitkä")
FORGED = {"user": "1", "user_id": "1", "email": EVIL, "to": EVIL, "confirmed": "on",
          "key": "00" * 20, "secret": "A" * 32, "next": "//evil.example/"}  # fmt: skip


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


def shows_secret(response):
    html = response.content.decode(errors="replace")
    return 'class="otp-secret"' in html or "otpauth://" in html


def mails_to(address):
    return [m for m in mail.outbox if address in m.to + m.cc + m.bcc]


def time_passes(username, seconds):
    """As if `seconds` had passed for the account's mail code: expiry, one-a-minute, throttle."""
    for device in EmailDevice.objects.filter(user__username=username):
        for field in ("valid_until", "last_generated_timestamp", "throttling_failure_timestamp"):
            if getattr(device, field):
                setattr(device, field, getattr(device, field) - timedelta(seconds=seconds))
        device.save()


def browser(username="uusi"):
    client = Client(raise_request_exception=False)
    password_login(client, username)
    return client


def send(client, prefix=""):
    return client.post(prefix + SETUP, {"send": "1"})


def give(client, token, prefix="", **extra):
    return client.post(prefix + SETUP, {"token": token, **extra})


def not_the(code):
    return "000000" if code != "000000" else "111111"


def set_up_app(client):
    """After the mailbox step: read the secret off the page, confirm with the app's code."""
    secret = secret_on(client.get(SETUP))
    assert secret, "no secret shown after the mailbox step"
    assert "Varakoodisi" in client.post(SETUP, {"token": code_for(secret)}).content.decode()


# --- 1. the password alone -----------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/sv", "/en"])
@pytest.mark.parametrize("who", ["uusi", "yhteyshenkilo"])
def test_password_alone_shows_no_secret_and_registers_nothing(demo_data, who, prefix):
    """Password only (a new editor; the demo contact person), any language prefix: no page
    shows a secret, no guess or forged field registers an app or proves the mailbox, the full
    address is never on a page, and the contact is still not "a person with an app"."""
    new_editor("uusi")
    address = NEW_EMAIL if who == "uusi" else CONTACT_EMAIL
    attacker = browser(who)
    pages = [attacker.get(prefix + SETUP, {"next": "/admin/"}), send(attacker, prefix)]
    for guess in ("000000", "123456", "999999"):
        pages.append(give(attacker, guess, prefix, **FORGED))
        time_passes(who, 3600)
    pages.append(attacker.post(prefix + SETUP, {**FORGED, "token": ""}))
    for page in pages:
        assert page.status_code < 500 and not shows_secret(page), page.status_code
        assert address not in page.content.decode()
    assert pages[-2].status_code == 400 and (prefix or WRONG in pages[-2].content.decode())
    assert not TOTPDevice.objects.filter(user__username=who).exists()
    assert not shows_secret(attacker.get(SETUP)) and mails_to(EVIL) == []
    assert [m.to for m in mail.outbox] == [[address]]
    if who == "uusi":
        assert not is_verified_in(attacker)
        assert attacker.get("/admin/")["Location"].startswith(SETUP)
    else:
        assert attacker.get("/admin/").status_code == 200


def test_the_code_goes_only_to_the_accounts_own_address(demo_data):
    """A forged send (another address, user id) mails the account's own address only, shown
    masked; the contact person's password-only admin session cannot change that address."""
    other = new_editor("toinen")
    attacker = browser("yhteyshenkilo")
    pk = user("yhteyshenkilo").pk
    for url in (f"/admin/auth/user/{pk}/change/", f"/admin/auth/user/{pk}/password/"):
        attacker.post(url, {"email": EVIL, "username": "yhteyshenkilo"})
    response = attacker.post(SETUP, {"send": "1", "email": EVIL, "to": EVIL, "user": other.pk,
                                     "user_id": other.pk, "username": "toinen"})  # fmt: skip
    assert response.status_code == 200 and "y…o@example.fi" in response.content.decode()
    assert [(m.to, m.cc, m.bcc) for m in mail.outbox] == [([CONTACT_EMAIL], [], [])]


def test_another_accounts_code_does_not_prove_this_one(demo_data):
    """An insider's own mailed code is refused on the victim's account (also with the insider's
    user id forged in); the insider's proven session, logged in over as the victim, is asked
    again."""
    new_editor("uusi")
    insider_user = new_editor("sisainen")
    insider, attacker = browser("sisainen"), browser("uusi")
    assert send(insider).status_code == 200 and send(attacker).status_code == 200
    own = mailed_code("sisainen@example.fi")
    assert own != mailed_code(NEW_EMAIL), "the same six digits by chance (1 in a million)"
    refused = give(attacker, own, user=insider_user.pk, user_id=insider_user.pk)
    assert refused.status_code == 400 and not shows_secret(refused)
    assert give(insider, own).status_code == 302  # the insider's own mailbox step
    insider.post("/admin/login/?next=/admin/", {"username": "uusi", "password": PASSWORD})
    assert not shows_secret(insider.get(SETUP))
    assert not TOTPDevice.objects.filter(user__username="uusi").exists()


# --- 2. one code, once, in time; guesses slowed --------------------------------------------


def test_one_code_once_in_time_and_one_mail_a_minute(demo_data):
    """A second send within a minute mails nothing (429, Finnish); a minute later a new code
    replaces the first; the used code is refused in another browser (replay); a code works
    9 min 59 s after it was mailed, not 10 min 1 s."""
    new_editor("uusi")
    person, attacker, late = browser(), browser(), browser()
    send(person)
    first = mailed_code(NEW_EMAIL)
    again = send(person)
    assert again.status_code == 429 and "Uuden koodin voi pyytää" in again.content.decode()
    assert len(mails_to(NEW_EMAIL)) == 1
    time_passes("uusi", 61)
    assert send(person).status_code == 200 and len(mails_to(NEW_EMAIL)) == 2
    second = mailed_code(NEW_EMAIL)
    if first != second:
        assert give(person, first).status_code == 400
        time_passes("uusi", 2)
    assert give(person, second).status_code == 302
    replay = give(attacker, second)
    assert replay.status_code == 400 and not shows_secret(replay)
    assert shows_secret(person.get(SETUP))
    time_passes("uusi", 3600)
    send(late)
    time_passes("uusi", 601)
    assert give(late, mailed_code(NEW_EMAIL)).status_code == 400
    time_passes("uusi", 2)
    send(late)
    time_passes("uusi", 599)
    assert give(late, mailed_code(NEW_EMAIL)).status_code == 302


def test_guessing_the_six_digits_is_slowed(demo_data):
    """Measured: an attacker guesses once a second for a code's ten minutes. The throttle bites
    after the first wrong guess (the right code sent at once after it is refused) and lets a
    handful of the 600 guesses be compared; a new code does not reset it; the person with the
    mailbox gets through once the delay is over."""
    new_editor("uusi")
    attacker, person = browser(), browser()
    send(person)
    code = mailed_code(NEW_EMAIL)
    assert give(attacker, not_the(code)).status_code == 400
    assert give(attacker, code).status_code in REFUSED, "the right code was taken at once"
    for _ in range(600):
        time_passes("uusi", 1)
        give(attacker, not_the(code))
    counted = EmailDevice.objects.get(user__username="uusi").throttling_failure_count
    assert counted <= 12, f"{counted} of 600 guesses in 10 minutes were compared"
    time_passes("uusi", 61)
    send(person)  # a new code: the delay stays
    assert give(person, mailed_code(NEW_EMAIL)).status_code in REFUSED
    time_passes("uusi", 2**counted)  # the delay is over; that code has expired meanwhile
    send(person)
    assert give(person, mailed_code(NEW_EMAIL)).status_code == 302
    set_up_app(person)


# --- 3. the mail code is no sign-in factor; no address; after a reset ---------------------


def test_the_mail_code_is_no_sign_in_factor(demo_data):
    """A proven mailbox opens no admin page; a live mail code left over once the app is set up
    is refused on the verify page, and without the app no new one is sent."""
    new_editor("uusi")
    person, second_tab, attacker = browser(), browser(), browser()
    send(person)
    give(person, mailed_code(NEW_EMAIL))
    assert not is_verified_in(person)
    assert person.get("/admin/")["Location"].startswith(SETUP)
    time_passes("uusi", 61)
    send(second_tab)
    live = mailed_code(NEW_EMAIL)  # mailed, never used
    set_up_app(person)
    assert give(attacker, live)["Location"].startswith(VERIFY)  # the app is asked for
    response = attacker.post(VERIFY, {"token": live, "next": "/admin/"})
    assert response.status_code == 400 and not is_verified_in(attacker)
    sent = len(mail.outbox)
    time_passes("uusi", 61)
    assert send(attacker)["Location"].startswith(VERIFY) and len(mail.outbox) == sent


@pytest.mark.parametrize("prefix", ["", "/sv"])
def test_an_account_without_an_address_is_told_to_ask_an_administrator(demo_data, prefix):
    """No address: every setup request is a 4xx, no mail (not to a forged address either)."""
    new_editor("uusi")
    get_user_model().objects.filter(username="uusi").update(email="")
    attacker = browser()
    for response in (
        attacker.get(prefix + SETUP),
        send(attacker, prefix),
        attacker.post(prefix + SETUP, {"send": "1", **FORGED}),
        give(attacker, "123456", prefix, **FORGED),
    ):
        assert 400 <= response.status_code < 500 and not shows_secret(response)
    assert "Pyydä ylläpitäjää" in attacker.get(SETUP).content.decode()
    assert mail.outbox == [] and not TOTPDevice.objects.filter(user__username="uusi").exists()


def test_after_a_reset_the_password_alone_gets_nothing(demo_data):
    """After `reset_two_factor`, the password alone is sent to the verify page (no mail, no
    secret); the person with a recovery code sets up without a mail code."""
    out = io.StringIO()
    call_command("reset_two_factor", "toimittaja", stdout=out)
    recovery = re.findall(r"^  (\w+)$", out.getvalue(), re.MULTILINE)
    attacker = browser("toimittaja")
    for response in (attacker.get(SETUP), send(attacker), give(attacker, "123456", **FORGED)):
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert mail.outbox == [] and not TOTPDevice.objects.filter(user__username="toimittaja")
    person = browser("toimittaja")
    assert person.post(VERIFY, {"token": recovery[0]})["Location"].startswith(SETUP)
    set_up_app(person)
    assert mail.outbox == [] and is_verified_in(person) and not is_verified_in(attacker)


# --- 4. odd input, other methods, CSRF, a failing mail server, logs --------------------------

ODD = ["", " ", "\x00", "12345\x00", "１２３４５６", "1" * 100_000, "' OR 1=1 --", "💥" * 6]


@pytest.mark.parametrize("token", ODD, ids=range(len(ODD)))
def test_odd_codes_give_a_finnish_4xx(demo_data, token):
    """Odd codes: the form again with a Finnish message and a 4xx, never a 500 or a secret."""
    new_editor("uusi")
    attacker = browser()
    send(attacker)
    response = give(attacker, token)
    assert 400 <= response.status_code < 500 and not shows_secret(response)
    assert any(m in response.content.decode() for m in FINNISH_ERRORS), response.status_code
    raw = attacker.post(SETUP, b"token=%FF%FE%00&send", "application/x-www-form-urlencoded")
    assert raw.status_code < 500 and not shows_secret(raw)


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "head", "trace", "csrf"])
def test_other_methods_and_cross_site_posts_send_nothing(demo_data, method):
    """Only the page's own POST sends a code: other methods (a link, a script) and a form on
    another site (no CSRF token) mail nothing and prove nothing."""
    new_editor("uusi")
    attacker = browser()
    if method == "csrf":
        forged = Client(enforce_csrf_checks=True)
        forged.cookies = attacker.cookies
        response = forged.post(SETUP, {"send": "1"})
        assert response.status_code == 403
    elif method in ("get", "head", "trace"):
        response = getattr(attacker, method)(SETUP + "?send=1&token=123456")
    else:
        form = "application/x-www-form-urlencoded"
        response = getattr(attacker, method)(SETUP, "send=1&token=123456", form)
    assert response.status_code < 500 and not shows_secret(response)
    assert mail.outbox == [] and not shows_secret(attacker.get(SETUP))


class RefusingMailServer(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"no such mailbox")})


def test_a_failing_mail_server_and_the_logs(demo_data, settings, caplog):
    """The mail server refuses: a Finnish 503, a retry at once works, and nothing is
    half-saved (no code left valid that nobody was mailed). Nowhere in the logs of the whole
    setup is the address."""
    caplog.set_level(logging.DEBUG)
    new_editor("uusi")
    person = browser()
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"
    failed = send(person)
    assert failed.status_code == 503 and "Koodia ei lähetetty" in failed.content.decode()
    live = EmailDevice.objects.filter(user__username="uusi", token__isnull=False)
    half_saved = live.filter(valid_until__gt=timezone.now()).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send(person).status_code == 200
    give(person, "000000")
    time_passes("uusi", 2)
    assert give(person, mailed_code(NEW_EMAIL)).status_code == 302
    set_up_app(person)
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "uusi@" not in logged and "example.fi" not in logged, logged
    assert not half_saved, "a code that was never mailed stays valid for ten minutes"


# --- 5. at the same moment (threads, each on a database connection of its own) -------------


def at_once(monkeypatch, owner, name, *actions, when=lambda *args: True):
    """Run `actions` in threads; callers of `owner.name` (those `when` picks) wait just before
    it until all are there, or 2 s: a lock that makes them queue is right, not a hang."""
    barrier, original = threading.Barrier(len(actions), timeout=2), getattr(owner, name)

    def waiting(*args, **kwargs):
        if when(*args):
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, waiting)
    people = People()
    for number, action in enumerate(actions):
        people.start(number, action)
    outcome = list(people.finish().values())
    monkeypatch.undo()
    return outcome


def wrong_guess_in_flight(monkeypatch, wrong, then):
    """An attacker's wrong guess is let in (its throttle check passed, the comparison not yet
    made); `then` runs meanwhile (3 s to finish: a lock may make it wait); the guess goes on."""
    reached, go_on, original = threading.Event(), threading.Event(), EmailDevice.verify_is_allowed

    def held(device):
        result = original(device)
        if not reached.is_set():
            reached.set()
            go_on.wait(10)
        return result

    people, attacker = People(), browser()
    monkeypatch.setattr(EmailDevice, "verify_is_allowed", held)
    people.start("wrong", lambda: give(attacker, wrong))
    assert reached.wait(10), "the wrong guess never reached the throttle check"
    people.start("then", then).join(3)
    go_on.set()
    outcome = people.finish()
    monkeypatch.undo()
    return outcome


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_ever", [True, False], ids=["first-send", "later-send"])
def test_two_sends_at_the_same_moment_mail_once(demo_data, monkeypatch, first_ever):
    """Two browsers press "send" at once: one mail, not two, within the minute, and the page
    keeps working afterwards (no duplicate state turning later sends into a 500)."""
    new_editor("uusi")
    a, b = browser(), browser()
    if first_ever:  # both have looked for the account's mail-code row before either adds it
        name, when = "save", lambda device: device._state.adding
    else:
        send(a)
        time_passes("uusi", 61)
        mail.outbox = []
        name, when = "cooldown_set", lambda device: True
    outcome = at_once(monkeypatch, EmailDevice, name, lambda: send(a), lambda: send(b), when=when)
    if any(map(sqlite_lock_refusal, outcome)):
        assert len(mail.outbox) <= 1
        return
    statuses, mailed = sorted(getattr(r, "status_code", r) for r in outcome), len(mail.outbox)
    time_passes("uusi", 61)
    later = send(a)
    error = later.exc_info[1].__class__.__name__ if later.status_code == 500 else ""
    assert later.status_code == 200, f"a later send: {later.status_code} {error}"
    assert give(a, mailed_code(NEW_EMAIL)).status_code == 302
    assert statuses == [200, 429] and mailed == 1, f"{statuses}, {mailed} mails"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sender", ["attacker", "person"])
def test_a_right_code_beside_a_wrong_guess_in_flight(demo_data, monkeypatch, sender):
    """A wrong guess is being checked when the right code arrives. From the attacker (firing
    guesses in parallel) it must wait the delay after a wrong guess: refused. From the person:
    if taken, it stays used (another browser cannot replay it once the delay is over)."""
    new_editor("uusi")
    send(browser())
    code, second = mailed_code(NEW_EMAIL), browser()
    outcome = wrong_guess_in_flight(monkeypatch, not_the(code), lambda: give(second, code))
    if any(map(sqlite_lock_refusal, outcome.values())):
        return
    if sender == "attacker":
        taken = "the right guess was taken beside a wrong one"
        assert outcome["then"].status_code in REFUSED, taken
        assert not shows_secret(second.get(SETUP))
    elif outcome["then"].status_code == 302:
        time_passes("uusi", 2)
        assert give(browser(), code).status_code in REFUSED, "the used code works again"


@pytest.mark.django_db(transaction=True)
def test_one_code_in_two_browsers_at_the_same_moment_proves_one(demo_data, monkeypatch):
    """The same code typed in two browsers at the same moment proves one of them, not both."""
    new_editor("uusi")
    a, b = browser(), browser()
    send(a)
    code = mailed_code(NEW_EMAIL)
    outcome = at_once(
        monkeypatch, EmailDevice, "verify_token", lambda: give(a, code), lambda: give(b, code)
    )
    if any(map(sqlite_lock_refusal, outcome)):
        return
    statuses = sorted(r.status_code for r in outcome)
    assert statuses[0] == 302 and statuses[1] in REFUSED, outcome
    assert shows_secret(a.get(SETUP)) != shows_secret(b.get(SETUP))
