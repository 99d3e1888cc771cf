"""Site search over public content only: what a page would not show, search does not find.

On PostgreSQL: full-text search, each language over its own fields (`name_fi`, `name_sv`, …;
fields without translations as they are) with its own configuration (`finnish`, `swedish`,
`english`: stemming, so "verkostojen" finds "verkosto"), ranked, only rows that match (`@@`;
a rank above 0 is not a match), with a GIN expression index per source and language
(migrations 0002, 0007 and 0008). On SQLite: a case-insensitive substring fallback so the embedded
default still works. People are found by their public name, title and organisation only.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Window
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import NotRegistered, translator

from barometer.models import Question, Statement, Survey
from networks.models import ContactPerson, Event, Network
from programme.models import AssessmentRound, Measure, Priority

from .models import AnnualReview, Highlight, ReviewSection

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 200
SEARCH_CONFIGS = {"fi": "finnish", "sv": "swedish", "en": "english"}


@dataclass(frozen=True)
class Source:
    """One kind of public content: its rows, searchable fields, and how a hit is shown."""

    key: str
    label: str
    fields: tuple

    def queryset(self):
        raise NotImplementedError

    def title(self, obj):
        return str(obj)

    def text(self, obj):
        return " ".join(str(getattr(obj, f) or "") for f in self.fields[1:])

    def url(self, obj):
        return obj.get_absolute_url()


class NetworkSource(Source):
    def queryset(self):
        return Network.objects.active()


class EventSource(Source):
    def queryset(self):
        return Event.objects.with_network()

    def url(self, event):
        if event.network_id:
            return event.network.get_absolute_url()
        return reverse("networks:event-list")


def _public_programme_ids():
    return AssessmentRound.objects.closed().values("programme_id")


class MeasureSource(Source):
    def queryset(self):
        return Measure.objects.filter(programme_id__in=_public_programme_ids()).select_related(
            "programme"
        )

    def url(self, measure):
        return f"{measure.get_absolute_url()}?ohjelma={measure.programme.slug}"


class PrioritySource(Source):
    def queryset(self):
        return Priority.objects.filter(programme_id__in=_public_programme_ids())

    def url(self, priority):
        return reverse("programme:overview")


class ReviewSource(Source):
    def queryset(self):
        return AnnualReview.objects.published().defer("figures")  # a hit shows title and lead


class ReviewPartSource(Source):
    model = None

    def queryset(self):
        return (
            self.model.objects.filter(review__state=AnnualReview.State.PUBLISHED)
            .select_related("review")
            .defer("review__figures")
        )

    def title(self, part):
        return f"{part.review.title}: {part}"

    def url(self, part):
        return part.review.get_absolute_url()


class SectionSource(ReviewPartSource):
    model = ReviewSection


class HighlightSource(ReviewPartSource):
    model = Highlight


class ContactSource(Source):
    """Contact persons, as the network pages show them; never their email or phone."""

    def queryset(self):
        public = Network.objects.active().order_by("order", "name")
        return ContactPerson.objects.filter(
            Exists(public.filter(contacts=OuterRef("pk")))
        ).prefetch_related(Prefetch("networks", queryset=public, to_attr="public_networks"))

    def text(self, person):
        return f"{person.title}, {person.get_organisation_display()}".strip(", ")

    def url(self, person):
        return person.public_networks[0].get_absolute_url()


class StatementSource(Source):
    def queryset(self):
        in_published = Question.objects.filter(
            statement=OuterRef("pk"), survey__in=Survey.objects.published()
        )
        return Statement.objects.filter(Exists(in_published))

    def url(self, statement):
        return reverse("barometer:index")


SOURCES = [
    NetworkSource(
        "verkostot", _("Verkostot ja työryhmät"), ("name", "short_description", "description")
    ),
    MeasureSource(
        "toimenpiteet", _("Maakuntaohjelman toimenpiteet"), ("title", "code", "description")
    ),
    PrioritySource("painopisteet", _("Painopisteet"), ("title",)),
    EventSource("tapahtumat", _("Tapahtumat"), ("title", "description", "place")),
    ReviewSource("vuosikatsaukset", _("Vuosikatsaukset"), ("title", "lead")),
    SectionSource("katsausten-osiot", _("Vuosikatsausten osiot"), ("heading", "body")),
    HighlightSource("nostot", _("Vuosikatsausten nostot"), ("title", "description")),
    StatementSource("barometri", _("Barometrin väittämät"), ("text",)),
    ContactSource("yhteyshenkilot", _("Yhteyshenkilöt"), ("name", "title", "organisation")),
]
SOURCES_BY_KEY = {source.key: source for source in SOURCES}


def clean_query(raw):
    """Printable text, whitespace folded, at most MAX_QUERY_LENGTH characters."""
    text = "".join(ch for ch in (raw or "") if unicodedata.category(ch)[0] != "C" or ch == " ")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def uses_full_text():
    return connection.vendor == "postgresql"


def matches(source, query):
    """The source's matching rows, best first."""
    rows = source.queryset()
    words = query_words(query)
    if not words:
        return rows.none()
    language = current_language()
    fields = language_fields(rows.model, source.fields, language)
    if uses_full_text():
        config = SEARCH_CONFIGS[language]
        vector = SearchVector(*fields, config=config)
        search = SearchQuery(prefix_tsquery(query), config=config, search_type="raw")
        return (
            rows.annotate(document=vector)
            .filter(document=search)  # the @@ match
            .annotate(rank=SearchRank(vector, search))
            .order_by("-rank", "pk")
        )
    condition = reduce(
        lambda a, b: a & b,
        (reduce(or_, (Q(**{f"{f}__icontains": w}) for f in fields)) for w in words),
    )
    return rows.filter(condition).order_by("pk")


def top_matches(source, query, limit):
    """(how many rows match, the first `limit` of them) in one query: every row carries the
    total as a window count, so a search over all sources makes one query per source."""
    rows = list(matches(source, query).annotate(match_count=Window(Count("pk")))[:limit])
    return (rows[0].match_count if rows else 0), rows


def current_language():
    language = (get_language() or "fi")[:2]
    return language if language in SEARCH_CONFIGS else "fi"


def language_fields(model, fields, language):
    """The columns of `fields` in `language`: name → name_fi, name_sv; untranslated fields as
    they are. Never the original column of a translated field: modeltranslation writes the
    language active at a save there, so a save in the Swedish admin would put Swedish in it."""
    try:
        translated = set(translator.get_options_for_model(model).fields)
    except NotRegistered:
        translated = set()
    return tuple(f"{field}_{language}" if field in translated else field for field in fields)


def prefix_tsquery(query):
    """Every word stemmed and prefix-matched, all required: "matkailun" → matkailu:*, which
    also finds the compound "Matkailufoorumi". Only word characters reach the tsquery."""
    return " & ".join(f"{word}:*" for word in query_words(query))


def query_words(query):
    """Letters and digits only, two or more in a row: nothing else reaches a query."""
    return [word for word in re.findall(r"[^\W_]+", query) if len(word) >= MIN_QUERY_LENGTH]


def snippet(text, query, width=200):
    """An escaped extract around the first matched word, matches wrapped in <mark>."""
    stems = [w[: max(4, len(w) - 3)] for w in query_words(query)]  # a rough stem, for display only
    text = re.sub(r"[*_#`]", "", text)  # Markdown markers read as noise in an extract
    lowered = text.lower()
    positions = [lowered.find(s.lower()) for s in stems if s.lower() in lowered]
    start = max(min(positions) - width // 3, 0) if positions else 0
    extract = text[start : start + width]
    escaped = escape(extract)
    if stems:
        alternatives = "|".join(
            re.escape(stem) for stem in sorted(set(stems), key=len, reverse=True)
        )
        escaped = re.sub(
            rf"((?:{alternatives})\w*)", r"<mark>\1</mark>", escaped, flags=re.IGNORECASE
        )
    prefix = "…" if start else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + escaped + suffix)  # every piece of text was escaped above
