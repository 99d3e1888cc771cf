"""Two people at one moment: a contact person saves their network's statuses (or an editor a
single status) while an editor closes the round. Closing stores the figures the public then
sees for good; a status written beside them would move the closed year's pages and leave its
stored figures wrong. Runs on SQLite and on PostgreSQL (DATABASE_URL); commits for real."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from barometer.models import Survey
from programme import services
from programme.models import AssessmentRound, MeasureStatus
from programme.progress import round_figures_data
from tests.programme.test_assessment import assess_url, screen_data
from tests.security.pausing import People, paused

pytestmark = pytest.mark.django_db(transaction=True)


def logged_in(username):
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=username))
    return client


def screen_data_first_level_changed(client, url):
    """The assessment screen as the browser sends it back, its first level changed."""
    page = client.get(url)
    data = screen_data(page)
    first = page.context["formset"].forms[0]["level"]
    other = next(str(pk) for pk, _ in first.field.choices if pk and str(pk) != str(first.value()))
    return {**data, first.html_name: other}


def while_the_round_closes(monkeypatch, assessment_round, write):
    """The editor's close has computed the round's figures and not yet committed them when
    `write` runs on another connection; the close then commits. Returns what `write` gave."""
    figures_done, commit_may_go_on = paused(monkeypatch, services, "round_figures_data")
    editor = get_user_model().objects.get(username="toimittaja")
    people = People()
    people.start(
        "close",
        lambda: services.round_close(
            assessment_round=AssessmentRound.objects.get(pk=assessment_round.pk), user=editor
        ),
    )
    assert figures_done.wait(10)
    people.start("write", write).join(1.5)  # on PostgreSQL it waits for the editor's close
    commit_may_go_on.set()
    outcome = people.finish()
    assert not isinstance(outcome["close"], Exception), outcome
    return outcome["write"]


def figures_of_its_statuses(assessment_round):
    """The round's figures computed now, as a JSON field stores them (text keys)."""
    return json.loads(json.dumps(round_figures_data(assessment_round)))


def statuses_of(assessment_round):
    return sorted(
        MeasureStatus.objects.filter(round=assessment_round).values_list(
            "measure_id", "network_id", "level_id", "note"
        )
    )


@pytest.mark.parametrize("button", ["save", "confirm"])
def test_assessment_saved_while_the_round_closes_is_refused_or_counted(
    demo_data, monkeypatch, button
):
    """A person checks: the round is closed, its stored figures are those of its statuses,
    and on PostgreSQL (where writers wait) the contact person's late save changed nothing and
    was answered with a refusal, not a thank-you."""
    assessment_round = AssessmentRound.objects.get(year=2021)
    contact = logged_in("yhteyshenkilo")
    url = assess_url(assessment_round, "matkailu")
    data = screen_data_first_level_changed(contact, url)
    if button == "confirm":
        data["confirm"] = "1"
    before = statuses_of(assessment_round)
    response = while_the_round_closes(
        monkeypatch, assessment_round, lambda: contact.post(url, data)
    )
    assessment_round.refresh_from_db()
    assert assessment_round.state == "closed"
    assert assessment_round.figures == figures_of_its_statuses(assessment_round)
    if connection.vendor == "postgresql":
        assert response.status_code in (200, 403), response.status_code
        assert statuses_of(assessment_round) == before


def test_status_changed_in_the_admin_form_while_the_round_closes_is_refused(demo_data, monkeypatch):
    """An editor saves one status's change form as another editor closes its round."""
    assessment_round = AssessmentRound.objects.get(year=2021)
    status = MeasureStatus.objects.filter(round=assessment_round).select_related("level").first()
    other = status.measure.programme.levels.exclude(pk=status.level_id).first()
    editor = logged_in("toimittaja")
    url = f"/admin/programme/measurestatus/{status.pk}/change/"
    from tests.conftest import admin_form_data

    data = admin_form_data(editor.get(url), level=str(other.pk))
    before = statuses_of(assessment_round)
    response = while_the_round_closes(monkeypatch, assessment_round, lambda: editor.post(url, data))
    assessment_round.refresh_from_db()
    assert assessment_round.figures == figures_of_its_statuses(assessment_round)
    if connection.vendor == "postgresql":
        assert response.status_code == 403
        assert statuses_of(assessment_round) == before


@pytest.mark.parametrize("reopen", ["round", "survey"])
def test_round_or_survey_reopened_while_a_review_is_published(demo_data, monkeypatch, reopen):
    """Editor A publishes the annual review of a closed round and survey; editor B reopens
    the round (or the survey) while A's figures are being stored. A person checks that the
    two do not both succeed: either the review is published and its round and survey stay
    closed and frozen, or the review stays a draft."""
    from barometer.services import survey_open
    from kumppanuus import services as review_services
    from kumppanuus.models import AnnualReview

    review = AnnualReview.objects.get(year=2020)  # its round and survey are closed
    review_services.review_unpublish(review=review)
    editor = get_user_model().objects.get(username="toimittaja")
    snapshot_done, publish_may_go_on = paused(
        monkeypatch, review_services, "review_figures_snapshot"
    )
    people = People()
    people.start("publish", lambda: review_services.review_publish(review=review))
    assert snapshot_done.wait(10), people.outcome
    if reopen == "round":
        assessment_round = AssessmentRound.objects.get(pk=review.assessment_round_id)
        action = lambda: services.round_open(assessment_round=assessment_round, user=editor)  # noqa: E731
    else:
        survey = Survey.objects.get(pk=review.survey_id)
        action = lambda: survey_open(survey=survey)  # noqa: E731
    people.start("reopen", action).join(1.5)  # on PostgreSQL it waits for the publish
    publish_may_go_on.set()
    outcome = people.finish()
    review.refresh_from_db()
    assessment_round = AssessmentRound.objects.get(pk=review.assessment_round_id)
    survey = Survey.objects.get(pk=review.survey_id)
    if review.is_published:
        assert assessment_round.state == "closed" and assessment_round.frozen_by_review, outcome
        assert survey.state == "closed" and survey.frozen_by_review, outcome
    if connection.vendor == "postgresql":
        assert review.is_published, outcome
        assert isinstance(outcome["reopen"], ValidationError), outcome
