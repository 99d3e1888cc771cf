from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView

from .calendar import events_to_ical
from .models import Event, Network


class NetworkListView(ListView):
    template_name = "networks/network_list.html"
    context_object_name = "networks"

    def get_queryset(self):
        return Network.objects.for_listing().order_by("kind", "order", "name")


class NetworkDetailView(DetailView):
    template_name = "networks/network_detail.html"
    context_object_name = "network"

    def get_queryset(self):
        return Network.objects.for_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = self.object.events.all()
        context["upcoming_events"] = events.upcoming()[:20]
        context["past_events"] = events.past()[:10]
        return context


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

    def get_filter_form(self):
        if not hasattr(self, "_filter_form"):
            self._filter_form = EventFilterForm(self.request.GET or None)
            self._filter_form.is_valid()
        return self._filter_form

    def selected_network(self):
        form = self.get_filter_form()
        return form.cleaned_data.get("verkosto") if form.is_bound and form.is_valid() else None

    def filtered_events(self):
        events = Event.objects.with_network()
        network = self.selected_network()
        return events.filter(network=network) if network else events

    def get_queryset(self):
        return self.filtered_events().upcoming()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.get_filter_form()
        context["filter_form"] = form
        context["filter_invalid"] = form.is_bound and not form.is_valid()
        context["network"] = self.selected_network()
        context["network_query"] = (
            f"verkosto={context['network'].slug}" if context["network"] else ""
        )
        context["past_events"] = self.filtered_events().past()[:30]
        return context


def _ical_response(events, name):
    response = HttpResponse(
        events_to_ical(events, name), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="tapahtumat.ics"'
    return response


def events_ical(request):
    return _ical_response(Event.objects.with_network(), str(_("Kumppanuusfoorumin tapahtumat")))


def network_events_ical(request, slug):
    network = get_object_or_404(Network.objects.active(), slug=slug)
    return _ical_response(network.events.with_network(), network.name)
