from django.core.management.base import BaseCommand, CommandError

from barometer.generate import large_survey_generate
from barometer.models import Survey


class Command(BaseCommand):
    help = (
        "Luo suuri synteettinen barometrikysely suorituskykytestejä varten (ei esittelyaineistoa)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--responses", type=int, default=100_000)
        parser.add_argument("--year", type=int, default=2099)

    def handle(self, *args, responses, year, **options):
        if Survey.objects.filter(year=year).exists():
            raise CommandError(f"Vuoden {year} kysely on jo olemassa; valitse toinen --year.")
        survey = large_survey_generate(responses=responses, year=year)
        self.stdout.write(f"{survey}: {responses} vastaajaa")
