from django.urls import path

from . import views

app_name = "networks"

urlpatterns = [
    path("verkostot/", views.NetworkListView.as_view(), name="network-list"),
    path("verkostot/<slug:slug>/", views.NetworkDetailView.as_view(), name="network-detail"),
    path(
        "verkostot/<slug:slug>/tapahtumat.ics",
        views.network_events_ical,
        name="network-events-ical",
    ),
    path("tapahtumat/", views.EventListView.as_view(), name="event-list"),
    path("tapahtumat/arkisto/", views.EventArchiveView.as_view(), name="event-archive"),
    path("tapahtumat/<int:pk>/", views.EventDetailView.as_view(), name="event-detail"),
    path("tapahtumat/<int:pk>/tapahtuma.ics", views.event_ical, name="event-ical"),
    path("tapahtumat.ics", views.events_ical, name="events-ical"),
]
