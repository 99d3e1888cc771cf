"""Outside attacks on the promise about ideas' personal data.

"The names and email addresses people give with a development idea never appear on public
pages, in exports, feeds, open data, sitemaps, search or logs; the people who handle ideas see
only what their role allows; once an idea's personal data is purged it is gone everywhere it
was shown." Every test sends its canary through the real public form (and checks that it
reached the database, so that "not found" means something), then looks for it where it must
not be.
"""

import html
import io
import logging
import re
import uuid
from collections import deque
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import caches
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from feedback.models import Idea
from networks.models import ContactPerson, Network
from tests.conftest import admin_form_data
from tests.pages import PUBLIC_PAGE_TYPES

pytestmark = pytest.mark.django_db

FORM = "/kehittamisideat/"
IDEAS = "/admin/feedback/idea/"
NAME = "Salainen Sepponen"
EMAIL = "leak-canary-123@example.org"
ORGANISATION = "Kanarialintu Oy"
# What is looked for: lower-cased pieces, found after URL-decoding and HTML-unescaping.
MARKS = ["sepponen", "leak-canary-123", "kanarialintu"]
LANGUAGE_PREFIXES = ["", "/sv", "/en"]


def normalised(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    plain = html.unescape(unquote(unquote(text))).lower()
    return plain.replace("\\u0040", "@").replace("\\u002d", "-")


def leaks(text, echo=()):
    """The canary pieces found in `text` (str or bytes), in any case or common encoding;
    `echo`: what the requester typed themselves (a search box, a `next=` link), left out."""
    plain = normalised(text)
    for own in sorted((normalised(e) for e in echo), key=len, reverse=True):
        plain = plain.replace(own, "")
    return [mark for mark in MARKS if mark in plain]


def typed_in(url):
    """The parts of `url` its requester typed: the path and each query value."""
    parts = urlsplit(url)
    return [parts.path, *(unquote(value) for _k, _s, value in _pairs(parts.query))]


def _pairs(query):
    return [pair.partition("=") for pair in query.split("&") if pair]


def idea_data(**changes):
    data = {
        "topic": "toiminta",
        "message": "Verkostot voisivat julkaista tapaamistensa muistiot avoimesti.",
        "name": NAME,
        "email": EMAIL,
        "organisation": ORGANISATION,
        "consent_to_contact": "on",
        "submission_token": str(uuid.uuid4()),
        "kotisivu": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture(autouse=True)
def _fresh_caches():
    for alias in ("default", "ratelimit"):
        caches[alias].clear()


@pytest.fixture
def canary(demo_data, settings):
    """An idea sent through the public form by "Salainen Sepponen", with consent."""
    settings.FEEDBACK_NOTIFY_EMAILS = ["toimitus@example.fi"]
    response = Client().post(FORM, idea_data())
    assert response.status_code == 302, response.content[:500]
    idea = Idea.objects.get(email=EMAIL)
    assert (idea.name, idea.organisation, idea.consent_to_contact) == (NAME, ORGANISATION, True)
    return idea


def login(username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def editor(demo_data):
    return login("toimittaja")


@pytest.fixture
def contact_b(demo_data):
    """A contact person of Järjestöverkosto and Kulttuuri (not Matkailufoorumi)."""
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    user = UserFactory(username="yhteys-b")
    user.groups.add(Group.objects.get(name="Yhteyshenkilöt"))
    ContactPerson.objects.filter(email="jussi.makela@example.fi").update(user=user)
    client = Client()
    client.force_login(user)
    return client


def triage(editor, idea, **changes):
    """The editor's change form, saved with `changes` (state, summary, public response…)."""
    url = f"{IDEAS}{idea.pk}/change/"
    page = editor.get(url)
    assert page.status_code == 200
    response = editor.post(url, admin_form_data(page, **changes))
    assert response.status_code == 302, response.content[:2000]


def forward(editor, idea, slug="matkailu"):
    network = Network.objects.get(slug=slug)
    response = editor.post(
        IDEAS,
        {"action": "forward_to_network", ACTION_CHECKBOX_NAME: [idea.pk], "network": network.pk},
    )
    assert response.status_code == 302, response.content[:2000]
    idea.refresh_from_db()
    assert idea.forwarded_to == network
    return network


# --- Crawling every public page ---------------------------------------------------------------

LINK = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"'#]+)""", re.IGNORECASE)
LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>")
ABSOLUTE = re.compile(r"https?://[^\s\"'<>]+")


def resolver_paths():
    """Every named URL without arguments, reversed in each language (admin: its login only)."""
    names = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(namespace + pattern.name)

    walk(get_resolver().url_patterns, "")
    paths = set()
    for language in ("fi", "sv", "en"):
        with translation.override(language):
            for name in names:
                if name.startswith("admin:") and name != "admin:login":
                    continue
                try:
                    paths.add(reverse(name))
                except NoReverseMatch:
                    continue
    return paths


def site_path(link):
    link = html.unescape(link.strip())
    parts = urlsplit(link)
    if parts.scheme and parts.netloc not in ("testserver", "127.0.0.1:8000", "localhost"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, seeds, limit=900, per_path=12):
    """Anonymous breadth-first walk of the site from `seeds`; {url: body} of what it read."""
    seen, bodies, per = set(), {}, {}
    queue = deque(seeds)
    while queue and len(bodies) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path
        if path.startswith("/static/") or "/admin/" in path and not path.endswith("/login/"):
            continue
        per[path] = per.get(path, 0) + 1
        if per[path] > per_path:
            continue
        response = client.get(url)
        body = body_of(response)
        bodies[url] = (response.status_code, body)
        if response.status_code in (301, 302, 303, 307, 308):
            target = site_path(response["Location"])
            if target:
                queue.append(target)
            continue
        text = body.decode("utf-8", "replace")
        for link in [*LINK.findall(text), *LOC.findall(text), *ABSOLUTE.findall(text)]:
            target = site_path(link)
            if target and target not in seen:
                queue.append(target)
    return bodies


def public_seeds(extra=()):
    seeds = []
    for prefix in LANGUAGE_PREFIXES:
        seeds += [prefix + page for page in PUBLIC_PAGE_TYPES]
        seeds += [
            f"{prefix}/kehittamisideat/koonti/",
            f"{prefix}/avoin-data/toimenpiteiden-tilat.json",
            f"{prefix}/avoin-data/barometri.json",
            f"{prefix}/vuosikatsaus/syote.xml",
            f"{prefix}/tapahtumat.ics",
            f"{prefix}/manifest.webmanifest",
        ]
    seeds += ["/sitemap.xml", "/robots.txt", "/healthz", "/favicon.ico"]
    return [*seeds, *sorted(resolver_paths()), *extra]


def test_no_public_page_feed_export_or_sitemap_shows_the_sender(canary, editor, client):
    """The idea goes the whole way (forwarded, answered with a public summary), then an
    anonymous visitor walks every page, feed, open-data file and sitemap entry in all three
    languages, from every URL the resolver knows and every link found."""
    forward(editor, canary)
    triage(
        editor,
        canary,
        state=Idea.State.ANSWERED,
        summary="Muistiot verkostojen tapaamisista julkisiksi.",
        public_response="Muistiot julkaistaan jatkossa verkostojen sivuilla.",
        staff_note=f"Soitettu: {NAME}",
        network_note="Käsitellään syksyllä.",
    )
    bodies = crawl(client, public_seeds())
    assert len(bodies) > 150, "the crawl must reach the site, else 'not found' means nothing"
    summary = bodies["/kehittamisideat/koonti/"][1].decode()
    assert "Muistiot julkaistaan jatkossa" in summary  # the idea did reach the public side
    found = {url: leaks(body) for url, (_status, body) in bodies.items() if leaks(body)}
    assert found == {}


def test_public_pages_do_not_show_the_ideas_own_text(canary, client):
    """The privacy statement: network contacts see the content, the public sees only the
    editors' summary. The sender's own words are not on any public page either."""
    Idea.objects.filter(pk=canary.pk).update(
        message="Viestikanari 4711 on yksityinen teksti.", public_response="Vastattu."
    )
    bodies = crawl(client, public_seeds(), limit=400)
    assert [url for url, (_s, body) in bodies.items() if b"Viestikanari" in body] == []


@pytest.mark.parametrize(
    "query",
    [
        NAME,
        "Sepponen",
        EMAIL,
        EMAIL.upper(),
        "leak-canary-123%40example.org",
        " leak-canary-123 @ example.org ",
        "leak\u2011canary\u2010123＠example.org",  # non-breaking hyphens, full-width @
        ORGANISATION,
        "Kanarialintu",
    ],
)
def test_site_search_never_finds_the_sender(canary, client, query):
    for prefix in LANGUAGE_PREFIXES:
        response = client.get(f"{prefix}/haku/", {"q": unquote(query)}, follow=True)
        assert response.status_code == 200
        hits = [hit for _source, _count, rows in response.context.get("groups", []) for hit in rows]
        assert [hit for hit in hits if leaks(" ".join(map(str, hit.values())))] == []


# --- The page cache -----------------------------------------------------------------------------


def test_page_cache_never_gives_a_visitor_what_another_one_sent(demo_data, settings):
    """With the page cache on: a sender's refused posts (invalid, rate-limited, without a CSRF
    cookie), a logged-in editor's visits and a GET carrying the fields in its query string
    must not put the sender's details into a page another visitor is served."""
    settings.PAGE_CACHE_SECONDS = 300
    settings.IDEA_RATE_LIMIT = "3/m"
    sender = Client()
    refused = [
        sender.post(FORM, idea_data(message="lyhyt")),  # 400, the form comes back filled
        sender.post(FORM, idea_data(email="leak-canary-123@")),
    ]
    assert [r.status_code for r in refused] == [400, 400]
    assert leaks(refused[0].content)  # the sender does get their own text back
    assert sender.post(FORM, idea_data()).status_code == 302
    assert sender.post(FORM, idea_data(message="Toinen idea samalta.")).status_code == 429
    assert Client(enforce_csrf_checks=True).post(FORM, idea_data()).status_code == 403
    assert Idea.objects.filter(email=EMAIL).exists()
    editor = login("toimittaja")
    editor.get(f"{IDEAS}{Idea.objects.get(email=EMAIL).pk}/change/")
    for url in [FORM, "/kehittamisideat/koonti/", "/kehittamisideat/kiitos/", "/"]:
        editor.get(url)
        sender.get(url)
        sender.head(url)
    query = Client().get(FORM, {"name": NAME, "email": EMAIL, "organisation": ORGANISATION})
    assert query.status_code in (200, 301, 302)
    for prefix in LANGUAGE_PREFIXES:
        for page in (FORM, "/kehittamisideat/koonti/", "/kehittamisideat/kiitos/", "/"):
            for attempt in range(2):  # a miss, then a hit
                response = Client().get(prefix + page)
                assert response.status_code == 200
                assert leaks(response.content) == [], (prefix + page, attempt)
    assert cache_leaks() == []


def test_error_pages_do_not_echo_the_email_into_shared_pages(canary, settings):
    settings.PAGE_CACHE_SECONDS = 300
    client = Client(raise_request_exception=False)
    for url in [
        f"/kehittamisideat/{EMAIL}/",
        f"/sv/kehittamisideat/?email={EMAIL}",
        f"/haku/?q={EMAIL}&x={NAME}",
        f"/ohjelma/matriisi/?vuosi={EMAIL}",
        f"/tapahtumat/?sivu={NAME}",
    ]:
        response = client.get(url)
        assert response.status_code < 500, url
        assert leaks(response.content, echo=typed_in(url)) == [], url
    for prefix in LANGUAGE_PREFIXES:
        for page in ("/", "/haku/", FORM):
            assert leaks(Client().get(prefix + page).content) == []


# --- Logs ---------------------------------------------------------------------------------------

STANDARD_RECORD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class Everything(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def capture_logs(capfd, lift):
    """Every record that reaches a handler (`lift`: as with LOG_LEVEL=DEBUG, every logger
    lifted to DEBUG but those settings.LOGGING sets a level of its own; else the levels as
    settings.LOGGING configures them), as text with its args, extras and traceback; plus
    whatever reaches stdout and stderr."""
    handler = Everything()
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    saved = [(logger, logger.level, logger.disabled) for logger in loggers]
    own_level = set(django_settings.LOGGING.get("loggers", {}))
    for logger in loggers:
        if lift and logger.name not in own_level:
            logger.setLevel(logging.DEBUG)
            logger.disabled = False
        if logger is logging.getLogger() or not logger.propagate:
            logger.addHandler(handler)
    capfd.readouterr()

    def text():
        formatter = logging.Formatter()
        parts = []
        for record in handler.records:
            try:
                parts.append(record.getMessage())
            except Exception:  # noqa: BLE001 - a broken record is still read as it is
                parts.append(str(record.msg))
            parts.append(repr(record.args))
            for key, value in vars(record).items():
                if key not in STANDARD_RECORD_ATTRIBUTES:
                    parts.append(f"{key}={value!r}")
            if record.exc_info:
                parts.append(formatter.formatException(record.exc_info))
        out, err = capfd.readouterr()
        return "\n".join([*parts, out, err])

    yield text
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled
        logger.removeHandler(handler)


@pytest.fixture
def every_log(capfd):
    yield from capture_logs(capfd, lift=True)


@pytest.fixture
def configured_log(capfd):
    yield from capture_logs(capfd, lift=False)


def leaking_lines(text):
    return [
        line[max(0, line.lower().find("leak-canary") - 200) :][:400]
        for line in text.splitlines()
        if leaks(line)
    ][:3]


def test_logs_of_every_kind_of_idea_post(demo_data, settings, every_log):
    settings.FEEDBACK_NOTIFY_EMAILS = ["toimitus@example.fi"]
    settings.IDEA_RATE_LIMIT = "3/m"
    client = Client(raise_request_exception=False)
    statuses = [
        client.post(FORM, idea_data()).status_code,  # valid
        client.post(FORM, idea_data(email="leak-canary-123(at)example.org")).status_code,
        client.post(FORM, idea_data(message="x" * 4001 + NAME)).status_code,
        client.post(FORM, idea_data(consent_to_contact=None)).status_code,
        client.post(FORM, idea_data(kotisivu=EMAIL)).status_code,  # honeypot: dropped
        client.post(FORM, idea_data(name=NAME * 20)).status_code,  # name too long
        client.post(FORM, idea_data(message="Toinen idea, nyt rajan yli.")).status_code,
        Client(enforce_csrf_checks=True).post(FORM, idea_data()).status_code,
        client.post(FORM, idea_data(topic="ei-aihe")).status_code,
    ]
    assert statuses[0] == 302 and 400 in statuses and 429 in statuses and 403 in statuses
    assert Idea.objects.filter(email=EMAIL).count() == 1
    assert len(mail.outbox) == 2  # editors' notice and the sender's receipt
    text = every_log()
    assert leaks(text) == [], leaking_lines(text)


def test_logs_when_the_mail_server_is_down(demo_data, settings, every_log):
    settings.EMAIL_BACKEND = "tests.feedback.broken_mail.BrokenBackend"
    settings.FEEDBACK_NOTIFY_EMAILS = ["toimitus@example.fi"]
    assert Client().post(FORM, idea_data()).status_code == 302
    assert Idea.objects.filter(email=EMAIL).exists()
    text = every_log()
    assert "notification for idea" in text
    assert leaks(text) == []


def test_logs_of_a_server_error_while_the_idea_is_stored(demo_data, monkeypatch, every_log):
    """A 500 in the middle of storing the idea (a bug, a failing dependency): the error log
    has the traceback but not the form's values; the 500 page shows none of them."""
    from feedback import services

    def broken(form, token, fingerprint, language):
        raise ValueError("the storage failed")

    monkeypatch.setattr(services, "_idea_store_once", broken)
    response = Client(raise_request_exception=False).post(FORM, idea_data())
    assert response.status_code == 500
    assert leaks(response.content) == []
    text = every_log()
    assert "Internal Server Error" in text
    assert leaks(text) == []


def test_logs_of_the_admin_triage_forward_export_and_purge(canary, editor, settings, every_log):
    contact = login("yhteyshenkilo")
    triage(editor, canary, state=Idea.State.IN_PROGRESS, staff_note="Luettu.")
    forward(editor, canary)
    editor.get(IDEAS, {"q": EMAIL})
    editor.get(f"{IDEAS}{canary.pk}/history/")
    export = editor.post(IDEAS, {"action": "export_csv", ACTION_CHECKBOX_NAME: [canary.pk]})
    assert EMAIL in export.content.decode("utf-8-sig")  # editors' own export has it: allowed
    page = contact.get(f"{IDEAS}{canary.pk}/change/")
    assert page.status_code == 200
    contact.post(f"{IDEAS}{canary.pk}/change/", admin_form_data(page, network_note="Hoidetaan."))
    Idea.objects.filter(pk=canary.pk).update(created=timezone.now() - timedelta(days=800))
    out = io.StringIO()
    call_command("purge_feedback_personal_data", stdout=out, stderr=out)
    assert Idea.objects.get(pk=canary.pk).personal_data_purged_at is not None
    text = every_log() + out.getvalue()
    assert leaks(text) == [], leaking_lines(text)


def login_with_the_email_until_locked_out(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    client = Client()
    statuses = [
        client.post("/admin/login/?next=/admin/", {"username": EMAIL, "password": "väärä"})
        for _ in range(6)
    ]
    assert statuses[-1].status_code == 429  # the lockout did engage: the attempts were seen


def test_logs_of_a_login_with_the_email_as_username(demo_data, settings, configured_log):
    """Someone types their email into the admin login (or an attacker tries it) until the
    lockout, with the log levels as configured (LOG_LEVEL=INFO, axes WARNING)."""
    login_with_the_email_until_locked_out(settings)
    text = configured_log()
    assert "AXES: " in text  # the lockout's own log lines were captured
    assert leaks(text) == [], leaking_lines(text)


def test_logs_of_a_login_with_the_email_as_username_at_debug(demo_data, settings, every_log):
    """The same with LOG_LEVEL=DEBUG (a documented value of the variable)."""
    login_with_the_email_until_locked_out(settings)
    text = every_log()
    assert leaks(text) == [], leaking_lines(text)


def test_logs_of_a_password_reset_for_the_email(demo_data, every_log):
    response = Client().post("/admin/salasana/", {"email": EMAIL})
    assert response.status_code == 302
    text = every_log()
    assert leaks(text) == [], leaking_lines(text)


# --- Mails ---------------------------------------------------------------------------------------


def mail_text(message):
    parts = [message.subject, message.body, " ".join(message.to), " ".join(message.cc)]
    parts += [" ".join(message.bcc), " ".join(message.reply_to), repr(message.extra_headers)]
    parts += [content for content, _mime in getattr(message, "alternatives", [])]
    return "\n".join(parts)


def test_mails_of_a_new_idea_carry_personal_data_only_to_the_sender(canary):
    editors = [m for m in mail.outbox if m.to == ["toimitus@example.fi"]]
    receipts = [m for m in mail.outbox if m.to == [EMAIL]]
    assert len(editors) == 1 and len(receipts) == 1 and len(mail.outbox) == 2
    assert leaks(mail_text(editors[0])) == []
    receipt = receipts[0]
    assert not receipt.cc and not receipt.bcc and not receipt.reply_to
    assert NAME in receipt.body  # the sender's own greeting: fine


def test_forward_mail_to_network_contacts_carries_no_sender_details(canary, editor):
    """The privacy statement: "Jos idea välitetään verkostolle, sen yhteyshenkilöt näkevät
    idean sisällön mutta eivät yhteystietojasi." The forward screen: "…sähköposti-ilmoituksen
    ilman lähettäjän henkilötietoja." The contact person's admin hides name, email and
    organisation. The notification mail to the network's contacts must not give them."""
    mail.outbox.clear()
    network = forward(editor, canary)
    contacts = set(
        ContactPerson.objects.filter(networks=network)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    sent = [m for m in mail.outbox if set(m.to) & contacts]
    assert sent, "the network's contacts were told"
    assert "Verkostot voisivat julkaista" in sent[0].body  # the idea's content: allowed
    contact_page = login("yhteyshenkilo").get(f"{IDEAS}{canary.pk}/change/")
    assert contact_page.status_code == 200 and leaks(contact_page.content) == []
    assert {message.subject: leaks(mail_text(message)) for message in sent} == {
        message.subject: [] for message in sent
    }


def test_forward_mail_after_the_purge_carries_no_sender_details(canary, editor):
    Idea.objects.filter(pk=canary.pk).update(created=timezone.now() - timedelta(days=800))
    call_command("purge_feedback_personal_data", stdout=io.StringIO())
    mail.outbox.clear()
    forward(editor, canary, slug="kulttuuri")
    assert mail.outbox
    assert [leaks(mail_text(message)) for message in mail.outbox] == [[] for _ in mail.outbox]


# --- Roles --------------------------------------------------------------------------------------


def admin_urls(idea):
    urls = []
    for prefix in LANGUAGE_PREFIXES:
        base = f"{prefix}{IDEAS}"
        urls += [
            base,
            f"{base}?q={EMAIL}",
            f"{base}?q=Sepponen",
            f"{base}?_popup=1&_to_field=email",
            f"{base}?forwarded_to__id__exact={idea.forwarded_to_id}",
            f"{base}{idea.pk}/",
            f"{base}{idea.pk}/change/",
            f"{base}{idea.pk}/change/?_popup=1",
            f"{base}{idea.pk}/history/",
            f"{base}{idea.pk}/delete/",
            f"{prefix}/admin/",
            f"{prefix}/admin/feedback/",
            f"{prefix}/admin/networks/contactperson/",
            f"{prefix}/admin/axes/accessattempt/",
            f"{prefix}/admin/admin/logentry/",
        ]
    return urls


def test_contact_persons_never_see_the_senders_details_in_the_admin(canary, editor, contact_b):
    forward(editor, canary)
    triage(editor, canary, staff_note="Tarkistettu.")
    editor_page = editor.get(f"{IDEAS}{canary.pk}/change/")
    assert leaks(editor_page.content)  # editors see it: the canary is there to be seen
    contact_a = login("yhteyshenkilo")
    listed = contact_a.get(IDEAS)
    assert canary.pk in [idea.pk for idea in listed.context["cl"].result_list]
    found = {}
    for role, client in (("contact_a", contact_a), ("contact_b", contact_b)):
        for url in admin_urls(canary):
            response = client.get(url, follow=True)
            assert response.status_code < 500, url
            if leaks(response.content, echo=typed_in(url)):
                found[(role, url)] = leaks(response.content, echo=typed_in(url))
            if "?q=" in url and response.context and "cl" in response.context:
                shown = [idea.pk for idea in response.context["cl"].result_list]
                assert canary.pk not in shown, ("search by the sender finds the idea", url)
        export = client.post(
            IDEAS, {"action": "export_csv", ACTION_CHECKBOX_NAME: [canary.pk], "index": "0"}
        )
        if leaks(export.content):
            found[(role, "export_csv")] = leaks(export.content)
    assert found == {}


def test_anonymous_visitor_gets_nothing_from_the_admin(canary, client):
    for url in admin_urls(canary):
        response = client.get(url, follow=True)
        assert response.status_code < 500, url
        assert leaks(response.content, echo=typed_in(url)) == [], url
    response = client.post(IDEAS, {"action": "export_csv", ACTION_CHECKBOX_NAME: [canary.pk]})
    assert leaks(response.content) == []


# --- The purge ------------------------------------------------------------------------------------


def text_fields(model):
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField, models.JSONField))
    ]


def database_leaks():
    """Every text column of every table (sessions decoded), as (table, pk, marks)."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        columns = text_fields(model)
        if not columns:
            continue
        for row in model._base_manager.values_list("pk", *columns):
            marks = leaks(" ".join(str(value) for value in row[1:]))
            if marks:
                found.append((model._meta.db_table, row[0], marks))
    for session in Session.objects.all():
        marks = leaks(repr(session.get_decoded()))
        if marks:
            found.append(("django_session (decoded)", session.pk, marks))
    return found


def cache_leaks():
    found = []
    for alias in ("default", "ratelimit"):
        backend = caches[alias]
        store = getattr(backend, "_cache", {})
        found += [(alias, key) for key, value in store.items() if leaks(value)]
    return found


def purge():
    out = io.StringIO()
    call_command("purge_feedback_personal_data", stdout=out)
    return out.getvalue()


def test_after_the_purge_the_sender_is_gone_everywhere(canary, editor):
    """Sent, triaged (notes, history), forwarded, exported, looked at by both roles; then old
    enough to be purged. Afterwards no table (the idea's, the admin's history, sessions, any
    other), no cache, no admin page of any role and no export has the name or email."""
    contact = login("yhteyshenkilo")
    forward(editor, canary)
    triage(editor, canary, state=Idea.State.ANSWERED, public_response="Kiitos, toteutetaan.")
    editor.post(IDEAS, {"action": "export_csv", ACTION_CHECKBOX_NAME: [canary.pk]})
    contact.get(f"{IDEAS}{canary.pk}/change/")
    before = database_leaks()
    assert ("feedback_idea", canary.pk, MARKS) in before  # the scan does see the canary
    Idea.objects.filter(pk=canary.pk).update(created=timezone.now() - timedelta(days=800))
    assert "1 ideasta" in purge()
    assert database_leaks() == []
    assert cache_leaks() == []
    pages = {}
    for role, client in (("editor", editor), ("contact_a", contact)):
        for url in admin_urls(canary):
            response = client.get(url, follow=True)
            if leaks(response.content, echo=typed_in(url)):
                pages[(role, url)] = leaks(response.content, echo=typed_in(url))
        export = client.post(IDEAS, {"action": "export_csv", ACTION_CHECKBOX_NAME: [canary.pk]})
        assert export.status_code == 200
        if leaks(export.content):
            pages[(role, "export_csv")] = leaks(export.content)
    assert pages == {}


def test_purge_leaves_no_copy_of_the_senders_name_or_email_in_the_idea(canary, editor):
    """The privacy statement: "Idean sisältö säilytetään ilman henkilötietoja" (the idea is
    kept without personal data). A sender who signs the idea with the same name and email
    they gave in the fields (common in feedback), and an editor's note quoting them: after the
    purge the name and email the sender gave are not shown to anyone in that idea."""
    Idea.objects.filter(pk=canary.pk).update(
        message=f"Hyvä idea.\n\nTerveisin {NAME}, {ORGANISATION}\n{EMAIL}",
        staff_note=f"Vastattu osoitteeseen {EMAIL}.",
        created=timezone.now() - timedelta(days=800),
    )
    forward(editor, canary)
    purge()
    idea = Idea.objects.get(pk=canary.pk)
    assert idea.personal_data_purged_at is not None and idea.email == ""
    contact_page = login("yhteyshenkilo").get(f"{IDEAS}{canary.pk}/change/")
    assert contact_page.status_code == 200
    shown = {
        "idea row": leaks(" ".join([idea.message, idea.staff_note, idea.network_note])),
        "contact person's page": leaks(contact_page.content),
    }
    assert shown == {"idea row": [], "contact person's page": []}


def test_deleting_an_idea_on_request_leaves_nothing_behind(canary, editor):
    """ "Voit pyytää tietojesi poistamista kirjaamon kautta": the only per-idea erasure an
    editor has (the personal fields are read-only) is deleting the idea in the admin."""
    triage(editor, canary, staff_note="Poistopyyntö saapui.")
    response = editor.post(f"{IDEAS}{canary.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Idea.objects.filter(pk=canary.pk).exists()
    assert LogEntry.objects.filter(object_id=str(canary.pk)).exists()
    assert database_leaks() == []
    assert cache_leaks() == []
