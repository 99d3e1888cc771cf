"""The stakeholder's idea form: counter, resend, rate limit and CSRF pages keep the text."""

import re
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from feedback.models import Idea

pytestmark = pytest.mark.django_db

FORM = "/kehittamisideat/"
TEXT = "Verkostojen tapahtumat yhteen kalenteriin, jonka voi tilata."
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()


def data(**changes):
    values = {
        "topic": "verkkosivut",
        "message": TEXT,
        "submission_token": str(uuid.uuid4()),
        **changes,
    }
    return values


def test_counter_is_progressive_enhancement_from_the_sites_own_file(client):
    page = client.get(FORM).content.decode()
    textarea = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'data-counter="{count} / {max} merkkiä"' in textarea
    assert 'maxlength="4000"' in textarea
    assert '<script src="/static/js/site.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)  # no inline script (CSP)
    script = (ROOT / "static" / "js" / "site.js").read_text()
    assert "textarea[data-counter]" in script and "aria-live" in script


def test_back_and_send_again_stores_one_idea(client):
    assert client.post(FORM, data()).status_code == 302
    # Back in the browser, the page reloaded with a new token, the same text sent again.
    assert client.post(FORM, data()).status_code == 302
    assert Idea.objects.count() == 1
    idea = Idea.objects.get()
    assert idea.client_hash and "127.0.0.1" not in idea.client_hash
    assert len(idea.client_hash) == 64


def test_same_text_from_another_client_is_another_idea(client):
    client.post(FORM, data(), REMOTE_ADDR="198.51.100.1")
    client.post(FORM, data(), REMOTE_ADDR="198.51.100.2")
    assert Idea.objects.count() == 2


def test_new_text_from_the_same_client_is_a_new_idea(client):
    client.post(FORM, data())
    client.post(FORM, data(message=TEXT + " Ja toinen ajatus."))
    assert Idea.objects.count() == 2


def test_missing_csrf_cookie_gives_the_form_back_in_finnish_with_the_text():
    response = Client(enforce_csrf_checks=True).post(FORM, data())
    assert response.status_code == 403
    page = response.content.decode()
    assert "Lomakkeen istunto oli vanhentunut" in page
    assert TEXT in page
    assert 'name="csrfmiddlewaretoken"' in page  # a fresh token: sending again works
    assert Idea.objects.count() == 0


def test_csrf_failure_elsewhere_is_a_styled_finnish_page():
    response = Client(enforce_csrf_checks=True).post("/kehittamisideat/koonti/", {"a": "b"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Lomakkeen istunto oli vanhentunut" in page and 'lang="fi"' in page
    assert "CSRF verification failed" not in page


def hidden_value(page, name):
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_the_blank_form_kept_between_visitors_carries_each_visitors_own_tokens(settings):
    """Without the page cache, the blank form's fields are drawn once per language and kept
    (fragments.py): each visitor still gets tokens of their own inside the form, in their
    own language, and sends the idea with them."""
    settings.PAGE_CACHE_SECONDS = 0
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    pages = [visitor.get(FORM).content.decode() for visitor in visitors for _ in range(2)]
    for name in ("submission_token", "csrfmiddlewaretoken"):
        assert len({hidden_value(page, name) for page in pages}) == len(pages), name
    form = re.search(r'<form novalidate method="post">.*?</form>', pages[0], re.S).group(0)
    assert form.count('name="submission_token"') == 1 and 'name="message"' in form
    swedish = Client().get("/sv" + FORM).content.decode()
    assert "Mitä ideasi koskee?" in pages[0] and "Mitä ideasi koskee?" not in swedish
    visitor, page = visitors[1], pages[3]
    sent = data(submission_token=hidden_value(page, "submission_token"))
    sent["csrfmiddlewaretoken"] = hidden_value(page, "csrfmiddlewaretoken")
    assert visitor.post(FORM, sent).status_code == 302
    assert Idea.objects.get().message == TEXT


def test_an_invalid_form_comes_back_with_its_own_text_and_errors(settings):
    settings.PAGE_CACHE_SECONDS = 0
    Client().get(FORM)  # the blank form is kept first
    response = Client().post(FORM, data(message="Lyhyt"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Kerro ideasi vähintään 10 merkillä." in page and ">\nLyhyt</textarea>" in page
    assert 'value="verkkosivut"  id="id_topic_0" required checked' in page
    assert Idea.objects.count() == 0
