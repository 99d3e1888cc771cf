"""Issue 11 item 7, proved from outside: under gunicorn with 2 workers the idea form's limit of
5 per client holds (it let 10 through when each worker counted in its own memory)."""

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
    """One POST from a fresh browser (new CSRF cookie and token), as through a TLS proxy."""
    https = {"X-Forwarded-Proto": "https"}
    opener = urllib.request.build_opener(NoRedirect())
    with opener.open(urllib.request.Request(base + "/kehittamisideat/", headers=https)) as page:
        form = page.read().decode()
        cookie = "; ".join(
            value.split(";")[0] for value in page.headers.get_all("Set-Cookie") or []
        )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    idea = str(uuid.uuid4())
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "topic": "muu",
            "message": f"Kahden työprosessin testi {idea}",
            "submission_token": idea,
        }
    ).encode()
    headers = {**https, "Cookie": cookie, "Referer": base.replace("http:", "https:") + "/"}
    request = urllib.request.Request(base + "/kehittamisideat/", data=data, headers=headers)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
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
        # Its own copy: collecting into the project's folder while other test workers read it
        # made their files vanish for a moment.
        "STATIC_ROOT": str(tmp_path / "static"),
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
