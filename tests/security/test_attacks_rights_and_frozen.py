"""Outside attacks on issue 11's guarantees (attack11). A failing test is a hole."""

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from barometer.models import Response, Survey
from feedback.models import Idea
from kumppanuus.models import AnnualReview
from networks.models import Event, Network
from programme.models import AssessmentRound, Measure, MeasureStatus, Programme, StatusLevel
from tests.barometer.test_views import form_data

pytestmark = pytest.mark.django_db

REVIEW = "/vuosikatsaus/2020/"
ROUNDS = "/admin/programme/assessmentround/"
STATUSES = "/admin/programme/measurestatus/"
IDEAS = "/admin/feedback/idea/"


def page(client, url=REVIEW):
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return re.sub(r'nonce="[^"]*"', "", text)


def statuses():
    return sorted(
        MeasureStatus.objects.values_list("pk", "network_id", "round_id", "level_id", "note")
    )


# --- Published review drift, through admin forms an editor may use --------------------------


@pytest.fixture
def frozen(as_role, client):
    review = AnnualReview.objects.get(year=2020)
    assert review.is_published
    return page(client)


def test_editor_reopens_2020_round_through_its_change_form(as_role, client, frozen):
    rnd = AssessmentRound.objects.get(year=2020)
    editor = as_role("editor")
    form = editor.get(f"{ROUNDS}{rnd.pk}/change/")
    assert form.status_code == 200
    from tests.conftest import admin_form_data

    data = admin_form_data(form, state="open")
    editor.post(f"{ROUNDS}{rnd.pk}/change/", data)
    rnd.refresh_from_db()
    assert rnd.state == "closed"
    assert page(client) == frozen


def test_editor_moves_2020_round_to_another_year(as_role, client, frozen):
    rnd = AssessmentRound.objects.get(year=2020)
    editor = as_role("editor")
    form = editor.get(f"{ROUNDS}{rnd.pk}/change/")
    from tests.conftest import admin_form_data

    data = admin_form_data(form, year="2017")
    editor.post(f"{ROUNDS}{rnd.pk}/change/", data)
    assert page(client) == frozen


def test_editor_deletes_closed_2020_statuses_with_bulk_delete(as_role, client, frozen):
    ids = list(MeasureStatus.objects.filter(round__year=2020).values_list("pk", flat=True)[:10])
    editor = as_role("editor")
    editor.post(STATUSES, {"action": "delete_selected", ACTION_CHECKBOX_NAME: ids, "post": "yes"})
    assert MeasureStatus.objects.filter(pk__in=ids).count() == len(ids)
    assert page(client) == frozen


def test_editor_deletes_one_closed_status_with_delete_view(as_role, client, frozen):
    row = MeasureStatus.objects.filter(round__year=2020).first()
    as_role("editor").post(f"{STATUSES}{row.pk}/delete/", {"post": "yes"})
    assert MeasureStatus.objects.filter(pk=row.pk).exists()
    assert page(client) == frozen


def test_editor_deletes_a_measure_cascading_its_2020_statuses(as_role, client, frozen):
    measure = Measure.objects.filter(statuses__round__year=2020).first()
    as_role("editor").post(f"/admin/programme/measure/{measure.pk}/delete/", {"post": "yes"})
    assert page(client) == frozen


def test_editor_renames_a_measure_and_level(as_role, client, frozen):
    Measure.objects.filter(statuses__round__year=2020).update(title="Uusi nimi")
    for level in StatusLevel.objects.all():
        level.label = f"muutettu {level.pk}"
        level.colour = "#000000"
        level.save()
    assert page(client) == frozen


def test_editor_renames_a_network_through_its_admin_form(as_role, client, frozen):
    """The review's highlights name their network: renaming it must not rewrite the page."""
    from tests.conftest import admin_form_data

    network = (
        Network.objects.get(slug="osaaminen-koulutus")
        if Network.objects.filter(slug="osaaminen-koulutus").exists()
        else Network.objects.filter(name__icontains="koulutu").first()
    )
    editor = as_role("editor")
    form = editor.get(f"/admin/networks/network/{network.pk}/change/")
    response = editor.post(
        f"/admin/networks/network/{network.pk}/change/",
        admin_form_data(form, name="Uudelleennimetty", name_fi="Uudelleennimetty"),
    )
    assert response.status_code == 302
    assert page(client) == frozen


def test_editor_deletes_a_2020_event(as_role, client, frozen):
    """The review lists the year's events: deleting one through the admin must not change it."""
    events = Event.objects.filter(start__year=2020)
    if not events.exists():
        pytest.skip("no 2020 events in demo")
    event = events.first()
    as_role("editor").post(f"/admin/networks/event/{event.pk}/delete/", {"post": "yes"})
    assert page(client) == frozen


def test_editor_deletes_the_2020_survey(as_role, client, frozen):
    survey = Survey.objects.get(year=2020)
    as_role("editor").post(f"/admin/barometer/survey/{survey.pk}/delete/", {"post": "yes"})
    assert page(client) == frozen


def test_editor_deletes_2020_barometer_responses(as_role, client, frozen):
    survey = Survey.objects.get(year=2020)
    ids = list(Response.objects.filter(survey=survey).values_list("pk", flat=True)[:20])
    as_role("editor").post(
        "/admin/barometer/response/",
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: ids, "post": "yes"},
    )
    assert page(client) == frozen


def test_editor_unpublishes_2020_barometer_results(as_role, client, frozen):
    survey = Survey.objects.get(year=2020)
    as_role("editor").post(
        "/admin/barometer/survey/",
        {"action": "unpublish_results", ACTION_CHECKBOX_NAME: [survey.pk]},
    )
    assert page(client) == frozen


def test_editor_reopens_2020_survey_by_action_or_form(as_role, client, frozen):
    survey = Survey.objects.get(year=2020)
    editor = as_role("editor")
    editor.post(
        "/admin/barometer/survey/", {"action": "open_surveys", ACTION_CHECKBOX_NAME: [survey.pk]}
    )
    from tests.conftest import admin_form_data

    form = editor.get(f"/admin/barometer/survey/{survey.pk}/change/")
    if form.status_code == 200 and "adminform" in form.context:
        editor.post(
            f"/admin/barometer/survey/{survey.pk}/change/", admin_form_data(form, state="open")
        )
    survey.refresh_from_db()
    assert survey.state != "open"
    assert page(client) == frozen


def test_editor_changes_survey_year(as_role, client, frozen):
    survey = Survey.objects.get(year=2020)
    editor = as_role("editor")
    from tests.conftest import admin_form_data

    form = editor.get(f"/admin/barometer/survey/{survey.pk}/change/")
    editor.post(f"/admin/barometer/survey/{survey.pk}/change/", admin_form_data(form, year="2019"))
    assert page(client) == frozen


def test_editor_deletes_the_programme(as_role, client, frozen):
    programme = Programme.objects.first()
    as_role("editor").post(f"/admin/programme/programme/{programme.pk}/delete/", {"post": "yes"})
    assert page(client) == frozen


def test_editor_edits_published_review_text_without_unpublishing(as_role, client, frozen):
    review = AnnualReview.objects.get(year=2020)
    editor = as_role("editor")
    from tests.conftest import admin_form_data

    form = editor.get(f"/admin/kumppanuus/annualreview/{review.pk}/change/")
    assert form.status_code == 200
    data = admin_form_data(form, title_fi="Hakkeroitu otsikko", lead_fi="Hakkeroitu")
    editor.post(f"/admin/kumppanuus/annualreview/{review.pk}/change/", data)
    assert page(client) == frozen


# --- Contact person writing outside their own network's open round ---------------------------


def assess_url(year, slug):
    return f"{STATUSES}arvioi/{AssessmentRound.objects.get(year=year).pk}/{slug}/"


def assess_data(client, url, **extra):
    html = client.get(url).content.decode()
    data = {}
    for name, value in re.findall(r'<input[^>]*name="(tila-[A-Z_]+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for name, value in re.findall(r'<input[^>]*value="([^"]*)"[^>]*name="(tila-[A-Z_]+)"', html):
        data[value] = name
    data.update(extra)
    return data


def test_contact_person_assess_post_with_forged_row_ids_and_networks(as_role):
    """Extra formset keys (id, network, round, measure) must not redirect the write."""
    client = as_role("contact_a")
    url = assess_url(2021, "matkailu")
    other = MeasureStatus.objects.filter(network__slug="jarjestot", round__year=2021).first()
    closed = MeasureStatus.objects.filter(round__year=2020).first()
    before = statuses()
    level = StatusLevel.objects.order_by("-rank").first().pk
    data = assess_data(client, url)
    data.update(
        {
            "tila-0-id": other.pk,
            "tila-0-network": other.network_id,
            "tila-0-round": closed.round_id,
            "tila-0-measure": other.measure_id,
            "tila-0-level": level,
            "tila-0-note": "väärennetty",
            "tila-1-id": closed.pk,
            "tila-1-level": level,
            "tila-1-note": "väärennetty",
            "confirm": "1",
            "save": "1",
        }
    )
    client.post(url, data)
    after = statuses()
    changed = set(after) ^ set(before)
    touched = {
        MeasureStatus.objects.filter(pk=row[0]).values_list("network__slug", "round__year").first()
        for row in changed
    }
    touched.discard(None)
    assert touched <= {("matkailu", 2021)}


def test_contact_person_assess_post_with_inflated_total_forms(as_role):
    client = as_role("contact_a")
    url = assess_url(2021, "matkailu")
    data = assess_data(client, url)
    level = StatusLevel.objects.order_by("-rank").first().pk
    data["tila-TOTAL_FORMS"] = "200"
    for i in range(200):
        data[f"tila-{i}-level"] = level
        data[f"tila-{i}-note"] = "täyte"
    data.update({"confirm": "1", "save": "1"})
    response = client.post(url, data)
    assert response.status_code < 500
    assert not MeasureStatus.objects.exclude(network__slug="matkailu").filter(note="täyte").exists()
    assert not MeasureStatus.objects.filter(round__year=2020, note="täyte").exists()


@pytest.mark.parametrize(
    "year,slug", [(2020, "matkailu"), (2021, "jarjestot"), (2020, "jarjestot")]
)
def test_contact_person_assess_post_on_forbidden_round_or_network(as_role, year, slug):
    client = as_role("contact_a")
    before = statuses()
    data = assess_data(as_role("editor"), assess_url(year, slug))
    client = as_role("contact_a")
    level = StatusLevel.objects.order_by("-rank").first().pk
    data.update({"tila-0-level": level, "tila-0-note": "x", "confirm": "1", "save": "1"})
    response = client.post(assess_url(year, slug), data)
    assert response.status_code in (403, 404)
    assert statuses() == before


def test_contact_person_change_form_moves_own_row_to_closed_round_or_other_network(as_role):
    client = as_role("contact_a")
    row = MeasureStatus.objects.filter(network__slug="matkailu", round__year=2021).first()
    other = Network.objects.get(slug="jarjestot")
    closed = AssessmentRound.objects.get(year=2020)
    for changes in (
        {"network": other.pk},
        {"round": closed.pk},
        {"measure": Measure.objects.exclude(pk=row.measure_id).first().pk},
    ):
        data = {
            "measure": row.measure_id,
            "network": row.network_id,
            "round": row.round_id,
            "level": row.level_id,
            "note": "siirto",
        }
        data.update(changes)
        response = client.post(f"{STATUSES}{row.pk}/change/", data)
        assert response.status_code < 500
    after = {r[0]: r for r in statuses()}
    moved = after.get(row.pk)
    assert moved[1] == row.network_id and moved[2] == row.round_id


def test_contact_person_add_view_for_other_network_or_closed_round(as_role):
    client = as_role("contact_a")
    before = statuses()
    other = Network.objects.get(slug="jarjestot")
    matkailu = Network.objects.get(slug="matkailu")
    free = Measure.objects.exclude(statuses__network=other, statuses__round__year=2021).first()
    for network, year in ((other, 2021), (matkailu, 2020)):
        client.post(
            f"{STATUSES}add/",
            {
                "measure": free.pk,
                "network": network.pk,
                "round": AssessmentRound.objects.get(year=year).pk,
                "level": StatusLevel.objects.first().pk,
                "note": "lisätty",
            },
        )
    assert statuses() == before


def test_contact_person_bulk_delete_other_and_closed_rows(as_role):
    client = as_role("contact_a")
    ids = list(
        MeasureStatus.objects.exclude(network__slug="matkailu", round__year=2021).values_list(
            "pk", flat=True
        )[:30]
    )
    before = statuses()
    client.post(STATUSES, {"action": "delete_selected", ACTION_CHECKBOX_NAME: ids, "post": "yes"})
    for pk in ids[:3]:
        client.post(f"{STATUSES}{pk}/delete/", {"post": "yes"})
    assert statuses() == before


def test_contact_person_round_change_form_and_add(as_role):
    client = as_role("contact_a")
    rnd = AssessmentRound.objects.get(year=2020)
    before = dict(AssessmentRound.objects.values_list("pk", "state"))
    client.post(
        f"{ROUNDS}{rnd.pk}/change/", {"programme": rnd.programme_id, "year": 2020, "state": "open"}
    )
    client.post(f"{ROUNDS}add/", {"programme": rnd.programme_id, "year": 2030, "state": "open"})
    client.post(f"{ROUNDS}{rnd.pk}/delete/", {"post": "yes"})
    assert dict(AssessmentRound.objects.values_list("pk", "state")) == before


def test_contact_person_cannot_read_draft_review_history(as_role):
    review = AnnualReview.objects.exclude(pk__in=AnnualReview.objects.filter(year=2020)).first()
    client = as_role("contact_a")
    for url in (
        "/admin/kumppanuus/annualreview/",
        "/admin/barometer/response/",
        "/admin/auth/user/",
        "/admin/axes/accessattempt/",
    ):
        assert client.get(url).status_code in (302, 403), url
    if review is not None:
        assert client.get(f"/admin/kumppanuus/annualreview/{review.pk}/history/").status_code in (
            302,
            403,
        )
        h = review.history.first()
        if h:
            assert client.get(
                f"/admin/kumppanuus/annualreview/{review.pk}/history/{h.history_id}/"
            ).status_code in (302, 403)


# --- Personal data oracle in the idea list ------------------------------------------------------


@pytest.fixture
def secret_idea(staff):
    idea = Idea.objects.filter(forwarded_to__slug="matkailu").first() or Idea.objects.first()
    idea.forwarded_to = Network.objects.get(slug="matkailu")
    idea.name, idea.email, idea.organisation = (
        "Salainen Lähettäjä",
        "salainen@example.fi",
        "Oy Salainen",
    )
    idea.save()
    return idea


def visible(response, idea):
    if response.status_code != 200 or response.context is None or "cl" not in response.context:
        return None
    return [i.pk for i in response.context["cl"].result_list]


@pytest.mark.parametrize(
    "query",
    [
        "forwarded_to__ideas__email__startswith=salainen",
        "forwarded_to__ideas__name__icontains=Salainen",
        "email__regex=^salainen",
        "email__iregex=^sal",
        "email__gt=salainen",
        "email__range=salainen,salainen@z",
        "name__in=Salainen Lähettäjä",
        "EMAIL__startswith=salainen",
        "email__startswith=salainen&_changelist_filters=x",
        "client_hash__startswith=a",
        "email__isnull=False",
        "email__exact=",
        "name__exact=",
    ],
)
def test_contact_person_filter_oracle_variants(as_role, secret_idea, query):
    client = as_role("contact_a")
    baseline = visible(client.get(IDEAS), secret_idea)
    assert baseline and secret_idea.pk in baseline
    response = client.get(f"{IDEAS}?{query}")
    assert response.status_code < 500
    shown = visible(response, secret_idea)
    # any accepted filter on a hidden field is an oracle: the list must not be narrowed by it
    assert shown is None or shown == baseline


def test_contact_person_search_by_email_or_name(as_role, secret_idea):
    client = as_role("contact_a")
    for q in ("salainen@example.fi", "Salainen Lähettäjä", "Oy Salainen"):
        response = client.get(IDEAS, {"q": q})
        shown = visible(response, secret_idea)
        assert not shown, q


def test_contact_person_sort_by_hidden_field(as_role, secret_idea):
    """Sorting by a hidden column tells order of emails: o= must ignore non-visible columns."""
    client = as_role("contact_a")
    for o in range(0, 12):
        response = client.get(IDEAS, {"o": str(o)})
        assert response.status_code < 500
        assert b"salainen@example.fi" not in response.content
        assert b"Salainen L" not in response.content


def test_contact_person_autocomplete_and_change_view_leak(as_role, secret_idea):
    client = as_role("contact_a")
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "feedback", "model_name": "idea", "field_name": "forwarded_to", "term": "a"},
    )
    assert response.status_code < 500
    for url in (f"{IDEAS}{secret_idea.pk}/change/", f"{IDEAS}{secret_idea.pk}/history/"):
        response = client.get(url)
        assert b"salainen@example.fi" not in response.content, url
        assert b"Salainen L" not in response.content, url


# --- Small barometer groups via other outputs ------------------------------------------------


def test_small_group_not_in_open_data_or_other_languages(client, db):
    from tests.barometer.test_suppression import make_survey

    statements = [
        {"kunta": [5, 4, 4, 2, 1, 5, 5, 3, 4, 4], "yritys": [1, 2]},
        {"kunta": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5], "yritys": [5, 5]},
    ]
    make_survey(2030, statements)
    import json

    data = client.get("/avoin-data/barometri.json")
    assert data.status_code == 200
    text = json.dumps(json.loads(data.content), ensure_ascii=False)
    # totals only: no per-group row that, next to the totals, would give the 2-group away
    assert "yritys" not in text.lower() and "kunta" not in text.lower()
    for url in ("/avoin-data/barometri.csv", "/avoin-data/barometri-excel.csv"):
        body = client.get(url).content.decode("utf-8-sig")
        rows_2030 = [line for line in body.splitlines() if "2030" in line]
        assert rows_2030, url
        assert not any("yritys" in line.lower() or "kunta" in line.lower() for line in rows_2030), (
            url
        )
    for prefix in ("", "/sv", "/en"):
        page_text = client.get(f"{prefix}/barometri/2030/").content.decode()
        # the 10-group must not be broken out alone in any language
        assert not re.search(r"<t[dh][^>]*>\s*10\s*</t[dh]>", page_text), prefix


# --- Survey rate limit evasion ---------------------------------------------------------------


@pytest.fixture
def open_survey(demo_data, settings):
    settings.SURVEY_RATE_LIMIT = "3/h"
    settings.TRUSTED_PROXY_COUNT = 0
    return Survey.objects.get(year=2022)


def stuff(client, survey, url, **extra):
    client.cookies.clear()
    return client.post(url, form_data(survey), **extra).status_code


def test_survey_limit_shared_across_language_prefixes(client, open_survey):
    before = Response.objects.filter(survey=open_survey).count()
    for prefix in ("", "/sv", "/en", "", "/sv", "/en"):
        stuff(client, open_survey, f"{prefix}/barometri/2022/vastaa/", REMOTE_ADDR="198.51.100.9")
    assert Response.objects.filter(survey=open_survey).count() - before <= 3


def test_survey_limit_ignores_forged_forwarded_for(client, open_survey):
    before = Response.objects.filter(survey=open_survey).count()
    for i in range(8):
        stuff(
            client,
            open_survey,
            "/barometri/2022/vastaa/",
            REMOTE_ADDR="198.51.100.9",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}",
            HTTP_X_REAL_IP=f"203.0.113.{i}",
        )
    assert Response.objects.filter(survey=open_survey).count() - before <= 3


def test_survey_limit_not_evaded_by_rotating_ipv6_within_one_64(client, open_survey):
    """One household/host gets a whole /64: counting per address lets it stuff freely."""
    before = Response.objects.filter(survey=open_survey).count()
    for i in range(10):
        stuff(
            client, open_survey, "/barometri/2022/vastaa/", REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}"
        )
    assert Response.objects.filter(survey=open_survey).count() - before <= 3


def test_dual_stack_socket_does_not_put_every_ipv4_client_in_one_bucket(client, open_survey):
    """On a dual-stack socket every IPv4 client arrives as ::ffff:a.b.c.d; if that is cut to an
    IPv6 block, all of IPv4 shares one counter and one stuffer locks everyone out."""
    for _ in range(4):
        stuff(client, open_survey, "/barometri/2022/vastaa/", REMOTE_ADDR="::ffff:198.51.100.9")
    assert (
        stuff(client, open_survey, "/barometri/2022/vastaa/", REMOTE_ADDR="::ffff:203.0.113.77")
        == 302
    )


def test_survey_limit_not_evaded_by_ipv4_mapped_ipv6(client, open_survey):
    """Low: the mapped and plain spellings of one IPv4 address count separately."""
    before = Response.objects.filter(survey=open_survey).count()
    for address in ("198.51.100.9", "::ffff:198.51.100.9", "::ffff:c633:6409") * 2:
        stuff(client, open_survey, "/barometri/2022/vastaa/", REMOTE_ADDR=address)
    assert Response.objects.filter(survey=open_survey).count() - before <= 3


def test_survey_limit_not_evaded_by_trailing_slash_or_query(client, open_survey):
    before = Response.objects.filter(survey=open_survey).count()
    for url in (
        "/barometri/2022/vastaa/",
        "/barometri/2022/vastaa/?x=1",
        "/barometri/2022/vastaa/?a=2",
        "/barometri/02022/vastaa/",
        "/barometri/2022/vastaa/?x=3",
        "/barometri/2022/vastaa/?x=4",
    ):
        stuff(client, open_survey, url, REMOTE_ADDR="198.51.100.10")
    assert Response.objects.filter(survey=open_survey).count() - before <= 3


def test_invalid_submissions_do_not_burn_or_bypass(client, open_survey):
    """Invalid posts should not be stored; after the limit, even invalid ones get 429 not 500."""
    for _ in range(6):
        client.cookies.clear()
        response = client.post(
            "/barometri/2022/vastaa/", {"bogus": "1"}, REMOTE_ADDR="198.51.100.11"
        )
        assert response.status_code < 500


# --- CSV formula injection variants ----------------------------------------------------------


def cells(response, delimiter):
    import csv
    import io

    return [
        c
        for row in csv.reader(
            io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter
        )
        for c in row
    ]


LIVE = ("=", "+", "-", "@", "\t", "\r")


def test_open_data_excel_variant_read_with_the_other_delimiter(client, demo_data):
    """Finnish Excel, whose list separator is ';', splits the ,-file on ';' and ignores the
    quotes of a cell it has cut: a note 'x;=cmd|..' must not become a live cell '=cmd|..'
    (nor 'x,=..' in the ;-file opened with a comma locale)."""
    rows = list(MeasureStatus.objects.public().order_by("pk")[:2])
    MeasureStatus.objects.filter(pk=rows[0].pk).update(note="x,=cmd|' /C calc'!A0 evil")
    MeasureStatus.objects.filter(pk=rows[1].pk).update(note="x;=cmd|' /C calc'!A0 evil")
    excel = client.get("/avoin-data/toimenpiteiden-tilat-excel.csv")
    plain = client.get("/avoin-data/toimenpiteiden-tilat.csv")
    bad = [c for c in cells(excel, ",") + cells(plain, ";") if c.startswith(LIVE) and "evil" in c]
    assert bad == []


def test_open_data_network_and_measure_names_and_statement_keys(client, demo_data):
    from barometer.models import Statement

    Network.objects.filter(pk=Network.objects.first().pk).update(name="=cmd|' /C calc'!A0")
    Measure.objects.filter(pk=Measure.objects.first().pk).update(
        title="@SUM(1+1)*cmd|' /C calc'!A0"
    )
    Statement.objects.filter(pk=Statement.objects.first().pk).update(key="+kaava", text="-2+3")
    for url, delim in (
        ("/avoin-data/toimenpiteiden-tilat.csv", ","),
        ("/avoin-data/toimenpiteiden-tilat-excel.csv", ";"),
        ("/avoin-data/barometri.csv", ","),
        ("/avoin-data/barometri-excel.csv", ";"),
    ):
        live = [
            c
            for c in cells(client.get(url), delim)
            if c.startswith(LIVE) and not re.fullmatch(r"-?[\d.,]+", c)
        ]
        assert live == [], url


def test_import_template_neutralises_statement_texts(as_role):
    from barometer.models import Statement

    survey = Survey.objects.filter(state="open").first() or Survey.objects.first()
    Statement.objects.update(text='=HYPERLINK("http://evil.example")')
    q = survey.questions.filter(kind="open_text").first()
    if q is not None:
        type(q).objects.filter(pk=q.pk).update(text="=1+1")
    response = as_role("editor").get(f"/admin/barometer/survey/{survey.pk}/tuo/pohja.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    delim = ";" if text.count(";") > text.count(",") else ","
    live = [c for c in cells(response, delim) if c.startswith(LIVE)]
    assert live == []


def test_idea_export_every_personal_and_staff_field(as_role):
    Idea.objects.create(
        topic=Idea.Topic.choices[0][0],
        message="@SUM(1)",
        name="=nimi",
        email="a@example.fi",
        consent_to_contact=True,
        organisation="+org",
        staff_note="-note",
        network_note="\tnet",
        summary="\rsum",
        public_response="=vastaus",
    )
    ids = list(Idea.objects.values_list("pk", flat=True))
    response = as_role("editor").post(IDEAS, {"action": "export_csv", ACTION_CHECKBOX_NAME: ids})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    delim = ";" if text.count(";") > text.count(",") else ","
    live = [c for c in cells(response, delim) if c.startswith(LIVE)]
    assert live == []


# --- Unpublished (open round) ratings through other screens ---------------------------------


def test_open_round_notes_of_another_network_do_not_leak(as_role, client):
    other = MeasureStatus.objects.filter(network__slug="jarjestot", round__year=2021).first()
    MeasureStatus.objects.filter(pk=other.pk).update(note="salainen-keskeneräinen-arvio")
    secret = "salainen-keskeneräinen-arvio".encode()
    contact = as_role("contact_a")
    urls = [
        f"{STATUSES}?q=salainen",
        f"{STATUSES}?network__slug=jarjestot",
        f"{STATUSES}?network__id__exact={other.network_id}",
        f"{STATUSES}?note__icontains=salainen",
        f"{STATUSES}{other.pk}/change/",
        f"{STATUSES}{other.pk}/",
        f"{STATUSES}{other.pk}/delete/",
        f"/admin/programme/measure/{other.measure_id}/change/",
        f"/admin/networks/network/{other.network_id}/change/",
    ]
    for url in urls:
        response = contact.get(url, follow=True)
        assert response.status_code < 500, url
        assert secret not in response.content, url
    contact.logout()
    for url in (
        "/ohjelma/?vuosi=2021",
        "/ohjelma/matriisi/?vuosi=2021",
        f"/ohjelma/toimenpiteet/{other.measure.code}/",
        "/verkostot/jarjestot/",
        "/avoin-data/toimenpiteiden-tilat.csv",
        "/avoin-data/toimenpiteiden-tilat.json",
        "/haku/?q=keskeneräinen-arv",
        "/haku/?q=salainen",
    ):
        response = client.get(url)
        assert secret not in response.content, url


def test_contact_person_measurestatus_filter_on_hidden_relations(as_role):
    """Lookups through relations reach other networks' rows or people: refused or no narrowing."""
    contact = as_role("contact_a")
    base = contact.get(STATUSES)
    assert base.status_code == 200
    baseline = base.context["cl"].result_count
    for query in (
        "network__contacts__email__startswith=a",
        "network__ideas__email__startswith=a",
        "history__history_user__username=toimittaja",
        "network__contacts__user__password__startswith=md5",
        "round__programme__rounds__statuses__note__icontains=a",
    ):
        response = contact.get(f"{STATUSES}?{query}")
        assert response.status_code < 500, query
        if response.status_code == 200 and response.context and "cl" in response.context:
            assert response.context["cl"].result_count in (baseline,), query


# --- More review drift: other languages, feed, linked objects ---------------------------------


def _post_form(editor, url, **changes):
    from tests.conftest import admin_form_data

    form = editor.get(url)
    assert form.status_code == 200, url
    return editor.post(url, admin_form_data(form, **changes))


@pytest.fixture
def frozen_all(as_role, client):
    assert AnnualReview.objects.get(year=2020).is_published
    urls = [REVIEW, "/sv/vuosikatsaus/2020/", "/en/vuosikatsaus/2020/"]
    return {url: page(client, url) for url in urls}


def assert_frozen(client, before):
    for url, text in before.items():
        assert page(client, url) == text, url


def test_editor_changes_network_kind(as_role, client, frozen_all):
    network = (
        Network.objects.filter(kind="network").first()
        if Network.objects.filter(kind="network").exists()
        else Network.objects.first()
    )
    kinds = [k for k in Network._meta.get_field("kind").choices if k[0] != network.kind]
    _post_form(as_role("editor"), f"/admin/networks/network/{network.pk}/change/", kind=kinds[0][0])
    assert_frozen(client, frozen_all)


def test_editor_renames_the_headline_statement(as_role, client, frozen_all):
    from barometer.models import Statement

    statement = Statement.objects.get(key="visio")
    _post_form(
        as_role("editor"),
        f"/admin/barometer/statement/{statement.pk}/change/",
        text="Muutettu väittämä",
        text_fi="Muutettu väittämä",
        text_sv="Ändrad",
        text_en="Changed",
    )
    assert_frozen(client, frozen_all)


def test_editor_changes_the_published_reviews_year(as_role, client, frozen_all):
    review = AnnualReview.objects.get(year=2020)
    _post_form(
        as_role("editor"), f"/admin/kumppanuus/annualreview/{review.pk}/change/", year="2019"
    )
    assert_frozen(client, frozen_all)


def test_editor_deletes_the_published_review_without_unpublishing(as_role, client, frozen_all):
    review = AnnualReview.objects.get(year=2020)
    as_role("editor").post(f"/admin/kumppanuus/annualreview/{review.pk}/delete/", {"post": "yes"})
    assert_frozen(client, frozen_all)


def test_editor_bulk_deletes_the_published_review(as_role, client, frozen_all):
    review = AnnualReview.objects.get(year=2020)
    as_role("editor").post(
        "/admin/kumppanuus/annualreview/",
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [review.pk], "post": "yes"},
    )
    assert_frozen(client, frozen_all)


def test_editor_edits_contact_persons_shown_on_the_review(as_role, client, frozen_all):
    from networks.models import ContactPerson

    editor = as_role("editor")
    for person in ContactPerson.objects.all()[:40]:
        _post_form(
            editor,
            f"/admin/networks/contactperson/{person.pk}/change/",
            name="Vaihdettu Nimi",
            phone="000",
            email=f"x{person.pk}@example.fi",
        )
    assert_frozen(client, frozen_all)


def test_editor_edits_a_2020_event_through_admin(as_role, client, frozen_all):
    event = Event.objects.filter(start__year=2020).first()
    _post_form(
        as_role("editor"),
        f"/admin/networks/event/{event.pk}/change/",
        title="Muutettu tapahtuma",
        title_fi="Muutettu tapahtuma",
    )
    assert_frozen(client, frozen_all)


def test_editor_adds_a_2020_event(as_role, client, frozen_all):
    import datetime

    from django.utils import timezone

    network = Network.objects.first()
    Event.objects.create(
        network=network,
        title="Uusi 2020 tapahtuma",
        online=True,
        start=timezone.make_aware(datetime.datetime(2020, 6, 1, 10)),
        end=timezone.make_aware(datetime.datetime(2020, 6, 1, 12)),
    )
    assert_frozen(client, frozen_all)


def test_idea_form_dual_stack_does_not_lock_out_all_ipv4(client, db, settings):
    """Same shared-bucket question for the idea form (one function for every limit)."""
    from tests.feedback.test_idea_form import FORM, data

    settings.IDEA_RATE_LIMIT = "2/10m"
    settings.TRUSTED_PROXY_COUNT = 0
    for i in range(3):
        client.cookies.clear()
        client.post(
            FORM,
            data(message=f"Idea numero {i} joka on tarpeeksi pitkä viesti."),
            REMOTE_ADDR="::ffff:198.51.100.9",
        )
    client.cookies.clear()
    response = client.post(
        FORM,
        data(message="Aivan toisen ihmisen idea, tarpeeksi pitkä."),
        REMOTE_ADDR="::ffff:203.0.113.77",
    )
    assert response.status_code == 302


def test_anonymous_answers_into_the_closed_2020_survey(client, frozen_all):
    survey = Survey.objects.get(year=2020)
    before = Response.objects.filter(survey=survey).count()
    for prefix in ("", "/sv", "/en"):
        for _ in range(2):
            client.cookies.clear()
            response = client.post(f"{prefix}/barometri/2020/vastaa/", form_data(survey))
            assert response.status_code < 500
    assert Response.objects.filter(survey=survey).count() == before
    assert_frozen(client, frozen_all)


@pytest.mark.parametrize("role", ["anonymous", "contact_a"])
def test_import_screens_refused_to_non_editors(as_role, role):
    survey = Survey.objects.get(year=2022)
    client = as_role(role)
    before = Response.objects.count()
    for url in (
        f"/admin/barometer/survey/{survey.pk}/tuo/",
        f"/admin/barometer/survey/{survey.pk}/tuo/pohja.csv",
    ):
        assert client.get(url).status_code in (302, 403, 404), url
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "a.csv", b"vastaaja,vastattu,organisaatio\nx,2022-01-01 10:00,kunta\n"
    )
    client.post(f"/admin/barometer/survey/{survey.pk}/tuo/", {"file": upload, "tiedosto": upload})
    assert Response.objects.count() == before


@pytest.mark.parametrize("action", ["export_csv", "forward_to_network"])
def test_contact_person_idea_actions_do_not_leak_or_reroute(as_role, secret_idea, action):
    client = as_role("contact_a")
    other = Network.objects.get(slug="jarjestot")
    response = client.post(
        IDEAS,
        {
            "action": action,
            ACTION_CHECKBOX_NAME: [secret_idea.pk],
            "network": other.pk,
            "forwarded_to": other.pk,
            "apply": "1",
            "post": "yes",
        },
        follow=True,
    )
    assert response.status_code < 500
    assert b"salainen@example.fi" not in response.content
    secret_idea.refresh_from_db()
    assert secret_idea.forwarded_to.slug == "matkailu"
