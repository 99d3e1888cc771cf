"""The Finnish full-text search reads the Finnish columns (`name_fi`, …) of translated fields,
not the original ones, which modeltranslation fills with whatever language was active at a
save (kumppanuus/search.py: language_fields). PostgreSQL only: 0002's Finnish indexes on those
models give way to indexes built from the same SearchVector the search now uses."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# (app, model, fields, translated fields) as search.SOURCES had them when this was written;
# sources without translated fields keep their 0002 index (same columns either way).
SOURCES = [
    ("networks", "network", ("name", "short_description", "description"), {"name", "short_description", "description"}),
    ("programme", "measure", ("title", "code", "description"), {"title", "description"}),
    ("programme", "priority", ("title",), {"title"}),
    ("kumppanuus", "annualreview", ("title", "lead"), {"title", "lead"}),
    ("barometer", "statement", ("text",), {"text"}),
]


def _original_index(model_name, fields):
    return GinIndex(SearchVector(*fields, config="finnish"), name=f"search_{model_name}"[:30])


def _finnish_index(model_name, fields, translated):
    columns = [f"{f}_fi" if f in translated else f for f in fields]
    return GinIndex(SearchVector(*columns, config="finnish"), name=f"search_fi_{model_name}"[:30])


def _swap(schema_editor, apps, forwards):
    if schema_editor.connection.vendor != "postgresql":
        return
    for app_label, model_name, fields, translated in SOURCES:
        model = apps.get_model(app_label, model_name)
        old = _original_index(model_name, fields)
        new = _finnish_index(model_name, fields, translated)
        if not forwards:
            old, new = new, old
        schema_editor.remove_index(model, old)
        schema_editor.add_index(model, new)


def forwards(apps, schema_editor):
    _swap(schema_editor, apps, forwards=True)


def backwards(apps, schema_editor):
    _swap(schema_editor, apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [("kumppanuus", "0007_search_indexes_per_language")]

    operations = [migrations.RunPython(forwards, backwards)]
