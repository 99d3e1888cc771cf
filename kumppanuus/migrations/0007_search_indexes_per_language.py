"""GIN indexes for the Swedish and English full-text search and for contact persons, on
PostgreSQL only (SQLite uses a fallback). Each index is built from the same SearchVector the
search queries use (kumppanuus/search.py: the language's own columns and configuration), so
PostgreSQL can use it. The Finnish indexes of the other sources are in 0002."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# (app, model, fields, translated fields) as search.SOURCES had them when this was written.
SOURCES = [
    ("networks", "network", ("name", "short_description", "description"), {"name", "short_description", "description"}),
    ("networks", "event", ("title", "description", "place"), set()),
    ("programme", "measure", ("title", "code", "description"), {"title", "description"}),
    ("programme", "priority", ("title",), {"title"}),
    ("kumppanuus", "annualreview", ("title", "lead"), {"title", "lead"}),
    ("kumppanuus", "reviewsection", ("heading", "body"), set()),
    ("kumppanuus", "highlight", ("title", "description"), set()),
    ("barometer", "statement", ("text",), {"text"}),
]
CONFIGS = {"sv": "swedish", "en": "english"}
CONTACTS = ("networks", "contactperson", ("name", "title", "organisation"))


def _indexes():
    for app_label, model_name, fields, translated in SOURCES:
        for language, config in CONFIGS.items():
            columns = [f"{f}_{language}" if f in translated else f for f in fields]
            name = f"search_{language}_{model_name}"[:30]
            yield app_label, model_name, GinIndex(SearchVector(*columns, config=config), name=name)
    app_label, model_name, fields = CONTACTS
    for language, config in {"fi": "finnish", **CONFIGS}.items():
        name = f"search_{language}_contactperson"
        yield app_label, model_name, GinIndex(SearchVector(*fields, config=config), name=name)


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for app_label, model_name, index in _indexes():
        schema_editor.add_index(apps.get_model(app_label, model_name), index)


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for app_label, model_name, index in _indexes():
        schema_editor.remove_index(apps.get_model(app_label, model_name), index)


class Migration(migrations.Migration):
    dependencies = [
        ("kumppanuus", "0006_frozen_figures"),
        ("networks", "0002_network_description_en_network_description_fi_and_more"),
        ("programme", "0004_assessment_confirmation"),
        ("barometer", "0005_response_client_network"),
    ]

    operations = [migrations.RunPython(add_indexes, remove_indexes)]
