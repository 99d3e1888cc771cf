"""Outside tester: "Published means frozen" on every public page that shows a frozen year.

The demo's 2020 is the frozen year: its assessment round is closed (figures stored) and used by
the published 2020 review, and its barometer survey is closed, published and used by the same
review (the 2021 survey is closed and published as well; the 2021 round is open).

Each test reads what an anonymous visitor sees of 2020 on one public surface (the 2020 status
matrix, the programme page of 2020, every measure page of 2020, every network page, the front
page's key figures, the open data, the 2020 review and its feed, the barometer pages and data,
search hits of the reviews), then does one ordinary later edit as an editor or a contact person
would (admin forms and actions, the contact person's assessment screen), and reads the same
surface again. Only the parts about the frozen year are compared: rows, cells, counts,
percentages, which measures and networks appear. A failing test is one page a visitor sees
change.

Tests named test_names_* correct a name live (a measure's title or code, a network's name):
the guarantee may allow that, so they are reported apart from the failures.
"""

import csv
import difflib
import html
import io
import json
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from barometer.models import Statement, Survey
from kumppanuus.models import AnnualReview
from networks.models import Network
from programme import services as programme_services
from programme.models import (
    AssessmentRound,
    Measure,
    MeasureStatus,
    Priority,
    Programme,
    StatusLevel,
)
from tests.conftest import admin_form_data
from tests.security.accounts import logged_in, user

pytestmark = pytest.mark.django_db

YEAR = 2020


# --- Reading what the visitor sees -------------------------------------------------------------


def _get(url):
    response = Client().get(url)
    return response.status_code, response.content.decode()


def _ok(url):
    status, body = _get(url)
    assert status == 200, f"{url} answered {status}"
    return body


def _lines(fragment):
    """The text a visitor reads in an HTML fragment, a line per row, paragraph or item (cells
    of a row joined with ' | '); forms (the year pickers), scripts and drawings left out."""
    text = re.sub(r"<(script|style|svg|form|nav)\b.*?</\1>", " ", fragment, flags=re.S)
    text = re.sub(r"</(td|th)>", " | ", text)
    text = re.sub(
        r"</(tr|p|li|h[1-6]|caption|figcaption|dt|dd|div|section|table|ul)>|<br\s*/?>", "\n", text
    )
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    lines = (" ".join(line.split()).rstrip(" |") for line in text.split("\n"))
    return [line for line in lines if line]


def _main(body):
    return re.search(r"<main\b.*?</main>", body, re.S).group(0)


def _section(body, labelled_by):
    found = re.search(rf'<section[^>]*aria-labelledby="{labelled_by}".*?</section>', body, re.S)
    return found.group(0) if found else ""


def read_matrix():
    """The 2020 status matrix: its network columns and, per measure row, each cell's status."""
    body = _ok(f"/ohjelma/matriisi/?vuosi={YEAR}")
    table = re.search(r'<table class="[^"]*table-matrix[^"]*">.*?</table>', body, re.S).group(0)
    head, rows = table.split("<tbody>")
    columns = re.findall(r'<span class="visually-hidden">(.*?)</span>', head)
    matrix = []
    for row in re.findall(r"<tr>(.*?)</tr>", rows, re.S):
        title = _lines(re.search(r"<th.*?</th>", row, re.S).group(0))
        cells = [" ".join(_lines(cell)) or "–" for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        matrix.append(f"{' '.join(title).rstrip(' |')} || {' / '.join(cells)}")
    return {"columns": columns, "rows": matrix, "summary": f"{len(matrix)} rows x {len(columns)}"}


def read_overview():
    """The programme page of 2020: headline sentence, the status table, the yearly table, the
    changes since 2019 and every measure under its priority with its 2020 status."""
    return {"lines": _lines(_main(_ok(f"/ohjelma/?vuosi={YEAR}")))}


def read_measure_pages(codes):
    """Each measure's page of 2020: its 2020 headline status and the networks' 2020 table."""
    pages = {}
    for code in codes:
        status, body = _get(f"/ohjelma/toimenpiteet/{code}/?vuosi={YEAR}")
        if status != 200:
            pages[code] = [f"HTTP {status}"]
            continue
        history = [
            line for line in _lines(_section(body, "historia")) if line.startswith(str(YEAR))
        ]
        pages[code] = history + _lines(_section(body, "arviot"))
    return pages


def read_network_pages(slugs):
    """Each network's page: the table of its measures' statuses in the latest closed year
    (2020 as long as 2021 is open)."""
    pages = {}
    for slug in slugs:
        status, body = _get(f"/verkostot/{slug}/")
        pages[slug] = (
            [f"HTTP {status}"] if status != 200 else _lines(_section(body, "ohjelma-tilat"))
        )
    return pages


def read_front_page():
    """The front page's key figures: the programme card (latest closed year, 2020) and the
    barometer card (latest published survey, 2021)."""
    section = _section(_ok("/"), "lukuina")
    cards = re.findall(r'<div class="card figure-card">.*?</div></div>', section, re.S)
    return {
        "cards": [
            _lines(card)
            for card in cards
            if "Maakuntaohjelma" in card or "Kumppanuusbarometri" in card
        ]
    }


def _csv_rows(body, delimiter):
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=delimiter))


def read_open_data():
    """The status open data (CSV, Excel CSV, JSON): every row of 2020."""
    rows = json.loads(_ok("/avoin-data/toimenpiteiden-tilat.json"))["tilat"]
    plain = _csv_rows(_ok("/avoin-data/toimenpiteiden-tilat.csv"), ",")
    excel = _csv_rows(_ok("/avoin-data/toimenpiteiden-tilat-excel.csv"), ";")
    return {
        "json": [row for row in rows if row["vuosi"] == YEAR],
        "csv": [row for row in plain[1:] if row and row[0] in (str(YEAR), f"{YEAR}.0")],
        "excel": [row for row in excel[1:] if row and row[0].strip('"') == str(YEAR)],
    }


def read_review():
    """The published 2020 review (Finnish and Swedish) and its entry in the feed."""
    feed = _ok("/vuosikatsaus/syote.xml")
    items = [item for item in re.findall(r"<item>.*?</item>", feed, re.S) if str(YEAR) in item]
    return {
        "fi": _lines(_main(_ok(f"/vuosikatsaus/{YEAR}/"))),
        "sv": _lines(_main(_ok(f"/sv/vuosikatsaus/{YEAR}/"))),
        "feed": items,
    }


def read_barometer():
    """The 2020 and 2021 results pages, the barometer's front page (trend, latest results,
    years) and its open data (every published year)."""
    return {
        "2020": _lines(_main(_ok(f"/barometri/{YEAR}/"))),
        "2021": _lines(_main(_ok("/barometri/2021/"))),
        "index": _lines(_main(_ok("/barometri/"))),
        "open data": json.loads(_ok("/avoin-data/barometri.json"))["tulokset"],
    }


def read_search():
    """Search hits of the published reviews, their sections and highlights."""
    return {
        kind: _lines(_main(_ok(f"/haku/?q=kumppanuus&tyyppi={kind}")))
        for kind in ("vuosikatsaukset", "katsausten-osiot", "nostot")
    }


class Surfaces:
    """Which measures and networks a visitor could open are fixed when first read."""

    def __init__(self):
        self.codes = list(
            MeasureStatus.objects.filter(round__year=YEAR)
            .order_by("measure__order", "measure__code")
            .values_list("measure__code", flat=True)
            .distinct()
        )
        self.slugs = list(Network.objects.order_by("order", "name").values_list("slug", flat=True))

    def read(self, name):
        readers = {
            "matrix": read_matrix,
            "overview": read_overview,
            "measure-pages": lambda: read_measure_pages(self.codes),
            "network-pages": lambda: read_network_pages(self.slugs),
            "front-page": read_front_page,
            "open-data": read_open_data,
            "review": read_review,
            "barometer": read_barometer,
            "search": read_search,
        }
        return readers[name]()


ALL = [
    "matrix",
    "overview",
    "measure-pages",
    "network-pages",
    "front-page",
    "open-data",
    "review",
    "barometer",
    "search",
]
# Pages that show "the latest closed year": they move on, rightly, when 2021 is closed.
NOT_LATEST = [name for name in ALL if name not in ("network-pages", "front-page")]


def _dump(value):
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).splitlines()


def _changes(surface, before, after):
    if after == before:
        return ""
    diff = list(difflib.unified_diff(_dump(before), _dump(after), "before", "after", lineterm=""))
    shown = "\n".join(diff[:60]) + ("\n…" if len(diff) > 60 else "")
    return f"what a visitor sees of {YEAR} on '{surface}' changed:\n{shown}"


def assert_unchanged(surface, before, after):
    change = _changes(surface, before, after)
    if change:
        pytest.fail(change, pytrace=False)


@pytest.fixture
def visitor(demo_data):
    """Read surfaces before, then compare after: `visitor.before(*surfaces)` (all by default)
    and `visitor.check()`, which names every surface that changed."""
    assert AnnualReview.objects.get(year=YEAR).is_published
    assert AssessmentRound.objects.get(year=YEAR).frozen_by_review
    assert Survey.objects.get(year=YEAR).frozen_by_review

    class Visitor:
        surfaces = Surfaces()

        def before(self, *names):
            self.seen = {name: self.surfaces.read(name) for name in names or ALL}

        def check(self):
            changed = [
                _changes(name, seen, self.surfaces.read(name)) for name, seen in self.seen.items()
            ]
            changed = [change for change in changed if change]
            if changed:
                pytest.fail("\n\n".join(changed), pytrace=False)

    return Visitor()


# --- Doing what staff do ------------------------------------------------------------------------


@pytest.fixture
def editor():
    return logged_in("toimittaja")


def _form_errors(response):
    errors = []
    context = response.context
    if context and "adminform" in context:
        errors.append(context["adminform"].form.errors)
        for inline in context.get("inline_admin_formsets", []):
            errors.append(inline.formset.errors)
            errors.append(inline.formset.non_form_errors())
    return errors


def admin_save(client, url, **changes):
    """Open an admin form, change fields (None: untick/clear) and save it, as a person would;
    the save must succeed (a redirect)."""
    form = client.get(url)
    assert form.status_code == 200, url
    data = admin_form_data(form)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    response = client.post(url, data)
    assert response.status_code == 302, (url, _form_errors(response))
    return response


def programme():
    return Programme.objects.get(slug="maakuntaohjelma-2018-2021")


def programme_url():
    return f"/admin/programme/programme/{programme().pk}/change/"


def programme_save(client, *, levels=None, delete_level=None, new_level=None, new_priority=None):
    """The programme's change form with its status-level and priority inlines."""
    url = programme_url()
    form = client.get(url)
    data = admin_form_data(form)
    index = {int(data[f"levels-{i}-id"]): i for i in range(int(data["levels-TOTAL_FORMS"]))}
    for pk, fields in (levels or {}).items():
        for name, value in fields.items():
            data[f"levels-{index[pk]}-{name}"] = value
    if delete_level is not None:
        data[f"levels-{index[delete_level]}-DELETE"] = "on"
    for prefix, new in (("levels", new_level), ("priorities", new_priority)):
        if new:
            n = int(data[f"{prefix}-TOTAL_FORMS"])
            data.update({f"{prefix}-{n}-{name}": value for name, value in new.items()})
            data[f"{prefix}-TOTAL_FORMS"] = n + 1
    response = client.post(url, data)
    assert response.status_code == 302, _form_errors(response)


def measure_url(code):
    return f"/admin/programme/measure/{Measure.objects.get(code=code).pk}/change/"


def measure_networks(code):
    return list(Measure.objects.get(code=code).networks.values_list("pk", flat=True))


def network(slug):
    return Network.objects.get(slug=slug)


# --- The programme's structure changed later ---------------------------------------------------


def test_editor_adds_a_new_measure_to_the_programme(visitor, editor):
    """A new measure is added in 2021 (programme revision): the 2020 matrix and the 2020
    programme page must still list the 29 measures of 2020, not 30."""
    visitor.before()
    form = editor.get("/admin/programme/measure/add/")
    priority = Priority.objects.get(programme=programme(), code="2")
    data = admin_form_data(
        form,
        programme=programme().pk,
        priority=priority.pk,
        code="30",
        title_fi="Kokeillaan kuntien yhteistä hankintamallia.",
        networks=[network("matkailu").pk],
        order=30,
    )
    assert editor.post("/admin/programme/measure/add/", data).status_code == 302
    assert Measure.objects.filter(code="30").exists()
    visitor.check()


def test_editor_links_an_extra_network_to_a_measure(visitor, editor):
    """In 2021 the Environment network starts promoting measure 9: in 2020 it did not, so no
    2020 page may start showing it against measure 9 (an 'ei arvioitu' cell or row)."""
    environment = network("ymparisto")
    assert environment.pk not in measure_networks("9")
    visitor.before()
    admin_save(editor, measure_url("9"), networks=[*measure_networks("9"), environment.pk])
    visitor.check()


def test_editor_unlinks_a_network_from_a_measure(visitor, editor):
    """The Tourism Forum stops promoting measure 9 in 2021: its 2020 assessment of measure 9
    ('ei toimenpiteitä') stays in the 2020 record and on the pages that show 2020."""
    tourism = network("matkailu")
    assert MeasureStatus.objects.filter(
        round__year=YEAR, measure__code="9", network=tourism
    ).exists()
    visitor.before()
    admin_save(
        editor, measure_url("9"), networks=[pk for pk in measure_networks("9") if pk != tourism.pk]
    )
    visitor.check()


def test_editor_takes_a_network_out_of_the_programme(visitor, editor):
    """The Culture Forum stops promoting any measure (unlinked from each of its 4 measures):
    its 2020 column and assessments must stay on the 2020 pages."""
    culture = network("kulttuuri")
    codes = list(culture.measures.values_list("code", flat=True))
    assert MeasureStatus.objects.filter(round__year=YEAR, network=culture).count() == len(codes)
    visitor.before()
    for code in codes:
        admin_save(
            editor,
            measure_url(code),
            networks=[pk for pk in measure_networks(code) if pk != culture.pk],
        )
    assert not culture.measures.exists()
    visitor.check()


def test_editor_adds_a_new_network_and_links_it_to_a_measure(visitor, editor):
    """A network founded in 2021 promotes measure 9: it did not exist in 2020, so the 2020
    matrix must not grow a 14th column for it."""
    visitor.before()
    form = editor.get("/admin/networks/network/add/")
    data = admin_form_data(
        form,
        name_fi="Kiertotalousverkosto",
        slug="kiertotalous",
        short_description_fi="Perustettu 2021.",
    )
    assert editor.post("/admin/networks/network/add/", data).status_code == 302
    admin_save(
        editor, measure_url("9"), networks=[*measure_networks("9"), network("kiertotalous").pk]
    )
    visitor.check()


def test_editor_deactivates_a_network(visitor, editor):
    """The Tourism Forum ends its work (active unticked): what it assessed in 2020 stays on
    the pages of 2020. (Its own page is gone by design: inactive networks are not listed.)"""
    visitor.before(*(name for name in ALL if name != "network-pages"))
    admin_save(editor, f"/admin/networks/network/{network('matkailu').pk}/change/", active=None)
    assert not network("matkailu").active
    visitor.check()


def test_editor_moves_a_measure_to_another_priority(visitor, editor):
    """Measure 9 is moved from priority 2 to priority 4 in a programme revision: once a round
    has closed, a measure's priority and code are fixed (the field is read-only and a forged
    value is ignored), so the 2020 programme page still shows it where 2020 had it."""
    visitor.before()
    target = Priority.objects.get(programme=programme(), code="4")
    admin_save(editor, measure_url("9"), priority=target.pk, code="9a")
    assert Measure.objects.get(code="9").priority.code == "2"
    visitor.check()


def test_editor_adds_a_new_priority(visitor, editor):
    """A fifth priority is added for the next years (no measures yet)."""
    visitor.before()
    programme_save(
        editor,
        new_priority={"code": "5", "title_fi": "Uusi painopiste 2022", "order": 5},
    )
    assert Priority.objects.filter(code="5").exists()
    visitor.check()


# --- The status scale changed later ------------------------------------------------------------


def levels_by_rank():
    return list(StatusLevel.objects.filter(programme=programme()).order_by("rank"))


def test_editor_inserts_a_new_lowest_level_by_moving_the_others_up(visitor, editor):
    """The scale gets a new lowest step "ei aloitettu": the editor moves each level one rank
    up and adds the new one at rank 0. Once a round has closed the scale is fixed (ranks are
    read-only, no level can be added), so 2020's 18 measures "vakiintunutta toimintaa" stay."""
    scale = [(lv.rank, lv.label) for lv in levels_by_rank()]
    visitor.before()
    for level in reversed(levels_by_rank()):
        programme_save(editor, levels={level.pk: {"rank": level.rank + 1}})
    programme_save(
        editor,
        new_level={
            "rank": 0,
            "label_fi": "ei aloitettu",
            "colour": "#ffffff",
            "description_fi": "",
        },
    )
    assert [(lv.rank, lv.label) for lv in levels_by_rank()] == scale
    visitor.check()


def test_editor_adds_a_new_top_level(visitor, editor):
    """A new highest step "vaikuttavuus todennettu" (rank 5) for the coming years: refused
    while the programme has a closed round, so 2020's tables and charts keep five steps."""
    visitor.before()
    programme_save(
        editor,
        new_level={
            "rank": 5,
            "label_fi": "vaikuttavuus todennettu",
            "colour": "#80c8a0",
            "description_fi": "",
        },
    )
    assert len(levels_by_rank()) == 5
    visitor.check()


def test_editor_deletes_a_status_level_nobody_used(visitor, editor):
    """No measure reached "valmis" yet; the 2020 tables list it (0 measures, 0 %), so it
    cannot be deleted while the programme has a closed round."""
    done = StatusLevel.objects.get(programme=programme(), rank=4)
    assert not MeasureStatus.objects.filter(level=done).exists()
    visitor.before()
    programme_save(editor, delete_level=done.pk)
    assert StatusLevel.objects.filter(pk=done.pk).exists()
    visitor.check()


# --- Later years' rounds -----------------------------------------------------------------------


def assess_as_contact(client, year, slug, level_rank, note):
    """The contact person's assessment screen: every measure of the network at one level,
    saved and confirmed."""
    assessment_round = AssessmentRound.objects.get(year=year)
    url = f"/admin/programme/measurestatus/arvioi/{assessment_round.pk}/{slug}/"
    assert client.get(url).status_code == 200
    count = network(slug).measures.filter(programme=assessment_round.programme).count()
    level = StatusLevel.objects.get(programme=assessment_round.programme, rank=level_rank)
    data = {f"tila-{name}": count for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS")}
    data["tila-MAX_NUM_FORMS"] = count
    for i in range(count):
        data[f"tila-{i}-level"] = level.pk
        data[f"tila-{i}-note"] = note
    data["confirm"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_contact_person_assesses_the_open_2021_round(visitor):
    """The Tourism Forum's contact person rates all its measures "valmis" in the open 2021
    round and confirms: 2020 stays as it was."""
    visitor.before()
    assess_as_contact(logged_in("yhteyshenkilo"), 2021, "matkailu", 4, "Valmistui 2021.")
    assert MeasureStatus.objects.filter(round__year=2021, network__slug="matkailu", level__rank=4)
    visitor.check()


def test_editor_closes_2021_after_new_assessments(visitor, editor):
    """2021 is assessed and closed by the editor (the admin action): every page of 2020
    asked for by year (?vuosi=2020) and every export of 2020 stays as it was."""
    visitor.before(*NOT_LATEST)
    assess_as_contact(logged_in("yhteyshenkilo"), 2021, "matkailu", 4, "Valmistui 2021.")
    assess_as_contact(editor, 2021, "kulttuuri", 1, "Taantui 2021.")
    rnd = AssessmentRound.objects.get(year=2021)
    editor.post(
        "/admin/programme/assessmentround/",
        {"action": "close_rounds", ACTION_CHECKBOX_NAME: [rnd.pk]},
    )
    rnd.refresh_from_db()
    assert rnd.state == "closed" and rnd.figures
    visitor.check()


def test_editor_backfills_an_earlier_2018_round(visitor, editor):
    """The editor adds the programme's first year, 2018, as a round afterwards (no statuses
    were collected) and closes it: the 2020 programme page's yearly development ("2019–2020",
    "86 % in 2019 and 97 % in 2020") then starts from 2018: a deliberate back-fill of the
    programme's history. Everything else of 2020 stays, the 2020 figures on its page too."""
    visitor.before(*(name for name in ALL if name != "overview"))
    sentence = "28 (97\u00a0%) oli vähintään valmistelussa"
    assert sentence in _ok(f"/ohjelma/?vuosi={YEAR}")
    form = editor.get("/admin/programme/assessmentround/add/")
    data = admin_form_data(form, programme=programme().pk, year=2018)
    assert editor.post("/admin/programme/assessmentround/add/", data).status_code == 302
    rnd = AssessmentRound.objects.get(year=2018)
    editor.post(
        "/admin/programme/assessmentround/",
        {"action": "close_rounds", ACTION_CHECKBOX_NAME: [rnd.pk]},
    )
    rnd.refresh_from_db()
    assert rnd.state == "closed"
    assert sentence in _ok(f"/ohjelma/?vuosi={YEAR}")
    visitor.check()


# --- The barometer's statements changed later --------------------------------------------------


def test_editor_rewords_barometer_statements(visitor, editor):
    """The statements are reworded for the 2022 survey (the headline and another one): 2020's
    and 2021's respondents were asked the old words, and their pages show those."""
    visitor.before()
    for key in ("visio", "ilmapiiri"):
        statement = Statement.objects.get(key=key)
        admin_save(
            editor,
            f"/admin/barometer/statement/{statement.pk}/change/",
            text_fi=f"Uusi sanamuoto ({key})",
            text_sv=f"Ny formulering ({key})",
            text_en=f"New wording ({key})",
        )
    assert Statement.objects.get(key="visio").text_fi.startswith("Uusi")
    visitor.check()


# --- Deleting what the frozen year depends on --------------------------------------------------


def test_editor_tries_every_delete_the_admin_offers(visitor, editor):
    """The editor deletes, through the admin's delete pages, a network and a measure with
    2020 statuses, the 2020 round, the programme, a priority, a level in use, a statement the
    2020 survey asked and the 2020 survey: each is refused or leaves 2020 as it was."""
    visitor.before()
    targets = [
        f"/admin/networks/network/{network('kulttuuri').pk}/delete/",
        f"/admin/programme/measure/{Measure.objects.get(code='9').pk}/delete/",
        f"/admin/programme/assessmentround/{AssessmentRound.objects.get(year=YEAR).pk}/delete/",
        f"/admin/barometer/statement/{Statement.objects.get(key='ilmapiiri').pk}/delete/",
        f"/admin/barometer/survey/{Survey.objects.get(year=YEAR).pk}/delete/",
        f"/admin/programme/programme/{programme().pk}/delete/",
    ]
    for url in targets:
        editor.post(url, {"post": "yes"})
    level = StatusLevel.objects.get(programme=programme(), rank=3)
    priority = Priority.objects.get(programme=programme(), code="1")
    form = editor.get(programme_url())
    if form.status_code == 200:
        data = admin_form_data(form)
        for prefix, obj in (("levels", level), ("priorities", priority)):
            for i in range(int(data[f"{prefix}-TOTAL_FORMS"])):
                if int(data[f"{prefix}-{i}-id"]) == obj.pk:
                    data[f"{prefix}-{i}-DELETE"] = "on"
        editor.post(programme_url(), data)
    visitor.check()


# --- Names are corrected live ------------------------------------------------------------------


def test_names_are_corrected_live_and_the_published_review_keeps_its_words(demo_data, editor):
    """A measure's title, a network's name and a status level's label are names: a correction
    shows on every page, 2020's included (docs/operations.md). What the published review
    stored keeps the words it was published with."""
    review_before = read_review()
    admin_save(editor, measure_url("9"), title_fi="Kumppanuusfoorumia kehitetään (korjattu).")
    admin_save(
        editor,
        f"/admin/networks/network/{network('matkailu').pk}/change/",
        name_fi="Matkailuverkosto",
    )
    level = StatusLevel.objects.get(programme=programme(), rank=3)
    programme_save(editor, levels={level.pk: {"label_fi": "vakiintunut"}})
    matrix = read_matrix()
    assert "Matkailuverkosto" in matrix["columns"]
    assert any("(korjattu)" in row for row in matrix["rows"])
    assert any(re.search(r"\bvakiintunut\b", row) for row in matrix["rows"])
    assert_unchanged("review", review_before, read_review())


def test_contact_person_cannot_touch_the_structure(visitor):
    """A contact person tries the structural edits an editor can make (a measure's networks,
    a network's activity, the scale, the 2020 round): each is refused and 2020 stays."""
    before = {surface: visitor.surfaces.read(surface) for surface in ("matrix", "overview")}
    contact = logged_in("yhteyshenkilo")
    measure = Measure.objects.get(code="9")
    linked = set(measure_networks("9"))
    answers = [
        contact.post(f"/admin/programme/measure/{measure.pk}/change/", {"networks": []}),
        contact.post(f"/admin/networks/network/{network('matkailu').pk}/change/", {"name_fi": "x"}),
        contact.post(programme_url(), {"name_fi": "x"}),
        contact.post(
            "/admin/programme/assessmentround/",
            {
                "action": "open_rounds",
                ACTION_CHECKBOX_NAME: [AssessmentRound.objects.get(year=YEAR).pk],
            },
        ),
    ]
    assert [answer.status_code for answer in answers[:3]] == [403, 403, 403]
    assert set(measure_networks("9")) == linked
    assert network("matkailu").name == "Matkailufoorumi"
    assert AssessmentRound.objects.get(year=YEAR).state == "closed"
    assert user("yhteyshenkilo").is_staff
    for surface, seen in before.items():
        assert_unchanged(surface, seen, visitor.surfaces.read(surface))


def test_reclosing_2020_through_the_service_keeps_its_stored_figures(visitor, editor):
    """round_close on the already closed 2020 round (a second click on "close") must not
    recompute its figures after the programme changed (a measure added)."""
    stored = AssessmentRound.objects.get(year=YEAR).figures
    form = editor.get("/admin/programme/measure/add/")
    data = admin_form_data(
        form,
        programme=programme().pk,
        priority=Priority.objects.get(programme=programme(), code="1").pk,
        code="31",
        title_fi="Uusi",
        order=31,
    )
    assert editor.post("/admin/programme/measure/add/", data).status_code == 302
    programme_services.round_close(
        assessment_round=AssessmentRound.objects.get(year=YEAR), user=user("toimittaja")
    )
    assert AssessmentRound.objects.get(year=YEAR).figures == stored
