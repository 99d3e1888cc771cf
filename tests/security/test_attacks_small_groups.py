"""Outside privacy test: can anyone work out the answers of a small respondent group of the
barometer from what the portal publishes?

The promise (barometer/results.py): a group with fewer than MIN_GROUP_SIZE answers to a
statement is never broken out, and no group's figures follow from what is published: not by
subtracting the groups shown from the totals, not by comparing statements, languages, pages,
file formats, nor a survey's results before and after an import or a late answer.

Every survey here is built the way the portal builds one: an editor (`toimittaja`) imports
the answers through the admin's import page, people answer through the public form, and the
editor closes the survey and publishes its results with the admin's actions. The attacker
then reads only what an anonymous visitor gets: the results pages in fi/sv/en, the open data
files, the barometer index and the front page. Each test first checks in the database that
its small group really is there, so it cannot pass on an empty survey.
"""

import json
import re
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Q
from django.test import Client

from barometer.models import Answer, OrganisationType, Question, Statement, Survey
from barometer.results import MIN_GROUP_SIZE
from tests.conftest import reset_rate_limits

pytestmark = pytest.mark.django_db

SURVEYS = "/admin/barometer/survey/"
KEYS = ("visio", "ilmapiiri")  # the demo data's statements; "visio" is the headline
HEADER = "vastaaja,vastattu,organisaatio,visio,ilmapiiri\n"
LABELS = {value: str(label) for value, label in OrganisationType.choices} | {"": "ei ilmoitettu"}
KUNTA, YRITYS, JARJESTO, MUU = "kunta", "yritys", "yhdistys tai järjestö", "muu"


# --- Building a survey as the portal does -----------------------------------------------------


def editor_client():
    client = Client()
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    return client


def open_survey(year):
    """An open survey: the organisation question, the two statements, as an editor sets it up."""
    survey = Survey.objects.create(year=year, title=f"Kumppanuusbarometri {year}", state="open")
    Question.objects.create(survey=survey, order=0, kind="organisation")
    for order, key in enumerate(KEYS, start=1):
        Question.objects.create(
            survey=survey, order=order, kind="likert", statement=Statement.objects.get(key=key)
        )
    return survey


def people(organisation, visio, ilmapiiri=None):
    """Respondents of one organisation type: (organisation, visio, ilmapiiri) per person;
    None = skipped, "EOS" = en osaa sanoa. `ilmapiiri` defaults to a mixed column."""
    if ilmapiiri is None:
        ilmapiiri = [(1, 4, 3, 5, 2, "EOS", 4)[i % 7] for i in range(len(visio))]
    return [(organisation, a, b) for a, b in zip(visio, ilmapiiri, strict=True)]


def cell(value):
    return "" if value is None else str(value)


def import_rows(editor, survey, rows, prefix):
    """Upload the rows through the admin's import page, as an editor does."""
    body = HEADER + "".join(
        f"{prefix}-{i},{survey.year}-11-20 10:00,{org},{cell(a)},{cell(b)}\n"
        for i, (org, a, b) in enumerate(rows)
    )
    response = editor.post(
        f"{SURVEYS}{survey.pk}/tuo/",
        {"file": SimpleUploadedFile("vienti.csv", body.encode(), content_type="text/csv")},
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def admin_action(editor, survey, action):
    response = editor.post(SURVEYS, {"action": action, "_selected_action": [survey.pk]})
    assert response.status_code == 302, response.status_code
    survey.refresh_from_db()


def close_and_publish(editor, survey):
    admin_action(editor, survey, "close_surveys")
    admin_action(editor, survey, "publish_results")
    assert survey.state == "closed" and survey.results_published


def answer_on_the_web(survey, organisation, visio, ilmapiiri):
    """One person answering through the public form, in a browser of their own."""
    reset_rate_limits()
    client = Client(REMOTE_ADDR="198.51.100.7")
    url = f"/barometri/{survey.year}/vastaa/"
    page = client.get(url)
    assert page.status_code == 200
    token = re.search(r'name="submission_token" value="([^"]+)"', page.content.decode())
    data = {"submission_token": token.group(1) if token else ""}
    for question in survey.questions.select_related("statement"):
        if question.kind == "organisation":
            data[f"k{question.pk}"] = organisation
        elif question.kind == "likert":
            value = {"visio": visio, "ilmapiiri": ilmapiiri}[question.statement.key]
            if value is not None:
                data[f"k{question.pk}"] = str(value)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def build_published(year, rows):
    survey = open_survey(year)
    editor = editor_client()
    import_rows(editor, survey, rows, f"r{year}")
    close_and_publish(editor, survey)
    return survey, editor


# --- The truth, read from the database (only to check the attacker's result) -----------------


def truth(survey, key):
    """{organisation: (answers, agreeing)} of one statement, straight from the answers."""
    rows = (
        Answer.objects.filter(question__survey=survey, question__statement__key=key)
        .values("response__organisation_type")
        .annotate(n=Count("pk"), k=Count("pk", filter=Q(value__gte=4)))
    )
    return {row["response__organisation_type"]: (row["n"], row["k"]) for row in rows}


# --- What an anonymous visitor reads ---------------------------------------------------------


@dataclass
class StatementView:
    text: str
    distribution: list  # counts of 1, 2, 3, 4, 5, en osaa sanoa
    groups: dict  # label: (respondents, percent)
    svg: str

    @property
    def total(self):
        return sum(self.distribution)

    @property
    def agree(self):
        return self.distribution[3] + self.distribution[4]


@dataclass
class ResultsView:
    respondents: int
    statements: list
    html: str


ROW = re.compile(
    r'<tr><th scope="row" class="fw-normal">(.*?)</th>'
    r'<td class="text-end">(.*?)</td><td class="text-end">(.*?)</td></tr>'
)


def number(text):
    return int(re.match(r"\d+", text).group())


def read_results(year, prefix=""):
    response = Client().get(f"{prefix}/barometri/{year}/")
    assert response.status_code == 200
    html = response.content.decode()
    lead = re.search(r'<p class="lead">\s*(\d+)', html)
    statements = []
    for section in re.findall(
        r'<section aria-labelledby="vaittama-\d+" class="mb-5 statement-result">(.*?)</section>',
        html,
        re.S,
    ):
        text = re.search(r"<h2[^>]*>(.*?)</h2>", section, re.S).group(1)
        tables = re.findall(r"<table.*?</table>", section, re.S)
        distribution = [number(count) for _label, count, _share in ROW.findall(tables[0])]
        assert len(distribution) == 6, tables[0]
        groups = {}
        if len(tables) > 1:
            groups = {
                label: (number(respondents), number(percent))
                for label, respondents, percent in ROW.findall(tables[1])
            }
        svg = "".join(re.findall(r"<svg.*?</svg>", section, re.S))
        statements.append(StatementView(text, distribution, groups, svg))
    return ResultsView(number(lead.group(1)), statements, html)


def statement_view(view, key):
    return view.statements[KEYS.index(key)]


def percent(k, n):
    return round(k / n * 100)


def group_readings(respondents, shown_percent):
    """Every (answers, agreeing) a shown group can have: at least MIN_GROUP_SIZE answers, at
    most its respondents, and the percent the page prints."""
    return [
        (n, k)
        for n in range(MIN_GROUP_SIZE, respondents + 1)
        for k in range(n + 1)
        if percent(k, n) == shown_percent
    ]


def attacker_pool(statement):
    """The attacker's subtraction on one statement: totals minus every shown group, taking a
    shown group's answers as its respondents (nobody skipped), as a reader would. None when a
    shown group's reading is not that."""
    answers, agree = statement.total, statement.agree
    for respondents, shown_percent in statement.groups.values():
        readings = [r for r in group_readings(respondents, shown_percent) if r[0] == respondents]
        if len(readings) != 1:
            return None
        answers -= readings[0][0]
        agree -= readings[0][1]
    return answers, agree


# --- 1. One publication: subtraction on each statement, for many shapes --------------------

SHAPES = {
    "exactly one small group": people(KUNTA, [5, 4, 4, 2, 1, 5, 3, 4]) + people(YRITYS, [5, 5, 4]),
    "one small group next to two large": people(KUNTA, [5, 4, 4, 2, 1, 5, 3, 4])
    + people(JARJESTO, [1, 2, 4, 5, 3, 2])
    + people(YRITYS, [5, 5, 4]),
    "two small groups that together reach 5": people(KUNTA, [5, 4, 4, 2, 1, 5, 3, 4])
    + people(JARJESTO, [1, 2, 4, 5, 3, 2])
    + people(YRITYS, [5, 5, 1])
    + people(MUU, [2, 4]),
    "small group plus a group of exactly 5": people(KUNTA, [5, 4, 4, 2, 1, 5, 3, 4, 4])
    + people(JARJESTO, [1, 2, 4, 5, 3])
    + people(YRITYS, [5, 2]),
    "small for visio (3 skipped), large for ilmapiiri": people(KUNTA, [5, 4, 4, 2, 1, 5, 3, 4])
    + people(JARJESTO, [1, 2, 4, 5, 3, 2])
    + people(YRITYS, [5, 5, 4, None, None, None, None], [1, 2, 4, 5, 4, 3, 5]),
    "en osaa sanoa in the small group and the totals": people(
        KUNTA, [5, "EOS", 4, 2, 1, 5, "EOS", 4]
    )
    + people(JARJESTO, [1, "EOS", 4, 5, 3, 2])
    + people(YRITYS, ["EOS", "EOS", 4]),
    "a group of 5 all agreeing, a small one all agreeing": people(KUNTA, [5, 4, 4, 2, 1, 5, 3, 4])
    + people(JARJESTO, [5, 5, 5, 5, 5])
    + people(YRITYS, [4, 4, 4]),
    "muu and ei ilmoitettu as small groups": people(KUNTA, [5, 4, 4, 2, 1, 5, 3, 4])
    + people(JARJESTO, [1, 2, 4, 5, 3, 2])
    + people(MUU, [5, 1])
    + people("", [4, 4]),
    "a survey of 4 respondents in all": people(KUNTA, [5, 4]) + people(YRITYS, [1, 5]),
    "one group only, and it is small": people(YRITYS, [5, 4, 4]),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_subtracting_shown_groups_from_the_totals_reveals_no_small_group(demo_data, shape):
    """A reader subtracts every shown group (respondents, percent) from the statement's
    distribution. Whatever is left must be at least 5 answers of at least 2 groups, neither
    all agreeing nor all disagreeing; and no small group is ever shown."""
    survey, _editor = build_published(2041, SHAPES[shape])
    view = read_results(2041)
    assert view.respondents == len(SHAPES[shape])
    small_somewhere = False
    for key in KEYS:
        real = truth(survey, key)
        statement = statement_view(view, key)
        small = [LABELS[org] for org, (n, _k) in real.items() if n < MIN_GROUP_SIZE]
        small_somewhere = small_somewhere or bool(small)
        for label in statement.groups:
            assert label not in small, f"{key}: small group {label} broken out: {statement}"
        hidden = {LABELS[org]: counts for org, counts in real.items()}
        for label in statement.groups:
            hidden.pop(label)
        pool = attacker_pool(statement)
        true_pool = (sum(n for n, _k in hidden.values()), sum(k for _n, k in hidden.values()))
        if not statement.groups or not hidden or pool != true_pool:
            continue  # no breakdown, nothing hidden, or the reader's subtraction is wrong
        answers, agree = pool
        assert len(hidden) >= 2 and answers >= MIN_GROUP_SIZE and 0 < agree < answers, (
            f"{key}: totals {statement.total} answers / {statement.agree} agreeing minus shown "
            f"{statement.groups} leave {answers} answers / {agree} agreeing, which are "
            f"exactly the hidden groups {hidden}"
        )
    assert small_somewhere, "the shape has no small group: nothing was tested"


# --- 2. Before and after: once published, a survey's answers are final ---------------------
#
# Suppression decides within one publication. A second publication of the same survey with a
# few more answers let anyone subtract the two pages and find what the first one hid (found by
# the attacks below, which recovered both hidden groups before answers became final). So the
# changes that would make a second, different publication are refused with a Finnish message,
# and the page stays byte for byte what it was.

ANSWERS_FINAL = "sen tulokset on jo julkaistu, joten vastaukset ovat lopulliset"


def upload(editor, survey, rows, prefix):
    """The admin's import page, as an editor uses it; the response as it is."""
    body = HEADER + "".join(
        f"{prefix}-{i},{survey.year}-11-20 10:00,{org},{cell(a)},{cell(b)}\n"
        for i, (org, a, b) in enumerate(rows)
    )
    return editor.post(
        f"{SURVEYS}{survey.pk}/tuo/",
        {"file": SimpleUploadedFile("vienti.csv", body.encode(), content_type="text/csv")},
    )


def test_late_web_answers_cannot_reveal_the_small_group_they_join(demo_data):
    """Four companies answered "visio" (3 of them agree): too few, so "yritys" is hidden and
    the smallest large group (järjestö, 5) with it; the results are published. The attack:
    the editor reopens the survey for late answers, one more company (the attacker) answers
    visio = 1, and once republished "yritys" has 5 answers and is shown; the attacker subtracts
    their own answer and has the 4 companies' suppressed 3 of 4. Reopening is refused."""
    rows = (
        people(KUNTA, [4, 4, 4, 1, 2, 3])
        + people(JARJESTO, [1, 2, 3, 4, 5])
        + people(YRITYS, [5, 5, 4, 2])
    )
    survey, editor = build_published(2041, rows)
    assert truth(survey, "visio")[YRITYS] == (4, 3), "the small group is not there"
    before = read_results(2041)
    assert LABELS[YRITYS] not in statement_view(before, "visio").groups  # suppressed
    respondents = survey.responses.count()

    refused = editor.post(
        SURVEYS, {"action": "open_surveys", "_selected_action": [survey.pk]}, follow=True
    )
    assert ANSWERS_FINAL in refused.content.decode()
    survey.refresh_from_db()
    assert survey.state == "closed" and survey.results_published
    assert survey.responses.count() == respondents
    assert read_results(2041).html == before.html


@pytest.mark.parametrize("workflow", ["into the published survey", "unpublish, import, publish"])
def test_late_imports_cannot_reveal_a_group_that_stays_small(demo_data, workflow):
    """Only 2 of 5 companies answered "visio" (both agree); all 5 answered "ilmapiiri". On
    visio the companies are hidden with järjestö (5) as their complement; kunta (6) is shown.
    The attack: 2 late paper answers of associations (visio 3, 3) imported into the published
    survey make järjestö 7 and shown; a reader who saved the page before subtracts and gets
    the companies' 2 of 2, a group that never reached 5. The same when the editor first takes
    the results off the site. The import is refused either way, nothing stored."""
    rows = (
        people(KUNTA, [4, 4, 4, 1, 2, 3], [4, 4, 4, 1, 2, 3])
        + people(JARJESTO, [1, 2, 3, 4, 5], [3, 3, 4, 4, 5])
        + people(YRITYS, [5, 5, None, None, None], [1, 2, 3, 4, 5])
    )
    survey, editor = build_published(2041, rows)
    assert truth(survey, "visio")[YRITYS] == (2, 2), "the small group is not there"
    before = read_results(2041)
    assert LABELS[YRITYS] not in statement_view(before, "visio").groups
    respondents = survey.responses.count()

    if workflow == "unpublish, import, publish":
        admin_action(editor, survey, "unpublish_results")
        assert Client().get("/barometri/2041/").status_code == 404
    response = upload(editor, survey, people(JARJESTO, [3, 3], [3, 3]), "myohassa")
    assert response.status_code == 409 and ANSWERS_FINAL in response.content.decode()
    assert survey.responses.count() == respondents
    if workflow == "unpublish, import, publish":
        admin_action(editor, survey, "publish_results")
    assert read_results(2041).html == before.html


# --- 4. Every output and language shows the same figures, and only the page breaks out -------


def test_every_output_and_language_shows_the_same_overall_figures_and_no_groups(demo_data):
    """A small group (yritys, 3) next to two large ones. The fi/sv/en results pages must show
    the same numbers; the open data (CSV, Excel-CSV, JSON), the barometer index and the front
    page must carry the overall figures only: none of them names an organisation type or a
    figure that is not on the Finnish results page."""
    rows = (
        people(KUNTA, [5, 4, 4, 2, 1, 5, 3, 4])
        + people(JARJESTO, [1, 2, 4, 5, 3, 2])
        + people(YRITYS, [5, 5, 4])
    )
    survey, _editor = build_published(2041, rows)
    assert truth(survey, "visio")[YRITYS] == (3, 3)
    finnish = read_results(2041)
    for prefix in ("/sv", "/en"):
        other = read_results(2041, prefix)
        assert other.respondents == finnish.respondents
        for mine, theirs in zip(finnish.statements, other.statements, strict=True):
            assert theirs.distribution == mine.distribution
            assert sorted(theirs.groups.values()) == sorted(mine.groups.values()), prefix
    for statement in finnish.statements:
        for label in LABELS.values():
            assert label not in statement.svg, f"chart names {label}"
    # open data: one row per year and statement, overall figures only
    body = json.loads(Client().get("/avoin-data/barometri.json").content.decode())
    rows_2041 = [row for row in body["tulokset"] if row["vuosi"] == 2041]
    assert {row["vaittama"] for row in rows_2041} == set(KEYS)
    for row in rows_2041:
        statement = statement_view(finnish, row["vaittama"])
        assert row["vastauksia"] == statement.total
        assert row["samaa_mielta_osuus"] == round(statement.agree / statement.total, 4)
    for url in ("/avoin-data/barometri.csv", "/avoin-data/barometri-excel.csv"):
        response = Client().get(url)
        text = response.content.decode("utf-8-sig", errors="replace")
        if "excel" in url and "2041" not in text:
            text = response.content.decode("cp1252", errors="replace")
        lines = [line for line in text.splitlines() if line.startswith("2041")]
        assert len(lines) == 2, text[:500]
        for line in lines:
            assert not any(label in line for label in LABELS.values() if label), line
    visio = statement_view(finnish, "visio")
    overall = f"{percent(visio.agree, visio.total)}\u00a0%"
    for url in ("/barometri/", "/"):
        html = Client().get(url).content.decode()
        assert overall in html, url  # the headline's overall share, the only figure of 2041
        assert "organisaation tyypin mukaan" not in html, url
