"""Odd requests an attacker or a broken client sends: a 4xx with a page, never a 500.
Run on PostgreSQL too (DATABASE_URL=postgres://…): the NUL-byte faults are PostgreSQL's."""

import logging
import re
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from feedback.models import Idea

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/ohjelma/toimenpiteet/%00/",
        "/ohjelma/toimenpiteet/1/?ohjelma=%00",
        "/verkostot/a%00b/",
        "/tapahtumat/?verkosto=%00",
        "/haku/?q=ve%00rkosto&tyyppi=%00",
        "/ohjelma/matriisi/?vuosi=2020&verkosto=%00",
        "/sv/barometri/?vuosi=%00",
    ],
)
def test_nul_byte_in_path_or_parameter_is_a_4xx(client, demo_data, url):
    response = client.get(url)
    assert response.status_code in (400, 404), (url, response.status_code)
    assert "<h1>" in response.content.decode()  # the styled page, not a bare error


def test_nul_byte_in_a_posted_idea_is_a_4xx_and_nothing_is_stored(client, db):
    response = client.post(
        "/kehittamisideat/",
        {
            "topic": "muu",
            "message": "Idea, jossa on\x00 NUL-merkki keskellä.",
            "name": "N\x00",
            "submission_token": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 400
    assert not Idea.objects.exists()


def test_foreign_host_header_gets_the_400_page(db):
    response = Client(HTTP_HOST="evil.example").get("/")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Virheellinen pyyntö" in page and "evil.example" not in page


def test_double_slash_404_links_stay_on_site(client, db):
    response = client.get("/", PATH_INFO="//evil.example/")  # the client would parse a netloc
    assert response.status_code == 404
    links = re.findall(r'href="([^"]*)"', response.content.decode())
    assert links
    for link in links:
        assert not link.startswith("//") and "://evil.example" not in link, link
        assert "//evil.example" not in link, link


def test_newline_in_path_does_not_forge_a_log_line(client, db, caplog):
    caplog.set_level(logging.INFO, logger="kumppanuus.requests")
    client.get("/olematon%0AGET /admin/ 200 1.0ms/")
    lines = [r.getMessage() for r in caplog.records if r.name == "kumppanuus.requests"]
    assert len(lines) == 1
    assert "\n" not in lines[0] and "\r" not in lines[0]
    assert lines[0].startswith("GET /olematon\\nGET /admin/ 200 1.0ms/ 404 ")


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's in-memory test database takes no concurrent writers; CI runs this on PG",
)
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_posts_of_one_idea_store_one(settings):
    settings.IDEA_RATE_LIMIT = "100/m"
    token = str(uuid.uuid4())
    data = {
        "topic": "muu",
        "message": "Kahdeksan kertaa lähetetty idea.",
        "submission_token": token,
    }
    barrier = threading.Barrier(8)
    statuses = []

    def send():
        client = Client()
        barrier.wait()
        try:
            statuses.append(client.post("/kehittamisideat/", data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302] * 8
    assert Idea.objects.filter(submission_token=token).count() == 1
