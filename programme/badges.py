"""A status as HTML: its label in text, colour only a second cue. One function for the
`status_badge` template tag and for the matrix, which prepares its cells in the selector."""

from django.utils.html import format_html
from django.utils.translation import gettext

BADGE = (
    '<span class="status-badge" data-rank="{}"><svg class="status-swatch" width="10" height="10" '
    'aria-hidden="true" focusable="false"><rect width="10" height="10" fill="{}" stroke="#555"/>'
    "</svg> {}</span>"
)


def status_badge_html(level, promoted=True):
    if level:
        return format_html(BADGE, level.rank, level.colour, level.label)
    if promoted:
        return format_html(
            '<span class="status-badge status-badge--none">{}</span>', gettext("ei arvioitu")
        )
    return ""
