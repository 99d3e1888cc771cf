"""Issue 11 item 7, proved from outside: under gunicorn with 2 workers the idea form's limit of
5 per client holds (it let 10 through when each worker counted in its own memory)."""

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from servers import gunicorn  # noqa: E402

pytestmark = pytest.mark.server


def post_idea(base):
    """One POST from a fresh browser (new cookies, new CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    form = opener.open(base + "/kehittamisideat/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "topic": "muu",
            "message": "Kahden työprosessin testi.",
            "submission_token": str(uuid.uuid4()),
        }
    ).encode()
    request = urllib.request.Request(
        base + "/kehittamisideat/", data=data, headers={"Referer": base + "/kehittamisideat/"}
    )
    try:
        return opener.open(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_idea_limit_holds_across_two_gunicorn_workers(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": "test-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": "locmemcache://",  # the page cache stays per worker; the limits must not
        "RATELIMIT_CACHE_URL": "",
        "IDEA_RATE_LIMIT": "5/10m",
        "PAGE_CACHE_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, "manage.py"]
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["createcachetable"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True)
    with gunicorn(env, workers=2) as base:
        statuses = [post_idea(base) for _ in range(10)]
    assert statuses == [302] * 5 + [429] * 5, statuses
