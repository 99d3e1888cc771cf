"""Writes of the feedback app. Saving an idea always comes first; mail is best effort."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from networks.models import ContactPerson

from .models import Idea

logger = logging.getLogger(__name__)


def idea_submit(*, form):
    """Store the idea once (a repeated submission token stores nothing), then notify editors."""
    token = form.cleaned_data["submission_token"]
    if Idea.objects.filter(submission_token=token).exists():
        return None
    idea = form.save(commit=False)
    idea.submission_token = token
    try:
        with transaction.atomic():
            idea.save()
    except IntegrityError:  # the same form sent twice at once: the other request stored it
        if Idea.objects.filter(submission_token=token).exists():
            return None
        raise
    _notify(
        settings.FEEDBACK_NOTIFY_EMAILS,
        _("Uusi kehittämisidea: %(topic)s") % {"topic": idea.get_topic_display()},
        idea,
    )
    return idea


def idea_forward(*, idea, network):
    idea.forwarded_to = network
    if idea.state == Idea.State.NEW:
        idea.state = Idea.State.IN_PROGRESS
    idea.save(update_fields=["forwarded_to", "state"])
    recipients = list(
        ContactPerson.objects.filter(networks=network)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    _notify(
        recipients,
        _("Kehittämisidea välitetty verkostolle %(network)s") % {"network": network.name},
        idea,
    )


def _notify(recipients, subject, idea):
    """A link to the idea in admin, no personal data. A failing mail server is logged only."""
    if not recipients:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("admin:feedback_idea_change", args=[idea.pk])
    body = _("Aihe: %(topic)s\nLue ja käsittele idea ylläpidossa:\n%(url)s") % {
        "topic": idea.get_topic_display(),
        "url": url,
    }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception as error:  # noqa: BLE001 - any mail failure must not lose or fail the idea
        logger.error("feedback: notification for idea %s failed: %s", idea.pk, type(error).__name__)


def ideas_purge_personal_data(*, now=None, months=None):
    """Erase names, emails and organisations of ideas older than the retention period."""
    now = now or timezone.now()
    months = settings.FEEDBACK_RETENTION_MONTHS if months is None else months
    cutoff = now - timedelta(days=round(months * 365.25 / 12))
    return Idea.objects.filter(created__lt=cutoff, personal_data_purged_at__isnull=True).update(
        name="", email="", organisation="", consent_to_contact=False, personal_data_purged_at=now
    )
