"""Outside attacks on the rewritten barometer CSV import (admin upload, management command,
`survey_import_csv`): all or nothing, every answer on its own respondent, ids that never
collide with people answering online, stored figures of a closed survey, refusal of a frozen
survey. Runs on SQLite and on PostgreSQL (DATABASE_URL); the threaded tests commit for real."""

import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections

from barometer import importing
from barometer.importing import ImportRefused, survey_import_csv
from barometer.models import Answer, Response, Survey
from barometer.results import survey_results_data
from barometer.services import SurveyFrozen, survey_close
from tests.barometer.test_importing import HEADER, import_survey_in, stored
from tests.security.pausing import People, paused

pytestmark = pytest.mark.django_db

SURVEYS = "/admin/barometer/survey/"
LIKERT_KEYS = ("visio", "ilmapiiri")


def row(external_id, visio="", ilmapiiri="", open_text="", organisation="kunta"):
    return f"{external_id},2020-11-24 16:22,{organisation},{visio},{ilmapiiri},{open_text}\n"


def answers_by_respondent(survey):
    """{external id: {column: stored value}} as the database has it, read answer by answer."""
    by_respondent = {}
    for answer in Answer.objects.filter(response__survey=survey).select_related(
        "response", "question__statement"
    ):
        column = answer.question.statement.key if answer.question.statement_id else "avoin"
        value = "EOS" if answer.dont_know else answer.value if answer.value else answer.text
        person = by_respondent.setdefault(answer.response.external_id, {})
        assert column not in person, "two answers of one respondent to one question"
        person[column] = value
    return by_respondent


def upload(client, survey, data):
    client.raise_request_exception = False
    return client.post(
        f"{SURVEYS}{survey.pk}/tuo/",
        {"file": SimpleUploadedFile("vienti.csv", data, content_type="text/csv")},
    )


def run_in_thread(target):
    """Run `target` in a thread of its own (its own database connection) and wait for it."""
    outcome = {}

    def run():
        try:
            outcome["value"] = target()
        except Exception as error:  # noqa: BLE001 - handed back to the test
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "the other connection hung"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@pytest.fixture
def editor(as_role):
    return as_role("editor")


# --- Odd input --------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["admin", "command"])
def test_respondent_id_longer_than_the_column_is_a_clear_refusal(editor, demo_data, tmp_path, how):
    """A careless editor's file whose respondent id is 101 characters (the column holds 100):
    a person checks that the admin answers 4xx in Finnish / the command gives a CommandError
    naming the column (no DataError traceback, no silent storing), and nothing is stored."""
    survey = import_survey_in("open")
    data = (HEADER + row("ok-1", 4, 4) + row("x" * 101, 5, 5)).encode()
    if how == "admin":
        response = upload(editor, survey, data)
        assert 400 <= response.status_code < 500, response.status_code
        assert "vastaaja" in response.content.decode()
    else:
        path = tmp_path / "vienti.csv"
        path.write_bytes(data)
        stderr = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import_barometer", "2031", str(path), stdout=io.StringIO(), stderr=stderr)
        assert "vastaaja" in stderr.getvalue()
    assert stored(survey) == (0, 0)


def test_copy_and_csv_special_characters_survive_exactly(db):
    """Open answers and ids holding what COPY's text format and the csv module treat
    specially (\\N, tab, backslash, quoted newlines, CRLF, quotes, emoji): a person compares
    each respondent's stored open answer with the file, byte for byte."""
    survey = import_survey_in("open")
    texts = {
        "n-null": "\\N",
        "tab": "ennen\tjälkeen",
        "kenoviiva": "C:\\polku\\\\kaksi\\",
        "rivit": "rivi 1\nrivi 2\r\nrivi 3",
        "lainaus": 'hän sanoi "hyvä", ja; lähti',
        "emoji": "kiitos 😀 ∑ 𝔘",
        "\\N": "tunnus on \\N",
        "a\tb": "sarkain tunnuksessa",
    }
    body = "".join(
        '"{}",2020-11-24 16:22,kunta,3,,"{}"\n'.format(
            key.replace('"', '""'), text.replace('"', '""')
        )
        for key, text in texts.items()
    )
    survey_import_csv(survey=survey, data=(HEADER + body).encode())
    by_respondent = answers_by_respondent(survey)
    assert {key: by_respondent[key]["avoin"] for key in texts} == texts
    assert all(by_respondent[key]["visio"] == 3 for key in texts)


def test_mixed_encoding_file_is_not_stored_as_mojibake(db):
    """A file glued together from a UTF-8 export and one Windows-1252 row: a person checks
    that it is either refused (nothing stored) or that the UTF-8 rows' open answers are stored
    as written, not as "HyvÃ¤Ã¤"."""
    survey = import_survey_in("open")
    data = (HEADER + row("u1", 5, 5, "Hyvää työtä")).encode("utf-8") + row(
        "w1", 4, 4, "Kiitos äänestä"
    ).encode("cp1252")
    try:
        survey_import_csv(survey=survey, data=data)
    except ImportRefused:
        assert stored(survey) == (0, 0)
        return
    by_respondent = answers_by_respondent(survey)
    assert by_respondent["u1"]["avoin"] == "Hyvää työtä"
    assert by_respondent["w1"]["avoin"] == "Kiitos äänestä"


# --- Every answer on its own respondent --------------------------------------------------------


def test_new_rows_interleaved_with_already_imported_ones_get_their_own_answers(db):
    """The second file repeats some ids of the first (skipped) in between new ones, in no
    sorted order, ids differing only by case or leading zeros: a person checks every
    respondent's answers against its own row, and that the repeated ids kept their first
    answers."""
    survey = import_survey_in("open")
    first = {"10": (1, 2), "A1": (2, 3), "b": (3, 4)}
    second = {"9": (5, "EOS"), "10": (4, 4), "010": (1, ""), "a1": ("", 1), "b": (5, 5)}
    second.update({f"z{i}": (1 + i % 5, 1 + (i * 3) % 5) for i in range(400, 0, -1)})

    def file(rows):
        return (HEADER + "".join(row(k, v, i, f"avoin {k}") for k, (v, i) in rows.items())).encode()

    survey_import_csv(survey=survey, data=file(first))
    summary = survey_import_csv(survey=survey, data=file(second))
    assert (summary.created, summary.skipped_existing) == (len(second) - 2, 2)
    expected = {**second, **first}
    by_respondent = answers_by_respondent(survey)
    assert set(by_respondent) == set(expected)
    for key, (visio, ilmapiiri) in expected.items():
        want = {"avoin": f"avoin {key}"}
        want.update({k: v for k, v in zip(LIKERT_KEYS, (visio, ilmapiiri), strict=True) if v != ""})
        assert by_respondent[key] == want, key


# --- All or nothing ----------------------------------------------------------------------------


def test_failure_while_recomputing_a_closed_surveys_figures_stores_nothing(
    editor, demo_data, monkeypatch
):
    """A failure in the last step of an import into a closed survey (its figures being
    recomputed): a person checks that the respondents are not left stored with the old
    figures still on the public page, i.e. nothing stored and figures matching the answers."""
    survey = import_survey_in("closed")
    survey_close(survey=survey)
    survey.refresh_from_db()
    figures = survey.figures

    def fail(*, survey):
        raise RuntimeError("yhteys katkesi")

    monkeypatch.setattr(importing, "survey_figures_store", fail)
    upload(editor, survey, (HEADER + row("f1", 5, 5) + row("f2", 4, 1)).encode())
    survey.refresh_from_db()
    assert stored(survey) == (0, 0)
    assert survey.figures == figures == survey_results_data(survey)


def test_after_a_failed_import_online_answers_and_the_next_import_do_not_collide(db, monkeypatch):
    """An import that dies after writing its respondents (PostgreSQL has taken a block of ids
    from the sequence): a person checks that an online answer and the retried import then
    both store, with distinct ids, each answer on its own respondent."""
    survey = import_survey_in("open")
    data = (HEADER + "".join(row(f"r{i}", 1 + i % 5, 2) for i in range(50))).encode()
    original = importing._BulkWriter.answers

    def fail(self, cursor, rows):
        original(self, cursor, list(rows)[:7])
        raise RuntimeError("levy täynnä")

    monkeypatch.setattr(importing._BulkWriter, "answers", fail)
    with pytest.raises(RuntimeError):
        survey_import_csv(survey=survey, data=data)
    monkeypatch.undo()
    assert stored(survey) == (0, 0)
    web = Response.objects.create(survey=survey, organisation_type="muu")
    assert survey_import_csv(survey=survey, data=data).created == 50
    later = Response.objects.create(survey=survey, organisation_type="muu")
    ids = list(Response.objects.filter(survey=survey).values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == 52 and web.pk in ids and later.pk == max(ids)
    by_respondent = answers_by_respondent(survey)
    assert all(by_respondent[f"r{i}"] == {"visio": 1 + i % 5, "ilmapiiri": 2} for i in range(50))


# --- Races (real commits, threads with their own connections) ---------------------------------


def _while_parsing(monkeypatch, action):
    """Run `action` on another connection after the import has checked the survey and before
    it writes (while a big file is parsed: seconds for a 5 MB export)."""
    original = importing._decode

    def decode(data):
        run_in_thread(action)
        return original(data)

    monkeypatch.setattr(importing, "_decode", decode)


@pytest.mark.django_db(transaction=True)
def test_review_published_while_the_file_is_parsed_refuses_the_import(demo_data, monkeypatch):
    """Editor A uploads a big file into a closed, published survey; editor B publishes the
    annual review that uses the survey before A's file is parsed. A person checks that the
    import is refused whole (the survey is frozen when the rows are written) and the frozen
    survey's respondents and figures are unchanged."""
    from kumppanuus.models import AnnualReview
    from kumppanuus.services import review_publish

    survey = import_survey_in("closed")
    Survey.objects.filter(pk=survey.pk).update(results_published=True)
    survey_close(survey=Survey.objects.get(pk=survey.pk))
    review = AnnualReview.objects.create(year=2031, title="Katsaus 2031", lead="x", survey=survey)
    before = stored(survey), Survey.objects.get(pk=survey.pk).figures
    _while_parsing(monkeypatch, lambda: review_publish(review=review))
    survey = Survey.objects.get(pk=survey.pk)
    with pytest.raises(SurveyFrozen):
        survey_import_csv(survey=survey, data=(HEADER + row("late-1", 1, 1)).encode())
    assert Survey.objects.get(pk=survey.pk).frozen_by_review
    assert (stored(survey), Survey.objects.get(pk=survey.pk).figures) == before


@pytest.mark.django_db(transaction=True)
def test_survey_closed_while_the_file_is_parsed_gets_figures_matching_its_answers(
    demo_data, monkeypatch
):
    """Editor A uploads into an open survey; editor B closes it (figures stored) before A's
    rows are written. A person checks that the closed survey's stored figures, which the
    public results page shows, count A's respondents too."""
    survey = import_survey_in("open")
    _while_parsing(monkeypatch, lambda: survey_close(survey=Survey.objects.get(pk=survey.pk)))
    rows = "".join(row(f"c{i}", 1 + i % 5, 5) for i in range(12))
    survey_import_csv(survey=survey, data=(HEADER + rows).encode())
    survey = Survey.objects.get(pk=survey.pk)
    assert survey.state == "closed" and stored(survey) == (12, 24)
    assert survey.figures["respondents"] == 12
    assert survey.figures == survey_results_data(survey)


def _locked(error):
    """SQLite's in-memory test database refuses a second writer at once ("database table is
    locked") instead of waiting as PostgreSQL does: only there is such a refusal expected."""
    return connection.vendor == "sqlite" and "locked" in str(error)


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_imports_into_one_survey_at_once(demo_data):
    """Two editors upload overlapping exports of the same survey at the same moment (ids
    p0–p599 and p300–p899). A person checks that each file ends whole or not at all, no id is
    stored twice, and every respondent has exactly its own row's answers."""
    survey = import_survey_in("open")
    files = {
        "a": {f"p{i}": (1 + i % 5, 1 + i % 3) for i in range(0, 600)},
        "b": {f"p{i}": (1 + i % 5, 1 + i % 3) for i in range(300, 900)},
    }
    start, outcome = threading.Barrier(2), {}

    def importer(name):
        data = (HEADER + "".join(row(k, v, i) for k, (v, i) in files[name].items())).encode()

        def run():
            start.wait(10)
            try:
                outcome[name] = survey_import_csv(survey=survey, data=data)
            except Exception as error:  # noqa: BLE001 - judged below
                outcome[name] = error
            finally:
                connections.close_all()

        return threading.Thread(target=run)

    threads = [importer("a"), importer("b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    failed = {name for name, result in outcome.items() if isinstance(result, Exception)}
    assert all(_locked(outcome[name]) for name in failed), outcome
    if connection.vendor == "postgresql":
        assert not failed, outcome  # the second import waits for the first, then skips its ids
    expected = {k: v for name, rows in files.items() if name not in failed for k, v in rows.items()}
    ids = list(Response.objects.filter(survey=survey).values_list("external_id", flat=True))
    assert len(ids) == len(set(ids)) and set(ids) == set(expected)
    created = sum(outcome[name].created for name in files if name not in failed)
    assert created == len(expected)
    by_respondent = answers_by_respondent(survey)
    assert all(
        by_respondent[k] == dict(zip(LIKERT_KEYS, v, strict=True)) for k, v in expected.items()
    )


@pytest.mark.django_db(transaction=True)
def test_people_answering_online_while_the_rows_are_written(demo_data, monkeypatch, settings):
    """Three people send the public form while the import is between writing its respondents
    and their answers. A person checks that the import ends whole, that every visitor who
    was thanked (302) is a new respondent of source "web" with exactly the form's answers and
    an id outside the import's, and that (on PostgreSQL, where writers wait) all three were."""
    from django.test import Client

    from tests.barometer.test_views import form_data

    settings.SURVEY_RATE_LIMIT = "1000/h"
    survey = Survey.objects.get(year=2022)
    likert = list(survey.questions.filter(kind="likert").select_related("statement"))
    header = "vastaaja,vastattu,organisaatio," + ",".join(q.statement.key for q in likert)
    data = (
        header
        + "\n"
        + "".join(f"v{i},2022-11-24 16:22,yritys" + ",2" * len(likert) + "\n" for i in range(500))
    )
    before = set(Response.objects.filter(survey=survey).values_list("pk", flat=True))
    statuses, visitors = [], []

    def visit(i):
        client = Client(raise_request_exception=False)
        try:
            statuses.append(
                client.post(
                    "/barometri/2022/vastaa/", form_data(survey), REMOTE_ADDR=f"203.0.113.{i}"
                ).status_code
            )
        finally:
            connections.close_all()

    original = importing._BulkWriter.answers

    def answers_after_visitors_arrive(self, cursor, rows):
        for i in range(3):
            visitors.append(threading.Thread(target=visit, args=(i,)))
            visitors[-1].start()
        for visitor in visitors:
            visitor.join(1.5)  # on PostgreSQL they wait for the import's lock
        original(self, cursor, rows)

    monkeypatch.setattr(importing._BulkWriter, "answers", answers_after_visitors_arrive)
    summary = survey_import_csv(survey=survey, data=data.encode())
    for visitor in visitors:
        visitor.join(60)
    assert summary.created == 500
    new = Response.objects.filter(survey=survey).exclude(pk__in=before)
    imported = set(new.filter(source="import").values_list("pk", flat=True))
    web = list(new.filter(source="web"))
    assert len(imported) == 500 and len(web) == statuses.count(302), statuses
    if connection.vendor == "postgresql":
        assert statuses == [302, 302, 302]
    for response in web:
        assert response.pk not in imported
        answers = {a.question_id: (a.value, a.text) for a in response.answers.all()}
        assert answers == {
            q.pk: (4, "") if q.kind == "likert" else (None, "Hyvä foorumi")
            for q in survey.questions.exclude(kind="organisation")
        }
    for response in new.filter(source="import").prefetch_related("answers")[:50]:
        assert sorted(a.value for a in response.answers.all()) == [2] * len(likert)


@pytest.mark.django_db(transaction=True)
def test_survey_closed_while_an_import_writes_ends_both_without_an_error(demo_data, monkeypatch):
    """Editor B clicks "close" a moment before editor A's import starts writing, and B's
    figures are still being computed when A's rows arrive. A person checks that neither editor
    gets an error (PostgreSQL would abort one of two transactions that wait for each other),
    that A's respondents are stored whole, and that the closed survey's stored figures count
    them. On SQLite's in-memory test database the second writer is refused at once instead:
    then nothing of the import is stored and the survey is closed with its old answers."""
    from barometer import services

    survey = import_survey_in("open")
    closing_paused, figures_may_go_on = paused(
        monkeypatch, services, "survey_results_data", before=True
    )
    people = People()
    people.start("close", lambda: survey_close(survey=Survey.objects.get(pk=survey.pk)) or "ok")
    assert closing_paused.wait(10)
    # B's figures go on once A's import has had a second to take whatever it waits for.
    threading.Timer(1.0, figures_may_go_on.set).start()
    rows = "".join(row(f"d{i}", 1 + i % 5, 5) for i in range(12))
    people.start("import", lambda: survey_import_csv(survey=survey, data=(HEADER + rows).encode()))
    outcome = people.finish()
    survey = Survey.objects.get(pk=survey.pk)
    assert outcome["close"] == "ok" and survey.state == "closed", outcome
    if connection.vendor == "sqlite" and _locked(outcome["import"]):
        assert stored(survey) == (0, 0)
    else:
        assert outcome["import"].created == 12, outcome
        assert stored(survey) == (12, 24)
    assert survey.figures == survey_results_data(survey)
    assert survey.figures["respondents"] == stored(survey)[0]


@pytest.mark.django_db(transaction=True)
def test_an_answer_sent_while_the_survey_closes_is_counted_or_refused(demo_data, monkeypatch):
    """A visitor sends the form at the moment an editor closes the survey: the editor's
    figures are computed but not yet committed. A person checks that the closed survey's
    stored figures (what the results page shows) match its stored answers, so the visitor was
    either counted or told the survey is closed; on PostgreSQL, where writers wait, told."""
    from django.test import Client

    from barometer import services
    from tests.barometer.test_views import form_data

    survey = Survey.objects.get(year=2022)
    figures_done, commit_may_go_on = paused(monkeypatch, services, "survey_results_data")
    people = People()
    people.start("close", lambda: survey_close(survey=Survey.objects.get(pk=survey.pk)))
    assert figures_done.wait(10)
    visitor = Client(raise_request_exception=False)
    people.start("visit", lambda: visitor.post("/barometri/2022/vastaa/", form_data(survey))).join(
        1.5
    )  # on PostgreSQL it waits for the editor's close
    commit_may_go_on.set()
    visit = people.finish()["visit"]  # on SQLite's test database it may be refused outright
    statuses = [visit.status_code] if hasattr(visit, "status_code") else [visit]
    survey = Survey.objects.get(pk=survey.pk)
    assert survey.state == "closed"
    assert survey.figures == survey_results_data(survey), statuses
    if connection.vendor == "postgresql":
        assert statuses == [403]


@pytest.mark.django_db(transaction=True)
def test_a_page_reading_questions_and_surveys_during_an_import_is_not_aborted(demo_data):
    """A visitor's page reads the survey's questions, then its survey (as a query joining the
    two does, table by table) while an editor's import starts. A person checks that both end
    well: the page's reads return, and the import stores its rows. (PostgreSQL aborted one of
    the two when the import took the tables one by one, waiting for each.)"""
    from django.db import connections as all_connections

    survey = import_survey_in("open")
    if connection.vendor != "postgresql":
        pytest.skip("table locks are PostgreSQL's: the PostgreSQL run does this")
    reader = all_connections.create_connection("default")
    try:
        with reader.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT count(*) FROM barometer_question")  # holds it, as a page does
            people = People()
            rows = "".join(row(f"r{i}", 1 + i % 5, 5) for i in range(12))
            people.start(
                "import", lambda: survey_import_csv(survey=survey, data=(HEADER + rows).encode())
            ).join(1.0)  # the import is under way, waiting for the question table
            cursor.execute("SELECT count(*) FROM barometer_survey")  # the page's next table
            cursor.execute("COMMIT")
        outcome = people.finish()
    finally:
        reader.close()
    assert not isinstance(outcome["import"], Exception), outcome
    assert outcome["import"].created == 12 and stored(survey) == (12, 24)
