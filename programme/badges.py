"""A status as HTML: its label in text, colour only a second cue. One function for the
`status_badge` template tag and for the matrix, which prepares its cells in the selector."""

from typing import NamedTuple

from django.utils.html import format_html
from django.utils.translation import gettext

import fragments

BADGE = (
    '<span class="status-badge" data-rank="{}"{}><svg class="status-swatch" width="10" height="10" '
    'aria-hidden="true" focusable="false"><rect width="10" height="10" fill="{}" stroke="#555"/>'
    "</svg> {}</span>"
)


class BadgeLevel(NamedTuple):
    """A level read as values, its label already in the page's language or marked Finnish."""

    rank: int
    colour: str
    label: str
    lang: str


def status_badge_html(level, promoted=True):
    """`level`: a StatusLevel or a BadgeLevel; its label marked lang="fi" when it falls back."""
    if level:
        lang = (
            level.lang if isinstance(level, BadgeLevel) else fragments.fallback_lang(level, "label")
        )
        return format_html(BADGE, level.rank, lang, level.colour, level.label)
    if promoted:
        return format_html(
            '<span class="status-badge status-badge--none">{}</span>', gettext("ei arvioitu")
        )
    return ""
