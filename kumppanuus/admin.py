from axes import admin as axes_admin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from modeltranslation.admin import TranslationAdmin

from adminrows import SharedChoicesInline
from programme.history_admin import RuledHistoryAdmin

from . import services
from .models import AnnualReview, Highlight, ReviewSection
from .reviews import live_review_figures


def _stored_as_published(review):
    """Whether the review is published as stored now (`review` may be an old version)."""
    if review is None or review.pk is None:
        return False
    state = AnnualReview.objects.filter(pk=review.pk).values_list("state", flat=True).first()
    return state == AnnualReview.State.PUBLISHED


class LockedWhilePublishedInline:
    """Rows of a published review are read-only: it is edited by unpublishing first."""

    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_published) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_published) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_published) and super().has_delete_permission(request, obj)


class SectionInline(LockedWhilePublishedInline, admin.StackedInline):
    model = ReviewSection
    extra = 0
    fields = [("order", "heading"), "body"]


class HighlightInline(LockedWhilePublishedInline, SharedChoicesInline, admin.TabularInline):
    model = Highlight
    extra = 0
    fields = ["order", "category", "title", "description", "network", "link"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("network")


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
        """A published review is locked, all of it: what the public saw changes only when an
        editor deliberately unpublishes it (then edits and publishes again)."""
        fields = super().get_readonly_fields(request, obj)
        if _stored_as_published(obj):  # obj may be an old version (the history revert form)
            model_fields = [*self.model._meta.fields, *self.model._meta.many_to_many]
            return [*fields, *(f.name for f in model_fields if f.editable and f.name not in fields)]
        return fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, object_id)
        if request.method == "GET" and review is not None and review.is_published:
            self.message_user(
                request,
                _(
                    "Julkaistu katsaus on lukittu. Muokataksesi sitä peru ensin sen julkaisu "
                    "(toiminto katsausten luettelossa) ja julkaise se sitten uudelleen."
                ),
                messages.INFO,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_revert_permission(self, request, obj):
        """Reverting is editing: a published review is first unpublished."""
        return not _stored_as_published(obj) and super().has_revert_permission(request, obj)

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
        services.review_form_save(review=obj, adding=not change)

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
for _device in (EmailDevice, StaticDevice, TOTPDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)
