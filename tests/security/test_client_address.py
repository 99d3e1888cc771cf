"""Issue 11 item 7: one client-address rule for the lockout and every rate limit, counters in
a store all workers share, and a store outage that fails open with a logged warning."""

import logging
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import InvalidCacheBackendError  # noqa: F401
from django.test import RequestFactory

from feedback.models import Idea
from kumppanuus.middleware import client_ip

pytestmark = pytest.mark.django_db

IDEAS = "/kehittamisideat/"


def request_from(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    "proxies, remote, forwarded, expected",
    [
        (0, "10.0.0.9", None, "10.0.0.9"),
        (0, "10.0.0.9", "198.51.100.7", "10.0.0.9"),  # no proxy: the header is the client's
        (1, "10.0.0.1", "198.51.100.7", "198.51.100.7"),
        (1, "10.0.0.1", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # forged entry left of ours
        (2, "10.0.0.1", "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (2, "10.0.0.1", "198.51.100.7", "10.0.0.1"),  # fewer entries than proxies
        (1, "10.0.0.1", "ei-osoite", "10.0.0.1"),  # malformed
        (1, "10.0.0.1", "", "10.0.0.1"),
        (1, "10.0.0.1", None, "10.0.0.1"),
        (1, "10.0.0.1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_rule(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request_from(remote, forwarded)) == expected


def idea():
    return {"topic": "muu", "message": "Hyvä idea, kiitos.", "submission_token": str(uuid.uuid4())}


def test_a_forged_forwarded_header_does_not_reset_the_idea_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = [
        client.post(
            IDEAS, idea(), REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        ).status_code
        for n in range(8)
    ]
    assert statuses.count(429) == 3, statuses
    assert Idea.objects.count() == 5


def test_behind_one_proxy_each_client_has_its_own_idea_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(5):
        assert (
            client.post(IDEAS, idea(), HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code
            == 302
        )
    assert (
        client.post(IDEAS, idea(), HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 429
    )
    other = client.post(IDEAS, idea(), HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert other.status_code == 302


@pytest.fixture
def lockout_backends(settings):
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


def login(client, password, forwarded):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "toimittaja", "password": password},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_a_proxy_an_attacker_locks_out_only_themselves(
    client, demo_data, lockout_backends, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(6):
        login(client, "väärä", "203.0.113.66")
    assert login(client, "kumppanuus-demo-2026", "203.0.113.66").status_code == 429
    editor = login(client, "kumppanuus-demo-2026", "198.51.100.7")
    assert editor.status_code == 302 and editor["Location"] == "/admin/"


def test_lockout_and_rate_limit_counters_are_in_shared_stores(settings):
    from axes.handlers.proxy import AxesProxyHandler

    assert type(AxesProxyHandler.get_implementation()).__name__ == "AxesDatabaseHandler"
    backend = settings.CACHES[settings.RATELIMIT_USE_CACHE]["BACKEND"]
    assert backend in {
        "kumppanuus.ratelimit_cache.DatabaseCache",
        "kumppanuus.cache_backends.FailSafeRedisCache",
    }


def test_two_cache_connections_count_together():
    """Two connections (as two workers would have) to the rate-limit store see one count."""
    first = caches.create_connection("ratelimit")
    second = caches.create_connection("ratelimit")
    assert first is not second
    assert first.add("yhteinen", 1, 60)
    assert not second.add("yhteinen", 1, 60)
    assert second.incr("yhteinen") == 2
    assert first.incr("yhteinen") == 3
    assert second.get("yhteinen") == 3


def test_a_store_outage_fails_open_with_a_warning(client, settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "kumppanuus.cache_backends.FailSafeRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2},
        },
    }
    caches["ratelimit"].close()
    with caplog.at_level(logging.WARNING, logger="kumppanuus.cache_backends"):
        statuses = [client.post(IDEAS, idea()).status_code for _ in range(7)]
    assert statuses == [302] * 7
    assert "rate limits fail open" in caplog.text
