from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation

from kumppanuus.cache import invalidate_pages


class Command(BaseCommand):
    help = (
        "Lataa esittelyaineisto. Jokainen sovellus tuo oman osansa (<app>/demo.py). Idempotentti."
    )

    def handle(self, *args, **options):
        # Translated fields are written in the active language: the demo texts are Finnish
        # whatever language the calling thread last served.
        with translation.override(settings.LANGUAGE_CODE):
            self.load_all()
        invalidate_pages()  # the loaders' bulk writes send no save signals
        self.stdout.write(self.style.SUCCESS("Esittelyaineisto ladattu. Tietokannassa nyt:"))
        for line in demo_summary():
            self.stdout.write(f"  {line}")

    def load_all(self):
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if find_spec(module_name) is None:
                continue
            with transaction.atomic():
                import_module(module_name).load(stdout=self.stdout)


# What the summary counts, by model; the figures are read from the database after loading.
SUMMARY = [
    ("networks.Network", "verkostoa ja työryhmää"),
    ("networks.Event", "tapahtumaa"),
    ("programme.Measure", "toimenpidettä"),
    ("programme.AssessmentRound", "arviointikierrosta"),
    ("programme.MeasureStatus", "toimenpiteen tilaa"),
    ("barometer.Response", "barometrivastausta"),
    ("feedback.Idea", "kehittämisideaa"),
    ("kumppanuus.AnnualReview", "vuosikatsausta"),
    ("auth.User", "käyttäjätunnusta"),
]


def demo_summary():
    lines = []
    for label, noun in SUMMARY:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        lines.append(f"{model._default_manager.count()} {noun}")
    open_rounds = apps.get_model("programme.AssessmentRound").objects.filter(state="open")
    lines.append("avoinna: " + (", ".join(str(r.year) for r in open_rounds) or "ei kierroksia"))
    return lines
