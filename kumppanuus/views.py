import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.generic import TemplateView

from networks.models import Event, Network

logger = logging.getLogger(__name__)


class HomeView(TemplateView):
    template_name = "kumppanuus/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["networks"] = Network.objects.active().order_by("kind", "order", "name")
        context["upcoming_events"] = Event.objects.with_network().upcoming()[:5]
        return context


class PrivacyView(TemplateView):
    template_name = "kumppanuus/privacy.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            retention_months=settings.FEEDBACK_RETENTION_MONTHS, **kwargs
        )


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("healthz: database did not answer")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
