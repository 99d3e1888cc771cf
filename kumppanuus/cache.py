"""Whole-page cache for anonymous visitors, invalidated by any content change.

Every cache key carries a content version; saving or deleting any of the portal's models
(and the bulk writes that report themselves, e.g. a survey import) moves the version on, so
an editor's publish, a status change or a closed round shows at once. Logged-in users,
pages with a form (they carry a CSRF token) and responses that set cookies are never cached.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "page-cache:version"
CACHED_APPS = {"networks", "programme", "barometer", "feedback", "kumppanuus"}


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def invalidate_pages(**kwargs):
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def _content_changed(sender, **kwargs):
    if sender._meta.app_label in CACHED_APPS:
        invalidate_pages()


def connect_invalidation():
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_content_changed, dispatch_uid=f"page-cache-{signal}")


def _page_key(request, version):
    raw = (
        f"{request.scheme}://{request.get_host()}{request.get_full_path()}|{request.LANGUAGE_CODE}"
    )
    return f"page-cache:{version}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _cacheable_request(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not request.path.startswith("/" + settings.ADMIN_URL)
    )


def _cacheable_response(request, response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not request.META.get("CSRF_COOKIE_USED")
        and "private" not in response.get("Cache-Control", "")
    )


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        key = _page_key(request, content_version())
        cached = cache.get(key)
        if cached is not None:
            cached["X-Page-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if _cacheable_response(request, response):
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            cache.set(key, response, settings.PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response
