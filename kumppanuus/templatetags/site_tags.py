from django import template
from django.utils.safestring import mark_safe

from kumppanuus.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    return mark_safe(render_markdown(text))  # noqa: S308 - raw HTML is disabled in the renderer


@register.filter
def percent(value):
    """A share 0–1 as a whole Finnish percentage: 0.62 → '62 %'."""
    if value is None:
        return "–"
    return f"{round(value * 100)}\u00a0%"
