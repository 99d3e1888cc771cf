"""Writes of the barometer: a web response, and the survey's life cycle."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import DONT_KNOW, Answer, Question, Response, Survey


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
    survey.state = Survey.State.OPEN
    survey.results_published = False
    survey.save(update_fields=["state", "results_published"])


def survey_close(*, survey):
    survey.state = Survey.State.CLOSED
    survey.save(update_fields=["state"])


def results_publish(*, survey):
    if survey.state != Survey.State.CLOSED:
        raise ValidationError(_("Tulokset voi julkaista vasta, kun kysely on suljettu."))
    survey.results_published = True
    survey.save(update_fields=["results_published"])


def results_unpublish(*, survey):
    survey.results_published = False
    survey.save(update_fields=["results_published"])
