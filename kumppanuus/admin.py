from axes import admin as axes_admin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from programme.history_admin import RuledHistoryAdmin

from . import services
from .models import AnnualReview, Highlight, ReviewSection


class SectionInline(admin.StackedInline):
    model = ReviewSection
    extra = 0
    fields = [("order", "heading"), "body"]


class HighlightInline(admin.TabularInline):
    model = Highlight
    extra = 0
    fields = ["order", "category", "title", "description", "network", "link"]
    autocomplete_fields = ["network"]


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

    @admin.action(description=_("Julkaise valitut katsaukset"), permissions=["change"])
    def publish(self, request, queryset):
        for review in queryset:
            try:
                services.review_publish(review=review)
            except ValidationError as error:
                self.message_user(request, f"{review}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("Julkaistu: %(title)s") % {"title": review.title})

    @admin.action(description=_("Peru valittujen katsausten julkaisu"), permissions=["change"])
    def unpublish(self, request, queryset):
        for review in queryset:
            services.review_unpublish(review=review)
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
