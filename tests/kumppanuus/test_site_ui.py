"""The site's identity files, home page figures, charts, language fallbacks, demo content and
accessibility statement, checked from the outside."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import translation

from barometer.models import Survey
from barometer.selectors import survey_results_for
from kumppanuus import charts
from networks.models import Event, Network
from programme.models import AssessmentRound, Measure, MeasureStatus
from programme.progress import percent_text
from programme.selectors import round_figures_for
from programme.services import round_figures_store

pytestmark = pytest.mark.django_db


# --- identity ---------------------------------------------------------------------------


def test_favicon_ico_answers_at_the_root(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_every_page_links_icons_and_a_web_manifest(client, db):
    page = client.get("/verkostot/").content.decode()
    assert 'rel="icon" href="/favicon.ico"' in page
    assert re.search(r'rel="icon" href="/static/img/favicon[^"]*\.svg"', page)
    assert 'rel="apple-touch-icon"' in page
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    manifest = client.get("/sv/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest["Content-Type"] == "application/manifest+json"
    data = json.loads(manifest.content)
    assert data["lang"] == "sv" and data["start_url"] == "/sv/"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_header_has_wordmark_and_no_third_party_assets(client, db):
    page = client.get("/").content.decode()
    assert 'class="logo-mark"' in page and 'class="brand"' in page
    head = page.split("</head>")[0]
    assert not re.search(r'(src|href)="https?://', head.replace('href="http://testserver', ""))


# --- home page --------------------------------------------------------------------------


def test_home_shows_the_latest_figures_read_through_the_apps_functions(client, demo_data):
    latest = AssessmentRound.objects.latest_closed()
    figures = round_figures_for(latest)
    survey = Survey.objects.published().order_by("-year").first()
    headline = next(r for r in survey_results_for(survey).statements if r.statement.is_headline)
    page = client.get("/").content.decode()
    assert f"Maakuntaohjelma {latest.year}" in page
    assert percent_text(figures.at_least_second.share) in page
    assert f"({figures.at_least_second.count}/{figures.measure_count})" in page
    assert f'href="/ohjelma/?vuosi={latest.year}"' in page
    assert f"Kumppanuusbarometri {survey.year}" in page
    assert percent_text(headline.agree_share) in page
    assert 'href="/barometri/"' in page
    assert "10 kumppanuusverkostoa ja 3 älykkään erikoistumisen työryhmää" in page
    assert 'id="etusivu-ohjelma-title"' in page and 'id="etusivu-trendi-title"' in page
    assert "Kumppanuusvuosikatsaus 2020" in page


def test_home_figures_follow_the_data(client, demo_data):
    latest = AssessmentRound.objects.latest_closed()
    top = latest.programme.levels.order_by("-rank").first()
    MeasureStatus.objects.filter(round=latest).update(level=top)
    # A closed round's figures are stored when it closes: recompute them as closing does.
    round_figures_store(assessment_round=latest)
    page = client.get("/").content.decode()
    assert "(29/29)" in page and "100\u00a0%" in page


def test_kept_home_figures_follow_their_inputs_and_equal_the_live_ones(client, demo_data):
    """The figure cards are kept by the stored figures' JSON text and the rows beside them
    (fragments.py). Read live instead (figures not stored), they are the same page; and a
    level renamed or the headline given to another statement shows at once."""
    from barometer.models import Statement

    latest = AssessmentRound.objects.latest_closed()
    survey = Survey.objects.published().order_by("-year").first()
    stored = (latest.figures, survey.figures)
    page = client.get("/").content.decode()
    AssessmentRound.objects.filter(pk=latest.pk).update(figures=None)
    Survey.objects.filter(pk=survey.pk).update(figures=None)
    assert client.get("/").content.decode() == page
    AssessmentRound.objects.filter(pk=latest.pk).update(figures=stored[0])
    Survey.objects.filter(pk=survey.pk).update(figures=stored[1])
    assert client.get("/").content.decode() == page
    second = latest.programme.levels.order_by("rank")[1]
    second.label_fi = "Valmisteilla R15"
    second.save()
    assert "vähintään tasolla ”Valmisteilla R15”" in client.get("/").content.decode()
    other = Statement.objects.filter(is_headline=False, questions__survey=survey).first()
    Statement.objects.update(is_headline=False)
    Statement.objects.filter(pk=other.pk).update(is_headline=True)
    assert f"<q>{other.text}</q>" in client.get("/").content.decode()


def test_home_query_count_does_not_grow_with_statuses_and_answers(demo_data, count_queries):
    from tests.networks.test_queries import grow_networks

    small = count_queries("/")
    networks = grow_networks(groups=40, events_each=2)
    latest = AssessmentRound.objects.latest_closed()
    level = latest.programme.levels.order_by("rank").last()
    MeasureStatus.objects.bulk_create(
        MeasureStatus(measure=measure, network=network, round=latest, level=level)
        for measure in Measure.objects.filter(programme=latest.programme)
        for network in networks[:20]
    )
    assert count_queries("/") == small


# --- charts -----------------------------------------------------------------------------


def chart_svg(page, chart_id):
    match = re.search(rf'<svg[^>]*aria-labelledby="{chart_id}-title".*?</svg>', page, re.S)
    assert match, f"no chart {chart_id}"
    return match.group(0)


def test_a_chart_kept_from_an_earlier_request_follows_its_data_and_language(client, demo_data):
    """Charts are drawn once per distinct input: a changed label or another language must
    draw anew, never show what an earlier request drew."""
    before = chart_svg(client.get("/ohjelma/").content.decode(), "jakauma-kaavio")
    level = AssessmentRound.objects.latest_closed().programme.levels.order_by("rank").last()
    assert level.label in before
    level.label_fi = "Kokonaan uusi tasonimi"
    level.save()
    after = chart_svg(client.get("/ohjelma/").content.decode(), "jakauma-kaavio")
    assert "Kokonaan uusi tasonimi" in after
    swedish = chart_svg(client.get("/sv/ohjelma/").content.decode(), "jakauma-kaavio")
    assert level.label_sv and level.label_sv in swedish and "Kokonaan uusi" not in swedish


def test_a_chart_refuses_a_model_instance_as_its_data(demo_data):
    """A model instance could change under the same key; charts take plain values only."""
    from django.template import Context, Template

    level = AssessmentRound.objects.latest_closed().programme.levels.first()
    template = Template('{% load site_tags %}{% bar_chart rows title "kaavio" %}')
    rows = [("valmis", 1, 0.5, "#ffffff")]
    assert "Otsikko" in template.render(Context({"rows": rows, "title": "Otsikko"}))
    with pytest.raises(TypeError):
        template.render(Context({"rows": rows, "title": level}))


def test_time_axis_is_proportional_to_years_and_gaps_are_dashed():
    chart = charts.line_chart([(2014, 0.6), (2015, 0.7), (2018, 0.8), (2019, 0.85)])
    x = {int(p.label): p.x for p in chart["points"]}
    one_year = x[2015] - x[2014]
    assert x[2018] - x[2015] == pytest.approx(3 * one_year, abs=0.2)
    assert x[2019] - x[2018] == pytest.approx(one_year, abs=0.2)
    assert [s.gap for s in chart["segments"]] == [False, True, False]
    assert len(chart["ticks"]) == 6  # a tick for every year 2014–2019, labels only with data


def test_chart_text_stays_at_least_12_px_on_a_phone():
    assert charts.FONT * charts.PHONE_WIDTH / charts.WIDTH >= 12
    for chart in (
        charts.bar_chart([("valmis", 1, 0.5, "#ffffff")]),
        charts.line_chart([(2019, 0.5), (2020, 0.6)]),
        charts.diverging_bar([("a", 0.1)] * 6, ["#000000"] * 6),
        charts.stacked_years([(2020, [("valmis", 1, 1.0, "#ffffff")])]),
    ):
        assert chart["width"] <= charts.WIDTH and chart["font"] >= 18


def test_diverging_bar_has_a_scale_and_labelled_segments(client, demo_data):
    page = client.get("/barometri/2020/").content.decode()
    svg = page.split('class="chart chart-diverging"')[1].split("</svg>")[0]
    assert "← eri mieltä" in svg and "samaa mieltä →" in svg
    assert svg.count(">100\u00a0%<") == 2 and svg.count(">0\u00a0%<") == 1  # the scale
    assert re.search(r'text-anchor="middle" fill="#[0-9a-f]{6}">\d+\u00a0%<', svg)


def test_trend_sentence_names_the_years_without_a_survey():
    with translation.override("fi"):
        sentence = charts.trend_sentence([(2014, 0.6), (2015, 0.7), (2018, 0.8)])
    assert "60\u00a0% vuonna 2014" in sentence and "80\u00a0% vuonna 2018" in sentence
    assert "Kyselyä ei tehty vuosina 2016, 2017." in sentence


def test_programme_page_has_a_multi_year_chart_and_no_beside_wording(client, demo_data):
    page = client.get("/ohjelma/?vuosi=2020").content.decode()
    assert "Kehitys vuosina 2019–2020" in page
    figures = {r.year: round_figures_for(r) for r in AssessmentRound.objects.closed()}
    assert (
        f"osuus oli {percent_text(figures[2019].at_least_second.share)} vuonna 2019 ja "
        f"{percent_text(figures[2020].at_least_second.share)} vuonna 2020." in page
    )
    assert 'id="vuosikaavio-title"' in page
    assert "viereisessä" not in page
    assert "viereisessä" not in client.get("/barometri/").content.decode()


# --- languages and content --------------------------------------------------------------


def test_finnish_fallbacks_are_marked_lang_fi(client, demo_data):
    untranslated = Measure.objects.exclude(code__in=["1", "2", "3", "4", "5"]).first()
    translated = Measure.objects.get(code="1", programme=untranslated.programme)
    event = Event.objects.get(title="Koronasta elpyminen: matkailun webinaari")
    with translation.override("fi"):  # URLs without a language prefix
        urls = [untranslated.get_absolute_url(), translated.get_absolute_url()]
    page = client.get(f"/sv{urls[0]}").content.decode()
    assert '<h1 class="h2" lang="fi">' in page
    page = client.get(f"/sv{urls[1]}").content.decode()
    assert re.findall(r"<h1[^>]*>", page) == ['<h1 class="h2">']
    network_page = client.get("/en/verkostot/matkailu/").content.decode()
    assert "<h1>Tourism Forum</h1>" in network_page
    assert 'class="network-description">' in network_page  # English, no lang
    assert f'lang="fi">{event.title}' in client.get(f"/en/tapahtumat/{event.pk}/").content.decode()
    finnish = client.get("/verkostot/matkailu/").content.decode()
    main = finnish.split('id="sisalto"')[1].split("<footer")[0]
    assert 'lang="fi"' not in main  # nothing to mark on Finnish pages


def test_tables_of_many_rows_mark_finnish_fallbacks_row_by_row(client, demo_data):
    """The programme page's, a network page's and a measure page's tables are read as plain
    values, not through modeltranslation's model fields: each row still shows the page's
    language where there is a text in it and Finnish, marked, where there is not."""
    translated = Measure.objects.get(code="1", programme__measures__code="14")
    untranslated = Measure.objects.filter(programme=translated.programme, title_sv="").first()
    assert untranslated and translated.title_sv
    programme_page = client.get("/sv/ohjelma/").content.decode()
    assert f'/sv/ohjelma/toimenpiteet/1/">1. {translated.title_sv}</a>' in programme_page
    assert (
        f'/sv/ohjelma/toimenpiteet/{untranslated.code}/" lang="fi">{untranslated.code}. '
        in programme_page
    )
    finnish_programme = client.get("/ohjelma/").content.decode()
    assert f'/ohjelma/toimenpiteet/1/">1. {translated.title_fi}</a>' in finnish_programme
    noted = MeasureStatus.objects.public().exclude(note="").select_related("measure", "round")
    noted = noted.filter(measure__programme=translated.programme).latest("round__year")
    path = f"/ohjelma/toimenpiteet/{noted.measure.code}/?vuosi={noted.round.year}"
    table = client.get(f"/en{path}").content.decode().split("<tbody>")[-1]
    assert f'<td lang="fi">{noted.note}</td>' in table  # contact persons write in Finnish
    assert f"<td>{noted.note}</td>" in client.get(path).content.decode()
    measure_page = client.get("/en/ohjelma/toimenpiteet/14/").content.decode()
    table = measure_page.split("<tbody>")[-1].split("</tbody>")[0]
    assert '<a href="/en/verkostot/matkailu/">Tourism Forum</a>' in table


def test_matrix_badges_and_notes_mark_finnish_fallbacks(client, demo_data):
    """Matrix rows and filter options, status labels and contact persons' notes: the Finnish
    text shown on a Swedish or English page is marked for screen readers (WCAG 3.1.2)."""
    round_2020 = AssessmentRound.objects.get(year=2020)
    level = round_2020.programme.levels.get(rank=2)
    level.__class__.objects.filter(pk=level.pk).update(label_sv="")
    matrix = client.get("/sv/ohjelma/matriisi/?vuosi=2020").content.decode()
    untranslated = Measure.objects.filter(programme=round_2020.programme, title_sv="")
    shown = [m for m in untranslated if f"/sv/ohjelma/toimenpiteet/{m.code}/" in matrix]
    assert shown
    for measure in shown:
        assert f'/sv/ohjelma/toimenpiteet/{measure.code}/" lang="fi">{measure.code}.' in matrix
    assert '/sv/ohjelma/toimenpiteet/1/">1. ' in matrix  # Swedish title: nothing to mark
    assert f'<option value="2" lang="fi">{level.label_fi}</option>' in matrix
    assert 'data-rank="2" lang="fi"><svg' in matrix
    assert 'data-rank="1"><svg' in matrix  # its Swedish label
    programme_page = client.get("/sv/ohjelma/?vuosi=2020").content.decode()
    assert 'data-rank="2" lang="fi"><svg' in programme_page
    at_level = MeasureStatus.objects.filter(round=round_2020, level=level).select_related(
        "measure", "network"
    )[0]
    for path in (
        f"/sv/ohjelma/toimenpiteet/{at_level.measure.code}/?vuosi=2020",
        f"/sv/verkostot/{at_level.network.slug}/",
    ):
        assert 'data-rank="2" lang="fi"><svg' in client.get(path).content.decode(), path
    noted = MeasureStatus.objects.filter(round=round_2020, network__slug="luonnonvarat")
    note = noted.exclude(note="").first().note
    network_page = client.get("/en/verkostot/luonnonvarat/").content.decode()
    assert f'<div class="small mt-1" lang="fi">{note}</div>' in network_page
    finnish = client.get("/ohjelma/matriisi/?vuosi=2020").content.decode()
    assert 'lang="fi"' not in finnish.split('id="sisalto"')[1]


def test_demo_networks_and_real_measures_have_content_in_three_languages(demo_data):
    for network in Network.objects.all():
        for language in ("fi", "sv", "en"):
            assert getattr(network, f"description_{language}"), (network.slug, language)
            assert getattr(network, f"short_description_{language}"), (network.slug, language)
        assert "Kaikille avoin ryhmä teemana" not in network.short_description_fi
    measures = Measure.objects.filter(code__in=["1", "2", "3", "4", "5"])
    assert all(m.description_fi and m.description_sv and m.title_en for m in measures)
    notes = MeasureStatus.objects.filter(measure__in=measures, round__year=2020)
    assert notes.exclude(note__in=["", "–"]).count() >= 8


def test_review_2020_lead_in_swedish_and_english(client, demo_data):
    sv = client.get("/sv/vuosikatsaus/2020/").content.decode()
    assert "Partnerskapsöversikt 2020" in sv and "Egentliga Finland" in sv
    en = client.get("/en/vuosikatsaus/2020/").content.decode()
    assert "Partnership review 2020" in en


# --- accessibility statement ------------------------------------------------------------

STATEMENT_WORDS = {
    "": [
        "osittain",
        "30.11.2026",
        "Traficom",
        "aluehallintovirasto",
        "306/2019",
        "kirjaamo@varsinais-suomi.fi",
        "saavutettavuusvaatimukset.fi",
        "kahden viikon",
    ],
    "/sv": ["delvis", "30.11.2026", "Traficom", "306/2019", "tillganglighetskrav.fi"],
    "/en": ["partially compliant", "30.11.2026", "Traficom", "306/2019", "webaccessibility.fi"],
}


@pytest.mark.parametrize("prefix", STATEMENT_WORDS)
def test_accessibility_statement_has_what_the_act_requires(client, db, prefix):
    page = client.get(f"{prefix}/saavutettavuusseloste/").content.decode()
    for word in STATEMENT_WORDS[prefix]:
        assert word in page, word


def test_the_open_surveys_invitation_marks_its_finnish_title(client, demo_data):
    """Survey titles are kept in Finnish alone: named within an English or Swedish sentence,
    the title is marked for screen readers (WCAG 3.1.2); the Finnish page needs no mark."""
    from barometer.models import Survey

    survey = Survey.objects.get(state=Survey.State.OPEN)
    link = f'href="/en/barometri/{survey.year}/vastaa/">'
    english = client.get("/en/barometri/").content.decode()
    assert f'{link}Answer the survey: <span lang="fi">{survey.title}</span></a>' in english
    finnish = client.get("/barometri/").content.decode()
    assert f'/vastaa/">Vastaa kyselyyn: {survey.title}</a>' in finnish
