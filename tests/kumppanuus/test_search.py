import pytest
from django.db import connection

from kumppanuus.models import AnnualReview
from networks.models import Event, Network
from programme.models import AssessmentRound
from tests.conftest import admin_form_data

pytestmark = pytest.mark.django_db

full_text_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Finnish stemming needs PostgreSQL full-text search"
)


def search(client, query, **params):
    response = client.get("/haku/", {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_finds_networks_events_measures_reviews_and_statements(client, demo_data):
    assert "Matkailufoorumi" in search(client, "matkailu")
    assert "Järjestöfoorumi 2020" in search(client, "järjestöfoorumi")
    assert "Tunnin junan" in search(client, "tunnin junan")
    assert "Poikkeusoloista huolimatta" in search(client, "poikkeusoloista")
    assert "Digisaapas-hanke" in search(client, "digisaapas")
    assert "Varsinais-Suomen ilmapiiri" in search(client, "ilmapiiri")


def test_results_are_grouped_with_snippets_and_highlighted_safely(client, demo_data):
    Network.objects.filter(slug="matkailu").update(
        short_description="<b>matkailu</b> & <script>x</script>"
    )
    page = search(client, "matkailu")
    assert "Verkostot ja työryhmät" in page
    assert "<mark>" in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page


@full_text_only
def test_finnish_stemming_finds_inflected_forms(client, demo_data):
    Event.objects.create(
        title="Matkailufoorumin kevätkokous",
        place="Turku",
        start="2030-03-01T10:00Z",
        end="2030-03-01T12:00Z",
    )
    assert "Matkailufoorumin kevätkokous" in search(client, "matkailun")
    assert "Avoimen tiedon verkosto" in search(client, "verkostojen")


def test_sqlite_fallback_is_case_insensitive(client, demo_data):
    assert "Matkailufoorumi" in search(client, "MATKAILUFOORUMI")


def test_drafts_and_open_rounds_are_never_found(client, demo_data):
    assert "2021 (luonnos)" not in search(client, "luonnos")
    assert "Kohti uutta ohjelmakautta" not in search(client, "ohjelmakautta")
    AssessmentRound.objects.filter(programme__slug="maakuntaohjelma-2018-2021").update(state="open")
    assert "Tunnin junan" not in search(client, "tunnin junan")


def test_unpublished_review_and_survey_content_not_found(client, demo_data):
    AnnualReview.objects.filter(year=2020).update(state="draft")
    assert "Digisaapas" not in search(client, "digisaapas")
    from barometer.models import Survey

    Survey.objects.update(results_published=False)
    assert "Varsinais-Suomen ilmapiiri" not in search(client, "ilmapiiri")


def test_personal_data_is_never_found(client, demo_data):
    from feedback.models import Idea

    Idea.objects.update(name="Hakutesti Henkilö")
    assert "Hakutesti" not in search(client, "hakutesti")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", "Hae verkostoja"),
        ("a", "Kirjoita vähintään kaksi merkkiä."),
        ("x" * 1000, "200 ensimmäisellä merkillä"),
        ("\x01verkosto\u202e", "tulos"),
        ("🙂🙂 ÅÄÖ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "aulla ”"),
        ("' OR 1=1 --", "aulla ”"),
        ("&|!:*()<>", "ei löytynyt"),
    ],
)
def test_odd_queries_answer_with_a_clear_page(client, demo_data, query, expected):
    assert expected in search(client, query)


def test_nul_byte_in_the_query_is_refused_with_the_400_page(client, db):
    response = client.get("/haku/", {"q": "\x00verkosto"})
    assert response.status_code == 400
    assert "Virheellinen pyyntö" in response.content.decode()


def test_words_that_match_nothing_find_nothing(client, demo_data):
    for prefix in ("", "/sv", "/en"):
        page = client.get(f"{prefix}/haku/", {"q": "qwxzy zzqqk"}).content.decode()
        assert "search-results" not in page and "Matkailufoorumi" not in page, prefix
        assert "<mark>" not in page


def test_contact_persons_are_found_by_name_without_email_or_phone(client, demo_data):
    from networks.models import ContactPerson

    person = ContactPerson.objects.get(name="Aino Virtanen")
    ContactPerson.objects.filter(pk=person.pk).update(email="aino.haku@example.fi", phone="02 123")
    for prefix in ("", "/sv", "/en"):
        page = client.get(f"{prefix}/haku/", {"q": "Virtanen"}).content.decode()
        assert "Aino Virtanen" in page and "kehittämispäällikkö" in page, prefix
        assert f"{prefix}/verkostot/" in page
        assert "aino.haku@example.fi" not in page and "02 123" not in page
    page = client.get("/haku/", {"q": "aino.haku@example.fi"}).content.decode()
    assert "Aino Virtanen" not in page


@full_text_only
@pytest.mark.parametrize(
    "prefix, query, found, not_found",
    [
        ("", "ympäristöverkostojen", "Ympäristöverkosto", None),
        ("/sv", "miljönätverkets", "Miljönätverket", None),
        ("/en", "networks", "Open Data Network", None),
        ("/sv", "ympäristöverkosto", None, "Miljönätverket"),
        ("/en", "nätverket", None, "Open Data Network"),
    ],
)
def test_each_language_searches_its_own_fields_with_its_own_stemming(
    client, demo_data, prefix, query, found, not_found
):
    page = client.get(f"{prefix}/haku/", {"q": query, "tyyppi": "verkostot"}).content.decode()
    if found:
        assert found in page, (prefix, query)
    if not_found:
        assert not_found not in page, (prefix, query)


def test_kind_filter_paginates(client, demo_data):
    Event.objects.bulk_create(
        Event(
            title=f"Hakutapahtuma {i}",
            place="Turku",
            start="2030-03-01T10:00Z",
            end="2030-03-01T12:00Z",
        )
        for i in range(45)
    )
    first = search(client, "hakutapahtuma", tyyppi="tapahtumat")
    assert "Sivu 1 / 3" in first
    assert (
        client.get(
            "/haku/", {"q": "hakutapahtuma", "tyyppi": "tapahtumat", "page": "x"}
        ).status_code
        == 200
    )
    assert client.get("/haku/", {"q": "hakutapahtuma", "tyyppi": "tuntematon"}).status_code == 200


def test_search_query_count_constant_with_ten_times_the_content(client, demo_data, count_queries):
    url = "/haku/?q=verkosto"
    small = count_queries(url)
    Network.objects.bulk_create(
        Network(slug=f"lisa-{i}", name=f"Lisäverkosto {i}", description="verkosto " * 5)
        for i in range(130)
    )
    Event.objects.bulk_create(
        Event(
            title=f"Verkosto {i}", place="Turku", start="2030-03-01T10:00Z", end="2030-03-01T12:00Z"
        )
        for i in range(110)
    )
    assert count_queries(url) == small


def test_every_page_has_a_search_box(client, demo_data):
    page = client.get("/verkostot/").content.decode()
    assert 'role="search"' in page and 'action="/haku/"' in page


@pytest.mark.parametrize("admin_language", ["sv", "en"])
@pytest.mark.parametrize(
    "admin_path, lookup, model_field, fi_query, fi_found",
    [
        ("networks/network", {"slug": "matkailu"}, "name", "matkailu", "Matkailufoorumi"),
        (
            "programme/measure",
            {"title_fi__startswith": "Kehitetään matkailun yhteismarkkinointia"},
            "title",
            "yhteismarkkinointia",
            "matkailun yhteismarkkinointia",
        ),
    ],
)
def test_a_save_in_any_admin_language_keeps_every_language_searchable(
    client, demo_data, admin_language, admin_path, lookup, model_field, fi_query, fi_found
):
    """An editor working in the Swedish or English admin saves a network or a measure: the
    Finnish text must stay findable in Finnish, the new Swedish and English texts in theirs."""
    from django.apps import apps

    model = apps.get_model(*admin_path.split("/"))
    row = model.objects.get(**lookup)
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    change = f"/{admin_language}/admin/{admin_path}/{row.pk}/change/"
    data = admin_form_data(
        client.get(change),
        **{f"{model_field}_sv": "Hakutestiord på svenska", f"{model_field}_en": "Searchtest words"},
    )
    response = client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client.logout()
    assert fi_found in search(client, fi_query)
    sv_page = client.get("/sv/haku/", {"q": "hakutestiord"}).content.decode()
    assert "Hakutestiord på svenska" in sv_page
    en_page = client.get("/en/haku/", {"q": "searchtest"}).content.decode()
    assert "Searchtest words" in en_page


@full_text_only
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_source_searches_through_its_full_text_index(demo_data, language):
    """The GIN index must be built from the very expression the search runs, or PostgreSQL
    reads every row. With every other way to reach a row priced out (sequential and plain index
    scans; nested loops, which could reach it through a join's key), each plan names its index."""
    from django.utils import translation

    from kumppanuus.search import SOURCES, matches

    with translation.override(language), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_indexscan", "enable_nestloop"):
            cursor.execute(f"SET LOCAL {setting} = off")
        for source in SOURCES:
            sql, params = matches(source, "verkosto").query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Index Scan on search_" in plan, (source.key, plan)
