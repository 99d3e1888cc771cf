"""Outside attacks, round 3 (attack13): frozen reviews, CSV cells under either separator, the
barometer import's all-or-nothing and keys (PostgreSQL too), the measure page's ?vuosi=.
A strict xfail documents a hole found; a plain test is a guarantee that held."""

import contextlib
import csv
import io
import re
import threading

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from barometer.importing import MAX_IMPORT_BYTES, survey_import_csv
from barometer.models import Answer, Question, Response, Statement, Survey
from feedback.models import Idea
from kumppanuus.models import AnnualReview
from networks.models import ContactPerson, Event, Network
from programme.models import AssessmentRound, Measure, MeasureStatus
from tests.barometer.test_importing import HEADER, import_survey_in, stored
from tests.conftest import admin_form_data
from tests.security.pausing import run_at_once

pytestmark = pytest.mark.django_db

REVIEW = "/vuosikatsaus/2020/"
REVIEW_URLS = [REVIEW, "/sv/vuosikatsaus/2020/", "/en/vuosikatsaus/2020/"]
IDEAS = "/admin/feedback/idea/"
SURVEYS = "/admin/barometer/survey/"


def page(client, url=REVIEW):
    client.logout()
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return re.sub(r'nonce="[^"]*"', "", text)


@pytest.fixture
def frozen(as_role, client):
    assert AnnualReview.objects.get(year=2020).is_published
    return {url: page(client, url) for url in REVIEW_URLS}


def assert_frozen(client, before):
    for url, text in before.items():
        assert page(client, url) == text, url


def post_form(user_client, url, **changes):
    form = user_client.get(url)
    assert form.status_code == 200, url
    return user_client.post(url, admin_form_data(form, **changes))


# --- 1. Published means frozen ---------------------------------------------------------------


def test_editor_renames_networks_in_every_language_field(as_role, client, frozen):
    editor = as_role("editor")
    for network in Network.objects.all():
        post_form(
            editor,
            f"/admin/networks/network/{network.pk}/change/",
            name_fi=f"Uusi {network.pk}",
            name_sv=f"Ny {network.pk}",
            name_en=f"New {network.pk}",
        )
    assert Network.objects.filter(name_sv__startswith="Ny ").exists()
    assert_frozen(client, frozen)


def test_contact_person_edits_own_network_and_own_contact_card(as_role, client, frozen):
    contact = as_role("contact_a")
    for network in Network.objects.filter(slug="matkailu"):
        contact.post(
            f"/admin/networks/network/{network.pk}/change/",
            {"name_fi": "Kaapattu", "name_sv": "Kapad", "name_en": "Hijacked"},
        )
    for person in ContactPerson.objects.all():
        url = f"/admin/networks/contactperson/{person.pk}/change/"
        form = contact.get(url)
        if form.status_code == 200 and form.context and "adminform" in form.context:
            contact.post(url, admin_form_data(form, name="Kaapattu Nimi", phone="000"))
    assert_frozen(client, frozen)


def test_editor_edits_deletes_and_adds_2020_events_in_admin(as_role, client, frozen):
    editor = as_role("editor")
    events = list(Event.objects.filter(start__year=2020).order_by("pk"))
    assert events
    post_form(
        editor,
        f"/admin/networks/event/{events[0].pk}/change/",
        title="Muutettu",
        description="Muutettu kuvaus",
        place="Muualla",
    )
    for event in events[1:3]:
        editor.post(f"/admin/networks/event/{event.pk}/delete/", {"post": "yes"})
    add = editor.get("/admin/networks/event/add/")
    assert add.status_code == 200
    assert_frozen(client, frozen)


def test_forged_inline_posts_change_or_delete_highlights_of_the_published_review(
    as_role, client, frozen
):
    review = AnnualReview.objects.get(year=2020)
    highlights = list(review.highlights.order_by("pk"))
    assert highlights
    editor = as_role("editor")
    url = f"/admin/kumppanuus/annualreview/{review.pk}/change/"
    form = editor.get(url)
    data = admin_form_data(form)
    data["highlights-TOTAL_FORMS"] = str(len(highlights) + 1)
    data["highlights-INITIAL_FORMS"] = str(len(highlights))
    for i, highlight in enumerate(highlights):
        data[f"highlights-{i}-id"] = str(highlight.pk)
        data[f"highlights-{i}-review"] = str(review.pk)
        data[f"highlights-{i}-order"] = "1"
        data[f"highlights-{i}-category"] = "muu"
        data[f"highlights-{i}-title"] = "Väärennetty"
        data[f"highlights-{i}-network"] = str(Network.objects.last().pk)
        if i == 0:
            data[f"highlights-{i}-DELETE"] = "on"
    n = len(highlights)
    data[f"highlights-{n}-order"] = "9"
    data[f"highlights-{n}-category"] = "hanke"
    data[f"highlights-{n}-title"] = "Lisätty"
    data["contacts"] = [str(p) for p in ContactPerson.objects.values_list("pk", flat=True)[:2]]
    data["assessment_round"] = str(AssessmentRound.objects.get(year=2021).pk)
    editor.post(url, data)
    assert sorted(review.highlights.values_list("pk", "title")) == sorted(
        (h.pk, h.title) for h in highlights
    )
    assert_frozen(client, frozen)


def test_editor_edits_highlights_directly_as_their_own_model(as_role, client, frozen):
    """Highlight has history but no admin of its own: its URLs must not exist or refuse."""
    highlight = AnnualReview.objects.get(year=2020).highlights.first()
    editor = as_role("editor")
    for url in (
        f"/admin/kumppanuus/highlight/{highlight.pk}/change/",
        f"/admin/kumppanuus/highlight/{highlight.pk}/delete/",
    ):
        editor.post(url, {"title": "x", "category": "muu", "order": 1, "post": "yes"})
    assert_frozen(client, frozen)


def test_editor_publishes_again_and_runs_commands(as_role, client, frozen):
    review = AnnualReview.objects.get(year=2020)
    Network.objects.update(name_fi="Muutettu", name="Muutettu")
    editor = as_role("editor")
    editor.post(
        "/admin/kumppanuus/annualreview/",
        {"action": "publish", ACTION_CHECKBOX_NAME: [review.pk], "confirm": "yes"},
    )
    call_command("store_figures", stdout=io.StringIO())
    assert_frozen(client, frozen)


def test_load_demo_run_again_over_a_published_review(as_role, client, frozen):
    Network.objects.update(name_fi="Muutettu", name="Muutettu")
    call_command("load_demo", stdout=io.StringIO())
    assert_frozen(client, frozen)


def test_history_revert_screens_of_the_published_review(as_role, client, frozen):
    """Every old version of the review, reverted while it is published: the figures stay."""
    review = AnnualReview.objects.get(year=2020)
    editor = as_role("editor")
    from tests.conftest import _field_data

    for version in review.history.all():
        url = f"/admin/kumppanuus/annualreview/{review.pk}/history/{version.history_id}/"
        form = editor.get(url)
        if form.status_code == 200 and "adminform" in form.context:
            editor.post(url, _field_data(form.context["adminform"].form))
    review.refresh_from_db()
    assert review.is_published
    assert_frozen(client, frozen)


def test_editor_moves_published_review_to_a_free_year(as_role, client, frozen):
    review = AnnualReview.objects.get(year=2020)
    response = post_form(
        as_role("editor"), f"/admin/kumppanuus/annualreview/{review.pk}/change/", year="2035"
    )
    assert response.status_code in (200, 302, 403)
    client.logout()
    assert client.get(REVIEW).status_code == 200
    assert_frozen(client, frozen)


def test_editor_edits_published_review_title_lead_and_sections(as_role, client, frozen):
    review = AnnualReview.objects.get(year=2020)
    url = f"/admin/kumppanuus/annualreview/{review.pk}/change/"
    editor = as_role("editor")
    form = editor.get(url)
    changes = {"title_fi": "Hakkeroitu otsikko", "lead_sv": "Hackad ingress"}
    sections = review.sections.count()
    if sections:
        changes["sections-0-heading"] = "Hakkeroitu väliotsikko"
    editor.post(url, admin_form_data(form, **changes))
    assert_frozen(client, frozen)


# --- 2. CSV cells under either separator -----------------------------------------------------

LIVE = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[\d.,]+")
PAYLOADS = [
    "x\n=cmd|' /C calc'!A0 evil",
    "x\r\n=cmd|' /C calc'!A0 evil",
    "x\n\n+cmd|' /C calc'!A0 evil",
    'x;";=cmd|evil',
    "x;;,,=cmd|evil",
    'x,"",@SUM(1)evil',
    "x;\t=cmd evil",
    '"=cmd|evil',
    '"x";"=cmd evil',
    'x,"a;b",-2+3+cmd evil',
]


def live_cells(body, delimiter):
    text = body.decode("utf-8-sig")
    out = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        for cell in row:
            if cell.startswith(LIVE) and not NUMBER.fullmatch(cell):
                out.append(cell)
    return out


def both_ways(body):
    return live_cells(body, ",") + live_cells(body, ";")


def test_open_data_csvs_payloads_without_newlines(client, demo_data):
    rows = list(MeasureStatus.objects.public().order_by("pk")[: len(PAYLOADS)])
    payloads = [p for p in PAYLOADS if "\n" not in p and "\r" not in p]
    for row, payload in zip(rows, payloads, strict=False):
        MeasureStatus.objects.filter(pk=row.pk).update(note=payload)
    Network.objects.filter(pk=Network.objects.first().pk).update(name=payloads[0])
    Measure.objects.filter(pk=Measure.objects.first().pk).update(title=payloads[1])
    for url in (
        "/avoin-data/toimenpiteiden-tilat.csv",
        "/avoin-data/toimenpiteiden-tilat-excel.csv",
        "/avoin-data/barometri.csv",
        "/avoin-data/barometri-excel.csv",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert both_ways(response.content) == [], url


def test_open_data_csv_newline_then_formula_read_with_other_separator(client, demo_data):
    rows = list(MeasureStatus.objects.public().order_by("pk")[:3])
    MeasureStatus.objects.filter(pk=rows[0].pk).update(note="x\n=cmd|' /C calc'!A0 evil")
    MeasureStatus.objects.filter(pk=rows[1].pk).update(note="x\r\n+cmd|' /C calc'!A0 evil")
    plain = client.get("/avoin-data/toimenpiteiden-tilat.csv").content
    excel = client.get("/avoin-data/toimenpiteiden-tilat-excel.csv").content
    assert both_ways(plain) + both_ways(excel) == []


def test_idea_export_anonymous_message_with_newline_formula(as_role, client):
    from tests.feedback.test_idea_form import FORM, data

    client.logout()
    client.post(FORM, data(message="Hyvä idea, kannattaa toteuttaa\n=cmd|' /C calc'!A0 evil"))
    idea = Idea.objects.get(message__contains="evil")  # the public form took it as is
    response = as_role("editor").post(
        IDEAS, {"action": "export_csv", ACTION_CHECKBOX_NAME: [idea.pk]}
    )
    assert response.status_code == 200
    assert both_ways(response.content) == []


def test_idea_export_payloads_without_newlines(as_role):
    ids = []
    for payload in PAYLOADS:
        if "\n" in payload:
            continue
        ids.append(
            Idea.objects.create(
                topic=Idea.Topic.choices[0][0],
                message=payload,
                name=payload,
                organisation=payload,
                public_response=payload,
                email="a@example.fi",
                consent_to_contact=True,
            ).pk
        )
    response = as_role("editor").post(IDEAS, {"action": "export_csv", ACTION_CHECKBOX_NAME: ids})
    assert response.status_code == 200
    assert both_ways(response.content) == []


def test_open_answers_export_respondent_newline_formula(as_role, client, settings):
    from tests.barometer.test_views import form_data

    survey = Survey.objects.get(year=2022)
    settings.SURVEY_RATE_LIMIT = "100/h"
    client.logout()
    question = survey.questions.filter(kind="open_text").first()
    assert question is not None
    client.post(
        "/barometri/2022/vastaa/",
        form_data(survey, **{f"k{question.pk}": "Hyvä\n=cmd|' /C calc'!A0 evil"}),
    )
    assert Answer.objects.filter(text__contains="evil").exists()
    response = as_role("editor").post(
        SURVEYS, {"action": "export_open_answers", ACTION_CHECKBOX_NAME: [survey.pk]}
    )
    assert response.status_code == 200
    assert both_ways(response.content) == []


def test_open_answers_export_payloads_without_newlines(as_role):
    survey = Survey.objects.get(year=2022)
    question = survey.questions.filter(kind="open_text").first()
    for _i, payload in enumerate(p for p in PAYLOADS if "\n" not in p):
        response = Response.objects.create(survey=survey, organisation_type="kunta")
        Answer.objects.create(response=response, question=question, text=payload)
    response = as_role("editor").post(
        SURVEYS, {"action": "export_open_answers", ACTION_CHECKBOX_NAME: [survey.pk]}
    )
    assert response.status_code == 200
    assert both_ways(response.content) == []


# --- 3. The barometer import ----------------------------------------------------------------


@pytest.fixture
def import_survey(db):
    return import_survey_in("open")


def table_state():
    """Rows of both tables, every foreign key definition (PostgreSQL: as the catalogue has it)
    and the number of orphans."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
                "condeferrable, condeferred, convalidated FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid::regclass::text IN "
                "('barometer_answer', 'barometer_response') ORDER BY 1, 2"
            )
            keys = cursor.fetchall()
        else:
            keys = sorted(
                (table, name, str(c["columns"]), str(c["foreign_key"]))
                for table in ("barometer_answer", "barometer_response")
                for name, c in connection.introspection.get_constraints(cursor, table).items()
                if c["foreign_key"]
            )
        cursor.execute(
            "SELECT count(*) FROM barometer_answer a LEFT JOIN barometer_response r "
            "ON r.id = a.response_id WHERE r.id IS NULL"
        )
        orphans = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM barometer_answer a LEFT JOIN barometer_question q "
            "ON q.id = a.question_id WHERE q.id IS NULL"
        )
        orphans += cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM barometer_response r LEFT JOIN barometer_survey s "
            "ON s.id = r.survey_id WHERE s.id IS NULL"
        )
        orphans += cursor.fetchone()[0]
    return keys, orphans


def upload(editor, survey, data, name="a.csv"):
    return editor.post(
        f"{SURVEYS}{survey.pk}/tuo/",
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


@pytest.fixture
def editor(as_role):
    return as_role("editor")


def test_file_over_the_cap_refused_in_finnish_with_4xx(editor, import_survey):
    before, state = stored(import_survey), table_state()
    data = (HEADER + "a1,2020-11-24 16:22,kunta,5,4,").encode()
    data += b"x" * (MAX_IMPORT_BYTES + 10 - len(data)) + b"\n"
    response = upload(editor, import_survey, data)
    assert 400 <= response.status_code < 500
    assert "liian suuri" in response.content.decode()
    assert stored(import_survey) == before and table_state() == state


def test_field_over_the_csv_field_limit_is_a_clear_refusal(editor, import_survey):
    data = (HEADER + 'a1,2020-11-24 16:22,kunta,5,4,"' + "x" * 200_000 + '"\n').encode()
    before = stored(import_survey)
    response = upload(editor, import_survey, data)
    assert 400 <= response.status_code < 500
    assert stored(import_survey) == before


def test_time_out_of_range_is_a_row_error(editor, import_survey):
    before, state = stored(import_survey), table_state()
    data = (HEADER + "a1,0001-01-01 00:00,kunta,5,4,\n").encode()
    try:
        response = upload(editor, import_survey, data)
        status = response.status_code
    except OverflowError:
        status = 500
    assert stored(import_survey) == before and table_state() == state
    assert 400 <= status < 500


@pytest.mark.parametrize(
    "rows",
    [
        "a1,2020-11-24 16:22,kunta,5,4,\na1,2020-11-24 16:22,kunta,5,4,\n",
        "a1,2020-11-24 16:22,kunta,5,4,\na2,2020-13-24 16:22,kunta,5,4,\n",
        "a1,2020-11-24 16:22,kunta,5,4,\na2,2020-11-24 16:22,kunta,6,4,\n",
        "a1,2020-11-24 16:22,kunta,5,4,\na2,2020-11-24 16:22,alien,5,4,\n",
        "a1,2020-11-24 16:22,kunta,5,4,\na2,2020-11-24 16:22,kunta,5,4\n",
        'a1,2020-11-24 16:22,kunta,5,4,\n"a2,2020-11-24 16:22,kunta,5,4,\n',
        "a1,2020-11-24 16:22,kunta,5,4,\r\na2,2020-02-30 16:22,kunta,5,4,\r\n",
        "a1,2020-11-24 16:22,kunta,5,4,\na2,2020-11-24 16:22,kunta,5,4," + "y" * 4001 + "\n",
    ],
)
def test_bad_rows_refuse_the_whole_file(editor, import_survey, rows):
    before, state = stored(import_survey), table_state()
    response = upload(editor, import_survey, (HEADER + rows).encode())
    assert 400 <= response.status_code < 500
    assert stored(import_survey) == before and table_state() == state


def test_failure_mid_import_writes_nothing_and_keeps_keys(import_survey, monkeypatch):
    from barometer import importing

    before, state = stored(import_survey), table_state()
    original = importing._BulkWriter.answers

    def half_then_fail(self, cursor, rows):
        original(self, cursor, list(rows)[:3])
        raise RuntimeError("yhteys katkesi")

    monkeypatch.setattr(importing._BulkWriter, "answers", half_then_fail)
    data = (HEADER + "".join(f"m{i},2020-11-24 16:22,kunta,5,4,ok\n" for i in range(50))).encode()
    with pytest.raises(RuntimeError):
        survey_import_csv(survey=import_survey, data=data)
    assert stored(import_survey) == before and table_state() == state


def test_failure_mid_import_through_the_admin(editor, import_survey, monkeypatch):
    from barometer import importing

    before, state = stored(import_survey), table_state()

    def fail(self, cursor, rows):
        raise RuntimeError("levy täynnä")

    monkeypatch.setattr(importing._BulkWriter, "answers", fail)
    data = (HEADER + "m1,2020-11-24 16:22,kunta,5,4,ok\n").encode()
    editor.raise_request_exception = False
    response = upload(editor, import_survey, data)
    assert response.status_code >= 400
    assert stored(import_survey) == before and table_state() == state


def test_successful_import_keeps_key_definitions(import_survey):
    state = table_state()
    data = (HEADER + "".join(f"s{i},2020-11-24 16:22,kunta,5,EOS,ok\n" for i in range(30))).encode()
    survey_import_csv(survey=import_survey, data=data)
    assert table_state() == state
    assert stored(import_survey) == (30, 90)


# --- 3b. PostgreSQL: concurrent imports and answers -----------------------------------------


def _pg_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def _two_surveys_two_files():
    surveys = []
    for year in (2031, 2032):
        survey = Survey.objects.create(year=year, title=f"Rinnakkain {year}", state="open")
        for order, key in enumerate(["visio", "ilmapiiri"]):
            statement, _ = Statement.objects.get_or_create(key=key, defaults={"text": key})
            Question.objects.create(survey=survey, order=order, kind="likert", statement=statement)
        Question.objects.create(survey=survey, order=9, kind="open_text", text="Avoin")
        surveys.append(survey)
    files = [
        (HEADER + "".join(f"{p}{i},2020-11-24 16:22,kunta,5,4,ok\n" for i in range(3000))).encode()
        for p in ("p", "q")
    ]
    return surveys, files


def _import_both(surveys, files, monkeypatch, interleave):
    """interleave: both imports have read their survey's existing respondents (inside their
    transactions) before either sets the keys aside, as two editors' uploads may."""
    if interleave:
        from barometer import importing

        meeting = threading.Barrier(2)
        original_init = importing._BulkWriter.__init__

        def init_after_both_read(self):
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait(10)
            original_init(self)

        monkeypatch.setattr(importing._BulkWriter, "__init__", init_after_both_read)
    start = threading.Barrier(2)

    def importer(survey, data):
        def run():
            start.wait()
            survey_import_csv(survey=survey, data=data)

        return run

    return run_at_once([importer(s, d) for s, d in zip(surveys, files, strict=True)])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("interleave", [False, True])
def test_two_imports_at_once_keep_keys_and_each_is_all_or_nothing_on_postgresql(
    demo_data, monkeypatch, interleave
):
    _pg_only()
    surveys, files = _two_surveys_two_files()
    state = table_state()
    errors = _import_both(surveys, files, monkeypatch, interleave)
    assert table_state() == state
    done = [stored(s) for s in surveys]
    assert all(c in ((0, 0), (3000, 9000)) for c in done), done
    assert len(errors) + sum(1 for c in done if c == (3000, 9000)) == 2


@pytest.mark.django_db(transaction=True)
def test_two_interleaved_imports_both_succeed_on_postgresql(demo_data, monkeypatch):
    _pg_only()
    surveys, files = _two_surveys_two_files()
    errors = _import_both(surveys, files, monkeypatch, True)
    assert errors == [], errors
    assert [stored(s) for s in surveys] == [(3000, 9000), (3000, 9000)]


@pytest.mark.django_db(transaction=True)
def test_import_while_anonymous_visitors_answer_on_postgresql(demo_data, settings):
    _pg_only()
    from django.test import Client

    from tests.barometer.test_views import form_data

    settings.SURVEY_RATE_LIMIT = "1000/h"
    survey = Survey.objects.get(year=2022)
    state = table_state()
    before = stored(survey)
    data = (
        "vastaaja,vastattu,organisaatio,"
        + ",".join(
            q.statement.key for q in survey.questions.filter(kind="likert").order_by("order")
        )
        + "\n"
    )
    n_likert = survey.questions.filter(kind="likert").count()
    data += "".join(
        f"v{i},2022-11-24 16:22,kunta," + ",".join(["4"] * n_likert) + "\n" for i in range(4000)
    )
    statuses = []

    def visitor(i):
        def run():
            client = Client(raise_request_exception=False)
            for _ in range(5):
                client.cookies.clear()
                statuses.append(
                    client.post(
                        "/barometri/2022/vastaa/",
                        form_data(survey),
                        REMOTE_ADDR=f"198.51.100.{i}",
                    ).status_code
                )

        return run

    def importer():
        survey_import_csv(survey=survey, data=data.encode())

    errors = run_at_once([importer, visitor(1), visitor(2)])
    assert table_state() == state
    created, _answers = stored(survey)
    web = sum(1 for s in statuses if s == 302)
    # The import is all or nothing. (Seen once in three PostgreSQL runs: the import itself
    # lost a deadlock to the visitors' answers and was rolled back whole; not asserted here,
    # it does not happen every run.)
    assert created in (before[0] + 4000 + web, before[0] + web), (errors, statuses)
    assert bool(errors) == (created == before[0] + web), errors


# --- 4. The measure page ---------------------------------------------------------------------


def measure_with_open_statuses():
    open_round = AssessmentRound.objects.filter(state="open").first()
    assert open_round is not None
    status = MeasureStatus.objects.filter(round=open_round).select_related("measure").first()
    MeasureStatus.objects.filter(round=open_round).update(note="KESKENERÄINEN-ARVIO")
    return open_round, status.measure


def test_measure_page_never_shows_an_open_rounds_statuses(client, as_role, demo_data):
    open_round, measure = measure_with_open_statuses()
    url = f"/ohjelma/toimenpiteet/{measure.code}/"
    programme = measure.programme.slug
    for query in (
        "",
        f"?vuosi={open_round.year}",
        f"?vuosi={open_round.year}&ohjelma={programme}",
        f"?ohjelma={programme}&vuosi=%20{open_round.year}%20",
        f"?vuosi=2019&vuosi={open_round.year}",
        f"?vuosi={open_round.year}&vuosi=2019",
    ):
        for prefix in ("", "/sv", "/en"):
            as_role("contact_a")  # a logged-in visit first must not leave anything behind
            client.logout()
            response = client.get(prefix + url + query)
            assert response.status_code in (200, 404), query
            assert b"KESKENER" not in response.content, query


def test_measure_page_open_round_with_page_cache_after_reopen(client, as_role, demo_data, settings):
    """A closed, cached year reopened (not frozen): the cached page must not keep showing it."""
    settings.PAGE_CACHE_SECONDS = 300
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()
    closed = AssessmentRound.objects.filter(state="closed", frozen_by_review="").first()
    if closed is None:
        closed = AssessmentRound.objects.filter(state="open").first()
        as_role("editor").post(
            "/admin/programme/assessmentround/",
            {"action": "close_rounds", ACTION_CHECKBOX_NAME: [closed.pk]},
        )
        assert AssessmentRound.objects.get(pk=closed.pk).state == "closed"
    status = MeasureStatus.objects.filter(round=closed).select_related("measure").first()
    url = f"/ohjelma/toimenpiteet/{status.measure.code}/?vuosi={closed.year}"
    client.logout()
    assert client.get(url).status_code == 200
    editor = as_role("editor")
    editor.post(
        "/admin/programme/assessmentround/",
        {"action": "open_rounds", ACTION_CHECKBOX_NAME: [closed.pk]},
    )
    assert AssessmentRound.objects.get(pk=closed.pk).state == "open"
    MeasureStatus.objects.filter(round=closed).update(note="KESKENERÄINEN-ARVIO")
    client.logout()
    for target in (url, url.split("?")[0]):
        response = client.get(target)
        assert b"KESKENER" not in response.content, target
    assert client.get(url).status_code == 404


ODD_YEARS = [
    "abc",
    "２０２０",
    "٢٠٢٠",
    "2020.0",
    "%2B2020",
    "-1",
    "0",
    "99999999999999999999999999",
    "2020%00",
    "%00",
    "20%2020",
    "%F0%9F%92%A9",
    "%FF",
    "1e3",
    "2020abc",
    "1" * 5000,
    "2021",
]


@pytest.mark.parametrize("value", ODD_YEARS)
def test_measure_page_odd_vuosi_values_answer_4xx(client, demo_data, value):
    measure = Measure.objects.filter(statuses__round__state="closed").first()
    for prefix in ("", "/sv"):
        response = client.get(f"{prefix}/ohjelma/toimenpiteet/{measure.code}/?vuosi={value}")
        assert 400 <= response.status_code < 500, (value, response.status_code)


@pytest.mark.parametrize("value", ["%00", "x" * 3000, "%FF", "../", "a&vuosi=x"])
def test_measure_page_odd_ohjelma_and_code(client, demo_data, value):
    measure = Measure.objects.first()
    for url in (
        f"/ohjelma/toimenpiteet/{measure.code}/?ohjelma={value}",
        f"/ohjelma/toimenpiteet/{value}/",
        f"/ohjelma/toimenpiteet/{measure.code}/?vuosi[]=2020",
    ):
        response = client.get(url)
        assert response.status_code < 500, url
