from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext

from kumppanuus import charts
from kumppanuus.markdown import render_markdown
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


BADGE = (
    '<span class="status-badge" data-rank="{}"><svg class="status-swatch" width="10" height="10" '
    'aria-hidden="true" focusable="false"><rect width="10" height="10" fill="{}" stroke="#555"/>'
    "</svg> {}</span>"
)


@register.simple_tag
def status_badge(level, promoted=True):
    """A status with its label in text; colour is only a second cue. A simple tag, not an
    inclusion tag: the matrix draws thousands of these per page."""
    if level:
        return format_html(BADGE, level.rank, level.colour, level.label)
    if promoted:
        return format_html(
            '<span class="status-badge status-badge--none">{}</span>', gettext("ei arvioitu")
        )
    return ""


@register.inclusion_tag("includes/bar_chart.svg")
def bar_chart(rows, title, chart_id):
    return {**charts.bar_chart(rows), "title": title, "chart_id": chart_id}


@register.inclusion_tag("includes/line_chart.svg")
def line_chart(points, title, chart_id):
    return {**charts.line_chart(points), "title": title, "chart_id": chart_id}


LIKERT_COLOURS = ["#b2182b", "#ef8a62", "#e0e0e0", "#67a9cf", "#2166ac", "#f7f7f7"]


@register.inclusion_tag("includes/diverging_bar.svg")
def diverging_bar(distribution, title, chart_id):
    """distribution: (label, count, share) for 1–5 and "en osaa sanoa"."""
    shares = [(label, share or 0) for label, _count, share in distribution]
    return {**charts.diverging_bar(shares, LIKERT_COLOURS), "title": title, "chart_id": chart_id}


@register.inclusion_tag("includes/stacked_years.svg")
def stacked_years(rows, title, chart_id):
    """rows: (year, [(label, count, share, colour), …]) oldest first."""
    return {**charts.stacked_years(rows), "title": title, "chart_id": chart_id}


@register.inclusion_tag("includes/chart_legend.html")
def chart_legend(rows):
    """The colour key of a chart whose rows are (label, count, share, colour)."""
    return {"items": [(row[0], row[3]) for row in rows]}


@register.inclusion_tag("includes/chart_legend.html")
def likert_legend(distribution):
    """The colour key of a diverging bar: (label, count, share) rows in scale order."""
    rows = zip(distribution, LIKERT_COLOURS, strict=False)
    return {"items": [(row[0], colour) for row, colour in rows]}


@register.simple_tag
def trend_sentence(points):
    return charts.trend_sentence(points)


@register.simple_tag(takes_context=True)
def language_versions(context):
    """(code, name in that language, URL of this page in it) for the switcher and hreflang."""
    # "//evil.example/" is a path here but a link to another site in href: one leading slash.
    path = "/" + context["request"].get_full_path().lstrip("/")
    return [
        (code, get_language_info(code)["name_local"], translate_url(path, code))
        for code, _name in settings.LANGUAGES
    ]
