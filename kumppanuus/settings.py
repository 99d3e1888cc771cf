"""Settings for the Kumppanuusportaali.

Every environment variable is declared once here, with its type and default.
`.env.example` documents them for operators.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    SECRET_KEY=(str, ""),
    ALLOWED_HOSTS=(list, []),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATABASE_URL=(str, f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    EMAIL_URL=(str, "consolemail://"),
    EMAIL_TIMEOUT=(int, 10),
    CACHE_URL=(str, "locmemcache://"),
    CACHE_SOCKET_TIMEOUT=(float, 0.2),
    CACHE_RETRY_SECONDS=(float, 5.0),
    DEFAULT_FROM_EMAIL=(str, "kumppanuusfoorumi@varsinais-suomi.fi"),
    FEEDBACK_NOTIFY_EMAILS=(list, []),
    FEEDBACK_RETENTION_MONTHS=(int, 24),
    SITE_URL=(str, "http://127.0.0.1:8000"),
    LOG_LEVEL=(str, "INFO"),
    SECURE_SSL_REDIRECT=(bool, True),
    SECURE_HSTS_SECONDS=(int, 31536000),
    ADMIN_URL=(str, "admin/"),
    PAGE_CACHE_SECONDS=(int, 300),
    PAGE_CACHE_VERSION_SECONDS=(float, 1.0),
    FRAGMENT_MEMO_SIZE=(int, 512),
    RELEASE=(str, ""),
    STATIC_ROOT=(str, ""),
    IDEA_RATE_LIMIT=(str, "5/10m"),
    SURVEY_RATE_LIMIT=(str, "10/h"),
    TRUSTED_PROXY_COUNT=(int, 0),
    RATELIMIT_CACHE_URL=(str, ""),
    TWO_FACTOR_REQUIRED=(bool, True),
)
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY puuttuu: tuotannossa (DEBUG=False) ympäristömuuttuja SECRET_KEY on "
            "pakollinen. Kehityksessä aseta DEBUG=True. "
            "(SECRET_KEY is required when DEBUG is off.)"
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env("ALLOWED_HOSTS") or (["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS puuttuu: tuotannossa (DEBUG=False) anna palvelimen nimet "
        "ympäristömuuttujassa ALLOWED_HOSTS. (ALLOWED_HOSTS is required when DEBUG is off.)"
    )
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL")

INSTALLED_APPS = [
    "modeltranslation",  # before admin, so that its admin integration takes effect
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_email",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "networks",
    "programme",
    "barometer",
    "feedback",
    "kumppanuus",
]

MIDDLEWARE = [
    "kumppanuus.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kumppanuus.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kumppanuus.middleware.PublicGZipMiddleware",
    "kumppanuus.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A kept page is answered here, before the middlewares whose work it already holds (its
    # language's headers, Content-Length): a hit costs little more than a static file.
    "kumppanuus.cache.PageCacheMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "kumppanuus.middleware.OddInputMiddleware",
    "kumppanuus.middleware.RefusedFormMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kumppanuus.twofactor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "kumppanuus.middleware.LoginAttemptsInTurnMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # admin login lockout, first
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "kumppanuus.urls"
WSGI_APPLICATION = "kumppanuus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL")}
# Each worker keeps its connection (checked before reuse) instead of opening one per request:
# on SQLite too, where opening one cost ~0.3 ms of a light page and ~3 ms of the front page
# (every new connection reads the schema again).
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL")}
# A Redis that is down or slow must not take the site down (kumppanuus/cache_backends.py):
# short socket timeouts, errors answered as cache misses, Redis left alone for a few seconds
# after an error.
CACHE_RETRY_SECONDS = env("CACHE_RETRY_SECONDS")
# Rate-limit counters live where every worker and instance sees them: Redis when CACHE_URL
# is Redis, else the database (table made by `manage.py createcachetable`). Either fails open
# with a logged warning when the store is down (kumppanuus/ratelimit_cache.py).
RATELIMIT_CACHE_URL = env("RATELIMIT_CACHE_URL") or (
    env("CACHE_URL")
    if env("CACHE_URL").startswith(("redis", "rediss"))
    else "dbcache://ratelimit_cache"
)
CACHES["ratelimit"] = environ.Env.cache_url_config(RATELIMIT_CACHE_URL)
CACHES["ratelimit"]["BACKEND"] = {
    "django.core.cache.backends.db.DatabaseCache": "kumppanuus.ratelimit_cache.DatabaseCache",
}.get(CACHES["ratelimit"]["BACKEND"], CACHES["ratelimit"]["BACKEND"])
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_FAIL_OPEN = True
for _cache in CACHES.values():
    if _cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        _cache["BACKEND"] = "kumppanuus.cache_backends.FailSafeRedisCache"
        for option in ("socket_connect_timeout", "socket_timeout"):
            _cache.setdefault("OPTIONS", {}).setdefault(option, env("CACHE_SOCKET_TIMEOUT"))

# EMAIL_URL expands to EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, … (django-environ's pattern).
vars().update(env.email_url("EMAIL_URL"))
# A hung mail relay must not hold a request (a second-factor code is mailed while the person
# waits): the send fails after this many seconds and the page says so.
EMAIL_TIMEOUT = env("EMAIL_TIMEOUT")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("suomi")), ("sv", _("ruotsi")), ("en", _("englanti"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Content (names, descriptions) in Swedish and English; a missing translation falls back to Finnish.
MODELTRANSLATION_DEFAULT_LANGUAGE = "fi"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fi",)
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT") or BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 3600

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers. The CSP allows this site's own files only: no inline scripts or styles,
# no third-party origins. SVG presentation attributes (fill, stroke) are not styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "kumppanuus.views.csrf_failure"
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's and container's probe
    SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Admin: its address is configurable, and guessing passwords locks the account+address out.
ADMIN_URL = env("ADMIN_URL")
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "axes_lockout.html"
AXES_RESET_ON_SUCCESS = True
# Lockout counters are in the database (axes' default handler), shared by every instance.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# The client's address, one rule for the lockout, every rate limit and the barometer's
# per-network counts: the socket address, or with N trusted proxies in front the Nth
# X-Forwarded-For entry from the right (kumppanuus/middleware.py: client_ip).
TRUSTED_PROXY_COUNT = env("TRUSTED_PROXY_COUNT")
CLIENT_IP_CALLABLE = "kumppanuus.middleware.client_ip"
AXES_CLIENT_IP_CALLABLE = CLIENT_IP_CALLABLE
RATELIMIT_IP_META_KEY = CLIENT_IP_CALLABLE

# Anonymous pages are cached until any content changes (kumppanuus/cache.py).
PAGE_CACHE_SECONDS = env("PAGE_CACHE_SECONDS")
# How often a process re-reads the content version from the database: other processes see a
# change within this time, the process that made it at once.
PAGE_CACHE_VERSION_SECONDS = env("PAGE_CACHE_VERSION_SECONDS")
# Fragments (charts, closed years' tables, card lists) drawn from plain data are kept by that
# data, per process, up to this many (fragments.py); 0 draws every one on every request.
FRAGMENT_MEMO_SIZE = env("FRAGMENT_MEMO_SIZE")
# Part of every page-cache key, so a shared Redis never serves the previous deploy's HTML.
# Unset: a hash of the static files' manifest (changes whenever an asset does).
RELEASE = env("RELEASE")

LOGIN_URL = "admin:login"

# Feedback: who is told of new ideas, and how long personal data is kept.
FEEDBACK_NOTIFY_EMAILS = env("FEEDBACK_NOTIFY_EMAILS")
FEEDBACK_RETENTION_MONTHS = env("FEEDBACK_RETENTION_MONTHS")
# Ideas one client may send (django-ratelimit syntax), counted in CACHES["ratelimit"].
IDEA_RATE_LIMIT = env("IDEA_RATE_LIMIT")
# Barometer answers one client may send (ballot stuffing); per-network counts in the admin.
SURVEY_RATE_LIMIT = env("SURVEY_RATE_LIMIT")
# Editors sign in to the admin with a second factor (TOTP or a recovery code); contact persons
# may opt in. Off only for a throwaway local database, never in production.
TWO_FACTOR_REQUIRED = env("TWO_FACTOR_REQUIRED")
# Setting up the first app starts with a code mailed to the account's address
# (kumppanuus.twofactor): a password alone registers no one's app. django-otp's email
# device keeps the code, its expiry, the wait between codes and after wrong ones.
OTP_EMAIL_TOKEN_VALIDITY = 600
OTP_EMAIL_COOLDOWN_DURATION = 60
OTP_TOTP_ISSUER = "Kumppanuusportaali"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
    "loggers": {
        # kumppanuus.requests writes the one line per request; Django's own would repeat it.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # At DEBUG it writes every missing template variable with the whole context: a login
        # form's username (often an email), tokens.
        "django.template": {"level": "INFO"},
    },
}
