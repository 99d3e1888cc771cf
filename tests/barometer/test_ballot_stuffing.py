"""Issue 11 item 6: one client cannot stuff the barometer, and editors see where answers
came from (network blocks only, never addresses)."""

import pytest

from barometer.models import Response, Survey
from tests.barometer.test_views import form_data

pytestmark = pytest.mark.django_db

FORM_URL = "/barometri/2022/vastaa/"


@pytest.fixture
def open_survey(demo_data, settings):
    settings.SURVEY_RATE_LIMIT = "3/h"
    settings.TRUSTED_PROXY_COUNT = 0
    return Survey.objects.get(year=2022)


def answer(client, survey, address):
    client.cookies.clear()  # a fresh browser each time: the "answered" cookie is no obstacle
    return client.post(FORM_URL, form_data(survey), REMOTE_ADDR=address)


def test_one_client_with_fresh_cookies_is_stopped_with_a_finnish_429(client, open_survey):
    before = Response.objects.filter(survey=open_survey).count()
    statuses = [answer(client, open_survey, "198.51.100.23").status_code for _ in range(20)]
    assert statuses[:3] == [302] * 3
    assert set(statuses[3:]) == {429}
    assert Response.objects.filter(survey=open_survey).count() == before + 3
    page = answer(client, open_survey, "198.51.100.23")
    assert "Liian monta vastausta" in page.content.decode()
    assert answer(client, open_survey, "203.0.113.5").status_code == 302


def test_only_the_network_block_is_stored(client, open_survey):
    answer(client, open_survey, "198.51.100.23")
    answer(client, open_survey, "2001:db8:abcd:12::7")
    stored = set(
        Response.objects.filter(survey=open_survey, source="web").values_list(
            "client_network", flat=True
        )
    )
    assert {"198.51.100.0/24", "2001:db8:abcd::/48"} <= stored
    assert not any("198.51.100.23" in value or "::7" in value for value in stored)


def test_editors_see_answers_per_network_block(client, open_survey, settings):
    settings.SURVEY_RATE_LIMIT = "100/h"
    for host in range(4):
        answer(client, open_survey, f"198.51.100.{host + 1}")
    answer(client, open_survey, "203.0.113.5")
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="toimittaja"))
    page = client.get(f"/admin/barometer/survey/{open_survey.pk}/change/").content.decode()
    assert "<td>198.51.100.0/24</td><td>4</td>" in page
    assert "<td>203.0.113.0/24</td><td>1</td>" in page
    assert "198.51.100.1<" not in page
