from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .models import ContactPerson, Event, Network, Theme


@admin.register(Theme)
class ThemeAdmin(TranslationAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ContactInline(admin.TabularInline):
    model = ContactPerson.networks.through
    extra = 0
    verbose_name = _("yhteyshenkilö")
    verbose_name_plural = _("yhteyshenkilöt")
    autocomplete_fields = ["contactperson"]


class EventInline(admin.StackedInline):
    model = Event
    extra = 0
    fields = [("title", "start", "end"), ("place", "online"), "registration_url"]
    show_change_link = True


@admin.register(Network)
class NetworkAdmin(TranslationAdmin):
    list_display = ["name", "kind", "active", "order", "theme_list"]
    list_filter = ["kind", "active", "themes"]
    list_editable = ["order"]
    search_fields = ["name", "short_description", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["themes"]
    inlines = [ContactInline, EventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("themes")

    @admin.display(description=_("teemat"))
    def theme_list(self, network):
        return ", ".join(theme.name for theme in network.themes.all())


@admin.register(ContactPerson)
class ContactPersonAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "organisation", "email", "user"]
    list_filter = ["organisation", "networks"]
    search_fields = ["name", "email", "title"]
    filter_horizontal = ["networks"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "network", "start", "end", "place", "online"]
    list_filter = ["network", "online"]
    search_fields = ["title", "description", "place"]
    date_hierarchy = "start"
    list_select_related = ["network"]
