"""Cross-cutting HTTP concerns: the request log line, Permissions-Policy, odd input refused
with a 400 page, a sent form's errors answered 400, public pages gzipped, and a 503 page (never
a traceback) while the database is unreachable."""

import ipaddress
import logging
import re
import time

from django.conf import settings
from django.contrib.admin.helpers import AdminErrorList, AdminForm
from django.db import DataError, InterfaceError, OperationalError, transaction
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from writelocks import advisory_lock

request_log = logging.getLogger("kumppanuus.requests")
logger = logging.getLogger(__name__)


def client_ip(request):
    """The client's address: the one rule for every rate limit, the admin lockout (axes) and
    the barometer's per-network counts (all reach it through settings.CLIENT_IP_CALLABLE).

    With TRUSTED_PROXY_COUNT = 0 the socket address; with N > 0 the Nth X-Forwarded-For
    entry from the right (each trusted proxy appends the address it saw). A missing, short
    or malformed header falls back to the socket address: a client cannot choose its own.
    An IPv4 client seen on a dual-stack socket (::ffff:a.b.c.d) is its IPv4 address, so that
    IPv6 masking of rate limits never puts every IPv4 client in one bucket.
    """
    remote = _plain_address(request.META.get("REMOTE_ADDR")) or "0.0.0.0"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < proxies:
        return remote
    return _plain_address(entries[-proxies].strip()) or remote


def _plain_address(text):
    """The address in its canonical form (IPv4-mapped IPv6 as IPv4), or None if not one."""
    try:
        address = ipaddress.ip_address(text or "")
    except ValueError:
        return None
    return str(getattr(address, "ipv4_mapped", None) or address)


class RequestLogMiddleware:
    """One line per request: method, path (no query string, no form data), status, duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        request_log.info(
            "%s %s %s %.1fms",
            request.method,
            log_safe(request.path),
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def log_safe(text):
    """Control characters written as escapes (a newline as \\n), so no request forges a line."""
    return CONTROL_CHARACTERS.sub(
        lambda match: match.group().encode("unicode_escape").decode("ascii"), text
    )


def bad_request(request):
    return render(request, "400.html", status=400)


class OddInputMiddleware:
    """No text in this portal contains a NUL byte, and PostgreSQL cannot store or compare one:
    a NUL in the path or in the value of a query parameter or form field is refused with the
    400 page. A DataError that other odd input still brings to the database is a 400 too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if odd_input(request):
            return bad_request(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DataError):
            logger.warning("odd input reached the database: %s", type(exception).__name__)
            return bad_request(request)
        return None


def odd_input(request):
    """Whether the request carries a NUL in its path or a parameter's value: the one rule for
    this middleware and the page cache, which answers before it."""
    return (
        "\x00" in request.path
        or _has_nul(request.GET)
        or (request.method == "POST" and _has_nul(request.POST))
    )


def _has_nul(query_dict):
    """A NUL in a value (a parameter's name is never stored or compared by the portal)."""
    return any("\x00" in value for _key, values in query_dict.lists() for value in values)


class RefusedFormMiddleware:
    """A form sent back with its errors is bad input: a 400, wherever it is drawn (the admin's
    change, login, password and action pages, which Django answers 200, and the second-factor
    pages; a page that set its own status keeps it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_template_response(self, request, response):
        if (
            request.method == "POST"
            and response.status_code == 200
            and _refused_form_in(response.context_data)
        ):
            response.status_code = 400
        return response


def _refused_form_in(context):
    """Whether the page shows a sent form's errors (the admin's change form lists them in
    `errors`; other pages carry their bound form or formset)."""
    for name, value in (context or {}).items():
        if name == "errors" and isinstance(value, AdminErrorList) and value:
            return True
        form = value.form if isinstance(value, AdminForm) else value
        if isinstance(form, BaseForm) and form.is_bound and form.errors:
            return True
        if isinstance(form, BaseFormSet) and form.is_bound and not form.is_valid():
            return True
    return False


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def in_admin(request):
    """Whether `request` is for the admin or its sign-in pages: under ADMIN_URL, in Finnish or
    behind a language prefix (/sv/, /en/)."""
    admin = settings.ADMIN_URL
    prefixes = ("/" + admin, *(f"/{code}/{admin}" for code, _name in settings.LANGUAGES))
    return request.path_info.startswith(prefixes)


def accepts_gzip(request):
    """Whether the client takes gzip: `gzip` in Accept-Encoding with a weight above 0 (q=0 is a
    refusal, RFC 9110). Lower case only, as Django's GZipMiddleware reads it."""
    for item in request.META.get("HTTP_ACCEPT_ENCODING", "").split(","):
        coding, _, parameters = item.partition(";")
        if coding.strip() != "gzip":
            continue
        name, _, weight = parameters.partition("=")
        if name.strip().lower() != "q":
            return True
        try:
            return float(weight) > 0
        except ValueError:
            return False
    return False


class PublicGZipMiddleware(GZipMiddleware):
    """Pages and exports gzipped for a browser that asks (every browser does), padded against
    BREACH by Django. Not the admin or its sign-in pages: they put personal data, the second
    factor's secret and a changelist's echoed search on one page, the mix a compression-length
    attack reads, and their few users lose nothing. Static files never get here: WhiteNoise
    answers first, with its own compressed copies."""

    def process_response(self, request, response):
        if not accepts_gzip(request):
            if "Accept-Encoding" not in response.get("Vary", ""):  # kept pages have it already
                patch_vary_headers(response, ("Accept-Encoding",))
            return response
        if in_admin(request):
            return response
        return super().process_response(request, response)


class DatabaseUnavailableMiddleware:
    """A database outage answers 503 with a Finnish page that needs no database itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error("database unavailable: %s", type(exception).__name__)
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response


# Advisory lock namespace of login attempts on PostgreSQL (the key: username and address).
LOGIN_LOCK = 0x106


class LoginAttemptsInTurnMiddleware:
    """Login attempts for one username from one address are checked one after another.

    The admin lockout (django-axes) reads the failure count before the password check and
    records a failure after it: a burst of guesses sent at once all passed the check, and a
    right password in flight logged in after the pair was locked out (and reset the count).
    Here each attempt holds the pair's lock from before the count is read until its failure or
    success is committed. The last middleware, so it wraps only the login view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or request.path != reverse("admin:login"):
            return self.get_response(request)
        with transaction.atomic():
            username = request.POST.get("username", "")
            advisory_lock(LOGIN_LOCK, f"{username}\n{client_ip(request)}")
            return self.get_response(request)
