from modeltranslation.translator import TranslationOptions, register

from .models import Measure, Priority, Programme, StatusLevel


@register(Programme)
class ProgrammeTranslation(TranslationOptions):
    fields = ["name", "description"]


@register(StatusLevel)
class StatusLevelTranslation(TranslationOptions):
    fields = ["label", "description"]


@register(Priority)
class PriorityTranslation(TranslationOptions):
    fields = ["title"]


@register(Measure)
class MeasureTranslation(TranslationOptions):
    fields = ["title", "description"]
