from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView

from . import selectors
from .calendar import events_to_ical
from .models import Network


class NetworkListView(TemplateView):
    template_name = "networks/network_list.html"

    def get_context_data(self, **kwargs):
        groups = selectors.network_groups(with_themes=True)
        return super().get_context_data(network_cards=selectors.network_cards(groups), **kwargs)


class NetworkDetailView(DetailView):
    template_name = "networks/network_detail.html"
    context_object_name = "network"

    def get_queryset(self):
        return Network.objects.for_detail()

    def get_context_data(self, **kwargs):
        upcoming = selectors.EventList("upcoming", self.object)
        past = selectors.EventList("past", self.object, now=upcoming.now)
        return super().get_context_data(
            upcoming_items=selectors.event_items(upcoming[:20]),
            past_items=selectors.event_items(past[:10], compact=True),
            **kwargs,
        )


class EventFilterForm(forms.Form):
    verkosto = forms.ModelChoiceField(
        label=_("Verkosto"),
        queryset=Network.objects.active(),
        to_field_name="slug",
        required=False,
        empty_label=_("Kaikki verkostot"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class EventListView(ListView):
    template_name = "networks/event_list.html"
    context_object_name = "upcoming_events"
    paginate_by = 50
    cache_query_parameters = ("verkosto", "page")  # the page cache keys on these

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = EventFilterForm(self.request.GET or None)
            self._filter_form.is_valid()
        return self._filter_form

    def selected_network(self):
        form = self.get_filter_form()
        return form.cleaned_data.get("verkosto") if form.is_bound and form.is_valid() else None

    def filtered_events(self, when):
        """The page's lists read at one instant: an event ending between two clock reads
        would be both upcoming and past."""
        if not hasattr(self, "_now"):
            self._now = timezone.now()
        return selectors.EventList(when, self.selected_network(), now=self._now)

    def get_queryset(self):
        return self.filtered_events("upcoming")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_filter_form()
        context["network_choices"] = selectors.network_choices(form["verkosto"].value())
        context["filter_invalid"] = form.is_bound and not form.is_valid()
        context["network"] = self.selected_network()
        context["network_query"] = (
            f"verkosto={context['network'].slug}" if context["network"] else ""
        )
        context.update(self.event_lists(context))
        return context

    def event_lists(self, context):
        """The page's lists of events, drawn (read as values)."""
        past = self.filtered_events("past")[:5]
        return {
            "upcoming_items": selectors.event_items(context["upcoming_events"], show_network=True),
            "past_items": selectors.event_items(past, show_network=True, compact=True),
        }


class EventArchiveView(EventListView):
    """Past events, newest first, paginated; filterable by network like the list."""

    template_name = "networks/event_archive.html"
    context_object_name = "events"
    paginate_by = 30

    def get_queryset(self):
        return self.filtered_events("past")

    def event_lists(self, context):
        return {}  # the template groups the page's events by year


class EventDetailView(DetailView):
    template_name = "networks/event_detail.html"
    context_object_name = "event"

    def get_object(self, queryset=None):
        return selectors.event_for_page(self.kwargs["pk"])


def _ical_response(events, name):
    response = HttpResponse(
        events_to_ical(events, name), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="tapahtumat.ics"'
    return response


def events_ical(request):
    return _ical_response(selectors.events_of(), str(_("Kumppanuusfoorumin tapahtumat")))


def network_events_ical(request, slug):
    network = selectors.active_network(slug)
    return _ical_response(network.events.with_network(), network.name)


def event_ical(request, pk):
    event = selectors.event_for_page(pk)
    return _ical_response([event], event.title)
