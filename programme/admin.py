from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from networks.models import Network, networks_of_user

from . import rules, selectors, services
from .forms import PriorityForm, RoundCreateForm, status_formset
from .history_admin import RuledHistoryAdmin
from .models import AssessmentRound, Measure, MeasureStatus, Priority, Programme, StatusLevel
from .progress import network_completion, unconfirmed_networks


def titled(title, base):
    """A list filter of class `base` under its own heading, so no two filters share a name."""

    class Titled(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


class FixedStructureNotice:
    """A change form that says, above the form, why some of its fields are read-only once the
    programme has a closed round (rules.structure_fixed)."""

    fixed_structure_notice = ""

    def programme_of(self, obj):
        return obj

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj and rules.structure_fixed(self.programme_of(obj)):
            messages.info(request, self.fixed_structure_notice)
        return super().render_change_form(request, context, add, change, form_url, obj)


class StatusLevelInline(TranslationTabularInline):
    """The scale: fixed in size and order once a round has closed (rules.structure_fixed)."""

    model = StatusLevel
    extra = 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not rules.structure_fixed(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not rules.structure_fixed(obj)

    def get_readonly_fields(self, request, obj=None):
        fixed = ["rank"] if rules.structure_fixed(obj) else []
        return [*super().get_readonly_fields(request, obj), *fixed]


class PriorityInline(TranslationTabularInline):
    """Priorities can be added at any time; an existing one's code is fixed with the scale."""

    model = Priority
    form = PriorityForm
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.code_fixed = rules.structure_fixed(obj)  # a class made for this call
        return formset


@admin.register(Programme)
class ProgrammeAdmin(FixedStructureNotice, TranslationAdmin):
    list_display = ["name", "first_year", "last_year"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StatusLevelInline, PriorityInline]
    fixed_structure_notice = _(
        "Ohjelmalla on suljettu arviointikierros, joten asteikon tasoja ei voi "
        "lisätä, poistaa eikä järjestää uudelleen eikä painopisteiden tunnuksia "
        "muuttaa: suljettujen vuosien luvut ja linkit on tallennettu niiden mukaan. "
        "Nimiä, kuvauksia ja värejä voi korjata ja uusia painopisteitä lisätä."
    )


@admin.register(Measure)
class MeasureAdmin(FixedStructureNotice, TranslationAdmin):
    list_display = ["code", "title", "priority", "programme"]
    list_filter = ["programme", "priority", "networks"]
    search_fields = ["code", "title", "description"]
    filter_horizontal = ["networks"]
    list_select_related = ["priority", "programme"]

    def get_readonly_fields(self, request, obj=None):
        fixed = (
            ["programme", "code", "priority"]
            if obj and rules.structure_fixed(self.programme_of(obj))
            else []
        )
        return [*super().get_readonly_fields(request, obj), *fixed]

    fixed_structure_notice = _(
        "Ohjelmalla on suljettu arviointikierros, joten toimenpiteen tunnusta ja "
        "painopistettä ei voi muuttaa: suljettujen vuosien sivut ja linkit käyttävät "
        "niitä. Otsikkoa, kuvausta ja verkostoja voi muuttaa."
    )

    def programme_of(self, measure):
        return measure.programme


@admin.register(AssessmentRound)
class AssessmentRoundAdmin(admin.ModelAdmin):
    list_display = ["__str__", "programme", "year", "state", "opens", "closes"]
    list_filter = ["programme", "state"]
    readonly_fields = ["state", "completion"]
    actions = ["open_rounds", "close_rounds", "send_reminders"]

    def has_manage_rounds_permission(self, request):
        return rules.can_manage_rounds(request.user)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = RoundCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["programme", "year", "opens", "closes", "copy_previous"]
        return ["programme", "year", "opens", "closes", "state", "completion"]

    def get_readonly_fields(self, request, obj=None):
        return ["programme", "year", "state", "completion"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return services.round_details_save(assessment_round=obj, fields=form.changed_data)
        created = services.round_create(
            programme=obj.programme,
            year=obj.year,
            opens=obj.opens,
            closes=obj.closes,
            copy_previous=form.cleaned_data["copy_previous"],
        )
        obj.pk = created.pk

    @admin.display(description=_("Arvioinnin tilanne verkostoittain"))
    def completion(self, obj):
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{} / {}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    n.name,
                    n.assessed - n.copied,
                    n.promoted,
                    n.copied,
                    _("vahvistettu") if n.confirmed else _("ei vahvistettu"),
                )
                for n in network_completion(obj)
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("Verkosto"),
            _("Arvioitu / edistää"),
            _("Kopioitu, tarkistamatta"),
            _("Tila"),
            rows,
        )

    def _round_service(self, request, service, assessment_round):
        """Run a round service; a refusal is shown with its reason (and answers False)."""
        try:
            service(assessment_round=assessment_round, user=request.user)
        except (PermissionDenied, ValidationError) as error:
            reason = " ".join(getattr(error, "messages", None) or [str(error)])
            self.message_user(request, f"{assessment_round}: {reason}", messages.ERROR)
            return False
        return True

    def _each_round(self, request, queryset, service, done_message):
        """Run a round service on each selected round; a refusal stops with its reason."""
        if all(self._round_service(request, service, r) for r in queryset):
            self.message_user(request, done_message, messages.SUCCESS)

    @admin.action(
        description=_("Avaa valitut kierrokset arvioitaviksi"), permissions=["manage_rounds"]
    )
    def open_rounds(self, request, queryset):
        self._each_round(request, queryset, services.round_open, _("Kierrokset avattu."))

    @admin.action(
        description=_("Sulje valitut kierrokset (luvut jäädytetään)"), permissions=["manage_rounds"]
    )
    def close_rounds(self, request, queryset):
        for assessment_round in queryset:
            missing = unconfirmed_networks(assessment_round)
            if not self._round_service(request, services.round_close, assessment_round):
                return
            if missing:
                self.message_user(
                    request,
                    _("Vuosi %(year)s suljettu. Arviotaan ei vahvistaneet: %(names)s.")
                    % {
                        "year": assessment_round.year,
                        "names": ", ".join(n.name for n in missing),
                    },
                    messages.WARNING,
                )
            else:
                self.message_user(
                    request,
                    _("Vuosi %(year)s suljettu. Kaikki verkostot vahvistivat arvionsa.")
                    % {"year": assessment_round.year},
                    messages.SUCCESS,
                )

    @admin.action(
        description=_("Lähetä muistutus verkostoille, joiden arvio on kesken"),
        permissions=["manage_rounds"],
    )
    def send_reminders(self, request, queryset):
        rounds = queryset.filter(state="open")
        try:
            sent = len(services.reminders_send(rounds=rounds, user=request.user))
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        except ValidationError as error:  # the mail server did not take them
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("%(n)d muistutus lähetetty.", "%(n)d muistutusta lähetetty.", sent)
            % {"n": sent},
            messages.SUCCESS,
        )
        unreachable = services.reminders_unreachable_text(rounds)
        if unreachable:
            self.message_user(request, unreachable, messages.WARNING)


@admin.register(MeasureStatus)
class MeasureStatusAdmin(RuledHistoryAdmin):
    list_display = ["measure", "network", "year", "level", "updated_by", "updated_at"]
    list_filter = [
        ("round__programme", titled(_("ohjelma"), admin.RelatedFieldListFilter)),
        ("round__year", titled(_("arviointivuosi"), admin.AllValuesFieldListFilter)),
        ("round__state", titled(_("kierroksen tila"), admin.ChoicesFieldListFilter)),
        # Only the networks in the rows the user may see: a contact person's own.
        ("network", titled(_("verkosto"), admin.RelatedOnlyFieldListFilter)),
        ("level", titled(_("arvioitu taso"), admin.RelatedFieldListFilter)),
        "copied",
    ]
    search_fields = ["measure__code", "measure__title", "note"]
    list_select_related = ["measure", "network", "round", "level", "updated_by"]
    history_list_display = ["level", "note"]
    change_list_template = "admin/programme/measurestatus_change_list.html"
    readonly_fields = ["updated_by", "updated_at"]

    @admin.display(description=_("vuosi"), ordering="round__year")
    def year(self, obj):
        return obj.round.year

    def _sees_all(self, request):
        return rules.sees_all_networks(request.user)

    def get_queryset(self, request):
        return rules.statuses_visible_to(request.user, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or rules.can_see_status(request.user, obj)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return True
        return rules.can_edit_statuses(request.user, obj.round, obj.network)

    def has_revert_permission(self, request, obj):
        return rules.can_revert_status(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return self._sees_all(request)
        return rules.can_delete_status(request.user, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not self._sees_all(request):
            if db_field.name == "network":
                kwargs["queryset"] = networks_of_user(request.user)
            elif db_field.name == "round":
                kwargs["queryset"] = AssessmentRound.objects.open()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.status_save(user=request.user, status=obj)

    def delete_model(self, request, obj):
        services.statuses_delete(user=request.user, statuses=[obj])

    def delete_queryset(self, request, queryset):
        services.statuses_delete(user=request.user, statuses=queryset.select_related("network"))

    # The contact person's screen: one network's whole year in one save.

    def get_urls(self):
        return [
            path(
                "arvioi/",
                self.admin_site.admin_view(self.assess_index_view),
                name="programme_measurestatus_assess_index",
            ),
            path(
                "arvioi/<int:round_id>/<slug:network_slug>/",
                self.admin_site.admin_view(self.assess_view),
                name="programme_measurestatus_assess",
            ),
            *super().get_urls(),
        ]

    def assess_index_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Toimenpiteiden arviointi"),
            "tasks": selectors.assessment_tasks(request.user),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/programme/assess_index.html", context)

    def assess_view(self, request, round_id, network_slug):
        assessment_round = get_object_or_404(
            AssessmentRound.objects.select_related("programme"), pk=round_id
        )
        network = get_object_or_404(Network, slug=network_slug)
        if not rules.can_edit_statuses(request.user, assessment_round, network):
            return self.assess_denied(request, assessment_round, network)
        measures, current, previous, earlier = selectors.assess_screen(assessment_round, network)
        levels = assessment_round.programme.levels.order_by("rank")
        formset = status_formset(measures, levels, current, data=request.POST or None)
        confirming = "confirm" in request.POST
        if request.method == "POST" and formset.is_valid():
            rows = [
                (measure, form.cleaned_data["level"], form.cleaned_data["note"])
                for measure, form in zip(measures, formset.forms, strict=True)
            ]
            save = services.assessment_confirm if confirming else services.statuses_save
            try:
                written = save(
                    user=request.user, assessment_round=assessment_round, network=network, rows=rows
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                saved = ngettext(
                    "%(n)d arvio tallennettu.", "%(n)d arviota tallennettu.", written
                ) % {"n": written}
                if confirming:
                    saved += " " + _("Vuoden %(year)s arvio on vahvistettu. Kiitos!") % {
                        "year": assessment_round.year
                    }
                messages.success(request, saved)
                return redirect(request.path)
        confirmation = assessment_round.confirmations.filter(network=network).first()
        rows = [
            selectors.AssessRow(m, form, current.get(m.pk), previous.get(m.pk))
            for m, form in zip(measures, formset.forms, strict=False)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(network)s: arviointi %(year)s")
            % {"network": network.name, "year": assessment_round.year},
            "network": network,
            "round": assessment_round,
            "previous_round": earlier,
            "confirmation": confirmation,
            "formset": formset,
            "rows": rows,
            "copies": sum(1 for row in rows if row.unchecked_copy),
            "opts": self.model._meta,
            "index_url": reverse("admin:programme_measurestatus_assess_index"),
        }
        return TemplateResponse(request, "admin/programme/assess_form.html", context)

    def assess_denied(self, request, assessment_round, network):
        """The 403 of the assessment screen, in the admin's look, saying why and what to do."""
        if not assessment_round.is_open:
            reason = _(
                "Vuoden %(year)s arviointikierros on suljettu, joten sen arvioita ei voi enää "
                "muuttaa. Suljetun vuoden luvut on jäädytetty julkaistua katsausta varten."
            ) % {"year": assessment_round.year}
        else:
            reason = _(
                "Et ole verkoston %(network)s yhteyshenkilö, joten et voi arvioida sen "
                "toimenpiteitä. Jos sinun kuuluisi olla, pyydä toimitusta liittämään sinut "
                "verkostoon."
            ) % {"network": network.name}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Et voi muokata tätä arviota"),
            "reason": reason,
            "tasks": selectors.assessment_tasks(request.user),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/programme/assess_denied.html", context, status=403)
