"""Pages reach a browser gzipped: it asks with Accept-Encoding, as every browser does. Before,
every page went out uncompressed (the status matrix 68 KB where 7 KB would do)."""

import gzip
import pickle
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from feedback.models import Idea
from tests.pages import PUBLIC_PAGE_TYPES, event_page_path

pytestmark = pytest.mark.django_db

BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
TOKENS = re.compile(rb'name="(csrfmiddlewaretoken|submission_token)" value="[^"]*"')


def plain_and_gzipped(client, url):
    """The page as a client without and with gzip gets it (the gzipped one unpacked)."""
    plain = client.get(url)
    packed = client.get(url, headers=BROWSER)
    assert plain.status_code == packed.status_code == 200, url
    assert "Content-Encoding" not in plain, url
    assert packed["Content-Encoding"] == "gzip", url
    for response in (plain, packed):
        assert "Accept-Encoding" in response["Vary"], url  # a shared cache keeps them apart
    return plain.content, gzip.decompress(packed.content)


def without_tokens(html):
    return TOKENS.sub(rb"\1", html)


@pytest.mark.parametrize("kept", [False, True], ids=["drawn", "kept"])
def test_every_public_page_unpacks_to_the_plain_page(client, demo_data, settings, kept):
    settings.PAGE_CACHE_SECONDS = 300 if kept else 0
    cache.clear()
    for url in [*PUBLIC_PAGE_TYPES, event_page_path(), "/sv/", "/en/ohjelma/"]:
        plain, unpacked = plain_and_gzipped(client, url)
        assert without_tokens(unpacked) == without_tokens(plain), url
    cache.clear()


def test_a_kept_page_serves_both_encodings_from_one_entry(client, demo_data, page_cache):
    assert client.get("/ohjelma/", headers=BROWSER)["X-Page-Cache"] == "miss"
    packed = client.get("/ohjelma/", headers=BROWSER)
    plain = client.get("/ohjelma/")
    assert packed["X-Page-Cache"] == plain["X-Page-Cache"] == "hit"
    assert gzip.decompress(packed.content) == plain.content
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 3


def test_the_matrix_travels_in_a_fraction_of_its_size(client, demo_data):
    plain = client.get("/ohjelma/matriisi/?vuosi=2020")
    packed = client.get("/ohjelma/matriisi/?vuosi=2020", headers=BROWSER)
    assert len(packed.content) < len(plain.content) / 5


def test_each_gzipped_copy_of_a_kept_form_has_its_own_working_token(client, demo_data, page_cache):
    """The idea form is kept with its per-visitor fields punched out: they are filled in
    before the copy is packed, so no two visitors share a token and the form still posts."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    pages = [visitor.get("/kehittamisideat/", headers=BROWSER) for visitor in (first, second)]
    assert pages[1]["X-Page-Cache"] == "hit"
    fields = [
        dict(
            re.findall(
                r'name="(csrfmiddlewaretoken|submission_token)" value="([^"]+)"',
                gzip.decompress(page.content).decode(),
            )
        )
        for page in pages
    ]
    assert fields[0]["csrfmiddlewaretoken"] != fields[1]["csrfmiddlewaretoken"]
    assert fields[0]["submission_token"] != fields[1]["submission_token"]
    sent = second.post(
        "/kehittamisideat/",
        {
            **fields[1],
            "topic": "verkkosivut",
            "message": "Lomake tuli pakattuna ja lähtee silti perille asti.",
        },
    )
    assert sent.status_code == 302, sent.content.decode()[:500]
    assert Idea.objects.filter(message__startswith="Lomake tuli pakattuna").count() == 1


def test_an_entry_kept_by_the_release_before_is_still_served(client, demo_data, page_cache):
    """A deploy that keeps the static files keeps the cache keys: entries kept by the code
    before (no packed copy) are served, packed on the way out."""
    client.get("/verkostot/")
    kept = cache._cache  # locmem's own store: key → pickled response
    assert kept, "the page was not kept"
    stripped = 0
    for key, value in list(kept.items()):
        response = pickle.loads(value)
        if hasattr(response, "gzipped"):
            del response.gzipped
            kept[key] = pickle.dumps(response)
            stripped += 1
    assert stripped == 1
    packed = client.get("/verkostot/", headers=BROWSER)
    assert packed["X-Page-Cache"] == "hit" and packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == client.get("/verkostot/").content


def test_an_export_is_gzipped_whole(client, demo_data):
    for url in ["/avoin-data/toimenpiteiden-tilat.csv", "/avoin-data/barometri.json"]:
        plain = client.get(url)
        assert plain.status_code == 200, url
        packed = client.get(url, headers=BROWSER)
        as_bytes = [
            b"".join(r.streaming_content) if r.streaming else r.content for r in (plain, packed)
        ]
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(as_bytes[1]) == as_bytes[0]


def test_a_static_file_is_left_to_whitenoise(settings):
    """WhiteNoise answers before the pages' gzip: a static file is never packed by the app (in
    production WhiteNoise sends its own pre-compressed copy; here, with no collected files, it
    serves the source file as it is)."""
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/css/site.css", headers=BROWSER)
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_bytes()


def test_the_admin_and_its_sign_in_pages_are_never_packed(client, demo_data, settings):
    """They show personal data and the second factor's secret next to echoed input: a
    compressed length would leak a guess's rightness (BREACH)."""
    from django.contrib.auth import get_user_model

    admin = "/" + settings.ADMIN_URL
    for url in [f"{admin}login/", f"{admin}salasana/"]:
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response, url
    client.force_login(get_user_model().objects.get(username="toimittaja"))
    for url in [admin, f"{admin}feedback/idea/?q=a", f"{admin}kaksivaihe/kayttoonotto/"]:
        response = client.get(url, headers=BROWSER)
        assert response.status_code in (200, 302), url
        assert "Content-Encoding" not in response, url
