import pytest

from barometer.models import Response, Survey


def test_visitor_answers_the_open_survey_by_keyboard_only(page, site, screenshot):
    survey = Survey.objects.get(year=2022)
    before = Response.objects.filter(survey=survey).count()
    page.goto(site + "/barometri/2022/vastaa/")
    first_radio = page.locator("input[type=radio]").first
    first_radio.focus()
    page.keyboard.press("Space")  # organisation type: the first choice
    for _group in range(survey.questions.filter(kind="likert").count()):
        page.keyboard.press("Tab")  # to the next radio group
        page.keyboard.press("ArrowRight")  # a choice within the group
    page.keyboard.press("Tab")
    page.keyboard.type("Näppäimistöllä vastattu.")
    page.keyboard.press("Tab")
    screenshot(page, "barometer-form-keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url("**/barometri/2022/kiitos/")
    assert "Kiitos vastauksestasi!" in page.content()
    assert Response.objects.filter(survey=survey).count() == before + 1
    stored = Response.objects.filter(survey=survey).latest("pk")
    assert stored.organisation_type == "kunta"
    assert stored.answers.filter(text="Näppäimistöllä vastattu.").exists()
    assert (
        stored.answers.exclude(value=None).count() == survey.questions.filter(kind="likert").count()
    )


@pytest.mark.parametrize("path", ["/barometri/", "/barometri/2020/", "/barometri/2022/vastaa/"])
def test_barometer_pages_have_no_axe_violations(page, site, path, assert_accessible, screenshot):
    page.goto(site + path)
    assert_accessible(page)
    screenshot(page, "axe" + path.replace("/", "_"))
