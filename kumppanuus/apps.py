from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KumppanuusConfig(AppConfig):
    name = "kumppanuus"
    verbose_name = _("Sivusto")
