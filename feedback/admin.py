from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models.constants import LOOKUP_SEP
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from csvutil import csv_response
from networks.models import Network
from networks.roles import is_editor

from . import services
from .models import PERSONAL_FIELDS, Idea


class ForwardForm(forms.Form):
    network = forms.ModelChoiceField(label=_("Verkosto"), queryset=Network.objects.active())


class IdeaAdminForm(forms.ModelForm):
    """An editor's triage. The texts the public summary shows are refused while they carry
    the sender's name, email or organisation (they would outlive the purge of the fields)."""

    def clean_summary(self):
        return self._without_sender("summary")

    def clean_public_response(self):
        return self._without_sender("public_response")

    def _without_sender(self, field):
        text = self.cleaned_data[field]
        if self.instance.without_sender(text) != text:
            raise ValidationError(
                _(
                    "Tekstissä on idean lähettäjän nimi, sähköpostiosoite tai organisaatio. "
                    "Julkinen teksti ei saa sisältää henkilötietoja: poista ne."
                ),
                code="personal_data",
            )
        return text


class YearFilter(admin.SimpleListFilter):
    title = _("saapumisvuosi")
    parameter_name = "vuosi"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("created", "year", order="DESC")
        return [(str(day.year), str(day.year)) for day in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(created__year=int(self.value()))
        return queryset


# An editor sees and triages everything; a network's contact person sees the idea without its
# sender (message_for_network) and writes only the network's own note.
EDITOR_READONLY = ["topic", "message", "created", "personal_data_purged_at", *PERSONAL_FIELDS]
EDITOR_FIELDS = [
    "topic",
    "message",
    "created",
    "state",
    "forwarded_to",
    *PERSONAL_FIELDS,
    "staff_note",
    "network_note",
    "summary",
    "public_response",
    "personal_data_purged_at",
]
NETWORK_READONLY = ["topic", "message_for_network", "created", "state", "forwarded_to"]
NETWORK_FIELDS = [*NETWORK_READONLY, "network_note"]


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    form = IdeaAdminForm
    list_display = [
        "beginning",
        "topic",
        "state",
        "forwarded_to",
        "created",
        "has_public_response",
    ]
    list_filter = ["state", YearFilter, "topic", "forwarded_to"]
    search_fields = ["message", "staff_note", "public_response"]
    date_hierarchy = "created"
    list_select_related = ["forwarded_to"]
    actions = ["forward_to_network", "erase_personal_data", "export_csv"]

    def is_editor(self, request):
        return is_editor(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.is_editor(request):
            return queryset
        return queryset.forwarded_to_networks_of(request.user)

    def get_fields(self, request, obj=None):
        return list(EDITOR_FIELDS if self.is_editor(request) else NETWORK_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return list(EDITOR_READONLY if self.is_editor(request) else NETWORK_READONLY)

    @admin.display(description=_("kehittämisidea"))
    def message_for_network(self, idea):
        """A network sees the idea without the sender's own name, email or organisation."""
        return idea.message_for_network

    def has_add_permission(self, request):
        return False

    def lookup_allowed(self, lookup, value, request):
        """A role filters only on fields it is shown: no `?email__startswith=` oracle. (The list
        filters' own parameters, like the year's, are not fields and go to the default check.)"""
        field_names = {field.name for field in self.model._meta.get_fields()}
        hidden = field_names - set(self.get_fields(request))
        if lookup.split(LOOKUP_SEP)[0] in hidden:
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        """A network searches its own notes only: a search of the ideas' texts would find
        the sender's details where the sender signed (shown to it as [poistettu])."""
        if self.is_editor(request):
            return self.search_fields
        return ["network_note"]

    def save_model(self, request, obj, form, change):
        services.idea_admin_save(idea=obj, fields=form.changed_data)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.is_editor(request):
            actions.pop("forward_to_network", None)
        return actions

    @admin.display(description=_("idea"), ordering="-created")
    def beginning(self, idea):
        return idea.excerpt

    @admin.display(boolean=True, description=_("julkinen vastaus"))
    def has_public_response(self, idea):
        return bool(idea.public_response)

    @admin.action(description=_("Välitä valitut ideat verkostolle"), permissions=["delete"])
    def forward_to_network(self, request, queryset):
        form = ForwardForm(request.POST if "network" in request.POST else None)
        if form.is_valid():
            try:
                for idea in queryset:
                    services.idea_forward(idea=idea, network=form.cleaned_data["network"])
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            self.message_user(request, _("Ideat välitetty."), messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Välitä ideat verkostolle"),
            "form": form,
            "ideas": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/feedback/forward.html", context)

    @admin.action(
        description=_("Poista valittujen ideoiden lähettäjän tiedot (pyynnöstä)"),
        permissions=["delete"],
    )
    def erase_personal_data(self, request, queryset):
        """A sender asks for their data to be erased: the idea stays, without them."""
        erased = services.ideas_erase_personal_data(ideas=queryset)
        self.message_user(
            request,
            ngettext(
                "Lähettäjän tiedot poistettu %(count)s ideasta.",
                "Lähettäjän tiedot poistettu %(count)s ideasta.",
                erased,
            )
            % {"count": erased},
            messages.SUCCESS,
        )

    @admin.action(description=_("Vie valitut CSV-tiedostoon"), permissions=["view"])
    def export_csv(self, request, queryset):
        """Editors get the personal data too; contact persons never do."""
        with_personal = self.is_editor(request)
        columns = ["created", "topic", "state", "message", "public_response"]
        if with_personal:
            columns += PERSONAL_FIELDS
        # A network reads the idea as it does on its change page: without the sender's details.
        shown = {} if with_personal else {"message": "message_for_network"}
        rows = (
            [getattr(idea, shown.get(column, column)) for column in columns]
            + [idea.forwarded_to.name if idea.forwarded_to else ""]
            for idea in queryset.select_related("forwarded_to")
        )
        return csv_response("kehittamisideat.csv", columns + ["forwarded_to"], rows)
