from django.core.management.base import BaseCommand

from kumppanuus.roles import roles_setup


class Command(BaseCommand):
    help = "Luo roolit Toimitus ja Yhteyshenkilöt oikeuksineen. Idempotentti."

    def handle(self, *args, **options):
        for group in roles_setup():
            self.stdout.write(f"{group.name}: {group.permissions.count()} oikeutta")
