import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pages import PUBLIC_PAGE_TYPES

ROOT = Path(__file__).resolve().parents[2]

PUBLIC_PAGES = [*PUBLIC_PAGE_TYPES, "/sv/"]


def production_env(**extra):
    ours = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "ADMIN_URL"}
    ours.add("DJANGO_ALLOW_ASYNC_UNSAFE")  # set by the browser tests for their own process
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env.update(
        DEBUG="False",
        SECRET_KEY="x7#kq2-very-long-production-like-secret-key-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="kumppanuus.example.fi",
        **extra,
    )
    return env


def check_deploy(**extra):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(**extra),
        capture_output=True,
        text=True,
    )


def test_check_deploy_gives_no_warnings():
    result = check_deploy(EMAIL_URL="smtp+tls://portaali:salasana@smtp.example.fi:587")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_mail_would_go_to_the_log():
    """Without EMAIL_URL mail is printed to stdout: senders' addresses would be in the logs."""
    result = check_deploy(EMAIL_URL="consolemail://")
    assert result.returncode != 0
    assert "kumppanuus.W001" in result.stdout + result.stderr


def test_admin_url_is_configurable():
    code = "from django.urls import reverse; print(reverse('admin:index'))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=production_env(ADMIN_URL="hallinta-4f2a/"),
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip().endswith("/hallinta-4f2a/"), result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_security_headers_on_every_public_page_type(client, demo_data, path):
    response = client.get(path, secure=True)
    assert response.status_code == 200, path
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "http" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_pages_have_no_inline_scripts_or_styles(client, demo_data):
    import re

    for path in PUBLIC_PAGES:
        page = client.get(path).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)", page), path
        assert " style=" not in page and "<style" not in page, path


@pytest.mark.django_db
def test_cookies_are_secure_httponly_and_samesite(client, demo_data):
    response = client.get("/kehittamisideat/", secure=True)
    cookie = response.cookies["csrftoken"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    client.post(
        "/admin/login/", {"username": "toimittaja", "password": "kumppanuus-demo-2026"}, secure=True
    )
    session = client.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
