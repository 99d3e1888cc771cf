import functools
from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, override
from django.utils.translation import gettext as _

from kumppanuus import charts
from kumppanuus.markdown import render_markdown
from programme.badges import status_badge_html
from programme.progress import percent_text

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return mark_safe(render_markdown(text))  # raw HTML is off in the renderer


@register.simple_tag
def fallback_lang(obj, field):
    """' lang="fi"' when the page is in Swedish or English but `obj.field` shows Finnish: the
    field has no text in the page's language and modeltranslation fell back to Finnish, or the
    field is not translated at all (events). Screen readers then read it with Finnish rules and
    the browser hyphenates it as Finnish. '' when the text is in the page's language."""
    default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
    language = (get_language() or default).split("-")[0]
    if language == default or not getattr(obj, field, ""):
        return ""
    if getattr(obj, f"{field}_{language}", None):
        return ""
    return format_html(' lang="{}"', default)


@register.filter
def percent(value):
    """A share 0–1 as a whole Finnish percentage: 0.62 → '62 %'."""
    return percent_text(value)


@register.simple_tag
def status_badge(level, promoted=True):
    """A simple tag, not an inclusion tag: pages draw many of these."""
    return status_badge_html(level, promoted)


# Charts are pure functions of their data and the language, and a page of closed years
# draws the same ones on every request: each distinct chart is drawn once per process.
CHART_MEMO_SIZE = 512
PLAIN_DATA = (str, int, float, bool, type(None))


def _plain(value):
    """A chart's input as a hashable key: lists as tuples, lazy text as text. Anything else
    (a model instance, whose fields can change under the same key) is refused."""
    if isinstance(value, list | tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, PLAIN_DATA):
        return value
    raise TypeError(f"chart data must be plain values, not {type(value).__name__}")


@lru_cache(maxsize=CHART_MEMO_SIZE)
def _drawn(template_name, language, draw, args):
    return mark_safe(render_to_string(template_name, draw(*args)))


def chart_tag(template_name):
    """A template tag drawing `template_name` with the context its function returns, the
    result kept by its arguments and the language (the same input always draws the same)."""

    def register_chart(draw):
        @functools.wraps(draw)
        def tag(*args):
            return _drawn(template_name, get_language(), draw, _plain(args))

        register.simple_tag(tag)
        return draw

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
