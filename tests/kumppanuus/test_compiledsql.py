"""Queries compiled once per process (compiledsql.py): the rows are the ORM's rows for every
value sent, a value is bound and never spliced into the SQL, and a query whose SQL could
freeze a request's value (the clock read while building, a transformed value) is refused at
its first call rather than served stale."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone, translation

import compiledsql
import fragments
from networks.models import Event, Network
from networks.selectors import EventList
from tests.factories import EventFactory, NetworkFactory

pytestmark = pytest.mark.django_db

END = Event._meta.get_field("end")
NETWORK = Event._meta.get_field("network")
SLUG = Network._meta.get_field("slug")
COLUMNS = ("pk", "title", "start", "end", "online", "network__slug")


def events_ending_after(start, stop, *, now, network):
    events = Event.objects.filter(end__gte=now, network=network).order_by("start", "pk")
    return events[start:stop].values_list(*COLUMNS)


ENDING_AFTER = compiledsql.CompiledQuery(events_ending_after, now=END, network=NETWORK)


@pytest.fixture
def week_of_events():
    network, other = NetworkFactory(), NetworkFactory()
    monday = timezone.now().replace(microsecond=0) + timedelta(days=30)
    for day in range(7):
        start = monday + timedelta(days=day)
        EventFactory(network=network, start=start, end=start + timedelta(hours=3))
        EventFactory(network=other, start=start, end=start + timedelta(hours=3), online=True)
    return monday, network, other


def test_rows_are_the_orms_rows_for_every_value_sent(week_of_events, django_assert_num_queries):
    monday, network, other = week_of_events
    for days in (-1, 0, 2, 6, 8):
        now = monday + timedelta(days=days, hours=1)
        for owner in (network, other):
            expected = list(events_ending_after(0, 5, now=now, network=owner.pk))
            with django_assert_num_queries(1):
                rows = ENDING_AFTER.rows(0, 5, now=now, network=owner.pk)
            assert rows == expected, (days, owner)
    assert len(ENDING_AFTER.rows(0, 5, now=monday, network=network.pk)) == 5
    assert ENDING_AFTER.rows(0, 5, now=monday + timedelta(days=8), network=network.pk) == []


def test_rows_are_converted_as_the_orm_converts_them(week_of_events):
    monday, _, other = week_of_events
    ((pk, title, start, end, online, slug), *_) = ENDING_AFTER.rows(
        0, 1, now=monday, network=other.pk
    )
    assert start == monday and timezone.is_aware(start)
    assert online is True and slug == other.slug


def test_a_value_is_bound_never_spliced(db):
    NetworkFactory(slug="matkailu")
    by_slug = compiledsql.CompiledQuery(
        lambda *, slug: Network.objects.filter(slug=slug).values_list("slug"), slug=SLUG
    )
    assert by_slug.rows(slug="matkailu") == [("matkailu",)]
    assert by_slug.rows(slug="x' OR '1'='1") == []
    assert Network.objects.filter(slug="matkailu").exists()


def test_a_build_that_reads_the_clock_is_refused(db):
    def reads_the_clock(*, network):
        events = Event.objects.filter(end__gte=timezone.now(), network=network)
        return events.values_list("pk")

    with pytest.raises(ImproperlyConfigured, match="the clock"):
        compiledsql.CompiledQuery(reads_the_clock, network=NETWORK).rows(network=1)


def test_a_value_the_lookup_transforms_is_refused(db):
    def in_the_year_of(*, now):
        return Event.objects.filter(end__year=now.year).values_list("pk")

    with pytest.raises(ImproperlyConfigured):
        compiledsql.CompiledQuery(in_the_year_of, now=END).rows(now=timezone.now())


def test_each_language_keeps_its_own_sql(db):
    NetworkFactory(slug="avoin-tieto", name_fi="Avoimen tiedon verkosto", name_sv="Öppen data")
    names = compiledsql.CompiledQuery(
        lambda *, slug: Network.objects.filter(slug=slug).values_list(
            *fragments.TranslatedFields("name").columns
        ),
        slug=SLUG,
    )
    assert names.rows(slug="avoin-tieto") == [("Avoimen tiedon verkosto",)]
    with translation.override("sv"):
        assert names.rows(slug="avoin-tieto") == [("Öppen data", "Avoimen tiedon verkosto")]
    assert names.rows(slug="avoin-tieto") == [("Avoimen tiedon verkosto",)]


def test_a_shape_that_matches_nothing_asks_nothing(db, django_assert_num_queries):
    nothing = compiledsql.CompiledQuery(
        lambda *, slug: Network.objects.filter(slug=slug, pk__in=[]).values_list("pk"),
        slug=SLUG,
    )
    with django_assert_num_queries(0):
        assert nothing.rows(slug="matkailu") == []


def test_kept_shapes_are_bounded(week_of_events, monkeypatch):
    monkeypatch.setattr(compiledsql, "PLANS_PER_QUERY", 3)
    monday, network, _ = week_of_events
    query = compiledsql.CompiledQuery(events_ending_after, now=END, network=NETWORK)
    for start in range(7):
        assert len(query.rows(start, start + 1, now=monday, network=network.pk)) == 1
    assert len(query._plans) == 3


def test_an_event_list_moves_an_event_to_the_past_when_it_ends(db):
    event = EventFactory(start=timezone.now() + timedelta(hours=1))
    before, after = event.end - timedelta(minutes=1), event.end + timedelta(minutes=1)
    for network in (None, event.network):
        assert [row.title for row in EventList("upcoming", network, now=before)[0:5]] == [
            event.title
        ]
        assert EventList("past", network, now=before).count() == 0
        assert EventList("upcoming", network, now=after).count() == 0
        assert [row.title for row in EventList("past", network, now=after)[0:5]] == [event.title]


def test_columns_come_in_the_order_asked(db):
    """The SQL lists fields before expressions, and modeltranslation's values_list() lists its
    fields as a set: the rows are still in the order the queryset names them."""
    NetworkFactory(slug="matkailu", name_fi="Matkailufoorumi", order=4)

    def mixed(*, slug):
        networks = Network.objects.filter(slug=slug).annotate(twice=F("order") * 2)
        return networks.values_list("twice", "slug", Lower("slug"), "name_fi", "order", "kind")

    expected = list(mixed(slug="matkailu"))
    assert expected[0][:5] == (8, "matkailu", "matkailu", "Matkailufoorumi", 4)
    for _ in range(2):
        assert compiledsql.CompiledQuery(mixed, slug=SLUG).rows(slug="matkailu") == expected


def test_a_translated_field_filled_in_by_fallback_is_refused(db):
    by_name = compiledsql.CompiledQuery(
        lambda *, slug: Network.objects.filter(slug=slug).values_list("name"), slug=SLUG
    )
    with pytest.raises(ImproperlyConfigured, match="TranslatedFields"):
        by_name.rows(slug="matkailu")


def test_every_kind_of_value_is_run_from_its_compiled_sql(db, django_assert_num_queries):
    """A placeholder the column could not hold would make the ORM compile "matches nothing"
    in its place: each kind of value the selectors send is compiled, and its rows are found."""
    network = NetworkFactory(slug="matkailu", order=7)
    event = EventFactory(network=network)
    fields = {
        "pk": NETWORK,  # a big auto field, through a foreign key
        "order": Network._meta.get_field("order"),  # a positive integer
        "slug": SLUG,  # text
        "ends": END,  # a moment
    }

    def every_kind(*, pk, order, slug, ends):
        events = Event.objects.filter(
            network=pk, network__order=order, network__slug=slug, end=ends
        )
        return events.values_list("title")

    query = compiledsql.CompiledQuery(every_kind, **fields)
    values = {"pk": network.pk, "order": 7, "slug": "matkailu", "ends": event.end}
    with django_assert_num_queries(1):
        assert query.rows(**values) == [(event.title,)]
    assert all(plan is not None for plan in query._plans.values())
    assert query.rows(**{**values, "order": 8}) == []


def test_none_is_refused_as_a_value(db):
    """`= NULL` matches nothing where the ORM would have compiled `IS NULL`."""
    with pytest.raises(TypeError):
        ENDING_AFTER.rows(0, 5, now=timezone.now(), network=None)
