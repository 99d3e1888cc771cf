"""GIN indexes for the Finnish full-text search, on PostgreSQL only (SQLite uses a fallback).

Each index is built from the same SearchVector the search queries use, so PostgreSQL can use it.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEXES = [
    ("networks", "network", ("name", "short_description", "description")),
    ("networks", "event", ("title", "description", "place")),
    ("programme", "measure", ("title", "code", "description")),
    ("programme", "priority", ("title",)),
    ("kumppanuus", "annualreview", ("title", "lead")),
    ("kumppanuus", "reviewsection", ("heading", "body")),
    ("kumppanuus", "highlight", ("title", "description")),
    ("barometer", "statement", ("text",)),
]


def _index(fields, model_name):
    return GinIndex(SearchVector(*fields, config="finnish"), name=f"search_{model_name}"[:30])


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for app_label, model_name, fields in INDEXES:
        schema_editor.add_index(apps.get_model(app_label, model_name), _index(fields, model_name))


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for app_label, model_name, fields in INDEXES:
        schema_editor.remove_index(apps.get_model(app_label, model_name), _index(fields, model_name))


class Migration(migrations.Migration):
    dependencies = [
        ("kumppanuus", "0001_initial"),
        ("networks", "0001_initial"),
        ("programme", "0001_initial"),
        ("barometer", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_indexes, remove_indexes)]
