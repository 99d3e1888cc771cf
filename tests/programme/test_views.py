import csv
import io
import json
import re

import pytest
from django.db.models import F

from networks.models import Network
from programme.models import AssessmentRound, MeasureStatus

pytestmark = pytest.mark.django_db


def test_programme_page_shows_2020_figures_by_default(client, demo_data):
    page = client.get("/ohjelma/").content.decode()
    assert "Maakuntaohjelman eteneminen 2020" in page
    assert "28 (97\u00a0%) oli vähintään valmistelussa" in page
    assert "9 (31\u00a0%) käynnissä ja 18 (62\u00a0%) vakiintunutta toimintaa" in page
    assert "<svg" in page and "<table" in page  # chart and the same data as a table
    assert "Muutokset 2019–2020" in page


def test_programme_page_for_2019(client, demo_data):
    page = client.get("/ohjelma/?vuosi=2019").content.decode()
    assert "12 (41\u00a0%) vakiintunutta toimintaa" in page


# A NUL byte gets the 400 page instead (tests/security/test_odd_input.py).
@pytest.mark.parametrize("year", ["2021", "1999", "abc", "2020abc", "9" * 40])
def test_open_unknown_or_malformed_year_is_a_finnish_404(client, demo_data, year):
    response = client.get(f"/ohjelma/?vuosi={year}")
    assert response.status_code == 404
    assert "Sivua ei löytynyt" in response.content.decode()


def test_open_round_figures_are_not_public_anywhere(client, demo_data):
    open_round = AssessmentRound.objects.get(year=2021)
    status = open_round.statuses.first()
    status.note = "Salainen keskeneräinen arvio"
    status.save()
    for url in [
        "/ohjelma/",
        "/ohjelma/matriisi/",
        f"/ohjelma/toimenpiteet/{status.measure.code}/",
        f"/ohjelma/toimenpiteet/{status.measure.code}/?vuosi=2021",
        f"/verkostot/{status.network.slug}/",
        "/avoin-data/toimenpiteiden-tilat.csv",
    ]:
        content = client.get(url).content
        assert "Salainen keskeneräinen arvio" not in content.decode(), url


def test_matrix_cells_carry_status_labels_and_filters(client, demo_data):
    page = client.get("/ohjelma/matriisi/?vuosi=2020").content.decode()
    assert "Matkailufoorumi" in page
    assert "vakiintunutta toimintaa" in page
    filtered = client.get("/ohjelma/matriisi/?vuosi=2020&painopiste=3").content.decode()
    assert "16. Edistetään Tunnin junan" in filtered
    assert "1. Vahvistetaan kuluttajavalintojen" not in filtered
    by_network = client.get("/ohjelma/matriisi/?vuosi=2020&verkosto=matkailu").content.decode()
    assert 'href="/verkostot/jarjestot/" title="Järjestöfoorumi"' not in by_network
    assert 'href="/verkostot/matkailu/" title="Matkailufoorumi"' in by_network


def column_heads(page):
    return re.findall(r'<th scope="col"><a href="([^"]+)" title="([^"]+)">(.*?)</a></th>', page)


def test_matrix_column_heads_are_short_with_the_full_name_for_everyone(client, demo_data):
    heads = column_heads(client.get("/ohjelma/matriisi/?vuosi=2020").content.decode())
    assert len(heads) == 13
    by_url = {url: (title, inner) for url, title, inner in heads}
    title, inner = by_url["/verkostot/matkailu/"]
    assert title == "Matkailufoorumi"
    assert '<span aria-hidden="true">Matkailu</span>' in inner  # short, as seen
    assert '<span class="visually-hidden">Matkailufoorumi</span>' in inner  # full, as read
    assert max(len(re.search(r'"true">(.*?)</span>', h).group(1)) for _u, _t, h in heads) <= 12


def test_matrix_filters_by_level(client, demo_data):
    from programme.models import MeasureStatus

    status = MeasureStatus.objects.filter(round__year=2020, level__rank=0).first()
    page = client.get("/ohjelma/matriisi/?vuosi=2020&taso=0").content.decode()
    rows = re.findall(r'<th scope="row"><a href="/ohjelma/toimenpiteet/([^/]+)/">', page)
    expected = set(
        MeasureStatus.objects.filter(round__year=2020, level__rank=0).values_list(
            "measure__code", flat=True
        )
    )
    assert status is not None and set(rows) == expected
    assert len(rows) < 29
    selected = re.search(r'<select id="rajaa-taso".*?</select>', page).group(0)
    assert '<option value="0" selected>' in selected


def test_large_matrix_pages_its_network_columns(client, demo_data):
    from programme.generate import large_programme_generate

    large_programme_generate(measures=45, networks=40, rounds=1)
    first = client.get("/ohjelma/matriisi/").content.decode()
    heads = column_heads(first)
    assert len(heads) == 15
    assert "Verkostot 1–15 / 40." in first
    assert first.count("<td>") == 40 * 15  # 40 measures a page × 15 networks, not 45 × 40
    next_link = re.search(r'href="\?([^"]+)">Seuraavat verkostot', first).group(1)
    second = client.get("/ohjelma/matriisi/?" + next_link.replace("&amp;", "&")).content.decode()
    second_heads = column_heads(second)
    assert len(second_heads) == 15 and not {h[0] for h in heads} & {h[0] for h in second_heads}
    last = client.get("/ohjelma/matriisi/?sarakkeet=3").content.decode()
    assert len(column_heads(last)) == 10 and "Verkostot 31–40 / 40." in last
    assert client.get("/ohjelma/matriisi/?sarakkeet=4").status_code == 404
    assert client.get("/ohjelma/matriisi/?sarakkeet=x").status_code == 404


def test_a_closed_network_keeps_its_place_in_past_years_but_links_nowhere(client, demo_data):
    """Its page answers 404 once it is closed: the matrix, the measure's assessments and its
    promoters show its name as text, and every other network is still linked."""
    status = MeasureStatus.objects.filter(round__year=2020).select_related("network", "measure")
    status = status.filter(measure__networks=F("network"))[0]
    closed, measure = status.network, status.measure
    assert client.get(f"/verkostot/{closed.slug}/").status_code == 200
    Network.objects.filter(pk=closed.pk).update(active=False)
    assert client.get(f"/verkostot/{closed.slug}/").status_code == 404
    pages = [
        "/ohjelma/matriisi/?vuosi=2020&verkosto=" + closed.slug,
        f"/ohjelma/toimenpiteet/{measure.code}/?vuosi=2020",
    ]
    for path in pages:
        page = client.get(path).content.decode()
        assert f"/verkostot/{closed.slug}/" not in page, path
        assert closed.name in page, path
    matrix = client.get(pages[0]).content.decode()
    assert f'<span title="{closed.name}">' in matrix  # its column head, without a link
    measure_page = client.get(pages[1]).content.decode()
    others = set(re.findall(r'href="/verkostot/([a-z0-9-]+)/"', measure_page))
    assert others and closed.slug not in others  # the networks still open are linked


def test_matrix_ignores_bad_filters(client, demo_data):
    response = client.get("/ohjelma/matriisi/?painopiste=999&verkosto=<script>&page=1")
    assert response.status_code == 200
    assert "Tuntematon rajaus" in response.content.decode()


def test_matrix_bad_page_is_404_not_500(client, demo_data):
    assert client.get("/ohjelma/matriisi/?page=9999").status_code == 404
    assert client.get("/ohjelma/matriisi/?page=x").status_code == 404


def test_measure_page_lists_networks_statuses_and_history(client, demo_data):
    """Every published year's headline; the networks' assessments one year at a time."""
    page = client.get("/ohjelma/toimenpiteet/1/").content.decode()
    assert "Ympäristöverkosto" in page
    assert "Tila vuosittain" in page
    assert "Verkostojen arviot 2020" in page and "Verkostojen arviot 2019" not in page
    assert 'href="?vuosi=2019"' in page and 'href="?vuosi=2020" aria-current="page"' in page
    earlier = client.get("/ohjelma/toimenpiteet/1/?vuosi=2019").content.decode()
    assert "Verkostojen arviot 2019" in earlier and "Verkostojen arviot 2020" not in earlier
    for year in ("2021", "1999", "x"):  # 2021 is still open: not public
        assert client.get(f"/ohjelma/toimenpiteet/1/?vuosi={year}").status_code == 404


def test_unknown_measure_is_404(client, demo_data):
    assert client.get("/ohjelma/toimenpiteet/999/").status_code == 404
    assert client.get("/ohjelma/toimenpiteet/1/?ohjelma=ei-ole").status_code == 404


def test_network_page_shows_its_statuses_of_latest_closed_round(client, demo_data):
    page = client.get("/verkostot/matkailu/").content.decode()
    assert "Maakuntaohjelman toimenpiteet: tilanne 2020" in page
    assert "14. Kehitetään matkailun yhteismarkkinointia" in page


def test_open_data_csv_has_closed_rounds_only_and_no_personal_data(client, demo_data):
    response = client.get("/avoin-data/toimenpiteiden-tilat.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == MeasureStatus.objects.public().count() == 135
    assert {row["vuosi"] for row in rows} == {"2019", "2020"}
    assert set(rows[0]) == {
        "vuosi",
        "toimenpide",
        "toimenpide_nimi",
        "verkosto",
        "verkosto_nimi",
        "tila_jarjestys",
        "tila",
        "kuvaus",
    }


def test_open_data_json_matches_csv(client, demo_data):
    response = client.get("/avoin-data/toimenpiteiden-tilat.json")
    data = json.loads(response.content)
    assert data["lisenssi"] == "CC BY 4.0"
    assert len(data["tilat"]) == 135
    assert "CC BY 4.0" in client.get("/avoin-data/").content.decode()


def years_section(page):
    match = re.search(r'<section aria-labelledby="vuosittain".*?</section>', page, re.S)
    assert match, "no years section"
    return match.group(0)


def test_years_section_follows_stored_figures_and_equals_the_live_one(client, demo_data):
    """The years section is kept by the closed rounds' stored figures as text and the levels'
    rows: figures stored anew or a renamed level show at once, and read live (figures not
    stored) it is the same section."""
    stored = years_section(client.get("/ohjelma/").content.decode())
    assert "Kehitys vuosina 2019–2020" in stored
    rounds = {r.year: r for r in AssessmentRound.objects.closed()}
    kept = {year: r.figures for year, r in rounds.items()}
    AssessmentRound.objects.filter(year=2019).update(figures=None)
    assert years_section(client.get("/ohjelma/").content.decode()) == stored

    moved = json.loads(json.dumps(kept[2019]))
    moved["counts"] = [[rank, count + 1 if rank == 1 else count] for rank, count in moved["counts"]]
    AssessmentRound.objects.filter(year=2019).update(figures=moved)
    assert years_section(client.get("/ohjelma/").content.decode()) != stored

    AssessmentRound.objects.filter(year=2019).update(figures=kept[2019])
    assert years_section(client.get("/ohjelma/").content.decode()) == stored
    level = rounds[2020].programme.levels.order_by("rank")[1]
    level.label_fi = "Valmisteilla R16"
    level.save()
    assert "Valmisteilla R16" in years_section(client.get("/ohjelma/").content.decode())
