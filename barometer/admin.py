from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin

from adminrows import OddValueSafeAutocomplete
from csvutil import csv_response

from . import services
from .importing import (
    ID_COLUMN,
    MAX_IMPORT_BYTES,
    OPEN_COLUMN,
    ORGANISATION_COLUMN,
    TIME_COLUMN,
    ImportRefused,
    read_upload,
    survey_import_csv,
)
from .models import Answer, OrganisationType, Question, Response, Statement, Survey


@admin.register(Statement)
class StatementAdmin(TranslationAdmin):
    list_display = ["key", "text", "is_headline"]
    search_fields = ["key", "text"]

    def get_readonly_fields(self, request, obj=None):
        """The key is how years are matched into a trend and how stored results name the
        statement: fixed once made (a new wording keeps it; a new statement gets a new one)."""
        return ["key"] if obj else []


class QuestionInline(OddValueSafeAutocomplete, admin.TabularInline):
    """A survey's statements, read-only once its answers are final (a question removed would
    take its answers with it)."""

    model = Question
    extra = 0
    autocomplete_fields = ["statement"]

    def has_add_permission(self, request, obj=None):
        return not _final(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _final(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _final(obj) and super().has_delete_permission(request, obj)


def _final(survey):
    return survey is not None and survey.answers_final


def _locked(survey):
    return survey is not None and services.survey_details_locked(survey)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV-tiedosto"),
        help_text=_(
            "Kyselytyökalun vienti: UTF-8 tai Windows-1252, pilkku tai puolipiste erottimena."
        ),
    )


NETWORK_BLOCKS_SHOWN = 20


def import_columns(survey):
    """(column name, what it holds) of the survey's import file, in order."""
    questions = survey.questions.select_related("statement").order_by("order", "pk")
    columns = [
        (ID_COLUMN, _("vastaajan tunniste kyselytyökalussa")),
        (TIME_COLUMN, _("vastausaika, VVVV-KK-PP TT:MM")),
        (ORGANISATION_COLUMN, _("organisaation tyyppi")),
    ]
    has_open = False
    for question in questions:
        if question.kind == Question.Kind.LIKERT:
            columns.append((question.statement.key, question.statement.text))
        elif question.kind == Question.Kind.OPEN_TEXT:
            has_open = True
    if has_open:
        columns.append((OPEN_COLUMN, _("avoin vastaus")))
    return columns


def import_template_examples(survey, columns):
    examples = {
        ID_COLUMN: "esim-1",
        TIME_COLUMN: f"{survey.year}-11-24 16:22",
        ORGANISATION_COLUMN: OrganisationType.choices[0][0],
        OPEN_COLUMN: "",
    }
    return [(name, examples.get(name, "4")) for name, _text in columns]


def import_summary_message(summary):
    created = ngettext(
        "Tuotu %(count)s vastaus.", "Tuotu %(count)s vastausta.", summary.created
    ) % {"count": summary.created}
    if not summary.skipped_existing:
        return created
    skipped = ngettext(
        "%(count)s oli jo tuotu aiemmin.",
        "%(count)s oli jo tuotu aiemmin.",
        summary.skipped_existing,
    ) % {"count": summary.skipped_existing}
    return f"{created} {skipped}"


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "state", "results_published", "response_count", "import_link"]
    list_filter = ["state", "results_published"]
    readonly_fields = [
        "state",
        "results_published",
        "results_first_published",
        "answers_by_network",
    ]
    inlines = [QuestionInline]
    actions = [
        "open_surveys",
        "close_surveys",
        "publish_results",
        "unpublish_results",
        "export_open_answers",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_responses=Count("responses"))

    def get_readonly_fields(self, request, obj=None):
        if not _locked(obj):
            return self.readonly_fields
        editable = (f.name for f in self.model._meta.fields if f.editable)
        return [*self.readonly_fields, *(n for n in editable if n not in self.readonly_fields)]

    def has_delete_permission(self, request, obj=None):
        """What the public saw stays until an editor deliberately unpublishes it."""
        return not _locked(obj) and super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        if any(_locked(survey) for survey in queryset):
            raise PermissionDenied(services.survey_details_locked_message())
        super().delete_queryset(request, queryset)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET" and _locked(self.get_object(request, object_id)):
            self.message_user(request, services.survey_details_locked_message(), messages.INFO)
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            return services.survey_details_save(survey=obj, fields=form.changed_data)
        return super().save_model(request, obj, form, change)

    @admin.display(description=_("vastauksia"), ordering="n_responses")
    def response_count(self, survey):
        return survey.n_responses

    @admin.display(description=_("verkkolomakkeen vastaukset osoitelohkoittain"))
    def answers_by_network(self, survey):
        """How many web answers came from each client network block: stuffing shows."""
        if survey.pk is None:
            return "–"
        rows = (
            survey.responses.exclude(client_network="")
            .values_list("client_network")
            .annotate(answers=Count("pk"))
            .order_by("-answers", "client_network")[:NETWORK_BLOCKS_SHOWN]
        )
        if not rows:
            return _("Ei verkkolomakkeen vastauksia.")
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("osoitelohko"),
            _("vastauksia"),
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows),
        )

    @admin.display(description=_("tuonti"))
    def import_link(self, survey):
        url = reverse("admin:barometer_survey_import", args=[survey.pk])
        return format_html('<a href="{}">{}</a>', url, _("Tuo vastauksia CSV:stä"))

    def get_urls(self):
        return [
            path(
                "<int:survey_id>/tuo/",
                self.admin_site.admin_view(self.import_view),
                name="barometer_survey_import",
            ),
            path(
                "<int:survey_id>/tuo/pohja.csv",
                self.admin_site.admin_view(self.import_template_view),
                name="barometer_survey_import_template",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request, survey_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        survey = get_object_or_404(Survey, pk=survey_id)
        form = ImportForm(request.POST or None, request.FILES or None)
        errors = frozen = None
        if request.method == "POST" and form.is_valid():
            try:
                summary = survey_import_csv(
                    survey=survey, data=read_upload(form.cleaned_data["file"])
                )
            except ImportRefused as refused:
                errors = refused
            except services.SurveyFrozen as refusal:
                frozen = refusal
            else:
                messages.success(request, import_summary_message(summary))
                return redirect("admin:barometer_survey_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Tuo vastauksia: %(title)s") % {"title": survey.title},
            "survey": survey,
            "form": form,
            "refused": errors,
            "frozen": services.survey_answers_refusal(survey),
            "opts": self.model._meta,
            "columns": import_columns(survey),
            "organisation_types": OrganisationType.choices,
            "max_megabytes": MAX_IMPORT_BYTES // 1024 // 1024,
        }
        status = 409 if frozen else 400 if errors else 200
        return TemplateResponse(request, "admin/barometer/import.html", context, status=status)

    def import_template_view(self, request, survey_id):
        """A CSV with the survey's header and one example row, to fill in or to compare."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        survey = get_object_or_404(Survey, pk=survey_id)
        columns = import_columns(survey)
        return csv_response(
            f"barometri-{survey.year}-pohja.csv",
            [name for name, _text in columns],
            [[example for _name, example in import_template_examples(survey, columns)]],
        )

    def _each(self, request, queryset, service, done_message):
        for survey in queryset:
            try:
                service(survey=survey)
            except ValidationError as error:
                self.message_user(request, f"{survey}: {' '.join(error.messages)}", messages.ERROR)
                return
        self.message_user(request, done_message, messages.SUCCESS)

    @admin.action(description=_("Avaa valitut kyselyt vastattaviksi"), permissions=["change"])
    def open_surveys(self, request, queryset):
        self._each(request, queryset, services.survey_open, _("Kyselyt avattu."))

    @admin.action(description=_("Sulje valitut kyselyt"), permissions=["change"])
    def close_surveys(self, request, queryset):
        self._each(request, queryset, services.survey_close, _("Kyselyt suljettu."))

    @admin.action(description=_("Julkaise valittujen kyselyjen tulokset"), permissions=["change"])
    def publish_results(self, request, queryset):
        self._each(request, queryset, services.results_publish, _("Tulokset julkaistu."))

    @admin.action(description=_("Peru tulosten julkaisu"), permissions=["change"])
    def unpublish_results(self, request, queryset):
        self._each(request, queryset, services.results_unpublish, _("Julkaisu peruttu."))

    @admin.action(
        description=_("Vie avoimet vastaukset (CSV, vain toimitukselle)"), permissions=["change"]
    )
    def export_open_answers(self, request, queryset):
        answers = (
            Answer.objects.filter(
                response__survey__in=queryset, question__kind=Question.Kind.OPEN_TEXT
            )
            .exclude(text="")
            .order_by("response__survey__year", "response__submitted")
            .values_list(
                "response__survey__year",
                "response__submitted",
                "response__organisation_type",
                "text",
            )
        )
        return csv_response(
            "avoimet-vastaukset.csv", ["vuosi", "vastattu", "organisaatio", "vastaus"], answers
        )


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    readonly_fields = ["question", "value", "dont_know", "text"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Read-only: answers are changed only by importing or by the respondents themselves."""

    list_display = ["survey", "submitted", "organisation_type", "source", "external_id"]
    list_filter = ["survey", "source", "organisation_type"]
    search_fields = ["external_id", "answers__text"]
    list_select_related = ["survey"]
    readonly_fields = ["survey", "submitted", "organisation_type", "source", "external_id"]
    inlines = [AnswerInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        """Stuffed ballots may go until the results have been public; then answers are final."""
        if obj is not None and obj.survey.answers_final:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        if queryset.filter(survey__in=Survey.objects.answers_final()).exists():
            raise PermissionDenied(
                _("Julkaistun kyselyn vastauksia ei voi poistaa: vastaukset ovat lopulliset.")
            )
        super().delete_queryset(request, queryset)
