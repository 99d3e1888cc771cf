"""Attacks on issue 12 (fails safe): odd input, Redis outage, page cache, downloads, search.
Written from the outside; each test is one attempt."""

import logging
import socket
import uuid

import pytest
from django.test import Client

from feedback.models import Idea
from kumppanuus import cache_backends

pytestmark = pytest.mark.django_db

BIG = "1" + "0" * 20


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    redis = {
        "BACKEND": "kumppanuus.cache_backends.FailSafeRedisCache",
        "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
    settings.CACHES = {"default": redis, "ratelimit": redis}
    settings.PAGE_CACHE_SECONDS = 300
    cache_backends._down_until.clear()
    yield
    cache_backends._down_until.clear()


# --- odd input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/ohjelma/toimenpiteet/{BIG}/",
        f"/tapahtumat/{BIG}/",
        f"/tapahtumat/{BIG}/tapahtuma.ics",
        f"/barometri/{BIG}/",
        f"/barometri/{BIG}/vastaa/",
        f"/vuosikatsaus/{BIG}/",
        f"/ohjelma/?vuosi={BIG}",
        f"/ohjelma/matriisi/?vuosi={BIG}",
        f"/barometri/?vuosi={BIG}",
        f"/haku/?q=verkosto&sivu={BIG}",
        f"/haku/?q=verkosto&page={BIG}",
        "/haku/?q=verkosto&sivu=-1",
        "/haku/?q=verkosto&page=-1",
        f"/tapahtumat/arkisto/?sivu={BIG}",
        f"/tapahtumat/arkisto/?page={BIG}",
        f"/kehittamisideat/koonti/?page={BIG}",
        f"/kehittamisideat/koonti/?sivu={BIG}",
        "/haku/?q=%ED%A0%80",
        "/verkostot/%ED%A0%80/",
        "/haku/?q=" + "a" * 100_000,
        "/verkostot/" + "a" * 10_000 + "/",
        "/haku/?q=%00&tyyppi=verkostot",
        "/avoin-data/toimenpiteiden-tilat.csv?vuosi=%00",
        f"/avoin-data/toimenpiteiden-tilat.csv?vuosi={BIG}",
        f"/avoin-data/barometri.csv?vuosi={BIG}",
        "/avoin-data/barometri.json?vuosi=%00",
        "/i18n/setlang/?next=%00",
        "/sv/tapahtumat/?verkosto=" + "x" * 5000,
        "/en/ohjelma/matriisi/?vuosi=2020&verkosto=%ED%A0%80",
    ],
)
def test_odd_urls_never_5xx(client, demo_data, url):
    response = client.get(url)
    assert response.status_code < 500, (url[:120], response.status_code)


def test_set_language_post_with_nul_and_surrogate_next(client, db):
    for nxt in ("/%00", "/ohjelma/%ED%A0%80", "//evil.example/", "/\\evil.example/"):
        response = client.post(
            "/i18n/setlang/",
            data=f"language=sv&next={nxt}".encode(),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code < 500
        assert "evil.example" not in response.get("Location", "")


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "N" * 5000},
        {"email": "a" * 300 + "@example.fi"},
        {"message": "x" * 200_000},
        {"topic": "\x00"},
        {"topic": "a" * 5000},
        {"submission_token": "ei-uuid"},
        {"submission_token": "0" * 5000},
        {"submission_token": "\x00"},
    ],
)
def test_odd_idea_fields_never_5xx(client, db, fields):
    data = {
        "topic": "muu",
        "message": "Tavallinen idea pitkän kentän kanssa.",
        "submission_token": str(uuid.uuid4()),
    }
    data.update(fields)
    response = client.post("/kehittamisideat/", data)
    assert response.status_code < 500, (list(fields), response.status_code)


@pytest.mark.parametrize("value", [BIG, "-" + BIG, "NaN", "1e400", "\x00", "4.5", "x" * 5000])
def test_odd_survey_answer_values_never_5xx(client, demo_data, value):
    from barometer.models import Survey

    survey = Survey.objects.get(year=2022)
    data = {f"k{q.pk}": "4" for q in survey.questions.all()}
    first = survey.questions.first()
    data[f"k{first.pk}"] = value
    data[f"k{BIG}"] = value
    response = client.post("/barometri/2022/vastaa/", data)
    assert response.status_code < 500, (value[:20], response.status_code)


def test_raw_invalid_utf8_form_body_never_5xx(client, db):
    response = client.post(
        "/kehittamisideat/",
        data=b"topic=muu&message=%ED%A0%80%FF%FE+idea+t\xff\xfe&submission_token="
        + str(uuid.uuid4()).encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500


@pytest.mark.parametrize(
    "host",
    [
        "localhost:99999",
        "[::1",
        "local\x00host",
        "localhost.",
        "LOCALHOST",
        "ä.example",
        "a" * 300,
        "localhost:8000@evil.example",
    ],
)
def test_odd_host_headers_never_5xx(db, host):
    response = Client(HTTP_HOST=host).get("/ohjelma/")
    assert response.status_code < 500, (host[:40], response.status_code)
    assert "evil.example" not in response.content.decode()


def test_odd_host_header_with_page_cache_never_poisons(demo_data, page_cache, settings):
    settings.ALLOWED_HOSTS = ["testserver", ".example.fi"]
    Client(HTTP_HOST="evil.example.fi").get("/ohjelma/")
    page = Client().get("/ohjelma/").content.decode()
    assert "evil.example.fi" not in page


@pytest.mark.parametrize(
    "path",
    [
        "//evil.example",
        "//evil.example/?x=1",
        "/\\evil.example/",
        "/\\evil.example/?utm_source=1",
        "//evil.example/ohjelma/?x=1",
        "/%2F%2Fevil.example/",
        "/sv//evil.example/",
        "///evil.example/",
    ],
)
def test_double_slash_paths_never_redirect_off_site(client, db, path):
    target, _, query = path.partition("?")
    response = client.get("/", {} if not query else dict([query.split("=")]), PATH_INFO=target)
    assert response.status_code < 500
    location = response.get("Location", "")
    assert (
        not location.startswith("//")
        and "evil.example" not in location.split("?")[0][:20]
        or (
            location.startswith("/")
            and not location.startswith("//")
            and not location.startswith("/\\")
        )
    ), location
    body = response.content.decode(errors="replace")
    for href in __import__("re").findall(r'href="([^"]*)"', body):
        assert not href.startswith("//") and not href.startswith("/\\"), href


@pytest.mark.parametrize(
    "breaker", ["%0d", "%0a", "%c2%85", "%e2%80%a8", "%e2%80%a9", "%0b", "%0c", "%1c", "%1e"]
)
def test_line_breaks_in_path_or_query_do_not_forge_log_lines(client, db, caplog, breaker):
    caplog.set_level(logging.INFO)
    forged = f"GET%20/admin/%20200{breaker}x"
    client.get(f"/ohjelma/{breaker}{forged}/?q={breaker}INFO%20forged")
    for record in caplog.records:
        message = record.getMessage()
        assert len(message.splitlines()) <= 1, repr(message)


def test_line_breaks_in_headers_do_not_forge_log_lines(client, db, caplog):
    caplog.set_level(logging.INFO)
    client.get(
        "/ohjelma/",
        HTTP_USER_AGENT="ua\nINFO forged line",
        HTTP_REFERER="http://x/\r\nINFO forged",
        HTTP_X_FORWARDED_FOR="1.2.3.4\n5.6.7.8",
    )
    for record in caplog.records:
        assert len(record.getMessage().splitlines()) <= 1, repr(record.getMessage())


# --- Redis outage ------------------------------------------------------------------------------


def test_survey_answer_is_stored_with_redis_down(client, demo_data, redis_down):
    from barometer.models import Survey

    survey = Survey.objects.get(year=2022)
    before = survey.respondents.count() if hasattr(survey, "respondents") else None
    client.get("/barometri/2022/vastaa/")
    data = {f"k{q.pk}": "4" for q in survey.questions.filter(kind="likert")}
    response = client.post("/barometri/2022/vastaa/", data)
    assert response.status_code == 302, response.status_code
    if before is not None:
        assert survey.respondents.count() == before + 1


@pytest.mark.parametrize(
    "url",
    [
        "/avoin-data/toimenpiteiden-tilat.csv",
        "/avoin-data/toimenpiteiden-tilat.json",
        "/avoin-data/barometri.csv",
        "/avoin-data/barometri.json",
        "/tapahtumat.ics",
        "/vuosikatsaus/syote.xml",
        "/sitemap.xml",
        "/ei-ole-olemassa/",
        "/sv/haku/?q=nätverk",
        "/kehittamisideat/kiitos/",
        "/barometri/2022/kiitos/",
    ],
)
def test_other_pages_survive_redis_down(client, demo_data, redis_down, url):
    response = client.get(url)
    assert response.status_code < 500, (url, response.status_code)


def test_admin_login_and_editing_with_redis_down(client, demo_data, redis_down, settings):
    from django.conf import settings as live

    settings.AUTHENTICATION_BACKENDS = (
        [
            "axes.backends.AxesStandaloneBackend",
            "django.contrib.auth.backends.ModelBackend",
        ]
        if "axes" in str(live.INSTALLED_APPS)
        else settings.AUTHENTICATION_BACKENDS
    )
    response = client.post(
        f"/{live.ADMIN_URL}login/",
        {"username": "toimittaja", "password": "kumppanuus-demo-2026"},
    )
    assert response.status_code < 500, response.status_code
    client.force_login(
        __import__("django.contrib.auth", fromlist=["x"])
        .get_user_model()
        .objects.get(username="toimittaja")
    )
    response = client.get(f"/{live.ADMIN_URL}")
    assert response.status_code < 500


def test_idea_post_with_redis_down_twice_with_same_token_stores_one(client, db, redis_down):
    token = str(uuid.uuid4())
    data = {
        "topic": "muu",
        "message": "Tuplaidea Redisin ollessa alhaalla.",
        "submission_token": token,
    }
    first = client.post("/kehittamisideat/", data)
    second = client.post("/kehittamisideat/", data)
    assert first.status_code == 302 and second.status_code < 500
    assert Idea.objects.filter(message=data["message"]).count() == 1


# --- page cache: bypass ------------------------------------------------------------------------


def test_zero_padded_ids_do_not_make_new_cache_entries(client, demo_data, page_cache):
    assert client.get("/ohjelma/toimenpiteet/14/").status_code == 200
    for padded in ("014", "0014", "00014"):
        response = client.get(f"/ohjelma/toimenpiteet/{padded}/")
        assert response.status_code != 200 or response["X-Page-Cache"] == "hit", (
            padded,
            response.status_code,
            response.get("X-Page-Cache"),
        )


def test_unique_values_of_a_known_parameter_do_not_bypass_the_cache(client, demo_data, page_cache):
    client.get("/ohjelma/")
    misses = []
    for value in ("1", "2", "3", "02019", "2019.0", "+2019", " 2019", "abc"):
        response = client.get("/ohjelma/", {"vuosi": value})
        if response.status_code == 200 and response.get("X-Page-Cache") == "miss":
            misses.append(value)
    assert misses == [], misses


def test_whitespace_padded_parameter_values_make_unbounded_cache_entries(
    client, demo_data, page_cache
):
    """/ohjelma/?vuosi=2019, ?vuosi=%202019, ?vuosi=%20%202019, ... each a fresh render."""
    client.get("/ohjelma/", {"vuosi": "2019"})
    misses = []
    for pad in range(1, 6):
        response = client.get("/ohjelma/", {"vuosi": " " * pad + "2019"})
        if response.status_code == 200 and response.get("X-Page-Cache") == "miss":
            misses.append(pad)
    assert misses == [], misses


def test_repeated_or_empty_parameters_do_not_bypass_the_cache(client, demo_data, page_cache):
    client.get("/ohjelma/matriisi/?vuosi=2020")
    misses = []
    for query in (
        "vuosi=2020&vuosi=2020",
        "vuosi=2020&verkosto=",
        "vuosi=2020&vuosi=2019&vuosi=2020",
    ):
        response = client.get(f"/ohjelma/matriisi/?{query}")
        if response.status_code == 200 and response.get("X-Page-Cache") == "miss":
            misses.append(query)
    assert len(misses) <= 1, misses


def test_unique_search_page_numbers_do_not_bypass(client, demo_data, page_cache):
    client.get("/tapahtumat/arkisto/")
    misses = []
    for n in (99, 100, 101, 102):
        response = client.get("/tapahtumat/arkisto/", {"sivu": n})
        if response.status_code == 200 and response.get("X-Page-Cache") == "miss":
            misses.append(n)
    assert len(misses) <= 1, misses


@pytest.mark.parametrize(
    "cookie", ["sessionid", "csrftoken", "django_language", "messages", "_ga", "cookieconsent"]
)
def test_a_garbage_cookie_does_not_bypass_the_cache(demo_data, page_cache, cookie):
    Client().get("/ohjelma/")
    visitor = Client()
    visitor.cookies[cookie] = uuid.uuid4().hex
    response = visitor.get("/ohjelma/")
    assert response.get("X-Page-Cache") == "hit", (cookie, response.get("X-Page-Cache"))


def test_the_answered_cookie_name_with_garbage_does_not_bypass(demo_data, page_cache):
    from barometer.models import Survey

    survey = Survey.objects.get(year=2022)
    answerer = Client()
    answerer.get("/barometri/2022/vastaa/")
    answerer.post(
        "/barometri/2022/vastaa/", {f"k{q.pk}": "4" for q in survey.questions.filter(kind="likert")}
    )
    names = [n for n in answerer.cookies if n not in ("csrftoken",)]
    Client().get("/ohjelma/")
    for name in names:
        visitor = Client()
        visitor.cookies[name] = uuid.uuid4().hex
        assert visitor.get("/ohjelma/").get("X-Page-Cache") == "hit", name


# --- page cache: leaks -------------------------------------------------------------------------


def test_head_request_does_not_cache_an_empty_page(demo_data, page_cache):
    Client().head("/ohjelma/")
    response = Client().get("/ohjelma/")
    assert response.status_code == 200 and b"<h1" in response.content


def test_conditional_request_does_not_cache_a_304(demo_data, page_cache):
    Client().get(
        "/ohjelma/",
        HTTP_IF_NONE_MATCH='"x"',
        HTTP_IF_MODIFIED_SINCE="Mon, 01 Jan 2035 00:00:00 GMT",
    )
    response = Client().get("/ohjelma/")
    assert response.status_code == 200 and b"<h1" in response.content


def test_accept_language_or_cookie_does_not_poison_the_finnish_page(demo_data, page_cache):
    Client(HTTP_ACCEPT_LANGUAGE="sv").get("/ohjelma/")
    swedish_cookie = Client()
    swedish_cookie.cookies["django_language"] = "en"
    swedish_cookie.get("/verkostot/")
    assert "Maakuntaohjelman" in Client().get("/ohjelma/").content.decode()
    page = Client().get("/verkostot/").content.decode()
    assert 'lang="fi"' in page


def test_set_cookie_of_one_visitor_is_not_served_to_another(demo_data, page_cache):
    first = Client().get("/kehittamisideat/")
    second = Client().get("/kehittamisideat/")
    assert second["X-Page-Cache"] == "hit"
    c1 = first.cookies.get("csrftoken")
    c2 = second.cookies.get("csrftoken")
    assert not (c1 and c2 and c1.value == c2.value)
    assert "sessionid" not in second.cookies


def test_an_answered_visitors_page_is_not_served_to_others(demo_data, page_cache):
    from barometer.models import Survey

    survey = Survey.objects.get(year=2022)
    answerer = Client()
    answerer.get("/barometri/2022/vastaa/")
    answerer.post(
        "/barometri/2022/vastaa/", {f"k{q.pk}": "4" for q in survey.questions.filter(kind="likert")}
    )
    for url in ("/barometri/2022/vastaa/", "/barometri/", "/barometri/2022/kiitos/", "/"):
        answerer.get(url)
    for url in ("/barometri/2022/vastaa/", "/barometri/", "/"):
        assert "Olet jo vastannut" not in Client().get(url).content.decode(), url


def test_an_editors_view_is_never_served_to_the_public(demo_data, page_cache):
    from django.contrib.auth import get_user_model

    editor = Client()
    editor.force_login(get_user_model().objects.get(username="toimittaja"))
    urls = [
        "/",
        "/ohjelma/",
        "/vuosikatsaus/",
        "/verkostot/matkailu/",
        "/kehittamisideat/koonti/",
        "/barometri/",
    ]
    for url in urls:
        editor.get(url)
    for url in urls:
        page = Client().get(url).content.decode()
        assert "toimittaja" not in page and "Kirjaudu ulos" not in page, url


def test_a_logged_out_editor_then_public_get_no_editor_view(demo_data, page_cache):
    from django.contrib.auth import get_user_model

    editor = Client()
    editor.force_login(get_user_model().objects.get(username="yhteyshenkilo"))
    editor.get("/verkostot/matkailu/")
    editor.cookies["sessionid"] = "expired-" + uuid.uuid4().hex  # a stale session cookie
    editor.get("/verkostot/matkailu/")
    page = Client().get("/verkostot/matkailu/").content.decode()
    assert "Kirjaudu ulos" not in page and "/admin/networks/" not in page


# --- page cache: staleness ---------------------------------------------------------------------


def test_bulk_delete_shows_at_once(client, demo_data, page_cache):
    from networks.models import Event

    event = Event.objects.filter(network__slug="matkailu").order_by("start").first()
    url = event.get_absolute_url()
    assert client.get(url).status_code == 200
    Event.objects.filter(pk=event.pk).delete()
    assert client.get(url).status_code == 404


def test_contact_person_bulk_rename_shows_at_once(client, demo_data, page_cache):
    from networks.models import ContactPerson

    person = ContactPerson.objects.filter(networks__slug="matkailu").first()
    assert person.name in client.get("/verkostot/matkailu/").content.decode()
    ContactPerson.objects.filter(pk=person.pk).update(name="Uusi Nimi Yhteyshenkilö")
    assert "Uusi Nimi Yhteyshenkilö" in client.get("/verkostot/matkailu/").content.decode()


def test_removing_a_contact_from_a_network_shows_at_once(client, demo_data, page_cache):
    from networks.models import ContactPerson, Network

    network = Network.objects.get(slug="matkailu")
    person = ContactPerson.objects.filter(networks=network).first()
    assert person.name in client.get("/verkostot/matkailu/").content.decode()
    person.networks.remove(network)
    assert person.name not in client.get("/verkostot/matkailu/").content.decode()


def test_bulk_update_of_a_translated_field_shows_in_swedish(client, demo_data, page_cache):
    from networks.models import Network

    client.get("/sv/verkostot/")
    Network.objects.filter(slug="matkailu").update(name_sv="Turismforum Nytt Namn")
    assert "Turismforum Nytt Namn" in client.get("/sv/verkostot/").content.decode()


def test_bulk_create_shows_at_once(client, demo_data, page_cache):
    from networks.models import Network

    client.get("/verkostot/")
    Network.objects.bulk_create([Network(slug="uusi-bulk", name="Bulkkiverkosto")])
    assert "Bulkkiverkosto" in client.get("/verkostot/").content.decode()


def test_editor_change_in_admin_shows_at_once(client, demo_data, page_cache):
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from networks.models import Network

    public = Client()
    assert "Matkailufoorumi" in public.get("/verkostot/matkailu/").content.decode()
    network = Network.objects.get(slug="matkailu")
    Network.objects.filter(pk=network.pk).update(short_description="Aivan uusi lyhyt kuvaus")
    assert "Aivan uusi lyhyt kuvaus" in public.get("/verkostot/matkailu/").content.decode()
    assert settings.ADMIN_URL  # the admin path exists
    assert get_user_model().objects.filter(username="toimittaja").exists()


def test_open_data_download_is_not_stale_after_a_bulk_update(client, demo_data, page_cache):
    from programme.models import MeasureStatus

    before = client.get("/avoin-data/toimenpiteiden-tilat.json")
    body = b"".join(before.streaming_content) if before.streaming else before.content
    status = MeasureStatus.objects.exclude(note="").first() or MeasureStatus.objects.first()
    MeasureStatus.objects.filter(pk=status.pk).update(note="Uusi tilahuomautus bulkilla")
    after = client.get("/avoin-data/toimenpiteiden-tilat.json")
    body = b"".join(after.streaming_content) if after.streaming else after.content
    # only published rounds are open data; if this status is in an open round, nothing to see
    if status.round.state == "closed":
        assert "Uusi tilahuomautus bulkilla" in body.decode()


def test_open_data_csv_and_json_have_the_same_rows(client, demo_data):
    import csv
    import io
    import json

    for csv_url, json_url in (
        ("/avoin-data/toimenpiteiden-tilat.csv", "/avoin-data/toimenpiteiden-tilat.json"),
        ("/avoin-data/barometri.csv", "/avoin-data/barometri.json"),
    ):
        c = client.get(csv_url)
        j = client.get(json_url)
        cbody = (b"".join(c.streaming_content) if c.streaming else c.content).decode("utf-8-sig")
        jbody = json.loads(b"".join(j.streaming_content) if j.streaming else j.content)
        rows = list(csv.reader(io.StringIO(cbody)))
        items = (
            jbody
            if isinstance(jbody, list)
            else next(v for v in jbody.values() if isinstance(v, list))
        )
        assert len(rows) - 1 == len(items), (csv_url, len(rows) - 1, len(items))
        assert "Content-Length" in c or not c.streaming, csv_url


# --- search ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["%", "_", "*", "%%", "'", "\\", "|", "!", "&", ":*", "a:*", "-", '"', "()"]
)
def test_wildcards_and_operators_find_nothing(client, demo_data, query):
    for prefix in ("", "/sv", "/en"):
        response = client.get(f"{prefix}/haku/", {"q": query})
        assert response.status_code < 500
        page = response.content.decode()
        assert "search-results" not in page, (prefix, query)


@pytest.mark.parametrize("query", ["qwxzy", "zzqqk qwxzy xqxq", "qwxzy-zzqqk", "QWXZY"])
def test_nonsense_finds_nothing_in_every_language(client, demo_data, query):
    for prefix in ("", "/sv", "/en"):
        page = client.get(f"{prefix}/haku/", {"q": query}).content.decode()
        assert "search-results" not in page, (prefix, query)


@pytest.mark.parametrize(
    "query", ["aino.haku", "example.fi", "aino.haku@example", "02 123", "123", "haku@"]
)
def test_contact_email_and_phone_fragments_find_no_person(client, demo_data, query):
    from networks.models import ContactPerson

    person = ContactPerson.objects.get(name="Aino Virtanen")
    ContactPerson.objects.filter(pk=person.pk).update(email="aino.haku@example.fi", phone="02 123")
    for prefix in ("", "/sv", "/en"):
        page = client.get(f"{prefix}/haku/", {"q": query}).content.decode()
        assert "Aino Virtanen" not in page, (prefix, query)
        results = page.split("</form>", 1)[-1].split('role="status"')[0]
        assert "aino.haku@example.fi" not in results


def test_contact_person_search_by_first_name_and_snippet_has_no_contact_data(client, demo_data):
    from networks.models import ContactPerson

    person = ContactPerson.objects.get(name="Aino Virtanen")
    ContactPerson.objects.filter(pk=person.pk).update(
        email="aino.haku@example.fi", phone="040 555 1234"
    )
    for prefix in ("", "/sv", "/en"):
        for q in ("Aino", "aino virtanen", "AINO"):
            page = client.get(f"{prefix}/haku/", {"q": q, "tyyppi": ""}).content.decode()
            assert "Aino Virtanen" in page, (prefix, q)
            assert "aino.haku" not in page and "555 1234" not in page
