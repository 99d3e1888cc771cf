from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import AnnualReview


@register(AnnualReview)
class AnnualReviewTranslation(TranslationOptions):
    fields = ["title", "lead"]


# The historical model copies the fields the model has when it is made: make it only now,
# so that it keeps the Swedish and English title and lead as well.
register_history(AnnualReview)
