from modeltranslation.translator import TranslationOptions, register

from .models import Network, Theme


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ["name"]


@register(Network)
class NetworkTranslation(TranslationOptions):
    fields = ["name", "short_description", "description", "how_to_join"]
