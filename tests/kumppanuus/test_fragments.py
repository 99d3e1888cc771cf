"""Fragments drawn once per distinct plain data (fragments.py): what is kept can never be
shown for other data, another language, another time zone, or as HTML when it was text."""

import datetime
import decimal

import pytest
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

import fragments
from networks.models import Network


@pytest.fixture(autouse=True)
def empty_memo(settings):
    settings.FRAGMENT_MEMO_SIZE = 8
    fragments.forget_all()
    yield
    fragments.forget_all()


def badge_list(items):
    return fragments.draw("includes/chart_legend.html", items=items)


def test_other_data_is_drawn_anew():
    first = badge_list([("valmis", "#ffffff")])
    second = badge_list([("kesken", "#ffffff")])
    assert "valmis" in first and "kesken" in second and "valmis" not in second


def test_text_equal_to_kept_html_is_still_escaped():
    """Safe HTML and text with the same characters are different keys: a visitor's text that
    spells out markup drawn before is shown as text, never as that markup."""
    markup = "<b>lihava</b>"
    assert "<b>lihava</b>" in badge_list([(mark_safe(markup), "#000000")])
    assert "&lt;b&gt;lihava&lt;/b&gt;" in badge_list([(markup, "#000000")])


@pytest.mark.parametrize(
    "values",
    [
        (1, 1.0, True),
        (decimal.Decimal("1.0"), decimal.Decimal("1.00")),
    ],
)
def test_equal_numbers_that_print_differently_are_different_keys(values):
    drawn = {badge_list([(value, "#000000")]) for value in values}
    assert len(drawn) == len(values)


def test_each_language_has_its_own_copy():
    rows = [("valmis", "#ffffff")]
    with translation.override("sv"):
        swedish = fragments.draw("includes/search_form.html", rows=rows)
    finnish = fragments.draw("includes/search_form.html", rows=rows)
    assert swedish != finnish


def test_each_time_zone_has_its_own_copy():
    moment = datetime.datetime(2020, 6, 1, 9, 0, tzinfo=datetime.UTC)
    with timezone.override("UTC"):
        utc = fragments.draw_with("includes/chart_legend.html", _legend_at, moment)
    helsinki = fragments.draw_with("includes/chart_legend.html", _legend_at, moment)
    assert "09:00" in utc and "12:00" in helsinki


def _legend_at(moment):
    from django.template.defaultfilters import date

    return {"items": [(date(timezone.localtime(moment), "H:i"), "#000000")]}


@pytest.mark.django_db
def test_a_model_instance_or_object_is_refused():
    network = Network.objects.create(slug="x", name="X")
    for value in (network, object(), {1: "a"}):
        with pytest.raises(TypeError):
            badge_list([(value, "#000000")])


def test_the_memo_keeps_at_most_its_size_and_zero_turns_it_off(settings):
    for number in range(20):
        badge_list([(f"rivi {number}", "#000000")])
    assert len(fragments._kept) == settings.FRAGMENT_MEMO_SIZE == 8
    settings.FRAGMENT_MEMO_SIZE = 0
    fragments.forget_all()
    badge_list([("rivi", "#000000")])
    assert len(fragments._kept) == 0


@pytest.mark.django_db
def test_translated_fields_read_as_values_fall_back_as_the_models_do():
    """Each row gives the page language's text or, marked, the Finnish one: the same as the
    model's own field and fallback_lang, also for a related field."""
    Network.objects.create(slug="a", name_fi="Verkko", name_sv="Nätet", name_en="")
    Network.objects.create(slug="b", name_fi="Toinen", name_sv="", name_en=None)
    for language in ("fi", "sv", "en"):
        with translation.override(language):
            names = fragments.TranslatedFields("name")
            rows = Network.objects.order_by("slug").values_list("slug", *names.columns)
            read = {slug: names.texts(values)[0] for slug, *values in rows}
            for network in Network.objects.all():
                expected = (network.name, fragments.fallback_lang(network, "name"))
                assert read[network.slug] == expected, (language, network.slug)
    with translation.override("en"):
        assert read == {"a": ("Verkko", ' lang="fi"'), "b": ("Toinen", ' lang="fi"')}
        assert fragments.TranslatedFields("network__name", "label").columns == [
            "network__name_en",
            "network__name_fi",
            "label_en",
            "label_fi",
        ]
    with translation.override("fi"):
        assert fragments.TranslatedFields("name").columns == ["name_fi"]
