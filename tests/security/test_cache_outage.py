"""A cache is a cache: with Redis down or answering slowly, pages render uncached, ideas are
stored, rate limits fail open with a warning, and /healthz says "degraded" with a 200."""

import logging
import socket
import time

import pytest

from feedback.models import Idea
from kumppanuus import cache_backends
from tests.pages import PUBLIC_PAGE_TYPES

pytestmark = pytest.mark.django_db


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_redis():
    """A port that accepts connections (the kernel's backlog) but never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


def _redis_cache(settings, port):
    """CACHE_URL=redis://…: the pages and the rate-limit counters both live in that Redis."""
    redis = {
        "BACKEND": "kumppanuus.cache_backends.FailSafeRedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
    settings.CACHES = {"default": redis, "ratelimit": redis}
    settings.PAGE_CACHE_SECONDS = 300
    cache_backends._down_until.clear()


@pytest.fixture(params=["down", "slow"])
def broken_redis(request, settings):
    port = _closed_port() if request.param == "down" else request.getfixturevalue("silent_redis")
    _redis_cache(settings, port)
    yield request.param
    cache_backends._down_until.clear()


def test_settings_give_redis_short_timeouts_and_the_fail_safe_backend(monkeypatch):
    import importlib

    from kumppanuus import settings as site_settings

    monkeypatch.setenv("CACHE_URL", "redis://127.0.0.1:6399/3")
    try:
        reloaded = importlib.reload(site_settings)
        config = reloaded.CACHES["default"]
    finally:
        monkeypatch.undo()
        importlib.reload(site_settings)
    assert config["BACKEND"] == "kumppanuus.cache_backends.FailSafeRedisCache"
    assert config["OPTIONS"]["socket_connect_timeout"] <= 0.5
    assert config["OPTIONS"]["socket_timeout"] <= 0.5


def test_every_public_page_renders_uncached(client, demo_data, broken_redis):
    for url in PUBLIC_PAGE_TYPES:
        response = client.get(url)
        assert response.status_code == 200, (broken_redis, url, response.status_code)
        assert "X-Page-Cache" not in response or response["X-Page-Cache"] == "miss"


def test_a_dead_redis_costs_one_timeout_not_one_per_request(client, demo_data, broken_redis):
    client.get("/ohjelma/")
    started = time.perf_counter()
    for _ in range(5):
        assert client.get("/ohjelma/").status_code == 200
    assert time.perf_counter() - started < 5 * 0.2


def test_healthz_says_degraded_but_stays_in_the_load_balancer(client, db, broken_redis, caplog):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "degraded"}
    assert "healthz: cache did not answer" in caplog.text


def test_healthz_says_ok_with_a_working_cache(client, db):
    assert client.get("/healthz").json()["cache"] == "ok"


def test_an_idea_is_stored_and_answered_and_rate_limit_fails_open_with_a_warning(
    client, db, broken_redis, caplog
):
    caplog.set_level(logging.WARNING)
    page = client.get("/kehittamisideat/")
    token = page.context["form"]["submission_token"].value()
    response = client.post(
        "/kehittamisideat/",
        {
            "topic": "muu",
            "message": "Idea, joka tuli Redisin ollessa alhaalla.",
            "submission_token": token,
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("/kehittamisideat/kiitos/")
    assert Idea.objects.filter(message="Idea, joka tuli Redisin ollessa alhaalla.").count() == 1
    assert "cache unavailable" in caplog.text
