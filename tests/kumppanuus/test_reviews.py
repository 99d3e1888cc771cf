import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

from kumppanuus import services
from kumppanuus.models import AnnualReview, Highlight, ReviewSection
from programme.models import AssessmentRound
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_2020_review_shows_computed_figures_next_to_staff_text(client, demo_data):
    page = client.get("/vuosikatsaus/2020/").content.decode()
    assert "Kumppanuusvuosikatsaus 2020: hyvällä rytmillä kohti tulevaa" in page
    assert "28 (97\u00a0%) oli vähintään valmistelussa" in page
    assert "9 (31\u00a0%) käynnissä ja 18 (62\u00a0%) vakiintunutta toimintaa" in page
    assert "88\u00a0% vastaajista oli samaa mieltä" in page
    assert "10 kumppanuusverkostoa ja 3 älykkään erikoistumisen työryhmää" in page
    assert "Poikkeusoloista huolimatta työ kantaa tulosta" in page
    assert "Digisaapas-hanke" in page and "Tiekartta tai suunnitelma" in page
    assert "Järjestöfoorumi 2020" in page  # an event of the year
    assert "Aino Virtanen" in page
    assert 'href="/kehittamisideat/"' in page


def test_draft_figures_follow_the_data(client, demo_data):
    """A draft's figures are computed, not typed: changing a status or a section changes the
    preview, though the body drawn before is kept (fragments.py) in the same process."""
    from programme.models import MeasureStatus

    round_2021 = AssessmentRound.objects.get(year=2021)
    top = round_2021.programme.levels.get(rank=4)
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    before = client.get("/vuosikatsaus/2021/").content.decode()
    assert "29 (100\u00a0%) valmis" not in before
    MeasureStatus.objects.filter(round=round_2021).update(level=top)
    draft = AnnualReview.objects.get(year=2021)
    ReviewSection.objects.create(review=draft, heading="Luku", body="Uusi luku R14.", order=9)
    page = client.get("/vuosikatsaus/2021/").content.decode()
    assert "29 (100\u00a0%) valmis" in page and "Uusi luku R14." in page


def test_published_review_follows_its_stored_figures(client, demo_data):
    """A published review's body is kept by its stored figures' JSON text (fragments.py):
    figures stored anew (unpublished and published again) show at once in the same process,
    in each language its own."""
    review = AnnualReview.objects.get(year=2020)
    assert (
        "88\u00a0% vastaajista oli samaa mieltä"
        in client.get("/vuosikatsaus/2020/").content.decode()
    )
    client.get("/sv/vuosikatsaus/2020/")
    figures = review.figures
    figures["fi"]["barometer_sentence"] = "Uusi lause R15."
    figures["sv"]["barometer_sentence"] = "Ny mening R15."
    AnnualReview.objects.filter(pk=review.pk).update(figures=figures)
    assert "Uusi lause R15." in client.get("/vuosikatsaus/2020/").content.decode()
    swedish = client.get("/sv/vuosikatsaus/2020/").content.decode()
    assert "Ny mening R15." in swedish and "Uusi lause R15." not in swedish


def test_archive_lists_published_reviews_newest_first(client, demo_data):
    page = client.get("/vuosikatsaus/").content.decode()
    assert page.index("2020: hyvällä rytmillä") < page.index("2019: verkostot")
    assert "2021 (luonnos)" not in page


def test_draft_is_404_to_public_and_previewed_by_editors(client, demo_data):
    assert client.get("/vuosikatsaus/2021/").status_code == 404
    client.force_login(UserFactory(username="utelias"))
    assert client.get("/vuosikatsaus/2021/").status_code == 404
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    preview = client.get("/vuosikatsaus/2021/")
    assert preview.status_code == 200
    assert "Luonnos – ei julkaistu" in preview.content.decode()


def test_contact_person_cannot_preview_drafts(client, demo_data):
    client.login(username="yhteyshenkilo", password="kumppanuus-demo-2026")
    assert client.get("/vuosikatsaus/2021/").status_code == 404


def test_publish_refused_while_round_is_open(demo_data):
    review = AnnualReview.objects.get(year=2021)
    with pytest.raises(ValidationError) as error:
        services.review_publish(review=review)
    assert "Arviointikierros 2021 on vielä auki" in " ".join(error.value.messages)
    review.refresh_from_db()
    assert review.state == "draft"


def test_publish_refused_while_survey_results_unpublished(demo_data):
    AssessmentRound.objects.filter(year=2021).update(state="closed")
    review = AnnualReview.objects.get(year=2021)
    review.survey.results_published = False
    review.survey.save()
    with pytest.raises(ValidationError) as error:
        services.review_publish(review=review)
    assert "Barometrin 2021 tuloksia ei ole julkaistu" in " ".join(error.value.messages)


def test_publish_and_unpublish_through_admin_actions(client, demo_data):
    archive = "/vuosikatsaus/"
    assert 'href="/vuosikatsaus/2021/"' not in client.get(archive).content.decode()
    AssessmentRound.objects.filter(year=2021).update(state="closed")
    review = AnnualReview.objects.get(year=2021)
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    confirm = client.post(
        "/admin/kumppanuus/annualreview/", {"action": "publish", "_selected_action": [review.pk]}
    )
    page = confirm.content.decode()
    assert "Arviointikierros 2021" in page and "Barometrikysely 2021" in page
    assert "Tallennettavat luvut" in page and "vastaajista oli samaa mieltä" in page
    review.refresh_from_db()
    assert not review.is_published  # nothing happens before the confirmation
    client.post(
        "/admin/kumppanuus/annualreview/",
        {"action": "publish", "_selected_action": [review.pk], "confirm": "yes"},
    )
    review.refresh_from_db()
    assert review.is_published and review.published_at
    assert AssessmentRound.objects.get(year=2021).frozen_by_review
    client.logout()
    assert client.get("/vuosikatsaus/2021/").status_code == 200
    assert 'href="/vuosikatsaus/2021/"' in client.get(archive).content.decode()
    client.login(username="toimittaja", password="kumppanuus-demo-2026")
    client.post(
        "/admin/kumppanuus/annualreview/", {"action": "unpublish", "_selected_action": [review.pk]}
    )
    client.logout()
    assert client.get("/vuosikatsaus/2021/").status_code == 404
    assert 'href="/vuosikatsaus/2021/"' not in client.get(archive).content.decode()


def test_markdown_script_and_javascript_links_render_harmless(client, demo_data):
    review = AnnualReview.objects.get(year=2020)
    ReviewSection.objects.create(
        review=review,
        order=99,
        heading="Testi",
        body=(
            '<script>alert("x")</script>\n\n'
            "[klikkaa](javascript:alert(1)) <img src=x onerror=alert(1)>"
        ),
    )
    page = client.get("/vuosikatsaus/2020/").content.decode()
    assert '<script>alert("x")</script>' not in page
    assert 'href="javascript:' not in page
    assert "<img src=x" not in page


def test_home_features_latest_published_review(client, demo_data):
    page = client.get("/").content.decode()
    assert "Kumppanuusvuosikatsaus 2020: hyvällä rytmillä kohti tulevaa" in page
    assert "2021 (luonnos)" not in page


ATOM = "{http://www.w3.org/2005/Atom}"


def test_atom_feed_is_valid_xml_with_only_published_reviews(client, demo_data):
    root = ET.fromstring(client.get("/vuosikatsaus/syote.xml").content)
    titles = [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]
    assert titles == [
        "Kumppanuusvuosikatsaus 2020: hyvällä rytmillä kohti tulevaa",
        "Kumppanuusvuosikatsaus 2019: verkostot vakiinnuttivat toimintaansa",
    ]


def test_sitemap_lists_public_pages_only(client, demo_data):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = [loc.text for loc in root.iter(f"{ns}loc")]
    assert any(url.endswith("/vuosikatsaus/2020/") for url in locations)
    assert not any(url.endswith("/vuosikatsaus/2021/") for url in locations)
    assert any(url.endswith("/verkostot/matkailu/") for url in locations)
    assert any(url.endswith("/barometri/2020/") for url in locations)
    assert not any("/barometri/2022/" in url for url in locations)
    assert not any("/admin/" in url for url in locations)


def test_robots_txt(client, db):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body and "Sitemap:" in body


def test_review_history_is_kept(demo_data):
    review = AnnualReview.objects.get(year=2020)
    review.title = "Uusi otsikko"
    review.save()
    assert review.history.first().title == "Uusi otsikko"
    assert review.history.count() >= 2


def test_review_query_count_constant_with_20_years_of_reviews(demo_data, count_queries):
    small = (
        count_queries("/vuosikatsaus/2020/"),
        count_queries("/vuosikatsaus/"),
        count_queries("/"),
    )
    review = AnnualReview.objects.get(year=2020)
    for year in range(2030, 2050):
        extra = AnnualReview.objects.create(
            year=year,
            title=f"Katsaus {year}",
            lead="…",
            state="published",
            assessment_round=review.assessment_round,
            survey=review.survey,
        )
        Highlight.objects.bulk_create(
            Highlight(review=extra, category="hanke", title=f"Nosto {i}") for i in range(30)
        )
    Highlight.objects.bulk_create(
        Highlight(review=review, category="muu", title=f"Lisä {i}") for i in range(30)
    )
    large = (
        count_queries("/vuosikatsaus/2020/"),
        count_queries("/vuosikatsaus/"),
        count_queries("/"),
    )
    assert large == small
