"""Admin pages whose query count stays fixed however many rows they show.

A standalone module like csvutil.py: every app's admin uses it without importing another app.
"""


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
