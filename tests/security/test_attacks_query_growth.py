"""Outside attack on "every page makes a fixed number of SQL queries whatever the data size".

Every URL pattern the resolver knows (public pages, feeds, sitemaps, open data, the admin, each
with its /sv/ and /en/ variant) is filled with real values from the demo data, with the query
parameters its view declares (filters, years, last pages), and fetched by the people who use
it: an anonymous visitor for public pages; a superuser for every admin page, and the editor
(toimittaja) and the contact person (yhteyshenkilo) for the admin screens of their everyday
work. Each URL is counted (CaptureQueriesContext) with the demo data, then the data is grown
3x or more in every dimension the pages show (networks, events, contact persons, ideas, reviews with
highlights and sections, measures and statuses across rounds, survey respondents, search
content, history rows, users) and counted again. "The events page makes the same number of
queries with 12 and 177 events": a count that grows is a failure (one that shrinks is not).

The counting is done once per run (a module fixture, inside one rolled-back transaction: the
demo snapshot is restored, counted, grown, counted again); each pattern is then its own test,
so a new view is a new test and fails until FILL (public) or the admin rules below know it.
"""

import re
from collections import Counter
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone, translation

from tests import demo_snapshot
from tests.conftest import FAST_PASSWORD_HASHERS
from tests.security.test_random_input import all_url_patterns

# pytest-django creates the test database only for a run with database tests. One xdist
# worker takes the whole module (tests/conftest.py, ONE_WORKER_MODULES), so the costly
# measuring fixture runs once, not once per worker.
pytestmark = pytest.mark.django_db

LANGUAGES = ("", "sv/", "en/")
GROWTH = 3  # the grown dimension is about this many times the demo's


# --- the URL patterns, walked from the resolver ---------------------------------------------


ALL_PATTERNS = all_url_patterns()  # the resolver's, as the odd-input tests walk it


def split_language(template):
    for language in LANGUAGES[1:]:
        if template.startswith(language):
            return language, template[len(language) :]
    return "", template


# --- the data: what the demo has, and the same grown ----------------------------------------


class Facts:
    """Real values of the demo data, read once at the demo size; `last_*` are read at each size
    (the last page of a listing is another page number once the data grows)."""

    def __init__(self):
        from django.contrib.auth.models import Group, User

        from barometer.models import Response, Statement, Survey
        from feedback.models import Idea
        from kumppanuus.models import AnnualReview
        from networks.models import ContactPerson, Event, Network, Theme
        from programme.models import AssessmentRound, Measure, MeasureStatus, Programme

        self.network = Network.objects.get(slug="matkailu")
        self.event = Event.objects.filter(network=self.network).order_by("pk").first()
        self.past_event = Event.objects.past().filter(network__isnull=False).first()
        self.programme = Programme.objects.get()
        self.open_round = AssessmentRound.objects.open().get()
        self.closed_years = sorted(AssessmentRound.objects.closed().values_list("year", flat=True))
        self.measure = Measure.objects.filter(networks=self.network).order_by("order").first()
        self.priority = self.measure.priority
        self.status = MeasureStatus.objects.get(
            round=self.open_round, network=self.network, measure=self.measure
        )
        self.published_surveys = sorted(Survey.objects.published().values_list("year", flat=True))
        self.open_survey = Survey.objects.filter(state="open").get()
        self.survey = Survey.objects.get(year=self.published_surveys[-1])
        self.response = Response.objects.filter(survey=self.survey).order_by("pk").first()
        self.statement = Statement.objects.order_by("pk").first()
        self.review = AnnualReview.objects.published().order_by("-year").first()
        self.draft_review = AnnualReview.objects.filter(state="draft").first()
        self.review_years = sorted(AnnualReview.objects.published().values_list("year", flat=True))
        self.idea = Idea.objects.filter(forwarded_to=self.network).first() or Idea.objects.first()
        self.idea_years = sorted({idea.created.year for idea in Idea.objects.all()})
        self.contact = ContactPerson.objects.get(user__username="yhteyshenkilo")
        self.theme = Theme.objects.filter(networks=self.network).first() or Theme.objects.first()
        self.user = User.objects.get(username="yhteyshenkilo")
        self.group = Group.objects.get(user=self.user)
        self.search_words = search_words()

    def admin_object(self, label):
        """The object whose change, delete and history pages are counted, per admin model: the
        one most tied to what grows (Matkailufoorumi, its event, status, idea …)."""
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        objects = {
            "auth.group": self.group,
            "auth.user": self.user,
            "axes.accessattempt": AccessAttempt.objects.first(),
            "axes.accessfailurelog": AccessFailureLog.objects.first(),
            "axes.accesslog": AccessLog.objects.first(),
            "barometer.response": self.response,
            "barometer.statement": self.statement,
            "barometer.survey": self.survey,
            "feedback.idea": self.idea,
            "kumppanuus.annualreview": self.review,
            "networks.contactperson": self.contact,
            "networks.event": self.event,
            "networks.network": self.network,
            "networks.theme": self.theme,
            "programme.assessmentround": self.open_round,
            "programme.measure": self.measure,
            "programme.measurestatus": self.status,
            "programme.programme": self.programme,
        }
        return objects.get(label)


def search_words():
    """Per search kind, a word that finds demo content of that kind (it is written into the
    grown content of every kind too), and one word that finds as many kinds as any."""
    return {"all": "matkailu", "kind": "kumppanuus"}


def last_page(count, per_page):
    return max(1, -(-count // per_page))


def grow(n=GROWTH):
    """The demo, n times over where the pages show it. Written with bulk creates (the way the
    project's own generators write) and the services where a figure must be stored."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth.models import Group, User
    from django.contrib.contenttypes.models import ContentType
    from simple_history.utils import bulk_create_with_history

    from barometer.generate import large_survey_generate
    from barometer.models import Answer, Question, Response, Statement, Survey
    from feedback.models import Idea
    from kumppanuus.cache import invalidate_pages
    from kumppanuus.models import AnnualReview, Highlight, ReviewSection
    from networks.models import ContactPerson, Event, Network, Theme
    from programme.models import AssessmentRound, Measure, MeasureStatus, Priority, StatusLevel
    from programme.services import round_figures_store

    now = timezone.now()
    word = "matkailu kumppanuus"
    matkailu = Network.objects.get(slug="matkailu")
    groups = list(Group.objects.all())

    # People: users in the roles, contact persons of Matkailufoorumi and of new networks.
    users = User.objects.bulk_create(
        User(username=f"kasvu{i}", email=f"kasvu{i}@example.fi", is_staff=True)
        for i in range(10 * n)
    )
    User.groups.through.objects.bulk_create(
        User.groups.through(user=u, group=groups[i % len(groups)]) for i, u in enumerate(users)
    )
    # Networks: 13 → 13 + 10n, each with themes, a contact person and events.
    themes = list(Theme.objects.all())
    themes += Theme.objects.bulk_create(
        Theme(name=f"Kasvuteema {i}", slug=f"kasvuteema-{i}") for i in range(3 * n)
    )
    networks = Network.objects.bulk_create(
        Network(
            slug=f"kasvu-{i}",
            name=f"Kasvuverkosto {i} matkailu",
            short_description=word,
            description=f"{word} verkosto",
            order=200 + i,
        )
        for i in range(10 * n)
    )
    Network.themes.through.objects.bulk_create(
        Network.themes.through(network=network, theme=theme)
        for network in [*networks, matkailu]
        for theme in themes[:6]
        if not (network == matkailu and theme.networks.filter(pk=matkailu.pk).exists())
    )
    contacts = ContactPerson.objects.bulk_create(
        ContactPerson(
            name=f"Kasvu Yhteys {i}",
            title=f"{word} asiantuntija",
            email=f"kasvu.yhteys{i}@example.fi",
            user=users[i] if i < len(users) else None,
        )
        for i in range(10 * n)
    )
    ContactPerson.networks.through.objects.bulk_create(
        ContactPerson.networks.through(contactperson=c, network=network)
        for c, network in zip(contacts, networks, strict=True)
    )
    ContactPerson.networks.through.objects.bulk_create(
        ContactPerson.networks.through(contactperson=c, network=matkailu) for c in contacts
    )
    # Events: 11 → 11 + 55n: upcoming and past, of Matkailufoorumi, of new networks, forum-wide.
    events = []
    for i in range(15 * n):
        for network, days in ((matkailu, i + 1), (matkailu, -i - 2), (None, i + 3)):
            start = now + timedelta(days=days)
            events.append(
                Event(
                    title=f"Kasvutapahtuma {i} {word}",
                    network=network,
                    start=start,
                    end=start + timedelta(hours=2),
                    place="Turku",
                    description=word,
                )
            )
    for i, network in enumerate(networks):
        start = now + timedelta(days=i % 30 - 15)
        events.append(
            Event(title=f"Verkostotapahtuma {i}", network=network, start=start, end=start)
        )
        events[-1].place = "Salo"
    Event.objects.bulk_create(events)
    # Ideas: 12 → 12 + 15n, many forwarded to Matkailufoorumi, answered, over several years.
    ideas = Idea.objects.bulk_create(
        Idea(
            topic=Idea.Topic.choices[i % 3][0],
            message=f"Kasvuidea {i}: {word} kehittämisidea",
            name=f"Kasvu Lähettäjä {i}",
            state=Idea.State.choices[i % 4][0],
            forwarded_to=matkailu if i % 2 else networks[i % len(networks)],
            public_response=f"Vastaus {i}" if i % 3 == 0 else "",
            summary=f"Tiivistelmä {i}" if i % 3 == 0 else "",
        )
        for i in range(15 * n)
    )
    for i, idea in enumerate(ideas):
        Idea.objects.filter(pk=idea.pk).update(created=now - timedelta(days=200 * (i % 5)))
    # Programme: 29 measures → 29 + 20n, promoted by Matkailufoorumi and new networks; statuses
    # in the open round (with history) and in a new closed round 2018 (stored like closing).
    programme_round = AssessmentRound.objects.open().get()
    programme = programme_round.programme
    Priority.objects.bulk_create(
        Priority(programme=programme, code=f"K{i}", title=f"Kasvupainopiste {i} {word}", order=9)
        for i in range(3 * n)
    )
    priorities = list(Priority.objects.filter(programme=programme))
    levels = list(StatusLevel.objects.filter(programme=programme))
    measures = Measure.objects.bulk_create(
        Measure(
            programme=programme,
            priority=priorities[i % len(priorities)],
            code=f"K{i}",
            title=f"Kasvutoimenpide {i} {word}",
            description=word,
            order=100 + i,
        )
        for i in range(10 * n)
    )
    promoters = [matkailu, *networks[: 3 * n]]
    Measure.networks.through.objects.bulk_create(
        Measure.networks.through(measure=m, network=nw) for m in measures for nw in promoters
    )
    old_measures = list(
        Measure.objects.filter(programme=programme).exclude(pk__in=[m.pk for m in measures])
    )
    Measure.networks.through.objects.bulk_create(
        Measure.networks.through(measure=m, network=nw)
        for m in old_measures
        for nw in networks[: 3 * n]
    )
    statuses = [
        MeasureStatus(
            measure=m,
            network=nw,
            round=programme_round,
            level=levels[(m.pk + nw.pk) % len(levels)],
            note=f"{word} {m.pk}",
            updated_by=users[(m.pk + nw.pk) % len(users)],
        )
        for m in measures
        for nw in promoters
    ]
    bulk_create_with_history(statuses, MeasureStatus, batch_size=1000)
    # One more closed round, stored as closing stores it: 2022, after the open 2021, so the
    # public pages' default year is the grown round and the history has one more year (the
    # programme period is extended to hold it). Every link has a status in it.
    Programme = type(programme)
    Programme.objects.filter(pk=programme.pk).update(last_year=2022)
    links = list(
        Measure.networks.through.objects.filter(measure__programme=programme).values_list(
            "measure_id", "network_id"
        )
    )
    for year, pairs in ((2022, links),):  # more years: more rounds here
        closed = AssessmentRound.objects.create(programme=programme, year=year, state="open")
        bulk_create_with_history(
            [
                MeasureStatus(
                    measure_id=measure_id,
                    network_id=network_id,
                    round=closed,
                    level=levels[(measure_id * 7 + network_id + year) % len(levels)],
                    note=word,
                )
                for measure_id, network_id in pairs
            ],
            MeasureStatus,
            batch_size=1000,
        )
        closed.state = AssessmentRound.State.CLOSED
        closed.save(update_fields=["state"])
        round_figures_store(assessment_round=closed)
    # History rows of one status (the admin's history pages) and admin log rows.
    status = MeasureStatus.objects.filter(round=programme_round, network=matkailu).first()
    for i in range(10 * n):
        status.note = f"Muutos {i}"
        status._history_user = users[i % len(users)]
        status.save()
    Review = AnnualReview
    LogEntry.objects.bulk_create(
        LogEntry(
            user=users[i % len(users)],
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action_flag=CHANGE,
            change_message=f"Muutos {i}",
        )
        for obj in [
            matkailu,
            Event.objects.filter(network=matkailu).first(),
            Idea.objects.filter(forwarded_to=matkailu).first(),
            status,
            *Review.objects.all(),
            *ContactPerson.objects.filter(user__username="yhteyshenkilo"),
        ]
        for i in range(10 * n)
    )
    # Reviews: 3 → 3 + 3n published, each with sections, highlights and contacts; the latest
    # published review gets 10n more highlights and sections and more contacts.
    latest = Review.objects.published().order_by("-year").first()
    reviews = []
    for i in range(3 * n):
        review = Review.objects.create(
            year=1990 + i, title=f"Kasvukatsaus {i} {word}", lead=f"{word} ingressi"
        )
        reviews.append(review)
    for review in [*reviews, latest]:
        many = 10 * n if review == latest else 3
        bulk_create_with_history(
            [
                Highlight(
                    review=review,
                    order=50 + j,
                    category=Highlight.Category.choices[j % len(Highlight.Category.choices)][0],
                    title=f"Kasvunosto {j} {word}",
                    description=word,
                    network=networks[j % len(networks)] if j % 3 else matkailu,
                )
                for j in range(many)
            ],
            Highlight,
        )
        bulk_create_with_history(
            [
                ReviewSection(review=review, order=50 + j, heading=f"Osio {j} {word}", body=word)
                for j in range(many)
            ],
            ReviewSection,
        )
        review.contacts.add(*contacts[: 2 * n])
    Review.objects.filter(pk__in=[r.pk for r in reviews]).update(
        state=Review.State.PUBLISHED, published_at=now, figures={}
    )
    # Survey respondents: a new published survey of 300n respondents (120-160 a survey in the
    # demo), and respondents to the open survey through the rows a web answer writes.
    large_survey_generate(responses=300 * n, year=2023)
    Statement.objects.filter(key__startswith="testi-").update(text_fi=f"Väittämä {word}")
    open_survey = Survey.objects.get(state="open")
    questions = list(Question.objects.filter(survey=open_survey))
    responses = Response.objects.bulk_create(
        Response(survey=open_survey, organisation_type="kunta") for _ in range(50 * n)
    )
    Answer.objects.bulk_create(
        Answer(response=r, question=q, value=3) for r in responses for q in questions
    )
    # Login records (the axes admin).
    grow_axes(10 * n, "kasvu-")
    invalidate_pages()  # bulk writes send no signals


def grow_axes(count, prefix):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    common = {
        "user_agent": "kasvu",
        "attempt_time": timezone.now(),
        "http_accept": "*/*",
        "path_info": "/admin/login/",
    }
    AccessAttempt.objects.bulk_create(
        AccessAttempt(
            username=f"{prefix}hyokkaaja{i}",
            ip_address=f"10.0.{i // 250}.{i % 250 + 1}",
            failures_since_start=1,
            get_data="",
            post_data="",
            **common,
        )
        for i in range(count)
    )
    AccessLog.objects.bulk_create(
        AccessLog(username=f"{prefix}kirjautuja{i}", ip_address="10.1.0.1", **common)
        for i in range(count)
    )
    AccessFailureLog.objects.bulk_create(
        AccessFailureLog(
            username=f"{prefix}epaonni{i}", ip_address="10.2.0.1", locked_out=bool(i % 2), **common
        )
        for i in range(count)
    )


SEARCH_WORD = "matkailu"  # written into the grown content of every kind


def seed():
    """The demo made non-empty wherever a grown page shows rows, so the comparison is rows vs
    more rows, not none vs some: every search kind finds SEARCH_WORD in every language (one
    row of a kind that lacks it gets the word), Matkailufoorumi has an upcoming event, and the
    objects whose admin history is counted have one admin log entry."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType
    from modeltranslation.translator import NotRegistered, translator

    from kumppanuus import search
    from networks.models import ContactPerson, Event, Network

    for source in search.SOURCES:
        row = source.queryset().order_by("pk").first()
        model, field = type(row), source.fields[0]
        try:
            translated = field in translator.get_options_for_model(model).fields
        except NotRegistered:
            translated = False
        columns = (
            [f"{field}_{code}" for code, _name in settings.LANGUAGES] if translated else [field]
        )
        model.objects.filter(pk=row.pk).update(
            **{column: f"{getattr(row, field)} {SEARCH_WORD}" for column in columns}
        )
    matkailu = Network.objects.get(slug="matkailu")
    start = timezone.now() + timedelta(days=3)
    Event.objects.create(
        title="Siemen", network=matkailu, start=start, end=start + timedelta(hours=1), place="Turku"
    )
    user = get_user_model().objects.get(username="toimittaja")
    for obj in [
        matkailu,
        Event.objects.filter(network=matkailu).order_by("pk").first(),
        ContactPerson.objects.get(user__username="yhteyshenkilo"),
    ]:
        LogEntry.objects.create(
            user=user,
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action_flag=CHANGE,
            change_message="Siemen",
        )


# --- filling the patterns -------------------------------------------------------------------


def q(path, **params):
    return f"{path}?{urlencode(params)}" if params else path


def _event_list(path, when, per_page):
    """An event list's fill: all, one network's, and the last page of each (`when`: the
    public events' queryset method, upcoming or past, that the list shows)."""

    def last(network=None):
        from networks.models import Event

        events = Event.objects.public()
        events = events.filter(network=network) if network else events
        return last_page(getattr(events, when)().count(), per_page)

    def fill(f):
        slug = f.network.slug
        return [
            path,
            q(path, verkosto=slug),
            q(path, page=last()),
            q(path, verkosto=slug, page=last(f.network)),
        ]

    return fill


def _matrix(f):
    from programme.models import AssessmentRound
    from programme.selectors import (
        MATRIX_MEASURES_PER_PAGE,
        MATRIX_NETWORKS_PER_PAGE,
        round_links,
        round_measures,
    )

    latest = AssessmentRound.objects.latest_closed()
    measures = round_measures(latest).count()
    networks = round_links(latest).values("network_id").distinct().count()
    last_rows = last_page(measures, MATRIX_MEASURES_PER_PAGE)
    last_columns = last_page(networks, MATRIX_NETWORKS_PER_PAGE)
    return [
        "ohjelma/matriisi/",
        *(q("ohjelma/matriisi/", vuosi=year) for year in f.closed_years),
        q("ohjelma/matriisi/", painopiste=f.priority.code),
        q("ohjelma/matriisi/", verkosto=f.network.slug),
        q("ohjelma/matriisi/", taso=1),
        q("ohjelma/matriisi/", page=last_rows, sarakkeet=last_columns),
        q("ohjelma/matriisi/", vuosi=f.closed_years[-1], verkosto=f.network.slug, taso=2),
    ]


def _search(f):
    from kumppanuus import search

    urls = ["haku/", q("haku/", q=SEARCH_WORD)]
    for source in search.SOURCES:  # the last page of each kind (the first, in the demo)
        hits = search.matches(source, SEARCH_WORD).count()
        urls.append(q("haku/", q=SEARCH_WORD, tyyppi=source.key, page=last_page(hits, 20)))
    return urls


def _review_detail(f):
    return [f"vuosikatsaus/{year}/" for year in f.review_years]


def _sitemap(f):
    return ["sitemap.xml", q("sitemap.xml", p=1)]


# Public patterns (without the language prefix) → the paths counted. Query parameters are
# those the view declares (cache_query_parameters); test_every_declared_parameter_is_counted
# fails when a view declares one these never send.
FILL = {
    "": lambda f: [""],
    "healthz": lambda f: ["healthz"],
    "favicon.ico": lambda f: ["favicon.ico"],
    "robots.txt": lambda f: ["robots.txt"],
    "sitemap.xml": _sitemap,
    # set_language is a POST view; a GET is answered with a redirect, counted as such.
    "i18n/setlang/": lambda f: ["i18n/setlang/"],
    "manifest.webmanifest": lambda f: ["manifest.webmanifest"],
    "saavutettavuusseloste/": lambda f: ["saavutettavuusseloste/"],
    "avoin-data/": lambda f: ["avoin-data/"],
    "avoin-data/barometri-excel.csv": lambda f: ["avoin-data/barometri-excel.csv"],
    "avoin-data/barometri.csv": lambda f: ["avoin-data/barometri.csv"],
    "avoin-data/barometri.json": lambda f: ["avoin-data/barometri.json"],
    "avoin-data/toimenpiteiden-tilat-excel.csv": lambda f: [
        "avoin-data/toimenpiteiden-tilat-excel.csv"
    ],
    "avoin-data/toimenpiteiden-tilat.csv": lambda f: ["avoin-data/toimenpiteiden-tilat.csv"],
    "avoin-data/toimenpiteiden-tilat.json": lambda f: ["avoin-data/toimenpiteiden-tilat.json"],
    "barometri/": lambda f: [
        "barometri/",
        *(q("barometri/", vuosi=year) for year in f.published_surveys[-2:]),
    ],
    "barometri/<int:year>/": lambda f: [f"barometri/{year}/" for year in f.published_surveys[-2:]],
    "barometri/<int:year>/vastaa/": lambda f: [f"barometri/{f.open_survey.year}/vastaa/"],
    "barometri/<int:year>/kiitos/": lambda f: [f"barometri/{f.open_survey.year}/kiitos/"],
    "kehittamisideat/": lambda f: ["kehittamisideat/"],
    "kehittamisideat/kiitos/": lambda f: ["kehittamisideat/kiitos/"],
    "kehittamisideat/koonti/": lambda f: [
        "kehittamisideat/koonti/",
        *(q("kehittamisideat/koonti/", vuosi=year) for year in f.idea_years),
    ],
    "ohjelma/": lambda f: [
        "ohjelma/",
        *(q("ohjelma/", vuosi=year) for year in f.closed_years),
    ],
    "ohjelma/matriisi/": _matrix,
    "ohjelma/toimenpiteet/<str:code>/": lambda f: [
        f"ohjelma/toimenpiteet/{f.measure.code}/",
        q(f"ohjelma/toimenpiteet/{f.measure.code}/", ohjelma=f.programme.slug),
        *(q(f"ohjelma/toimenpiteet/{f.measure.code}/", vuosi=y) for y in f.closed_years),
    ],
    "haku/": _search,
    "tapahtumat.ics": lambda f: ["tapahtumat.ics"],
    "tapahtumat/": _event_list("tapahtumat/", "upcoming", 50),
    "tapahtumat/arkisto/": _event_list("tapahtumat/arkisto/", "past", 30),
    "tapahtumat/<int:pk>/": lambda f: [
        f"tapahtumat/{f.event.pk}/",
        f"tapahtumat/{f.past_event.pk}/",
    ],
    "tapahtumat/<int:pk>/tapahtuma.ics": lambda f: [f"tapahtumat/{f.event.pk}/tapahtuma.ics"],
    "tietosuoja/": lambda f: ["tietosuoja/"],
    "verkostot/": lambda f: ["verkostot/"],
    "verkostot/<slug:slug>/": lambda f: [f"verkostot/{f.network.slug}/"],
    "verkostot/<slug:slug>/tapahtumat.ics": lambda f: [
        f"verkostot/{f.network.slug}/tapahtumat.ics"
    ],
    "vuosikatsaus/": lambda f: ["vuosikatsaus/"],
    "vuosikatsaus/syote.xml": lambda f: ["vuosikatsaus/syote.xml"],
    "vuosikatsaus/<int:year>/": _review_detail,
}

ADMIN = settings.ADMIN_URL
ADMIN_ROOT = "/" + ADMIN
# The admin screens of a contact person's and an editor's everyday work; every admin page is
# also counted as a superuser.
EVERYDAY_MODELS = {
    "feedback.idea",
    "kumppanuus.annualreview",
    "networks.contactperson",
    "networks.event",
    "networks.network",
    "programme.measurestatus",
    "barometer.response",
    "barometer.survey",
}
MODEL_PAGE = re.compile(rf"^{ADMIN}(\w+)/(\w+)/(.*)$")


def _history_id(obj):
    history = getattr(obj, "history", None)
    return history.order_by("history_id").first().history_id if history is not None else None


def _autocomplete_urls():
    """One autocomplete request per autocomplete field the admin has (models and inlines)."""
    from django.contrib import admin

    urls = []
    for model, model_admin in admin.site._registry.items():
        for owner in [model_admin, *(inline(model, admin.site) for inline in model_admin.inlines)]:
            for field in owner.autocomplete_fields:
                meta = owner.model._meta
                urls.append(
                    q(
                        f"{ADMIN}autocomplete/",
                        app_label=meta.app_label,
                        model_name=meta.model_name,
                        field_name=field,
                        term="",
                    )
                )
    return sorted(set(urls))


def admin_fill(f, bare):
    """(paths, who): the paths of an admin pattern and the visitors counted on them."""
    from django.contrib.admin.models import LogEntry  # noqa: F401  (admin app is loaded)
    from django.contrib.auth.tokens import default_token_generator
    from django.contrib.contenttypes.models import ContentType
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    everyone = ("superuser", "editor", "contact")
    rest = bare[len(ADMIN) :]
    simple = {
        "": ([ADMIN], everyone),
        "(?P<url>.*)$": ([f"{ADMIN}olematon/"], ("superuser",)),
        "jsi18n/": ([f"{ADMIN}jsi18n/"], ("superuser",)),
        "login/": ([f"{ADMIN}login/"], ("anonymous",)),
        "logout/": ([f"{ADMIN}logout/"], ("superuser",)),  # POST view: a GET is a 405
        "password_change/": ([f"{ADMIN}password_change/"], everyone),
        "password_change/done/": ([f"{ADMIN}password_change/done/"], everyone),
        "kaksivaihe/": ([f"{ADMIN}kaksivaihe/"], everyone),
        "kaksivaihe/kayttoonotto/": ([f"{ADMIN}kaksivaihe/kayttoonotto/"], everyone),
        "salasana/": ([f"{ADMIN}salasana/"], ("anonymous",)),
        "salasana/lahetetty/": ([f"{ADMIN}salasana/lahetetty/"], ("anonymous",)),
        "salasana/valmis/": ([f"{ADMIN}salasana/valmis/"], ("anonymous",)),
        "salasana/<uidb64>/<token>/": (
            [
                f"{ADMIN}salasana/{urlsafe_base64_encode(force_bytes(f.user.pk))}/"
                f"{default_token_generator.make_token(f.user)}/"
            ],
            ("anonymous",),
        ),
        "autocomplete/": (_autocomplete_urls(), ("superuser", "editor")),
        "r/<path:content_type_id>/<path:object_id>/": (
            [f"{ADMIN}r/{ContentType.objects.get_for_model(f.network).pk}/{f.network.pk}/"],
            ("superuser",),
        ),
    }
    if rest in simple:
        return simple[rest]
    app_index = re.fullmatch(r"\^\(\?P<app_label>([\w|]+)\)/\$", rest)
    if app_index:
        return [f"{ADMIN}{label}/" for label in app_index.group(1).split("|")], ("superuser",)
    match = MODEL_PAGE.match(bare)
    if not match:
        return None
    app, model, tail = match.groups()
    label = f"{app}.{model}"
    base = f"{ADMIN}{app}/{model}/"
    who = everyone if label in EVERYDAY_MODELS else ("superuser",)
    obj = f.admin_object(label)
    if tail == "":
        extras = changelist_extras(label, base) if label in EVERYDAY_MODELS else []
        return [base, *extras], who
    if tail in ("add/", "<path:object_id>/", "<path:object_id>/delete/"):
        who = who[:1]  # the superuser; the others' everyday pages are the list, form, history
    if obj is None:
        return None
    object_pages = {
        "<path:object_id>/": f"{base}{obj.pk}/",
        "<path:object_id>/change/": f"{base}{obj.pk}/change/",
        "<path:object_id>/delete/": f"{base}{obj.pk}/delete/",
        "<path:object_id>/history/": f"{base}{obj.pk}/history/",
        "^([^/]+)/history/([^/]+)/$": f"{base}{obj.pk}/history/{_history_id(obj)}/",
        "<id>/password/": f"{base}{obj.pk}/password/",
        "arvioi/": f"{base}arvioi/",
        "arvioi/<int:round_id>/<slug:network_slug>/": (
            f"{base}arvioi/{f.open_round.pk}/{f.network.slug}/"
        ),
        "<int:survey_id>/tuo/": f"{base}{f.open_survey.pk}/tuo/",
        "<int:survey_id>/tuo/pohja.csv": f"{base}{f.open_survey.pk}/tuo/pohja.csv",
    }
    if tail == "add/":
        return [f"{base}add/"], who
    if tail not in object_pages:
        return None
    return [object_pages[tail]], who


def changelist_extras(label, base):
    """A changelist's last page, its search and, per list filter, one of its choices (read from
    the admin's own filter specs, so a new filter is counted too)."""
    from django.apps import apps
    from django.contrib import admin

    model = apps.get_model(label)
    model_admin = admin.site._registry[model]
    extras = [q(base, p=last_page(model.objects.count(), model_admin.list_per_page))]
    if model_admin.search_fields:
        extras.append(q(base, q=SEARCH_WORD))
    return extras


def everyday(path):
    """A Finnish changelist of an everyday model (its filters are counted too)."""
    match = MODEL_PAGE.match(path[1:])
    return bool(match) and f"{match[1]}.{match[2]}" in EVERYDAY_MODELS and match[3] == ""


def filter_urls(response, base):
    """Per list filter of a changelist, its last choice's link (from the admin's own specs)."""
    context = response.context
    changelist = context.get("cl") if context is not None else None
    if changelist is None:
        return []
    urls = []
    for spec in changelist.filter_specs[:3]:  # the first three: time
        choices = [c["query_string"] for c in spec.choices(changelist)]
        chosen = [c for c in choices if c not in ("?", "")]
        if chosen:
            urls.append(base + chosen[-1])
    return urls


# --- counting -------------------------------------------------------------------------------


def fill(facts, template):
    """(language, [(who, path)]) for a pattern, or None when no rule knows it."""
    language, bare = split_language(template)
    if bare.startswith(ADMIN):
        filled = admin_fill(facts, bare)
        if filled is None:
            return None
        paths, who = filled
        if language:
            # The /sv/ and /en/ admin is the same code with other labels: counted once per
            # page as the contact person (their everyday screens in full; a 403 elsewhere,
            # which must not grow either). The Finnish admin is counted for everyone.
            paths, who = paths[:1], ("anonymous",) if who == ("anonymous",) else ("contact",)
        # A changelist's last page and search are the superuser's (the others see fewer rows).
        return [
            (w, "/" + language + p)
            for p in paths
            for w in who
            if w == "superuser" or not re.search(r"[?&][pq]=", p)
        ]
    if bare not in FILL:
        return None
    paths = FILL[bare](facts)
    if language:
        # /sv/ and /en/ are the same views with other labels and translated fields: counted
        # with their first path, and the search over all kinds (whose matching runs on each
        # language's columns); Finnish counts every filter and last page.
        paths = paths[:2] if bare == "haku/" else paths[:1]
    return [("anonymous", "/" + language + p) for p in paths]


def warm_up(visitors):
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_models(*apps.get_models(include_auto_created=True))
    for visitor in visitors.values():
        for language in LANGUAGES:
            if visitor is None:
                continue
            visitor.get(f"/{language}")
            visitor.get(f"/{language}{ADMIN}")


def clients():
    from django.contrib.auth.models import User

    superuser = User.objects.create_superuser("kasvu-paakayttaja", "p@example.fi", "x-salasana-1")
    visitors = {"anonymous": None}
    for name, user in (
        ("superuser", superuser),
        ("editor", User.objects.get(username="toimittaja")),
        ("contact", User.objects.get(username="yhteyshenkilo")),
    ):
        visitors[name] = Client(raise_request_exception=False)
        visitors[name].force_login(user)
    return visitors


def count(visitor, path):
    if visitor is None:
        visitor = Client(raise_request_exception=False)  # a first-time visitor: no cookies
    caches["ratelimit"].clear()
    connection.queries_log.clear()  # CaptureQueriesContext's indexes break once it is full
    with CaptureQueriesContext(connection) as context:
        response = visitor.get(path)
    return response, [query["sql"] for query in context.captured_queries]


SHAPE_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
SHAPE_LISTS = re.compile(r"\((?:\s*(?:\?|%s)\s*,)+\s*(?:\?|%s)\s*\)")


def shape(sql):
    """A query's SQL with its values taken out: the queries a loop repeats share a shape."""
    text = SHAPE_LITERALS.sub("?", sql)
    text = SHAPE_LISTS.sub("(…)", text)
    text = re.sub(r"^SELECT (DISTINCT )?.*? FROM ", r"SELECT \1… FROM ", text, flags=re.S)
    return re.sub(r"\s+", " ", text)[:300]


def grown_shapes(small, grown):
    more = Counter(map(shape, grown))
    more.subtract(Counter(map(shape, small)))
    return [(n, text) for text, n in more.most_common() if n > 0]


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker, _demo_tables):
    """{pattern: [(who, path, (status, sqls) at the demo size, (status, sqls) grown)]}, or
    None for a pattern no rule fills."""
    results = {}
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=FAST_PASSWORD_HASHERS,
            PAGE_CACHE_SECONDS=0,
            PAGE_CACHE_VERSION_SECONDS=0,
            AUTHENTICATION_BACKENDS=["django.contrib.auth.backends.ModelBackend"],
            TWO_FACTOR_REQUIRED=False,
            STORAGES={
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            },
        ),
        translation.override(settings.LANGUAGE_CODE),
        transaction.atomic(),
    ):
        demo_snapshot.restore(_demo_tables)
        grow_axes(1, "")  # one login record of each kind, so their admin pages have an object
        seed()
        visitors = clients()
        facts = Facts()
        small = {}
        # What a process reads once and keeps (content types, the content version) is read
        # before counting, so it is not counted against the demo size.
        warm_up(visitors)
        for template in ALL_PATTERNS:
            cases = fill(facts, template)
            if cases is None:
                results[template] = None
                continue
            small[template] = []
            for index, (who, path) in enumerate(cases):
                response, sqls = count(visitors[who], path)
                small[template].append((index, who, path, response.status_code, sqls))
                if (
                    who == "superuser"
                    and response.status_code == 200
                    and path.startswith(ADMIN_ROOT)
                ):
                    for extra in filter_urls(response, path.split("?")[0]):
                        extra_response, extra_sqls = count(visitors[who], extra)
                        small[template].append(
                            (None, who, extra, extra_response.status_code, extra_sqls)
                        )
        grow()
        for template, rows in small.items():
            # The same cases in the same order; a last page is another number once grown.
            again = fill(facts, template)
            results[template] = []
            for index, who, path, status, sqls in rows:
                grown_path = path if index is None else again[index][1]
                response, grown_sqls = count(visitors[who], grown_path)
                results[template].append(
                    (who, path, grown_path, status, sqls, response.status_code, grown_sqls)
                )
        transaction.set_rollback(True)
    return results


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("template", ALL_PATTERNS)
def test_page_makes_the_same_number_of_queries_when_the_data_grows(measured, template):
    rows = measured[template]
    assert rows is not None, (
        f"no rule fills the URL pattern {template!r}: a new view must be added to FILL (public) "
        "or to admin_fill (admin) so its query count is checked"
    )
    assert rows, template
    problems = []
    for who, path, grown_path, status, sqls, grown_status, grown_sqls in rows:
        assert status < 500 and grown_status < 500, (who, path, status, grown_status)
        assert status == grown_status, (who, path, grown_path, status, grown_status)
        if len(grown_sqls) > len(sqls):
            more = grown_shapes(sqls, grown_sqls)
            problems.append(
                f"{who} GET {path} → {grown_path}: {len(sqls)} → {len(grown_sqls)} queries; "
                f"repeated: {more[:2]}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("template", sorted(FILL))
def test_every_declared_parameter_is_counted(measured, template):
    """A view's filters and pages (the query parameters it declares) are all among the counted
    URLs: a new filter is counted, or this fails."""
    from kumppanuus.cache import query_parameters

    rows = measured[template]
    path = rows[0][1].split("?")[0]
    declared = set(query_parameters(type("Request", (), {"path_info": path})()) or ())
    sent = {name for row in rows for name in re.findall(r"[?&](\w+)=", row[1])}
    assert declared <= sent, (template, sorted(declared - sent))
