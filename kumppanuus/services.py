"""Publishing the annual review: refused while its figures could still change. (At the end:
second-factor devices of admin users.)

Publishing stores the figures the review shows (in every language) with the review, so in
its history too, and freezes the round and survey it uses: they cannot be reopened or
imported into until an editor unpublishes the review (which history records as well).
"""

import logging
import math

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from barometer.models import Survey
from barometer.services import survey_lock
from networks.mail import MailNotSent, email_build, emails_send
from networks.roles import is_editor
from programme.models import AssessmentRound
from programme.services import round_locked
from writelocks import row_locked

from .models import AnnualReview
from .reviews import review_figures_snapshot

logger = logging.getLogger(__name__)


def review_publish_problems(review):
    """Why the review cannot be published yet (empty when it can)."""
    problems = []
    if review.assessment_round and review.assessment_round.is_open:
        problems.append(
            _(
                "Arviointikierros %(year)s on vielä auki: sulje kierros ennen julkaisua, "
                "jotta luvut eivät muutu."
            )
            % {"year": review.assessment_round.year}
        )
    if review.survey and not (review.survey.state == "closed" and review.survey.results_published):
        problems.append(
            _("Barometrin %(year)s tuloksia ei ole julkaistu: julkaise ne ensin.")
            % {"year": review.survey.year}
        )
    return problems


def review_publish(*, review, user=None):
    """Publish: store the figures shown, freeze the round and survey. `user` goes to history."""
    _ensure_editor(user)
    with transaction.atomic():
        review = AnnualReview.objects.select_for_update().get(pk=review.pk)
        _lock_what_it_freezes(review)
        if review.is_published and review.figures:
            return review  # publishing again leaves what the public saw as it is
        if problems := review_publish_problems(review):
            raise ValidationError(problems)
        review.figures = review_figures_snapshot(review)
        review.state = AnnualReview.State.PUBLISHED
        review.published_at = review.published_at or timezone.now()
        review._history_user = user
        review.save(update_fields=["state", "published_at", "figures"])
        _sync_freeze(review)
    return review


def review_form_save(*, review, adding):
    """The review admin's add, change and history-revert forms. Only the publish services
    publish: the publication and its stored figures stay as they are, and a published review
    is refused whole (PermissionDenied), its sections too: they are saved after this in the
    change form's transaction, and the row lock taken here, which publishing takes too, keeps
    a publish from coming between."""
    with transaction.atomic():
        if adding:
            review.state, review.published_at, review.figures = AnnualReview.State.DRAFT, None, None
        else:
            current = row_locked(AnnualReview, review.pk)
            if current is None:
                raise Http404(_("Katsausta ei enää ole: toinen toimittaja poisti sen."))
            if current.is_published:
                raise PermissionDenied(_("Julkaistu katsaus on lukittu. Peru ensin sen julkaisu."))
            review.state, review.published_at, review.figures = (
                current.state,
                current.published_at,
                current.figures,
            )
        review.save()


def review_snapshot_complete(*, review):
    """Add to a published review's stored copy the parts that an older version of the portal
    did not store (events, highlights, contacts), keeping every part it did store. Returns
    whether anything was added."""
    with transaction.atomic():
        review = AnnualReview.objects.select_for_update().get(pk=review.pk)
        if not (review.is_published and review.figures):
            return False
        added = False
        for code, parts in review_figures_snapshot(review).items():
            stored = review.figures.setdefault(code, {})
            for key, value in parts.items():
                if key not in stored:
                    stored[key], added = value, True
        if added:
            review.save(update_fields=["figures"])
    return added


def review_unpublish(*, review, user=None):
    """Back to draft: the round and survey thaw unless another published review uses them."""
    _ensure_editor(user)
    with transaction.atomic():
        review = AnnualReview.objects.select_for_update().get(pk=review.pk)
        _lock_what_it_freezes(review)
        review.state = AnnualReview.State.DRAFT
        review._history_user = user
        review.save(update_fields=["state"])
        _sync_freeze(review)
    return review


def _lock_what_it_freezes(review):
    """The round's and the survey's locks, taken before either is read (their own writes take
    them first too): neither can be reopened, nor its figures move, while this decides."""
    if review.assessment_round_id:
        round_locked(review.assessment_round_id)
    if review.survey_id:
        survey_lock(review.survey_id)


def _ensure_editor(user):
    # None: a trusted caller without a request (demo data, shell); a person must be an editor.
    if user is not None and not is_editor(user):
        raise PermissionDenied(
            _("Vain toimitus voi julkaista vuosikatsauksia tai perua julkaisun.")
        )


def _sync_freeze(review):
    """Mark the review's round and survey with the published review that uses them, or none."""
    published = AnnualReview.objects.published().order_by("year")
    if review.assessment_round_id:
        user = published.filter(assessment_round_id=review.assessment_round_id).first()
        AssessmentRound.objects.filter(pk=review.assessment_round_id).update(
            frozen_by_review=_name(user)
        )
    if review.survey_id:
        user = published.filter(survey_id=review.survey_id).first()
        Survey.objects.filter(pk=review.survey_id).update(frozen_by_review=_name(user))


def _name(review):
    return f"{review.title} ({review.year})"[:200] if review else ""


# Second factor (see kumppanuus/twofactor.py).

RECOVERY_CODES = 10


@transaction.atomic
def two_factor_confirm(*, device):
    """Confirm a TOTP device and give the user a fresh set of one-time recovery codes. It is
    the person's one app: any other (an earlier one, or one begun in another session) goes."""
    row_locked(type(device.user), device.user_id)  # two sessions confirming at once: in turn
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    EmailDevice.objects.filter(user=device.user).delete()  # its code and wait are done with
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_issue(user=device.user)


def recovery_codes_issue(*, user):
    static, _created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "varakoodit"}
    )
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def _mailbox_device(user):
    """The account's one mail-code device, read under the account's row lock: requests of one
    person at the same moment (two sends, a guess beside the right code) take turns, and the
    second decides on what the first committed. Call inside a transaction."""
    row_locked(get_user_model(), user.pk)
    device = EmailDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = EmailDevice.objects.create(user=user, name="sähköposti", confirmed=False)
    return device


def mailbox_code_minutes():
    """How long a mailed code is valid, in whole minutes (for the page and the mail)."""
    return settings.OTP_EMAIL_TOKEN_VALIDITY // 60


def mailbox_code_send(*, user):
    """Email the user a one-time code that proves the mailbox is theirs (before their first
    app is set up). None when sent; else the seconds to wait (one code a minute). The code
    is bound to the address it went to. Raises MailNotSent when the mail server fails: the
    code is then void and the person may ask again at once. The mail goes out after the
    code is stored, with no lock held."""
    with transaction.atomic():
        device = _mailbox_device(user)
        allowed, details = device.generate_is_allowed()
        if not allowed:
            wait = details.get("next_generation_at", timezone.now()) - timezone.now()
            return max(1, math.ceil(wait.total_seconds()))
        device.email = user.email
        device.cooldown_set(commit=False)
        device.generate_token(valid_secs=settings.OTP_EMAIL_TOKEN_VALIDITY, commit=True)
    message = email_build(
        template="two_factor_code",
        to=[user.email],
        context={
            "username": user.get_username(),
            "token": device.token,
            "minutes": mailbox_code_minutes(),
        },
        language=get_language(),
    )
    try:
        emails_send([message])
    except MailNotSent as error:
        logger.error("two-factor: code mail for user %s failed: %s", user.pk, error)
        _mailbox_code_void(user, device.token)
        raise
    return None


@transaction.atomic
def _mailbox_code_void(user, token):
    """A code nobody received is no code (unless a newer one was made meanwhile)."""
    device = _mailbox_device(user)
    if device.token == token:
        device.token, device.valid_until = None, timezone.now()
        device.cooldown_reset(commit=False)
        device.save(update_fields=["token", "valid_until", "last_generated_timestamp"])


def throttle_wait(devices):
    """Seconds until any of the devices takes a code again after wrong ones (django-otp's
    growing delay), or None when one takes a code now."""
    waits = []
    for device in devices:
        allowed, details = device.verify_is_allowed()
        if allowed:
            return None
        locked_until = (details or {}).get("locked_until", timezone.now())
        waits.append(max(1, math.ceil((locked_until - timezone.now()).total_seconds())))
    return min(waits, default=None)


@transaction.atomic
def mailbox_code_use(*, user, token):
    """Use up `token` if it is the last code mailed to the user's present address, unused and
    in time: (whether it was, the seconds the person must still wait after wrong codes or
    None). A wrong code makes the next try wait longer, as for the app's codes."""
    device = _mailbox_device(user)
    wait = throttle_wait([device])
    if wait is not None:
        return False, wait
    if device.email != user.email:  # the address was changed after the code went out
        return False, None
    return device.verify_token(token), None


def two_factor_reset(*, user):
    """Recover a locked-out user: remove their devices and give new recovery codes, with which
    they sign in once and set up their app again."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    EmailDevice.objects.filter(user=user).delete()  # and any wait after wrong mail codes
    return recovery_codes_issue(user=user)
