"""Admin pieces every app's admin shares: pages whose query count stays fixed however many
rows they show, and autocomplete fields that take odd input without a 500.

A standalone module like csvutil.py: every app's admin uses it without importing another app.
"""

from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError


class SharedChoicesInline:
    """An inline whose foreign-key selects read their choices once per page, not once per row
    (Django reads a select's choices, or an autocomplete's chosen label, anew for each row)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None:
            field.choices = list(field.choices)  # read here once; each row's copy shares it
        return field


def with_related_labels(record):
    """A history row's object with the related rows its label needs, taken from the history
    row's own select_related instead of one query each."""
    obj = record.history_object
    for field in obj._meta.concrete_fields:
        if field.is_relation and record._state.fields_cache.get(field.name) is not None:
            obj._state.fields_cache[field.name] = record._state.fields_cache[field.name]
    return obj


class OddValueSafeAutocomplete:
    """Autocomplete fields whose form, sent back with a value that is no key at all (text in
    a number's place), shows the error instead of a 500: Django's autocomplete looks the sent
    value up as a key while drawing the form again (ValueError)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KeysOnlyAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class KeysOnlyAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        key = self.field.remote_field.model._meta.pk
        return super().optgroups(name, [v for v in value if _is_key(key, v)], attr)


def _is_key(key_field, value):
    try:
        key_field.to_python(value)
    except ValidationError:
        return False
    return True
