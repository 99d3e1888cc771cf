"""sitemap.xml: every public page, and only public ones."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from barometer.models import Survey
from networks.models import Event, Network
from programme.models import AssessmentRound, Measure

from .models import AnnualReview


class StaticSitemap(Sitemap):
    def items(self):
        return [
            "home",
            "networks:network-list",
            "networks:event-list",
            "networks:event-archive",
            "programme:overview",
            "programme:matrix",
            "barometer:index",
            "feedback:idea-form",
            "feedback:idea-summary",
            "review-list",
            "open-data",
            "accessibility",
            "privacy",
        ]

    def location(self, name):
        return reverse(name)


class NetworkSitemap(Sitemap):
    def items(self):
        return Network.objects.active().order_by("order", "name")


class EventSitemap(Sitemap):
    def items(self):
        return Event.objects.public().order_by("start", "pk")


class MeasureSitemap(Sitemap):
    def items(self):
        latest = AssessmentRound.objects.latest_closed()
        if latest is None:
            return Measure.objects.none()
        return Measure.objects.filter(programme_id=latest.programme_id).order_by("order", "code")


class SurveySitemap(Sitemap):
    def items(self):
        return Survey.objects.published().order_by("year")


class ReviewSitemap(Sitemap):
    def items(self):
        return AnnualReview.objects.published().order_by("year")

    def lastmod(self, review):
        return review.published_at


SITEMAPS = {
    "sivut": StaticSitemap,
    "verkostot": NetworkSitemap,
    "tapahtumat": EventSitemap,
    "toimenpiteet": MeasureSitemap,
    "barometri": SurveySitemap,
    "vuosikatsaukset": ReviewSitemap,
}
