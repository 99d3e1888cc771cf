"""Swedish and English search read what their pages show: a translated field's own column, or
the Finnish one where that is empty (modeltranslation's fallback; kumppanuus/search.py:
language_fields). PostgreSQL only: 0007's indexes on the translated models give way to indexes
built from the same expressions ("_fb": with the Finnish fallback)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import F, TextField, Value
from django.db.models.functions import Coalesce, NullIf

# (app, model, fields, translated fields) as search.SOURCES had them when this was written.
SOURCES = [
    ("networks", "network", ("name", "short_description", "description"), {"name", "short_description", "description"}),
    ("programme", "measure", ("title", "code", "description"), {"title", "description"}),
    ("programme", "priority", ("title",), {"title"}),
    ("kumppanuus", "annualreview", ("title", "lead"), {"title", "lead"}),
    ("barometer", "statement", ("text",), {"text"}),
]
CONFIGS = {"sv": "swedish", "en": "english"}


def _shown(field, language, translated):
    if field not in translated:
        return F(field)
    text = TextField()
    return Coalesce(
        NullIf(F(f"{field}_{language}"), Value(""), output_field=text),
        F(f"{field}_fi"),
        output_field=text,
    )


def _indexes(model_name, fields, translated, language, config):
    old_columns = [f"{f}_{language}" if f in translated else f for f in fields]
    old = GinIndex(SearchVector(*old_columns, config=config), name=f"search_{language}_{model_name}"[:30])
    shown = [_shown(f, language, translated) for f in fields]
    new = GinIndex(SearchVector(*shown, config=config), name=f"search_{language}_{model_name}_fb"[:30])
    return old, new


def _swap(apps, schema_editor, forwards):
    if schema_editor.connection.vendor != "postgresql":
        return
    for app_label, model_name, fields, translated in SOURCES:
        model = apps.get_model(app_label, model_name)
        for language, config in CONFIGS.items():
            old, new = _indexes(model_name, fields, translated, language, config)
            if not forwards:
                old, new = new, old
            schema_editor.remove_index(model, old)
            schema_editor.add_index(model, new)


def forwards(apps, schema_editor):
    _swap(apps, schema_editor, forwards=True)


def backwards(apps, schema_editor):
    _swap(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):
    dependencies = [("kumppanuus", "0008_finnish_search_reads_finnish_columns")]

    operations = [migrations.RunPython(forwards, backwards)]
