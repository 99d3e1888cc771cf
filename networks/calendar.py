"""iCalendar (RFC 5545) feeds that a calendar program can subscribe to."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent


def absolute_url(path):
    """A path made absolute with SITE_URL: feeds leave the site, so links must too."""
    return settings.SITE_URL.rstrip("/") + path


def event_uid(event):
    """Stable for the event's lifetime, so a calendar updates the entry instead of adding one."""
    return f"event-{event.pk}@kumppanuusportaali"


def events_to_ical(events, name, now=None):
    # DTSTAMP is when this iCalendar object was made (RFC 5545 3.8.7.2), not the start time.
    stamp = (now or timezone.now()).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", "-//Varsinais-Suomen kumppanuusfoorumi//Kumppanuusportaali//FI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_event_component(event, stamp))
    return calendar.to_ical()


def _event_component(event, stamp):
    component = CalendarEvent()
    component.add("uid", event_uid(event))
    component.add("summary", event.title)
    component.add("dtstart", event.start)
    component.add("dtend", event.end)
    component.add("dtstamp", stamp)
    component.add("location", str(event.location_label))
    description = event.description
    if event.registration_url:
        description = f"{description}\n\n{event.registration_url}".strip()
    if description:
        component.add("description", description)
    component.add("url", absolute_url(event.get_absolute_url()))
    return component
