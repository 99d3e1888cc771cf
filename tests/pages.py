"""One example URL of every public page type, on the demo data (Finnish, no prefix), and the
fields a form page carries for each visitor."""

import re

PUBLIC_PAGE_TYPES = [
    "/",
    "/verkostot/",
    "/verkostot/matkailu/",
    "/tapahtumat/",
    "/tapahtumat/arkisto/",
    "/ohjelma/",
    "/ohjelma/matriisi/?vuosi=2020",
    "/ohjelma/toimenpiteet/14/",
    "/barometri/",
    "/barometri/2020/",
    "/barometri/2022/vastaa/",
    "/kehittamisideat/",
    "/kehittamisideat/koonti/",
    "/vuosikatsaus/",
    "/vuosikatsaus/2020/",
    "/haku/?q=verkosto",
    "/avoin-data/",
    "/tietosuoja/",
    "/saavutettavuusseloste/",
]


def event_page_path():
    """An event's own page (its id depends on the database, so it is looked up)."""
    from networks.models import Event

    return (
        Event.objects.filter(network__slug="matkailu").order_by("start").first().get_absolute_url()
    )


# The hidden fields a form page draws for each visitor: its CSRF token and submission token.
PER_VISITOR_FIELD = re.compile(r'(name="(csrfmiddlewaretoken|submission_token)" value=")([^"]*)"')


def per_visitor_values(html):
    """{field name: value} of a form page's per-visitor hidden fields."""
    return {name: value for _start, name, value in PER_VISITOR_FIELD.findall(html)}


def without_per_visitor_values(html):
    """The page with those values blanked: what two visitors should share."""
    return PER_VISITOR_FIELD.sub(r'\1"', html)
