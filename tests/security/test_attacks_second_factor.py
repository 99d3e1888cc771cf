"""Outside attacks on the admin's second factor (kumppanuus/twofactor.py), from the browser's
side: the real login form, the real second-factor pages, codes computed as an authenticator
app would. Each test states the promise it checks; one that finds a hole fails."""

import io
import re
import time
from base64 import b32decode, b32encode
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .accounts import new_editor, prove_mailbox
from .admin_walk import model_probes, site_probes

pytestmark = pytest.mark.django_db

PASSWORD = "kumppanuus-demo-2026"
SUPERUSER_PASSWORD = "x-salasana-1"  # the `staff` fixture's superuser
DEMO_SECRET = "NN2W24DQMFXHK5LTFVSGK3LPFUZDAMRW"
CONTACT_EMAIL = "yhteyshenkilo@example.fi"  # the demo contact person's account
ADMIN = "/admin/"
VERIFY = "/admin/kaksivaihe/"
SETUP = "/admin/kaksivaihe/kayttoonotto/"
OPEN = ("login/", "logout/", "salasana/", "kaksivaihe/", "jsi18n/")
REFUSED = "Koodi ei kelpaa"
WAIT = "Liian monta väärää koodia. Odota hetki"  # a code sent while throttled
FINNISH_ERRORS = (
    REFUSED,
    WAIT,
    "Anna vahvistuskoodi",
    "Varmista, että",
    "merkkiä",
    "Anna yksi koodi",
)
ODD_REQUEST = "Virheellinen pyyntö"  # the site's 400 page for bytes no form should get


def refused(response):
    """The code page again, saying the code was not taken: wrong (400), or sent while waiting
    (429, saying when to try again)."""
    html = response.content.decode()
    return (response.status_code == 400 and REFUSED in html) or waiting(response)


def waiting(response):
    return (
        response.status_code == 429
        and int(response["Retry-After"]) >= 1
        and WAIT in response.content.decode()
    )


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True


@pytest.fixture
def walkable(staff, lockout_rows):
    """The roles' users, with a row in each of axes' tables so their object URLs are walked."""
    return staff


# --- helpers: what a browser and an authenticator app do -----------------------------------


def code_for(secret, steps=0):
    """The six digits an app with base32 `secret` shows now (or `steps` x 30 s from now)."""
    totp = TOTP(b32decode(secret), drift=0)
    totp.time = time.time() + 30 * steps
    return f"{totp.token():06d}"


def demo_code(steps=0):
    return code_for(DEMO_SECRET, steps)


def password_login(client, username, password=PASSWORD):
    """The admin login form, as a browser posts it; the password alone."""
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    assert response.status_code == 302, (username, response.status_code)
    return response


def give_code(client, token, next_url=ADMIN):
    return client.post(VERIFY, {"token": token, "next": next_url})


def is_verified_in(client):
    """Whether this browser now reaches an ordinary admin page."""
    return client.get("/admin/networks/network/").status_code == 200


def wait_out_throttle(*usernames):
    """As if the throttle's delay had passed (the project's own tests do the same)."""
    for device in TOTPDevice.objects.filter(user__username__in=usernames):
        device.throttle_reset()
    for device in StaticDevice.objects.filter(user__username__in=usernames):
        device.throttle_reset()


def recovery_codes_from(page):
    return re.findall(r"<li><code>(\w+)</code></li>", page.content.decode())


def secret_on(page):
    found = re.search(r'class="otp-secret">([A-Z2-7]+)<', page.content.decode())
    return found.group(1) if found else None


def give_contact_a_device():
    """Contact person `yhteyshenkilo` has opted in (set up an app): returns its secret."""
    secret = b32encode(b"yhteyshenkilon-avain").decode()
    TOTPDevice.objects.create(
        user=get_user_model().objects.get(username="yhteyshenkilo"),
        name="sovellus",
        key=b32decode(secret).hex(),
        confirmed=True,
    )
    return secret


def same_site(location):
    """Whether a browser following this Location stays on testserver."""
    url = location.strip("\x00\t\n\r \x0b\x0c").replace("\\", "/")
    url = re.sub(r"[\t\n\r]", "", url)
    if url.startswith("//"):
        return urlsplit("http:" + url).hostname == "testserver"
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return False
    if parts.scheme and not parts.netloc:
        return False  # https:evil.example is evil.example to a browser
    return parts.hostname in (None, "testserver")


def row_counts():
    quote = connection.ops.quote_name
    tables = sorted(
        {model._meta.db_table for model in admin.site._registry}
        | {TOTPDevice._meta.db_table, StaticDevice._meta.db_table, StaticToken._meta.db_table}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables))
        return cursor.fetchone()


def fingerprint(models):
    rows = tuple(tuple(m._default_manager.order_by("pk").values_list()) for m in models)
    return row_counts(), rows


def guarded_probes():
    """Every admin URL and action from the registry and the resolver, minus the open pages."""
    with translation.override(settings.LANGUAGE_CODE):  # the walk's URLs without a prefix
        probes = [*model_probes(), *site_probes()]
    assert len(probes) > 50, "the walk found too few admin URLs"
    for probe in probes:
        assert probe.url, probe  # a custom URL with arguments the walk cannot fill
        if not probe.url[len(ADMIN) :].startswith(OPEN):
            yield probe


def walk_refused(client, expected_prefix, url_prefix=""):
    """GET and POST every guarded admin URL and action; every one must be sent to
    `expected_prefix` and change nothing. Returns the list of what got through."""
    holes = []
    for probe in guarded_probes():
        url = url_prefix + probe.url
        for method in ("GET", "POST"):
            with transaction.atomic():
                mail.outbox = []
                before = fingerprint(probe.models)
                response = client.get(url) if method == "GET" else client.post(url, probe.data)
                after = fingerprint(probe.models)
                transaction.set_rollback(True)
            location = response.get("Location", "")
            if response.status_code != 302 or not location.startswith(expected_prefix):
                holes.append((method, url, probe.kind, response.status_code, location))
            if after != before or mail.outbox:
                holes.append((method, url, probe.kind, "changed data or sent mail"))
    return holes


# --- 1. no admin page or action before the second factor ---------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("editor", VERIFY),
        ("superuser_without_device", SETUP),
        ("superuser_with_device", VERIFY),
        ("contact_with_device", VERIFY),
    ],
)
def test_every_admin_url_and_action_waits_for_the_second_factor(client, walkable, who, expected):
    if who == "editor":
        password_login(client, "toimittaja")
    elif who == "contact_with_device":
        give_contact_a_device()
        password_login(client, "yhteyshenkilo")
    else:
        if who == "superuser_with_device":
            TOTPDevice.objects.create(
                user=walkable["superuser"], name="s", key=b"x" * 20, confirmed=True
            )
        password_login(client, "paakayttaja", SUPERUSER_PASSWORD)
    holes = walk_refused(client, f"{expected}?next=")
    assert holes == []


@pytest.mark.parametrize("language", ["/sv", "/en"])
def test_admin_under_a_language_prefix_also_waits(client, walkable, language):
    password_login(client, "toimittaja")
    holes = walk_refused(client, f"{language}{VERIFY}?next=", url_prefix=language)
    assert holes == []


@pytest.mark.parametrize("method", ["head", "options", "put", "patch", "delete", "trace"])
def test_other_methods_do_not_slip_past(client, staff, method):
    from networks.models import Network

    password_login(client, "toimittaja")
    network = Network.objects.order_by("pk").first()
    before = fingerprint([Network])
    for url in ("/admin/networks/network/", f"/admin/networks/network/{network.pk}/change/"):
        response = getattr(client, method)(url)
        assert response.status_code == 302 or 400 <= response.status_code < 500, url
        assert b"<table" not in response.content and b'name="name"' not in response.content
    assert fingerprint([Network]) == before


@pytest.mark.parametrize(
    "path",
    [
        "/admin/login/../networks/network/",
        "/admin/%6Cogin/../networks/network/",
        "/admin//networks/network/",
        "/admin/networks/network/?next=/admin/kaksivaihe/",
        "/admin/kaksivaihe/../networks/network/",
        "/admin/jsi18n/../networks/network/",
        "/admin/salasana/../networks/network/",
    ],
)
def test_odd_admin_paths_do_not_open_anything(client, demo_data, path):
    password_login(client, "toimittaja")
    response = client.get(path)
    assert response.status_code in (301, 302, 404), path
    if response.status_code in (301, 302):
        assert response["Location"].startswith((VERIFY, "/admin/login/")), response["Location"]
    assert b"<table" not in response.content


def test_editor_with_password_only_cannot_preview_a_draft_review(client, demo_data):
    """The staff preview of a draft annual review (/vuosikatsaus/2021/) is an editor's right:
    it must wait for the second factor like the admin."""
    anonymous = Client().get("/vuosikatsaus/2021/")
    assert anonymous.status_code == 404  # the draft is not public
    password_login(client, "toimittaja")
    assert client.get("/vuosikatsaus/2021/").status_code in (302, 404)


def test_the_second_factor_page_does_not_list_the_admins_contents(client, demo_data):
    password_login(client, "toimittaja")
    page = client.get(VERIFY).content.decode()
    assert "Kaksivaiheinen tunnistus" in page
    assert "/admin/networks/network/" not in page
    assert "/admin/feedback/idea/" not in page


# --- 2. a recovery code works once; a TOTP code cannot be replayed --------------------------


def test_a_recovery_code_works_once(client, demo_data):
    out = io.StringIO()
    call_command("reset_two_factor", "toimittaja", stdout=out)
    codes = re.findall(r"^  (\w+)$", out.getvalue(), re.MULTILINE)
    password_login(client, "toimittaja")
    first = give_code(client, codes[0])
    assert first.status_code == 302 and first["Location"].startswith(SETUP)
    client.post("/admin/logout/")

    other = Client()
    password_login(other, "toimittaja")
    again = give_code(other, codes[0])
    assert again.status_code == 400 and REFUSED in again.content.decode()
    assert not is_verified_in(other)
    assert other.get(SETUP).status_code == 302  # no setup page from a used code either


def test_a_used_app_code_cannot_be_used_again(client, demo_data):
    code = demo_code()
    password_login(client, "toimittaja")
    assert give_code(client, code).status_code == 302
    assert is_verified_in(client)

    attacker = Client()
    password_login(attacker, "toimittaja")
    replay = give_code(attacker, code)
    assert replay.status_code == 400 and REFUSED in replay.content.decode()
    assert not is_verified_in(attacker)
    # the refusal was for the replay: the next code (once the delay is over) works
    wait_out_throttle("toimittaja")
    assert give_code(attacker, demo_code(+1)).status_code == 302


def test_an_older_app_code_is_refused_after_a_newer_one(client, demo_data):
    password_login(client, "toimittaja")
    assert give_code(client, demo_code(+1)).status_code == 302  # the app a step ahead
    attacker = Client()
    password_login(attacker, "toimittaja")
    for steps in (0, -1):
        response = give_code(attacker, demo_code(steps))
        assert REFUSED in response.content.decode()
        wait_out_throttle("toimittaja")
    assert not is_verified_in(attacker)


def test_the_code_that_confirmed_the_app_cannot_be_replayed(client, demo_data):
    password_login(client, "yhteyshenkilo")
    prove_mailbox(client, CONTACT_EMAIL)
    secret = secret_on(client.get(SETUP))
    code = code_for(secret)
    confirmed = client.post(SETUP, {"token": code})
    assert len(recovery_codes_from(confirmed)) == 10
    client.post("/admin/logout/")
    attacker = Client()
    password_login(attacker, "yhteyshenkilo")
    response = give_code(attacker, code)
    assert REFUSED in response.content.decode()
    assert not is_verified_in(attacker)


# --- 3. guessing is throttled, across sessions and logins ----------------------------------


def test_after_wrong_guesses_even_the_right_code_is_refused(client, demo_data):
    password_login(client, "toimittaja")
    for guess in ("000000", "111111", "222222"):
        assert refused(give_code(client, guess))
    right = give_code(client, demo_code())
    assert waiting(right)
    assert not is_verified_in(client)


def test_a_new_session_or_a_new_login_does_not_escape_the_throttle(client, demo_data):
    password_login(client, "toimittaja")
    for guess in ("000000", "111111", "222222"):
        give_code(client, guess)
    fresh = Client()  # another browser
    password_login(fresh, "toimittaja")
    assert WAIT in give_code(fresh, demo_code()).content.decode()
    client.post("/admin/logout/")  # the same browser, logged in again
    password_login(client, "toimittaja")
    assert WAIT in give_code(client, demo_code()).content.decode()
    assert not is_verified_in(fresh) and not is_verified_in(client)


def test_the_delay_grows_with_each_wrong_guess(client, demo_data, monkeypatch):
    """An attacker who guesses every 20 seconds for ten minutes (30 tries) gets only a few of
    them checked, and the right code is still refused at the end of it."""
    now = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: now[0])
    password_login(client, "toimittaja")
    for _ in range(30):
        give_code(client, "000000")
        now[0] += timedelta(seconds=20)
    device = TOTPDevice.objects.get(user__username="toimittaja")
    assert 3 <= device.throttling_failure_count <= 10
    assert WAIT in give_code(client, demo_code()).content.decode()
    assert not is_verified_in(client)


def test_recovery_codes_are_throttled_too(client, demo_data):
    out = io.StringIO()
    call_command("reset_two_factor", "toimittaja", stdout=out)
    codes = re.findall(r"^  (\w+)$", out.getvalue(), re.MULTILINE)
    password_login(client, "toimittaja")
    for guess in ("aaaaaaaa", "bbbbbbbb", "cccccccc"):
        give_code(client, guess)
    other = Client()
    password_login(other, "toimittaja")
    response = give_code(other, codes[0])
    assert waiting(response)


# --- 4. the password alone cannot set up, replace or see an editor's app --------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_password_alone_gets_no_setup_page_for_an_editor_with_an_app(client, demo_data, method):
    before = list(TOTPDevice.objects.order_by("pk").values_list())
    password_login(client, "toimittaja")
    for url in (SETUP, f"{SETUP}?next=/admin/", f"{SETUP}?user=1"):
        if method == "get":
            response = client.get(url)
        else:
            response = client.post(url, {"token": "123456", "next": "/admin/"})
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
        assert secret_on(response) is None
    assert list(TOTPDevice.objects.order_by("pk").values_list()) == before
    assert not StaticDevice.objects.filter(user__username="toimittaja").exists()


def test_password_alone_after_a_reset_gets_no_setup_page(client, demo_data):
    call_command("reset_two_factor", "toimittaja", stdout=io.StringIO())
    password_login(client, "toimittaja")
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user__username="toimittaja").exists()


def test_an_attacker_cannot_plant_the_secret_a_new_editor_then_sets_up(demo_data):
    """A new editor (no app yet): someone who knows their password (and here, to get that far,
    the mailbox too) opens the setup page first and notes the secret. When the editor then
    sets up their app in their own browser and confirms it, the app they register must not be
    one whose secret the attacker has; the attacker's codes must not open the admin
    afterwards."""
    new_editor("uusi")
    attacker, editor = Client(), Client()
    password_login(attacker, "uusi")
    # Since the setup asks for a code mailed to the account, the password alone shows none;
    # with the mailbox too (below), the attacker's session gets a secret of its own.
    assert secret_on(attacker.get(SETUP)) is None
    prove_mailbox(attacker, "uusi@example.fi")
    planted = secret_on(attacker.get(SETUP))
    assert planted

    password_login(editor, "uusi")
    prove_mailbox(editor, "uusi@example.fi", wait_out=True)
    page = editor.get(SETUP)
    editors_secret = secret_on(page)
    confirmed = editor.post(SETUP, {"token": code_for(editors_secret)})
    assert len(recovery_codes_from(confirmed)) == 10

    thief = Client()
    password_login(thief, "uusi")
    give_code(thief, code_for(planted, +1))
    assert not is_verified_in(thief), "the attacker's noted secret is the editor's app"
    assert editors_secret != planted


def test_a_second_session_does_not_see_the_secret_of_a_setup_in_progress(demo_data):
    """An editor has opened the setup page (their secret on screen, not yet confirmed); a
    password-only session opened elsewhere must not be shown that same secret."""
    new_editor("uusi")
    editor, attacker = Client(), Client()
    password_login(editor, "uusi")
    prove_mailbox(editor, "uusi@example.fi")
    editors_secret = secret_on(editor.get(SETUP))
    password_login(attacker, "uusi")
    assert editors_secret not in attacker.get(SETUP).content.decode()
    prove_mailbox(attacker, "uusi@example.fi", wait_out=True)  # even then: an app of its own
    seen = attacker.get(SETUP)
    assert editors_secret not in seen.content.decode()


# --- 5. contact persons -----------------------------------------------------------------------


def test_contact_person_without_an_app_is_not_asked(client, demo_data):
    password_login(client, "yhteyshenkilo")
    assert client.get(ADMIN).status_code == 200


def test_contact_person_who_opted_in_is_asked_from_then_on(client, demo_data):
    password_login(client, "yhteyshenkilo")
    prove_mailbox(client, CONTACT_EMAIL)
    secret = secret_on(client.get(SETUP))
    client.post(SETUP, {"token": code_for(secret)})
    client.post("/admin/logout/")
    password_login(client, "yhteyshenkilo")
    for url in (ADMIN, "/admin/networks/event/", "/admin/networks/event/add/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(VERIFY), url
    assert client.post("/admin/networks/event/add/", {"name": "x"}).status_code == 302


def test_contact_person_cannot_reach_anyone_elses_app(client, staff):
    editor = staff["editor"]
    editors_app = list(TOTPDevice.objects.filter(user=editor).values_list())
    password_login(client, "yhteyshenkilo")
    for url in (
        "/admin/otp_totp/totpdevice/",
        "/admin/otp_static/staticdevice/",
        f"/admin/otp_totp/totpdevice/{TOTPDevice.objects.get(user=editor).pk}/change/",
        f"/admin/otp_totp/totpdevice/{TOTPDevice.objects.get(user=editor).pk}/delete/",
        f"/admin/auth/user/{editor.pk}/change/",
        f"/admin/auth/user/{editor.pk}/delete/",
    ):
        assert client.get(url).status_code in (302, 403, 404), url
        assert client.post(url, {"post": "yes"}).status_code in (302, 403, 404), url
    # the setup page only ever makes the contact person's own app, whatever it is sent
    page = client.get(f"{SETUP}?user={editor.pk}&user_id={editor.pk}")
    assert DEMO_SECRET not in page.content.decode()
    client.post(SETUP, {"token": demo_code(), "user": editor.pk, "user_id": editor.pk})
    assert list(TOTPDevice.objects.filter(user=editor).values_list()) == editors_app
    assert not StaticDevice.objects.filter(user=editor).exists()


# --- 6. next cannot leave the site ---------------------------------------------------------

EVIL_NEXTS = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http:\\\\evil.example",
    " //evil.example",
    "\t//evil.example",
    "/\t/evil.example",
    "//evil.example@testserver/",
    "https://testserver@evil.example/",
    "//testserver.evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil%2Eexample",
    "%2F%2Fevil.example",
]
ENCODED_NEXTS = ["%2F%2Fevil.example", "%2F%5Cevil.example", "https%3A%2F%2Fevil.example"]


@pytest.mark.parametrize("next_url", EVIL_NEXTS)
def test_verify_does_not_send_the_user_off_site(client, demo_data, next_url):
    password_login(client, "toimittaja")
    page = client.get(VERIFY, {"next": next_url})
    assert page.status_code == 200
    hidden = re.search(r'name="next" value="([^"]*)"', page.content.decode()).group(1)
    assert same_site(hidden.replace("&amp;", "&")), hidden
    response = give_code(client, demo_code(), next_url)
    assert response.status_code == 302
    assert same_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("encoded", ENCODED_NEXTS)
def test_encoded_next_in_the_query_string_stays_on_the_site(client, demo_data, encoded):
    password_login(client, "toimittaja")
    response = client.post(f"{VERIFY}?next={encoded}", {"token": demo_code()})
    assert response.status_code == 302 and same_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("next_url", ["//evil.example", "/\\evil.example", "https:evil.example"])
def test_recovery_code_and_setup_links_stay_on_the_site(client, demo_data, next_url):
    out = io.StringIO()
    call_command("reset_two_factor", "toimittaja", stdout=out)
    codes = re.findall(r"^  (\w+)$", out.getvalue(), re.MULTILINE)
    password_login(client, "toimittaja")
    to_setup = give_code(client, codes[0], next_url)
    assert to_setup.status_code == 302 and same_site(to_setup["Location"])
    setup_page = client.get(to_setup["Location"])
    secret = secret_on(setup_page)
    codes_page = client.post(SETUP, {"token": code_for(secret), "next": next_url})
    link = re.search(r'class="button" href="([^"]*)"', codes_page.content.decode()).group(1)
    assert same_site(link.replace("&amp;", "&")), link


def test_next_with_a_second_next_in_it_stays_on_the_site(client, demo_data):
    password_login(client, "toimittaja")
    sent = client.get("/admin/networks/network/?x=1&next=//evil.example")
    assert sent.status_code == 302
    response = client.post(sent["Location"], {"token": demo_code()})
    assert same_site(response["Location"]), response["Location"]


# --- 7. the factor is the session's ---------------------------------------------------------


def test_logging_out_asks_for_the_factor_again(client, demo_data):
    password_login(client, "toimittaja")
    give_code(client, demo_code())
    assert is_verified_in(client)
    client.post("/admin/logout/")
    password_login(client, "toimittaja")
    assert not is_verified_in(client)
    assert client.get(ADMIN)["Location"].startswith(VERIFY)


def test_another_user_in_the_same_browser_is_asked(client, demo_data):
    other_secret = b32encode(b"toinen-toimittaja-01").decode()
    new_editor("toinen", device_secret=other_secret)
    password_login(client, "toimittaja")
    give_code(client, demo_code())
    assert is_verified_in(client)
    # no logout: the second person signs in over the verified session
    client.post("/admin/login/?next=/admin/", {"username": "toinen", "password": PASSWORD})
    assert client.get(ADMIN)["Location"].startswith(VERIFY)
    assert not is_verified_in(client)


def test_a_verified_cookie_does_not_carry_over_to_another_user(demo_data):
    verified = Client()
    password_login(verified, "toimittaja")
    give_code(verified, demo_code())
    assert is_verified_in(verified)
    new_editor("toinen", device_secret=b32encode(b"toinen-toimittaja-01").decode())
    other = Client()
    other.cookies = verified.cookies  # the verified session's cookie in another browser
    other.post("/admin/login/?next=/admin/", {"username": "toinen", "password": PASSWORD})
    assert not is_verified_in(other)


def test_a_session_id_known_before_the_factor_is_not_the_verified_one(demo_data):
    """Session fixation: a session started with the password alone (whose id an attacker may
    know, e.g. by planting the cookie in the editor's browser) must not become a verified
    session when the editor gives their code in it; the id changes when the factor is given."""
    attacker = Client()
    password_login(attacker, "toimittaja")
    victim = Client()
    name = settings.SESSION_COOKIE_NAME
    victim.cookies[name] = attacker.cookies[name].value  # the planted cookie
    assert give_code(victim, demo_code()).status_code == 302
    assert is_verified_in(victim)
    assert not is_verified_in(attacker), "the attacker's pre-factor session id is now verified"


def test_a_reset_ends_the_verification_of_existing_sessions(client, demo_data):
    password_login(client, "toimittaja")
    give_code(client, demo_code())
    assert is_verified_in(client)
    call_command("reset_two_factor", "toimittaja", stdout=io.StringIO())
    assert not is_verified_in(client)


# --- 8. odd input: a 4xx or the form again in Finnish, never a 500 -------------------------

ODD_TOKENS = [
    "",
    "   ",
    "1" * 17,
    "1" * 100_000,
    "abcdef",
    "12345\x00",
    "\x00",
    "１２３４５６",
    "١٢٣٤٥٦",
    "-12345",
    "1e5",
    "0x1f2a",
    "💥💥💥",
    "' OR 1=1 --",
    "%00%00",
]


@pytest.mark.parametrize("token", ODD_TOKENS, ids=range(len(ODD_TOKENS)))
@pytest.mark.parametrize("factor_page", [VERIFY, SETUP])
def test_odd_codes_give_the_form_again_or_a_4xx(client, demo_data, factor_page, token):
    password_login(client, "toimittaja" if factor_page == VERIFY else "yhteyshenkilo")
    if factor_page == SETUP:
        prove_mailbox(client, CONTACT_EMAIL)  # the app's code field (the mail's: own tests)
    response = client.post(factor_page, {"token": token, "next": "/admin/"})
    assert response.status_code < 500
    if response.status_code in (400, 429):
        text = response.content.decode()
        assert any(message in text for message in (*FINNISH_ERRORS, ODD_REQUEST)), text[-2000:]
    assert response.status_code in (400, 413, 429)
    assert not is_verified_in(client) or factor_page == SETUP  # setup's contact was never asked


@pytest.mark.parametrize("factor_page", [VERIFY, SETUP])
def test_missing_and_repeated_fields(client, demo_data, factor_page):
    password_login(client, "toimittaja" if factor_page == VERIFY else "yhteyshenkilo")
    if factor_page == SETUP:
        prove_mailbox(client, CONTACT_EMAIL)
    empty = client.post(factor_page, {})  # nothing sent: the form again, saying what is missing
    assert empty.status_code == 400 and "Anna vahvistuskoodi." in empty.content.decode()
    for data in ({"next": "/admin/"}, {"token": ["000000", "111111"]}, {"tokenx": "1"}):
        response = client.post(factor_page, data)
        assert response.status_code in (400, 429), data
        if response.status_code in (400, 429):
            assert any(m in response.content.decode() for m in FINNISH_ERRORS), data


@pytest.mark.parametrize("factor_page", [VERIFY, SETUP])
@pytest.mark.parametrize("next_url", ["/admin/\x00", "/" + "a" * 20_000, "/admin/\u202e"])
def test_odd_next_values(client, demo_data, factor_page, next_url):
    password_login(client, "toimittaja" if factor_page == VERIFY else "yhteyshenkilo")
    assert client.get(factor_page, {"next": next_url}).status_code < 500
    assert client.post(factor_page, {"token": "000000", "next": next_url}).status_code < 500


@pytest.mark.parametrize("factor_page", [VERIFY, SETUP])
@pytest.mark.parametrize("method", ["put", "patch", "delete", "options", "head", "trace"])
def test_other_methods_on_the_factor_pages(client, demo_data, factor_page, method):
    password_login(client, "toimittaja" if factor_page == VERIFY else "yhteyshenkilo")
    if method in ("head", "trace"):
        response = getattr(client, method)(factor_page)
    else:
        body, form_type = "token=000000", "application/x-www-form-urlencoded"
        response = getattr(client, method)(factor_page, body, form_type)
    assert response.status_code < 500
    if factor_page == VERIFY:
        assert not is_verified_in(client)


def test_non_utf8_and_multipart_bodies(client, demo_data):
    password_login(client, "toimittaja")
    raw = client.post(VERIFY, b"token=%FF%FE%00&next=%FF", "application/x-www-form-urlencoded")
    assert raw.status_code < 500
    upload = client.post(VERIFY, {"token": io.BytesIO(b"123456")})
    assert upload.status_code < 500
    json_body = client.post(VERIFY, '{"token": "123456"}', "application/json")
    assert json_body.status_code < 500


def test_factor_pages_need_a_login(client, demo_data):
    for page in (VERIFY, SETUP):
        assert client.get(page)["Location"].startswith("/admin/login/")
        assert client.post(page, {"token": demo_code()})["Location"].startswith("/admin/login/")
    assert not TOTPDevice.objects.filter(confirmed=False).exists()


# --- 9. manage.py reset_two_factor ---------------------------------------------------------


def test_reset_removes_the_app_and_old_recovery_codes(client, demo_data):
    first = io.StringIO()
    call_command("reset_two_factor", "toimittaja", stdout=first)
    old_codes = re.findall(r"^  (\w+)$", first.getvalue(), re.MULTILINE)
    second = io.StringIO()
    call_command("reset_two_factor", "toimittaja", stdout=second)
    new_codes = re.findall(r"^  (\w+)$", second.getvalue(), re.MULTILINE)
    assert len(old_codes) == len(new_codes) == 10 and not set(old_codes) & set(new_codes)
    assert not TOTPDevice.objects.filter(user__username="toimittaja").exists()

    password_login(client, "toimittaja")
    assert REFUSED in give_code(client, demo_code()).content.decode()  # the old app
    wait_out_throttle("toimittaja")
    assert REFUSED in give_code(client, old_codes[1]).content.decode()
    wait_out_throttle("toimittaja")
    assert not is_verified_in(client)
    assert give_code(client, new_codes[1])["Location"].startswith(SETUP)


def test_reset_of_codes_given_at_setup(client, demo_data):
    """Recovery codes the person got when setting up the app stop working after a reset."""
    password_login(client, "yhteyshenkilo")
    prove_mailbox(client, CONTACT_EMAIL)
    secret = secret_on(client.get(SETUP))
    setup_codes = recovery_codes_from(client.post(SETUP, {"token": code_for(secret)}))
    assert len(setup_codes) == 10
    client.post("/admin/logout/")
    call_command("reset_two_factor", "yhteyshenkilo", stdout=io.StringIO())
    password_login(client, "yhteyshenkilo")
    assert REFUSED in give_code(client, setup_codes[0]).content.decode()
    assert not is_verified_in(client)


def test_reset_dry_run_and_unknown_user_change_nothing(demo_data):
    before = (
        list(TOTPDevice.objects.order_by("pk").values_list()),
        list(StaticToken.objects.order_by("pk").values_list()),
    )
    out = io.StringIO()
    call_command("reset_two_factor", "toimittaja", "--dry-run", stdout=out)
    assert "toimittaja" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("reset_two_factor", "ei-ketaan", stdout=io.StringIO())
    after = (
        list(TOTPDevice.objects.order_by("pk").values_list()),
        list(StaticToken.objects.order_by("pk").values_list()),
    )
    assert after == before


@pytest.mark.parametrize("superuser", [False, True])
def test_rights_without_staff_status_preview_no_draft(client, demo_data, superuser):
    """An editor whose staff status is taken away keeps their groups, a superuser flag too: with
    the password alone they preview no draft review (found by the outside tester: the second
    factor is asked of staff only, and the preview asked for the right alone)."""
    User = get_user_model()
    password_login(client, "toimittaja")  # the admin's login takes staff only
    User.objects.filter(username="toimittaja").update(is_staff=False, is_superuser=superuser)
    assert client.get("/vuosikatsaus/2021/").status_code == 404
    assert client.get("/sv/vuosikatsaus/2021/").status_code == 404
