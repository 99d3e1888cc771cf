"""Whole-page cache for anonymous visitors, invalidated by any content change.

Every cache key carries a content version (kept in the database, see ContentVersion); saving
or deleting any of the portal's models (and the bulk writes that report themselves, e.g. a
survey import) moves the version on, so an editor's publish, a status change or a closed round
shows at once in every process and instance. A visitor with any
cookie but the CSRF one (logged in, a flash message, an answered survey) bypasses the cache.

Form pages are cached too, with their per-visitor hidden fields punched out: the CSRF token
and the idea form's submission token are stored as placeholders and filled in afresh on
every hit, so no two visitors ever share one.
"""

import hashlib
import re
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse

CACHED_APPS = {"networks", "programme", "barometer", "feedback", "kumppanuus"}
_last_known_version = None
_checked_at = 0.0


def content_version():
    """The current content version: one indexed query, at most every
    PAGE_CACHE_VERSION_SECONDS per process (a change made in this process is seen at once).
    While the database is unreachable the last version seen is used, so cached pages keep
    being served."""
    global _last_known_version, _checked_at
    from .models import ContentVersion

    now = time.monotonic()
    if now - _checked_at < settings.PAGE_CACHE_VERSION_SECONDS:
        return _last_known_version
    try:
        version = ContentVersion.objects.values_list("version", flat=True).filter(pk=1).first()
    except DatabaseError:
        return _last_known_version
    if version is None:
        version = ContentVersion.objects.get_or_create(pk=1)[0].version
    _last_known_version, _checked_at = version, now
    return version


def invalidate_pages(**kwargs):
    global _checked_at
    from .models import ContentVersion

    _checked_at = 0.0  # this process reads the new version on its next request
    if not ContentVersion.objects.filter(pk=1).update(version=F("version") + 1):
        ContentVersion.objects.get_or_create(pk=1, defaults={"version": 2})


def _content_changed(sender, **kwargs):
    if sender._meta.app_label in CACHED_APPS and sender._meta.model_name != "contentversion":
        invalidate_pages()


def connect_invalidation():
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_content_changed, dispatch_uid=f"page-cache-{signal}")


def _page_key(request, version):
    raw = (
        f"{request.scheme}://{request.get_host()}{request.get_full_path()}|{request.LANGUAGE_CODE}"
    )
    return f"page-cache:{version}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _fresh_csrf_token(request):
    from django.middleware.csrf import get_token

    return get_token(request)


# Hidden inputs whose value is per visitor: name → how to make a fresh value.
PER_VISITOR_FIELDS = {
    "csrfmiddlewaretoken": _fresh_csrf_token,
    "submission_token": lambda request: str(uuid.uuid4()),
}
FIELD_VALUE = re.compile(
    rb'(name="(%s)" value=")([^"]*)(")' % b"|".join(name.encode() for name in PER_VISITOR_FIELDS)
)
HOLE = b"\x00page-cache-hole\x00"


def _cacheable_request(request):
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not set(request.COOKIES) - {settings.CSRF_COOKIE_NAME}
        and not request.path.startswith("/" + settings.ADMIN_URL)
    )


def _cacheable_response(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
    )


def _with_holes(content):
    return FIELD_VALUE.sub(lambda m: m.group(1) + HOLE + m.group(2) + HOLE + m.group(4), content)


def _filled(content, request):
    def fill(match):
        name = match.group(1).decode()
        return PER_VISITOR_FIELDS[name](request).encode()

    return re.sub(re.escape(HOLE) + rb"([a-z_]+)" + re.escape(HOLE), fill, content)


class PageCacheMiddleware:
    """Sits inside CsrfViewMiddleware, so a fresh CSRF token on a hit still sets its cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        version = content_version()
        if version is None:  # no database and no version seen yet
            return self.get_response(request)
        key = _page_key(request, version)
        cached = cache.get(key)
        if cached is not None:
            cached.content = _filled(cached.content, request)
            cached["X-Page-Cache"] = "hit"
            return cached
        response = self.get_response(request)
        if _cacheable_response(response):
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            stored = HttpResponse(
                _with_holes(response.content), status=response.status_code, headers=response.headers
            )
            cache.set(key, stored, settings.PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response
