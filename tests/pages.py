"""One example URL of every public page type, on the demo data (Finnish, no prefix)."""

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
