import functools

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, override
from django.utils.translation import gettext as _

import fragments
from kumppanuus import charts
from kumppanuus.markdown import render_markdown
from networks import selectors as networks_selectors
from programme.badges import status_badge_html
from programme.progress import percent_text

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return mark_safe(render_markdown(text))  # raw HTML is off in the renderer


@register.simple_tag
def fallback_lang(obj, field):
    return fragments.fallback_lang(obj, field)


@register.simple_tag
def event_items(events, show_network=False, compact=False):
    return networks_selectors.event_items(events, show_network=show_network, compact=compact)


@register.filter
def percent(value):
    """A share 0–1 as a whole Finnish percentage: 0.62 → '62 %'."""
    return percent_text(value)


@register.simple_tag
def status_badge(level, promoted=True):
    """A simple tag, not an inclusion tag: pages draw many of these."""
    return status_badge_html(level, promoted)


def chart_tag(template_name):
    """A template tag drawing `template_name` with the context its function returns. A chart
    is a pure function of its plain data and the language: each distinct chart is drawn once
    per process (fragments.py), so a page of closed years draws its charts once."""

    def register_chart(build):
        @functools.wraps(build)
        def tag(*args):
            return fragments.draw_with(template_name, build, *args)

        register.simple_tag(tag)
        return build

    return register_chart


@chart_tag("includes/bar_chart.svg")
def bar_chart(rows, title, chart_id):
    return {**charts.bar_chart(rows), "title": title, "chart_id": chart_id}


@chart_tag("includes/line_chart.svg")
def line_chart(points, title, chart_id):
    return {**charts.line_chart(points), "title": title, "chart_id": chart_id}


LIKERT_COLOURS = ["#b2182b", "#ef8a62", "#e0e0e0", "#67a9cf", "#2166ac", "#f7f7f7"]


@chart_tag("includes/diverging_bar.svg")
def diverging_bar(distribution, title, chart_id):
    """distribution: (label, count, share) for 1–5 and "en osaa sanoa"."""
    shares = [(label, share or 0) for label, _count, share in distribution]
    return {**charts.diverging_bar(shares, LIKERT_COLOURS), "title": title, "chart_id": chart_id}


@chart_tag("includes/stacked_years.svg")
def stacked_years(rows, title, chart_id):
    """rows: (year, [(label, count, share, colour), …]) oldest first."""
    return {**charts.stacked_years(rows), "title": title, "chart_id": chart_id}


@chart_tag("includes/chart_legend.html")
def chart_legend(rows):
    """The colour key of a chart whose rows are (label, count, share, colour)."""
    return {"items": [(row[0], row[3]) for row in rows]}


@chart_tag("includes/chart_legend.html")
def likert_legend(distribution):
    """The colour key of a diverging bar: (label, count, share) rows in scale order."""
    rows = zip(distribution, LIKERT_COLOURS, strict=False)
    return {"items": [(row[0], colour) for row, colour in rows]}


@register.simple_tag
def trend_sentence(points):
    return charts.trend_sentence(points)


# Rendered once per process and language: templates and translations change only with a
# release, which starts new processes.
_language_fragments = {}
_site_navs = {}


@register.simple_tag
def language_fragment(template_name):
    """A fragment that depends on the language alone (the footer, the search form): rendered
    once per process and language. It is given no context, so nothing of a request or a
    visitor can be rendered into it and shown to another."""
    key = (template_name, get_language())
    if key not in _language_fragments:
        _language_fragments[key] = mark_safe(render_to_string(template_name))
    return _language_fragments[key]


@register.simple_tag
def site_nav():
    """The main menu as (URL, label) pairs in the current language."""
    language = get_language()
    if language not in _site_navs:
        _site_navs[language] = [
            (reverse(name), label)
            for name, label in (
                ("networks:network-list", _("Verkostot")),
                ("networks:event-list", _("Tapahtumat")),
                ("programme:overview", _("Maakuntaohjelma")),
                ("barometer:index", _("Barometri")),
                ("review-list", _("Vuosikatsaukset")),
            )
        ]
    return _site_navs[language]


@register.simple_tag(takes_context=True)
def language_versions(context):
    """(code, name in that language, URL of this page in it) for the switcher and hreflang."""
    request = context["request"]
    # "//evil.example/" is a path here but a link to another site in href: one leading slash.
    path = "/" + request.get_full_path().lstrip("/")
    return [
        (code, get_language_info(code)["name_local"], _page_in(request, path, code))
        for code, _name in settings.LANGUAGES
    ]


def _page_in(request, path, language):
    """translate_url without resolving the path again: the request's own match is reversed
    in `language` (a page that did not resolve, a 404, keeps its path)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return translate_url(path, language)
    with override(language):
        try:
            url = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return path
    query = path.partition("?")[2]
    return f"{url}?{query}" if query else url
