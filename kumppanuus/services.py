"""Publishing the annual review: refused while its figures could still change."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

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
