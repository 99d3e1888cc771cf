from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from . import views
from .accounts import account_urls
from .cache import reads_query_parameters
from .feeds import ReviewFeed
from .sitemaps import SITEMAPS

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon_ico, name="favicon"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path(
        "sitemap.xml",
        reads_query_parameters(sitemap, "p"),
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("", views.HomeView.as_view(), name="home"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
    path(
        "saavutettavuusseloste/",
        TemplateView.as_view(
            template_name="kumppanuus/accessibility.html",
            extra_context={"assessed_on": views.ACCESSIBILITY_ASSESSED_ON},
        ),
        name="accessibility",
    ),
    path(
        "avoin-data/",
        TemplateView.as_view(template_name="kumppanuus/open_data.html"),
        name="open-data",
    ),
    path("", include("networks.urls")),
    path("", include("programme.urls")),
    path("", include("barometer.urls")),
    path("", include("feedback.urls")),
    path("tietosuoja/", views.PrivacyView.as_view(), name="privacy"),
    path("haku/", views.SearchView.as_view(), name="search"),
    path("vuosikatsaus/", views.ReviewListView.as_view(), name="review-list"),
    path("vuosikatsaus/syote.xml", ReviewFeed(), name="review-feed"),
    path("vuosikatsaus/<int:year>/", views.ReviewDetailView.as_view(), name="review-detail"),
    *account_urls(settings.ADMIN_URL),
    path(settings.ADMIN_URL, admin.site.urls),
    prefix_default_language=False,
)

handler400 = "kumppanuus.views.bad_request"
