from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from kumppanuus.cache import invalidate_pages


class Command(BaseCommand):
    help = (
        "Lataa esittelyaineisto. Jokainen sovellus tuo oman osansa (<app>/demo.py). Idempotentti."
    )

    def handle(self, *args, **options):
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if find_spec(module_name) is None:
                continue
            with transaction.atomic():
                import_module(module_name).load(stdout=self.stdout)
        invalidate_pages()  # the loaders' bulk writes send no save signals
        self.stdout.write(self.style.SUCCESS("Esittelyaineisto ladattu."))
