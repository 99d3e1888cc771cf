import csv
import io

import pytest

from barometer.importing import MAX_IMPORT_BYTES, ImportRefused, survey_import_csv
from barometer.models import Answer, Question, Response, Statement, Survey

pytestmark = pytest.mark.django_db

HEADER = "vastaaja,vastattu,organisaatio,visio,ilmapiiri,avoin_palaute\n"


def import_survey_in(state):
    """A survey of two statements and an open question, as the import tests' files need."""
    survey = Survey.objects.create(year=2031, title="Tuontitesti", state=state)
    for order, key in enumerate(["visio", "ilmapiiri"]):
        statement, _ = Statement.objects.get_or_create(key=key, defaults={"text": key})
        Question.objects.create(survey=survey, order=order, kind="likert", statement=statement)
    Question.objects.create(survey=survey, order=9, kind="open_text", text="Avoin")
    return survey


@pytest.fixture
def survey(db):
    return import_survey_in("closed")


def stored(survey):
    return Response.objects.filter(survey=survey).count(), Answer.objects.filter(
        response__survey=survey
    ).count()


def test_happy_path(survey):
    data = (
        HEADER + "a1,2020-11-24 16:22,kunta,5,EOS,Hyvä\n" + "a2,2020-11-25 10:00,yritys,2,,\n"
    ).encode()
    summary = survey_import_csv(survey=survey, data=data)
    assert summary.created == 2
    assert stored(survey) == (2, 4)  # a1: 2 statements + open answer; a2: one statement
    first = Response.objects.get(external_id="a1")
    assert first.organisation_type == "kunta" and first.source == "import"


def test_semicolon_windows_1252_file(survey):
    text = (
        HEADER.replace(",", ";")
        + "b1;2020-11-24 16:22;yhdistys tai järjestö;4;3;Hyvää työtä, kiitos\n"
    )
    summary = survey_import_csv(survey=survey, data=text.encode("cp1252"))
    assert summary.created == 1
    assert Response.objects.get(external_id="b1").organisation_type == "yhdistys tai järjestö"
    assert Answer.objects.get(question__kind="open_text").text == "Hyvää työtä, kiitos"


def test_utf8_bom_file(survey):
    data = ("\ufeff" + HEADER + "c1,2020-11-24 16:22,kunta,5,5,\n").encode("utf-8")
    assert survey_import_csv(survey=survey, data=data).created == 1


@pytest.mark.parametrize(
    "row, column, reason",
    [
        ("d2,2020-11-24 16:22,kunta,7,5,", "visio", "arvon on oltava 1–5"),
        ("d2,2020-11-24 16:22,kunta,kyllä,5,", "visio", "arvon on oltava 1–5"),
        ("d2,2020-11-24 16:22,ministeriö,5,5,", "organisaatio", "tuntematon organisaation tyyppi"),
        ("d1,2020-11-24 16:22,kunta,5,5,", "vastaaja", "sama vastaajatunnus"),
        ("d2,eilen,kunta,5,5,", "vastattu", "aika ei ole muotoa"),
        (",2020-11-24 16:22,kunta,5,5,", "vastaaja", "vastaajatunnus puuttuu"),
    ],
)
def test_each_kind_of_bad_row_refuses_the_whole_file(survey, row, column, reason):
    data = (HEADER + "d1,2020-11-24 16:22,kunta,5,5,ok\n" + row + "\n").encode()
    with pytest.raises(ImportRefused) as refused:
        survey_import_csv(survey=survey, data=data)
    error = refused.value.errors[0]
    assert (error.row, error.column) == (3, column)
    assert reason in error.reason
    assert stored(survey) == (0, 0)


def test_unknown_column_is_refused(survey):
    data = b"vastaaja,vastattu,organisaatio,visio,tuntematon\nx,2020-11-24 16:22,kunta,5,5\n"
    with pytest.raises(ImportRefused) as refused:
        survey_import_csv(survey=survey, data=data)
    assert refused.value.errors[0].column == "tuntematon"
    assert "tuntematon sarake" in refused.value.errors[0].reason
    assert stored(survey) == (0, 0)


def test_reimport_adds_nothing(survey):
    data = (HEADER + "e1,2020-11-24 16:22,kunta,5,5,\n").encode()
    survey_import_csv(survey=survey, data=data)
    summary = survey_import_csv(survey=survey, data=data)
    assert (summary.created, summary.skipped_existing) == (0, 1)
    assert stored(survey) == (1, 2)


def test_empty_file_gets_a_clear_message(survey):
    with pytest.raises(ImportRefused) as refused:
        survey_import_csv(survey=survey, data=b"")
    assert "Tiedosto on tyhjä." in str(refused.value.errors[0])


def test_header_only_file_gets_a_clear_message(survey):
    with pytest.raises(ImportRefused) as refused:
        survey_import_csv(survey=survey, data=HEADER.encode())
    assert "ei ole yhtään vastausriviä" in refused.value.errors[0].reason


def test_20_mb_file_is_refused_with_a_clear_message(survey):
    row = "f{},2020-11-24 16:22,kunta,5,5,{}\n"
    body = "".join(row.format(i, "x" * 200) for i in range(90_000))
    data = (HEADER + body).encode()
    assert len(data) > 20 * 1024 * 1024 > MAX_IMPORT_BYTES
    with pytest.raises(ImportRefused) as refused:
        survey_import_csv(survey=survey, data=data)
    assert "liian suuri" in refused.value.errors[0].reason
    assert stored(survey) == (0, 0)


def test_binary_file_is_refused(survey):
    with pytest.raises(ImportRefused) as refused:
        survey_import_csv(survey=survey, data=b"PK\x03\x04\x00\x00binary")
    assert "ei ole CSV" in refused.value.errors[0].reason


def test_admin_upload_shows_row_errors_in_finnish(client, demo_data, survey):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    upload = SimpleUploadedFile(
        "vienti.csv", (HEADER + "g1,2020-11-24 16:22,kunta,9,5,\n").encode()
    )
    response = client.post(f"/admin/barometer/survey/{survey.pk}/tuo/", {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Mitään ei tallennettu" in page
    assert "arvon on oltava 1–5, EOS tai tyhjä" in page
    assert stored(survey) == (0, 0)


def test_admin_upload_happy_path(client, demo_data, survey):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    upload = SimpleUploadedFile(
        "vienti.csv", (HEADER + "h1,2020-11-24 16:22,kunta,4,5,\n").encode()
    )
    response = client.post(
        f"/admin/barometer/survey/{survey.pk}/tuo/", {"file": upload}, follow=True
    )
    assert "Tuotu 1 vastaus." in response.content.decode()
    assert stored(survey) == (1, 2)


def test_management_command_imports(demo_data, survey, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "vienti.csv"
    path.write_text(HEADER + "i1,2020-11-24 16:22,kunta,4,5,\n", encoding="utf-8")
    out = StringIO()
    call_command("import_barometer", "2031", str(path), stdout=out, stderr=StringIO())
    assert "Tuotu 1 vastausta" in out.getvalue()


@pytest.mark.parametrize(
    "row, found",
    [
        ("h2,2020-11-24 16:22,kunta,5", 4),  # the last two columns missing
        ("h2,2020-11-24 16:22,kunta,5,5,,ylimääräinen", 7),
    ],
)
def test_row_with_another_number_of_columns_than_the_header_is_refused(survey, row, found):
    data = (HEADER + "h1,2020-11-24 16:22,kunta,5,5,ok\n" + row + "\n").encode()
    with pytest.raises(ImportRefused) as refused:
        survey_import_csv(survey=survey, data=data)
    error = refused.value.errors[0]
    assert error.row == 3
    assert error.reason == f"rivillä on {found} saraketta, otsikossa 6"
    assert stored(survey) == (0, 0)


def test_large_import_stores_every_answer_with_its_respondent(survey):
    """Many respondents (more than one write batch) land whole and each answer on its own
    respondent; the open answer too."""
    rows = [
        f"r{i},2020-11-{1 + i % 28:02d} 12:{i % 60:02d},kunta,{1 + i % 5},{'EOS' if i % 3 else ''},"
        + ("avoin" if i % 7 == 0 else "")
        for i in range(25_000)
    ]
    summary = survey_import_csv(survey=survey, data=(HEADER + "\n".join(rows)).encode())
    assert summary.created == 25_000
    sample = Response.objects.get(survey=survey, external_id="r24998")
    assert sample.submitted.day == 1 + 24998 % 28 and sample.submitted.minute == 24998 % 60
    answers = {
        (answer.question.statement.key if answer.question.statement_id else "avoin"): answer
        for answer in sample.answers.select_related("question__statement")
    }
    assert answers["visio"].value == 1 + 24998 % 5
    assert answers["ilmapiiri"].dont_know and answers["ilmapiiri"].value is None
    assert "avoin" not in answers  # 24998 is not divisible by 7
    assert (
        sum(1 for i in range(25_000) if i % 3) + 25_000 + len(range(0, 25_000, 7))
        == (stored(survey)[1])
    )


def test_admin_import_page_lists_columns_organisation_types_and_a_template(
    client, demo_data, survey
):
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    page = client.get(f"/admin/barometer/survey/{survey.pk}/tuo/").content.decode()
    for code in ("vastaaja", "vastattu", "organisaatio", "visio", "ilmapiiri", "avoin_palaute"):
        assert f"<code>{code}</code>" in page
    assert "<code>yhdistys tai järjestö</code>" in page
    assert 'data-busy-message="Tuodaan…' in page and "/static/js/import" in page
    template = client.get(f"/admin/barometer/survey/{survey.pk}/tuo/pohja.csv")
    assert template.status_code == 200 and template["Content-Type"].startswith("text/csv")
    header, example = csv.reader(io.StringIO(template.content.decode()))
    assert header == HEADER.strip().split(",")
    # the template itself imports cleanly
    assert survey_import_csv(survey=survey, data=template.content).created == 1
    assert example[:3] == ["esim-1", "2031-11-24 16:22", "kunta"]


def test_import_template_is_for_editors_only(client, demo_data, survey):
    client.login(username="yhteyshenkilo", password="kumppanuus-demo-2026")
    response = client.get(f"/admin/barometer/survey/{survey.pk}/tuo/pohja.csv")
    assert response.status_code in (302, 403)


def test_admin_result_message_is_singular_or_plural(client, demo_data, survey):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    rows = "j1,2020-11-24 16:22,kunta,4,5,\nj2,2020-11-24 16:23,kunta,3,,\n"
    upload = SimpleUploadedFile("vienti.csv", (HEADER + rows).encode())
    url = f"/admin/barometer/survey/{survey.pk}/tuo/"
    page = client.post(url, {"file": upload}, follow=True).content.decode()
    assert "Tuotu 2 vastausta." in page
    again = SimpleUploadedFile(
        "vienti.csv", (HEADER + rows + "j3,2020-11-24 16:24,muu,,,\n").encode()
    )
    page = client.post(url, {"file": again}, follow=True).content.decode()
    assert "Tuotu 1 vastaus. 2 oli jo tuotu aiemmin." in page


def foreign_keys():
    """The answer and respondent tables' foreign keys as the database has them."""
    from django.db import connection

    with connection.cursor() as cursor:
        return {
            (table, name, tuple(c["columns"]), c["foreign_key"])
            for table in (Answer._meta.db_table, Response._meta.db_table)
            for name, c in connection.introspection.get_constraints(cursor, table).items()
            if c["foreign_key"]
        }


def test_import_leaves_the_foreign_keys_as_they_were_and_they_still_hold(survey):
    """PostgreSQL's import sets the keys aside while it writes: they come back, checked."""
    from django.db import IntegrityError, connection, transaction

    keys = foreign_keys()
    assert len(keys) >= 3  # answer → respondent, answer → question, respondent → survey
    survey_import_csv(survey=survey, data=(HEADER + "a1,2020-11-24 16:22,kunta,5,4,\n").encode())
    assert foreign_keys() == keys
    question = survey.questions.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response_id=10**9, question=question, value=3)
        connection.check_constraints()  # SQLite and PostgreSQL alike: the deferred check now


def test_import_failing_mid_write_keeps_the_keys_and_writes_nothing(survey):
    def fail(done, total):
        raise RuntimeError("levy täynnä")

    keys, before = foreign_keys(), stored(survey)
    with pytest.raises(RuntimeError):
        survey_import_csv(
            survey=survey,
            data=(HEADER + "a1,2020-11-24 16:22,kunta,5,4,\n").encode(),
            progress=fail,
        )
    assert foreign_keys() == keys and stored(survey) == before


def test_file_over_the_measured_cap_is_refused_naming_the_cap(survey):
    """The cap is what imports well inside a worker's timeout (docs/performance.md)."""
    row = "f{},2020-11-24 16:22,kunta,5,5,{}\n"
    data = (HEADER + "".join(row.format(i, "x" * 60) for i in range(65_000))).encode()
    assert 5 * 1024 * 1024 < len(data) < 6 * 1024 * 1024
    with pytest.raises(ImportRefused) as refused:
        survey_import_csv(survey=survey, data=data)
    assert "5 Mt" in refused.value.errors[0].reason
    assert stored(survey) == (0, 0)


def test_a_respondent_answering_after_an_import_is_stored_as_a_new_one(survey):
    """The import draws its respondents' ids from the table's own sequence in one block: the
    next respondent answering online gets an id after the block, not one of the imported."""
    rows = "".join(f"b{i},2020-11-24 16:22,kunta,4,3,\n" for i in range(30))
    survey_import_csv(survey=survey, data=(HEADER + rows).encode())
    imported = set(Response.objects.filter(survey=survey).values_list("pk", flat=True))
    later = Response.objects.create(survey=survey, organisation_type="kunta")
    assert len(imported) == 30 and later.pk not in imported and later.pk > max(imported)
    assert stored(survey) == (31, 60)
