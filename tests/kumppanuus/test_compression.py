"""Pages reach a browser gzipped: it asks with Accept-Encoding, as every browser does. Before,
every page went out uncompressed (the status matrix 68 KB where 7 KB would do)."""

import gzip
import zlib
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from feedback.models import Idea
from tests.pages import (
    PUBLIC_PAGE_TYPES,
    event_page_path,
    per_visitor_values,
    without_per_visitor_values,
)

pytestmark = pytest.mark.django_db

BROWSER = {"Accept-Encoding": "gzip, deflate, br"}


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
    return without_per_visitor_values(html.decode())


@pytest.mark.parametrize("kept", [False, True], ids=["drawn", "kept"])
def test_every_public_page_unpacks_to_the_plain_page(client, demo_data, settings, kept):
    settings.PAGE_CACHE_SECONDS = 300 if kept else 0
    cache.clear()
    for url in [*PUBLIC_PAGE_TYPES, event_page_path(), "/sv/", "/en/ohjelma/"]:
        plain, unpacked = plain_and_gzipped(client, url)
        assert without_tokens(unpacked) == without_tokens(plain), url
    cache.clear()


def test_one_miss_keeps_a_page_ready_for_both_encodings(client, demo_data, page_cache):
    """Kept plain and gzipped, each entry as it is sent: a hit reads only the bytes it sends
    (the 300k-status matrix: 10 KB from a shared Redis instead of 340 KB)."""
    assert client.get("/ohjelma/", headers=BROWSER)["X-Page-Cache"] == "miss"
    packed = client.get("/ohjelma/", headers=BROWSER)
    plain = client.get("/ohjelma/")
    assert packed["X-Page-Cache"] == plain["X-Page-Cache"] == "hit"
    assert gzip.decompress(packed.content) == plain.content
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content) / 3
    kept = sorted(len(value) for value in cache._cache.values())  # locmem: key → pickled entry
    assert len(kept) == 2
    assert kept[0] < len(packed.content) + 2000 < kept[1]


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
    fields = [per_visitor_values(gzip.decompress(page.content).decode()) for page in pages]
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


def test_a_kept_forms_packed_size_tells_nothing_of_its_tokens(demo_data, page_cache):
    """A hit packs the form from texts compressed when it was kept, with each visitor's tokens
    between them uncompressed: one well-formed gzip stream per hit, and the same length
    whatever the tokens are (a compressed length that moved with a secret is what BREACH
    reads)."""
    Client().get("/kehittamisideat/", headers=BROWSER)  # kept
    lengths, pages = set(), set()
    for _visitor in range(6):
        hit = Client().get("/kehittamisideat/", headers=BROWSER)
        assert hit["X-Page-Cache"] == "hit" and hit["Content-Encoding"] == "gzip"
        unpacker = zlib.decompressobj(wbits=31)  # gzip, one member, CRC and length checked
        page = unpacker.decompress(hit.content)
        assert unpacker.eof and unpacker.unused_data == b""
        assert int(hit["Content-Length"]) == len(hit.content) < len(page) / 2
        lengths.add(len(hit.content))
        pages.add(page)
    assert len(lengths) == 1
    assert len(pages) == 6  # every visitor's own tokens
    plain = Client().get("/kehittamisideat/")
    assert without_tokens(plain.content) == without_tokens(pages.pop())


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
