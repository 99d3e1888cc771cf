"""Publishing the annual review: refused while its figures could still change. Second-factor
devices of admin users."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AnnualReview


def review_publish(*, review):
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
    if problems:
        raise ValidationError(problems)
    review.state = AnnualReview.State.PUBLISHED
    review.published_at = review.published_at or timezone.now()
    review.save(update_fields=["state", "published_at"])


def review_unpublish(*, review):
    review.state = AnnualReview.State.DRAFT
    review.save(update_fields=["state"])


# Second factor (see kumppanuus/twofactor.py).

RECOVERY_CODES = 10


def two_factor_confirm(*, device):
    """Confirm a TOTP device and give the user a fresh set of one-time recovery codes."""
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


def two_factor_reset(*, user):
    """Recover a locked-out user: remove their devices and give new recovery codes, with which
    they sign in once and set up their app again."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return recovery_codes_issue(user=user)
