from modeltranslation.translator import TranslationOptions, register

from .models import Statement


@register(Statement)
class StatementTranslation(TranslationOptions):
    fields = ["text"]
