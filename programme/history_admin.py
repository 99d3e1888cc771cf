"""History and revert screens that apply the change form's rules.

django-simple-history's screens look a row up by id without the admin's queryset and ask
only the model-level permission. Here the row must be in `get_queryset(request)` (else 404),
the role must pass the object permission for the current row and for the old version shown
(else 403), and a revert POST needs `has_revert_permission` for both (else 403, nothing saved).
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from simple_history.admin import SimpleHistoryAdmin

from adminrows import with_related_labels


class RuledHistoryAdmin(SimpleHistoryAdmin):
    def has_revert_permission(self, request, obj):
        """Override per model; by default whoever may change the row may revert it."""
        return self.has_change_permission(request, obj)

    def has_change_history_permission(self, request, obj=None):
        # Also decides whether the revert button is shown: only where its POST is allowed.
        return obj is not None and self._may_revert(request, obj)

    def _may_revert(self, request, version):
        """Reverting to `version` needs the revert permission for it and for the row as it is
        now (a published review refuses, whatever its old version was)."""
        current = self.get_object(request, str(version.pk))
        return (
            current is not None
            and self.has_revert_permission(request, current)
            and self.has_revert_permission(request, version)
        )

    def _visible_row(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self._visible_row(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self._visible_row(request, object_id)
        if not str(version_id).isdigit():
            raise Http404
        manager = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        version = get_object_or_404(
            manager.model, **{self.model._meta.pk.attname: current.pk, "history_id": version_id}
        ).instance
        if not self.has_view_or_change_permission(request, version):
            raise PermissionDenied
        if request.method == "POST" and not self._may_revert(request, version):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, *args, **kwargs):
        super().set_history_delta_changes(request, historical_records, *args, **kwargs)
        for record in historical_records:
            # The list shows each version's label: its related rows come with the page.
            record.history_object = with_related_labels(record)
