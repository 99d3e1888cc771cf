"""Closed surveys' stored figures keep the statements' words as they were when the survey
closed. Figures stored before this take the words the statements have now (the best record
there is); later rewording no longer reaches them."""

from django.conf import settings
from django.db import migrations


def store_texts(apps, schema_editor):
    Statement = apps.get_model("barometer", "Statement")
    Survey = apps.get_model("barometer", "Survey")
    fields = [f"text_{code}" for code, _name in settings.LANGUAGES]
    texts = {row["pk"]: row for row in Statement.objects.values("pk", *fields)}
    for survey in Survey.objects.exclude(figures=None).only("pk", "figures"):
        for item in survey.figures.get("statements", []):
            row = texts.get(item["statement"])
            if row and "texts" not in item:
                item["texts"] = {field: row[field] for field in fields}
        survey.save(update_fields=["figures"])


class Migration(migrations.Migration):
    dependencies = [
        ("barometer", "0007_response_submission_token"),
    ]

    operations = [
        migrations.RunPython(store_texts, migrations.RunPython.noop),
    ]
