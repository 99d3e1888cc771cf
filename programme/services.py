"""Writes that touch several rows or send mail. Each validates first, then saves atomically."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from networks.models import ContactPerson

from .models import AssessmentRound, MeasureStatus
from .progress import network_completion, previous_round, round_figures_data
from .rules import can_edit_statuses, can_manage_rounds


def round_create(*, programme, year, opens=None, closes=None, copy_previous=True):
    """Open a new assessment round, optionally starting from the previous round's statuses."""
    assessment_round = AssessmentRound(
        programme=programme,
        year=year,
        opens=opens,
        closes=closes,
        state=AssessmentRound.State.OPEN,
    )
    assessment_round.full_clean()
    with transaction.atomic():
        assessment_round.save()
        if copy_previous:
            round_copy_statuses(target=assessment_round)
    return assessment_round


def round_copy_statuses(*, target):
    """Copy the previous round's statuses into an empty round. Returns how many were copied."""
    source = previous_round(target)
    if source is None or target.statuses.exists():
        return 0
    copies = [
        MeasureStatus(
            measure_id=status.measure_id,
            network_id=status.network_id,
            round=target,
            level_id=status.level_id,
            note=status.note,
        )
        for status in source.statuses.all()
    ]
    bulk_create_with_history(copies, MeasureStatus, batch_size=500)
    return len(copies)


def round_ensure_editor(user):
    """Only editors open, close or remind: on every path that reaches these services."""
    if not can_manage_rounds(user):
        raise PermissionDenied(_("Vain toimitus voi avata ja sulkea arviointikierroksia."))


def round_ensure_not_frozen(assessment_round):
    """A round whose figures a published review shows cannot change until it is unpublished."""
    if assessment_round.frozen_by_review:
        raise ValidationError(
            _(
                "Arviointikierrosta %(year)s ei voi avata: julkaistu vuosikatsaus ”%(review)s” "
                "käyttää sen lukuja. Toimitus voi ensin perua katsauksen julkaisun."
            )
            % {"year": assessment_round.year, "review": assessment_round.frozen_by_review},
            code="frozen",
        )


def round_open(*, assessment_round, user):
    """Reopen a round for assessment; its stored figures are discarded."""
    round_ensure_editor(user)
    with transaction.atomic():
        assessment_round = AssessmentRound.objects.select_for_update().get(pk=assessment_round.pk)
        round_ensure_not_frozen(assessment_round)
        assessment_round.state = AssessmentRound.State.OPEN
        assessment_round.figures = None
        assessment_round.save(update_fields=["state", "figures"])
    return assessment_round


def round_close(*, assessment_round, user):
    """Close a round: from now on it is the public record, its figures computed once here."""
    round_ensure_editor(user)
    with transaction.atomic():
        assessment_round.state = AssessmentRound.State.CLOSED
        assessment_round.save(update_fields=["state"])
        round_figures_store(assessment_round=assessment_round)
    return assessment_round


def round_figures_store(*, assessment_round):
    """Compute and store a closed round's figures (closing, and the demo data, call this)."""
    assessment_round.figures = round_figures_data(assessment_round)
    assessment_round.save(update_fields=["figures"])


def statuses_save(*, user, assessment_round, network, rows):
    """Save one network's ratings for a round in one go.

    `rows` is a list of (measure, level or None, note). Only rows whose level or note
    changed are written; an empty level removes an earlier rating ("ei arvioitu").
    Returns the number of rows written.
    """
    if not can_edit_statuses(user, assessment_round, network):
        raise PermissionDenied(_("Et voi muokata tämän verkoston arvioita tällä kierroksella."))
    promoted = set(network.measures.values_list("pk", flat=True))
    existing = {s.measure_id: s for s in assessment_round.statuses.filter(network=network)}
    for measure, level, _note in rows:
        if measure.pk not in promoted:
            raise ValidationError(
                _("Verkosto ei edistä toimenpidettä %(code)s.") % {"code": measure.code}
            )
        if level is not None and level.programme_id != assessment_round.programme_id:
            raise ValidationError(_("Tila kuuluu toisen ohjelman asteikkoon."))
    written = 0
    with transaction.atomic():
        for measure, level, note in rows:
            status = existing.get(measure.pk)
            if level is None:
                if status is not None:
                    status.delete()
                    written += 1
                continue
            if status is None:
                status = MeasureStatus(measure=measure, network=network, round=assessment_round)
            elif status.level_id == level.pk and status.note == note:
                continue
            status.level = level
            status.note = note
            status.updated_by = user
            status._history_user = user
            status.save()
            written += 1
    return written


def reminders_send(*, assessment_round, user):
    """Email the contact persons of networks that have not assessed all their measures."""
    round_ensure_editor(user)
    lagging = [n for n in network_completion(assessment_round) if n.assessed < n.promoted]
    contacts = ContactPerson.objects.filter(networks__in=lagging).exclude(email="").distinct()
    url = settings.SITE_URL.rstrip("/") + reverse("admin:programme_measurestatus_assess_index")
    subject = _("Muistutus: maakuntaohjelman toimenpiteiden arviointi %(year)s") % {
        "year": assessment_round.year
    }
    messages = [
        (
            subject,
            _(
                "Hei %(name)s,\n\nverkostosi ei ole vielä arvioinut kaikkia edistämiään "
                "toimenpiteitä vuodelta %(year)s. Arvioinnin voi tehdä osoitteessa:\n%(url)s\n\n"
                "Kiitos!\nVarsinais-Suomen kumppanuusfoorumi"
            )
            % {"name": contact.name, "year": assessment_round.year, "url": url},
            settings.DEFAULT_FROM_EMAIL,
            [contact.email],
        )
        for contact in contacts
    ]
    send_mass_mail(messages, fail_silently=False)
    return len(messages)
