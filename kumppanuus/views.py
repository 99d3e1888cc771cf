import logging
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.generic import DetailView, TemplateView

from feedback.views import idea_form_again
from networks.selectors import network_cards

from . import middleware, search, selectors
from .cache_backends import CACHE_ERRORS
from .reviews import page_reviews, review_body
from .twofactor import has_staff_permission

logger = logging.getLogger(__name__)

# When the accessibility statement's self-assessment was last made (update with the statement).
ACCESSIBILITY_ASSESSED_ON = date(2026, 11, 30)


class HomeView(TemplateView):
    template_name = "kumppanuus/home.html"

    def get_context_data(self, **kwargs):
        home = selectors.home_page()
        return super().get_context_data(
            home_figures=selectors.home_figures(home),
            network_cards=network_cards(home.network_groups),
            **kwargs,
        )


class PrivacyView(TemplateView):
    template_name = "kumppanuus/privacy.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            retention_months=settings.FEEDBACK_RETENTION_MONTHS, **kwargs
        )


@never_cache
def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a styled Finnish page instead of Django's English one. A refused idea
    comes back in its form with the text kept; other forms get an explanation and a way back."""
    match = resolve_or_none(request.path_info)
    if request.method == "POST" and match and match.view_name == "feedback:idea-form":
        return idea_form_again(request, status=403, csrf_failed=True)
    return render(request, "csrf_failure.html", {"back": request.path}, status=403)


def resolve_or_none(path):
    try:
        return resolve(path)
    except Resolver404:
        return None


@never_cache  # a cached 200 would keep an instance without its database in the balancer
def healthz(request):
    """503 only when the database is down: that instance cannot serve. A cache that is down
    answers 200 with "cache": "degraded" so the load balancer keeps the instance (pages are
    served uncached); monitoring alerts on the body. See docs/operations.md."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("healthz: database did not answer")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    if not _cache_answers():
        return JsonResponse({"status": "degraded", "database": "ok", "cache": "degraded"})
    return JsonResponse({"status": "ok", "database": "ok", "cache": "ok"})


def _cache_answers():
    backend = caches["default"]
    try:
        if hasattr(backend, "probe"):
            backend.probe()
        else:
            backend.set("healthz-probe", "ok", 10)
    except CACHE_ERRORS as error:
        logger.warning("healthz: cache did not answer (%s)", type(error).__name__)
        return False
    return True


def bad_request(request, exception=None):
    """The 400 page, also for a foreign Host header: the template calls no request.get_host()."""
    return middleware.bad_request(request)


class ReviewListView(TemplateView):
    template_name = "kumppanuus/review_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(review_items=selectors.review_list(), **kwargs)


class ReviewDetailView(DetailView):
    """A published review; a draft only for staff who may edit reviews (preview)."""

    template_name = "kumppanuus/review_detail.html"
    context_object_name = "review"

    def get_object(self, queryset=None):
        may_preview = has_staff_permission(self.request.user, "kumppanuus.change_annualreview")
        return get_object_or_404(page_reviews(may_preview), year=self.kwargs["year"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(review_body=review_body(self.object), **kwargs)


FAVICON = settings.BASE_DIR / "static" / "img" / "favicon.ico"


@cache_control(max_age=86400, public=True)
def favicon_ico(request):
    """/favicon.ico, which browsers and feed readers ask for at the root whatever the page says."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/vnd.microsoft.icon")


@cache_control(max_age=86400, public=True)
def web_manifest(request):
    """The web app manifest, with the icons' hashed static URLs."""
    manifest = {
        "name": _("Varsinais-Suomen kumppanuusfoorumi"),
        "short_name": _("Kumppanuusfoorumi"),
        "lang": get_language(),
        "start_url": reverse("home"),
        "display": "browser",
        "background_color": "#ffffff",
        "theme_color": "#00467f",
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


class SearchView(TemplateView):
    template_name = "kumppanuus/search.html"
    cache_query_parameters = ("q", "tyyppi", "page")
    per_kind = 5
    per_page = 20

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("q", "")
        query = search.clean_query(raw)
        kind = search.SOURCES_BY_KEY.get(self.request.GET.get("tyyppi", ""))
        context.update(query=query, truncated=len(raw) > search.MAX_QUERY_LENGTH, kind=kind)
        context["all_query"] = urlencode({"q": query})  # spelled as the page cache keeps it
        if len(query) < search.MIN_QUERY_LENGTH:
            context["too_short"] = bool(raw.strip())
            return context
        if kind:
            page = Paginator(search.matches(kind, query), self.per_page).get_page(
                self.request.GET.get("page")
            )
            context["page_obj"] = page
            context["kind_query"] = urlencode({"q": query, "tyyppi": kind.key})
            context["groups"] = [(kind, page.paginator.count, self._hits(kind, page, query))]
        else:
            context["groups"] = [
                (source, count, self._hits(source, rows, query))
                for source in search.SOURCES
                if (count := (found := search.top_matches(source, query, self.per_kind))[0])
                for rows in [found[1]]
            ]
        context["total"] = sum(count for _source, count, _hits in context["groups"])
        return context

    @staticmethod
    def _hits(source, rows, query):
        return [
            {
                "title": source.title(obj),
                "url": source.url(obj),
                "snippet": search.snippet(source.text(obj) or source.title(obj), query),
            }
            for obj in rows
        ]
