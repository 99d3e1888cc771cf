"""Site search over public content only: what a page would not show, search does not find.

On PostgreSQL: full-text search, each language over its own fields (`name_fi`, `name_sv`, …;
fields without translations as they are) with its own configuration (`finnish`, `swedish`,
`english`: stemming, so "verkostojen" finds "verkosto"), ranked, only rows that match (`@@`;
a rank above 0 is not a match), with a GIN expression index per source and language
(migrations 0002, 0007, 0008, 0009). On SQLite: a case-insensitive substring fallback so the
embedded default still works. People are found by their public name, title and organisation only.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, TextField, Value, Window
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modeltranslation import settings as mt_settings
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
        return Event.objects.public()

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
    terms = query_terms(query)
    if not terms:
        return rows.none()
    language = current_language()
    fields = language_fields(rows.model, source.fields, language)
    if uses_full_text():
        config = SEARCH_CONFIGS[language]
        vector = SearchVector(*fields, config=config)
        search = SearchQuery(prefix_tsquery(terms), config=config, search_type="raw")
        return (
            rows.annotate(document=vector)
            .filter(document=search)  # the @@ match
            .annotate(rank=SearchRank(vector, search))
            .order_by("-rank", "pk")
        )
    shown = {f"shown_{i}": field for i, field in enumerate(fields)}
    return rows.alias(**shown).filter(substring_condition(terms, shown)).order_by("pk")


def substring_condition(terms, names):
    """SQLite's fallback: every term in one of the columns `names`, as written or word by
    word. SQLite folds the case of ASCII letters only, so ä, ö, å and the rest are tried in
    the usual spellings (järjestö, Järjestö, JÄRJESTÖ)."""

    def anywhere(needle):
        spellings = {needle, needle.lower(), needle.upper(), needle.capitalize()}
        return reduce(or_, (Q(**{f"{n}__icontains": s}) for n in names for s in spellings))

    def term_found(term, words):
        every_word = reduce(and_, map(anywhere, words)) if words else None
        if term in words:
            return every_word
        return anywhere(term) | every_word if every_word else anywhere(term)

    return reduce(and_, (term_found(term, words) for term, words in terms))


def top_matches(source, query, limit):
    """(how many rows match, the first `limit` of them) in one query: every row carries the
    total as a window count, so a search over all sources makes one query per source."""
    rows = list(matches(source, query).annotate(match_count=Window(Count("pk")))[:limit])
    return (rows[0].match_count if rows else 0), rows


def current_language():
    language = (get_language() or "fi")[:2]
    return language if language in SEARCH_CONFIGS else "fi"


def language_fields(model, fields, language):
    """What a page in `language` shows of `fields`, as expressions: a translated field's own
    column (name → name_sv), or the Finnish one where that is empty, as modeltranslation's
    fallback shows it; never the original column, which modeltranslation writes in whatever
    language was active at a save. Untranslated fields as they are. The GIN indexes
    (migrations 0008, 0009) are built from these very expressions."""
    try:
        translated = set(translator.get_options_for_model(model).fields)
    except NotRegistered:
        translated = set()
    return tuple(
        shown_text(field, language) if field in translated else F(field) for field in fields
    )


def shown_text(field, language):
    own = F(f"{field}_{language}")
    fallback = mt_settings.FALLBACK_LANGUAGES["default"][0]
    if language == fallback:
        return own
    text = TextField()
    return Coalesce(
        NullIf(own, Value(""), output_field=text), F(f"{field}_{fallback}"), output_field=text
    )


def prefix_tsquery(terms):
    """Every term required, each prefix-matched and stemmed: "matkailun" → matkailu:*, which
    also finds the compound "Matkailufoorumi". A term with dots or hyphens is matched as
    written, as PostgreSQL's parser reads a date or a web address ("15.2.2030",
    "www.ruokaketjut.fi"), or word by word. Only letters, digits and inner dots and hyphens
    reach the tsquery."""

    def term_query(term, words):
        alternatives = [] if term in words else [f"{term}:*"]
        if words:
            alternatives.append(" & ".join(f"{word}:*" for word in words))
        return "(" + " | ".join(alternatives) + ")"

    return " & ".join(term_query(term, words) for term, words in terms)


TERM = re.compile(r"[^\W_]+(?:[.-][^\W_]+)*")
WORD = re.compile(r"[^\W_]+")


def query_terms(query):
    """(term as written, its words of two or more letters or digits) for each term: "15.2.2030"
    → ("15.2.2030", ("15", "2030")), "matkailu" → ("matkailu", ("matkailu",))."""
    terms = []
    for term in TERM.findall(query):
        words = tuple(w for w in WORD.findall(term) if len(w) >= MIN_QUERY_LENGTH)
        if words or len(term) >= MIN_QUERY_LENGTH:
            terms.append((term, words))
    return terms


def query_words(query):
    """Letters and digits only, two or more in a row."""
    return [word for _term, words in query_terms(query) for word in words]


def snippet(text, query, width=200):
    """An escaped extract around the first matched word, matches wrapped in <mark>."""
    stems = [w[: max(4, len(w) - 3)] for w in query_words(query)]  # a rough stem, for display only
    text = re.sub(r"[*_#`]", "", text)  # Markdown markers read as noise in an extract
    lowered = text.lower()
    positions = [lowered.find(s.lower()) for s in stems if s.lower() in lowered]
    start = max(min(positions) - width // 3, 0) if positions else 0
    extract = text[start : start + width]
    pieces = [extract]
    if stems:
        alternatives = "|".join(
            re.escape(stem) for stem in sorted(set(stems), key=len, reverse=True)
        )
        # Split before escaping: every odd piece is a match, and a match never reaches into
        # an entity ("quot" is no match inside the &quot; of a quotation mark).
        pieces = re.split(rf"((?:{alternatives})\w*)", extract, flags=re.IGNORECASE)
    escaped = "".join(
        f"<mark>{escape(piece)}</mark>" if i % 2 else escape(piece)
        for i, piece in enumerate(pieces)
    )
    prefix = "…" if start else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + escaped + suffix)  # every piece of text was escaped above
