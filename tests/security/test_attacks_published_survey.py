"""Outside tester: can anyone change what the public saw of a barometer survey after its results
were published, without an editor deliberately unpublishing them?

Each test first reads every public surface of the published survey as an anonymous visitor
(the results page in fi/sv/en, the open data files, the front page's teaser and the annual
review page), checks that it really shows what the attack then tries to change, acts as an
editor, contact person or script would (admin forms, actions, delete pages, management
commands, services), and reads the same surfaces again. They must be byte-identical apart
from per-request tokens.
"""

import re
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from barometer import services as barometer_services
from barometer.admin import SurveyAdmin
from barometer.models import Answer, Question, Response, Statement, Survey
from kumppanuus import services as review_services
from kumppanuus.models import AnnualReview
from programme import services as programme_services
from programme.models import AssessmentRound
from tests.conftest import admin_form_data
from tests.security.accounts import logged_in, user
from tests.security.pausing import sqlite_lock_refusal, while_paused

pytestmark = pytest.mark.django_db

SURVEYS = "/admin/barometer/survey/"
STATEMENTS = "/admin/barometer/statement/"
RESPONSES = "/admin/barometer/response/"
OPEN_DATA = [
    "/avoin-data/barometri.csv",
    "/avoin-data/barometri-excel.csv",
    "/avoin-data/barometri.json",
]
RESULTS_2020 = ["/barometri/2020/", "/sv/barometri/2020/", "/en/barometri/2020/"]
PUBLIC = [
    *RESULTS_2020,
    "/barometri/2021/",
    "/en/barometri/2021/",
    *OPEN_DATA,
    "/",  # the barometer teaser: the 2021 survey's headline and its trend
    "/vuosikatsaus/2020/",
    "/sv/vuosikatsaus/2020/",
]
TOKENS = [
    re.compile(r'nonce="[^"]*"'),
    re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'),
    re.compile(r'name="submission_token" value="[^"]*"'),
]
FINNISH_FINAL = "vastaukset ovat lopulliset"


def page(url):
    response = Client().get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    for token in TOKENS:
        body = token.sub("", body)
    return body


def public_snapshot(urls=PUBLIC):
    return {url: page(url) for url in urls}


def changed(before):
    """The public URLs whose content is no longer what it was, each with its first line that
    differs (as seen, as now)."""
    found = []
    for url, body in before.items():
        now = page(url)
        if now != body:
            pairs = zip(body.splitlines(), now.splitlines(), strict=False)
            first = next(((a.strip(), b.strip()) for a, b in pairs if a != b), "(length)")
            found.append((url, first))
    return found


def action_post(client, changelist, action, pk, **extra):
    return client.post(changelist, {"action": action, ACTION_CHECKBOX_NAME: [str(pk)], **extra})


def answers_of(survey):
    return (
        Response.objects.filter(survey=survey).count(),
        Answer.objects.filter(response__survey=survey).count(),
    )


@pytest.fixture
def seen(demo_data):
    """What the public sees now; 2020 and 2021 really are published, 2020 used by a review."""
    s2020, s2021 = Survey.objects.get(year=2020), Survey.objects.get(year=2021)
    assert s2020.results_published and s2020.frozen_by_review and s2020.figures
    assert s2021.results_published and not s2021.frozen_by_review and s2021.figures
    return public_snapshot()


@pytest.fixture
def editor():
    return logged_in("toimittaja")


def headline():
    statement = Statement.objects.get(is_headline=True)
    assert statement.key == "visio"
    assert Question.objects.filter(survey__year=2020, statement=statement).exists()
    return statement


# --- 3. A statement reworded or re-keyed in the Statement admin --------------------------------


def _statement_form(editor, statement, **changes):
    url = f"{STATEMENTS}{statement.pk}/change/"
    form = editor.get(url)
    assert form.status_code == 200
    response = editor.post(url, admin_form_data(form, **changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Statement.objects.get(pk=statement.pk)


def test_rewording_a_statement_leaves_closed_years_pages_teaser_and_review(seen, editor):
    """Editor rewords the headline statement in all three languages (for the 2022 form). The
    closed years' results pages, the front page teaser and the review page stay as seen."""
    statement = headline()
    old = statement.text_fi
    assert old in seen["/barometri/2020/"] and old in seen["/"]
    statement = _statement_form(
        editor,
        statement,
        text_fi="Uusi muotoilu 2022",
        text_sv="Ny formulering 2022",
        text_en="New wording 2022",
    )
    assert statement.text_fi == "Uusi muotoilu 2022"
    assert "Uusi muotoilu 2022" in page("/barometri/2022/vastaa/")  # the open form does change
    not_open_data = [url for url in PUBLIC if url not in OPEN_DATA]
    assert changed({url: seen[url] for url in not_open_data}) == []


def test_rewording_a_statement_leaves_the_open_data_files(seen, editor):
    """The open data files list each closed year's statement with its text: a statement
    reworded for the 2022 form must not change what the files say 2014–2021 asked."""
    statement = headline()
    assert all(statement.text_fi in seen[url] for url in OPEN_DATA)
    _statement_form(editor, statement, text_fi="Uusi muotoilu 2022")
    assert changed({url: seen[url] for url in OPEN_DATA}) == []


def test_rekeying_a_statement_leaves_a_closed_years_results_page(seen, editor):
    """Editor changes the key of a statement asked in 2020 (e.g. to tidy the keys for 2022).
    /barometri/2020/ in every language must stay as the public saw it."""
    statement = Statement.objects.get(key="foorumi-toimiva")
    assert Question.objects.filter(survey__year=2020, statement=statement).exists()
    assert "jakauma-foorumi-toimiva" in seen["/barometri/2020/"]
    _statement_form(editor, statement, key="foorumi-uusi-avain")
    assert changed({url: seen[url] for url in RESULTS_2020}) == []


def test_rekeying_the_headline_leaves_the_front_page_teaser(seen, editor):
    """Re-keying the headline statement: the front page's teaser (2021 headline and its
    trend line 2014–2021) must stay as it was."""
    statement = headline()
    assert 'aria-labelledby="etusivu-trendi-title"' in seen["/"]
    _statement_form(editor, statement, key="visio-2022")
    assert changed({"/": seen["/"]}) == []


def test_rekeying_a_statement_leaves_the_open_data_files(seen, editor):
    statement = Statement.objects.get(key="ilmapiiri")
    assert all('"ilmapiiri"' in seen[url] for url in OPEN_DATA)
    _statement_form(editor, statement, key="ilmapiiri-2022")
    assert changed({url: seen[url] for url in OPEN_DATA}) == []


def test_deleting_a_statement_used_by_a_published_survey_is_refused(seen, editor):
    statement = headline()
    one = editor.post(f"{STATEMENTS}{statement.pk}/delete/", {"post": "yes"})
    bulk = action_post(editor, STATEMENTS, "delete_selected", statement.pk, post="yes")
    assert one.status_code in (200, 403) and bulk.status_code in (200, 302, 403)
    assert one.status_code != 500 and bulk.status_code != 500
    assert Statement.objects.filter(pk=statement.pk).exists()
    assert changed(seen) == []


def test_contact_person_cannot_reach_statements_or_surveys(seen):
    contact = logged_in("yhteyshenkilo")
    statement = headline()
    survey = Survey.objects.get(year=2020)
    for url in (
        f"{STATEMENTS}{statement.pk}/change/",
        f"{SURVEYS}{survey.pk}/change/",
        f"{SURVEYS}{survey.pk}/tuo/",
        f"{RESPONSES}{survey.responses.first().pk}/delete/",
    ):
        assert contact.get(url).status_code in (302, 403, 404), url
    contact.post(f"{STATEMENTS}{statement.pk}/change/", {"key": "x", "text_fi": "Hakkeroitu"})
    action_post(contact, SURVEYS, "unpublish_results", survey.pk)
    assert Survey.objects.get(pk=survey.pk).results_published
    assert changed(seen) == []


# --- 2. Answers are final: deleting them is a change too ---------------------------------------


def test_deleting_an_answer_of_a_published_survey_is_refused(seen, editor):
    """The response admin is read-only, but its delete page and bulk delete are offered. Once
    a survey's results have been public, its answers are final: deleting one must be refused."""
    survey = Survey.objects.get(year=2021)
    before = answers_of(survey)
    first, second = survey.responses.order_by("pk")[:2]
    one = editor.post(f"{RESPONSES}{first.pk}/delete/", {"post": "yes"})
    bulk = action_post(editor, RESPONSES, "delete_selected", second.pk, post="yes")
    assert one.status_code != 500 and bulk.status_code != 500
    assert answers_of(survey) == before, (one.status_code, bulk.status_code)
    assert changed(seen) == []


def test_deleting_answers_does_not_reach_a_published_page_later(seen, editor):
    """Even if deleting slips through, what the public sees stays: the page and files read
    stored figures, and a second close or publish keeps them."""
    survey = Survey.objects.get(year=2021)
    Response.objects.filter(pk__in=survey.responses.order_by("pk")[:30].values("pk")).delete()
    for action in ("close_surveys", "publish_results"):
        assert action_post(editor, SURVEYS, action, survey.pk).status_code == 302
    call_command("store_figures", stdout=StringIO())
    assert changed(seen) == []


# --- 1./2. Actions, imports, answers on a published, then unpublished, survey ------------------


@pytest.mark.parametrize("action", ["open_surveys", "close_surveys", "publish_results"])
def test_life_cycle_actions_on_a_published_survey_change_nothing(seen, editor, action):
    survey = Survey.objects.get(year=2021)
    before = answers_of(survey)
    response = action_post(editor, SURVEYS, action, survey.pk)
    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.state, survey.results_published) == ("closed", True)
    assert answers_of(survey) == before
    if action == "open_surveys":
        messages = [str(m) for m in response.wsgi_request._messages]
        assert any(FINNISH_FINAL in m for m in messages), messages
    assert changed(seen) == []


def csv_file(year):
    survey = Survey.objects.get(year=year)
    keys = [q.statement.key for q in survey.questions.filter(kind="likert").order_by("order")]
    header = ",".join(["vastaaja", "vastattu", "organisaatio", *keys])
    rows = [f"myohassa-{i},{year}-11-24 16:22,kunta,{','.join('5' * len(keys))}" for i in range(9)]
    return "\n".join([header, *rows]).encode()


@pytest.fixture
def unpublished_2021(seen, editor):
    """Editor deliberately takes the 2021 results off the site: its answers stay final."""
    survey = Survey.objects.get(year=2021)
    assert action_post(editor, SURVEYS, "unpublish_results", survey.pk).status_code == 302
    survey.refresh_from_db()
    assert not survey.results_published and survey.results_first_published
    return survey


def test_import_page_after_unpublishing_is_refused_in_finnish(unpublished_2021, editor):
    survey = unpublished_2021
    before = answers_of(survey)
    figures = survey.figures
    upload = SimpleUploadedFile("myohassa.csv", csv_file(2021), content_type="text/csv")
    response = editor.post(f"{SURVEYS}{survey.pk}/tuo/", {"file": upload})
    assert 400 <= response.status_code < 500
    assert FINNISH_FINAL in response.content.decode()
    assert answers_of(survey) == before
    assert Survey.objects.get(pk=survey.pk).figures == figures


def test_import_command_after_unpublishing_is_refused_in_finnish(unpublished_2021, tmp_path):
    survey = unpublished_2021
    before = answers_of(survey)
    path = tmp_path / "myohassa.csv"
    path.write_bytes(csv_file(2021))
    with pytest.raises(CommandError, match=FINNISH_FINAL):
        call_command("import_barometer", "2021", str(path), stdout=StringIO(), stderr=StringIO())
    assert answers_of(survey) == before


def test_reopening_after_unpublishing_is_refused_and_no_web_answer(unpublished_2021, editor):
    survey = unpublished_2021
    before = answers_of(survey)
    response = action_post(editor, SURVEYS, "open_surveys", survey.pk)
    assert response.status_code == 302
    assert any(FINNISH_FINAL in str(m) for m in response.wsgi_request._messages)
    assert Survey.objects.get(pk=survey.pk).state == "closed"
    question = survey.questions.filter(kind="likert").first()
    answer = Client().post(
        "/barometri/2021/vastaa/", {f"k{question.pk}": "5", "website": "", "age": "x"}
    )
    assert answer.status_code in (403, 409, 400)
    assert answers_of(survey) == before


def test_a_question_removed_after_unpublishing_keeps_the_answers(unpublished_2021, editor):
    """After the results were unpublished the change form is editable again, but the answers
    stay final: removing a statement from the survey (its inline row) must not delete the
    answers given to it."""
    survey = unpublished_2021
    before = answers_of(survey)
    url = f"{SURVEYS}{survey.pk}/change/"
    form = editor.get(url)
    questions = form.context["inline_admin_formsets"][0].formset
    likert = next(
        i for i, f in enumerate(questions.forms) if f.instance.kind == Question.Kind.LIKERT
    )
    assert Answer.objects.filter(question=questions.forms[likert].instance).exists()
    data = admin_form_data(form)
    data[f"questions-{likert}-DELETE"] = "on"
    response = editor.post(url, data)
    assert response.status_code != 500
    assert answers_of(survey) == before, response.status_code


def test_republishing_after_unpublishing_shows_the_same_page(unpublished_2021, editor, seen):
    """Unpublish then publish again (with a late import refused between): the same page."""
    survey = unpublished_2021
    upload = SimpleUploadedFile("myohassa.csv", csv_file(2021), content_type="text/csv")
    editor.post(f"{SURVEYS}{survey.pk}/tuo/", {"file": upload})
    assert action_post(editor, SURVEYS, "publish_results", survey.pk).status_code == 302
    assert changed(seen) == []


def test_the_demo_loader_run_again_changes_no_published_page(seen, editor):
    """A careless `load_demo` on a live database (it is idempotent) must not touch a
    published survey, even after an editor reworded a statement and unpublished 2021."""
    _statement_form(editor, Statement.objects.get(key="viestinta"), text_fi="Uusi 2022")
    call_command("load_demo", stdout=StringIO())
    not_open_data = [url for url in PUBLIC if url not in OPEN_DATA]
    assert changed({url: seen[url] for url in not_open_data}) == []


def test_generating_a_survey_on_a_published_year_changes_nothing(seen):
    survey = Survey.objects.get(year=2021)
    before = answers_of(survey)
    with pytest.raises(CommandError, match="Vuoden 2021 kysely on jo olemassa"):
        call_command("generate_survey", "--responses", "10", "--year", "2021", stdout=StringIO())
    assert answers_of(survey) == before
    assert not Statement.objects.filter(key__startswith="testi-").exists()
    assert changed(seen) == []


# --- 4. Deleting -------------------------------------------------------------------------------


def test_deleting_the_published_review_and_its_survey_is_refused(seen, editor):
    review = AnnualReview.objects.get(year=2020)
    survey = Survey.objects.get(year=2020)
    for url in (
        f"/admin/kumppanuus/annualreview/{review.pk}/delete/",
        f"{SURVEYS}{survey.pk}/delete/",
    ):
        assert editor.post(url, {"post": "yes"}).status_code == 403, url
    bulk = action_post(editor, SURVEYS, "delete_selected", survey.pk, post="yes")
    assert bulk.status_code in (200, 302, 403)
    assert Survey.objects.filter(pk=survey.pk).exists()
    assert AnnualReview.objects.filter(pk=review.pk).exists()
    assert changed(seen) == []


# --- 5. Two editors at one moment --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_survey_form_sent_while_another_editor_publishes(demo_data, monkeypatch):
    """Survey 2022 closed. Editor A has its change form open and drops a statement and edits
    the intro; editor B publishes the results while A's save is on its way. Whatever the
    order, the page the public got at B's publish stays as it was."""
    survey = Survey.objects.get(year=2022)
    barometer_services.survey_close(survey=survey)
    editor_a, editor_b = logged_in("toimittaja"), logged_in("toimittaja")
    url = f"{SURVEYS}{survey.pk}/change/"
    form = editor_a.get(url)
    questions = form.context["inline_admin_formsets"][0].formset
    likert = next(
        i for i, f in enumerate(questions.forms) if f.instance.kind == Question.Kind.LIKERT
    )
    data = admin_form_data(form, intro="Muutettu ohi julkaisun.")
    data[f"questions-{likert}-DELETE"] = "on"
    published = {}

    def publish():
        response = action_post(editor_b, SURVEYS, "publish_results", survey.pk)
        shown = Client().get("/barometri/2022/")
        published["page"] = (shown.status_code, shown.content)
        return response

    outcome = while_paused(
        monkeypatch, SurveyAdmin, "save_model", lambda: editor_a.post(url, data), publish
    )
    if sqlite_lock_refusal(outcome["first"]) or sqlite_lock_refusal(outcome["second"]):
        return
    assert outcome["first"].status_code in (302, 403), outcome
    assert outcome["second"].status_code == 302, outcome
    assert Survey.objects.get(pk=survey.pk).results_published
    assert published["page"][0] == 200, published
    assert page("/barometri/2022/") == published["page"][1].decode()


@pytest.mark.django_db(transaction=True)
def test_results_unpublished_while_the_review_using_them_is_published(demo_data, monkeypatch):
    """Editor A takes the 2021 results off the site at the moment editor B publishes the
    2021 review that uses them. Never both: a published review over results taken off."""
    assessment_round = AssessmentRound.objects.get(year=2021)
    programme_services.round_close(assessment_round=assessment_round, user=user("toimittaja"))
    survey = Survey.objects.get(year=2021)
    review = AnnualReview.objects.get(year=2021)
    assert review.survey_id == survey.pk
    editor = user("toimittaja")
    outcome = while_paused(
        monkeypatch,
        barometer_services,
        "survey_ensure_not_frozen",
        lambda: barometer_services.results_unpublish(survey=Survey.objects.get(pk=survey.pk)),
        lambda: review_services.review_publish(
            review=AnnualReview.objects.get(pk=review.pk), user=editor
        ),
        before=False,
        wait=1.5,
    )
    if sqlite_lock_refusal(outcome["first"]) or sqlite_lock_refusal(outcome["second"]):
        return
    survey.refresh_from_db()
    review.refresh_from_db()
    if review.is_published:
        assert survey.results_published and survey.frozen_by_review, outcome
        assert Client().get("/barometri/2021/").status_code == 200
    else:
        assert isinstance(outcome["second"], ValidationError), outcome


@pytest.mark.django_db(transaction=True)
def test_statement_reworded_while_the_survey_is_closed(demo_data, monkeypatch):
    """Editor A closes survey 2022 (its figures, with the statements' words, stored) while
    editor B rewords one of its statements. After both, publishing shows one consistent set
    of words, and a later rewording does not reach it."""
    survey = Survey.objects.get(year=2022)
    statement = Statement.objects.get(key="viestinta")
    editor_b = logged_in("toimittaja")

    def reword():
        url = f"{STATEMENTS}{statement.pk}/change/"
        data = admin_form_data(editor_b.get(url), text_fi="Sanottu sulkemisen aikana")
        return editor_b.post(url, data)

    outcome = while_paused(
        monkeypatch,
        barometer_services,
        "survey_figures_store",
        lambda: barometer_services.survey_close(survey=Survey.objects.get(pk=survey.pk)),
        reword,
        before=True,
    )
    if sqlite_lock_refusal(outcome["first"]) or sqlite_lock_refusal(outcome["second"]):
        return
    assert not isinstance(outcome["first"], Exception), outcome
    assert outcome["second"].status_code == 302, outcome
    barometer_services.results_publish(survey=Survey.objects.get(pk=survey.pk))
    shown = page("/barometri/2022/")
    Statement.objects.filter(pk=statement.pk).update(text_fi="Vielä myöhempi muotoilu")
    assert page("/barometri/2022/") == shown
