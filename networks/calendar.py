"""iCalendar (RFC 5545) feeds that a calendar program can subscribe to."""

from django.conf import settings
from icalendar import Calendar
from icalendar import Event as CalendarEvent


def events_to_ical(events, name):
    calendar = Calendar()
    calendar.add("prodid", "-//Varsinais-Suomen kumppanuusfoorumi//Kumppanuusportaali//FI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_event_component(event))
    return calendar.to_ical()


def _event_component(event):
    component = CalendarEvent()
    component.add("uid", f"event-{event.pk}@kumppanuusportaali")
    component.add("summary", event.title)
    component.add("dtstart", event.start)
    component.add("dtend", event.end)
    component.add("dtstamp", event.start)
    component.add("location", str(event.location_label))
    if event.description:
        component.add("description", event.description)
    if event.registration_url:
        component.add("url", event.registration_url)
    elif event.network_id:
        component.add("url", settings.SITE_URL.rstrip("/") + event.network.get_absolute_url())
    return component
