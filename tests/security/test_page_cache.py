import logging
import re
import uuid
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core.cache import cache
from django.db import OperationalError

from feedback.models import Idea
from kumppanuus import services as review_services
from kumppanuus.models import AnnualReview
from networks.models import Network
from programme import services as programme_services
from programme.models import AssessmentRound, MeasureStatus
from tests.pages import PUBLIC_PAGE_TYPES

pytestmark = pytest.mark.django_db


def editor():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="toimittaja")


def test_second_anonymous_request_is_served_from_cache(
    client, demo_data, page_cache, count_queries
):
    first = client.get("/ohjelma/")
    assert first["X-Page-Cache"] == "miss"
    assert count_queries("/ohjelma/") == 1  # only the content version
    assert client.get("/ohjelma/")["X-Page-Cache"] == "hit"


def test_cache_is_per_language_and_query(client, demo_data, page_cache):
    client.get("/ohjelma/")
    assert "Progress of the regional programme" in client.get("/en/ohjelma/").content.decode()
    assert "Maakuntaohjelman eteneminen 2019" in client.get("/ohjelma/?vuosi=2019").content.decode()


def test_publishing_a_review_shows_at_once(client, demo_data, page_cache):
    assert client.get("/vuosikatsaus/2021/").status_code == 404
    client.get("/vuosikatsaus/")
    AssessmentRound.objects.filter(year=2021).update(state="closed")
    review_services.review_publish(review=AnnualReview.objects.get(year=2021))
    assert "2021 (luonnos)" in client.get("/vuosikatsaus/").content.decode()


def test_a_status_change_and_a_closed_round_show_at_once(client, demo_data, page_cache):
    client.get("/ohjelma/")
    open_round = AssessmentRound.objects.get(year=2021)
    top = open_round.programme.levels.get(rank=4)
    for status in MeasureStatus.objects.filter(round=open_round):
        status.level = top
        status.save()
    programme_services.round_close(assessment_round=open_round, user=editor())
    page = client.get("/ohjelma/").content.decode()
    assert "Maakuntaohjelman eteneminen 2021" in page and "29 (100\u00a0%) valmis" in page


def test_an_import_renews_the_cache(client, demo_data, page_cache):
    """The import writes with raw SQL (COPY on PostgreSQL), past every signal: the next
    request is drawn anew. (Into the open survey: published ones take no more answers.)"""
    from barometer.importing import survey_import_csv
    from barometer.models import Survey

    survey = Survey.objects.get(year=2022)
    client.get("/barometri/")
    assert client.get("/barometri/")["X-Page-Cache"] == "hit"
    summary = survey_import_csv(
        survey=survey,
        data=b"vastaaja,vastattu,organisaatio,visio\nuusi-1,2022-11-30 10:00,kunta,5\n",
    )
    assert summary.created == 1
    assert client.get("/barometri/")["X-Page-Cache"] == "miss"


def test_logged_in_users_bypass_the_cache(client, demo_data, page_cache):
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    client.get("/ohjelma/")
    assert "X-Page-Cache" not in client.get("/ohjelma/")


def test_cached_form_gives_every_visitor_fresh_tokens_that_work(demo_data, page_cache):
    import re

    from django.test import Client

    from feedback.models import Idea

    def visit(address):
        # Two visitors, two addresses (the same text from one address is one idea).
        visitor = Client(enforce_csrf_checks=True, REMOTE_ADDR=address)
        page = visitor.get("/kehittamisideat/")
        html = page.content.decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        token = re.search(r'name="submission_token" value="([^"]+)"', html).group(1)
        return visitor, page, csrf, token

    first, first_page, csrf_1, token_1 = visit("198.51.100.1")
    second, second_page, csrf_2, token_2 = visit("198.51.100.2")
    assert (first_page["X-Page-Cache"], second_page["X-Page-Cache"]) == ("miss", "hit")
    assert csrf_1 != csrf_2 and token_1 != token_2
    # Two different texts: the same text from one address within minutes counts as a resend.
    for number, (visitor, csrf, token) in enumerate(
        ((first, csrf_1, token_1), (second, csrf_2, token_2))
    ):
        response = visitor.post(
            "/kehittamisideat/",
            {
                "csrfmiddlewaretoken": csrf,
                "submission_token": token,
                "topic": "muu",
                "message": f"Välimuistista tullut lomake {number} toimii.",
            },
        )
        assert response.status_code == 302
    assert Idea.objects.filter(message__startswith="Välimuistista tullut lomake").count() == 2


def test_cached_survey_form_gives_fresh_tokens_and_a_resent_form_counts_once(demo_data, page_cache):
    """Two visitors load the (cached) 2022 answer form: each gets their own submission token,
    and each answer counts. The first visitor's form sent again without the "answered" cookie
    (a double click whose second request left first, a reloaded POST) is not a second
    response."""
    import re

    from django.test import Client

    from barometer.models import Response, Survey
    from tests.barometer.test_views import form_data

    survey = Survey.objects.get(year=2022)
    before = Response.objects.filter(survey=survey).count()

    def visit(address):
        visitor = Client(REMOTE_ADDR=address)
        page = visitor.get("/barometri/2022/vastaa/")
        token = re.search(r'name="submission_token" value="([^"]+)"', page.content.decode())
        return visitor, page["X-Page-Cache"], token.group(1)

    (first, first_cache, token_1), (second, second_cache, token_2) = (
        visit("198.51.100.1"),
        visit("198.51.100.2"),
    )
    assert (first_cache, second_cache) == ("miss", "hit") and token_1 != token_2
    for visitor, token in ((first, token_1), (second, token_2)):
        answer = visitor.post(
            "/barometri/2022/vastaa/", {**form_data(survey), "submission_token": token}
        )
        assert answer.status_code == 302
    again = Client(REMOTE_ADDR="198.51.100.1").post(
        "/barometri/2022/vastaa/", {**form_data(survey), "submission_token": token_1}
    )
    assert again.status_code == 302  # thanked as before: nothing to tell the visitor
    assert Response.objects.filter(survey=survey).count() == before + 2


def test_answered_survey_cookie_bypasses_the_cache(client, demo_data, page_cache):
    from barometer.models import Survey

    survey = Survey.objects.get(year=2022)
    client.get("/barometri/2022/vastaa/")
    data = {f"k{q.pk}": "4" for q in survey.questions.filter(kind="likert")}
    client.post("/barometri/2022/vastaa/", data)
    assert "Olet jo vastannut" in client.get("/barometri/2022/vastaa/").content.decode()


def test_database_outage_answers_503_not_a_traceback(client, demo_data, monkeypatch):
    from networks import views

    def broken(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(views.selectors, "network_groups", broken)
    response = client.get("/verkostot/")
    assert response.status_code == 503
    assert "Palvelu on tilapäisesti poissa käytöstä" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_one_log_line_per_request_without_personal_data(client, demo_data, caplog):
    caplog.set_level(logging.INFO, logger="kumppanuus.requests")
    client.post(
        "/kehittamisideat/",
        {
            "topic": "muu",
            "message": "Salainen idea tekstinä",
            "name": "Lokitesti Henkilö",
            "email": "loki@example.fi",
            "consent_to_contact": "on",
            "submission_token": "ei",
        },
    )
    client.get("/haku/?q=loki@example.fi")
    lines = [r.getMessage() for r in caplog.records if r.name == "kumppanuus.requests"]
    assert lines[0].startswith("POST /kehittamisideat/ 400 ") and lines[0].endswith("ms")
    assert lines[1].startswith("GET /haku/ 200 ")
    for secret in ["Lokitesti", "loki@example.fi", "Salainen idea"]:
        assert secret not in caplog.text


def _redis_available():
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="Redis is not running on 127.0.0.1:6379")
def test_page_cache_and_rate_limit_on_a_shared_redis(client, demo_data, settings):
    """Several app instances share one Redis: the production path for the cache."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
            "KEY_PREFIX": "kumppanuus-test",
        }
    }
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    assert client.get("/ohjelma/")["X-Page-Cache"] == "miss"
    assert client.get("/ohjelma/")["X-Page-Cache"] == "hit"
    programme_services.round_close(
        assessment_round=AssessmentRound.objects.get(year=2021), user=editor()
    )
    assert "Maakuntaohjelman eteneminen 2021" in client.get("/ohjelma/").content.decode()
    cache.clear()


def test_invalidation_reaches_other_processes(client, demo_data, page_cache):
    """Another worker (its own local-memory cache) sees the change: the version is in the DB."""
    from kumppanuus.cache import content_version
    from kumppanuus.models import ContentVersion

    before = content_version()
    client.get("/ohjelma/")
    ContentVersion.objects.filter(pk=1).update(version=before + 1)  # as another process would
    assert client.get("/ohjelma/")["X-Page-Cache"] == "miss"


# Committed data (transactional_db): a process does not remember a version that its own
# open transaction set, and the `db` fixture's test transaction is never committed.
@pytest.mark.django_db(transaction=True)
def test_cached_pages_are_served_while_the_database_is_down(
    client, demo_data, page_cache, monkeypatch
):
    from kumppanuus.models import ContentVersion

    assert client.get("/verkostot/")["X-Page-Cache"] == "miss"

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(ContentVersion.objects, "values_list", unreachable)
    assert client.get("/verkostot/")["X-Page-Cache"] == "hit"


@pytest.mark.django_db(transaction=True)  # committed data, as above
def test_version_is_read_at_most_once_a_second_per_process(
    client, demo_data, page_cache, settings, count_queries
):
    settings.PAGE_CACHE_VERSION_SECONDS = 60
    from kumppanuus import cache as page_cache_module

    page_cache_module._checked_at = 0.0
    client.get("/ohjelma/")
    assert count_queries("/ohjelma/") == 0  # version remembered, page from the cache
    AssessmentRound.objects.get(year=2021).save()  # a change made in this process...
    assert client.get("/ohjelma/")["X-Page-Cache"] == "miss"  # ...is seen at once


def test_a_version_set_by_an_open_transaction_is_not_remembered(
    client, demo_data, page_cache, settings
):
    """A change rolled back after a page was drawn inside its transaction: the process must
    not keep serving the rolled-back version's pages for the next second."""
    from django.db import transaction

    settings.PAGE_CACHE_VERSION_SECONDS = 60
    try:
        with transaction.atomic():
            Network.objects.filter(slug="matkailu").update(name_fi="Peruttu nimi")
            assert "Peruttu nimi" in client.get("/verkostot/").content.decode()
            raise RuntimeError("the change failed half-way")
    except RuntimeError:
        pass
    html = client.get("/verkostot/").content.decode()
    assert "Peruttu nimi" not in html and "Matkailufoorumi" in html


def test_unknown_query_parameters_redirect_to_the_one_cached_page(client, demo_data, page_cache):
    assert client.get("/ohjelma/")["X-Page-Cache"] == "miss"
    for number in range(3):
        response = client.get(f"/ohjelma/?x={number}")
        assert (response.status_code, response["Location"]) == (302, "/ohjelma/")
    response = client.get("/ohjelma/?utm_source=uutiskirje&vuosi=2019")
    assert (response.status_code, response["Location"]) == (302, "/ohjelma/?vuosi=2019")
    assert client.get("/ohjelma/")["X-Page-Cache"] == "hit"


def test_every_language_keeps_the_parameters_its_page_reads(client, demo_data, page_cache):
    """What a page reads is looked up once per path and language: the Swedish and English
    pages keep their year through the redirect, and a hit is the page of its own language."""
    for prefix, heading in (("", "Maakuntaohjelman eteneminen"), ("/sv", "2019"), ("/en", "2019")):
        response = client.get(f"{prefix}/ohjelma/?x=1&vuosi=2019")
        assert (response.status_code, response["Location"]) == (
            302,
            f"{prefix}/ohjelma/?vuosi=2019",
        )
        assert client.get(f"{prefix}/ohjelma/?vuosi=2019")["X-Page-Cache"] == "miss"
        hit = client.get(f"{prefix}/ohjelma/?vuosi=2019")
        assert hit["X-Page-Cache"] == "hit" and heading in hit.content.decode()
        assert hit["Content-Language"] == (prefix.strip("/") or "fi")


def test_every_link_the_site_draws_with_a_query_is_the_spelling_it_keeps(
    client, demo_data, page_cache
):
    """The cache sends any other spelling of a query to its canonical one; the site's own
    links (pagers, filters kept, year pickers, the language switcher) must never cost a
    visitor that extra round trip."""
    from tests.pages import event_page_path

    pages = [*PUBLIC_PAGE_TYPES, event_page_path(), "/ohjelma/matriisi/?vuosi=2020&taso=4"]
    pages += ["/sv/", "/en/ohjelma/matriisi/?vuosi=2020", "/tapahtumat/?verkosto=matkailu"]
    pages += ["/haku/?q=Varsinais-Suomen+verkosto%2Fty%C3%B6ryhm%C3%A4&tyyppi=verkostot"]
    links = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        body = response.content.decode()
        for href in re.findall(r'href="([^"#]*\?[^"#]*)"', body):
            href = unescape(href)
            if href.startswith("?"):
                href = page.split("?")[0] + href
            if href.startswith("/") and not href.startswith("//") and "/admin/" not in href:
                links.add(href)
    assert len(links) > 10, links  # the pages do draw such links
    redirected = [link for link in sorted(links) if client.get(link).status_code == 302]
    assert redirected == []


def test_parameter_order_does_not_make_a_new_entry(client, demo_data, page_cache):
    """Another order is another spelling of one page: sent to the canonical one, which is kept
    once (the page prints its query as sent, so only that spelling is kept)."""
    first = client.get("/ohjelma/matriisi/?vuosi=2020&verkosto=matkailu")
    reordered = client.get("/ohjelma/matriisi/?verkosto=matkailu&vuosi=2020")
    assert reordered.status_code == 302
    assert reordered["Location"] == "/ohjelma/matriisi/?vuosi=2020&verkosto=matkailu"
    second = client.get(reordered["Location"])
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert client.get("/ohjelma/matriisi/?vuosi=2019")["X-Page-Cache"] == "miss"


def test_public_submissions_do_not_flush_the_cache(client, demo_data, page_cache):
    from django.test import Client

    from barometer.models import Survey

    assert client.get("/ohjelma/")["X-Page-Cache"] == "miss"
    idea = Client().post(
        "/kehittamisideat/",
        {
            "topic": "muu",
            "message": "Tämä idea ei tyhjennä välimuistia.",
            "submission_token": str(uuid.uuid4()),
        },
    )
    survey = Survey.objects.get(year=2022)
    answers = {f"k{q.pk}": "4" for q in survey.questions.filter(kind="likert")}
    answered = Client().post("/barometri/2022/vastaa/", answers)
    assert answered.status_code == 302
    assert idea.status_code == 302
    assert Idea.objects.filter(message="Tämä idea ei tyhjennä välimuistia.").exists()
    assert client.get("/ohjelma/")["X-Page-Cache"] == "hit"


def test_a_bulk_update_shows_at_once(client, demo_data, page_cache):
    from networks.models import Network

    assert "Matkailufoorumi" in client.get("/verkostot/").content.decode()
    Network.objects.filter(slug="matkailu").update(name="Matkailun uusi foorumi")
    assert "Matkailun uusi foorumi" in client.get("/verkostot/").content.decode()


def test_a_new_release_does_not_get_the_old_pages(client, demo_data, page_cache, settings):
    settings.RELEASE = "2026.11.1"
    assert client.get("/ohjelma/")["X-Page-Cache"] == "miss"
    assert client.get("/ohjelma/")["X-Page-Cache"] == "hit"
    settings.RELEASE = "2026.11.2"
    assert client.get("/ohjelma/")["X-Page-Cache"] == "miss"


def test_time_bound_pages_expire_when_the_next_event_ends(client, demo_data, page_cache):
    import time
    from datetime import timedelta

    from django.utils import timezone

    from networks.models import Event

    now = timezone.now()
    Event.objects.create(
        title="Juuri päättymässä oleva tapahtuma",
        start=now - timedelta(hours=1),
        end=now + timedelta(seconds=2),
        place="verkossa",
    )
    before = client.get("/tapahtumat/")
    assert before["X-Page-Cache"] == "miss"
    assert client.get("/tapahtumat/")["X-Page-Cache"] == "hit"
    time.sleep(2.5)
    after = client.get("/tapahtumat/")
    assert after["X-Page-Cache"] == "miss"  # not the whole PAGE_CACHE_SECONDS (300 s)


def _same_site_query_links(html):
    """Links with a query string that a page offers on this site (filters, pages, years)."""
    for href in re.findall(r'href="(/[^"]*\?[^"]*)"', html):
        yield unescape(href)


def _filter_form_urls(path, html):
    """Each GET form's submission with one select set to its first real option."""
    for attributes, body in re.findall(r"<form([^>]*)>(.*?)</form>", html, re.S):
        if 'method="get"' not in attributes:
            continue
        action = re.search(r'action="([^"]*)"', attributes)
        target = unescape(action.group(1)) if action and action.group(1) else path
        for name, options in re.findall(
            r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S
        ):
            values = [v for v in re.findall(r'<option value="([^"]+)"', options) if v]
            if values:
                yield f"{target}?{urlencode({name: unescape(values[0])})}"


def test_every_link_and_filter_a_page_offers_survives_the_canonical_key(
    client, demo_data, page_cache
):
    """A parameter a page reads but the cache does not know would be redirected away: every
    filter, page and year link of every public page must answer without losing its query."""
    checked = 0
    for path in PUBLIC_PAGE_TYPES:
        html = client.get(path).content.decode()
        for url in {*_same_site_query_links(html), *_filter_form_urls(path.split("?")[0], html)}:
            if url.startswith(("/static/", "/admin/")) or ".ics" in url or ".csv" in url:
                continue
            response = client.get(url)
            if response.status_code == 302:  # only a reordering may redirect, nothing dropped
                kept = parse_qs(urlsplit(response["Location"]).query, keep_blank_values=True)
                assert set(kept) == set(parse_qs(urlsplit(url).query, keep_blank_values=True)), url
            assert response.status_code in (200, 302, 404), url
            checked += 1
    assert checked > 10


@pytest.mark.django_db(transaction=True)
def test_a_first_content_write_on_an_empty_version_table_is_stored(client):
    """A fresh or flushed database has no content-version row yet. The first content saved
    outside a transaction (as a shell or a script saves) is stored, and the version row made:
    SQLite refused a commit while the INSERT … RETURNING was still in progress."""
    from kumppanuus.models import ContentVersion
    from networks.models import Network

    ContentVersion.objects.all().delete()
    Network.objects.create(slug="ensimmainen", name="Ensimmäinen verkosto")
    assert Network.objects.filter(slug="ensimmainen").exists()
    assert ContentVersion.objects.get(pk=1).version >= 2
    assert "Ensimmäinen verkosto" in client.get("/verkostot/").content.decode()


# Headers a hit may differ in from the miss that kept the page: the cache's own, the body's
# length and encoding, and the visitor's own cookie.
PER_RESPONSE_HEADERS = {"X-Page-Cache", "Content-Length", "Content-Encoding", "Set-Cookie"}


@pytest.mark.parametrize("language", ["", "/sv", "/en"])
def test_a_hit_carries_every_header_the_whole_stack_gave_the_miss(
    client, demo_data, page_cache, language
):
    """A hit is answered before the language, common, CSRF and later middlewares, from the
    page as they left it: the visitor must not be able to tell, but for the cache's header."""
    for url in PUBLIC_PAGE_TYPES:
        url = language + url
        miss, hit = client.get(url), client.get(url)
        assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit"), url
        headers = [dict(response.headers.items()) for response in (miss, hit)]
        for response_headers in headers:
            for name in PER_RESPONSE_HEADERS:
                response_headers.pop(name, None)
            # The session middleware, outside the cache, adds Cookie when a page read the
            # session (to ask who is signed in); a hit reads none.
            vary = response_headers["Vary"].split(", ")
            response_headers["Vary"] = [name for name in vary if name != "Cookie"]
        assert headers[0] == headers[1], url
        assert hit["Content-Language"] == (language.strip("/") or "fi"), url
        assert int(hit["Content-Length"]) == len(hit.content), url


def test_a_hit_is_refused_where_the_stack_would_refuse_it(client, demo_data, page_cache):
    """The kept page is answered early, but a NUL in any parameter or an unknown Host is
    still the 400 it was, not a hit or a redirect to the clean page."""
    assert client.get("/ohjelma/")["X-Page-Cache"] == "miss"
    for url in ["/ohjelma/?x=%00", "/ohjelma/?vuosi=%00", "/ohjelma/?vuosi=2020&y=a%00b"]:
        response = client.get(url)
        assert response.status_code == 400, url
        assert "X-Page-Cache" not in response, url
    assert client.get("/ohjelma/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/ohjelma/?x=1", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/ohjelma/")["X-Page-Cache"] == "hit"


def test_a_kept_form_sets_the_csrf_cookie_for_a_new_visitor(demo_data, page_cache):
    from django.conf import settings
    from django.test import Client

    Client().get("/kehittamisideat/")  # kept
    newcomer = Client()
    hit = newcomer.get("/kehittamisideat/")
    assert hit["X-Page-Cache"] == "hit"
    assert settings.CSRF_COOKIE_NAME in hit.cookies
    assert "Cookie" in hit["Vary"]


@pytest.mark.parametrize("cache_on", [True, False])
def test_a_page_made_for_a_signed_in_person_is_marked_private(
    client, demo_data, settings, cache_on
):
    """No proxy or shared browser may keep an editor's pages (their name, a draft preview) for
    the next person, with the page cache on or off; an anonymous visitor's pages stay public."""
    settings.PAGE_CACHE_SECONDS = 300 if cache_on else 0
    for url in ("/", "/vuosikatsaus/2020/", "/en/ohjelma/"):
        assert "private" not in client.get(url).get("Cache-Control", ""), url
    client.force_login(editor())
    for url in ("/", "/vuosikatsaus/2021/", "/en/ohjelma/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "private" in response["Cache-Control"], url
