"""Outside attacks on the page cache's early answer (kumppanuus/cache.py).

A kept page is answered right after SessionMiddleware, before the language, common, odd-input,
refused-form and CSRF middlewares. The promise: a hit is as safe as a freshly drawn page. Signed-in
people and visitors with a message never share a kept page; no per-visitor secret passes from
one visitor to another; bad input gets the answer it gets without the cache; and no odd request
can leave a page in the cache that an ordinary visitor then gets with other content.
Each test compares with what the same request gets with the cache off, where it can.
"""

import re
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from feedback.models import Idea
from tests.pages import (
    PUBLIC_PAGE_TYPES,
    event_page_path,
    per_visitor_values,
    without_per_visitor_values,
)

pytestmark = pytest.mark.django_db

DRAFT = "/vuosikatsaus/2021/"  # the 2021 review: a draft its editors may preview


def masked(body):
    return without_per_visitor_values(body.decode())


def outcome(response):
    """What a person sees of an answer: its status and where a redirect leads."""
    return response.status_code, response.get("Location")


@contextmanager
def cache_off(settings):
    seconds = settings.PAGE_CACHE_SECONDS
    settings.PAGE_CACHE_SECONDS = 0
    try:
        yield
    finally:
        settings.PAGE_CACHE_SECONDS = seconds


def first_difference(one, other):
    """Where two bodies part, with a little text around it (for the failure message)."""
    at = next((i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b), None)
    at = min(len(one), len(other)) if at is None else at
    return one[max(0, at - 80) : at + 80], other[max(0, at - 80) : at + 80]


@pytest.fixture
def pages(demo_data):
    """Every public page type, in Finnish, plus a few in Swedish and English."""
    finnish = [*PUBLIC_PAGE_TYPES, event_page_path()]
    return finnish + [f"/{lang}{url}" for lang in ("sv", "en") for url in finnish[::4]]


# --- signed-in people and messages ---------------------------------------------------------


@pytest.mark.parametrize("role", ["contact_a", "editor", "superuser"])
def test_signed_in_people_get_fresh_pages_and_leave_nothing_for_the_public(
    page_cache, staff, pages, role
):
    """Anonymous visitors fill the cache. A signed-in person then gets every page drawn for
    them (never a hit), and an editor or superuser sees the 2021 draft they may preview. The
    next anonymous visitor gets exactly the page the first one got, and the draft stays 404."""
    pages = [*pages, DRAFT]
    before = {url: Client().get(url) for url in pages}
    assert before[DRAFT].status_code == 404
    person = Client()
    person.force_login(staff[role])
    for url in pages:
        response = person.get(url)
        assert "X-Page-Cache" not in response, (role, url)
        if url == DRAFT:
            assert response.status_code == (404 if role == "contact_a" else 200)
    for url in pages:
        after = Client().get(url)
        assert outcome(after) == outcome(before[url]), (role, url)
        assert masked(after.content) == masked(before[url].content), (role, url)
        name = re.compile(rf"\b{re.escape(staff[role].username)}\b")  # not "yhteyshenkilot"
        assert not name.search(after.content.decode()), (role, url)


def test_a_waiting_message_is_shown_only_to_its_visitor(page_cache, pages):
    """A visitor with a flash message (signed cookie) reaches each page first, on an empty
    cache, and again once it is kept: they see the message both times, and the ordinary
    visitor in between does not."""
    message = "Viestisi on vastaanotettu 7Q4"
    cookie = CookieStorage(HttpRequest())._encode([Message(constants.SUCCESS, message)])
    for url in pages:
        visitor = Client()
        visitor.cookies["messages"] = cookie
        shown = visitor.get(url)
        assert message not in Client().get(url).content.decode(), url
        visitor.cookies["messages"] = cookie  # once more, now that the page is kept
        again = visitor.get(url)
        for response in (shown, again):
            if response.status_code == 200:
                assert message in response.content.decode(), url


# --- per-visitor secrets --------------------------------------------------------------------


def test_a_kept_forms_csrf_token_works_only_for_its_own_visitor(page_cache):
    """Two visitors get the kept idea form. Each one's token is refused with the other's
    cookie (as without the cache), and their own is taken; no hit sets a session cookie, not
    even for a visitor who came with a stale one."""
    Client().get("/kehittamisideat/")  # kept
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    second.cookies["sessionid"] = "vanhentunut-istunto-12345678"
    hits = [visitor.get("/kehittamisideat/") for visitor in (first, second)]
    assert [hit["X-Page-Cache"] for hit in hits] == ["hit", "hit"]
    for hit in hits:
        assert not hit.cookies.get("sessionid") or not hit.cookies["sessionid"].value
    values = [per_visitor_values(hit.content.decode()) for hit in hits]
    csrf_1, csrf_2 = (fields["csrfmiddlewaretoken"] for fields in values)
    submission_1, submission_2 = (fields["submission_token"] for fields in values)

    def send(visitor, csrf, submission, text):
        data = {"csrfmiddlewaretoken": csrf, "submission_token": submission, "topic": "muu"}
        return visitor.post("/kehittamisideat/", {**data, "message": text}).status_code

    assert send(second, csrf_1, submission_2, "Toisen lomakkeen tunniste 1") == 403
    assert send(first, csrf_2, submission_1, "Toisen lomakkeen tunniste 2") == 403
    assert send(second, csrf_2, submission_2, "Oman lomakkeen tunniste 3") == 302
    stored = Idea.objects.filter(message__contains="lomakkeen tunniste")
    assert list(stored.values_list("message", flat=True)) == ["Oman lomakkeen tunniste 3"]


def test_a_hit_over_https_with_gzip_has_the_misses_security_headers(page_cache, pages):
    """Behind the TLS proxy (X-Forwarded-Proto: https) and taking gzip: HSTS, CSP, framing,
    referrer, sniffing and caching headers of the hit are those of the miss, and the hit
    sets no session cookie."""
    names = [
        "Strict-Transport-Security",
        "Content-Security-Policy",
        "X-Frame-Options",
        "Referrer-Policy",
        "X-Content-Type-Options",
        "Cache-Control",
        "Permissions-Policy",
        "Content-Language",
    ]
    browser = Client(headers={"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"})
    for url in pages:
        miss, hit = browser.get(url), browser.get(url)
        assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit"), url
        assert "max-age=" in hit["Strict-Transport-Security"], url
        assert [miss.get(n) for n in names] == [hit.get(n) for n in names], url
        assert "sessionid" not in hit.cookies, url


# --- poisoning -------------------------------------------------------------------------------


def repeated_parameter(url):
    """The page's own query with its first parameter given twice, the attacker's value first
    (the page reads the last one); None for a page without a query."""
    path, _, query = url.partition("?")
    if not query:
        return None
    name = query.split("=")[0]
    return f"{path}?{name}=Huijaus-evil.example&{query}", {}


POISONERS = {
    "forwarded host": lambda url: (url, {"X-Forwarded-Host": "evil.example"}),
    "forwarded https": lambda url: (url, {"X-Forwarded-Proto": "https"}),
    "host with port": lambda url: (url, {"Host": "testserver:80"}),
    "languages": lambda url: (
        url,
        {"Accept-Language": "sv,en;q=0.9", "Cookie": "django_language=en"},
    ),
    "garbage cookies": lambda url: (
        url,
        {"Cookie": 'sessionid="x\\000yyyyyyyy"; messages=%%%; csrftoken=*; barometri_vastattu=1'},
    ),
    "gzip": lambda url: (url, {"Accept-Encoding": "gzip"}),
    "empty query fields": lambda url: (url + ("&&" if "?" in url else "?&&"), {}),
    "repeated parameter": repeated_parameter,
}


def test_odd_requests_never_leave_a_page_that_an_ordinary_visitor_then_gets(
    settings, page_cache, pages
):
    """For each page and each odd request an attacker may send first (forwarded headers, a
    port, languages, garbage cookies, gzip, empty query fields, a parameter given twice), the
    next ordinary visitor gets the page they would get with the cache off."""
    with cache_off(settings):
        fresh = {url: masked(Client().get(url).content) for url in pages}
    poisoned = []
    for label, attack in POISONERS.items():
        for url in pages:
            if attack(url) is None:
                continue
            cache.clear()
            attack_url, headers = attack(url)
            sent = Client(raise_request_exception=False).get(attack_url, headers=headers)
            assert sent.status_code < 500, (label, attack_url)
            got = masked(Client().get(url).content)
            if got != fresh[url]:
                poisoned.append((label, attack_url, *first_difference(fresh[url], got)))
    # Was a hole: GET /haku/?q=Huijaus-evil.example&q=verkosto was kept under ?q=verkosto with
    # the query as sent in og:url and the language links.
    assert poisoned == [], poisoned[:3]


# --- bad input -------------------------------------------------------------------------------


def odd_variants(url):
    """Odd forms of one page's address: no trailing slash, a NUL, invalid UTF-8 and an
    overlong segment in the path, a NUL and invalid UTF-8 in a query value the page reads, a
    NUL in one it does not, and more query fields than Django takes."""
    path, _, query = url.partition("?")
    tail = f"?{query}" if query else ""
    variants = [
        (path.rstrip("/") or "/") + tail,
        path + "%00/" + tail,
        path + "%FF%FE/" + tail,
        path + "a" * 3000 + "/" + tail,
        path + "?" + "&".join(f"k{n}=1" for n in range(1100)),
        with_utm(url) + "%00",
    ]
    if query:
        name = query.split("=")[0]
        variants += [f"{path}?{name}=%00", f"{path}?{name}=%FF%FE"]
    return variants


BAD_HOSTS = ["evil.example", "testserver:abc", "[::1", "testserver@evil.example", ""]
METHODS = ["post", "put", "patch", "delete", "options"]


def test_bad_input_gets_the_same_answer_from_a_warm_cache(settings, page_cache, pages):
    """Odd paths and queries, foreign or malformed Host headers (also on addresses that would
    redirect) and other methods than GET: with each page kept, the answer is the one the
    stack gives with the cache off, twice in a row, and a refusal is never a kept page."""
    requests = []
    for number, url in enumerate(pages):
        requests += [("get", odd, {}) for odd in odd_variants(url) if odd != url]
        # The kept page, one the cache would redirect, one CommonMiddleware would; each bad
        # Host meets each kind across the pages.
        targets = (url, with_utm(url), (url.partition("?")[0].rstrip("/") or "/"))
        for kind, target in enumerate(targets):
            host = BAD_HOSTS[(number + kind) % len(BAD_HOSTS)]
            requests.append(("get", target, {"Host": host}))
        requests += [(method, url, {}) for method in METHODS]
    with cache_off(settings):
        expected = [outcome(send(*request)) for request in requests]
    for url in pages:
        Client().get(url)
    for request, answer in zip(requests, expected, strict=True):
        for _twice in range(2):
            response = canonical_answer(request, send(*request))
            assert outcome(response) == answer, request[:2]
            if answer[0] != 200:  # a refusal or redirect is never a kept page
                assert response.get("X-Page-Cache") != "hit", request[:2]
        if request[2].get("Host") is not None:
            assert answer[0] == 400, request


def with_utm(url):
    return url + ("&" if "?" in url else "?") + "utm_source=uutiskirje"


def send(method, url, headers):
    visitor = Client(enforce_csrf_checks=True, raise_request_exception=False)
    return getattr(visitor, method)(url, headers=headers)


def canonical_answer(request, response):
    """Invalid UTF-8 in a read parameter is another spelling of U+FFFD: the cache sends the
    visitor to that spelling first (and only there), where the answer must be the one the
    stack gives with the cache off."""
    method, url, headers = request
    path, _, query = url.partition("?")
    if "%FF%FE" in query and response.status_code == 302:
        location = urlsplit(response["Location"])
        assert location.path == path and "%EF%BF%BD%EF%BF%BD" in location.query, url
        return send(method, response["Location"], headers)
    return response


def test_head_of_a_kept_page_has_no_body_and_the_gets_headers(page_cache, pages):
    """HEAD first (the page is kept), then GET and HEAD again: no HEAD answer has a body, the
    GET has the whole page, and HEAD's headers describe that GET."""
    for url in pages:
        first_head = Client().head(url)
        get, head = Client().get(url), Client().head(url)
        assert get["X-Page-Cache"] == head["X-Page-Cache"] == "hit", url
        assert first_head.content == head.content == b"", url
        assert get.status_code == head.status_code == 200 and b"</html>" in get.content, url
        assert head["Content-Length"] == get["Content-Length"], url


@pytest.mark.parametrize("code", ["14?", "14#", "%31%34"])
def test_the_canonical_redirect_keeps_the_visitor_on_the_address_they_asked_for(
    settings, page_cache, demo_data, code
):
    """A measure address that names no measure, with a tracking parameter: with the cache off
    the visitor gets 404. With it on, the redirect that drops the parameter must lead to the
    same path, so the visitor still ends on the 404, not on another page."""
    url = with_utm(reverse("programme:measure-detail", kwargs={"code": code}))
    with cache_off(settings):
        assert Client().get(url, follow=True).status_code == 404
    # Was a hole: the Location was the decoded path, and "%31%34" led to measure 14's page.
    assert Client().get(url, follow=True).status_code == 404
    location = urlsplit(Client().get(url)["Location"])
    assert (unquote(location.path), location.query) == (unquote(urlsplit(url).path), "")
