from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barometer.models import Answer, Response, Survey
from tests.conftest import reset_rate_limits

pytestmark = pytest.mark.django_db

FORM_URL = "/barometri/2022/vastaa/"


def form_data(survey, **overrides):
    data = {}
    for question in survey.questions.all():
        name = f"k{question.pk}"
        data[name] = {"likert": "4", "organisation": "kunta", "open_text": "Hyvä foorumi"}[
            question.kind
        ]
    data.update(overrides)
    return data


@pytest.fixture
def open_survey(demo_data):
    return Survey.objects.get(year=2022)


def test_index_shows_trend_and_latest_shares(client, demo_data):
    page = client.get("/barometri/").content.decode()
    assert "Pääväittämän kehitys" in page
    for share in ["68\u00a0%", "78\u00a0%", "89\u00a0%", "88\u00a0%", "80\u00a0%"]:
        assert share in page
    assert "<svg" in page


def test_results_page_shows_sentence_and_respondents(client, demo_data):
    page = client.get("/barometri/2020/").content.decode()
    assert (
        "88\u00a0% vastaajista oli samaa mieltä väittämän ”Varsinais-Suomen tulevaisuutta" in page
    )
    assert "150 vastaajaa" in page


def test_open_answers_are_never_public(client, demo_data):
    secret = Answer.objects.filter(question__kind="open_text").exclude(text="").first().text
    for url in [
        "/barometri/",
        "/barometri/2020/",
        "/avoin-data/barometri.csv",
        "/avoin-data/barometri.json",
    ]:
        assert secret not in client.get(url).content.decode(), url


@pytest.mark.parametrize("change", [{"results_published": False}, {"state": "draft"}])
def test_unpublished_or_draft_results_are_404(client, demo_data, change):
    Survey.objects.filter(year=2020).update(**{"results_published": False, **change})
    assert client.get("/barometri/2020/").status_code == 404


def test_answer_is_stored_exactly_once_with_prg(client, open_survey):
    before = Response.objects.filter(survey=open_survey).count()
    response = client.post(FORM_URL, form_data(open_survey))
    assert response.status_code == 302 and response["Location"] == "/barometri/2022/kiitos/"
    assert Response.objects.filter(survey=open_survey).count() == before + 1
    stored = Response.objects.filter(survey=open_survey).latest("pk")
    assert stored.organisation_type == "kunta" and stored.source == "web"
    assert stored.answers.count() == open_survey.questions.exclude(kind="organisation").count()
    again = client.post(FORM_URL, form_data(open_survey))
    assert again.status_code == 409
    assert "Olet jo vastannut" in again.content.decode()
    assert Response.objects.filter(survey=open_survey).count() == before + 1
    assert "Olet jo vastannut" in client.get(FORM_URL).content.decode()


def test_form_has_accessible_radio_groups(client, open_survey):
    page = client.get(FORM_URL).content.decode()
    assert page.count("<fieldset") == open_survey.questions.exclude(kind="open_text").count()
    assert "<legend" in page and "en osaa sanoa" in page


def test_closed_survey_refuses_posts_and_says_so(client, demo_data):
    survey = Survey.objects.get(year=2021)
    before = Response.objects.count()
    page = client.get("/barometri/2021/vastaa/")
    assert "Kysely on sulkeutunut" in page.content.decode()
    response = client.post("/barometri/2021/vastaa/", form_data(survey))
    assert response.status_code == 403
    assert Response.objects.count() == before


def test_not_yet_open_survey_tells_when_it_opens(client, open_survey):
    open_survey.opens = timezone.now() + timedelta(days=3)
    open_survey.save()
    page = client.get(FORM_URL).content.decode()
    assert "Kysely avautuu" in page
    assert client.post(FORM_URL, form_data(open_survey)).status_code == 403


def test_draft_survey_form_is_404(client, open_survey):
    Survey.objects.filter(pk=open_survey.pk).update(state="draft")
    assert client.get(FORM_URL).status_code == 404


def test_honeypot_is_silently_dropped(client, open_survey):
    before = Response.objects.count()
    response = client.post(FORM_URL, form_data(open_survey, kotisivu="http://roskaa.example"))
    assert response.status_code == 302
    assert Response.objects.count() == before


def test_invalid_value_gets_finnish_error_and_nothing_stored(client, open_survey):
    question = open_survey.questions.filter(kind="likert").first()
    before = Response.objects.count()
    response = client.post(FORM_URL, form_data(open_survey, **{f"k{question.pk}": "9"}))
    assert response.status_code == 400
    assert "Valitse oikea vaihtoehto" in response.content.decode()
    assert Response.objects.count() == before


def test_missing_csrf_token_is_refused(open_survey):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(FORM_URL, form_data(open_survey))
    assert response.status_code == 403
    assert Response.objects.filter(survey=open_survey).count() == 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_posts_never_500_and_never_store_partial(client, open_survey, data):
    # The survey's own field names (k<question id>) as well as unknown ones, so that real
    # answers, not only ignored fields, are exercised.
    names = [f"k{pk}" for pk in open_survey.questions.values_list("pk", flat=True)]
    payload = data.draw(
        st.dictionaries(
            st.one_of(st.sampled_from([*names, "kotisivu", "x"]), st.text(max_size=8)),
            st.one_of(st.text(max_size=50), st.sampled_from(["1", "5", "EOS", "kunta", "0", "-1"])),
            max_size=10,
        ),
        label="payload",
    )
    client.cookies.clear()
    reset_rate_limits()
    before_responses = Response.objects.count()
    before_answers = Answer.objects.count()
    response = client.post(FORM_URL, payload)
    assert response.status_code in (302, 400)
    new_responses = Response.objects.count() - before_responses
    new_answers = Answer.objects.count() - before_answers
    if response.status_code == 400:
        assert (new_responses, new_answers) == (0, 0)
    else:
        assert new_responses in (0, 1)
        for stored in Response.objects.order_by("-pk")[:new_responses]:
            for answer in stored.answers.all():
                assert answer.dont_know or 1 <= (answer.value or 0) <= 5 or answer.text


def test_results_query_count_constant_with_100000_responses(demo_data, count_queries):
    from barometer.generate import large_survey_generate

    small = (count_queries("/barometri/2020/"), count_queries("/barometri/"))
    large_survey_generate(responses=100_000, year=2099)
    assert (count_queries("/barometri/2099/"), count_queries("/barometri/")) == small


def test_open_survey_past_its_closing_time_says_closed(client, open_survey):
    Survey.objects.filter(pk=open_survey.pk).update(
        opens=None, closes=timezone.now() - timedelta(days=1)
    )
    page = client.get(FORM_URL)
    assert page.status_code == 200
    assert "Kysely on sulkeutunut" in page.content.decode()
    assert client.post(FORM_URL, form_data(open_survey)).status_code == 403
