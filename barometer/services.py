"""Writes of the barometer: a web response, and the survey's life cycle."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from writelocks import advisory_lock, save_fields

from .models import DONT_KNOW, Answer, Question, Response, Survey
from .results import survey_results_data

# Advisory lock namespace of surveys on PostgreSQL (the key is the survey's id).
SURVEY_LOCK = 0x5355


def survey_lock(survey_id):
    """Wait for, and hold until this transaction ends, the one lock that every write of a
    survey's answers, state or freeze takes before it reads or writes anything of the survey.

    Without one order PostgreSQL aborts one of two such writes that wait for each other: an
    editor closing the survey holds its row and waits to read the answers, while an import
    holds the answer tables and waits for the survey table. With it the second one waits,
    then reads what the first one committed. (An advisory lock, not the survey's row: the
    import sets foreign keys aside, which locks the survey table, and a row lock taken before
    that made two imports wait for each other.)"""
    advisory_lock(SURVEY_LOCK, survey_id)


def survey_details_locked(survey):
    """Whether the public sees the survey's results (published, or shown by a published
    review): then its title, texts, counts and questions stay as they were seen."""
    return survey.results_published or bool(survey.frozen_by_review)


def survey_details_locked_message():
    return _(
        "Kyselyn tulokset on julkaistu, joten kysely on lukittu. Muokataksesi sitä peru ensin "
        "tulosten julkaisu (toiminto kyselyjen luettelossa)."
    )


@transaction.atomic
def survey_details_save(*, survey, fields):
    """The survey admin's change form: only the fields it edits, under the survey's lock, so
    a close, a results publish or a review's freeze made meanwhile stays. A survey whose
    results the public sees is refused (403), whatever the form was opened on."""
    survey_lock(survey.pk)
    stored = Survey.objects.filter(pk=survey.pk).first()
    if stored is None:
        raise Http404
    if survey_details_locked(stored):
        raise PermissionDenied(survey_details_locked_message())
    save_fields(survey, fields)


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


def survey_answers_final_message(survey):
    return _(
        "Kyselyyn %(year)s ei voi tuoda vastauksia eikä sitä voi avata: sen tulokset on jo "
        "julkaistu, joten vastaukset ovat lopulliset. Uudet vastaukset muuttaisivat julkaistuja "
        "lukuja niin, että vertailu paljastaisi pienten ryhmien vastauksia."
    ) % {"year": survey.year}


def survey_answers_refusal(survey):
    """Why the survey takes no new answers ("" when it does): a published review uses it, or
    its results have been public. Suppression hides small groups within one publication; a
    second one with a few more answers would let anyone subtract the two and find what the
    first one hid, so once published, a survey's answers are final."""
    survey.refresh_from_db(fields=["frozen_by_review", "results_first_published"])
    if not survey.answers_final:
        return ""
    if survey.frozen_by_review:
        return survey_frozen_message(survey)
    return survey_answers_final_message(survey)


def survey_ensure_answers_open(survey):
    refusal = survey_answers_refusal(survey)
    if refusal:
        raise SurveyFrozen(refusal, code="frozen")


def survey_figures_store(*, survey):
    """Compute and store a closed survey's results once (closing and importing call this)."""
    survey.figures = survey_results_data(survey) if survey.state == Survey.State.CLOSED else None
    survey.save(update_fields=["figures"])


def response_submit(*, survey, form, client_network=""):
    """Store one anonymous web response with its answers, all or nothing. `client_network`
    is the sender's truncated address block (barometer.clientnet), never the address. The
    survey is read again under its lock: an answer arriving while an editor closes the survey
    is either counted in the closed survey's figures or refused, never stored beside them.
    The form's submission token seen before (the same form sent twice): nothing stored, None."""
    try:
        return _response_store(survey, form, client_network)
    except IntegrityError:  # the same form twice at once where writers do not wait (SQLite)
        token = form.cleaned_data.get("submission_token")
        if token and Response.objects.filter(submission_token=token).exists():
            return None
        raise


@transaction.atomic
def _response_store(survey, form, client_network):
    survey_lock(survey.pk)
    survey.refresh_from_db()
    if not survey.accepts_answers():
        raise ValidationError(_("Kysely ei ole avoinna."), code="closed")
    token = form.cleaned_data.get("submission_token")
    if token and Response.objects.filter(submission_token=token).exists():
        return None  # the same form again (a double click): stored once already
    answers = list(form.answers())
    organisation = next((value for q, value in answers if q.kind == Question.Kind.ORGANISATION), "")
    response = Response.objects.create(
        survey=survey,
        organisation_type=organisation,
        source=Response.Source.WEB,
        client_network=client_network,
        submission_token=token,
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


@transaction.atomic
def survey_open(*, survey):
    survey_lock(survey.pk)
    survey_ensure_answers_open(survey)
    survey.state = Survey.State.OPEN
    survey.results_published = False
    survey.figures = None
    survey.save(update_fields=["state", "results_published", "figures"])


@transaction.atomic
def survey_close(*, survey):
    survey_lock(survey.pk)
    survey.refresh_from_db(fields=["state", "figures"])
    if survey.state == Survey.State.CLOSED and survey.figures is not None:
        return  # closing again leaves what the public saw as it is
    survey.state = Survey.State.CLOSED
    survey.save(update_fields=["state"])
    survey_figures_store(survey=survey)


@transaction.atomic
def results_publish(*, survey):
    survey_lock(survey.pk)
    survey.refresh_from_db()
    if survey.state != Survey.State.CLOSED:
        raise ValidationError(_("Tulokset voi julkaista vasta, kun kysely on suljettu."))
    survey.results_published = True
    survey.results_first_published = survey.results_first_published or timezone.now()
    survey.save(update_fields=["results_published", "results_first_published"])
    if not survey.figures:
        survey_figures_store(survey=survey)


@transaction.atomic
def results_unpublish(*, survey):
    survey_lock(survey.pk)
    survey_ensure_not_frozen(survey)
    survey.results_published = False
    survey.save(update_fields=["results_published"])
