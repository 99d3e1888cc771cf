"""Outside concurrency attacks: two people act at the same moment, each on a database
connection of their own (threads; every thread closes its connections). The pauses of
tests/security/pausing.py hold one person's request at a chosen point while the other acts.

Not repeated here (the team's own race tests cover them): a round closed against an import,
one barometer answer or an assessment save.

Runs on SQLite and on PostgreSQL (DATABASE_URL); commits for real. SQLite's in-memory test
database refuses a second concurrent writer ("database table is locked") instead of waiting:
such a refusal is accepted there only, the strict outcome is asserted on PostgreSQL."""

import contextlib
import json
import re
import threading
import uuid

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from barometer import services as barometer_services
from barometer.admin import SurveyAdmin
from barometer.models import Response, Survey
from barometer.results import survey_results_data
from feedback.models import Idea
from kumppanuus import services as review_services
from kumppanuus.admin import AnnualReviewAdmin
from kumppanuus.models import AnnualReview, ReviewSection
from networks.models import ContactPerson, Network
from programme import services as programme_services
from programme.admin import AssessmentRoundAdmin
from programme.models import AssessmentRound, MeasureStatus
from programme.progress import round_figures_data
from tests.barometer.test_views import form_data
from tests.conftest import admin_form_data
from tests.programme.test_assessment import assess_url
from tests.security.accounts import logged_in, user
from tests.security.pausing import People, sqlite_lock_refusal, while_paused

pytestmark = pytest.mark.django_db(transaction=True)

SQLITE = "sqlite"
ROUNDS = "/admin/programme/assessmentround/"
SURVEYS = "/admin/barometer/survey/"
REVIEWS = "/admin/kumppanuus/annualreview/"
IDEA_FORM = "/kehittamisideat/"


# --- helpers ----------------------------------------------------------------------------------


def json_figures(data):
    return json.loads(json.dumps(data))


def close_round_2021():
    assessment_round = AssessmentRound.objects.get(year=2021)
    programme_services.round_close(assessment_round=assessment_round, user=user("toimittaja"))
    return AssessmentRound.objects.get(pk=assessment_round.pk)


def action_post(client, changelist, action, pk, **extra):
    return client.post(changelist, {"action": action, ACTION_CHECKBOX_NAME: [str(pk)], **extra})


# --- 1. A change form saved beside a close or a publish ----------------------------------------


def test_survey_form_saved_while_another_editor_closes_the_survey(demo_data, monkeypatch):
    """Editor A fixes the 2022 survey's intro on its change form; editor B closes the survey
    (admin action) while A's save is on its way. A person checks: the survey is closed, its
    stored results equal its answers, and the answer form no longer takes answers."""
    survey = Survey.objects.get(year=2022)
    assert survey.accepts_answers()
    editor_a, editor_b = logged_in("toimittaja"), logged_in("toimittaja")
    url = f"{SURVEYS}{survey.pk}/change/"
    data = admin_form_data(editor_a.get(url), intro="Korjattu johdanto.")
    outcome = while_paused(
        monkeypatch,
        SurveyAdmin,
        "save_model",
        lambda: editor_a.post(url, data),
        lambda: action_post(editor_b, SURVEYS, "close_surveys", survey.pk),
    )
    if sqlite_lock_refusal(outcome["second"]) or sqlite_lock_refusal(outcome["first"]):
        return
    assert outcome["second"].status_code == 302, outcome
    survey.refresh_from_db()
    assert survey.state == "closed"
    assert survey.figures == survey_results_data(survey)
    answer_page = Client().get("/barometri/2022/vastaa/")
    assert "k" + str(survey.questions.first().pk) not in answer_page.content.decode()


def test_round_dates_saved_while_another_editor_closes_the_round(demo_data, monkeypatch):
    """Editor A corrects round 2021's closing date; editor B closes the round (admin action)
    at the same moment. A person checks: the round is closed with figures equal to its
    statuses, and the contact person's assessment screen answers 403 (round closed)."""
    assessment_round = AssessmentRound.objects.get(year=2021)
    editor_a, editor_b = logged_in("toimittaja"), logged_in("toimittaja")
    url = f"{ROUNDS}{assessment_round.pk}/change/"
    data = admin_form_data(editor_a.get(url), closes="2021-12-31")
    outcome = while_paused(
        monkeypatch,
        AssessmentRoundAdmin,
        "save_model",
        lambda: editor_a.post(url, data),
        lambda: action_post(editor_b, ROUNDS, "close_rounds", assessment_round.pk),
    )
    if sqlite_lock_refusal(outcome["second"]) or sqlite_lock_refusal(outcome["first"]):
        return
    assert outcome["second"].status_code == 302, outcome
    assessment_round.refresh_from_db()
    assert assessment_round.state == "closed"
    assert assessment_round.figures == json_figures(round_figures_data(assessment_round))
    contact = logged_in("yhteyshenkilo")
    assert contact.get(assess_url(assessment_round, "matkailu")).status_code == 403


@pytest.mark.parametrize("what", ["round", "survey"])
def test_change_form_saved_while_the_review_is_published_keeps_the_freeze(
    demo_data, monkeypatch, what
):
    """Round 2021 is closed; editor A saves round 2021's (or survey 2021's) change form while
    editor B publishes the 2021 review, which uses both. A person checks: the review is
    published, and trying to reopen its round (or survey) afterwards is refused in Finnish."""
    assessment_round = close_round_2021()
    survey = Survey.objects.get(year=2021)
    review = AnnualReview.objects.get(year=2021)
    editor_a = logged_in("toimittaja")
    if what == "round":
        url, admin_class = f"{ROUNDS}{assessment_round.pk}/change/", AssessmentRoundAdmin
        data = admin_form_data(editor_a.get(url), closes="2021-12-31")
    else:
        url, admin_class = f"{SURVEYS}{survey.pk}/change/", SurveyAdmin
        data = admin_form_data(editor_a.get(url), intro="Korjattu johdanto.")
    outcome = while_paused(
        monkeypatch,
        admin_class,
        "save_model",
        lambda: editor_a.post(url, data),
        lambda: review_services.review_publish(
            review=AnnualReview.objects.get(pk=review.pk), user=user("toimittaja")
        ),
    )
    if sqlite_lock_refusal(outcome["second"]) or sqlite_lock_refusal(outcome["first"]):
        return
    assert not isinstance(outcome["second"], Exception), outcome
    assert AnnualReview.objects.get(pk=review.pk).is_published
    if what == "round":
        with pytest.raises(ValidationError, match="julkaistu vuosikatsaus"):
            programme_services.round_open(
                assessment_round=AssessmentRound.objects.get(pk=assessment_round.pk),
                user=user("toimittaja"),
            )
    else:
        with pytest.raises(ValidationError, match="julkaistu"):
            barometer_services.survey_open(survey=Survey.objects.get(pk=survey.pk))


# --- 2. Reopening beside a publish -------------------------------------------------------------


def _reopen_while_publishing(monkeypatch, what):
    assessment_round = close_round_2021()
    survey = Survey.objects.get(year=2021)
    review = AnnualReview.objects.get(year=2021)
    editor = user("toimittaja")
    if what == "round":
        owner, name = programme_services, "round_ensure_not_frozen"

        def reopen():
            return programme_services.round_open(
                assessment_round=AssessmentRound.objects.get(pk=assessment_round.pk), user=editor
            )
    else:
        # The check survey_open makes (a survey a review can use has published results, so
        # its answers are final and the reopening is refused whatever the timing).
        owner, name = barometer_services, "survey_answers_refusal"

        def reopen():
            return barometer_services.survey_open(survey=Survey.objects.get(pk=survey.pk))

    outcome = while_paused(
        monkeypatch,
        owner,
        name,
        reopen,
        lambda: review_services.review_publish(
            review=AnnualReview.objects.get(pk=review.pk), user=editor
        ),
        before=False,
        wait=1.5,  # on PostgreSQL the publish may wait for the reopening's lock
    )
    return outcome, AnnualReview.objects.get(pk=review.pk)


@pytest.mark.parametrize("what", ["round", "survey"])
def test_reopened_while_the_review_is_published_one_of_them_is_refused(
    demo_data, monkeypatch, what
):
    """Editor A reopens round 2021 (or survey 2021) at the moment editor B publishes the 2021
    review that uses it (A has checked that no published review freezes it, not yet
    committed). A person checks: never both: either the review is published and its round
    (survey) is closed and marked frozen, or the review stays a draft."""
    outcome, review = _reopen_while_publishing(monkeypatch, what)
    if sqlite_lock_refusal(outcome["second"]) or sqlite_lock_refusal(outcome["first"]):
        return
    assert not isinstance(outcome["first"], Exception) or isinstance(
        outcome["first"], ValidationError
    ), outcome
    if what == "round":
        target = AssessmentRound.objects.get(year=2021)
        closed = target.state == "closed"
    else:
        target = Survey.objects.get(year=2021)
        closed = target.state == "closed" and target.results_published
    if review.is_published:
        assert closed, f"published review, yet its {what} is {target.state}"
        assert target.frozen_by_review
        assert target.figures
    else:
        assert isinstance(outcome["second"], ValidationError), outcome
        assert not target.frozen_by_review


# --- 3. The review's own change form beside its publish ----------------------------------------


@pytest.fixture
def review_2021_form(demo_data):
    """Round 2021 closed (so the 2021 review may be published); editor A has the draft
    review's change form open and has edited its title and its one section's text."""
    close_round_2021()
    review = AnnualReview.objects.get(year=2021)
    editor_a = logged_in("toimittaja")
    url = f"{REVIEWS}{review.pk}/change/"
    data = admin_form_data(
        editor_a.get(url),
        title_fi="Uusi otsikko ohi julkaisun",
        **{"sections-0-body": "Teksti, joka ei ollut julkaistaessa mukana."},
    )
    return review, editor_a, url, data


def _review_as_published(review):
    return (
        AnnualReview.objects.filter(pk=review.pk).values_list("state", "title_fi", "figures").get(),
        list(ReviewSection.objects.filter(review=review).values_list("heading", "body")),
    )


def test_review_sections_saved_while_the_review_is_published(review_2021_form, monkeypatch):
    """Editor A saves the draft 2021 review (new section text) as editor B publishes it.
    A person checks: the public /vuosikatsaus/2021/ shows what B published (the old section
    text), or A's change went in before the publish and is in what B published."""
    review, editor_a, url, data = review_2021_form
    published_page = {}

    def publish_and_look():
        review_services.review_publish(
            review=AnnualReview.objects.get(pk=review.pk), user=user("toimittaja")
        )
        published_page["stored"] = _review_as_published(review)
        published_page["text"] = Client().get("/vuosikatsaus/2021/").content.decode()

    outcome = while_paused(
        monkeypatch,
        AnnualReviewAdmin,
        "save_model",
        lambda: editor_a.post(url, data),
        publish_and_look,
    )
    if sqlite_lock_refusal(outcome["second"]) or sqlite_lock_refusal(outcome["first"]):
        return
    assert not isinstance(outcome["second"], Exception), outcome
    assert outcome["first"].status_code in (200, 302, 403, 409), outcome
    assert _review_as_published(review) == published_page["stored"]
    public = Client().get("/vuosikatsaus/2021/").content.decode()
    assert ("ei ollut julkaistaessa" in public) == (
        "ei ollut julkaistaessa" in published_page["text"]
    )


def test_review_form_saved_while_the_review_is_published_does_not_unpublish(
    review_2021_form, monkeypatch
):
    """As above, but editor B's publish commits just after A's save has looked at the stored
    review and before it writes. A person checks: the review is still published (its public
    page answers 200) with the figures B stored: nobody unpublished it."""
    review, editor_a, url, data = review_2021_form
    stored = {}

    def publish():
        review_services.review_publish(
            review=AnnualReview.objects.get(pk=review.pk), user=user("toimittaja")
        )
        stored["figures"] = AnnualReview.objects.get(pk=review.pk).figures

    # A pauses just before writing the review row, after it has looked at the stored review.
    outcome = while_paused(
        monkeypatch, AnnualReview, "save", lambda: editor_a.post(url, data), publish
    )
    if sqlite_lock_refusal(outcome["second"]) or sqlite_lock_refusal(outcome["first"]):
        return
    assert not isinstance(outcome["second"], Exception), outcome
    review.refresh_from_db()
    assert review.is_published
    assert review.figures == stored["figures"]
    assert Client().get("/vuosikatsaus/2021/").status_code == 200


# --- 4. Two reviews sharing a round: publish one while unpublishing the other ------------------


def test_publish_and_unpublish_of_two_reviews_sharing_a_round(demo_data, monkeypatch):
    """Two reviews (2031, 2032) both report round 2021 (closed); 2032 is published. Editor A
    publishes 2031 while editor B unpublishes 2032. A person checks: 2031 is published and its
    round is still marked frozen, so reopening it is refused."""
    assessment_round = close_round_2021()
    editor = user("toimittaja")
    first = AnnualReview.objects.create(
        year=2031, title="Katsaus 2031", lead="x", assessment_round=assessment_round
    )
    second = AnnualReview.objects.create(
        year=2032, title="Katsaus 2032", lead="x", assessment_round=assessment_round
    )
    review_services.review_publish(review=second, user=editor)
    outcome = while_paused(
        monkeypatch,
        review_services,
        "_sync_freeze",
        lambda: review_services.review_publish(review=first, user=editor),
        lambda: review_services.review_unpublish(review=second, user=editor),
        before=False,
        wait=1.5,
    )
    if any(map(sqlite_lock_refusal, outcome.values())):
        return
    assert not any(isinstance(value, Exception) for value in outcome.values()), outcome
    assert AnnualReview.objects.get(pk=first.pk).is_published
    assert not AnnualReview.objects.get(pk=second.pk).is_published
    assert AssessmentRound.objects.get(pk=assessment_round.pk).frozen_by_review
    with pytest.raises(ValidationError):
        programme_services.round_open(
            assessment_round=AssessmentRound.objects.get(pk=assessment_round.pk), user=editor
        )


# --- 5. The same public form sent twice at once ------------------------------------------------


def idea_data(token, message="Foorumin sivuille toivoisin tapahtumakalenterin tilauksen."):
    return {"topic": "verkkosivut", "message": message, "submission_token": token}


def _both_reach_save(monkeypatch, model):
    """Each request stops just before it writes `model` until the other also gets there (or
    2 s pass, should the other be waiting for a lock): both have done their checks."""
    barrier = threading.Barrier(2)
    original = model.save

    def save(self, *args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(2)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", save)


def _send_twice(first, second):
    people = People()
    people.start("a", first)
    people.start("b", second)
    return people.finish()


def test_idea_form_sent_twice_at_once_with_one_token_is_stored_once(db, monkeypatch):
    """A visitor double-clicks "Lähetä": the same form (one submission token) arrives twice at
    the same moment. A person checks: both answers are the thank-you redirect (no 500), and
    the idea list holds the idea once."""
    caches["ratelimit"].clear()
    _both_reach_save(monkeypatch, Idea)
    token = str(uuid.uuid4())
    browser = Client(raise_request_exception=False)
    outcome = _send_twice(
        lambda: browser.post(IDEA_FORM, idea_data(token)),
        lambda: browser.post(IDEA_FORM, idea_data(token)),
    )
    if any(map(sqlite_lock_refusal, outcome.values())):
        # Shared-cache SQLite may refuse both writers (each holds a read lock): never two.
        assert Idea.objects.count() <= 1
        return
    assert sorted(r.status_code for r in outcome.values()) == [302, 302], outcome
    assert Idea.objects.filter(submission_token=token).count() == 1
    assert Idea.objects.count() == 1


def test_same_idea_from_two_tabs_at_once_is_stored_once(db, monkeypatch):
    """A visitor has the idea form open in two tabs (two submission tokens) and sends the same
    text from both at the same moment. The service promises that the same text from the same
    client within 30 minutes is stored once. A person counts the ideas: one."""
    caches["ratelimit"].clear()
    _both_reach_save(monkeypatch, Idea)
    tab_a, tab_b = Client(raise_request_exception=False), Client(raise_request_exception=False)
    outcome = _send_twice(
        lambda: tab_a.post(IDEA_FORM, idea_data(str(uuid.uuid4()))),
        lambda: tab_b.post(IDEA_FORM, idea_data(str(uuid.uuid4()))),
    )
    if any(map(sqlite_lock_refusal, outcome.values())):
        return
    assert sorted(r.status_code for r in outcome.values()) == [302, 302], outcome
    assert Idea.objects.count() == 1


def test_barometer_answer_sent_twice_at_once_is_counted_once(demo_data):
    """A visitor double-clicks "Lähetä vastaus" on the 2022 barometer: the same browser sends
    the same answers twice before the first thank-you arrives. A person checks: no 500, and
    the survey has one new response, not two."""
    caches["ratelimit"].clear()
    survey = Survey.objects.get(year=2022)
    assert survey.accepts_answers()
    before = Response.objects.filter(survey=survey).count()
    browser = Client(raise_request_exception=False)
    page = browser.get("/barometri/2022/vastaa/").content.decode()
    token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    data = {**form_data(survey), "submission_token": token}  # what the page's form sends
    start = threading.Barrier(2)

    def send():
        start.wait(5)
        return browser.post("/barometri/2022/vastaa/", data)

    outcome = _send_twice(send, send)
    if any(map(sqlite_lock_refusal, outcome.values())):
        # Shared-cache SQLite may refuse both writers (each holds a read lock): never two.
        assert Response.objects.filter(survey=survey).count() <= before + 1
        return
    assert all(r.status_code in (302, 409) for r in outcome.values()), outcome
    assert Response.objects.filter(survey=survey).count() == before + 1


# --- 6. Life-cycle buttons pressed by two editors at once --------------------------------------


def _two_editors_at_once(changelist, pk, first_action, second_action, **extra):
    a, b = logged_in("toimittaja"), logged_in("toimittaja")
    start = threading.Barrier(2)

    def press(client, action):
        def run():
            start.wait(5)
            return action_post(client, changelist, action, pk, **extra)

        return run

    return _send_twice(press(a, first_action), press(b, second_action))


@pytest.mark.parametrize(
    "actions",
    [("close_rounds", "close_rounds"), ("close_rounds", "open_rounds")],
    ids=["close+close", "close+open"],
)
def test_two_editors_press_round_buttons_at_once(demo_data, actions):
    """Two editors press close/close or close/open on round 2021 at the same moment. A person
    checks: no 500; the round ends either closed with figures equal to its statuses, or open
    without stored figures."""
    assessment_round = AssessmentRound.objects.get(year=2021)
    outcome = _two_editors_at_once(ROUNDS, assessment_round.pk, *actions)
    if any(map(sqlite_lock_refusal, outcome.values())):
        outcome = {k: v for k, v in outcome.items() if not sqlite_lock_refusal(v)}
    assert all(r.status_code == 302 for r in outcome.values()), outcome
    assessment_round.refresh_from_db()
    if assessment_round.state == "closed":
        assert assessment_round.figures == json_figures(round_figures_data(assessment_round))
    else:
        assert assessment_round.figures is None


@pytest.mark.parametrize(
    "actions",
    [
        ("close_surveys", "close_surveys"),
        ("close_surveys", "open_surveys"),
        ("publish_results", "open_surveys"),
        ("publish_results", "unpublish_results"),
    ],
    ids=["close+close", "close+open", "publish+open", "publish+unpublish"],
)
def test_two_editors_press_survey_buttons_at_once(demo_data, actions):
    """Two editors press two of the survey's buttons on the 2021 survey (closed, results
    published, not frozen; for the close cases the open 2022 survey) at once. A person checks:
    no 500; a closed survey's stored results equal its answers, an open one has no stored
    results and no published results."""
    year = 2022 if actions[0] == "close_surveys" else 2021
    survey = Survey.objects.get(year=year)
    outcome = _two_editors_at_once(SURVEYS, survey.pk, *actions)
    if any(map(sqlite_lock_refusal, outcome.values())):
        outcome = {k: v for k, v in outcome.items() if not sqlite_lock_refusal(v)}
    assert all(r.status_code == 302 for r in outcome.values()), outcome
    survey.refresh_from_db()
    if survey.state == "closed":
        assert survey.figures == survey_results_data(survey)
    else:
        assert survey.figures is None and not survey.results_published


@pytest.mark.parametrize("second", ["publish", "unpublish"])
def test_two_editors_publish_or_unpublish_the_review_at_once(demo_data, second):
    """With round 2021 closed, two editors confirm "Julkaise" on the 2021 review at the same
    moment (or one publishes while the other unpublishes). A person checks: no 500; history
    shows at most one publication per press; published means the round and survey are marked
    frozen and the page answers 200, draft means neither is marked."""
    close_round_2021()
    review = AnnualReview.objects.get(year=2021)
    history_before = review.history.filter(state="published").count()
    outcome = _two_editors_at_once(REVIEWS, review.pk, "publish", second, confirm="yes")
    if any(map(sqlite_lock_refusal, outcome.values())):
        outcome = {k: v for k, v in outcome.items() if not sqlite_lock_refusal(v)}
    assert all(r.status_code in (200, 302) for r in outcome.values()), outcome
    review.refresh_from_db()
    round_frozen = AssessmentRound.objects.get(year=2021).frozen_by_review
    survey_frozen = Survey.objects.get(year=2021).frozen_by_review
    published_versions = review.history.filter(state="published").count() - history_before
    if second == "publish":
        assert review.is_published and review.figures
        assert published_versions == 1
    if review.is_published:
        assert round_frozen and survey_frozen
        assert Client().get("/vuosikatsaus/2021/").status_code == 200
    else:
        assert not round_frozen and not survey_frozen


# --- 7. Roles changing while saving ------------------------------------------------------------


def test_contact_removed_from_the_network_while_saving_is_refused(demo_data, staff, monkeypatch):
    """Contact person A has the matkailu assessment screen open and presses save; at that
    moment an editor removes A from the network (committed before A's save takes the round's
    lock). A person checks: A gets a 4xx, not a thank-you or a 500, and no status changed."""
    assessment_round = AssessmentRound.objects.get(year=2021)
    contact = logged_in("yhteyshenkilo")
    url = assess_url(assessment_round, "matkailu")
    from tests.security.test_attacks_round_closing import screen_data_first_level_changed

    data = screen_data_first_level_changed(contact, url)
    before = sorted(
        MeasureStatus.objects.filter(round=assessment_round).values_list(
            "pk", "level_id", "note", "network_id"
        )
    )
    person = ContactPerson.objects.get(user__username="yhteyshenkilo")
    matkailu = Network.objects.get(slug="matkailu")
    outcome = while_paused(
        monkeypatch,
        programme_services,
        "round_locked",
        lambda: contact.post(url, data),
        lambda: person.networks.remove(matkailu),
        before=True,
    )
    assert not isinstance(outcome["second"], Exception), outcome
    assert 400 <= outcome["first"].status_code < 500, outcome["first"].status_code
    after = sorted(
        MeasureStatus.objects.filter(round=assessment_round).values_list(
            "pk", "level_id", "note", "network_id"
        )
    )
    assert after == before


def test_editor_demoted_while_closing_the_round_is_refused_or_closes_whole(demo_data, monkeypatch):
    """An editor presses "close round 2021" at the moment a superuser removes them from the
    editors' group. A person checks: no 500; the round is either closed with figures equal to
    its statuses or still open with none."""
    assessment_round = AssessmentRound.objects.get(year=2021)
    editor = logged_in("toimittaja")
    editor_user = user("toimittaja")
    groups = list(editor_user.groups.all())

    def demote():
        editor_user.groups.clear()
        editor_user.user_permissions.clear()

    outcome = while_paused(
        monkeypatch,
        programme_services,
        "round_locked",
        lambda: action_post(editor, ROUNDS, "close_rounds", assessment_round.pk),
        demote,
        before=True,
    )
    assert groups
    if sqlite_lock_refusal(outcome["second"]):
        return
    assert outcome["first"].status_code in (302, 403), outcome
    assessment_round.refresh_from_db()
    if assessment_round.state == "closed":
        assert assessment_round.figures == json_figures(round_figures_data(assessment_round))
    else:
        assert assessment_round.figures is None


# --- 8. Statuses deleted beside a reopening -----------------------------------------------------


def test_bulk_delete_of_statuses_while_the_round_is_closed_is_refused(demo_data, monkeypatch):
    """An editor bulk-deletes round 2021's matkailu statuses at the moment another editor
    closes the round (the close has computed its figures). A person checks: the closed
    round's stored figures equal its statuses; on PostgreSQL the delete, which waited, was
    refused (the statuses are all there) with a 4xx, never a 500."""
    assessment_round = AssessmentRound.objects.get(year=2021)
    ids = list(
        MeasureStatus.objects.filter(round=assessment_round, network__slug="matkailu").values_list(
            "pk", flat=True
        )
    )
    assert ids
    deleter = logged_in("toimittaja")

    def bulk_delete():
        return deleter.post(
            "/admin/programme/measurestatus/",
            {
                "action": "delete_selected",
                "post": "yes",
                ACTION_CHECKBOX_NAME: [str(i) for i in ids],
            },
        )

    outcome = while_paused(
        monkeypatch,
        programme_services,
        "round_figures_data",
        lambda: programme_services.round_close(
            assessment_round=AssessmentRound.objects.get(pk=assessment_round.pk),
            user=user("toimittaja"),
        ),
        bulk_delete,
        before=False,
        wait=1.5,
    )
    if sqlite_lock_refusal(outcome["second"]):
        return
    assert not isinstance(outcome["first"], Exception), outcome
    assert outcome["second"].status_code != 500, outcome
    assessment_round.refresh_from_db()
    assert assessment_round.state == "closed"
    assert assessment_round.figures == json_figures(round_figures_data(assessment_round))
    if connection.vendor == "postgresql":
        assert 400 <= outcome["second"].status_code < 500, outcome["second"].status_code
        assert MeasureStatus.objects.filter(pk__in=ids).count() == len(ids)
