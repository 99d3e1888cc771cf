import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_503_when_database_is_down(client, monkeypatch):
    from kumppanuus import views

    class BrokenConnection:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr(views, "connection", BrokenConnection())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_healthz_is_never_served_from_the_page_cache(client, monkeypatch, settings):
    """A cached 200 would keep an instance whose database is down in the load balancer."""
    from kumppanuus import views

    settings.PAGE_CACHE_SECONDS = 300
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").get("X-Page-Cache") != "hit"

    class BrokenConnection:
        def cursor(self):
            raise DatabaseError("connection refused")

    monkeypatch.setattr(views, "connection", BrokenConnection())
    assert client.get("/healthz").status_code == 503


def _check_with_env(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_production_refuses_to_start_without_secret_key():
    result = _check_with_env(DEBUG="False", ALLOWED_HOSTS="example.fi")
    assert result.returncode != 0
    assert "SECRET_KEY puuttuu" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _check_with_env(DEBUG="False", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS puuttuu" in result.stderr


def test_production_starts_with_key_and_hosts():
    result = _check_with_env(DEBUG="False", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.fi")
    assert result.returncode == 0, result.stderr
