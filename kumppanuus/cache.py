"""Whole-page cache for anonymous visitors, invalidated by any content change.

Every cache key carries a content version (kept in the database, see ContentVersion). Any SQL
write to a content table (save, delete, m2m, bulk_create, QuerySet.update(), raw SQL; from any
service, command or the admin) moves the version on in the same transaction, so an editor's
publish, a status change or a closed round shows at once in every process and instance. The
one exception: rows that the public inserts (an idea, a survey answer) do not flush the cache.
No public page shows them at once (the ideas summary's counts may lag by PAGE_CACHE_SECONDS),
and a visitor could otherwise empty the cache with every POST.

The key is canonical: the language, the release (a deploy never serves old HTML with old
static file names from a shared Redis), the encoding the client takes (a page is kept ready
to send both plain and gzipped, so a hit reads only the bytes it sends) and only the query
parameters the page reads (each view declares them as `cache_query_parameters`), in a fixed
order. A request with any other
parameter is redirected to the canonical URL, so `/ohjelma/?x=1`, `?x=2` … cannot bypass the
cache. A page is kept at most until the next event starts or ends or a survey opens or
closes (time-bound content).

A visitor with any cookie but the CSRF one (logged in, a flash message, an answered survey)
bypasses the cache. Form pages are cached too, with their per-visitor hidden fields punched
out: the CSRF token and the idea form's submission token are stored as placeholders and
filled in afresh on every hit, so no two visitors ever share one.
"""

import functools
import hashlib
import re
import secrets
import struct
import time
import uuid
import zlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError, connection
from django.db.backends.signals import connection_created
from django.db.models import Min, Q
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.encoding import escape_uri_path
from django.utils.text import compress_string
from django.utils.translation import get_language

from .middleware import accepts_gzip, in_admin, odd_input

CACHED_APPS = {"networks", "programme", "barometer", "feedback", "kumppanuus"}
# Tables the public inserts into: their new rows never flush the cache (editors' changes do).
PUBLIC_SUBMISSION_TABLES = {"feedback_idea", "barometer_response", "barometer_answer"}
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
    if not _version_moved_in_open_transaction():  # it may yet be rolled back
        _last_known_version, _checked_at = version, now
    return version


def _new_version():
    """A version never taken before: a rolled-back change's number is not taken again by the
    next change, so pages drawn inside that transaction are never served (a counter would
    give the same number twice). Never 1, the fresh row's default."""
    return secrets.randbelow(2**62) + 2


class _VersionMoved:
    """The open transaction moved the version on: an on-commit callback, which Django drops
    when the transaction or its savepoint is rolled back. On commit the process remembers the
    version it wrote, so a database outage right after falls back on it, not on the version
    from before the change."""

    def __init__(self, version):
        self.version = version

    def __call__(self):
        global _last_known_version
        _last_known_version = self.version


def _version_moved_in_open_transaction():
    return connection.in_atomic_block and any(
        isinstance(func, _VersionMoved) for _sids, func, _robust in connection.run_on_commit
    )


def invalidate_pages(**kwargs):
    global _checked_at
    from .models import ContentVersion

    _checked_at = 0.0  # this process reads the new version on its next request
    version = _new_version()
    if not ContentVersion.objects.filter(pk=1).update(version=version):
        # A fresh or flushed database. One plain statement: this runs between other statements
        # (on SQLite while an INSERT … RETURNING is still open), where get_or_create's savepoint
        # or bulk_create's transaction would have to commit.
        table = connection.ops.quote_name(ContentVersion._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (id, version) VALUES (1, %s) ON CONFLICT DO NOTHING",
                [version],
            )
    remember = _VersionMoved(version)
    if connection.in_atomic_block:
        connection.on_commit(remember)  # the last write not rolled back runs last
    else:
        remember()


# SQLite's "INSERT OR IGNORE INTO" is how a many-to-many add() writes its link rows.
WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)"
    r'\s+"?(\w+)"?',
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _content_tables():
    from django.apps import apps

    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in CACHED_APPS and model._meta.model_name != "contentversion":
            tables.add(model._meta.db_table)
    return frozenset(tables)


def _changes_content(sql):
    match = WRITE.match(sql)
    if not match or match.group(1) not in _content_tables():
        return False
    return not (match.group(1) in PUBLIC_SUBMISSION_TABLES and sql.lstrip()[:6].upper() == "INSERT")


def _watch_writes(execute, sql, params, many, context):
    """After a statement that changes content, move the version on in the same transaction:
    other processes see the new version exactly when they can see the new content, and a
    rolled-back change rolls the version back with it."""
    result = execute(sql, params, many, context)
    if _changes_content(sql):
        invalidate_pages()
    return result


def _watch_connection(sender, connection, **kwargs):
    if _watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch_writes)


def connect_invalidation():
    """Every database connection reports its content writes (kumppanuus.apps.ready)."""
    connection_created.connect(_watch_connection, dispatch_uid="page-cache-writes")
    if connection.connection is not None:  # a connection opened before the apps were ready
        _watch_connection(None, connection)


def release():
    """RELEASE if set, else a hash of the static files' manifest (it changes with every
    asset), else the empty string (development: plain static files)."""
    return settings.RELEASE or _manifest_hash()


@lru_cache(maxsize=1)
def _manifest_hash():
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    try:
        return hashlib.sha256(manifest.read_bytes()).hexdigest()[:12]
    except OSError:
        return ""


def next_content_change(now=None):
    """When the next event starts or ends or a survey opens or closes (None: nothing due)."""
    from barometer.models import Survey
    from networks.models import Event

    now = now or timezone.now()
    times = {
        **Event.objects.aggregate(
            start=Min("start", filter=Q(start__gt=now)), end=Min("end", filter=Q(end__gt=now))
        ),
        **Survey.objects.aggregate(
            opens=Min("opens", filter=Q(opens__gt=now)),
            closes=Min("closes", filter=Q(closes__gt=now)),
        ),
    }
    due = [t for t in times.values() if t is not None]
    return min(due) if due else None


def page_lifetime(now=None):
    """PAGE_CACHE_SECONDS, but no longer than until the next time-bound change."""
    now = now or timezone.now()
    change = next_content_change(now)
    if change is None:
        return settings.PAGE_CACHE_SECONDS
    return max(0, min(settings.PAGE_CACHE_SECONDS, int((change - now).total_seconds())))


def query_parameters(request):
    """The names of the parameters this page reads, in their fixed order, as its view declares
    them (`cache_query_parameters` on the view class or function); a view that declares none
    reads none. None for a path that is no page (it is answered 404, never redirected)."""
    return _declared_parameters(request.path_info, get_language())


@lru_cache(maxsize=4096)  # the URLconf is fixed for the process; a path resolves the same
def _declared_parameters(path_info, language):
    """The view's declared parameters; the language is in the key because the language
    prefixes of i18n_patterns resolve by the active language."""
    try:
        view = resolve(path_info).func
    except Resolver404:
        return None
    return getattr(getattr(view, "view_class", view), "cache_query_parameters", ())


@receiver(setting_changed)
def _forget_declared_parameters(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _declared_parameters.cache_clear()


def reads_query_parameters(view, *names):
    """A function view (e.g. Django's sitemap) declaring the query parameters it reads."""

    @functools.wraps(view)
    def declared(*args, **kwargs):
        return view(*args, **kwargs)

    declared.cache_query_parameters = names
    return declared


def canonical_query(request, names):
    """The parameters the page reads, in a fixed order, their values without padding (a view
    reads " 2019" as 2019: one entry, not one per number of spaces)."""
    return urlencode([(name, request.GET[name].strip()) for name in names if name in request.GET])


# The shape of a kept entry: a key never reads an entry of another shape (one kept by the code
# before a deploy that left the static files, and so the release, as they were).
ENTRY_SHAPE = 2
ENCODINGS = ("identity", "gzip")


def _page_key(request, host, version, query, encoding):
    raw = repr(
        (
            ENTRY_SHAPE,
            request.scheme,
            host,
            request.path,
            query,
            request.LANGUAGE_CODE,
            timezone.get_current_timezone_name(),  # pages show times in the active zone
            encoding,
        )
    )
    digest = hashlib.sha256(raw.encode()).hexdigest()
    return f"page-cache:{release()}:{version}:{digest}"


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
    """Whether a page may be kept and served from the cache, before the visitor is asked."""
    return (
        settings.PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and not in_admin(request)
    )


def _visitor_has_own_state(request):
    """A page made for this visitor: a live session (logged in), a flash message, or the
    signed "answered" cookie. Other cookies (analytics, consent, made-up or expired ones) change
    nothing on a page, so they neither bypass the cache nor can be used to."""
    from django.contrib.messages.storage.cookie import CookieStorage

    from barometer.views import ANSWERED_COOKIE, ANSWERED_SALT

    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies and _live_session(request):
        return True
    messages = cookies.get(CookieStorage.cookie_name)
    if messages and CookieStorage(request)._decode(messages) is not None:
        return True
    return bool(request.get_signed_cookie(ANSWERED_COOKIE, default="", salt=ANSWERED_SALT))


def _live_session(request):
    """Whether the session cookie names a session with something in it. While the database
    is unreachable no session can be read: the visitor gets the public page (whatever they
    are signed in to needs the database anyway), not a 500."""
    try:
        return bool(request.session.keys())
    except DatabaseError:
        return False


def _cacheable_response(response):
    return (
        response.status_code == 200
        and not response.streaming
        and set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
        and "private" not in response.get("Cache-Control", "")
    )


def _with_holes(content):
    return FIELD_VALUE.sub(lambda m: m.group(1) + HOLE + m.group(2) + HOLE + m.group(4), content)


HOLE_MARK = re.compile(re.escape(HOLE) + rb"([a-z_]+)" + re.escape(HOLE))
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no time, unknown OS
LAST_EMPTY_BLOCK = b"\x03\x00"  # a final, empty block of fixed codes


def _packed_texts(content):
    """The texts between a page's holes, each deflated on its own and ended on a byte boundary
    (RFC 1951). A visitor's values then go between them as stored blocks: a hit compresses
    nothing, and a value never shares a compression window with the page, so the length of
    the response tells nothing about it (BREACH)."""
    packed = []
    for text in HOLE_MARK.split(content)[0::2]:
        packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        packed.append(packer.compress(text) + packer.flush(zlib.Z_SYNC_FLUSH))
    return packed


def _stored_block(value):
    return b"\x00" + struct.pack("<HH", len(value), len(value) ^ 0xFFFF) + value


def _interleaved(texts, values):
    return b"".join(part for pair in zip(texts, [*values, b""], strict=True) for part in pair)


def _fill(cached, request):
    """The kept page with this visitor's own values in its holes; the gzip entry is packed
    from its texts deflated when it was kept."""
    parts = HOLE_MARK.split(cached.content)
    texts, names = parts[0::2], parts[1::2]
    values = [PER_VISITOR_FIELDS[name.decode()](request).encode() for name in names]
    plain = _interleaved(texts, values)
    if cached.packed is None:
        cached.content = plain
    else:
        deflated = _interleaved(cached.packed, [_stored_block(value) for value in values])
        trailer = struct.pack("<II", zlib.crc32(plain), len(plain) & 0xFFFFFFFF)
        cached.content = GZIP_HEADER + deflated + LAST_EMPTY_BLOCK + trailer
    cached["Content-Length"] = str(len(cached.content))


def _compressed(content):
    gzipped = compress_string(content, max_random_bytes=GZipMiddleware.max_random_bytes)
    return gzipped if len(gzipped) < len(content) else None


def _entries(response):
    """The page as each encoding is served it, ready to send: without its per-visitor hidden
    fields, without cookies (the one a response to be kept may carry is the visitor's own CSRF
    cookie). A page without holes holds nothing secret to guess and is compressed once here,
    padded against BREACH; one with holes is packed per hit by `_fill`."""
    if hasattr(response, "render") and not response.is_rendered:
        response.render()
    content = _with_holes(response.content)
    holes = HOLE in content
    entries = {}
    for encoding in ENCODINGS:
        body = content
        packed = _packed_texts(content) if holes and encoding == "gzip" else None
        if encoding == "gzip" and not holes:
            body = _compressed(content) or content
        entry = HttpResponse(body, status=response.status_code, headers=response.headers)
        patch_vary_headers(entry, ("Accept-Encoding",))
        if packed or body is not content:
            entry["Content-Encoding"] = "gzip"
        entry["Content-Length"] = str(len(body))
        entry["X-Page-Cache"] = "hit"
        entry.holes, entry.packed = holes, packed
        entries[encoding] = entry
    return entries


class PageCacheMiddleware:
    """Sits right inside SessionMiddleware (whether a visitor is signed in needs the session)
    and outside the middlewares whose work a kept page already holds: it is stored as they
    left it (its Content-Language, Vary and length), so a hit skips them. What of theirs a hit
    still needs runs here, by their own code: the language (LocaleMiddleware), the odd-input
    rule (a NUL is theirs to refuse) and, for a page with a form, a fresh CSRF token and its
    cookie (CsrfViewMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.locale = LocaleMiddleware(get_response)
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        own_state = _visitor_has_own_state(request)
        if own_state or not _cacheable_request(request) or odd_input(request):
            response = self.get_response(request)
            if own_state:  # a page made for this visitor: no proxy or shared browser keeps it
                patch_cache_control(response, private=True)
            return response
        host = request.get_host()  # an unknown Host is refused (400) before any redirect
        self.locale.process_request(request)
        version = content_version()
        if version is None:  # no database and no version seen yet
            return self.get_response(request)
        names = query_parameters(request)
        if names is None:  # no page here: never cached, never redirected ("//evil.example/")
            return self.get_response(request)
        query = canonical_query(request, names)
        # A page may print its query as sent (og:url, the language links) and is kept under
        # the canonical one, so any other spelling (unread or repeated parameters, padded
        # values, empty fields, another order or encoding) is sent to the canonical first.
        if request.META.get("QUERY_STRING", "") != query:
            # One leading slash: "//host/" or "/\\host/" in Location would leave the site; a
            # "?", "#" or "%" decoded from the path stays part of the path.
            path = escape_uri_path("/" + request.path.lstrip("/\\"))
            return HttpResponseRedirect(path + (f"?{query}" if query else ""))
        encoding = "gzip" if accepts_gzip(request) else "identity"
        cached = cache.get(_page_key(request, host, version, query, encoding))
        if cached is not None:
            return self._served(request, cached)
        response = self.get_response(request)
        if _cacheable_response(response):
            lifetime = page_lifetime()
            if lifetime:
                entries = _entries(response)
                keys = {e: _page_key(request, host, version, query, e) for e in entries}
                cache.set_many({keys[e]: entry for e, entry in entries.items()}, lifetime)
            response["X-Page-Cache"] = "miss"
        return response

    def _served(self, request, cached):
        if cached.holes:
            self.csrf.process_request(request)
            _fill(cached, request)
            self.csrf.process_response(request, cached)  # the visitor's CSRF cookie
        return cached
