"""Writes that touch several rows or send mail. Each validates first, then saves atomically."""

from typing import NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from networks.mail import MailNotSent, email_build, emails_send, mail_refusal, site_url
from networks.models import ContactPerson
from writelocks import row_locked, save_fields

from .models import (
    AssessmentConfirmation,
    AssessmentRound,
    Measure,
    MeasureStatus,
    RoundPromotion,
    programme_links,
)
from .progress import (
    networks_no_reminder_reaches,
    previous_round,
    round_figures_data,
    unconfirmed_networks,
)
from .rules import can_delete_status, can_edit_statuses, can_manage_rounds


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
            copied=True,
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


def rounds_locked(*round_ids):
    """The rounds read under their row locks, held until this transaction ends (in id order,
    so two writers never wait for each other). Every write of a round's state or statuses
    takes its round's lock first and decides on what it reads here: a status saved while an
    editor closes the round is either in the closed round's stored figures or refused."""
    rounds = AssessmentRound.objects.select_for_update().filter(pk__in=round_ids).order_by("pk")
    return {assessment_round.pk: assessment_round for assessment_round in rounds}


def round_locked(round_id):
    return row_locked(AssessmentRound, round_id)


def round_details_save(*, assessment_round, fields):
    """The round admin's change form: only the fields it edits, under the round's lock, so a
    close, an open or a review's freeze made meanwhile stays."""
    with transaction.atomic():
        round_locked(assessment_round.pk)
        save_fields(assessment_round, fields)


def round_open(*, assessment_round, user):
    """Reopen a round for assessment; its stored figures are discarded."""
    round_ensure_editor(user)
    with transaction.atomic():
        assessment_round = round_locked(assessment_round.pk)
        round_ensure_not_frozen(assessment_round)
        assessment_round.state = AssessmentRound.State.OPEN
        assessment_round.figures = None
        assessment_round.save(update_fields=["state", "figures"])
        assessment_round.promotions.all().delete()
    return assessment_round


def round_close(*, assessment_round, user):
    """Close a round: from now on it is the public record, its figures computed once here."""
    round_ensure_editor(user)
    with transaction.atomic():
        assessment_round = round_locked(assessment_round.pk)
        if not assessment_round.is_open and assessment_round.figures is not None:
            return assessment_round  # closing again leaves what the public saw as it is
        assessment_round.state = AssessmentRound.State.CLOSED
        assessment_round.save(update_fields=["state"])
        round_figures_store(assessment_round=assessment_round)
    return assessment_round


def round_figures_store(*, assessment_round):
    """Compute and store a closed round's figures and scope (closing, and the demo data, call
    this)."""
    assessment_round.figures = round_figures_data(assessment_round)
    assessment_round.save(update_fields=["figures"])
    round_promotions_store(assessment_round=assessment_round)


def round_promotions_store(*, assessment_round):
    """Keep which networks promote which measures now as the closed round's scope."""
    assessment_round.promotions.all().delete()
    measures = Measure.objects.filter(programme_id=assessment_round.programme_id)
    links = programme_links(assessment_round.programme_id)
    pairs = [*links.values_list("measure_id", "network_id")]
    pairs += [(pk, None) for pk in measures.filter(networks=None).values_list("pk", flat=True)]
    RoundPromotion.objects.bulk_create(
        (
            RoundPromotion(round=assessment_round, measure_id=measure_id, network_id=network_id)
            for measure_id, network_id in pairs
        ),
        batch_size=5000,
    )


def statuses_save(*, user, assessment_round, network, rows):
    """Save one network's ratings for a round in one go.

    `rows` is a list of (measure, level or None, note). Only rows whose level or note
    changed are written; an empty level removes an earlier rating ("ei arvioitu").
    Returns the number of rows written.
    """
    with transaction.atomic():
        assessment_round = round_locked(assessment_round.pk)
        _statuses_validate(user=user, assessment_round=assessment_round, network=network, rows=rows)
        return _statuses_write(
            user=user, assessment_round=assessment_round, network=network, rows=rows
        )


def assessment_confirm(*, user, assessment_round, network, rows):
    """ "Vahvista arvio": save the whole screen and record that the network's year is assessed.

    Every measure the network promotes must have a level; copies of last year become the
    contact person's own assessment. Nothing is saved when anything is wrong.
    """
    missing = [measure.code for measure, level, _note in rows if level is None]
    if missing:
        raise ValidationError(
            _("Anna tila jokaiselle toimenpiteelle ennen vahvistusta. Puuttuu: %(codes)s.")
            % {"codes": ", ".join(missing)},
            code="unassessed",
        )
    with transaction.atomic():
        assessment_round = round_locked(assessment_round.pk)
        _statuses_validate(user=user, assessment_round=assessment_round, network=network, rows=rows)
        written = _statuses_write(
            user=user, assessment_round=assessment_round, network=network, rows=rows
        )
        assessment_round.statuses.filter(network=network, copied=True).update(copied=False)
        AssessmentConfirmation.objects.update_or_create(
            round=assessment_round,
            network=network,
            defaults={"confirmed_by": user, "confirmed_at": timezone.now()},
        )
    return written


def status_save(*, user, status):
    """One status from the admin's add, change and history-revert forms: written under the
    lock of its round (and of the round it was in, should the form move it), and only if the
    user may edit the statuses of both as they are now."""
    with transaction.atomic():
        stored = MeasureStatus.objects.filter(pk=status.pk).values_list("round_id", flat=True)
        rounds = rounds_locked(status.round_id, *stored)
        if not all(can_edit_statuses(user, r, status.network) for r in rounds.values()):
            raise PermissionDenied(_("Et voi muokata tämän verkoston arvioita tällä kierroksella."))
        status.round = rounds[status.round_id]
        status.updated_by = user
        status.save()


def statuses_delete(*, user, statuses):
    """Delete statuses (the admin's delete page and bulk action): all under their rounds'
    locks, and none unless the user may delete every one as its round is now."""
    with transaction.atomic():
        statuses = list(statuses)
        rounds = rounds_locked(*{status.round_id for status in statuses})
        for status in statuses:
            status.round = rounds[status.round_id]
            if not can_delete_status(user, status):
                raise PermissionDenied(_("Suljetun kierroksen arvioita ei voi poistaa."))
        MeasureStatus.objects.filter(pk__in=[status.pk for status in statuses]).delete()


def _statuses_validate(*, user, assessment_round, network, rows):
    if not can_edit_statuses(user, assessment_round, network):
        raise PermissionDenied(_("Et voi muokata tämän verkoston arvioita tällä kierroksella."))
    promoted = set(
        network.measures.filter(programme=assessment_round.programme_id).values_list(
            "pk", flat=True
        )
    )
    given = [measure.pk for measure, _level, _note in rows]
    if len(set(given)) != len(given):
        raise ValidationError(_("Sama toimenpide on lomakkeella kahdesti."), code="duplicate")
    for measure, level, _note in rows:
        if measure.pk not in promoted:
            raise ValidationError(
                _("Verkosto ei edistä toimenpidettä %(code)s.") % {"code": measure.code}
            )
        if level is not None and level.programme_id != assessment_round.programme_id:
            raise ValidationError(_("Tila kuuluu toisen ohjelman asteikkoon."))


def _statuses_write(*, user, assessment_round, network, rows):
    existing = {s.measure_id: s for s in assessment_round.statuses.filter(network=network)}
    written = 0
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
        status.copied = False
        status.updated_by = user
        status._history_user = user
        status.save()
        written += 1
    return written


class Reminder(NamedTuple):
    assessment_round: AssessmentRound
    contact: ContactPerson
    message: object  # EmailMultiAlternatives


def reminders_send(*, rounds, user, dry_run=False):
    """Email the contact persons of networks that have not confirmed the assessment of each of
    `rounds`. `user` is the editor who asks (None: the operator's scheduled command).

    Returns the Reminders (sent unless `dry_run`), one per round and contact person, each
    naming the person's unconfirmed networks and linking straight to their assessment screens.
    All rounds' reminders go as one batch, so a mail server that fails midway is reported once:
    how many went, and every contact person left without theirs, in whichever round.
    """
    if user is not None:
        round_ensure_editor(user)
    reminders = [reminder for r in rounds for reminder in _round_reminders(r)]
    if not dry_run:
        try:
            emails_send([reminder.message for reminder in reminders])
        except MailNotSent as error:
            unreached = [reminder.contact for reminder in reminders[len(error.sent) :]]
            raise mail_refusal(_reminders_unsent(unreached, error.sent)) from error
    return reminders


def reminders_unreachable_text(rounds):
    """Which networks behind in `rounds` no reminder can reach (no contact person with an
    email address), for the editor's or the operator's message; "" when every one can be."""
    networks = networks_no_reminder_reaches(rounds)
    if not networks:
        return ""
    return ngettext(
        "Verkostolla %(names)s ei ole yhteyshenkilöä, jolla on sähköpostiosoite; sille ei "
        "lähtenyt muistutusta.",
        "Verkostoilla %(names)s ei ole yhteyshenkilöä, jolla on sähköpostiosoite; niille ei "
        "lähtenyt muistutusta.",
        len(networks),
    ) % {"names": ", ".join(network.name for network in networks)}


def _round_reminders(assessment_round):
    lagging = {n.pk: n for n in unconfirmed_networks(assessment_round)}
    contacts = (
        ContactPerson.objects.filter(networks__in=lagging)
        .exclude(email="")
        .prefetch_related("networks")
        .distinct()
        .order_by("name")
    )
    reminders = []
    for contact in contacts:
        networks = [
            {
                "network": lagging[n.pk],
                "url": site_url(
                    reverse(
                        "admin:programme_measurestatus_assess", args=[assessment_round.pk, n.slug]
                    )
                ),
            }
            for n in contact.networks.all()
            if n.pk in lagging
        ]
        message = email_build(
            template="assessment_reminder",
            to=[contact.email],
            context={"contact": contact, "round": assessment_round, "networks": networks},
        )
        reminders.append(Reminder(assessment_round, contact, message))
    return reminders


def _reminders_unsent(unreached, sent):
    """Who did not get a reminder, so the editor sends only what is missing."""
    if not sent:
        return _("Muistutuksia ei voitu lähettää.")
    once = {contact.pk: contact for contact in unreached}  # behind in two rounds: named once
    return ngettext(
        "Lähti %(sent)d muistutus; ei lähtenyt: %(names)s.",
        "Lähti %(sent)d muistutusta; ei lähtenyt: %(names)s.",
        len(sent),
    ) % {"sent": len(sent), "names": ", ".join(contact.name for contact in once.values())}
