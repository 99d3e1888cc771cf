from django.core.management.base import BaseCommand

from programme.generate import large_programme_generate


class Command(BaseCommand):
    help = "Luo suuri synteettinen ohjelma suorituskykytestejä varten (ei esittelyaineistoa)."

    def add_arguments(self, parser):
        parser.add_argument("--measures", type=int, default=300)
        parser.add_argument("--networks", type=int, default=100)
        parser.add_argument("--rounds", type=int, default=10)

    def handle(self, *args, measures, networks, rounds, **options):
        programme = large_programme_generate(measures=measures, networks=networks, rounds=rounds)
        self.stdout.write(f"{programme}: {measures * networks * rounds} tilaa")
