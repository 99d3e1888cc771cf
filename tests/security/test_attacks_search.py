"""Outside attacks on the site search (an outside tester's): what a public page shows, search
finds in that page's language, also after an editor's save in any admin language or an admin
action; what no public page shows is never found, whatever the query; search never answers 500
and never shows content's markup. Holes it found, now fixed:

- text a Swedish or English page shows in Finnish (no translation: modeltranslation falls back
  to Finnish) was not found by that page's search (both databases);
- on SQLite, upper and lower case of ä, ö, å were different letters to the search;
- a hit for an event of a network no longer active linked to the network's 404 page (and the
  event lists and calendar feeds still listed it);
- a query word starting with "quot" marked the inside of an escaped &quot; in the snippet;
- on PostgreSQL, a date or a web address a page shows was not found as shown.
"""

import re
from html import unescape

import pytest
from django.db import connection

from barometer.models import Question, Statement, Survey
from feedback.models import Idea
from kumppanuus.models import AnnualReview, Highlight
from networks.models import ContactPerson, Event, Network
from programme.models import AssessmentRound, Measure, Priority, Programme, StatusLevel
from tests.conftest import _field_data, admin_form_data

pytestmark = pytest.mark.django_db

full_text_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL full-text search"
)

PREFIX = {"fi": "", "sv": "/sv", "en": "/en"}
LANGUAGES = list(PREFIX)
PASSWORD = "kumppanuus-demo-2026"


def search_page(client, lang, query, **params):
    response = client.get(f"{PREFIX[lang]}/haku/", {"q": query, **params})
    assert response.status_code == 200, (lang, query, params, response.status_code)
    return response.content.decode()


def results(client, lang, query, **params):
    """The hits only (titles and snippets as text), never the page's echo of the query."""
    html = search_page(client, lang, query, **params)
    lists = re.findall(r'<ol class="list-unstyled search-results">(.*?)</ol>', html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", " ".join(lists)))


def leaks(client, queries, secrets):
    """(language, query, secret) of every search whose hits show a secret. `queries`: asked
    in every language, or {language: queries}."""
    if not isinstance(queries, dict):
        queries = dict.fromkeys(LANGUAGES, queries)
    found = []
    for lang, words in queries.items():
        for query in words:
            hits = results(client, lang, query)
            found += [(lang, query, secret) for secret in secrets if secret in hits]
    return found


def hit_links(client, lang, query, **params):
    html = search_page(client, lang, query, **params)
    return re.findall(r'<li class="mb-3"><a href="([^"]+)" class="fw-semibold">', html)


def page_text(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def login_editor(client):
    assert client.login(username="toimittaja", password=PASSWORD)


def admin_save(client, lang, path, pk, **changes):
    """Save an admin change page in the admin of `lang`, as its form would send it back."""
    url = f"{PREFIX[lang]}/admin/{path}/{pk}/change/"
    data = admin_form_data(client.get(url), **changes)
    for name in [name for name, value in changes.items() if value is None]:
        data.pop(name)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def admin_action(client, lang, path, action, pks, **extra):
    response = client.post(
        f"{PREFIX[lang]}/admin/{path}/",
        {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0", **extra},
    )
    assert response.status_code in (200, 302), response.status_code
    return response


def inline_index(data, prefix, pk):
    """The index of the inline form of row `pk` in admin POST data."""
    for key, value in data.items():
        if re.fullmatch(rf"{prefix}-\d+-id", key) and str(value) == str(pk):
            return int(key.split("-")[1])
    raise AssertionError(f"no {prefix} form for {pk}")


# --- 1. what a public page shows, search finds in that page's language ---------------------


@pytest.mark.parametrize(
    "url, shown, query",
    [
        ("/ohjelma/toimenpiteet/16/", "Edistetään Tunnin junan", "tunnin junan"),
        ("/barometri/2021/", "ilmapiiri on hedelmällinen", "ilmapiiri"),
        ("/vuosikatsaus/2019/", "verkostot vakiinnuttivat", "vakiinnuttivat"),
    ],
    ids=["measure", "statement", "review"],
)
def test_finnish_text_a_swedish_or_english_page_shows_is_found_in_that_language(
    client, demo_data, url, shown, query
):
    """An item without a Swedish or English text shows its Finnish one on the Swedish and
    English pages (modeltranslation's fallback); the search of those pages must find it."""
    missed = []
    for lang in ("sv", "en"):
        assert shown in page_text(client, PREFIX[lang] + url), lang
        if shown not in results(client, lang, query):
            missed.append(lang)
    assert not missed, f"shown on the {missed} page but not found by its search"


def test_network_whose_swedish_name_an_editor_clears_is_found_by_the_name_its_page_shows(
    client, demo_data
):
    network = Network.objects.get(slug="matkailu")
    login_editor(client)
    admin_save(client, "sv", "networks/network", network.pk, name_sv="")
    client.logout()
    assert "Matkailufoorumi" in page_text(client, "/sv/verkostot/matkailu/")
    assert "Matkailufoorumi" in results(client, "sv", "matkailufoorumi", tyyppi="verkostot")


@pytest.mark.parametrize("admin_lang", LANGUAGES)
def test_statement_priority_and_event_saved_in_any_admin_language_are_found(
    client, demo_data, admin_lang
):
    statement = Statement.objects.get(key="ilmapiiri")
    priority = Priority.objects.get(code="3", programme__slug="maakuntaohjelma-2018-2021")
    programme = priority.programme
    event = Event.objects.get(title__startswith="Koronasta elpyminen: matkailun")
    login_editor(client)
    admin_save(
        client,
        admin_lang,
        "barometer/statement",
        statement.pk,
        text_fi="Zorblaxfi väittämä",
        text_sv="Zorblaxsv påstående",
        text_en="Zorblaxen statement",
    )
    url = f"{PREFIX[admin_lang]}/admin/programme/programme/{programme.pk}/change/"
    data = admin_form_data(client.get(url))
    i = inline_index(data, "priorities", priority.pk)
    data.update(
        {
            f"priorities-{i}-title_fi": "Quuxalfi painopiste",
            f"priorities-{i}-title_sv": "Quuxalsv prioritering",
            f"priorities-{i}-title_en": "Quuxalen priority",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client.logout()
    # The contact person of Matkailufoorumi renames the network's event in the same language.
    assert client.login(username="yhteyshenkilo", password=PASSWORD)
    admin_save(client, admin_lang, "networks/event", event.pk, title="Vrokkeli tapahtuma")
    client.logout()
    missed = []
    for lang in LANGUAGES:
        found = results(client, lang, f"zorblax{lang}", tyyppi="barometri")
        if f"Zorblax{lang}" not in found:
            missed.append(("statement", lang))
        found = results(client, lang, f"quuxal{lang}", tyyppi="painopisteet")
        if f"Quuxal{lang}" not in found:
            missed.append(("priority", lang))
        if "Vrokkeli tapahtuma" not in results(client, lang, "vrokkeli"):
            missed.append(("event", lang))
        if "ilmapiiri" in results(client, lang, "ilmapiiri", tyyppi="barometri"):
            missed.append(("old statement text still found", lang))
    assert not missed


@pytest.mark.parametrize("admin_lang", ["sv", "en"])
def test_review_edited_and_republished_through_admin_actions_in_any_language(
    client, demo_data, admin_lang
):
    """Unpublish (action), edit the review, a section and a highlight, publish (action): each
    language finds its title, every language the section and highlight; unpublished again, none."""
    review = AnnualReview.objects.get(year=2020)
    section = review.sections.order_by("order", "pk").first()
    highlight = review.highlights.order_by("pk").first()
    login_editor(client)
    path = "kumppanuus/annualreview"
    admin_action(client, admin_lang, path, "unpublish", [review.pk])
    assert AnnualReview.objects.get(pk=review.pk).state == "draft"
    url = f"{PREFIX[admin_lang]}/admin/{path}/{review.pk}/change/"
    data = admin_form_data(
        client.get(url),
        title_fi="Katsaus Blorptafi",
        title_sv="Översikt Blorptasv",
        title_en="Review Blorptaen",
    )
    data[f"sections-{inline_index(data, 'sections', section.pk)}-heading"] = "Gnarfoosi osio"
    data[f"highlights-{inline_index(data, 'highlights', highlight.pk)}-title"] = "Plimbus nosto"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    admin_action(client, admin_lang, path, "publish", [review.pk], confirm="yes")
    assert AnnualReview.objects.get(pk=review.pk).state == "published"
    client.logout()
    missed = []
    for lang in LANGUAGES:
        if f"Blorpta{lang}" not in results(client, lang, f"blorpta{lang}"):
            missed.append(("title", lang))
        if "Gnarfoosi osio" not in results(client, lang, "gnarfoosi"):
            missed.append(("section", lang))
        if "Plimbus nosto" not in results(client, lang, "plimbus"):
            missed.append(("highlight", lang))
    assert not missed
    login_editor(client)
    admin_action(client, admin_lang, path, "unpublish", [review.pk])
    client.logout()
    for lang in LANGUAGES:
        found = " ".join(
            results(client, lang, q) for q in (f"blorpta{lang}", "gnarfoosi", "plimbus")
        )
        assert "Blorpta" not in found and "Gnarfoosi" not in found and "Plimbus" not in found


def test_network_text_changed_in_one_language_or_bulk_edited_keeps_each_language(client, demo_data):
    """In the English admin an editor changes only the Swedish short description; then, in the
    Swedish admin, re-orders the networks on the list page (list_editable)."""
    network = Network.objects.get(slug="matkailu")
    login_editor(client)
    admin_save(client, "en", "networks/network", network.pk, short_description_sv="Snorkvist resor")
    listing = client.get("/sv/admin/networks/network/")
    formset = listing.context["cl"].formset
    data = {**_field_data(formset.management_form), "_save": "Spara"}
    for form in formset.forms:
        data.update(_field_data(form))
        data[f"{form.prefix}-order"] = str(100 - int(form["order"].value() or 0))
    assert client.post("/sv/admin/networks/network/", data).status_code == 302
    assert Network.objects.get(pk=network.pk).order == 100 - network.order
    client.logout()
    assert "Turismforumet" in results(client, "sv", "snorkvist", tyyppi="verkostot")
    assert "Matkailufoorumi" in results(client, "fi", "matkailufoorumi", tyyppi="verkostot")
    assert "Tourism Forum" in results(client, "en", "tourism forum", tyyppi="verkostot")
    assert "Snorkvist" not in results(client, "en", "snorkvist") + results(
        client, "fi", "snorkvist"
    )


def test_survey_results_unpublished_and_published_again_through_admin_actions(client, demo_data):
    Statement.objects.filter(key="ilmapiiri").update(
        text_sv="Klimatet i Egentliga Finland", text_en="The climate of Southwest Finland"
    )
    queries = {"fi": "ilmapiiri", "sv": "klimatet", "en": "climate"}
    login_editor(client)
    admin_action(
        client,
        "fi",
        "kumppanuus/annualreview",
        "unpublish",
        AnnualReview.objects.values_list("pk", flat=True),
    )
    published = list(Survey.objects.published().values_list("pk", flat=True))
    admin_action(client, "sv", "barometer/survey", "unpublish_results", published)
    assert not Survey.objects.published().exists()
    client.logout()
    for lang, query in queries.items():
        assert query not in results(client, lang, query, tyyppi="barometri").lower(), lang
    login_editor(client)
    admin_action(client, "en", "barometer/survey", "publish_results", published[:1])
    client.logout()
    for lang, query in queries.items():
        assert query in results(client, lang, query, tyyppi="barometri").lower(), lang


def test_search_ignores_the_case_of_the_scandinavian_letters(client, demo_data):
    """A visitor types a word as the page shows it, in lower or upper case."""
    cases = [
        ("fi", "älykkäästi", "Älykkäästi, Varsinais-Suomi!"),
        ("fi", "JÄRJESTÖFOORUMI", "Järjestöfoorumi"),
        ("sv", "SKÄRGÅRDS", "Skärgårds- och landsbygdsnätverket"),
    ]
    missed = [case for case in cases if case[2] not in results(client, case[0], case[1])]
    assert not missed


# --- 2. what no public page shows is never found ------------------------------------------


def test_measures_of_a_programme_with_only_an_open_round_are_found_once_the_round_closes(
    client, demo_data
):
    programme = Programme.objects.create(
        name="Maakuntaohjelma 2030", slug="mo-2030", first_year=2030, last_year=2033
    )
    StatusLevel.objects.create(programme=programme, rank=0, label="ei aloitettu")
    priority = Priority.objects.create(
        programme=programme,
        code="1",
        title_fi="Salaisuusvyöhyke",
        title_sv="Hemlighetszonen",
        title_en="Secrecy zone",
    )
    Measure.objects.create(
        programme=programme,
        priority=priority,
        code="1",
        title_fi="Kehitetään vetytalousklusteria",
        title_sv="Vätgasekonomiklustret utvecklas",
        title_en="Hydrogen economy cluster is developed",
    )
    assessment_round = AssessmentRound.objects.create(programme=programme, year=2030, state="open")
    queries = {
        "fi": ["vetytalousklusteria", "vetytalous", "vetytalousklusterin", "salaisuusvyöhyke"],
        "sv": ["vätgasekonomiklustret", "vätgas", "hemlighetszonen", "hemlighetszon"],
        "en": ["hydrogen", "hydro", "clusters", "secrecy", "secret"],
    }
    for lang, words in queries.items():
        for query in words:
            found = results(client, lang, query)
            for secret in ("vetytalous", "Vätgas", "Hydrogen", "Salaisuus", "Hemlighet", "Secrecy"):
                assert secret not in found, (lang, query)
    login_editor(client)
    admin_action(client, "sv", "programme/assessmentround", "close_rounds", [assessment_round.pk])
    client.logout()
    assert AssessmentRound.objects.get(pk=assessment_round.pk).state == "closed"
    assert "vetytalousklusteria" in results(client, "fi", "vetytalous")
    assert "Vätgasekonomiklustret" in results(client, "sv", "vätgasekonomiklustret")
    assert "Hydrogen economy" in results(client, "en", "hydrogen")


def test_draft_review_is_never_found_in_any_language_with_any_query_trick(client, demo_data):
    AnnualReview.objects.filter(year=2021).update(
        title_sv="Partnerskapsöversikt 2021 utkastet",
        title_en="Partnership review 2021 draftiness",
        lead_sv="Hemligt utkast om framtiden",
        lead_en="Secret draftiness about the future",
    )
    draft = AnnualReview.objects.get(year=2021)
    Highlight.objects.create(review=draft, category="muu", title="Luonnosnosto Vaikenevainen")
    queries = [
        "ohjelmakautta",
        "ohjelmakau",
        "ohjelmakaudella",
        "Kohti uutta",
        "ohjelmakautta:*",
        "ohjelmakautta | matkailu",
        "!matkailu & ohjelmakautta",
        "'ohjelmakautta'",
        "ＯＨＪＥＬＭＡＫＡＵＴＴＡ",
        "vaikenevainen",
        "luonnosnosto",
        "utkastet",
        "utkast",
        "hemligt",
        "draftiness",
        "draft",
        "secret",
        "2021",
    ]
    secrets = ("Kohti uutta ohjelmakautta", "Vaikenevainen", "utkast", "draftiness")
    assert not leaks(client, queries, secrets)


def test_statement_of_an_open_or_unpublished_survey_is_never_found(client, demo_data):
    hidden = Statement.objects.create(
        key="salainen",
        text_fi="Kuntaliitosväittämä pysyy piilossa",
        text_sv="Kommunsammanslagningspåståendet förblir dolt",
        text_en="The municipal merger statement stays hidden",
    )
    Question.objects.create(
        survey=Survey.objects.get(year=2022), kind="likert", statement=hidden, order=99
    )
    closed = Survey.objects.create(year=2023, title="Barometri 2023", state="closed")
    Question.objects.create(survey=closed, kind="likert", statement=hidden, order=1)
    queries = {
        "fi": ["kuntaliitosväittämä", "kuntaliitos", "piilossa", "pysyy"],
        "sv": ["kommunsammanslagningspåståendet", "kommunsammanslagning", "dolt"],
        "en": ["municipal merger", "merger", "merg", "hidden", "stays"],
    }
    assert not leaks(client, queries, ("Kuntaliitos", "Kommunsammanslagning", "municipal merger"))


def test_network_deactivated_in_the_admin_is_never_found_nor_its_own_contact(client, demo_data):
    network = Network.objects.get(slug="matkailu")
    login_editor(client)
    admin_save(client, "sv", "networks/network", network.pk, active=None)
    client.logout()
    assert not Network.objects.get(pk=network.pk).active
    assert client.get("/verkostot/matkailu/").status_code == 404
    queries = {
        "fi": ["Matkailufoorumi", "matkailufoorumin", "Laura Nieminen", "matkailuasiantuntija"],
        "sv": ["Turismforumet", "turism", "Laura Nieminen"],
        "en": ["Tourism Forum", "tourism", "Nieminen"],
    }
    secrets = ("Matkailufoorumi", "Turismforumet", "Tourism Forum", "Laura Nieminen")
    assert not leaks(client, queries, secrets)


def test_every_search_hit_links_to_a_public_page(client, demo_data):
    """A hit's link must answer 200: an event of a network that is no longer active links to
    the network's page, which answers 404 to the public."""
    Network.objects.filter(slug="matkailu").update(active=False)
    broken = []
    for lang in LANGUAGES:
        for url in hit_links(client, lang, "koronasta elpyminen"):
            if client.get(url).status_code != 200:
                broken.append((lang, url))
    assert not broken


def test_contact_details_and_idea_senders_are_never_found(client, demo_data):
    ContactPerson.objects.filter(name="Aino Virtanen").update(
        email="salaposti.osoite@piilopaikka.fi", phone="+358 40 765 4321"
    )
    idea = Idea.objects.first()
    Idea.objects.filter(pk=idea.pk).update(
        name="Ideoija Salanimi",
        email="ideoija@yksityisposti.fi",
        consent_to_contact=True,
        organisation="Yksityisyhdistys",
        public_response="Kiitos, asiaa edistetään.",
    )
    queries = [
        "salaposti",
        "piilopaikka",
        "piilopaikka.fi",
        "salaposti.osoite@piilopaikka.fi",
        "765 4321",
        "4321",
        "+358 40",
        "Salanimi",
        "ideoija",
        "yksityisposti",
        "ideoija@yksityisposti.fi",
        "Yksityisyhdistys",
    ]
    assert not leaks(client, queries, ("Aino", "Salanimi", "piilopaikka", "4321", "ideoija@"))


# --- 3. never a 500, never content's markup ------------------------------------------------


ODD_QUERIES = [
    "ja",  # a Finnish stop word: an empty tsquery
    "och att",
    "the of in",
    "½² ³⁴",
    "𝔘" * 200,
    "ä" * 199,
    "ab " * 66,
    "١٢٣ ٤٥",
    "漢字 かな",
    "matkailu:A | !x <-> (y)",
    "\\' \\\\ matkailu\\",
    "x\u0301\u0301\u0301 ǅǆ ﬁﬂ",
    "ÅÄÖ" * 70,
    '"><script>alert(1)</script> matkailu',
]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_odd_queries_in_every_language_and_kind_never_answer_500(client, demo_data, lang):
    for query in ODD_QUERIES:
        assert "<script>alert" not in search_page(client, lang, query)
        for kind in ("verkostot", "toimenpiteet", "yhteyshenkilot", "barometri"):
            search_page(client, lang, query, tyyppi=kind, page="-1")


def test_markup_in_swedish_and_english_content_is_shown_escaped(client, demo_data):
    payload = '<img src=x onerror="alert(1)"> <script>alert(2)</script> <b>fet</b>'
    Network.objects.filter(slug="matkailu").update(
        short_description_sv=f"Turism {payload}", short_description_en=f"Tourism {payload}"
    )
    for lang, query in (("sv", "turism onerror"), ("en", "tourism script")):
        html = search_page(client, lang, query, tyyppi="verkostot")
        assert "search-results" in html, lang
        assert "<img" not in html and "<script>alert" not in html and "<b>fet" not in html, lang


def test_highlighting_does_not_break_escaped_characters(client, demo_data):
    """The snippet wraps matches in <mark> after escaping: a query word starting with "quot"
    also marks the inside of the &quot; of a straight double quote, and the page shows
    '&quot;' instead of '"'."""
    Network.objects.filter(slug="matkailu").update(
        short_description_en='Tourism under the "quota" rules'
    )
    html = search_page(client, "en", "quota", tyyppi="verkostot")
    assert "search-results" in html
    assert "&<mark>" not in html


@full_text_only
def test_dates_and_web_addresses_a_page_shows_are_found_as_shown(client, demo_data):
    Event.objects.create(
        title="Ruokaketjujen aamupäivä",
        description="Ilmoittaudu 15.2.2030 mennessä: www.ruokaketjut.fi",
        place="Turku",
        start="2030-03-01T08:00Z",
        end="2030-03-01T10:00Z",
    )
    assert "Ruokaketjujen aamupäivä" in results(client, "fi", "ruokaketjujen aamupäivä")
    missed = [
        query
        # PostgreSQL's parser keeps a web address whole: its tail ("ruokaketjut.fi") is no word
        for query in ("15.2.2030", "www.ruokaketjut.fi", "ruokaketjut")
        if "Ruokaketjujen aamupäivä" not in results(client, "fi", query)
    ]
    assert not missed
