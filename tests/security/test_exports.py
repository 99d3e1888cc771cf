"""Every CSV export: a cell from the public or an editor never becomes a live spreadsheet
formula; open-data downloads are complete or a 503; the Excel variant opens in Finnish Excel."""

import csv
import io

import pytest
from django.db import OperationalError, connection

from barometer.models import Question, Survey
from feedback.models import Idea
from programme.models import MeasureStatus

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def rows_of(response, delimiter=","):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def assert_no_live_formula(rows, planted):
    cells = [cell for row in rows for cell in row]
    for formula in planted:
        assert formula not in cells, formula
        assert "'" + formula in cells, formula
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.fixture
def editor(client, demo_data):
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    return client


def test_open_data_status_notes(client, demo_data):
    statuses = list(MeasureStatus.objects.public().order_by("pk")[: len(FORMULAS)])
    for status, formula in zip(statuses, FORMULAS, strict=True):
        MeasureStatus.objects.filter(pk=status.pk).update(note=formula)
    assert_no_live_formula(rows_of(client.get("/avoin-data/toimenpiteiden-tilat.csv")), FORMULAS)
    excel = client.get("/avoin-data/toimenpiteiden-tilat-excel.csv")
    assert_no_live_formula(rows_of(excel, ";"), FORMULAS)


def test_open_data_barometer_statement_texts(client, demo_data):
    """The words a year's respondents were asked (stored with its results) as a formula."""
    survey = Survey.objects.get(year=2018)
    figures = survey.figures
    for item in figures["statements"]:
        if item["key"] == "visio":
            item["texts"]["text_fi"] = "=1+2"
    Survey.objects.filter(pk=survey.pk).update(figures=figures)
    for url, delimiter in [
        ("/avoin-data/barometri.csv", ","),
        ("/avoin-data/barometri-excel.csv", ";"),
    ]:
        assert_no_live_formula(rows_of(client.get(url), delimiter), ["=1+2"])


def test_idea_export_of_the_feedback_admin(client, editor):
    for number, formula in enumerate(FORMULAS):
        Idea.objects.create(
            topic="muu", message=formula, name=f"@nimi{number}", organisation="=org"
        )
    ids = list(Idea.objects.values_list("pk", flat=True))
    response = editor.post(
        "/admin/feedback/idea/", {"action": "export_csv", "_selected_action": ids}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert_no_live_formula(rows_of(response), FORMULAS + ["=org"])


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_idea_export_read_with_either_separator(client, editor, delimiter):
    """A spreadsheet that splits the file on the other separator ignores the quotes of a cell
    it has cut: what follows a separator inside a message must not start a live cell."""
    planted = ['x;=cmd|" /C calc"!A0', 'x,"=cmd|" /C calc"!A0', "a;+1", "b,-2+3;@SUM(A1)"]
    for message in planted:
        Idea.objects.create(topic="muu", message=message)
    ids = list(Idea.objects.values_list("pk", flat=True))
    response = editor.post(
        "/admin/feedback/idea/", {"action": "export_csv", "_selected_action": ids}
    )
    cells = [cell for row in rows_of(response, delimiter) for cell in row]
    assert [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))] == []
    if delimiter == ",":  # read as written, the messages come back whole, neutralised
        assert 'x;\'=cmd|" /C calc"!A0' in cells


def test_open_answers_export_of_the_barometer_admin(client, editor):
    survey = Survey.objects.get(year=2022)
    question = survey.questions.filter(kind=Question.Kind.OPEN_TEXT).first()
    data = {f"k{q.pk}": "4" for q in survey.questions.filter(kind="likert")}
    data[f"k{question.pk}"] = "=cmd|' /C calc'!A0"
    from django.test import Client

    assert Client().post("/barometri/2022/vastaa/", data).status_code == 302
    response = editor.post(
        "/admin/barometer/survey/",
        {"action": "export_open_answers", "_selected_action": [survey.pk]},
    )
    assert response.status_code == 200
    assert_no_live_formula(rows_of(response), ["=cmd|' /C calc'!A0"])


def test_excel_csv_has_bom_semicolons_and_comma_decimals(client, demo_data):
    body = client.get("/avoin-data/barometri-excel.csv").content
    assert body.startswith("\ufeff".encode())
    rows = rows_of(client.get("/avoin-data/barometri-excel.csv"), ";")
    standard = rows_of(client.get("/avoin-data/barometri.csv"))
    assert rows[0] == standard[0] and len(rows) == len(standard) > 1
    assert rows[1][-1] == standard[1][-1].replace(".", ",") and "," in rows[1][-1]
    programme = client.get("/avoin-data/toimenpiteiden-tilat-excel.csv")
    assert programme.content.startswith("\ufeff".encode())
    assert (
        rows_of(programme, ";")[1:]
        == rows_of(client.get("/avoin-data/toimenpiteiden-tilat.csv"))[1:]
    )


@pytest.mark.parametrize(
    "url",
    [
        "/avoin-data/toimenpiteiden-tilat.csv",
        "/avoin-data/toimenpiteiden-tilat-excel.csv",
        "/avoin-data/toimenpiteiden-tilat.json",
        "/avoin-data/barometri.csv",
        "/avoin-data/barometri.json",
    ],
)
def test_download_during_a_database_outage_is_a_503_not_a_truncated_200(client, demo_data, url):
    def database_goes_away(execute, sql, params, many, context):
        if "programme_" in sql or "barometer_" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(database_goes_away):
        response = client.get(url)
        assert response.status_code == 503
        assert not response.streaming
        assert "Palvelu on tilapäisesti poissa käytöstä" in response.content.decode()


def test_open_data_page_documents_every_column(client, demo_data):
    for prefix in ("", "/sv", "/en"):
        page = client.get(f"{prefix}/avoin-data/").content.decode()
        for url in [
            "/avoin-data/toimenpiteiden-tilat.csv",
            "/avoin-data/toimenpiteiden-tilat-excel.csv",
            "/avoin-data/barometri-excel.csv",
        ]:
            assert f'href="{prefix}{url}"' in page
        for dataset in ("toimenpiteiden-tilat.csv", "barometri.csv"):
            header = rows_of(client.get(f"/avoin-data/{dataset}"))[0]
            for column in header:
                assert f"<code>{column}</code>" in page, (prefix, column)
