"""Results of a closed survey are computed once, when it closes, and pages read them."""

import pytest

from barometer import services
from barometer.importing import survey_import_csv
from barometer.models import Answer, Survey
from barometer.results import survey_results_compute, survey_results_from_data

pytestmark = pytest.mark.django_db


def test_stored_results_equal_computed_ones_for_every_closed_survey(demo_data):
    for survey in Survey.objects.filter(state="closed"):
        assert survey.figures, survey
        assert survey_results_from_data(survey, survey.figures) == survey_results_compute(survey)


def test_closed_survey_page_reads_stored_results(client, demo_data):
    survey = Survey.objects.get(year=2018)
    before = client.get("/barometri/2018/").content.decode()
    Answer.objects.filter(question__survey=survey, question__kind="likert").update(
        value=1, dont_know=False
    )
    assert client.get("/barometri/2018/").content.decode() == before
    assert client.get("/barometri/").content.decode().count("%") > 0


def test_closing_a_closed_survey_again_leaves_its_stored_results(client, demo_data):
    """An editor ticks the closed 2018 survey with another and clicks "close": what the public
    saw of 2018 stays, even when its answers were changed behind the services' back since."""
    survey = Survey.objects.get(year=2018)
    before = client.get("/barometri/2018/").content.decode()
    Answer.objects.filter(question__survey=survey, question__kind="likert").update(
        value=1, dont_know=False
    )
    services.survey_close(survey=survey)
    assert Survey.objects.get(year=2018).figures == survey.figures
    assert client.get("/barometri/2018/").content.decode() == before


def test_import_into_a_closed_survey_recomputes_and_opening_discards(client, demo_data):
    """A closed survey whose results have not been public yet still takes late answers."""
    Survey.objects.filter(year=2018).update(results_published=False, results_first_published=None)
    survey = Survey.objects.get(year=2018)
    survey_import_csv(
        survey=survey,
        data=b"vastaaja,vastattu,organisaatio,visio\nuusi-1,2018-11-30 10:00,kunta,5\n",
    )
    survey.refresh_from_db()
    assert survey.figures["respondents"] == 161
    services.survey_open(survey=survey)
    assert Survey.objects.get(year=2018).figures is None
    services.survey_close(survey=survey)
    assert Survey.objects.get(year=2018).figures["respondents"] == 161
    services.results_publish(survey=survey)
    assert "161 vastaajaa" in client.get("/barometri/2018/").content.decode()


def test_trends_from_stored_results_equal_the_aggregated_ones(demo_data):
    from barometer.results import trends

    stored = trends()
    Survey.objects.update(figures=None)
    assert trends() == stored
    assert [round(share * 100) for _y, share, _n in stored["visio"]] == [68, 78, 89, 89, 88, 80]


def test_a_reworded_statement_leaves_what_earlier_years_were_asked(client, demo_data):
    """An editor rewords a statement for next year's survey in the admin: the closed years'
    pages keep the words their respondents answered, in every language; the open survey's
    form asks with the new words."""
    from django.contrib.auth import get_user_model

    from barometer.models import Statement
    from tests.conftest import admin_form_data

    statement = Statement.objects.get(key="visio")
    old_fi = statement.text_fi
    old_sv = statement.text_sv or old_fi  # the demo has no Swedish words: Finnish shows
    pages = {
        url: client.get(url).content.decode() for url in ("/barometri/2020/", "/sv/barometri/2020/")
    }
    assert old_fi in pages["/barometri/2020/"] and old_sv in pages["/sv/barometri/2020/"]
    editor = get_user_model().objects.get(username="toimittaja")
    client.force_login(editor)
    url = f"/admin/barometer/statement/{statement.pk}/change/"
    changed = admin_form_data(client.get(url), text_fi="Uusi sanamuoto", text_sv="Ny formulering")
    assert client.post(url, changed).status_code == 302
    client.logout()
    for page_url in pages:
        after = client.get(page_url).content.decode()
        assert "Uusi sanamuoto" not in after and "Ny formulering" not in after
        assert (old_fi if page_url.startswith("/barometri") else old_sv) in after
    open_survey = Survey.objects.get(state="open")
    assert "Uusi sanamuoto" in client.get(f"/barometri/{open_survey.year}/vastaa/").content.decode()


def test_figures_stored_before_the_words_get_the_present_words(demo_data):
    """The migration gives figures stored without the words the words there are now."""
    import copy
    from importlib import import_module

    from django.apps import apps

    migration = import_module("barometer.migrations.0008_statement_texts_in_figures")
    survey = Survey.objects.get(year=2020)
    stored = copy.deepcopy(survey.figures)
    for item in survey.figures["statements"]:
        del item["texts"]
    survey.save(update_fields=["figures"])
    migration.store_texts(apps, None)
    assert Survey.objects.get(year=2020).figures == stored


def test_a_closed_survey_page_follows_its_stored_results(client, demo_data):
    """The page's body is kept by the stored results' JSON text and the survey's own fields
    (fragments.py): stored results closed again with other figures, or another invited count,
    show at once, in the same process, in every language."""
    survey = Survey.objects.get(year=2018)
    respondents = survey.figures["respondents"]
    assert f"{respondents} vastaajaa" in client.get("/barometri/2018/").content.decode()
    assert f"{respondents} respondents" in client.get("/en/barometri/2018/").content.decode()
    figures = {**survey.figures, "respondents": respondents + 7}
    Survey.objects.filter(pk=survey.pk).update(figures=figures, invited=1000)
    page = client.get("/barometri/2018/").content.decode()
    assert f"{respondents + 7} vastaajaa" in page and "(1000 kutsuttua)" in page
    assert f"{respondents + 7} respondents" in client.get("/en/barometri/2018/").content.decode()


def test_barometer_front_page_follows_stored_results_and_aggregates_the_rest(client, demo_data):
    """The front page's body is kept by the published surveys' stored results as JSON text
    (fragments.py): results stored anew show at once in the same process, and a published
    survey without stored results is aggregated, to the same page as its stored results."""
    stored = Survey.objects.get(year=2020).figures
    page = client.get("/barometri/").content.decode()
    assert "88\u00a0%" in page  # 2020: 132 of 150 agreed with the headline statement
    Survey.objects.filter(year=2020).update(figures=None)
    assert client.get("/barometri/").content.decode() == page
    stored["statements"][0]["agree"] = 15
    Survey.objects.filter(year=2020).update(figures=stored)
    page = client.get("/barometri/").content.decode()
    assert "10\u00a0%" in page and "88\u00a0%" not in page
