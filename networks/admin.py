from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from adminrows import OddValueSafeAutocomplete, SharedChoicesInline

from . import services
from .models import ContactPerson, Event, Network, Theme, can_edit_event, networks_of_user


def invite_contacts(model_admin, request, contacts):
    """Invite each contact; say who got an invitation and why anyone did not."""
    invited = []
    for contact in contacts:
        try:
            services.contact_invite(contact=contact, invited_by=request.user)
        except ValidationError as error:
            model_admin.message_user(request, " ".join(error.messages), messages.WARNING)
        else:
            invited.append(contact.name)
    if invited:
        model_admin.message_user(
            request,
            _(
                "Kutsu lähetetty: %(names)s. Linkki salasanan asettamiseen on voimassa "
                "%(days)d päivää."
            )
            % {"names": ", ".join(invited), "days": settings.PASSWORD_RESET_TIMEOUT // 86400},
            messages.SUCCESS,
        )
    elif not contacts:
        model_admin.message_user(request, _("Ei kutsuttavia yhteyshenkilöitä."), messages.INFO)


@admin.register(Theme)
class ThemeAdmin(TranslationAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class ContactInline(SharedChoicesInline, admin.TabularInline):
    model = ContactPerson.networks.through
    extra = 0
    verbose_name = _("yhteyshenkilö")
    verbose_name_plural = _("yhteyshenkilöt")


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
    actions = ["invite_contacts"]

    @admin.action(
        description=_("Kutsu valittujen verkostojen yhteyshenkilöt ylläpitoon"),
        permissions=["change"],
    )
    def invite_contacts(self, request, queryset):
        contacts = ContactPerson.objects.filter(networks__in=queryset).distinct()
        invite_contacts(self, request, contacts.filter(user=None))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("themes")

    @admin.display(description=_("teemat"))
    def theme_list(self, network):
        return ", ".join(theme.name for theme in network.themes.all())


@admin.register(ContactPerson)
class ContactPersonAdmin(OddValueSafeAutocomplete, admin.ModelAdmin):
    list_display = ["name", "title", "organisation", "email", "user"]
    list_filter = ["organisation", "networks"]
    search_fields = ["name", "email", "title"]
    filter_horizontal = ["networks"]
    autocomplete_fields = ["user"]
    list_select_related = ["user"]
    actions = ["invite"]

    @admin.action(description=_("Kutsu valitut ylläpitoon (sähköposti)"), permissions=["change"])
    def invite(self, request, queryset):
        invite_contacts(self, request, queryset)


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "network", "start", "end", "place", "online"]
    list_filter = [("network", admin.RelatedOnlyFieldListFilter), "online"]
    search_fields = ["title", "description", "place"]
    date_hierarchy = "start"
    list_select_related = ["network"]

    # Contact persons add and edit their own networks' events; every check is can_edit_event.

    def _all_networks(self, request):
        return request.user.has_perm("networks.change_network")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._all_networks(request):
            return queryset
        return queryset.filter(network__in=networks_of_user(request.user))

    def has_add_permission(self, request):
        return super().has_add_permission(request) and (
            self._all_networks(request) or networks_of_user(request.user).exists()
        )

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_event(request.user, obj.network))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_edit_event(request.user, obj.network))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "network" and not self._all_networks(request):
            kwargs["queryset"] = networks_of_user(request.user)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not can_edit_event(request.user, obj.network):
            raise PermissionDenied
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        if not can_edit_event(request.user, obj.network):
            raise PermissionDenied
        super().delete_model(request, obj)
