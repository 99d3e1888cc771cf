import fnmatch
import os
import tomllib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection
from django.forms import MultiWidget
from django.test.utils import CaptureQueriesContext

from tests import demo_snapshot

ALLOWED_SKIPS = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["tool"][
    "kumppanuus"
]["ci"]["allowed-skips"]
_unexpected_skips = []
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Modules whose tests share one costly module fixture: xdist sends each to one worker whole.
ONE_WORKER_MODULES = {"tests/security/test_attacks_query_growth.py"}


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` (make test), grouping by module path: xdist 3.8's own grouping renames
    `item._nodeid`, which pytest 9 no longer reads, so its xdist_group marks group nothing."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ModuleGroups(LoadGroupScheduling):
        def _split_scope(self, nodeid):
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER_MODULES else nodeid

    return ModuleGroups(config, log)


def skip_reason(report):
    """The reason a skipped test report gives, without pytest's "Skipped: " prefix."""
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return reason.removeprefix("Skipped: ")


def skip_allowed(reason):
    """Whether pyproject's allowed-skips lists `reason` for this run's database."""
    from django.db import connection

    for pattern in ALLOWED_SKIPS:
        vendor, _, glob = pattern.rpartition(": ")
        if vendor in ("", connection.vendor) and fnmatch.fnmatchcase(reason, glob):
            return True
    return False


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = skip_reason(report)
        if not skip_allowed(reason):
            _unexpected_skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    """Under CI (CI=true) a skip that pyproject's allowed-skips does not list fails the run,
    so a missing browser, Redis or gettext cannot pass silently."""
    if _unexpected_skips and os.environ.get("CI") == "true" and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _unexpected_skips:
        verdict = "fail the CI run" if os.environ.get("CI") == "true" else "would fail CI"
        terminalreporter.section("skips not in pyproject's allowed-skips", red=True)
        terminalreporter.write_line(f"{len(_unexpected_skips)} skipped tests {verdict}:")
        for line in _unexpected_skips:
            terminalreporter.write_line(f"  {line}")


@pytest.fixture(autouse=True)
def _finnish_to_start_with():
    """Each test starts in Finnish: the test client leaves the thread in the language of the
    last page it fetched, and the next test must not inherit it."""
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Tests change data with bulk updates that send no signals; the cache tests turn it on.
    settings.PAGE_CACHE_SECONDS = 0
    settings.PAGE_CACHE_VERSION_SECONDS = 0  # every request re-reads the content version
    # The test client's login() passes no request, which the lockout backend needs; the
    # lockout tests put it back.
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    # force_login() gives no second factor; the two-factor tests and journeys put it back.
    settings.TWO_FACTOR_REQUIRED = False


def reset_rate_limits():
    """Forget every client's count: each example of a random-input test is a fresh client."""
    caches["ratelimit"].clear()


@pytest.fixture(scope="session")
def _demo_tables(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return demo_snapshot.take(FAST_PASSWORD_HASHERS)


@pytest.fixture
def demo_data(_demo_tables, db):
    """The database as `load_demo` leaves it (loaded once per run, copied back per test)."""
    demo_snapshot.restore(_demo_tables)


@pytest.fixture
def page_cache(settings):
    """The whole-page cache on, as in production, and empty before and after."""
    settings.PAGE_CACHE_SECONDS = 300
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def count_queries(client):
    """How many SQL queries one GET of `url` makes (and that it answered 200)."""

    def count(url, using_client=None):
        with CaptureQueriesContext(connection) as context:
            response = (using_client or client).get(url)
        assert response.status_code == 200, url
        return len(context)

    return count


def _field_data(form):
    data = {}
    for bound_field in form:
        value = bound_field.value()
        widget = bound_field.field.widget
        if isinstance(widget, MultiWidget):
            for suffix, part in zip(widget.widgets_names, widget.decompress(value), strict=True):
                data[bound_field.html_name + suffix] = "" if part is None else str(part)
            continue
        if value is None or value is False:
            continue
        data[bound_field.html_name] = "on" if value is True else value
    return data


def admin_form_data(response, **changes):
    """The POST data an admin change page would send back unchanged, plus `changes`."""
    data = _field_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_field_data(formset.management_form))
        for form in formset.forms:
            data.update(_field_data(form))
    data.update(changes)
    return data
