"""Writes of the barometer: a web response, and the survey's life cycle."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import DONT_KNOW, Answer, Question, Response, Survey
from .results import survey_results_data


class SurveyFrozen(ValidationError):
    """The survey's results are shown by a published review: nothing may change them."""


def survey_frozen_message(survey):
    return _(
        "Kyselyyn %(year)s ei voi tuoda vastauksia eikä sitä voi avata: julkaistu "
        "vuosikatsaus ”%(review)s” käyttää sen tuloksia. Toimitus voi ensin perua "
        "katsauksen julkaisun."
    ) % {"year": survey.year, "review": survey.frozen_by_review}


def survey_ensure_not_frozen(survey):
    """Refuse any change to the answers of a survey that a published review uses."""
    survey.refresh_from_db(fields=["frozen_by_review"])
    if survey.frozen_by_review:
        raise SurveyFrozen(survey_frozen_message(survey), code="frozen")


def survey_figures_store(*, survey):
    """Compute and store a closed survey's results once (closing and importing call this)."""
    survey.figures = survey_results_data(survey) if survey.state == Survey.State.CLOSED else None
    survey.save(update_fields=["figures"])


@transaction.atomic
def response_submit(*, survey, form, client_network=""):
    """Store one anonymous web response with its answers, all or nothing. `client_network`
    is the sender's truncated address block (barometer.clientnet), never the address."""
    if not survey.accepts_answers():
        raise ValidationError(_("Kysely ei ole avoinna."), code="closed")
    answers = list(form.answers())
    organisation = next((value for q, value in answers if q.kind == Question.Kind.ORGANISATION), "")
    response = Response.objects.create(
        survey=survey,
        organisation_type=organisation,
        source=Response.Source.WEB,
        client_network=client_network,
    )
    Answer.objects.bulk_create(
        _answer(response, question, value)
        for question, value in answers
        if question.kind != Question.Kind.ORGANISATION
    )
    return response


def _answer(response, question, value):
    if question.kind == Question.Kind.LIKERT:
        if value == DONT_KNOW:
            return Answer(response=response, question=question, dont_know=True)
        return Answer(response=response, question=question, value=int(value))
    return Answer(response=response, question=question, text=value)


def survey_open(*, survey):
    survey_ensure_not_frozen(survey)
    survey.state = Survey.State.OPEN
    survey.results_published = False
    survey.figures = None
    survey.save(update_fields=["state", "results_published", "figures"])


@transaction.atomic
def survey_close(*, survey):
    survey.state = Survey.State.CLOSED
    survey.save(update_fields=["state"])
    survey_figures_store(survey=survey)


def results_publish(*, survey):
    if survey.state != Survey.State.CLOSED:
        raise ValidationError(_("Tulokset voi julkaista vasta, kun kysely on suljettu."))
    survey.results_published = True
    survey.save(update_fields=["results_published"])
    if not survey.figures:
        survey_figures_store(survey=survey)


def results_unpublish(*, survey):
    survey_ensure_not_frozen(survey)
    survey.results_published = False
    survey.save(update_fields=["results_published"])
