from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KumppanuusConfig(AppConfig):
    name = "kumppanuus"
    verbose_name = _("Sivusto")

    def ready(self):
        from django.contrib import admin

        from . import checks  # noqa: F401 - registers the deploy checks
        from .cache import connect_invalidation

        connect_invalidation()

        admin.site.site_header = _("Kumppanuusportaali – ylläpito")
        admin.site.site_title = _("Kumppanuusportaali")
        admin.site.index_title = _("Ylläpito")
