"""Outside attacks on gzip (kumppanuus.middleware.PublicGZipMiddleware and the page cache's
packed copies): public pages and exports go out gzipped to a client that asks, the admin and
its sign-in / second-factor pages never. Each test states what a person would check. The first
run found the admin, its sign-in and second-factor pages packed (and the signed-out ones kept in
the page cache) under /sv/ and /en/, and `gzip;q=0` answered with gzip: fixed in `in_admin` and
`accepts_gzip` (kumppanuus.middleware)."""

import gzip
import re
import uuid

import pytest
from django.conf import settings as live_settings
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client

from tests.pages import PUBLIC_PAGE_TYPES, event_page_path, per_visitor_values

from .accounts import logged_in, new_editor, prove_mailbox

pytestmark = pytest.mark.django_db

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
GZIP_MAGIC = b"\x1f\x8b"
PREFIXES = ["sv", "en"]


def admin(prefix=""):
    """The admin's root, under a language prefix ("sv") or without one ("")."""
    return (f"/{prefix}/" if prefix else "/") + live_settings.ADMIN_URL


def body_of(response):
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return data


def unpacked(response):
    """What a browser shows: the body, unpacked when (and only when) it says it is gzip."""
    data = body_of(response)
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(data)
    assert not data.startswith(GZIP_MAGIC), "gzip bytes without Content-Encoding: gzip"
    return data


def consistent(response, url="", outage=False):
    """The headers describe the body: encoding, length and Vary, as a shared cache reads them."""
    assert response.status_code < 500 or outage, (url, response.status_code)
    encoding = response.get("Content-Encoding")
    assert encoding in (None, "gzip"), (url, encoding)
    if not response.streaming and "Content-Length" in response:
        assert int(response["Content-Length"]) == len(response.content), url
    if encoding == "gzip":
        assert "Accept-Encoding" in response.get("Vary", ""), url
    return unpacked(response)


# --- the admin under a language prefix ------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_admin_with_personal_data_is_never_packed_under_a_language_prefix(demo_data, prefix):
    from feedback.models import Idea

    editor = logged_in("toimittaja")
    idea = Idea.objects.exclude(email="").first()
    for url in [
        f"{admin(prefix)}feedback/idea/?q={idea.email[:3]}",
        f"{admin(prefix)}feedback/idea/{idea.pk}/change/",
        admin(prefix),
    ]:
        response = editor.get(url, headers=GZIP)
        assert response.status_code == 200, url
        html = consistent(response, url)
        if "change" in url:  # the admin page itself, with the sender's address on it
            assert idea.email.encode() in html, url
        if "?q=" in url:  # the changelist echoes the search beside the ideas
            assert f'value="{idea.email[:3]}"'.encode() in html, url
        assert "Content-Encoding" not in response, (url, response["Content-Encoding"])


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_second_factor_secret_is_never_packed_under_a_language_prefix(
    demo_data, settings, mailoutbox, prefix
):
    settings.TWO_FACTOR_REQUIRED = True
    new_editor("pakkaustesti")
    browser = logged_in("pakkaustesti")
    prove_mailbox(browser, "pakkaustesti@example.fi")
    url = f"{admin(prefix)}kaksivaihe/kayttoonotto/"
    response = browser.get(url, headers=GZIP)
    assert response.status_code == 200
    assert re.search(rb'class="otp-secret">[A-Z2-7]{16,}<', consistent(response, url))
    assert "Content-Encoding" not in response, response["Content-Encoding"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_sign_in_pages_are_never_packed_under_a_language_prefix(demo_data, prefix):
    for url in [f"{admin(prefix)}login/", f"{admin(prefix)}salasana/"]:
        response = Client().get(url, headers=GZIP)
        assert response.status_code == 200, url
        assert b'name="csrfmiddlewaretoken"' in consistent(response, url), url
        assert "Content-Encoding" not in response, (url, response["Content-Encoding"])


def test_admin_pages_under_a_language_prefix_are_never_kept(demo_data, page_cache):
    url = f"{admin('sv')}salasana/lahetetty/"
    first = Client().get(url, headers=GZIP)
    second = Client().get(url, headers=GZIP)
    assert first.status_code == second.status_code == 200
    assert "X-Page-Cache" not in second, second["X-Page-Cache"]


def test_odd_forms_of_the_unprefixed_admin_path_are_never_packed(demo_data):
    """Forms of the admin's path that a browser or proxy may send: whatever the resolver
    answers with an admin page is not packed; the rest is a 404 or a redirect."""
    editor = logged_in("toimittaja")
    root = admin()
    odd = [
        f"{root}feedback/idea/",
        f"{root}feedback/idea/?q=%40example",
        f"{root}feedback/idea/?q=a&q=b&o=1",
        root.rstrip("/"),  # no trailing slash
        f"{root}feedback/idea",
        "/" + "%61" + root[2:] + "feedback/idea/",  # a percent-encoded first letter
        f"/{root}feedback/idea/",  # a doubled slash
        f"{root}./feedback/idea/",
        f"{root}feedback/idea/;x=1",
        root.upper() + "FEEDBACK/IDEA/",
    ]
    for url in odd:
        for accept in ["gzip", "x-gzip", "gzip;q=1", "GZIP, gzip", "*, gzip"]:
            response = editor.get(url, headers={"Accept-Encoding": accept})
            body = consistent(response, url)
            if response.status_code == 200:
                assert b"@example" in body or b'id="changelist"' in body, url
                assert "Content-Encoding" not in response, (url, accept)


# --- per-visitor fields on a kept, packed form ---------------------------------------------


def test_packed_survey_forms_from_the_cache_carry_own_tokens_and_post(demo_data, page_cache):
    """Several visitors (one with a CSRF cookie from an earlier visit) get the kept survey
    form gzipped: no two share a token, and each copy's form posts with CSRF enforced."""
    from barometer.models import Response, Survey

    url = "/barometri/2022/vastaa/"
    survey = Survey.objects.get(year=2022)
    likert = {f"k{q.pk}": "4" for q in survey.questions.filter(kind="likert")}
    Client().head(url, headers=GZIP)  # a HEAD fills the cache first
    returning = Client(enforce_csrf_checks=True)
    returning.get("/", headers=GZIP)  # has its csrftoken cookie already
    visitors = [returning] + [Client(enforce_csrf_checks=True) for _ in range(3)]
    tokens = []
    for visitor in visitors:
        page = visitor.get(url, headers=GZIP)
        assert page.status_code == 200 and page["X-Page-Cache"] == "hit"
        assert page["Content-Encoding"] == "gzip"
        fields = per_visitor_values(consistent(page, url).decode())
        assert "\x00" not in fields["csrfmiddlewaretoken"]
        tokens.append(fields["csrfmiddlewaretoken"])
        visitor.fields = fields
    assert len(set(tokens)) == len(tokens)
    before = Response.objects.count()
    for visitor in visitors:
        sent = visitor.post(url, {**visitor.fields, **likert})
        assert sent.status_code == 302, sent.content.decode()[:300]
    assert Response.objects.count() == before + len(visitors)


def test_a_packed_kept_form_never_shows_the_cache_hole(demo_data, page_cache):
    """A placeholder left unfilled would reach the visitor inside the packed bytes."""
    for url in ["/kehittamisideat/", "/barometri/2022/vastaa/", "/sv/kehittamisideat/"]:
        for headers in [GZIP, {}, GZIP]:
            html = consistent(Client().get(url, headers=headers), url)
            assert b"page-cache-hole" not in html and b"\x00" not in html, url
            assert b'name="csrfmiddlewaretoken" value=""' not in html, url


def test_an_idea_form_token_from_a_packed_copy_is_taken_once(demo_data, page_cache):
    """The same packed copy's submission_token sent twice stores one idea."""
    from feedback.models import Idea

    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/kehittamisideat/", headers=GZIP)
    page = visitor.get("/kehittamisideat/", headers=GZIP)
    assert page["X-Page-Cache"] == "hit"
    fields = per_visitor_values(consistent(page).decode())
    message = f"Pakattu lomake kahdesti {uuid.uuid4()}"
    for _ in range(2):
        visitor.post("/kehittamisideat/", {**fields, "topic": "muu", "message": message})
    assert Idea.objects.filter(message=message).count() == 1


# --- encodings: what each client receives --------------------------------------------------


@pytest.mark.parametrize("kept", [False, True], ids=["drawn", "kept"])
def test_a_plain_client_after_a_gzip_client_gets_plain_bytes(demo_data, settings, kept):
    """A gzip client fills the cache first; a client that does not take gzip then gets every
    page unpacked, and the same page."""
    settings.PAGE_CACHE_SECONDS = 300 if kept else 0
    cache.clear()
    urls = [*PUBLIC_PAGE_TYPES, event_page_path(), "/sv/verkostot/", "/en/ohjelma/"]
    urls += ["/avoin-data/toimenpiteiden-tilat.csv", "/sitemap.xml", "/vuosikatsaus/syote.xml"]
    for url in urls:
        packed = Client().get(url, headers=GZIP)
        assert packed.status_code == 200 and packed["Content-Encoding"] == "gzip", url
        for headers in [{}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "br"}]:
            plain = Client().get(url, headers=headers)
            assert "Content-Encoding" not in plain, (url, headers)
            assert not body_of(plain).startswith(GZIP_MAGIC), (url, headers)
            assert "Accept-Encoding" in plain["Vary"], (url, headers)
            if kept and not plain.streaming:
                assert plain["X-Page-Cache"] == "hit", url
    cache.clear()


ODD_ACCEPT_ENCODINGS = [
    "GZIP",
    "Gzip",
    "identity",
    "*",
    "br",
    "x-gzip",
    "deflate",
    "gzip, gzip, gzip",
    ",,,;;;===",
    "gzip;q=abc",
    "gzip" * 5000,
    "br, " * 2000 + "gzip",
    "gzip\x00",
    "\x00gzip",
    "gzïp",
    "gzip\u2028",
    "\ud800",
    "",
]


@pytest.mark.parametrize("kept", [False, True], ids=["drawn", "kept"])
def test_odd_accept_encoding_values_never_break_a_page(demo_data, settings, kept):
    """No 500 and no mismatch: whatever comes back unpacks to the page a plain client gets."""
    settings.PAGE_CACHE_SECONDS = 300 if kept else 0
    cache.clear()
    for url in ["/ohjelma/", "/kehittamisideat/", "/avoin-data/barometri.json", "/ei-sivua/"]:
        reference = consistent(Client().get(url), url)
        for value in ODD_ACCEPT_ENCODINGS:
            response = Client().get(url, headers={"Accept-Encoding": value})
            html = consistent(response, url)
            if b"csrfmiddlewaretoken" not in html:
                assert html == reference, (url, value[:20])
    cache.clear()


@pytest.mark.parametrize("value", ["gzip;q=0", "identity;q=1, gzip;q=0", "gzip; q=0.000"])
def test_a_client_refusing_gzip_with_q_zero_gets_plain_bytes(demo_data, page_cache, value):
    for _ in range(2):  # a miss, then a hit
        response = Client().get("/ohjelma/", headers={"Accept-Encoding": value})
        assert response.status_code == 200
        assert "Content-Encoding" not in response, (value, response.get("X-Page-Cache"))


def test_head_of_a_kept_page_describes_the_get(demo_data, page_cache):
    """HEAD's headers are the GET's: same encoding, the packed copy's length, Vary."""
    Client().get("/ohjelma/", headers=GZIP)
    get_packed = Client().get("/ohjelma/", headers=GZIP)
    head_packed = Client().head("/ohjelma/", headers=GZIP)
    head_plain = Client().head("/ohjelma/")
    get_plain = Client().get("/ohjelma/")
    assert get_packed["X-Page-Cache"] == head_packed["X-Page-Cache"] == "hit"
    assert head_packed["Content-Encoding"] == "gzip" and head_packed.content == b""
    assert head_packed["Content-Length"] == get_packed["Content-Length"]
    assert "Content-Encoding" not in head_plain
    assert (
        head_plain["Content-Length"] == get_plain["Content-Length"] == str(len(get_plain.content))
    )
    for response in (head_packed, head_plain):
        assert "Accept-Encoding" in response["Vary"]


def test_conditional_requests_with_gzip_never_give_a_bodyless_200_or_a_500(demo_data, page_cache):
    for url in ["/ohjelma/", "/vuosikatsaus/syote.xml", "/avoin-data/toimenpiteiden-tilat.csv"]:
        for headers in [
            {"If-None-Match": '"x"', "If-Modified-Since": "Mon, 01 Jan 2035 00:00:00 GMT"},
            {"If-Modified-Since": "Fri, 15 Jan 2021 10:00:00 GMT"},
            {"If-None-Match": "*"},
            {"If-Range": '"x"', "Range": "bytes=0-10"},
        ]:
            response = Client().get(url, headers={**GZIP, **headers})
            assert response.status_code in (200, 304), (url, headers)
            if response.status_code == 200:
                assert consistent(response, url), (url, headers)
        assert consistent(Client().get(url), url)


# --- error pages ---------------------------------------------------------------------------


def test_error_pages_say_vary_and_unpack(client, demo_data, page_cache):
    for url in ["/ei-ole-olemassa/", "/ohjelma/toimenpiteet/999999/", "/haku/?q=%00", "/sv/x/"]:
        packed = Client().get(url, headers=GZIP)
        assert packed.status_code in (400, 404), url
        plain = Client().get(url)
        assert packed.status_code == plain.status_code, url
        assert consistent(packed, url) and consistent(plain, url)
        assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"], url


def test_the_503_page_during_an_outage_is_packed_honestly(demo_data, monkeypatch):
    from networks import views

    def broken(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(views.selectors, "network_groups", broken)
    packed = Client().get("/verkostot/", headers=GZIP)
    plain = Client().get("/verkostot/")
    assert packed.status_code == plain.status_code == 503
    assert packed["Retry-After"] == "30"
    assert "Accept-Encoding" in packed["Vary"] and "Accept-Encoding" in plain["Vary"]
    text = consistent(packed, outage=True).decode()
    assert "Palvelu on tilapäisesti poissa käytöstä" in text and "Traceback" not in text
    assert consistent(packed, outage=True) == consistent(plain, outage=True)


@pytest.mark.django_db(transaction=True)  # committed: the version is remembered (see cache.py)
def test_a_kept_page_is_served_in_both_encodings_while_the_database_is_down(
    demo_data, page_cache, monkeypatch
):
    from kumppanuus.models import ContentVersion

    assert Client().get("/verkostot/", headers=GZIP)["X-Page-Cache"] == "miss"

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(ContentVersion.objects, "values_list", unreachable)
    packed = Client().get("/verkostot/", headers=GZIP)
    plain = Client().get("/verkostot/")
    assert packed["X-Page-Cache"] == plain["X-Page-Cache"] == "hit"
    assert packed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    assert consistent(packed) == consistent(plain)


# --- personal data ---------------------------------------------------------------------------


def test_an_ideas_sender_never_shows_on_a_public_page_packed_or_not(demo_data, page_cache):
    """An idea sent through the packed form: its sender's name, email and organisation appear
    on no public page or export, for anyone, in either encoding, kept or drawn."""
    mark = uuid.uuid4().hex[:10]
    sender = {
        "name": f"Pakkaus Henkilö {mark}",
        "email": f"pakkaus.{mark}@example.fi",
        "organisation": f"Pakkausyhdistys {mark}",
    }
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/kehittamisideat/", headers=GZIP)
    fields = per_visitor_values(consistent(page).decode())
    sent = visitor.post(
        "/kehittamisideat/",
        {
            **fields,
            **sender,
            "topic": "verkkosivut",
            "message": f"Idea pakatun lomakkeen kautta {mark}",
            "consent_to_contact": "on",
        },
    )
    assert sent.status_code == 302
    urls = [*PUBLIC_PAGE_TYPES, "/sv/kehittamisideat/koonti/", "/en/haku/?q=" + mark]
    urls += [f"/haku/?q={mark}", "/avoin-data/toimenpiteiden-tilat.csv", "/sitemap.xml"]
    urls += ["/avoin-data/barometri.json", "/vuosikatsaus/syote.xml"]
    readers = [Client(), Client(), logged_in("toimittaja"), logged_in("yhteyshenkilo")]
    for reader in readers:
        for url in urls:
            for headers in (GZIP, {}):
                text = consistent(reader.get(url, headers=headers), url).decode()
                for value in sender.values():
                    assert value not in text, (url, value)
