"""Outside attacks on the compiled public reads (compiledsql.py): SQL compiled once per process
and re-run with each request's values. Every page must show what a fresh ORM query shows for
this request, whatever came before in the same process (other languages, zones, networks,
pages, clocks, tests), after any editor's write, on SQLite and PostgreSQL, and in threads.

The oracle is always an independent ORM query written here (not the selectors' own builders).
The page cache is off (conftest) unless a test turns it on: the render path is what is tested.
"""

import random
import re
import threading
from datetime import timedelta
from html import unescape
from urllib.parse import quote

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, connections
from django.test import Client
from django.utils import timezone, translation

import compiledsql
from kumppanuus import selectors as site_selectors
from kumppanuus.models import AnnualReview
from networks import selectors as network_selectors
from networks import views as network_views
from networks.models import Event, Network, Theme
from networks.selectors import EventList
from tests.conftest import admin_form_data
from tests.factories import EventFactory, NetworkFactory
from tests.security.pausing import run_at_once

PREFIXES = {"fi": "", "sv": "/sv", "en": "/en"}
ZONES = ["Europe/Helsinki", "UTC", "Asia/Tokyo", "America/New_York"]
EVENT_HREF = re.compile(r'href="(?:/sv|/en)?/tapahtumat/(\d+)/"')


# --- helpers ----------------------------------------------------------------------------------


def expected_pks(when, network_pk, now):
    """The ORM's answer, written independently of networks.selectors."""
    events = Event.objects.filter(Q_public())
    if network_pk:
        events = events.filter(network_id=network_pk)
    if when == "upcoming":
        events = events.filter(end__gte=now).order_by("start", "pk")
    else:
        events = events.filter(end__lt=now).order_by("-start", "-pk")
    return list(events.values_list("pk", flat=True))


def Q_public():
    from django.db.models import Q

    return Q(network__isnull=True) | Q(network__active=True)


def pks_of_rows(rows):
    return [int(re.search(r"/tapahtumat/(\d+)/$", row.url).group(1)) for row in rows]


def event_pks(html):
    return [int(pk) for pk in EVENT_HREF.findall(html)]


def section(html, heading_id):
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return unescape(response.content.decode())


def selected_options(html):
    return re.findall(r'<option value="([^"]*)" selected>', html)


def expected_network_label(network, lang):
    own = getattr(network, f"name_{lang}") if lang != "fi" else network.name_fi
    if own:
        return own, ""
    return network.name_fi, ' lang="fi"'


@pytest.fixture
def spread(db):
    """Three active networks (one named in Finnish only), one closed network, events without a
    network; every event at a distinct start, far from now."""
    now = timezone.now().replace(microsecond=0)
    a = NetworkFactory(
        slug="hyokkays-a", name_fi="Alfa-verkosto", name_sv="Alfanätverket", name_en="Alpha Network"
    )
    b = NetworkFactory(slug="hyokkays-b", name_fi="Beeta-verkosto", name_sv="", name_en="")
    c = NetworkFactory(
        slug="hyokkays-c", name_fi="Gamma-verkosto", name_sv="Gammanätverket", name_en=""
    )
    closed = NetworkFactory(slug="hyokkays-suljettu", name_fi="Suljettu verkosto", active=False)
    events = []
    minute = 0
    for network, past, upcoming in (
        (a, 70, 60),
        (b, 12, 9),
        (c, 3, 0),
        (closed, 6, 6),
        (None, 4, 4),
    ):
        slug = getattr(network, "slug", "ei-verkostoa")
        for label, count, sign in (("Mennyt", past, -1), ("Tuleva", upcoming, 1)):
            for k in range(count):
                minute += 1
                start = now + sign * timedelta(days=2 + k, minutes=minute)
                events.append(
                    EventFactory(
                        network=network,
                        start=start,
                        end=start + timedelta(hours=2),
                        title=f"{label} {slug} {k}",
                    )
                )
    return {"now": now, "a": a, "b": b, "c": c, "closed": closed, "events": events}


# --- 1. Direct: any order of languages, zones, clocks, networks, pages -------------------------


@pytest.mark.django_db
def test_event_lists_are_the_orms_in_a_random_order_of_requests(spread):
    rng = random.Random(20261202)
    a, b, c, closed = spread["a"], spread["b"], spread["c"], spread["closed"]
    boundary = Event.objects.filter(network=a).order_by("end")[40].end  # end == now: upcoming
    instants = [
        spread["now"],
        spread["now"] + timedelta(days=5),
        spread["now"] - timedelta(days=20),
        boundary,
        boundary + timedelta(microseconds=1),
        boundary - timedelta(microseconds=1),
    ]
    networks = {n.pk: n for n in (a, b, c)}
    wrong = []
    for step in range(400):
        lang = rng.choice(list(PREFIXES))
        zone = rng.choice(ZONES)
        when = rng.choice(["upcoming", "past"])
        network = rng.choice([None, a, b, c, closed, a.pk, closed.pk])
        now = rng.choice(instants)
        start = rng.choice([0, 0, 3, 5, 30, 50, 60])
        stop = start + rng.choice([1, 3, 5, 10, 20, 30, 50])
        with translation.override(lang), timezone.override(zone):
            listing = EventList(when, network, now=now)
            rows = listing[start:stop]
            count = listing.count()
        network_pk = getattr(network, "pk", network)
        expected = expected_pks(when, network_pk, now)
        got = pks_of_rows(rows)
        if got != expected[start:stop] or count != len(expected):
            wrong.append(
                (
                    step,
                    lang,
                    zone,
                    when,
                    network_pk,
                    now,
                    start,
                    stop,
                    got[:5],
                    expected[start:stop][:5],
                    count,
                    len(expected),
                )
            )
            continue
        for row in rows:
            event = Event.objects.select_related("network").get(pk=pks_of_rows([row])[0])
            prefix = PREFIXES[lang]
            if not row.url.startswith(prefix + "/tapahtumat/"):
                wrong.append((step, "url language", lang, row.url))
            if row.start != event.start or row.end != event.end or row.title != event.title:
                wrong.append((step, "values", row.start, event.start))
            if row.start.utcoffset() is None:
                wrong.append((step, "naive start", row.start))
            if event.network_id:
                label, attr = expected_network_label(
                    networks.get(event.network_id, event.network), lang
                )
                if (row.network.name, str(row.network.lang)) != (label, attr):
                    wrong.append((step, "network label", lang, row.network, label, attr))
                if not row.network.url.startswith(prefix + "/verkostot/"):
                    wrong.append((step, "network url language", lang, row.network.url))
            else:
                assert row.network is None
    assert not wrong, wrong[:10]


# --- 2. Plans kept from earlier tests in this process -----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("run", [1, 2, 3])
def test_plans_kept_from_earlier_tests_read_this_tests_rows(run):
    """Module-level plans outlive each test's rolled back data (same pks reused, other
    rows): the second and third runs find plans the first compiled and must still answer
    from their own rows."""
    if run > 1:
        assert network_selectors._EVENTS._plans, "plans from the earlier run are kept"
    now = timezone.now()
    network = NetworkFactory(
        slug=f"ajo-{run}", name_fi=f"Ajo {run}", name_sv="" if run == 2 else f"Körning {run}"
    )
    for k in range(run * 3):
        start = now + timedelta(days=1 + k)
        EventFactory(
            network=network,
            title=f"Ajo {run} tapahtuma {k}",
            start=start,
            end=start + timedelta(hours=1),
        )
    for lang in ["sv", "fi", "en"] if run % 2 else ["en", "sv", "fi"]:
        with translation.override(lang):
            for listing in (EventList("upcoming"), EventList("upcoming", network)):
                rows = listing[0:50]
                assert [r.title for r in rows] == [
                    f"Ajo {run} tapahtuma {k}" for k in range(run * 3)
                ]
                assert listing.count() == run * 3
            groups = network_selectors.network_groups(with_themes=True)
            names = [card.name for group in groups for card in group.networks]
            own = {"fi": f"Ajo {run}", "sv": "" if run == 2 else f"Körning {run}", "en": ""}[lang]
            assert names == [own or f"Ajo {run}"]
        assert site_selectors.review_items() == []


# --- 3. Through HTTP: pages in a shuffled order ------------------------------------------------


def _page_expectations(url, spread):
    """(kind, network, page) of a URL of the walk."""
    network = None
    match = re.search(r"verkosto=([^&]+)", url)
    if match:
        network = Network.objects.filter(slug=match.group(1), active=True).first()
    page = int(re.search(r"page=(\d+)", url).group(1)) if "page=" in url else 1
    return network, page


@pytest.mark.django_db
def test_pages_show_the_orms_lists_whatever_was_fetched_before(client, spread):
    a, b = spread["a"], spread["b"]
    urls = []
    for prefix in PREFIXES.values():
        for slug in ("", a.slug, b.slug):
            query = f"verkosto={slug}&" if slug else ""
            urls += [f"{prefix}/tapahtumat/?{query}page={n}" for n in (1, 2)]
            urls += [f"{prefix}/tapahtumat/arkisto/?{query}page={n}" for n in (1, 2, 3)]
        urls += [f"{prefix}/verkostot/{a.slug}/", f"{prefix}/verkostot/{b.slug}/", f"{prefix}/"]
    rng = random.Random(7)
    walk = urls + rng.sample(urls, len(urls)) + list(reversed(urls))
    wrong = []
    for url in walk:
        response = client.get(url)
        if response.status_code == 404:
            # a page past the last: the ORM must agree there is no such page
            network, page = _page_expectations(url, spread)
            when = "past" if "arkisto" in url else "upcoming"
            size = 30 if "arkisto" in url else 50
            total = len(expected_pks(when, network and network.pk, timezone.now()))
            if page <= max(1, -(-total // size)):
                wrong.append((url, 404))
            continue
        html = unescape(response.content.decode())
        now = timezone.now()
        network, page = _page_expectations(url, spread)
        network_pk = network and network.pk
        if "/arkisto/" in url:
            expected = expected_pks("past", network_pk, now)[(page - 1) * 30 : page * 30]
            got = event_pks(html.split("<h1", 1)[1])
        elif "/tapahtumat/" in url:
            expected = expected_pks("upcoming", network_pk, now)[(page - 1) * 50 : page * 50]
            expected += expected_pks("past", network_pk, now)[:5]
            got = event_pks(section(html, "tulevat")) + event_pks(section(html, "menneet"))
        elif "/verkostot/" in url:
            slug = url.rstrip("/").rsplit("/", 1)[1]
            network_pk = Network.objects.get(slug=slug).pk
            expected = expected_pks("upcoming", network_pk, now)[:20]
            expected += expected_pks("past", network_pk, now)[:10]
            got = event_pks(section(html, "tulevat")) + event_pks(section(html, "menneet"))
        else:
            expected = expected_pks("upcoming", None, now)[:3]
            got = event_pks(html)
        if got != expected:
            wrong.append((url, "events", got[:4], expected[:4], len(got), len(expected)))
        if "/tapahtumat/" in url:
            selected = selected_options(html)
            want = [network.slug] if network else [""]
            if selected != want:
                wrong.append((url, "selected filter", selected, want))
        lang = next((code for code, p in PREFIXES.items() if p and url.startswith(p + "/")), "fi")
        if f'<html lang="{lang}"' not in html:
            wrong.append((url, "html lang"))
        # every network link in an event item is in the page's language, with its fallback mark
        items = "".join(re.findall(r'<li class="event-item">.*?</li>', html, flags=re.S))
        links = re.findall(
            r'<a href="((?:/sv|/en)?/verkostot/hyokkays-[ab]/)"( lang="fi")?>([^<]+)</a>', items
        )
        # and the network cards (front page), whose mark is on the heading
        links += [
            (href, attr, name)
            for attr, href, name in re.findall(
                r'card-title"( lang="fi")?>'
                r'<a href="((?:/sv|/en)?/verkostot/hyokkays-[ab]/)">([^<]+)</a>',
                html,
            )
        ]
        for href, attr, name in links:
            net = a if "hyokkays-a" in href else b
            label, mark = expected_network_label(net, lang)
            if not href.startswith(PREFIXES[lang] + "/verkostot/") or (name, attr) != (label, mark):
                wrong.append((url, "network link", href, name, attr, label, mark))
    assert not wrong, wrong[:10]


# --- 4. The clock moves between requests ---------------------------------------------------------


@pytest.mark.django_db
def test_events_move_to_the_past_as_the_clock_moves(client, spread, monkeypatch):
    a = spread["a"]
    soon = Event.objects.filter(network=a, end__gte=spread["now"]).order_by("start").first()
    clock = {"now": soon.end - timedelta(minutes=1)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    pages = [
        p + u
        for p in PREFIXES.values()
        for u in ("/tapahtumat/", f"/tapahtumat/?verkosto={a.slug}", f"/verkostot/{a.slug}/")
    ]
    for url in pages:
        html = get(client, url)
        assert soon.pk in event_pks(section(html, "tulevat")), url
        assert soon.pk not in event_pks(section(html, "menneet")), url
    assert soon.pk in event_pks(get(client, "/"))
    clock["now"] = soon.end + timedelta(seconds=1)
    for url in pages:
        html = get(client, url)
        assert soon.pk not in event_pks(section(html, "tulevat")), url
        assert soon.pk == event_pks(section(html, "menneet"))[0], url
    assert soon.pk in event_pks(get(client, "/tapahtumat/arkisto/"))
    assert soon.pk not in event_pks(get(client, "/"))
    clock["now"] = soon.end - timedelta(minutes=1)  # and back (a clock set right by NTP)
    for url in pages:
        assert soon.pk in event_pks(section(get(client, url), "tulevat")), url


@pytest.mark.django_db
def test_one_events_page_reads_its_two_lists_at_one_instant(client, spread, monkeypatch):
    """/tapahtumat/ reads "upcoming" and "past" at one instant, as the network page does: an
    event that ends between two clock reads would be listed as both upcoming and past on the
    same page. The real window was milliseconds; forced here with a clock that moves an hour
    between its reads."""
    a = spread["a"]
    base = spread["now"] + timedelta(days=30)
    start = base - timedelta(hours=1)
    event = EventFactory(
        network=a, title="Rajalla päättyvä", start=start, end=base + timedelta(minutes=30)
    )
    reads = iter([base, base + timedelta(hours=1)])

    class SteppingClock:
        def __getattr__(self, name):
            return getattr(timezone, name)

        def now(self):
            return next(reads, base + timedelta(hours=1))

    clock = SteppingClock()
    monkeypatch.setattr(network_selectors, "timezone", clock)
    monkeypatch.setattr(network_views, "timezone", clock, raising=False)
    html = get(client, "/tapahtumat/")
    in_upcoming = event.pk in event_pks(section(html, "tulevat"))
    in_past = event.pk in event_pks(section(html, "menneet"))
    assert not (in_upcoming and in_past), "listed both as upcoming and as past on one page"


# --- 5. Request input is bound, never spliced -------------------------------------------------

ODD_NETWORKS = [
    "x' OR '1'='1",
    "hyokkays-a' --",
    'hyokkays-a"; DROP TABLE networks_event; --',
    "hyokkays-suljettu",
    "HYOKKAYS-A",
    "hyokkays-a ",
    " hyokkays-a",
    "1",
    "%",
    "_",
    "hyokkays-%",
    "\\",
    "ä" * 300,
    "a" * 10000,
    "\u2063compiledsql-placeholder-0\u2063",
    "-111111111111",
    "𝕳yokkays-a",
    "\x00",
    "hyokkays-a\x00",
    "\x01\x7f\x1b",
    "%ff%fe",
]
ODD_PAGES = [
    "0",
    "-1",
    "1.0",
    "1e1",
    "٢",
    "1_0",
    " 2",
    "+2",
    "last",
    "",
    "99999999999999999999999",
    "-0",
    "2 OR 1=1",
    "\x00",
    "9" * 5000,
    "NaN",
    "inf",
    "0x2",
    "２",
]


@pytest.mark.django_db
def test_odd_filter_and_page_values_never_500_and_never_show_closed_events(spread):
    browser = Client(raise_request_exception=False)
    closed_pks = set(Event.objects.filter(network=spread["closed"]).values_list("pk", flat=True))
    before = (Network.objects.count(), Event.objects.count())
    wrong = []
    for path in (
        "/tapahtumat/",
        "/tapahtumat/arkisto/",
        "/sv/tapahtumat/",
        "/en/tapahtumat/arkisto/",
    ):
        cases = [{"verkosto": v} for v in ODD_NETWORKS]
        cases += [{"page": p} for p in ODD_PAGES]
        cases += [
            {"verkosto": v, "page": p}
            for v in ("hyokkays-a", "x' OR '1'='1")
            for p in ("2", "last", "1e1")
        ]
        for params in cases:
            try:
                response = browser.get(path, params)
            except Exception as error:  # noqa: BLE001 - what a person would see as a 500
                wrong.append((path, params, repr(error)[:120]))
                continue
            if response.status_code >= 500:
                wrong.append((path, {k: v[:40] for k, v in params.items()}, response.status_code))
                continue
            if response.status_code == 200:
                shown = set(event_pks(response.content.decode()))
                if shown & closed_pks:
                    wrong.append((path, params, "closed network's events shown"))
    # raw query strings the test client would encode for us
    for raw in (
        "verkosto=%00",
        "verkosto=%ff",
        "page=%ff",
        "verkosto=%C0%AF",
        "page=1&page=2",
        "verkosto=hyokkays-a&verkosto=hyokkays-suljettu",
        "verkosto[]=x",
        "page=%00",
        "verkosto=" + quote("x'||(SELECT 1)||'") + "&page=" + quote("1;SELECT 1"),
    ):
        for path in ("/tapahtumat/", "/tapahtumat/arkisto/"):
            response = browser.get(f"{path}?{raw}")
            if response.status_code >= 500:
                wrong.append((path, raw, response.status_code))
            elif (
                response.status_code == 200
                and set(event_pks(response.content.decode())) & closed_pks
            ):
                wrong.append((path, raw, "closed network's events shown"))
    for slug in ("hyokkays-a'--", "x%27%20OR%201=1", "%00", "a" * 3000, "hyokkays-suljettu"):
        response = browser.get(f"/verkostot/{slug}/")
        if response.status_code >= 500 or (
            slug == "hyokkays-suljettu" and response.status_code != 404
        ):
            wrong.append(("/verkostot/", slug[:40], response.status_code))
    assert (Network.objects.count(), Event.objects.count()) == before
    assert not wrong, wrong[:15]


@pytest.mark.django_db
def test_odd_values_sent_to_the_compiled_queries_directly_are_bound(spread):
    """The compiled event queries with values a person might smuggle in: strings for a pk,
    naive and far-away instants. Either the ORM's rows or the ORM's own error."""
    a = spread["a"]
    # a pk as text (as a URL kwarg arrives)
    assert pks_of_rows(EventList("upcoming", str(a.pk))[0:100]) == expected_pks(
        "upcoming", a.pk, timezone.now()
    )
    for value in ("1 OR 1=1", "1; DROP TABLE networks_event"):
        with pytest.raises((ValueError, TypeError)):
            EventList("upcoming", value)[0:5]
        with pytest.raises((ValueError, TypeError)):
            list(Event.objects.filter(network=value))
    from datetime import UTC, datetime

    for now in (
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(1111, 11, 11, 11, 11, 11, 111, tzinfo=UTC),
    ):
        for when in ("upcoming", "past"):
            listing = EventList(when, None, now=now)
            assert pks_of_rows(listing[0:500]) == expected_pks(when, None, now), (now, when)
            assert listing.count() == len(expected_pks(when, None, now))
    assert Event.objects.count() == len(spread["events"])


# --- 6. A closed network's events never show anywhere public ------------------------------------


def _editor_client():
    client = Client()
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    return client


PUBLIC_PAGES = [
    "/",
    "/verkostot/",
    "/tapahtumat/",
    "/tapahtumat/arkisto/",
    "/barometri/",
    "/vuosikatsaus/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("cache_on", [False, True], ids=["render", "page cache"])
def test_network_closed_by_an_editor_vanishes_with_its_events(
    client, demo_data, settings, cache_on
):
    if cache_on:
        settings.PAGE_CACHE_SECONDS = 300
        cache.clear()
    network = Network.objects.get(slug="matkailu")
    now = timezone.now()
    upcoming = EventFactory(
        network=network,
        title="Matkailun tuleva R-CQ",
        start=now + timedelta(days=1),
        end=now + timedelta(days=1, hours=2),
    )
    past = EventFactory(
        network=network,
        title="Matkailun mennyt R-CQ",
        start=now - timedelta(days=1),
        end=now - timedelta(days=1, hours=-2),
    )
    pages = [p + u for p in PREFIXES.values() for u in PUBLIC_PAGES]
    for url in pages:  # warm: plans compiled, fragments kept, pages cached
        get(client, url)
    assert upcoming.pk in event_pks(get(client, "/"))
    editor = _editor_client()
    url = f"/admin/networks/network/{network.pk}/change/"
    response = editor.post(url, admin_form_data(editor.get(url), active=""))
    assert response.status_code == 302, response.status_code
    assert not Network.objects.get(pk=network.pk).active
    # and the editor adds one more event to the closed network
    later = EventFactory(
        network=network,
        title="Suljetun verkoston uusi R-CQ",
        start=now + timedelta(hours=3),
        end=now + timedelta(hours=4),
    )
    wrong = []
    for url in (
        pages
        + [p + f"/tapahtumat/?verkosto={network.slug}" for p in PREFIXES.values()]
        + [p + f"/tapahtumat/arkisto/?verkosto={network.slug}" for p in PREFIXES.values()]
    ):
        response = client.get(url)
        if response.status_code not in (200, 400):
            wrong.append((url, response.status_code))
            continue
        html = unescape(response.content.decode())
        for event in (upcoming, past, later):
            if event.pk in event_pks(html) or event.title in html:
                wrong.append((url, event.title))
        if "/verkostot/matkailu/" in html:
            wrong.append((url, "link to the closed network"))
    for url in (
        "/verkostot/matkailu/",
        f"/tapahtumat/{later.pk}/",
        "/verkostot/matkailu/tapahtumat.ics",
    ):
        if client.get(url).status_code != 404:
            wrong.append((url, "not 404"))
    for feed in ("/tapahtumat.ics",):
        if later.title in client.get(feed).content.decode():
            wrong.append((feed, later.title))
    assert not wrong, wrong


@pytest.mark.django_db
def test_a_review_published_after_a_network_closed_shows_none_of_its_events(client, demo_data):
    """An editor closes a network, then publishes the year's review: the review stores only
    public events, so neither the closed network's events nor a link to its (404) page go
    public on /vuosikatsaus/<year>/ (found by the outside tester: the review read every
    event)."""
    review = AnnualReview.objects.get(year=2020)
    editor = _editor_client()
    changelist = "/admin/kumppanuus/annualreview/"
    response = editor.post(
        changelist, {"action": "unpublish", ACTION_CHECKBOX_NAME: [str(review.pk)]}
    )
    assert response.status_code == 302
    network = Network.objects.get(slug="matkailu")
    start = timezone.make_aware(timezone.datetime(2020, 6, 10, 10, 0))
    event = EventFactory(
        network=network,
        title="Matkailun kesäseminaari 2020 R-CQ",
        start=start,
        end=start + timedelta(hours=3),
    )
    url = f"/admin/networks/network/{network.pk}/change/"
    assert editor.post(url, admin_form_data(editor.get(url), active="")).status_code == 302
    response = editor.post(
        changelist,
        {"action": "publish", ACTION_CHECKBOX_NAME: [str(review.pk)], "confirm": "yes"},
    )
    assert response.status_code == 302
    assert AnnualReview.objects.get(pk=review.pk).state == AnnualReview.State.PUBLISHED
    wrong = []
    for prefix in PREFIXES.values():
        html = get(client, f"{prefix}/vuosikatsaus/2020/")
        if event.title in html or event.pk in event_pks(html):
            wrong.append((prefix or "fi", "event of the closed network"))
        if "/verkostot/matkailu/" in html:
            wrong.append((prefix or "fi", "link to the closed network's page"))
    assert client.get(f"/tapahtumat/{event.pk}/").status_code == 404
    assert not wrong, wrong


# --- 7. Editors' writes show at once (render path and page cache) -------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("cache_on", [False, True], ids=["render", "page cache"])
def test_editor_writes_show_at_once_on_compiled_pages(client, demo_data, settings, cache_on):
    if cache_on:
        settings.PAGE_CACHE_SECONDS = 300
        cache.clear()
    editor = _editor_client()
    pages = [
        p + u
        for p in PREFIXES.values()
        for u in ("/", "/verkostot/", "/vuosikatsaus/", "/barometri/")
    ]
    for url in pages:
        get(client, url)
    wrong = []

    # a network renamed, its Swedish name cleared: Swedish pages fall back to Finnish, marked
    network = Network.objects.get(slug="kulttuuri")
    url = f"/admin/networks/network/{network.pk}/change/"
    response = editor.post(
        url,
        admin_form_data(
            editor.get(url), name_fi="Kulttuurifoorumi R-CQ", name_sv="", name_en="Culture R-CQ"
        ),
    )
    assert response.status_code == 302
    for prefix, want in (
        ("", 'card-title"><a href="/verkostot/kulttuuri/">Kulttuurifoorumi R-CQ<'),
        ("/sv", 'card-title" lang="fi"><a href="/sv/verkostot/kulttuuri/">Kulttuurifoorumi R-CQ<'),
        ("/en", 'card-title"><a href="/en/verkostot/kulttuuri/">Culture R-CQ<'),
    ):
        html = get(client, f"{prefix}/verkostot/")
        if want not in html:
            wrong.append((prefix, "renamed network", want))
        if "Kulturforumet" in html:
            wrong.append((prefix, "old Swedish name"))

    # a theme linked to a network shows on the network list in every language
    theme = Theme.objects.create(name_fi="Teema R-CQ", name_sv="Tema R-CQ", slug="teema-r-cq")
    url = f"/admin/networks/network/{network.pk}/change/"
    form = editor.get(url)
    data = admin_form_data(form)
    themes = form.context["adminform"].form["themes"].value() or []
    data["themes"] = [str(t) for t in themes] + [str(theme.pk)]
    assert editor.post(url, data).status_code == 302
    for prefix, want in (("", "Teema R-CQ"), ("/sv", "Tema R-CQ"), ("/en", "Teema R-CQ")):
        if want not in get(client, f"{prefix}/verkostot/"):
            wrong.append((prefix, "linked theme", want))

    # an event added, renamed and deleted in the admin: the front page's upcoming list
    now = timezone.localtime()
    add = "/admin/networks/event/add/"
    data = admin_form_data(
        editor.get(add), title="Huomenna alkava R-CQ", network=str(network.pk), place="Turku"
    )
    start = now + timedelta(minutes=30)
    data.update(
        {
            "start_0": start.strftime("%d.%m.%Y"),
            "start_1": start.strftime("%H:%M"),
            "end_0": start.strftime("%d.%m.%Y"),
            "end_1": (start + timedelta(minutes=5)).strftime("%H:%M"),
        }
    )
    response = editor.post(add, data)
    event = Event.objects.filter(title="Huomenna alkava R-CQ").first()
    if event is None:
        pytest.fail(f"event not added: {response.status_code} {response.content[:300]}")
    for prefix in PREFIXES.values():
        if event.pk not in event_pks(get(client, f"{prefix}/")):
            wrong.append((prefix, "added event on the front page"))
    url = f"/admin/networks/event/{event.pk}/change/"
    assert (
        editor.post(url, admin_form_data(editor.get(url), title="Uusi nimi R-CQ")).status_code
        == 302
    )
    for prefix in PREFIXES.values():
        html = get(client, f"{prefix}/tapahtumat/")
        if "Uusi nimi R-CQ" not in html or "Huomenna alkava R-CQ" in html:
            wrong.append((prefix, "renamed event"))
    assert (
        editor.post(f"/admin/networks/event/{event.pk}/delete/", {"post": "yes"}).status_code == 302
    )
    for prefix in PREFIXES.values():
        for page in ("/", "/tapahtumat/"):
            if event.pk in event_pks(get(client, prefix + page)):
                wrong.append((prefix + page, "deleted event still listed"))

    # a review unpublished and published again: the review list and the front page's teaser
    review = AnnualReview.objects.get(year=2020)
    changelist = "/admin/kumppanuus/annualreview/"
    editor.post(changelist, {"action": "unpublish", ACTION_CHECKBOX_NAME: [str(review.pk)]})
    for prefix in PREFIXES.values():
        if f"{prefix}/vuosikatsaus/2020/" in get(client, f"{prefix}/vuosikatsaus/"):
            wrong.append((prefix, "unpublished review still listed"))
    editor.post(
        changelist, {"action": "publish", ACTION_CHECKBOX_NAME: [str(review.pk)], "confirm": "yes"}
    )
    for prefix in PREFIXES.values():
        if f"{prefix}/vuosikatsaus/2020/" not in get(client, f"{prefix}/vuosikatsaus/"):
            wrong.append((prefix, "republished review missing"))
    assert not wrong, wrong


# --- 8. Two threads render different languages and networks at once ---------------------------


@pytest.mark.django_db(transaction=True)
def test_two_threads_rendering_different_languages_and_networks_never_mix(spread):
    a, b = spread["a"], spread["b"]
    jobs = {
        "fi-a": ("", a),
        "sv-b": ("/sv", b),
        "en-a": ("/en", a),
        "sv-none": ("/sv", None),
    }

    def facts(html):
        return (
            re.search(r'<html lang="(\w+)"', html).group(1),
            tuple(event_pks(section(html, "tulevat"))),
            tuple(event_pks(section(html, "menneet"))),
            tuple(selected_options(html)),
            tuple(
                re.findall(
                    r'<a href="((?:/sv|/en)?/verkostot/[^"]+)"( lang="fi")?>([^<]+)</a>', html
                )
            ),
        )

    def url_of(prefix, network):
        return f"{prefix}/tapahtumat/" + (f"?verkosto={network.slug}" if network else "")

    reference = {}
    base = Client()
    for name, (prefix, network) in jobs.items():
        reference[name] = facts(get(base, url_of(prefix, network)))
        with translation.override((prefix or "/fi")[1:]):
            reference[name + "-direct"] = (
                [
                    tuple(c)
                    for g in network_selectors.network_groups(with_themes=True)
                    for c in g.networks
                ],
                pks_of_rows(EventList("past", network)[0:30]),
            )
    wrong = []
    names = list(jobs)
    start = threading.Barrier(len(names))

    def run(name):
        prefix, network = jobs[name]
        lang = (prefix or "/fi")[1:]
        browser = Client()
        start.wait(10)
        for _ in range(25):
            got = facts(get(browser, url_of(prefix, network)))
            if got != reference[name]:
                wrong.append((name, got[:4], reference[name][:4]))
            with (
                translation.override(lang),
                timezone.override("Asia/Tokyo" if lang == "sv" else "UTC"),
            ):
                direct = (
                    [
                        tuple(c)
                        for g in network_selectors.network_groups(with_themes=True)
                        for c in g.networks
                    ],
                    pks_of_rows(EventList("past", network)[0:30]),
                )
            if direct != reference[name + "-direct"]:
                wrong.append((name, "direct"))

    errors = run_at_once([lambda name=name: run(name) for name in names])
    assert not (wrong or errors), (wrong + errors)[:5]


# --- 9. Pagination of events that start at the same moment ------------------------------------


@pytest.mark.django_db
def test_archive_pages_together_list_every_event_once_when_starts_tie(client, db):
    """A conference day imported with its sessions in three slots: 150 past events of one network
    with one start. Walking the archive's pages must list each once: an ORDER BY on start
    alone left the order of ties, and so LIMIT/OFFSET's pages, to the database (on PostgreSQL
    some events were on two pages and others on none)."""
    network = NetworkFactory(slug="konferenssi", name_fi="Konferenssi")
    start = timezone.now().replace(microsecond=0) - timedelta(days=40)
    titles = set()
    rng = random.Random(3)
    for k in range(150):  # three session slots, created in a shuffled order
        at = start + timedelta(hours=rng.choice([0, 0, 0, 2, 4]))
        event = EventFactory(
            network=network,
            title=f"Sessio {k:03d}",
            start=at,
            end=at + timedelta(hours=1 + (k % 5)),
            place=f"Sali {k % 7}",
        )
        titles.add(event.pk)
    Event.objects.filter(pk__in=rng.sample(sorted(titles), 40)).update(place="Päivitetty")
    for query in ("", "verkosto=konferenssi&"):
        seen = []
        for page in (1, 2, 3, 4, 5):
            html = get(client, f"/tapahtumat/arkisto/?{query}page={page}")
            seen += event_pks(html.split("<h1", 1)[1])
        assert len(seen) == 150 and set(seen) == titles, (
            query,
            len(seen),
            len(set(seen)),
            sorted(titles - set(seen))[:5],
        )
    # and the direct reads agree with one another page by page
    listing = EventList("past", network)
    pages = [pks_of_rows(listing[i : i + 30]) for i in range(0, 150, 30)]
    assert sorted(sum(pages, [])) == sorted(titles)


# --- 10. A plan never freezes the connection it was compiled on --------------------------------


@pytest.mark.django_db(transaction=True)
def test_plans_compiled_on_a_connection_since_closed_still_read(spread):
    """Plans keep the compiler (and its converters) of the connection they were compiled on;
    that connection closed, a new one must read the same rows, with aware datetimes."""
    with translation.override("sv"), timezone.override("Asia/Tokyo"):
        first = EventList("upcoming", spread["a"])[0:10]
    connection.close()
    result = {}

    def other_thread():
        try:
            with translation.override("sv"), timezone.override("Asia/Tokyo"):
                result["rows"] = EventList("upcoming", spread["a"])[0:10]
        except Exception as error:  # noqa: BLE001
            result["error"] = repr(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(30)
    assert "error" not in result, result
    assert result["rows"] == first
    assert all(row.start.utcoffset() is not None for row in result["rows"])


# --- 11. Kept plans against plans compiled afresh, after each kind of editor write -------------


def _all_compiled_queries():
    import gc

    return [obj for obj in gc.get_objects() if type(obj) is compiledsql.CompiledQuery]


def _forget_every_plan():
    import fragments

    for query in _all_compiled_queries():
        with query._lock:
            query._plans.clear()
    fragments.forget_all()


def _normalised(html):
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return html


ORACLE_PAGES = [
    "/",
    "/verkostot/",
    "/verkostot/matkailu/",
    "/tapahtumat/",
    "/tapahtumat/?verkosto=matkailu",
    "/tapahtumat/arkisto/",
    "/tapahtumat/arkisto/?verkosto=kulttuuri",
    "/barometri/",
    "/vuosikatsaus/",
]


def _writes(editor):
    """Each kind of write an editor makes, as the admin makes it."""
    from barometer.models import Survey
    from programme.models import AssessmentRound

    def action(changelist, name, pk, **extra):
        response = editor.post(
            changelist, {"action": name, ACTION_CHECKBOX_NAME: [str(pk)], **extra}
        )
        assert response.status_code in (200, 302), (name, response.status_code)

    def change(url, **changes):
        response = editor.post(url, admin_form_data(editor.get(url), **changes))
        assert response.status_code == 302, (url, response.status_code)

    matkailu = Network.objects.get(slug="matkailu")
    surveys = Survey.objects.order_by("-year")
    published = [s for s in surveys if s.results_published]
    return [
        (
            "network renamed, Swedish name cleared",
            lambda: change(
                f"/admin/networks/network/{matkailu.pk}/change/",
                name_fi="Matkailu R-CQ",
                name_sv="",
            ),
        ),
        (
            "survey results unpublished",
            lambda: action("/admin/barometer/survey/", "unpublish_results", published[0].pk),
        ),
        (
            "survey results published again",
            lambda: action("/admin/barometer/survey/", "publish_results", published[0].pk),
        ),
        (
            "review unpublished",
            lambda: action(
                "/admin/kumppanuus/annualreview/",
                "unpublish",
                AnnualReview.objects.get(year=2020).pk,
            ),
        ),
        (
            "round closed",
            lambda: action(
                "/admin/programme/assessmentround/",
                "close_rounds",
                AssessmentRound.objects.order_by("-year").first().pk,
            ),
        ),
        (
            "review published",
            lambda: action(
                "/admin/kumppanuus/annualreview/",
                "publish",
                AnnualReview.objects.get(year=2021).pk,
                confirm="yes",
            ),
        ),
        (
            "network closed",
            lambda: change(
                f"/admin/networks/network/{Network.objects.get(slug='kulttuuri').pk}/change/",
                active="",
            ),
        ),
    ]


@pytest.mark.django_db
def test_kept_plans_read_what_plans_compiled_afresh_read_after_each_write(client, demo_data):
    editor = _editor_client()
    urls = [p + u for p in PREFIXES.values() for u in ORACLE_PAGES]
    for url in urls:
        client.get(url)
    wrong = []
    for name, write in _writes(editor):
        write()
        kept = {}
        for url in urls:
            response = client.get(url)
            kept[url] = (response.status_code, _normalised(response.content.decode()))
        _forget_every_plan()
        for url in urls:
            response = client.get(url)
            fresh = (response.status_code, _normalised(response.content.decode()))
            if fresh != kept[url]:
                wrong.append((name, url, kept[url][0], fresh[0]))
    from programme.models import AssessmentRound

    assert _all_compiled_queries(), "the compiled queries were found"
    # the writes took effect (the walk compared pages that changed)
    assert AnnualReview.objects.get(year=2021).state == AnnualReview.State.PUBLISHED
    assert AnnualReview.objects.get(year=2020).state != AnnualReview.State.PUBLISHED
    assert AssessmentRound.objects.order_by("-year").first().state == AssessmentRound.State.CLOSED
    assert not Network.objects.get(slug="kulttuuri").active
    assert not wrong, wrong[:10]
