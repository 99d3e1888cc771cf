"""Page reads of the programme: stored figures for a closed round, live for an open one;
the contact person's admin pages; the status matrix.

The status matrix is the page that draws the most: its cells (badges as HTML, one per status
level, made once), its column and row URLs and its filter options are all built here with a
fixed number of queries, whatever the size of the programme."""

import json
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode

from django.core.paginator import InvalidPage, Paginator
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.http import Http404
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

import compiledsql
import fragments
from networks.models import Network, networks_of_user
from reversing import reverse_by

from .badges import BadgeLevel, status_badge_html
from .models import (
    AssessmentRound,
    Measure,
    MeasureStatus,
    Programme,
    RoundPromotion,
    StatusLevel,
    programme_links,
)
from .progress import (
    measures_with_headline,
    network_completion,
    previous_round,
    round_figures,
    round_figures_from_data,
)
from .rules import sees_all_networks


def default_programme_id():
    """The pk of the latest closed round's programme or, before any, of the newest programme
    (1 query; 2 before any closed round); None without any programme."""
    latest = _latest_closed_round_row.rows()
    if latest:
        return latest[0][2]
    newest = _newest_programme.rows()
    return newest[0][0] if newest else None


@compiledsql.query()
def _newest_programme():
    return Programme.objects.order_by("-first_year").values_list("pk")[:1]


def round_links(assessment_round):
    """Which network promotes which measure in the round (rows with measure_id and
    network_id): a stored round's as it closed, otherwise today's."""
    if assessment_round.is_stored:
        return assessment_round.promotions.all()
    return programme_links(assessment_round.programme_id)


def round_measures(assessment_round):
    """The round's measures: a stored round's as it closed, otherwise today's."""
    if assessment_round.is_stored:
        return _promoted_in(assessment_round.pk)
    return Measure.objects.filter(programme_id=assessment_round.programme_id)


def _promoted_in(round_pk):
    """The measures a stored round's scope holds. EXISTS probes the (round, measure, network)
    index once per measure; IN (SELECT …) read all of the round's promotions (one per measure
    and network) on every query."""
    promotions = RoundPromotion.objects.filter(round=round_pk, measure=OuterRef("pk"))
    return Measure.objects.filter(Exists(promotions))


class MeasureRow(NamedTuple):
    code: str  # the kept fragment links it, drawn once
    title: str
    lang: str  # ' lang="fi"' when the title falls back to Finnish
    badge: str  # safe HTML


def _measure_table_rows(measures):
    titles = fragments.TranslatedFields("title", "priority__title")
    rows = measures.order_by("priority__order", "priority__code", "order", "code")
    return rows.values_list(
        "pk", "code", "headline_rank", "priority_id", "priority__code", *titles.columns
    )


@compiledsql.query(round=RoundPromotion._meta.get_field("round"))
def _stored_measure_table_rows(*, round):
    """A stored round's measure table: its ranks come from the stored figures."""
    return _measure_table_rows(
        _promoted_in(round).annotate(headline_rank=Value(None, IntegerField()))
    )


class PriorityRows(NamedTuple):
    title: str
    lang: str
    measures: tuple


def measure_table(assessment_round, levels):
    """The programme page's measures under their priorities with their headline statuses
    (`levels`: the round's StatusLevels), drawn from plain rows once per distinct content.
    A stored round's ranks come with the scope it closed with; an open round's are computed
    live (1 query). Rows are values, not model instances: a programme may have hundreds."""
    stored = round_headline_ranks(assessment_round)
    if stored is None:
        rows = _measure_table_rows(measures_with_headline(assessment_round))
    else:
        rows = _stored_measure_table_rows.rows(round=assessment_round.pk)
    titles = fragments.TranslatedFields("title", "priority__title")
    badges = {level.rank: status_badge_html(level) for level in levels}
    not_assessed = status_badge_html(None)
    groups = {}
    for pk, code, rank, priority_pk, priority_code, *values in rows:
        if stored is not None:
            rank = stored.get(pk)
        (title, lang), (priority_title, priority_lang) = titles.texts(values)
        if priority_pk not in groups:
            groups[priority_pk] = (f"{priority_code}. {priority_title}", priority_lang, [])
        groups[priority_pk][2].append(MeasureRow(code, title, lang, badges.get(rank, not_assessed)))
    priorities = [PriorityRows(title, lang, tuple(rows)) for title, lang, rows in groups.values()]
    return fragments.draw("programme/includes/measure_table.html", priorities=priorities)


class NetworkStatusRow(NamedTuple):
    code: str
    title: str  # whole: the kept fragment shortens it and links the code, drawn once
    lang: str
    badge: str  # safe HTML
    note: str
    note_lang: str


def network_statuses(network):
    """A network page's table of the measures it promoted in the latest closed round and their
    statuses (3 queries), drawn from plain rows once per distinct content. Rows are read as
    values, not model instances, and what is derived from them (shortened titles, URLs) is
    left to the kept fragment: a network may promote hundreds of measures."""
    latest = _latest_closed_round_row.rows()
    if not latest:
        return ""
    ((round_pk, year, programme_id, is_stored, *programme_name),) = latest
    labels = fragments.TranslatedFields("level__label")
    statuses = _network_statuses.rows(round=round_pk, network=network.pk)
    badges = {None: status_badge_html(None)}
    notes = {}
    level_of = {}
    for measure_id, note, level_id, rank, colour, *values in statuses:
        if level_id not in badges:
            (label,) = labels.texts(values)
            badges[level_id] = status_badge_html(BadgeLevel(rank, colour, *label))
        level_of[measure_id], notes[measure_id] = level_id, note
    titles = fragments.TranslatedFields("title")
    if is_stored:
        measures = _network_measures_stored.rows(round=round_pk, network=network.pk)
    else:
        measures = _network_measures_today.rows(programme=programme_id, network=network.pk)
    rows = []
    for pk, code, *values in measures:
        ((title, lang),) = titles.texts(values)
        note, note_lang = fragments.finnish_only(notes.get(pk, ""))
        rows.append(
            NetworkStatusRow(
                code=code,
                title=title,
                lang=lang,
                badge=badges[level_of.get(pk)],
                note=note,
                note_lang=note_lang,
            )
        )
    ((programme, _lang),) = fragments.TranslatedFields("programme__name").texts(programme_name)
    return fragments.draw(
        "programme/includes/network_statuses.html", year=year, programme=programme, rows=rows
    )


@compiledsql.query()
def _latest_closed_round_row():
    """The latest closed round: pk, year, programme, whether stored, the programme's name."""
    stored = ExpressionWrapper(Q(figures__isnull=False), output_field=BooleanField())
    rounds = AssessmentRound.objects.closed().annotate(is_stored=stored).order_by("-year")
    name = fragments.TranslatedFields("programme__name").columns
    return rounds.values_list("pk", "year", "programme_id", "is_stored", *name)[:1]


_ROUND_AND_NETWORK = {
    "round": MeasureStatus._meta.get_field("round"),
    "network": MeasureStatus._meta.get_field("network"),
}


@compiledsql.query(**_ROUND_AND_NETWORK)
def _network_statuses(*, round, network):
    statuses = MeasureStatus.objects.filter(round=round, network=network)
    return statuses.values_list(
        "measure_id",
        "note",
        "level_id",
        "level__rank",
        "level__colour",
        *fragments.TranslatedFields("level__label").columns,
    )


def _measures_in(links):
    measures = Measure.objects.filter(pk__in=Subquery(links.values("measure_id")))
    titles = fragments.TranslatedFields("title").columns
    return measures.order_by("order", "code").values_list("pk", "code", *titles)


@compiledsql.query(**_ROUND_AND_NETWORK)
def _network_measures_stored(*, round, network):
    return _measures_in(RoundPromotion.objects.filter(round=round, network=network))


@compiledsql.query(
    programme=Measure._meta.get_field("programme"), network=MeasureStatus._meta.get_field("network")
)
def _network_measures_today(*, programme, network):
    return _measures_in(programme_links(programme).filter(network=network))


def linked_slug(slug, active):
    """The slug to link a network by, or "" for a closed one: its page answers 404, but past
    years' tables still name it."""
    return slug if active else ""


class NetworkRow(NamedTuple):
    name: str
    slug: str  # the kept fragment links it, drawn once; "" for a closed network (no page)
    lang: str


def measure_networks(measure):
    """A measure page's list of the networks promoting it (1 query), read as values and drawn
    once per distinct content: a measure may have a hundred networks."""
    names = fragments.TranslatedFields("name")
    rows = []
    for slug, active, *values in _networks_of_measure.rows(measure=measure.pk):
        ((name, lang),) = names.texts(values)
        rows.append(NetworkRow(name, linked_slug(slug, active), lang))
    return fragments.draw("programme/includes/measure_networks.html", networks=rows)


@compiledsql.query(measure=Measure._meta.get_field("id"))
def _networks_of_measure(*, measure):
    names = fragments.TranslatedFields("name")
    return Network.objects.filter(measures=measure).values_list("slug", "active", *names.columns)


class AssessmentRow(NamedTuple):
    network: str
    slug: str  # the kept fragment links it, drawn once; "" for a closed network (no page)
    lang: str
    badge: str  # safe HTML
    note: str
    note_lang: str


def measure_assessments(measure, year):
    """A measure page's table of the networks' assessments of `year`'s closed round, in the
    networks' order, read as values and drawn from plain rows once per distinct content."""
    texts = fragments.TranslatedFields("network__name", "level__label")
    badges = {}
    rows = []
    for slug, active, note, level_id, rank, colour, *values in _assessments_of_measure.rows(
        measure=measure.pk, year=year
    ):
        (name, lang), label = texts.texts(values)
        if level_id not in badges:
            badges[level_id] = status_badge_html(BadgeLevel(rank, colour, *label))
        note, note_lang = fragments.finnish_only(note)
        slug = linked_slug(slug, active)
        rows.append(AssessmentRow(name, slug, lang, badges[level_id], note, note_lang))
    return fragments.draw("programme/includes/measure_assessments.html", rows=rows)


@compiledsql.query(
    measure=MeasureStatus._meta.get_field("measure"), year=AssessmentRound._meta.get_field("year")
)
def _assessments_of_measure(*, measure, year):
    statuses = MeasureStatus.objects.public().filter(measure=measure, round__year=year)
    return statuses.order_by("network__order", "network__name").values_list(
        "network__slug",
        "network__active",
        "note",
        "level_id",
        "level__rank",
        "level__colour",
        *fragments.TranslatedFields("network__name", "level__label").columns,
    )


def round_figures_for(assessment_round):
    """The round's RoundFigures: a closed round's stored figures (1 query), else computed."""
    return round_figures(assessment_round)


class StoredRound(NamedTuple):
    """A closed round's stored figures and its levels as plain rows: a fragment kept by them
    is drawn anew when the figures are stored again or a level is renamed or recoloured."""

    year: int
    figures_json: str
    levels: tuple  # (rank, colour, label_fi, label_sv, label_en), in rank order


LEVEL_LABELS = fragments.language_columns("label")


def latest_stored_round():
    """The latest closed round as StoredRound (2 queries); None without a closed round, or
    when its figures are not stored (read it with round_figures_for)."""
    latest = _latest_closed_round.rows()
    if not latest or not fragments.holds_json(latest[0][2]):
        return None
    ((year, programme_id, figures_json),) = latest
    return StoredRound(year, figures_json, tuple(level_rows.rows(programme_id=programme_id)))


@compiledsql.query()
def _latest_closed_round():
    rounds = fragments.with_json_text(AssessmentRound.objects.closed(), "figures")
    return rounds.order_by("-year").values_list("year", "programme_id", "figures_json")[:1]


@compiledsql.query(programme_id=StatusLevel._meta.get_field("programme"))
def level_rows(*, programme_id):
    levels = StatusLevel.objects.filter(programme_id=programme_id).order_by("rank")
    return levels.values_list("rank", "colour", *LEVEL_LABELS)


def badge_levels(programme_id):
    """{rank: StatusLevel} of the programme's scale, unsaved, from level_rows (1 query)."""
    levels = _status_levels(level_rows.rows(programme_id=programme_id))
    return {level.rank: level for level in levels}


def _status_levels(rows):
    """Unsaved StatusLevels of level_rows() rows: a badge reads their label with fallback."""
    return [
        StatusLevel(rank=rank, colour=colour, **dict(zip(LEVEL_LABELS, labels, strict=True)))
        for rank, colour, *labels in rows
    ]


def stored_round_figures(stored):
    """RoundFigures of a StoredRound, decoded (no query)."""
    levels = _status_levels(stored.levels)
    assessment_round = AssessmentRound(year=stored.year, state=AssessmentRound.State.CLOSED)
    return round_figures_from_data(assessment_round, json.loads(stored.figures_json), levels)


def round_headline_ranks(assessment_round):
    """{measure pk: headline rank or None} when the round has stored figures, else None."""
    figures = assessment_round.figures
    if not assessment_round.is_open and fragments.holds_object(figures) and "headlines" in figures:
        return {int(pk): rank for pk, rank in figures["headlines"].items()}
    return None


def assessable_networks(user):
    """The networks whose statuses the user rates: all for editors, their own for contacts."""
    if sees_all_networks(user):
        return Network.objects.all()
    return networks_of_user(user)


def assessment_tasks(user):
    """Per open round, the networks the user assesses with their progress and confirmation
    (one query per open round; there is normally one)."""
    rounds = AssessmentRound.objects.open().select_related("programme").order_by("-year")
    mine = assessable_networks(user).values("pk")
    return [
        (assessment_round, list(network_completion(assessment_round).filter(pk__in=mine)))
        for assessment_round in rounds
    ]


@dataclass
class AssessRow:
    measure: object
    form: object
    current: object  # this year's MeasureStatus or None
    previous: object  # last year's MeasureStatus or None

    @property
    def unchecked_copy(self):
        return self.current is not None and self.current.copied


def assess_screen(assessment_round, network):
    """The measures the network promotes in the round's programme, its statuses this year and
    last year (3 queries)."""
    measures = list(
        network.measures.filter(programme=assessment_round.programme_id)
        .select_related("priority")
        .order_by("order", "code")
    )
    current = {
        s.measure_id: s
        for s in assessment_round.statuses.filter(network=network).select_related("level")
    }
    earlier = previous_round(assessment_round)
    previous = (
        {s.measure_id: s for s in earlier.statuses.filter(network=network).select_related("level")}
        if earlier
        else {}
    )
    return measures, current, previous, earlier


MATRIX_MEASURES_PER_PAGE = 40
MATRIX_NETWORKS_PER_PAGE = 15
MATRIX_PARAMETERS = ("vuosi", "painopiste", "verkosto", "taso", "page", "sarakkeet")
SHORT_LABEL_LENGTH = 12
NAME_PREFIXES = ("Varsinais-Suomen ",)
NAME_SUFFIXES = ("verkosto", "foorumi", "työryhmä", "forum", "nätverk", "network")


@dataclass
class Choice:
    value: str
    label: str
    selected: bool
    lang: str = ""  # ' lang="fi"' when the label falls back to Finnish


class MatrixColumn(NamedTuple):
    name: str
    short: str
    url: str
    link: str  # <a> to the network's page, safe HTML
    lang: str


class MatrixRow(NamedTuple):
    """One measure's row, its cells as HTML made here: a template loop per cell cost more
    than the rest of the page."""

    code: str
    title: str
    short_title: str
    url: str
    lang: str
    cells_html: str  # one <td> per column, a badge or empty
    entries_html: str  # <li> per column with a badge, for the narrow screen's list


class MatrixNetwork(NamedTuple):
    pk: int
    slug: str
    active: bool  # a closed network keeps its column in the rounds it was in, without a link
    name: str
    lang: str


class MatrixMeasure(NamedTuple):
    pk: int
    code: str
    title: str
    lang: str


def _named_rows(row_type, queryset, field):
    """`queryset`'s rows as `row_type`s, whose last two fields are the translated `field` and
    its lang attribute: plain values instead of model instances (the matrix lists every
    network of a round)."""
    texts = fragments.TranslatedFields(field)
    plain = len(row_type._fields) - 2
    return [
        row_type(*row[:plain], *texts.texts(row[plain:])[0])
        for row in queryset.values_list(*row_type._fields[:plain], *texts.columns)
    ]


def matrix_row(measure, columns, cells):
    """cells: one per column, a badge (safe HTML) or ""."""
    entries = "".join(
        f"<li>{column.link}: {cell}</li>"
        for column, cell in zip(columns, cells, strict=True)
        if cell
    )
    return MatrixRow(
        code=measure.code,
        title=measure.title,
        short_title=Truncator(measure.title).words(10, truncate=" …"),  # as truncatewords
        url=reverse_by("programme:measure-detail", code=measure.code),
        lang=measure.lang,
        cells_html=mark_safe("".join(f"<td>{cell}</td>" for cell in cells)),  # badges: safe
        entries_html=mark_safe(entries),  # links made by format_html, badges safe
    )


def matrix_table(matrix):
    """The matrix's table and its narrow-screen list, drawn once per distinct content."""
    return fragments.draw(
        "programme/includes/matrix_table.html",
        year=matrix.year,
        columns=matrix.columns,
        rows=matrix.rows,
    )


@dataclass
class Matrix:
    year: int
    priorities: list
    networks: list
    levels: list
    columns: list
    rows: list
    measure_page: object
    network_page: object
    unknown_filter: bool
    filters: list  # (name, value) of the filters in use, for the pagers' links

    @property
    def filter_query(self):
        return urlencode(self.filters)

    def page_query(self, *, page=None, columns=None):
        """The query string of another page of rows or columns, filters kept."""
        return urlencode(
            [
                *self.filters,
                ("page", page or self.measure_page.number),
                ("sarakkeet", columns or self.network_page.number),
            ]
        )

    @property
    def previous_rows_query(self):
        if self.measure_page.has_previous():
            return self.page_query(page=self.measure_page.previous_page_number())
        return ""

    @property
    def next_rows_query(self):
        if self.measure_page.has_next():
            return self.page_query(page=self.measure_page.next_page_number())
        return ""

    @property
    def previous_columns_query(self):
        if self.network_page.has_previous():
            return self.page_query(columns=self.network_page.previous_page_number())
        return ""

    @property
    def next_columns_query(self):
        if self.network_page.has_next():
            return self.page_query(columns=self.network_page.next_page_number())
        return ""


def short_label(name):
    """A network's name short enough for a column head: 'Matkailufoorumi' → 'Matkailu'.
    The full name is always given beside it (visually hidden and as a title)."""
    for prefix in NAME_PREFIXES:
        name = name.removeprefix(prefix)
    words = name.split()
    first = words[0] if words else name
    if first == "S3" and len(words) > 1:
        first = f"S3 {words[1]}"
    for suffix in NAME_SUFFIXES:
        if first.casefold().endswith(suffix) and len(first) > len(suffix) + 2:
            first = first[: -len(suffix)].rstrip("-")
            break
    if len(first) > SHORT_LABEL_LENGTH:
        first = first[: SHORT_LABEL_LENGTH - 1] + "…"
    return first


def matrix_for_round(assessment_round, params):
    """The matrix of one closed round, filtered by priority, network and level (`params`: the
    request's GET), its measures paged by 40 rows and its networks by 15 columns."""
    programme = assessment_round.programme
    round_measure_rows = round_measures(assessment_round)
    # Only priorities with measures in the round: one added later is no filter of this year.
    priorities = list(
        programme.priorities.filter(pk__in=Subquery(round_measure_rows.values("priority_id")))
    )
    levels = list(programme.levels.all())
    links = round_links(assessment_round)
    networks = _named_rows(
        MatrixNetwork,
        Network.objects.filter(Exists(links.filter(network=OuterRef("pk")))).order_by(
            "order", "name"
        ),
        "name",
    )
    wanted = {name: (params.get(name) or "").strip() for name in ("painopiste", "verkosto", "taso")}
    priority = _find(priorities, wanted["painopiste"], lambda p: p.code)
    network = _find(networks, wanted["verkosto"], lambda n: n.slug)
    level = _find(levels, wanted["taso"], lambda lv: str(lv.rank))
    unknown = any(
        value and chosen is None
        for value, chosen in (
            (wanted["painopiste"], priority),
            (wanted["verkosto"], network),
            (wanted["taso"], level),
        )
    )

    measures = round_measure_rows
    if network:
        measures = measures.filter(
            pk__in=Subquery(links.filter(network=network).values("measure_id"))
        )
    if priority:
        measures = measures.filter(priority=priority)
    if level:
        statuses = MeasureStatus.objects.filter(round=assessment_round, level=level)
        if network:
            statuses = statuses.filter(network=network)
        measures = measures.filter(pk__in=Subquery(statuses.values("measure_id")))
    measure_page = _page(
        Paginator(measures.order_by("order", "code"), MATRIX_MEASURES_PER_PAGE),
        params.get("page"),
    )
    network_page = _page(
        Paginator([network] if network else networks, MATRIX_NETWORKS_PER_PAGE),
        params.get("sarakkeet"),
    )
    page_measures = _named_rows(MatrixMeasure, measure_page.object_list, "title")
    page_networks = list(network_page.object_list)
    measure_ids = [m.pk for m in page_measures]
    network_ids = [n.pk for n in page_networks]
    promoted = set(
        links.filter(measure_id__in=measure_ids, network_id__in=network_ids).values_list(
            "measure_id", "network_id"
        )
    )
    level_of = {
        (measure_id, network_id): level_id
        for measure_id, network_id, level_id in MeasureStatus.objects.filter(
            round=assessment_round, measure_id__in=measure_ids, network_id__in=network_ids
        )
        .order_by()  # the model's default ordering would join the measures and networks
        .values_list("measure_id", "network_id", "level_id")
    }
    badges = {lv.pk: status_badge_html(lv) for lv in levels}
    not_assessed = status_badge_html(None, promoted=True)
    columns = []
    for n in page_networks:
        if linked_slug(n.slug, n.active):
            url = reverse_by("networks:network-detail", slug=n.slug)
            link = format_html('<a href="{}"{}>{}</a>', url, n.lang, n.name)
        else:
            url, link = "", format_html("<span{}>{}</span>", n.lang, n.name)
        columns.append(MatrixColumn(n.name, short_label(n.name), url, link, n.lang))
    rows = []
    for measure in page_measures:
        cells = []
        for n in page_networks:
            key = (measure.pk, n.pk)
            level_id = level_of.get(key)
            cells.append(
                badges[level_id] if level_id else (not_assessed if key in promoted else "")
            )
        rows.append(matrix_row(measure, columns, cells))
    filters = [("vuosi", assessment_round.year)]
    filters += [
        (name, value)
        for name, value, chosen in (
            ("painopiste", wanted["painopiste"], priority),
            ("verkosto", wanted["verkosto"], network),
            ("taso", wanted["taso"], level),
        )
        if chosen is not None
    ]
    return Matrix(
        year=assessment_round.year,
        priorities=[
            Choice(p.code, str(p), p == priority, fragments.fallback_lang(p, "title"))
            for p in priorities
        ],
        networks=[Choice(n.slug, n.name, n == network, n.lang) for n in networks],
        levels=[
            Choice(str(lv.rank), lv.label, lv == level, fragments.fallback_lang(lv, "label"))
            for lv in levels
        ],
        columns=columns,
        rows=rows,
        measure_page=measure_page,
        network_page=network_page,
        unknown_filter=unknown,
        filters=filters,
    )


def _find(items, value, key):
    if not value:
        return None
    return next((item for item in items if key(item) == value), None)


def _page(paginator, number):
    try:
        return paginator.page(number or 1)
    except InvalidPage as error:
        raise Http404(str(error)) from error
