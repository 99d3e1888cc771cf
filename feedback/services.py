"""Writes of the feedback app. Saving an idea always comes first; mail is best effort."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from networks.mail import MailNotSent, email_build, emails_send, site_url
from networks.models import ContactPerson, Network
from writelocks import advisory_lock, row_locked, save_fields

from .models import DUPLICATE_WINDOW, PERSONAL_FIELDS, Idea

logger = logging.getLogger(__name__)


# Advisory lock namespace of idea submissions on PostgreSQL (the key: the client's hash).
IDEA_LOCK = 0x1DEA


def client_fingerprint(address):
    """A keyed hash of the client's address: enough to spot a resend, never the address."""
    return salted_hmac("feedback.idea-client", address, algorithm="sha256").hexdigest()


def _idea_store_once(form, token, fingerprint, language):
    """The new idea, or None when this token or (from this client) this text is stored."""
    if Idea.objects.filter(submission_token=token).exists():
        return None
    if fingerprint and (
        Idea.objects.filter(
            client_hash=fingerprint,
            message=form.cleaned_data["message"],
            created__gte=timezone.now() - DUPLICATE_WINDOW,
        ).exists()
    ):
        return None
    idea = form.save(commit=False)
    idea.submission_token = token
    idea.client_hash = fingerprint
    idea.language = language or settings.LANGUAGE_CODE
    idea.save()
    return idea


def idea_submit(*, form, language=None, client=""):
    """Store the idea once, then notify editors and, when they gave an email and consent,
    thank the sender in their own language. A repeated submission token, or the same text
    from the same client (`client`: the address, hashed here) within DUPLICATE_WINDOW,
    stores nothing and returns None."""
    token = form.cleaned_data["submission_token"]
    try:
        with transaction.atomic():
            fingerprint = client_fingerprint(client) if client else ""
            if fingerprint:  # the same text from two tabs at once: one waits, then sees it
                advisory_lock(IDEA_LOCK, fingerprint)
            idea = _idea_store_once(form, token, fingerprint, language)
    except IntegrityError:  # the same form sent twice at once: the other request stored it
        if Idea.objects.filter(submission_token=token).exists():
            return None
        raise
    if idea is None:
        return None
    messages = []
    if settings.FEEDBACK_NOTIFY_EMAILS:
        messages.append(
            email_build(
                template="idea_new",
                to=settings.FEEDBACK_NOTIFY_EMAILS,
                context={"idea": idea, "url": _admin_url(idea)},
            )
        )
    if idea.may_be_contacted:
        with translation.override(idea.language):
            follow = site_url(reverse("feedback:idea-summary"))
        messages.append(
            email_build(
                template="idea_received",
                to=[idea.email],
                context={"idea": idea, "url": follow},
                language=idea.language,
            )
        )
    _send(messages, idea)
    return idea


def idea_admin_save(*, idea, fields):
    """The idea admin's change form (an editor's triage, a contact person's network note):
    only the fields the person changed, under the idea's row lock. Personal data the purge
    erased meanwhile, or a forward or answer another editor saved, stays as it is."""
    with transaction.atomic():
        if row_locked(Idea, idea.pk) is None:
            raise Http404(_("Ideaa ei enää ole: toinen käsittelijä poisti sen."))
        save_fields(idea, fields)


def idea_forward(*, idea, network):
    """Forward the idea to a network: its contact persons get the idea's text (and the
    sender's details only if the sender consented to be contacted) and a link to it.
    Decided on the idea and network as they are under their locks (the network first, as
    deleting it goes): False when another editor deleted the idea meanwhile; a network
    deleted meanwhile is refused (ValidationError)."""
    with transaction.atomic():
        if row_locked(Network, network.pk) is None:
            raise ValidationError(
                _("Verkostoa %(name)s ei enää ole.") % {"name": network.name}, code="gone"
            )
        idea = row_locked(Idea, idea.pk)
        if idea is None:
            return False
        idea.forwarded_to = network
        if idea.state == Idea.State.NEW:
            idea.state = Idea.State.IN_PROGRESS
        idea.save(update_fields=["forwarded_to", "state"])
    recipients = list(
        ContactPerson.objects.filter(networks=network)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        message = email_build(
            template="idea_forwarded",
            to=recipients,
            context={"idea": idea, "network": network, "url": _admin_url(idea)},
        )
        _send([message], idea)
    return True


def _admin_url(idea):
    return site_url(reverse("admin:feedback_idea_change", args=[idea.pk]))


def _send(messages, idea):
    """Mail is best effort: a failing mail server is logged (without personal data) only."""
    try:
        emails_send(messages)
    except MailNotSent as error:  # the idea is stored; a notification may fail
        logger.error("feedback: notification for idea %s failed: %s", idea.pk, error)


def ideas_purge_personal_data(*, now=None, months=None, dry_run=False):
    """Erase names, emails and organisations of ideas older than the retention period, also
    where the sender or an editor wrote them into the idea's texts. Returns how many ideas
    were (or, with `dry_run`, would be) purged."""
    now = now or timezone.now()
    months = settings.FEEDBACK_RETENTION_MONTHS if months is None else months
    cutoff = now - timedelta(days=round(months * 365.25 / 12))
    due = Idea.objects.filter(created__lt=cutoff, personal_data_purged_at__isnull=True)
    if dry_run:
        return due.count()
    return ideas_erase_personal_data(ideas=due, now=now)


def ideas_erase_personal_data(*, ideas, now=None):
    """Erase the sender's name, email and organisation from `ideas` (a queryset), fields and
    texts alike: the retention purge, and an editor acting on a person's request. Returns how
    many ideas had any to erase."""
    now = now or timezone.now()
    texts = ["message", "staff_note", "network_note", "summary", "public_response"]
    with transaction.atomic():
        due = Idea.objects.filter(
            pk__in=ideas.values("pk"), personal_data_purged_at__isnull=True
        ).select_for_update()
        erased = list(due.only("name", "email", "organisation", *texts))
        for idea in erased:
            for field in texts:
                limit = Idea._meta.get_field(field).max_length  # "[poistettu]" may be longer
                setattr(idea, field, idea.without_sender(getattr(idea, field))[:limit])
            idea.name = idea.email = idea.organisation = idea.client_hash = ""
            idea.consent_to_contact = False
            idea.personal_data_purged_at = now
        erased_fields = [*texts, *PERSONAL_FIELDS, "client_hash", "personal_data_purged_at"]
        Idea.objects.bulk_update(erased, erased_fields)
    return len(erased)
