from axes import admin as axes_admin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from modeltranslation.admin import TranslationAdmin

from programme.history_admin import RuledHistoryAdmin

from . import services
from .models import AnnualReview, Highlight, ReviewSection
from .reviews import live_review_figures


class SectionInline(admin.StackedInline):
    model = ReviewSection
    extra = 0
    fields = [("order", "heading"), "body"]


class HighlightInline(admin.TabularInline):
    model = Highlight
    extra = 0
    fields = ["order", "category", "title", "description", "network", "link"]
    autocomplete_fields = ["network"]

    # A published review shows its highlights as stored at publishing: they are edited by
    # unpublishing first, like the round, the survey and the contacts.
    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_published) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_published) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_published) and super().has_delete_permission(request, obj)


@admin.register(AnnualReview)
class AnnualReviewAdmin(RuledHistoryAdmin, TranslationAdmin):
    list_display = ["year", "title", "state", "published_at", "assessment_round", "survey"]
    list_filter = ["state"]
    search_fields = ["title", "lead"]
    readonly_fields = ["state", "published_at"]
    filter_horizontal = ["contacts"]
    list_select_related = ["assessment_round", "survey"]
    inlines = [SectionInline, HighlightInline]
    actions = ["publish", "unpublish"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.is_published:  # its figures are stored: keep them its own
            return [*fields, "assessment_round", "survey", "contacts"]
        return fields

    def has_delete_permission(self, request, obj=None):
        """What the public saw stays until an editor deliberately unpublishes it."""
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        if queryset.filter(state=AnnualReview.State.PUBLISHED).exists():
            raise PermissionDenied(
                _("Julkaistua vuosikatsausta ei voi poistaa. Peru ensin sen julkaisu.")
            )
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        """Only the publish services publish: the change form and the history revert form
        (which saves an old version) keep the publication, its stored figures and, while
        published, the round and survey as they are."""
        if change:
            current = AnnualReview.objects.get(pk=obj.pk)
            obj.state, obj.published_at, obj.figures = (
                current.state,
                current.published_at,
                current.figures,
            )
            if current.is_published:
                obj.assessment_round_id, obj.survey_id = (
                    current.assessment_round_id,
                    current.survey_id,
                )
        else:
            obj.state, obj.published_at, obj.figures = AnnualReview.State.DRAFT, None, None
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Julkaise valitut katsaukset"), permissions=["change"])
    def publish(self, request, queryset):
        """First a page naming what will be frozen, with the figures; publish on confirming."""
        reviews = list(queryset.select_related("assessment_round", "survey"))
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Julkaise vuosikatsaus"),
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "rows": [
                    (
                        review,
                        services.review_publish_problems(review),
                        live_review_figures(review),
                    )
                    for review in reviews
                ],
            }
            return TemplateResponse(
                request, "admin/kumppanuus/annualreview/publish_confirm.html", context
            )
        for review in reviews:
            try:
                services.review_publish(review=review, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                reason = " ".join(getattr(error, "messages", None) or [str(error)])
                self.message_user(request, f"{review}: {reason}", messages.ERROR)
            else:
                self.message_user(request, _("Julkaistu: %(title)s") % {"title": review.title})
        return None

    @admin.action(description=_("Peru valittujen katsausten julkaisu"), permissions=["change"])
    def unpublish(self, request, queryset):
        for review in queryset:
            try:
                services.review_unpublish(review=review, user=request.user)
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
                return
        self.message_user(request, _("Julkaisu peruttu."), messages.SUCCESS)


class AccessAttemptAdmin(axes_admin.AccessAttemptAdmin):
    """axes' own admin, whose cleanup action answered 500: it reads request attributes that
    only a login attempt sets."""

    @admin.action(
        description=axes_admin.AccessAttemptAdmin.cleanup_expired_attempts.short_description
    )
    def cleanup_expired_attempts(self, request, queryset):
        AxesProxyHandler.update_request(request)
        return super().cleanup_expired_attempts(request, queryset)


admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AccessAttemptAdmin)


# Second-factor devices hold secrets: they are managed on the sign-in pages and by
# `manage.py reset_two_factor`, never listed in the admin (django-otp registers them).
for _device in (StaticDevice, TOTPDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)
