"""A survey whose results the public sees keeps its title, texts, counts and statements until
an editor deliberately unpublishes them: the change form offers nothing to edit, and a forged
POST of it is refused with nothing saved."""

import re

import pytest
from django.contrib.auth import get_user_model

from barometer.models import Question, Survey
from kumppanuus.models import AnnualReview
from tests.conftest import admin_form_data

pytestmark = pytest.mark.django_db

PAGE = "/barometri/2020/"


def public_page(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    return re.sub(r'nonce="[^"]*"', "", response.content.decode())


@pytest.fixture
def editor(client, published_survey):
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    return client


@pytest.fixture
def published_survey(demo_data, client):
    survey = Survey.objects.get(year=2020)
    assert survey.results_published and survey.invited
    return survey, public_page(client)


def change_url(survey):
    return f"/admin/barometer/survey/{survey.pk}/change/"


def test_the_form_of_a_published_survey_offers_nothing_to_edit(editor, published_survey):
    survey, _page = published_survey
    form = editor.get(change_url(survey))
    assert form.status_code == 200
    assert "Kyselyn tulokset on julkaistu, joten kysely on lukittu" in form.content.decode()
    assert list(form.context["adminform"].form.fields) == []
    questions = form.context["inline_admin_formsets"][0]
    assert not questions.has_add_permission and not questions.has_delete_permission


def test_a_forged_post_changes_nothing_the_public_sees(editor, client, published_survey):
    survey, page = published_survey
    questions = list(survey.questions.values_list("pk", "statement_id", "order"))
    data = {
        "year": "2031",
        "title": "Hakkeroitu",
        "intro": "Hakkeroitu johdanto",
        "invited": "1",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "1",
        "questions-0-id": str(questions[0][0]),
        "questions-0-survey": str(survey.pk),
        "questions-0-DELETE": "on",
    }
    response = editor.post(change_url(survey), data)
    assert response.status_code == 403
    survey.refresh_from_db()
    assert (survey.year, survey.title) == (2020, Survey.objects.get(pk=survey.pk).title)
    assert survey.title != "Hakkeroitu" and survey.invited != 1
    assert list(survey.questions.values_list("pk", "statement_id", "order")) == questions
    editor.logout()
    assert public_page(client) == page


def test_after_unpublishing_the_editor_can_edit_again(editor, published_survey):
    survey, _page = published_survey
    review = AnnualReview.objects.get(year=2020)
    editor.post(
        "/admin/kumppanuus/annualreview/", {"action": "unpublish", "_selected_action": [review.pk]}
    )
    editor.post(
        "/admin/barometer/survey/",
        {"action": "unpublish_results", "_selected_action": [survey.pk]},
    )
    form = editor.get(change_url(survey))
    assert "title" in form.context["adminform"].form.fields
    response = editor.post(change_url(survey), admin_form_data(form, invited="500"))
    assert response.status_code == 302
    assert Survey.objects.get(pk=survey.pk).invited == 500
    assert Question.objects.filter(survey=survey).exists()


def test_a_published_survey_cannot_be_deleted(editor, client, published_survey):
    """Deleting would take the page away (and every answer with it): refused, one by one or
    ticked in the list, until the results are unpublished."""
    survey, page = published_survey
    assert (
        editor.post(f"/admin/barometer/survey/{survey.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    bulk = editor.post(
        "/admin/barometer/survey/",
        {"action": "delete_selected", "_selected_action": [survey.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302, 403)  # 200: the "cannot delete" page
    assert Survey.objects.filter(pk=survey.pk).exists()
    editor.logout()
    assert public_page(client) == page


def test_the_import_page_of_a_published_survey_says_why_and_offers_no_form(
    editor, published_survey
):
    survey, _page = published_survey
    page = editor.get(f"/admin/barometer/survey/{survey.pk}/tuo/").content.decode()
    assert "vuosikatsaus" in page and "ei voi tuoda vastauksia" in page
    assert 'type="file"' not in page
    open_survey = Survey.objects.get(state="open")
    assert (
        'type="file"'
        in editor.get(f"/admin/barometer/survey/{open_survey.pk}/tuo/").content.decode()
    )
